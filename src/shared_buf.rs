//! Rendered error bodies cut from one buffer per thread. Each is a [`Bytes`] of its own
//! that shares the buffer's allocation (counted by reference, as hyper's request
//! heads share its read buffer), so that making one allocates nothing, bar one
//! allocation per few kilobytes written.
//!
//! A buffer is freed once every piece cut from it is dropped; the pieces live as
//! long as a response (`ApiError::to_bytes`, whose bytes a caller may keep, copies
//! its own).

use std::cell::RefCell;

use bytes::{Bytes, BytesMut};

/// The size of a new buffer: room for a dozen error bodies.
const CHUNK: usize = 4096;

thread_local! {
    static BUF: RefCell<Option<BytesMut>> = const { RefCell::new(None) };
}

/// What `write` appends to the thread's buffer, as a [`Bytes`] of its own. `room`
/// is the length expected: a buffer with less left is replaced first (a longer
/// write still succeeds, copying into a larger buffer of its own).
pub(crate) fn cut(room: usize, write: impl FnOnce(&mut BytesMut)) -> Bytes {
    let own = |write: &mut dyn FnMut(&mut BytesMut)| {
        let mut own = BytesMut::with_capacity(room);
        write(&mut own);
        own.freeze()
    };
    let mut write = Some(write);
    let mut write_once = |buf: &mut BytesMut| {
        if let Some(write) = write.take() {
            write(buf);
        }
    };
    // During the thread's exit, or were `write` to cut again: an allocation of its own.
    BUF.try_with(|buf| {
        let Ok(mut slot) = buf.try_borrow_mut() else {
            return None;
        };
        let buf = match &mut *slot {
            Some(buf) if buf.capacity() - buf.len() >= room => buf,
            other => other.insert(BytesMut::with_capacity(CHUNK.max(room))),
        };
        // Nothing of an earlier write that did not finish.
        buf.clear();
        write_once(buf);
        let piece = buf.split().freeze();
        // A body longer than the buffer moved it to a larger allocation: that one is
        // not kept for the small bodies after it.
        if buf.capacity() > 4 * CHUNK {
            *slot = None;
        }
        Some(piece)
    })
    .ok()
    .flatten()
    .unwrap_or_else(|| own(&mut write_once))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_their_own_and_share_a_buffer() {
        let a = cut(3, |b| b.extend_from_slice(b"abc"));
        let b = cut(2, |b| b.extend_from_slice(b"de"));
        assert_eq!((&a[..], &b[..]), (&b"abc"[..], &b"de"[..]));
        // The second piece follows the first in the same allocation.
        assert_eq!(a.as_ptr().wrapping_add(3), b.as_ptr());
        // A write longer than the room it asked for still succeeds.
        let long = cut(1, |b| b.extend_from_slice(&[b'x'; 10_000]));
        assert_eq!(long.len(), 10_000);
        drop((a, b));
        assert_eq!(&cut(0, |_| {})[..], b"");
    }
}

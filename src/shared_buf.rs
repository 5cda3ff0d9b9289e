//! Rendered error bodies cut from one buffer per thread. Each is a [`Bytes`] of its own
//! that shares the buffer's allocation (counted by reference, as hyper's request
//! heads share its read buffer), so that making one allocates nothing, bar one
//! allocation per few kilobytes written.
//!
//! A buffer is freed once every piece cut from it is dropped; the pieces live as
//! long as a response.

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
    BUF.with(|buf| match buf.try_borrow_mut() {
        Ok(mut buf) => {
            let buf = match &mut *buf {
                Some(buf) if buf.capacity() - buf.len() >= room => buf,
                other => other.insert(BytesMut::with_capacity(CHUNK.max(room))),
            };
            write(buf);
            buf.split().freeze()
        }
        // `write` never cuts again; were it to, that piece gets its own allocation.
        Err(_) => {
            let mut own = BytesMut::with_capacity(room);
            write(&mut own);
            own.freeze()
        }
    })
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

//! `Content-Length` values without an allocation: the decimal digits of every
//! length below [`STATIC`] sit in one static array, and a value is a slice of it
//! (`HeaderValue`'s own `From<usize>` allocates for each).

use bytes::Bytes;
use http::HeaderValue;

/// The lengths written from the static array: nearly every error body is shorter.
const STATIC: usize = 4096;

/// How many digits `n` has (`n` below 10,000).
const fn digits(n: usize) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        _ => 4,
    }
}

/// Where the digits of `n` start in [`DECIMALS`]: the digits of all smaller numbers
/// come first.
const fn start(n: usize) -> usize {
    match n {
        0..=9 => n,
        10..=99 => 10 + 2 * (n - 10),
        100..=999 => 190 + 3 * (n - 100),
        _ => 2890 + 4 * (n - 1000),
    }
}

/// 0, 1, ..., 4095 in decimal, one after the other.
static DECIMALS: [u8; start(STATIC)] = {
    let mut out = [0; start(STATIC)];
    let mut n = 0;
    while n < STATIC {
        let (mut at, mut rest) = (start(n) + digits(n), n);
        while at > start(n) {
            at -= 1;
            out[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        n += 1;
    }
    out
};

/// `len` as a `Content-Length` value.
pub(super) fn content_length(len: usize) -> HeaderValue {
    if len < STATIC {
        let digits = &DECIMALS[start(len)..start(len) + digits(len)];
        if let Ok(value) = HeaderValue::from_maybe_shared(Bytes::from_static(digits)) {
            return value;
        }
    }
    HeaderValue::from(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_in_decimal() {
        for len in (0..5000).chain([65_535, usize::MAX]) {
            assert_eq!(content_length(len), len.to_string());
        }
    }
}

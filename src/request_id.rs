//! [`RequestId`]: the id that ties a response, its error body and its log lines
//! together.
//!
//! [`ApiErrorLayer`](crate::ApiErrorLayer) keeps a safe incoming `X-Request-Id`
//! (1 to 128 characters of `[A-Za-z0-9._:-]`) and generates a fresh id for anything
//! else, then hands it to handlers through the request extensions:
//!
//! ```
//! use axum::{body::Body, http::Request, routing::get, Router};
//! use axum_api_error::{ApiErrorLayer, RequestId};
//! use tower::ServiceExt;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//!
//! async fn handler(id: RequestId) -> String {
//!     format!("your request id is {id}")
//! }
//!
//! let app: Router = Router::new()
//!     .route("/", get(handler))
//!     .layer(ApiErrorLayer::new());
//! let req = |id| Request::get("/").header("x-request-id", id).body(Body::empty()).unwrap();
//! let res = app.clone().oneshot(req("req-42")).await.unwrap();
//! let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
//! assert_eq!(body, "your request id is req-42");
//! // An unsafe id is replaced by a fresh UUID.
//! let res = app.oneshot(req("<script>")).await.unwrap();
//! assert_eq!(res.headers()["x-request-id"].len(), 36);
//! # }
//! ```

use std::{
    cell::RefCell,
    collections::hash_map::RandomState,
    convert::Infallible,
    fmt,
    hash::{BuildHasher, Hasher},
};

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use bytes::{Bytes, BytesMut};
use http::{request::Parts, HeaderValue};

use crate::error::ApiError;

/// `X-Request-Id`, the default request id header (also `layer::X_REQUEST_ID`).
pub const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// The longest request id accepted from a client.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// A request's id: an incoming one that passed the check, or a fresh UUID v4.
///
/// As an extractor it fails with a 500 when [`ApiErrorLayer`](crate::ApiErrorLayer)
/// is not installed; extract `Option<RequestId>` to make it optional.
///
/// A generated id shares one allocation with the 63 generated beside it (see
/// [`RequestId::generate`]): to keep an id long after its request, keep
/// `id.to_string()`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// The id in `value`, if it is safe to echo and log: 1 to 128 characters of
    /// `[A-Za-z0-9._:-]`, nothing that could break a header, a log line or a JSON string.
    ///
    /// ```
    /// use axum_api_error::RequestId;
    /// use http::HeaderValue;
    ///
    /// assert!(RequestId::parse(&HeaderValue::from_static("req-42:a.b_c")).is_some());
    /// assert!(RequestId::parse(&HeaderValue::from_static("")).is_none());
    /// assert!(RequestId::parse(&HeaderValue::from_static("a b")).is_none());
    /// assert!(RequestId::parse(&HeaderValue::from_static("a;b")).is_none());
    /// assert!(RequestId::parse(&HeaderValue::from_str(&"a".repeat(129)).unwrap()).is_none());
    /// ```
    #[must_use]
    pub fn parse(value: &HeaderValue) -> Option<Self> {
        is_valid(value.as_bytes()).then(|| Self(value.clone()))
    }

    /// A fresh id: a random UUID v4 (`"0b6d1a43-6a8e-4c1e-9f0e-2f5d8f1f3a7b"`).
    ///
    /// The random bits come from a per-thread generator seeded once from the
    /// operating system (through std's `RandomState`), so ids are unique across
    /// threads and processes without a system call per request.
    ///
    /// Ids are made 64 at a time into one buffer per thread, and each is a piece of
    /// it (no allocation per id): the buffer is freed when the last of its ids is
    /// dropped. To keep an id long after its response, keep `id.to_string()`.
    #[must_use]
    pub fn generate() -> Self {
        let piece = IDS
            .try_with(|ids| {
                let mut ids = ids.try_borrow_mut().ok()?;
                if ids.is_empty() {
                    *ids = uuid_batch();
                }
                Some(ids.split_to(UUID_LEN))
            })
            .ok()
            .flatten()
            // During the thread's exit: an allocation of its own.
            .unwrap_or_else(|| Bytes::copy_from_slice(&hyphenated(uuid_v4(random_u128()))));
        // A hyphenated UUID is always a valid header value.
        Self(HeaderValue::from_maybe_shared(piece).unwrap_or(HeaderValue::from_static("unknown")))
    }

    /// The trace's id as a request id (32 hex digits), for
    /// [`ApiErrorLayer::with_request_id_from_trace`](crate::ApiErrorLayer::with_request_id_from_trace).
    pub(crate) fn from_trace(trace_id: crate::wire::trace_context::TraceId) -> Self {
        let value = HeaderValue::from_str(&trace_id.to_string());
        Self(value.unwrap_or(HeaderValue::from_static("unknown")))
    }

    /// Stands in until the layer has decided the id.
    pub(crate) const fn placeholder() -> Self {
        Self(HeaderValue::from_static("-"))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Checked or generated as ASCII, so this never falls back.
        self.0.to_str().unwrap_or_default()
    }

    /// The id as a header value.
    #[must_use]
    pub const fn header_value(&self) -> &HeaderValue {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            ApiError::internal("the RequestId extractor needs ApiErrorLayer around the route")
        })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().cloned())
    }
}

pub(crate) fn is_valid(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// The length of a hyphenated UUID.
const UUID_LEN: usize = 36;

/// How many ids [`RequestId::generate`] makes at once.
const BATCH: usize = 64;

thread_local! {
    /// The ids made and not yet handed out, one after the other.
    static IDS: RefCell<Bytes> = const { RefCell::new(Bytes::new()) };
}

/// [`BATCH`] fresh UUIDs v4, hyphenated, one after the other.
fn uuid_batch() -> Bytes {
    let mut batch = BytesMut::with_capacity(BATCH * UUID_LEN);
    for _ in 0..BATCH {
        batch.extend_from_slice(&hyphenated(uuid_v4(random_u128())));
    }
    batch.freeze()
}

/// A UUID v4 (RFC 9562 §5.4) from 128 random bits: the version nibble set to 4 and
/// the variant bits to `10`.
const fn uuid_v4(random: u128) -> u128 {
    (random & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
}

/// `uuid` as RFC 9562 writes it, lower-case (`8-4-4-4-12` hex digits).
fn hyphenated(uuid: u128) -> [u8; UUID_LEN] {
    let high = hex16((uuid >> 64) as u64);
    let low = hex16(uuid as u64);
    let mut out = [b'-'; UUID_LEN];
    out[..8].copy_from_slice(&high[..8]);
    out[9..13].copy_from_slice(&high[8..12]);
    out[14..18].copy_from_slice(&high[12..]);
    out[19..23].copy_from_slice(&low[..4]);
    out[24..].copy_from_slice(&low[4..]);
    out
}

/// The 16 lower-case hex digits of `x`, most significant first, a whole word at a
/// time: each nibble is spread into a byte of its own, then made a digit.
fn hex16(x: u64) -> [u8; 16] {
    const ONES: u128 = u128::MAX / 0xff;
    let mut v = u128::from(x);
    v = (v | (v << 32)) & 0x0000_0000_ffff_ffff_0000_0000_ffff_ffff;
    v = (v | (v << 16)) & 0x0000_ffff_0000_ffff_0000_ffff_0000_ffff;
    v = (v | (v << 8)) & 0x00ff_00ff_00ff_00ff_00ff_00ff_00ff_00ff;
    v = (v | (v << 4)) & (ONES * 0x0f);
    // Each byte n (0 to 15) becomes '0' + n, and 'a' - '0' - 10 more where n > 9.
    let over_nine = ((v + ONES * 6) >> 4) & ONES;
    (v + ONES * u128::from(b'0') + over_nine * u128::from(b'a' - b'0' - 10)).to_be_bytes()
}

thread_local! {
    static RNG: RefCell<fastrand::Rng> = RefCell::new(fastrand::Rng::with_seed(os_seed()));
}

/// 128 random bits from the thread's generator (not cryptographic).
pub(crate) fn random_u128() -> u128 {
    with_rng(|rng| rng.u128(..))
}

/// 64 random bits from the thread's generator (not cryptographic).
pub(crate) fn random_u64() -> u64 {
    with_rng(|rng| rng.u64(..))
}

/// `f` with the thread's generator, or, during the thread's exit, a fresh one.
fn with_rng<T>(f: impl Fn(&mut fastrand::Rng) -> T) -> T {
    RNG.try_with(|rng| rng.try_borrow_mut().ok().map(|mut rng| f(&mut rng)))
        .ok()
        .flatten()
        .unwrap_or_else(|| f(&mut fastrand::Rng::with_seed(os_seed())))
}

/// 64 bits that differ between processes and threads: std's `RandomState` keys come
/// from the OS once per thread.
fn os_seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_ids_are_valid_uuid_v4_and_distinct() {
        let ids: HashSet<String> = (0..10_000)
            .map(|_| RequestId::generate().to_string())
            .collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            let uuid = uuid::Uuid::try_parse(id).unwrap();
            assert_eq!(uuid.get_version_num(), 4);
            assert!(is_valid(id.as_bytes()));
        }
    }

    #[test]
    fn hyphenated_as_the_uuid_crate_writes_it() {
        let mut rng = fastrand::Rng::with_seed(17);
        for random in [0, u128::MAX, 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210]
            .into_iter()
            .chain(std::iter::repeat_with(|| rng.u128(..)).take(10_000))
        {
            let ours = hyphenated(uuid_v4(random));
            let theirs = uuid::Builder::from_random_bytes(random.to_be_bytes()).into_uuid();
            assert_eq!(
                std::str::from_utf8(&ours).unwrap(),
                theirs.hyphenated().to_string()
            );
        }
    }

    #[test]
    fn threads_do_not_share_a_sequence() {
        let a = std::thread::spawn(|| RequestId::generate().to_string());
        let b = std::thread::spawn(|| RequestId::generate().to_string());
        assert_ne!(a.join().unwrap(), b.join().unwrap());
    }

    #[test]
    fn validity() {
        assert!(is_valid(b"a"));
        assert!(is_valid("A-z_0.9:x".as_bytes()));
        assert!(is_valid(&[b'x'; 128]));
        assert!(!is_valid(&[b'x'; 129]));
        assert!(!is_valid(b""));
        for bad in [
            &b"a b"[..],
            b"a;b",
            b"a\"b",
            b"\xc3\xa9",
            b"a/b",
            b"a\tb",
            b"a,b",
        ] {
            assert!(!is_valid(bad), "{bad:?}");
        }
    }
}

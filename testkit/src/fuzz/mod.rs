//! The logic of the fuzz targets, one function per target: it takes the fuzzer's
//! bytes, drives the crate's public API in-process (the real `ApiErrorLayer`, around
//! an axum `Router` or a `tower::service_fn`, on a current-thread tokio runtime; no
//! network) and panics when a response breaks what the crate promises.
//!
//! The cargo-fuzz binaries in `fuzz/fuzz_targets/` call these functions, and so does
//! the root crate's corpus replay test, `tests/fuzz_corpus/`, so both run the same
//! checks. They compile on stable: no `libfuzzer-sys` here. What a response must be
//! comes from [`crate::oracle`], never from the crate under test.
//!
//! - [`request_id`]: the bytes as an `X-Request-Id`: `RequestId::parse` accepts
//!   exactly 1 to 128 bytes of `[A-Za-z0-9._:-]`, and the layer echoes such an id and
//!   replaces anything else with a fresh UUID v4.
//! - [`accept`]: the bytes as the `Accept` of a request whose handler returns an
//!   `ApiError`: the format is the one the documented negotiation picks, and the body
//!   parses as that format's `ErrorBody` or `ProblemDetails`.
//! - [`traceparent`]: the bytes as one or two `traceparent` lines and a
//!   `tracestate`: `TraceParent::parse` agrees with the oracle's reading of W3C
//!   Trace Context, the layer continues a valid trace (the next hop keeps its id
//!   and flag, with a new parent) and starts one otherwise, and never echoes either
//!   field or fails because of them.
//! - [`json_body`]: the bytes as the strings, numbers and lists of an error body in
//!   both formats: the wire crate's `write_json` writes exactly what `serde_json`
//!   writes, and it parses back to the same body.
//! - [`normaliser`]: the bytes as another service's response (status, headers, body,
//!   its framing and size hint) and the request's method and `Accept`: the layer
//!   passes successes and app-chosen bodies through untouched, and rewrites empty and
//!   `text/plain` errors into the error shape without leaking a 5xx's text.
//!
//! The findings of the first runs (`FUZZING.md`) are fixed; their inputs are
//! replayed in CI by `tests/fuzz_corpus/`.

use std::{
    cell::RefCell,
    collections::VecDeque,
    convert::Infallible,
    future::{ready, Future},
    io,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::Path,
    http::{
        header::{
            ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LANGUAGE,
            CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED,
            RETRY_AFTER, TRANSFER_ENCODING, VARY, WWW_AUTHENTICATE,
        },
        response::Parts,
        HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode,
    },
    routing::get,
    Router,
};
use axum_api_error::{
    headers::{BearerError, Challenge, RateLimit},
    layer::{ApiErrorService, X_REQUEST_ID},
    wire::{reason_phrase, ErrorBody, ErrorFormat, ProblemDetails},
    ApiError, ApiErrorLayer, RequestId,
};
use http_body::{Frame, SizeHint};
use tower::{Layer, Service, ServiceExt};

use crate::oracle;

mod accept;
mod json_body;
mod normaliser;
mod request_id;
mod traceparent;

pub use accept::accept;
pub use json_body::json_body;
pub use normaliser::normaliser;
pub use request_id::request_id;
pub use traceparent::traceparent;

// ---------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------

thread_local! {
    /// One current-thread runtime per thread, built once: nothing here waits on I/O
    /// or timers, so every future completes within a few polls.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread tokio runtime");
}

fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.with(|runtime| runtime.block_on(future))
}

/// Sends `req` to `service` and reads the whole response; the body's error, if any,
/// is returned as `Err`.
fn send<S>(service: S, req: Request<Body>) -> (Parts, Result<Bytes, String>)
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    block_on(async move {
        let res = match service.oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| e.to_string());
        (parts, bytes)
    })
}

/// Bytes shown as text with escapes, for assertion messages.
fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// Whether `haystack` contains `needle`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The one value of `name` in `headers`, asserting there is exactly one.
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> &'a HeaderValue {
    let mut values = headers.get_all(name).iter();
    let value = values
        .next()
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"));
    assert!(
        values.next().is_none(),
        "several {name} headers: {headers:?}"
    );
    value
}

/// Asserts that `id` is a fresh id of the crate: a lower-case UUID v4.
fn assert_uuid_v4(id: &[u8]) {
    assert!(
        oracle::is_uuid_v4(id),
        "not a lower-case UUID v4: {}",
        show(id)
    );
}

/// What the body of a rendered error says.
#[derive(Debug)]
struct Rendered {
    message: String,
    code: String,
    request_id: Option<String>,
    trace_id: Option<String>,
    retry_after: Option<u64>,
}

/// Parses `body` as the format `content_type` names, checking the members that do
/// not depend on the error (`error`/`title` and `status`).
fn parse_rendered(
    status: StatusCode,
    content_type: &HeaderValue,
    body: &[u8],
    instance: &str,
) -> Rendered {
    if content_type == "application/json" {
        let body: ErrorBody<'static> = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("not an ErrorBody ({e}): {}", show(body)));
        assert_eq!(body.error, reason_phrase(status));
        Rendered {
            message: body.message.into_owned(),
            code: body.code.into_owned(),
            request_id: body.request_id.map(Into::into),
            trace_id: body.trace_id.map(Into::into),
            retry_after: body.retry_after,
        }
    } else if content_type == "application/problem+json" {
        let body: ProblemDetails<'static> = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("not ProblemDetails ({e}): {}", show(body)));
        assert_eq!(body.title, reason_phrase(status));
        assert_eq!(body.status, status.as_u16());
        assert_eq!(body.instance.as_deref(), Some(instance));
        Rendered {
            message: body.detail.into_owned(),
            code: body.code.into_owned(),
            request_id: body.request_id.map(Into::into),
            trace_id: body.trace_id.map(Into::into),
            retry_after: body.retry_after,
        }
    } else {
        panic!("content-type {content_type:?} is neither JSON format");
    }
}

/// The headers every error the layer sends carries; `Cache-Control: no-store` too
/// unless `cache` is false.
fn assert_error_headers(headers: &HeaderMap, status: StatusCode, cache: bool) {
    if cache {
        assert_eq!(
            single(headers, &CACHE_CONTROL),
            "no-store",
            "{status}: {headers:?}"
        );
    }
    assert!(
        oracle::varies_on_accept(headers),
        "{status}: no Vary: accept: {headers:?}"
    );
    if status == StatusCode::UNAUTHORIZED {
        assert!(
            headers.contains_key(WWW_AUTHENTICATE),
            "401 without a challenge"
        );
    }
    if matches!(status.as_u16(), 429 | 503) {
        assert!(
            headers.contains_key(RETRY_AFTER),
            "{status} without Retry-After"
        );
    }
}

/// `Content-Length` equals the length of the body sent.
fn assert_length(headers: &HeaderMap, body: &[u8]) {
    let length = single(headers, &CONTENT_LENGTH);
    assert_eq!(length.as_bytes(), body.len().to_string().as_bytes());
}

/// The marker of text a 5xx must never send.
const SECRET: &[u8] = b"SECRET";

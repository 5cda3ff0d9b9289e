//! What every module shares: sending an error and reading back what a client sees,
//! its problem form, the headers every error carries, the golden case, and the leak
//! check.

use std::{future::Future, panic::Location, sync::Arc};

use axum::{
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use axum_api_error::{wire::ErrorFormat, ApiError};
use serde_json::Value;
use testkit::headers::{assert_header_map, expected_map, header_map};

/// A response taken apart: what the client sees, plus the error the logs see.
#[derive(Debug)]
pub(crate) struct Sent {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) error: Arc<ApiError>,
}

/// `into_response`, then read everything. Also checks, for every response, that the
/// body is byte for byte `to_bytes(ErrorFormat::Json, None)`.
pub(crate) async fn send(err: ApiError) -> Sent {
    read(err.into_response()).await
}

pub(crate) async fn read(res: Response) -> Sent {
    let status = res.status();
    let headers = res.headers().clone();
    let error = res
        .extensions()
        .get::<Arc<ApiError>>()
        .cloned()
        .expect("the response extensions hold the Arc<ApiError>");
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("an error body never fails");
    assert_eq!(
        bytes,
        error.to_bytes(ErrorFormat::Json, None),
        "the response body is to_bytes(Json, None)"
    );
    let body = serde_json::from_slice(&bytes).expect("the body is JSON");
    Sent {
        status,
        headers,
        body,
        error,
    }
}

/// The RFC 9457 form of `err`, as sent with request id `req-1`.
pub(crate) fn problem(err: &ApiError) -> Value {
    let bytes = err.to_bytes(ErrorFormat::Problem, Some("req-1"));
    serde_json::from_slice(&bytes).expect("the problem body is JSON")
}

/// The headers every error response carries.
const BASE_HEADERS: [(&str, &str); 3] = [
    ("content-type", "application/json"),
    ("cache-control", "no-store"),
    ("vary", "accept"),
];

/// Asserts the header map is exactly the base headers plus `extra`: nothing missing,
/// nothing more, no value different.
#[track_caller]
pub(crate) fn assert_headers(headers: &HeaderMap, extra: &[(&str, &str)]) {
    let expected: Vec<(&str, &str)> = BASE_HEADERS.iter().chain(extra).copied().collect();
    assert_header_map(headers, &expected);
}

/// One golden case: an error and everything a client sees of it.
pub(crate) struct Golden {
    /// Builds the error; called once to send it and once for its problem form.
    pub(crate) make: fn() -> ApiError,
    /// The response status.
    pub(crate) status: StatusCode,
    /// The headers beyond [`BASE_HEADERS`]; the map must be exactly both.
    pub(crate) headers: &'static [(&'static str, &'static str)],
    /// The whole JSON body of the response.
    pub(crate) json: Value,
    /// The whole problem form, [`problem`] of a fresh `make()`.
    pub(crate) problem: Value,
}

/// Sends `(golden.make)()` and asserts its status, that its header map is exactly
/// [`BASE_HEADERS`] plus `golden.headers`, its whole JSON body, and the whole problem
/// form of a second `make()`. Returns what was sent, for a case that checks more.
///
/// An `async fn` cannot be `#[track_caller]`, so this captures the caller's location
/// before it returns the future, and every failure message names it and the status.
#[track_caller]
pub(crate) fn assert_golden(golden: Golden) -> impl Future<Output = Sent> {
    let case = Location::caller();
    async move {
        let Golden {
            make,
            status,
            headers,
            json,
            problem: expected_problem,
        } = golden;
        let sent = send(make()).await;
        assert_eq!(
            sent.status, status,
            "the status of the {status} golden at {case}"
        );
        let expected_headers: Vec<(&str, &str)> =
            BASE_HEADERS.iter().chain(headers).copied().collect();
        assert_eq!(
            header_map(&sent.headers),
            expected_map(&expected_headers),
            "the headers of the {status} golden at {case}: exactly the base headers plus {headers:?}"
        );
        assert_eq!(
            sent.body, json,
            "the JSON body of the {status} golden at {case}"
        );
        assert_eq!(
            problem(&make()),
            expected_problem,
            "the problem form of the {status} golden at {case}"
        );
        sent
    }
}

/// The secret that sources carry: no response may show it.
pub(crate) const SECRET: &str = "SECRET-DB-PASSWORD";

/// Nothing that only the server should know.
const FORBIDDEN_TEXT: &[&str] = &[
    "SECRET",
    "LeakyDbError",
    "LeakyInner",
    "DebugLeak",
    "postgres",
    "/srv/",
    "src/",
    ".rs",
    "tests/variants",
    "query failed",
    "auth failed",
    "upstream refused",
];

pub(crate) fn assert_no_leak(what: &str, text: &str) {
    for needle in FORBIDDEN_TEXT {
        assert!(!text.contains(needle), "{what} leaks {needle:?}: {text}");
    }
}

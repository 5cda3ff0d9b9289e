//! The bytes on the wire, exactly: status lines, header lines in their order, and
//! bodies, of every kind of response the layer sends, over real HTTP/1.1 on
//! 127.0.0.1, compared with `tests/golden/wire_bytes.txt`.
//!
//! The golden file was written by the build before the work on cost (issue 17), so
//! that a change made for speed cannot change a byte a client sees. Only the `date`
//! line and generated request ids (a UUID v4 each) are masked. `UPDATE_GOLDEN=1`
//! writes the file anew.

use std::{convert::Infallible, path::Path};

use axum::{
    extract::{DefaultBodyLimit, Request},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use axum_api_error::{ApiError, ApiErrorLayer};
use serde_json::{json, Value};
use testkit::{
    raw::{exchange, Then},
    server::serve_service,
};
use tower::{Layer, Service};

fn routes() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }).post(|| async { "posted" }))
        .route("/invalid", get(invalid))
        .route("/own-json", get(own_json))
        .route("/json", post(|Json(v): Json<Value>| async move { Json(v) }))
        .route("/private", get(|| async { ApiError::unauthorized() }))
        .route(
            "/limited",
            get(|| async { ApiError::rate_limited(std::time::Duration::from_secs(30)) }),
        )
        .route("/crash", get(crash))
        .route("/text-500", get(text_500))
        .route("/bare-409", get(|| async { StatusCode::CONFLICT }))
        .route("/busy", get(busy))
        .route(
            "/status-600",
            get(|| async { StatusCode::from_u16(600).unwrap() }),
        )
        .route("/bare-401", get(|| async { StatusCode::UNAUTHORIZED }))
        .route("/bare-408", get(|| async { StatusCode::REQUEST_TIMEOUT }))
        .route(
            "/bare-503",
            get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        )
        .route(
            "/text-409",
            get(|| async { (StatusCode::CONFLICT, "Email taken.") }),
        )
        .route("/gone-etag", get(gone_with_representation))
        .layer(DefaultBodyLimit::max(64))
}

async fn invalid() -> ApiError {
    ApiError::validation()
        .add_field_error("name", "Must not be empty.", "REQUIRED")
        .add_field_error(
            "email",
            "Must be a \"valid\" email\naddress.",
            "INVALID_FORMAT",
        )
}

async fn own_json() -> impl IntoResponse {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [("cache-control", "max-age=60")],
        Json(json!({"mine": true})),
    )
}

async fn crash() -> &'static str {
    panic!("the secret stack")
}

async fn text_500() -> impl IntoResponse {
    (StatusCode::INTERNAL_SERVER_ERROR, "db password hunter2")
}

async fn gone_with_representation() -> impl IntoResponse {
    (
        StatusCode::GONE,
        [
            ("etag", "\"v1\""),
            ("content-encoding", "gzip"),
            ("x-app", "kept"),
        ],
    )
}

async fn busy() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [("retry-after", HeaderValue::from_static("7"))],
    )
}

/// The requests, each on its own connection, each ending it.
fn requests() -> Vec<(&'static str, Vec<u8>)> {
    let get = |path: &str, extra: &str| {
        format!(
            "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\nx-request-id: wire-1\r\n{extra}\r\n"
        )
        .into_bytes()
    };
    let with_body = |method: &str, path: &str, extra: &str, body: &str| {
        format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\nx-request-id: wire-1\r\ncontent-length: {}\r\n{extra}\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    vec![
        ("200", get("/", "")),
        ("200, a generated id", b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n".to_vec()),
        ("200, an unsafe id replaced", b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\nx-request-id: <bad>\r\n\r\n".to_vec()),
        ("404", get("/nope", "")),
        ("404, a generated id", b"GET /nope HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n".to_vec()),
        ("404 as problem+json", get("/nope?q=1", "accept: application/problem+json\r\n")),
        ("404 to HEAD", b"HEAD /nope HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\nx-request-id: wire-1\r\n\r\n".to_vec()),
        ("405", with_body("DELETE", "/", "", "")),
        ("422 ApiError", get("/invalid", "")),
        ("422 ApiError as problem+json", get("/invalid", "accept: application/problem+json\r\n")),
        ("422 the app's own JSON", get("/own-json", "")),
        ("400 Json rejection", with_body("POST", "/json", "content-type: application/json\r\n", "{\"a\": tru")),
        ("415 Json rejection", with_body("POST", "/json", "content-type: text/plain\r\n", "{}")),
        ("400 Json rejection, cut short", with_body("POST", "/json", "content-type: application/json\r\n", "[1,")),
        ("413", with_body("POST", "/json", "content-type: application/json\r\n", &format!("\"{}\"", "x".repeat(100)))),
        ("401", get("/private", "")),
        ("429", get("/limited", "")),
        ("500 panic", get("/crash", "")),
        ("500 text", get("/text-500", "")),
        ("409 bare status", get("/bare-409", "")),
        ("503 with the app's Retry-After", get("/busy", "")),
        ("600 bare status", get("/status-600", "")),
        ("401 bare status", get("/bare-401", "")),
        ("408 bare status", get("/bare-408", "")),
        ("503 bare status", get("/bare-503", "")),
        ("409 with the app's text", get("/text-409", "")),
        ("410 with representation headers", get("/gone-etag", "")),
    ]
}

/// The response with its `date` line and generated ids masked.
fn masked(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for line in text.split_inclusive("\r\n") {
        if line.to_ascii_lowercase().starts_with("date:") {
            out.push_str("date: <date>\r\n");
        } else {
            out.push_str(&mask_uuids(line));
        }
    }
    out
}

/// Every UUID v4 (8-4-4-4-12 lower-case hex, version 4) replaced by `<uuid>`.
fn mask_uuids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if i + 36 <= bytes.len() && testkit::oracle::is_uuid_v4(&bytes[i..i + 36]) {
            out.push_str("<uuid>");
            i += 36;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

/// Serves `app` on 127.0.0.1 (`serve_service`) and appends what each request gets to
/// `got`.
async fn record<S>(app: S, placement: &str, requests: Vec<(&str, Vec<u8>)>, got: &mut String)
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let addr = serve_service(app).await.addr;
    for (name, request) in requests {
        let ex = exchange(addr, vec![request], Then::Wait, 1).await;
        got.push_str(&format!(
            "=== {name} ({placement})\r\n{}\r\n",
            masked(&ex.bytes)
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_response_is_byte_for_byte_as_before() {
    let mut got = String::new();
    let around = ApiErrorLayer::new().layer(routes().with_state(()));
    record(around, "around the Router", requests(), &mut got).await;
    // Through `Router::layer` the layer sees routed requests: a handler's bare 404 is
    // its own, the fallback's is the router's.
    let inside: Router = routes().layer(ApiErrorLayer::new());
    let some = requests()
        .into_iter()
        .filter(|(name, _)| {
            [
                "200",
                "404",
                "404 to HEAD",
                "405",
                "422 ApiError",
                "422 the app's own JSON",
                "500 panic",
                "409 bare status",
            ]
            .contains(name)
        })
        .collect();
    record(inside, "Router::layer", some, &mut got).await;
    // Docs links and W3C Trace Context on, a trace continued: `docs`, `type` and
    // `traceId` in the bodies.
    let traced = ApiErrorLayer::new()
        .with_docs_base("https://docs.example.com/errors/")
        .with_trace_context(true)
        .layer(routes().with_state(()));
    let with_trace = |path: &str, extra: &str| {
        format!(
            "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\nx-request-id: wire-1\r\n\
             traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n{extra}\r\n"
        )
        .into_bytes()
    };
    let traced_requests = vec![
        ("200", with_trace("/", "")),
        ("404", with_trace("/nope", "")),
        (
            "404 as problem+json",
            with_trace("/nope", "accept: application/problem+json\r\n"),
        ),
        ("422 ApiError", with_trace("/invalid", "")),
        ("429", with_trace("/limited", "")),
    ];
    record(traced, "docs and trace context", traced_requests, &mut got).await;
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/wire_bytes.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).expect("tests/golden/wire_bytes.txt");
    for (got, want) in got.split("=== ").zip(want.split("=== ")) {
        assert_eq!(got, want);
    }
    assert_eq!(got, want);
}

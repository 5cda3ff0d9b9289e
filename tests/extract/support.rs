//! What every module sends and checks: the three ways a request reaches the router
//! ([`Via`]), the response read to the end ([`Sent`]), the checks of an error and of a
//! JSON success sent all three ways, request builders, and the bodies several
//! modules expect.

use std::{
    collections::VecDeque,
    convert::Infallible,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, HeaderValue, Request, StatusCode},
    Router,
};
use axum_api_error::ApiErrorLayer;
use http_body::Frame;
use serde_json::{json, Value};
use testkit::headers::{expected_map, header_map};
use tower::{Layer, ServiceExt};

/// How a request reaches the router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The router alone: no layer.
    Plain,
    /// `router.layer(ApiErrorLayer::new())`, with an incoming `x-request-id`.
    RouterLayer,
    /// `ApiErrorLayer::new().layer(router)`, with no incoming id (one is generated).
    AroundRouter,
}

const VIAS: [Via; 3] = [Via::Plain, Via::RouterLayer, Via::AroundRouter];

/// Header names and values.
pub(crate) type Headers<'a> = &'a [(&'a str, &'a str)];

/// The id sent with the requests that go through `Via::RouterLayer`.
const INCOMING_ID: &str = "req-extract-7";

/// A response read to the end.
#[derive(Debug)]
pub(crate) struct Sent {
    pub(crate) via: Via,
    pub(crate) status: StatusCode,
    headers: HeaderMap,
    pub(crate) bytes: Bytes,
}

impl Sent {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("{:?}: no {name} header", self.via))
            .to_str()
            .expect("an ASCII header")
            .to_owned()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "{:?}: the body is not JSON ({e}): {:?}",
                self.via, self.bytes
            )
        })
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.bytes.to_vec()).expect("a UTF-8 body")
    }

    /// The `x-request-id` of a response that went through the layer: the incoming
    /// one, or a generated UUID.
    pub(crate) fn request_id(&self) -> String {
        let id = self.header("x-request-id");
        match self.via {
            Via::RouterLayer => assert_eq!(id, INCOMING_ID, "the incoming id is kept"),
            Via::AroundRouter => assert_eq!(id.len(), 36, "a generated UUID: {id}"),
            Via::Plain => panic!("no layer, no request id"),
        }
        id
    }

    /// The header map is exactly `expected`.
    pub(crate) fn assert_headers(&self, expected: &[(&str, &str)]) {
        assert_eq!(
            header_map(&self.headers),
            expected_map(expected),
            "{:?}: headers",
            self.via
        );
    }
}

pub(crate) async fn send(via: Via, router: Router, mut req: Request<Body>) -> Sent {
    let res = match via {
        Via::Plain => router.oneshot(req).await,
        Via::RouterLayer => {
            req.headers_mut()
                .insert("x-request-id", HeaderValue::from_static(INCOMING_ID));
            router.layer(ApiErrorLayer::new()).oneshot(req).await
        }
        Via::AroundRouter => ApiErrorLayer::new().layer(router).oneshot(req).await,
    };
    let res = res.unwrap_or_else(|e: Infallible| match e {});
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the body can be read");
    Sent {
        via,
        status: parts.status,
        headers: parts.headers,
        bytes,
    }
}

/// Sends `req()` the three ways and checks an error response: `status`, exactly the
/// headers every error carries plus `extra` (and `content-length` and `x-request-id`
/// with the layer), and the whole body (plus `requestId` with the layer).
pub(crate) async fn expect_error(
    router: &Router,
    req: impl Fn() -> Request<Body>,
    status: StatusCode,
    extra: &[(&str, &str)],
    body: &Value,
) -> Vec<Sent> {
    expect_error_per_via(router, req, status, |_| extra, body).await
}

/// [`expect_error`] with `extra` headers that depend on the way the request went.
pub(crate) async fn expect_error_per_via<'a>(
    router: &Router,
    req: impl Fn() -> Request<Body>,
    status: StatusCode,
    extra: impl Fn(Via) -> Headers<'a>,
    body: &Value,
) -> Vec<Sent> {
    let mut all = Vec::new();
    for via in VIAS {
        let sent = send(via, router.clone(), req()).await;
        assert_eq!(
            sent.status, status,
            "{via:?}: status; body {:?}",
            sent.bytes
        );
        let mut expected_body = body.clone();
        let (id, len) = if via == Via::Plain {
            (String::new(), String::new())
        } else {
            (sent.request_id(), sent.bytes.len().to_string())
        };
        let mut headers = vec![
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("vary", "accept"),
        ];
        if via != Via::Plain {
            headers.push(("x-request-id", id.as_str()));
            headers.push(("content-length", len.as_str()));
            expected_body["requestId"] = json!(id);
        }
        headers.extend_from_slice(extra(via));
        sent.assert_headers(&headers);
        assert_eq!(sent.json(), expected_body, "{via:?}: body");
        all.push(sent);
    }
    all
}

/// Sends `req()` the three ways and checks a JSON success response.
pub(crate) async fn expect_json_ok(
    router: &Router,
    req: impl Fn() -> Request<Body>,
    status: StatusCode,
    body: &Value,
) {
    for via in VIAS {
        let sent = send(via, router.clone(), req()).await;
        assert_eq!(
            sent.status, status,
            "{via:?}: status; body {:?}",
            sent.bytes
        );
        let len = sent.bytes.len().to_string();
        let id = if via == Via::Plain {
            String::new()
        } else {
            sent.request_id()
        };
        let mut headers = vec![
            ("content-type", "application/json"),
            ("content-length", len.as_str()),
        ];
        if via != Via::Plain {
            headers.push(("x-request-id", id.as_str()));
        }
        sent.assert_headers(&headers);
        assert_eq!(&sent.json(), body, "{via:?}: body");
    }
}

/// A request with a body and, unless `None`, a `Content-Type`.
pub(crate) fn request(
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    body: &str,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(content_type) = content_type {
        req = req.header("content-type", content_type);
    }
    req.body(Body::from(body.to_owned())).unwrap()
}

pub(crate) fn json_post(uri: &str, body: &str) -> Request<Body> {
    request("POST", uri, Some("application/json"), body)
}

pub(crate) fn form_post(uri: &str, body: &str) -> Request<Body> {
    request("POST", uri, Some("application/x-www-form-urlencoded"), body)
}

pub(crate) fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// A body sent in chunks, with no size announced (like `Transfer-Encoding: chunked`).
struct Chunked(VecDeque<Bytes>);

impl http_body::Body for Chunked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }
}

pub(crate) fn chunked(chunks: &[&'static str]) -> Body {
    Body::new(Chunked(
        chunks
            .iter()
            .map(|c| Bytes::from_static(c.as_bytes()))
            .collect(),
    ))
}

/// No response repeats the value the client sent (`hunter2-SECRET`) nor names a
/// Rust type.
pub(crate) fn assert_no_echo(sent: &[Sent]) {
    for sent in sent {
        let text = sent.text();
        for leak in ["hunter2", "SECRET", "u32", "u64", "bool", "struct"] {
            assert!(!text.contains(leak), "{:?}: {leak} in {text}", sent.via);
        }
    }
}

// Messages that several modules expect.

pub(crate) const JSON_415: &str =
    "The request body must be JSON, sent with `Content-Type: application/json`.";

pub(crate) const INVALID_FIELDS: &str = "The request body has invalid fields.";

pub(crate) const VALIDATION_FAILED: &str = "The request contains invalid fields.";

/// The whole body of a 422 `INVALID_BODY` (JSON or a form of the wrong shape) with
/// these `details`.
pub(crate) fn invalid_body(details: Value) -> Value {
    json!({
        "error": "Unprocessable Content",
        "message": INVALID_FIELDS,
        "code": "INVALID_BODY",
        "details": details,
    })
}

/// The whole body of a 422 `VALIDATION_FAILED` with these `details`.
pub(crate) fn validation_failed(details: Value) -> Value {
    json!({
        "error": "Unprocessable Content",
        "message": VALIDATION_FAILED,
        "code": "VALIDATION_FAILED",
        "details": details,
    })
}

/// The body of every 413.
pub(crate) fn too_large() -> Value {
    json!({
        "error": "Content Too Large",
        "message": "The request content is too large.",
        "code": "PAYLOAD_TOO_LARGE",
    })
}

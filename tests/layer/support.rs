//! The harness every module shares: the two placements of the layer, sending a
//! request through them, and reading the response back whole.

use std::{
    convert::Infallible,
    sync::{Arc, Mutex},
};

use axum::{
    body::{Body, Bytes},
    http::{HeaderMap, Request, Response, StatusCode},
    Router,
};
use axum_api_error::ApiErrorLayer;
use serde_json::Value;
use testkit::{
    headers::{expected_map, header_map},
    oracle::is_uuid_v4,
};
use tower::{Layer, ServiceExt};

/// Where the layer sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// `router.layer(ApiErrorLayer::new())`: around every route and the fallback.
    RouterLayer,
    /// `ApiErrorLayer::new().layer(router)`: around the whole router.
    AroundRouter,
}

pub(crate) const PLACEMENTS: [Placement; 2] = [Placement::RouterLayer, Placement::AroundRouter];

/// A response read to the end.
#[derive(Debug)]
pub(crate) struct Sent {
    pub(crate) placement: Option<Placement>,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Bytes,
}

impl Sent {
    pub(crate) async fn read(res: Response<Body>, placement: Option<Placement>) -> Self {
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("the body can be read");
        Self {
            placement,
            status: parts.status,
            headers: parts.headers,
            bytes,
        }
    }

    /// The `x-request-id` response header.
    pub(crate) fn id(&self) -> String {
        self.header_str("x-request-id")
            .unwrap_or_else(|| panic!("{:?}: no x-request-id header", self.placement))
    }

    pub(crate) fn header_str(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header").to_owned())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "{:?}: the body is not JSON ({e}): {:?}",
                self.placement, self.bytes
            )
        })
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.bytes.to_vec()).expect("a UTF-8 body")
    }

    pub(crate) fn assert_status(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{:?}: status", self.placement);
    }

    pub(crate) fn assert_body(&self, expected: &Value) {
        assert_eq!(&self.json(), expected, "{:?}: body", self.placement);
    }

    /// The header map is exactly `expected`.
    pub(crate) fn assert_headers(&self, expected: &[(&str, &str)]) {
        assert_eq!(
            header_map(&self.headers),
            expected_map(expected),
            "{:?}: headers",
            self.placement
        );
    }

    /// The headers of an error the layer rendered: `content-type`, `cache-control`,
    /// `vary`, `content-length` of the body read, `x-request-id`, and `extra`.
    pub(crate) fn assert_error_headers(&self, content_type: &str, extra: &[(&str, &str)]) {
        let id = self.id();
        let len = self.bytes.len().to_string();
        let mut all = vec![
            ("content-type", content_type),
            ("cache-control", "no-store"),
            ("vary", "accept"),
            ("content-length", len.as_str()),
            ("x-request-id", id.as_str()),
        ];
        all.extend_from_slice(extra);
        self.assert_headers(&all);
    }

    /// Status, error headers and whole body of a JSON error.
    pub(crate) fn assert_json_error(
        &self,
        status: StatusCode,
        extra: &[(&str, &str)],
        body: &Value,
    ) {
        self.assert_status(status);
        self.assert_error_headers("application/json", extra);
        self.assert_body(body);
    }
}

/// Sends `req` to `router` with `layer` in `placement`.
pub(crate) async fn send(
    placement: Placement,
    router: Router,
    layer: &ApiErrorLayer,
    req: Request<Body>,
) -> Sent {
    let res = match placement {
        Placement::RouterLayer => router.layer(layer.clone()).oneshot(req).await,
        Placement::AroundRouter => Layer::layer(layer, router).oneshot(req).await,
    };
    let res = res.unwrap_or_else(|e: Infallible| match e {});
    Sent::read(res, Some(placement)).await
}

/// Sends the same request through both placements.
pub(crate) async fn both(
    router: impl Fn() -> Router,
    layer: &ApiErrorLayer,
    req: impl Fn() -> Request<Body>,
) -> [Sent; 2] {
    [
        send(Placement::RouterLayer, router(), layer, req()).await,
        send(Placement::AroundRouter, router(), layer, req()).await,
    ]
}

/// The router alone, without the layer.
pub(crate) async fn send_plain(router: Router, req: Request<Body>) -> Sent {
    let res = router
        .oneshot(req)
        .await
        .unwrap_or_else(|e: Infallible| match e {});
    Sent::read(res, None).await
}

pub(crate) fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// A generated id is a lower-case hyphenated UUID v4.
#[track_caller]
pub(crate) fn assert_generated(id: &str) {
    assert!(
        is_uuid_v4(id.as_bytes()),
        "{id:?} is no lower-case hyphenated UUID v4"
    );
}

/// What an `on_error` hook saw: status, code, request id, method and path.
pub(crate) type Events = Arc<Mutex<Vec<(u16, Option<String>, String, String, String)>>>;

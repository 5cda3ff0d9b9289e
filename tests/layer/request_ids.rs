//! Request ids: a success passes through with only an id added; a valid incoming
//! id is kept, an unsafe one replaced; a custom header; tower-http's `RequestId`.

use axum::{
    body::Body,
    http::{HeaderName, HeaderValue, Request, StatusCode},
    routing::get,
    Router,
};
use axum_api_error::{ApiErrorLayer, RequestId};
use serde_json::json;
use testkit::headers::header_map;

use crate::{
    apps::{success_app, users_app},
    support::{assert_generated, both, get_req, send_plain},
};

fn get_with(uri: &str, name: &str, value: HeaderValue) -> Request<Body> {
    Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

async fn echo_id(id: RequestId) -> String {
    id.to_string()
}

fn echo_app() -> Router {
    Router::new().route("/id", get(echo_id))
}

// ---------------------------------------------------------------------------------
// Success responses
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn success_passes_through_with_only_a_request_id() {
    let plain = send_plain(success_app(), get_req("/ok")).await;
    plain.assert_status(StatusCode::OK);
    assert_eq!(plain.json(), json!({"ok": true, "items": [1, 2, 3]}));
    assert!(plain.headers.get("x-request-id").is_none());
    for sent in both(success_app, &ApiErrorLayer::new(), || get_req("/ok")).await {
        sent.assert_status(StatusCode::OK);
        assert_eq!(sent.bytes, plain.bytes, "{:?}: body bytes", sent.placement);
        let id = sent.id();
        assert_generated(&id);
        let mut headers = header_map(&sent.headers);
        assert_eq!(headers.remove("x-request-id"), Some(vec![id]));
        assert_eq!(headers, header_map(&plain.headers), "{:?}", sent.placement);
    }
}

// ---------------------------------------------------------------------------------
// Incoming and generated ids
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn valid_incoming_request_ids_are_kept() {
    let long = "x".repeat(128);
    for incoming in ["abc-123", long.as_str(), "a.b:c_d"] {
        let req = || {
            get_with(
                "/id",
                "x-request-id",
                HeaderValue::from_str(incoming).unwrap(),
            )
        };
        for sent in both(echo_app, &ApiErrorLayer::new(), req).await {
            sent.assert_status(StatusCode::OK);
            assert_eq!(sent.id(), incoming, "{:?}", sent.placement);
            assert_eq!(
                sent.text(),
                incoming,
                "{:?}: the handler's id",
                sent.placement
            );
        }
    }
}

#[tokio::test]
async fn unsafe_incoming_request_ids_are_replaced() {
    let too_long = "x".repeat(129);
    let values = [
        HeaderValue::from_str(&too_long).unwrap(),
        HeaderValue::from_static("a b"),
        HeaderValue::from_static("a;b"),
        HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        HeaderValue::from_static(""),
    ];
    for incoming in values {
        let req = || get_with("/id", "x-request-id", incoming.clone());
        for sent in both(echo_app, &ApiErrorLayer::new(), req).await {
            sent.assert_status(StatusCode::OK);
            let id = sent.id();
            assert_ne!(id.as_bytes(), incoming.as_bytes());
            assert_generated(&id);
            assert_eq!(sent.text(), id, "{:?}: the handler's id", sent.placement);
            assert_eq!(sent.headers.get_all("x-request-id").iter().count(), 1);
        }
    }
}

#[tokio::test]
async fn error_body_carries_the_incoming_id() {
    let req = || get_with("/nope", "x-request-id", HeaderValue::from_static("req-42"));
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        assert_eq!(sent.id(), "req-42");
        sent.assert_json_error(
            StatusCode::NOT_FOUND,
            &[],
            &json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "ROUTE_NOT_FOUND",
                "requestId": "req-42",
            }),
        );
    }
}

#[tokio::test]
async fn custom_request_id_header() {
    let layer = ApiErrorLayer::new().with_header_name(HeaderName::from_static("x-correlation-id"));
    let req = || {
        Request::get("/id")
            .header("x-correlation-id", "corr-1")
            .header("x-request-id", "ignored-1")
            .body(Body::empty())
            .unwrap()
    };
    for sent in both(echo_app, &layer, req).await {
        sent.assert_status(StatusCode::OK);
        assert_eq!(sent.text(), "corr-1");
        sent.assert_headers(&[
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", "6"),
            ("x-correlation-id", "corr-1"),
        ]);
    }
    // On an error, the body's requestId is the custom header's value.
    let req = || {
        get_with(
            "/nope",
            "x-correlation-id",
            HeaderValue::from_static("corr-2"),
        )
    };
    for sent in both(echo_app, &layer, req).await {
        sent.assert_status(StatusCode::NOT_FOUND);
        let len = sent.bytes.len().to_string();
        sent.assert_headers(&[
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("vary", "accept"),
            ("content-length", len.as_str()),
            ("x-correlation-id", "corr-2"),
        ]);
        sent.assert_body(&json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "ROUTE_NOT_FOUND",
            "requestId": "corr-2",
        }));
    }
}

#[cfg(feature = "tower-http")]
mod tower_http_request_id {
    use axum::{
        http::{HeaderMap, HeaderName, HeaderValue, StatusCode},
        routing::get,
        Extension, Router,
    };
    use axum_api_error::{ApiErrorLayer, RequestId};
    use tower::{Layer, ServiceExt};
    use tower_http::request_id::{MakeRequestUuid, SetRequestIdLayer};

    use super::get_with;
    use crate::support::{assert_generated, both, get_req, Placement, Sent, PLACEMENTS};

    async fn echo_both(
        ours: RequestId,
        theirs: Option<Extension<tower_http::request_id::RequestId>>,
        headers: HeaderMap,
    ) -> String {
        let header = |name: &str| {
            headers
                .get(name)
                .map_or("-", |v| v.to_str().unwrap())
                .to_owned()
        };
        let theirs = theirs.map_or("-".to_owned(), |Extension(id)| {
            id.header_value().to_str().unwrap().to_owned()
        });
        format!(
            "{ours} {theirs} {} {}",
            header("x-request-id"),
            header("x-correlation-id"),
        )
    }

    fn app() -> Router {
        Router::new().route("/id", get(echo_both))
    }

    /// Our layer inside `SetRequestIdLayer`, in both placements.
    async fn send_inside(set: SetRequestIdLayer<MakeRequestUuid>, placement: Placement) -> Sent {
        let layer = ApiErrorLayer::new();
        let res = match placement {
            Placement::RouterLayer => app().layer(layer).layer(set).oneshot(get_req("/id")).await,
            Placement::AroundRouter => set.layer(layer.layer(app())).oneshot(get_req("/id")).await,
        };
        Sent::read(res.unwrap(), Some(placement)).await
    }

    #[tokio::test]
    async fn set_request_id_outside_is_reused() {
        for placement in PLACEMENTS {
            let sent =
                send_inside(SetRequestIdLayer::x_request_id(MakeRequestUuid), placement).await;
            sent.assert_status(StatusCode::OK);
            let id = sent.id();
            assert_generated(&id);
            assert_eq!(sent.text(), format!("{id} {id} {id} -"), "{placement:?}");
        }
    }

    #[tokio::test]
    async fn set_request_id_under_another_header_is_reused() {
        for placement in PLACEMENTS {
            let set = SetRequestIdLayer::new(
                HeaderName::from_static("x-correlation-id"),
                MakeRequestUuid,
            );
            let sent = send_inside(set, placement).await;
            sent.assert_status(StatusCode::OK);
            let id = sent.id();
            assert_generated(&id);
            // The layer writes the id it took into its own header too.
            assert_eq!(sent.text(), format!("{id} {id} {id} {id}"), "{placement:?}");
        }
    }

    /// Without `SetRequestIdLayer` the layer adds no tower-http extension (an
    /// allocation per request that nobody reads).
    #[tokio::test]
    async fn without_set_request_id_no_tower_http_extension_is_added() {
        let req = || get_with("/id", "x-request-id", HeaderValue::from_static("abc-123"));
        for sent in both(app, &ApiErrorLayer::new(), req).await {
            sent.assert_status(StatusCode::OK);
            assert_eq!(sent.text(), "abc-123 - abc-123 -");
        }
    }
}

//! HEAD: the status and headers of GET, without the body.

use axum::{body::Body, http::Request};
use axum_api_error::ApiErrorLayer;
use testkit::headers::header_map;

use crate::{
    apps::bare_and_api_app,
    support::{assert_generated, get_req, send, Placement, PLACEMENTS},
};

/// HEAD gets the status and headers of GET (`content-length` included) and no body.
async fn assert_head_like_get(uri: &'static str, placements: &[Placement]) {
    for &placement in placements {
        let layer = ApiErrorLayer::new();
        let get = send(placement, bare_and_api_app(), &layer, get_req(uri)).await;
        let head = send(
            placement,
            bare_and_api_app(),
            &layer,
            Request::head(uri).body(Body::empty()).unwrap(),
        )
        .await;
        assert!(get.status.is_client_error(), "{placement:?} {uri}");
        get.assert_error_headers("application/json", &[]);
        assert_eq!(get.json()["requestId"], get.id().as_str());
        assert_generated(&head.id());
        assert_eq!(head.status, get.status, "{placement:?} {uri}: status");
        assert!(
            head.bytes.is_empty(),
            "{placement:?} {uri}: HEAD has no body"
        );
        assert_eq!(
            head.header_str("content-length"),
            Some(get.bytes.len().to_string()),
            "{placement:?} {uri}: HEAD's content-length is the GET body's length"
        );
        let mut get_headers = header_map(&get.headers);
        let mut head_headers = header_map(&head.headers);
        get_headers.remove("x-request-id");
        head_headers.remove("x-request-id");
        assert_eq!(head_headers, get_headers, "{placement:?} {uri}: headers");
    }
}

#[tokio::test]
async fn head_of_an_api_error_is_its_get_without_body() {
    assert_head_like_get("/conflict", &PLACEMENTS).await;
}

#[tokio::test]
async fn head_of_an_empty_error_is_its_get_without_body() {
    assert_head_like_get("/forbidden", &PLACEMENTS).await;
    assert_head_like_get("/nope", &PLACEMENTS).await;
}

#[tokio::test]
async fn head_of_a_text_error_with_router_layer() {
    assert_head_like_get("/text", &[Placement::RouterLayer]).await;
}

/// Around the whole router, axum has already dropped the text body of a HEAD
/// response when the layer sees it: the length of GET's body is then unknown, so
/// HEAD has GET's status and headers but no `content-length` (RFC 9110 §9.3.2).
#[tokio::test]
async fn head_of_a_text_error_around_router() {
    let layer = ApiErrorLayer::new();
    let placement = Placement::AroundRouter;
    let get = send(placement, bare_and_api_app(), &layer, get_req("/text")).await;
    let head = send(
        placement,
        bare_and_api_app(),
        &layer,
        Request::head("/text").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(head.status, get.status);
    assert!(head.bytes.is_empty(), "HEAD has no body");
    assert_eq!(head.header_str("content-length"), None);
    let mut get_headers = header_map(&get.headers);
    let mut head_headers = header_map(&head.headers);
    for name in ["x-request-id", "content-length"] {
        get_headers.remove(name);
        head_headers.remove(name);
    }
    assert_eq!(head_headers, get_headers);
}

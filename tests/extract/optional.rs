//! `Option<Json<T>>` and `Option<Path<T>>` behave exactly as axum 0.8's: each request
//! is sent to the same handler written with axum's extractor and with ours, and the
//! outcome (`None`, the value, or a rejection of the same status) must agree; our
//! rejection is then byte for byte the one the non-optional extractor gives.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Router,
};
use axum_api_error::{Json, Path};
use serde_json::{json, Value};

use crate::support::{request, send, Sent, Via};

async fn ours_json(body: Option<Json<Value>>) -> String {
    body.map_or("none".to_owned(), |Json(v)| format!("some {v}"))
}

async fn axum_json(body: Option<axum::Json<Value>>) -> String {
    body.map_or("none".to_owned(), |axum::Json(v)| format!("some {v}"))
}

async fn plain_json(Json(v): Json<Value>) -> String {
    format!("some {v}")
}

async fn ours_path(id: Option<Path<u64>>) -> String {
    id.map_or("none".to_owned(), |Path(id)| format!("some {id}"))
}

async fn axum_path(id: Option<axum::extract::Path<u64>>) -> String {
    id.map_or("none".to_owned(), |axum::extract::Path(id)| {
        format!("some {id}")
    })
}

async fn plain_path(Path(id): Path<u64>) -> String {
    format!("some {id}")
}

fn app() -> Router {
    Router::new()
        .route("/json/ours", post(ours_json))
        .route("/json/axum", post(axum_json))
        .route("/json/plain", post(plain_json))
        .route("/path/ours", get(ours_path))
        .route("/path/axum", get(axum_path))
        .route("/path/ours/{id}", get(ours_path))
        .route("/path/axum/{id}", get(axum_path))
        .route("/path/plain/{id}", get(plain_path))
        .route("/path/ours/{a}/{b}", get(ours_path))
        .route("/path/axum/{a}/{b}", get(axum_path))
        .route("/path/plain/{a}/{b}", get(plain_path))
}

/// Sends the request built for `ours`, then for `axum`, to the plain router: the
/// same status, and the same body where it succeeded.
async fn agree(
    ours: &str,
    axum: &str,
    make: impl Fn(&str) -> axum::http::Request<axum::body::Body>,
) -> Sent {
    let theirs = send(Via::Plain, app(), make(axum)).await;
    let mine = send(Via::Plain, app(), make(ours)).await;
    assert_eq!(mine.status, theirs.status, "{ours}: {}", mine.text());
    if mine.status == StatusCode::OK {
        assert_eq!(mine.text(), theirs.text(), "{ours}");
    }
    mine
}

#[tokio::test]
async fn optional_json_agrees_with_axum() {
    let cases: &[(Option<&str>, &str, StatusCode, Option<&str>)] = &[
        // No Content-Type at all: None, whatever the body.
        (None, "", StatusCode::OK, Some("none")),
        (None, r#"{"a":1}"#, StatusCode::OK, Some("none")),
        (
            Some("application/json"),
            r#"{"a":1}"#,
            StatusCode::OK,
            Some(r#"some {"a":1}"#),
        ),
        (
            Some("application/json; charset=utf-8"),
            "[1]",
            StatusCode::OK,
            Some("some [1]"),
        ),
        (
            Some("application/vnd.api+json"),
            "true",
            StatusCode::OK,
            Some("some true"),
        ),
        (
            Some("application/json"),
            r#"{"a":"#,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (Some("application/json"), "", StatusCode::BAD_REQUEST, None),
        (
            Some("text/plain"),
            r#"{"a":1}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
    ];
    for &(content_type, body, status, text) in cases {
        let sent = agree("/json/ours", "/json/axum", |uri| {
            request("POST", uri, content_type, body)
        })
        .await;
        assert_eq!(sent.status, status, "{content_type:?} {body:?}");
        match text {
            Some(text) => assert_eq!(sent.text(), text),
            // A rejection is exactly the one `Json<T>` gives.
            None => {
                let plain = send(
                    Via::Plain,
                    app(),
                    request("POST", "/json/plain", content_type, body),
                )
                .await;
                assert_eq!(sent.json(), plain.json(), "{content_type:?} {body:?}");
                assert!(sent.json()["code"].is_string());
            }
        }
    }
}

#[tokio::test]
async fn optional_json_rejection_through_the_layer() {
    let sent = send(
        Via::RouterLayer,
        app(),
        request("POST", "/json/ours", Some("text/plain"), "x"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        sent.json(),
        json!({
            "error": "Unsupported Media Type",
            "message": "The request body must be JSON, sent with `Content-Type: application/json`.",
            "code": "UNSUPPORTED_MEDIA_TYPE",
            "requestId": sent.request_id(),
        })
    );
    sent.assert_headers(&[
        ("content-type", "application/json"),
        ("cache-control", "no-store"),
        ("vary", "accept"),
        ("accept", "application/json"),
        ("accept-post", "application/json"),
        ("content-length", &sent.bytes.len().to_string()),
        ("x-request-id", &sent.request_id()),
    ]);
}

#[tokio::test]
async fn optional_path_agrees_with_axum() {
    let get = |uri: &str| request("GET", uri, None, "");
    let cases: &[(&str, StatusCode, Option<&str>)] = &[
        // A route without parameters: None.
        ("", StatusCode::OK, Some("none")),
        ("/7", StatusCode::OK, Some("some 7")),
        ("/abc", StatusCode::BAD_REQUEST, None),
        ("/-1", StatusCode::BAD_REQUEST, None),
        // Two parameters for one `u64`: the route and the type disagree, a bug of
        // the server.
        ("/1/2", StatusCode::INTERNAL_SERVER_ERROR, None),
    ];
    for &(rest, status, text) in cases {
        let sent = agree(
            &format!("/path/ours{rest}"),
            &format!("/path/axum{rest}"),
            get,
        )
        .await;
        assert_eq!(sent.status, status, "{rest:?}");
        match text {
            Some(text) => assert_eq!(sent.text(), text),
            None => {
                let plain = send(Via::Plain, app(), get(&format!("/path/plain{rest}"))).await;
                assert_eq!(sent.json(), plain.json(), "{rest:?}");
            }
        }
    }
}

//! The request's HTTP version: HTTP/2 has no connection-specific headers (RFC 9113
//! §8.2.2), so the 408's `Connection: close` is sent over HTTP/1 only, whoever
//! made the 408 (a handler's `ApiError`, a bare status, a JSON body of the app's).

use axum::{
    body::Body,
    http::{header::CONNECTION, Request, StatusCode, Version},
    response::IntoResponse,
    routing::get,
    Json, Router,
};
use axum_api_error::{ApiError, ApiErrorLayer};
use serde_json::json;
use tower::{Layer, ServiceExt};

fn app() -> Router {
    Router::new()
        .route("/api-error", get(|| async { ApiError::request_timeout() }))
        .route("/bare", get(|| async { StatusCode::REQUEST_TIMEOUT }))
        .route(
            "/json",
            get(|| async {
                (StatusCode::REQUEST_TIMEOUT, Json(json!({"slow": true}))).into_response()
            }),
        )
        .with_state(())
}

#[tokio::test]
async fn connection_close_goes_with_http1_only() {
    for placement in ["Router::layer", "around the Router"] {
        for path in ["/api-error", "/bare", "/json"] {
            for (version, close) in [
                (Version::HTTP_10, true),
                (Version::HTTP_11, true),
                (Version::HTTP_2, false),
                (Version::HTTP_3, false),
            ] {
                let req = Request::get(path)
                    .version(version)
                    .body(Body::empty())
                    .unwrap();
                let res = if placement == "Router::layer" {
                    app()
                        .layer(ApiErrorLayer::new())
                        .oneshot(req)
                        .await
                        .unwrap()
                } else {
                    ApiErrorLayer::new()
                        .layer(app())
                        .oneshot(req)
                        .await
                        .unwrap()
                };
                assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
                assert_eq!(
                    res.headers().get(CONNECTION).map(|v| v.to_str().unwrap()),
                    close.then_some("close"),
                    "{placement}, {path}, {version:?}"
                );
            }
        }
    }
}

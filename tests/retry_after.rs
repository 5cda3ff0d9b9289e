//! `Retry-After` as RFC 9110 §10.2.3 defines it, on the server's side: the layer
//! keeps another service's valid value (digits, or an HTTP-date), states it in the
//! body, and replaces one that is not (`+5`, `5.0`, `-1`, `soon`) by its default.

use std::convert::Infallible;

use axum::{body::Body, http::Request, response::Response};
use axum_api_error::ApiErrorLayer;
use serde_json::{json, Value};
use tower::{service_fn, Layer, ServiceExt};

async fn rewritten(retry_after: &'static str) -> (String, Value) {
    let inner = service_fn(move |_req: Request<Body>| async move {
        Ok::<_, Infallible>(
            Response::builder()
                .status(503)
                .header("retry-after", retry_after)
                .body(Body::empty())
                .unwrap(),
        )
    });
    let res = ApiErrorLayer::new()
        .layer(inner)
        .oneshot(
            Request::get("/")
                .header("x-request-id", "r-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let values: Vec<_> = res.headers().get_all("retry-after").iter().collect();
    assert_eq!(values.len(), 1, "{values:?}");
    let header = values[0].to_str().unwrap().to_owned();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (header, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn a_valid_retry_after_is_kept_and_an_invalid_one_replaced() {
    let body = |secs: u64| {
        json!({
            "error": "Service Unavailable",
            "message": "The service is temporarily unavailable. Try again later.",
            "code": "SERVICE_UNAVAILABLE",
            "requestId": "r-1",
            "retryAfter": secs,
        })
    };
    assert_eq!(rewritten("5").await, ("5".to_owned(), body(5)));
    assert_eq!(rewritten(" 7 ").await, ("7".to_owned(), body(7)));
    // An HTTP-date is kept as it is; long past, the body says 0.
    let date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_eq!(rewritten(date).await, (date.to_owned(), body(0)));
    for invalid in ["+5", "5.0", "-1", "1e3", "soon", ""] {
        assert_eq!(
            rewritten(invalid).await,
            ("60".to_owned(), body(60)),
            "{invalid:?}"
        );
    }
}

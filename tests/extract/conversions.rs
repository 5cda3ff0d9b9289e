//! Conversions into `ApiError` with `?`: `serde_json::Error`, `io::Error`,
//! `BoxError` through its source chain, tower's errors, and a request body timeout.

use std::{
    convert::Infallible,
    io,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    body::{Body, Bytes},
    http::{Request, StatusCode},
    routing::{get, post},
    Router,
};
use axum_api_error::{ApiError, BoxError, Json, Path};
use http_body::Frame;
use serde_json::{json, Value};

use crate::{
    apps::{echo, Item},
    support::{expect_error, get_req, request, Sent},
};

/// Parses JSON the server was given (by a queue, a file, an upstream) with `?`: a
/// failure is the server's.
async fn parse_item(body: String) -> Result<Json<Item>, ApiError> {
    let item: Item = serde_json::from_str(&body)?;
    Ok(Json(item))
}

/// A dependency call that fails with an `io::Error` of `kind`.
fn call_dependency(kind: &str) -> io::Result<()> {
    let kind = match kind {
        "refused" => io::ErrorKind::ConnectionRefused,
        "reset" => io::ErrorKind::ConnectionReset,
        "timed-out" => io::ErrorKind::TimedOut,
        "not-found" => io::ErrorKind::NotFound,
        _ => io::ErrorKind::PermissionDenied,
    };
    Err(io::Error::new(
        kind,
        "SECRET open /etc/db.conf password=hunter2",
    ))
}

async fn io_failure(Path(kind): Path<String>) -> Result<StatusCode, ApiError> {
    call_dependency(&kind)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, thiserror::Error)]
#[error("calling the billing service (SECRET token=abc)")]
struct CallFailed(#[source] BoxError);

/// A dependency call that fails with a `BoxError` whose source is `kind`.
fn call_boxed(kind: &str) -> Result<(), BoxError> {
    let source: BoxError = match kind {
        "refused" => Box::new(io::Error::from(io::ErrorKind::ConnectionRefused)),
        "timed-out" => Box::new(io::Error::new(io::ErrorKind::TimedOut, "SECRET slow db")),
        // Two wrappers deep.
        "nested" => Box::new(CallFailed(Box::new(io::Error::from(
            io::ErrorKind::ConnectionReset,
        )))),
        _ => "SECRET something else broke".into(),
    };
    Err(Box::new(CallFailed(source)))
}

async fn boxed_failure(Path(kind): Path<String>) -> Result<StatusCode, ApiError> {
    call_boxed(&kind)?;
    Ok(StatusCode::NO_CONTENT)
}

fn conversion_app() -> Router {
    Router::new()
        .route("/parse", post(parse_item))
        .route("/io/{kind}", get(io_failure))
        .route("/boxed/{kind}", get(boxed_failure))
}

fn dependency_unavailable() -> Value {
    json!({
        "error": "Service Unavailable",
        "message": "A service this request depends on is unavailable. Try again later.",
        "code": "DEPENDENCY_UNAVAILABLE",
        "retryAfter": 30,
    })
}

fn gateway_timeout() -> Value {
    json!({
        "error": "Gateway Timeout",
        "message": "An upstream service did not respond in time.",
        "code": "GATEWAY_TIMEOUT",
    })
}

fn internal_error() -> Value {
    json!({
        "error": "Internal Server Error",
        "message": "An internal error occurred.",
        "code": "INTERNAL_ERROR",
    })
}

/// No part of a source's text reaches the client.
fn assert_no_secret(sent: &[Sent]) {
    for sent in sent {
        let text = sent.text();
        assert!(!text.contains("SECRET"), "{:?}: {text}", sent.via);
        assert!(!text.contains("hunter2"), "{:?}: {text}", sent.via);
    }
}

#[tokio::test]
async fn serde_json_syntax_error_is_a_500_without_its_text() {
    // Behind `?`, serde_json's error is the server's own: JSON it was given by a
    // queue, a file or an upstream. Client JSON comes through the `Json` extractor.
    let sent = expect_error(
        &conversion_app(),
        || request("POST", "/parse", None, r#"{"sku": "SECRET", "qty": }"#),
        StatusCode::INTERNAL_SERVER_ERROR,
        &[],
        &internal_error(),
    )
    .await;
    assert_no_secret(&sent);
}

#[tokio::test]
async fn serde_json_data_error_is_a_500_without_its_text() {
    let sent = expect_error(
        &conversion_app(),
        || request("POST", "/parse", None, r#"{"sku": "a", "qty": "hunter2"}"#),
        StatusCode::INTERNAL_SERVER_ERROR,
        &[],
        &internal_error(),
    )
    .await;
    assert_no_secret(&sent);
    for sent in &sent {
        assert!(!sent.text().contains("u32"), "{:?}", sent.via);
    }
}

#[tokio::test]
async fn io_connection_refused_and_reset_are_503_with_retry_after_30() {
    for uri in ["/io/refused", "/io/reset"] {
        let sent = expect_error(
            &conversion_app(),
            || get_req(uri),
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "30")],
            &dependency_unavailable(),
        )
        .await;
        assert_no_secret(&sent);
    }
}

#[tokio::test]
async fn io_timed_out_is_504() {
    let sent = expect_error(
        &conversion_app(),
        || get_req("/io/timed-out"),
        StatusCode::GATEWAY_TIMEOUT,
        &[],
        &gateway_timeout(),
    )
    .await;
    assert_no_secret(&sent);
}

#[tokio::test]
async fn io_other_kinds_are_500_without_their_text() {
    for uri in ["/io/denied", "/io/not-found"] {
        let sent = expect_error(
            &conversion_app(),
            || get_req(uri),
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &internal_error(),
        )
        .await;
        assert_no_secret(&sent);
    }
}

#[tokio::test]
async fn box_error_is_classified_through_its_source_chain() {
    let app = conversion_app();
    for uri in ["/boxed/refused", "/boxed/nested"] {
        let sent = expect_error(
            &app,
            || get_req(uri),
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "30")],
            &dependency_unavailable(),
        )
        .await;
        assert_no_secret(&sent);
    }
    let sent = expect_error(
        &app,
        || get_req("/boxed/timed-out"),
        StatusCode::GATEWAY_TIMEOUT,
        &[],
        &gateway_timeout(),
    )
    .await;
    assert_no_secret(&sent);
    let sent = expect_error(
        &app,
        || get_req("/boxed/other"),
        StatusCode::INTERNAL_SERVER_ERROR,
        &[],
        &internal_error(),
    )
    .await;
    assert_no_secret(&sent);
}

#[cfg(feature = "tower")]
mod tower_errors {
    use std::{
        future::{pending, ready, Pending, Ready},
        time::Duration,
    };

    use tower::{
        load_shed::{error::Overloaded, LoadShed},
        timeout::{error::Elapsed, Timeout},
        Service, ServiceExt,
    };

    use super::*;

    /// A dependency that never answers.
    #[derive(Debug, Clone)]
    struct Silent;

    impl Service<()> for Silent {
        type Response = ();
        type Error = BoxError;
        type Future = Pending<Result<(), BoxError>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _req: ()) -> Self::Future {
            pending()
        }
    }

    /// The silent dependency behind tower's `Timeout`.
    fn slow_dependency() -> Timeout<Silent> {
        Timeout::new(Silent, Duration::from_millis(20))
    }

    /// A dependency that is never ready.
    #[derive(Debug, Clone)]
    struct Saturated;

    impl Service<()> for Saturated {
        type Response = ();
        type Error = BoxError;
        type Future = Ready<Result<(), BoxError>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Pending
        }

        fn call(&mut self, _req: ()) -> Self::Future {
            ready(Ok(()))
        }
    }

    /// `?` on tower's `BoxError`.
    async fn timed_out_boxed() -> Result<StatusCode, ApiError> {
        slow_dependency().oneshot(()).await?;
        Ok(StatusCode::NO_CONTENT)
    }

    /// `From<Elapsed>` on the typed error.
    async fn timed_out_typed() -> Result<StatusCode, ApiError> {
        let err = slow_dependency().oneshot(()).await.unwrap_err();
        let elapsed = err.downcast::<Elapsed>().expect("an Elapsed");
        Err(ApiError::from(*elapsed))
    }

    /// `Elapsed` deep in a chain.
    async fn timed_out_nested() -> Result<StatusCode, ApiError> {
        let err = slow_dependency().oneshot(()).await.unwrap_err();
        Err(ApiError::from(BoxError::from(CallFailed(err))))
    }

    async fn overloaded_boxed() -> Result<StatusCode, ApiError> {
        LoadShed::new(Saturated).oneshot(()).await?;
        Ok(StatusCode::NO_CONTENT)
    }

    async fn overloaded_typed() -> Result<StatusCode, ApiError> {
        let err = LoadShed::new(Saturated).oneshot(()).await.unwrap_err();
        let overloaded = err.downcast::<Overloaded>().expect("an Overloaded");
        Err(ApiError::from(*overloaded))
    }

    fn tower_app() -> Router {
        Router::new()
            .route("/elapsed/boxed", get(timed_out_boxed))
            .route("/elapsed/typed", get(timed_out_typed))
            .route("/elapsed/nested", get(timed_out_nested))
            .route("/overloaded/boxed", get(overloaded_boxed))
            .route("/overloaded/typed", get(overloaded_typed))
    }

    #[tokio::test]
    async fn elapsed_is_504() {
        for uri in ["/elapsed/boxed", "/elapsed/typed", "/elapsed/nested"] {
            let sent = expect_error(
                &tower_app(),
                || get_req(uri),
                StatusCode::GATEWAY_TIMEOUT,
                &[],
                &gateway_timeout(),
            )
            .await;
            assert_no_secret(&sent);
        }
    }

    #[tokio::test]
    async fn overloaded_is_503_with_retry_after() {
        for uri in ["/overloaded/boxed", "/overloaded/typed"] {
            expect_error(
                &tower_app(),
                || get_req(uri),
                StatusCode::SERVICE_UNAVAILABLE,
                &[("retry-after", "1")],
                &json!({
                    "error": "Service Unavailable",
                    "message": "The service is temporarily unavailable. Try again later.",
                    "code": "OVERLOADED",
                    "retryAfter": 1,
                }),
            )
            .await;
        }
    }
}

/// A request body that sends its first chunk, then nothing more, ever.
struct Stalled(Option<Bytes>);

impl http_body::Body for Stalled {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.0.take() {
            Some(chunk) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            None => Poll::Pending,
        }
    }
}

fn stalled_json_post(uri: &str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::new(Stalled(Some(Bytes::from_static(b"{\"name\": ")))))
        .unwrap()
}

fn body_timeout_app() -> Router {
    Router::new().route("/slow", post(echo)).layer(
        tower_http::timeout::RequestBodyTimeoutLayer::new(std::time::Duration::from_millis(50)),
    )
}

#[cfg(feature = "tower-http")]
#[tokio::test]
async fn request_body_timeout_read_by_json_is_408() {
    expect_error(
        &body_timeout_app(),
        || stalled_json_post("/slow"),
        StatusCode::REQUEST_TIMEOUT,
        &[("connection", "close")],
        &json!({
            "error": "Request Timeout",
            "message": "The request body was not received in time.",
            "code": "REQUEST_TIMEOUT",
        }),
    )
    .await;
}

#[cfg(not(feature = "tower-http"))]
#[tokio::test]
async fn request_body_timeout_without_the_feature_is_400() {
    expect_error(
        &body_timeout_app(),
        || stalled_json_post("/slow"),
        StatusCode::BAD_REQUEST,
        &[],
        &json!({
            "error": "Bad Request",
            "message": "The request body could not be read.",
            "code": "INVALID_BODY",
        }),
    )
    .await;
}

//! tower's and tower-http's limits in the crate's shape, over real HTTP on
//! 127.0.0.1, each with the limit inside `ApiErrorLayer` (the error carries the
//! request id) and outside it (no request id exists there yet: the status and the
//! shape only, or, where tower-http writes a body of its own, what it sends):
//!
//! | layer | status |
//! |---|---|
//! | tower `load_shed` (over a `rate_limit`, in a `buffer`) | 503 + `Retry-After` |
//! | tower `timeout` | 504 |
//! | tower `concurrency_limit` with `load_shed` | 503 + `Retry-After` |
//! | tower-http `TimeoutLayer::with_status_code(503 or 504)` | that status |
//! | tower-http `RequestBodyTimeoutLayer` | 408 |
//! | tower-http `RequestBodyLimitLayer` | 413 |
//! | tower-http `CatchPanicLayer` | 500, no panic text sent |
//!
//! tower's layers fail with an error, which axum needs turned into a response:
//! `HandleErrorLayer::new(|e: BoxError| async move { ApiError::from(e) })`, with the
//! feature `tower` for `Elapsed` (504) and `Overloaded` (503).

use std::{convert::Infallible, time::Duration};

use axum::{
    body::Bytes,
    error_handling::HandleErrorLayer,
    extract::Request,
    http::StatusCode,
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use axum_api_error::{
    layer::ApiErrorService, wire::reason_phrase, ApiError, ApiErrorLayer, BoxError,
};
use serde_json::{json, Value};
use testkit::{
    raw::{exchange, Then},
    server::{send, serve_service, Res, Server},
};
use tower::{util::MapResponseLayer, Layer, ServiceBuilder};
use tower_http::{
    catch_panic::CatchPanicLayer,
    limit::RequestBodyLimitLayer,
    timeout::{RequestBodyTimeoutLayer, TimeoutLayer},
};

async fn handle(error: BoxError) -> ApiError {
    ApiError::from(error)
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3)).await;
    "late"
}

/// axum's own `Bytes`: its rejection is a text the layer reads.
async fn body(body: Bytes) -> String {
    body.len().to_string()
}

async fn panics() -> &'static str {
    panic!("SECRET-PANIC-TEXT")
}

fn routes() -> Router {
    Router::new()
        .route("/slow", get(slow))
        .route("/fast", get(|| async { "ok" }))
        .route("/body", post(body))
        .route("/panic", get(panics))
}

/// The routes, made ready to serve: `with_state(())` turns each handler into its
/// route once. Without it a `Router<()>` used as a service (as it is when wrapped
/// whole) converts its handlers again on every request, and a stateful layer added
/// with `Router::layer` (a rate limit, say) is built anew each time and limits
/// nothing.
fn app() -> Router {
    routes().with_state(())
}

/// `limit` inside the layer: around the `Router`, the layer around both.
async fn inside<L>(limit: L) -> Server
where
    L: Layer<Router>,
    L::Service: tower::Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
    <L::Service as tower::Service<Request>>::Response: IntoResponse,
    <L::Service as tower::Service<Request>>::Future: Send + 'static,
{
    let service = MapResponseLayer::new(IntoResponse::into_response).layer(limit.layer(app()));
    serve_service(ApiErrorLayer::new().layer(service)).await
}

/// `limit` outside the layer: around the layer, which is around the `Router`.
async fn outside<L>(limit: L) -> Server
where
    L: Layer<ApiErrorService<Router>>,
    L::Service: tower::Service<Request, Error = Infallible> + Clone + Send + 'static,
    <L::Service as tower::Service<Request>>::Response: IntoResponse + 'static,
    <L::Service as tower::Service<Request>>::Future: Send + 'static,
{
    let service = limit.layer(ApiErrorLayer::new().layer(app()));
    serve_service(MapResponseLayer::new(IntoResponse::into_response).layer(service)).await
}

/// The body of `status` with `code` and `message`, with the request id of `res`
/// when it has one; inside the layer it must (`x-request-id` is on every response
/// the layer sends).
fn shape(res: &Res, message: &str, code: &str, retry_after: Option<u64>) -> Value {
    let mut body = json!({
        "error": reason_phrase(StatusCode::from_u16(res.status).unwrap()),
        "message": message,
        "code": code,
    });
    if res.has("x-request-id") {
        body["requestId"] = json!(res.request_id());
    }
    if let Some(secs) = retry_after {
        body["retryAfter"] = json!(secs);
    }
    body
}

/// Sends one slow request and, while it is in flight, `GET /fast`.
async fn while_busy(s: &Server) -> Res {
    let busy = {
        let s = s.clone();
        tokio::spawn(async move { s.get("/slow").await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let res = s.get("/fast").await;
    busy.abort();
    res
}

#[track_caller]
fn assert_overloaded(res: &Res) {
    assert_eq!(res.status, 503, "{res:?}");
    assert_eq!(res.header("retry-after"), "1");
    assert_eq!(res.header("content-type"), "application/json");
    assert_eq!(
        res.json(),
        shape(
            res,
            "The service is temporarily unavailable. Try again later.",
            "OVERLOADED",
            Some(1)
        )
    );
}

#[tokio::test]
async fn load_shed_over_a_rate_limit_is_503_with_retry_after() {
    // tower's `RateLimit` is not `Clone`, as axum needs: a `Buffer` shares it, and
    // `load_shed` inside the buffer refuses what the limit cannot take now.
    let limit = || {
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(handle))
            .buffer(16)
            .load_shed()
            .rate_limit(1, Duration::from_secs(30))
    };
    for (s, inner) in [
        (inside(limit()).await, true),
        (outside(limit()).await, false),
    ] {
        s.get("/fast").await.expect(200);
        let res = s.get("/fast").await;
        assert_eq!(res.has("x-request-id"), inner, "{res:?}");
        assert_overloaded(&res);
    }
}

#[tokio::test]
async fn concurrency_limit_with_load_shed_is_503_with_retry_after() {
    let limit = || {
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(handle))
            .load_shed()
            .concurrency_limit(1)
    };
    let s = inside(limit()).await;
    let res = while_busy(&s).await;
    res.expect(503);
    assert_overloaded(&res);
    let s = outside(limit()).await;
    let res = while_busy(&s).await;
    assert!(!res.has("x-request-id"), "outside, no id exists yet");
    assert_overloaded(&res);
}

#[tokio::test]
async fn tower_timeout_is_504() {
    let limit = || {
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(handle))
            .timeout(Duration::from_millis(200))
    };
    for (s, inner) in [
        (inside(limit()).await, true),
        (outside(limit()).await, false),
    ] {
        let res = s.get("/slow").await;
        assert_eq!(res.status, 504, "{res:?}");
        assert_eq!(res.has("x-request-id"), inner);
        assert_eq!(
            res.json(),
            shape(
                &res,
                "An upstream service did not respond in time.",
                "GATEWAY_TIMEOUT",
                None
            )
        );
    }
}

#[tokio::test]
async fn tower_http_timeout_is_its_status_inside_and_bare_outside() {
    for status in [StatusCode::SERVICE_UNAVAILABLE, StatusCode::GATEWAY_TIMEOUT] {
        let limit = || TimeoutLayer::with_status_code(status, Duration::from_millis(200));
        let s = inside(limit()).await;
        let res = s.get("/slow").await;
        res.expect_error(status.as_u16());
        let (message, code, retry) = if status == StatusCode::SERVICE_UNAVAILABLE {
            (
                "The service is temporarily unavailable. Try again later.",
                "SERVICE_UNAVAILABLE",
                Some(60),
            )
        } else {
            (
                "An upstream service did not respond in time.",
                "GATEWAY_TIMEOUT",
                None,
            )
        };
        assert_eq!(res.json(), shape(&res, message, code, retry));
        // Outside, tower-http answers with an empty body of its own, which the
        // layer never sees: the status is right, the shape is not. Put it inside.
        let s = outside(limit()).await;
        let res = s.get("/slow").await;
        assert_eq!(res.status, status.as_u16());
        assert!(res.body.is_empty(), "{res:?}");
    }
}

#[tokio::test]
async fn tower_http_body_timeout_is_408_wherever_it_is() {
    // The body times out while the handler reads it, inside the layer in both
    // placements: the extractor's rejection is the layer's to render.
    let limit = || RequestBodyTimeoutLayer::new(Duration::from_millis(200));
    for s in [inside(limit()).await, outside(limit()).await] {
        let head = format!(
            "POST /body HTTP/1.1\r\nhost: {}\r\ncontent-length: 100\r\n\r\n",
            s.addr
        );
        let mut exchange = exchange(
            s.addr,
            vec![head.into_bytes(), b"{".to_vec()],
            Then::Wait,
            1,
        )
        .await;
        exchange.only();
        let res = exchange.responses.remove(0);
        assert_eq!(res.status, 408, "{res:?}");
        assert_eq!(res.header("connection"), Some("close"));
        let id = res.header("x-request-id").unwrap().to_owned();
        assert_eq!(
            res.json(),
            json!({
                "error": "Request Timeout",
                "message": "The request body was not received in time.",
                "code": "REQUEST_TIMEOUT",
                "requestId": id,
            })
        );
    }
}

#[tokio::test]
async fn tower_http_body_limit_is_413_inside_and_its_own_text_outside() {
    let limit = || RequestBodyLimitLayer::new(16);
    let big = "x".repeat(64);
    let s = inside(limit()).await;
    let res = send(s.req(reqwest::Method::POST, "/body").body(big.clone())).await;
    res.expect_error(413);
    assert_eq!(
        res.json(),
        shape(
            &res,
            "The request content is too large.",
            "PAYLOAD_TOO_LARGE",
            None
        )
    );
    // Outside, tower-http's own text/plain 413, which the layer never sees.
    let s = outside(limit()).await;
    let res = send(s.req(reqwest::Method::POST, "/body").body(big)).await;
    assert_eq!(res.status, 413);
    assert!(!res.has("x-request-id"));
    assert_ne!(res.header("content-type"), "application/json");
}

#[tokio::test]
async fn tower_http_catch_panic_is_500_without_the_panic_text() {
    let s = inside(CatchPanicLayer::new()).await;
    let res = s.get("/panic").await;
    res.expect_error(500);
    assert_eq!(
        res.json(),
        shape(&res, "An internal error occurred.", "INTERNAL_ERROR", None)
    );
    assert!(!res.text().contains("SECRET"));
    // Outside, the layer catches the panic first: the same 500.
    let s = outside(CatchPanicLayer::new()).await;
    let res = s.get("/panic").await;
    res.expect_error(500);
    assert_eq!(
        res.json(),
        shape(&res, "An internal error occurred.", "INTERNAL_ERROR", None)
    );
    assert!(!res.text().contains("SECRET"));
}

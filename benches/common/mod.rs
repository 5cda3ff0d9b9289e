//! The apps the benchmarks compare, shared with `tests/allocations.rs`: each case
//! is the same trivial handler behind a different stack.

use std::{
    convert::Infallible,
    future::Future,
    pin::pin,
    sync::{Arc, LazyLock},
    task::{Context, Poll, Wake, Waker},
};

use axum::{
    body::Body,
    http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri},
    routing::{get, post},
    Json, Router,
};
use axum_api_error::{layer::ApiErrorService, ApiError, ApiErrorLayer};
use serde_json::{json, Value};
use tower::{layer::util::Identity, Layer, Service};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
};

/// The routes every case shares.
pub fn routes() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/json", post(|Json(v): Json<Value>| async move { Json(v) }))
        .route("/invalid-hand-written", get(invalid_hand_written))
        .route("/invalid-api-error", get(invalid_api_error))
}

/// A 422 with two field errors, written by hand.
async fn invalid_hand_written() -> (StatusCode, Json<Value>) {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "error": "Unprocessable Content",
            "message": "The request contains invalid fields.",
            "code": "VALIDATION_FAILED",
            "details": [
                {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            ],
        })),
    )
}

/// The same 422 as an `ApiError`.
async fn invalid_api_error() -> Result<(), ApiError> {
    Err(ApiError::validation()
        .add_field_error("name", "Must not be empty.", "REQUIRED")
        .add_field_error("email", "Must be a valid email address.", "INVALID_FORMAT"))
}

/// The floor of a rewritten 404: axum alone, with a fallback that writes by hand the
/// very response the layer sends (a fresh request id in the header and the JSON
/// body, `Cache-Control`, `Vary`). Nothing can make that response for less.
pub fn hand_written_404_equivalent() -> Router {
    routes().fallback(|| async {
        let id = axum_api_error::RequestId::generate();
        (
            StatusCode::NOT_FOUND,
            [
                ("x-request-id", id.header_value().clone()),
                ("cache-control", HeaderValue::from_static("no-store")),
                ("vary", HeaderValue::from_static("accept")),
            ],
            Json(json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "ROUTE_NOT_FOUND",
                "requestId": id.as_str(),
            })),
        )
    })
}

/// (a) axum alone.
pub fn bare() -> Router {
    routes()
}

/// (a') an identity layer through `Router::layer`: what axum's own re-wrapping costs.
pub fn identity_router_layer() -> Router {
    routes().layer(Identity::new())
}

/// (a'') a layer that does nothing but is not zero-sized, through `Router::layer`:
/// axum clones a boxed copy of every layer on each request, which allocates unless
/// the layer is zero-sized (as `Identity` is).
pub fn sized_identity_router_layer() -> Router {
    routes().layer(SizedIdentity(Arc::new(())))
}

#[derive(Clone)]
pub struct SizedIdentity(Arc<()>);

impl<S> Layer<S> for SizedIdentity {
    type Service = S;

    fn layer(&self, inner: S) -> S {
        inner
    }
}

/// (b) the layer through `Router::layer`.
pub fn api_error_router_layer() -> Router {
    routes().layer(ApiErrorLayer::new())
}

/// (b) the layer around the whole Router.
pub fn api_error_around_router() -> ApiErrorService<Router> {
    ApiErrorLayer::new().layer(routes())
}

/// (b) with W3C Trace Context on.
pub fn trace_context_around_router() -> ApiErrorService<Router> {
    ApiErrorLayer::new()
        .with_trace_context(true)
        .layer(routes())
}

/// A GET with a valid `traceparent`.
pub fn traced_get_req(uri: &'static str) -> Request<Body> {
    request(
        Method::GET,
        uri,
        Body::empty(),
        &[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )],
    )
}

/// (c) the tower-http stack a user would assemble instead: request ids and caught
/// panics (and no error shape).
pub fn tower_http_stack() -> Router {
    routes()
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// A waker that does nothing: no case here ever waits.
struct Noop;

impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

static NOOP: LazyLock<Waker> = LazyLock::new(|| Waker::from(Arc::new(Noop)));

/// One request through `svc`, polled once: every case here completes without
/// waiting, so no runtime is needed and none is measured.
pub fn call<S, B>(svc: &mut S, req: Request<Body>) -> Response<B>
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible>,
{
    let future = pin!(svc.call(req));
    poll_once(future)
}

fn poll_once<F: Future<Output = Result<T, Infallible>>, T>(future: std::pin::Pin<&mut F>) -> T {
    match future.poll(&mut Context::from_waker(&NOOP)) {
        Poll::Ready(Ok(value)) => value,
        Poll::Ready(Err(never)) => match never {},
        Poll::Pending => panic!("the benchmarked request did not complete in one poll"),
    }
}

/// A GET with the headers a typical client sends. Its URI and header values are
/// static, as hyper's are shared slices of its read buffer: cloning them costs no
/// allocation, here as on a real connection.
pub fn get_req(uri: &'static str) -> Request<Body> {
    request(Method::GET, uri, Body::empty(), &[])
}

/// A POST of JSON that does not parse.
pub fn bad_json_req() -> Request<Body> {
    request(
        Method::POST,
        "/json",
        Body::from("{\"name\": tru"),
        &[("content-type", "application/json")],
    )
}

fn request(
    method: Method,
    uri: &'static str,
    body: Body,
    extra: &[(&'static str, &'static str)],
) -> Request<Body> {
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = Uri::from_static(uri);
    let headers = req.headers_mut();
    for (name, value) in [
        ("host", "127.0.0.1:3000"),
        ("user-agent", "bench/1.0"),
        ("accept", "*/*"),
    ]
    .iter()
    .chain(extra)
    {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

/// The whole body of a response whose body is ready at once.
pub fn read_body(res: Response<Body>) -> axum::body::Bytes {
    let future = pin!(axum::body::to_bytes(res.into_body(), usize::MAX));
    match future.poll(&mut Context::from_waker(&NOOP)) {
        Poll::Ready(Ok(bytes)) => bytes,
        _ => panic!("the body was not ready at once"),
    }
}

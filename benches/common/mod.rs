//! The apps the benchmarks compare, shared with `tests/allocations.rs`: each case
//! is the same trivial handler behind a different stack.

#[macro_use]
mod harness;

use std::{
    future::Future,
    pin::pin,
    sync::Arc,
    task::{Context, Poll, Waker},
};

use axum::{
    body::Body,
    http::{HeaderValue, Method, Request, Response, StatusCode},
    routing::{get, post},
    Json, Router,
};
use axum_api_error::{layer::ApiErrorService, ApiError, ApiErrorLayer};
use serde_json::{json, Value};

#[allow(unused_imports)] // Not every bench uses all of them.
pub use self::harness::{call, collect, invalid_fields_body, request, run, Args, Headers};
use tower::{layer::util::Identity, Layer};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
};

/// The routes every case shares, ready to serve.
pub fn routes() -> Router {
    // As `into_make_service` does: a `Router` used as a plain service without it
    // converts its handlers again on every request.
    stateless().with_state(())
}

/// The routes, before `with_state`: layers and fallbacks go on here.
fn stateless() -> Router {
    bench_routes!("/invalid-api-error" => invalid_api_error)
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
    stateless()
        .fallback(|| async {
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
        .with_state(())
}

/// (a) axum alone.
pub fn bare() -> Router {
    routes()
}

/// (a') an identity layer through `Router::layer`: what axum's own re-wrapping costs.
pub fn identity_router_layer() -> Router {
    stateless().layer(Identity::new()).with_state(())
}

/// (a'') a layer that does nothing but is not zero-sized, through `Router::layer`:
/// axum clones a boxed copy of every layer on each request, which allocates unless
/// the layer is zero-sized (as `Identity` is).
pub fn sized_identity_router_layer() -> Router {
    stateless()
        .layer(SizedIdentity(Arc::new(())))
        .with_state(())
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
    stateless().layer(ApiErrorLayer::new()).with_state(())
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
        Headers::Typical,
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
    stateless()
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(())
}

/// A GET with the headers a typical client sends (see [`Headers`]).
pub fn get_req(uri: &'static str) -> Request<Body> {
    get_with(Headers::Typical, uri)
}

/// A GET with `headers`.
pub fn get_with(headers: Headers, uri: &'static str) -> Request<Body> {
    request(headers, Method::GET, uri, Body::empty(), &[])
}

/// A POST of JSON that does not parse.
pub fn bad_json_req() -> Request<Body> {
    bad_json(Headers::Typical)
}

/// A POST of JSON that does not parse, with `headers` beside its `content-type`.
pub fn bad_json(headers: Headers) -> Request<Body> {
    request(
        headers,
        Method::POST,
        "/json",
        Body::from("{\"name\": tru"),
        &[("content-type", "application/json")],
    )
}

/// The whole body of a response whose body is ready at once.
pub fn read_body(res: Response<Body>) -> axum::body::Bytes {
    let future = pin!(axum::body::to_bytes(res.into_body(), usize::MAX));
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(bytes)) => bytes,
        _ => panic!("the body was not ready at once"),
    }
}

/// (b) without its own span (`with_request_span(false)`): what the span costs, with
/// a subscriber that would record it.
pub fn no_span_around_router() -> ApiErrorService<Router> {
    ApiErrorLayer::new()
        .with_request_span(false)
        .layer(routes())
}

/// (b) with CORS for one origin, in the recommended order: `Cors` outside the layer.
#[cfg(feature = "cors")]
pub fn cors_outside_around_router() -> axum_api_error::cors::CorsService<ApiErrorService<Router>> {
    cors().layer(api_error_around_router())
}

/// (b) with CORS for one origin the other way: `Cors` inside the layer, which fills
/// the CORS headers of what it makes itself (`with_cors`).
#[cfg(feature = "cors")]
pub fn cors_inside_around_router() -> ApiErrorService<axum_api_error::cors::CorsService<Router>> {
    ApiErrorLayer::new()
        .with_cors(cors())
        .layer(cors().layer(routes()))
}

#[cfg(feature = "cors")]
fn cors() -> axum_api_error::cors::Cors {
    axum_api_error::cors::Cors::exact_origins(["https://app.example.com"]).expect("a valid origin")
}

/// A GET from the origin the CORS cases allow.
pub fn cross_origin_get(headers: Headers, uri: &'static str) -> Request<Body> {
    request(
        headers,
        Method::GET,
        uri,
        Body::empty(),
        &[("origin", "https://app.example.com")],
    )
}

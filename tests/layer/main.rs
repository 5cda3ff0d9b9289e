//! Integration tests of `ApiErrorLayer` driving a real `axum::Router` in-process.
//!
//! Every case where the placement can matter runs twice: with the layer added through
//! `Router::layer` (it then wraps every route and the fallback) and with the layer
//! wrapped around the whole `Router` as a service. Each test checks the status, the
//! complete header map (names and values, so a header that appears or disappears
//! fails) and the whole body. The request id is random: it is read from the
//! `x-request-id` response header and put into the expected body.

// Shared by the modules below.
mod apps;
mod support;

// One module per topic.
mod api_error;
mod bare;
mod config;
mod framework_errors;
mod head;
mod logging;
mod panics;
mod request_ids;
mod versions;

use std::convert::Infallible;

use axum::{
    body::Body,
    http::{Request, Response},
    Router,
};
use axum_api_error::{layer::ApiErrorService, ApiErrorLayer};
use tower::{Layer, Service};

// ---------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------

#[test]
fn traits() {
    fn service<T: Send + Sync + Clone + 'static>() {}
    fn future<T: Send + 'static>() {}
    service::<ApiErrorService<Router>>();
    service::<ApiErrorLayer>();
    future::<<ApiErrorService<Router> as Service<Request<Body>>>::Future>();
    // It is a service axum can serve.
    fn is_service<S>(_: &S)
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    {
    }
    is_service(&ApiErrorLayer::new().layer(Router::new()));
}

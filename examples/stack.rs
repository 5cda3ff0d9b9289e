//! Run with
//!
//! ```sh
//! cargo run --example stack --features cors,tower-governor
//! ```
//!
//! `ApiErrorLayer` in the stack an axum team runs, in the recommended order,
//! outermost first:
//!
//! 1. tower-http's `TraceLayer`, its span made by `RequestSpan`, its `on_request`
//!    (before the id is decided) and `on_failure` off: one `request` span per
//!    request, with the request id the response carries, on every line, and one
//!    line per 5xx (the layer's, with the source chain);
//! 2. `Cors` (this crate's, on tower-http's `CorsLayer`): every response, the errors
//!    and a panic's 500 included, gets the CORS headers, with `X-Request-Id`,
//!    `Retry-After` and the rate-limit fields exposed; preflights are answered here,
//!    before the rate limit;
//! 3. `CatchPanicLayer`, a net that never catches: the layer catches panics first
//!    and logs them with the id (inside the layer it would log each panic a second
//!    time);
//! 4. `ApiErrorLayer` with no span of its own: it decides the request id (and writes
//!    it into the request's header), renders every error, logs each one once;
//! 5. `SetRequestIdLayer` and `PropagateRequestIdLayer`, for code that reads
//!    tower-http's `RequestId`: they see the id the layer decided;
//! 6. tower_governor, per peer address: its 429 is in the crate's shape.
//!
//! ```sh
//! curl -i localhost:3000/api/hello
//! curl -i localhost:3000/api/crash
//! ```

use std::net::SocketAddr;

use axum::{
    extract::Request,
    response::{IntoResponse, Response},
    routing::get,
    Router, ServiceExt,
};
use axum_api_error::{cors::Cors, layer::RequestSpan, ApiErrorLayer};
use tower::{util::BoxCloneService, ServiceBuilder};
use tower_governor::{governor::GovernorConfigBuilder, GovernorLayer};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

/// The whole app, as a service of axum's `Response`.
pub(crate) fn app() -> BoxCloneService<Request, Response, std::convert::Infallible> {
    let governor = GovernorConfigBuilder::default()
        .per_second(1)
        .burst_size(5)
        .use_headers()
        .finish()
        .expect("a period and a burst size above zero");
    let router = Router::new()
        .route("/api/hello", get(|| async { "hello" }))
        .route("/api/crash", get(crash))
        .layer(GovernorLayer::new(governor).error_handler(axum_api_error::governor::error_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(());
    let service = ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RequestSpan)
                // Its first line comes before the id is decided.
                .on_request(())
                .on_failure(()),
        )
        .layer(Cors::exact_origins(["http://localhost:5173"]).expect("an origin"))
        .layer(CatchPanicLayer::new())
        .layer(ApiErrorLayer::new().with_request_span(false))
        .service(router);
    BoxCloneService::new(service)
}

async fn crash() -> &'static str {
    panic!("the crash route panics on purpose")
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .init();
    // std's hook would print every panic again, without the request id.
    axum_api_error::layer::install_panic_hook();
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("stack listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app()),
    )
    .await
}

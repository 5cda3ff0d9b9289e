//! Run with
//!
//! ```sh
//! cargo run --example rate_limited --features tower-governor
//! ```
//!
//! A route rate limited by tower_governor, per peer IP address: a burst of 2, one
//! request more each second. The third quick request is a 429 in the crate's shape,
//! with `Retry-After`, `X-RateLimit-*` and the IETF `RateLimit` field. The layer is
//! wrapped around the whole `Router`, so the app is served with
//! `axum::ServiceExt::into_make_service_with_connect_info`: governor reads the peer
//! address from it.
//!
//! ```sh
//! for i in 1 2 3; do curl -si localhost:3000/api/hello | head -1; done
//! ```

use std::net::SocketAddr;

use axum::{extract::Request, routing::get, Router, ServiceExt};
use axum_api_error::{layer::ApiErrorService, ApiErrorLayer};
use tower_governor::{governor::GovernorConfigBuilder, GovernorLayer};
use tower_layer::Layer;

/// The app: `GET /api/hello`, limited, inside `ApiErrorLayer`.
pub(crate) fn app(per_second: u64, burst: u32) -> ApiErrorService<Router> {
    let config = GovernorConfigBuilder::default()
        .per_second(per_second)
        .burst_size(burst)
        .use_headers()
        .finish()
        .expect("a period and a burst size above zero");
    let router = Router::new()
        .route("/api/hello", get(|| async { "hello" }))
        .layer(GovernorLayer::new(config).error_handler(axum_api_error::governor::error_response));
    // After `with_state`: each handler is made a route once, not on every request.
    ApiErrorLayer::new().layer(router.with_state(()))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt::init();
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!(
        "rate_limited listening on http://{}",
        listener.local_addr()?
    );
    let app = app(1, 2);
    axum::serve(
        listener,
        ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app),
    )
    .await
}

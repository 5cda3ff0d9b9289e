//! One of four servers on 127.0.0.1, for wrk (`scripts/loopback.sh`): the same two
//! routes (`/`, answered "ok", and anything else, axum's empty 404) behind
//!
//! - `bare`: axum 0.8 alone;
//! - `api-error`: axum 0.8 inside `ApiErrorLayer` (around the Router);
//! - `bare-07`: axum 0.7 alone;
//! - `problem`: axum 0.7 inside axum-problem 0.1.9's `ProblemLayer`.
//!
//! ```sh
//! cargo run --release -p rival-bench --bin loopback -- api-error 39872
//! ```

use std::net::SocketAddr;

use tower_layer::Layer;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(39872);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("the port");
        match mode.as_str() {
            "bare" => axum08::serve(listener, routes_08()).await,
            "api-error" => {
                let app = axum_api_error::ApiErrorLayer::new().layer(routes_08());
                let make = axum08::ServiceExt::<axum08::extract::Request>::into_make_service(app);
                axum08::serve(listener, make).await
            }
            "bare-07" => axum::serve(listener, routes_07()).await,
            "problem" => {
                let app = axum_problem::ProblemLayer.layer(routes_07());
                let make = axum::ServiceExt::<axum::extract::Request>::into_make_service(app);
                axum::serve(listener, make).await
            }
            other => {
                eprintln!("unknown mode {other:?}: bare, api-error, bare-07 or problem");
                std::process::exit(2);
            }
        }
        .expect("the server");
    });
}

fn routes_08() -> axum08::Router {
    axum08::Router::new()
        .route("/", axum08::routing::get(|| async { "ok" }))
        .with_state(())
}

fn routes_07() -> axum::Router {
    axum::Router::new()
        .route("/", axum::routing::get(|| async { "ok" }))
        .with_state(())
}

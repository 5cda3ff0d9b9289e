//! Run with
//!
//! ```sh
//! cargo run --example users_api
//! ```
//!
//! A small, complete REST API that shows every behaviour of `axum-api-error` on real
//! HTTP: its contract is `examples/users_api/CONTRACT.md`, and the README's "Try it"
//! lists what to send. It listens on `127.0.0.1:$PORT` (3000 unless set), allows the
//! browser origins listed in `CORS_ORIGINS` (comma-separated, none unless set), logs
//! with `tracing` (`RUST_LOG`, `info` unless set), and on Ctrl-C or SIGTERM stops
//! accepting, lets the requests in flight finish for at most 4 s, and exits 0.

mod app;

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let cors = match app::cors_origins(std::env::var("CORS_ORIGINS")) {
        Ok(cors) => cors,
        Err(e) => {
            eprintln!("users_api: {e}");
            std::process::exit(2);
        }
    };
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let url = format!("http://{}", listener.local_addr()?);
    println!("users_api listening on {url}");
    println!("try:");
    for example in [
        format!("curl -i {url}/api/users"),
        format!("curl -i {url}/api/users/1"),
        format!("curl -i {url}/api/users/abc"),
        format!("curl -i -X POST {url}/api/users -H 'authorization: Bearer user-token' -H 'content-type: application/json' -d '{{\"name\":\"\",\"email\":\"nope\"}}'"),
        format!("curl -i -X DELETE {url}/api/users"),
        format!("curl -i {url}/api/admin/stats -H 'authorization: Bearer expired-token'"),
        format!("curl -i {url}/api/crash -H 'accept: application/problem+json'"),
    ] {
        println!("  {example}");
    }

    if std::env::var_os("USERS_API_WITHOUT_ERROR_LAYER").is_some() {
        // Only for scripts/load.sh, which measures what the layer costs.
        tracing::warn!("running without ApiErrorLayer: errors do not follow the contract");
        app::serve_router(listener, app::app_with(false, cors), shutdown_signal()).await?;
    } else {
        app::serve(listener, cors, shutdown_signal()).await?;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM where there is one.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

//! The cases of `benches/instructions.rs` for axum-problem 0.1.9's `ProblemLayer`,
//! the nearest rival on crates.io, on the axum it needs (0.7): same driver, same
//! requests, same flags (`--no-headers`, `--subscriber`). `scripts/instructions.sh`
//! runs them beside the crate's own.

#[allow(dead_code, unreachable_pub)]
#[path = "../../benches/common/harness.rs"]
mod harness;

use std::hint::black_box;

use axum::{
    body::Body,
    http::{Method, StatusCode},
    routing::{get, post},
    Json, Router,
};
use axum_problem::{Problem, ProblemLayer};
use harness::{call, collect, request, Headers};
use serde_json::{json, Value};
use tower_layer::Layer;

/// The routes of `benches/common/mod.rs`, on axum 0.7, with axum-problem's own
/// 422 in place of `ApiError`'s.
fn routes() -> Router {
    stateless().with_state(())
}

fn stateless() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/json", post(|Json(v): Json<Value>| async move { Json(v) }))
        .route("/invalid-hand-written", get(invalid_hand_written))
        .route("/invalid-problem", get(invalid_problem))
}

/// The hand-written 422 of the crate's benches, byte for byte.
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

/// The same two field errors as axum-problem writes them: a `Problem` with an
/// extension member, as its documentation shows.
async fn invalid_problem() -> Problem {
    Problem::unprocessable_entity()
        .detail("The request contains invalid fields.")
        .extension(
            "errors",
            json!([
                {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            ]),
        )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let h = Headers::from_args();
    if std::env::args().any(|a| a == "--subscriber") {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(std::io::sink)
            .init();
    }
    let get = |uri| request(h, Method::GET, uri, Body::empty(), &[]);
    let bad_json = || {
        request(
            h,
            Method::POST,
            "/json",
            Body::from("{\"name\": tru"),
            &[("content-type", "application/json")],
        )
    };
    macro_rules! run {
        ($svc:expr, $req:expr) => {{
            let mut svc = $svc;
            for _ in 0..n {
                black_box(collect(call(&mut svc, $req).into_body()));
            }
        }};
    }
    match case.as_str() {
        "rival_success_bare" => run!(routes(), get("/")),
        "rival_success_around_router" => run!(ProblemLayer.layer(routes()), get("/")),
        "rival_success_router_layer" => {
            run!(stateless().layer(ProblemLayer).with_state(()), get("/"))
        }
        "rival_error_422_hand_written" => run!(routes(), get("/invalid-hand-written")),
        "rival_error_422_problem_around_router" => {
            run!(ProblemLayer.layer(routes()), get("/invalid-problem"))
        }
        "rival_error_422_passthrough_around_router" => {
            run!(ProblemLayer.layer(routes()), get("/invalid-hand-written"))
        }
        "rival_404_bare" => run!(routes(), get("/nope")),
        "rival_404_rewritten_around_router" => run!(ProblemLayer.layer(routes()), get("/nope")),
        "rival_json_rejection_bare" => run!(routes(), bad_json()),
        "rival_json_rejection_rewritten_around_router" => {
            run!(ProblemLayer.layer(routes()), bad_json())
        }
        other => {
            eprintln!("unknown case {other:?}");
            std::process::exit(2);
        }
    }
}

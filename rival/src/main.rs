//! The cases of `benches/instructions.rs` for axum-problem 0.1.9's `ProblemLayer`,
//! the nearest rival on crates.io, on the axum it needs (0.7): same driver, same
//! requests, same flags (`--no-headers`, `--subscriber`). `scripts/instructions.sh`
//! runs them beside the crate's own.

#[allow(dead_code, unreachable_pub)]
#[macro_use]
#[path = "../../benches/common/harness.rs"]
mod harness;

use axum::{
    body::Body,
    http::{Method, StatusCode},
    routing::{get, post},
    Json, Router,
};
use axum_problem::{Problem, ProblemLayer};
use harness::{invalid_fields, request, Args};
use serde_json::Value;
use tower_layer::Layer;

/// The routes of `benches/common/mod.rs`, on axum 0.7, with axum-problem's own
/// 422 in place of `ApiError`'s.
fn routes() -> Router {
    stateless().with_state(())
}

fn stateless() -> Router {
    bench_routes!("/invalid-problem" => invalid_problem)
}

/// The same two field errors as axum-problem writes them: a `Problem` with an
/// extension member, as its documentation shows.
async fn invalid_problem() -> Problem {
    Problem::unprocessable_entity()
        .detail("The request contains invalid fields.")
        .extension("errors", invalid_fields())
}

fn main() {
    let Args {
        case,
        n,
        headers: h,
    } = Args::parse();
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
        ($svc:expr, $req:expr) => {
            harness::run(n, $svc, || $req)
        };
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

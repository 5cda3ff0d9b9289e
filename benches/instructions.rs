//! Runs one case of `benches/layer.rs` a given number of times, for
//! `valgrind --tool=callgrind`, whose instruction counts stay the same on a busy
//! machine. `scripts/instructions.sh` runs every case twice (N and 2N requests)
//! and prints the instructions per request: the difference over N.
//!
//! ```sh
//! cargo bench --bench instructions --no-run
//! valgrind --tool=callgrind target/release/deps/instructions-* success_bare 10000
//! ```

#[allow(dead_code, unreachable_pub)]
mod common;

use std::hint::black_box;

use common::{
    api_error_around_router, api_error_router_layer, bad_json_req, bare, call, get_req,
    identity_router_layer, tower_http_stack,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    macro_rules! run {
        ($svc:expr, $req:expr) => {{
            let mut svc = $svc;
            for _ in 0..n {
                black_box(call(&mut svc, $req));
            }
        }};
    }
    match case.as_str() {
        "success_bare" => run!(bare(), get_req("/")),
        "success_identity_router_layer" => run!(identity_router_layer(), get_req("/")),
        "success_api_error_router_layer" => run!(api_error_router_layer(), get_req("/")),
        "success_api_error_around_router" => run!(api_error_around_router(), get_req("/")),
        "success_tower_http_stack" => run!(tower_http_stack(), get_req("/")),
        "success_traced_request_trace_context_off" => {
            run!(
                common::api_error_around_router(),
                common::traced_get_req("/")
            )
        }
        "error_422_traced_request_trace_context_off" => run!(
            common::api_error_around_router(),
            common::traced_get_req("/invalid-api-error")
        ),
        "success_trace_context_new_trace" => {
            run!(common::trace_context_around_router(), get_req("/"))
        }
        "success_trace_context_continued" => {
            run!(
                common::trace_context_around_router(),
                common::traced_get_req("/")
            )
        }
        "error_422_trace_context_continued" => run!(
            common::trace_context_around_router(),
            common::traced_get_req("/invalid-api-error")
        ),
        "error_422_hand_written" => run!(bare(), get_req("/invalid-hand-written")),
        "error_422_api_error_around_router" => {
            run!(api_error_around_router(), get_req("/invalid-api-error"))
        }
        "404_bare" => run!(bare(), get_req("/nope")),
        "404_rewritten_around_router" => run!(api_error_around_router(), get_req("/nope")),
        "404_hand_written_equivalent" => {
            run!(common::hand_written_404_equivalent(), get_req("/nope"))
        }
        "json_rejection_bare" => run!(bare(), bad_json_req()),
        "json_rejection_rewritten_around_router" => {
            run!(api_error_around_router(), bad_json_req())
        }
        "request_id_generate" => {
            for _ in 0..n {
                black_box(axum_api_error::RequestId::generate());
            }
        }
        other => {
            eprintln!("unknown case {other:?}");
            std::process::exit(2);
        }
    }
}

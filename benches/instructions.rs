//! Runs one case of the benchmarks a given number of times, for
//! `valgrind --tool=callgrind`, whose instruction counts stay the same on a busy
//! machine. `scripts/instructions.sh` runs every case twice (N and 2N requests)
//! and prints the instructions per request: the difference over N.
//!
//! ```sh
//! cargo bench --bench instructions --no-run
//! valgrind --tool=callgrind target/release/deps/instructions-* success_bare 10000
//! ```
//!
//! Every request is answered in one poll and its body read to the end. The flags
//! after the count: `--no-headers` sends no request headers (else `host`,
//! `user-agent` and `accept`), `--subscriber` installs a `tracing` fmt subscriber at
//! INFO that writes into nothing. The rival's cases are in `rival/`, with the same
//! driver and flags.

#[allow(dead_code, unreachable_pub)]
mod common;

use axum::http::Method;
use common::{get_with as get, request, Args};

fn main() {
    let Args {
        case,
        n,
        headers: h,
    } = Args::parse();
    macro_rules! run {
        ($svc:expr, $req:expr) => {
            common::run(n, $svc, || $req)
        };
    }
    let traced = |uri| {
        request(
            h,
            Method::GET,
            uri,
            axum::body::Body::empty(),
            &[(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )],
        )
    };
    match case.as_str() {
        // The success path: a GET of `/`, answered "ok".
        "success_bare" => run!(common::bare(), get(h, "/")),
        "success_identity_router_layer" => run!(common::identity_router_layer(), get(h, "/")),
        "success_sized_identity_router_layer" => {
            run!(common::sized_identity_router_layer(), get(h, "/"))
        }
        "success_api_error_router_layer" => run!(common::api_error_router_layer(), get(h, "/")),
        "success_api_error_around_router" => run!(common::api_error_around_router(), get(h, "/")),
        "success_no_span_around_router" => run!(common::no_span_around_router(), get(h, "/")),
        "success_tower_http_stack" => run!(common::tower_http_stack(), get(h, "/")),
        "success_traced_request_trace_context_off" => {
            run!(common::api_error_around_router(), traced("/"))
        }
        "success_trace_context_new_trace" => {
            run!(common::trace_context_around_router(), get(h, "/"))
        }
        "success_trace_context_continued" => {
            run!(common::trace_context_around_router(), traced("/"))
        }
        #[cfg(feature = "cors")]
        "success_cors_outside_around_router" => run!(
            common::cors_outside_around_router(),
            common::cross_origin_get(h, "/")
        ),
        #[cfg(feature = "cors")]
        "success_cors_inside_around_router" => run!(
            common::cors_inside_around_router(),
            common::cross_origin_get(h, "/")
        ),
        #[cfg(feature = "cors")]
        "success_cross_origin_no_cors" => run!(
            common::api_error_around_router(),
            common::cross_origin_get(h, "/")
        ),
        // A handler's 422 with two field errors.
        "error_422_hand_written" => run!(common::bare(), get(h, "/invalid-hand-written")),
        "error_422_api_error_around_router" => run!(
            common::api_error_around_router(),
            get(h, "/invalid-api-error")
        ),
        "error_422_api_error_no_layer" => run!(common::bare(), get(h, "/invalid-api-error")),
        // The app's own JSON 422, through the layer: passed through.
        "error_422_passthrough_around_router" => run!(
            common::api_error_around_router(),
            get(h, "/invalid-hand-written")
        ),
        "error_422_traced_request_trace_context_off" => run!(
            common::api_error_around_router(),
            traced("/invalid-api-error")
        ),
        "error_422_trace_context_continued" => run!(
            common::trace_context_around_router(),
            traced("/invalid-api-error")
        ),
        // axum's own empty 404.
        "404_bare" => run!(common::bare(), get(h, "/nope")),
        "404_rewritten_around_router" => run!(common::api_error_around_router(), get(h, "/nope")),
        "404_rewritten_no_span" => run!(common::no_span_around_router(), get(h, "/nope")),
        "404_hand_written_equivalent" => {
            run!(common::hand_written_404_equivalent(), get(h, "/nope"))
        }
        #[cfg(feature = "cors")]
        "404_cors_outside_around_router" => run!(
            common::cors_outside_around_router(),
            common::cross_origin_get(h, "/nope")
        ),
        // axum's Json rejection of a body that does not parse.
        "json_rejection_bare" => run!(common::bare(), common::bad_json(h)),
        "json_rejection_rewritten_around_router" => {
            run!(common::api_error_around_router(), common::bad_json(h))
        }
        "request_id_generate" => {
            for _ in 0..n {
                std::hint::black_box(axum_api_error::RequestId::generate());
            }
        }
        other => {
            eprintln!("unknown case {other:?}");
            std::process::exit(2);
        }
    }
}

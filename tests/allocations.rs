//! Allocations per request, counted by a crate allocator (`stats_alloc`), each
//! case against the same request without the layer: one allocation more on the
//! success path (around the Router), and the budgets below for the others
//! (BENCHMARKS.md has the figures).
//!
//! Its own binary without the test harness: the count is process-wide, so nothing
//! else may run while it counts. The figures are deterministic, not timings.

#[allow(dead_code, unreachable_pub)]
#[path = "../benches/common/mod.rs"]
mod common;

use std::alloc::System;

use axum::{body::Body, http::Request};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use tower::Service;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REQUESTS: usize = 1_000;

/// Mean allocations of one request through `svc`, response dropped.
fn allocations<S, B>(svc: &mut S, make: fn() -> Request<Body>) -> f64
where
    S: Service<Request<Body>, Response = axum::http::Response<B>, Error = std::convert::Infallible>,
{
    for _ in 0..10 {
        drop(common::call(svc, make()));
    }
    let region = Region::new(GLOBAL);
    for _ in 0..REQUESTS {
        drop(common::call(svc, make()));
    }
    region.change().allocations as f64 / REQUESTS as f64
}

fn main() {
    let ok = || common::get_req("/");
    let rows = [
        ("success: (a) bare", allocations(&mut common::bare(), ok)),
        (
            "success: (a') identity via Router::layer",
            allocations(&mut common::identity_router_layer(), ok),
        ),
        (
            "success: (a'') sized identity via Router::layer",
            allocations(&mut common::sized_identity_router_layer(), ok),
        ),
        (
            "success: (b) ApiErrorLayer via Router::layer",
            allocations(&mut common::api_error_router_layer(), ok),
        ),
        (
            "success: (b) ApiErrorLayer around the Router",
            allocations(&mut common::api_error_around_router(), ok),
        ),
        (
            "success: (c) tower-http stack",
            allocations(&mut common::tower_http_stack(), ok),
        ),
        (
            "422: hand-written",
            allocations(&mut common::bare(), || {
                common::get_req("/invalid-hand-written")
            }),
        ),
        (
            "422: ApiError around the Router",
            allocations(&mut common::api_error_around_router(), || {
                common::get_req("/invalid-api-error")
            }),
        ),
        (
            "422: the app's own JSON through the layer",
            allocations(&mut common::api_error_around_router(), || {
                common::get_req("/invalid-hand-written")
            }),
        ),
        (
            "404: bare",
            allocations(&mut common::bare(), || common::get_req("/nope")),
        ),
        (
            "404: rewritten around the Router",
            allocations(&mut common::api_error_around_router(), || {
                common::get_req("/nope")
            }),
        ),
        (
            "404: the same response hand-written",
            allocations(&mut common::hand_written_404_equivalent(), || {
                common::get_req("/nope")
            }),
        ),
        (
            "Json rejection: bare",
            allocations(&mut common::bare(), common::bad_json_req),
        ),
        (
            "Json rejection: rewritten around the Router",
            allocations(&mut common::api_error_around_router(), common::bad_json_req),
        ),
    ];
    println!("allocations per request ({REQUESTS} requests each):");
    for (name, n) in &rows {
        println!("  {n:>6.2}  {name}");
    }
    // The budgets, each against the same request without the layer (axum's own
    // counts move with its releases; the layer's part is what is held here). The
    // fractions are the shared buffers' own allocations: one per 64 ids, one per
    // few kilobytes of bodies.
    let count = |name: &str| {
        rows.iter()
            .find(|(row, _)| *row == name)
            .map(|(_, n)| *n)
            .unwrap_or_else(|| panic!("no row {name:?}"))
    };
    let budgets = [
        // The id's extension: one box.
        (
            "success: (b) ApiErrorLayer around the Router",
            "success: (a) bare",
            1.1,
        ),
        // Through Router::layer axum also clones the boxed layer on every request:
        // one allocation for any layer that is not zero-sized, so the base is (a'').
        (
            "success: (b) ApiErrorLayer via Router::layer",
            "success: (a'') sized identity via Router::layer",
            2.1,
        ),
        // The body is rendered once, into the shared buffer: fewer than by hand.
        (
            "422: ApiError around the Router",
            "422: hand-written",
            -15.0,
        ),
        // Passed through: the id's extension only.
        (
            "422: the app's own JSON through the layer",
            "422: hand-written",
            1.1,
        ),
        // The id's extension, the header map axum's empty 404 lacks (two), the body.
        ("404: rewritten around the Router", "404: bare", 4.2),
        (
            "Json rejection: rewritten around the Router",
            "Json rejection: bare",
            6.2,
        ),
    ];
    let mut over = Vec::new();
    for (case, base, budget) in budgets {
        let (n, b) = (count(case), count(base));
        if n > b + budget {
            over.push(format!("{case}: {n:.2}, budget {b:.2} {budget:+}"));
        }
    }
    assert!(over.is_empty(), "over budget:\n  {}", over.join("\n  "));
    println!("1 passed, 0 failed");
}

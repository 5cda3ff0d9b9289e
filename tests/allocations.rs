//! Allocations per request, counted by a crate allocator (`stats_alloc`): the
//! layer's budget on the success path is at most 3 allocations more than axum's own
//! re-wrapping (an identity layer through `Router::layer`; through `Router::layer`,
//! an identity layer that is not zero-sized, since axum clones every boxed layer on
//! each request).
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
    // Around the Router: at most 3 more than axum's own re-wrapping, (a').
    let (identity, sized_identity) = (rows[1].1, rows[2].1);
    let (through_router_layer, around) = (rows[3].1, rows[4].1);
    assert!(
        around <= identity + 3.0,
        "around the Router: {around}, budget {identity} + 3"
    );
    // Through Router::layer axum also clones the boxed layer on every request, one
    // allocation for any layer that is not zero-sized: the fair base is (a'').
    assert!(
        through_router_layer <= sized_identity + 3.0,
        "via Router::layer: {through_router_layer}, budget {sized_identity} + 3"
    );
    println!("1 passed, 0 failed");
}

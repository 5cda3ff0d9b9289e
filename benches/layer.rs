//! What the layer costs per request, against the alternatives, in one run.
//!
//! ```sh
//! cargo bench --bench layer
//! ```
//!
//! Every case calls the same trivial handler in-process (no network, no runtime:
//! each request completes in one poll), so the differences are the stacks'.
//! BENCHMARKS.md has the figures and what they mean.

#[allow(dead_code, unreachable_pub)]
mod common;

use std::hint::black_box;

use axum_api_error::RequestId;
use criterion::{criterion_group, criterion_main, Criterion};

use common::{
    api_error_around_router, api_error_router_layer, bad_json_req, bare, call, get_req,
    identity_router_layer, tower_http_stack,
};

fn success(c: &mut Criterion) {
    let mut g = c.benchmark_group("success");
    let mut svc = bare();
    g.bench_function("a_bare", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/"))))
    });
    let mut svc = identity_router_layer();
    g.bench_function("a'_identity_router_layer", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/"))))
    });
    let mut svc = api_error_router_layer();
    g.bench_function("b_api_error_router_layer", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/"))))
    });
    let mut svc = api_error_around_router();
    g.bench_function("b_api_error_around_router", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/"))))
    });
    let mut svc = tower_http_stack();
    g.bench_function("c_tower_http_stack", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/"))))
    });
    g.finish();
}

fn error_422(c: &mut Criterion) {
    let mut g = c.benchmark_group("error_422");
    let mut svc = bare();
    g.bench_function("a_hand_written", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/invalid-hand-written"))))
    });
    let mut svc = api_error_around_router();
    g.bench_function("b_api_error_around_router", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/invalid-api-error"))))
    });
    let mut svc = bare();
    g.bench_function("b_api_error_without_layer", |b| {
        b.iter(|| {
            let res = call(&mut svc, get_req("/invalid-api-error"));
            // Without the layer the body renders when read: read it.
            black_box(common::read_body(res))
        })
    });
    g.finish();
}

fn framework_errors(c: &mut Criterion) {
    let mut g = c.benchmark_group("framework_errors");
    let mut svc = bare();
    g.bench_function("404_bare", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/nope"))))
    });
    let mut svc = api_error_around_router();
    g.bench_function("404_rewritten_around_router", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/nope"))))
    });
    let mut svc = common::hand_written_404_equivalent();
    g.bench_function("404_hand_written_equivalent", |b| {
        b.iter(|| black_box(call(&mut svc, get_req("/nope"))))
    });
    let mut svc = bare();
    g.bench_function("json_rejection_bare", |b| {
        b.iter(|| black_box(call(&mut svc, bad_json_req())))
    });
    let mut svc = api_error_around_router();
    g.bench_function("json_rejection_rewritten_around_router", |b| {
        b.iter(|| black_box(call(&mut svc, bad_json_req())))
    });
    g.finish();
}

fn request_ids(c: &mut Criterion) {
    let mut g = c.benchmark_group("request_id");
    g.bench_function("generate", |b| b.iter(|| black_box(RequestId::generate())));
    g.bench_function("uuid_new_v4_os_random", |b| {
        b.iter(|| black_box(uuid::Uuid::new_v4()))
    });
    let incoming = http::HeaderValue::from_static("0b6d1a43-6a8e-4c1e-9f0e-2f5d8f1f3a7b");
    g.bench_function("parse_incoming", |b| {
        b.iter(|| black_box(RequestId::parse(black_box(&incoming))))
    });
    g.finish();
}

criterion_group!(benches, success, error_422, framework_errors, request_ids);
criterion_main!(benches);

//! tower_governor (feature `tower-governor`), end to end on 127.0.0.1: the
//! `rate_limited` example's app served with the peer address, reqwest as the client.
//! Its 429 is in the crate's shape with a `Retry-After` one second above governor's
//! floored wait and a message that states the same number; governor's own 429 text is
//! rewritten the same way without the error handler; an app served without the
//! peer address gets a 500 that logs why.

#[allow(dead_code)]
#[path = "../examples/rate_limited.rs"]
mod example;

use std::{
    net::SocketAddr,
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{routing::get, Router};
use axum_api_error::ApiErrorLayer;
use serde_json::json;
use testkit::server::{serve_with_peer, Res};
use tower_governor::{governor::GovernorConfigBuilder, GovernorLayer};
use tower_layer::Layer;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Checks a governor 429: the body, `Retry-After` equal to the number in the message
/// and in `retryAfter`, the rate-limit fields governor supplied, none it did not.
fn assert_rate_limited(res: &Res, limit: &str) -> u64 {
    res.expect_error(429);
    let retry: u64 = res.header("retry-after").parse().unwrap();
    assert!(
        retry >= 1,
        "Retry-After {retry}: governor's wait plus one second"
    );
    let unit = if retry == 1 { "second" } else { "seconds" };
    assert_eq!(
        res.json(),
        json!({
            "error": "Too Many Requests",
            "message": format!("Too many requests. Try again in {retry} {unit}."),
            "code": "RATE_LIMITED",
            "requestId": res.request_id(),
            "retryAfter": retry,
        })
    );
    assert_eq!(res.header("x-ratelimit-limit"), limit);
    assert_eq!(res.header("x-ratelimit-remaining"), "0");
    let reset: u64 = res.header("x-ratelimit-reset").parse().unwrap();
    let now = unix_now();
    assert!(
        (now..=now + retry + 1).contains(&reset),
        "reset {reset}, now {now}"
    );
    assert_eq!(
        res.header("ratelimit"),
        format!("\"default\";r=0;t={retry}")
    );
    // governor does not tell its window, and its floored wait is not repeated.
    assert!(!res.has("ratelimit-policy"), "{:?}", res.headers);
    assert!(!res.has("x-ratelimit-after"), "{:?}", res.headers);
    retry
}

#[tokio::test]
async fn the_third_quick_request_is_a_429_in_the_shape() {
    let s = serve_with_peer(example::app(1, 2)).await;
    for remaining in ["1", "0"] {
        let res = s.get("/api/hello").await;
        res.expect(200);
        assert_eq!(res.text(), "hello");
        assert_eq!(res.header("x-ratelimit-limit"), "2");
        assert_eq!(res.header("x-ratelimit-remaining"), remaining);
    }
    // One a second: the wait is under a second, which governor floors to 0.
    let retry = assert_rate_limited(&s.get("/api/hello").await, "2");
    assert_eq!(retry, 1);
}

#[tokio::test]
async fn a_long_wait_is_stated_once_in_whole_seconds_rounded_up() {
    // One request every 30 s: the second waits about 30 s.
    let config = GovernorConfigBuilder::default()
        .per_second(30)
        .burst_size(1)
        .use_headers()
        .finish()
        .unwrap();
    let router = Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(GovernorLayer::new(config).error_handler(axum_api_error::governor::error_response));
    let s = serve_with_peer(ApiErrorLayer::new().layer(router.with_state(()))).await;
    s.get("/").await.expect(200);
    let retry = assert_rate_limited(&s.get("/").await, "1");
    assert!((29..=30).contains(&retry), "{retry}");
}

#[tokio::test]
async fn without_the_error_handler_governors_own_429_is_rewritten_the_same_way() {
    let config = GovernorConfigBuilder::default()
        .per_second(1)
        .burst_size(1)
        .use_headers()
        .finish()
        .unwrap();
    let router = Router::new()
        .route("/", get(|| async { "ok" }))
        .layer(GovernorLayer::new(config));
    let s = serve_with_peer(ApiErrorLayer::new().layer(router.with_state(()))).await;
    s.get("/").await.expect(200);
    let retry = assert_rate_limited(&s.get("/").await, "1");
    assert_eq!(retry, 1);
}

#[test]
fn served_without_the_peer_address_every_request_is_a_500_that_logs_why() {
    let (res, logs) = testkit::logs::with_logs(async {
        let s = testkit::server::serve_service(example::app(1, 2)).await;
        s.get("/api/hello").await
    });
    res.expect_error(500);
    assert_eq!(
        res.json(),
        json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
            "requestId": res.request_id(),
        })
    );
    assert!(
        logs.iter()
            .any(|line| line.contains("ERROR")
                && line.contains("into_make_service_with_connect_info")),
        "the log says why: {logs:#?}"
    );
}

#[tokio::test]
async fn around_the_router_a_handler_reads_the_peer_address() {
    use axum::extract::ConnectInfo;
    let router = Router::new().route(
        "/peer",
        get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
    );
    let s = serve_with_peer(ApiErrorLayer::new().layer(router.with_state(()))).await;
    let res = s.get("/peer").await;
    res.expect(200);
    assert_eq!(res.text(), "127.0.0.1");
}

use std::{
    net::SocketAddr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use reqwest::Method;
use serde_json::{json, Value};
use testkit::{
    raw::chunked,
    server::{client, send, Res},
};

use crate::{assert_raw_413, raw, start, status_line, ADMIN, BARE_CHALLENGE, OTHER, USER};

// ---------------------------------------------------------------------------------
// GET /api/limited
// ---------------------------------------------------------------------------------

/// The time now, in seconds since the Unix epoch.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Checks the rate-limit fields of `res` for `remaining` requests left, and returns
/// `X-RateLimit-Reset`.
fn assert_rate_limit(res: &Res, remaining: u64) -> u64 {
    assert_eq!(res.header("x-ratelimit-limit"), "5");
    assert_eq!(res.header("x-ratelimit-remaining"), remaining.to_string());
    let reset: u64 = res.header("x-ratelimit-reset").parse().unwrap();
    let now = unix_now();
    assert!(
        (now + 55..=now + 62).contains(&reset),
        "X-RateLimit-Reset {reset} is not about 60 s after {now}"
    );
    assert_eq!(res.header("ratelimit-policy"), r#""default";q=5;w=60"#);
    let ietf = res.header("ratelimit");
    let t: u64 = ietf
        .strip_prefix(&format!(r#""default";r={remaining};t="#))
        .unwrap_or_else(|| panic!("RateLimit: {ietf}"))
        .parse()
        .unwrap();
    assert!((55..=60).contains(&t), "RateLimit: {ietf}");
    reset
}

fn within_limit() -> Value {
    json!({"message": "You are within the rate limit."})
}

fn assert_429(res: &Res) {
    res.expect_error(429);
    assert_rate_limit(res, 0);
    let retry_after: u64 = res.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Too Many Requests",
            "message": "Too many requests: 5 per minute are allowed. Try again later.",
            "code": "RATE_LIMITED",
            "requestId": id,
            "retryAfter": retry_after,
        })
    );
}

#[tokio::test]
async fn rate_limit_by_token() {
    let s = start().await;
    let mut resets = Vec::new();
    for remaining in (0..5).rev() {
        let res = s.get_as("/api/limited", USER).await;
        res.expect_ok(200, "no-store");
        resets.push(assert_rate_limit(&res, remaining));
        assert_eq!(res.json(), within_limit());
    }
    assert!(
        resets.iter().max().unwrap() - resets.iter().min().unwrap() <= 1,
        "{resets:?}"
    );
    let res = s.get_as("/api/limited", USER).await;
    assert_429(&res);
    // Still limited.
    assert_429(&s.get_as("/api/limited", USER).await);

    // Another token, and the anonymous caller, have windows of their own.
    let res = s.get_as("/api/limited", OTHER).await;
    res.expect_ok(200, "no-store");
    assert_rate_limit(&res, 4);
    let res = s.get("/api/limited").await;
    res.expect_ok(200, "no-store");
    assert_rate_limit(&res, 4);
}

#[tokio::test]
async fn rate_limit_by_ip_address_across_connections() {
    let s = start().await;
    // A new client, so a new connection from a new port, each time.
    for remaining in (0..5).rev() {
        let res = send(client().get(s.url("/api/limited"))).await;
        res.expect_ok(200, "no-store");
        assert_rate_limit(&res, remaining);
        assert_eq!(res.json(), within_limit());
    }
    let res = send(client().get(s.url("/api/limited"))).await;
    assert_429(&res);
    // A token has its own window.
    let res = s.get_as("/api/limited", ADMIN).await;
    res.expect_ok(200, "no-store");
    assert_rate_limit(&res, 4);
}

/// Only a valid token has a window of its own: a made-up one counts against the
/// client's IP address, so inventing tokens does not escape the limit.
#[tokio::test]
async fn made_up_tokens_count_against_the_ip_address() {
    let s = start().await;
    for (n, remaining) in (0..5).rev().enumerate() {
        let token = format!("Bearer made-up-{n}");
        let res = s.get_as("/api/limited", &token).await;
        res.expect_ok(200, "no-store");
        assert_rate_limit(&res, remaining);
    }
    assert_429(&s.get_as("/api/limited", "Bearer made-up-5").await);
    assert_429(&s.get("/api/limited").await);
}

// ---------------------------------------------------------------------------------
// POST /api/uploads, POST /api/reports
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn uploads_take_up_to_1_mib() {
    let s = start().await;
    let res = send(
        s.req(Method::POST, "/api/uploads")
            .header("content-type", "application/octet-stream")
            .body(vec![7u8; 1024 * 1024]),
    )
    .await;
    res.expect_ok(201, "no-store");
    assert_eq!(res.json(), json!({"size": 1024 * 1024}));

    // Over by Content-Length: 413 before the body.
    let head = format!(
        "POST /api/uploads HTTP/1.1\r\nhost: {}\r\ncontent-type: application/octet-stream\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        1024 * 1024 + 1
    );
    let (res, elapsed) = raw(s.addr, &head, Vec::new()).await;
    assert_raw_413(&res);
    assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");

    // Exactly 1 MiB, chunked: accepted.
    let (res, _) = raw(
        s.addr,
        &chunked_upload_head(s.addr),
        chunked(&vec![b'x'; 1024 * 1024], 64 * 1024),
    )
    .await;
    assert_eq!(status_line(&res), "HTTP/1.1 201 Created");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.json(), json!({"size": 1024 * 1024}));
}

fn chunked_upload_head(addr: SocketAddr) -> String {
    format!(
        "POST /api/uploads HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/octet-stream\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
}

#[tokio::test]
async fn uploads_with_a_chunked_body_over_1_mib_are_413() {
    let s = start().await;
    let (res, _) = raw(
        s.addr,
        &chunked_upload_head(s.addr),
        chunked(&vec![b'x'; 1024 * 1024 + 1], 64 * 1024),
    )
    .await;
    assert_raw_413(&res);
    // The server still answers.
    s.get("/healthz").await.expect_ok(200, "no-store");
}

#[tokio::test]
async fn reports_are_accepted_with_a_status_url() {
    let s = start().await;
    let request = json!({"type": "sales", "year": 2024});
    let res = send(s.req(Method::POST, "/api/reports").json(&request)).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    let res = send(s.req(Method::POST, "/api/reports").body("{")).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    let res = s
        .send_json(Method::POST, "/api/reports", USER, &request)
        .await;
    res.expect_ok(202, "no-store");
    let body = res.json();
    let job_id = body["jobId"].as_str().unwrap().to_owned();
    assert!(!job_id.is_empty());
    let location = res.header("location").to_owned();
    assert_eq!(location, format!("/api/reports/jobs/{job_id}"));
    let job = json!({
        "jobId": job_id,
        "status": "queued",
        "statusUrl": location,
        "type": "sales",
        "year": 2024,
    });
    assert_eq!(body, job);

    let res = s.get(&location).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), job);

    // Another job gets another id.
    let res = s
        .send_json(Method::POST, "/api/reports", OTHER, &request)
        .await;
    res.expect_ok(202, "no-store");
    assert_ne!(res.json()["jobId"], json!(job_id));

    for unknown in ["nope", "00000000-0000-4000-8000-000000000000", "%20"] {
        let res = s.get(&format!("/api/reports/jobs/{unknown}")).await;
        res.expect_error(404);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Not Found",
                "message": "No report job has this id.",
                "code": "NOT_FOUND",
                "requestId": id,
            }),
            "{unknown}"
        );
    }

    // The body rules.
    let res = s
        .send_json(
            Method::POST,
            "/api/reports",
            USER,
            &json!({"type": "sales", "year": "2024"}),
        )
        .await;
    res.expect_error(422);
    assert_eq!(res.json()["details"][0]["field"], "year");
}

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use reqwest::Method;
use serde_json::{json, Value};
use testkit::{oracle::is_uuid, server::send};

use crate::{raw, set, start, ADMIN, BARE_CHALLENGE, PROBLEM, USER};

// ---------------------------------------------------------------------------------
// 405, unknown routes
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn unsupported_methods_are_405_with_allow() {
    let s = start().await;
    let cases = [
        (Method::PATCH, "/api/users", &["GET", "HEAD", "POST"][..]),
        (Method::DELETE, "/api/users", &["GET", "HEAD", "POST"][..]),
        (Method::PUT, "/api/users", &["GET", "HEAD", "POST"][..]),
        (
            Method::PATCH,
            "/api/users/1",
            &["GET", "HEAD", "PUT", "DELETE"][..],
        ),
        (Method::POST, "/healthz", &["GET", "HEAD"][..]),
        (Method::GET, "/api/uploads", &["POST"][..]),
    ];
    for (method, path, allow) in cases {
        let res = send(s.req(method.clone(), path).header("authorization", ADMIN)).await;
        res.expect_error(405);
        assert_eq!(res.allow(), set(allow), "{method} {path}");
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Method Not Allowed",
                "message": "The method is not allowed for this resource.",
                "code": "METHOD_NOT_ALLOWED",
                "requestId": id,
            }),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let s = start().await;
    for path in ["/nope", "/api", "/api/users/1/nope", "/api/reports/jobs"] {
        let res = s.get(path).await;
        res.expect_error(404);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "ROUTE_NOT_FOUND",
                "requestId": id,
            }),
            "{path}"
        );
    }
}

// ---------------------------------------------------------------------------------
// 5xx
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn maintenance_is_503_with_retry_after_300() {
    let s = start().await;
    let res = s.get("/api/maintenance").await;
    res.expect_error(503);
    assert_eq!(res.header("retry-after"), "300");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Service Unavailable",
            "message": "The API is down for maintenance. Try again in five minutes.",
            "code": "MAINTENANCE",
            "requestId": id,
            "retryAfter": 300,
        })
    );
}

#[tokio::test]
async fn a_refused_dependency_is_503_dependency_unavailable() {
    let s = start().await;
    let res = s.get("/api/dependency").await;
    res.expect_error(503);
    assert_eq!(res.header("retry-after"), "30");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Service Unavailable",
            "message": "A service this request depends on is unavailable. Try again later.",
            "code": "DEPENDENCY_UNAVAILABLE",
            "requestId": id,
            "retryAfter": 30,
        })
    );
    assert!(
        !res.text().to_ascii_lowercase().contains("refused"),
        "{}",
        res.text()
    );
}

fn internal_error(id: &str) -> Value {
    json!({
        "error": "Internal Server Error",
        "message": "An internal error occurred.",
        "code": "INTERNAL_ERROR",
        "requestId": id,
    })
}

#[tokio::test]
async fn a_panic_is_500_without_its_text_and_the_server_goes_on() {
    let s = start().await;
    for _ in 0..2 {
        let res = s.get("/api/crash").await;
        res.expect_error(500);
        assert_eq!(res.json(), internal_error(&res.request_id()));
        assert!(!res.text().contains("SECRET-PANIC-TEXT"), "{}", res.text());
        assert!(!res.text().contains("panic"), "{}", res.text());
        let res = s.get("/healthz").await;
        res.expect_ok(200, "no-store");
        assert_eq!(res.json(), json!({"status": "ok"}));
    }
    let res = send(s.req(Method::GET, "/api/crash").header("accept", PROBLEM)).await;
    res.expect_error_as(500, PROBLEM);
    assert!(!res.text().contains("SECRET-PANIC-TEXT"), "{}", res.text());
}

#[tokio::test]
async fn an_internal_error_is_500_without_its_source() {
    let s = start().await;
    let res = s.get("/api/internal").await;
    res.expect_error(500);
    assert_eq!(res.json(), internal_error(&res.request_id()));
    for secret in ["SECRET-DB-PASSWORD", "postgres", "users table"] {
        assert!(!res.text().contains(secret), "{}", res.text());
    }
}

#[tokio::test]
async fn a_slow_handler_is_cut_off_in_about_2_s() {
    let s = start().await;
    let started = Instant::now();
    let res = s.get("/api/slow").await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1500), "{elapsed:?}");
    assert!(matches!(res.status, 503 | 504), "{}", res.status);
    res.expect_error(res.status);
    let id = res.request_id();
    if res.status == 503 {
        let retry_after: u64 = res.header("retry-after").parse().unwrap();
        assert_eq!(
            res.json(),
            json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": retry_after,
            })
        );
    } else {
        assert_eq!(
            res.json(),
            json!({
                "error": "Gateway Timeout",
                "message": "An upstream service did not respond in time.",
                "code": "GATEWAY_TIMEOUT",
                "requestId": id,
            })
        );
    }
}

// ---------------------------------------------------------------------------------
// Every response
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_valid_request_id_is_echoed_and_an_invalid_one_replaced() {
    let s = start().await;
    let longest = "a".repeat(128);
    for valid in ["e2e-Req_1:2.3", "x", longest.as_str()] {
        let res = send(s.req(Method::GET, "/healthz").header("x-request-id", valid)).await;
        res.expect_ok(200, "no-store");
        assert_eq!(res.request_id(), valid);
        let res = send(
            s.req(Method::GET, "/api/users/999")
                .header("x-request-id", valid),
        )
        .await;
        res.expect_error(404);
        assert_eq!(res.request_id(), valid);
        assert_eq!(res.json()["requestId"], valid);
    }

    let too_long = "a".repeat(129);
    let mut fresh = BTreeSet::new();
    for invalid in [
        &b"has space"[..],
        b"a/b",
        b"a;b",
        b"\"quoted\"",
        too_long.as_bytes(),
        b"caf\xc3\xa9",
        b"",
    ] {
        let value = reqwest::header::HeaderValue::from_bytes(invalid).unwrap();
        let res = send(
            s.req(Method::GET, "/api/users/999")
                .header("x-request-id", value),
        )
        .await;
        res.expect_error(404);
        let id = res.request_id();
        assert!(is_uuid(&id), "{invalid:?} became {id}");
        assert_eq!(res.json()["requestId"], id);
        fresh.insert(id);
    }
    // Without one, and each fresh id differs.
    let res = s.get("/healthz").await;
    assert!(is_uuid(&res.request_id()));
    fresh.insert(res.request_id());
    assert_eq!(fresh.len(), 8);
}

#[tokio::test]
async fn head_on_get_routes_has_the_headers_of_get_and_no_body() {
    let s = start().await;
    let cases: [(&str, Option<&str>); 9] = [
        ("/healthz", None),
        ("/api/users?limit=1", None),
        ("/api/users/1", None),
        ("/api/users/999", None),
        ("/api/users/abc", None),
        ("/api/admin/stats", None),
        ("/api/admin/stats", Some(USER)),
        ("/api/users/1/private", Some(USER)),
        ("/api/maintenance", None),
    ];
    for (path, auth) in cases {
        let with_auth = |method: Method| {
            let req = s.req(method, path);
            match auth {
                Some(auth) => req.header("authorization", auth),
                None => req,
            }
        };
        let get = send(with_auth(Method::GET)).await;
        let head = send(with_auth(Method::HEAD)).await;
        assert_eq!(head.status, get.status, "{path}");
        assert!(head.body.is_empty(), "{path}: {}", head.text());
        let mut get_headers = get.headers.clone();
        let mut head_headers = head.headers.clone();
        for varying in ["date", "x-request-id"] {
            assert!(
                head_headers.remove(varying).is_some(),
                "{path}: no {varying}"
            );
            get_headers.remove(varying);
        }
        assert_eq!(head_headers, get_headers, "{path}");
    }

    // On the wire: nothing after the headers.
    for path in ["/api/users/1", "/api/users/999"] {
        let head = format!(
            "HEAD {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n",
            s.addr
        );
        let (res, _) = raw(s.addr, &head, Vec::new()).await;
        assert!(
            res.body.is_empty(),
            "{path}: {:?}",
            String::from_utf8_lossy(&res.body)
        );
        assert!(res.header("x-request-id").is_some());
        let get = s.get(path).await;
        assert_eq!(
            res.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn errors_are_problem_details_when_accept_prefers_them() {
    let s = start().await;
    // Field errors go into `errors`.
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("accept", PROBLEM)
            .json(&json!({"name": "", "email": "nope"})),
    )
    .await;
    res.expect_error_as(422, PROBLEM);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "The request contains invalid fields.",
            "instance": "/api/users",
            "code": "VALIDATION_FAILED",
            "requestId": id,
            "errors": [
                {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            ],
        })
    );

    // An Accept that ranks it higher; a 401 keeps its challenge.
    let res = send(
        s.req(Method::GET, "/api/admin/stats")
            .header("accept", "application/json;q=0.5, application/problem+json"),
    )
    .await;
    res.expect_error_as(401, PROBLEM);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "This action needs a Bearer token.",
            "instance": "/api/admin/stats",
            "code": "UNAUTHORIZED",
            "requestId": id,
        })
    );

    // A 405 keeps Allow; a 503 keeps Retry-After and its retryAfter.
    let res = send(s.req(Method::PATCH, "/api/users").header("accept", PROBLEM)).await;
    res.expect_error_as(405, PROBLEM);
    assert_eq!(res.allow(), set(&["GET", "HEAD", "POST"]));
    let res = send(
        s.req(Method::GET, "/api/maintenance")
            .header("accept", PROBLEM),
    )
    .await;
    res.expect_error_as(503, PROBLEM);
    assert_eq!(res.header("retry-after"), "300");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The API is down for maintenance. Try again in five minutes.",
            "instance": "/api/maintenance",
            "code": "MAINTENANCE",
            "requestId": id,
            "retryAfter": 300,
        })
    );

    // JSON when it ranks higher, or for */*.
    for accept in [
        "application/problem+json;q=0.5, application/json",
        "*/*",
        "text/html",
    ] {
        let res = send(
            s.req(Method::GET, "/api/users/999")
                .header("accept", accept),
        )
        .await;
        res.expect_error_as(404, "application/json");
        assert_eq!(res.json()["error"], "Not Found", "{accept}");
    }
}

// ---------------------------------------------------------------------------------
// W3C Trace Context
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn every_error_names_its_trace_and_a_valid_traceparent_is_continued() {
    let s = start().await;
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let res = send(
        s.req(Method::GET, "/api/users/999")
            .header("traceparent", incoming),
    )
    .await;
    res.expect_error(404);
    assert_eq!(
        res.whole_json(),
        json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "NOT_FOUND",
            "requestId": res.request_id(),
            "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
        })
    );
    assert!(!res.has("traceparent") && !res.has("tracestate"));
    // The request id stays the contract's: a UUID unless the client sent a valid one.
    assert!(is_uuid(&res.request_id()));

    // No traceparent, or an invalid one (uppercase hex), or two: a trace of its own,
    // and never a 400.
    let mut traces = BTreeSet::new();
    for headers in [
        vec![],
        vec![("traceparent", incoming.to_uppercase())],
        vec![
            ("traceparent", incoming.to_owned()),
            ("traceparent", incoming.to_owned()),
        ],
    ] {
        let mut req = s.req(Method::GET, "/api/users/999");
        for (name, value) in &headers {
            req = req.header(*name, value);
        }
        let res = send(req).await;
        res.expect_error(404);
        let trace = res.whole_json()["traceId"].as_str().unwrap().to_owned();
        assert!(testkit::oracle::is_trace_id(&trace), "{trace}");
        assert_ne!(trace, "4bf92f3577b34da6a3ce929d0e0e4736", "{headers:?}");
        assert!(traces.insert(trace));
    }

    // Every kind of error the app sends says it: the handlers', the framework's
    // and the layer's own.
    let big = "x".repeat(70 * 1024);
    let cases: Vec<(u16, reqwest::RequestBuilder)> = vec![
        (400, s.req(Method::GET, "/api/users/abc")),
        (401, s.req(Method::POST, "/api/users")),
        (
            403,
            s.req(Method::GET, "/api/admin/stats")
                .header("authorization", USER),
        ),
        (404, s.req(Method::GET, "/nowhere")),
        (405, s.req(Method::DELETE, "/api/users")),
        (
            413,
            s.req(Method::POST, "/api/users")
                .header("authorization", USER)
                .body(big),
        ),
        (
            415,
            s.req(Method::POST, "/api/users")
                .header("authorization", USER)
                .body("{}"),
        ),
        (
            422,
            s.req(Method::POST, "/api/users")
                .header("authorization", USER)
                .json(&json!({"name": "", "email": "x"})),
        ),
        (500, s.req(Method::GET, "/api/crash")),
        (500, s.req(Method::GET, "/api/internal")),
        (503, s.req(Method::GET, "/api/maintenance")),
        (503, s.req(Method::GET, "/api/dependency")),
    ];
    for (status, req) in cases {
        let res = send(req.header("traceparent", incoming)).await;
        res.expect_error(status);
        assert_eq!(
            res.whole_json()["traceId"],
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "{status}: {}",
            res.text()
        );
    }
}

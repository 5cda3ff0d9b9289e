//! Other headers: CR, LF or NUL anywhere in the request head, bytes that are not
//! UTF-8, `Accept` headers of 8 KB, oversized header sections.

use std::time::{Duration, Instant};

use reqwest::{header::HeaderValue, Method};
use testkit::{
    raw::{exchange, get_with, raw_one, Then},
    server::send,
};

use super::{assert_healthy, start, USER};

#[tokio::test]
async fn other_headers_with_cr_lf_or_nul_are_refused_over_a_raw_socket() {
    let s = start().await;
    let cases: [(&[u8], &[u8]); 12] = [
        (
            b"/api/admin/stats",
            b"authorization: Bearer user\0token\r\n",
        ),
        (
            b"/api/admin/stats",
            b"authorization: Bearer user\rtoken\r\n",
        ),
        (
            b"/api/admin/stats",
            b"authorization: Bearer\r\n user-token\r\n",
        ),
        (
            b"/api/users/999999",
            b"accept: application/problem+json\0\r\n",
        ),
        (b"/api/users/999999", b"accept: application/\rjson\r\n"),
        (b"/api/users/1", b"if-none-match: \"1-1\0\"\r\n"),
        (b"/api/users/999999", b"x-\0-name: value\r\n"),
        (b"/api/users/999999", b"x-\xff\xfe: value\r\n"),
        (b"/api/users/999999", b": no name\r\n"),
        (b"/api/users/999\0", b""),
        (b"/api/users/999\r", b""),
        (b"/api/users/999 x", b""),
    ];
    for (path, line) in cases {
        let res = raw_one(s.addr, get_with(path, line)).await;
        res.assert_4xx();
        assert_healthy(&s).await;
    }
    // A NUL or CR in the Host header, and in the method.
    for request in [
        &b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\0\r\nconnection: close\r\n\r\n"[..],
        b"GET /healthz HTTP/1.1\r\nhost: 127.0\r.0.1\r\nconnection: close\r\n\r\n",
        b"G\0T /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n",
        b"\xff\xfe /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n",
    ] {
        let res = raw_one(s.addr, request.to_vec()).await;
        res.assert_4xx();
        assert_healthy(&s).await;
    }
}

#[tokio::test]
async fn other_headers_with_bytes_that_are_not_utf8_get_a_clear_4xx() {
    let s = start().await;

    let res = send(s.req(Method::GET, "/api/admin/stats").header(
        "authorization",
        HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
    ))
    .await;
    let body = res.expect_error(400).json();
    assert_eq!(body["code"], "INVALID_AUTHORIZATION");
    assert!(res
        .header("www-authenticate")
        .contains(r#"error="invalid_request""#));
    assert_healthy(&s).await;

    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header(
                "content-type",
                HeaderValue::from_bytes(b"application/json\xff").unwrap(),
            )
            .body(r#"{"name":"Ann","email":"ann@example.com"}"#),
    )
    .await;
    res.expect_error(415);
    assert_healthy(&s).await;

    for accept in [&b"application/\xffproblem+json"[..], b"\xff\xfe\xfd"] {
        let res = send(
            s.req(Method::GET, "/api/users/999999")
                .header("accept", HeaderValue::from_bytes(accept).unwrap()),
        )
        .await;
        res.expect_error(404);
        assert_healthy(&s).await;
    }

    // Percent-encoded bytes that are not UTF-8, in the path and the query.
    let res = s.get("/api/users/%FF%FE").await;
    let body = res.expect_error(400).json();
    assert_eq!(body["code"], "INVALID_PATH");
    assert_healthy(&s).await;
    let res = s.get("/api/users?page=%FF").await;
    let body = res.expect_error(400).json();
    assert_eq!(body["code"], "INVALID_QUERY");
    assert_healthy(&s).await;
    let res = s.get("/api/users?email=%FF%FE").await;
    assert!(res.status == 200 || res.status == 400, "{res:?}");
    if res.status == 400 {
        res.expect_error(400);
    }
    assert_healthy(&s).await;
}

/// `n` ranges joined into one `Accept` of about 8 KB.
fn accept_of(ranges: impl Iterator<Item = String>) -> String {
    let accept = ranges.collect::<Vec<_>>().join(", ");
    assert!(
        (7 * 1024..=9 * 1024).contains(&accept.len()),
        "{} bytes",
        accept.len()
    );
    accept
}

#[tokio::test]
async fn accept_headers_of_8_kb_with_1000_media_ranges() {
    let s = start().await;
    let junk = |i: usize| format!("t/x{i:03}");
    // 999 ranges that name neither format, then one that does.
    let cases = [
        (
            accept_of(
                (0..999)
                    .map(junk)
                    .chain(["application/problem+json".into()]),
            ),
            "application/problem+json",
        ),
        (
            accept_of((0..999).map(junk).chain(["application/json".into()])),
            "application/json",
        ),
        // 1,000 malformed ranges (bad qualities): skipped, so the default.
        (
            accept_of((0..1000).map(|i| if i % 2 == 0 { "*/*;q=2" } else { "a/b;q=x" }.to_owned())),
            "application/json",
        ),
        // 1,000 ranges that rank the formats in turn: problem+json at 0.9 wins.
        (
            accept_of((0..1000).map(|i| match i % 3 {
                0 => "*/*;q=0".to_owned(),
                1 => "a/*".to_owned(),
                _ => "t/*;q=1".to_owned(),
            }))
            .replacen("*/*;q=0", "application/problem+json;q=0.9", 1),
            "application/problem+json",
        ),
    ];
    for (accept, content_type) in &cases {
        let started = Instant::now();
        let res = send(
            s.req(Method::GET, "/api/users/999999")
                .header("accept", accept),
        )
        .await;
        assert!(started.elapsed() < Duration::from_secs(5));
        let body = res.expect_error_as(404, content_type).json();
        if *content_type == "application/problem+json" {
            assert_eq!(body["status"], 404, "{body}");
            assert_eq!(body["title"], "Not Found", "{body}");
        } else {
            assert_eq!(body["error"], "Not Found", "{body}");
        }
        let res = send(s.req(Method::GET, "/healthz").header("accept", accept)).await;
        assert_eq!(res.status, 200);
        assert_healthy(&s).await;
    }
    // 100 more in a row: cheap (generous: the CPU is shared, the build unoptimised).
    let started = Instant::now();
    for _ in 0..100 {
        let res = send(
            s.req(Method::GET, "/api/users/abc")
                .header("accept", &cases[0].0),
        )
        .await;
        assert_eq!(res.status, 400);
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_healthy(&s).await;
}

#[tokio::test]
async fn oversized_header_sections_get_a_4xx_and_the_server_goes_on() {
    let s = start().await;
    // One 512 KB header, 200 small headers, a 100 KB request target.
    let huge = format!("x-big: {}\r\n", "b".repeat(512 * 1024));
    let many: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let long_path = format!("/api/users/{}", "9".repeat(100 * 1024));
    for request in [
        get_with(b"/healthz", huge.as_bytes()),
        get_with(b"/healthz", many.as_bytes()),
        get_with(long_path.as_bytes(), b""),
    ] {
        let ex = exchange(s.addr, vec![request], Then::Wait, usize::MAX).await;
        ex.only().assert_4xx();
        assert_healthy(&s).await;
    }
}

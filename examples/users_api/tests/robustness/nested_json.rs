//! Deeply nested JSON: 100,000 levels over the body limit, 30,000 under it, and
//! past serde_json's recursion limit in a `Value`.

use axum::{routing::post, Router};
use axum_api_error::{ApiErrorLayer, Json};
use reqwest::Method;
use serde_json::Value;
use testkit::{
    raw::{chunked, exchange, head, Then},
    server::{send, serve_service},
};

use super::{app, assert_healthy, start, USER};

#[tokio::test]
async fn json_nested_100000_levels_is_413() {
    let s = start().await;
    let deep = vec![b'['; 100_000];
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("content-type", "application/json")
            .body(deep.clone()),
    )
    .await;
    res.expect_error(413);
    assert_healthy(&s).await;

    // Chunked, so that only the limit on what is read can stop it.
    let head = head(
        "POST",
        "/api/users",
        &format!(
            "authorization: {USER}\r\ncontent-type: application/json\r\n\
             transfer-encoding: chunked\r\n"
        ),
    );
    let mut parts = vec![head];
    parts.extend(chunked(&deep, 8192));
    let ex = exchange(s.addr, parts, Then::Wait, 1).await;
    ex.only().assert_error(413);
    assert_healthy(&s).await;
}

/// `levels` nested arrays: `[[[...]]]`.
fn nested_arrays(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

#[tokio::test]
async fn json_nested_30000_levels_under_the_limit_is_400_or_422() {
    let s = start().await;
    let deep = nested_arrays(30_000);
    // Each route's two fields and a valid value of each.
    for (path, (a, a_ok), (b, b_ok)) in [
        (
            "/api/users",
            ("name", r#""Deep""#),
            ("email", r#""deep@example.com""#),
        ),
        ("/api/reports", ("type", r#""sales""#), ("year", "2024")),
    ] {
        let bodies = [
            deep.clone(),
            format!(r#"{{"{a}":{deep},"{b}":{b_ok}}}"#),
            format!(r#"{{"{a}":{a_ok},"{b}":{deep}}}"#),
            format!(r#"{{"{a}":{a_ok},"{b}":{b_ok},"extra":{deep}}}"#),
            format!(r#"{{"{a}":{a_ok},"{b}":{b_ok}}}{deep}"#),
            // 60,000 levels that are never closed.
            format!(r#"{{"{a}":{a_ok},"{b}":{}"#, "[".repeat(60_000)),
        ];
        for body in &bodies {
            assert!(body.len() < app::USERS_BODY_LIMIT, "{}", body.len());
            let res = send(
                s.req(Method::POST, path)
                    .header("authorization", USER)
                    .header("content-type", "application/json")
                    .body(body.clone()),
            )
            .await;
            assert!(
                res.status == 400 || res.status == 422,
                "{path} {}...: {res:?}",
                &body[..50]
            );
            res.expect_error(res.status);
            assert_healthy(&s).await;
        }
    }
}

#[tokio::test]
async fn json_past_serde_jsons_recursion_limit_is_400_not_a_stack_overflow() {
    // users_api's types stop at the first `[`; a `Value` parses every level, and
    // serde_json's recursion limit (128) must stop it.
    let router = Router::new()
        .route(
            "/value",
            post(|Json(value): Json<Value>| async move { Json(value) }),
        )
        .layer(ApiErrorLayer::new());
    let s = serve_service(router).await;
    let objects = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    for body in [nested_arrays(30_000), nested_arrays(100_000), objects] {
        let res = send(
            s.req(Method::POST, "/value")
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        let body = res.expect_error(400).json();
        assert_eq!(body["code"], "INVALID_JSON");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("recursion limit exceeded"),
            "{body}"
        );
        // And it still parses what it should.
        let res = send(
            s.req(Method::POST, "/value")
                .header("content-type", "application/json")
                .body(nested_arrays(100)),
        )
        .await;
        assert_eq!(res.status, 200, "{res:?}");
        assert_eq!(res.text(), nested_arrays(100));
    }
}

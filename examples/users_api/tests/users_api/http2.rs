use reqwest::Method;
use serde_json::{json, Value};
use testkit::server::{send, Res, Server};

use crate::{start, USER};

/// Both protocols of the same server: HTTP/1.1, and HTTP/2 cleartext with prior
/// knowledge (h2c).
async fn both() -> [(&'static str, Server); 2] {
    let s = start().await;
    let h2 = s.over_http2();
    [("HTTP/1.1", s), ("HTTP/2", h2)]
}

#[track_caller]
fn assert_error(res: &Res, status: u16, body: Value, what: &str) {
    assert_eq!(res.status, status, "{what}: {res:?}");
    res.expect_error(status);
    assert_eq!(res.json(), body, "{what}");
}

#[tokio::test]
async fn the_main_errors_are_the_same_over_http1_and_http2() {
    for (name, s) in both().await {
        // The protocol is the one asked for.
        let res = s.req(Method::GET, "/healthz").send().await.unwrap();
        let expected = if name == "HTTP/2" {
            reqwest::Version::HTTP_2
        } else {
            reqwest::Version::HTTP_11
        };
        assert_eq!(res.version(), expected, "{name}");

        let res = s.get("/api/users/999").await;
        let id = res.request_id();
        assert_error(
            &res,
            404,
            json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "NOT_FOUND",
                "requestId": id,
            }),
            name,
        );

        let res = s
            .send_json(
                Method::POST,
                "/api/users",
                USER,
                &json!({"name": "", "email": "nope"}),
            )
            .await;
        let id = res.request_id();
        assert_error(
            &res,
            422,
            json!({
                "error": "Unprocessable Content",
                "message": "The request contains invalid fields.",
                "code": "VALIDATION_FAILED",
                "details": [
                    {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                    {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
                ],
                "requestId": id,
            }),
            name,
        );

        let res = s.get("/api/crash").await;
        let id = res.request_id();
        assert_error(
            &res,
            500,
            json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
            name,
        );

        let res = send(s.req(Method::PATCH, "/api/users")).await;
        assert_eq!(res.status, 405, "{name}");
        assert!(res.has("allow"), "{name}");

        let res = s.get("/api/maintenance").await;
        assert_eq!(res.status, 503, "{name}");
        assert_eq!(res.header("retry-after"), "300", "{name}");

        // No connection-specific header on HTTP/2 (hyper would strip it anyway).
        let res = s.get("/api/users/abc").await;
        res.expect_error(400);
        if name == "HTTP/2" {
            assert!(!res.has("connection"), "{:?}", res.headers);
        }
    }
}

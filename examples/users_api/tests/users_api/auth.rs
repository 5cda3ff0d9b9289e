use reqwest::Method;
use serde_json::json;
use testkit::server::send;

use crate::{start, ADMIN, BARE_CHALLENGE, EXPIRED, OTHER, USER};

// ---------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn healthz_is_200() {
    let s = start().await;
    let res = s.get("/healthz").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("content-type"), "application/json");
    assert_eq!(res.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn anonymous_and_other_schemes_get_a_challenge_without_error() {
    let s = start().await;
    for auth in [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Digest username=\"a\""),
    ] {
        let mut req = s.req(Method::GET, "/api/admin/stats");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        let res = send(req).await;
        res.expect_error(401);
        assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE, "{auth:?}");
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unauthorized",
                "message": "This action needs a Bearer token.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn expired_and_invalid_tokens_get_invalid_token() {
    let s = start().await;
    for (auth, description) in [
        (EXPIRED, "The access token expired"),
        ("Bearer not-a-token", "The access token is invalid"),
        ("bearer user-token-x", "The access token is invalid"),
    ] {
        let res = s.get_as("/api/admin/stats", auth).await;
        res.expect_error(401);
        assert_eq!(
            res.header("www-authenticate"),
            format!(
                r#"Bearer realm="api", error="invalid_token", error_description="{description}""#
            )
        );
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unauthorized",
                "message": format!("{description}."),
                "code": "INVALID_TOKEN",
                "requestId": id,
            })
        );
    }
}

#[tokio::test]
async fn malformed_bearer_headers_get_400_invalid_request() {
    let s = start().await;
    for (auth, description) in [
        ("Bearer", "The Bearer scheme needs a token"),
        ("Bearer a b", "The Bearer scheme takes exactly one token"),
        (
            "Bearer user-token extra",
            "The Bearer scheme takes exactly one token",
        ),
    ] {
        let res = s.get_as("/api/admin/stats", auth).await;
        res.expect_error(400);
        assert_eq!(
            res.header("www-authenticate"),
            format!(
                r#"Bearer realm="api", error="invalid_request", error_description="{description}""#
            ),
            "{auth}"
        );
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Bad Request",
                "message": format!("{description}."),
                "code": "INVALID_AUTHORIZATION",
                "requestId": id,
            }),
            "{auth}"
        );
    }
}

#[tokio::test]
async fn admin_stats_401_403_200() {
    let s = start().await;
    let res = s.get("/api/admin/stats").await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    for auth in [USER, OTHER] {
        let res = s.get_as("/api/admin/stats", auth).await;
        res.expect_error(403);
        assert!(!res.has("www-authenticate"));
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Forbidden",
                "message": "The admin role is required for this action.",
                "code": "ADMIN_REQUIRED",
                "requestId": id,
            })
        );
    }

    let res = s.get_as("/api/admin/stats", ADMIN).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), json!({"userCount": 2, "deletedCount": 0}));
}

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use testkit::{raw::chunked, server::send};

use crate::{
    assert_raw_413, created_at, raw, start, status_line, too_large, user, BARE_CHALLENGE, EXPIRED,
    OTHER, USER,
};

// ---------------------------------------------------------------------------------
// POST /api/users
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn create_user_authenticates_before_reading_the_body() {
    let s = start().await;
    // Anonymous, with a body that is neither JSON nor labelled: 401, not 415/400.
    let res = send(s.req(Method::POST, "/api/users").body("{not json")).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Unauthorized",
            "message": "This action needs a Bearer token.",
            "code": "UNAUTHORIZED",
            "requestId": id,
        })
    );
    // An expired token with a body of the wrong shape: 401 invalid_token, not 422.
    let res = s
        .send_json(Method::POST, "/api/users", EXPIRED, &json!({"name": 1}))
        .await;
    res.expect_error(401);
    assert!(res
        .header("www-authenticate")
        .contains(r#"error="invalid_token""#));

    // A body that never arrives: the 401 comes at once, well before the app's 1 s
    // body timeout would.
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\nconnection: close\r\n\r\n",
        s.addr
    );
    let (res, elapsed) = raw(s.addr, &head, vec![b"{\"name\":".to_vec()]).await;
    assert_eq!(status_line(&res), "HTTP/1.1 401 Unauthorized");
    assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
    assert_eq!(res.header("www-authenticate"), Some(BARE_CHALLENGE));
    let id = res.header("x-request-id").unwrap().to_owned();
    assert_eq!(
        res.json(),
        json!({
            "error": "Unauthorized",
            "message": "This action needs a Bearer token.",
            "code": "UNAUTHORIZED",
            "requestId": id,
        })
    );
}

#[tokio::test]
async fn create_user_with_a_stalled_body_gets_408_after_authentication() {
    let s = start().await;
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n",
        s.addr
    );
    let (res, elapsed) = raw(s.addr, &head, vec![b"{\"name\":".to_vec()]).await;
    assert_eq!(status_line(&res), "HTTP/1.1 408 Request Timeout");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(res.header("connection"), Some("close"));
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let id = res.header("x-request-id").unwrap().to_owned();
    assert_eq!(
        res.json(),
        json!({
            "error": "Request Timeout",
            "message": "The request body was not received in time.",
            "code": "REQUEST_TIMEOUT",
            "requestId": id,
        })
    );
}

#[tokio::test]
async fn create_user_without_a_json_content_type_is_415() {
    let s = start().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = s
            .req(Method::POST, "/api/users")
            .header("authorization", USER)
            .body(r#"{"name":"A","email":"a@example.com"}"#);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = send(req).await;
        res.expect_error(415);
        assert_eq!(res.header("accept"), "application/json", "{content_type:?}");
        assert_eq!(
            res.header("accept-post"),
            "application/json",
            "{content_type:?}"
        );
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unsupported Media Type",
                "message": "The request body must be JSON, sent with `Content-Type: application/json`.",
                "code": "UNSUPPORTED_MEDIA_TYPE",
                "requestId": id,
            }),
            "{content_type:?}"
        );
    }
}

#[tokio::test]
async fn create_user_with_unparseable_json_is_400_with_line_and_column() {
    let s = start().await;
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("content-type", "application/json")
            .body("{\n  \"name\": \"A\",\n  \"email\": \n}"),
    )
    .await;
    res.expect_error(400);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: expected value at line 4, column 1.",
            "code": "INVALID_JSON",
            "requestId": id,
        })
    );
}

#[tokio::test]
async fn create_user_with_json_of_the_wrong_shape_is_422_naming_the_field() {
    let s = start().await;
    let cases = [
        (
            json!({"name": 5, "email": "a@example.com"}),
            json!({"field": "name", "message": "Expected a string.", "code": "INVALID_TYPE"}),
        ),
        (
            json!({"name": "A"}),
            json!({"field": "email", "message": "This field is required.", "code": "REQUIRED"}),
        ),
        (
            json!({"name": "A", "email": "a@example.com", "role": "admin"}),
            json!({"field": "role", "message": "This field is not allowed.", "code": "UNKNOWN_FIELD"}),
        ),
    ];
    for (body, detail) in cases {
        let res = s.send_json(Method::POST, "/api/users", USER, &body).await;
        res.expect_error(422);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unprocessable Content",
                "message": "The request body has invalid fields.",
                "code": "INVALID_BODY",
                "details": [detail],
                "requestId": id,
            }),
            "{body}"
        );
    }
}

#[tokio::test]
async fn create_user_with_invalid_fields_is_422_validation_failed() {
    let s = start().await;
    let name = json!({"field": "name", "message": "Must not be empty.", "code": "REQUIRED"});
    let email = json!({"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"});
    let cases = [
        (
            json!({"name": "", "email": "nope"}),
            vec![name.clone(), email.clone()],
        ),
        (
            json!({"name": "   ", "email": "ok@example.com"}),
            vec![name],
        ),
        (
            json!({"name": "Ok", "email": "no at sign"}),
            vec![email.clone()],
        ),
        // An address with a display name is not an address (`format: email`).
        (
            json!({"name": "Ok", "email": "Ada <ada2@example.com>"}),
            vec![email],
        ),
        // 100 characters with the whitespace around them is 102: too long, as
        // `maxLength` counts.
        (
            json!({"name": format!(" {} ", "x".repeat(100)), "email": "ok@example.com"}),
            vec![
                json!({"field": "name", "message": "Must be at most 100 characters.", "code": "TOO_LONG"}),
            ],
        ),
    ];
    for (body, details) in cases {
        let res = s.send_json(Method::POST, "/api/users", USER, &body).await;
        res.expect_error(422);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unprocessable Content",
                "message": "The request contains invalid fields.",
                "code": "VALIDATION_FAILED",
                "details": details,
                "requestId": id,
            }),
            "{body}"
        );
    }
    // The status line names 422 as RFC 9110 does.
    let body = br#"{"name":"","email":"ok@example.com"}"#;
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        body.len()
    );
    let (res, _) = raw(s.addr, &head, vec![body.to_vec()]).await;
    assert_eq!(status_line(&res), "HTTP/1.1 422 Unprocessable Content");
    assert_eq!(res.json()["code"], "VALIDATION_FAILED");
    // Nothing was created.
    assert_eq!(s.get("/api/users").await.header("x-total-count"), "2");
}

#[tokio::test]
async fn create_user_with_a_taken_email_is_409_case_insensitively() {
    let s = start().await;
    for email in ["ada@example.com", "ADA@Example.com"] {
        let res = s
            .send_json(
                Method::POST,
                "/api/users",
                OTHER,
                &json!({"name": "Another Ada", "email": email}),
            )
            .await;
        res.expect_error(409);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Conflict",
                "message": "A user with this email already exists.",
                "code": "EMAIL_TAKEN",
                "details": [{
                    "field": "email",
                    "message": "A user with this email already exists.",
                    "code": "EMAIL_TAKEN",
                }],
                "requestId": id,
            }),
            "{email}"
        );
    }
}

#[tokio::test]
async fn create_user_over_64_kib_by_content_length_is_413_before_the_body() {
    let s = start().await;
    // Only the headers are sent: the answer comes from Content-Length alone, for an
    // anonymous caller too.
    for auth in [format!("authorization: {USER}\r\n"), String::new()] {
        let head = format!(
            "POST /api/users HTTP/1.1\r\nhost: {}\r\n{auth}content-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n",
            s.addr,
            64 * 1024 + 1
        );
        let (res, elapsed) = raw(s.addr, &head, Vec::new()).await;
        assert_raw_413(&res);
        assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
    }

    // PUT has the same limit.
    let head = format!(
        "PUT /api/users/1 HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        64 * 1024 + 1
    );
    assert_raw_413(&raw(s.addr, &head, Vec::new()).await.0);

    // With reqwest and the whole body.
    let body = vec![b' '; 64 * 1024 + 1];
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    res.expect_error(413);
    let id = res.request_id();
    assert_eq!(res.json(), too_large(&id));

    // Exactly 64 KiB is still read.
    let mut body = br#"{"name":"Padded User","email":"padded@example.com"}"#.to_vec();
    body.resize(64 * 1024, b' ');
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    res.expect_ok(201, "no-cache");
    let created = res.json();
    let at = created_at(&created);
    assert_eq!(created, user(3, "Padded User", "padded@example.com", &at));
}

#[tokio::test]
async fn create_user_with_a_chunked_body_over_64_kib_is_413() {
    let s = start().await;
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        s.addr
    );
    let (res, _) = raw(s.addr, &head, chunked(&vec![b'x'; 64 * 1024 + 4096], 8192)).await;
    assert_raw_413(&res);
    // Nothing was created, and the server still answers.
    assert_eq!(s.get("/api/users").await.header("x-total-count"), "2");
}

#[tokio::test]
async fn create_user_is_201_with_location() {
    let s = start().await;
    let res = s
        .send_json(
            Method::POST,
            "/api/users",
            USER,
            &json!({"name": "  Alan Turing ", "email": "alan@example.com"}),
        )
        .await;
    res.expect_ok(201, "no-cache");
    assert_eq!(res.header("location"), "/api/users/3");
    assert_eq!(res.header("content-type"), "application/json");
    assert_eq!(res.header("etag"), "\"3-1\"");
    let body = res.json();
    let at = created_at(&body);
    assert_eq!(body, user(3, "Alan Turing", "alan@example.com", &at));

    // It is there, and owned by its creator.
    let res = s.get("/api/users/3").await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.json(), user(3, "Alan Turing", "alan@example.com", &at));
    let res = s.get_as("/api/users/3/private", USER).await;
    res.expect_ok(200, "no-store");
    assert_eq!(
        res.json(),
        json!({"id": 3, "email": "alan@example.com", "owner": 1, "version": 1})
    );
    assert_eq!(s.get("/api/users").await.header("x-total-count"), "3");
}

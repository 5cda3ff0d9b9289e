use reqwest::Method;
use serde_json::{json, Value};
use testkit::server::{send, Res};

use crate::{created_at, start, user, ADMIN, BARE_CHALLENGE, OTHER, PROBLEM, USER};

// ---------------------------------------------------------------------------------
// GET /api/users/{id}
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn get_user_has_a_strong_etag_and_answers_304() {
    let s = start().await;
    let res = s.get("/api/users/1").await;
    res.expect_ok(200, "no-cache");
    let etag = res.header("etag").to_owned();
    assert_eq!(etag, "\"1-1\"");
    assert!(!etag.starts_with("W/"));
    let body = res.json();
    let at = created_at(&body);
    assert_eq!(body, user(1, "Ada Lovelace", "ada@example.com", &at));

    for if_none_match in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"x\", {etag}"),
        "*".to_owned(),
    ] {
        let res = send(
            s.req(Method::GET, "/api/users/1")
                .header("if-none-match", &if_none_match),
        )
        .await;
        res.expect(304);
        assert!(res.body.is_empty(), "{if_none_match}: {}", res.text());
        assert_eq!(res.header("etag"), etag);
        assert_eq!(res.header("cache-control"), "no-cache");
    }
    // Another tag: the full 200.
    let res = send(
        s.req(Method::GET, "/api/users/1")
            .header("if-none-match", "\"1-0\""),
    )
    .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.json(), user(1, "Ada Lovelace", "ada@example.com", &at));
}

#[tokio::test]
async fn get_user_unknown_is_404_and_non_integer_is_400() {
    let s = start().await;
    let res = s.get("/api/users/999").await;
    res.expect_error(404);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "NOT_FOUND",
            "requestId": id,
        })
    );

    // The value is not repeated: only what was expected.
    for raw_id in ["abc", "-1", "1.5", "hunter2-SECRET"] {
        let res = s.get(&format!("/api/users/{raw_id}")).await;
        res.expect_error(400);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Bad Request",
                "message": "The path parameter `id` is invalid.",
                "code": "INVALID_PATH",
                "details": [{
                    "field": "id",
                    "message": "Expected a non-negative integer.",
                    "code": "INVALID_VALUE",
                }],
                "requestId": id,
            }),
            "{raw_id}"
        );
    }
}

// ---------------------------------------------------------------------------------
// PUT /api/users/{id}
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn put_user_by_owner_and_admin_with_new_etags() {
    let s = start().await;
    let at = created_at(&s.get("/api/users/1").await.json());

    // The owner, keeping their own email (in another case too): no conflict.
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "Ada King", "email": "ada@example.com"}),
        )
        .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-2\"");
    assert_eq!(res.json(), user(1, "Ada King", "ada@example.com", &at));
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "Ada King", "email": "ADA@example.com"}),
        )
        .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-3\"");
    assert_eq!(res.json(), user(1, "Ada King", "ADA@example.com", &at));

    // An admin changes someone else's user.
    let grace_at = created_at(&s.get("/api/users/2").await.json());
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/2",
            ADMIN,
            &json!({"name": "Rear Admiral Hopper", "email": "grace@navy.example"}),
        )
        .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"2-2\"");
    assert_eq!(
        res.json(),
        user(2, "Rear Admiral Hopper", "grace@navy.example", &grace_at)
    );

    // The GET shows the new ETag and data.
    let res = s.get("/api/users/2").await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"2-2\"");
    assert_eq!(
        res.json(),
        user(2, "Rear Admiral Hopper", "grace@navy.example", &grace_at)
    );
}

#[tokio::test]
async fn put_user_by_another_user_is_403_before_the_body() {
    let s = start().await;
    for body in [
        json!({"name": "Mallory", "email": "mallory@example.com"}),
        json!({"name": 1}),
    ] {
        let res = s.send_json(Method::PUT, "/api/users/1", OTHER, &body).await;
        res.expect_error(403);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Forbidden",
                "message": "Only the owner or an admin may change this user.",
                "code": "FORBIDDEN",
                "requestId": id,
            })
        );
    }
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    // Unchanged.
    let res = s.get("/api/users/1").await;
    assert_eq!(res.header("etag"), "\"1-1\"");
}

#[tokio::test]
async fn put_user_with_a_stale_if_match_is_412() {
    let s = start().await;
    let at = created_at(&s.get("/api/users/1").await.json());
    let change = |name: &str| json!({"name": name, "email": "ada@example.com"});

    // A matching If-Match (and `*`) passes.
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("authorization", USER)
            .header("if-match", "\"1-1\"")
            .json(&change("Ada One")),
    )
    .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-2\"");
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("authorization", USER)
            .header("if-match", "*")
            .json(&change("Ada Two")),
    )
    .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-3\"");

    // The old tag, the weak form of the current one (strong comparison), and a stale
    // tag with a body that is not even JSON (the precondition comes first).
    for (if_match, body) in [
        ("\"1-1\"", serde_json::to_vec(&change("Lost")).unwrap()),
        ("W/\"1-3\"", serde_json::to_vec(&change("Lost")).unwrap()),
        ("\"1-2\"", b"{".to_vec()),
    ] {
        let res = send(
            s.req(Method::PUT, "/api/users/1")
                .header("authorization", USER)
                .header("content-type", "application/json")
                .header("if-match", if_match)
                .body(body),
        )
        .await;
        res.expect_error(412);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Precondition Failed",
                "message": "The user has changed since its ETag was read; fetch it again.",
                "code": "PRECONDITION_FAILED",
                "requestId": id,
            }),
            "{if_match}"
        );
    }
    let res = s.get("/api/users/1").await;
    assert_eq!(res.header("etag"), "\"1-3\"");
    assert_eq!(res.json(), user(1, "Ada Two", "ada@example.com", &at));
}

#[tokio::test]
async fn put_user_unknown_is_404_and_anothers_email_is_409() {
    let s = start().await;
    for auth in [ADMIN, USER] {
        let res = s
            .send_json(
                Method::PUT,
                "/api/users/999",
                auth,
                &json!({"name": "Nobody", "email": "nobody@example.com"}),
            )
            .await;
        res.expect_error(404);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "NOT_FOUND",
                "requestId": id,
            })
        );
    }
    // No upsert.
    s.get("/api/users/999").await.expect_error(404);

    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "Ada", "email": "Grace@Example.com"}),
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
        })
    );

    // The same body rules as POST.
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "", "email": "x"}),
        )
        .await;
    res.expect_error(422);
    assert_eq!(res.json()["code"], "VALIDATION_FAILED");
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("authorization", USER)
            .body(r#"{"name":"A","email":"a@example.com"}"#),
    )
    .await;
    res.expect_error(415);
    assert_eq!(res.header("accept"), "application/json");
}

// ---------------------------------------------------------------------------------
// DELETE /api/users/{id}
// ---------------------------------------------------------------------------------

fn gone(id: &str) -> Value {
    json!({
        "error": "Gone",
        "message": "This user was deleted.",
        "code": "GONE",
        "requestId": id,
    })
}

#[tokio::test]
async fn delete_user_is_for_admins_and_leaves_410() {
    let s = start().await;
    let res = send(s.req(Method::DELETE, "/api/users/2")).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    for auth in [USER, OTHER] {
        let res = send(
            s.req(Method::DELETE, "/api/users/2")
                .header("authorization", auth),
        )
        .await;
        res.expect_error(403);
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

    let res = send(
        s.req(Method::DELETE, "/api/users/2")
            .header("authorization", ADMIN),
    )
    .await;
    res.expect_ok(204, "no-store");
    assert!(res.body.is_empty(), "{}", res.text());
    assert!(!res.has("content-type"), "{:?}", res.headers);

    // Afterwards: 410 for GET, PUT and DELETE.
    let res = s.get("/api/users/2").await;
    res.expect_error(410);
    assert_eq!(res.json(), gone(&res.request_id()));
    for auth in [ADMIN, OTHER] {
        let res = s
            .send_json(
                Method::PUT,
                "/api/users/2",
                auth,
                &json!({"name": "Grace", "email": "grace@example.com"}),
            )
            .await;
        res.expect_error(410);
        assert_eq!(res.json(), gone(&res.request_id()));
    }
    let res = send(
        s.req(Method::DELETE, "/api/users/2")
            .header("authorization", ADMIN),
    )
    .await;
    res.expect_error(410);
    assert_eq!(res.json(), gone(&res.request_id()));

    // Unknown: 404.
    let res = send(
        s.req(Method::DELETE, "/api/users/999")
            .header("authorization", ADMIN),
    )
    .await;
    res.expect_error(404);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "NOT_FOUND",
            "requestId": id,
        })
    );

    // The list and the stats agree.
    let res = s.get("/api/users").await;
    assert_eq!(res.header("x-total-count"), "1");
    let res = s.get_as("/api/admin/stats", ADMIN).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), json!({"userCount": 1, "deletedCount": 1}));
}

// ---------------------------------------------------------------------------------
// GET /api/users/{id}/private
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn private_data_is_for_owner_and_admin_and_others_get_a_genuine_looking_404() {
    let s = start().await;
    for auth in [USER, ADMIN] {
        let res = s.get_as("/api/users/1/private", auth).await;
        res.expect_ok(200, "no-store");
        assert_eq!(
            res.json(),
            json!({"id": 1, "email": "ada@example.com", "owner": 1, "version": 1})
        );
    }
    let res = s.get("/api/users/1/private").await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    for accept in [None, Some(PROBLEM)] {
        let get = |path: &'static str, auth: &'static str| {
            let mut req = s.req(Method::GET, path).header("authorization", auth);
            if let Some(accept) = accept {
                req = req.header("accept", accept);
            }
            send(req)
        };
        let concealed = get("/api/users/1/private", OTHER).await;
        let missing = get("/api/users/999999/private", ADMIN).await;
        let content_type = accept.unwrap_or("application/json");
        concealed.expect_error_as(404, content_type);
        missing.expect_error_as(404, content_type);
        assert_eq!(concealed.header_names(), missing.header_names());
        for name in ["content-type", "cache-control", "vary"] {
            assert_eq!(concealed.header(name), missing.header(name), "{name}");
        }
        if accept.is_none() {
            // Equal bodies apart from the request id (of the same length here).
            assert_eq!(
                concealed.header("content-length"),
                missing.header("content-length")
            );
        }
        let strip = |res: &Res| {
            let mut body = res.json();
            let object = body.as_object_mut().unwrap();
            assert_eq!(object.remove("requestId").unwrap(), res.request_id());
            object.remove("instance");
            body
        };
        assert_eq!(strip(&concealed), strip(&missing), "{accept:?}");
        let text = concealed.text().replace(&concealed.request_id(), "");
        assert!(!text.contains("user 2"), "{text}");
        let message = concealed.json();
        let message = message
            .get("message")
            .or_else(|| message.get("detail"))
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
        let id = concealed.request_id();
        if accept.is_none() {
            assert_eq!(
                concealed.json(),
                json!({
                    "error": "Not Found",
                    "message": "The requested resource was not found.",
                    "code": "NOT_FOUND",
                    "requestId": id,
                })
            );
        } else {
            assert_eq!(
                concealed.json(),
                json!({
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "The requested resource was not found.",
                    "instance": "/api/users/1/private",
                    "code": "NOT_FOUND",
                    "requestId": id,
                })
            );
        }
    }
}

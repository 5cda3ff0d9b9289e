use serde_json::json;

use crate::{created_at, start, user};

// ---------------------------------------------------------------------------------
// GET /api/users
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn list_users_with_the_defaults() {
    let s = start().await;
    let res = s.get("/api/users").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("content-type"), "application/json");
    assert_eq!(res.header("x-total-count"), "2");
    let link = res.header("link");
    assert!(
        link.contains(r#"</api/users?page=1&limit=20>; rel="last""#),
        "{link}"
    );
    assert!(!link.contains(r#"rel="next""#), "{link}");
    let body = res.json();
    let (ada, grace) = (created_at(&body["data"][0]), created_at(&body["data"][1]));
    assert_eq!(
        body,
        json!({
            "data": [
                user(1, "Ada Lovelace", "ada@example.com", &ada),
                user(2, "Grace Hopper", "grace@example.com", &grace),
            ],
            "pagination": {
                "page": 1, "limit": 20, "totalPages": 1, "totalCount": 2,
                "hasNext": false, "hasPrev": false,
            },
        })
    );
}

#[tokio::test]
async fn list_users_pages_with_link_next_and_last() {
    let s = start().await;
    let res = s.get("/api/users?limit=1").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("x-total-count"), "2");
    let link = res.header("link");
    assert!(
        link.contains(r#"</api/users?page=2&limit=1>; rel="next""#),
        "{link}"
    );
    assert!(
        link.contains(r#"</api/users?page=2&limit=1>; rel="last""#),
        "{link}"
    );
    assert!(!link.contains(r#"rel="prev""#), "{link}");
    let body = res.json();
    let ada = created_at(&body["data"][0]);
    assert_eq!(
        body,
        json!({
            "data": [user(1, "Ada Lovelace", "ada@example.com", &ada)],
            "pagination": {
                "page": 1, "limit": 1, "totalPages": 2, "totalCount": 2,
                "hasNext": true, "hasPrev": false,
            },
        })
    );

    let res = s.get("/api/users?page=2&limit=1").await;
    res.expect_ok(200, "no-store");
    let link = res.header("link");
    assert!(!link.contains(r#"rel="next""#), "{link}");
    assert!(
        link.contains(r#"</api/users?page=2&limit=1>; rel="last""#),
        "{link}"
    );
    assert!(
        link.contains(r#"</api/users?page=1&limit=1>; rel="prev""#),
        "{link}"
    );
    let body = res.json();
    let grace = created_at(&body["data"][0]);
    assert_eq!(
        body,
        json!({
            "data": [user(2, "Grace Hopper", "grace@example.com", &grace)],
            "pagination": {
                "page": 2, "limit": 1, "totalPages": 2, "totalCount": 2,
                "hasNext": false, "hasPrev": true,
            },
        })
    );
}

#[tokio::test]
async fn list_users_filters_by_email_case_insensitively() {
    let s = start().await;
    let res = s.get("/api/users?email=GRACE@Example.COM").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("x-total-count"), "1");
    let body = res.json();
    let grace = created_at(&body["data"][0]);
    assert_eq!(
        body,
        json!({
            "data": [user(2, "Grace Hopper", "grace@example.com", &grace)],
            "pagination": {
                "page": 1, "limit": 20, "totalPages": 1, "totalCount": 1,
                "hasNext": false, "hasPrev": false,
            },
        })
    );

    // Exact match only: a prefix matches nothing, which is still a 200.
    for email in ["nobody@example.com", "grace"] {
        let res = s.get(&format!("/api/users?email={email}")).await;
        res.expect_ok(200, "no-store");
        assert_eq!(res.header("x-total-count"), "0");
        assert!(!res.has("link"), "{:?}", res.headers);
        assert_eq!(
            res.json(),
            json!({
                "data": [],
                "pagination": {
                    "page": 1, "limit": 20, "totalPages": 0, "totalCount": 0,
                    "hasNext": false, "hasPrev": false,
                },
            })
        );
    }
}

#[tokio::test]
async fn list_users_rejects_bad_page_and_limit_naming_the_parameter() {
    let s = start().await;
    let out_of_range = [
        ("page=0", "page", "Must be a positive integer."),
        ("limit=0", "limit", "Must be an integer from 1 to 100."),
        ("limit=101", "limit", "Must be an integer from 1 to 100."),
    ];
    for (query, field, message) in out_of_range {
        let res = s.get(&format!("/api/users?{query}")).await;
        res.expect_error(400);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Bad Request",
                "message": "The pagination parameters are invalid.",
                "code": "INVALID_QUERY",
                "details": [{"field": field, "message": message, "code": "INVALID_VALUE"}],
                "requestId": id,
            }),
            "{query}"
        );
    }
    // Not integers at all: the query string does not deserialize.
    let not_integers = [
        ("page=abc", "page"),
        ("limit=-1", "limit"),
        ("page=1.5", "page"),
        ("page=", "page"),
        ("limit=1e2", "limit"),
    ];
    for (query, field) in not_integers {
        let res = s.get(&format!("/api/users?{query}")).await;
        res.expect_error(400);
        let body = res.json();
        let id = res.request_id();
        let message = body["details"][0]["message"].clone();
        assert!(message.is_string(), "{body}");
        assert_eq!(
            body,
            json!({
                "error": "Bad Request",
                "message": "The query string is invalid.",
                "code": "INVALID_QUERY",
                "details": [{"field": field, "message": message, "code": "INVALID_VALUE"}],
                "requestId": id,
            }),
            "{query}"
        );
    }
    // The largest limit is fine.
    let res = s.get("/api/users?limit=100").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json()["pagination"]["limit"], 100);
    // Both at fault: one entry each.
    let res = s.get("/api/users?page=0&limit=500").await;
    res.expect_error(400);
    let body = res.json();
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["page", "limit"]);
}

//! A handler's `ApiError`: the request id, the format `Accept` selects (JSON or
//! RFC 9457 problem details), the configured challenge, and a concealed 404.

use axum::{
    body::Body,
    http::{Request, StatusCode},
    routing::get,
    Router,
};
use axum_api_error::{headers::Challenge, wire::ErrorFormat, ApiError, ApiErrorLayer};
use serde_json::{json, Value};
use testkit::headers::header_map;

use crate::{
    apps::{api_app, post_users, users_app, validation_json, validation_problem},
    support::{assert_generated, both, get_req, Sent},
};

#[tokio::test]
async fn api_error_gets_the_request_id() {
    for sent in both(api_app, &ApiErrorLayer::new(), post_users(None)).await {
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
        assert_eq!(sent.json()["requestId"], id.as_str());
    }
    let req = || get_req("/conflict");
    for sent in both(api_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::CONFLICT,
            &[],
            &json!({
                "error": "Conflict",
                "message": "A user with this email already exists.",
                "code": "CONFLICT",
                "details": [{
                    "field": "email",
                    "message": "A user with this email already exists.",
                    "code": "CONFLICT",
                }],
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn api_error_problem_details_on_accept() {
    let req = post_users(Some("application/problem+json"));
    for sent in both(api_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        sent.assert_error_headers("application/problem+json", &[]);
        sent.assert_body(&validation_problem(&id));
    }
}

#[tokio::test]
async fn api_error_format_follows_q_values() {
    let layer = ApiErrorLayer::new();
    let problem = post_users(Some("application/json;q=0.5, application/problem+json"));
    for sent in both(api_app, &layer, problem).await {
        let id = sent.id();
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        sent.assert_error_headers("application/problem+json", &[]);
        sent.assert_body(&validation_problem(&id));
    }
    let json = post_users(Some("application/json, application/problem+json;q=0.9"));
    for sent in both(api_app, &layer, json).await {
        let id = sent.id();
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
    }
}

#[tokio::test]
async fn api_error_ties_go_to_the_configured_format() {
    let tie = "application/json, application/problem+json";
    // Default: JSON.
    for accept in [Some(tie), Some("*/*"), None] {
        for sent in both(api_app, &ApiErrorLayer::new(), post_users(accept)).await {
            let id = sent.id();
            sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
        }
    }
    // Configured: problem.
    let layer = ApiErrorLayer::new().with_format(ErrorFormat::Problem);
    for accept in [Some(tie), Some("*/*"), None] {
        for sent in both(api_app, &layer, post_users(accept)).await {
            let id = sent.id();
            sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
            sent.assert_error_headers("application/problem+json", &[]);
            sent.assert_body(&validation_problem(&id));
        }
    }
    // An explicit preference still wins over the configured format.
    for sent in both(api_app, &layer, post_users(Some("application/json"))).await {
        let id = sent.id();
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
    }
}

#[tokio::test]
async fn axum_route_not_found_as_problem() {
    let req = || {
        Request::get("/nope?q=1")
            .header("accept", "application/problem+json")
            .body(Body::empty())
            .unwrap()
    };
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_status(StatusCode::NOT_FOUND);
        sent.assert_error_headers("application/problem+json", &[]);
        sent.assert_body(&json!({
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "The requested resource was not found.",
            "instance": "/nope",
            "code": "ROUTE_NOT_FOUND",
            "requestId": id,
        }));
    }
}

#[tokio::test]
async fn api_error_unauthorized_gets_the_configured_challenge() {
    let app = || {
        Router::new().route(
            "/me",
            get(|| async { Err::<(), _>(ApiError::unauthorized()) }),
        )
    };
    let layer = ApiErrorLayer::new().with_challenge(Challenge::bearer().with_realm("api"));
    for sent in both(app, &layer, || get_req("/me")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNAUTHORIZED,
            &[("www-authenticate", r#"Bearer realm="api""#)],
            &json!({
                "error": "Unauthorized",
                "message": "Authentication is required to access this resource.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn concealed_not_found_equals_a_real_one() {
    let layer = ApiErrorLayer::new().with_docs_base("https://docs.example.com/errors/");
    for accept in ["application/json", "application/problem+json"] {
        let req = |uri: &'static str| {
            move || {
                Request::get(uri)
                    .header("accept", accept)
                    .body(Body::empty())
                    .unwrap()
            }
        };
        let hidden = both(api_app, &layer, req("/hidden")).await;
        // "/absent" is as long as "/hidden", so the lengths compare too.
        let missing = both(api_app, &layer, req("/absent")).await;
        for (hidden, missing) in hidden.iter().zip(&missing) {
            hidden.assert_status(StatusCode::NOT_FOUND);
            missing.assert_status(StatusCode::NOT_FOUND);
            assert_ne!(hidden.id(), missing.id());
            // The same header names, and the same values apart from the id.
            let names = |s: &Sent| header_map(&s.headers).into_keys().collect::<Vec<_>>();
            assert_eq!(names(hidden), names(missing), "{:?}", hidden.placement);
            let without_id = |s: &Sent| {
                let mut map = header_map(&s.headers);
                map.remove("x-request-id");
                map
            };
            assert_eq!(
                without_id(hidden),
                without_id(missing),
                "{:?}",
                hidden.placement
            );
            hidden.assert_error_headers(accept, &[]);
            // The same body apart from the request id and the instance.
            let strip = |s: &Sent| {
                let mut body = s.json();
                let map = body.as_object_mut().unwrap();
                assert_eq!(map.remove("requestId"), Some(Value::from(s.id())));
                map.remove("instance");
                body
            };
            assert_eq!(strip(hidden), strip(missing), "{:?}", hidden.placement);
            let id = hidden.id();
            let expected = if accept == "application/json" {
                json!({
                    "error": "Not Found",
                    "message": "The requested resource was not found.",
                    "code": "NOT_FOUND",
                    "requestId": id,
                    "docs": "https://docs.example.com/errors/NOT_FOUND",
                })
            } else {
                json!({
                    "type": "https://docs.example.com/errors/NOT_FOUND",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "The requested resource was not found.",
                    "instance": "/hidden",
                    "code": "NOT_FOUND",
                    "requestId": id,
                })
            };
            hidden.assert_body(&expected);
            for secret in ["user 2", "HIDDEN", "NOT_OWNER", "internal.example.com"] {
                assert!(!hidden.text().contains(secret), "{secret} leaked");
            }
        }
    }
}

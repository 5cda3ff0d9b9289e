//! The layer's configuration: docs base, `Retry-After`, debug details and the
//! `on_error` hook.

use std::{sync::Arc, time::Duration};

use axum::http::StatusCode;
use axum_api_error::ApiErrorLayer;
use serde_json::json;

use crate::{
    apps::{
        api_app, bare_and_api_app, bare_app, panic_app, post_users, slow_app, success_app,
        validation_json, validation_problem,
    },
    support::{both, get_req, send, Events, PLACEMENTS},
};

#[tokio::test]
async fn docs_base_gives_docs_and_problem_type() {
    let layer = ApiErrorLayer::new().with_docs_base("https://docs.example.com/errors/");
    for sent in both(bare_app, &layer, || get_req("/forbidden")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::FORBIDDEN,
            &[],
            &json!({
                "error": "Forbidden",
                "message": "You do not have permission to perform this action.",
                "code": "FORBIDDEN",
                "requestId": id,
                "docs": "https://docs.example.com/errors/FORBIDDEN",
            }),
        );
    }
    for sent in both(
        api_app,
        &layer,
        post_users(Some("application/problem+json")),
    )
    .await
    {
        let id = sent.id();
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        sent.assert_error_headers("application/problem+json", &[]);
        let mut expected = validation_problem(&id);
        expected["type"] = json!("https://docs.example.com/errors/VALIDATION_FAILED");
        sent.assert_body(&expected);
    }
}

#[tokio::test]
async fn retry_after_is_configurable() {
    let layer = ApiErrorLayer::new().with_retry_after(Duration::from_secs(30));
    for sent in both(slow_app, &layer, || get_req("/slow")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "30")],
            &json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": 30,
            }),
        );
    }
    for sent in both(api_app, &layer, || get_req("/unavailable")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "30")],
            &json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": 30,
            }),
        );
    }
}

#[tokio::test]
async fn debug_details_expose_the_source_chain_of_a_5xx_only_when_on() {
    let on = ApiErrorLayer::new().with_debug_details(true);
    for sent in both(api_app, &on, || get_req("/db")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
                "debug": ["query failed", "password=SECRET-DB"],
            }),
        );
    }
    for sent in both(panic_app, &on, || get_req("/panic")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
                "debug": ["handler panicked: SECRET-PANIC-TEXT"],
            }),
        );
    }
    // A 4xx never has `debug`.
    for sent in both(api_app, &on, post_users(None)).await {
        let id = sent.id();
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
    }
    // Off (the default): no `debug`, no source text.
    for sent in both(api_app, &ApiErrorLayer::new(), || get_req("/db")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET-DB"));
    }
}

#[tokio::test]
async fn on_error_sees_status_code_and_request_id() {
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let layer = ApiErrorLayer::new().on_error(move |event| {
        sink.lock().unwrap().push((
            event.status().as_u16(),
            event.code().map(str::to_owned),
            event.request_id().to_string(),
            event.method().to_string(),
            event.path().to_owned(),
        ));
    });
    for placement in PLACEMENTS {
        events.lock().unwrap().clear();
        let app = bare_and_api_app;
        let forbidden = send(placement, app(), &layer, get_req("/forbidden")).await;
        let validation = send(placement, app(), &layer, post_users(None)()).await;
        let own = send(placement, app(), &layer, get_req("/own-json")).await;
        let nope = send(placement, app(), &layer, get_req("/nope")).await;
        let ok = send(placement, success_app(), &layer, get_req("/ok")).await;
        ok.assert_status(StatusCode::OK);
        let s = |s: &str| s.to_owned();
        assert_eq!(
            *events.lock().unwrap(),
            [
                (
                    403,
                    Some(s("FORBIDDEN")),
                    forbidden.id(),
                    s("GET"),
                    s("/forbidden")
                ),
                (
                    422,
                    Some(s("VALIDATION_FAILED")),
                    validation.id(),
                    s("POST"),
                    s("/users")
                ),
                (409, None, own.id(), s("GET"), s("/own-json")),
                (
                    404,
                    Some(s("ROUTE_NOT_FOUND")),
                    nope.id(),
                    s("GET"),
                    s("/nope")
                ),
            ],
            "{placement:?}"
        );
    }
}

//! What the layer logs: one line per error, at ERROR for a 5xx (with its source)
//! and at DEBUG for a 4xx; nested layers finish an error once.

use std::{future::Future, sync::Arc};

use axum::{http::StatusCode, routing::get, Router};
use axum_api_error::{ApiError, ApiErrorLayer};
use serde_json::json;
use testkit::logs;
use tower::{Layer, ServiceExt};

use crate::{
    apps::{api_app, bare_and_api_app, bare_app, panic_app, post_users},
    support::{assert_generated, get_req, send, Events, Sent, PLACEMENTS},
};

/// Runs `fut` with a DEBUG subscriber; returns its output and the lines this crate
/// logged.
fn with_logs<T>(fut: impl Future<Output = T>) -> (T, Vec<String>) {
    let (out, lines) = logs::with_logs(fut);
    let lines = lines
        .into_iter()
        .filter(|l| l.contains("axum_api_error"))
        .collect();
    (out, lines)
}

fn at_level<'a>(lines: &'a [String], level: &str) -> Vec<&'a String> {
    let level = format!(" {level} ");
    lines.iter().filter(|l| l.contains(&level)).collect()
}

#[test]
fn internal_error_is_logged_once_at_error_with_its_source() {
    for placement in PLACEMENTS {
        let app = || {
            Router::new().route(
                "/boom",
                get(|| async { Err::<(), _>(ApiError::internal("SECRET-DB-PASSWORD")) }),
            )
        };
        let (sent, lines) = with_logs(send(
            placement,
            app(),
            &ApiErrorLayer::new(),
            get_req("/boom"),
        ));
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
        assert!(!sent.text().contains("SECRET-DB-PASSWORD"));
        let errors = at_level(&lines, "ERROR");
        assert_eq!(errors.len(), 1, "{placement:?}: {lines:#?}");
        assert_eq!(lines.len(), 1, "{placement:?}: {lines:#?}");
        let line = errors[0];
        assert!(line.contains(&format!("request_id={id}")), "{line}");
        assert!(line.contains("SECRET-DB-PASSWORD"), "{line}");
        assert!(line.contains("status=500"), "{line}");
        assert!(line.contains("INTERNAL_ERROR"), "{line}");
    }
}

#[test]
fn panic_is_logged_with_its_message_and_request_id() {
    for placement in PLACEMENTS {
        let (sent, lines) = with_logs(send(
            placement,
            panic_app(),
            &ApiErrorLayer::new(),
            get_req("/panic"),
        ));
        sent.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
        let id = sent.id();
        assert_eq!(sent.json()["requestId"], id.as_str());
        assert!(!sent.text().contains("SECRET-PANIC-TEXT"));
        let errors = at_level(&lines, "ERROR");
        assert_eq!(errors.len(), 1, "{placement:?}: {lines:#?}");
        let line = errors[0];
        assert!(line.contains(&format!("request_id={id}")), "{line}");
        assert!(line.contains("SECRET-PANIC-TEXT"), "{line}");
        assert!(line.contains("status=500"), "{line}");
    }
}

#[test]
fn client_error_is_logged_at_debug() {
    for placement in PLACEMENTS {
        let (sent, lines) = with_logs(send(
            placement,
            api_app(),
            &ApiErrorLayer::new(),
            post_users(None)(),
        ));
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let id = sent.id();
        assert!(at_level(&lines, "ERROR").is_empty(), "{lines:#?}");
        assert!(at_level(&lines, "WARN").is_empty(), "{lines:#?}");
        let debug = at_level(&lines, "DEBUG");
        assert_eq!(debug.len(), 1, "{placement:?}: {lines:#?}");
        assert_eq!(lines.len(), 1, "{placement:?}: {lines:#?}");
        assert!(
            debug[0].contains(&format!("request_id={id}")),
            "{}",
            debug[0]
        );
        assert!(debug[0].contains("status=422"), "{}", debug[0]);
        assert!(debug[0].contains("VALIDATION_FAILED"), "{}", debug[0]);
    }
}

/// The module docs promise one log line per error; a replaced 5xx text must reach
/// the log (it is never sent) in that line.
#[test]
fn server_error_text_is_logged_once() {
    for placement in PLACEMENTS {
        let (sent, lines) = with_logs(send(
            placement,
            bare_app(),
            &ApiErrorLayer::new(),
            get_req("/secret"),
        ));
        sent.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!sent.text().contains("SECRET"));
        let id = sent.id();
        let errors = at_level(&lines, "ERROR");
        assert!(
            errors
                .iter()
                .any(|l| l.contains("SECRET") && l.contains(&format!("request_id={id}"))),
            "{placement:?}: the text reaches the log: {lines:#?}"
        );
        assert_eq!(errors.len(), 1, "{placement:?}: {lines:#?}");
    }
}

/// Both placements at once (a layer on the router and another around it): one id,
/// one rendering, one log line and one `on_error` call for the error at `uri`.
fn assert_nested_layers_finish_once(uri: &'static str) {
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
    let app = Layer::layer(&layer, bare_and_api_app().layer(layer.clone()));
    let (sent, lines) = with_logs(async move {
        let res = app.oneshot(get_req(uri)).await.unwrap();
        Sent::read(res, None).await
    });
    let id = sent.id();
    assert_generated(&id);
    assert_eq!(sent.headers.get_all("x-request-id").iter().count(), 1);
    let logged: Vec<_> = lines.iter().filter(|l| l.contains(" status=")).collect();
    assert_eq!(logged.len(), 1, "{uri}: {lines:#?}");
    assert!(
        logged[0].contains(&format!("request_id={id}")),
        "{uri}: {}",
        logged[0]
    );
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 1, "{uri}: {events:?}");
    assert_eq!(events[0].2, id, "{uri}");
}

#[test]
fn nested_layers_finish_an_api_error_once() {
    assert_nested_layers_finish_once("/db");
}

#[test]
fn nested_layers_finish_a_bare_status_once() {
    assert_nested_layers_finish_once("/forbidden");
}

#[test]
fn nested_layers_finish_an_app_json_error_once() {
    assert_nested_layers_finish_once("/own-json");
}

/// A client's bad body is the client's fault: one DEBUG line, no WARN (which would
/// let any client fill the logs), and serde's text (which quotes the value) is in
/// that line, once, never in the response.
#[test]
fn a_bad_json_body_is_one_debug_line_and_no_warning() {
    async fn create(axum_api_error::Json(v): axum_api_error::Json<NewUser>) -> String {
        v.name
    }
    #[derive(serde::Deserialize)]
    struct NewUser {
        name: String,
    }
    for placement in PLACEMENTS {
        let app = Router::new().route("/users", axum::routing::post(create));
        let req = axum::http::Request::post("/users")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(r#"{"name": 42}"#))
            .unwrap();
        let (sent, lines) = with_logs(send(placement, app, &ApiErrorLayer::new(), req));
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        // The body says what was expected, never the value (the request id, random,
        // is left out of the comparison).
        let mut body = sent.json();
        body.as_object_mut().unwrap().remove("requestId");
        assert_eq!(
            body,
            json!({
                "error": "Unprocessable Content",
                "message": "The request body has invalid fields.",
                "code": "INVALID_BODY",
                "details": [{"field": "name", "message": "Expected a string.", "code": "INVALID_TYPE"}],
            })
        );
        assert!(at_level(&lines, "WARN").is_empty(), "{lines:#?}");
        assert_eq!(lines.len(), 1, "{placement:?}: {lines:#?}");
        assert_eq!(
            lines[0].matches("invalid type: integer `42`").count(),
            1,
            "{}",
            lines[0]
        );
    }
}

/// A setter the status has no use for, and a code that cannot be sent, change
/// nothing and say so in a WARN line: a bug in the app shows in its logs.
#[test]
fn setters_without_meaning_for_the_status_log_a_warning() {
    use axum_api_error::headers::{Challenge, RateLimit};
    use std::time::Duration;
    type Case = (&'static str, fn() -> ApiError);
    let cases: [Case; 7] = [
        ("with_challenge", || {
            ApiError::not_found().with_challenge(Challenge::bearer())
        }),
        ("with_retry_after", || {
            ApiError::conflict("x").with_retry_after(Duration::from_secs(1))
        }),
        ("with_rate_limit", || {
            ApiError::service_unavailable().with_rate_limit(RateLimit::new(
                1,
                0,
                Duration::from_secs(1),
                Duration::from_secs(1),
            ))
        }),
        ("with_accept_post", || ApiError::gone().with_accept_post()),
        ("a letter or a digit", || ApiError::gone().with_code("!!!")),
        ("a letter or a digit", || {
            ApiError::validation().add_field_error("name", "Must be set.", "--")
        }),
        ("not a media type", || {
            ApiError::unsupported_media_type(["application/json", "not a type"])
        }),
    ];
    for (said, make) in cases {
        let (err, lines) = with_logs(async move { make() });
        let warnings = at_level(&lines, "WARN");
        assert_eq!(warnings.len(), 1, "{said}: {lines:#?}");
        assert!(warnings[0].contains(said), "{said}: {}", warnings[0]);
        // Nothing of what was refused is sent.
        assert!(err.challenge().is_none() && err.rate_limit().is_none() && !err.accept_post());
    }
    // A setter that means something logs nothing.
    let (err, lines) = with_logs(async {
        ApiError::unauthorized()
            .with_challenge(Challenge::bearer())
            .with_code("token-expired")
    });
    assert!(lines.is_empty(), "{lines:#?}");
    assert_eq!(err.code(), "TOKEN_EXPIRED");
}

/// A concealed 404 sends a plain 404, but its log line keeps what was hidden.
#[test]
fn a_concealed_not_found_logs_what_it_hides() {
    for placement in PLACEMENTS {
        let app = Router::new().route(
            "/doc",
            get(|| async {
                ApiError::concealed_not_found()
                    .with_message("user 2 may not read document 1")
                    .with_source("policy: owner only")
            }),
        );
        let (sent, lines) = with_logs(send(placement, app, &ApiErrorLayer::new(), get_req("/doc")));
        sent.assert_status(StatusCode::NOT_FOUND);
        assert!(!sent.text().contains("document 1"), "{}", sent.text());
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(
            lines[0].contains(
                "not found (concealed: user 2 may not read document 1): policy: owner only"
            ),
            "{}",
            lines[0]
        );
    }
}

//! The conformance kit, `testing::Conformance`: silent on an app that keeps the
//! invariants, and naming each probe and problem on one that does not.

use axum::{
    http::StatusCode,
    routing::{get, post},
    Router,
};
use axum_api_error::{
    testing::{Conformance, Route},
    ApiError, ApiErrorLayer, Json,
};
use serde_json::Value;

fn routes() -> Router {
    Router::new()
        .route(
            "/users",
            post(|Json(v): Json<Value>| async move { Json(v) }),
        )
        .route("/users/{id}", get(|| async { "Ada" }))
        .route(
            "/private",
            get(|| async { Err::<(), _>(ApiError::unauthorized()) }),
        )
}

fn kit() -> Conformance {
    Conformance::new()
        .route(Route::new("POST", "/users").json())
        .route(Route::new("GET", "/users/1"))
        .route(Route::new("GET", "/private").protected())
        .with_body_limit(16)
}

/// The problems the report names for `probe`.
fn problems<'a>(report: &'a axum_api_error::testing::Report, probe: &str) -> Vec<&'a str> {
    report
        .violations()
        .iter()
        .filter(|v| v.probe == probe)
        .map(|v| v.problem.as_str())
        .collect()
}

#[tokio::test]
async fn an_app_behind_the_layer_keeps_every_invariant() {
    let app = routes()
        .layer(axum::extract::DefaultBodyLimit::max(16))
        .layer(ApiErrorLayer::new());
    let report = kit().check(app).await;
    report.assert_ok();
    assert_eq!(report.to_string(), "10 probes, every response as promised");
}

#[tokio::test]
async fn an_app_without_it_is_reported_probe_by_probe() {
    // A JSON route whose handler answers a 500 that leaks, whatever the body.
    let leaky = post(|| async {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "thread 'main' panicked at src/db.rs:7: password=hunter2",
        )
    });
    let app = routes()
        .route("/leaky", leaky)
        .layer(axum::extract::DefaultBodyLimit::max(16));
    let report = kit()
        .route(Route::new("POST", "/leaky").json())
        .route(Route::new("get", "/users/1").expecting(200))
        .with_secret("hunter2")
        .check(app)
        .await;
    // A route sent as it is: a success passes (with no X-Request-Id, without the
    // layer, reported).
    assert_eq!(
        problems(&report, "GET /users/1 as it is"),
        ["no X-Request-Id"]
    );
    assert!(!report.is_ok());
    assert_eq!(
        problems(&report, "GET an unknown route"),
        [
            "no X-Request-Id",
            "Content-Type \"\", not application/json",
            "the body is not a JSON object: \"\"",
            "no Cache-Control: no-store",
        ]
    );
    assert_eq!(
        problems(&report, "POST /leaky with malformed JSON"),
        [
            "status 500, not 400",
            "no X-Request-Id",
            "Content-Type \"text/plain; charset=utf-8\", not application/json",
            "the body is not a JSON object: \"thread 'main' panicked at src/db.rs:7: password=hunter2\"",
            "no Cache-Control: no-store",
            "a 5xx body with the secret \"hunter2\"",
            "a 5xx body that looks like a leak (\"panicked\"): thread 'main' panicked at src/db.rs:7: password=hunter2",
            "a 5xx body that looks like a leak (\".rs:\"): thread 'main' panicked at src/db.rs:7: password=hunter2",
            "a 5xx body that looks like a leak (\"src/\"): thread 'main' panicked at src/db.rs:7: password=hunter2",
        ]
    );
    assert_eq!(
        problems(&report, "GET /private without credentials"),
        ["no X-Request-Id", "no requestId in the body",]
    );
    let text = report.to_string();
    assert!(
        text.starts_with(&format!(
            "{} of {} probes broke an invariant:\n- GET an unknown route: no X-Request-Id\n",
            report.violations().len(),
            report.probes()
        )),
        "{text}"
    );
}

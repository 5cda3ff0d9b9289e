//! The conformance kit (`axum_api_error::testing`) run on the example, in-process,
//! with the routes of its own OpenAPI document.

use axum::{body::Body, http::Request};
use axum_api_error::testing::{Conformance, Route};
use serde_json::Value;
use tower::ServiceExt;

use crate::{app, ADMIN};

#[tokio::test]
async fn the_example_keeps_every_invariant_the_kit_probes() {
    let app = app::app_with(true, app::no_origins());
    let res = app
        .clone()
        .oneshot(Request::get("/openapi.json").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(
        &axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap(),
    )
    .unwrap();
    let report = Conformance::new()
        .routes_from_openapi(&doc)
        .with_body_limit(app::USERS_BODY_LIMIT)
        .with_authorization(ADMIN)
        // The two 500s whose secrets must not reach the body, sent as they are.
        .route(Route::new("GET", "/api/crash").expecting(500))
        .route(Route::new("GET", "/api/internal").expecting(500))
        .with_secret("SECRET-DB-PASSWORD")
        .with_secret("SECRET-PANIC-TEXT")
        .check(app)
        .await;
    report.assert_ok();
    // Every probe the document's operations call for was sent.
    assert_eq!(report.probes(), 41, "{report}");
}

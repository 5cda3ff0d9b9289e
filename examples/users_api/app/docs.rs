//! The OpenAPI document, served at `GET /openapi.json`: the operations come from the
//! handlers' `#[utoipa::path]` through utoipa-axum's `OpenApiRouter`, their errors
//! from `ApiErrorDocs`, applied once the router has added every route.

use axum_api_error::openapi::ApiErrorDocs;
use http::StatusCode;
use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        OpenApi,
    },
    Modify, OpenApi as _,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "users_api",
        version = "1.0.0",
        description = "The example API of axum-api-error: every error is one JSON shape \
            (`application/json`, or RFC 9457 `application/problem+json` when `Accept` \
            prefers it) with a `requestId` equal to the `X-Request-Id` header. Request \
            bodies are at most 64 KiB (1 MiB on `/api/uploads`); a larger one is a 413 \
            before it is read.",
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "users", description = "The user store."),
        (name = "admin", description = "For the admin token."),
        (name = "limits", description = "Rate limiting."),
        (name = "uploads", description = "Raw bodies."),
        (name = "reports", description = "Asynchronous jobs."),
        (name = "failures", description = "Routes that fail on purpose: their 5xx are documented."),
        (name = "meta", description = "Health and this document."),
    ),
)]
struct ApiDoc;

/// The `bearer` scheme the operations' `security` names: the demo's fixed tokens.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`user-token`, `other-token` (users 1 and 2) or `admin-token`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document before the routes are added.
pub(crate) fn base() -> OpenApi {
    ApiDoc::openapi()
}

/// The whole document: `openapi`, the routes' document, with the errors of every
/// operation. Every route may time out (503), besides the crate's common 400, 404
/// and 500.
pub(crate) fn document(mut openapi: OpenApi) -> OpenApi {
    ApiErrorDocs::new()
        .with_common([
            StatusCode::BAD_REQUEST,
            StatusCode::NOT_FOUND,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::SERVICE_UNAVAILABLE,
        ])
        .apply(&mut openapi);
    openapi
}

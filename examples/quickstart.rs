//! Run with
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! A small API on `127.0.0.1:$PORT` (default 3000) whose every failure, its own or
//! axum's, answers in the same JSON shape with a request id:
//!
//! ```sh
//! curl -i localhost:3000/users/1                  # 200
//! curl -i localhost:3000/users/7                  # 404 NOT_FOUND
//! curl -i -X POST localhost:3000/users -H 'content-type: application/json' -d '{"name":"","email":"x"}'  # 422
//! curl -i -X POST localhost:3000/users -H 'content-type: application/json' -d '{"name":"Ada","email":"ada@example.com"}'  # 409
//! curl -i localhost:3000/nowhere                  # 404 ROUTE_NOT_FOUND
//! curl -i -X DELETE localhost:3000/users/1        # 405 with Allow
//! curl -i localhost:3000/users/1 -H 'accept: application/problem+json' -X PUT  # RFC 9457 form
//! ```

use axum::{extract::Path, http::StatusCode, routing::get, Json, Router};
use axum_api_error::{headers::Challenge, ApiError, ApiErrorLayer, FieldErrors};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
struct NewUser {
    name: String,
    email: String,
}

async fn get_user(Path(id): Path<u64>) -> Result<Json<Value>, ApiError> {
    match id {
        1 => Ok(Json(
            json!({"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}),
        )),
        _ => Err(ApiError::not_found().with_message("No user has this id.")),
    }
}

async fn create_user(Json(new): Json<NewUser>) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut errors = FieldErrors::new();
    errors
        .check(
            !new.name.trim().is_empty(),
            "name",
            "Must not be empty.",
            "REQUIRED",
        )
        .check(
            new.email.contains('@'),
            "email",
            "Must be a valid email address.",
            "INVALID_FORMAT",
        );
    errors.into_result()?;
    if new.email.eq_ignore_ascii_case("ada@example.com") {
        return Err(ApiError::conflict("A user with this email already exists.")
            .with_code("EMAIL_TAKEN")
            .add_field("email"));
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": 2, "name": new.name, "email": new.email})),
    ))
}

/// The app: two routes behind the layer, with the challenge its 401s send.
fn app() -> Router {
    Router::new()
        .route("/users", axum::routing::post(create_user))
        .route("/users/{id}", get(get_user))
        .layer(ApiErrorLayer::new().with_challenge(Challenge::bearer().with_realm("api")))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

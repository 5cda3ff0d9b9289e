//! A domain error through `?` in a real Router.

use std::{error::Error as StdError, sync::Arc};

use axum::{
    body::Body,
    extract::Path,
    http::{Request, StatusCode},
    response::Response,
    routing::{get, post},
    Json, Router,
};
use axum_api_error::ApiError;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::support::{assert_headers, assert_no_leak, read, SECRET};

#[derive(Debug, thiserror::Error)]
enum UserError {
    #[error("user {0} not found")]
    NotFound(u64),
    #[error("email {0} is taken")]
    EmailTaken(String),
    #[error("user store failed")]
    Store(#[from] std::io::Error),
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::NotFound(_) => Self::not_found().with_message("No such user."),
            UserError::EmailTaken(_) => Self::conflict("A user with this email already exists.")
                .with_code("email-taken")
                .add_field("email"),
            UserError::Store(_) => Self::internal(err),
        }
    }
}

fn find_user(id: u64) -> Result<Value, UserError> {
    match id {
        1 => Ok(json!({"id": 1, "email": "ada@example.com"})),
        13 => Err(std::io::Error::other(format!("db:5432 rejected password {SECRET}")).into()),
        _ => Err(UserError::NotFound(id)),
    }
}

fn check_email_free(email: &str) -> Result<(), UserError> {
    if email == "ada@example.com" {
        return Err(UserError::EmailTaken(email.to_owned()));
    }
    Ok(())
}

async fn get_user(Path(id): Path<u64>) -> Result<Json<Value>, ApiError> {
    let user = find_user(id)?;
    Ok(Json(user))
}

async fn create_user(Json(input): Json<Value>) -> Result<(StatusCode, Json<Value>), ApiError> {
    let email = input["email"].as_str().unwrap_or_default();
    check_email_free(email)?;
    Ok((StatusCode::CREATED, Json(json!({"id": 2, "email": email}))))
}

fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(get_user))
        .route("/users", post(create_user))
}

async fn call(req: Request<Body>) -> Response {
    app().oneshot(req).await.expect("the router is infallible")
}

#[tokio::test]
async fn domain_errors_convert_with_the_question_mark() {
    // Ok passes through untouched.
    let res = call(Request::get("/users/1").body(Body::empty()).unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.extensions().get::<Arc<ApiError>>().is_none());

    // 404
    let sent = read(call(Request::get("/users/7").body(Body::empty()).unwrap()).await).await;
    assert_eq!(sent.status, StatusCode::NOT_FOUND);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Not Found",
            "message": "No such user.",
            "code": "NOT_FOUND",
        })
    );

    // 409 with a custom code and the field at fault
    let sent = read(
        call(
            Request::post("/users")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"email": "ada@example.com"}"#))
                .unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(sent.status, StatusCode::CONFLICT);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Conflict",
            "message": "A user with this email already exists.",
            "code": "EMAIL_TAKEN",
            "details": [{
                "field": "email",
                "message": "A user with this email already exists.",
                "code": "EMAIL_TAKEN",
            }],
        })
    );

    // 500: the domain error is the source, the client reads nothing of it
    let sent = read(call(Request::get("/users/13").body(Body::empty()).unwrap()).await).await;
    assert_eq!(sent.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_headers(&sent.headers, &[]);
    assert_eq!(
        sent.body,
        json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
        })
    );
    assert_no_leak("response body", &sent.body.to_string());
    let source = StdError::source(&*sent.error).expect("the domain error is kept");
    assert_eq!(source.to_string(), "user store failed");
    assert!(matches!(
        source.downcast_ref::<UserError>(),
        Some(UserError::Store(_))
    ));
    assert_eq!(
        source.source().unwrap().to_string(),
        format!("db:5432 rejected password {SECRET}")
    );

    // The success path of the same route still works.
    let res = call(
        Request::post("/users")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"email": "grace@example.com"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"id": 2, "email": "grace@example.com"})
    );
}

//! One golden test per 4xx variant from 400 to 412: the status, the whole header
//! map, the JSON body and the problem form.

use std::error::Error as StdError;

use axum::http::{Method, StatusCode};
use axum_api_error::{
    headers::{BearerError, Challenge},
    wire::ErrorFormat,
    ApiError,
};
use serde_json::json;
use testkit::headers::header_map;

use crate::support::{assert_golden, send, Golden};

#[tokio::test]
async fn bad_request() {
    assert_golden(Golden {
        make: || ApiError::bad_request("The `limit` parameter must be a positive integer."),
        status: StatusCode::BAD_REQUEST,
        headers: &[],
        json: json!({
            "error": "Bad Request",
            "message": "The `limit` parameter must be a positive integer.",
            "code": "BAD_REQUEST",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Bad Request",
            "status": 400,
            "detail": "The `limit` parameter must be a positive integer.",
            "code": "BAD_REQUEST",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn bad_request_with_code_and_docs() {
    assert_golden(Golden {
        make: || {
            ApiError::bad_request("The `limit` parameter must be a positive integer.")
                .with_code("invalid-limit")
                .with_docs("https://docs.example.com/errors/INVALID_LIMIT")
        },
        status: StatusCode::BAD_REQUEST,
        headers: &[],
        json: json!({
            "error": "Bad Request",
            "message": "The `limit` parameter must be a positive integer.",
            "code": "INVALID_LIMIT",
            "docs": "https://docs.example.com/errors/INVALID_LIMIT",
        }),
        problem: json!({
            "type": "https://docs.example.com/errors/INVALID_LIMIT",
            "title": "Bad Request",
            "status": 400,
            "detail": "The `limit` parameter must be a positive integer.",
            "code": "INVALID_LIMIT",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn unauthorized_default_challenge() {
    assert_golden(Golden {
        make: ApiError::unauthorized,
        status: StatusCode::UNAUTHORIZED,
        headers: &[("www-authenticate", "Bearer")],
        json: json!({
            "error": "Unauthorized",
            "message": "Authentication is required to access this resource.",
            "code": "UNAUTHORIZED",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "Authentication is required to access this resource.",
            "code": "UNAUTHORIZED",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn unauthorized_with_challenge() {
    assert_golden(Golden {
        make: || {
            ApiError::unauthorized().with_challenge(
                Challenge::bearer()
                    .with_realm("api")
                    .with_error(BearerError::InvalidToken)
                    .with_error_description("The access token expired"),
            )
        },
        status: StatusCode::UNAUTHORIZED,
        headers: &[(
            "www-authenticate",
            r#"Bearer realm="api", error="invalid_token", error_description="The access token expired""#,
        )],
        json: json!({
            "error": "Unauthorized",
            "message": "Authentication is required to access this resource.",
            "code": "UNAUTHORIZED",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "Authentication is required to access this resource.",
            "code": "UNAUTHORIZED",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn forbidden_without_challenge() {
    assert_golden(Golden {
        make: ApiError::forbidden,
        status: StatusCode::FORBIDDEN,
        // No WWW-Authenticate: a 403 sends one only when given a challenge.
        headers: &[],
        json: json!({
            "error": "Forbidden",
            "message": "You do not have permission to perform this action.",
            "code": "FORBIDDEN",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
            "detail": "You do not have permission to perform this action.",
            "code": "FORBIDDEN",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn forbidden_with_insufficient_scope_challenge() {
    assert_golden(Golden {
        make: || {
            ApiError::forbidden().with_challenge(
                Challenge::bearer()
                    .with_realm("api")
                    .with_error(BearerError::InsufficientScope)
                    .with_scope(["users:write", "users:read"]),
            )
        },
        status: StatusCode::FORBIDDEN,
        headers: &[(
            "www-authenticate",
            r#"Bearer realm="api", error="insufficient_scope", scope="users:write users:read""#,
        )],
        json: json!({
            "error": "Forbidden",
            "message": "You do not have permission to perform this action.",
            "code": "FORBIDDEN",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
            "detail": "You do not have permission to perform this action.",
            "code": "FORBIDDEN",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn not_found() {
    assert_golden(Golden {
        make: ApiError::not_found,
        status: StatusCode::NOT_FOUND,
        headers: &[],
        json: json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "NOT_FOUND",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "The requested resource was not found.",
            "code": "NOT_FOUND",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn concealed_not_found_is_a_plain_404_on_the_wire() {
    fn make() -> ApiError {
        ApiError::concealed_not_found()
            .with_message("user 2 may not read user 1")
            .with_code("OWNERSHIP_MISMATCH")
            .with_docs("https://docs.example.com/errors/OWNERSHIP_MISMATCH")
            .add_field("owner_id")
            .add_field_error("owner_id", "Belongs to user 1.", "NOT_OWNER")
            .with_source("policy check: user 2 is not owner of document 1")
    }
    let sent = assert_golden(Golden {
        make,
        status: StatusCode::NOT_FOUND,
        headers: &[],
        json: json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "NOT_FOUND",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "The requested resource was not found.",
            "code": "NOT_FOUND",
            "requestId": "req-1",
        }),
    })
    .await;
    // Byte for byte what a plain 404 sends, in both formats.
    for format in [ErrorFormat::Json, ErrorFormat::Problem] {
        assert_eq!(
            make().to_bytes(format, Some("req-1")),
            ApiError::not_found().to_bytes(format, Some("req-1")),
        );
    }
    let plain = send(ApiError::not_found()).await;
    assert_eq!(header_map(&sent.headers), header_map(&plain.headers));
    // The logs still see what was hidden.
    assert!(sent.error.is_concealed());
    let logged = format!("{:?}", sent.error);
    for hidden in [
        "user 2 may not read user 1",
        "OWNERSHIP_MISMATCH",
        "NOT_OWNER",
    ] {
        assert!(
            logged.contains(hidden),
            "{hidden:?} stays on the error for the logs: {logged}"
        );
    }
    assert_eq!(
        StdError::source(&*sent.error).map(ToString::to_string),
        Some("policy check: user 2 is not owner of document 1".to_owned())
    );
}

#[tokio::test]
async fn method_not_allowed() {
    assert_golden(Golden {
        make: || ApiError::method_not_allowed([Method::GET, Method::HEAD, Method::GET]),
        status: StatusCode::METHOD_NOT_ALLOWED,
        headers: &[("allow", "GET, HEAD")],
        json: json!({
            "error": "Method Not Allowed",
            "message": "The method is not allowed for this resource.",
            "code": "METHOD_NOT_ALLOWED",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Method Not Allowed",
            "status": 405,
            "detail": "The method is not allowed for this resource.",
            "code": "METHOD_NOT_ALLOWED",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn not_acceptable() {
    assert_golden(Golden {
        make: ApiError::not_acceptable,
        status: StatusCode::NOT_ACCEPTABLE,
        headers: &[],
        json: json!({
            "error": "Not Acceptable",
            "message": "No representation of this resource matches the Accept headers of the request.",
            "code": "NOT_ACCEPTABLE",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Not Acceptable",
            "status": 406,
            "detail": "No representation of this resource matches the Accept headers of the request.",
            "code": "NOT_ACCEPTABLE",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn request_timeout_closes_the_connection() {
    assert_golden(Golden {
        make: ApiError::request_timeout,
        status: StatusCode::REQUEST_TIMEOUT,
        headers: &[("connection", "close")],
        json: json!({
            "error": "Request Timeout",
            "message": "The request was not received in time.",
            "code": "REQUEST_TIMEOUT",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Request Timeout",
            "status": 408,
            "detail": "The request was not received in time.",
            "code": "REQUEST_TIMEOUT",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn conflict_with_field() {
    assert_golden(Golden {
        make: || ApiError::conflict("A user with this email already exists.").add_field("email"),
        status: StatusCode::CONFLICT,
        headers: &[],
        json: json!({
            "error": "Conflict",
            "message": "A user with this email already exists.",
            "code": "CONFLICT",
            "details": [{
                "field": "email",
                "message": "A user with this email already exists.",
                "code": "CONFLICT",
            }],
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Conflict",
            "status": 409,
            "detail": "A user with this email already exists.",
            "code": "CONFLICT",
            "requestId": "req-1",
            "errors": [{
                "field": "email",
                "message": "A user with this email already exists.",
                "code": "CONFLICT",
            }],
        }),
    })
    .await;
}

#[tokio::test]
async fn gone() {
    assert_golden(Golden {
        make: ApiError::gone,
        status: StatusCode::GONE,
        headers: &[],
        json: json!({
            "error": "Gone",
            "message": "The requested resource is no longer available.",
            "code": "GONE",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Gone",
            "status": 410,
            "detail": "The requested resource is no longer available.",
            "code": "GONE",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn precondition_failed() {
    assert_golden(Golden {
        make: ApiError::precondition_failed,
        status: StatusCode::PRECONDITION_FAILED,
        headers: &[],
        json: json!({
            "error": "Precondition Failed",
            "message": "A precondition of the request was not met.",
            "code": "PRECONDITION_FAILED",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Precondition Failed",
            "status": 412,
            "detail": "A precondition of the request was not met.",
            "code": "PRECONDITION_FAILED",
            "requestId": "req-1",
        }),
    })
    .await;
}

//! `ApiError::Other`: a status without a variant of its own gets its reason phrase
//! as title and code, and a generic message.

use axum::http::StatusCode;
use axum_api_error::{ApiError, ErrorKind};
use serde_json::json;

use crate::support::{assert_golden, Golden};

#[tokio::test]
async fn other_418_im_a_teapot() {
    fn make() -> ApiError {
        ApiError::from_status(StatusCode::IM_A_TEAPOT)
    }
    assert_eq!(make().kind(), ErrorKind::Other);
    assert_golden(Golden {
        make,
        status: StatusCode::IM_A_TEAPOT,
        headers: &[],
        json: json!({
            "error": "I'm a teapot",
            "message": "The request could not be processed.",
            "code": "IM_A_TEAPOT",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "I'm a teapot",
            "status": 418,
            "detail": "The request could not be processed.",
            "code": "IM_A_TEAPOT",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn other_423_locked() {
    fn make() -> ApiError {
        ApiError::from_status(StatusCode::LOCKED).with_message("The document is being edited.")
    }
    assert_eq!(make().kind(), ErrorKind::Other);
    assert_golden(Golden {
        make,
        status: StatusCode::LOCKED,
        headers: &[],
        json: json!({
            "error": "Locked",
            "message": "The document is being edited.",
            "code": "LOCKED",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Locked",
            "status": 423,
            "detail": "The document is being edited.",
            "code": "LOCKED",
            "requestId": "req-1",
        }),
    })
    .await;
}

#[tokio::test]
async fn other_507_insufficient_storage() {
    fn make() -> ApiError {
        ApiError::from_status(StatusCode::INSUFFICIENT_STORAGE).with_source("disk /var/lib full")
    }
    assert_eq!(make().kind(), ErrorKind::Other);
    assert_golden(Golden {
        make,
        status: StatusCode::INSUFFICIENT_STORAGE,
        headers: &[],
        json: json!({
            "error": "Insufficient Storage",
            "message": "The server could not complete the request.",
            "code": "INSUFFICIENT_STORAGE",
        }),
        problem: json!({
            "type": "about:blank",
            "title": "Insufficient Storage",
            "status": 507,
            "detail": "The server could not complete the request.",
            "code": "INSUFFICIENT_STORAGE",
            "requestId": "req-1",
        }),
    })
    .await;
}

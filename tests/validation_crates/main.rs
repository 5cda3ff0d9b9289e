//! The `validator` and `garde` features, over real HTTP on 127.0.0.1: both crates'
//! errors become one 422 `VALIDATION_FAILED` with a `details` entry per failing rule,
//! sorted by path, named by their full path in the layer's `FieldCase`, through
//! each of `Json`, `Query`, `Form` and `Path`; the inner extractor's own rejections
//! come first. Both features compile together: this binary needs both.

/// validator 0.21.
mod validator_crate;

/// garde 0.23, its context from the state.
mod garde_crate;

use serde_json::{json, Value};
use testkit::server::Res;

/// The 422 body with `details`, for the request id of `res`.
fn failed(res: &Res, details: Value) -> Value {
    json!({
        "error": "Unprocessable Content",
        "message": "The request contains invalid fields.",
        "code": "VALIDATION_FAILED",
        "details": details,
        "requestId": res.request_id(),
    })
}

/// Checks `res` is the 422 with exactly `details`.
#[track_caller]
fn assert_failed(res: &Res, details: Value) {
    res.expect_error(422);
    assert_eq!(res.json(), failed(res, details));
}

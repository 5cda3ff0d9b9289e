//! Bearer-token authentication (RFC 6750) as extractors whose rejections are
//! `ApiError`s with the right challenge. Decided from the headers alone, so it runs
//! before any body is read.

use axum::{extract::FromRequestParts, http::request::Parts};
use axum_api_error::{
    headers::{BearerError, Challenge},
    ApiError,
};
use http::header::AUTHORIZATION;

/// Who is calling, as far as the `Authorization` header tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// No credentials, or credentials of another scheme (`Basic ...`).
    Anonymous,
    /// A valid token.
    User(User),
}

/// An authenticated user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) id: u64,
    pub(crate) role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    User,
    Admin,
}

impl User {
    pub(crate) fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Owner or admin: who may read and change a user's own data.
    pub(crate) fn may_manage(&self, owner_id: u64) -> bool {
        self.is_admin() || self.id == owner_id
    }

    /// 403 unless an admin.
    pub(crate) fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden()
                .with_message("The admin role is required for this action.")
                .with_code("ADMIN_REQUIRED"))
        }
    }
}

/// The demo's fixed tokens.
pub(crate) fn lookup(token: &str) -> Result<User, ApiError> {
    match token {
        "user-token" => Ok(User {
            id: 1,
            role: Role::User,
        }),
        "other-token" => Ok(User {
            id: 2,
            role: Role::User,
        }),
        "admin-token" => Ok(User {
            id: 0,
            role: Role::Admin,
        }),
        "expired-token" => Err(invalid_token("The access token expired")),
        _ => Err(invalid_token("The access token is invalid")),
    }
}

fn challenge() -> Challenge {
    Challenge::bearer().with_realm("api")
}

fn invalid_token(description: &str) -> ApiError {
    ApiError::unauthorized()
        .with_message(format!("{description}."))
        .with_code("INVALID_TOKEN")
        .with_challenge(
            challenge()
                .with_error(BearerError::InvalidToken)
                .with_error_description(description),
        )
}

/// The bearer token of the request, if it sent one: `Ok(None)` without
/// credentials or with another scheme, an error for a malformed `Bearer` header.
pub(crate) fn bearer_token(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let Ok(value) = value.to_str() else {
        return Err(malformed("The Authorization header must be visible ASCII"));
    };
    let mut words = value.split_ascii_whitespace();
    if !words
        .next()
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer"))
    {
        return Ok(None);
    }
    match (words.next(), words.next()) {
        (Some(token), None) => Ok(Some(token)),
        (None, _) => Err(malformed("The Bearer scheme needs a token")),
        (Some(_), Some(_)) => Err(malformed("The Bearer scheme takes exactly one token")),
    }
}

/// RFC 6750 §3.1: a malformed request is a 400 with `invalid_request`.
fn malformed(description: &str) -> ApiError {
    ApiError::bad_request(format!("{description}."))
        .with_code("INVALID_AUTHORIZATION")
        .with_challenge(
            challenge()
                .with_error(BearerError::InvalidRequest)
                .with_error_description(description),
        )
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match bearer_token(parts)? {
            None => Ok(Self::Anonymous),
            Some(token) => lookup(token).map(Self::User),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Caller::from_request_parts(parts, state).await? {
            Caller::User(user) => Ok(user),
            // RFC 6750 §3.1: no credentials, so no `error` in the challenge.
            Caller::Anonymous => Err(ApiError::unauthorized()
                .with_message("This action needs a Bearer token.")
                .with_challenge(challenge())),
        }
    }
}

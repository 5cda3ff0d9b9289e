//! A fixed-window rate limiter: `limit` requests per `window` per client, the window
//! opening at the client's first request. Every answer carries its state as
//! `X-RateLimit-*` and the IETF `RateLimit` fields; the request over the limit is a
//! 429 with `Retry-After` at the window's end.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, FromRequestParts, State},
    http::request::Parts,
};
use axum_api_error::{headers::RateLimit, ApiError, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    auth::{bearer_token, lookup},
    AppState,
};

/// Past this many clients, windows that have ended are dropped.
const MAX_CLIENTS: usize = 10_000;

#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: u64,
    window: Duration,
    clients: Mutex<HashMap<String, (Instant, u64)>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: u64, window: Duration) -> Self {
        Self {
            limit,
            window,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `key`: its rate-limit state, or the 429.
    pub(crate) fn check(&self, key: &str) -> Result<RateLimit, ApiError> {
        let now = Instant::now();
        let mut clients = self
            .clients
            .lock()
            .expect("the limiter lock is never poisoned");
        if clients.len() >= MAX_CLIENTS {
            clients.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let (start, count) = clients.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= self.window {
            (*start, *count) = (now, 0);
        }
        *count = (*count + 1).min(self.limit + 1);
        let reset_after = self.window.saturating_sub(now.duration_since(*start));
        let state = RateLimit::new(
            self.limit,
            self.limit.saturating_sub(*count),
            self.window,
            reset_after,
        );
        if *count > self.limit {
            Err(ApiError::rate_limited(reset_after)
                .with_message("Too many requests: 5 per minute are allowed. Try again later.")
                .with_rate_limit(state))
        } else {
            Ok(state)
        }
    }
}

/// The client a request counts against: its token when the token is valid, else its
/// IP address (not the port). Keying by any string sent as a token would let a
/// client escape its limit by sending a new one with each request.
pub(crate) struct ClientKey(String);

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer_token(parts)?.filter(|token| lookup(token).is_ok()) {
            return Ok(Self(format!("token:{token}")));
        }
        let ConnectInfo(addr) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(Self(format!("ip:{}", addr.ip())))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Within {
    message: &'static str,
}

/// A route limited to 5 requests a minute per client.
///
/// The client is its token, else its IP address.
#[utoipa::path(
    get,
    path = "/api/limited",
    operation_id = "limited",
    tag = "limits",
    responses(
        (
            status = 200,
            description = "Within the limit.",
            body = Within,
            headers(
                ("X-RateLimit-Limit" = u64, description = "Requests allowed in the window."),
                ("X-RateLimit-Remaining" = u64, description = "Requests left in the window."),
                ("X-RateLimit-Reset" = u64, description = "The Unix time, in seconds, at which the window ends."),
                ("RateLimit" = String, description = "draft-ietf-httpapi-ratelimit-headers-11."),
                ("RateLimit-Policy" = String, description = "draft-ietf-httpapi-ratelimit-headers-11."),
            ),
        ),
        (status = 429, description = "Over the limit: `Retry-After` says when the window ends."),
    ),
)]
pub(crate) async fn limited(
    State(state): State<AppState>,
    ClientKey(key): ClientKey,
) -> Result<(RateLimit, Json<Within>), ApiError> {
    let limit = state.limiter.check(&key)?;
    Ok((
        limit,
        Json(Within {
            message: "You are within the rate limit.",
        }),
    ))
}

//! [tower_governor](https://docs.rs/tower_governor) 0.8 (feature `tower-governor`):
//! its `GovernorError` as an [`ApiError`], and [`error_response`] for
//! `GovernorLayer::error_handler`.
//!
//! - **Too many requests**: a 429 `RATE_LIMITED` whose `Retry-After` is governor's
//!   wait plus one second. tower_governor passes the wait floored to whole seconds,
//!   so a wait of 0.9 s arrives as `0`: a client that waited that long would be
//!   refused again. The message states the same number (`Try again in 1 second.`).
//!   With `GovernorConfigBuilder::use_headers`, governor supplies its burst size,
//!   and the response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`,
//!   `X-RateLimit-Reset` and the IETF `RateLimit` field; never `RateLimit-Policy`,
//!   whose window governor does not tell.
//! - **No key could be extracted** (`UnableToExtractKey`): a 500, logged with its
//!   likely cause; with `PeerIpKeyExtractor` it means the app is not served with
//!   `into_make_service_with_connect_info::<SocketAddr>()`.
//! - **A custom extractor's `Other { code, msg, .. }`**: that status (a 500 where it is
//!   not an error status), with `msg` as the message of a 4xx and as the logged
//!   source of a 5xx.
//!
//! Without the error handler the layer still rewrites governor's own 429 text
//! (`Too Many Requests! Wait for 0s`) the same way.
//!
//! ```
//! use axum::{routing::get, Router};
//! use axum_api_error::ApiErrorLayer;
//! use tower_governor::{governor::GovernorConfigBuilder, GovernorLayer};
//!
//! let config = GovernorConfigBuilder::default()
//!     .per_second(2)
//!     .burst_size(5)
//!     .use_headers()
//!     .finish()
//!     .unwrap();
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "hello" }))
//!     .layer(GovernorLayer::new(config).error_handler(axum_api_error::governor::error_response))
//!     .layer(ApiErrorLayer::new());
//! // Served with `app.into_make_service_with_connect_info::<SocketAddr>()`: governor's
//! // default key is the peer's address.
//! ```

use axum_core::{
    body::Body,
    response::{IntoResponse, Response},
};
use tower_governor::GovernorError;

use crate::{convert::governor_rate_limited, error::ApiError};

/// The response of `error`, in the crate's shape: give it to
/// `GovernorLayer::error_handler`.
#[must_use]
pub fn error_response(error: GovernorError) -> Response<Body> {
    ApiError::from(error).into_response()
}

impl From<GovernorError> for ApiError {
    fn from(error: GovernorError) -> Self {
        match error {
            GovernorError::TooManyRequests { wait_time, headers } => {
                governor_rate_limited(wait_time, headers.as_ref())
            }
            GovernorError::UnableToExtractKey => Self::internal(
                "tower_governor could not extract the rate-limiting key (PeerIpKeyExtractor \
                 needs the app served with into_make_service_with_connect_info::<SocketAddr>())",
            ),
            GovernorError::Other { code, msg, .. } => {
                let error = Self::from_status(code);
                match msg {
                    Some(msg) if error.status().is_client_error() => error.with_message(msg),
                    Some(msg) => error.with_source(format!("tower_governor: {msg}")),
                    None => error,
                }
            }
        }
    }
}

//! Retries that honour `Retry-After` (RFC 9110 §10.2.3), for any client.
//!
//! [`RetryPolicy::run`] sends a request again while the error allows it:
//!
//! - only an error that [`is_retryable`](crate::client::ErrorResponse::is_retryable)
//!   (408, 429, 502, 503, 504, or any error with `Retry-After`), and only for an
//!   idempotent method (RFC 9110 §9.2.2: `GET`, `HEAD`, `OPTIONS`, `TRACE`, `PUT`,
//!   `DELETE`) unless [`RetryPolicy::with_any_method`] says otherwise;
//! - never before `Retry-After` (delay-seconds exactly as RFC 9110 defines it, an
//!   HTTP-date against the response's `Date`): jitter is only ever added;
//! - never longer than [`RetryPolicy::with_max_delay`] (30 s by default), jitter
//!   included: a longer `Retry-After` returns the error at once instead of
//!   blocking the caller;
//! - without `Retry-After`, after an exponential backoff (200 ms, 400 ms, ...);
//! - at most [`RetryPolicy::with_max_attempts`] attempts in all (3 by default).
//!
//! The sleep is the caller's (`tokio::time::sleep`, or a recorder in a test), so
//! this crate needs no runtime. With reqwest (feature `reqwest`), `send` is
//! `|| async { ErrorResponse::check(client.get(&url).send().await?).await }`: its
//! [`ClientError`](crate::client::ClientError) is [`Retryable`], and a transport
//! error is returned without a retry.
//!
//! ```
//! use std::{cell::RefCell, time::Duration};
//! use api_error_wire::{client::ErrorResponse, retry::RetryPolicy};
//! # futures_executor_block_on(async {
//!
//! let limited = || {
//!     let res = http::Response::builder().status(429).header("retry-after", "2").body("").unwrap();
//!     ErrorResponse::from_response(&res)
//! };
//! let attempts = RefCell::new(0);
//! let slept = RefCell::new(Vec::new());
//! let result: Result<&str, _> = RetryPolicy::new()
//!     .with_jitter(Duration::ZERO)
//!     .run(
//!         &http::Method::GET,
//!         || async {
//!             *attempts.borrow_mut() += 1;
//!             if *attempts.borrow() < 3 { Err(limited()) } else { Ok("done") }
//!         },
//!         |delay| {
//!             slept.borrow_mut().push(delay);
//!             async {}
//!         },
//!     )
//!     .await;
//! assert_eq!(result.unwrap(), "done");
//! assert_eq!(*slept.borrow(), [Duration::from_secs(2), Duration::from_secs(2)]);
//! # });
//! # fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let waker = std::task::Waker::noop();
//! #     let mut cx = std::task::Context::from_waker(&waker);
//! #     let mut f = std::pin::pin!(f);
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//! ```

use std::{
    collections::hash_map::RandomState,
    future::Future,
    hash::{BuildHasher, Hasher},
    time::Duration,
};

use http::Method;

use crate::client::ErrorResponse;

/// When and how often to send a request again (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    max_delay: Duration,
    jitter: Duration,
    backoff: Duration,
    any_method: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`RetryPolicy::decide`] says of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Wait this long (jitter not included), then send again.
    Retry(Duration),
    /// The error is not one a retry can cure.
    NotRetryable,
    /// The method is not idempotent, and the policy retries only idempotent ones.
    NotIdempotent,
    /// The attempts are spent.
    AttemptsSpent,
    /// The server asks for a longer wait than the policy's cap: the error is
    /// returned at once.
    WaitTooLong(Duration),
}

impl RetryPolicy {
    /// 3 attempts, waits capped at 30 s, up to 250 ms of jitter, a 200 ms backoff
    /// where the server names no wait, idempotent methods only.
    pub const fn new() -> Self {
        Self {
            max_attempts: 3,
            max_delay: Duration::from_secs(30),
            jitter: Duration::from_millis(250),
            backoff: Duration::from_millis(200),
            any_method: false,
        }
    }

    /// How many attempts in all, the first included (at least one).
    pub const fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// The longest wait the policy accepts; a longer `Retry-After` ends the retries.
    pub const fn with_max_delay(mut self, max: Duration) -> Self {
        self.max_delay = max;
        self
    }

    /// The most that is added, at random, to each wait (never taken off it).
    pub const fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// The first wait where the server names none; it doubles with each attempt.
    pub const fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// Whether a request of a method that is not idempotent (`POST`, `PATCH`) is
    /// retried too: only where the server dedupes it (an idempotency key).
    pub const fn with_any_method(mut self, on: bool) -> Self {
        self.any_method = on;
        self
    }

    /// What to do after attempt number `attempt` (from 1) of `method` failed with
    /// `error`.
    #[must_use]
    pub fn decide(&self, method: &Method, error: &ErrorResponse, attempt: u32) -> Decision {
        if !error.is_retryable() {
            return Decision::NotRetryable;
        }
        if !self.any_method && !is_idempotent(method) {
            return Decision::NotIdempotent;
        }
        if attempt >= self.max_attempts {
            return Decision::AttemptsSpent;
        }
        let wait = error.retry_delay().unwrap_or_else(|| {
            let doublings = attempt.saturating_sub(1).min(16);
            self.backoff
                .saturating_mul(1 << doublings)
                .min(self.max_delay)
        });
        if wait > self.max_delay {
            return Decision::WaitTooLong(wait);
        }
        Decision::Retry(wait)
    }

    /// Runs `send` until it succeeds or [`decide`](Self::decide) says stop, waiting
    /// with `sleep` in between: the last result.
    ///
    /// # Errors
    ///
    /// The last attempt's error.
    pub async fn run<T, E, F, Fut, S, SFut>(
        &self,
        method: &Method,
        mut send: F,
        mut sleep: S,
    ) -> Result<T, E>
    where
        E: Retryable,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        S: FnMut(Duration) -> SFut,
        SFut: Future<Output = ()>,
    {
        let mut attempt = 1;
        loop {
            let error = match send().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(response) = error.error_response() else {
                return Err(error);
            };
            match self.decide(method, response, attempt) {
                // Never past the cap, never before the server's wait.
                Decision::Retry(wait) => {
                    let jittered = wait.saturating_add(self.jitter_sample());
                    sleep(jittered.min(self.max_delay).max(wait)).await;
                }
                _ => return Err(error),
            }
            attempt += 1;
        }
    }

    /// A random extra wait in `[0, jitter)`.
    fn jitter_sample(&self) -> Duration {
        if self.jitter.is_zero() {
            return Duration::ZERO;
        }
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x9e37_79b9_7f4a_7c15);
        let fraction = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
        self.jitter.mul_f64(fraction)
    }
}

/// RFC 9110 §9.2.2.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// An error [`RetryPolicy::run`] can look into: the server's answer, if there was
/// one (a transport error has none, and is returned without a retry).
pub trait Retryable {
    /// The server's error response, if the error is one.
    fn error_response(&self) -> Option<&ErrorResponse>;
}

impl Retryable for ErrorResponse {
    fn error_response(&self) -> Option<&ErrorResponse> {
        Some(self)
    }
}

#[cfg(feature = "reqwest")]
impl Retryable for crate::client::ClientError {
    fn error_response(&self) -> Option<&ErrorResponse> {
        match self {
            Self::Api(e) => Some(e.as_ref()),
            Self::Transport(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;

    fn error(status: u16, retry_after: Option<&str>) -> ErrorResponse {
        let mut headers = http::HeaderMap::new();
        if let Some(v) = retry_after {
            headers.insert("retry-after", v.parse().unwrap());
        }
        ErrorResponse::from_parts(StatusCode::from_u16(status).unwrap(), &headers, b"")
    }

    #[test]
    fn the_decision_follows_the_rules() {
        let policy = RetryPolicy::new();
        let get = Method::GET;
        assert_eq!(
            policy.decide(&get, &error(404, None), 1),
            Decision::NotRetryable
        );
        assert_eq!(
            policy.decide(&get, &error(500, None), 1),
            Decision::NotRetryable
        );
        assert_eq!(
            policy.decide(&Method::POST, &error(503, Some("1")), 1),
            Decision::NotIdempotent
        );
        assert_eq!(
            policy
                .with_any_method(true)
                .decide(&Method::POST, &error(503, Some("1")), 1),
            Decision::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            policy.decide(&get, &error(429, Some("31")), 1),
            Decision::WaitTooLong(Duration::from_secs(31))
        );
        assert_eq!(
            policy.decide(&get, &error(429, Some("30")), 1),
            Decision::Retry(Duration::from_secs(30))
        );
        assert_eq!(
            policy.decide(&get, &error(429, Some("1")), 3),
            Decision::AttemptsSpent
        );
        // No Retry-After: the backoff, doubling.
        assert_eq!(
            policy.decide(&get, &error(502, None), 1),
            Decision::Retry(Duration::from_millis(200))
        );
        assert_eq!(
            policy.decide(&get, &error(502, None), 2),
            Decision::Retry(Duration::from_millis(400))
        );
        // A 413 that names a wait may be retried; a 404 that names one may not.
        assert_eq!(
            policy.decide(&get, &error(404, Some("5")), 1),
            Decision::NotRetryable
        );
        assert_eq!(
            policy.decide(&Method::PUT, &error(413, Some("5")), 1),
            Decision::Retry(Duration::from_secs(5))
        );
        // An invalid Retry-After is no Retry-After.
        assert_eq!(
            policy.decide(&get, &error(503, Some("5.0")), 1),
            Decision::Retry(Duration::from_millis(200))
        );
    }

    #[test]
    fn jitter_only_adds_and_varies() {
        let policy = RetryPolicy::new().with_jitter(Duration::from_millis(100));
        let samples: std::collections::BTreeSet<Duration> =
            (0..1000).map(|_| policy.jitter_sample()).collect();
        assert!(samples.iter().all(|s| *s < Duration::from_millis(100)));
        assert!(samples.len() > 900, "{} distinct of 1000", samples.len());
    }
}

//! The other end of the wire: the example's errors read by a reqwest 0.13 client
//! into `api_error_wire::client::ErrorResponse`, and retried by
//! `api_error_wire::retry::RetryPolicy` with a sleep that records what it is asked
//! to wait, so that no test waits.

use std::{sync::Mutex, time::Duration};

use api_error_wire::{
    client::{ClientError, ErrorResponse},
    retry::RetryPolicy,
    FieldError,
};
use reqwest::Method;
use serde_json::json;

use crate::{start, USER};

/// A sleep that only records the waits it is asked for.
#[derive(Default)]
struct Recorder(Mutex<Vec<Duration>>);

impl Recorder {
    fn sleep(&self) -> impl FnMut(Duration) -> std::future::Ready<()> + '_ {
        |wait| {
            self.0.lock().unwrap().push(wait);
            std::future::ready(())
        }
    }

    fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_422_is_read_into_its_typed_fields() {
    let s = start().await;
    let res = s
        .client
        .post(s.url("/api/users"))
        .header("authorization", USER)
        .json(&json!({"name": "", "email": "ok@example.com"}))
        .send()
        .await
        .unwrap();
    let Err(ClientError::Api(err)) = ErrorResponse::check(res).await else {
        panic!("a 422 is an error");
    };
    assert_eq!(err.status(), 422);
    assert_eq!(err.code(), "VALIDATION_FAILED");
    assert_eq!(err.message(), "The request contains invalid fields.");
    assert_eq!(
        err.details(),
        [FieldError::new("name", "Must not be empty.", "REQUIRED")]
    );
    assert!(err.request_id().is_some_and(testkit::oracle::is_uuid));
    assert!(err.trace_id().is_some_and(testkit::oracle::is_trace_id));
    assert!(!err.is_retryable());
    assert!(err.extensions().is_empty());
    // The same in the problem format.
    let res = s
        .client
        .get(s.url("/api/users/999"))
        .header("accept", "application/problem+json")
        .send()
        .await
        .unwrap();
    let err = ErrorResponse::from_reqwest(res).await.unwrap();
    assert_eq!(
        (err.code(), err.message()),
        ("NOT_FOUND", "The requested resource was not found.")
    );
    // A success passes through.
    let res = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(ErrorResponse::check(res).await.unwrap().status(), 200);
}

async fn get(s: &testkit::server::Server, path: &str) -> Result<reqwest::Response, ClientError> {
    ErrorResponse::check(s.client.get(s.url(path)).send().await?).await
}

#[tokio::test]
async fn the_dependency_is_retried_after_its_retry_after_and_then_given_up() {
    let s = start().await;
    let recorder = Recorder::default();
    let attempts = Mutex::new(0);
    let result = RetryPolicy::new()
        .with_jitter(Duration::ZERO)
        .run(
            &Method::GET,
            || {
                *attempts.lock().unwrap() += 1;
                get(&s, "/api/dependency")
            },
            recorder.sleep(),
        )
        .await;
    let Err(ClientError::Api(err)) = result else {
        panic!("still down");
    };
    assert_eq!(err.code(), "DEPENDENCY_UNAVAILABLE");
    assert_eq!(*attempts.lock().unwrap(), 3);
    // Retry-After: 30, within the default cap of 30 s: waited before each retry.
    assert_eq!(recorder.waits(), [Duration::from_secs(30); 2]);
}

#[tokio::test]
async fn a_wait_over_the_cap_returns_the_error_at_once() {
    let s = start().await;
    let recorder = Recorder::default();
    // Retry-After: 300 > 30 s.
    let result = RetryPolicy::new()
        .run(
            &Method::GET,
            || get(&s, "/api/maintenance"),
            recorder.sleep(),
        )
        .await;
    let Err(ClientError::Api(err)) = result else {
        panic!("down for maintenance");
    };
    assert_eq!(err.retry_delay(), Some(Duration::from_secs(300)));
    assert_eq!(recorder.waits(), []);
    // With a cap that allows it, the wait is exactly the server's, jitter on top.
    let recorder = Recorder::default();
    let jitter = Duration::from_millis(250);
    let _ = RetryPolicy::new()
        .with_max_delay(Duration::from_secs(600))
        .with_max_attempts(2)
        .with_jitter(jitter)
        .run(
            &Method::GET,
            || get(&s, "/api/maintenance"),
            recorder.sleep(),
        )
        .await;
    let waits = recorder.waits();
    assert_eq!(waits.len(), 1);
    let server = Duration::from_secs(300);
    assert!(
        waits[0] >= server && waits[0] <= server + jitter,
        "{waits:?}"
    );
}

#[tokio::test]
async fn the_rate_limit_is_waited_out_for_its_window() {
    let s = start().await;
    for _ in 0..5 {
        get(&s, "/api/limited").await.unwrap();
    }
    let recorder = Recorder::default();
    let result = RetryPolicy::new()
        .with_max_delay(Duration::from_secs(120))
        .with_max_attempts(2)
        .with_jitter(Duration::ZERO)
        .run(&Method::GET, || get(&s, "/api/limited"), recorder.sleep())
        .await;
    let Err(ClientError::Api(err)) = result else {
        panic!("the recorder does not wait, so the window is still closed");
    };
    assert_eq!(err.code(), "RATE_LIMITED");
    let waits = recorder.waits();
    assert_eq!(waits.len(), 1);
    // The first 429's Retry-After: what is left of the 60 s window, whole seconds.
    assert!(
        (Duration::from_secs(58)..=Duration::from_secs(60)).contains(&waits[0]),
        "{waits:?}"
    );
    // By default (30 s cap) the same 429 is returned at once.
    let recorder = Recorder::default();
    let result = RetryPolicy::new()
        .run(&Method::GET, || get(&s, "/api/limited"), recorder.sleep())
        .await;
    assert!(result.is_err());
    assert_eq!(recorder.waits(), []);
}

#[tokio::test]
async fn a_post_is_not_retried_unless_told() {
    let s = start().await;
    for (any_method, expected) in [(false, 1), (true, 3)] {
        let recorder = Recorder::default();
        let attempts = Mutex::new(0);
        let _ = RetryPolicy::new()
            .with_jitter(Duration::ZERO)
            .with_any_method(any_method)
            .run(
                &Method::POST,
                || {
                    *attempts.lock().unwrap() += 1;
                    get(&s, "/api/dependency")
                },
                recorder.sleep(),
            )
            .await;
        // The 503 is retryable; the method decides.
        assert_eq!(
            *attempts.lock().unwrap(),
            expected,
            "any_method {any_method}"
        );
    }
}

//! A panicking handler, and a service whose `call` panics: a 500, and the service
//! keeps serving.

use std::{
    convert::Infallible,
    future::{ready, Ready},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    task::{Context, Poll},
};

use axum::{
    body::Body,
    http::{Request, Response, StatusCode},
};
use axum_api_error::ApiErrorLayer;
use serde_json::json;
use tower::{Layer, Service, ServiceExt};

use crate::{
    apps::panic_app,
    support::{assert_generated, get_req, send, Sent, PLACEMENTS},
};

#[tokio::test]
async fn panicking_handler_is_a_500() {
    let layer = ApiErrorLayer::new();
    for placement in PLACEMENTS {
        let app = panic_app();
        let sent = send(placement, app.clone(), &layer, get_req("/panic")).await;
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET-PANIC-TEXT"));
        assert!(!sent.text().contains("panicked"));
        // The same app keeps serving.
        let next = send(placement, app, &layer, get_req("/ok")).await;
        next.assert_status(StatusCode::OK);
        assert_eq!(next.text(), "ok");
    }
}

/// A service whose `call` itself panics for `/boom`.
#[derive(Debug, Clone, Default)]
struct PanicInCall {
    calls: Arc<AtomicUsize>,
}

impl Service<Request<Body>> for PanicInCall {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if req.uri().path() == "/boom" {
            panic!("SECRET-PANIC-TEXT in call");
        }
        ready(Ok(Response::new(Body::from("served"))))
    }
}

#[tokio::test]
async fn panic_in_call_is_a_500_and_the_service_keeps_serving() {
    let inner = PanicInCall::default();
    let calls = Arc::clone(&inner.calls);
    let mut svc = ApiErrorLayer::new().layer(inner);

    for _ in 0..2 {
        let res = svc
            .ready()
            .await
            .unwrap()
            .call(get_req("/boom"))
            .await
            .unwrap();
        let sent = Sent::read(res, None).await;
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET-PANIC-TEXT"));

        let res = svc
            .ready()
            .await
            .unwrap()
            .call(get_req("/fine"))
            .await
            .unwrap();
        let sent = Sent::read(res, None).await;
        sent.assert_status(StatusCode::OK);
        let id = sent.id();
        sent.assert_headers(&[("x-request-id", id.as_str())]);
        assert_eq!(sent.text(), "served");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

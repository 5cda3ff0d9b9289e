//! The driver every benchmark shares, axum's version aside: it needs only `http`,
//! `http-body` and `tower-service`, so that the rival's bench crate (`rival/`, on
//! axum 0.7) runs its cases exactly as the crate's own run theirs.

use std::{
    convert::Infallible,
    future::Future,
    pin::pin,
    task::{Context, Poll, Waker},
};

use http::{HeaderName, HeaderValue, Method, Request, Response, Uri};
use http_body::Body;
use tower_service::Service;

/// One request through `svc`, polled once: every case here completes without
/// waiting, so no runtime is needed and none is measured.
pub fn call<S, Req, B>(svc: &mut S, req: Request<Req>) -> Response<B>
where
    S: Service<Request<Req>, Response = Response<B>, Error = Infallible>,
{
    let future = pin!(svc.call(req));
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(value)) => value,
        Poll::Ready(Err(never)) => match never {},
        Poll::Pending => panic!("the benchmarked request did not complete in one poll"),
    }
}

/// The length of a body that is ready at once, read to its end as a server would.
pub fn collect<B: Body>(body: B) -> usize {
    let mut body = pin!(body);
    let mut cx = Context::from_waker(Waker::noop());
    let mut len = 0;
    loop {
        match body.as_mut().poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => {
                len += frame.data_ref().map_or(0, bytes::Buf::remaining);
            }
            Poll::Ready(None) => return len,
            Poll::Ready(Some(Err(_))) => panic!("the body failed"),
            Poll::Pending => panic!("the body was not ready at once"),
        }
    }
}

/// The request headers a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// None at all.
    None,
    /// `host`, `user-agent` and `accept`, as a typical client sends them.
    Typical,
}

/// What every benchmark binary is given: `CASE N [--no-headers] [--subscriber]`.
pub struct Args {
    /// The case to run.
    pub case: String,
    /// How many requests.
    pub n: usize,
    /// The request headers.
    pub headers: Headers,
}

impl Args {
    /// The arguments of the process; with `--subscriber`, a `tracing` fmt subscriber
    /// at INFO is installed, writing into nothing (the formatting is counted, the
    /// write is not), as production runs with one.
    pub fn parse() -> Self {
        let mut args = std::env::args().skip(1);
        let case = args.next().unwrap_or_default();
        let n = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
        let flags: Vec<String> = args.collect();
        if flags.iter().any(|a| a == "--subscriber") {
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::INFO)
                .with_ansi(false)
                .with_writer(std::io::sink)
                .init();
        }
        let headers = if flags.iter().any(|a| a == "--no-headers") {
            Headers::None
        } else {
            Headers::Typical
        };
        Self { case, n, headers }
    }
}

/// `n` requests made by `make` through `svc`, each answered in one poll and its body
/// read to its end.
pub fn run<S, Req, B>(n: usize, mut svc: S, make: impl Fn() -> Request<Req>)
where
    S: Service<Request<Req>, Response = Response<B>, Error = Infallible>,
    B: Body,
{
    for _ in 0..n {
        std::hint::black_box(collect(call(&mut svc, make()).into_body()));
    }
}

/// The routes both benchmark crates serve, written once for two axum versions:
/// `Router`, `get`, `post`, `Json`, `StatusCode` and `Value` are whichever the caller
/// has in scope (axum 0.8's here, 0.7's in `rival/`). `$path => $handler` is the
/// route of each crate's own 422.
macro_rules! bench_routes {
    ($path:literal => $handler:expr) => {
        Router::new()
            .route("/", get(|| async { "ok" }))
            .route("/json", post(|Json(v): Json<Value>| async move { Json(v) }))
            .route(
                "/invalid-hand-written",
                get(|| async {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Json(harness::invalid_fields_body()),
                    )
                }),
            )
            .route($path, get($handler))
    };
}

/// The body of the hand-written 422 both benchmark crates serve: two field errors,
/// in the shape `ApiError` sends them.
pub fn invalid_fields_body() -> serde_json::Value {
    serde_json::json!({
        "error": "Unprocessable Content",
        "message": "The request contains invalid fields.",
        "code": "VALIDATION_FAILED",
        "details": [
            {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
            {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
        ],
    })
}

/// The two field errors of [`invalid_fields_body`], alone (a literal of their own:
/// `json!` copies a `Value` it is given by serialising it again).
pub fn invalid_fields() -> serde_json::Value {
    serde_json::json!([
        {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
        {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
    ])
}

/// A request whose URI and header values are static, as hyper's are shared slices of
/// its read buffer: cloning them costs no allocation, here as on a real connection.
pub fn request<B>(
    headers: Headers,
    method: Method,
    uri: &'static str,
    body: B,
    extra: &[(&'static str, &'static str)],
) -> Request<B> {
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = Uri::from_static(uri);
    let typical: &[(&'static str, &'static str)] = match headers {
        Headers::None => &[],
        Headers::Typical => &[
            ("host", "127.0.0.1:3000"),
            ("user-agent", "bench/1.0"),
            ("accept", "*/*"),
        ],
    };
    let map = req.headers_mut();
    for (name, value) in typical.iter().chain(extra) {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

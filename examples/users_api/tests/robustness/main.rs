//! Robustness tests over real HTTP on 127.0.0.1.
//!
//! First, hostile requests end to end against the `users_api` example: request ids of
//! 10 KB, with CR, LF or NUL, with bytes that are not UTF-8; `Accept` headers of 8 KB
//! with 1,000 media ranges; oversized header sections; bodies that lie about their
//! `Content-Length`; 100 MB bodies, announced or streamed; JSON nested 100,000 levels
//! deep, and 30,000 levels inside a body under the limit. Each must get a clear 4xx
//! (an over-limit `Content-Length` a 413 before the body is read, a stalled body a 408
//! from the body timeout, which is shorter than the handler's), never a 5xx or a
//! crash; and after each one a normal `GET /healthz` must still be 200. Requests that
//! hyper rejects before routing (CR/LF/NUL in a header, broken framing, an oversized
//! header section) get its bare 400/431, which the contract exempts.
//!
//! Then faults, in small routers behind `ApiErrorLayer` served with `axum::serve`: a
//! panic in the service's `call` and in its future (a 500 with the error body, logged
//! with the request id); a response body that fails or panics mid-stream (the
//! connection is cut after the first chunk, nothing secret is sent); an error body
//! that fails or panics while the layer reads it; clients that disconnect halfway
//! through a request or while the handler runs. The next request is always served.
//!
//! Header bytes that the `http` crate refuses to build (CR, LF, NUL) and bodies that
//! lie about their length go over a raw, blocking `std::net::TcpStream` on a blocking
//! thread, with read and write timeouts and a 10 s deadline per exchange.

#[allow(dead_code)]
#[path = "../../app/mod.rs"]
mod app;

mod bodies;
mod faults;
mod nested_json;
mod other_headers;
mod request_ids;

use serde_json::json;
use testkit::server::{serve, Server};

/// The `Authorization` of an ordinary user of the users_api.
const USER: &str = "Bearer user-token";

/// The users_api app on a free port of 127.0.0.1; it runs until the test's runtime ends.
async fn start() -> Server {
    serve(|listener| app::serve(listener, app::no_origins(), std::future::pending())).await
}

/// A normal `GET /healthz` is still `200 {"status":"ok"}`.
async fn assert_healthy(s: &Server) {
    let res = s.get("/healthz").await;
    assert_eq!(res.status, 200, "healthz after a hostile request: {res:?}");
    assert_eq!(res.json(), json!({"status": "ok"}));
}

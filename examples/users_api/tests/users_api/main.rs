//! End-to-end tests of the `users_api` example against its contract
//! (`examples/users_api/CONTRACT.md`): every test starts the app on its own port of
//! 127.0.0.1 and talks to it over real HTTP, with `reqwest` or, where the bytes on the
//! wire matter (a body shorter than its `Content-Length`, a chunked body, `HEAD`), a
//! raw `TcpStream`. One test runs the compiled example binary as a process.
//!
//! Each test checks the status, the headers that matter and the whole JSON body. The
//! random request id is read from the `x-request-id` header and the `createdAt`
//! timestamps from the response, then put into the expected body.
//!
//! The generic plumbing (a server on a free port, a reqwest client, whole responses,
//! raw HTTP/1.1 connections) is `testkit`'s; what is specific to this app is here.

#[allow(dead_code)]
#[path = "../../app/mod.rs"]
mod app;

/// Start, shutdown: the example binary as a process, graceful shutdown.
mod lifecycle;

/// Authentication: challenges, bad tokens, the admin role.
mod auth;

/// `GET /api/users`: paging, filtering, bad parameters.
mod list_users;

/// `POST /api/users`: authentication first, body errors, limits, 201.
mod create_user;

/// `GET`, `PUT`, `DELETE /api/users/{id}` and `GET /api/users/{id}/private`.
mod user_by_id;

/// `GET /api/limited`, `POST /api/uploads`, `POST /api/reports`.
mod other_routes;

/// 405 and unknown routes, 5xx, and what every response has.
mod cross_cutting;

/// `GET /openapi.json`: every route, two operations whole.
mod openapi;

/// The main errors over HTTP/1.1 and HTTP/2 cleartext.
mod http2;

/// A reqwest client's typed errors and retries (`api_error_wire::client`, `retry`).
mod client;

/// The conformance kit (`axum_api_error::testing`) over the whole example.
mod conformance;

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    time::{Duration, SystemTime},
};

use serde_json::{json, Value};
use testkit::{
    raw::{exchange, RawResponse, Then},
    server::Server,
};

const USER: &str = "Bearer user-token";
const OTHER: &str = "Bearer other-token";
const ADMIN: &str = "Bearer admin-token";
const EXPIRED: &str = "Bearer expired-token";
const PROBLEM: &str = "application/problem+json";
const BARE_CHALLENGE: &str = r#"Bearer realm="api""#;

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// Starts the app on a free port of 127.0.0.1; it runs until the test's runtime ends.
async fn start() -> Server {
    testkit::server::serve(|listener| {
        app::serve(listener, app::no_origins(), std::future::pending())
    })
    .await
}

/// A set of strings, for comparisons.
fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A user's `createdAt`: an RFC 3339 time of the last ten minutes.
fn created_at(user: &Value) -> String {
    let at = user["createdAt"]
        .as_str()
        .unwrap_or_else(|| panic!("no createdAt in {user}"));
    let time = humantime::parse_rfc3339(at).unwrap_or_else(|e| panic!("{at}: {e}"));
    let age = SystemTime::now().duration_since(time).unwrap_or_default();
    assert!(age < Duration::from_secs(600), "createdAt {at} is old");
    at.to_owned()
}

/// The body of an Ada/Grace user as the API shows it.
fn user(id: u64, name: &str, email: &str, created: &str) -> Value {
    json!({"id": id, "name": name, "email": email, "createdAt": created})
}

/// Sends `head` and then `parts` on a fresh connection (which is not half-closed
/// before the response has ended), and reads the one response until the server
/// closes the connection (giving up after [`testkit::raw::DEADLINE`]). Returns it and
/// the time from connecting to its end.
async fn raw(addr: SocketAddr, head: &str, parts: Vec<Vec<u8>>) -> (RawResponse, Duration) {
    let mut all = vec![head.as_bytes().to_vec()];
    all.extend(parts);
    let mut exchange = exchange(addr, all, Then::Wait, usize::MAX).await;
    exchange.only();
    (exchange.responses.remove(0), exchange.elapsed)
}

/// The status line of a raw response.
fn status_line(res: &RawResponse) -> &str {
    res.head.split("\r\n").next().unwrap_or_default()
}

/// The body of a 413.
fn too_large(id: &str) -> Value {
    json!({
        "error": "Content Too Large",
        "message": "The request content is too large.",
        "code": "PAYLOAD_TOO_LARGE",
        "requestId": id,
    })
}

/// A 413 read off the wire, with the headers of every error and the whole body.
fn assert_raw_413(res: &RawResponse) {
    assert_eq!(
        status_line(res),
        "HTTP/1.1 413 Content Too Large",
        "{res:?}"
    );
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!(res
        .header("vary")
        .is_some_and(|v| v.to_ascii_lowercase().contains("accept")));
    let id = res.header("x-request-id").unwrap().to_owned();
    assert_eq!(res.json(), too_large(&id));
}

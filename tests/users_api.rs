//! End-to-end tests of the `users_api` example against its contract
//! (`demo-contract.md`): every test starts the app on its own port of 127.0.0.1 and
//! talks to it over real HTTP, with `reqwest` or, where the bytes on the wire matter
//! (a body shorter than its `Content-Length`, a chunked body, `HEAD`), a raw
//! `TcpStream`. One test runs the compiled example binary as a process.
//!
//! Each test checks the status, the headers that matter and the whole JSON body. The
//! random request id is read from the `x-request-id` header and the `createdAt`
//! timestamps from the response, then put into the expected body.

#[allow(dead_code)]
#[path = "../examples/users_api/app/mod.rs"]
mod app;

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader, Read, Write},
    net::SocketAddr,
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use reqwest::{header::HeaderMap, Method, RequestBuilder};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = "Bearer user-token";
const OTHER: &str = "Bearer other-token";
const ADMIN: &str = "Bearer admin-token";
const EXPIRED: &str = "Bearer expired-token";
const PROBLEM: &str = "application/problem+json";
const BARE_CHALLENGE: &str = r#"Bearer realm="api""#;

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// A running app on its own port.
struct Server {
    addr: SocketAddr,
    client: reqwest::Client,
}

/// Starts the app on a free port of 127.0.0.1; it runs until the test's runtime ends.
async fn start() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(app::serve(listener, std::future::pending()));
    Server {
        addr,
        client: client(),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    async fn get(&self, path: &str) -> Res {
        send(self.req(Method::GET, path)).await
    }

    async fn get_as(&self, path: &str, auth: &str) -> Res {
        send(self.req(Method::GET, path).header("authorization", auth)).await
    }

    /// A JSON body sent with `Content-Type: application/json`.
    async fn send_json(&self, method: Method, path: &str, auth: &str, body: &Value) -> Res {
        send(
            self.req(method, path)
                .header("authorization", auth)
                .json(body),
        )
        .await
    }
}

/// A response read to the end.
#[derive(Debug)]
struct Res {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

async fn send(request: RequestBuilder) -> Res {
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.unwrap().to_vec();
    Res {
        status,
        headers,
        body,
    }
}

impl Res {
    /// The one value of header `name`: fails when it is missing or repeated.
    fn header(&self, name: &str) -> &str {
        let values: Vec<_> = self.headers.get_all(name).iter().collect();
        assert_eq!(
            values.len(),
            1,
            "header {name}: {values:?} in {:?} (body {})",
            self.headers,
            self.text()
        );
        values[0].to_str().unwrap()
    }

    fn has(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    fn request_id(&self) -> String {
        self.header("x-request-id").to_owned()
    }

    fn header_names(&self) -> BTreeSet<String> {
        self.headers.keys().map(|k| k.as_str().to_owned()).collect()
    }

    /// Asserts the status, showing the body when it differs.
    fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "headers {:?}, body {}",
            self.headers,
            self.text()
        );
        assert!(
            self.has("x-request-id"),
            "no x-request-id: {:?}",
            self.headers
        );
        self
    }

    /// A success: the status, and an explicit `Cache-Control` equal to `cache`.
    fn expect_ok(&self, status: u16, cache: &str) -> &Self {
        self.expect(status);
        assert_eq!(self.header("cache-control"), cache);
        self
    }

    /// An error with the JSON body: the status and the headers every error carries.
    fn expect_error(&self, status: u16) -> &Self {
        self.expect_error_as(status, "application/json")
    }

    /// An error in `content_type` (`application/json` or `application/problem+json`).
    fn expect_error_as(&self, status: u16, content_type: &str) -> &Self {
        self.expect(status);
        assert_eq!(self.header("content-type"), content_type);
        assert_eq!(self.header("cache-control"), "no-store");
        assert!(
            self.headers.get_all("vary").iter().any(|v| v
                .to_str()
                .unwrap()
                .split(',')
                .any(|n| n.trim().eq_ignore_ascii_case("accept"))),
            "no Vary: Accept in {:?}",
            self.headers
        );
        let body = self.json();
        assert_eq!(body["requestId"], self.request_id());
        self
    }

    fn allow(&self) -> BTreeSet<String> {
        self.header("allow")
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect()
    }
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

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Whether `id` looks like a fresh id of the app: a lower-case hyphenated UUID.
fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// A response read from a raw connection.
#[derive(Debug)]
struct Raw {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// From connecting to the end of the response.
    elapsed: Duration,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends `head` and then `parts` on a fresh connection (which is not half-closed
/// before the response has ended), and reads the response until the server closes
/// the connection: give up after 10 s. Blocking I/O, on a thread of its own.
async fn raw(addr: SocketAddr, head: &str, parts: Vec<Vec<u8>>) -> Raw {
    let head = head.as_bytes().to_vec();
    tokio::task::spawn_blocking(move || raw_blocking(addr, head, parts))
        .await
        .unwrap()
}

fn raw_blocking(addr: SocketAddr, head: Vec<u8>, parts: Vec<Vec<u8>>) -> Raw {
    let started = Instant::now();
    let mut reader = std::net::TcpStream::connect(addr).unwrap();
    let mut writer = reader.try_clone().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let writing = std::thread::spawn(move || {
        if writer.write_all(&head).is_ok() {
            for part in parts {
                if writer.write_all(&part).is_err() {
                    break;
                }
            }
        }
        let _ = writer.flush();
        // Returned, so that the socket stays open until the response has been read.
        writer
    });
    reader
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = started + Duration::from_secs(10);
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                assert!(
                    Instant::now() < deadline,
                    "no end of response within 10 s: {:?}",
                    String::from_utf8_lossy(&buf)
                );
            }
            // The server closed with request bytes still unread in its buffer.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the response: {e}"),
        }
    }
    let elapsed = started.elapsed();
    let _writer = writing.join().unwrap();
    parse_raw(&buf, elapsed)
}

fn parse_raw(buf: &[u8], elapsed: Duration) -> Raw {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(buf)));
    let head = std::str::from_utf8(&buf[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let rest = &buf[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Raw {
        status_line,
        headers,
        body,
        elapsed,
    }
}

/// Decodes a chunked body (each step consumes input, so the loop ends).
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size_text = std::str::from_utf8(&rest[..eol]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        let data = &rest[eol + 2..];
        body.extend_from_slice(&data[..size]);
        rest = &data[size + 2..];
    }
    body
}

/// `n` bytes of `b'x'` as chunks of at most `chunk` bytes, chunked-encoded, with the
/// last chunk.
fn chunked(n: usize, chunk: usize) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let mut left = n;
    while left > 0 {
        let size = left.min(chunk);
        let mut part = format!("{size:x}\r\n").into_bytes();
        part.extend(std::iter::repeat_n(b'x', size));
        part.extend_from_slice(b"\r\n");
        parts.push(part);
        left -= size;
    }
    parts.push(b"0\r\n\r\n".to_vec());
    parts
}

/// The body of an Ada/Grace user as the API shows it.
fn user(id: u64, name: &str, email: &str, created: &str) -> Value {
    json!({"id": id, "name": name, "email": email, "createdAt": created})
}

// ---------------------------------------------------------------------------------
// Start, shutdown
// ---------------------------------------------------------------------------------

/// The example binary, `target/debug/examples/users_api` beside this test binary.
/// `cargo test` builds the examples only when no target is selected, so it is built
/// here too: `cargo build --example` is cheap when it is up to date, and makes
/// `cargo test --test users_api` run the current sources.
fn example_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/users_api-<hash> -> target/debug/examples/users_api
    let debug = exe.parent().unwrap().parent().unwrap();
    let binary = debug
        .join("examples")
        .join(format!("users_api{}", std::env::consts::EXE_SUFFIX));
    let mut features = Vec::new();
    if cfg!(feature = "tower") {
        features.push("tower");
    }
    if cfg!(feature = "tower-http") {
        features.push("tower-http");
    }
    // Into the same target directory and profile as this test binary.
    let target_dir = debug.parent().unwrap();
    let profile = debug.file_name().unwrap().to_str().unwrap();
    let profile = if profile == "debug" { "dev" } else { profile };
    let mut build = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--example", "users_api"])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--profile", profile])
        .arg("--no-default-features")
        .args(if features.is_empty() {
            Vec::new()
        } else {
            vec!["--features".to_owned(), features.join(",")]
        })
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(540);
    let status = loop {
        if let Some(status) = build.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = build.kill();
            panic!("cargo build --example users_api took over 540 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "cargo build --example users_api: {status}"
    );
    assert!(binary.exists(), "{} is missing", binary.display());
    binary
}

/// Lines of a child's output, read by a thread.
fn lines_of(pipe: impl std::io::Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_starts_on_port_logs_a_panic_and_exits_0_on_sigterm() {
    let binary = tokio::task::spawn_blocking(example_binary).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(&binary)
        .env("PORT", port.to_string())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    lines_of(child.stdout.take().unwrap(), tx.clone());
    lines_of(child.stderr.take().unwrap(), tx);
    let url = format!("http://127.0.0.1:{port}");

    // The start-up line with the URL, then the curl commands.
    let mut output: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let startup = format!("users_api listening on {url}");
    while !output.iter().any(|l| l.trim() == startup) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => output.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no start-up line `{startup}` within 30 s: {output:#?}");
            }
        }
    }
    // The curl commands follow at once.
    let curl_deadline = Instant::now() + Duration::from_secs(5);
    while output
        .iter()
        .filter(|l| l.trim().starts_with("curl "))
        .count()
        < 3
    {
        let left = curl_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => output.push(line),
            Err(_) => break,
        }
    }
    let curls: Vec<&String> = output
        .iter()
        .filter(|l| l.trim().starts_with("curl "))
        .collect();
    assert!(curls.len() >= 3, "fewer than 3 curl commands: {output:#?}");
    for curl in &curls {
        assert!(
            curl.contains(&format!("{url}/")),
            "{curl} does not use {url}"
        );
    }

    // A request, and a crash whose panic text is logged, never sent.
    let client = client();
    let res = send(client.get(format!("{url}/healthz"))).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), json!({"status": "ok"}));
    let res = send(
        client
            .get(format!("{url}/api/crash"))
            .header("x-request-id", "e2e-crash-42"),
    )
    .await;
    res.expect_error(500);
    assert_eq!(res.request_id(), "e2e-crash-42");
    assert!(!res.text().contains("SECRET-PANIC-TEXT"), "{}", res.text());
    // An internal error's source chain and a dependency's io error: logged, not sent.
    let res = send(
        client
            .get(format!("{url}/api/internal"))
            .header("x-request-id", "e2e-internal-43"),
    )
    .await;
    res.expect_error(500);
    assert!(!res.text().contains("SECRET-DB-PASSWORD"), "{}", res.text());
    let res = send(
        client
            .get(format!("{url}/api/dependency"))
            .header("x-request-id", "e2e-dependency-44"),
    )
    .await;
    res.expect_error(503);
    assert!(
        !res.text().to_ascii_lowercase().contains("refused"),
        "{}",
        res.text()
    );

    // SIGTERM: exit status 0 within 5 s.
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(&pid)
        .status()
        .unwrap();
    assert!(killed.success());
    let stop_deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > stop_deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running 5 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status}");

    // The rest of the output: the readers end when the pipes close.
    let rest_deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = rest_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => output.push(line),
            Err(_) => break,
        }
    }
    assert!(
        output
            .iter()
            .any(|l| l.contains("SECRET-PANIC-TEXT") && l.contains("e2e-crash-42")),
        "no log line with the panic text and the request id: {output:#?}"
    );
    assert!(
        output
            .iter()
            .any(|l| l.contains("SECRET-DB-PASSWORD") && l.contains("e2e-internal-43")),
        "no log line with the internal error's source and the request id: {output:#?}"
    );
    assert!(
        output
            .iter()
            .any(|l| l.contains("e2e-dependency-44") && l.to_ascii_lowercase().contains("refused")),
        "no log line with the dependency's error and the request id: {output:#?}"
    );
    // Logged at info: the shutdown.
    assert!(
        output
            .iter()
            .any(|l| l.contains("INFO") && l.contains("shutting down")),
        "no INFO line about the shutdown: {output:#?}"
    );
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_and_stops_accepting() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app::serve(listener, async move {
        let _ = stopped.await;
    }));
    let client = client();
    let in_flight = tokio::spawn(send(client.get(format!("http://{addr}/api/slow"))));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    stop.send(()).unwrap();
    // The request in flight gets its answer (the app's 2 s timeout).
    let res = in_flight.await.unwrap();
    res.expect_error(503);
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve did not return within 5 s of the shutdown signal");
    result.unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

// ---------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn healthz_is_200() {
    let s = start().await;
    let res = s.get("/healthz").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("content-type"), "application/json");
    assert_eq!(res.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn anonymous_and_other_schemes_get_a_challenge_without_error() {
    let s = start().await;
    for auth in [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Digest username=\"a\""),
    ] {
        let mut req = s.req(Method::GET, "/api/admin/stats");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        let res = send(req).await;
        res.expect_error(401);
        assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE, "{auth:?}");
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unauthorized",
                "message": "This action needs a Bearer token.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn expired_and_invalid_tokens_get_invalid_token() {
    let s = start().await;
    for (auth, description) in [
        (EXPIRED, "The access token expired"),
        ("Bearer not-a-token", "The access token is invalid"),
        ("bearer user-token-x", "The access token is invalid"),
    ] {
        let res = s.get_as("/api/admin/stats", auth).await;
        res.expect_error(401);
        assert_eq!(
            res.header("www-authenticate"),
            format!(
                r#"Bearer realm="api", error="invalid_token", error_description="{description}""#
            )
        );
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unauthorized",
                "message": format!("{description}."),
                "code": "INVALID_TOKEN",
                "requestId": id,
            })
        );
    }
}

#[tokio::test]
async fn malformed_bearer_headers_get_400_invalid_request() {
    let s = start().await;
    for (auth, description) in [
        ("Bearer", "The Bearer scheme needs a token"),
        ("Bearer a b", "The Bearer scheme takes exactly one token"),
        (
            "Bearer user-token extra",
            "The Bearer scheme takes exactly one token",
        ),
    ] {
        let res = s.get_as("/api/admin/stats", auth).await;
        res.expect_error(400);
        assert_eq!(
            res.header("www-authenticate"),
            format!(
                r#"Bearer realm="api", error="invalid_request", error_description="{description}""#
            ),
            "{auth}"
        );
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Bad Request",
                "message": format!("{description}."),
                "code": "INVALID_AUTHORIZATION",
                "requestId": id,
            }),
            "{auth}"
        );
    }
}

#[tokio::test]
async fn admin_stats_401_403_200() {
    let s = start().await;
    let res = s.get("/api/admin/stats").await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    for auth in [USER, OTHER] {
        let res = s.get_as("/api/admin/stats", auth).await;
        res.expect_error(403);
        assert!(!res.has("www-authenticate"));
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Forbidden",
                "message": "The admin role is required for this action.",
                "code": "ADMIN_REQUIRED",
                "requestId": id,
            })
        );
    }

    let res = s.get_as("/api/admin/stats", ADMIN).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), json!({"userCount": 2, "deletedCount": 0}));
}

// ---------------------------------------------------------------------------------
// GET /api/users
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn list_users_with_the_defaults() {
    let s = start().await;
    let res = s.get("/api/users").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("content-type"), "application/json");
    assert_eq!(res.header("x-total-count"), "2");
    let link = res.header("link");
    assert!(
        link.contains(r#"</api/users?page=1&limit=20>; rel="last""#),
        "{link}"
    );
    assert!(!link.contains(r#"rel="next""#), "{link}");
    let body = res.json();
    let (ada, grace) = (created_at(&body["data"][0]), created_at(&body["data"][1]));
    assert_eq!(
        body,
        json!({
            "data": [
                user(1, "Ada Lovelace", "ada@example.com", &ada),
                user(2, "Grace Hopper", "grace@example.com", &grace),
            ],
            "pagination": {
                "page": 1, "limit": 20, "totalPages": 1, "totalCount": 2,
                "hasNext": false, "hasPrev": false,
            },
        })
    );
}

#[tokio::test]
async fn list_users_pages_with_link_next_and_last() {
    let s = start().await;
    let res = s.get("/api/users?limit=1").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("x-total-count"), "2");
    let link = res.header("link");
    assert!(
        link.contains(r#"</api/users?page=2&limit=1>; rel="next""#),
        "{link}"
    );
    assert!(
        link.contains(r#"</api/users?page=2&limit=1>; rel="last""#),
        "{link}"
    );
    assert!(!link.contains(r#"rel="prev""#), "{link}");
    let body = res.json();
    let ada = created_at(&body["data"][0]);
    assert_eq!(
        body,
        json!({
            "data": [user(1, "Ada Lovelace", "ada@example.com", &ada)],
            "pagination": {
                "page": 1, "limit": 1, "totalPages": 2, "totalCount": 2,
                "hasNext": true, "hasPrev": false,
            },
        })
    );

    let res = s.get("/api/users?page=2&limit=1").await;
    res.expect_ok(200, "no-store");
    let link = res.header("link");
    assert!(!link.contains(r#"rel="next""#), "{link}");
    assert!(
        link.contains(r#"</api/users?page=2&limit=1>; rel="last""#),
        "{link}"
    );
    assert!(
        link.contains(r#"</api/users?page=1&limit=1>; rel="prev""#),
        "{link}"
    );
    let body = res.json();
    let grace = created_at(&body["data"][0]);
    assert_eq!(
        body,
        json!({
            "data": [user(2, "Grace Hopper", "grace@example.com", &grace)],
            "pagination": {
                "page": 2, "limit": 1, "totalPages": 2, "totalCount": 2,
                "hasNext": false, "hasPrev": true,
            },
        })
    );
}

#[tokio::test]
async fn list_users_filters_by_email_case_insensitively() {
    let s = start().await;
    let res = s.get("/api/users?email=GRACE@Example.COM").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("x-total-count"), "1");
    let body = res.json();
    let grace = created_at(&body["data"][0]);
    assert_eq!(
        body,
        json!({
            "data": [user(2, "Grace Hopper", "grace@example.com", &grace)],
            "pagination": {
                "page": 1, "limit": 20, "totalPages": 1, "totalCount": 1,
                "hasNext": false, "hasPrev": false,
            },
        })
    );

    // Exact match only: a prefix matches nothing, which is still a 200.
    for email in ["nobody@example.com", "grace"] {
        let res = s.get(&format!("/api/users?email={email}")).await;
        res.expect_ok(200, "no-store");
        assert_eq!(res.header("x-total-count"), "0");
        assert!(!res.has("link"), "{:?}", res.headers);
        assert_eq!(
            res.json(),
            json!({
                "data": [],
                "pagination": {
                    "page": 1, "limit": 20, "totalPages": 0, "totalCount": 0,
                    "hasNext": false, "hasPrev": false,
                },
            })
        );
    }
}

#[tokio::test]
async fn list_users_rejects_bad_page_and_limit_naming_the_parameter() {
    let s = start().await;
    let out_of_range = [
        ("page=0", "page", "Must be a positive integer."),
        ("limit=0", "limit", "Must be an integer from 1 to 100."),
        ("limit=101", "limit", "Must be an integer from 1 to 100."),
    ];
    for (query, field, message) in out_of_range {
        let res = s.get(&format!("/api/users?{query}")).await;
        res.expect_error(400);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Bad Request",
                "message": "The pagination parameters are invalid.",
                "code": "INVALID_QUERY",
                "details": [{"field": field, "message": message, "code": "INVALID_VALUE"}],
                "requestId": id,
            }),
            "{query}"
        );
    }
    // Not integers at all: the query string does not deserialize.
    let not_integers = [
        ("page=abc", "page"),
        ("limit=-1", "limit"),
        ("page=1.5", "page"),
        ("page=", "page"),
        ("limit=1e2", "limit"),
    ];
    for (query, field) in not_integers {
        let res = s.get(&format!("/api/users?{query}")).await;
        res.expect_error(400);
        let body = res.json();
        let id = res.request_id();
        let message = body["details"][0]["message"].clone();
        assert!(message.is_string(), "{body}");
        assert_eq!(
            body,
            json!({
                "error": "Bad Request",
                "message": "The query string is invalid.",
                "code": "INVALID_QUERY",
                "details": [{"field": field, "message": message, "code": "INVALID_VALUE"}],
                "requestId": id,
            }),
            "{query}"
        );
    }
    // The largest limit is fine.
    let res = s.get("/api/users?limit=100").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json()["pagination"]["limit"], 100);
    // Both at fault: one entry each.
    let res = s.get("/api/users?page=0&limit=500").await;
    res.expect_error(400);
    let body = res.json();
    let fields: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["page", "limit"]);
}

// ---------------------------------------------------------------------------------
// POST /api/users
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn create_user_authenticates_before_reading_the_body() {
    let s = start().await;
    // Anonymous, with a body that is neither JSON nor labelled: 401, not 415/400.
    let res = send(s.req(Method::POST, "/api/users").body("{not json")).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Unauthorized",
            "message": "This action needs a Bearer token.",
            "code": "UNAUTHORIZED",
            "requestId": id,
        })
    );
    // An expired token with a body of the wrong shape: 401 invalid_token, not 422.
    let res = s
        .send_json(Method::POST, "/api/users", EXPIRED, &json!({"name": 1}))
        .await;
    res.expect_error(401);
    assert!(res
        .header("www-authenticate")
        .contains(r#"error="invalid_token""#));

    // A body that never arrives: the 401 comes at once, well before the app's 1 s
    // body timeout would.
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\nconnection: close\r\n\r\n",
        s.addr
    );
    let res = raw(s.addr, &head, vec![b"{\"name\":".to_vec()]).await;
    assert_eq!(res.status_line, "HTTP/1.1 401 Unauthorized");
    assert!(
        res.elapsed < Duration::from_millis(900),
        "{:?}",
        res.elapsed
    );
    assert_eq!(res.header("www-authenticate"), Some(BARE_CHALLENGE));
    let id = res.header("x-request-id").unwrap().to_owned();
    assert_eq!(
        res.json(),
        json!({
            "error": "Unauthorized",
            "message": "This action needs a Bearer token.",
            "code": "UNAUTHORIZED",
            "requestId": id,
        })
    );
}

#[tokio::test]
async fn create_user_with_a_stalled_body_gets_408_after_authentication() {
    let s = start().await;
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ncontent-length: 100\r\n\r\n",
        s.addr
    );
    let res = raw(s.addr, &head, vec![b"{\"name\":".to_vec()]).await;
    assert_eq!(res.status_line, "HTTP/1.1 408 Request Timeout");
    assert!(res.elapsed < Duration::from_secs(5), "{:?}", res.elapsed);
    assert_eq!(res.header("connection"), Some("close"));
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let id = res.header("x-request-id").unwrap().to_owned();
    assert_eq!(
        res.json(),
        json!({
            "error": "Request Timeout",
            "message": "The request body was not received in time.",
            "code": "REQUEST_TIMEOUT",
            "requestId": id,
        })
    );
}

#[tokio::test]
async fn create_user_without_a_json_content_type_is_415() {
    let s = start().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = s
            .req(Method::POST, "/api/users")
            .header("authorization", USER)
            .body(r#"{"name":"A","email":"a@example.com"}"#);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = send(req).await;
        res.expect_error(415);
        assert_eq!(res.header("accept"), "application/json", "{content_type:?}");
        assert_eq!(
            res.header("accept-post"),
            "application/json",
            "{content_type:?}"
        );
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unsupported Media Type",
                "message": "The request body must be JSON, sent with `Content-Type: application/json`.",
                "code": "UNSUPPORTED_MEDIA_TYPE",
                "requestId": id,
            }),
            "{content_type:?}"
        );
    }
}

#[tokio::test]
async fn create_user_with_unparseable_json_is_400_with_line_and_column() {
    let s = start().await;
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("content-type", "application/json")
            .body("{\n  \"name\": \"A\",\n  \"email\": \n}"),
    )
    .await;
    res.expect_error(400);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Bad Request",
            "message": "The request body is not valid JSON: expected value at line 4, column 1.",
            "code": "INVALID_JSON",
            "requestId": id,
        })
    );
}

#[tokio::test]
async fn create_user_with_json_of_the_wrong_shape_is_422_naming_the_field() {
    let s = start().await;
    let cases = [
        (
            json!({"name": 5, "email": "a@example.com"}),
            json!({"field": "name", "message": "Invalid type: integer `5`, expected a string.", "code": "INVALID_TYPE"}),
        ),
        (
            json!({"name": "A"}),
            json!({"field": "email", "message": "This field is required.", "code": "REQUIRED"}),
        ),
        (
            json!({"name": "A", "email": "a@example.com", "role": "admin"}),
            json!({"field": "role", "message": "This field is not allowed.", "code": "UNKNOWN_FIELD"}),
        ),
    ];
    for (body, detail) in cases {
        let res = s.send_json(Method::POST, "/api/users", USER, &body).await;
        res.expect_error(422);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unprocessable Content",
                "message": "The request body has invalid fields.",
                "code": "INVALID_BODY",
                "details": [detail],
                "requestId": id,
            }),
            "{body}"
        );
    }
}

#[tokio::test]
async fn create_user_with_invalid_fields_is_422_validation_failed() {
    let s = start().await;
    let name = json!({"field": "name", "message": "Must not be empty.", "code": "REQUIRED"});
    let email = json!({"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"});
    let cases = [
        (
            json!({"name": "", "email": "nope"}),
            vec![name.clone(), email.clone()],
        ),
        (
            json!({"name": "   ", "email": "ok@example.com"}),
            vec![name],
        ),
        (json!({"name": "Ok", "email": "no at sign"}), vec![email]),
    ];
    for (body, details) in cases {
        let res = s.send_json(Method::POST, "/api/users", USER, &body).await;
        res.expect_error(422);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Unprocessable Content",
                "message": "The request contains invalid fields.",
                "code": "VALIDATION_FAILED",
                "details": details,
                "requestId": id,
            }),
            "{body}"
        );
    }
    // The status line names 422 as RFC 9110 does.
    let body = br#"{"name":"","email":"ok@example.com"}"#;
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        body.len()
    );
    let res = raw(s.addr, &head, vec![body.to_vec()]).await;
    assert_eq!(res.status_line, "HTTP/1.1 422 Unprocessable Content");
    assert_eq!(res.json()["code"], "VALIDATION_FAILED");
    // Nothing was created.
    assert_eq!(s.get("/api/users").await.header("x-total-count"), "2");
}

#[tokio::test]
async fn create_user_with_a_taken_email_is_409_case_insensitively() {
    let s = start().await;
    for email in ["ada@example.com", "ADA@Example.com"] {
        let res = s
            .send_json(
                Method::POST,
                "/api/users",
                OTHER,
                &json!({"name": "Another Ada", "email": email}),
            )
            .await;
        res.expect_error(409);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Conflict",
                "message": "A user with this email already exists.",
                "code": "EMAIL_TAKEN",
                "details": [{
                    "field": "email",
                    "message": "A user with this email already exists.",
                    "code": "EMAIL_TAKEN",
                }],
                "requestId": id,
            }),
            "{email}"
        );
    }
}

fn too_large(id: &str) -> Value {
    json!({
        "error": "Content Too Large",
        "message": "The request content is too large.",
        "code": "PAYLOAD_TOO_LARGE",
        "requestId": id,
    })
}

fn assert_raw_413(res: &Raw) {
    assert_eq!(res.status_line, "HTTP/1.1 413 Content Too Large", "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!(res
        .header("vary")
        .is_some_and(|v| v.to_ascii_lowercase().contains("accept")));
    let id = res.header("x-request-id").unwrap().to_owned();
    assert_eq!(res.json(), too_large(&id));
}

#[tokio::test]
async fn create_user_over_64_kib_by_content_length_is_413_before_the_body() {
    let s = start().await;
    // Only the headers are sent: the answer comes from Content-Length alone, for an
    // anonymous caller too.
    for auth in [format!("authorization: {USER}\r\n"), String::new()] {
        let head = format!(
            "POST /api/users HTTP/1.1\r\nhost: {}\r\n{auth}content-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n",
            s.addr,
            64 * 1024 + 1
        );
        let res = raw(s.addr, &head, Vec::new()).await;
        assert_raw_413(&res);
        assert!(
            res.elapsed < Duration::from_millis(900),
            "{:?}",
            res.elapsed
        );
    }

    // PUT has the same limit.
    let head = format!(
        "PUT /api/users/1 HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        64 * 1024 + 1
    );
    assert_raw_413(&raw(s.addr, &head, Vec::new()).await);

    // With reqwest and the whole body.
    let body = vec![b' '; 64 * 1024 + 1];
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    res.expect_error(413);
    let id = res.request_id();
    assert_eq!(res.json(), too_large(&id));

    // Exactly 64 KiB is still read.
    let mut body = br#"{"name":"Padded User","email":"padded@example.com"}"#.to_vec();
    body.resize(64 * 1024, b' ');
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("content-type", "application/json")
            .body(body),
    )
    .await;
    res.expect_ok(201, "no-cache");
    let created = res.json();
    let at = created_at(&created);
    assert_eq!(created, user(3, "Padded User", "padded@example.com", &at));
}

#[tokio::test]
async fn create_user_with_a_chunked_body_over_64_kib_is_413() {
    let s = start().await;
    let head = format!(
        "POST /api/users HTTP/1.1\r\nhost: {}\r\nauthorization: {USER}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        s.addr
    );
    let res = raw(s.addr, &head, chunked(64 * 1024 + 4096, 8192)).await;
    assert_raw_413(&res);
    // Nothing was created, and the server still answers.
    assert_eq!(s.get("/api/users").await.header("x-total-count"), "2");
}

#[tokio::test]
async fn create_user_is_201_with_location() {
    let s = start().await;
    let res = s
        .send_json(
            Method::POST,
            "/api/users",
            USER,
            &json!({"name": "  Alan Turing ", "email": "alan@example.com"}),
        )
        .await;
    res.expect_ok(201, "no-cache");
    assert_eq!(res.header("location"), "/api/users/3");
    assert_eq!(res.header("content-type"), "application/json");
    assert_eq!(res.header("etag"), "\"3-1\"");
    let body = res.json();
    let at = created_at(&body);
    assert_eq!(body, user(3, "Alan Turing", "alan@example.com", &at));

    // It is there, and owned by its creator.
    let res = s.get("/api/users/3").await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.json(), user(3, "Alan Turing", "alan@example.com", &at));
    let res = s.get_as("/api/users/3/private", USER).await;
    res.expect_ok(200, "no-store");
    assert_eq!(
        res.json(),
        json!({"id": 3, "email": "alan@example.com", "owner": 1, "version": 1})
    );
    assert_eq!(s.get("/api/users").await.header("x-total-count"), "3");
}

// ---------------------------------------------------------------------------------
// GET /api/users/{id}
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn get_user_has_a_strong_etag_and_answers_304() {
    let s = start().await;
    let res = s.get("/api/users/1").await;
    res.expect_ok(200, "no-cache");
    let etag = res.header("etag").to_owned();
    assert_eq!(etag, "\"1-1\"");
    assert!(!etag.starts_with("W/"));
    let body = res.json();
    let at = created_at(&body);
    assert_eq!(body, user(1, "Ada Lovelace", "ada@example.com", &at));

    for if_none_match in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"x\", {etag}"),
        "*".to_owned(),
    ] {
        let res = send(
            s.req(Method::GET, "/api/users/1")
                .header("if-none-match", &if_none_match),
        )
        .await;
        res.expect(304);
        assert!(res.body.is_empty(), "{if_none_match}: {}", res.text());
        assert_eq!(res.header("etag"), etag);
        assert_eq!(res.header("cache-control"), "no-cache");
    }
    // Another tag: the full 200.
    let res = send(
        s.req(Method::GET, "/api/users/1")
            .header("if-none-match", "\"1-0\""),
    )
    .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.json(), user(1, "Ada Lovelace", "ada@example.com", &at));
}

#[tokio::test]
async fn get_user_unknown_is_404_and_non_integer_is_400() {
    let s = start().await;
    let res = s.get("/api/users/999").await;
    res.expect_error(404);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "NOT_FOUND",
            "requestId": id,
        })
    );

    for (raw_id, shown) in [("abc", "abc"), ("-1", "-1"), ("1.5", "1.5")] {
        let res = s.get(&format!("/api/users/{raw_id}")).await;
        res.expect_error(400);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Bad Request",
                "message": "The path parameter `id` is invalid.",
                "code": "INVALID_PATH",
                "details": [{
                    "field": "id",
                    "message": format!("Must be a non-negative integer; got `{shown}`."),
                    "code": "INVALID_VALUE",
                }],
                "requestId": id,
            }),
            "{raw_id}"
        );
    }
}

// ---------------------------------------------------------------------------------
// PUT /api/users/{id}
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn put_user_by_owner_and_admin_with_new_etags() {
    let s = start().await;
    let at = created_at(&s.get("/api/users/1").await.json());

    // The owner, keeping their own email (in another case too): no conflict.
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "Ada King", "email": "ada@example.com"}),
        )
        .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-2\"");
    assert_eq!(res.json(), user(1, "Ada King", "ada@example.com", &at));
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "Ada King", "email": "ADA@example.com"}),
        )
        .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-3\"");
    assert_eq!(res.json(), user(1, "Ada King", "ADA@example.com", &at));

    // An admin changes someone else's user.
    let grace_at = created_at(&s.get("/api/users/2").await.json());
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/2",
            ADMIN,
            &json!({"name": "Rear Admiral Hopper", "email": "grace@navy.example"}),
        )
        .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"2-2\"");
    assert_eq!(
        res.json(),
        user(2, "Rear Admiral Hopper", "grace@navy.example", &grace_at)
    );

    // The GET shows the new ETag and data.
    let res = s.get("/api/users/2").await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"2-2\"");
    assert_eq!(
        res.json(),
        user(2, "Rear Admiral Hopper", "grace@navy.example", &grace_at)
    );
}

#[tokio::test]
async fn put_user_by_another_user_is_403_before_the_body() {
    let s = start().await;
    for body in [
        json!({"name": "Mallory", "email": "mallory@example.com"}),
        json!({"name": 1}),
    ] {
        let res = s.send_json(Method::PUT, "/api/users/1", OTHER, &body).await;
        res.expect_error(403);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Forbidden",
                "message": "Only the owner or an admin may change this user.",
                "code": "FORBIDDEN",
                "requestId": id,
            })
        );
    }
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    // Unchanged.
    let res = s.get("/api/users/1").await;
    assert_eq!(res.header("etag"), "\"1-1\"");
}

#[tokio::test]
async fn put_user_with_a_stale_if_match_is_412() {
    let s = start().await;
    let at = created_at(&s.get("/api/users/1").await.json());
    let change = |name: &str| json!({"name": name, "email": "ada@example.com"});

    // A matching If-Match (and `*`) passes.
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("authorization", USER)
            .header("if-match", "\"1-1\"")
            .json(&change("Ada One")),
    )
    .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-2\"");
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("authorization", USER)
            .header("if-match", "*")
            .json(&change("Ada Two")),
    )
    .await;
    res.expect_ok(200, "no-cache");
    assert_eq!(res.header("etag"), "\"1-3\"");

    // The old tag, the weak form of the current one (strong comparison), and a stale
    // tag with a body that is not even JSON (the precondition comes first).
    for (if_match, body) in [
        ("\"1-1\"", serde_json::to_vec(&change("Lost")).unwrap()),
        ("W/\"1-3\"", serde_json::to_vec(&change("Lost")).unwrap()),
        ("\"1-2\"", b"{".to_vec()),
    ] {
        let res = send(
            s.req(Method::PUT, "/api/users/1")
                .header("authorization", USER)
                .header("content-type", "application/json")
                .header("if-match", if_match)
                .body(body),
        )
        .await;
        res.expect_error(412);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Precondition Failed",
                "message": "The user has changed since its ETag was read; fetch it again.",
                "code": "PRECONDITION_FAILED",
                "requestId": id,
            }),
            "{if_match}"
        );
    }
    let res = s.get("/api/users/1").await;
    assert_eq!(res.header("etag"), "\"1-3\"");
    assert_eq!(res.json(), user(1, "Ada Two", "ada@example.com", &at));
}

#[tokio::test]
async fn put_user_unknown_is_404_and_anothers_email_is_409() {
    let s = start().await;
    for auth in [ADMIN, USER] {
        let res = s
            .send_json(
                Method::PUT,
                "/api/users/999",
                auth,
                &json!({"name": "Nobody", "email": "nobody@example.com"}),
            )
            .await;
        res.expect_error(404);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "NOT_FOUND",
                "requestId": id,
            })
        );
    }
    // No upsert.
    s.get("/api/users/999").await.expect_error(404);

    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "Ada", "email": "Grace@Example.com"}),
        )
        .await;
    res.expect_error(409);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Conflict",
            "message": "A user with this email already exists.",
            "code": "EMAIL_TAKEN",
            "details": [{
                "field": "email",
                "message": "A user with this email already exists.",
                "code": "EMAIL_TAKEN",
            }],
            "requestId": id,
        })
    );

    // The same body rules as POST.
    let res = s
        .send_json(
            Method::PUT,
            "/api/users/1",
            USER,
            &json!({"name": "", "email": "x"}),
        )
        .await;
    res.expect_error(422);
    assert_eq!(res.json()["code"], "VALIDATION_FAILED");
    let res = send(
        s.req(Method::PUT, "/api/users/1")
            .header("authorization", USER)
            .body(r#"{"name":"A","email":"a@example.com"}"#),
    )
    .await;
    res.expect_error(415);
    assert_eq!(res.header("accept"), "application/json");
}

// ---------------------------------------------------------------------------------
// DELETE /api/users/{id}
// ---------------------------------------------------------------------------------

fn gone(id: &str) -> Value {
    json!({
        "error": "Gone",
        "message": "This user was deleted.",
        "code": "GONE",
        "requestId": id,
    })
}

#[tokio::test]
async fn delete_user_is_for_admins_and_leaves_410() {
    let s = start().await;
    let res = send(s.req(Method::DELETE, "/api/users/2")).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    for auth in [USER, OTHER] {
        let res = send(
            s.req(Method::DELETE, "/api/users/2")
                .header("authorization", auth),
        )
        .await;
        res.expect_error(403);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Forbidden",
                "message": "The admin role is required for this action.",
                "code": "ADMIN_REQUIRED",
                "requestId": id,
            })
        );
    }

    let res = send(
        s.req(Method::DELETE, "/api/users/2")
            .header("authorization", ADMIN),
    )
    .await;
    res.expect_ok(204, "no-store");
    assert!(res.body.is_empty(), "{}", res.text());
    assert!(!res.has("content-type"), "{:?}", res.headers);

    // Afterwards: 410 for GET, PUT and DELETE.
    let res = s.get("/api/users/2").await;
    res.expect_error(410);
    assert_eq!(res.json(), gone(&res.request_id()));
    for auth in [ADMIN, OTHER] {
        let res = s
            .send_json(
                Method::PUT,
                "/api/users/2",
                auth,
                &json!({"name": "Grace", "email": "grace@example.com"}),
            )
            .await;
        res.expect_error(410);
        assert_eq!(res.json(), gone(&res.request_id()));
    }
    let res = send(
        s.req(Method::DELETE, "/api/users/2")
            .header("authorization", ADMIN),
    )
    .await;
    res.expect_error(410);
    assert_eq!(res.json(), gone(&res.request_id()));

    // Unknown: 404.
    let res = send(
        s.req(Method::DELETE, "/api/users/999")
            .header("authorization", ADMIN),
    )
    .await;
    res.expect_error(404);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "NOT_FOUND",
            "requestId": id,
        })
    );

    // The list and the stats agree.
    let res = s.get("/api/users").await;
    assert_eq!(res.header("x-total-count"), "1");
    let res = s.get_as("/api/admin/stats", ADMIN).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), json!({"userCount": 1, "deletedCount": 1}));
}

// ---------------------------------------------------------------------------------
// 405, unknown routes
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn unsupported_methods_are_405_with_allow() {
    let s = start().await;
    let cases = [
        (Method::PATCH, "/api/users", &["GET", "HEAD", "POST"][..]),
        (Method::DELETE, "/api/users", &["GET", "HEAD", "POST"][..]),
        (Method::PUT, "/api/users", &["GET", "HEAD", "POST"][..]),
        (
            Method::PATCH,
            "/api/users/1",
            &["GET", "HEAD", "PUT", "DELETE"][..],
        ),
        (Method::POST, "/healthz", &["GET", "HEAD"][..]),
        (Method::GET, "/api/uploads", &["POST"][..]),
    ];
    for (method, path, allow) in cases {
        let res = send(s.req(method.clone(), path).header("authorization", ADMIN)).await;
        res.expect_error(405);
        assert_eq!(res.allow(), set(allow), "{method} {path}");
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Method Not Allowed",
                "message": "The method is not allowed for this resource.",
                "code": "METHOD_NOT_ALLOWED",
                "requestId": id,
            }),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let s = start().await;
    for path in ["/nope", "/api", "/api/users/1/nope", "/api/reports/jobs"] {
        let res = s.get(path).await;
        res.expect_error(404);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "ROUTE_NOT_FOUND",
                "requestId": id,
            }),
            "{path}"
        );
    }
}

// ---------------------------------------------------------------------------------
// GET /api/users/{id}/private
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn private_data_is_for_owner_and_admin_and_others_get_a_genuine_looking_404() {
    let s = start().await;
    for auth in [USER, ADMIN] {
        let res = s.get_as("/api/users/1/private", auth).await;
        res.expect_ok(200, "no-store");
        assert_eq!(
            res.json(),
            json!({"id": 1, "email": "ada@example.com", "owner": 1, "version": 1})
        );
    }
    let res = s.get("/api/users/1/private").await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    for accept in [None, Some(PROBLEM)] {
        let get = |path: &'static str, auth: &'static str| {
            let mut req = s.req(Method::GET, path).header("authorization", auth);
            if let Some(accept) = accept {
                req = req.header("accept", accept);
            }
            send(req)
        };
        let concealed = get("/api/users/1/private", OTHER).await;
        let missing = get("/api/users/999999/private", ADMIN).await;
        let content_type = accept.unwrap_or("application/json");
        concealed.expect_error_as(404, content_type);
        missing.expect_error_as(404, content_type);
        assert_eq!(concealed.header_names(), missing.header_names());
        for name in ["content-type", "cache-control", "vary"] {
            assert_eq!(concealed.header(name), missing.header(name), "{name}");
        }
        if accept.is_none() {
            // Equal bodies apart from the request id (of the same length here).
            assert_eq!(
                concealed.header("content-length"),
                missing.header("content-length")
            );
        }
        let strip = |res: &Res| {
            let mut body = res.json();
            let object = body.as_object_mut().unwrap();
            assert_eq!(object.remove("requestId").unwrap(), res.request_id());
            object.remove("instance");
            body
        };
        assert_eq!(strip(&concealed), strip(&missing), "{accept:?}");
        let text = concealed.text().replace(&concealed.request_id(), "");
        assert!(!text.contains("user 2"), "{text}");
        let message = concealed.json();
        let message = message
            .get("message")
            .or_else(|| message.get("detail"))
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
        let id = concealed.request_id();
        if accept.is_none() {
            assert_eq!(
                concealed.json(),
                json!({
                    "error": "Not Found",
                    "message": "The requested resource was not found.",
                    "code": "NOT_FOUND",
                    "requestId": id,
                })
            );
        } else {
            assert_eq!(
                concealed.json(),
                json!({
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "The requested resource was not found.",
                    "instance": "/api/users/1/private",
                    "code": "NOT_FOUND",
                    "requestId": id,
                })
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// GET /api/limited
// ---------------------------------------------------------------------------------

/// Checks the rate-limit fields of `res` for `remaining` requests left, and returns
/// `X-RateLimit-Reset`.
fn assert_rate_limit(res: &Res, remaining: u64) -> u64 {
    assert_eq!(res.header("x-ratelimit-limit"), "5");
    assert_eq!(res.header("x-ratelimit-remaining"), remaining.to_string());
    let reset: u64 = res.header("x-ratelimit-reset").parse().unwrap();
    let now = unix_now();
    assert!(
        (now + 55..=now + 62).contains(&reset),
        "X-RateLimit-Reset {reset} is not about 60 s after {now}"
    );
    assert_eq!(res.header("ratelimit-policy"), r#""default";q=5;w=60"#);
    let ietf = res.header("ratelimit");
    let t: u64 = ietf
        .strip_prefix(&format!(r#""default";r={remaining};t="#))
        .unwrap_or_else(|| panic!("RateLimit: {ietf}"))
        .parse()
        .unwrap();
    assert!((55..=60).contains(&t), "RateLimit: {ietf}");
    reset
}

fn within_limit() -> Value {
    json!({"message": "You are within the rate limit."})
}

fn assert_429(res: &Res) {
    res.expect_error(429);
    assert_rate_limit(res, 0);
    let retry_after: u64 = res.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Too Many Requests",
            "message": "Too many requests: 5 per minute are allowed. Try again later.",
            "code": "RATE_LIMITED",
            "requestId": id,
            "retryAfter": retry_after,
        })
    );
}

#[tokio::test]
async fn rate_limit_by_token() {
    let s = start().await;
    let mut resets = Vec::new();
    for remaining in (0..5).rev() {
        let res = s.get_as("/api/limited", USER).await;
        res.expect_ok(200, "no-store");
        resets.push(assert_rate_limit(&res, remaining));
        assert_eq!(res.json(), within_limit());
    }
    assert!(
        resets.iter().max().unwrap() - resets.iter().min().unwrap() <= 1,
        "{resets:?}"
    );
    let res = s.get_as("/api/limited", USER).await;
    assert_429(&res);
    // Still limited.
    assert_429(&s.get_as("/api/limited", USER).await);

    // Another token, and the anonymous caller, have windows of their own.
    let res = s.get_as("/api/limited", OTHER).await;
    res.expect_ok(200, "no-store");
    assert_rate_limit(&res, 4);
    let res = s.get("/api/limited").await;
    res.expect_ok(200, "no-store");
    assert_rate_limit(&res, 4);
}

#[tokio::test]
async fn rate_limit_by_ip_address_across_connections() {
    let s = start().await;
    // A new client, so a new connection from a new port, each time.
    for remaining in (0..5).rev() {
        let res = send(client().get(s.url("/api/limited"))).await;
        res.expect_ok(200, "no-store");
        assert_rate_limit(&res, remaining);
        assert_eq!(res.json(), within_limit());
    }
    let res = send(client().get(s.url("/api/limited"))).await;
    assert_429(&res);
    // A token has its own window.
    let res = s.get_as("/api/limited", ADMIN).await;
    res.expect_ok(200, "no-store");
    assert_rate_limit(&res, 4);
}

/// Only a valid token has a window of its own: a made-up one counts against the
/// client's IP address, so inventing tokens does not escape the limit.
#[tokio::test]
async fn made_up_tokens_count_against_the_ip_address() {
    let s = start().await;
    for (n, remaining) in (0..5).rev().enumerate() {
        let token = format!("Bearer made-up-{n}");
        let res = s.get_as("/api/limited", &token).await;
        res.expect_ok(200, "no-store");
        assert_rate_limit(&res, remaining);
    }
    assert_429(&s.get_as("/api/limited", "Bearer made-up-5").await);
    assert_429(&s.get("/api/limited").await);
}

// ---------------------------------------------------------------------------------
// POST /api/uploads, POST /api/reports
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn uploads_take_up_to_1_mib() {
    let s = start().await;
    let res = send(
        s.req(Method::POST, "/api/uploads")
            .header("content-type", "application/octet-stream")
            .body(vec![7u8; 1024 * 1024]),
    )
    .await;
    res.expect_ok(201, "no-store");
    assert_eq!(res.json(), json!({"size": 1024 * 1024}));

    // Over by Content-Length: 413 before the body.
    let head = format!(
        "POST /api/uploads HTTP/1.1\r\nhost: {}\r\ncontent-type: application/octet-stream\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        s.addr,
        1024 * 1024 + 1
    );
    let res = raw(s.addr, &head, Vec::new()).await;
    assert_raw_413(&res);
    assert!(
        res.elapsed < Duration::from_millis(900),
        "{:?}",
        res.elapsed
    );

    // Exactly 1 MiB, chunked: accepted.
    let res = raw(
        s.addr,
        &chunked_upload_head(s.addr),
        chunked(1024 * 1024, 64 * 1024),
    )
    .await;
    assert_eq!(res.status_line, "HTTP/1.1 201 Created");
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.json(), json!({"size": 1024 * 1024}));
}

fn chunked_upload_head(addr: SocketAddr) -> String {
    format!(
        "POST /api/uploads HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/octet-stream\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    )
}

#[tokio::test]
async fn uploads_with_a_chunked_body_over_1_mib_are_413() {
    let s = start().await;
    let res = raw(
        s.addr,
        &chunked_upload_head(s.addr),
        chunked(1024 * 1024 + 1, 64 * 1024),
    )
    .await;
    assert_raw_413(&res);
    // The server still answers.
    s.get("/healthz").await.expect_ok(200, "no-store");
}

#[tokio::test]
async fn reports_are_accepted_with_a_status_url() {
    let s = start().await;
    let request = json!({"type": "sales", "year": 2024});
    let res = send(s.req(Method::POST, "/api/reports").json(&request)).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    let res = send(s.req(Method::POST, "/api/reports").body("{")).await;
    res.expect_error(401);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);

    let res = s
        .send_json(Method::POST, "/api/reports", USER, &request)
        .await;
    res.expect_ok(202, "no-store");
    let body = res.json();
    let job_id = body["jobId"].as_str().unwrap().to_owned();
    assert!(!job_id.is_empty());
    let location = res.header("location").to_owned();
    assert_eq!(location, format!("/api/reports/jobs/{job_id}"));
    let job = json!({
        "jobId": job_id,
        "status": "queued",
        "statusUrl": location,
        "type": "sales",
        "year": 2024,
    });
    assert_eq!(body, job);

    let res = s.get(&location).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), job);

    // Another job gets another id.
    let res = s
        .send_json(Method::POST, "/api/reports", OTHER, &request)
        .await;
    res.expect_ok(202, "no-store");
    assert_ne!(res.json()["jobId"], json!(job_id));

    for unknown in ["nope", "00000000-0000-4000-8000-000000000000", "%20"] {
        let res = s.get(&format!("/api/reports/jobs/{unknown}")).await;
        res.expect_error(404);
        let id = res.request_id();
        assert_eq!(
            res.json(),
            json!({
                "error": "Not Found",
                "message": "No report job has this id.",
                "code": "NOT_FOUND",
                "requestId": id,
            }),
            "{unknown}"
        );
    }

    // The body rules.
    let res = s
        .send_json(
            Method::POST,
            "/api/reports",
            USER,
            &json!({"type": "sales", "year": "2024"}),
        )
        .await;
    res.expect_error(422);
    assert_eq!(res.json()["details"][0]["field"], "year");
}

// ---------------------------------------------------------------------------------
// 5xx
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn maintenance_is_503_with_retry_after_300() {
    let s = start().await;
    let res = s.get("/api/maintenance").await;
    res.expect_error(503);
    assert_eq!(res.header("retry-after"), "300");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Service Unavailable",
            "message": "The API is down for maintenance. Try again in five minutes.",
            "code": "MAINTENANCE",
            "requestId": id,
            "retryAfter": 300,
        })
    );
}

#[tokio::test]
async fn a_refused_dependency_is_503_dependency_unavailable() {
    let s = start().await;
    let res = s.get("/api/dependency").await;
    res.expect_error(503);
    assert_eq!(res.header("retry-after"), "30");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "error": "Service Unavailable",
            "message": "A service this request depends on is unavailable. Try again later.",
            "code": "DEPENDENCY_UNAVAILABLE",
            "requestId": id,
            "retryAfter": 30,
        })
    );
    assert!(
        !res.text().to_ascii_lowercase().contains("refused"),
        "{}",
        res.text()
    );
}

fn internal_error(id: &str) -> Value {
    json!({
        "error": "Internal Server Error",
        "message": "An internal error occurred.",
        "code": "INTERNAL_ERROR",
        "requestId": id,
    })
}

#[tokio::test]
async fn a_panic_is_500_without_its_text_and_the_server_goes_on() {
    let s = start().await;
    for _ in 0..2 {
        let res = s.get("/api/crash").await;
        res.expect_error(500);
        assert_eq!(res.json(), internal_error(&res.request_id()));
        assert!(!res.text().contains("SECRET-PANIC-TEXT"), "{}", res.text());
        assert!(!res.text().contains("panic"), "{}", res.text());
        let res = s.get("/healthz").await;
        res.expect_ok(200, "no-store");
        assert_eq!(res.json(), json!({"status": "ok"}));
    }
    let res = send(s.req(Method::GET, "/api/crash").header("accept", PROBLEM)).await;
    res.expect_error_as(500, PROBLEM);
    assert!(!res.text().contains("SECRET-PANIC-TEXT"), "{}", res.text());
}

#[tokio::test]
async fn an_internal_error_is_500_without_its_source() {
    let s = start().await;
    let res = s.get("/api/internal").await;
    res.expect_error(500);
    assert_eq!(res.json(), internal_error(&res.request_id()));
    for secret in ["SECRET-DB-PASSWORD", "postgres", "users table"] {
        assert!(!res.text().contains(secret), "{}", res.text());
    }
}

#[tokio::test]
async fn a_slow_handler_is_cut_off_in_about_2_s() {
    let s = start().await;
    let started = Instant::now();
    let res = s.get("/api/slow").await;
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1500), "{elapsed:?}");
    assert!(matches!(res.status, 503 | 504), "{}", res.status);
    res.expect_error(res.status);
    let id = res.request_id();
    if res.status == 503 {
        let retry_after: u64 = res.header("retry-after").parse().unwrap();
        assert_eq!(
            res.json(),
            json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": retry_after,
            })
        );
    } else {
        assert_eq!(
            res.json(),
            json!({
                "error": "Gateway Timeout",
                "message": "An upstream service did not respond in time.",
                "code": "GATEWAY_TIMEOUT",
                "requestId": id,
            })
        );
    }
}

// ---------------------------------------------------------------------------------
// Every response
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_valid_request_id_is_echoed_and_an_invalid_one_replaced() {
    let s = start().await;
    let longest = "a".repeat(128);
    for valid in ["e2e-Req_1:2.3", "x", longest.as_str()] {
        let res = send(s.req(Method::GET, "/healthz").header("x-request-id", valid)).await;
        res.expect_ok(200, "no-store");
        assert_eq!(res.request_id(), valid);
        let res = send(
            s.req(Method::GET, "/api/users/999")
                .header("x-request-id", valid),
        )
        .await;
        res.expect_error(404);
        assert_eq!(res.request_id(), valid);
        assert_eq!(res.json()["requestId"], valid);
    }

    let too_long = "a".repeat(129);
    let mut fresh = BTreeSet::new();
    for invalid in [
        &b"has space"[..],
        b"a/b",
        b"a;b",
        b"\"quoted\"",
        too_long.as_bytes(),
        b"caf\xc3\xa9",
        b"",
    ] {
        let value = reqwest::header::HeaderValue::from_bytes(invalid).unwrap();
        let res = send(
            s.req(Method::GET, "/api/users/999")
                .header("x-request-id", value),
        )
        .await;
        res.expect_error(404);
        let id = res.request_id();
        assert!(is_uuid(&id), "{invalid:?} became {id}");
        assert_eq!(res.json()["requestId"], id);
        fresh.insert(id);
    }
    // Without one, and each fresh id differs.
    let res = s.get("/healthz").await;
    assert!(is_uuid(&res.request_id()));
    fresh.insert(res.request_id());
    assert_eq!(fresh.len(), 8);
}

#[tokio::test]
async fn head_on_get_routes_has_the_headers_of_get_and_no_body() {
    let s = start().await;
    let cases: [(&str, Option<&str>); 9] = [
        ("/healthz", None),
        ("/api/users?limit=1", None),
        ("/api/users/1", None),
        ("/api/users/999", None),
        ("/api/users/abc", None),
        ("/api/admin/stats", None),
        ("/api/admin/stats", Some(USER)),
        ("/api/users/1/private", Some(USER)),
        ("/api/maintenance", None),
    ];
    for (path, auth) in cases {
        let with_auth = |method: Method| {
            let req = s.req(method, path);
            match auth {
                Some(auth) => req.header("authorization", auth),
                None => req,
            }
        };
        let get = send(with_auth(Method::GET)).await;
        let head = send(with_auth(Method::HEAD)).await;
        assert_eq!(head.status, get.status, "{path}");
        assert!(head.body.is_empty(), "{path}: {}", head.text());
        let mut get_headers = get.headers.clone();
        let mut head_headers = head.headers.clone();
        for varying in ["date", "x-request-id"] {
            assert!(
                head_headers.remove(varying).is_some(),
                "{path}: no {varying}"
            );
            get_headers.remove(varying);
        }
        assert_eq!(head_headers, get_headers, "{path}");
    }

    // On the wire: nothing after the headers.
    for path in ["/api/users/1", "/api/users/999"] {
        let head = format!(
            "HEAD {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n",
            s.addr
        );
        let res = raw(s.addr, &head, Vec::new()).await;
        assert!(
            res.body.is_empty(),
            "{path}: {:?}",
            String::from_utf8_lossy(&res.body)
        );
        assert!(res.header("x-request-id").is_some());
        let get = s.get(path).await;
        assert_eq!(
            res.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn errors_are_problem_details_when_accept_prefers_them() {
    let s = start().await;
    // Field errors go into `errors`.
    let res = send(
        s.req(Method::POST, "/api/users")
            .header("authorization", USER)
            .header("accept", PROBLEM)
            .json(&json!({"name": "", "email": "nope"})),
    )
    .await;
    res.expect_error_as(422, PROBLEM);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "The request contains invalid fields.",
            "instance": "/api/users",
            "code": "VALIDATION_FAILED",
            "requestId": id,
            "errors": [
                {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            ],
        })
    );

    // An Accept that ranks it higher; a 401 keeps its challenge.
    let res = send(
        s.req(Method::GET, "/api/admin/stats")
            .header("accept", "application/json;q=0.5, application/problem+json"),
    )
    .await;
    res.expect_error_as(401, PROBLEM);
    assert_eq!(res.header("www-authenticate"), BARE_CHALLENGE);
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": "This action needs a Bearer token.",
            "instance": "/api/admin/stats",
            "code": "UNAUTHORIZED",
            "requestId": id,
        })
    );

    // A 405 keeps Allow; a 503 keeps Retry-After and its retryAfter.
    let res = send(s.req(Method::PATCH, "/api/users").header("accept", PROBLEM)).await;
    res.expect_error_as(405, PROBLEM);
    assert_eq!(res.allow(), set(&["GET", "HEAD", "POST"]));
    let res = send(
        s.req(Method::GET, "/api/maintenance")
            .header("accept", PROBLEM),
    )
    .await;
    res.expect_error_as(503, PROBLEM);
    assert_eq!(res.header("retry-after"), "300");
    let id = res.request_id();
    assert_eq!(
        res.json(),
        json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "The API is down for maintenance. Try again in five minutes.",
            "instance": "/api/maintenance",
            "code": "MAINTENANCE",
            "requestId": id,
            "retryAfter": 300,
        })
    );

    // JSON when it ranks higher, or for */*.
    for accept in [
        "application/problem+json;q=0.5, application/json",
        "*/*",
        "text/html",
    ] {
        let res = send(
            s.req(Method::GET, "/api/users/999")
                .header("accept", accept),
        )
        .await;
        res.expect_error_as(404, "application/json");
        assert_eq!(res.json()["error"], "Not Found", "{accept}");
    }
}

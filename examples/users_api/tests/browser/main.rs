//! The users_api example from a real browser. Headless Chromium (Debian's
//! `chromium`, driven by Debian's `chromedriver` over the WebDriver protocol) loads
//! `page.html` from another origin of 127.0.0.1, whose script calls the API with
//! `fetch`: a preflighted 422, a 201, five 200s and a 429 on `/api/limited`, a 404,
//! the 500 of a panic, and the same API with no origin allowed. The test reads what
//! the script could read: the status, the exposed headers and the body.
//!
//! `cargo test` skips it, saying so, when Chromium or chromedriver is missing;
//! `.ci/run` installs both (`scripts/chromium.sh`) and sets `REQUIRE_BROWSER=1`,
//! which makes their absence a failure. `CHROMIUM` and `CHROMEDRIVER` name other
//! binaries.

#[allow(dead_code)]
#[path = "../../app/mod.rs"]
mod app;

use std::{
    future::Future,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use axum::{extract::Request, middleware::Next, response::Html, routing::get, Router};
use axum_api_error::cors::Cors;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    net::TcpListener,
    process::{Child, Command},
};

/// The page, served from its own origin.
const PAGE: &str = include_str!("page.html");

/// How long the whole exchange with the browser may take.
const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test]
async fn a_page_on_another_origin_reads_every_error() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let page = listen().await;
    let page_origin = format!("http://{}", page.local_addr().unwrap());
    tokio::spawn(async move {
        let router = Router::new().route("/", get(|| async { Html(PAGE) }));
        axum::serve(page, router).await
    });
    let preflights = Arc::new(AtomicUsize::new(0));
    let api = start(
        Cors::exact_origins([page_origin.as_str()]).unwrap(),
        Arc::clone(&preflights),
    )
    .await;
    let closed = start(app::no_origins(), Arc::default()).await;
    let url = format!("{page_origin}/?api={api}&closed={closed}");

    let results = run_page(&chromium, &chromedriver, &url)
        .await
        .unwrap_or_else(|e| panic!("the browser run failed: {e}"));
    check(&results);
    // The POSTs were preflighted (the browser may reuse the first answer for 600 s).
    assert!(
        preflights.load(Ordering::SeqCst) >= 1,
        "no preflight arrived"
    );
}

/// What the page's script read, checked against the contract.
fn check(results: &Value) {
    // A preflighted POST (Authorization, application/json): the 422's fields.
    let validation = &results["validation"];
    let id = request_id(validation);
    let trace = trace_id(validation);
    assert_eq!(
        validation,
        &json!({
            "status": 422,
            "requestId": id,
            "retryAfter": null,
            "rateLimitRemaining": null,
            "location": null,
            "body": {
                "error": "Unprocessable Content",
                "message": "The request contains invalid fields.",
                "code": "VALIDATION_FAILED",
                "details": [
                    {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
                    {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
                ],
                "requestId": id,
                "traceId": trace,
            },
        })
    );

    // A create: its Location is exposed.
    let created = &results["created"];
    assert_eq!(created["status"], 201, "{created}");
    assert_eq!(created["location"], "/api/users/3", "{created}");
    request_id(created);

    // Five 200s, their quota readable, then the 429 and its wait.
    let limited = results["limited"].as_array().expect("six answers");
    assert_eq!(limited.len(), 6);
    for (i, res) in limited[..5].iter().enumerate() {
        assert_eq!(res["status"], 200, "{res}");
        assert_eq!(res["rateLimitRemaining"], (4 - i).to_string(), "{res}");
        request_id(res);
    }
    let refused = &limited[5];
    let id = request_id(refused);
    let trace = trace_id(refused);
    let wait: u64 = refused["retryAfter"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("Retry-After unreadable: {refused}"));
    assert!((1..=60).contains(&wait), "{refused}");
    assert_eq!(
        refused,
        &json!({
            "status": 429,
            "requestId": id,
            "retryAfter": wait.to_string(),
            "rateLimitRemaining": "0",
            "location": null,
            "body": {
                "error": "Too Many Requests",
                "message": "Too many requests: 5 per minute are allowed. Try again later.",
                "code": "RATE_LIMITED",
                "requestId": id,
                "traceId": trace,
                "retryAfter": wait,
            },
        })
    );

    let not_found = &results["notFound"];
    let id = request_id(not_found);
    let trace = trace_id(not_found);
    assert_eq!(
        not_found,
        &json!({
            "status": 404,
            "requestId": id,
            "retryAfter": null,
            "rateLimitRemaining": null,
            "location": null,
            "body": {
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "NOT_FOUND",
                "requestId": id,
                "traceId": trace,
            },
        })
    );

    // The layer's own 500, made outside every handler, is readable too.
    let crash = &results["crash"];
    let id = request_id(crash);
    let trace = trace_id(crash);
    assert_eq!(
        crash,
        &json!({
            "status": 500,
            "requestId": id,
            "retryAfter": null,
            "rateLimitRemaining": null,
            "location": null,
            "body": {
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
                "traceId": trace,
            },
        })
    );

    // Without Access-Control-Allow-Origin the browser refuses the response.
    assert_eq!(
        results["closed"],
        json!({"failed": "TypeError: Failed to fetch"})
    );
}

/// The `X-Request-Id` the script read, equal to the body's `requestId` where the
/// body is an error.
#[track_caller]
fn request_id(res: &Value) -> String {
    let id = res["requestId"]
        .as_str()
        .unwrap_or_else(|| panic!("X-Request-Id unreadable: {res}"));
    assert!(!id.is_empty(), "{res}");
    if res["status"].as_u64().is_some_and(|s| s >= 400) {
        assert_eq!(res["body"]["requestId"], id, "{res}");
    }
    id.to_owned()
}

/// The body's `traceId` (the example has trace context on): a W3C trace id.
#[track_caller]
fn trace_id(res: &Value) -> String {
    let id = res["body"]["traceId"]
        .as_str()
        .unwrap_or_else(|| panic!("no traceId: {res}"));
    assert!(testkit::oracle::is_trace_id(id), "{res}");
    id.to_owned()
}

async fn listen() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

/// The app with `cors`, on a port of its own, counting the preflights that reach
/// it: its base URL.
async fn start(cors: Cors, preflights: Arc<AtomicUsize>) -> String {
    let listener = listen().await;
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = move |req: Request, next: Next| {
        let preflights = Arc::clone(&preflights);
        async move {
            if req.method() == "OPTIONS"
                && req.headers().contains_key("access-control-request-method")
            {
                preflights.fetch_add(1, Ordering::SeqCst);
            }
            next.run(req).await
        }
    };
    let router = app::app_with(true, cors).layer(axum::middleware::from_fn(count));
    tokio::spawn(app::serve_router(listener, router, std::future::pending()));
    url
}

/// Chromium and chromedriver, or `None` (the test is skipped) when either is
/// missing, unless `REQUIRE_BROWSER` is set.
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = find("CHROMIUM", "chromium");
    let chromedriver = find("CHROMEDRIVER", "chromedriver");
    match (chromium, chromedriver) {
        (Some(chromium), Some(chromedriver)) => Some((chromium, chromedriver)),
        _ => {
            let message = "Chromium or chromedriver not found (Debian: apt-get install chromium \
                           chromium-driver; scripts/chromium.sh does it)";
            let required =
                std::env::var("REQUIRE_BROWSER").is_ok_and(|v| !v.is_empty() && v != "0");
            assert!(!required, "REQUIRE_BROWSER is set: {message}");
            eprintln!("skipped: {message}");
            None
        }
    }
}

/// `$var`, else `name` on the `PATH`.
fn find(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Starts chromedriver, opens `url` in a fresh headless Chromium, and returns what
/// the page's script resolved `window.results` to, within [`DEADLINE`]. Chromium
/// and chromedriver are stopped, and the profile removed, whatever happened.
async fn run_page(chromium: &Path, chromedriver: &Path, url: &str) -> Result<Value, String> {
    let profile = Profile::create()?;
    let driver = start_driver(chromedriver).await?;
    let wd = WebDriver {
        client: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?,
        base: driver.base.clone(),
    };
    let mut session = None;
    let results = within(DEADLINE, async {
        let id = wd.new_session(chromium, &profile.0).await?;
        session = Some(id.clone());
        wd.results(&id, url).await
    })
    .await
    .unwrap_or_else(|| Err(format!("no results within {DEADLINE:?}")));
    // Closing the session stops Chromium; the driver's process group goes next.
    if let Some(id) = session {
        let path = format!("/session/{id}");
        let delete = wd.call(reqwest::Method::DELETE, &path, None);
        let _ = within(Duration::from_secs(10), delete).await;
    }
    driver.stop().await;
    results
}

/// A fresh Chromium profile directory, removed when dropped.
struct Profile(PathBuf);

impl Profile {
    fn create() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "users-api-browser-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// chromedriver, in a process group of its own that the Chromium it starts joins:
/// the group is stopped by its id (the driver's PID) on [`Driver::stop`], or when
/// dropped on a panic.
struct Driver {
    child: Child,
    group: Option<u32>,
    base: String,
}

impl Driver {
    /// SIGTERM to the group, at most 5 s for the driver to exit, then SIGKILL.
    async fn stop(mut self) {
        self.signal("-TERM");
        if within(Duration::from_secs(5), self.child.wait())
            .await
            .is_none()
        {
            self.signal("-KILL");
            let _ = self.child.wait().await;
        }
        self.signal("-KILL");
        self.group = None;
    }

    fn signal(&self, signal: &str) {
        if let Some(group) = self.group {
            let _ = std::process::Command::new("kill")
                .args([signal, "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.signal("-KILL");
    }
}

/// chromedriver on a free port of 127.0.0.1 (it picks one for `--port=0` and says
/// which, from version 128 on).
async fn start_driver(chromedriver: &Path) -> Result<Driver, String> {
    let mut child = Command::new(chromedriver)
        .args(["--port=0", "--allowed-ips=127.0.0.1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", chromedriver.display()))?;
    let stdout = child.stdout.take().expect("piped");
    let mut driver = Driver {
        group: child.id(),
        child,
        base: String::new(),
    };
    let mut lines = BufReader::new(stdout).lines();
    let port = within(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                return rest.trim_end_matches('.').parse::<u16>().ok();
            }
        }
        None
    })
    .await
    .flatten();
    let Some(port) = port else {
        driver.stop().await;
        return Err("chromedriver did not say its port (version 128 or later says it)".into());
    };
    // Its later lines are read and dropped, so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    driver.base = format!("http://127.0.0.1:{port}");
    Ok(driver)
}

async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout(limit, future).await.ok()
}

/// The few WebDriver commands the test needs (W3C WebDriver, JSON over HTTP).
struct WebDriver {
    client: reqwest::Client,
    base: String,
}

impl WebDriver {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = res.status();
        let body: Value = res.json().await.map_err(|e| format!("{path}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{path}: {status} {body}"));
        }
        Ok(body["value"].clone())
    }

    /// A fresh headless Chromium with its own profile: the session id.
    async fn new_session(&self, chromium: &Path, profile: &Path) -> Result<String, String> {
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless",
                        "--no-sandbox",
                        "--disable-background-networking",
                        "--disable-dev-shm-usage",
                        "--no-proxy-server",
                        format!("--user-data-dir={}", profile.display()),
                    ],
                },
            }},
        });
        let value = self
            .call(reqwest::Method::POST, "/session", Some(capabilities))
            .await?;
        value["sessionId"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no session id in {value}"))
    }

    /// Loads `url` and waits for the page's `window.results`.
    async fn results(&self, session: &str, url: &str) -> Result<Value, String> {
        let at = |command: &str| format!("/session/{session}/{command}");
        self.call(
            reqwest::Method::POST,
            &at("timeouts"),
            Some(json!({"script": 60_000, "pageLoad": 30_000})),
        )
        .await?;
        self.call(reqwest::Method::POST, &at("url"), Some(json!({"url": url})))
            .await?;
        let script = "const done = arguments[arguments.length - 1];\
                      window.results.then(done, (e) => done({ error: String(e) }));";
        let results = self
            .call(
                reqwest::Method::POST,
                &at("execute/async"),
                Some(json!({"script": script, "args": []})),
            )
            .await?;
        if results.get("error").is_some() {
            return Err(format!("the page's script failed: {results}"));
        }
        Ok(results)
    }
}

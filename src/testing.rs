//! A conformance kit (feature `testing`): probes a whole app, as a tower `Service`,
//! and reports every response that breaks what this crate promises.
//!
//! [`Conformance`] sends, in-process:
//!
//! - an unknown route: a 404 (also asked for `application/problem+json`: a problem);
//! - each route with a method it lacks: a 405 with `Allow`;
//! - to each JSON route, malformed JSON and a wrong `Content-Type`: a 400 and a 415,
//!   after a 401 on a protected route without credentials (the body is checked
//!   after authentication), and again with the credentials you give;
//! - a `Content-Length` over the limit you give: a 413, before authentication;
//! - a hostile `X-Request-Id`: replaced;
//! - no credentials on a protected route: a 401 with `WWW-Authenticate`.
//!
//! On every response it checks the status, an `X-Request-Id` that is safe to echo,
//! and for an error: the JSON format (`application/json` or
//! `application/problem+json`) with a `code` and a `requestId` equal to the header,
//! `Cache-Control: no-store`, the headers the status requires (`WWW-Authenticate`,
//! `Allow`, `Retry-After`, `Accept`/`Accept-Post`), and, for a 5xx, no markers you
//! name and nothing that looks like a panic, a source path or a type name.
//!
//! ```
//! use axum::{routing::{get, post}, Router};
//! use axum_api_error::{testing::{Conformance, Route}, ApiErrorLayer, Json};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app: Router = Router::new()
//!     .route("/users", post(|Json(v): Json<serde_json::Value>| async move { Json(v) }))
//!     .route("/users/{id}", get(|| async { "Ada" }))
//!     .layer(ApiErrorLayer::new());
//!
//! let report = Conformance::new()
//!     .route(Route::new("POST", "/users").json())
//!     .route(Route::new("GET", "/users/1"))
//!     .check(app)
//!     .await;
//! report.assert_ok();
//! # }
//! ```
//!
//! Routes can come from the app's OpenAPI document instead
//! ([`Conformance::routes_from_openapi`]): each operation, its path parameters
//! replaced by `1`, JSON when its request body is, protected when its `security`
//! (or the document's) asks for credentials.

use std::fmt;

use axum_core::body::Body;
use bytes::Bytes;
use http::{
    header::{
        ACCEPT, ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER,
        WWW_AUTHENTICATE,
    },
    HeaderValue, Method, Request, Response,
};
use serde_json::Value;
use tower::{Service, ServiceExt};

use crate::{headers::ACCEPT_POST, layer::X_REQUEST_ID, request_id::RequestId};

/// A route to probe: a method and a concrete path (`/users/1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    method: Method,
    path: String,
    json: bool,
    protected: bool,
}

impl Route {
    /// `method` on `path`, a concrete path (`/users/1`, not `/users/{id}`).
    ///
    /// # Panics
    ///
    /// When `method` is not a method.
    #[must_use]
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        Self {
            method: Method::from_bytes(method.as_bytes()).expect("an HTTP method"),
            path: path.into(),
            json: false,
            protected: false,
        }
    }

    /// It takes a JSON body: the body probes are sent to it.
    #[must_use]
    pub const fn json(mut self) -> Self {
        self.json = true;
        self
    }

    /// It needs credentials: without them, a 401 comes first.
    #[must_use]
    pub const fn protected(mut self) -> Self {
        self.protected = true;
        self
    }
}

/// The probes and their checks (see the [module docs](self)).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Conformance {
    routes: Vec<Route>,
    body_limit: Option<usize>,
    credentials: Option<HeaderValue>,
    secrets: Vec<String>,
}

/// What [`Conformance::check`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    probes: usize,
    violations: Vec<Violation>,
}

/// One response that broke an invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The probe: `POST /users with malformed JSON`.
    pub probe: String,
    /// What was wrong.
    pub problem: String,
}

impl Conformance {
    /// No routes yet: only the unknown-route probes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Probes `route` too.
    pub fn route(mut self, route: Route) -> Self {
        self.routes.push(route);
        self
    }

    /// Probes every operation of an OpenAPI 3 document (as JSON, such as
    /// `serde_json::to_value(&ApiDoc::openapi())`).
    pub fn routes_from_openapi(mut self, doc: &Value) -> Self {
        let default_security = doc.get("security");
        let paths = doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            let concrete = concrete_path(path);
            for (method, operation) in item.as_object().into_iter().flatten() {
                let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                    continue;
                };
                let json = operation
                    .pointer("/requestBody/content")
                    .and_then(Value::as_object)
                    .is_some_and(|content| content.keys().any(|t| is_json(t)));
                let security = operation.get("security").or(default_security);
                let protected = security.and_then(Value::as_array).is_some_and(|reqs| {
                    !reqs.is_empty()
                        && reqs
                            .iter()
                            .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
                });
                self.routes.push(Route {
                    method,
                    path: concrete.clone(),
                    json,
                    protected,
                });
            }
        }
        self
    }

    /// The largest body the JSON routes take: a `Content-Length` one byte over it
    /// must get a 413.
    pub const fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// The `Authorization` value the body probes send to protected routes.
    ///
    /// # Panics
    ///
    /// When it is not a valid header value.
    pub fn with_credentials(mut self, authorization: &str) -> Self {
        self.credentials = Some(HeaderValue::from_str(authorization).expect("a header value"));
        self
    }

    /// A text no 5xx body may contain (a password of the test database, say).
    pub fn with_secret(mut self, marker: impl Into<String>) -> Self {
        self.secrets.push(marker.into());
        self
    }

    /// Sends every probe to `service` and checks each response.
    pub async fn check<S, B>(&self, service: S) -> Report
    where
        S: Service<Request<Body>, Response = Response<B>> + Clone,
        S::Error: fmt::Debug,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        let mut report = Report::default();
        for probe in self.probes() {
            report.probes += 1;
            let name = probe.name.clone();
            let res = match service.clone().oneshot(probe.request).await {
                Ok(res) => res,
                Err(e) => {
                    report.fail(&name, format!("the service failed: {e:?}"));
                    continue;
                }
            };
            let (parts, body) = res.into_parts();
            let body = match axum::body::to_bytes(Body::new(body), 1 << 20).await {
                Ok(body) => body,
                Err(e) => {
                    report.fail(&name, format!("the body could not be read: {e}"));
                    continue;
                }
            };
            for problem in check(&probe.expect, &parts, &body, &self.secrets) {
                report.fail(&name, problem);
            }
        }
        report
    }

    fn probes(&self) -> Vec<Probe> {
        let mut probes = vec![
            Probe::new(
                "GET an unknown route",
                Method::GET,
                UNKNOWN,
                Expect::Status(404),
            ),
            Probe::new(
                "GET an unknown route, asking for problem+json",
                Method::GET,
                UNKNOWN,
                Expect::Problem(404),
            )
            .header(ACCEPT, "application/problem+json"),
            Probe::new(
                "GET an unknown route with a hostile X-Request-Id",
                Method::GET,
                UNKNOWN,
                Expect::ReplacedId(404),
            )
            .header(X_REQUEST_ID, HOSTILE_ID),
        ];
        let mut paths: Vec<&str> = Vec::new();
        for route in &self.routes {
            if !paths.contains(&route.path.as_str()) {
                paths.push(&route.path);
            }
        }
        for path in paths {
            let declared: Vec<&Method> = self
                .routes
                .iter()
                .filter(|r| r.path == path)
                .map(|r| &r.method)
                .collect();
            let lacking = [
                Method::DELETE,
                Method::PATCH,
                Method::PUT,
                Method::POST,
                Method::GET,
            ]
            .into_iter()
            .find(|m| !declared.contains(&m));
            if let Some(method) = lacking {
                probes.push(Probe::new(
                    &format!("{method} {path}, a method it lacks"),
                    method,
                    path,
                    Expect::Status(405),
                ));
            }
        }
        for route in &self.routes {
            let (method, path) = (&route.method, route.path.as_str());
            if route.protected {
                probes.push(Probe::new(
                    &format!("{method} {path} without credentials"),
                    method.clone(),
                    path,
                    Expect::Status(401),
                ));
            }
            if !route.json {
                continue;
            }
            let bodies = [
                ("malformed JSON", "application/json", "{]", 400),
                ("a text/plain body", "text/plain", "hello", 415),
            ];
            for (what, content_type, body, status) in bodies {
                let mut send = |credentials: Option<&HeaderValue>, status: u16| {
                    let with = if credentials.is_some() {
                        ", with credentials"
                    } else {
                        ""
                    };
                    let mut probe = Probe::new(
                        &format!("{method} {path} with {what}{with}"),
                        method.clone(),
                        path,
                        Expect::Status(status),
                    )
                    .header(CONTENT_TYPE, content_type)
                    .body(body);
                    if let Some(credentials) = credentials {
                        probe = probe.header(AUTHORIZATION, credentials.clone());
                    }
                    probes.push(probe);
                };
                if route.protected {
                    send(None, 401);
                    if let Some(credentials) = &self.credentials {
                        send(Some(credentials), status);
                    }
                } else {
                    send(None, status);
                }
            }
            if let Some(limit) = self.body_limit {
                probes.push(
                    Probe::new(
                        &format!("{method} {path} with a Content-Length over {limit} bytes"),
                        method.clone(),
                        path,
                        Expect::Status(413),
                    )
                    .header(CONTENT_TYPE, "application/json")
                    .header(CONTENT_LENGTH, (limit + 1).to_string())
                    .body(" ".repeat(limit + 1)),
                );
            }
        }
        probes
    }
}

impl Report {
    fn fail(&mut self, probe: &str, problem: String) {
        self.violations.push(Violation {
            probe: probe.to_owned(),
            problem,
        });
    }

    /// How many probes were sent.
    #[must_use]
    pub const fn probes(&self) -> usize {
        self.probes
    }

    /// Every broken invariant, in the order of the probes.
    #[must_use]
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Whether every response kept every invariant.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// Panics with the whole report unless every response kept every invariant.
    ///
    /// # Panics
    ///
    /// On the first failing report, naming each probe and what was wrong.
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.is_ok(), "{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            return write!(f, "{} probes, every response as promised", self.probes);
        }
        writeln!(
            f,
            "{} of {} probes broke an invariant:",
            self.violations.len(),
            self.probes
        )?;
        for v in &self.violations {
            writeln!(f, "- {}: {}", v.probe, v.problem)?;
        }
        Ok(())
    }
}

const UNKNOWN: &str = "/__conformance/no-such-route";
const HOSTILE_ID: &str = "<script>alert(1)</script> ../etc/passwd";

/// What a probe's response must be.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Status(u16),
    Problem(u16),
    ReplacedId(u16),
}

struct Probe {
    name: String,
    expect: Expect,
    request: Request<Body>,
}

impl Probe {
    fn new(name: &str, method: Method, path: &str, expect: Expect) -> Self {
        let mut request = Request::new(Body::empty());
        *request.method_mut() = method;
        *request.uri_mut() = path.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
        Self {
            name: name.to_owned(),
            expect,
            request,
        }
    }

    fn header(mut self, name: http::HeaderName, value: impl TryInto<HeaderValue>) -> Self {
        if let Ok(value) = value.try_into() {
            self.request.headers_mut().insert(name, value);
        }
        self
    }

    fn body(mut self, body: impl Into<String>) -> Self {
        *self.request.body_mut() = Body::from(body.into());
        self
    }
}

/// The problems of one response.
fn check(
    expect: &Expect,
    parts: &http::response::Parts,
    body: &[u8],
    secrets: &[String],
) -> Vec<String> {
    let mut problems = Vec::new();
    let (Expect::Status(status) | Expect::Problem(status) | Expect::ReplacedId(status)) = *expect;
    if parts.status.as_u16() != status {
        problems.push(format!("status {}, not {status}", parts.status.as_u16()));
    }
    let id = parts.headers.get(X_REQUEST_ID);
    match id {
        None => problems.push("no X-Request-Id".to_owned()),
        Some(id) if RequestId::parse(id).is_none() => {
            problems.push(format!("an X-Request-Id that is not safe: {id:?}"));
        }
        Some(id) if matches!(expect, Expect::ReplacedId(_)) && id == HOSTILE_ID => {
            problems.push("the hostile X-Request-Id was echoed".to_owned());
        }
        Some(_) => {}
    }
    if parts.status.as_u16() < 400 {
        return problems;
    }
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let wanted = if matches!(expect, Expect::Problem(_)) {
        "application/problem+json"
    } else {
        "application/json"
    };
    if content_type != wanted {
        problems.push(format!("Content-Type {content_type:?}, not {wanted}"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => {
            let code = object
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if code.is_empty() {
                problems.push("no code in the body".to_owned());
            }
            let body_id = object.get("requestId").and_then(Value::as_str);
            let header_id = id.and_then(|v| v.to_str().ok());
            match body_id {
                None => problems.push("no requestId in the body".to_owned()),
                Some(body_id) if Some(body_id) != header_id => problems.push(format!(
                    "requestId {body_id:?} is not the X-Request-Id {header_id:?}"
                )),
                Some(_) => {}
            }
        }
        _ => problems.push(format!(
            "the body is not a JSON object: {:?}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )),
    }
    if parts
        .headers
        .get(CACHE_CONTROL)
        .is_none_or(|v| v != "no-store")
    {
        problems.push("no Cache-Control: no-store".to_owned());
    }
    let required: &[(u16, &[&http::HeaderName])] = &[
        (401, &[&WWW_AUTHENTICATE]),
        (405, &[&ALLOW]),
        (429, &[&RETRY_AFTER]),
        (503, &[&RETRY_AFTER]),
        (415, &[&ACCEPT, &ACCEPT_POST]),
    ];
    for (code, names) in required {
        if parts.status.as_u16() == *code && !names.iter().any(|n| parts.headers.contains_key(*n)) {
            let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            problems.push(format!("a {code} without {}", names.join(" or ")));
        }
    }
    if parts.status.is_server_error() {
        let text = String::from_utf8_lossy(body);
        for secret in secrets {
            if text.contains(secret.as_str()) {
                problems.push(format!("a 5xx body with the secret {secret:?}"));
            }
        }
        if let Some(found) = LEAKS.iter().find(|leak| text.contains(*leak)) {
            problems.push(format!(
                "a 5xx body that looks like a leak ({found:?}): {text}"
            ));
        }
    }
    problems
}

/// What a 5xx body that leaks looks like: a panic, a source path, a type path.
const LEAKS: [&str; 5] = ["panicked", ".rs:", "src/", "::", "RUST_BACKTRACE"];

/// A path template's parameters (`{id}`) replaced by `1`.
fn concrete_path(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => in_param = true,
            '}' if in_param => {
                in_param = false;
                out.push('1');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}

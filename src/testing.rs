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

use crate::{
    headers::ACCEPT_POST,
    request_id::{RequestId, X_REQUEST_ID},
};

/// A route to probe: a method and a concrete path (`/users/1`). List every method
/// a path has: a method missing from the list is sent as the one the path lacks
/// (`TRACE` first, the least harmful).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    method: Method,
    path: String,
    /// The JSON media type the route takes, when it takes one.
    json: Option<String>,
    /// Whether it takes `text/plain` too (no 415 is then expected for it).
    text: bool,
    protected: bool,
    expect: Option<u16>,
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
            method: Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .expect("an HTTP method"),
            path: path.into(),
            json: None,
            text: false,
            protected: false,
            expect: None,
        }
    }

    /// It takes a JSON body (`application/json`): the body probes are sent to it.
    #[must_use]
    pub fn json(mut self) -> Self {
        self.json = Some("application/json".to_owned());
        self
    }

    /// Sends the route as it is, without a body, and expects `status`: for a route
    /// whose failure is the point (`GET /crash`, a 500 whose body must not leak).
    #[must_use]
    pub const fn expecting(mut self, status: u16) -> Self {
        self.expect = Some(status);
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
#[must_use = "a report says nothing until it is read: call `assert_ok`"]
pub struct Report {
    probes: usize,
    violations: Vec<Violation>,
}

/// One response that broke an invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
        const OPERATIONS: [&str; 8] = [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ];
        let default_security = doc.get("security");
        let paths = doc.get("paths").and_then(Value::as_object);
        for (path, item) in paths.into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                if !OPERATIONS.contains(&method.as_str()) {
                    continue;
                }
                let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                    continue;
                };
                let content = operation
                    .pointer("/requestBody/content")
                    .and_then(Value::as_object);
                let types: Vec<&str> = content
                    .into_iter()
                    .flat_map(|c| c.keys().map(String::as_str))
                    .collect();
                let security = operation.get("security").or(default_security);
                let protected = security.and_then(Value::as_array).is_some_and(|reqs| {
                    !reqs.is_empty()
                        && reqs
                            .iter()
                            .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
                });
                self.routes.push(Route {
                    method,
                    path: concrete_path(path, item, operation),
                    json: types.iter().find(|t| is_json(t)).map(|t| (*t).to_owned()),
                    text: types.iter().any(|t| t.starts_with("text/plain")),
                    protected,
                    expect: None,
                });
            }
        }
        self
    }

    /// The largest body the JSON routes take: a `Content-Length` one byte over it
    /// must get a 413, before authentication, as when a `RequestBodyLimitLayer`
    /// runs outside it (axum's `DefaultBodyLimit` alone applies only when a handler
    /// reads the body, after an authentication extractor).
    pub const fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// The `Authorization` value the body probes send to protected routes (kept
    /// out of `Debug`).
    ///
    /// # Panics
    ///
    /// When it is not a valid header value.
    pub fn with_authorization(mut self, authorization: &str) -> Self {
        let mut value = HeaderValue::from_str(authorization).expect("a header value");
        value.set_sensitive(true);
        self.credentials = Some(value);
        self
    }

    /// A text no 5xx body may contain (a password of the test database, say),
    /// looked for in the body and in its JSON strings; an empty one is ignored.
    pub fn with_secret(mut self, marker: impl Into<String>) -> Self {
        let marker = marker.into();
        if !marker.is_empty() {
            self.secrets.push(marker);
        }
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
            let request = match probe.request {
                Ok(request) => request,
                Err(problem) => {
                    report.fail(&name, problem);
                    continue;
                }
            };
            let head = request.method() == Method::HEAD;
            let res = match service.clone().oneshot(request).await {
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
            for problem in check(&probe.expect, &parts, &body, &self.secrets, head) {
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
            if let Some(status) = route.expect {
                probes.push(Probe::new(
                    &format!("{method} {path} as it is"),
                    method.clone(),
                    path,
                    Expect::Status(status),
                ));
            }
            // A preflight answers OPTIONS before any authentication.
            if route.protected && *method != Method::OPTIONS {
                probes.push(Probe::new(
                    &format!("{method} {path} without credentials"),
                    method.clone(),
                    path,
                    Expect::Status(401),
                ));
            }
            let Some(json_type) = &route.json else {
                continue;
            };
            let mut bodies = vec![("malformed JSON", json_type.as_str(), "{]", 400)];
            if !route.text {
                bodies.push(("a text/plain body", "text/plain", "hello", 415));
            }
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
                if route.protected && *method != Method::OPTIONS {
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
                    .header(CONTENT_TYPE, json_type.as_str())
                    .header(CONTENT_LENGTH, limit.saturating_add(1).to_string())
                    .body(" ".repeat(limit.saturating_add(1))),
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
    /// The request, or why there is none (a path that is not a URI).
    request: Result<Request<Body>, String>,
}

impl Probe {
    fn new(name: &str, method: Method, path: &str, expect: Expect) -> Self {
        let request = path
            .parse::<http::Uri>()
            .map(|uri| {
                let mut request = Request::new(Body::empty());
                *request.method_mut() = method;
                *request.uri_mut() = uri;
                request
            })
            .map_err(|_| format!("the path {path:?} is not a URI: no request sent"));
        Self {
            name: name.to_owned(),
            expect,
            request,
        }
    }

    fn header(mut self, name: http::HeaderName, value: impl TryInto<HeaderValue>) -> Self {
        if let (Ok(request), Ok(value)) = (&mut self.request, value.try_into()) {
            request.headers_mut().insert(name, value);
        }
        self
    }

    fn body(mut self, body: impl Into<String>) -> Self {
        if let Ok(request) = &mut self.request {
            *request.body_mut() = Body::from(body.into());
        }
        self
    }
}

/// The problems of one response.
fn check(
    expect: &Expect,
    parts: &http::response::Parts,
    body: &[u8],
    secrets: &[String],
    head: bool,
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
    // A HEAD response has the headers of a GET's and no content (RFC 9110 §9.3.2).
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
    let parsed = serde_json::from_slice::<Value>(body);
    match &parsed {
        _ if head => {}
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
        // The body as sent, and its JSON strings as a client reads them (a secret
        // with a quote or a backslash is escaped in the former).
        let mut text = String::from_utf8_lossy(body).into_owned();
        if let Ok(value) = &parsed {
            strings(value, &mut text);
        }
        for secret in secrets {
            if text.contains(secret.as_str()) {
                problems.push(format!("a 5xx body with the secret {secret:?}"));
            }
        }
        for leak in LEAKS.iter().filter(|leak| text.contains(*leak)) {
            let shown: String = String::from_utf8_lossy(body).chars().take(200).collect();
            problems.push(format!(
                "a 5xx body that looks like a leak ({leak:?}): {shown}"
            ));
        }
    }
    problems
}

/// What a 5xx body that leaks looks like: a panic, a source path, a type path.
const LEAKS: [&str; 5] = ["panicked", ".rs:", "src/", "::", "RUST_BACKTRACE"];

/// Every string in `value`, appended to `out`, a newline before each.
fn strings(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push('\n');
            out.push_str(s);
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(members) => members.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// A path template's parameters (`{id}`) replaced by a value of their schema: the
/// parameter's `example` (or its schema's), a nil UUID for `format: uuid`, else `1`.
fn concrete_path(template: &str, item: &Value, operation: &Value) -> String {
    let parameters: Vec<&Value> = [item, operation]
        .iter()
        .filter_map(|v| v.get("parameters").and_then(Value::as_array))
        .flatten()
        .collect();
    let value_of = |name: &str| -> String {
        let param = parameters.iter().find(|p| {
            p.get("in").and_then(Value::as_str) == Some("path")
                && p.get("name").and_then(Value::as_str) == Some(name)
        });
        let example = param.and_then(|p| {
            p.get("example")
                .or_else(|| p.pointer("/schema/example"))
                .map(|e| match e {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
        });
        let uuid = param
            .and_then(|p| p.pointer("/schema/format"))
            .and_then(Value::as_str)
            == Some("uuid");
        example.unwrap_or_else(|| {
            if uuid {
                "00000000-0000-0000-0000-000000000000".to_owned()
            } else {
                "1".to_owned()
            }
        })
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&value_of(&rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence == "application/json" || essence.ends_with("+json")
}

//! CORS for an API whose errors a browser must read (feature `cors`): [`Cors`], a
//! layer built on tower-http 0.7's `CorsLayer`, configured for this crate's
//! responses.
//!
//! A browser hands a cross-origin response to the page's script only when it carries
//! `Access-Control-Allow-Origin`, and lets the script read only the CORS-safelisted
//! response headers (`Content-Type`, `Cache-Control`, ...) unless
//! `Access-Control-Expose-Headers` names the others. A front end needs `X-Request-Id`
//! to report an error, `Retry-After` and the rate-limit fields to back off,
//! `WWW-Authenticate` to sign in again, `Location` and `ETag` after a create. So
//! [`Cors`] exposes, by default:
//!
//! | exposed | why |
//! |---|---|
//! | `X-Request-Id` | the id of every response, also in the error body |
//! | `Retry-After`, `RateLimit`, `RateLimit-Policy`, `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` | a 429's or a 503's wait, and the quota |
//! | `WWW-Authenticate` | a 401's challenge |
//! | `Allow`, `Accept`, `Accept-Post` | what a 405 or a 415 allows |
//! | `Location`, `ETag`, `Link`, `X-Total-Count` | a create's address, a version to send back in `If-Match`, pagination |
//!
//! and allows the request headers an API client sends, `Authorization` among them by
//! name (the Fetch standard never lets `*` cover it): `Accept`, `Authorization`,
//! `Content-Type`, `If-Match`, `If-None-Match`, `X-Request-Id`, `traceparent` and
//! `tracestate`. Add to either list with [`Cors::add_exposed_headers`] and
//! [`Cors::add_allowed_headers`]. The methods are `GET`, `HEAD`, `POST`, `PUT`,
//! `PATCH` and `DELETE` ([`Cors::with_allowed_methods`]).
//!
//! A request id header of another name ([`ApiErrorLayer::with_header_name`](crate::ApiErrorLayer::with_header_name))
//! is not exposed unless added.
//!
//! Every response, errors included, says `Vary: Origin` when the origins are a list
//! (as is `Access-Control-Allow-Origin`, which names the request's origin), so that a
//! cache never serves one origin's answer to another.
//!
//! # Where to add it
//!
//! Outside [`ApiErrorLayer`](crate::ApiErrorLayer), and outside authentication and
//! rate limiting: a preflight (`OPTIONS` with `Access-Control-Request-Method`) is
//! answered by tower-http before it reaches them, so it is never refused for a
//! missing token nor counted against a quota; and every response the layer renders,
//! the 500 of a panic included, passes through `Cors` on its way out.
//!
//! ```
//! use axum::{body::Body, http::Request, routing::get, Router};
//! use axum_api_error::{cors::Cors, ApiError, ApiErrorLayer};
//! use tower::ServiceExt;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//!
//! // From configuration, such as `CORS_ORIGINS=https://app.example.com,http://localhost:5173`.
//! let cors = Cors::exact_origins("https://app.example.com,http://localhost:5173".split(','))
//!     .expect("origins are scheme://host[:port]");
//! let app: Router = Router::new()
//!     .route("/api/users/{id}", get(|| async { Err::<(), _>(ApiError::not_found()) }))
//!     .layer(ApiErrorLayer::new())
//!     .layer(cors); // added last: outermost
//!
//! let req = Request::get("/api/users/7")
//!     .header("origin", "http://localhost:5173")
//!     .body(Body::empty())
//!     .unwrap();
//! let res = app.oneshot(req).await.unwrap();
//! assert_eq!(res.status(), 404);
//! assert_eq!(res.headers()["access-control-allow-origin"], "http://localhost:5173");
//! let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap();
//! assert!(exposed.split(',').any(|name| name == "x-request-id"));
//! assert_eq!(res.headers()["vary"], "accept, origin");
//! # }
//! ```
//!
//! # In the other order
//!
//! With `Cors` inside the layer, every response of the app still passes through it,
//! and the layer keeps the `Access-Control-*` and `Vary` headers of a response it
//! rewrites. But the 500 of a panic is made by the layer itself, outside `Cors`: give
//! the layer the same configuration with
//! [`ApiErrorLayer::with_cors`](crate::ApiErrorLayer::with_cors), and it puts the
//! same headers on that response too (and on any other that lacks them).
//!
//! # Plain `OPTIONS`
//!
//! tower-http answers every `OPTIONS` request as a preflight. `Cors` hands one
//! without `Origin` or `Access-Control-Request-Method` (a preflight has both) to the
//! app, so that it gets the app's own answer (a 405 with `Allow`, through the layer),
//! with the CORS headers of any other request.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{ready, Context, Poll},
    time::Duration,
};

use http::{
    header::{
        ACCEPT, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN,
        ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ALLOW, AUTHORIZATION,
        CONTENT_TYPE, ETAG, IF_MATCH, IF_NONE_MATCH, LINK, LOCATION, ORIGIN, RETRY_AFTER,
        WWW_AUTHENTICATE,
    },
    uri::Authority,
    HeaderMap, HeaderName, HeaderValue, Method, Request, Response,
};
use pin_project_lite::pin_project;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_layer::Layer;
use tower_service::Service;

use crate::{
    headers::{
        ACCEPT_POST, RATELIMIT, RATELIMIT_POLICY, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING,
        X_RATELIMIT_RESET,
    },
    request_id::X_REQUEST_ID,
};

/// The response headers [`Cors`] exposes by default.
const EXPOSED_HEADERS: [HeaderName; 15] = [
    X_REQUEST_ID,
    RETRY_AFTER,
    RATELIMIT,
    RATELIMIT_POLICY,
    X_RATELIMIT_LIMIT,
    X_RATELIMIT_REMAINING,
    X_RATELIMIT_RESET,
    WWW_AUTHENTICATE,
    ALLOW,
    ACCEPT,
    ACCEPT_POST,
    LOCATION,
    ETAG,
    LINK,
    HeaderName::from_static("x-total-count"),
];

/// The request headers [`Cors`] allows by default.
const ALLOWED_HEADERS: [HeaderName; 8] = [
    ACCEPT,
    AUTHORIZATION,
    CONTENT_TYPE,
    IF_MATCH,
    IF_NONE_MATCH,
    X_REQUEST_ID,
    HeaderName::from_static("traceparent"),
    HeaderName::from_static("tracestate"),
];

/// The methods [`Cors`] allows by default.
const ALLOWED_METHODS: [Method; 6] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// How long a browser may cache a preflight's answer by default.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);

/// CORS for the API's responses, errors included: a layer (see the [module
/// docs](self)).
#[derive(Debug, Clone)]
#[must_use]
pub struct Cors {
    rule: Arc<Rule>,
    allowed_headers: Vec<HeaderName>,
    methods: Vec<Method>,
    max_age: Duration,
}

/// What every response (not a preflight's) is given, shared by [`CorsService`] and
/// the layer ([`ApiErrorLayer::with_cors`](crate::ApiErrorLayer::with_cors)).
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    origins: Origins,
    exposed: Vec<HeaderName>,
    exposed_value: HeaderValue,
    credentials: bool,
}

#[derive(Debug, Clone)]
enum Origins {
    Exact(Vec<HeaderValue>),
    Any,
}

impl Cors {
    /// Allows these origins, each `scheme://host[:port]` as a browser sends it in
    /// `Origin`; none when the list is empty. Each is trimmed, an empty one is
    /// skipped (so a comma-separated setting can be passed split, unset or empty
    /// meaning none), scheme and host are lower-cased and a default port (`:80` for
    /// `http`, `:443` for `https`) is dropped, since browsers send neither.
    ///
    /// # Errors
    ///
    /// [`InvalidOrigin`] for one that is not an origin: with a path (a trailing `/`
    /// included), a query, user info or no host; `*` (use [`Cors::any_origin`]); or
    /// `null`, which sandboxed documents and `file:` pages share, so allowing it
    /// would allow them all.
    ///
    /// ```
    /// use axum_api_error::cors::Cors;
    ///
    /// assert!(Cors::exact_origins(["https://app.example.com", " http://localhost:5173 "]).is_ok());
    /// let err = Cors::exact_origins(["https://app.example.com/"]).unwrap_err();
    /// assert_eq!(err.to_string(), "`https://app.example.com/` is not a CORS origin: it has a path");
    /// ```
    pub fn exact_origins<I>(origins: I) -> Result<Self, InvalidOrigin>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut list = Vec::new();
        for origin in origins {
            let origin = origin.as_ref().trim();
            if origin.is_empty() {
                continue;
            }
            let value = parse_origin(origin)?;
            if !list.contains(&value) {
                list.push(value);
            }
        }
        Ok(Self::with_origins(Origins::Exact(list)))
    }

    /// Allows every origin (`Access-Control-Allow-Origin: *`), for a public API
    /// called without credentials. Responses then do not vary on `Origin`.
    pub fn any_origin() -> Self {
        Self::with_origins(Origins::Any)
    }

    fn with_origins(origins: Origins) -> Self {
        let exposed = EXPOSED_HEADERS.to_vec();
        Self {
            rule: Arc::new(Rule {
                origins,
                exposed_value: join(&exposed),
                exposed,
                credentials: false,
            }),
            allowed_headers: ALLOWED_HEADERS.to_vec(),
            methods: ALLOWED_METHODS.to_vec(),
            max_age: DEFAULT_MAX_AGE,
        }
    }

    /// Exposes these response headers too (such as a request id header of another
    /// name than `X-Request-Id`).
    pub fn add_exposed_headers(mut self, headers: impl IntoIterator<Item = HeaderName>) -> Self {
        let rule = Arc::make_mut(&mut self.rule);
        add_names(&mut rule.exposed, headers);
        rule.exposed_value = join(&rule.exposed);
        self
    }

    /// Allows these request headers too.
    pub fn add_allowed_headers(mut self, headers: impl IntoIterator<Item = HeaderName>) -> Self {
        add_names(&mut self.allowed_headers, headers);
        self
    }

    /// The methods a preflight allows, in place of `GET`, `HEAD`, `POST`, `PUT`,
    /// `PATCH` and `DELETE`.
    pub fn with_allowed_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// Whether the browser may send cookies and HTTP authentication
    /// (`Access-Control-Allow-Credentials: true`); off by default.
    ///
    /// # Panics
    ///
    /// With [`Cors::any_origin`], which the Fetch standard forbids with credentials.
    pub fn with_credentials(mut self, on: bool) -> Self {
        assert!(
            !(on && matches!(self.rule.origins, Origins::Any)),
            "CORS credentials cannot be allowed for any origin: list the origins with `Cors::exact_origins`"
        );
        Arc::make_mut(&mut self.rule).credentials = on;
        self
    }

    /// How long a browser may cache a preflight's answer
    /// ([`DEFAULT_MAX_AGE`] by default; Chromium caps it at two hours).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Whether a request from `origin` is allowed.
    #[must_use]
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        self.rule.allowed(Some(origin)).is_some()
    }

    pub(crate) fn rule(&self) -> Arc<Rule> {
        Arc::clone(&self.rule)
    }

    /// tower-http's layer, for the preflights and the other requests.
    fn tower_http(&self) -> CorsLayer {
        let layer = CorsLayer::new()
            .allow_methods(self.methods.clone())
            .allow_headers(self.allowed_headers.clone())
            .expose_headers(self.rule.exposed.clone())
            .allow_credentials(self.rule.credentials)
            .max_age(self.max_age);
        match &self.rule.origins {
            Origins::Exact(list) => layer.allow_origin(AllowOrigin::list(list.iter().cloned())),
            Origins::Any => layer.allow_origin(tower_http::cors::Any),
        }
    }
}

impl<S> Layer<S> for Cors {
    type Service = CorsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorsService {
            inner: self.tower_http().layer(inner),
            rule: self.rule(),
        }
    }
}

impl Rule {
    /// The `Access-Control-Allow-Origin` for a request from `origin`, if allowed.
    fn allowed(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        match &self.origins {
            Origins::Any => Some(HeaderValue::from_static("*")),
            Origins::Exact(list) => origin.filter(|o| list.contains(o)).cloned(),
        }
    }

    /// Gives a response (not a preflight's) the CORS headers it lacks, as tower-http
    /// does: `Vary: Origin`, `Access-Control-Allow-Origin` for an allowed origin,
    /// and `-Allow-Credentials` and `-Expose-Headers` (sent to every origin; without
    /// the first, the browser hands the script nothing).
    pub(crate) fn fill(&self, headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
        if matches!(self.origins, Origins::Exact(_)) {
            crate::response::add_vary(headers, "origin");
        }
        if !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN) {
            if let Some(allowed) = self.allowed(origin) {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
            }
        }
        if self.credentials && !headers.contains_key(ACCESS_CONTROL_ALLOW_CREDENTIALS) {
            headers.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if !self.exposed.is_empty() && !headers.contains_key(ACCESS_CONTROL_EXPOSE_HEADERS) {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, self.exposed_value.clone());
        }
    }
}

/// The service [`Cors`] wraps around another: tower-http's `Cors`, except that a
/// plain `OPTIONS` (not a preflight) reaches the app.
#[derive(Debug, Clone)]
#[must_use]
pub struct CorsService<S> {
    inner: tower_http::cors::Cors<S>,
    rule: Arc<Rule>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CorsService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let kind = if req.method() == Method::OPTIONS && !is_preflight(req.headers()) {
            Kind::Plain {
                origin: req.headers().get(ORIGIN).cloned(),
                rule: Arc::clone(&self.rule),
                // Ready: tower-http's `poll_ready` is the inner service's.
                future: self.inner.get_mut().call(req),
            }
        } else {
            Kind::Cors {
                future: self.inner.call(req),
            }
        };
        ResponseFuture { kind }
    }
}

pin_project! {
    /// The future of [`CorsService`].
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Cors { #[pin] future: tower_http::cors::ResponseFuture<F> },
        Plain { #[pin] future: F, origin: Option<HeaderValue>, rule: Arc<Rule> },
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Cors { future } => {
                // tower-http adds `Vary: origin` as a line of its own.
                let mut res = ready!(future.poll(cx))?;
                crate::response::merge_vary(res.headers_mut());
                Poll::Ready(Ok(res))
            }
            KindProj::Plain {
                future,
                origin,
                rule,
            } => {
                let mut res = ready!(future.poll(cx))?;
                rule.fill(res.headers_mut(), origin.as_ref());
                Poll::Ready(Ok(res))
            }
        }
    }
}

/// Whether an `OPTIONS` request is a CORS preflight (the Fetch standard, §3.2.2): it
/// has `Origin` and `Access-Control-Request-Method`.
pub(crate) fn is_preflight(headers: &HeaderMap) -> bool {
    headers.contains_key(ORIGIN) && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// A configured origin that is not one (see [`Cors::exact_origins`]).
#[derive(Debug, Clone)]
pub struct InvalidOrigin {
    origin: String,
    reason: &'static str,
}

impl fmt::Display for InvalidOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a CORS origin: {}", self.origin, self.reason)
    }
}

impl std::error::Error for InvalidOrigin {}

/// An origin as browsers serialise it (RFC 6454 §6.1, the Fetch standard):
/// `scheme://host[:port]`, lower-case, without a default port.
fn parse_origin(origin: &str) -> Result<HeaderValue, InvalidOrigin> {
    let invalid = |reason| InvalidOrigin {
        origin: origin.to_owned(),
        reason,
    };
    if origin == "*" {
        return Err(invalid("use `Cors::any_origin` to allow every origin"));
    }
    if origin.eq_ignore_ascii_case("null") {
        return Err(invalid(
            "`null` is the origin of every sandboxed document and file: page",
        ));
    }
    let (scheme, rest) = origin
        .split_once("://")
        .ok_or_else(|| invalid("it is not scheme://host[:port]"))?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(invalid("its scheme is not a URL scheme"));
    }
    if rest.contains('/') {
        return Err(invalid("it has a path"));
    }
    if rest.contains(['?', '#']) {
        return Err(invalid("it has a query or a fragment"));
    }
    if rest.contains('@') {
        return Err(invalid("it has user info"));
    }
    if !rest.is_ascii() {
        return Err(invalid(
            "its host is not ASCII: write it as browsers send it, in punycode (`xn--`)",
        ));
    }
    let authority: Authority = rest.parse().map_err(|_| invalid("its host is not valid"))?;
    if authority.host().is_empty() {
        return Err(invalid("it has no host"));
    }
    // What follows the host: nothing, or `:` and the port's digits.
    let port = match &rest[authority.host().len()..] {
        "" => None,
        ":" => return Err(invalid("its port is empty")),
        after => match after.strip_prefix(':') {
            Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => match port.parse::<u16>() {
                Ok(0) | Err(_) => return Err(invalid("its port is not from 1 to 65535")),
                Ok(port) => Some(port),
            },
            _ => return Err(invalid("its host is not valid")),
        },
    };
    let scheme = scheme.to_ascii_lowercase();
    let host = canonical_host(authority.host())
        .ok_or_else(|| invalid("its IP address is not written as browsers send it"))?;
    let default_port = match scheme.as_str() {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    let serialised = match port {
        Some(port) if Some(port) != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    };
    HeaderValue::from_str(&serialised).map_err(|_| invalid("its host is not valid"))
}

/// The host as the URL standard serialises it: lower-case; an IPv6 address in
/// brackets, compressed (RFC 5952, IPv4-mapped ones in hex too); `None` for an
/// address a browser would write otherwise (`127.1`, `0x7f.0.0.1`, a zone id).
fn canonical_host(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: std::net::Ipv6Addr = inner.parse().ok()?;
        return Some(format!("[{}]", ipv6_as_browsers_write(ip)));
    }
    // A host whose last label is a number is an IPv4 address to the URL standard.
    let last = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or_default();
    let numeric =
        !last.is_empty() && (last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x"));
    if numeric {
        let ip: std::net::Ipv4Addr = host.parse().ok()?;
        return (ip.to_string() == host).then_some(host);
    }
    Some(host)
}

/// An IPv6 address in the URL standard's form: hex pieces, the first longest run of
/// two or more zero pieces as `::`, never a dotted IPv4 tail.
fn ipv6_as_browsers_write(ip: std::net::Ipv6Addr) -> String {
    let pieces = ip.segments();
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (i, piece) in pieces.iter().enumerate() {
        if *piece == 0 {
            run = if run.1 == 0 {
                (i, 1)
            } else {
                (run.0, run.1 + 1)
            };
            if run.1 > best.1 {
                best = run;
            }
        } else {
            run = (0, 0);
        }
    }
    let hex = |range: &[u16]| {
        range
            .iter()
            .map(|p| format!("{p:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    if best.1 < 2 {
        return hex(&pieces);
    }
    let (start, end) = (best.0, best.0 + best.1);
    format!("{}::{}", hex(&pieces[..start]), hex(&pieces[end..]))
}

fn add_names(list: &mut Vec<HeaderName>, names: impl IntoIterator<Item = HeaderName>) {
    for name in names {
        if !list.contains(&name) {
            list.push(name);
        }
    }
}

/// The names, comma-separated, as tower-http writes them.
fn join(names: &[HeaderName]) -> HeaderValue {
    let joined = names
        .iter()
        .map(HeaderName::as_str)
        .collect::<Vec<_>>()
        .join(",");
    HeaderValue::from_str(&joined).expect("header names are valid in a header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Result<String, String> {
        parse_origin(s)
            .map(|v| v.to_str().unwrap().to_owned())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn origins_are_serialised_as_browsers_send_them() {
        assert_eq!(
            origin("https://app.example.com").unwrap(),
            "https://app.example.com"
        );
        assert_eq!(
            origin("HTTPS://App.Example.COM:443").unwrap(),
            "https://app.example.com"
        );
        assert_eq!(origin("http://127.0.0.1:80").unwrap(), "http://127.0.0.1");
        assert_eq!(
            origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            origin("https://localhost:80").unwrap(),
            "https://localhost:80"
        );
        assert_eq!(origin("http://[::1]:3000").unwrap(), "http://[::1]:3000");
        assert_eq!(origin("http://[0:0::1]").unwrap(), "http://[::1]");
        assert_eq!(
            origin("http://[::FFFF:127.0.0.1]").unwrap(),
            "http://[::ffff:7f00:1]"
        );
        assert_eq!(
            origin("http://[1:0:0:2:0:0:0:3]").unwrap(),
            "http://[1:0:0:2::3]"
        );
        assert_eq!(
            origin("http://[1:2:3:4:5:6:7:8]").unwrap(),
            "http://[1:2:3:4:5:6:7:8]"
        );
        assert_eq!(
            origin("http://[1:0:2:3:4:5:6:7]").unwrap(),
            "http://[1:0:2:3:4:5:6:7]"
        );
        assert_eq!(
            origin("https://xn--bcher-kva.example").unwrap(),
            "https://xn--bcher-kva.example"
        );
        assert_eq!(
            origin("chrome-extension://abcdef").unwrap(),
            "chrome-extension://abcdef"
        );
    }

    #[test]
    fn what_is_not_an_origin_is_refused_with_the_reason() {
        for (bad, reason) in [
            ("*", "use `Cors::any_origin` to allow every origin"),
            (
                "null",
                "`null` is the origin of every sandboxed document and file: page",
            ),
            ("app.example.com", "it is not scheme://host[:port]"),
            ("https://app.example.com/", "it has a path"),
            ("https://app.example.com/app", "it has a path"),
            (
                "https://app.example.com?x=1",
                "it has a query or a fragment",
            ),
            ("https://user@app.example.com", "it has user info"),
            ("https://", "its host is not valid"),
            ("https://app.example.com:", "its port is empty"),
            (
                "https://app.example.com:99999",
                "its port is not from 1 to 65535",
            ),
            (
                "https://app.example.com:0",
                "its port is not from 1 to 65535",
            ),
            ("1http://a", "its scheme is not a URL scheme"),
            ("https://a b", "its host is not valid"),
            ("http://[::1]abc:8080", "its host is not valid"),
            ("http://[::1]x", "its host is not valid"),
            ("http://a:+80", "its host is not valid"),
            (
                "http://127.1",
                "its IP address is not written as browsers send it",
            ),
            (
                "http://0x7f.0.0.1",
                "its IP address is not written as browsers send it",
            ),
            (
                "http://[fe80::1%25eth0]",
                "its IP address is not written as browsers send it",
            ),
            (
                "https://bücher.example",
                "its host is not ASCII: write it as browsers send it, in punycode (`xn--`)",
            ),
        ] {
            assert_eq!(
                origin(bad).expect_err(bad),
                format!("`{bad}` is not a CORS origin: {reason}"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_comma_separated_setting_splits_into_origins() {
        let cors = Cors::exact_origins(
            " http://a.test:3000, ,https://b.test,http://a.test:3000".split(','),
        )
        .unwrap();
        let Origins::Exact(list) = &cors.rule.origins else {
            panic!("exact origins")
        };
        assert_eq!(list, &["http://a.test:3000", "https://b.test"]);
        assert!(cors.allows(&HeaderValue::from_static("https://b.test")));
        assert!(!cors.allows(&HeaderValue::from_static("https://b.test:8443")));
        let none = Cors::exact_origins("".split(',')).unwrap();
        assert!(!none.allows(&HeaderValue::from_static("https://b.test")));
    }

    #[test]
    #[should_panic(expected = "CORS credentials cannot be allowed for any origin")]
    fn credentials_for_any_origin_panic_when_configured() {
        let _ = Cors::any_origin().with_credentials(true);
    }

    #[test]
    fn exposed_and_allowed_headers_are_added_once() {
        let cors = Cors::any_origin()
            .add_exposed_headers([HeaderName::from_static("x-correlation-id"), ETAG])
            .add_allowed_headers([AUTHORIZATION, HeaderName::from_static("x-api-key")]);
        assert_eq!(cors.rule.exposed.len(), EXPOSED_HEADERS.len() + 1);
        assert!(cors
            .rule
            .exposed_value
            .to_str()
            .unwrap()
            .ends_with(",x-total-count,x-correlation-id"));
        assert_eq!(cors.allowed_headers.len(), ALLOWED_HEADERS.len() + 1);
    }
}

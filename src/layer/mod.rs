//! [`ApiErrorLayer`]: the tower layer, its service and its future, the event its
//! `on_error` hook sees, and the defaults it starts from.
//!
//! Wrapped around a whole `Router`, the app is an [`ApiErrorService<Router>`]; serve
//! it with axum's `into_make_service` (naming the request type, which the service
//! alone does not fix), or `into_make_service_with_connect_info::<SocketAddr>()`
//! where an extractor or a rate limiter needs the peer address. Give it the router
//! after `with_state` (`with_state(())` for a router without state): a `Router` used
//! as a plain service converts its handlers again on every request otherwise, and
//! a layer added with `Router::layer` is built anew each time, so that a stateful
//! one (tower's `RateLimit`, say) limits nothing. axum's own `into_make_service`
//! does this for an unwrapped `Router`.
//!
//! ```
//! use axum::{body::Body, extract::Request, http::StatusCode, routing::get, Router};
//! use axum_api_error::{layer::ApiErrorService, ApiErrorLayer};
//! use tower::{Layer, ServiceExt};
//!
//! fn app() -> ApiErrorService<Router> {
//!     ApiErrorLayer::new().layer(Router::new().route("/", get(|| async { "hi" })).with_state(()))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let res = app().oneshot(Request::get("/nope").body(Body::empty()).unwrap()).await.unwrap();
//! assert_eq!(res.status(), StatusCode::NOT_FOUND);
//! assert_eq!(res.headers()["content-type"], "application/json");
//! # let _ = async {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, axum::ServiceExt::<Request>::into_make_service(app())).await.unwrap();
//! # };
//! # }
//! ```

mod content_length;
mod future;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
mod normalise;
#[cfg(feature = "opentelemetry")]
mod otel;
mod service;
mod trace;

use std::{borrow::Cow, fmt, sync::Arc};

use http::{HeaderName, Method, StatusCode};
use tower_layer::Layer;
use tracing::Level;

#[cfg(feature = "tower-http")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower-http")))]
pub use self::trace::RequestSpan;
pub use self::{future::ResponseFuture, service::ApiErrorService, trace::install_panic_hook};
use crate::{
    headers::{Challenge, RetryAfter},
    request_id::RequestId,
    response::Defaults,
    validate::FieldCase,
    wire::ErrorFormat,
};

pub use crate::render::DEFAULT_RETRY_AFTER;

/// [`ApiErrorLayer`]: request ids, one error shape for every failure, caught panics
/// and one log line per error.
///
/// # What it does to each request
///
/// 1. Takes the incoming `X-Request-Id` when it is safe (see [`RequestId::parse`]),
///    else generates one; puts it in the request's extensions (where the
///    [`RequestId`] extractor finds it) and in the request's header in place of a
///    missing or unsafe one (so that tower-http's `SetRequestIdLayer` and
///    `TraceLayer` inside read the same id; give them the layer's header name), in a `request` tracing span (or the current span's
///    `request_id` field: [`ApiErrorLayer::with_request_span`]), and on the
///    response.
/// 2. Calls the inner service, catching a panic in `call` or in its future (a 500).
/// 3. On a response with status >= 400:
///    - an [`ApiError`](crate::ApiError) from a handler is rendered with the request
///      id, in the format the request's `Accept` prefers (JSON unless
///      `application/problem+json` ranks higher; ties go to
///      [`ApiErrorLayer::with_format`]);
///    - a response someone else made (axum's 404/405 and rejections, a bare
///      `StatusCode`, tower-http's timeout and body limit) with an empty or
///      `text/plain` body is rewritten into the same shape with a stable `code`,
///      keeping its headers (axum's `Allow`, a `Retry-After`, which the body then
///      states too) but those about the body it replaces (`Content-Encoding`, `ETag`,
///      ...). axum's own rejection texts, which may quote the request, get a fixed
///      message for their code; any other 4xx text (the app's own) becomes the
///      `message`; a 5xx text only reaches the log (a long or unbounded text is
///      dropped unread). A body the app chose itself (JSON, HTML) is left alone;
///    - headers the status requires are filled in where missing, and every body the
///      layer renders is `Cache-Control: no-store` (it carries this request's id);
///    - the error is logged once: 5xx at `error` with the source chain, 4xx at `debug`
///      (both need a `tracing` subscriber, such as `tracing_subscriber::fmt().init()`).
///
/// Recognising axum's rejection texts is best effort against the axum in this
/// crate's `Cargo.lock`; [`convert`](crate::convert#best-effort) says what a later
/// wording changes.
///
/// # The format
///
/// Each of `application/json` and `application/problem+json` gets the quality of the
/// most specific media range of the request's `Accept` that matches it
/// (`application/problem+json` beats `application/*` beats `*/*`); the higher
/// quality wins. A tie, or an `Accept` that names neither, goes to the configured
/// default ([`ApiErrorLayer::with_format`]), unless one of the two was refused
/// outright (`;q=0`) and the other was not: the other wins then. Malformed ranges
/// are skipped, never an error; an `Accept` that is not UTF-8 is ignored.
///
/// A success response is only given its `X-Request-Id`.
///
/// # Where to add it
///
/// Either with [`Router::layer`](axum::Router::layer):
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
/// use axum_api_error::ApiErrorLayer;
/// use tower::ServiceExt;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hi" }))
///     .layer(ApiErrorLayer::new());
/// let req = Request::get("/").header("x-request-id", "req-1").body(Body::empty()).unwrap();
/// let res = app.oneshot(req).await.unwrap();
/// assert_eq!(res.status(), StatusCode::OK);
/// assert_eq!(res.headers()["x-request-id"], "req-1");
/// # }
/// ```
///
/// or around the whole `Router`, as a service, which is cheaper: `Router::layer`
/// wraps every route (and the fallback) separately and boxes each again, so every
/// request pays for that boxing, while the outer service is one wrapper (see
/// BENCHMARKS.md for the figures):
///
/// ```
/// use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
/// use axum_api_error::ApiErrorLayer;
/// use tower::{Layer, ServiceExt};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
///
/// let router: Router = Router::new().route("/", get(|| async { "hi" })).with_state(());
/// let app = ApiErrorLayer::new().layer(router);
/// // axum's own empty 404, in the error shape:
/// let res = app.clone().oneshot(Request::get("/nope").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.status(), StatusCode::NOT_FOUND);
/// assert_eq!(res.headers()["content-type"], "application/json");
/// # let _ = async {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let make = axum::ServiceExt::<axum::extract::Request>::into_make_service(app);
/// axum::serve(listener, make).await.unwrap();
/// # };
/// # }
/// ```
///
/// Around the whole `Router` the layer runs before routing, so it cannot tell a
/// handler's bare `StatusCode::NOT_FOUND` from the router's fallback: both are sent
/// as `ROUTE_NOT_FOUND`. Return `ApiError::not_found()` from handlers to be exact.
///
/// # Configuration
///
/// The defaults suit most APIs:
///
/// ```
/// use axum::{body::Body, http::Request, routing::get, Router};
/// use axum_api_error::{ApiError, ApiErrorLayer};
/// use tower::ServiceExt;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
///
/// // X-Request-Id, JSON, `Bearer`, Retry-After 60:
/// let app = Router::new()
///     .route("/private", get(|| async { ApiError::unauthorized() }))
///     .route("/busy", get(|| async { ApiError::service_unavailable() }))
///     .layer(ApiErrorLayer::new());
/// let get = |uri| Request::get(uri).body(Body::empty()).unwrap();
/// let res = app.clone().oneshot(get("/private")).await.unwrap();
/// assert_eq!(res.headers()["www-authenticate"], "Bearer");
/// assert_eq!(res.headers()["content-type"], "application/json");
/// assert!(res.headers().contains_key("x-request-id"));
/// let res = app.oneshot(get("/busy")).await.unwrap();
/// assert_eq!(res.headers()["retry-after"], "60");
/// # }
/// ```
///
/// and each can be changed:
///
/// ```
/// use std::{sync::{atomic::{AtomicUsize, Ordering}, Arc}, time::Duration};
/// use axum::{body::Body, http::Request, routing::get, Router};
/// use axum_api_error::{ApiError, ApiErrorLayer, headers::Challenge, wire::ErrorFormat};
/// use http::HeaderName;
/// use tower::ServiceExt;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
///
/// let errors = Arc::new(AtomicUsize::new(0));
/// let counted = Arc::clone(&errors);
/// let layer = ApiErrorLayer::new()
///     .with_header_name(HeaderName::from_static("x-correlation-id"))
///     .with_format(ErrorFormat::Problem)
///     .with_challenge(Challenge::bearer().with_realm("api"))
///     .with_retry_after(Duration::from_secs(30))
///     .with_docs_base("https://api.example.com/errors/")
///     .on_error(move |event| {
///         // Count errors by status and code in your metrics.
///         assert_eq!((event.status().as_u16(), event.code()), (401, Some("UNAUTHORIZED")));
///         counted.fetch_add(1, Ordering::Relaxed);
///     });
/// let app = Router::new()
///     .route("/private", get(|| async { ApiError::unauthorized() }))
///     .layer(layer);
/// let res = app.oneshot(Request::get("/private").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(res.headers()["www-authenticate"], r#"Bearer realm="api""#);
/// assert_eq!(res.headers()["content-type"], "application/problem+json");
/// assert!(res.headers().contains_key("x-correlation-id"));
/// let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
/// assert_eq!(body["type"], "https://api.example.com/errors/UNAUTHORIZED");
/// assert_eq!(errors.load(Ordering::Relaxed), 1);
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ApiErrorLayer {
    config: Arc<Config>,
}

type OnError = Arc<dyn Fn(&ErrorEvent<'_>) + Send + Sync>;

#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) header_name: HeaderName,
    pub(crate) format: ErrorFormat,
    pub(crate) defaults: Defaults,
    pub(crate) docs_base: Option<Cow<'static, str>>,
    pub(crate) debug_details: bool,
    pub(crate) on_error: Option<OnError>,
    pub(crate) max_text_len: usize,
    pub(crate) field_case: FieldCase,
    /// Whether the layer opens a `request` span of its own.
    pub(crate) span: bool,
    /// The level of the line logged for a 5xx, and for a 4xx; `None`: no line.
    pub(crate) server_error_log: Option<Level>,
    pub(crate) client_error_log: Option<Level>,
    /// Whether the layer takes part in W3C Trace Context.
    pub(crate) trace_context: bool,
    /// Whether a generated request id is the trace id.
    pub(crate) request_id_from_trace: bool,
    /// Whether the layer records metrics.
    #[cfg(feature = "metrics")]
    pub(crate) metrics: bool,
    /// The CORS headers for the responses it makes itself ([`ApiErrorLayer::with_cors`]).
    #[cfg(feature = "cors")]
    pub(crate) cors: Option<Arc<crate::cors::Rule>>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("Config");
        f.field("header_name", &self.header_name)
            .field("format", &self.format)
            .field("defaults", &self.defaults)
            .field("docs_base", &self.docs_base)
            .field("debug_details", &self.debug_details)
            .field(
                "on_error",
                &self.on_error.as_ref().map(|_| "Fn(&ErrorEvent)"),
            )
            .field("max_text_len", &self.max_text_len)
            .field("field_case", &self.field_case)
            .field("span", &self.span)
            .field("server_error_log", &self.server_error_log)
            .field("client_error_log", &self.client_error_log)
            .field("trace_context", &self.trace_context)
            .field("request_id_from_trace", &self.request_id_from_trace);
        #[cfg(feature = "cors")]
        f.field("cors", &self.cors);
        #[cfg(feature = "metrics")]
        f.field("metrics", &self.metrics);
        f.finish()
    }
}

pub use crate::request_id::X_REQUEST_ID;

impl Default for ApiErrorLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl ApiErrorLayer {
    /// The layer with its defaults: `X-Request-Id`, JSON bodies, a `Bearer`
    /// challenge on a 401 that names none, `Retry-After: 60` on a 429 or 503 that
    /// names none, no docs URLs, 5xx details hidden.
    pub fn new() -> Self {
        Self {
            config: Arc::new(Config {
                header_name: X_REQUEST_ID,
                format: ErrorFormat::Json,
                defaults: Defaults::builtin(),
                docs_base: None,
                debug_details: false,
                on_error: None,
                max_text_len: 4096,
                field_case: FieldCase::AsIs,
                span: true,
                server_error_log: Some(Level::ERROR),
                client_error_log: Some(Level::DEBUG),
                trace_context: false,
                request_id_from_trace: false,
                #[cfg(feature = "metrics")]
                metrics: false,
                #[cfg(feature = "cors")]
                cors: None,
            }),
        }
    }

    fn config(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.config)
    }

    /// The request id header, read from the request and set on the response
    /// (`X-Request-Id` by default). For a browser's script to read one of another
    /// name, expose it too (`cors::Cors::add_exposed_headers`, feature `cors`).
    pub fn with_header_name(mut self, name: HeaderName) -> Self {
        self.config().header_name = name;
        self
    }

    /// The format when the request's `Accept` does not prefer one
    /// ([`ErrorFormat::Json`] by default).
    pub fn with_format(mut self, format: ErrorFormat) -> Self {
        self.config().format = format;
        self
    }

    /// The challenge of a 401 that names none (`Bearer` by default), e.g.
    /// `Challenge::bearer().with_realm("api")`.
    pub fn with_challenge(mut self, challenge: Challenge) -> Self {
        self.config().defaults.challenge = challenge;
        self
    }

    /// The `Retry-After` of a 429 or 503 that names none (60 seconds by default).
    pub fn with_retry_after(mut self, retry_after: impl Into<RetryAfter>) -> Self {
        self.config().defaults.retry_after = retry_after.into();
        self
    }

    /// Sends `docs` = `base` + code on every error that sets no docs URL of its own
    /// (and uses it as the problem `type`). None by default.
    pub fn with_docs_base(mut self, base: impl Into<Cow<'static, str>>) -> Self {
        self.config().docs_base = Some(base.into());
        self
    }

    /// **Development only.** Sends the source chain or panic message of a 5xx in a
    /// `debug` member of the body. Off by default. Never turn it on in production:
    /// source errors carry connection strings, SQL, file paths and secrets.
    pub fn with_debug_details(mut self, on: bool) -> Self {
        self.config().debug_details = on;
        self
    }

    /// How many bytes of a `text/plain` error body are read to become its `message`
    /// (4096 by default); a longer body is replaced without being read.
    pub fn with_max_text_len(mut self, len: usize) -> Self {
        self.config().max_text_len = len;
        self
    }

    /// Whether the layer opens a `request` span (with `request_id`, `method` and
    /// `path`) around the request: on by default. Turn it off beside tower-http's
    /// `TraceLayer`, which opens one of its own: the layer then records the request
    /// id into the current span's `request_id` field, where the span has one
    /// ([`RequestSpan`] declares it empty: a span that recorded an id of its own
    /// would show both), and its log lines carry the id themselves where no span
    /// does.
    pub fn with_request_span(mut self, on: bool) -> Self {
        self.config().span = on;
        self
    }

    /// The level of the line logged for each 5xx (`ERROR` by default), or `None`
    /// for none: where another layer (tower-http's `TraceLayer` `on_failure`) logs
    /// it already. The layer's line has the error's source chain, which no other
    /// layer sees.
    pub fn with_server_error_log(mut self, level: Option<Level>) -> Self {
        self.config().server_error_log = level;
        self
    }

    /// The level of the line logged for each 4xx (`DEBUG` by default), or `None`
    /// for none.
    pub fn with_client_error_log(mut self, level: Option<Level>) -> Self {
        self.config().client_error_log = level;
        self
    }

    /// How the `validator` and `garde` integrations write field names in
    /// `details[].field` ([`FieldCase::AsIs`], the Rust names, by default): set it to
    /// the serde `rename_all` of the bodies, e.g. [`FieldCase::Camel`]. The layer
    /// hands it to the extractors in the request's extensions.
    pub fn with_field_case(mut self, case: FieldCase) -> Self {
        self.config().field_case = case;
        self
    }

    /// Whether the layer takes part in W3C Trace Context (off by default): it reads
    /// `traceparent` and `tracestate`, continues the incoming trace or starts one,
    /// puts the [`TraceContext`](crate::trace_context::TraceContext) in the request
    /// extensions (for the handler's own calls), records `trace_id` in its span and
    /// adds `traceId` to every error body. See [`trace_context`](crate::trace_context).
    ///
    /// Off by default so that the default body stays what it was and a request pays
    /// nothing for it (BENCHMARKS.md has the cost).
    pub fn with_trace_context(mut self, on: bool) -> Self {
        self.config().trace_context = on;
        self
    }

    /// With trace context on ([`with_trace_context`](Self::with_trace_context); it
    /// does nothing without), whether a request without a valid `X-Request-Id`
    /// takes the trace's id (32 hex digits) as its request id, instead of a fresh
    /// UUID (off by default). A valid incoming `X-Request-Id` is always kept.
    pub fn with_request_id_from_trace(mut self, on: bool) -> Self {
        self.config().request_id_from_trace = on;
        self
    }

    /// Whether the layer records metrics through the `metrics` facade (off by
    /// default), for whatever exporter the app installs: [`metrics::RESPONSES`]
    /// (by `method`, `route`, `status`, `code`), [`metrics::DURATION`] (by
    /// `method`, `route`, `status`) and [`metrics::ABORTED`] (requests whose
    /// client went away first, by `method` and `route`).
    ///
    /// `route` is axum's route template (`/users/{id}`), never the raw path, so the
    /// labels stay few: add the layer with [`Router::layer`](axum::Router::layer),
    /// which runs it after routing. Wrapped around the whole `Router` it runs before,
    /// and every route is [`metrics::UNMATCHED`], as is the fallback's 404.
    /// Turn it on in one layer only.
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use axum_api_error::ApiErrorLayer;
    ///
    /// // metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder() first.
    /// let app: Router = Router::new()
    ///     .route("/users/{id}", get(|| async { "Ada" }))
    ///     .layer(ApiErrorLayer::new().with_metrics(true));
    /// # let _ = app;
    /// ```
    #[cfg(feature = "metrics")]
    #[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
    pub fn with_metrics(mut self, on: bool) -> Self {
        self.config().metrics = on;
        self
    }

    /// The CORS configuration of a [`Cors`](crate::cors::Cors) layer added *inside*
    /// this one, for the responses this layer makes itself: the 500 of a panic
    /// never passes through an inner `Cors`, so without this a browser could not
    /// read it. The layer gives every response that lacks them the same
    /// `Access-Control-Allow-Origin`, `-Allow-Credentials`, `-Expose-Headers` and
    /// `Vary: Origin` that `Cors` would. It answers no preflight and leaves the
    /// answer of one alone: `Cors` still does that.
    /// Not needed with `Cors` outside the layer, the recommended order (see
    /// [`cors`](crate::cors#where-to-add-it)).
    ///
    /// ```
    /// use axum::{body::Body, http::Request, routing::get, Router};
    /// use axum_api_error::{cors::Cors, ApiErrorLayer};
    /// use tower::ServiceExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    ///
    /// async fn crash() -> &'static str {
    ///     panic!("on purpose")
    /// }
    ///
    /// let cors = Cors::exact_origins(["https://app.example.com"]).unwrap();
    /// let app: Router = Router::new()
    ///     .route("/crash", get(crash))
    ///     .layer(cors.clone())
    ///     .layer(ApiErrorLayer::new().with_cors(cors));
    /// let req = Request::get("/crash")
    ///     .header("origin", "https://app.example.com")
    ///     .body(Body::empty())
    ///     .unwrap();
    /// let res = app.oneshot(req).await.unwrap();
    /// assert_eq!(res.status(), 500);
    /// assert_eq!(res.headers()["access-control-allow-origin"], "https://app.example.com");
    /// # }
    /// ```
    #[cfg(feature = "cors")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cors")))]
    pub fn with_cors(mut self, cors: crate::cors::Cors) -> Self {
        self.config().cors = Some(cors.rule());
        self
    }

    /// Calls `f` for every error response (status >= 400) the layer sends, after it
    /// is rendered: for metrics.
    pub fn on_error<F>(mut self, f: F) -> Self
    where
        F: Fn(&ErrorEvent<'_>) + Send + Sync + 'static,
    {
        self.config().on_error = Some(Arc::new(f));
        self
    }
}

impl<S> Layer<S> for ApiErrorLayer {
    type Service = ApiErrorService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ApiErrorService::new(inner, Arc::clone(&self.config))
    }
}

/// One error response, as [`ApiErrorLayer::on_error`] sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ErrorEvent<'a> {
    status: StatusCode,
    code: Option<&'a str>,
    request_id: &'a RequestId,
    trace_id: Option<crate::trace_context::TraceId>,
    method: &'a Method,
    path: &'a str,
}

impl ErrorEvent<'_> {
    /// The status sent.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The code sent (`"VALIDATION_FAILED"`); `None` for a body the app chose itself.
    #[must_use]
    pub const fn code(&self) -> Option<&str> {
        self.code
    }

    /// The request id sent.
    #[must_use]
    pub const fn request_id(&self) -> &RequestId {
        self.request_id
    }

    /// The W3C trace id, with trace context on.
    #[must_use]
    pub const fn trace_id(&self) -> Option<crate::trace_context::TraceId> {
        self.trace_id
    }

    /// The request's method.
    #[must_use]
    pub const fn method(&self) -> &Method {
        self.method
    }

    /// The request's path.
    #[must_use]
    pub const fn path(&self) -> &str {
        self.path
    }
}

//! The layer's non-generic work, compiled once: finishing a response, turning
//! someone else's error into the error shape, rendering, logging.

use std::{
    any::Any,
    fmt,
    sync::{Arc, LazyLock},
};

use axum_core::body::Body;
use http::{
    header::{
        ACCEPT, ALLOW, CACHE_CONTROL, CONNECTION, CONTENT_DISPOSITION, CONTENT_ENCODING,
        CONTENT_LANGUAGE, CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_RANGE, CONTENT_TYPE, ETAG,
        LAST_MODIFIED, RETRY_AFTER, TRANSFER_ENCODING, VARY,
    },
    response::Parts,
    uri::PathAndQuery,
    Extensions, HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode, Version,
};
use http_body::Body as _;
use tracing::Level;

use super::{Config, ErrorEvent};
use crate::{
    convert::{
        body_timeout, governor_rate_limited,
        guess::{governor_wait, is_body_timeout, media_types_named, AxumRejection},
    },
    error::{ApiError, Chain, ErrorKind},
    headers::{RetryAfter, ACCEPT_POST},
    negotiate::negotiate,
    render::RenderContext,
    request_id::RequestId,
};

/// What the layer knows of the request once the inner service has it.
#[derive(Debug)]
pub(crate) struct RequestInfo {
    pub(crate) request_id: RequestId,
    /// The W3C trace id, with trace context on.
    pub(crate) trace_id: Option<crate::trace_context::TraceId>,
    pub(crate) accept: Option<HeaderValue>,
    pub(crate) method: Method,
    /// The request's path (with its query): the rest of its URI is not needed, and
    /// is not copied.
    pub(crate) path: Option<PathAndQuery>,
    /// HTTP/2 and later have no connection-specific headers (RFC 9113 §8.2.2).
    pub(crate) version: Version,
    /// Whether axum had matched a route before the layer ran (`Router::layer`):
    /// an empty 404 is then the handler's, not the router's fallback.
    pub(crate) routed: bool,
    /// Whether an outer `ApiErrorLayer` will see the response too: it must then be
    /// marked [`Finished`], so that it is rendered and logged once.
    pub(crate) nested: bool,
    /// Whether a span carries the request id (the layer's, or `TraceLayer`'s): the
    /// log lines then leave it and the method and path to the span.
    pub(crate) id_in_span: bool,
    pub(crate) config: Arc<Config>,
    /// The request's measure, with metrics on.
    #[cfg(feature = "metrics")]
    pub(crate) measure: Option<super::metrics::Measure>,
    /// Whether the layer gives the response CORS headers: it has a CORS
    /// configuration, and the request is no preflight.
    #[cfg(feature = "cors")]
    pub(crate) fill_cors: bool,
    /// The request's `Origin`, kept only when the layer has a CORS configuration.
    #[cfg(feature = "cors")]
    pub(crate) origin: Option<HeaderValue>,
}

impl RequestInfo {
    /// The request's path, as `Uri::path` gives it.
    pub(crate) fn path(&self) -> &str {
        self.path.as_ref().map_or("", PathAndQuery::path)
    }

    /// Gives the response the CORS headers it lacks, if the layer has a CORS
    /// configuration ([`ApiErrorLayer::with_cors`](super::ApiErrorLayer::with_cors)).
    #[cfg(feature = "cors")]
    pub(super) fn fill_cors(&self, headers: &mut HeaderMap) {
        match &self.config.cors {
            Some(rule) if self.fill_cors => rule.fill(headers, self.origin.as_ref()),
            _ => {}
        }
    }

    #[cfg(not(feature = "cors"))]
    #[allow(clippy::unused_self)]
    pub(super) fn fill_cors(&self, _: &mut HeaderMap) {}
}

/// The next step of the response future.
pub(super) enum Step {
    Done(Response<Body>),
    /// Read this small text body, then call [`finish_text`].
    Read(Parts, Body),
}

/// Marks a response the layer finished, so that a second `ApiErrorLayer` further
/// out neither renders nor logs it again (and, with metrics, counts it with its
/// code).
#[derive(Debug, Clone)]
struct Finished {
    #[cfg(feature = "metrics")]
    code: Option<Arc<str>>,
}

/// Marks the response for an outer layer, if there is one (an extension costs
/// allocations: none is added otherwise).
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
fn mark_finished(extensions: &mut Extensions, info: &RequestInfo, code: Option<&str>) {
    if info.nested {
        extensions.insert(Finished {
            #[cfg(feature = "metrics")]
            code: code.map(Arc::from),
        });
    }
}

/// The code an inner layer gave the response it finished.
#[cfg(feature = "metrics")]
pub(super) fn finished_code(res: &Response<Body>) -> Option<&str> {
    res.extensions()
        .get::<Finished>()
        .and_then(|f| f.code.as_deref())
}

/// Finishes the inner service's response.
pub(super) fn finish(mut res: Response<Body>, info: &RequestInfo) -> Step {
    // No header at all (axum's 404, a bare `StatusCode`): none need be looked up.
    let bare = res.headers().is_empty();
    res.headers_mut().insert(
        info.config.header_name.clone(),
        info.request_id.header_value().clone(),
    );
    // Success passes through: the request id is all the layer adds.
    if res.status().as_u16() < 400 || res.extensions().get::<Finished>().is_some() {
        return Step::Done(res);
    }
    if let Some(error) = res.extensions().get::<Arc<ApiError>>().cloned() {
        // A handler's error: its lazy body is dropped unread and rendered here,
        // with the request id, in the negotiated format.
        let (parts, _) = res.into_parts();
        return Step::Done(render(parts, &error, info, false));
    }
    if !bare && !res.headers().get(CONTENT_TYPE).is_none_or(is_text_plain) {
        // A body the app chose itself (JSON, HTML): left alone, but given the headers
        // every error carries, and logged.
        let error = &Fixed::of_status(res.status()).error;
        fill_headers(res.headers_mut(), error, info);
        if info.version >= Version::HTTP_2 {
            res.headers_mut().remove(CONNECTION);
        }
        log(res.status(), error, None, info);
        mark_finished(res.extensions_mut(), info, None);
        return Step::Done(res);
    }
    // Text, or no type at all: rewritten. A small body is read first for its message;
    // a large or unbounded one is dropped unread, since it may be a 5xx's stack trace.
    let hint = res.body().size_hint();
    let (mut parts, body) = res.into_parts();
    let empty = body.is_end_stream() || hint.exact() == Some(0);
    if !empty
        && hint
            .upper()
            .is_some_and(|n| n <= info.config.max_text_len as u64)
    {
        return Step::Read(parts, body);
    }
    // axum, when the layer is wrapped around the whole Router, has already dropped
    // the content of a HEAD response and kept its length: the length of the error
    // body that a GET would get is then unknown, and RFC 9110 §9.3.2 lets it go.
    let stripped_head = info.method == Method::HEAD
        && empty
        && !bare
        && parts.headers.get(CONTENT_LENGTH).is_some_and(|v| v != "0");
    if !bare {
        parts.headers.remove(CONTENT_LENGTH);
    }
    let mut res = finish_text(parts, None, info, bare);
    if stripped_head {
        res.headers_mut().remove(CONTENT_LENGTH);
    }
    Step::Done(res)
}

/// Rewrites someone else's empty or `text/plain` error response (`text` is `None`
/// when it was empty or could not be read) into the error shape.
/// `bare`: the response had no header but the request id.
pub(super) fn finish_text(
    mut parts: Parts,
    text: Option<&[u8]>,
    info: &RequestInfo,
    bare: bool,
) -> Response<Body> {
    let text = text
        .and_then(|t| std::str::from_utf8(t).ok())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    // The headers that described the replaced body describe it no more. A response
    // of someone else's error has few headers: they are scanned once, rather than
    // each of these looked up.
    if parts
        .headers
        .keys()
        .any(|name| REPRESENTATION_HEADERS.contains(name))
    {
        for name in REPRESENTATION_HEADERS {
            parts.headers.remove(name);
        }
    }
    // tower_governor's own 429: its floored wait, one second short, is replaced.
    if let Some(wait) = text.and_then(|t| governor_wait(parts.status, t)) {
        let error = governor_rate_limited(wait, Some(&parts.headers)).with_source(Replaced {
            by: "tower_governor",
            text: text.unwrap_or_default().to_owned(),
        });
        for name in [RETRY_AFTER, HeaderName::from_static("x-ratelimit-after")] {
            parts.headers.remove(name);
        }
        return render(parts, &error, info, true);
    }
    // An empty error with no `Retry-After` to read (the router's own 404, the one
    // the layer makes most, a bare `StatusCode`): an error made once, its fixed
    // members' JSON with it.
    if text.is_none() && (bare || !parts.headers.contains_key(RETRY_AFTER)) {
        if let Some(fixed) = Fixed::for_empty(parts.status, info.routed) {
            let fill = if bare { Fill::Bare } else { Fill::Missing };
            return render_fixed(parts, &fixed.error, Some(&fixed.json), info, fill);
        }
    }
    let mut error = classify(parts.status, text, info);
    // A 400 of axum's that was a body timeout is a 408.
    parts.status = error.status();
    // A Retry-After the service set is kept, and where the body states one (429, 503,
    // 413) it states the same, both written by the error; one that does not parse is
    // replaced by the layer's.
    if let Some(value) = parts.headers.get(RETRY_AFTER) {
        let carries_one = matches!(
            error.kind(),
            ErrorKind::PayloadTooLarge | ErrorKind::RateLimited | ErrorKind::ServiceUnavailable
        );
        if let (Some(retry_after), true) = (RetryAfter::from_header_value(value), carries_one) {
            error = error.with_retry_after(retry_after);
        }
        if error.retry_after().is_some() || RetryAfter::from_header_value(value).is_none() {
            parts.headers.remove(RETRY_AFTER);
        }
    }
    render(parts, &error, info, true)
}

/// Headers about a body, dropped with the body they were about.
const REPRESENTATION_HEADERS: [HeaderName; 8] = [
    CONTENT_ENCODING,
    TRANSFER_ENCODING,
    CONTENT_LANGUAGE,
    CONTENT_LOCATION,
    CONTENT_RANGE,
    CONTENT_DISPOSITION,
    ETAG,
    LAST_MODIFIED,
];

/// The 500 for a panic in the inner service.
pub(super) fn finish_panic(panic: Box<dyn Any + Send>, info: &RequestInfo) -> Response<Body> {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic payload that is not a string".to_owned());
    let error = ApiError::internal(Panic(message));
    let mut parts = Response::new(()).into_parts().0;
    parts.status = StatusCode::INTERNAL_SERVER_ERROR;
    parts.headers.insert(
        info.config.header_name.clone(),
        info.request_id.header_value().clone(),
    );
    render(parts, &error, info, false)
}

#[derive(Debug, thiserror::Error)]
#[error("handler panicked: {0}")]
struct Panic(String);

/// The text of a response the layer replaced, kept as the error's source: it
/// reaches the log line, never the client.
#[derive(Debug, thiserror::Error)]
#[error("{by} said: {text}")]
struct Replaced {
    by: &'static str,
    text: String,
}

/// An error made once and only read, with the JSON of its fixed members
/// (`write_json_fixed`), for the errors the layer makes the most.
struct Fixed {
    error: ApiError,
    json: Vec<u8>,
}

impl Fixed {
    fn new(error: ApiError) -> Self {
        let json = crate::render::fixed_json(&error);
        Self { error, json }
    }

    /// The error [`classify`] makes of an empty response of `status`, where it is
    /// the same for every such response.
    fn for_empty(status: StatusCode, routed: bool) -> Option<&'static Self> {
        static ROUTE_NOT_FOUND: LazyLock<Fixed> =
            LazyLock::new(|| Fixed::new(ApiError::not_found().with_known_code("ROUTE_NOT_FOUND")));
        match status.as_u16() {
            404 if !routed => Some(&ROUTE_NOT_FOUND),
            // Their own codes and headers: classified each time.
            400 | 405 | 415 | 422 => None,
            400..=599 => Some(Self::of_status(status)),
            // No error status (600 to 999): sent as a 500, by `classify`.
            _ => None,
        }
    }

    /// [`ApiError::from_status`] of each error status (400 to 599), made on first
    /// use: also what the layer knows of a body the app chose itself.
    fn of_status(status: StatusCode) -> &'static Self {
        static ERRORS: LazyLock<Vec<Fixed>> = LazyLock::new(|| {
            (400..600)
                .filter_map(|code| StatusCode::from_u16(code).ok())
                .map(|status| Fixed::new(ApiError::from_status(status)))
                .collect()
        });
        static OTHER: LazyLock<Fixed> =
            LazyLock::new(|| Fixed::new(ApiError::from_status(StatusCode::INTERNAL_SERVER_ERROR)));
        status
            .as_u16()
            .checked_sub(400)
            .and_then(|i| ERRORS.get(usize::from(i)))
            .unwrap_or(&OTHER)
    }
}

/// The error for a response without one: a stable code per kind of failure, from
/// the status and, for axum's rejections, their texts.
fn classify(status: StatusCode, text: Option<&str>, info: &RequestInfo) -> ApiError {
    let text = text.unwrap_or_default();
    // One of axum's own rejections: its text may quote the request (`invalid type:
    // string "hunter2", expected u32`), so it is replaced by a fixed message.
    let axum = AxumRejection::recognise(status, text);
    let error = match status.as_u16() {
        404 if !info.routed => ApiError::not_found().with_known_code("ROUTE_NOT_FOUND"),
        // axum has already set Allow; it is kept.
        405 => ApiError::method_not_allowed([]),
        415 => {
            let error = match axum {
                Some(rejection) => {
                    ApiError::unsupported_media_type(rejection.accept().iter().copied())
                }
                None => ApiError::unsupported_media_type(media_types_named(text)),
            };
            if info.method == Method::POST {
                error.with_accept_post()
            } else {
                error
            }
        }
        // A body that timed out is the client's slowness: 408, as the crate's own
        // extractors answer it.
        400 if is_body_timeout(axum, text) => {
            return body_timeout().with_source(Replaced {
                by: "axum's rejection",
                text: text.to_owned(),
            });
        }
        400 => ApiError::from_status(status)
            .with_known_code(axum.map_or("BAD_REQUEST", AxumRejection::code)),
        // axum's Json and Form rejections for a body of the wrong shape.
        422 => ApiError::validation().with_known_code("INVALID_BODY"),
        _ => ApiError::from_status(status),
    };
    if text.is_empty() {
        error
    } else if status.is_server_error() {
        // A 5xx text is never sent, but it may be the only clue: it is logged as
        // the error's source.
        error.with_source(Replaced {
            by: "the replaced response body",
            text: text.to_owned(),
        })
    } else if let Some(rejection) = axum {
        // axum's text stays the source, for the logs.
        error
            .with_message(rejection.message())
            .with_source(Replaced {
                by: "axum's rejection",
                text: text.to_owned(),
            })
    } else if status == StatusCode::PAYLOAD_TOO_LARGE {
        // axum's 413 text is a technical one ("Failed to buffer the request body").
        error
    } else {
        // Another 4xx text is the app's own, meant for the client.
        error.with_message(text.to_owned())
    }
}

/// Renders `error` into `parts` for the request: body, content type, required
/// headers (all of them for a handler's error; for someone else's response only
/// those missing, so that axum's `Allow` stays), then logs it.
fn render(parts: Parts, error: &ApiError, info: &RequestInfo, fill_only: bool) -> Response<Body> {
    let fill = if fill_only { Fill::Missing } else { Fill::All };
    render_fixed(parts, error, None, info, fill)
}

/// Which of the headers an error requires [`render_fixed`] writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// All of them, over any the response has: a handler's error.
    All,
    /// Those the response lacks: someone else's response, whose `Allow` (say) stays.
    Missing,
    /// All of them, to a response that had no header but the request id: as
    /// [`Fill::Missing`], with nothing to look up.
    Bare,
}

/// [`render`], with the JSON of the error's fixed members written before
/// ([`Fixed`]).
fn render_fixed(
    mut parts: Parts,
    error: &ApiError,
    fixed_json: Option<&[u8]>,
    info: &RequestInfo,
    fill: Fill,
) -> Response<Body> {
    let config = &info.config;
    let format = negotiate(info.accept.as_ref(), config.format);
    let mut trace_buf = [0; 32];
    let cx = RenderContext {
        request_id: Some(info.request_id.as_str()),
        trace_id: info.trace_id.as_ref().map(|id| id.encode(&mut trace_buf)),
        instance: Some(info.path()),
        docs_base: config.docs_base.as_deref(),
        format,
        retry_after: config.defaults.retry_after,
    };
    let bytes = crate::render::render_after(error, &cx, config.debug_details, fixed_json);
    match fill {
        Fill::Missing => {
            // The body is the layer's and carries this request's id: whatever cache
            // policy the replaced body had, this one must not be stored.
            parts
                .headers
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            fill_headers(&mut parts.headers, error, info);
        }
        // The same headers in the same order, none of them there yet.
        Fill::Bare => {
            error.required_headers(&config.defaults, &mut |name, value| {
                if !(name == ALLOW && value.is_empty()) {
                    parts.headers.insert(name, value);
                }
            });
            parts
                .headers
                .insert(VARY, HeaderValue::from_static("accept"));
        }
        Fill::All => error.write_headers(&mut parts.headers, &config.defaults),
    }
    // A 415 answered to a POST names its media types in Accept-Post too.
    if parts.status == StatusCode::UNSUPPORTED_MEDIA_TYPE && info.method == Method::POST {
        if let (Some(accept), false) = (
            parts.headers.get(ACCEPT).cloned(),
            parts.headers.contains_key(ACCEPT_POST),
        ) {
            parts.headers.insert(ACCEPT_POST, accept);
        }
    }
    parts.headers.insert(CONTENT_TYPE, format.content_type());
    // A 408's `Connection: close` is HTTP/1's: HTTP/2 forbids connection-specific
    // headers (RFC 9113 §8.2.2), and hyper would strip it with a warning.
    if info.version >= Version::HTTP_2 {
        parts.headers.remove(CONNECTION);
    }
    // Replaces any length axum set for the body this one replaces, and is what a
    // HEAD gets with no content (RFC 9110 §9.3.2: the headers of a GET).
    parts.headers.insert(
        CONTENT_LENGTH,
        super::content_length::content_length(bytes.len()),
    );
    let body = if info.method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    crate::response::set_reason_phrase(&mut parts.extensions, parts.status);
    log(parts.status, error, Some(error.code()), info);
    mark_finished(&mut parts.extensions, info, Some(error.code()));
    Response::from_parts(parts, body)
}

/// Adds the headers `error` requires, and those every error carries, where the
/// response does not have them yet. An empty `Allow` is not added: the layer cannot
/// know the methods of a 405 it did not make.
fn fill_headers(headers: &mut HeaderMap, error: &ApiError, info: &RequestInfo) {
    error.required_headers(&info.config.defaults, &mut |name, value| {
        let unknown_allow = name == ALLOW && value.is_empty();
        if !unknown_allow && !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    });
    crate::response::add_vary_accept(headers);
}

/// One log line per error response (at the level the layer sets for its class,
/// or none), and the `on_error` callback.
fn log(status: StatusCode, error: &ApiError, code: Option<&str>, info: &RequestInfo) {
    let detail = Detail(error);
    let path = info.path();
    let (level, message) = if status.is_server_error() {
        (info.config.server_error_log, "request failed")
    } else {
        (info.config.client_error_log, "request rejected")
    };
    if let Some(level) = level {
        let request_id = &info.request_id;
        let method = &info.method;
        let status = status.as_u16();
        // A span that carries the request id carries the method and path too.
        macro_rules! line {
            ($event:ident) => {
                if info.id_in_span {
                    tracing::$event!(status, code, error = %detail, "{message}")
                } else {
                    tracing::$event!(
                        request_id = %request_id,
                        // Recorded only with trace context on.
                        trace_id = info.trace_id.map(tracing::field::display),
                        method = %method,
                        path,
                        status,
                        code,
                        error = %detail,
                        "{message}",
                    )
                }
            };
        }
        match level {
            Level::ERROR => line!(error),
            Level::WARN => line!(warn),
            Level::INFO => line!(info),
            Level::DEBUG => line!(debug),
            _ => line!(trace),
        }
    }
    #[cfg(feature = "metrics")]
    if let Some(measure) = &info.measure {
        measure.set_code(code.unwrap_or_default());
    }
    if let Some(on_error) = &info.config.on_error {
        on_error(&ErrorEvent {
            status,
            code,
            request_id: &info.request_id,
            trace_id: info.trace_id,
            method: &info.method,
            path,
        });
    }
}

/// The error and its source chain on one line (`internal error: handler panicked:
/// ...`), with the logged-only message of a concealed 404.
struct Detail<'a>(&'a ApiError);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chain = Chain(self.0).to_string();
        match self.0.message_set().filter(|_| self.0.is_concealed()) {
            Some(reason) => {
                // The chain opens with the error's own text; the reason goes after it.
                let head = self.0.to_string();
                let rest = chain.strip_prefix(&head).unwrap_or_default();
                write!(f, "{head} (concealed: {reason}){rest}")
            }
            None => f.write_str(&chain),
        }
    }
}

fn is_text_plain(content_type: &HeaderValue) -> bool {
    let essence = content_type
        .as_bytes()
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    essence.trim_ascii().eq_ignore_ascii_case(b"text/plain")
}

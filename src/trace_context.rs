//! W3C Trace Context: the request joined to its trace, in the error body, the logs
//! and the calls a handler makes ([`ApiErrorLayer::with_trace_context`]).
//!
//! With trace context on, the layer reads the request's `traceparent` (exactly one
//! field line, valid by W3C Trace Context Level 1; anything else is ignored, never
//! an error) and `tracestate` (only beside a valid `traceparent`):
//!
//! - **A valid `traceparent`** continues its trace: the request's span gets the
//!   trace's id, a span id of its own, the caller's span as its parent and the
//!   caller's `sampled` flag.
//! - **None, or an invalid one**, starts a trace here: a fresh trace id and span id,
//!   sampled.
//!
//! Every error body then carries `traceId`, the 32 hex digits of the trace id
//! (what Jaeger, Tempo or Honeycomb search by), beside `requestId`. The request id
//! stays what the contract says: a valid incoming `X-Request-Id`, else a generated
//! one, which [`ApiErrorLayer::with_request_id_from_trace`] makes the trace id
//! instead of a UUID. `traceparent` is never sent back.
//!
//! Handlers read the context with the [`TraceContext`] extractor and pass it on to
//! the calls they make, as an explicit argument (no task-local, so a request that
//! makes no call pays nothing): [`TraceContext::outgoing_headers`] is the request
//! id, a `traceparent` with this request's span as the parent, and the incoming
//! `tracestate`, for `reqwest::RequestBuilder::headers`; [`TraceContext::propagate`]
//! is a tower layer that adds them to every request of a client service.
//!
//! ```
//! use axum::{body::Body, http::Request, routing::get, Router};
//! use axum_api_error::{trace_context::TraceContext, ApiError, ApiErrorLayer};
//! use tower::ServiceExt;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//!
//! async fn handler(trace: TraceContext) -> Result<String, ApiError> {
//!     // reqwest: client.get(url).headers(trace.outgoing_headers()).send().await
//!     let headers = trace.outgoing_headers();
//!     Ok(headers["traceparent"].to_str().unwrap().to_owned())
//! }
//!
//! let app: Router = Router::new()
//!     .route("/", get(handler))
//!     .layer(ApiErrorLayer::new().with_trace_context(true));
//! let req = Request::get("/")
//!     .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
//!     .body(Body::empty())
//!     .unwrap();
//! let res = app.oneshot(req).await.unwrap();
//! let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
//! let next = std::str::from_utf8(&body).unwrap();
//! // The same trace and flag; this request's span as the parent.
//! assert!(next.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
//! assert!(next.ends_with("-01"));
//! assert!(!next.contains("00f067aa0ba902b7"));
//! # }
//! ```
//!
//! # Why `traceId` is the trace id alone, beside the request id
//!
//! ASP.NET Core's problem details carry `traceId` by default, holding the whole
//! `Activity.Id` (`00-<trace id>-<span id>-<flags>`). Here `traceId` is the 32 hex
//! digits of the trace id: that is what OpenTelemetry calls the trace id and what a
//! user pastes into a tracing backend's search; the span id names one span of the
//! server's many, and a `traceparent`-shaped string is found by no search box
//! without cutting it. A client that wants ASP.NET's form rebuilds nothing it needs.
//!
//! The trace id does not replace the request id by default: a request id is the
//! contract between a client and this API (a valid `X-Request-Id` is echoed, and
//! support tickets quote it), while the trace belongs to whoever started it and
//! changes when no caller sends `traceparent`. Both are in the body and in the
//! error's log line (through the span, or on the line itself). [`ApiErrorLayer::with_request_id_from_trace`] makes one id of the two for a
//! request that brings no `X-Request-Id`, as OpenTelemetry users who search logs by
//! trace id prefer.
//!
//! # Off by default
//!
//! Trace context is off unless turned on, so that the default body is what it was
//! and a request pays nothing for it: the performance figures (BENCHMARKS.md) are
//! of the default configuration, and state the cost of turning it on.
//!
//! With the feature `opentelemetry` and an OpenTelemetry layer in the `tracing`
//! subscriber, the layer's span (or, with tower-http's `TraceLayer`, the one
//! `RequestSpan` makes) gets the incoming trace as its parent, and the ids and the
//! sampled flag here are the exported span's. The layer must be
//! tracing-opentelemetry 0.34's (the version this crate is built with): another
//! version's is not found, and the span keeps no parent.
//!
//! [`ApiErrorLayer::with_trace_context`]: crate::ApiErrorLayer::with_trace_context
//! [`ApiErrorLayer::with_request_id_from_trace`]: crate::ApiErrorLayer::with_request_id_from_trace

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use http::{request::Parts, HeaderMap, HeaderName, HeaderValue};
use tower_layer::Layer;
use tower_service::Service;

pub use crate::wire::trace_context::{SpanId, TraceId, TraceParent, TRACEPARENT, TRACESTATE};
use crate::{error::ApiError, request_id::RequestId};

/// A request's place in its trace, as the layer decided it (see the [module
/// docs](self)). Also an extractor: it fails with a 500 when the layer is missing
/// or its trace context is off; extract `Option<TraceContext>` to make it optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: TraceId,
    span_id: SpanId,
    parent_id: Option<SpanId>,
    sampled: bool,
    tracestate: Option<HeaderValue>,
    request_id: RequestId,
    request_id_header: HeaderName,
}

impl TraceContext {
    /// The context of a request with these headers: the incoming trace continued
    /// with `span_id`, or a new trace. `request_id` and its header name go out with
    /// [`outgoing_headers`](Self::outgoing_headers).
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let incoming = TraceParent::from_lines(headers.get_all(TRACEPARENT));
        let span_id = random_span_id();
        match incoming {
            Some(parent) => Self {
                trace_id: parent.trace_id(),
                span_id,
                parent_id: Some(parent.parent_id()),
                sampled: parent.is_sampled(),
                tracestate: crate::wire::trace_context::tracestate_from_lines(
                    headers.get_all(TRACESTATE),
                ),
                request_id: RequestId::placeholder(),
                request_id_header: crate::request_id::X_REQUEST_ID,
            },
            None => Self {
                trace_id: random_trace_id(),
                span_id,
                parent_id: None,
                sampled: true,
                tracestate: None,
                request_id: RequestId::placeholder(),
                request_id_header: crate::request_id::X_REQUEST_ID,
            },
        }
    }

    pub(crate) fn set_request_id(&mut self, id: RequestId, header: HeaderName) {
        self.request_id = id;
        self.request_id_header = header;
    }

    /// Takes the ids OpenTelemetry gave the request's span, so that what the body
    /// and the outgoing calls say matches what is exported.
    #[cfg(feature = "opentelemetry")]
    pub(crate) fn set_ids(&mut self, trace_id: TraceId, span_id: SpanId, sampled: bool) {
        self.trace_id = trace_id;
        self.span_id = span_id;
        self.sampled = sampled;
    }

    /// The trace's id.
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The id of this request's span.
    #[must_use]
    pub const fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// The caller's span, when the request continued a trace; `None` when the trace
    /// started here.
    #[must_use]
    pub const fn parent_id(&self) -> Option<SpanId> {
        self.parent_id
    }

    /// Whether the trace is sampled: the caller's flag, or `true` for a trace that
    /// started here.
    #[must_use]
    pub const fn is_sampled(&self) -> bool {
        self.sampled
    }

    /// The incoming `tracestate`, when it was valid (beside a valid `traceparent`).
    #[must_use]
    pub const fn tracestate(&self) -> Option<&HeaderValue> {
        self.tracestate.as_ref()
    }

    /// The `traceparent` of a call made from this request: the same trace and
    /// `sampled` flag, the current span as the parent. The current span is this
    /// request's, or, with the feature `opentelemetry`, the innermost
    /// OpenTelemetry span of the same trace entered where this is called.
    #[must_use]
    pub fn traceparent(&self) -> TraceParent {
        let parent = self.current_span_id().unwrap_or(self.span_id);
        TraceParent::new(self.trace_id, parent, self.sampled)
    }

    #[cfg(feature = "opentelemetry")]
    fn current_span_id(&self) -> Option<SpanId> {
        use opentelemetry::trace::TraceContextExt as _;
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;
        let cx = tracing::Span::current().context();
        let span = cx.span();
        let current = span.span_context();
        (current.is_valid() && current.trace_id().to_bytes() == self.trace_id.to_bytes())
            .then(|| SpanId::from_bytes(current.span_id().to_bytes()))
            .flatten()
    }

    #[cfg(not(feature = "opentelemetry"))]
    #[allow(clippy::unused_self)]
    fn current_span_id(&self) -> Option<SpanId> {
        None
    }

    /// The headers for a call made from this request: the request id (under the
    /// layer's header name), [`traceparent`](Self::traceparent) and the incoming
    /// `tracestate` (W3C Trace Context: a participant passes it on). With reqwest:
    /// `client.get(url).headers(trace.outgoing_headers())`.
    #[must_use]
    pub fn outgoing_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(
            self.request_id_header.clone(),
            self.request_id.header_value().clone(),
        );
        headers.insert(TRACEPARENT, self.traceparent().to_header_value());
        if let Some(state) = &self.tracestate {
            headers.insert(TRACESTATE, state.clone());
        }
        headers
    }
}

impl TraceContext {
    /// A tower layer for an HTTP client's service (hyper-util's, tonic's, or
    /// reqwest's behind `tower::service_fn`): every request it sends carries
    /// [`outgoing_headers`](Self::outgoing_headers), taken now; a header the
    /// request sets itself is kept.
    pub fn propagate(&self) -> PropagateTraceLayer {
        PropagateTraceLayer {
            headers: self.outgoing_headers(),
        }
    }
}

/// The layer of [`TraceContext::propagate`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PropagateTraceLayer {
    headers: HeaderMap,
}

impl<S> Layer<S> for PropagateTraceLayer {
    type Service = PropagateTrace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PropagateTrace {
            inner,
            headers: self.headers.clone(),
        }
    }
}

/// The client service of [`PropagateTraceLayer`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PropagateTrace<S> {
    inner: S,
    headers: HeaderMap,
}

impl<S, B> Service<http::Request<B>> for PropagateTrace<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        // A request that names its own trace keeps it whole: neither field is mixed
        // with this one's.
        let own_trace =
            req.headers().contains_key(TRACEPARENT) || req.headers().contains_key(TRACESTATE);
        for (name, value) in &self.headers {
            let trace_field = name == TRACEPARENT || name == TRACESTATE;
            let kept = req.headers().contains_key(name) || (trace_field && own_trace);
            if !kept {
                req.headers_mut().insert(name.clone(), value.clone());
            }
        }
        self.inner.call(req)
    }
}

fn random_trace_id() -> TraceId {
    loop {
        if let Some(id) = TraceId::from_bytes(crate::request_id::random_u128().to_be_bytes()) {
            return id;
        }
    }
}

fn random_span_id() -> SpanId {
    loop {
        if let Some(id) = SpanId::from_bytes(crate::request_id::random_u64().to_be_bytes()) {
            return id;
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TraceContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            ApiError::internal(
                "the TraceContext extractor needs ApiErrorLayer::with_trace_context(true) around the route",
            )
        })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for TraceContext {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn a_valid_traceparent_is_continued_and_its_tracestate_kept() {
        let cx = TraceContext::from_headers(&headers(&[
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            ),
            ("tracestate", "rojo=00f067aa0ba902b7"),
            ("tracestate", "congo=t61rcWkgMzE"),
        ]));
        assert_eq!(
            cx.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(cx.parent_id().unwrap().to_string(), "00f067aa0ba902b7");
        assert_ne!(cx.span_id(), cx.parent_id().unwrap());
        assert!(!cx.is_sampled());
        assert_eq!(
            cx.tracestate().unwrap(),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
        );
        let out = cx.outgoing_headers();
        assert_eq!(
            out["traceparent"],
            format!("00-4bf92f3577b34da6a3ce929d0e0e4736-{}-00", cx.span_id())
        );
        assert_eq!(out["tracestate"], "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    }

    #[test]
    fn an_invalid_traceparent_starts_a_trace_and_drops_tracestate() {
        for bad in [
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        ] {
            let cx = TraceContext::from_headers(&headers(&[
                ("traceparent", bad),
                ("tracestate", "rojo=00f067aa0ba902b7"),
            ]));
            assert_ne!(
                cx.trace_id().to_string(),
                "4bf92f3577b34da6a3ce929d0e0e4736"
            );
            assert_eq!(cx.parent_id(), None);
            assert!(cx.is_sampled());
            assert_eq!(cx.tracestate(), None);
            assert!(!cx.outgoing_headers().contains_key("tracestate"));
        }
    }
}

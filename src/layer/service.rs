use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{Arc, LazyLock},
    task::{Context, Poll},
};

use axum::extract::MatchedPath;
use bytes::Bytes;
use http::{
    header::{Entry, ACCEPT},
    Extensions, Request, Response,
};
use tower_service::Service;

use super::{future::ResponseFuture, normalise::RequestInfo, Config};
use crate::{
    error::BoxError, request_id::RequestId, trace_context::TraceContext, validate::FieldCase,
};

/// The service [`ApiErrorLayer`](super::ApiErrorLayer) wraps around another.
#[derive(Debug, Clone)]
#[must_use]
pub struct ApiErrorService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> ApiErrorService<S> {
    pub(super) const fn new(inner: S, config: Arc<Config>) -> Self {
        Self { inner, config }
    }

    /// The wrapped service.
    pub const fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ApiErrorService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<axum_core::body::Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        // The trace first: a generated request id may be its id. A layer inside
        // another takes the context the outer one decided, whatever its own switch.
        let outer_trace = req.extensions().get::<TraceContext>().cloned();
        let decides_trace = outer_trace.is_none() && self.config.trace_context;
        #[cfg_attr(not(feature = "opentelemetry"), allow(unused_mut))]
        let mut trace = outer_trace
            .or_else(|| decides_trace.then(|| TraceContext::from_headers(req.headers())));
        // An outer `ApiErrorLayer` decided the id already: this layer is nested.
        let outer_id = req.extensions().get::<RequestId>().cloned();
        let nested = outer_id.is_some();
        // Without a subscriber that wants it, no span at all: axum's default
        // `tower-log` feature would otherwise route every span through `log`.
        let span = if self.config.span && tracing::level_enabled!(tracing::Level::INFO) {
            tracing::info_span!(
                "request",
                request_id = tracing::field::Empty,
                trace_id = tracing::field::Empty,
                method = %req.method(),
                path = %req.uri().path(),
            )
        } else {
            tracing::Span::none()
        };
        // The span that carries the id, so that the log lines need not repeat it:
        // the layer's own, or the current one (tower-http's `TraceLayer`, made by
        // `RequestSpan`) where it declares `request_id`.
        let carrier = if self.config.span {
            (!span.is_disabled()).then(|| span.clone())
        } else {
            let current = tracing::Span::current();
            (!nested && current.has_field("request_id")).then_some(current)
        };
        // With OpenTelemetry, the span joins the incoming trace, and the ids are
        // those of the span it exports.
        #[cfg(feature = "opentelemetry")]
        if let (Some(trace), Some(carrier), true) = (trace.as_mut(), &carrier, decides_trace) {
            super::otel::join(carrier, trace, self.config.span);
        }
        // Before the id goes in (a fresh request's extensions are then still empty,
        // and looked up for nothing).
        let routed = req.extensions().get::<MatchedPath>().is_some();
        let request_id = match outer_id {
            Some(id) => id,
            None => take_request_id(&mut req, &self.config, trace.as_ref()),
        };
        if self.config.field_case != FieldCase::AsIs {
            req.extensions_mut().insert(self.config.field_case);
        }
        if let Some(carrier) = &carrier {
            carrier.record("request_id", tracing::field::display(&request_id));
            if let Some(trace) = &trace {
                carrier.record("trace_id", tracing::field::display(trace.trace_id()));
            }
        }
        let id_in_span = carrier.is_some();
        let trace_id = trace.as_ref().map(TraceContext::trace_id);
        if let (Some(mut trace), true) = (trace, decides_trace) {
            trace.set_request_id(request_id.clone(), self.config.header_name.clone());
            req.extensions_mut().insert(trace);
        }
        let info = RequestInfo {
            request_id,
            trace_id,
            accept: req.headers().get(ACCEPT).cloned(),
            method: req.method().clone(),
            // `Uri::path` is empty where there is no path at all, even when the
            // `PathAndQuery` would say `/`.
            path: (!req.uri().path().is_empty())
                .then(|| req.uri().path_and_query().cloned())
                .flatten(),
            version: req.version(),
            routed,
            #[cfg(feature = "metrics")]
            measure: super::metrics::Measure::start(&self.config, &mut req),
            nested,
            id_in_span,
            // A preflight's answer is `Cors`'s own, whole.
            #[cfg(feature = "cors")]
            fill_cors: self.config.cors.is_some()
                && !(req.method() == http::Method::OPTIONS
                    && crate::cors::is_preflight(req.headers())),
            #[cfg(feature = "cors")]
            origin: self
                .config
                .cors
                .as_ref()
                .and_then(|_| req.headers().get(http::header::ORIGIN).cloned()),
            config: Arc::clone(&self.config),
        };
        let called = {
            let _entered = span.enter();
            catch_unwind(AssertUnwindSafe(|| {
                super::trace::caught(|| self.inner.call(req))
            }))
        };
        match called {
            Ok(future) => ResponseFuture::new(future, info, span),
            Err(panic) => ResponseFuture::panicked(panic, info, span),
        }
    }
}

/// The request id of a request no outer `ApiErrorLayer` saw: the incoming header
/// when it is safe, else tower-http's `RequestId` when it is safe, else the trace's
/// id ([`ApiErrorLayer::with_request_id_from_trace`](super::ApiErrorLayer::with_request_id_from_trace)), else a fresh one.
/// It goes into the request extensions (and replaces tower-http's there when that
/// one was unsafe), so handlers, an inner `ApiErrorLayer` and tower-http all see the
/// same id, and into the request's header.
fn take_request_id<B>(
    req: &mut Request<B>,
    config: &Config,
    trace: Option<&TraceContext>,
) -> RequestId {
    #[cfg(feature = "tower-http")]
    let theirs = req
        .extensions()
        .get::<tower_http::request_id::RequestId>()
        .map(|id| RequestId::parse(id.header_value()));
    #[cfg(not(feature = "tower-http"))]
    let theirs: Option<Option<RequestId>> = None;
    let fresh = || {
        theirs.clone().flatten().unwrap_or_else(|| match trace {
            Some(trace) if config.request_id_from_trace => RequestId::from_trace(trace.trace_id()),
            _ => RequestId::generate(),
        })
    };
    // One lookup of the header: the header then says the id decided here, so that
    // what runs inside (tower-http's `SetRequestIdLayer`, a `TraceLayer`, the
    // handler) reads that one, not an unsafe one the client sent.
    let id = match req.headers_mut().entry(&config.header_name) {
        Entry::Occupied(mut entry) => match RequestId::parse(entry.get()) {
            Some(id) => id,
            None => {
                let id = fresh();
                entry.insert(id.header_value().clone());
                id
            }
        },
        Entry::Vacant(entry) => {
            let id = fresh();
            entry.insert(id.header_value().clone());
            id
        }
    };
    #[cfg(feature = "tower-http")]
    if theirs.is_some_and(|theirs| theirs.as_ref() != Some(&id)) {
        req.extensions_mut()
            .insert(tower_http::request_id::RequestId::new(
                id.header_value().clone(),
            ));
    }
    if req.extensions().is_empty() {
        *req.extensions_mut() = SIZED.clone();
    }
    req.extensions_mut().insert(id.clone());
    id
}

/// Empty extensions with room for seven (eight buckets): the id, and what axum adds
/// next (`OriginalUri`, `MatchedPath`, its path parameters). A request's are made at that
/// size at once (one allocation, as the first insert makes), not grown past four
/// (a second allocation, and every entry moved).
static SIZED: LazyLock<Extensions> = LazyLock::new(|| {
    let mut sized = Extensions::new();
    sized.insert(0u8);
    sized.insert(0u16);
    sized.insert(0u32);
    sized.insert(0u64);
    sized.clear();
    sized
});

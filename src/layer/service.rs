use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::Arc,
    task::{Context, Poll},
};

use axum::extract::MatchedPath;
use bytes::Bytes;
use http::{header::ACCEPT, Request, Response};
use tower_service::Service;

use super::{future::ResponseFuture, normalise::RequestInfo, Config};
use crate::{error::BoxError, request_id::RequestId, validate::FieldCase};

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
        let (request_id, nested) = take_request_id(&mut req, &self.config);
        if self.config.field_case != FieldCase::AsIs {
            req.extensions_mut().insert(self.config.field_case);
        }
        // Without a subscriber that wants it, no span at all: axum's default
        // `tower-log` feature would otherwise route every span through `log`.
        let span = if self.config.span && tracing::level_enabled!(tracing::Level::INFO) {
            tracing::info_span!(
                "request",
                request_id = %request_id,
                method = %req.method(),
                path = %req.uri().path(),
            )
        } else {
            tracing::Span::none()
        };
        // Whether a span carries the id, so that the log lines need not repeat it:
        // the layer's own, or the current one (tower-http's `TraceLayer`, made by
        // `RequestSpan`) where it declares `request_id`.
        let id_in_span = if self.config.span {
            !span.is_disabled()
        } else {
            let current = tracing::Span::current();
            let declared = !nested && current.has_field("request_id");
            if declared {
                current.record("request_id", tracing::field::display(&request_id));
            }
            declared
        };
        let info = RequestInfo {
            request_id,
            accept: req.headers().get(ACCEPT).cloned(),
            method: req.method().clone(),
            uri: req.uri().clone(),
            version: req.version(),
            routed: req.extensions().get::<MatchedPath>().is_some(),
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

/// The request id: the one an outer `ApiErrorLayer` chose, else the incoming header
/// when it is safe, else tower-http's `RequestId` when it is safe, else a fresh one.
/// It goes into the request extensions (and replaces tower-http's there when that
/// one was unsafe), so handlers, an inner `ApiErrorLayer` and tower-http all see the
/// same id, and into the request's header.
///
/// The flag is true when an outer layer had chosen it: this layer is nested.
fn take_request_id<B>(req: &mut Request<B>, config: &Config) -> (RequestId, bool) {
    if let Some(id) = req.extensions().get::<RequestId>() {
        return (id.clone(), true);
    }
    let from_header = req
        .headers()
        .get(&config.header_name)
        .and_then(RequestId::parse);
    #[cfg(feature = "tower-http")]
    let theirs = req
        .extensions()
        .get::<tower_http::request_id::RequestId>()
        .map(|id| RequestId::parse(id.header_value()));
    #[cfg(feature = "tower-http")]
    let from_header = from_header.or_else(|| theirs.clone().flatten());
    let id = from_header.unwrap_or_else(RequestId::generate);
    // The header says the id decided here, so that what runs inside (tower-http's
    // `SetRequestIdLayer`, a `TraceLayer`, the handler) reads that one, not an
    // unsafe one the client sent.
    if req.headers().get(&config.header_name) != Some(id.header_value()) {
        req.headers_mut()
            .insert(config.header_name.clone(), id.header_value().clone());
    }
    #[cfg(feature = "tower-http")]
    if theirs.is_some_and(|theirs| theirs.as_ref() != Some(&id)) {
        req.extensions_mut()
            .insert(tower_http::request_id::RequestId::new(
                id.header_value().clone(),
            ));
    }
    req.extensions_mut().insert(id.clone());
    (id, false)
}

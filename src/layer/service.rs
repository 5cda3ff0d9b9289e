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
use crate::{BoxError, RequestId};

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
        let request_id = take_request_id(&mut req, &self.config);
        let span = tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %req.method(),
            path = %req.uri().path(),
        );
        let info = RequestInfo {
            request_id,
            accept: req.headers().get(ACCEPT).cloned(),
            method: req.method().clone(),
            uri: req.uri().clone(),
            routed: req.extensions().get::<MatchedPath>().is_some(),
            config: Arc::clone(&self.config),
        };
        let called = {
            let _entered = span.enter();
            catch_unwind(AssertUnwindSafe(|| self.inner.call(req)))
        };
        match called {
            Ok(future) => ResponseFuture::new(future, info, span),
            Err(panic) => ResponseFuture::panicked(panic, info, span),
        }
    }
}

/// The request id: the incoming header when it is safe, else tower-http's
/// `RequestId` when it is safe, else a fresh one. Written back to the request's
/// header and extensions, so the handler, tower-http and an outer `ApiErrorLayer`
/// all see the same id.
fn take_request_id<B>(req: &mut Request<B>, config: &Config) -> RequestId {
    let from_header = req
        .headers()
        .get(&config.header_name)
        .and_then(RequestId::parse);
    #[cfg(feature = "tower-http")]
    let from_header = from_header.or_else(|| {
        req.extensions()
            .get::<tower_http::request_id::RequestId>()
            .and_then(|id| RequestId::parse(id.header_value()))
    });
    let id = from_header.unwrap_or_else(RequestId::generate);
    let value = id.header_value().clone();
    #[cfg(feature = "tower-http")]
    req.extensions_mut()
        .insert(tower_http::request_id::RequestId::new(value.clone()));
    req.headers_mut().insert(config.header_name.clone(), value);
    req.extensions_mut().insert(id.clone());
    id
}

use std::{
    any::Any,
    future::Future,
    panic::{catch_unwind, AssertUnwindSafe},
    pin::Pin,
    task::{ready, Context, Poll},
};

use axum_core::body::Body;
use bytes::{Bytes, BytesMut};
use http::{response::Parts, Response};
use http_body::Body as _;
use pin_project_lite::pin_project;
use tracing::Span;

use super::{
    normalise::{finish, finish_panic, finish_text, RequestInfo, Step},
    trace::caught,
};
use crate::error::BoxError;

pin_project! {
    /// The future of [`ApiErrorService`](super::ApiErrorService): the inner
    /// service's response, finished by the layer. No allocation of its own.
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
        info: Option<RequestInfo>,
        span: Span,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        // Waiting for the inner service.
        Inner { #[pin] future: F },
        // The inner service panicked in `call`.
        Panicked { panic: Option<Box<dyn Any + Send>> },
        // Reading a small text/plain error body to turn it into the error shape.
        Reading { parts: Option<Parts>, body: Body, text: BytesMut },
    }
}

impl<F> ResponseFuture<F> {
    pub(super) const fn new(future: F, info: RequestInfo, span: Span) -> Self {
        Self {
            state: State::Inner { future },
            info: Some(info),
            span,
        }
    }

    pub(super) fn panicked(panic: Box<dyn Any + Send>, info: RequestInfo, span: Span) -> Self {
        Self {
            state: State::Panicked { panic: Some(panic) },
            info: Some(info),
            span,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let _entered = this.span.enter();
        loop {
            let step = match this.state.as_mut().project() {
                StateProj::Inner { future } => {
                    match catch_unwind(AssertUnwindSafe(|| caught(|| future.poll(cx)))) {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(Err(e))) => {
                            // No response to measure, and no client that went away.
                            #[cfg(feature = "metrics")]
                            if let Some(measure) = &info(this.info).measure {
                                measure.failed();
                            }
                            return Poll::Ready(Err(e));
                        }
                        Ok(Poll::Ready(Ok(res))) => finish(res.map(Body::new), info(this.info)),
                        Err(panic) => Step::Done(finish_panic(panic, info(this.info))),
                    }
                }
                StateProj::Panicked { panic } => {
                    let panic = panic.take().expect("future polled after completion");
                    Step::Done(finish_panic(panic, info(this.info)))
                }
                StateProj::Reading { parts, body, text } => {
                    let limit = info(this.info).config.max_text_len;
                    // The body is the app's: it may panic too.
                    let read = catch_unwind(AssertUnwindSafe(|| {
                        caught(|| read_text(body, text, limit, cx))
                    }));
                    match read {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(complete)) => {
                            let parts = parts.take().expect("future polled after completion");
                            let text = complete.then(|| std::mem::take(text).freeze());
                            Step::Done(finish_text(parts, text.as_deref(), info(this.info), false))
                        }
                        Err(panic) => Step::Done(finish_panic(panic, info(this.info))),
                    }
                }
            };
            match step {
                Step::Done(mut res) => {
                    let info = info(this.info);
                    info.fill_cors(res.headers_mut());
                    #[cfg(feature = "metrics")]
                    if let Some(measure) = &info.measure {
                        measure.done(res.status(), super::normalise::finished_code(&res));
                    }
                    // Dropped where it is, not moved out first.
                    *this.info = None;
                    return Poll::Ready(Ok(res));
                }
                Step::Read(parts, body) => this.state.set(State::Reading {
                    parts: Some(parts),
                    body,
                    text: BytesMut::new(),
                }),
            }
        }
    }
}

/// Reads `body` into `text`: `true` once it ended within `limit` bytes, `false` when
/// it failed or was longer than its size hint said (its text is then not used).
fn read_text(
    body: &mut Body,
    text: &mut BytesMut,
    limit: usize,
    cx: &mut Context<'_>,
) -> Poll<bool> {
    loop {
        match ready!(Pin::new(&mut *body).poll_frame(cx)) {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    if text.len() + data.len() > limit {
                        return Poll::Ready(false);
                    }
                    text.extend_from_slice(data);
                }
            }
            Some(Err(_)) => return Poll::Ready(false),
            None => return Poll::Ready(true),
        }
    }
}

fn info(info: &Option<RequestInfo>) -> &RequestInfo {
    info.as_ref().expect("future polled after completion")
}

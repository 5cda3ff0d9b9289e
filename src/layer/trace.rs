//! Beside tower-http's `TraceLayer`: one span per request with the layer's id in
//! it, and panics logged once, with the id.

use std::{
    cell::Cell,
    sync::atomic::{AtomicBool, Ordering},
};

#[cfg(feature = "tower-http")]
use tracing::{field, Span};

#[cfg(feature = "tower-http")]
use crate::request_id::RequestId;

#[cfg(feature = "tower-http")]
/// tower-http's `MakeSpan` for `TraceLayer`: an INFO `request` span with `method`,
/// `path`, `version`, and a `request_id` and `trace_id` that
/// [`ApiErrorLayer`](super::ApiErrorLayer) fills in (`trace_id` with
/// [`with_trace_context`](super::ApiErrorLayer::with_trace_context); with the
/// feature `opentelemetry`, the span's parent is the incoming `traceparent`). Inside the `TraceLayer`, the layer (with
/// [`with_request_span(false)`](super::ApiErrorLayer::with_request_span)) records the
/// id it decided; outside it, the layer has put the id in the request's extensions
/// already, and the span takes it from there at once. Either way the request has one
/// span, with one id, the one the response carries; an unsafe id the client sent is
/// never logged.
///
/// ```
/// use axum::{routing::get, Router};
/// use axum_api_error::{layer::RequestSpan, ApiErrorLayer};
/// use tower_http::trace::TraceLayer;
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hi" }))
///     .layer(ApiErrorLayer::new().with_request_span(false))
///     // Outermost: it sees the final status of every response.
///     .layer(TraceLayer::new_for_http().make_span_with(RequestSpan).on_failure(()));
/// # let _ = app;
/// ```
///
/// Without the `TraceLayer`'s `on_failure(())`, a 5xx is logged twice: by
/// `TraceLayer`, and by the layer with the error's source chain.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpan;

#[cfg(feature = "tower-http")]
impl<B> tower_http::trace::MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &http::Request<B>) -> Span {
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            version = ?request.version(),
            request_id = field::Empty,
            trace_id = field::Empty,
        );
        if let Some(id) = request.extensions().get::<RequestId>() {
            span.record("request_id", field::display(id));
        }
        // With OpenTelemetry, the span joins the incoming trace now, before it is
        // entered: the layer inside takes its ids.
        #[cfg(feature = "opentelemetry")]
        if let Some(parent) = super::otel::remote_parent_of(request.headers()) {
            use tracing_opentelemetry::OpenTelemetrySpanExt as _;
            let _ = span.set_parent(parent);
        }
        span
    }
}

thread_local! {
    /// How many of the layer's `catch_unwind`s are running on this thread.
    static IN_LAYER: Cell<usize> = const { Cell::new(0) };
}

/// Whether [`install_panic_hook`] ran: until it does, the layer keeps no count.
static HOOK_INSTALLED: AtomicBool = AtomicBool::new(false);

/// Runs `f`, which the layer runs under `catch_unwind`, marked as such for
/// [`install_panic_hook`]: a panic in it is one the layer catches and logs.
pub(super) fn caught<T>(f: impl FnOnce() -> T) -> T {
    if !HOOK_INSTALLED.load(Ordering::Relaxed) {
        return f();
    }
    struct Depth;
    impl Drop for Depth {
        fn drop(&mut self) {
            IN_LAYER.with(|depth| depth.set(depth.get().saturating_sub(1)));
        }
    }
    IN_LAYER.with(|depth| depth.set(depth.get() + 1));
    let _depth = Depth;
    f()
}

/// Keeps std's panic hook for every panic but those the layer catches (in the
/// inner service's `call`, its future, its response body) and silences it for
/// those: std prints every panic to stderr, without the request id, before the
/// layer logs it (once, with the id, at ERROR). Call it once at start, after
/// installing any hook of your own, which it then wraps.
///
/// ```
/// axum_api_error::layer::install_panic_hook();
/// ```
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    HOOK_INSTALLED.store(true, Ordering::Relaxed);
    std::panic::set_hook(Box::new(move |info| {
        if IN_LAYER.with(Cell::get) == 0 {
            previous(info);
        }
    }));
}

//! OpenTelemetry (feature `opentelemetry`): the request's span joined to the
//! incoming trace, and its exported ids taken for the error body and the calls the
//! handler makes.

use http::HeaderValue;
use opentelemetry::{
    trace::{SpanContext, TraceContextExt as _, TraceFlags, TraceState},
    Context,
};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::trace_context::{SpanId, TraceContext, TraceId, TraceParent};

/// The incoming trace as OpenTelemetry's remote parent, if the request continued one.
fn remote_parent(trace: &TraceContext) -> Option<Context> {
    let parent = TraceParent::new(trace.trace_id(), trace.parent_id()?, trace.is_sampled());
    Some(remote(parent, trace.tracestate()))
}

/// The remote parent in a request's `traceparent` and `tracestate`, if valid (for
/// `RequestSpan`).
#[cfg(feature = "tower-http")]
pub(crate) fn remote_parent_of(headers: &http::HeaderMap) -> Option<Context> {
    use crate::{
        trace_context::{TRACEPARENT, TRACESTATE},
        wire::trace_context::tracestate_from_lines,
    };
    let parent = TraceParent::from_lines(headers.get_all(TRACEPARENT))?;
    let state = tracestate_from_lines(headers.get_all(TRACESTATE));
    Some(remote(parent, state.as_ref()))
}

fn remote(parent: TraceParent, tracestate: Option<&HeaderValue>) -> Context {
    let flags = if parent.is_sampled() {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    // One OpenTelemetry refuses is dropped, as an invalid one was already.
    let state = tracestate
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<TraceState>().ok())
        .unwrap_or_default();
    let remote = SpanContext::new(
        opentelemetry::trace::TraceId::from_bytes(parent.trace_id().to_bytes()),
        opentelemetry::trace::SpanId::from_bytes(parent.parent_id().to_bytes()),
        flags,
        true,
        state,
    );
    Context::new().with_remote_span_context(remote)
}

/// Gives `span` the incoming trace as its parent (when `set_parent`: a span this
/// layer made, not yet entered), then takes the ids OpenTelemetry gave it. Without
/// an OpenTelemetry layer in the subscriber, nothing changes.
pub(crate) fn join(span: &Span, trace: &mut TraceContext, set_parent: bool) {
    if set_parent {
        if let Some(parent) = remote_parent(trace) {
            // Fails only without an OpenTelemetry layer, or for a span started
            // already: the ids below then say what it is.
            let _ = span.set_parent(parent);
        }
    }
    let cx = span.context();
    let otel = cx.span();
    let exported = otel.span_context();
    if !exported.is_valid() {
        return;
    }
    if let (Some(trace_id), Some(span_id)) = (
        TraceId::from_bytes(exported.trace_id().to_bytes()),
        SpanId::from_bytes(exported.span_id().to_bytes()),
    ) {
        trace.set_ids(trace_id, span_id, exported.is_sampled());
    }
}

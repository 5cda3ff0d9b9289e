//! The feature `opentelemetry`, with the SDK's in-memory exporter and a real
//! server on 127.0.0.1: the layer's span is exported with the incoming trace id, the
//! caller's span as its parent and the request id as an attribute, and the error
//! body's `traceId` is the exported one; with no incoming context, a fresh trace.
//! Also through tower-http's `TraceLayer` with `RequestSpan`.

use axum::{routing::get, Router};
use axum_api_error::{layer::RequestSpan, trace_context::TraceContext, ApiError, ApiErrorLayer};
use opentelemetry::{
    trace::{SpanId, TraceId, TracerProvider as _},
    Value,
};
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler, SdkTracerProvider, SpanData};
use reqwest::Method;
use testkit::server::{send, serve_service, Res};
use tracing_subscriber::layer::SubscriberExt as _;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";
const INCOMING: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Runs `test` on a current-thread runtime (so the server's tasks see the same
/// subscriber) with an OpenTelemetry layer that exports into memory; the spans.
fn exported<F: std::future::Future<Output = T>, T>(test: impl FnOnce() -> F) -> (T, Vec<SpanData>) {
    exported_with(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)), test)
}

/// [`exported`] with this sampler.
fn exported_with<F: std::future::Future<Output = T>, T>(
    sampler: Sampler,
    test: impl FnOnce() -> F,
) -> (T, Vec<SpanData>) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let out = tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(test())
    });
    let _ = provider.force_flush();
    (out, exporter.get_finished_spans().unwrap())
}

fn app() -> Router {
    Router::new()
        .route("/gone", get(|| async { ApiError::gone() }))
        .route(
            "/next",
            get(|trace: TraceContext| async move {
                trace.outgoing_headers()["traceparent"]
                    .to_str()
                    .unwrap()
                    .to_owned()
            }),
        )
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// The exported span continues `INCOMING` and carries the response's request id.
#[track_caller]
fn assert_continues_incoming(span: &SpanData, res: &Res) {
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT).unwrap());
    assert_eq!(
        attribute(span, "request_id").map(Value::as_str).as_deref(),
        Some(res.request_id().as_str())
    );
}

fn the_request_span(spans: &[SpanData]) -> &SpanData {
    let requests: Vec<_> = spans.iter().filter(|s| s.name == "request").collect();
    assert_eq!(requests.len(), 1, "{spans:#?}");
    requests[0]
}

async fn gone(traceparent: Option<&str>, layer: ApiErrorLayer, trace_layer: bool) -> Res {
    get_path("/gone", traceparent, layer, trace_layer).await
}

async fn get_path(
    path: &str,
    traceparent: Option<&str>,
    layer: ApiErrorLayer,
    trace_layer: bool,
) -> Res {
    let router = app().layer(layer);
    let router = if trace_layer {
        router.layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(RequestSpan))
    } else {
        router
    };
    let s = serve_service(router.with_state(())).await;
    let mut req = s.req(Method::GET, path);
    if let Some(tp) = traceparent {
        req = req.header("traceparent", tp);
    }
    send(req).await
}

#[test]
fn the_exported_span_continues_the_incoming_trace_with_the_request_id() {
    let layer = ApiErrorLayer::new().with_trace_context(true);
    let (res, spans) = exported(|| gone(Some(INCOMING), layer, false));
    res.expect_error(410);
    let span = the_request_span(&spans);
    assert_continues_incoming(span, &res);
    assert!(span.parent_span_is_remote);
    assert!(span.span_context.is_sampled());
    assert_eq!(res.whole_json()["traceId"], TRACE);
}

#[test]
fn with_no_incoming_context_a_fresh_trace_is_exported_and_named_in_the_body() {
    let layer = ApiErrorLayer::new().with_trace_context(true);
    let (res, spans) = exported(|| gone(None, layer, false));
    res.expect_error(410);
    let span = the_request_span(&spans);
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    let trace_id = span.span_context.trace_id().to_string();
    assert_ne!(trace_id, TRACE);
    // The body names the exported trace, not one of the layer's own.
    assert_eq!(res.whole_json()["traceId"], trace_id);
}

#[test]
fn an_invalid_traceparent_starts_a_fresh_trace_too() {
    let layer = ApiErrorLayer::new().with_trace_context(true);
    let upper = INCOMING.to_uppercase();
    let (res, spans) = exported(|| gone(Some(&upper), layer, false));
    res.expect_error(410);
    let span = the_request_span(&spans);
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert_ne!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE).unwrap()
    );
    assert_eq!(
        res.whole_json()["traceId"],
        span.span_context.trace_id().to_string()
    );
}

#[test]
fn through_trace_layer_and_request_span_the_one_span_continues_the_trace() {
    let layer = ApiErrorLayer::new()
        .with_trace_context(true)
        .with_request_span(false);
    let (res, spans) = exported(|| gone(Some(INCOMING), layer, true));
    res.expect_error(410);
    let span = the_request_span(&spans);
    assert_continues_incoming(span, &res);
    assert_eq!(
        attribute(span, "trace_id").map(Value::as_str).as_deref(),
        Some(TRACE)
    );
    assert_eq!(res.whole_json()["traceId"], TRACE);
}

#[test]
fn a_handlers_call_names_the_exported_span_as_its_parent() {
    let layer = ApiErrorLayer::new().with_trace_context(true);
    let (res, spans) = exported(|| get_path("/next", Some(INCOMING), layer, false));
    res.expect(200);
    let span = the_request_span(&spans);
    assert_eq!(
        res.text(),
        format!("00-{TRACE}-{}-01", span.span_context.span_id())
    );
}

#[test]
fn a_trace_the_sampler_drops_goes_out_unsampled() {
    let layer = ApiErrorLayer::new().with_trace_context(true);
    let (res, spans) = exported_with(Sampler::TraceIdRatioBased(0.0), || {
        get_path("/next", None, layer, false)
    });
    res.expect(200);
    assert!(spans.is_empty(), "{spans:#?}");
    let next = res.text();
    assert!(next.starts_with("00-") && next.ends_with("-00"), "{next}");
}

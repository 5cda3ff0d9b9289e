//! W3C Trace Context through `ApiErrorLayer::with_trace_context`, over real HTTP on
//! 127.0.0.1: the incoming trace continued or a new one started, `traceId` in the
//! error body beside `requestId`, nothing echoed, invalid input ignored, and the
//! headers a handler's own call sends, checked by a second server that receives it.

use axum::{extract::State, http::HeaderMap, routing::get, Json, Router};
use axum_api_error::{trace_context::TraceContext, ApiError, ApiErrorLayer};
use reqwest::Method;
use serde_json::{json, Value};
use testkit::{
    oracle::{is_trace_id, is_uuid, traceparent},
    server::{send, serve_service, Res, Server},
};
use tower::{Service as _, ServiceBuilder, ServiceExt as _};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";
const INCOMING: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// What a handler's call carries, as the server that receives it sees it.
async fn echo(headers: HeaderMap) -> Json<Value> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Json(json!({
        "x-request-id": get("x-request-id"),
        "traceparent": get("traceparent"),
        "tracestate": get("tracestate"),
    }))
}

/// The app: a handler that calls `downstream`, one that reports its context, and
/// errors.
fn app(layer: ApiErrorLayer, downstream: String) -> Router {
    Router::new()
        .route(
            "/call",
            get(
                |State(downstream): State<String>, trace: TraceContext| async move {
                    let res = testkit::server::client()
                        .get(format!("{downstream}/echo"))
                        .headers(trace.outgoing_headers())
                        .send()
                        .await
                        .map_err(ApiError::internal)?;
                    let seen: Value = res.json().await.map_err(ApiError::internal)?;
                    Ok::<_, ApiError>(Json(json!({
                        "seen": seen,
                        "spanId": trace.span_id().to_string(),
                    })))
                },
            ),
        )
        .route(
            "/call-through-layer",
            get(
                |State(downstream): State<String>, trace: TraceContext| async move {
                    // A client service: reqwest behind tower::service_fn.
                    let client = testkit::server::client();
                    let mut service = ServiceBuilder::new().layer(trace.propagate()).service_fn(
                        move |req: axum::http::Request<String>| {
                            let client = client.clone();
                            async move {
                                let req = reqwest::Request::try_from(req)?;
                                client.execute(req).await?.json::<Value>().await
                            }
                        },
                    );
                    let req = axum::http::Request::get(format!("{downstream}/echo"))
                        .body(String::new())
                        .map_err(ApiError::internal)?;
                    let seen = service
                        .ready()
                        .await
                        .map_err(ApiError::internal)?
                        .call(req)
                        .await
                        .map_err(ApiError::internal)?;
                    Ok::<_, ApiError>(Json(json!({
                        "seen": seen,
                        "spanId": trace.span_id().to_string(),
                    })))
                },
            ),
        )
        .route("/gone", get(|| async { ApiError::gone() }))
        .route(
            "/context",
            get(|trace: Option<TraceContext>| async move {
                Json(trace.map(|t| {
                    json!({
                        "traceId": t.trace_id().to_string(),
                        "parentId": t.parent_id().map(|p| p.to_string()),
                        "sampled": t.is_sampled(),
                    })
                }))
            }),
        )
        .with_state(downstream)
        .layer(layer)
}

async fn start(layer: ApiErrorLayer) -> Server {
    let downstream = serve_service(Router::new().route("/echo", get(echo))).await;
    serve_service(app(layer, downstream.url(""))).await
}

fn on() -> ApiErrorLayer {
    ApiErrorLayer::new().with_trace_context(true)
}

async fn get_with(s: &Server, path: &str, headers: &[(&str, &str)]) -> Res {
    let mut req = s.req(Method::GET, path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    send(req).await
}

/// What `/call` or `/call-through-layer` answered: this request's span id, and the
/// headers the downstream server saw.
#[track_caller]
fn seen_downstream(res: &Res) -> (String, Value) {
    res.expect(200);
    let body = res.whole_json();
    let span_id = body["spanId"].as_str().unwrap().to_owned();
    (span_id, body["seen"].clone())
}

#[tokio::test]
async fn a_valid_traceparent_joins_its_trace_to_the_error() {
    let s = start(on()).await;
    let res = get_with(&s, "/gone", &[("traceparent", INCOMING)]).await;
    res.expect_error(410);
    let id = res.request_id();
    assert!(is_uuid(&id), "{id}");
    assert_eq!(
        res.whole_json(),
        json!({
            "error": "Gone",
            "message": "The requested resource is no longer available.",
            "code": "GONE",
            "requestId": id,
            "traceId": TRACE,
        })
    );
    // Never echoed.
    assert!(!res.has("traceparent") && !res.has("tracestate"));
    // The problem form has it as an extension member.
    let res = get_with(
        &s,
        "/gone",
        &[
            ("traceparent", INCOMING),
            ("accept", "application/problem+json"),
        ],
    )
    .await;
    assert_eq!(
        res.whole_json(),
        json!({
            "type": "about:blank",
            "title": "Gone",
            "status": 410,
            "detail": "The requested resource is no longer available.",
            "instance": "/gone",
            "code": "GONE",
            "requestId": res.request_id(),
            "traceId": TRACE,
        })
    );
}

#[tokio::test]
async fn a_handlers_call_carries_the_request_id_the_trace_and_this_span_as_parent() {
    let s = start(on()).await;
    let res = get_with(
        &s,
        "/call",
        &[
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            ),
            ("tracestate", "rojo=00f067aa0ba902b7"),
            ("tracestate", "congo=t61rcWkgMzE"),
            ("x-request-id", "req-upstream-1"),
        ],
    )
    .await;
    let (span_id, seen) = seen_downstream(&res);
    assert_ne!(span_id, PARENT);
    assert_eq!(
        seen,
        json!({
            "x-request-id": "req-upstream-1",
            // The same trace and (unsampled) flag, this request's span as the parent.
            "traceparent": format!("00-{TRACE}-{span_id}-00"),
            // Passed on, the two lines as one list.
            "tracestate": "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
        })
    );
}

#[tokio::test]
async fn a_client_service_with_the_propagate_layer_sends_the_same() {
    let s = start(on()).await;
    let res = get_with(
        &s,
        "/call-through-layer",
        &[
            ("traceparent", INCOMING),
            ("tracestate", "rojo=00f067aa0ba902b7"),
            ("x-request-id", "req-upstream-2"),
        ],
    )
    .await;
    let (span_id, seen) = seen_downstream(&res);
    assert_eq!(
        seen,
        json!({
            "x-request-id": "req-upstream-2",
            "traceparent": format!("00-{TRACE}-{span_id}-01"),
            "tracestate": "rojo=00f067aa0ba902b7",
        })
    );
}

#[tokio::test]
async fn without_a_valid_traceparent_a_trace_starts_here() {
    let s = start(on()).await;
    let upper = INCOMING.to_uppercase();
    let later_bad = format!("{INCOMING}x").replacen("00", "cc", 1);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![(
            "traceparent",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )],
        vec![(
            "traceparent",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        )],
        vec![(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        )],
        vec![("traceparent", upper.as_str())],
        vec![(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        )],
        vec![(
            "traceparent",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        )],
        vec![("traceparent", later_bad.as_str())],
        vec![("traceparent", INCOMING), ("traceparent", INCOMING)],
    ];
    let mut seen = std::collections::BTreeSet::new();
    for headers in cases {
        let mut with_state = headers.clone();
        with_state.push(("tracestate", "rojo=00f067aa0ba902b7"));
        let res = get_with(&s, "/call", &with_state).await;
        res.expect(200);
        let body = res.whole_json();
        let sent = body["seen"]["traceparent"].as_str().unwrap().to_owned();
        let (trace, parent, flags) = traceparent(sent.as_bytes()).expect("a valid traceparent");
        assert_ne!(trace, TRACE, "{headers:?}");
        assert_eq!(parent, body["spanId"].as_str().unwrap());
        assert_eq!(flags, 1, "a trace that starts here is sampled");
        assert_eq!(body["seen"]["tracestate"], Value::Null, "{headers:?}");
        assert!(seen.insert(trace), "a fresh trace each time");

        // The error body names a fresh trace too, and the request is not refused.
        let res = get_with(&s, "/gone", &headers).await;
        res.expect_error(410);
        let trace_id = res.whole_json()["traceId"].as_str().unwrap().to_owned();
        assert!(is_trace_id(&trace_id) && trace_id != TRACE, "{headers:?}");
    }
}

#[tokio::test]
async fn a_generated_request_id_may_be_the_trace_id_but_a_valid_one_stays() {
    let s = start(on().with_request_id_from_trace(true)).await;
    let res = get_with(&s, "/gone", &[("traceparent", INCOMING)]).await;
    res.expect_error(410);
    assert_eq!(res.request_id(), TRACE);
    assert_eq!(res.whole_json()["traceId"], TRACE);
    let res = get_with(
        &s,
        "/gone",
        &[("traceparent", INCOMING), ("x-request-id", "req-7")],
    )
    .await;
    assert_eq!(res.request_id(), "req-7");
    assert_eq!(res.whole_json()["traceId"], TRACE);
    // A trace that starts here: the id is its trace's.
    let res = get_with(&s, "/gone", &[]).await;
    let body = res.whole_json();
    assert_eq!(body["traceId"], res.request_id());
    assert!(is_trace_id(&res.request_id()));
}

#[tokio::test]
async fn off_by_default_the_body_has_no_trace_id_and_the_extractor_a_500() {
    let s = start(ApiErrorLayer::new()).await;
    let res = get_with(&s, "/gone", &[("traceparent", INCOMING)]).await;
    res.expect(410);
    assert_eq!(
        res.whole_json(),
        json!({
            "error": "Gone",
            "message": "The requested resource is no longer available.",
            "code": "GONE",
            "requestId": res.request_id(),
        })
    );
    let res = get_with(&s, "/context", &[("traceparent", INCOMING)]).await;
    res.expect(200);
    assert_eq!(res.whole_json(), Value::Null);
    let res = get_with(&s, "/call", &[("traceparent", INCOMING)]).await;
    res.expect(500);
    assert_eq!(
        res.whole_json(),
        json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
            "requestId": res.request_id(),
        })
    );
}

#[tokio::test]
async fn the_context_handlers_read_is_the_incoming_one() {
    let s = start(on()).await;
    let res = get_with(&s, "/context", &[("traceparent", INCOMING)]).await;
    assert_eq!(
        res.whole_json(),
        json!({"traceId": TRACE, "parentId": PARENT, "sampled": true})
    );
}

#[tokio::test]
async fn nested_layers_share_one_trace_whichever_turns_it_on() {
    let downstream = serve_service(Router::new().route("/echo", get(echo))).await;
    for (outer, inner) in [(false, true), (true, false)] {
        let router = app(
            ApiErrorLayer::new().with_trace_context(inner),
            downstream.url(""),
        )
        .layer(ApiErrorLayer::new().with_trace_context(outer));
        let s = serve_service(router).await;
        let res = get_with(&s, "/gone", &[("traceparent", INCOMING)]).await;
        res.expect_error(410);
        assert_eq!(
            res.whole_json()["traceId"],
            TRACE,
            "outer {outer}, inner {inner}"
        );
        let res = get_with(&s, "/context", &[("traceparent", INCOMING)]).await;
        assert_eq!(
            res.whole_json(),
            json!({"traceId": TRACE, "parentId": PARENT, "sampled": true}),
            "outer {outer}, inner {inner}"
        );
    }
}

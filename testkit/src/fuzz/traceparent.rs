//! The `traceparent` target.

use axum_api_error::trace_context::{TraceContext, TraceParent};

use super::*;

/// Echoes what the handler would send on a call it makes.
fn traceparent_app() -> Router {
    Router::new()
        .route(
            "/next",
            get(|trace: TraceContext| async move {
                let headers = trace.outgoing_headers();
                let line = |name: &str| {
                    headers
                        .get(name)
                        .map(|v| v.to_str().unwrap_or_default().to_owned())
                        .unwrap_or_default()
                };
                format!("{}\n{}", line("traceparent"), line("tracestate"))
            }),
        )
        .route("/error", get(|| async { ApiError::gone() }))
}

thread_local! {
    static TRACEPARENT_APP: Router =
        traceparent_app().layer(ApiErrorLayer::new().with_trace_context(true));
}

/// The `traceparent` target: the first byte picks one or two `traceparent` lines
/// and the route; the rest, up to a `\n`, is the `traceparent` value, and after it
/// the `tracestate`.
pub fn traceparent(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (value, state) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b""[..]),
    };
    let expected = oracle::traceparent(value);
    let parsed = TraceParent::parse(value);
    assert_eq!(
        parsed.map(|p| (
            p.trace_id().to_string(),
            p.parent_id().to_string(),
            p.flags()
        )),
        expected,
        "TraceParent::parse({:?})",
        show(value)
    );
    let Ok(header) = HeaderValue::from_bytes(value) else {
        return;
    };
    let twice = pick & 1 == 1;
    let path = if pick & 2 == 0 { "/next" } else { "/error" };
    let mut req = Request::get(path);
    req = req.header("traceparent", header.clone());
    if twice {
        req = req.header("traceparent", header);
    }
    if let Ok(state) = HeaderValue::from_bytes(state) {
        req = req.header("tracestate", state);
    }
    let req = req.body(Body::empty()).expect("a valid request");
    let (parts, body) = TRACEPARENT_APP.with(|app| send(app.clone(), req));
    let body = body.expect("a readable body");
    // Never echoed, never an error of its own.
    assert!(!parts.headers.contains_key("traceparent"), "{parts:?}");
    assert!(!parts.headers.contains_key("tracestate"), "{parts:?}");
    let continued = expected.filter(|_| !twice);
    if path == "/error" {
        assert_eq!(parts.status, StatusCode::GONE);
        let content_type = single(&parts.headers, &CONTENT_TYPE);
        let rendered = parse_rendered(StatusCode::GONE, content_type, &body, path);
        let trace_id = rendered.trace_id.expect("a traceId");
        assert!(oracle::is_trace_id(&trace_id), "{trace_id}");
        if let Some((incoming, _, _)) = &continued {
            assert_eq!(&trace_id, incoming);
        }
        return;
    }
    assert_eq!(parts.status, StatusCode::OK, "{}", show(&body));
    let text = std::str::from_utf8(&body).expect("ASCII");
    let (next, sent_state) = text.split_once('\n').expect("two lines");
    let (trace, parent, flags) =
        oracle::traceparent(next.as_bytes()).unwrap_or_else(|| panic!("invalid: {next}"));
    assert!(next.starts_with("00-"), "{next}");
    match &continued {
        Some((incoming, incoming_parent, incoming_flags)) => {
            assert_eq!(&trace, incoming);
            assert_ne!(&parent, incoming_parent, "the caller's span forwarded");
            assert_eq!(flags, incoming_flags & 1);
        }
        None => {
            assert_eq!(flags, 1);
            assert!(
                sent_state.is_empty(),
                "tracestate without a valid traceparent"
            );
        }
    }
}

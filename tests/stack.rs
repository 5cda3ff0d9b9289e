//! `ApiErrorLayer` composed with tower-http and tower_governor, over real HTTP on
//! 127.0.0.1 with the logs captured: the `stack` example's recommended order, then
//! the layer in the other positions, each either right (one span, the request id on
//! every line of the request, one line per error, the id logged equal to the id
//! sent) or wrong in the way the docs say.

#[allow(dead_code)]
#[path = "../examples/stack.rs"]
mod example;

use axum::{extract::Request, routing::get, Router};
use axum_api_error::{layer::RequestSpan, ApiErrorLayer};
use testkit::{
    logs::with_logs,
    server::{serve_with_peer, Res},
};
use tower::{Layer, ServiceBuilder};
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};

/// The lines of one request: those that name its id, and those of its span that
/// were logged before the id was decided.
fn lines_of<'a>(logs: &'a [String], id: &str) -> Vec<&'a str> {
    logs.iter()
        .map(String::as_str)
        .filter(|line| line.contains(id))
        .collect()
}

/// How many times `needle` occurs in `line`.
fn count(line: &str, needle: &str) -> usize {
    line.matches(needle).count()
}

/// Checks the lines of a request: one span each, the id once each.
#[track_caller]
fn assert_one_span_one_id(lines: &[&str], id: &str) {
    assert!(!lines.is_empty(), "no line names {id}");
    for line in lines {
        assert_eq!(count(line, "request{"), 1, "one span: {line}");
        assert_eq!(count(line, "request_id="), 1, "one id: {line}");
        assert_eq!(count(line, id), 1, "{line}");
    }
}

#[test]
fn the_recommended_order_logs_each_request_once_under_its_one_id() {
    let ((ok, crash, unsafe_id), logs) = with_logs(async {
        let s = serve_with_peer(example::app()).await;
        let ok = s.get("/api/hello").await;
        let crash = s.get("/api/crash").await;
        let unsafe_id = testkit::server::send(
            s.req(reqwest::Method::GET, "/api/hello")
                .header("x-request-id", "UNSAFE ID"),
        )
        .await;
        (ok, crash, unsafe_id)
    });
    ok.expect(200);
    crash.expect_error(500);
    unsafe_id.expect(200);

    // A success: TraceLayer's response line carries the id.
    let lines = lines_of(&logs, &ok.request_id());
    assert_one_span_one_id(&lines, &ok.request_id());
    assert!(
        lines
            .iter()
            .any(|l| l.contains("finished processing request")),
        "{lines:#?}"
    );

    // A panic: one ERROR line, the layer's, with the id and the panic's message;
    // CatchPanicLayer, outside, never sees it.
    let lines = lines_of(&logs, &crash.request_id());
    assert_one_span_one_id(&lines, &crash.request_id());
    let errors: Vec<_> = logs.iter().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "one line per error: {errors:#?}");
    assert!(errors[0].contains(&crash.request_id()));
    assert!(
        errors[0].contains("the crash route panics on purpose"),
        "{}",
        errors[0]
    );

    // An unsafe incoming id is replaced before anything logs it: tower-http's
    // SetRequestIdLayer inside kept the layer's.
    assert!(logs.iter().all(|l| !l.contains("UNSAFE")), "{logs:#?}");
    assert_one_span_one_id(
        &lines_of(&logs, &unsafe_id.request_id()),
        &unsafe_id.request_id(),
    );

    // Every line of the app names one of the three ids: TraceLayer's first line,
    // which comes before the id is decided, is off.
    let ids = [ok.request_id(), crash.request_id(), unsafe_id.request_id()];
    let app_lines: Vec<_> = logs.iter().filter(|l| l.contains("request{")).collect();
    assert!(!app_lines.is_empty());
    for line in app_lines {
        assert!(
            ids.iter().any(|id| line.contains(id.as_str())),
            "a line without the id: {line}"
        );
    }
}

fn routes() -> Router {
    Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/crash",
            get(|| async {
                panic!("SECRET-PANIC");
                #[allow(unreachable_code)]
                "never"
            }),
        )
        .with_state(())
}

/// Sends `GET /ok` and `GET /crash` to `service`; the responses and the logs.
fn run<S>(service: S) -> ((Res, Res), Vec<String>)
where
    S: tower_service::Service<
            Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    with_logs(async {
        let s = serve_with_peer(service).await;
        (s.get("/ok").await, s.get("/crash").await)
    })
}

#[test]
fn outside_trace_layer_every_line_has_the_id_from_the_start() {
    // The layer outermost decides the id before TraceLayer makes its span, which
    // RequestSpan reads from the request: TraceLayer's first line has it too. The
    // layer's own line is outside that span, and names the id itself.
    let service = ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(ApiErrorLayer::new().with_request_span(false))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RequestSpan)
                .on_failure(()),
        )
        .service(routes());
    let ((ok, crash), logs) = run(service);
    ok.expect(200);
    crash.expect_error(500);
    for res in [&ok, &crash] {
        let lines = lines_of(&logs, &res.request_id());
        assert!(
            lines
                .iter()
                .any(|l| l.contains("started processing request")),
            "{lines:#?}"
        );
        for line in &lines {
            assert_eq!(count(line, "request_id="), 1, "{line}");
            assert!(count(line, "request{") <= 1, "{line}");
        }
    }
    let errors: Vec<_> = logs.iter().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains(&crash.request_id()) && errors[0].contains("SECRET-PANIC"));
}

#[test]
fn catch_panic_inside_the_layer_logs_each_panic_twice() {
    // What the docs say: inside, CatchPanicLayer catches first and logs the panic
    // itself; the layer then rewrites its 500 and logs it again.
    let service = ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RequestSpan)
                .on_failure(()),
        )
        .layer(ApiErrorLayer::new().with_request_span(false))
        .layer(CatchPanicLayer::new())
        .service(routes());
    let ((_, crash), logs) = run(service);
    crash.expect_error(500);
    assert!(!crash.text().contains("SECRET"));
    let errors: Vec<_> = logs.iter().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors.iter().all(|l| l.contains(&crash.request_id())),
        "{errors:#?}"
    );
}

#[test]
fn with_its_own_span_beside_trace_layer_there_are_two_spans_and_two_5xx_lines() {
    // What the docs say: the defaults of both (the layer's span, TraceLayer's span
    // and on_failure) nest two spans and log a 5xx twice.
    let service = ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(TraceLayer::new_for_http())
        .layer(ApiErrorLayer::new())
        .service(routes());
    let ((_, crash), logs) = run(service);
    crash.expect_error(500);
    let errors: Vec<_> = logs.iter().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let ours = errors
        .iter()
        .find(|l| l.contains("request failed"))
        .unwrap();
    assert_eq!(count(ours, "request{"), 2, "{ours}");
}

#[test]
fn the_levels_can_be_set_and_the_lines_turned_off() {
    let quiet = ApiErrorLayer::new()
        .with_server_error_log(None)
        .with_client_error_log(Some(tracing::Level::WARN));
    let ((_, crash), logs) = run(quiet.layer(routes()));
    crash.expect_error(500);
    assert!(
        logs.iter().all(|l| !l.contains("request failed")),
        "{logs:#?}"
    );
    let ((missing, _), logs) = run(ApiErrorLayer::new()
        .with_client_error_log(Some(tracing::Level::WARN))
        .layer(Router::new().with_state(())));
    missing.expect_error(404);
    let rejected: Vec<_> = logs
        .iter()
        .filter(|l| l.contains("request rejected"))
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:#?}");
    assert!(
        rejected.iter().all(|l| l.contains(" WARN ")),
        "{rejected:#?}"
    );
    // With its own span, the line does not repeat the span's fields.
    assert!(
        rejected.iter().all(|l| count(l, "request_id=") == 1),
        "{rejected:#?}"
    );
}

#[test]
fn cors_inside_the_layer_misses_the_panics_500() {
    // What the docs say: inside, CorsLayer adds its headers to the inner response,
    // which the layer keeps when it rewrites one; a panic's 500 is the layer's own,
    // made outside CorsLayer, and has none, so a browser cannot read it.
    let service = ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(ApiErrorLayer::new())
        .layer(tower_http::cors::CorsLayer::permissive())
        .service(routes());
    let ((ok, crash), _) = with_logs(async move {
        let s = serve_with_peer(service).await;
        let get = |path: &str| {
            testkit::server::send(
                s.req(reqwest::Method::GET, path)
                    .header("origin", "https://app.example.com"),
            )
        };
        (get("/nowhere").await, get("/crash").await)
    });
    ok.expect_error(404);
    assert_eq!(ok.header("access-control-allow-origin"), "*");
    crash.expect_error(500);
    assert!(
        !crash.has("access-control-allow-origin"),
        "{:?}",
        crash.headers
    );
}

#[test]
fn set_request_id_outside_the_layer_keeps_an_unsafe_id_for_tower_http() {
    // What the docs say: outside, SetRequestIdLayer runs first and keeps the
    // client's id as tower-http's RequestId, whatever it is; the layer then decides
    // a safe one for itself, the response and everything inside. Keep it inside.
    use tower_http::request_id::{MakeRequestUuid, RequestId, SetRequestIdLayer};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let record = seen.clone();
    let service = ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .map_request(move |req: Request| {
            let id = req
                .extensions()
                .get::<RequestId>()
                .map(|id| id.header_value().to_str().unwrap_or_default().to_owned());
            *record.lock().unwrap() = id;
            req
        })
        .layer(ApiErrorLayer::new())
        .service(routes());
    let (res, _) = with_logs(async move {
        let s = serve_with_peer(service).await;
        testkit::server::send(
            s.req(reqwest::Method::GET, "/ok")
                .header("x-request-id", "UNSAFE ID"),
        )
        .await
    });
    res.expect(200);
    assert_ne!(res.request_id(), "UNSAFE ID");
    assert_eq!(seen.lock().unwrap().as_deref(), Some("UNSAFE ID"));
}

#[test]
fn governor_outside_the_layer_answers_in_the_shape_without_an_id() {
    // Outside, no id exists yet: the error handler's 429 has the shape and no
    // requestId. Inside (the recommended order) it has both.
    use tower_governor::{
        governor::GovernorConfigBuilder, key_extractor::GlobalKeyExtractor, GovernorLayer,
    };
    let config = GovernorConfigBuilder::default()
        .key_extractor(GlobalKeyExtractor)
        .per_second(1)
        .burst_size(1)
        .finish()
        .unwrap();
    let service = ServiceBuilder::new()
        .map_response(axum::response::IntoResponse::into_response)
        .layer(GovernorLayer::new(config).error_handler(axum_api_error::governor::error_response))
        .layer(ApiErrorLayer::new())
        .service(routes());
    let ((first, second), _) = run(service);
    first.expect(200);
    assert_eq!(second.status, 429);
    assert!(!second.has("x-request-id"));
    assert_eq!(second.header("retry-after"), "1");
    assert_eq!(
        second.json(),
        serde_json::json!({
            "error": "Too Many Requests",
            "message": "Too many requests. Try again in 1 second.",
            "code": "RATE_LIMITED",
            "retryAfter": 1,
        })
    );
}

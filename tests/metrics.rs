//! The feature `metrics`, with metrics-util's recorder on a real server of
//! 127.0.0.1: responses counted by method, route template, status and code, their
//! durations, and a request whose client hung up before the answer.

use std::{
    collections::BTreeMap,
    io::Write as _,
    net::TcpStream,
    time::{Duration, Instant},
};

use axum::{extract::Path, routing::get, Router};
use axum_api_error::{layer::metrics as names, ApiError, ApiErrorLayer};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use reqwest::Method;
use testkit::server::{send, serve_service};

async fn user(Path(id): Path<u32>) -> Result<&'static str, ApiError> {
    match id {
        1 => Ok("Ada"),
        _ => Err(ApiError::not_found()),
    }
}

async fn crash() -> &'static str {
    panic!("on purpose")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(user))
        .route("/crash", get(crash))
        .route("/slow", get(slow))
        .layer(ApiErrorLayer::new().with_metrics(true))
}

/// Adds what was recorded since the last snapshot (which drains it) to `totals`:
/// each metric as `name{label=value,...}` (labels sorted), its counter value or its
/// histogram's number of samples.
fn read(snapshotter: &Snapshotter, totals: &mut BTreeMap<String, u64>) {
    let now: Vec<(String, u64)> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let mut labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            let value = match value {
                DebugValue::Counter(n) => n,
                DebugValue::Histogram(samples) => {
                    assert!(samples.iter().all(|s| s.0 >= 0.0 && s.0 < 30.0));
                    samples.len() as u64
                }
                DebugValue::Gauge(_) => panic!("no gauge is recorded"),
            };
            (format!("{}{{{}}}", key.name(), labels.join(",")), value)
        })
        .collect();
    for (key, value) in now {
        *totals.entry(key).or_default() += value;
    }
}

#[test]
fn responses_are_counted_by_route_status_and_code_and_a_hang_up_as_aborted() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let mut totals = BTreeMap::new();
    on_runtime_with(&recorder, async {
        let s = serve_service(app().with_state(())).await;
        s.get("/users/1").await.expect(200);
        s.get("/users/1").await.expect(200);
        s.get("/users/2").await.expect_error(404);
        s.get("/users/x").await.expect_error(400);
        s.get("/nowhere/7").await.expect_error(404);
        s.get("/crash").await.expect_error(500);
        let purge = Method::from_bytes(b"PURGE").unwrap();
        send(s.req(purge, "/users/1")).await.expect_error(405);
        // A client that hangs up while the handler works.
        let addr = s.addr;
        tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream
                .write_all(b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n")
                .unwrap();
            std::thread::sleep(Duration::from_millis(200));
        })
        .await
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            read(&snapshotter, &mut totals);
            if totals.get(&aborted()).is_some_and(|&n| n > 0) {
                break;
            }
            assert!(Instant::now() < deadline, "no aborted request counted");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let responses = |m: &str, route: &str, status: &str, code: &str| {
        format!(
            "{}{{code={code},method={m},route={route},status={status}}}",
            names::RESPONSES
        )
    };
    let duration = |m: &str, route: &str, status: &str| {
        format!(
            "{}{{method={m},route={route},status={status}}}",
            names::DURATION
        )
    };
    let expected: BTreeMap<String, u64> = [
        (responses("GET", "/users/{id}", "200", ""), 2),
        (responses("GET", "/users/{id}", "404", "NOT_FOUND"), 1),
        (responses("GET", "/users/{id}", "400", "INVALID_PATH"), 1),
        (responses("GET", "unmatched", "404", "ROUTE_NOT_FOUND"), 1),
        (responses("GET", "/crash", "500", "INTERNAL_ERROR"), 1),
        (
            responses("_OTHER", "/users/{id}", "405", "METHOD_NOT_ALLOWED"),
            1,
        ),
        (duration("GET", "/users/{id}", "200"), 2),
        (duration("GET", "/users/{id}", "404"), 1),
        (duration("GET", "/users/{id}", "400"), 1),
        (duration("GET", "unmatched", "404"), 1),
        (duration("GET", "/crash", "500"), 1),
        (duration("_OTHER", "/users/{id}", "405"), 1),
        (aborted(), 1),
    ]
    .into_iter()
    .collect();
    read(&snapshotter, &mut totals);
    assert_eq!(totals, expected);
}

/// Runs `test` on a current-thread runtime, so that the server's tasks record into
/// `recorder` too.
fn on_runtime_with<F: std::future::Future>(recorder: &DebuggingRecorder, test: F) -> F::Output {
    ::metrics::with_local_recorder(recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(test)
    })
}

fn aborted() -> String {
    format!("{}{{method=GET,route=/slow}}", names::ABORTED)
}

#[test]
fn with_two_layers_the_outer_one_counts_what_the_inner_one_rendered() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let mut totals = BTreeMap::new();
    on_runtime_with(&recorder, async {
        // Metrics on both: each response is counted once.
        let app = Router::new()
            .route("/users/{id}", get(user))
            .layer(ApiErrorLayer::new().with_metrics(true))
            .layer(ApiErrorLayer::new().with_metrics(true));
        let s = serve_service(app.with_state(())).await;
        s.get("/users/1").await.expect(200);
        s.get("/users/2").await.expect_error(404);
    });
    read(&snapshotter, &mut totals);
    let expected: BTreeMap<String, u64> = [
        (
            format!(
                "{}{{code=,method=GET,route=/users/{{id}},status=200}}",
                names::RESPONSES
            ),
            1,
        ),
        (
            format!(
                "{}{{code=NOT_FOUND,method=GET,route=/users/{{id}},status=404}}",
                names::RESPONSES
            ),
            1,
        ),
        (
            format!(
                "{}{{method=GET,route=/users/{{id}},status=200}}",
                names::DURATION
            ),
            1,
        ),
        (
            format!(
                "{}{{method=GET,route=/users/{{id}},status=404}}",
                names::DURATION
            ),
            1,
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(totals, expected);
}

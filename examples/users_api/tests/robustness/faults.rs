//! Faults: panics and internal errors in the users_api under load, clients that
//! vanish; then small routers behind `ApiErrorLayer` whose handlers panic, whose
//! bodies fail or panic mid-stream, whose clients disconnect.

use std::{
    collections::VecDeque,
    convert::Infallible,
    future::Future,
    io::{self, Write},
    net::TcpStream,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    task::{ready, Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{header::CONTENT_TYPE, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use axum_api_error::ApiErrorLayer;
use http_body::{Frame, SizeHint};
use reqwest::Method;
use serde_json::json;
use testkit::{
    logs as support,
    raw::{exchange, get_with, head, Then, DEADLINE},
    server::{send, serve_service, Res, Server},
};
use tower::{Layer, Service};

use super::{app, assert_healthy, start, USER};

// ---------------------------------------------------------------------------------
// users_api: faults under load, clients that vanish
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn panics_and_internal_errors_in_a_burst_leave_the_server_serving() {
    let s = start().await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (path, status) = match i % 3 {
            0 => ("/api/crash", 500),
            1 => ("/api/internal", 500),
            _ => ("/api/users/abc", 400),
        };
        let request = s.req(Method::GET, path);
        tasks.push(tokio::spawn(async move { (status, send(request).await) }));
    }
    for task in tasks {
        let (status, res) = task.await.unwrap();
        res.expect_error(status);
        let text = res.text();
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
    assert_healthy(&s).await;
}

#[tokio::test]
async fn clients_that_vanish_mid_request_do_not_hurt_the_users_api() {
    let s = start().await;
    let auth = format!("authorization: {USER}\r\n");
    let posted = head(
        "POST",
        "/api/users",
        &format!("{auth}content-type: application/json\r\ncontent-length: 100\r\n"),
    );
    let vanishing: Vec<(Vec<u8>, Duration)> = vec![
        // Half a request line.
        (b"GET /heal".to_vec(), Duration::ZERO),
        // Headers without their end.
        (
            b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-request-id: a".to_vec(),
            Duration::ZERO,
        ),
        // Headers and part of the body.
        (
            [posted.clone(), b"{\"name\":\"Ann\"".to_vec()].concat(),
            Duration::ZERO,
        ),
        // The same, gone just as the body timeout answers.
        (
            [posted, b"{\"name\":\"Ann\"".to_vec()].concat(),
            app::BODY_TIMEOUT,
        ),
        // While the handler runs (it takes 10 s, the app cuts it at 2 s).
        (
            b"GET /api/slow HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n".to_vec(),
            Duration::from_millis(300),
        ),
    ];
    for (bytes, linger) in vanishing {
        let addr = s.addr;
        tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_write_timeout(Some(DEADLINE)).unwrap();
            stream.write_all(&bytes).unwrap();
            std::thread::sleep(linger);
            // Gone, without reading anything: a full close.
            drop(stream);
        })
        .await
        .unwrap();
        assert_healthy(&s).await;
    }
    // Many at once.
    let mut tasks = Vec::new();
    for i in 0..32 {
        let addr = s.addr;
        tasks.push(tokio::task::spawn_blocking(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            let request = if i % 2 == 0 {
                &b"GET /api/slow HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"[..]
            } else {
                b"POST /api/uploads HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 1000\r\n\r\nxx"
            };
            stream.write_all(request).unwrap();
            std::thread::sleep(Duration::from_millis(50));
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_healthy(&s).await;
    // The slow route still answers a client that waits.
    let res = s.get("/api/slow").await;
    assert!(res.status == 503 || res.status == 504, "{res:?}");
    res.expect_error(res.status);
}

// ---------------------------------------------------------------------------------
// Faults in small routers behind ApiErrorLayer
// ---------------------------------------------------------------------------------

/// What a [`Scripted`] body does next.
#[derive(Debug, Clone, Copy)]
enum Step {
    Chunk(&'static str),
    Wait(Duration),
    Fail,
    Panic,
}

/// A response body that follows a script.
struct Scripted {
    steps: VecDeque<Step>,
    exact: Option<u64>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Scripted {
    fn body(steps: &[Step], exact: Option<u64>) -> Body {
        Body::new(Self {
            steps: steps.iter().copied().collect(),
            exact,
            sleep: None,
        })
    }
}

impl http_body::Body for Scripted {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(sleep) = &mut this.sleep {
                ready!(sleep.as_mut().poll(cx));
                this.sleep = None;
            }
            match this.steps.pop_front() {
                None => return Poll::Ready(None),
                Some(Step::Chunk(text)) => {
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(text.as_bytes())))))
                }
                Some(Step::Wait(duration)) => {
                    this.sleep = Some(Box::pin(tokio::time::sleep(duration)));
                }
                Some(Step::Fail) => {
                    return Poll::Ready(Some(Err(io::Error::other(
                        "SECRET-STREAM-ERROR: the body failed",
                    ))))
                }
                Some(Step::Panic) => panic!("SECRET-STREAM-PANIC: the body panicked"),
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.exact
            .map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}

const FIRST_CHUNK: &str = "first chunk;";

/// Routes that fail in every way a handler or its body can.
fn fault_router() -> Router {
    Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("SECRET-PANIC-TEXT in the future");
                }
                "unreachable"
            }),
        )
        .route(
            "/stream-error",
            get(|| async {
                let steps = [
                    Step::Chunk(FIRST_CHUNK),
                    Step::Wait(Duration::from_millis(200)),
                    Step::Fail,
                ];
                Scripted::body(&steps, None)
            }),
        )
        .route(
            "/stream-panic",
            get(|| async {
                let steps = [
                    Step::Chunk(FIRST_CHUNK),
                    Step::Wait(Duration::from_millis(200)),
                    Step::Panic,
                ];
                Scripted::body(&steps, None)
            }),
        )
        .route(
            "/error-body-fails",
            get(|| async {
                let steps = [Step::Chunk("SECRET-STREAM-ERROR partial"), Step::Fail];
                error_text(Scripted::body(&steps, Some(64)))
            }),
        )
        .route(
            "/error-body-panics",
            get(|| async {
                let steps = [Step::Chunk("SECRET-STREAM-PANIC partial"), Step::Panic];
                error_text(Scripted::body(&steps, Some(64)))
            }),
        )
        .layer(ApiErrorLayer::new())
}

/// A 500 with a small `text/plain` body, which the layer reads to replace it.
fn error_text(body: Body) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A service whose `call` panics for `/boom`.
#[derive(Debug, Clone, Copy)]
struct PanicInCall;

impl Service<Request> for PanicInCall {
    type Response = Response;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if req.uri().path() == "/boom" {
            panic!("SECRET-PANIC-TEXT in call");
        }
        std::future::ready(Ok("served".into_response()))
    }
}

fn assert_internal_error(res: &Res, id: &str) {
    let body = res.expect_error(500).json();
    assert_eq!(res.header("x-request-id"), id);
    assert_eq!(
        body,
        json!({
            "error": "Internal Server Error",
            "message": "An internal error occurred.",
            "code": "INTERNAL_ERROR",
            "requestId": id,
        })
    );
}

#[test]
fn panics_in_call_and_in_the_future_are_500s_logged_with_the_request_id() {
    let (ids, lines) = support::with_logs(async {
        let in_call = serve_service(ApiErrorLayer::new().layer(PanicInCall)).await;
        let in_future = serve_service(fault_router()).await;
        let mut ids = Vec::new();
        for (s, path, next) in [(&in_call, "/boom", "/fine"), (&in_future, "/panic", "/ok")] {
            for round in 0..2 {
                let id = format!("panic-{}-{round}", &path[1..]);
                let res = send(s.req(Method::GET, path).header("x-request-id", &id)).await;
                assert_internal_error(&res, &id);
                assert!(!res.text().contains("SECRET"));
                ids.push(id);
                // The next request is served.
                let res = s.get(next).await;
                assert_eq!(res.status, 200, "{res:?}");
            }
        }
        ids
    });
    for id in &ids {
        let logged: Vec<_> = lines
            .iter()
            .filter(|l| l.contains(" ERROR ") && l.contains(&format!("request_id={id}")))
            .collect();
        assert_eq!(logged.len(), 1, "{id}: {lines:#?}");
        let line = logged[0];
        assert!(line.contains("SECRET-PANIC-TEXT"), "{line}");
        assert!(line.contains("status=500"), "{line}");
        assert!(line.contains("panicked"), "{line}");
    }
}

/// Reads a response that is cut off after its first chunk, raw and with reqwest.
async fn assert_cut_after_the_first_chunk(s: &Server, path: &str) {
    let request = get_with(path.as_bytes(), b"");
    let ex = exchange(s.addr, vec![request], Then::Wait, usize::MAX).await;
    let res = ex.only();
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.header("transfer-encoding"), Some("chunked"), "{res:?}");
    assert_eq!(res.text(), FIRST_CHUNK, "{res:?}");
    // No last chunk: the client can tell the body is incomplete.
    assert!(!res.complete, "{res:?}");
    let wire = String::from_utf8_lossy(&ex.bytes);
    assert!(!wire.contains("SECRET"), "{wire}");
    assert!(!wire.contains("panicked"), "{wire}");
    assert!(ex.elapsed < DEADLINE);

    let mut res = s.req(Method::GET, path).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let first = res.chunk().await.unwrap().unwrap();
    assert_eq!(first, FIRST_CHUNK);
    let mut rest = Vec::new();
    let outcome = loop {
        match res.chunk().await {
            Ok(Some(chunk)) => rest.extend_from_slice(&chunk),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert!(outcome.is_err(), "the body ended cleanly: {rest:?}");
    assert!(rest.is_empty(), "{rest:?}");

    // The next request is served.
    let res = s.get("/ok").await;
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.text(), "ok");
}

#[tokio::test]
async fn a_response_body_that_fails_mid_stream_cuts_the_connection() {
    let s = serve_service(fault_router()).await;
    assert_cut_after_the_first_chunk(&s, "/stream-error").await;
}

#[tokio::test]
async fn a_response_body_that_panics_mid_stream_cuts_the_connection() {
    let s = serve_service(fault_router()).await;
    assert_cut_after_the_first_chunk(&s, "/stream-panic").await;
}

#[tokio::test]
async fn an_error_body_that_fails_while_the_layer_reads_it_is_replaced() {
    let s = serve_service(fault_router()).await;
    for _ in 0..2 {
        let res = send(
            s.req(Method::GET, "/error-body-fails")
                .header("x-request-id", "read-fails"),
        )
        .await;
        assert_internal_error(&res, "read-fails");
        assert!(!res.text().contains("SECRET"));
        assert_eq!(s.get("/ok").await.status, 200);
    }
}

#[tokio::test]
async fn an_error_body_that_panics_while_the_layer_reads_it_is_a_500() {
    let s = serve_service(fault_router()).await;
    for _ in 0..2 {
        let res = s
            .req(Method::GET, "/error-body-panics")
            .header("x-request-id", "read-panics")
            .send()
            .await;
        let res = match res {
            Ok(res) => res,
            Err(e) => panic!(
                "bug: a panic of the error body while ApiErrorLayer reads it escapes the \
                 layer's catch_unwind, and the connection is cut with no response: {e:?}"
            ),
        };
        let res = Res {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.bytes().await.unwrap().to_vec(),
        };
        assert_internal_error(&res, "read-panics");
        assert!(!res.text().contains("SECRET"));
        assert_eq!(s.get("/ok").await.status, 200);
    }
}

/// Counts how the `/sleep` handlers ended: finished, or dropped half-way.
#[derive(Debug, Default)]
struct Outcomes {
    started: AtomicUsize,
    finished: AtomicUsize,
    dropped: AtomicUsize,
}

struct DropGuard {
    outcomes: Arc<Outcomes>,
    finished: bool,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        let counter = if self.finished {
            &self.outcomes.finished
        } else {
            &self.outcomes.dropped
        };
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn clients_that_disconnect_mid_request_are_survived() {
    let outcomes = Arc::new(Outcomes::default());
    let sleeper = Arc::clone(&outcomes);
    let router = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route(
            "/upload",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
        .route(
            "/sleep",
            get(move || {
                let outcomes = Arc::clone(&sleeper);
                async move {
                    outcomes.started.fetch_add(1, Ordering::SeqCst);
                    let mut guard = DropGuard {
                        outcomes,
                        finished: false,
                    };
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    guard.finished = true;
                    "slept"
                }
            }),
        )
        .layer(ApiErrorLayer::new());
    let s = serve_service(router).await;

    // (request, whether to wait until its handler runs, then how long to linger)
    let vanishing: [(&[u8], bool, Duration); 4] = [
        (
            b"POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-le",
            false,
            Duration::ZERO,
        ),
        (
            b"POST /upload HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 1000\r\n\r\nhalf",
            false,
            Duration::from_millis(100),
        ),
        // Gone while the handler sleeps.
        (
            b"GET /sleep HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n",
            true,
            Duration::from_millis(100),
        ),
        // Gone at once: the handler may or may not start.
        (
            b"GET /sleep HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n",
            false,
            Duration::ZERO,
        ),
    ];
    for (bytes, wait_for_handler, linger) in vanishing {
        let addr = s.addr;
        let outcomes = Arc::clone(&outcomes);
        tokio::task::spawn_blocking(move || {
            let before = outcomes.started.load(Ordering::SeqCst);
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.set_write_timeout(Some(DEADLINE)).unwrap();
            stream.write_all(bytes).unwrap();
            let started = Instant::now();
            while wait_for_handler && outcomes.started.load(Ordering::SeqCst) == before {
                assert!(
                    started.elapsed() < Duration::from_secs(5),
                    "the handler never ran"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(linger);
            // Gone, without reading anything: a full close.
            drop(stream);
        })
        .await
        .unwrap();
        // The next request is served at once, whatever the vanished one left running.
        let started = Instant::now();
        let res = s.get("/ok").await;
        assert_eq!(res.status, 200, "{res:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    // Every handler that started ended one way or the other: none hangs.
    let started = Instant::now();
    let ended = |o: &Outcomes| o.finished.load(Ordering::SeqCst) + o.dropped.load(Ordering::SeqCst);
    while ended(&outcomes) < outcomes.started.load(Ordering::SeqCst) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "handlers of vanished clients neither finished nor were dropped: {outcomes:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(outcomes.started.load(Ordering::SeqCst) >= 1, "{outcomes:?}");
    eprintln!("handlers of clients that vanished: {outcomes:?}");
    let res = s.get("/sleep").await;
    assert_eq!(res.text(), "slept");
}

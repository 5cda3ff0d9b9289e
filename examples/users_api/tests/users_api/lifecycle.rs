use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use serde_json::json;
use testkit::server::{client, send};
use tokio::net::{TcpListener, TcpStream};

use crate::app;

// ---------------------------------------------------------------------------------
// Start, shutdown
// ---------------------------------------------------------------------------------

/// The example binary, `target/debug/examples/users_api` beside this test binary.
/// `cargo test` builds the examples only when no target is selected, so it is built
/// here too: `cargo build --example` is cheap when it is up to date, and makes
/// `cargo test --test users_api` run the current sources.
fn example_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/users_api-<hash> -> target/debug/examples/users_api
    let debug = exe.parent().unwrap().parent().unwrap();
    let binary = debug
        .join("examples")
        .join(format!("users_api{}", std::env::consts::EXE_SUFFIX));
    // Into the same target directory and profile as this test binary, with the
    // workspace's default members and every feature selected, as by the README's
    // `cargo test --all-features`: the libraries built for the tests are reused.
    let target_dir = debug.parent().unwrap();
    let profile = debug.file_name().unwrap().to_str().unwrap();
    let profile = if profile == "debug" { "dev" } else { profile };
    let mut build = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--example",
            "users_api",
            "--all-features",
        ])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--profile", profile])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(540);
    let status = loop {
        if let Some(status) = build.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = build.kill();
            panic!("cargo build --example users_api took over 540 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "cargo build --example users_api: {status}"
    );
    assert!(binary.exists(), "{} is missing", binary.display());
    binary
}

/// Lines of a child's output, read by a thread.
fn lines_of(pipe: impl std::io::Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_starts_on_port_logs_a_panic_and_exits_0_on_sigterm() {
    let binary = tokio::task::spawn_blocking(example_binary).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(&binary)
        .env("PORT", port.to_string())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env(
            "CORS_ORIGINS",
            "http://127.0.0.1:5173, https://app.example.com",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    lines_of(child.stdout.take().unwrap(), tx.clone());
    lines_of(child.stderr.take().unwrap(), tx);
    let url = format!("http://127.0.0.1:{port}");

    // The start-up line with the URL, then the curl commands.
    let mut output: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let startup = format!("users_api listening on {url}");
    while !output.iter().any(|l| l.trim() == startup) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => output.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no start-up line `{startup}` within 30 s: {output:#?}");
            }
        }
    }
    // The curl commands follow at once.
    let curl_deadline = Instant::now() + Duration::from_secs(5);
    while output
        .iter()
        .filter(|l| l.trim().starts_with("curl "))
        .count()
        < 3
    {
        let left = curl_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => output.push(line),
            Err(_) => break,
        }
    }
    let curls: Vec<&String> = output
        .iter()
        .filter(|l| l.trim().starts_with("curl "))
        .collect();
    assert!(curls.len() >= 3, "fewer than 3 curl commands: {output:#?}");
    for curl in &curls {
        assert!(
            curl.contains(&format!("{url}/")),
            "{curl} does not use {url}"
        );
    }

    // A request, and a crash whose panic text is logged, never sent.
    let client = client();
    let res = send(client.get(format!("{url}/healthz"))).await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.json(), json!({"status": "ok"}));
    let res = send(
        client
            .get(format!("{url}/api/crash"))
            .header("x-request-id", "e2e-crash-42"),
    )
    .await;
    res.expect_error(500);
    assert_eq!(res.request_id(), "e2e-crash-42");
    assert!(!res.text().contains("SECRET-PANIC-TEXT"), "{}", res.text());
    // From an origin CORS_ORIGINS lists, the panic's 500 is readable by a page.
    let res = send(
        client
            .get(format!("{url}/api/crash"))
            .header("origin", "https://app.example.com"),
    )
    .await;
    res.expect_error(500);
    assert_eq!(
        res.header("access-control-allow-origin"),
        "https://app.example.com"
    );
    // An internal error's source chain and a dependency's io error: logged, not sent.
    let res = send(
        client
            .get(format!("{url}/api/internal"))
            .header("x-request-id", "e2e-internal-43"),
    )
    .await;
    res.expect_error(500);
    assert!(!res.text().contains("SECRET-DB-PASSWORD"), "{}", res.text());
    let res = send(
        client
            .get(format!("{url}/api/dependency"))
            .header("x-request-id", "e2e-dependency-44"),
    )
    .await;
    res.expect_error(503);
    assert!(
        !res.text().to_ascii_lowercase().contains("refused"),
        "{}",
        res.text()
    );

    // SIGTERM: exit status 0 within 5 s.
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(&pid)
        .status()
        .unwrap();
    assert!(killed.success());
    let stop_deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > stop_deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running 5 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status}");

    // The rest of the output: the readers end when the pipes close.
    let rest_deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = rest_deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => output.push(line),
            Err(_) => break,
        }
    }
    assert!(
        output
            .iter()
            .any(|l| l.contains("SECRET-PANIC-TEXT") && l.contains("e2e-crash-42")),
        "no log line with the panic text and the request id: {output:#?}"
    );
    assert!(
        output
            .iter()
            .any(|l| l.contains("SECRET-DB-PASSWORD") && l.contains("e2e-internal-43")),
        "no log line with the internal error's source and the request id: {output:#?}"
    );
    assert!(
        output
            .iter()
            .any(|l| l.contains("e2e-dependency-44") && l.to_ascii_lowercase().contains("refused")),
        "no log line with the dependency's error and the request id: {output:#?}"
    );
    // Logged at info: the shutdown.
    assert!(
        output
            .iter()
            .any(|l| l.contains("INFO") && l.contains("shutting down")),
        "no INFO line about the shutdown: {output:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cors_origins_that_is_not_an_origin_stops_the_binary_with_its_reason() {
    let binary = tokio::task::spawn_blocking(example_binary).await.unwrap();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(&binary)
            .env("PORT", "0")
            .env(
                "CORS_ORIGINS",
                "http://127.0.0.1:5173,https://app.example.com/",
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("still running 30 s after start");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "users_api: CORS_ORIGINS: `https://app.example.com/` is not a CORS origin: it has a path\n"
    );
}

#[test]
fn cors_origins_lists_the_allowed_origins_none_when_unset_or_empty() {
    use axum::http::HeaderValue;
    let allows = |var: Result<String, std::env::VarError>, origin: &'static str| {
        app::cors_origins(var)
            .unwrap()
            .allows(&HeaderValue::from_static(origin))
    };
    let list = || Ok("http://localhost:5173, https://app.example.com".to_owned());
    assert!(allows(list(), "http://localhost:5173"));
    assert!(allows(list(), "https://app.example.com"));
    assert!(!allows(list(), "https://app.example.com:8443"));
    assert!(!allows(list(), "http://localhost:3000"));
    assert!(!allows(
        Err(std::env::VarError::NotPresent),
        "http://localhost:5173"
    ));
    assert!(!allows(Ok(String::new()), "http://localhost:5173"));
    assert_eq!(
        app::cors_origins(Ok("*".to_owned())).unwrap_err(),
        "CORS_ORIGINS: `*` is not a CORS origin: use `Cors::any_origin` to allow every origin"
    );
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_and_stops_accepting() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app::serve(listener, app::no_origins(), async move {
        let _ = stopped.await;
    }));
    let client = client();
    let in_flight = tokio::spawn(send(client.get(format!("http://{addr}/api/slow"))));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    stop.send(()).unwrap();
    // The request in flight gets its answer (the app's 2 s timeout).
    let res = in_flight.await.unwrap();
    res.expect_error(503);
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve did not return within 5 s of the shutdown signal");
    result.unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

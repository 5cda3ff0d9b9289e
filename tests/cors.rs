//! `cors::Cors` with `ApiErrorLayer`, over real HTTP on 127.0.0.1: every error the
//! layer renders or rewrites, a panic's 500 included, carries the CORS headers a
//! browser needs to hand it to the page's script; preflights are answered before
//! authentication and rate limiting; a plain `OPTIONS` reaches the app; and in the
//! other order `ApiErrorLayer::with_cors` gives the panic's 500 the same headers.
//! (The browser itself: `examples/users_api/tests/browser/`.)

use std::{collections::BTreeMap, time::Duration};

use axum::{
    extract::Request,
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use axum_api_error::{cors::Cors, ApiError, ApiErrorLayer, Json};
use reqwest::Method;
use serde_json::{json, Value};
use testkit::server::{send, serve_with_peer, Res, Server};
use tower::ServiceBuilder;
use tower_governor::{governor::GovernorConfigBuilder, GovernorLayer};
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer};

/// The requests the rate limit allows each peer (one more a minute).
const BURST: u32 = 8;

const ORIGIN: &str = "http://127.0.0.1:5173";

/// What `Cors` exposes, as tower-http writes it.
const EXPOSED: &str = "x-request-id,retry-after,ratelimit,ratelimit-policy,x-ratelimit-limit,\
     x-ratelimit-remaining,x-ratelimit-reset,www-authenticate,allow,accept,accept-post,\
     location,etag,link,x-total-count";

fn cors() -> Cors {
    Cors::exact_origins([ORIGIN]).unwrap()
}

async fn create(Json(body): Json<Value>) -> Result<StatusCode, ApiError> {
    if body
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty())
    {
        return Ok(StatusCode::CREATED);
    }
    Err(ApiError::validation().add_field_error("name", "Name must not be empty.", "REQUIRED"))
}

async fn crash() -> &'static str {
    panic!("SECRET-PANIC")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

/// Refuses a request without `Authorization`, as an auth middleware would.
async fn require_token(req: Request, next: Next) -> Response {
    if req.headers().contains_key("authorization") {
        next.run(req).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

/// The app's routes behind authentication and a rate limit of eight requests per
/// peer (one more a minute), which the preflights must never reach.
fn routes() -> Router {
    let governor = GovernorConfigBuilder::default()
        .per_second(60)
        .burst_size(BURST)
        .use_headers()
        .finish()
        .unwrap();
    Router::new()
        .route("/api/users", post(create).get(|| async { "[]" }))
        .route("/api/crash", get(crash))
        .route(
            "/api/slow",
            get(slow).layer(TimeoutLayer::with_status_code(
                StatusCode::GATEWAY_TIMEOUT,
                Duration::from_millis(50),
            )),
        )
        .route(
            "/api/upload",
            post(|body: axum::body::Bytes| async move { body.len().to_string() })
                .layer(RequestBodyLimitLayer::new(8)),
        )
        .layer(middleware::from_fn(require_token))
        .layer(GovernorLayer::new(governor).error_handler(axum_api_error::governor::error_response))
        .with_state(())
}

/// The recommended order: `Cors` outside the layer.
async fn recommended() -> Server {
    let service = ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(cors())
        .layer(ApiErrorLayer::new())
        .service(routes());
    serve_with_peer(service).await
}

/// The other order: `Cors` inside, and the layer given the same configuration.
async fn inside(with_cors: bool) -> Server {
    let layer = if with_cors {
        ApiErrorLayer::new().with_cors(cors())
    } else {
        ApiErrorLayer::new()
    };
    let service = ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(layer)
        .layer(cors())
        .service(routes());
    serve_with_peer(service).await
}

/// `method path` with a token, from `origin` when there is one.
fn with_token(
    s: &Server,
    method: Method,
    path: &str,
    origin: Option<&str>,
) -> reqwest::RequestBuilder {
    let req = s.req(method, path).header("authorization", "Bearer t");
    match origin {
        Some(origin) => req.header("origin", origin),
        None => req,
    }
}

/// The CORS headers of a response, and the names of its one `Vary` line, sorted.
fn cors_headers(res: &Res) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = res
        .headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-"))
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    let mut vary: Vec<_> = res.header("vary").split(',').map(str::trim).collect();
    vary.sort_unstable();
    map.insert("vary".to_owned(), vary.join(", "));
    map
}

fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Every kind of error, from `ORIGIN`: (name, response).
async fn every_error(s: &Server) -> Vec<(&'static str, Res)> {
    let from = |method: Method, path: &str| s.req(method, path).header("origin", ORIGIN);
    let token = |method: Method, path: &str| with_token(s, method, path, Some(ORIGIN));
    let mut all = vec![
        ("401", send(from(Method::GET, "/api/users")).await),
        ("404", send(token(Method::GET, "/api/nowhere")).await),
        ("405", send(token(Method::DELETE, "/api/users")).await),
        (
            "413",
            send(token(Method::POST, "/api/upload").body("more than eight bytes")).await,
        ),
        (
            "415",
            send(token(Method::POST, "/api/users").body("{}")).await,
        ),
        (
            "422",
            send(token(Method::POST, "/api/users").json(&json!({"name": ""}))).await,
        ),
        ("500", send(token(Method::GET, "/api/crash")).await),
        ("504", send(token(Method::GET, "/api/slow")).await),
    ];
    // The rate limit: the requests above spent it.
    assert_eq!(all.len(), BURST as usize);
    all.push(("429", send(token(Method::GET, "/api/users")).await));
    all
}

#[tokio::test]
async fn in_the_recommended_order_every_error_is_readable_from_an_allowed_origin() {
    let s = recommended().await;
    for (name, res) in every_error(&s).await {
        assert_eq!(res.status.to_string(), name, "{:?}", res.headers);
        res.expect_error(res.status);
        assert_eq!(
            cors_headers(&res),
            expected(&[
                ("access-control-allow-origin", ORIGIN),
                ("access-control-expose-headers", EXPOSED),
                ("vary", "accept, origin"),
            ]),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_body_and_the_headers_a_front_end_reads_on_a_422_and_a_429() {
    let s = recommended().await;
    let res =
        send(with_token(&s, Method::POST, "/api/users", Some(ORIGIN)).json(&json!({"name": ""})))
            .await;
    res.expect_error(422);
    assert_eq!(
        res.json(),
        json!({
            "error": "Unprocessable Content",
            "message": "The request contains invalid fields.",
            "code": "VALIDATION_FAILED",
            "details": [{"field": "name", "message": "Name must not be empty.", "code": "REQUIRED"}],
            "requestId": res.request_id(),
        })
    );
    // One request spent, BURST - 1 left: the next BURST - 1 pass, then a 429.
    for _ in 1..BURST {
        send(with_token(&s, Method::GET, "/api/users", Some(ORIGIN)))
            .await
            .expect(200);
    }
    let limited = send(with_token(&s, Method::GET, "/api/users", Some(ORIGIN))).await;
    limited.expect_error(429);
    assert_eq!(limited.header("x-ratelimit-remaining"), "0");
    assert_eq!(limited.header("access-control-allow-origin"), ORIGIN);
    let wait: u64 = limited.header("retry-after").parse().unwrap();
    assert_eq!(limited.json()["retryAfter"], json!(wait));
}

#[tokio::test]
async fn another_origin_or_none_gets_vary_origin_and_nothing_to_read() {
    let s = recommended().await;
    let other = send(with_token(
        &s,
        Method::GET,
        "/api/nowhere",
        Some("http://127.0.0.1:9999"),
    ))
    .await;
    other.expect_error(404);
    // tower-http names the exposed headers to every origin; without
    // `Access-Control-Allow-Origin` the browser hands the script nothing.
    let unreadable = expected(&[
        ("access-control-expose-headers", EXPOSED),
        ("vary", "accept, origin"),
    ]);
    assert_eq!(cors_headers(&other), unreadable);
    let none = send(with_token(&s, Method::GET, "/api/nowhere", None)).await;
    none.expect_error(404);
    assert_eq!(cors_headers(&none), unreadable);
    // A success varies on Origin too.
    let ok = send(with_token(&s, Method::GET, "/api/users", None)).await;
    ok.expect(200);
    assert_eq!(
        cors_headers(&ok),
        expected(&[
            ("access-control-expose-headers", EXPOSED),
            ("vary", "origin")
        ])
    );
}

#[tokio::test]
async fn preflights_are_answered_before_authentication_and_never_rate_limited() {
    let s = recommended().await;
    let preflight = || {
        send(
            s.req(Method::OPTIONS, "/api/users")
                .header("origin", ORIGIN)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type",
                ),
        )
    };
    // More preflights than the limit allows requests, none with a token.
    for _ in 0..2 * BURST {
        let res = preflight().await;
        assert_eq!(res.status, 200, "{:?}", res.headers);
        assert_eq!(
            cors_headers(&res),
            expected(&[
                ("access-control-allow-origin", ORIGIN),
                (
                    "access-control-allow-methods",
                    "GET,HEAD,POST,PUT,PATCH,DELETE"
                ),
                (
                    "access-control-allow-headers",
                    "accept,authorization,content-type,if-match,if-none-match,x-request-id,\
                     traceparent,tracestate"
                ),
                ("access-control-max-age", "600"),
                ("vary", "origin"),
            ])
        );
        assert!(res.body.is_empty());
    }
    // The limit is whole: every request it allows still passes.
    for _ in 0..BURST {
        send(
            with_token(&s, Method::POST, "/api/users", Some(ORIGIN)).json(&json!({"name": "Ada"})),
        )
        .await
        .expect(201);
    }
}

#[tokio::test]
async fn an_options_without_origin_is_no_preflight_and_gets_the_apps_405() {
    let s = recommended().await;
    let res = send(
        s.req(Method::OPTIONS, "/api/users")
            .header("access-control-request-method", "POST")
            .header("authorization", "Bearer t"),
    )
    .await;
    res.expect_error(405);
    assert_eq!(
        cors_headers(&res),
        expected(&[
            ("access-control-expose-headers", EXPOSED),
            ("vary", "accept, origin"),
        ])
    );
}

#[tokio::test]
async fn with_cors_and_cors_on_both_sides_name_origin_once() {
    let service = ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(cors())
        .layer(ApiErrorLayer::new().with_cors(cors()))
        .layer(cors())
        .service(routes());
    let s = serve_with_peer(service).await;
    for (name, res) in every_error(&s).await {
        assert_eq!(res.status.to_string(), name);
        assert_eq!(res.header("access-control-allow-origin"), ORIGIN, "{name}");
        let mut vary: Vec<_> = res.header("vary").split(", ").collect();
        vary.sort_unstable();
        assert_eq!(vary, ["accept", "origin"], "{name}");
    }
}

#[tokio::test]
async fn a_plain_options_gets_the_apps_405_with_the_cors_headers() {
    let s = recommended().await;
    let res = send(with_token(&s, Method::OPTIONS, "/api/users", Some(ORIGIN))).await;
    res.expect_error(405);
    assert_eq!(res.header("allow"), "POST,GET,HEAD");
    assert_eq!(
        cors_headers(&res),
        expected(&[
            ("access-control-allow-origin", ORIGIN),
            ("access-control-expose-headers", EXPOSED),
            ("vary", "accept, origin"),
        ])
    );
}

#[tokio::test]
async fn in_the_other_order_with_cors_gives_every_error_the_same_headers() {
    let outside = every_error(&recommended().await).await;
    let given = every_error(&inside(true).await).await;
    for ((name, outside), (_, given)) in outside.iter().zip(&given) {
        given.expect_error(outside.status);
        assert_eq!(cors_headers(given), cors_headers(outside), "{name}");
    }
    // Without it, only the panic's 500 lacks them: it never passed through Cors.
    let bare = every_error(&inside(false).await).await;
    for (name, res) in &bare {
        let readable = res.has("access-control-allow-origin");
        assert_eq!(readable, *name != "500", "{name}: {:?}", res.headers);
    }
}

#[tokio::test]
async fn credentials_are_allowed_on_every_error_when_configured() {
    let cors = Cors::exact_origins([ORIGIN])
        .unwrap()
        .with_credentials(true);
    let service = ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(cors)
        .layer(ApiErrorLayer::new())
        .service(routes());
    let s = serve_with_peer(service).await;
    for (name, res) in every_error(&s).await {
        assert_eq!(
            cors_headers(&res),
            expected(&[
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-origin", ORIGIN),
                ("access-control-expose-headers", EXPOSED),
                ("vary", "accept, origin"),
            ]),
            "{name}"
        );
    }
}

#[tokio::test]
async fn any_origin_allows_every_origin_without_varying() {
    let service = ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(Cors::any_origin())
        .layer(ApiErrorLayer::new())
        .service(routes());
    let s = serve_with_peer(service).await;
    let res = send(with_token(
        &s,
        Method::GET,
        "/api/crash",
        Some("https://anywhere.example"),
    ))
    .await;
    res.expect_error(500);
    assert_eq!(
        cors_headers(&res),
        expected(&[
            ("access-control-allow-origin", "*"),
            ("access-control-expose-headers", EXPOSED),
            ("vary", "accept"),
        ])
    );
}

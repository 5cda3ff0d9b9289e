//! Integration tests of `ApiErrorLayer` driving a real `axum::Router` in-process.
//!
//! Every case where the placement can matter runs twice: with the layer added through
//! `Router::layer` (it then wraps every route and the fallback) and with the layer
//! wrapped around the whole `Router` as a service. Each test checks the status, the
//! complete header map (names and values, so a header that appears or disappears
//! fails) and the whole body. The request id is random: it is read from the
//! `x-request-id` response header and put into the expected body.

use testkit::logs as support;

use std::{
    collections::BTreeMap,
    convert::Infallible,
    future::{ready, Future, Ready},
    io,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::DefaultBodyLimit,
    http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode},
    routing::{get, post},
    Json, Router,
};
use axum_api_error::{ApiError, ApiErrorLayer, ApiErrorService, Challenge, ErrorFormat, RequestId};
use serde_json::{json, Value};
use tower::{Layer, Service, ServiceExt};

// ---------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------

/// Where the layer sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// `router.layer(ApiErrorLayer::new())`: around every route and the fallback.
    RouterLayer,
    /// `ApiErrorLayer::new().layer(router)`: around the whole router.
    AroundRouter,
}

const PLACEMENTS: [Placement; 2] = [Placement::RouterLayer, Placement::AroundRouter];

/// A response read to the end.
#[derive(Debug)]
struct Sent {
    placement: Option<Placement>,
    status: StatusCode,
    headers: HeaderMap,
    bytes: Bytes,
}

impl Sent {
    async fn read(res: Response<Body>, placement: Option<Placement>) -> Self {
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("the body can be read");
        Self {
            placement,
            status: parts.status,
            headers: parts.headers,
            bytes,
        }
    }

    /// The `x-request-id` response header.
    fn id(&self) -> String {
        self.header_str("x-request-id")
            .unwrap_or_else(|| panic!("{:?}: no x-request-id header", self.placement))
    }

    fn header_str(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header").to_owned())
    }

    /// The body as JSON.
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "{:?}: the body is not JSON ({e}): {:?}",
                self.placement, self.bytes
            )
        })
    }

    fn text(&self) -> String {
        String::from_utf8(self.bytes.to_vec()).expect("a UTF-8 body")
    }

    fn assert_status(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{:?}: status", self.placement);
    }

    fn assert_body(&self, expected: &Value) {
        assert_eq!(&self.json(), expected, "{:?}: body", self.placement);
    }

    /// The header map is exactly `expected`.
    fn assert_headers(&self, expected: &[(&str, &str)]) {
        assert_eq!(
            header_map(&self.headers),
            expected_map(expected),
            "{:?}: headers",
            self.placement
        );
    }

    /// The headers of an error the layer rendered: `content-type`, `cache-control`,
    /// `vary`, `content-length` of the body read, `x-request-id`, and `extra`.
    fn assert_error_headers(&self, content_type: &str, extra: &[(&str, &str)]) {
        let id = self.id();
        let len = self.bytes.len().to_string();
        let mut all = vec![
            ("content-type", content_type),
            ("cache-control", "no-store"),
            ("vary", "accept"),
            ("content-length", len.as_str()),
            ("x-request-id", id.as_str()),
        ];
        all.extend_from_slice(extra);
        self.assert_headers(&all);
    }

    /// Status, error headers and whole body of a JSON error.
    fn assert_json_error(&self, status: StatusCode, extra: &[(&str, &str)], body: &Value) {
        self.assert_status(status);
        self.assert_error_headers("application/json", extra);
        self.assert_body(body);
    }
}

fn header_map(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        map.entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    map
}

fn expected_map(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in pairs {
        map.entry((*name).to_owned())
            .or_default()
            .push((*value).to_owned());
    }
    map
}

/// Sends `req` to `router` with `layer` in `placement`.
async fn send(
    placement: Placement,
    router: Router,
    layer: &ApiErrorLayer,
    req: Request<Body>,
) -> Sent {
    let res = match placement {
        Placement::RouterLayer => router.layer(layer.clone()).oneshot(req).await,
        Placement::AroundRouter => Layer::layer(layer, router).oneshot(req).await,
    };
    let res = res.unwrap_or_else(|e: Infallible| match e {});
    Sent::read(res, Some(placement)).await
}

/// Sends the same request through both placements.
async fn both(
    router: impl Fn() -> Router,
    layer: &ApiErrorLayer,
    req: impl Fn() -> Request<Body>,
) -> [Sent; 2] {
    [
        send(Placement::RouterLayer, router(), layer, req()).await,
        send(Placement::AroundRouter, router(), layer, req()).await,
    ]
}

/// The router alone, without the layer.
async fn send_plain(router: Router, req: Request<Body>) -> Sent {
    let res = router
        .oneshot(req)
        .await
        .unwrap_or_else(|e: Infallible| match e {});
    Sent::read(res, None).await
}

fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn json_post(uri: &str, body: &'static str) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

fn get_with(uri: &str, name: &str, value: HeaderValue) -> Request<Body> {
    Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

/// A generated id is a lower-case hyphenated UUID v4.
fn assert_generated(id: &str) {
    let b = id.as_bytes();
    assert_eq!(b.len(), 36, "{id:?} is no UUID");
    for (i, c) in b.iter().enumerate() {
        if [8, 13, 18, 23].contains(&i) {
            assert_eq!(*c, b'-', "{id:?} is no UUID");
        } else {
            assert!(
                c.is_ascii_digit() || (b'a'..=b'f').contains(c),
                "{id:?} is no lower-case UUID"
            );
        }
    }
    assert_eq!(b[14], b'4', "{id:?} is no UUID v4");
    assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{id:?} variant");
}

#[derive(Debug, serde::Deserialize)]
struct NewUser {
    name: String,
}

async fn create_user(Json(user): Json<NewUser>) -> String {
    user.name
}

async fn echo_id(id: RequestId) -> String {
    id.to_string()
}

// ---------------------------------------------------------------------------------
// axum's own errors
// ---------------------------------------------------------------------------------

fn users_app() -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/items", get(|| async { "items" }))
}

#[tokio::test]
async fn axum_route_not_found() {
    for sent in both(users_app, &ApiErrorLayer::new(), || get_req("/nope")).await {
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(
            StatusCode::NOT_FOUND,
            &[],
            &json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "ROUTE_NOT_FOUND",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_method_not_allowed_keeps_allow() {
    let req = || Request::delete("/items").body(Body::empty()).unwrap();
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            &[("allow", "GET,HEAD")],
            &json!({
                "error": "Method Not Allowed",
                "message": "The method is not allowed for this resource.",
                "code": "METHOD_NOT_ALLOWED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_invalid_syntax() {
    let req = || json_post("/users", r#"{"name": "#);
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "Failed to parse the request body as JSON: name: EOF while parsing a value at line 1 column 9",
                "code": "INVALID_JSON",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_missing_content_type() {
    let req = || {
        Request::post("/users")
            .body(Body::from(r#"{"name":"a"}"#))
            .unwrap()
    };
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &[
                ("accept", "application/json"),
                ("accept-post", "application/json"),
            ],
            &json!({
                "error": "Unsupported Media Type",
                "message": "Expected request with `Content-Type: application/json`",
                "code": "UNSUPPORTED_MEDIA_TYPE",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_missing_content_type_not_post_has_no_accept_post() {
    let app = || Router::new().route("/users", axum::routing::put(create_user));
    let req = || {
        Request::put("/users")
            .body(Body::from(r#"{"name":"a"}"#))
            .unwrap()
    };
    for sent in both(app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &[("accept", "application/json")],
            &json!({
                "error": "Unsupported Media Type",
                "message": "Expected request with `Content-Type: application/json`",
                "code": "UNSUPPORTED_MEDIA_TYPE",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_json_wrong_shape() {
    let req = || json_post("/users", r#"{"nom":"a"}"#);
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
            &json!({
                "error": "Unprocessable Content",
                "message": "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 11",
                "code": "INVALID_BODY",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn axum_default_body_limit() {
    let app = || users_app().layer(DefaultBodyLimit::max(16));
    let req = || json_post("/users", r#"{"name":"a name longer than sixteen bytes"}"#);
    for sent in both(app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &[],
            &json!({
                "error": "Content Too Large",
                "message": "The request content is too large.",
                "code": "PAYLOAD_TOO_LARGE",
                "requestId": id,
            }),
        );
    }
    // A body under the limit still gets through.
    let ok = send(
        Placement::AroundRouter,
        app(),
        &ApiErrorLayer::new(),
        json_post("/users", r#"{"name":"ab"}"#),
    )
    .await;
    ok.assert_status(StatusCode::OK);
    assert_eq!(ok.text(), "ab");
}

// ---------------------------------------------------------------------------------
// tower-http's errors
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn tower_http_request_body_limit_from_content_length() {
    let app = || users_app().layer(tower_http::limit::RequestBodyLimitLayer::new(8));
    let req = || {
        Request::post("/users")
            .header("content-type", "application/json")
            .header("content-length", "30")
            .body(Body::from(r#"{"name":"0123456789abcdefghi"}"#))
            .unwrap()
    };
    for sent in both(app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &[],
            &json!({
                "error": "Content Too Large",
                "message": "The request content is too large.",
                "code": "PAYLOAD_TOO_LARGE",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("length limit exceeded"));
    }
}

fn slow_app() -> Router {
    Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_millis(50),
        ))
}

#[tokio::test]
async fn tower_http_timeout_503_gets_retry_after() {
    let start = Instant::now();
    for sent in both(slow_app, &ApiErrorLayer::new(), || get_req("/slow")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "60")],
            &json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": 60,
            }),
        );
    }
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "the timeout fired"
    );
}

// ---------------------------------------------------------------------------------
// Bare statuses and text bodies from handlers
// ---------------------------------------------------------------------------------

fn bare_app() -> Router {
    Router::new()
        .route("/forbidden", get(|| async { StatusCode::FORBIDDEN }))
        .route("/unauthorized", get(|| async { StatusCode::UNAUTHORIZED }))
        .route(
            "/text",
            get(|| async { (StatusCode::BAD_REQUEST, "custom text") }),
        )
        .route(
            "/secret",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "SECRET") }),
        )
        .route("/bare-missing", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/own-json",
            get(|| async {
                (
                    StatusCode::CONFLICT,
                    Json(json!({"mine": true, "reason": "my own shape"})),
                )
            }),
        )
}

#[tokio::test]
async fn bare_forbidden() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/forbidden")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::FORBIDDEN,
            &[],
            &json!({
                "error": "Forbidden",
                "message": "You do not have permission to perform this action.",
                "code": "FORBIDDEN",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn bare_unauthorized_gets_default_challenge() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/unauthorized")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNAUTHORIZED,
            &[("www-authenticate", "Bearer")],
            &json!({
                "error": "Unauthorized",
                "message": "Authentication is required to access this resource.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn bare_unauthorized_gets_configured_challenge() {
    let layer = ApiErrorLayer::new().with_challenge(Challenge::bearer().realm("api"));
    for sent in both(bare_app, &layer, || get_req("/unauthorized")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNAUTHORIZED,
            &[("www-authenticate", r#"Bearer realm="api""#)],
            &json!({
                "error": "Unauthorized",
                "message": "Authentication is required to access this resource.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn client_error_text_becomes_the_message() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/text")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "custom text",
                "code": "BAD_REQUEST",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn server_error_text_is_never_sent() {
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/secret")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET"));
    }
}

/// A 5xx text longer than `max_text_len` (4096 by default) is not read, and still
/// never sent.
#[tokio::test]
async fn long_server_error_text_is_never_sent() {
    let app = || {
        Router::new().route(
            "/trace",
            get(|| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("SECRET stack trace {}", "x".repeat(5000)),
                )
            }),
        )
    };
    for sent in both(app, &ApiErrorLayer::new(), || get_req("/trace")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET"));
    }
}

fn max_text_len_app() -> Router {
    Router::new()
        .route(
            "/short",
            get(|| async { (StatusCode::BAD_REQUEST, "8 bytes!") }),
        )
        .route(
            "/long",
            get(|| async { (StatusCode::BAD_REQUEST, "nine byte") }),
        )
}

/// `with_max_text_len`: a 4xx text of up to that many bytes becomes the message.
#[tokio::test]
async fn text_up_to_max_text_len_becomes_the_message() {
    let layer = ApiErrorLayer::new().with_max_text_len(8);
    for sent in both(max_text_len_app, &layer, || get_req("/short")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "8 bytes!",
                "code": "BAD_REQUEST",
                "requestId": id,
            }),
        );
    }
}

/// `with_max_text_len`: "a longer body is replaced without being read".
#[tokio::test]
async fn text_longer_than_max_text_len_is_replaced() {
    let layer = ApiErrorLayer::new().with_max_text_len(8);
    for sent in both(max_text_len_app, &layer, || get_req("/long")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::BAD_REQUEST,
            &[],
            &json!({
                "error": "Bad Request",
                "message": "The request is invalid.",
                "code": "BAD_REQUEST",
                "requestId": id,
            }),
        );
    }
}

/// A handler's bare 404 on an existing route is a plain `NOT_FOUND`, not the
/// router's `ROUTE_NOT_FOUND`.
async fn assert_handler_bare_not_found(placement: Placement, code: &str) {
    let sent = send(
        placement,
        bare_app(),
        &ApiErrorLayer::new(),
        get_req("/bare-missing"),
    )
    .await;
    let id = sent.id();
    sent.assert_json_error(
        StatusCode::NOT_FOUND,
        &[],
        &json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": code,
            "requestId": id,
        }),
    );
}

/// With `Router::layer` the layer sees axum's `MatchedPath`.
#[tokio::test]
async fn handler_bare_not_found_with_router_layer() {
    assert_handler_bare_not_found(Placement::RouterLayer, "NOT_FOUND").await;
}

/// Around the whole router the layer runs before routing, so it cannot tell a
/// handler's empty 404 from the fallback's: both are `ROUTE_NOT_FOUND`, as the
/// layer's docs say (a handler returns `ApiError::not_found()` to be exact).
#[tokio::test]
async fn handler_bare_not_found_around_router() {
    assert_handler_bare_not_found(Placement::AroundRouter, "ROUTE_NOT_FOUND").await;
}

#[tokio::test]
async fn app_json_error_body_is_left_alone() {
    let plain = send_plain(bare_app(), get_req("/own-json")).await;
    plain.assert_status(StatusCode::CONFLICT);
    let len = plain.bytes.len().to_string();
    plain.assert_headers(&[
        ("content-type", "application/json"),
        ("content-length", len.as_str()),
    ]);
    assert_eq!(
        plain.json(),
        json!({"mine": true, "reason": "my own shape"})
    );
    for sent in both(bare_app, &ApiErrorLayer::new(), || get_req("/own-json")).await {
        sent.assert_status(StatusCode::CONFLICT);
        assert_eq!(sent.bytes, plain.bytes, "{:?}: body bytes", sent.placement);
        let id = sent.id();
        assert_generated(&id);
        sent.assert_headers(&[
            ("content-type", "application/json"),
            ("content-length", len.as_str()),
            ("cache-control", "no-store"),
            ("vary", "accept"),
            ("x-request-id", id.as_str()),
        ]);
    }
}

// ---------------------------------------------------------------------------------
// Panics
// ---------------------------------------------------------------------------------

fn panic_app() -> Router {
    Router::new()
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("SECRET-PANIC-TEXT");
                }
                "unreachable"
            }),
        )
        .route("/ok", get(|| async { "ok" }))
}

#[tokio::test]
async fn panicking_handler_is_a_500() {
    let layer = ApiErrorLayer::new();
    for placement in PLACEMENTS {
        let app = panic_app();
        let sent = send(placement, app.clone(), &layer, get_req("/panic")).await;
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET-PANIC-TEXT"));
        assert!(!sent.text().contains("panicked"));
        // The same app keeps serving.
        let next = send(placement, app, &layer, get_req("/ok")).await;
        next.assert_status(StatusCode::OK);
        assert_eq!(next.text(), "ok");
    }
}

/// A service whose `call` itself panics for `/boom`.
#[derive(Debug, Clone, Default)]
struct PanicInCall {
    calls: Arc<AtomicUsize>,
}

impl Service<Request<Body>> for PanicInCall {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if req.uri().path() == "/boom" {
            panic!("SECRET-PANIC-TEXT in call");
        }
        ready(Ok(Response::new(Body::from("served"))))
    }
}

#[tokio::test]
async fn panic_in_call_is_a_500_and_the_service_keeps_serving() {
    let inner = PanicInCall::default();
    let calls = Arc::clone(&inner.calls);
    let mut svc = ApiErrorLayer::new().layer(inner);

    for _ in 0..2 {
        let res = svc
            .ready()
            .await
            .unwrap()
            .call(get_req("/boom"))
            .await
            .unwrap();
        let sent = Sent::read(res, None).await;
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET-PANIC-TEXT"));

        let res = svc
            .ready()
            .await
            .unwrap()
            .call(get_req("/fine"))
            .await
            .unwrap();
        let sent = Sent::read(res, None).await;
        sent.assert_status(StatusCode::OK);
        let id = sent.id();
        sent.assert_headers(&[("x-request-id", id.as_str())]);
        assert_eq!(sent.text(), "served");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

// ---------------------------------------------------------------------------------
// A handler's ApiError
// ---------------------------------------------------------------------------------

fn api_app() -> Router {
    Router::new()
        .route(
            "/users",
            post(|| async {
                Err::<(), _>(
                    ApiError::validation()
                        .field_error("email", "Must be a valid email address.", "INVALID_FORMAT")
                        .field_error("name", "Must not be empty.", "REQUIRED"),
                )
            }),
        )
        .route(
            "/conflict",
            get(|| async {
                Err::<(), _>(
                    ApiError::conflict("A user with this email already exists.").field("email"),
                )
            }),
        )
        .route(
            "/hidden",
            get(|| async {
                Err::<(), _>(
                    ApiError::concealed_not_found()
                        .with_message("user 2 may not read user 1")
                        .with_code("HIDDEN_BY_POLICY")
                        .field_error("owner", "Not yours.", "NOT_OWNER")
                        .with_docs("https://internal.example.com/policy"),
                )
            }),
        )
        .route(
            "/absent",
            get(|| async { Err::<(), _>(ApiError::not_found()) }),
        )
        .route(
            "/db",
            get(|| async {
                Err::<(), _>(ApiError::internal(QueryFailed(io::Error::other(
                    "password=SECRET-DB",
                ))))
            }),
        )
        .route(
            "/unavailable",
            get(|| async { Err::<(), _>(ApiError::service_unavailable()) }),
        )
}

#[derive(Debug, thiserror::Error)]
#[error("query failed")]
struct QueryFailed(#[source] io::Error);

fn post_users(accept: Option<&'static str>) -> impl Fn() -> Request<Body> {
    move || {
        let mut req = Request::post("/users");
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        req.body(Body::empty()).unwrap()
    }
}

fn validation_json(id: &str) -> Value {
    json!({
        "error": "Unprocessable Content",
        "message": "The request contains invalid fields.",
        "code": "VALIDATION_FAILED",
        "details": [
            {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
        ],
        "requestId": id,
    })
}

fn validation_problem(id: &str) -> Value {
    json!({
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "The request contains invalid fields.",
        "instance": "/users",
        "code": "VALIDATION_FAILED",
        "requestId": id,
        "errors": [
            {"field": "email", "message": "Must be a valid email address.", "code": "INVALID_FORMAT"},
            {"field": "name", "message": "Must not be empty.", "code": "REQUIRED"},
        ],
    })
}

#[tokio::test]
async fn api_error_gets_the_request_id() {
    for sent in both(api_app, &ApiErrorLayer::new(), post_users(None)).await {
        let id = sent.id();
        assert_generated(&id);
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
        assert_eq!(sent.json()["requestId"], id.as_str());
    }
    let req = || get_req("/conflict");
    for sent in both(api_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::CONFLICT,
            &[],
            &json!({
                "error": "Conflict",
                "message": "A user with this email already exists.",
                "code": "CONFLICT",
                "details": [{
                    "field": "email",
                    "message": "A user with this email already exists.",
                    "code": "CONFLICT",
                }],
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn api_error_problem_details_on_accept() {
    let req = post_users(Some("application/problem+json"));
    for sent in both(api_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        sent.assert_error_headers("application/problem+json", &[]);
        sent.assert_body(&validation_problem(&id));
    }
}

#[tokio::test]
async fn api_error_format_follows_q_values() {
    let layer = ApiErrorLayer::new();
    let problem = post_users(Some("application/json;q=0.5, application/problem+json"));
    for sent in both(api_app, &layer, problem).await {
        let id = sent.id();
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        sent.assert_error_headers("application/problem+json", &[]);
        sent.assert_body(&validation_problem(&id));
    }
    let json = post_users(Some("application/json, application/problem+json;q=0.9"));
    for sent in both(api_app, &layer, json).await {
        let id = sent.id();
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
    }
}

#[tokio::test]
async fn api_error_ties_go_to_the_configured_format() {
    let tie = "application/json, application/problem+json";
    // Default: JSON.
    for accept in [Some(tie), Some("*/*"), None] {
        for sent in both(api_app, &ApiErrorLayer::new(), post_users(accept)).await {
            let id = sent.id();
            sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
        }
    }
    // Configured: problem.
    let layer = ApiErrorLayer::new().with_format(ErrorFormat::Problem);
    for accept in [Some(tie), Some("*/*"), None] {
        for sent in both(api_app, &layer, post_users(accept)).await {
            let id = sent.id();
            sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
            sent.assert_error_headers("application/problem+json", &[]);
            sent.assert_body(&validation_problem(&id));
        }
    }
    // An explicit preference still wins over the configured format.
    for sent in both(api_app, &layer, post_users(Some("application/json"))).await {
        let id = sent.id();
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
    }
}

#[tokio::test]
async fn axum_route_not_found_as_problem() {
    let req = || {
        Request::get("/nope?q=1")
            .header("accept", "application/problem+json")
            .body(Body::empty())
            .unwrap()
    };
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        let id = sent.id();
        sent.assert_status(StatusCode::NOT_FOUND);
        sent.assert_error_headers("application/problem+json", &[]);
        sent.assert_body(&json!({
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "The requested resource was not found.",
            "instance": "/nope",
            "code": "ROUTE_NOT_FOUND",
            "requestId": id,
        }));
    }
}

#[tokio::test]
async fn api_error_unauthorized_gets_the_configured_challenge() {
    let app = || {
        Router::new().route(
            "/me",
            get(|| async { Err::<(), _>(ApiError::unauthorized()) }),
        )
    };
    let layer = ApiErrorLayer::new().with_challenge(Challenge::bearer().realm("api"));
    for sent in both(app, &layer, || get_req("/me")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::UNAUTHORIZED,
            &[("www-authenticate", r#"Bearer realm="api""#)],
            &json!({
                "error": "Unauthorized",
                "message": "Authentication is required to access this resource.",
                "code": "UNAUTHORIZED",
                "requestId": id,
            }),
        );
    }
}

#[tokio::test]
async fn concealed_not_found_equals_a_real_one() {
    let layer = ApiErrorLayer::new().with_docs_base("https://docs.example.com/errors/");
    for accept in ["application/json", "application/problem+json"] {
        let req = |uri: &'static str| {
            move || {
                Request::get(uri)
                    .header("accept", accept)
                    .body(Body::empty())
                    .unwrap()
            }
        };
        let hidden = both(api_app, &layer, req("/hidden")).await;
        // "/absent" is as long as "/hidden", so the lengths compare too.
        let missing = both(api_app, &layer, req("/absent")).await;
        for (hidden, missing) in hidden.iter().zip(&missing) {
            hidden.assert_status(StatusCode::NOT_FOUND);
            missing.assert_status(StatusCode::NOT_FOUND);
            assert_ne!(hidden.id(), missing.id());
            // The same header names, and the same values apart from the id.
            let names = |s: &Sent| header_map(&s.headers).into_keys().collect::<Vec<_>>();
            assert_eq!(names(hidden), names(missing), "{:?}", hidden.placement);
            let without_id = |s: &Sent| {
                let mut map = header_map(&s.headers);
                map.remove("x-request-id");
                map
            };
            assert_eq!(
                without_id(hidden),
                without_id(missing),
                "{:?}",
                hidden.placement
            );
            hidden.assert_error_headers(accept, &[]);
            // The same body apart from the request id and the instance.
            let strip = |s: &Sent| {
                let mut body = s.json();
                let map = body.as_object_mut().unwrap();
                assert_eq!(map.remove("requestId"), Some(Value::from(s.id())));
                map.remove("instance");
                body
            };
            assert_eq!(strip(hidden), strip(missing), "{:?}", hidden.placement);
            let id = hidden.id();
            let expected = if accept == "application/json" {
                json!({
                    "error": "Not Found",
                    "message": "The requested resource was not found.",
                    "code": "NOT_FOUND",
                    "requestId": id,
                    "docs": "https://docs.example.com/errors/NOT_FOUND",
                })
            } else {
                json!({
                    "type": "https://docs.example.com/errors/NOT_FOUND",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "The requested resource was not found.",
                    "instance": "/hidden",
                    "code": "NOT_FOUND",
                    "requestId": id,
                })
            };
            hidden.assert_body(&expected);
            for secret in ["user 2", "HIDDEN", "NOT_OWNER", "internal.example.com"] {
                assert!(!hidden.text().contains(secret), "{secret} leaked");
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Success responses
// ---------------------------------------------------------------------------------

fn success_app() -> Router {
    Router::new().route(
        "/ok",
        get(|| async {
            (
                [("etag", "\"v1\""), ("x-custom", "yes")],
                Json(json!({"ok": true, "items": [1, 2, 3]})),
            )
        }),
    )
}

#[tokio::test]
async fn success_passes_through_with_only_a_request_id() {
    let plain = send_plain(success_app(), get_req("/ok")).await;
    plain.assert_status(StatusCode::OK);
    assert_eq!(plain.json(), json!({"ok": true, "items": [1, 2, 3]}));
    assert!(plain.headers.get("x-request-id").is_none());
    for sent in both(success_app, &ApiErrorLayer::new(), || get_req("/ok")).await {
        sent.assert_status(StatusCode::OK);
        assert_eq!(sent.bytes, plain.bytes, "{:?}: body bytes", sent.placement);
        let id = sent.id();
        assert_generated(&id);
        let mut headers = header_map(&sent.headers);
        assert_eq!(headers.remove("x-request-id"), Some(vec![id]));
        assert_eq!(headers, header_map(&plain.headers), "{:?}", sent.placement);
    }
}

// ---------------------------------------------------------------------------------
// Request ids
// ---------------------------------------------------------------------------------

fn echo_app() -> Router {
    Router::new().route("/id", get(echo_id))
}

#[tokio::test]
async fn valid_incoming_request_ids_are_kept() {
    let long = "x".repeat(128);
    for incoming in ["abc-123", long.as_str(), "a.b:c_d"] {
        let req = || {
            get_with(
                "/id",
                "x-request-id",
                HeaderValue::from_str(incoming).unwrap(),
            )
        };
        for sent in both(echo_app, &ApiErrorLayer::new(), req).await {
            sent.assert_status(StatusCode::OK);
            assert_eq!(sent.id(), incoming, "{:?}", sent.placement);
            assert_eq!(
                sent.text(),
                incoming,
                "{:?}: the handler's id",
                sent.placement
            );
        }
    }
}

#[tokio::test]
async fn unsafe_incoming_request_ids_are_replaced() {
    let too_long = "x".repeat(129);
    let values = [
        HeaderValue::from_str(&too_long).unwrap(),
        HeaderValue::from_static("a b"),
        HeaderValue::from_static("a;b"),
        HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        HeaderValue::from_static(""),
    ];
    for incoming in values {
        let req = || get_with("/id", "x-request-id", incoming.clone());
        for sent in both(echo_app, &ApiErrorLayer::new(), req).await {
            sent.assert_status(StatusCode::OK);
            let id = sent.id();
            assert_ne!(id.as_bytes(), incoming.as_bytes());
            assert_generated(&id);
            assert_eq!(sent.text(), id, "{:?}: the handler's id", sent.placement);
            assert_eq!(sent.headers.get_all("x-request-id").iter().count(), 1);
        }
    }
}

#[tokio::test]
async fn error_body_carries_the_incoming_id() {
    let req = || get_with("/nope", "x-request-id", HeaderValue::from_static("req-42"));
    for sent in both(users_app, &ApiErrorLayer::new(), req).await {
        assert_eq!(sent.id(), "req-42");
        sent.assert_json_error(
            StatusCode::NOT_FOUND,
            &[],
            &json!({
                "error": "Not Found",
                "message": "The requested resource was not found.",
                "code": "ROUTE_NOT_FOUND",
                "requestId": "req-42",
            }),
        );
    }
}

#[tokio::test]
async fn custom_request_id_header() {
    let layer = ApiErrorLayer::new().with_header_name(HeaderName::from_static("x-correlation-id"));
    let req = || {
        Request::get("/id")
            .header("x-correlation-id", "corr-1")
            .header("x-request-id", "ignored-1")
            .body(Body::empty())
            .unwrap()
    };
    for sent in both(echo_app, &layer, req).await {
        sent.assert_status(StatusCode::OK);
        assert_eq!(sent.text(), "corr-1");
        sent.assert_headers(&[
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", "6"),
            ("x-correlation-id", "corr-1"),
        ]);
    }
    // On an error, the body's requestId is the custom header's value.
    let req = || {
        get_with(
            "/nope",
            "x-correlation-id",
            HeaderValue::from_static("corr-2"),
        )
    };
    for sent in both(echo_app, &layer, req).await {
        sent.assert_status(StatusCode::NOT_FOUND);
        let len = sent.bytes.len().to_string();
        sent.assert_headers(&[
            ("content-type", "application/json"),
            ("cache-control", "no-store"),
            ("vary", "accept"),
            ("content-length", len.as_str()),
            ("x-correlation-id", "corr-2"),
        ]);
        sent.assert_body(&json!({
            "error": "Not Found",
            "message": "The requested resource was not found.",
            "code": "ROUTE_NOT_FOUND",
            "requestId": "corr-2",
        }));
    }
}

#[cfg(feature = "tower-http")]
mod tower_http_request_id {
    use super::*;
    use axum::Extension;
    use tower_http::request_id::{MakeRequestUuid, SetRequestIdLayer};

    async fn echo_both(
        ours: RequestId,
        theirs: Option<Extension<tower_http::request_id::RequestId>>,
        headers: HeaderMap,
    ) -> String {
        let header = |name: &str| {
            headers
                .get(name)
                .map_or("-", |v| v.to_str().unwrap())
                .to_owned()
        };
        let theirs = theirs.map_or("-".to_owned(), |Extension(id)| {
            id.header_value().to_str().unwrap().to_owned()
        });
        format!(
            "{ours} {theirs} {} {}",
            header("x-request-id"),
            header("x-correlation-id"),
        )
    }

    fn app() -> Router {
        Router::new().route("/id", get(echo_both))
    }

    /// Our layer inside `SetRequestIdLayer`, in both placements.
    async fn send_inside(set: SetRequestIdLayer<MakeRequestUuid>, placement: Placement) -> Sent {
        let layer = ApiErrorLayer::new();
        let res = match placement {
            Placement::RouterLayer => app().layer(layer).layer(set).oneshot(get_req("/id")).await,
            Placement::AroundRouter => set.layer(layer.layer(app())).oneshot(get_req("/id")).await,
        };
        Sent::read(res.unwrap(), Some(placement)).await
    }

    #[tokio::test]
    async fn set_request_id_outside_is_reused() {
        for placement in PLACEMENTS {
            let sent =
                send_inside(SetRequestIdLayer::x_request_id(MakeRequestUuid), placement).await;
            sent.assert_status(StatusCode::OK);
            let id = sent.id();
            assert_generated(&id);
            assert_eq!(sent.text(), format!("{id} {id} {id} -"), "{placement:?}");
        }
    }

    #[tokio::test]
    async fn set_request_id_under_another_header_is_reused() {
        for placement in PLACEMENTS {
            let set = SetRequestIdLayer::new(
                HeaderName::from_static("x-correlation-id"),
                MakeRequestUuid,
            );
            let sent = send_inside(set, placement).await;
            sent.assert_status(StatusCode::OK);
            let id = sent.id();
            assert_generated(&id);
            // The request's own x-request-id header is left as the client sent it.
            assert_eq!(sent.text(), format!("{id} {id} - {id}"), "{placement:?}");
        }
    }

    /// Without `SetRequestIdLayer` the layer adds no tower-http extension (an
    /// allocation per request that nobody reads).
    #[tokio::test]
    async fn without_set_request_id_no_tower_http_extension_is_added() {
        let req = || get_with("/id", "x-request-id", HeaderValue::from_static("abc-123"));
        for sent in both(app, &ApiErrorLayer::new(), req).await {
            sent.assert_status(StatusCode::OK);
            assert_eq!(sent.text(), "abc-123 - abc-123 -");
        }
    }
}

// ---------------------------------------------------------------------------------
// HEAD
// ---------------------------------------------------------------------------------

/// HEAD gets the status and headers of GET (`content-length` included) and no body.
async fn assert_head_like_get(uri: &'static str, placements: &[Placement]) {
    for &placement in placements {
        let layer = ApiErrorLayer::new();
        let get = send(placement, bare_and_api_app(), &layer, get_req(uri)).await;
        let head = send(
            placement,
            bare_and_api_app(),
            &layer,
            Request::head(uri).body(Body::empty()).unwrap(),
        )
        .await;
        assert!(get.status.is_client_error(), "{placement:?} {uri}");
        get.assert_error_headers("application/json", &[]);
        assert_eq!(get.json()["requestId"], get.id().as_str());
        assert_generated(&head.id());
        assert_eq!(head.status, get.status, "{placement:?} {uri}: status");
        assert!(
            head.bytes.is_empty(),
            "{placement:?} {uri}: HEAD has no body"
        );
        assert_eq!(
            head.header_str("content-length"),
            Some(get.bytes.len().to_string()),
            "{placement:?} {uri}: HEAD's content-length is the GET body's length"
        );
        let mut get_headers = header_map(&get.headers);
        let mut head_headers = header_map(&head.headers);
        get_headers.remove("x-request-id");
        head_headers.remove("x-request-id");
        assert_eq!(head_headers, get_headers, "{placement:?} {uri}: headers");
    }
}

fn bare_and_api_app() -> Router {
    bare_app().merge(api_app())
}

#[tokio::test]
async fn head_of_an_api_error_is_its_get_without_body() {
    assert_head_like_get("/conflict", &PLACEMENTS).await;
}

#[tokio::test]
async fn head_of_an_empty_error_is_its_get_without_body() {
    assert_head_like_get("/forbidden", &PLACEMENTS).await;
    assert_head_like_get("/nope", &PLACEMENTS).await;
}

#[tokio::test]
async fn head_of_a_text_error_with_router_layer() {
    assert_head_like_get("/text", &[Placement::RouterLayer]).await;
}

/// Around the whole router, axum has already dropped the text body of a HEAD
/// response when the layer sees it: the length of GET's body is then unknown, so
/// HEAD has GET's status and headers but no `content-length` (RFC 9110 §9.3.2).
#[tokio::test]
async fn head_of_a_text_error_around_router() {
    let layer = ApiErrorLayer::new();
    let placement = Placement::AroundRouter;
    let get = send(placement, bare_and_api_app(), &layer, get_req("/text")).await;
    let head = send(
        placement,
        bare_and_api_app(),
        &layer,
        Request::head("/text").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(head.status, get.status);
    assert!(head.bytes.is_empty(), "HEAD has no body");
    assert_eq!(head.header_str("content-length"), None);
    let mut get_headers = header_map(&get.headers);
    let mut head_headers = header_map(&head.headers);
    for name in ["x-request-id", "content-length"] {
        get_headers.remove(name);
        head_headers.remove(name);
    }
    assert_eq!(head_headers, get_headers);
}

// ---------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn docs_base_gives_docs_and_problem_type() {
    let layer = ApiErrorLayer::new().with_docs_base("https://docs.example.com/errors/");
    for sent in both(bare_app, &layer, || get_req("/forbidden")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::FORBIDDEN,
            &[],
            &json!({
                "error": "Forbidden",
                "message": "You do not have permission to perform this action.",
                "code": "FORBIDDEN",
                "requestId": id,
                "docs": "https://docs.example.com/errors/FORBIDDEN",
            }),
        );
    }
    for sent in both(
        api_app,
        &layer,
        post_users(Some("application/problem+json")),
    )
    .await
    {
        let id = sent.id();
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        sent.assert_error_headers("application/problem+json", &[]);
        let mut expected = validation_problem(&id);
        expected["type"] = json!("https://docs.example.com/errors/VALIDATION_FAILED");
        sent.assert_body(&expected);
    }
}

#[tokio::test]
async fn retry_after_is_configurable() {
    let layer = ApiErrorLayer::new().with_retry_after(Duration::from_secs(30));
    for sent in both(slow_app, &layer, || get_req("/slow")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "30")],
            &json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": 30,
            }),
        );
    }
    for sent in both(api_app, &layer, || get_req("/unavailable")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            &[("retry-after", "30")],
            &json!({
                "error": "Service Unavailable",
                "message": "The service is temporarily unavailable. Try again later.",
                "code": "SERVICE_UNAVAILABLE",
                "requestId": id,
                "retryAfter": 30,
            }),
        );
    }
}

#[tokio::test]
async fn debug_details_expose_the_source_chain_of_a_5xx_only_when_on() {
    let on = ApiErrorLayer::new().with_debug_details(true);
    for sent in both(api_app, &on, || get_req("/db")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
                "debug": ["query failed", "password=SECRET-DB"],
            }),
        );
    }
    for sent in both(panic_app, &on, || get_req("/panic")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
                "debug": ["handler panicked: SECRET-PANIC-TEXT"],
            }),
        );
    }
    // A 4xx never has `debug`.
    for sent in both(api_app, &on, post_users(None)).await {
        let id = sent.id();
        sent.assert_json_error(StatusCode::UNPROCESSABLE_ENTITY, &[], &validation_json(&id));
    }
    // Off (the default): no `debug`, no source text.
    for sent in both(api_app, &ApiErrorLayer::new(), || get_req("/db")).await {
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET-DB"));
    }
}

type Events = Arc<Mutex<Vec<(u16, Option<String>, String, String, String)>>>;

#[tokio::test]
async fn on_error_sees_status_code_and_request_id() {
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let layer = ApiErrorLayer::new().on_error(move |event| {
        sink.lock().unwrap().push((
            event.status().as_u16(),
            event.code().map(str::to_owned),
            event.request_id().to_string(),
            event.method().to_string(),
            event.path().to_owned(),
        ));
    });
    for placement in PLACEMENTS {
        events.lock().unwrap().clear();
        let app = bare_and_api_app;
        let forbidden = send(placement, app(), &layer, get_req("/forbidden")).await;
        let validation = send(placement, app(), &layer, post_users(None)()).await;
        let own = send(placement, app(), &layer, get_req("/own-json")).await;
        let nope = send(placement, app(), &layer, get_req("/nope")).await;
        let ok = send(placement, success_app(), &layer, get_req("/ok")).await;
        ok.assert_status(StatusCode::OK);
        let s = |s: &str| s.to_owned();
        assert_eq!(
            *events.lock().unwrap(),
            [
                (
                    403,
                    Some(s("FORBIDDEN")),
                    forbidden.id(),
                    s("GET"),
                    s("/forbidden")
                ),
                (
                    422,
                    Some(s("VALIDATION_FAILED")),
                    validation.id(),
                    s("POST"),
                    s("/users")
                ),
                (409, None, own.id(), s("GET"), s("/own-json")),
                (
                    404,
                    Some(s("ROUTE_NOT_FOUND")),
                    nope.id(),
                    s("GET"),
                    s("/nope")
                ),
            ],
            "{placement:?}"
        );
    }
}

// ---------------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------------

/// Runs `fut` with a DEBUG subscriber; returns its output and the lines this crate
/// logged.
fn with_logs<T>(fut: impl Future<Output = T>) -> (T, Vec<String>) {
    let (out, lines) = support::with_logs(fut);
    let lines = lines
        .into_iter()
        .filter(|l| l.contains("axum_api_error"))
        .collect();
    (out, lines)
}

fn at_level<'a>(lines: &'a [String], level: &str) -> Vec<&'a String> {
    let level = format!(" {level} ");
    lines.iter().filter(|l| l.contains(&level)).collect()
}

#[test]
fn internal_error_is_logged_once_at_error_with_its_source() {
    for placement in PLACEMENTS {
        let app = || {
            Router::new().route(
                "/boom",
                get(|| async { Err::<(), _>(ApiError::internal("SECRET-DB-PASSWORD")) }),
            )
        };
        let (sent, lines) = with_logs(send(
            placement,
            app(),
            &ApiErrorLayer::new(),
            get_req("/boom"),
        ));
        let id = sent.id();
        sent.assert_json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &[],
            &json!({
                "error": "Internal Server Error",
                "message": "An internal error occurred.",
                "code": "INTERNAL_ERROR",
                "requestId": id,
            }),
        );
        assert!(!sent.text().contains("SECRET-DB-PASSWORD"));
        let errors = at_level(&lines, "ERROR");
        assert_eq!(errors.len(), 1, "{placement:?}: {lines:#?}");
        assert_eq!(lines.len(), 1, "{placement:?}: {lines:#?}");
        let line = errors[0];
        assert!(line.contains(&format!("request_id={id}")), "{line}");
        assert!(line.contains("SECRET-DB-PASSWORD"), "{line}");
        assert!(line.contains("status=500"), "{line}");
        assert!(line.contains("INTERNAL_ERROR"), "{line}");
    }
}

#[test]
fn panic_is_logged_with_its_message_and_request_id() {
    for placement in PLACEMENTS {
        let (sent, lines) = with_logs(send(
            placement,
            panic_app(),
            &ApiErrorLayer::new(),
            get_req("/panic"),
        ));
        sent.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
        let id = sent.id();
        assert_eq!(sent.json()["requestId"], id.as_str());
        assert!(!sent.text().contains("SECRET-PANIC-TEXT"));
        let errors = at_level(&lines, "ERROR");
        assert_eq!(errors.len(), 1, "{placement:?}: {lines:#?}");
        let line = errors[0];
        assert!(line.contains(&format!("request_id={id}")), "{line}");
        assert!(line.contains("SECRET-PANIC-TEXT"), "{line}");
        assert!(line.contains("status=500"), "{line}");
    }
}

#[test]
fn client_error_is_logged_at_debug() {
    for placement in PLACEMENTS {
        let (sent, lines) = with_logs(send(
            placement,
            api_app(),
            &ApiErrorLayer::new(),
            post_users(None)(),
        ));
        sent.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let id = sent.id();
        assert!(at_level(&lines, "ERROR").is_empty(), "{lines:#?}");
        assert!(at_level(&lines, "WARN").is_empty(), "{lines:#?}");
        let debug = at_level(&lines, "DEBUG");
        assert_eq!(debug.len(), 1, "{placement:?}: {lines:#?}");
        assert_eq!(lines.len(), 1, "{placement:?}: {lines:#?}");
        assert!(
            debug[0].contains(&format!("request_id={id}")),
            "{}",
            debug[0]
        );
        assert!(debug[0].contains("status=422"), "{}", debug[0]);
        assert!(debug[0].contains("VALIDATION_FAILED"), "{}", debug[0]);
    }
}

/// The module docs promise one log line per error; a replaced 5xx text must reach
/// the log (it is never sent) in that line.
#[test]
fn server_error_text_is_logged_once() {
    for placement in PLACEMENTS {
        let (sent, lines) = with_logs(send(
            placement,
            bare_app(),
            &ApiErrorLayer::new(),
            get_req("/secret"),
        ));
        sent.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!sent.text().contains("SECRET"));
        let id = sent.id();
        let errors = at_level(&lines, "ERROR");
        assert!(
            errors
                .iter()
                .any(|l| l.contains("SECRET") && l.contains(&format!("request_id={id}"))),
            "{placement:?}: the text reaches the log: {lines:#?}"
        );
        assert_eq!(errors.len(), 1, "{placement:?}: {lines:#?}");
    }
}

/// Both placements at once (a layer on the router and another around it): one id,
/// one rendering, one log line and one `on_error` call for the error at `uri`.
fn assert_nested_layers_finish_once(uri: &'static str) {
    let events: Events = Arc::default();
    let sink = Arc::clone(&events);
    let layer = ApiErrorLayer::new().on_error(move |event| {
        sink.lock().unwrap().push((
            event.status().as_u16(),
            event.code().map(str::to_owned),
            event.request_id().to_string(),
            event.method().to_string(),
            event.path().to_owned(),
        ));
    });
    let app = Layer::layer(&layer, bare_and_api_app().layer(layer.clone()));
    let (sent, lines) = with_logs(async move {
        let res = app.oneshot(get_req(uri)).await.unwrap();
        Sent::read(res, None).await
    });
    let id = sent.id();
    assert_generated(&id);
    assert_eq!(sent.headers.get_all("x-request-id").iter().count(), 1);
    let logged: Vec<_> = lines.iter().filter(|l| l.contains(" status=")).collect();
    assert_eq!(logged.len(), 1, "{uri}: {lines:#?}");
    assert!(
        logged[0].contains(&format!("request_id={id}")),
        "{uri}: {}",
        logged[0]
    );
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 1, "{uri}: {events:?}");
    assert_eq!(events[0].2, id, "{uri}");
}

#[test]
fn nested_layers_finish_an_api_error_once() {
    assert_nested_layers_finish_once("/db");
}

#[test]
fn nested_layers_finish_a_bare_status_once() {
    assert_nested_layers_finish_once("/forbidden");
}

#[test]
fn nested_layers_finish_an_app_json_error_once() {
    assert_nested_layers_finish_once("/own-json");
}

// ---------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------

#[test]
fn traits() {
    fn service<T: Send + Sync + Clone + 'static>() {}
    fn future<T: Send + 'static>() {}
    service::<ApiErrorService<Router>>();
    service::<ApiErrorLayer>();
    future::<<ApiErrorService<Router> as Service<Request<Body>>>::Future>();
    // It is a service axum can serve.
    fn is_service<S>(_: &S)
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
    {
    }
    is_service(&ApiErrorLayer::new().layer(Router::new()));
}

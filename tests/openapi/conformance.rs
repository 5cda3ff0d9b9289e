//! The document against the responses it describes: an app that answers every error
//! status, each once with every optional member and header the status can carry and
//! once with none, behind two layers (the default one, and one with `docs` and the
//! development switch on), and the framework's own failures (unknown route, wrong
//! method, axum's rejections, a body over the limit, a panic, a timeout). Each real
//! response, in both formats, is checked against the document `ApiErrorDocs`
//! builds:
//!
//! - the body validates against the documented schema of its status and media
//!   type, with every object schema closed (`additionalProperties: false`, the
//!   problem form's included), so that no member is sent undocumented;
//! - every header documented `required` is there, every documented header that is
//!   there matches its schema, and every error header the crate sends
//!   (`Cache-Control`, `Vary`, `WWW-Authenticate`, `Allow`, `Retry-After`,
//!   `Accept`, `Accept-Post`, the rate-limit fields, `X-Request-Id`) is documented
//!   for that status.

use std::time::Duration;

use axum::{
    extract::Path,
    http::{Method, StatusCode},
    routing::{get, post},
    Router,
};
use axum_api_error::{
    headers::{BearerError, Challenge, RateLimit},
    openapi::ApiErrorDocs,
    ApiError, ApiErrorLayer, Json,
};
use jsonschema::Draft;
use serde_json::{json, Value};
use testkit::server::{send, serve_service, Res, Server};
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer};
use utoipa::openapi::{
    path::{HttpMethod, OperationBuilder, PathItem},
    request_body::RequestBodyBuilder,
    security::SecurityRequirement,
    Content, Info, OpenApi, PathsBuilder, Response,
};

use super::{component, resolve};

/// Every error status the `http` crate names, and two it does not.
fn statuses() -> Vec<StatusCode> {
    (400..=599)
        .filter_map(|code| StatusCode::from_u16(code).ok())
        .filter(|s| s.canonical_reason().is_some() || matches!(s.as_u16(), 499 | 599))
        .collect()
}

/// The document of an operation that may answer every one of them: it names each
/// with no content, has a JSON body and a security requirement.
fn document() -> Value {
    let mut operation = OperationBuilder::new()
        .response("200", Response::new("OK"))
        .request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    Content::new(None::<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>),
                )
                .build(),
        ))
        .security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    for status in statuses() {
        operation = operation.response(status.as_str(), Response::new(""));
    }
    let mut api = OpenApi::new(
        Info::new("every status", "1.0.0"),
        PathsBuilder::new().path(
            "/status/{code}",
            PathItem::new(HttpMethod::Post, operation.build()),
        ),
    );
    ApiErrorDocs::new().apply(&mut api);
    serde_json::to_value(&api).unwrap()
}

/// The error of `code` with every optional member and header it can carry.
async fn full(Path(code): Path<u16>) -> ApiError {
    let status = StatusCode::from_u16(code).unwrap();
    let error = match code {
        405 => ApiError::method_not_allowed([Method::GET, Method::HEAD]),
        415 => ApiError::unsupported_media_type([
            "application/json",
            "application/x-www-form-urlencoded",
        ])
        .with_accept_post(),
        429 => ApiError::rate_limited(Duration::from_secs(30)).with_rate_limit(
            RateLimit::new(5, 0, Duration::from_secs(60), Duration::from_secs(42))
                .with_policy("default"),
        ),
        _ => ApiError::from_status(status),
    };
    let challenge = Challenge::bearer().with_realm("api");
    let error = match code {
        400 => error.with_challenge(challenge.with_error(BearerError::InvalidRequest)),
        401 => error.with_challenge(
            challenge
                .with_error(BearerError::InvalidToken)
                .with_error_description("The token has expired."),
        ),
        403 => error.with_challenge(
            challenge
                .with_error(BearerError::InsufficientScope)
                .with_scope(["admin"]),
        ),
        413 | 503 => error.with_retry_after(Duration::from_secs(120)),
        _ => error,
    };
    let error = if status.is_server_error() {
        error.with_source(std::io::Error::other("the database is down"))
    } else {
        error
    };
    error
        .with_message("Something went wrong, in detail.")
        .with_code("SOMETHING_WRONG")
        .add_field_error("email", "Must be a valid email address.", "INVALID_FORMAT")
        .add_field_error("items[2].qty", "Must be positive.", "OUT_OF_RANGE")
}

/// The error of `code` as its constructor makes it, nothing added.
async fn bare(Path(code): Path<u16>) -> ApiError {
    ApiError::from_status(StatusCode::from_u16(code).unwrap())
}

async fn panics() -> &'static str {
    panic!("a handler that panics")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

async fn takes_json(Json(_): Json<Value>) -> &'static str {
    "ok"
}

#[derive(serde::Deserialize)]
struct Shaped {
    #[allow(dead_code)]
    name: String,
}

async fn takes_shaped(Json(_): Json<Shaped>) -> &'static str {
    "ok"
}

fn app(layer: ApiErrorLayer) -> Router {
    Router::new()
        .route("/full/{code}", get(full))
        .route("/bare/{code}", get(bare))
        .route("/panic", get(panics))
        .route(
            "/slow",
            get(slow).layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                Duration::from_millis(50),
            )),
        )
        .route("/json", post(takes_json))
        .route("/shaped", post(takes_shaped))
        .route(
            "/small",
            post(takes_json).layer(RequestBodyLimitLayer::new(16)),
        )
        .layer(layer)
}

/// The requests, each with the status it gets and a name for messages.
fn requests(s: &Server) -> Vec<(StatusCode, String, reqwest::RequestBuilder)> {
    let mut requests = Vec::new();
    let mut add = |status: StatusCode, method: Method, path: &str, body: Option<(&str, &str)>| {
        let mut request = s.req(method.clone(), path);
        if let Some((content_type, body)) = body {
            if !content_type.is_empty() {
                request = request.header("content-type", content_type);
            }
            request = request.body(body.to_owned());
        }
        requests.push((status, format!("{method} {path}"), request));
    };
    for status in statuses() {
        let code = status.as_u16();
        add(status, Method::GET, &format!("/full/{code}"), None);
        add(status, Method::GET, &format!("/bare/{code}"), None);
    }
    let json = "application/json";
    add(StatusCode::NOT_FOUND, Method::GET, "/nowhere", None);
    add(
        StatusCode::METHOD_NOT_ALLOWED,
        Method::DELETE,
        "/json",
        None,
    );
    add(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Method::POST,
        "/json",
        Some(("", "{}")),
    );
    add(
        StatusCode::BAD_REQUEST,
        Method::POST,
        "/json",
        Some((json, "{")),
    );
    add(
        StatusCode::UNPROCESSABLE_ENTITY,
        Method::POST,
        "/shaped",
        Some((json, r#"{"name": 1}"#)),
    );
    add(
        StatusCode::PAYLOAD_TOO_LARGE,
        Method::POST,
        "/small",
        Some((json, r#"{"padding": "more than sixteen bytes"}"#)),
    );
    add(
        StatusCode::INTERNAL_SERVER_ERROR,
        Method::GET,
        "/panic",
        None,
    );
    add(StatusCode::SERVICE_UNAVAILABLE, Method::GET, "/slow", None);
    requests
}

/// The error headers the crate sends, lower-cased: each one a response carries must
/// be documented for its status.
const ERROR_HEADERS: [&str; 13] = [
    "cache-control",
    "vary",
    "www-authenticate",
    "allow",
    "retry-after",
    "accept",
    "accept-post",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "ratelimit",
    "ratelimit-policy",
    "x-request-id",
];

/// `doc` with every schema of the components closed.
fn closed(doc: &Value) -> Value {
    let mut doc = doc.clone();
    for schema in doc["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        if schema["type"] == "object" {
            schema["additionalProperties"] = json!(false);
        }
    }
    doc
}

/// Checks `value` against `schema`, which may refer to the components of `doc`.
fn check_schema(doc: &Value, schema: &Value, value: &Value, what: &str) {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{what}: the documented schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: {value} does not match the documented schema {schema}: {errors:#?}"
    );
}

/// Checks one real response against the document.
fn check(doc: &Value, strict: &Value, expected: StatusCode, res: &Res, what: &str) {
    assert_eq!(res.status, expected.as_u16(), "{what}: {res:?}");
    let operation = &doc["paths"]["/status/{code}"]["post"];
    let documented = resolve(doc, &operation["responses"][expected.as_str()]);
    assert!(
        documented.is_object(),
        "{what}: status {expected} is not documented"
    );

    let content_type = res.header("content-type");
    let content = &documented["content"][content_type];
    assert!(
        content.is_object(),
        "{what}: {content_type} is not documented for {expected}"
    );
    check_schema(strict, &content["schema"], &res.json(), what);

    let headers = documented["headers"].as_object().unwrap();
    for (name, header) in headers {
        let header = resolve(doc, header);
        if res.has(name) {
            check_schema(
                doc,
                &header["schema"],
                &json!(res.header(name)),
                &format!("{what}: {name}"),
            );
        } else {
            assert_ne!(
                header["required"],
                json!(true),
                "{what}: required {name} is missing: {res:?}"
            );
        }
    }
    for name in res.header_names() {
        if ERROR_HEADERS.contains(&name.as_str()) {
            assert!(
                headers.keys().any(|h| h.eq_ignore_ascii_case(&name)),
                "{what}: {name} is sent with {expected} but not documented"
            );
        }
    }
}

#[tokio::test]
async fn every_status_in_both_formats_matches_the_document() {
    let doc = document();
    let strict = closed(&doc);
    // The problem schema published is open (RFC 9457 §3.2); the check is not.
    assert_eq!(
        component(&doc, "schemas", "ProblemDetails")["additionalProperties"],
        true
    );
    assert_eq!(
        strict["components"]["schemas"]["ProblemDetails"]["additionalProperties"],
        false
    );

    let layers = [
        ("the default layer", ApiErrorLayer::new()),
        (
            "a layer with docs and debug details",
            ApiErrorLayer::new()
                .with_docs_base("https://docs.example.com/errors/")
                .with_debug_details(true),
        ),
    ];
    let mut checked = 0;
    for (layer_name, layer) in layers {
        let s = serve_service(app(layer)).await;
        for accept in ["application/json", "application/problem+json"] {
            for (expected, request_name, request) in requests(&s) {
                let what = format!("{layer_name}, {request_name}, {accept}");
                let res = send(request.header("accept", accept)).await;
                check(&doc, &strict, expected, &res, &what);
                checked += 1;
            }
        }
    }
    // 2 layers x 2 formats x (2 per status + 8 of the framework's).
    assert_eq!(checked, 2 * 2 * (2 * statuses().len() + 8));
}

/// The members the documents make optional do occur, and those they require are
/// always there: a check that the schemas are not looser than they need be.
#[tokio::test]
async fn required_members_are_those_always_sent() {
    let doc = document();
    let required = |name: &str| -> Vec<String> {
        component(&doc, "schemas", name)["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        required("ErrorBody"),
        ["error", "message", "code", "requestId"]
    );
    assert_eq!(
        required("ProblemDetails"),
        [
            "type",
            "title",
            "status",
            "detail",
            "instance",
            "code",
            "requestId"
        ]
    );
    assert_eq!(required("FieldError"), ["field", "message", "code"]);

    let s = serve_service(app(ApiErrorLayer::new()
        .with_docs_base("https://docs.example.com/errors/")
        .with_debug_details(true)))
    .await;
    let body = s.get("/full/429").await.json();
    for member in ["details", "docs", "retryAfter"] {
        assert!(
            body.get(member).is_some(),
            "{member} is documented but never sent: {body}"
        );
    }
    let body = s.get("/full/503").await.json();
    assert!(
        body.get("debug").is_some(),
        "debug is documented but never sent: {body}"
    );
}

//! Each axum text and wrapped error the guesses rely on, produced by the real axum:
//! a release that changes one fails here.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    body::{Body, Bytes},
    extract::{rejection::JsonRejection, FromRequest, Path, Query},
    routing::{get, post},
    Form, Json, Router,
};
use http::{Request, StatusCode};
use http_body::Frame;
use serde::Deserialize;
use tower::ServiceExt;

use super::*;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Age {
    age: u32,
}

/// axum's extractors, without the crate's.
fn axum_app() -> Router {
    Router::new()
        .route("/json", post(|Json(_): Json<Age>| async {}))
        .route(
            "/form",
            get(|Form(_): Form<Age>| async {}).post(|Form(_): Form<Age>| async {}),
        )
        .route("/query", get(|Query(_): Query<Age>| async {}))
        .route("/users/{id}", get(|Path(_): Path<u32>| async {}))
        .route("/pairs/{a}/{b}", get(|Path(_): Path<(u32, u32)>| async {}))
}

/// The status and text axum answers `req` with.
async fn answer(req: Request<Body>) -> (StatusCode, String) {
    let res = axum_app().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// axum answers `req` with `status` and `text`, recognised as `rejection`.
async fn assert_recognised(
    req: Request<Body>,
    status: StatusCode,
    text: &str,
    rejection: AxumRejection,
) {
    let answer = answer(req).await;
    assert_eq!(answer, (status, text.to_owned()));
    assert_eq!(
        AxumRejection::recognise(status, text.trim()),
        Some(rejection),
        "{text}"
    );
}

fn post_req(uri: &str, content_type: Option<&str>, body: &'static str) -> Request<Body> {
    let mut req = Request::post(uri);
    if let Some(content_type) = content_type {
        req = req.header("content-type", content_type);
    }
    req.body(Body::from(body)).unwrap()
}

fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn json_syntax_error() {
    assert_recognised(
        post_req("/json", Some("application/json"), r#"{"age": "#),
        StatusCode::BAD_REQUEST,
        "Failed to parse the request body as JSON: age: EOF while parsing a value at line 1 column 8",
        AxumRejection::JsonSyntax,
    )
    .await;
    assert_eq!(AxumRejection::JsonSyntax.code(), "INVALID_JSON");
}

#[tokio::test]
async fn json_data_error() {
    assert_recognised(
        post_req(
            "/json",
            Some("application/json"),
            r#"{"age":"hunter2-SECRET"}"#,
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        "Failed to deserialize the JSON body into the target type: age: invalid type: \
         string \"hunter2-SECRET\", expected u32 at line 1 column 23",
        AxumRejection::JsonData,
    )
    .await;
    assert_eq!(AxumRejection::JsonData.code(), "INVALID_BODY");
}

#[tokio::test]
async fn json_content_type() {
    assert_recognised(
        post_req("/json", None, r#"{"age": 1}"#),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Expected request with `Content-Type: application/json`",
        AxumRejection::JsonContentType,
    )
    .await;
    assert_eq!(
        AxumRejection::JsonContentType.accept(),
        ["application/json"]
    );
}

#[tokio::test]
async fn form_content_type() {
    assert_recognised(
        post_req("/form", Some("application/json"), "age=1"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Form requests must have `Content-Type: application/x-www-form-urlencoded`",
        AxumRejection::FormContentType,
    )
    .await;
    assert_eq!(
        AxumRejection::FormContentType.accept(),
        ["application/x-www-form-urlencoded"]
    );
}

#[tokio::test]
async fn query_string() {
    assert_recognised(
        get_req("/query?age=hunter2-SECRET"),
        StatusCode::BAD_REQUEST,
        "Failed to deserialize query string: age: invalid digit found in string",
        AxumRejection::Query,
    )
    .await;
    assert_eq!(AxumRejection::Query.code(), "INVALID_QUERY");
}

#[tokio::test]
async fn form_in_the_query_string() {
    assert_recognised(
        get_req("/form?age=hunter2-SECRET"),
        StatusCode::BAD_REQUEST,
        "Failed to deserialize form: age: invalid digit found in string",
        AxumRejection::Form,
    )
    .await;
    assert_eq!(AxumRejection::Form.code(), "INVALID_FORM");
}

#[tokio::test]
async fn form_body() {
    assert_recognised(
        post_req(
            "/form",
            Some("application/x-www-form-urlencoded"),
            "age=hunter2-SECRET",
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
        "Failed to deserialize form body: age: invalid digit found in string",
        AxumRejection::FormBody,
    )
    .await;
    assert_eq!(AxumRejection::FormBody.code(), "INVALID_BODY");
}

#[tokio::test]
async fn path_parameters() {
    assert_recognised(
        get_req("/users/hunter2-SECRET"),
        StatusCode::BAD_REQUEST,
        "Invalid URL: Cannot parse `hunter2-SECRET` to a `u32`",
        AxumRejection::Path,
    )
    .await;
    assert_recognised(
        get_req("/pairs/1/hunter2-SECRET"),
        StatusCode::BAD_REQUEST,
        "Invalid URL: Cannot parse value at index 1 with value `hunter2-SECRET` to a `u32`",
        AxumRejection::Path,
    )
    .await;
    assert_recognised(
        get_req("/users/%FF"),
        StatusCode::BAD_REQUEST,
        "Invalid URL: Invalid UTF-8 in `id`",
        AxumRejection::Path,
    )
    .await;
    assert_eq!(AxumRejection::Path.code(), "INVALID_PATH");
}

/// A body that fails while it is read.
struct Broken;

impl http_body::Body for Broken {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::other("the connection broke"))))
    }
}

#[tokio::test]
async fn body_that_failed() {
    let req = Request::post("/json")
        .header("content-type", "application/json")
        .body(Body::new(Broken))
        .unwrap();
    assert_recognised(
        req,
        StatusCode::BAD_REQUEST,
        "Failed to buffer the request body: the connection broke",
        AxumRejection::BufferBody,
    )
    .await;
    assert_eq!(AxumRejection::BufferBody.code(), "INVALID_BODY");
}

#[test]
fn texts_that_are_not_axums_are_not_recognised() {
    for (status, text) in [
        // The app's own words.
        (400, "Invalid URL scheme"),
        (400, "Failed to deserialize query string"),
        (
            415,
            "Expected request with `Content-Type: application/json` or XML",
        ),
        (415, "Send application/json."),
        // axum's words with another status.
        (422, "Failed to parse the request body as JSON: x"),
        (
            400,
            "Failed to deserialize the JSON body into the target type: x",
        ),
        (500, "Invalid URL: x"),
        // axum's 413, which the layer answers by its status alone.
        (
            413,
            "Failed to buffer the request body: length limit exceeded",
        ),
    ] {
        let status = StatusCode::from_u16(status).unwrap();
        assert_eq!(
            AxumRejection::recognise(status, text),
            None,
            "{status} {text}"
        );
    }
}

#[test]
fn media_types_named_in_an_apps_own_415() {
    let named: Vec<_> =
        media_types_named("Send multipart/form-data or application/json.").collect();
    assert_eq!(named, ["application/json", "multipart/form-data"]);
    assert_eq!(media_types_named("Send XML.").count(), 0);
}

#[tokio::test]
async fn the_serde_errors_inside_axums_rejections_are_found() {
    let json = |body: &'static str| {
        let req = post_req("/", Some("application/json"), body);
        async move { Json::<Age>::from_request(req, &()).await.unwrap_err() }
    };
    // A data error and a syntax error, at their path.
    for (body, path) in [(r#"{"age":"x"}"#, "age"), (r#"{"age": "#, "age")] {
        let rejection = json(body).await;
        let (found, err) = json_error(&rejection).expect("found");
        assert_eq!(found.map(ToString::to_string).as_deref(), Some(path));
        assert!(err.line() > 0, "{err}");
    }
    // Trailing characters, after the value: no path.
    let rejection: JsonRejection = json(r#"{"age": 1} x"#).await;
    let (found, err) = json_error(&rejection).expect("found");
    assert!(found.is_none());
    assert!(err.is_syntax(), "{err}");

    let uri: http::Uri = "/query?age=x".parse().unwrap();
    let rejection = Query::<Age>::try_from_uri(&uri).unwrap_err();
    let (path, err) = urlencoded_error(&rejection).expect("found");
    assert_eq!(path.to_string(), "age");
    assert_eq!(err.to_string(), "invalid digit found in string");

    for req in [
        get_req("/form?age=x"),
        post_req("/form", Some("application/x-www-form-urlencoded"), "age=x"),
    ] {
        let rejection = Form::<Age>::from_request(req, &()).await.unwrap_err();
        let (path, _) = urlencoded_error(&rejection).expect("found");
        assert_eq!(path.to_string(), "age");
    }
}

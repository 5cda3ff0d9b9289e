//! The logic of the fuzz targets, one function per target: it takes the fuzzer's
//! bytes, drives the crate's public API in-process (the real `ApiErrorLayer`, around
//! an axum `Router` or a `tower::service_fn`, on a current-thread tokio runtime; no
//! network) and panics when a response breaks what the crate promises.
//!
//! The cargo-fuzz binaries in `fuzz_targets/` call these functions, and so does the
//! root crate's corpus replay test, `tests/fuzz_corpus.rs`, which includes this file
//! with `#[path]`. This file may therefore only use crates that the root package has
//! too (`axum`, `axum_api_error`, `http_body`, `serde_json`, `tokio`, `tower`) and
//! must compile on stable: no `libfuzzer-sys` here.
//!
//! - [`request_id`]: the bytes as an `X-Request-Id`: `RequestId::parse` accepts
//!   exactly 1 to 128 bytes of `[A-Za-z0-9._:-]`, and the layer echoes such an id and
//!   replaces anything else with a fresh UUID v4.
//! - [`accept`]: the bytes as the `Accept` of a request whose handler returns an
//!   `ApiError`: the format is the one the documented negotiation picks, and the body
//!   parses as that format's `ErrorBody` or `ProblemDetails`.
//! - [`normaliser`]: the bytes as another service's response (status, headers, body,
//!   its framing and size hint) and the request's method and `Accept`: the layer
//!   passes successes and app-chosen bodies through untouched, and rewrites empty and
//!   `text/plain` errors into the error shape without leaking a 5xx's text.
//!
//! The findings of the first runs (`FUZZING.md`) are fixed; their inputs are
//! replayed in CI by `tests/fuzz_corpus.rs`.

use std::{
    cell::RefCell,
    collections::VecDeque,
    convert::Infallible,
    future::{ready, Future},
    io,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::Path,
    http::{
        header::{
            ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LANGUAGE,
            CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_RANGE, CONTENT_TYPE, ETAG, LAST_MODIFIED,
            RETRY_AFTER, TRANSFER_ENCODING, VARY, WWW_AUTHENTICATE,
        },
        response::Parts,
        HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode,
    },
    routing::get,
    Router,
};
use axum_api_error::{
    reason_phrase, ApiError, ApiErrorLayer, ApiErrorService, BearerError, Challenge, ErrorBody,
    ErrorFormat, ProblemDetails, RateLimit, RequestId, MAX_REQUEST_ID_LEN, X_REQUEST_ID,
};
use http_body::{Frame, SizeHint};
use tower::{Layer, Service, ServiceExt};

// ---------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------

thread_local! {
    /// One current-thread runtime per thread, built once: nothing here waits on I/O
    /// or timers, so every future completes within a few polls.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread tokio runtime");
}

fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.with(|runtime| runtime.block_on(future))
}

/// Sends `req` to `service` and reads the whole response; the body's error, if any,
/// is returned as `Err`.
fn send<S>(service: S, req: Request<Body>) -> (Parts, Result<Bytes, String>)
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    block_on(async move {
        let res = match service.oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| e.to_string());
        (parts, bytes)
    })
}

/// Bytes shown as text with escapes, for assertion messages.
fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// Whether `haystack` contains `needle`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The one value of `name` in `headers`, asserting there is exactly one.
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> &'a HeaderValue {
    let mut values = headers.get_all(name).iter();
    let value = values
        .next()
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"));
    assert!(
        values.next().is_none(),
        "several {name} headers: {headers:?}"
    );
    value
}

/// The documented request id check, written independently of the crate.
fn is_safe_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id.iter().all(
            |&b| matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b':' | b'-'),
        )
}

/// Asserts that `id` is a lower-case hyphenated UUID v4 (RFC 9562 variant).
fn assert_uuid_v4(id: &[u8]) {
    assert_eq!(id.len(), 36, "not a UUID: {}", show(id));
    for (i, &b) in id.iter().enumerate() {
        match i {
            8 | 13 | 18 | 23 => assert_eq!(b, b'-', "not a UUID: {}", show(id)),
            14 => assert_eq!(b, b'4', "not a UUID v4: {}", show(id)),
            19 => assert!(b"89ab".contains(&b), "not the RFC variant: {}", show(id)),
            _ => assert!(
                b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
                "not a lower-case UUID: {}",
                show(id)
            ),
        }
    }
}

/// Whether `Vary` names `Accept` (or `*`).
fn varies_on_accept(headers: &HeaderMap) -> bool {
    headers.get_all(VARY).iter().any(|v| {
        v.as_bytes().split(|&b| b == b',').any(|name| {
            let name = name.trim_ascii();
            name == b"*" || name.eq_ignore_ascii_case(b"accept")
        })
    })
}

/// The format `Accept` selects, as the crate documents it (RFC 9110 §12.5.1), written
/// independently of `src/negotiate.rs`: each format gets the quality of the most
/// specific media range that matches it (the first among equals); the higher quality
/// wins; on a tie the one refused outright (`q=0`) loses to one not named, else the
/// default wins. Malformed ranges are skipped; a header that is not UTF-8 is ignored.
fn expected_format(accept: Option<&HeaderValue>, default: ErrorFormat) -> ErrorFormat {
    let Some(accept) = accept.and_then(|v| std::str::from_utf8(v.as_bytes()).ok()) else {
        return default;
    };
    // (specificity, quality in thousandths) for json, problem+json.
    let mut best: [Option<(u8, u16)>; 2] = [None, None];
    for element in accept.split(',') {
        let mut pieces = element.split(';');
        let range = pieces.next().unwrap_or_default().trim();
        let Some((ty, sub)) = range.split_once('/') else {
            continue;
        };
        let q_param = pieces
            .filter_map(|p| p.trim().split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"));
        let quality = match q_param {
            None => 1000,
            Some((_, value)) => match qvalue(value.trim()) {
                Some(q) => q,
                None => continue,
            },
        };
        for (slot, wanted) in best.iter_mut().zip(["json", "problem+json"]) {
            let application = ty.eq_ignore_ascii_case("application");
            let specificity = if ty == "*" && sub == "*" {
                0
            } else if application && sub == "*" {
                1
            } else if application && sub.eq_ignore_ascii_case(wanted) {
                2
            } else {
                continue;
            };
            if slot.is_none_or(|(s, _)| specificity > s) {
                *slot = Some((specificity, quality));
            }
        }
    }
    let quality = |slot: Option<(u8, u16)>| slot.map_or(0, |(_, q)| q);
    let refused = |slot: Option<(u8, u16)>| slot.is_some_and(|(_, q)| q == 0);
    let [json, problem] = best;
    let (json_q, problem_q) = (quality(json), quality(problem));
    if problem_q > json_q || (problem_q == json_q && refused(json) && !refused(problem)) {
        ErrorFormat::Problem
    } else if json_q > problem_q || (refused(problem) && !refused(json)) {
        ErrorFormat::Json
    } else {
        default
    }
}

/// RFC 9110 §12.4.2: `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`.
fn qvalue(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    let (&first, rest) = bytes.split_first()?;
    let decimals = match rest {
        [] => &[][..],
        [b'.', decimals @ ..] if decimals.len() <= 3 => decimals,
        _ => return None,
    };
    match first {
        b'0' if decimals.iter().all(u8::is_ascii_digit) => {
            let mut value = 0;
            for i in 0..3 {
                value = value * 10 + decimals.get(i).map_or(0, |d| u16::from(d - b'0'));
            }
            Some(value)
        }
        b'1' if decimals.iter().all(|&d| d == b'0') => Some(1000),
        _ => None,
    }
}

/// What the body of a rendered error says.
#[derive(Debug)]
struct Rendered {
    message: String,
    code: String,
    request_id: Option<String>,
    retry_after: Option<u64>,
}

/// Parses `body` as the format `content_type` names, checking the members that do
/// not depend on the error (`error`/`title` and `status`).
fn parse_rendered(
    status: StatusCode,
    content_type: &HeaderValue,
    body: &[u8],
    instance: &str,
) -> Rendered {
    if content_type == "application/json" {
        let body: ErrorBody = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("not an ErrorBody ({e}): {}", show(body)));
        assert_eq!(body.error, reason_phrase(status));
        Rendered {
            message: body.message,
            code: body.code,
            request_id: body.request_id,
            retry_after: body.retry_after,
        }
    } else if content_type == "application/problem+json" {
        let body: ProblemDetails = serde_json::from_slice(body)
            .unwrap_or_else(|e| panic!("not ProblemDetails ({e}): {}", show(body)));
        assert_eq!(body.title, reason_phrase(status));
        assert_eq!(body.status, status.as_u16());
        assert_eq!(body.instance.as_deref(), Some(instance));
        Rendered {
            message: body.detail,
            code: body.code,
            request_id: body.request_id,
            retry_after: body.retry_after,
        }
    } else {
        panic!("content-type {content_type:?} is neither JSON format");
    }
}

/// The headers every error the layer sends carries; `Cache-Control: no-store` too
/// unless `cache` is false.
fn assert_error_headers(headers: &HeaderMap, status: StatusCode, cache: bool) {
    if cache {
        assert_eq!(
            single(headers, &CACHE_CONTROL),
            "no-store",
            "{status}: {headers:?}"
        );
    }
    assert!(
        varies_on_accept(headers),
        "{status}: no Vary: accept: {headers:?}"
    );
    if status == StatusCode::UNAUTHORIZED {
        assert!(
            headers.contains_key(WWW_AUTHENTICATE),
            "401 without a challenge"
        );
    }
    if matches!(status.as_u16(), 429 | 503) {
        assert!(
            headers.contains_key(RETRY_AFTER),
            "{status} without Retry-After"
        );
    }
}

/// `Content-Length` equals the length of the body sent.
fn assert_length(headers: &HeaderMap, body: &[u8]) {
    let length = single(headers, &CONTENT_LENGTH);
    assert_eq!(length.as_bytes(), body.len().to_string().as_bytes());
}

/// The marker of text a 5xx must never send.
const SECRET: &[u8] = b"SECRET";

// ---------------------------------------------------------------------------------
// request_id
// ---------------------------------------------------------------------------------

/// The app of the `request_id` target: a handler that echoes the id it was given and
/// the request's own header, and one that fails; anything else is the fallback 404.
fn request_id_app() -> Router {
    Router::new()
        .route(
            "/id",
            get(|id: RequestId, headers: HeaderMap| async move {
                let mut out = id.as_str().as_bytes().to_vec();
                out.push(b'\n');
                if let Some(sent) = headers.get(X_REQUEST_ID) {
                    out.extend_from_slice(sent.as_bytes());
                }
                out
            }),
        )
        .route("/error", get(|| async { ApiError::gone() }))
}

thread_local! {
    static REQUEST_ID_APPS: (Router, ApiErrorService<Router>) = (
        request_id_app().layer(ApiErrorLayer::new()),
        ApiErrorLayer::new().layer(request_id_app()),
    );
}

/// The `request_id` target: `data` is an `X-Request-Id` value.
pub fn request_id(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let valid = is_safe_id(data);
    let parsed = RequestId::parse(&value);
    assert_eq!(
        parsed.is_some(),
        valid,
        "RequestId::parse({:?})",
        show(data)
    );
    if let Some(id) = &parsed {
        assert_eq!(id.as_str().as_bytes(), data);
        assert_eq!(id.to_string().as_bytes(), data);
        assert_eq!(id.header_value(), &value);
    }

    let path = ["/id", "/error", "/no-such-route"][data.len() % 3];
    let req = Request::get(path)
        .header(X_REQUEST_ID, value)
        .body(Body::empty())
        .expect("a valid request");
    let around_router = data.first().is_some_and(|b| b & 1 == 1);
    let (parts, body) = REQUEST_ID_APPS.with(|(routed, around)| {
        if around_router {
            send(around.clone(), req)
        } else {
            send(routed.clone(), req)
        }
    });
    let body = body.expect("a readable body");
    let id = single(&parts.headers, &X_REQUEST_ID).as_bytes();
    if valid {
        assert_eq!(id, data, "a valid id was not echoed");
    } else {
        assert_uuid_v4(id);
        assert!(RequestId::parse(&HeaderValue::from_bytes(id).unwrap()).is_some());
    }
    match path {
        "/id" => {
            assert_eq!(parts.status, StatusCode::OK);
            // The handler sees the same id, and the request's header as the client sent it.
            let expected = [id, b"\n", data].concat();
            assert_eq!(body, expected, "{}", show(&body));
        }
        _ => {
            let status = if path == "/error" {
                StatusCode::GONE
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(parts.status, status);
            let content_type = single(&parts.headers, &CONTENT_TYPE);
            let rendered = parse_rendered(status, content_type, &body, path);
            assert_eq!(rendered.request_id.as_deref().map(str::as_bytes), Some(id));
        }
    }
}

// ---------------------------------------------------------------------------------
// accept
// ---------------------------------------------------------------------------------

/// How many errors [`fuzz_error`] builds.
const ERRORS: u8 = 26;

/// One of a range of errors, every variant and the setters that change headers and
/// body; those that carry `SECRET` must not send it.
fn fuzz_error(n: u8) -> ApiError {
    let status = |code| StatusCode::from_u16(code).expect("a valid status");
    match n % ERRORS {
        0 => ApiError::bad_request("Bad \"input\"\u{1}\n</script>"),
        1 => ApiError::unauthorized(),
        2 => ApiError::unauthorized().with_challenge(
            Challenge::bearer()
                .realm("api\"\r\n")
                .error(BearerError::InvalidToken)
                .error_description("expired\u{7f}é"),
        ),
        3 => ApiError::forbidden()
            .with_challenge(Challenge::bearer().error(BearerError::InsufficientScope)),
        4 => ApiError::not_found(),
        5 => ApiError::concealed_not_found()
            .with_message("SECRET: user 2 may not read user 1")
            .with_code("SECRET_CODE")
            .field("SECRET_FIELD"),
        6 => ApiError::method_not_allowed([Method::GET, Method::POST]),
        7 => ApiError::not_acceptable(),
        8 => ApiError::request_timeout(),
        9 => ApiError::conflict("A user with this email already exists.").field("email"),
        10 => ApiError::gone().with_docs("https://example.com/errors/gone"),
        11 => ApiError::precondition_failed(),
        12 => ApiError::payload_too_large().with_retry_after(Duration::from_millis(1500)),
        13 => ApiError::unsupported_media_type(["application/json", "not a type"]).accept_post(),
        14 => ApiError::validation()
            .field_error("name", "Must not be empty.", "required")
            .field_error("items[2].qty", "Too many.", "TOO_MANY"),
        15 => ApiError::rate_limited(Duration::from_secs(5)).with_rate_limit(RateLimit::new(
            10,
            0,
            Duration::from_secs(60),
            Duration::from_secs(30),
        )),
        16 => ApiError::internal("SECRET: connection to db:5432 refused, password=hunter2"),
        17 => ApiError::not_implemented(),
        18 => ApiError::bad_gateway().caused_by("SECRET upstream said no"),
        19 => ApiError::service_unavailable(),
        20 => ApiError::gateway_timeout(),
        21 => ApiError::from_status(status(418)),
        22 => ApiError::from_status(status(599)).caused_by("SECRET"),
        23 => ApiError::from_status(status(499)).with_docs("about:blank#x"),
        24 => ApiError::conflict("x").with_code("custom-code\u{0}é"),
        _ => ApiError::from_status(status(507)).with_message("Disk full; try later."),
    }
}

fn accept_app() -> Router {
    Router::new().route(
        "/e/{n}",
        get(|Path(n): Path<u8>| async move { fuzz_error(n) }),
    )
}

thread_local! {
    /// The `accept` apps, by layer placement and default format.
    static ACCEPT_APPS: [(Router, ApiErrorService<Router>); 2] = [ErrorFormat::Json, ErrorFormat::Problem]
        .map(|format| {
            let layer = ApiErrorLayer::new().with_format(format);
            (accept_app().layer(layer.clone()), layer.layer(accept_app()))
        });
}

/// The `accept` target: `data[0]` picks the error, `data[1]` the default format
/// (bit 0), the layer's placement (bit 1) and whether a HEAD is compared with the GET
/// (bit 2); the rest is the `Accept` value.
pub fn accept(data: &[u8]) {
    let (n, flags, accept) = match data {
        [n, flags, accept @ ..] => (*n, *flags, accept),
        _ => return,
    };
    let accept = HeaderValue::from_bytes(accept).ok();
    let default = if flags & 1 == 0 {
        ErrorFormat::Json
    } else {
        ErrorFormat::Problem
    };
    let around_router = flags & 2 != 0;
    let compare_head = flags & 4 != 0;
    let error = fuzz_error(n);
    let status = error.status();
    let path = format!("/e/{n}");
    let request = |method: Method, id: Option<&'static str>| {
        let mut req = Request::builder().method(method).uri(&path);
        if let Some(accept) = &accept {
            req = req.header(ACCEPT, accept.clone());
        }
        if let Some(id) = id {
            req = req.header(X_REQUEST_ID, id);
        }
        req.body(Body::empty()).expect("a valid request")
    };
    let send_to_app = |req: Request<Body>| {
        ACCEPT_APPS.with(|apps| {
            let (routed, around) = &apps[usize::from(flags & 1)];
            if around_router {
                send(around.clone(), req)
            } else {
                send(routed.clone(), req)
            }
        })
    };

    let id = compare_head.then_some("fuzz-accept-1");
    let (parts, body) = send_to_app(request(Method::GET, id));
    let body = body.expect("a readable body");
    assert_eq!(parts.status, status);
    let headers = &parts.headers;
    let content_type = single(headers, &CONTENT_TYPE);
    let format = expected_format(accept.as_ref(), default);
    assert_eq!(
        *content_type,
        format.content_type(),
        "Accept {:?}, default {default:?}",
        accept.as_ref().map(|a| show(a.as_bytes()))
    );
    assert_error_headers(headers, status, true);
    assert_length(headers, &body);
    let request_id = single(headers, &X_REQUEST_ID);
    let rendered = parse_rendered(status, content_type, &body, &path);
    assert_eq!(
        rendered.request_id.as_deref().map(str::as_bytes),
        Some(request_id.as_bytes())
    );
    assert_eq!(rendered.message, error.message());
    assert_eq!(rendered.code, error.code());
    let header_retry = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    assert_eq!(rendered.retry_after, header_retry, "Retry-After");
    if status == StatusCode::METHOD_NOT_ALLOWED {
        assert_eq!(single(headers, &ALLOW), "GET, POST");
    }
    if status.is_server_error() || error.is_concealed() {
        assert!(!contains(&body, SECRET), "{status} leaked: {}", show(&body));
    }

    if compare_head {
        // RFC 9110 §9.3.2: a HEAD gets the headers of the GET, without content.
        let (head, head_body) = send_to_app(request(Method::HEAD, id));
        assert_eq!(head.status, status);
        assert_eq!(head_body.expect("a readable body"), "");
        // `X-RateLimit-Reset` is a time, computed as each response is rendered.
        let reset = |headers: &HeaderMap| -> Option<u64> {
            headers
                .get("x-ratelimit-reset")?
                .to_str()
                .ok()?
                .parse()
                .ok()
        };
        if let (Some(get), Some(head)) = (reset(&parts.headers), reset(&head.headers)) {
            assert!(
                head.abs_diff(get) <= 2,
                "X-RateLimit-Reset {get} then {head}"
            );
        }
        let mut get_headers = parts.headers.clone();
        let mut head_headers = head.headers.clone();
        get_headers.remove("x-ratelimit-reset");
        head_headers.remove("x-ratelimit-reset");
        assert_eq!(head_headers, get_headers, "HEAD and GET headers differ");
    }
}

// ---------------------------------------------------------------------------------
// normaliser
// ---------------------------------------------------------------------------------

/// The fuzzer's bytes, read front to back; zeros once they run out.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }

    /// A byte-length-prefixed slice of at most `max` bytes.
    fn slice(&mut self, max: u8) -> &'a [u8] {
        let n = self.byte() % max;
        self.take(usize::from(n))
    }

    fn rest(&mut self) -> &'a [u8] {
        self.take(self.0.len())
    }
}

/// A response body with fuzzed framing: its frames, an error after them or not, and
/// the size hint it reports (which may lie).
struct FuzzBody {
    frames: VecDeque<Bytes>,
    fail: bool,
    hint: SizeHint,
}

impl http_body::Body for FuzzBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(frame) = self.frames.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(frame))));
        }
        if self.fail {
            self.fail = false;
            return Poll::Ready(Some(Err(io::Error::other("SECRET body error"))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.frames.is_empty() && !self.fail
    }

    fn size_hint(&self) -> SizeHint {
        self.hint
    }
}

/// The request id the normaliser's requests carry.
const NORMALISER_ID: &str = "fuzz-normaliser-1";

const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FUZZ",
];

/// The `normaliser` target. `data` is read as: status (2 bytes), method, request
/// `Accept` choice, layer choice, response `Content-Type` choice, headers (a count,
/// then length-prefixed names and values), body mode, framing, then the body text.
pub fn normaliser(data: &[u8]) {
    let mut input = Input(data);
    let raw_status = u16::from_be_bytes([input.byte(), input.byte()]);
    let status = StatusCode::from_u16(100 + raw_status % 500).expect("100..=599");
    let method = Method::from_bytes(METHODS[usize::from(input.byte()) % METHODS.len()].as_bytes())
        .expect("a valid method");
    let accept = match input.byte() % 5 {
        0 => None,
        1 => Some(HeaderValue::from_static("application/json")),
        2 => Some(HeaderValue::from_static("application/problem+json")),
        3 => Some(HeaderValue::from_static("*/*")),
        _ => HeaderValue::from_bytes(input.slice(64)).ok(),
    };
    let (layer, default, limit) = match input.byte() % 3 {
        0 => (ApiErrorLayer::new(), ErrorFormat::Json, 4096),
        1 => (
            ApiErrorLayer::new().with_format(ErrorFormat::Problem),
            ErrorFormat::Problem,
            4096,
        ),
        _ => (
            ApiErrorLayer::new().with_max_text_len(16),
            ErrorFormat::Json,
            16,
        ),
    };

    // The response's headers: a content type first, then arbitrary fields.
    let mut headers = HeaderMap::new();
    let content_type = match input.byte() % 8 {
        0 => None,
        1 => Some(HeaderValue::from_static("text/plain")),
        2 => Some(HeaderValue::from_static("text/plain; charset=utf-8")),
        3 => Some(HeaderValue::from_static(" TEXT/Plain ;x")),
        4 => Some(HeaderValue::from_static("application/json")),
        5 => Some(HeaderValue::from_static("text/html")),
        6 => Some(HeaderValue::from_static("text/plainx")),
        _ => HeaderValue::from_bytes(input.slice(32)).ok(),
    };
    if let Some(content_type) = content_type {
        headers.insert(CONTENT_TYPE, content_type);
    }
    for _ in 0..input.byte() % 7 {
        let name = HeaderName::from_bytes(input.slice(24));
        let value = HeaderValue::from_bytes(input.slice(48));
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }

    // The body: its text, then how it is framed.
    let mode = input.byte();
    let framing = input.byte();
    let text = input.rest();
    let text: Vec<u8> = match mode % 4 {
        0 => Vec::new(),
        1 => text.to_vec(),
        2 => [SECRET, b": ", text, b" :", SECRET].concat(),
        _ => {
            let unit = [SECRET, b" ", text, b"\n"].concat();
            let len = 4097 + usize::from(framing) * 16;
            unit.iter().copied().cycle().take(len).collect()
        }
    };
    let fail = framing & 0x80 != 0;
    let chunk = usize::from((framing >> 2) & 0x1f) * 8 + 1;
    let total = text.len() as u64;
    let hint = match framing % 4 {
        0 | 1 => SizeHint::with_exact(total),
        2 => SizeHint::default(),
        // A body longer than it says.
        _ => SizeHint::with_exact(total / 2),
    };
    let body = if framing % 4 == 0 && !fail {
        Body::from(text.clone())
    } else {
        Body::new(FuzzBody {
            frames: text.chunks(chunk).map(Bytes::copy_from_slice).collect(),
            fail,
            hint,
        })
    };

    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers.clone();
    let mut response = Some(response);
    // The id the inner service sees (checked after: the layer would catch a panic).
    let seen = Rc::new(RefCell::new(None));
    let seen_inside = Rc::clone(&seen);
    let inner = tower::service_fn(move |req: Request<Body>| {
        *seen_inside.borrow_mut() = req.extensions().get::<RequestId>().cloned();
        ready(Ok::<_, Infallible>(
            response.take().expect("the inner service is called once"),
        ))
    });
    let mut req = Request::builder()
        .method(method.clone())
        .uri("/")
        .header(X_REQUEST_ID, NORMALISER_ID);
    if let Some(accept) = &accept {
        req = req.header(ACCEPT, accept.clone());
    }
    let req = req.body(Body::empty()).expect("a valid request");
    let (parts, body) = send(layer.layer(inner), req);

    // What the layer must have done.
    let seen = seen.borrow_mut().take();
    assert_eq!(seen.as_ref().map(RequestId::as_str), Some(NORMALISER_ID));
    assert_eq!(parts.status, status);
    assert_eq!(single(&parts.headers, &X_REQUEST_ID), NORMALISER_ID);
    let rewritten = status.as_u16() >= 400
        && headers.get(CONTENT_TYPE).is_none_or(|ct| {
            let essence = ct
                .as_bytes()
                .split(|&b| b == b';')
                .next()
                .unwrap_or_default();
            essence.trim_ascii().eq_ignore_ascii_case(b"text/plain")
        });
    let context = || {
        format!(
            "{status} {method} accept {:?}, {headers:?}, body {}, hint {hint:?}, fail {fail}",
            accept.as_ref().map(|a| show(a.as_bytes())),
            show(&text),
        )
    };
    if !rewritten {
        // The body passes through unread, and only the id (and, on an error, the
        // headers every error carries) is added.
        match body {
            Ok(body) => {
                assert!(!fail, "{}", context());
                assert_eq!(body, text, "{}", context());
            }
            Err(_) => assert!(fail, "{}", context()),
        }
        let mut kept = parts.headers.clone();
        kept.remove(X_REQUEST_ID);
        let mut sent = headers.clone();
        sent.remove(X_REQUEST_ID);
        if status.as_u16() < 400 {
            assert_eq!(kept, sent, "{}", context());
        } else {
            assert_kept(&sent, &kept, &[], &context);
            // A body the app chose keeps its own cache policy, if it has one.
            assert_error_headers(&kept, status, !sent.contains_key(CACHE_CONTROL));
        }
        return;
    }

    let body = body.unwrap_or_else(|e| panic!("unreadable ({e}): {}", context()));
    // A body the layer rendered carries a request id: never cached, whatever the
    // replaced response said.
    assert_error_headers(&parts.headers, status, true);
    let format = expected_format(accept.as_ref(), default);
    assert_eq!(
        *single(&parts.headers, &CONTENT_TYPE),
        format.content_type()
    );
    // The headers about the replaced body go with it; Retry-After is rewritten to
    // agree with the body (checked below).
    assert_kept(
        &headers,
        &parts.headers,
        &[
            CONTENT_TYPE,
            CONTENT_LENGTH,
            X_REQUEST_ID,
            CACHE_CONTROL,
            RETRY_AFTER,
            CONTENT_ENCODING,
            TRANSFER_ENCODING,
            CONTENT_LANGUAGE,
            CONTENT_LOCATION,
            CONTENT_RANGE,
            CONTENT_DISPOSITION,
            ETAG,
            LAST_MODIFIED,
        ],
        &context,
    );
    for name in [CONTENT_ENCODING, TRANSFER_ENCODING, CONTENT_RANGE, ETAG] {
        assert!(
            !parts.headers.contains_key(&name),
            "{name} of the replaced body kept: {}",
            context()
        );
    }
    if method == Method::HEAD {
        assert_eq!(body, "", "{}", context());
        return;
    }
    assert_length(&parts.headers, &body);
    let rendered = parse_rendered(status, &format.content_type(), &body, "/");
    assert_eq!(rendered.request_id.as_deref(), Some(NORMALISER_ID));

    // The text the layer reads: a small, complete, UTF-8 body.
    let empty = text.is_empty() && !fail || hint.exact() == Some(0);
    let read =
        !empty && hint.upper().is_some_and(|n| n <= limit) && !fail && text.len() as u64 <= limit;
    let message = read
        .then(|| std::str::from_utf8(&text).ok())
        .flatten()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let default_error = ApiError::from_status(status);
    let expected_code = match status.as_u16() {
        404 => "ROUTE_NOT_FOUND",
        422 => "INVALID_BODY",
        400 => [
            ("Failed to parse the request body as JSON", "INVALID_JSON"),
            ("Failed to deserialize query string", "INVALID_QUERY"),
            ("Failed to deserialize form", "INVALID_FORM"),
            ("Invalid URL", "INVALID_PATH"),
            ("Failed to buffer the request body", "INVALID_BODY"),
            ("Wrong number of path arguments", "INVALID_PATH"),
        ]
        .into_iter()
        .find(|(prefix, _)| message.is_some_and(|m| m.starts_with(prefix)))
        .map_or("BAD_REQUEST", |(_, code)| code),
        _ => default_error.code(),
    };
    assert_eq!(rendered.code, expected_code, "{}", context());
    let expected_message = match message {
        Some(text) if status.is_client_error() && status != StatusCode::PAYLOAD_TOO_LARGE => text,
        _ => default_error.message(),
    };
    assert_eq!(rendered.message, expected_message, "{}", context());
    if status.is_server_error() {
        assert!(
            !contains(&body, SECRET),
            "a 5xx text leaked: {}\n{}",
            show(&body),
            context()
        );
    }
    let header_retry = parts
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    // On a 429 or 503 the body states a retry: the replaced response's own when it
    // gave one in delay-seconds (at least 1), else the layer's default of 60 s; a
    // date's seconds depend on the clock, so only header and body are compared then.
    let service = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let service_secs = service.and_then(|v| v.parse::<u64>().ok());
    let service_date = service.is_some_and(|v| httpdate::parse_http_date(v).is_ok());
    if matches!(status.as_u16(), 429 | 503) {
        if !service_date || service_secs.is_some() {
            let expected = service_secs.map_or(60, |n| n.max(1));
            assert_eq!(rendered.retry_after, Some(expected), "{}", context());
            assert_eq!(header_retry, Some(expected), "Retry-After\n{}", context());
        }
    } else {
        assert_eq!(rendered.retry_after, None, "{}", context());
    }
}

/// Every field of `sent` but those in `replaced` (and `Vary`, which may gain
/// `accept`) reaches the client with the same values.
fn assert_kept(
    sent: &HeaderMap,
    out: &HeaderMap,
    replaced: &[HeaderName],
    context: &dyn Fn() -> String,
) {
    for name in sent.keys() {
        if replaced.contains(name) {
            continue;
        }
        let before: Vec<_> = sent.get_all(name).iter().collect();
        let after: Vec<_> = out.get_all(name).iter().collect();
        if name == VARY {
            assert!(
                after.starts_with(&before),
                "{name}: {after:?}\n{}",
                context()
            );
        } else {
            assert_eq!(before, after, "{name}\n{}", context());
        }
    }
}

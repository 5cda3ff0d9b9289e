//! The `accept` target.

use super::*;

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
                .with_realm("api\"\r\n")
                .with_error(BearerError::InvalidToken)
                .with_error_description("expired\u{7f}é"),
        ),
        3 => ApiError::forbidden()
            .with_challenge(Challenge::bearer().with_error(BearerError::InsufficientScope)),
        4 => ApiError::not_found(),
        5 => ApiError::concealed_not_found()
            .with_message("SECRET: user 2 may not read user 1")
            .with_code("SECRET_CODE")
            .add_field("SECRET_FIELD"),
        6 => ApiError::method_not_allowed([Method::GET, Method::POST]),
        7 => ApiError::not_acceptable(),
        8 => ApiError::request_timeout(),
        9 => ApiError::conflict("A user with this email already exists.").add_field("email"),
        10 => ApiError::gone().with_docs("https://example.com/errors/gone"),
        11 => ApiError::precondition_failed(),
        12 => ApiError::payload_too_large().with_retry_after(Duration::from_millis(1500)),
        13 => {
            ApiError::unsupported_media_type(["application/json", "not a type"]).with_accept_post()
        }
        14 => ApiError::validation()
            .add_field_error("name", "Must not be empty.", "required")
            .add_field_error("items[2].qty", "Too many.", "TOO_MANY"),
        15 => ApiError::rate_limited(Duration::from_secs(5)).with_rate_limit(RateLimit::new(
            10,
            0,
            Duration::from_secs(60),
            Duration::from_secs(30),
        )),
        16 => ApiError::internal("SECRET: connection to db:5432 refused, password=hunter2"),
        17 => ApiError::not_implemented(),
        18 => ApiError::bad_gateway().with_source("SECRET upstream said no"),
        19 => ApiError::service_unavailable(),
        20 => ApiError::gateway_timeout(),
        21 => ApiError::from_status(status(418)),
        22 => ApiError::from_status(status(599)).with_source("SECRET"),
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
    let format = crate::expected_error_format(accept.as_ref(), default);
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

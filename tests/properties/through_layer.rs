//! Property 2: through the layer, with any request id and `Accept`.

use super::*;

/// How the layer is configured and placed.
#[derive(Debug, Clone)]
pub(crate) struct LayerSpec {
    /// Around the whole `Router` (else `Router::layer`).
    pub(crate) wrap_router: bool,
    pub(crate) problem_by_default: bool,
    pub(crate) challenge: Option<ChallengeSpec>,
    pub(crate) retry_after: Option<Duration>,
}

impl LayerSpec {
    pub(crate) fn build(&self) -> ApiErrorLayer {
        let mut layer = ApiErrorLayer::new();
        if self.problem_by_default {
            layer = layer.with_format(ErrorFormat::Problem);
        }
        if let Some(c) = &self.challenge {
            layer = layer.with_challenge(c.build());
        }
        if let Some(r) = self.retry_after {
            layer = layer.with_retry_after(r);
        }
        layer
    }

    pub(crate) fn default_retry(&self) -> RetrySpec {
        self.retry_after.map_or(DEFAULT_RETRY, RetrySpec::Delay)
    }

    pub(crate) fn default_format(&self) -> ErrorFormat {
        if self.problem_by_default {
            ErrorFormat::Problem
        } else {
            ErrorFormat::Json
        }
    }

    /// Sends `req` to `router`, with the layer placed as specified.
    pub(crate) async fn send(&self, router: Router, req: Request<Body>) -> Response {
        let layer = self.build();
        let res = if self.wrap_router {
            layer.layer(router).oneshot(req).await
        } else {
            router.layer(layer).oneshot(req).await
        };
        match res {
            Ok(res) => res,
            Err(never) => match never {},
        }
    }
}

pub(crate) fn layer_spec() -> impl Strategy<Value = LayerSpec> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(challenge()),
        prop::option::of(duration()),
    )
        .prop_map(
            |(wrap_router, problem_by_default, challenge, retry_after)| LayerSpec {
                wrap_router,
                problem_by_default,
                challenge,
                retry_after,
            },
        )
}

/// A byte `HeaderValue::from_bytes` takes: visible ASCII, space, tab, obs-text.
pub(crate) fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => 0x20u8..0x7f,
        1 => 0x80u8..=0xff,
        1 => Just(b'\t'),
    ]
}

/// Incoming request ids: absent, safe, one too long, empty, or arbitrary bytes.
pub(crate) fn request_id() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        3 => "[A-Za-z0-9._:-]{1,128}".prop_map(|s| Some(s.into_bytes())),
        1 => Just(Some(vec![b'x'; 128])),
        1 => "[A-Za-z0-9._:-]{129,200}".prop_map(|s| Some(s.into_bytes())),
        1 => Just(Some(Vec::new())),
        3 => prop::collection::vec(header_byte(), 0..40).prop_map(Some),
        1 => arb_string().prop_map(|s| Some(s.into_bytes())),
    ]
}

/// Incoming `Accept`: absent, the usual values, or arbitrary bytes.
pub(crate) fn accept() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        3 => prop::sample::select(&[
            "application/json",
            "application/problem+json",
            "*/*",
            "",
            "text/html",
            "application/json;q=0.5, application/problem+json",
            "application/problem+json;q=0, */*",
            "application/*",
        ][..])
        .prop_map(|s| Some(s.as_bytes().to_vec())),
        2 => prop::collection::vec(header_byte(), 0..60).prop_map(Some),
        1 => arb_string().prop_map(|s| Some(s.into_bytes())),
    ]
}

/// The format an `Accept` value must get, where the answer is unambiguous.
pub(crate) fn request(
    method: Method,
    request_id: Option<&[u8]>,
    accept: Option<&[u8]>,
) -> (Request<Body>, Option<HeaderValue>, Option<HeaderValue>) {
    let mut req = Request::builder()
        .method(method)
        .uri("/e")
        .body(Body::empty())
        .expect("a request");
    let id = request_id.and_then(|b| HeaderValue::from_bytes(b).ok());
    let accept = accept.and_then(|b| HeaderValue::from_bytes(b).ok());
    if let Some(id) = &id {
        req.headers_mut().insert("x-request-id", id.clone());
    }
    if let Some(accept) = &accept {
        req.headers_mut().insert("accept", accept.clone());
    }
    (req, id, accept)
}

/// The response's request id: the incoming one when safe, else a fresh UUID v4.
pub(crate) fn check_request_id(
    headers: &HeaderMap,
    incoming: Option<&HeaderValue>,
) -> Result<String, TestCaseError> {
    let sent = header(headers, "x-request-id");
    prop_assert!(sent.is_some(), "no x-request-id");
    let sent = sent.unwrap_or_default().to_owned();
    match incoming {
        Some(id) if is_safe_request_id(id.as_bytes()) => {
            prop_assert_eq!(sent.as_bytes(), id.as_bytes());
        }
        _ => {
            let uuid = uuid::Uuid::try_parse(&sent);
            prop_assert!(uuid.is_ok(), "x-request-id {sent:?} is not a UUID");
            let uuid = uuid.expect("checked");
            prop_assert_eq!(uuid.get_version_num(), 4);
            prop_assert_eq!(uuid.hyphenated().to_string(), sent.clone());
            prop_assert!(incoming.is_none_or(|id| id.as_bytes() != sent.as_bytes()));
        }
    }
    Ok(sent)
}

/// Checks the body in the format its `Content-Type` names, and returns the parsed
/// JSON value.
pub(crate) fn check_negotiated_body(
    headers: &HeaderMap,
    bytes: &[u8],
    said: &Said<'_>,
    accept: Option<&HeaderValue>,
    default: ErrorFormat,
) -> Result<Value, TestCaseError> {
    let content_type = header(headers, "content-type");
    let format = match content_type {
        Some("application/json") => ErrorFormat::Json,
        Some("application/problem+json") => ErrorFormat::Problem,
        other => return Err(TestCaseError::fail(format!("content-type {other:?}"))),
    };
    prop_assert_eq!(
        format,
        testkit::expected_error_format(accept, default),
        "accept {:?}",
        accept
    );
    let length = bytes.len().to_string();
    prop_assert_eq!(header(headers, "content-length"), Some(length.as_str()));
    let value = match format {
        ErrorFormat::Json => {
            let (body, value) = round_trip::<ErrorBody<'static>>(bytes)?;
            check_error_body(&body, said)?;
            check_retry_after_body(headers, body.retry_after)?;
            value
        }
        _ => {
            let (problem, value) = round_trip::<ProblemDetails<'static>>(bytes)?;
            check_problem(&problem, said)?;
            prop_assert_eq!(problem.instance.as_deref(), Some("/e"));
            check_retry_after_body(headers, problem.retry_after)?;
            value
        }
    };
    Ok(value)
}

pub(crate) fn methods_for_layer() -> impl Strategy<Value = Method> {
    prop::sample::select(
        &[
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
        ][..],
    )
}

proptest! {
    #![proptest_config(layered())]

    /// Property 2: through the layer, with any request id and `Accept`.
    #[test]
    fn layer_response_is_well_formed(
        spec in api_error(),
        layer in layer_spec(),
        method in methods_for_layer(),
        id in request_id(),
        accept in accept(),
    ) {
        let (code, message) = {
            let err = spec.build();
            (err.code().to_owned(), err.message().to_owned())
        };
        let handler_spec = spec.clone();
        let router = Router::new().route("/e", any_method(move || {
            let spec = handler_spec.clone();
            async move { spec.build() }
        }));
        let post = method == Method::POST;
        let (req, id, accept) = request(method, id.as_deref(), accept.as_deref());
        let (status, headers, bytes) = block_on(async {
            read_body(layer.send(router, req).await).await
        });

        prop_assert_eq!(status.as_u16(), spec.expected_status());
        check_header_values(&headers, &["x-request-id", "content-length"])?;
        let default_retry = layer.default_retry();
        let cx = Context { default_retry: &default_retry, post };
        let mut spec_for_headers = spec.clone();
        if spec.kind() == Kind::Unauthorized && spec.challenge().is_none() {
            // The layer's default challenge, if configured, is what a bare 401 sends.
            if let Some(c) = &layer.challenge {
                spec_for_headers.setters.push(Setter::Challenge(c.clone()));
            }
        }
        check_required_headers(&spec_for_headers, &headers, &cx)?;
        let sent_id = check_request_id(&headers, id.as_ref())?;
        let said = Said { status, code: &code, message: &message, request_id: Some(&sent_id) };
        check_negotiated_body(&headers, &bytes, &said, accept.as_ref(), layer.default_format())?;
    }
}

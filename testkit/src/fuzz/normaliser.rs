//! The `normaliser` target.

use super::*;

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
    let format = crate::expected_error_format(accept.as_ref(), default);
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
    // axum 0.8.9's rejection texts as the layer knows them (status, words, all of
    // the text or its start, code, message): they get their code and a fixed
    // message in place of the text, which may quote the request.
    const AXUM: [(u16, &str, bool, &str, &str); 9] = [
        (400, "Failed to parse the request body as JSON: ", false, "INVALID_JSON", "The request body is not valid JSON."),
        (422, "Failed to deserialize the JSON body into the target type: ", false, "INVALID_BODY", "The request body has invalid fields."),
        (415, "Expected request with `Content-Type: application/json`", true, "UNSUPPORTED_MEDIA_TYPE", "The request body must be JSON, sent with `Content-Type: application/json`."),
        (415, "Form requests must have `Content-Type: application/x-www-form-urlencoded`", true, "UNSUPPORTED_MEDIA_TYPE", "The request body must be a form, sent with `Content-Type: application/x-www-form-urlencoded`."),
        (400, "Failed to deserialize query string: ", false, "INVALID_QUERY", "The query string is invalid."),
        (400, "Failed to deserialize form: ", false, "INVALID_FORM", "The form has invalid fields."),
        (422, "Failed to deserialize form body: ", false, "INVALID_BODY", "The form has invalid fields."),
        (400, "Invalid URL: ", false, "INVALID_PATH", "The path is invalid."),
        (400, "Failed to buffer the request body: ", false, "INVALID_BODY", "The request body could not be read."),
    ];
    let axum = message.and_then(|text| {
        AXUM.iter().find(|(s, words, exact, ..)| {
            *s == status.as_u16()
                && if *exact {
                    text == *words
                } else {
                    text.starts_with(words)
                }
        })
    });
    let expected_code = match status.as_u16() {
        404 => "ROUTE_NOT_FOUND",
        422 => "INVALID_BODY",
        400 => axum.map_or("BAD_REQUEST", |row| row.3),
        _ => default_error.code(),
    };
    assert_eq!(rendered.code, expected_code, "{}", context());
    let expected_message = match (axum, message) {
        (Some(row), _) => row.4,
        (None, Some(text))
            if status.is_client_error() && status != StatusCode::PAYLOAD_TOO_LARGE =>
        {
            text
        }
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
    // RFC 9110 §10.2.3: delay-seconds is 1*DIGIT (no sign), within optional
    // whitespace; more digits than a u64 holds are no usable delay.
    let service = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches([' ', '\t']));
    let service_secs = service
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u64>().ok());
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
/// `accept` and be joined into one line) reaches the client with the same values.
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
            // The same names in order, maybe joined into one line (RFC 9110 §5.3),
            // each once (ignoring case) and without empty list elements (§5.6.1).
            let names = |values: &[&http::HeaderValue]| -> Vec<Vec<u8>> {
                let mut names: Vec<Vec<u8>> = Vec::new();
                for name in values
                    .iter()
                    .flat_map(|v| v.as_bytes().split(|&b| b == b','))
                    .map(|n| n.trim_ascii().to_ascii_lowercase())
                {
                    if !name.is_empty() && !names.contains(&name) {
                        names.push(name);
                    }
                }
                names
            };
            assert!(
                names(&after).starts_with(&names(&before)),
                "{name}: {after:?}\n{}",
                context()
            );
        } else {
            assert_eq!(before, after, "{name}\n{}", context());
        }
    }
}

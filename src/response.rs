//! How an [`ApiError`] becomes a response, with or without the layer.
//!
//! A handler's error cannot see the request, so it cannot know the request id or
//! the format the client asked for. Its response therefore gets the status and the
//! required headers at once, the error itself in the response extensions (as an
//! `Arc<ApiError>`), and a body that serialises the error only when it is first read.
//! The layer, which saw the request, swaps that body for one with the request id in
//! the negotiated format before anyone reads it; without the layer the lazy body
//! renders plain JSON. Either way the error is serialised exactly once.

use std::{
    cell::OnceCell,
    convert::Infallible,
    pin::Pin,
    sync::{Arc, LazyLock},
    task::{Context, Poll},
};

use axum_core::{
    body::Body,
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use http::{
    header::{
        ACCEPT, ALLOW, CACHE_CONTROL, CONNECTION, CONTENT_TYPE, RETRY_AFTER, VARY, WWW_AUTHENTICATE,
    },
    Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode,
};
use http_body::{Frame, SizeHint};
use hyper::ext::ReasonPhrase;

use crate::{
    error::{ApiError, RequiredView},
    headers::{allow_header, media_types_header, Challenge, RetryAfter, ACCEPT_POST},
    render::{render, RenderContext},
    wire::{reason_phrase, ErrorFormat},
};

/// What an error falls back to where it sets nothing itself.
#[derive(Debug, Clone)]
pub(crate) struct Defaults {
    pub(crate) challenge: Challenge,
    pub(crate) retry_after: RetryAfter,
}

impl Defaults {
    pub(crate) const fn builtin() -> Self {
        Self {
            challenge: Challenge::bearer(),
            retry_after: crate::render::DEFAULT_RETRY_AFTER,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let error = Arc::new(self);
        let mut res = Response::new(Body::new(LazyBody {
            error: Some(Arc::clone(&error)),
            bytes: OnceCell::new(),
        }));
        *res.status_mut() = status;
        let headers = res.headers_mut();
        headers.insert(CONTENT_TYPE, ErrorFormat::Json.content_type());
        error.write_headers(headers, &Defaults::builtin());
        set_reason_phrase(res.extensions_mut(), status);
        res.extensions_mut().insert(error);
        res
    }
}

/// Makes hyper's HTTP/1 status line use RFC 9110's name where `http`'s is older
/// (`413 Content Too Large`, `422 Unprocessable Content`).
pub(crate) fn set_reason_phrase(extensions: &mut Extensions, status: StatusCode) {
    /// RFC 9110's name of each status from 400 to 599 where `http`'s differs, made
    /// once (`ReasonPhrase::from_static` checks its bytes each time it is called).
    static DIFFERENT: LazyLock<Vec<Option<ReasonPhrase>>> = LazyLock::new(|| {
        (400..600)
            .map(|code| {
                let status = StatusCode::from_u16(code).ok()?;
                let phrase = reason_phrase(status);
                (status.canonical_reason() != Some(phrase))
                    .then(|| ReasonPhrase::from_static(phrase.as_bytes()))
            })
            .collect()
    });
    let phrase = match status.as_u16().checked_sub(400) {
        Some(i) if i < 200 => DIFFERENT[usize::from(i)].clone(),
        _ => {
            let phrase = reason_phrase(status);
            (status.canonical_reason() != Some(phrase))
                .then(|| ReasonPhrase::from_static(phrase.as_bytes()))
        }
    };
    if let Some(phrase) = phrase {
        extensions.insert(phrase);
    }
}

impl ApiError {
    /// Writes the headers the status requires, and those every error carries.
    pub(crate) fn write_headers(&self, headers: &mut HeaderMap, defaults: &Defaults) {
        self.required_headers(defaults, &mut |name, value| {
            headers.insert(name, value);
        });
        add_vary_accept(headers);
    }

    /// Hands each header the status requires (and `Cache-Control`) to `put`, so that
    /// the layer can insert all of them, or only those missing, without a map between.
    pub(crate) fn required_headers(
        &self,
        defaults: &Defaults,
        put: &mut dyn FnMut(HeaderName, HeaderValue),
    ) {
        // Errors depend on the request and must not be reused from a cache.
        put(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self.required() {
            // RFC 9110 §15.5.2: a 401 MUST send at least one challenge.
            RequiredView::Challenge {
                challenge,
                required: true,
            } => {
                let challenge = challenge.unwrap_or(&defaults.challenge);
                put(WWW_AUTHENTICATE, challenge.to_header_value());
            }
            // RFC 6750 §3.1: insufficient_scope goes with a 403 and invalid_request with
            // a 400, and either may carry a challenge.
            RequiredView::Challenge {
                challenge: Some(challenge),
                ..
            } => put(WWW_AUTHENTICATE, challenge.to_header_value()),
            // RFC 9110 §15.5.6: a 405 MUST carry Allow.
            RequiredView::Allow(methods) => put(ALLOW, allow_header(methods)),
            // RFC 9110 §15.5.16: a 415 names what it accepts.
            RequiredView::Accept { types, post } if !types.is_empty() => {
                let value = media_types_header(types);
                if post {
                    put(ACCEPT_POST, value.clone());
                }
                put(ACCEPT, value);
            }
            RequiredView::RateLimit(limit) => limit.each_header(put),
            _ => {}
        }
        // RFC 9110 §15.5.9: the server SHOULD close the connection after a 408.
        if self.status() == StatusCode::REQUEST_TIMEOUT {
            put(CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(retry_after) = self.retry_after_or(defaults.retry_after) {
            put(RETRY_AFTER, retry_after.to_header_value());
        }
    }

    /// The body alone, in `format`, with `request_id` when there is one: for a
    /// transport other than an axum response (a WebSocket message, a queue). Handlers
    /// return the error itself instead.
    ///
    /// ```
    /// use axum_api_error::{ApiError, wire::{ErrorFormat, ProblemDetails}};
    ///
    /// let bytes = ApiError::gone().to_bytes(ErrorFormat::Problem, Some("req-7"));
    /// let problem: ProblemDetails<'_> = serde_json::from_slice(&bytes).unwrap();
    /// assert_eq!(problem.status, 410);
    /// assert_eq!(problem.title, "Gone");
    /// assert_eq!(problem.request_id.as_deref(), Some("req-7"));
    /// ```
    #[must_use]
    pub fn to_bytes(&self, format: ErrorFormat, request_id: Option<&str>) -> Bytes {
        let cx = RenderContext {
            request_id,
            format,
            ..RenderContext::default()
        };
        // Bytes of its own, not a piece of the thread's shared buffer: these may be
        // kept (in a queue, say) long after.
        Bytes::copy_from_slice(&self.render_with(&cx, false))
    }

    /// The body, rendered for the request described by `cx`.
    pub(crate) fn render_with(&self, cx: &RenderContext<'_>, expose: bool) -> Bytes {
        render(self, cx, expose)
    }
}

/// Adds `Vary: accept` unless `Vary` names it (or `*`) already: the error format is
/// negotiated on `Accept` (RFC 9110 §12.5.5).
pub(crate) fn add_vary_accept(headers: &mut HeaderMap) {
    add_vary(headers, "accept");
}

/// Adds `name` (lower-case) to `Vary` unless it names it (or `*`) already, as one
/// line: `Vary: origin` becomes `Vary: origin, accept`.
pub(crate) fn add_vary(headers: &mut HeaderMap, name: &'static str) {
    let mut values = headers.get_all(VARY).iter().peekable();
    if values.peek().is_none() {
        headers.insert(VARY, HeaderValue::from_static(name));
        return;
    }
    let named = values.any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|n| n.trim() == "*" || n.trim().eq_ignore_ascii_case(name))
        })
    });
    if !named {
        headers.append(VARY, HeaderValue::from_static(name));
        merge_vary(headers);
    }
}

/// Joins the `Vary` lines into one (RFC 9110 §5.3: the same field), each name once
/// (compared ignoring case), so that a client reading the first `Vary` reads them
/// all.
pub(crate) fn merge_vary(headers: &mut HeaderMap) {
    let mut values = headers.get_all(VARY).iter();
    let (Some(_), Some(_)) = (values.next(), values.next()) else {
        return;
    };
    let mut names: Vec<&[u8]> = Vec::new();
    for value in headers.get_all(VARY) {
        for name in value.as_bytes().split(|&b| b == b',') {
            let name = name.trim_ascii();
            if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name);
            }
        }
    }
    let joined = HeaderValue::from_bytes(&names.join(&b", "[..]))
        .expect("parts of header values joined by `, `");
    headers.insert(VARY, joined);
}

/// The body of an error response built without the layer: the error rendered as
/// plain JSON the first time the body is measured or read.
struct LazyBody {
    error: Option<Arc<ApiError>>,
    bytes: OnceCell<Bytes>,
}

impl LazyBody {
    fn bytes(&self) -> Option<&Bytes> {
        let error = self.error.as_ref()?;
        Some(
            self.bytes
                .get_or_init(|| error.render_with(&RenderContext::default(), false)),
        )
    }
}

impl http_body::Body for LazyBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let bytes = self.bytes().cloned();
        self.error = None;
        Poll::Ready(bytes.map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.error.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        // Unknown until rendered: measuring would serialise the error, and the layer,
        // when wrapped around a whole Router, replaces this body after axum has
        // measured it, which would then serialise every error twice. Without the
        // layer, HTTP/1.1 sends this small body chunked.
        match self.bytes.get() {
            Some(bytes) if self.error.is_some() => SizeHint::with_exact(bytes.len() as u64),
            _ if self.error.is_none() => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary(lines: &[&'static str], add: &'static str) -> Vec<String> {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(VARY, HeaderValue::from_static(line));
        }
        add_vary(&mut headers, add);
        headers
            .get_all(VARY)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn vary_is_one_line_with_each_name_once() {
        assert_eq!(vary(&[], "accept"), ["accept"]);
        assert_eq!(vary(&["origin"], "accept"), ["origin, accept"]);
        assert_eq!(vary(&["Accept"], "accept"), ["Accept"]);
        assert_eq!(vary(&["*"], "accept"), ["*"]);
        assert_eq!(
            vary(&["origin", "Origin,x", ""], "accept"),
            ["origin, x, accept"]
        );
        assert_eq!(vary(&["a, accept", "b"], "accept"), ["a, accept", "b"]);
        let mut headers = HeaderMap::new();
        headers.append(VARY, HeaderValue::from_static("accept, origin"));
        headers.append(VARY, HeaderValue::from_static("origin"));
        merge_vary(&mut headers);
        assert_eq!(
            headers.get_all(VARY).iter().collect::<Vec<_>>(),
            ["accept, origin"]
        );
    }
}

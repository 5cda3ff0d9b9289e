//! Rendering an [`ApiError`] into the bytes of its body, through the wire crate's
//! own types: the body a server sends is the type a client parses.

use std::borrow::Cow;

use bytes::Bytes;

use crate::{
    error::{ApiError, Chain},
    headers::RetryAfter,
    wire::{ErrorBody, ErrorFormat, ProblemDetails},
};

/// `Retry-After` of a 429 or 503 that names none, unless
/// [`ApiErrorLayer::with_retry_after`](crate::ApiErrorLayer::with_retry_after) sets
/// another: 60 seconds.
pub const DEFAULT_RETRY_AFTER: RetryAfter = RetryAfter::secs(60);

/// What the renderer knows of the request: filled in by the layer, empty without it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RenderContext<'a> {
    pub(crate) request_id: Option<&'a str>,
    /// The W3C trace id, as 32 hex digits.
    pub(crate) trace_id: Option<&'a str>,
    pub(crate) instance: Option<&'a str>,
    pub(crate) docs_base: Option<&'a str>,
    pub(crate) format: ErrorFormat,
    /// The `retryAfter` of a 429 or 503 that sets none.
    pub(crate) retry_after: RetryAfter,
}

impl Default for RenderContext<'_> {
    fn default() -> Self {
        Self {
            request_id: None,
            trace_id: None,
            instance: None,
            docs_base: None,
            format: ErrorFormat::Json,
            retry_after: DEFAULT_RETRY_AFTER,
        }
    }
}

/// Serialises `error` in the chosen format: borrowed strings, no intermediate
/// `serde_json::Value`, the wire crate's writer (serde_json's bytes, without its
/// per-byte scan of strings), into the thread's shared buffer (no allocation of its
/// own in the common case). `expose` is the development switch: with it, a 5xx's source chain is sent
/// in `debug`.
pub(crate) fn render(error: &ApiError, cx: &RenderContext<'_>, expose: bool) -> Bytes {
    render_after(error, cx, expose, None)
}

/// [`render`], where the JSON of the error's fixed members ([`fixed_json`]) was
/// written before: in the JSON format they are copied, not written again.
pub(crate) fn render_after(
    error: &ApiError,
    cx: &RenderContext<'_>,
    expose: bool,
    fixed_json: Option<&[u8]>,
) -> Bytes {
    let status = error.status();
    let code = error.code();
    let docs = match (error.docs(), cx.docs_base) {
        (Some(docs), _) => Some(Cow::Borrowed(docs)),
        (None, Some(base)) => Some(Cow::Owned(format!("{base}{code}"))),
        (None, None) => None,
    };
    let retry_after = error.retry_after_or(cx.retry_after).map(|r| r.as_secs());
    let debug = (expose && status.is_server_error())
        .then(|| Chain(error).sources().map(|e| e.to_string()).collect());
    let details = Cow::Borrowed(error.details());
    // The room a body of this many fields usually takes: a longer one still fits.
    let room = 256 + 96 * details.len();
    crate::shared_buf::cut(room, |buf| match cx.format {
        ErrorFormat::Problem => {
            let mut body = ProblemDetails::new(status, error.message(), code);
            if let Some(docs) = docs {
                body.type_ = docs;
            }
            body.instance = cx.instance.map(Cow::Borrowed);
            body.request_id = cx.request_id.map(Cow::Borrowed);
            body.trace_id = cx.trace_id.map(Cow::Borrowed);
            body.errors = details;
            body.retry_after = retry_after;
            body.debug = debug;
            body.write_json(buf);
        }
        _ => {
            let mut body = ErrorBody::new(status, error.message(), code);
            body.details = details;
            body.request_id = cx.request_id.map(Cow::Borrowed);
            body.trace_id = cx.trace_id.map(Cow::Borrowed);
            body.docs = docs;
            body.retry_after = retry_after;
            body.debug = debug;
            match fixed_json {
                Some(fixed) => {
                    buf.extend_from_slice(fixed);
                    body.write_json_rest(buf);
                }
                None => body.write_json(buf),
            }
        }
    })
}

/// The JSON of the members of `error`'s body that every occurrence shares (all but
/// `requestId` and those after it), to be kept and given to [`render_after`].
pub(crate) fn fixed_json(error: &ApiError) -> Vec<u8> {
    let mut body = ErrorBody::new(error.status(), error.message(), error.code());
    body.details = Cow::Borrowed(error.details());
    let mut json = Vec::new();
    body.write_json_fixed(&mut json);
    json
}

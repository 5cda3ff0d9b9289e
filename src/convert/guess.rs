//! The guesses: what the crate reads out of axum's rejections that axum does not
//! promise to keep.
//!
//! This is best effort against the axum of `Cargo.lock`, **axum 0.8.9** (with
//! axum-core 0.5.6, serde_path_to_error 0.1.20, serde_json 1.0.154 and
//! serde_urlencoded 0.7.1). Nothing else in the crate depends on these details:
//!
//! - **The texts of axum's rejections.** An app that uses axum's own extractors
//!   answers a refused request with a `text/plain` line; the layer sees only the
//!   status and that text. [`AxumRejection::recognise`] knows each text by its
//!   status and its exact words (`Failed to deserialize query string: `, ...), so the
//!   layer gives it its code (`INVALID_QUERY`) and a fixed message in place of the
//!   text, which quotes the request (`... invalid type: string "hunter2", expected
//!   u32`). The media type of a 415 is read from axum's two 415 texts, and, for a
//!   415 text that is the app's own, from the media types it names
//!   ([`media_types_named`]).
//! - **What axum's rejections wrap.** [`json_error`] and [`urlencoded_error`] find
//!   the serde errors inside a `JsonRejection`, `QueryRejection` or `FormRejection`
//!   by downcasting along its source chain: axum keeps them private.
//!
//! A text axum words otherwise in a later release is no longer recognised: the layer
//! then takes it for the app's own, sends it as the message (quoting, maybe, a value
//! the client sent) and gives a 400 the code `BAD_REQUEST`. A rejection that wraps
//! its serde error otherwise gets no `details`. The tests beside this module
//! produce every text and rejection with the real axum and check that it is
//! recognised, so that upgrading axum fails them instead.

use std::error::Error as StdError;

use http::StatusCode;

use super::messages;
use crate::error::chain;

/// One of axum's rejections, known by the status and text of its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AxumRejection {
    /// `Json`: the body is not JSON (400).
    JsonSyntax,
    /// `Json`: the JSON does not fit the type (422).
    JsonData,
    /// `Json`: no JSON `Content-Type` (415).
    JsonContentType,
    /// `Form`: no form `Content-Type` (415).
    FormContentType,
    /// `Query`: the query string does not fit the type (400).
    Query,
    /// `Form` on `GET` or `HEAD`: the query string does not fit the type (400).
    Form,
    /// `Form`: the body does not fit the type (422).
    FormBody,
    /// `Path`: a parameter does not fit the type (400).
    Path,
    /// Any body extractor: the body failed while being read (400).
    BufferBody,
}

/// How a text is known: all of it, or its start (axum's words, `: `, then the
/// error it wraps).
#[derive(Debug, Clone, Copy)]
enum Words {
    Exact(&'static str),
    Prefix(&'static str),
}

/// Each rejection's status and text, as axum 0.8.9 writes them.
const TEXTS: [(AxumRejection, u16, Words); 9] = {
    use AxumRejection::*;
    use Words::{Exact, Prefix};
    [
        (
            JsonSyntax,
            400,
            Prefix("Failed to parse the request body as JSON: "),
        ),
        (
            JsonData,
            422,
            Prefix("Failed to deserialize the JSON body into the target type: "),
        ),
        (
            JsonContentType,
            415,
            Exact("Expected request with `Content-Type: application/json`"),
        ),
        (
            FormContentType,
            415,
            Exact("Form requests must have `Content-Type: application/x-www-form-urlencoded`"),
        ),
        (Query, 400, Prefix("Failed to deserialize query string: ")),
        (Form, 400, Prefix("Failed to deserialize form: ")),
        (FormBody, 422, Prefix("Failed to deserialize form body: ")),
        (Path, 400, Prefix("Invalid URL: ")),
        (
            BufferBody,
            400,
            Prefix("Failed to buffer the request body: "),
        ),
    ]
};

impl AxumRejection {
    /// The rejection whose response this is, if it is one of axum's: `text` is the
    /// body, trimmed.
    pub(crate) fn recognise(status: StatusCode, text: &str) -> Option<Self> {
        TEXTS
            .iter()
            .find(|(_, s, words)| {
                *s == status.as_u16()
                    && match *words {
                        Words::Exact(words) => text == words,
                        Words::Prefix(words) => text.starts_with(words),
                    }
            })
            .map(|(rejection, ..)| *rejection)
    }

    /// The code the crate gives it: the code of the crate's own conversion of the
    /// rejection, but for `INVALID_FORM` (a query-string form).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::JsonSyntax => "INVALID_JSON",
            Self::JsonData | Self::FormBody | Self::BufferBody => "INVALID_BODY",
            Self::JsonContentType | Self::FormContentType => "UNSUPPORTED_MEDIA_TYPE",
            Self::Query => "INVALID_QUERY",
            Self::Form => "INVALID_FORM",
            Self::Path => "INVALID_PATH",
        }
    }

    /// The message sent in place of axum's text.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::JsonSyntax => messages::JSON_SYNTAX,
            Self::JsonData => messages::JSON_FIELDS,
            Self::JsonContentType => messages::JSON_MEDIA_TYPE,
            Self::FormContentType => messages::FORM_MEDIA_TYPE,
            Self::Query => messages::QUERY,
            Self::Form | Self::FormBody => messages::FORM_FIELDS,
            Self::Path => messages::PATH,
            Self::BufferBody => messages::UNREADABLE_BODY,
        }
    }

    /// The media types a 415 names in `Accept`.
    pub(crate) fn accept(self) -> &'static [&'static str] {
        match self {
            Self::JsonContentType => &["application/json"],
            Self::FormContentType => &["application/x-www-form-urlencoded"],
            _ => &[],
        }
    }
}

/// Whether axum's "could not buffer the body" text wraps tower-http's body timeout
/// (`... data was not received within the designated timeout`): axum's own `Bytes`,
/// `String` and `Json` then answer a 400 where the client was too slow.
pub(crate) fn is_body_timeout(rejection: Option<AxumRejection>, text: &str) -> bool {
    rejection == Some(AxumRejection::BufferBody)
        && text.ends_with("data was not received within the designated timeout")
}

/// The wait, in whole seconds floored, of tower_governor 0.8's own 429 body
/// (`Too Many Requests! Wait for 3s`), which an app without the crate's
/// `tower-governor` error handler sends.
pub(crate) fn governor_wait(status: StatusCode, text: &str) -> Option<u64> {
    let wait = text
        .strip_prefix("Too Many Requests! Wait for ")?
        .strip_suffix('s')?;
    if status != StatusCode::TOO_MANY_REQUESTS || !wait.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    wait.parse().ok()
}

/// The media types an app's own 415 text names (`Send application/json.`), of the
/// three the crate knows: a guess at the `Accept` of a 415 that is not axum's.
pub(crate) fn media_types_named(text: &str) -> impl Iterator<Item = &'static str> + '_ {
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ]
    .into_iter()
    .filter(move |media_type| text.contains(media_type))
}

/// The serde_json error inside a `JsonRejection`, with the path of the value at
/// fault where axum tracked one (not for the trailing characters after the value).
pub(super) fn json_error<'a>(
    err: &'a (dyn StdError + 'static),
) -> Option<(Option<&'a serde_path_to_error::Path>, &'a serde_json::Error)> {
    match find::<serde_path_to_error::Error<serde_json::Error>>(err) {
        Some(err) => Some((Some(err.path()), err.inner())),
        None => find::<serde_json::Error>(err).map(|err| (None, err)),
    }
}

/// The serde_urlencoded error inside a `QueryRejection` or `FormRejection`, with
/// the path of the value at fault.
pub(super) fn urlencoded_error<'a>(
    err: &'a (dyn StdError + 'static),
) -> Option<(
    &'a serde_path_to_error::Path,
    &'a serde_urlencoded::de::Error,
)> {
    find::<serde_path_to_error::Error<serde_urlencoded::de::Error>>(err)
        .map(|err| (err.path(), err.inner()))
}

/// The first error of type `T` in `err`'s chain, `err` itself included.
fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    chain(err).find_map(|e| e.downcast_ref::<T>())
}

#[cfg(test)]
#[path = "guess_tests.rs"]
mod tests;

//! The `json_body` target.

use std::borrow::Cow;

use super::*;
use axum_api_error::wire::FieldError;

/// The `json_body` target: `data` is split at `0xff` bytes into the strings of an
/// [`ErrorBody`] and a [`ProblemDetails`] (each read as UTF-8, invalid sequences
/// replaced, so that any text at all is tried), the first bytes choosing how many
/// field errors and debug lines they carry. `write_json` must write exactly the
/// bytes `serde_json::to_vec` writes, and they must parse back to the same body.
pub fn json_body(data: &[u8]) {
    let (shape, rest) = data.split_first().unwrap_or((&0, &[]));
    let mut parts = rest
        .split(|&b| b == 0xff)
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .cycle()
        .take(64);
    let mut next = || parts.next().unwrap_or_default();
    let fields: Vec<FieldError> = (0..shape % 4)
        .map(|_| {
            let mut field = FieldError::new(next(), next(), "X");
            // The code as given, not normalised: the writer must cope with any.
            field.code = Cow::Owned(next());
            field
        })
        .collect();
    let debug = (shape & 0x10 != 0).then(|| (0..(shape >> 5)).map(|_| next()).collect());
    let retry_after = (shape & 0x08 != 0).then(|| u64::from(*shape) * 0x0101_0101_0101);
    let status = StatusCode::UNPROCESSABLE_ENTITY;

    let mut body = ErrorBody::new(status, next(), next());
    body.error = Cow::Owned(next());
    body.details = Cow::Borrowed(&fields);
    body.request_id = Some(next().into()).filter(|_| shape & 1 != 0);
    body.trace_id = Some(next().into()).filter(|_| shape & 2 != 0);
    body.docs = Some(next().into()).filter(|_| shape & 4 != 0);
    body.retry_after = retry_after;
    body.debug.clone_from(&debug);
    let mut written = Vec::new();
    body.write_json(&mut written);
    assert_eq!(
        written,
        serde_json::to_vec(&body).unwrap(),
        "ErrorBody::write_json differs from serde_json"
    );
    let parsed: ErrorBody<'static> = serde_json::from_slice(&written).unwrap();
    assert_eq!(parsed, body);

    let mut problem = ProblemDetails::new(status, next(), next());
    problem.type_ = Cow::Owned(next());
    problem.title = Cow::Owned(next());
    problem.status = u16::from(*shape) * 257;
    problem.instance = Some(next().into()).filter(|_| shape & 1 == 0);
    problem.request_id = body.request_id.clone();
    problem.trace_id = Some(next().into()).filter(|_| shape & 4 == 0);
    problem.errors = Cow::Borrowed(&fields);
    problem.retry_after = retry_after;
    problem.debug = debug;
    let mut written = Vec::new();
    problem.write_json(&mut written);
    assert_eq!(
        written,
        serde_json::to_vec(&problem).unwrap(),
        "ProblemDetails::write_json differs from serde_json"
    );
    let parsed: ProblemDetails<'static> = serde_json::from_slice(&written).unwrap();
    assert_eq!(parsed, problem);
}

//! What the tests of `axum-api-error` share, written once (not published):
//!
//! - [`oracle`]: the grammar the crate promises, written independently of its `src/`;
//! - [`fuzz`]: the fuzz targets' checks, which `fuzz/` runs under libFuzzer and
//!   `tests/fuzz_corpus/` replays on stable;
//! - [`headers`]: whole header maps, for golden tests;
//! - with the `harness` feature, [`server`] (an app on 127.0.0.1:0 and a reqwest
//!   client), [`raw`] (raw HTTP/1.1 over a `TcpStream`) and [`logs`] (log capture).

// Assertion helpers return what they checked for chaining; ignoring it is normal.
#![allow(clippy::must_use_candidate)]

pub mod fuzz;
pub mod headers;
pub mod oracle;

#[cfg(feature = "harness")]
pub mod logs;
#[cfg(feature = "harness")]
pub mod raw;
#[cfg(feature = "harness")]
pub mod server;

use axum_api_error::wire::ErrorFormat;

/// The crate's [`ErrorFormat`] that [`oracle::expected_format`] says `accept`
/// selects, with `default` as the layer's configured format.
#[must_use]
pub fn expected_error_format(
    accept: Option<&http::HeaderValue>,
    default: ErrorFormat,
) -> ErrorFormat {
    let default = match default {
        ErrorFormat::Json => oracle::Format::Json,
        _ => oracle::Format::Problem,
    };
    match oracle::expected_format(accept, default) {
        oracle::Format::Json => ErrorFormat::Json,
        oracle::Format::Problem => ErrorFormat::Problem,
    }
}

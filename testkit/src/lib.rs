//! What the tests of `axum-api-error` share, written once (not published):
//!
//! - [`oracle`]: the grammar the crate promises, written independently of its `src/`;
//! - [`fuzz`]: the fuzz targets' checks, which `fuzz/` runs under libFuzzer and
//!   `tests/fuzz_corpus/` replays on stable;
//! - [`headers`]: whole header maps, for golden tests;
//! - with the `harness` feature, [`server`] (an app on 127.0.0.1:0 and a reqwest
//!   client), [`raw`] (raw HTTP/1.1 over a `TcpStream`) and [`logs`] (log capture).

pub mod fuzz;
pub mod headers;
pub mod oracle;

#[cfg(feature = "harness")]
pub mod logs;
#[cfg(feature = "harness")]
pub mod raw;
#[cfg(feature = "harness")]
pub mod server;

//! Golden tests of the wire contract: for every `ApiError` variant, the status, the
//! headers and the whole body, in the JSON form a response carries and in the
//! RFC 9457 problem form of `ApiError::to_bytes`.
//!
//! Headers are compared as a whole map (names and values), so a header that appears
//! or disappears is a failing diff too.

// Shared by the modules below.
mod support;

// One golden test per variant, by status.
mod golden_4xx;
mod golden_4xx_limits;
mod golden_5xx;
mod golden_other;

// The catalogue of the public wire contract; leaks (a body never carries its
// source); the round trip through the public body types; a domain error through `?`
// in a real Router.
mod catalogue;
mod domain;
mod leaks;
mod round_trip;

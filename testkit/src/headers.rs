//! Header maps as sorted maps, so that a test compares a response's whole header set
//! with an inline list and a failure shows both in full.

use std::collections::BTreeMap;

use http::HeaderMap;

/// Every header of `headers`, by name, its values in order (non-UTF-8 bytes shown
/// lossily).
#[must_use]
pub fn header_map(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        map.entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    map
}

/// The map [`header_map`] must return for exactly these `(name, value)` pairs.
#[must_use]
pub fn expected_map(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in pairs {
        map.entry((*name).to_owned())
            .or_default()
            .push((*value).to_owned());
    }
    map
}

/// Asserts that `headers` holds exactly `expected`: nothing missing, nothing more, no
/// value different.
#[track_caller]
pub fn assert_header_map(headers: &HeaderMap, expected: &[(&str, &str)]) {
    assert_eq!(header_map(headers), expected_map(expected));
}

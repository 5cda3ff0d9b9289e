//! The OpenAPI document (feature `utoipa`): what `ApiErrorDocs` adds to a document
//! (`document.rs`), and that what it documents is what the layer sends
//! (`conformance.rs`): real responses of every error status, in both formats,
//! checked against the documented schemas made strict and against the documented
//! headers.

/// `ApiErrorDocs` on utoipa documents: the rules, and whole operations.
mod document;

/// Real responses of every status against the document.
mod conformance;

use serde_json::Value;

/// The component `name` of `kind` (`schemas`, `responses`, `headers`) in `doc`.
fn component<'a>(doc: &'a Value, kind: &str, name: &str) -> &'a Value {
    let found = &doc["components"][kind][name];
    assert!(
        !found.is_null(),
        "no component {kind}/{name} in the document"
    );
    found
}

/// `value` itself, or the component its `$ref` names.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let path = reference
                .strip_prefix("#/components/")
                .unwrap_or_else(|| panic!("a reference outside the components: {reference}"));
            let (kind, name) = path.split_once('/').unwrap();
            resolve(doc, component(doc, kind, name))
        }
        None => value,
    }
}

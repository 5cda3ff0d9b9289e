//! The conversions: statuses, and the `details` of serde's errors.

use serde::Deserialize;

use super::*;

#[test]
fn io_errors() {
    use io::ErrorKind::*;
    let status = |k| ApiError::from(io::Error::from(k)).status().as_u16();
    assert_eq!(status(ConnectionRefused), 503);
    assert_eq!(status(ConnectionReset), 503);
    assert_eq!(status(TimedOut), 504);
    assert_eq!(status(PermissionDenied), 500);
    let err = ApiError::from(io::Error::other("SECRET path /etc/x"));
    assert_eq!(err.message(), "An internal error occurred.");
}

#[test]
fn box_errors_are_classified_through_their_chain() {
    #[derive(Debug, thiserror::Error)]
    #[error("calling the user service")]
    struct Call(#[source] io::Error);
    let err: BoxError = Box::new(Call(io::Error::from(io::ErrorKind::ConnectionRefused)));
    let err = ApiError::from(err);
    assert_eq!(err.status().as_u16(), 503);
    assert_eq!(err.code(), "DEPENDENCY_UNAVAILABLE");
    let err = ApiError::from(BoxError::from("anything else"));
    assert_eq!(err.status().as_u16(), 500);
}

#[test]
fn serde_json_errors_are_the_servers_own_500() {
    for json in [r#""hunter2-SECRET""#, "{SECRET"] {
        let source = serde_json::from_str::<u32>(json).unwrap_err();
        let text = source.to_string();
        let err = ApiError::from(source);
        assert_eq!(err.status().as_u16(), 500);
        assert_eq!(err.code(), "INTERNAL_ERROR");
        assert_eq!(err.message(), "An internal error occurred.");
        assert!(err.details().is_empty());
        assert_eq!(StdError::source(&err).unwrap().to_string(), text);
    }
}

/// The `details` entry for `json` deserialized into `T`, as the `Json`
/// extractor reads it.
fn detail<T: serde::de::DeserializeOwned>(json: &str) -> (String, String, String) {
    let de = &mut serde_json::Deserializer::from_str(json);
    let err = serde_path_to_error::deserialize::<_, T>(de)
        .err()
        .expect("an error");
    let detail = field_error(Some(err.path()), &strip_position(err.inner()), "body");
    (
        detail.field.into_owned(),
        detail.message.into_owned(),
        detail.code.into_owned(),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Outer {
    inner: Inner,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Inner {
    age: u32,
}

#[test]
fn details_name_the_field_at_fault() {
    let owned = |(f, m, c): (&str, &str, &str)| (f.to_owned(), m.to_owned(), c.to_owned());
    for (json, expected) in [
        (
            r#"{"inner": {"age": "hunter2-SECRET"}}"#,
            (
                "inner.age",
                "Expected a non-negative integer.",
                "INVALID_TYPE",
            ),
        ),
        (
            r#"{"inner": {}}"#,
            ("inner.age", "This field is required.", "REQUIRED"),
        ),
        (
            r#"{"inner": {"age": 1, "SECRET": 2}}"#,
            (
                "inner.SECRET",
                "This field is not allowed.",
                "UNKNOWN_FIELD",
            ),
        ),
        (
            r#"{"inner": {"age": 1, "age": 2}}"#,
            (
                "inner.age",
                "This field is given more than once.",
                "INVALID_VALUE",
            ),
        ),
        (
            r#""hunter2-SECRET""#,
            ("body", "Expected an object.", "INVALID_TYPE"),
        ),
    ] {
        assert_eq!(detail::<Outer>(json), owned(expected), "{json}");
    }
}

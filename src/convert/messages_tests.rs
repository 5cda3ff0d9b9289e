//! Every text shape `messages` reads, produced by the real serde_json and
//! serde_urlencoded where they can produce it.

use std::{collections::HashMap, num::NonZeroU32, path::PathBuf};

use serde::{de::DeserializeOwned, Deserialize};

use super::*;

/// serde_json's text of the error deserializing `json` into `T`, without its
/// position (as the conversions read it).
fn json_text<T: DeserializeOwned>(json: &str) -> String {
    let Err(err) = serde_json::from_str::<T>(json) else {
        panic!("{json} deserialized");
    };
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// serde_urlencoded's text of the error deserializing `form` into `T`.
fn form_text<T: DeserializeOwned>(form: &str) -> String {
    let Err(err) = serde_urlencoded::from_str::<T>(form) else {
        panic!("{form} deserialized");
    };
    err.to_string()
}

/// `raw` is read as a value refused with `message` and `code`, and the message
/// quotes nothing of the value nor a type name.
#[track_caller]
fn check(raw: &str, message: &str, code: &str) {
    assert_eq!(
        refusal(raw),
        Refusal::Invalid {
            message: message.to_owned().into(),
            code: match code {
                "INVALID_TYPE" => "INVALID_TYPE",
                "INVALID_LENGTH" => "INVALID_LENGTH",
                _ => "INVALID_VALUE",
            },
        },
        "{raw}"
    );
    for leak in [
        "hunter2", "SECRET", "u32", "u8", "i8", "struct", "Color", "Point",
    ] {
        assert!(!message.contains(leak), "{message}");
    }
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Age {
    age: u32,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Point(u8, u8);

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum Shape {
    Dot,
    Line(u8, u8),
    Box { side: u8 },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
}

#[derive(Debug, Deserialize)]
enum Only {
    One,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
enum Tagged {
    A,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    A,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Untagged {
    A(u8),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Strict {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

#[test]
fn wrong_types_name_what_was_expected() {
    let raw = json_text::<Age>(r#"{"age":"hunter2-SECRET"}"#);
    assert_eq!(
        raw,
        r#"invalid type: string "hunter2-SECRET", expected u32"#
    );
    check(&raw, "Expected a non-negative integer.", "INVALID_TYPE");
    for (raw, message) in [
        (json_text::<u8>("1.5"), "Expected a non-negative integer."),
        (
            json_text::<u64>("18446744073709551616"),
            "Expected a non-negative integer.",
        ),
        (json_text::<i64>(r#""SECRET""#), "Expected an integer."),
        (json_text::<f64>(r#""SECRET""#), "Expected a number."),
        (json_text::<String>("1"), "Expected a string."),
        (json_text::<PathBuf>("1"), "Expected a string."),
        (
            json_text::<bool>(r#""SECRET""#),
            "Expected `true` or `false`.",
        ),
        (json_text::<char>("1"), "Expected a single character."),
        (json_text::<Age>(r#""SECRET""#), "Expected an object."),
        (json_text::<HashMap<String, u8>>("1"), "Expected an object."),
        (json_text::<std::time::Duration>("1"), "Expected an object."),
        (
            json_text::<Shape>(r#"{"Box": "SECRET"}"#),
            "Expected an object.",
        ),
        (json_text::<Tagged>("1"), "Expected an object."),
        (json_text::<Adjacent>("1"), "Expected an object."),
        (json_text::<Vec<u8>>("{}"), "Expected an array."),
        (json_text::<(u8, u8)>(r#""SECRET""#), "Expected an array."),
        (json_text::<[u8; 3]>(r#""SECRET""#), "Expected an array."),
        (json_text::<[u8; 0]>("1"), "Expected an array."),
        (json_text::<Point>("1"), "Expected an array."),
        (
            json_text::<Shape>(r#"{"Line": "SECRET"}"#),
            "Expected an array.",
        ),
    ] {
        check(&raw, message, "INVALID_TYPE");
    }
    // Types whose form has no plain name: the generic sentence.
    check(&json_text::<()>("1"), INVALID, "INVALID_TYPE");
    check(
        &json_text::<Shape>(r#"{"Dot": 1}"#),
        INVALID,
        "INVALID_TYPE",
    );
    check(
        &form_text::<HashMap<String, Vec<u8>>>("a=1"),
        "Expected an array.",
        "INVALID_TYPE",
    );
}

#[test]
fn invalid_values_name_what_was_expected() {
    check(
        &json_text::<char>(r#""SECRET""#),
        "Expected a single character.",
        "INVALID_VALUE",
    );
    check(
        &json_text::<NonZeroU32>("0"),
        "Expected a positive integer.",
        "INVALID_VALUE",
    );
    check(
        &json_text::<std::num::NonZeroI8>("0"),
        "Expected a non-zero integer.",
        "INVALID_VALUE",
    );
    // An integer out of its type's range says the range.
    for (raw, message) in [
        (
            json_text::<u32>("-1"),
            "Expected an integer from 0 to 4294967295.",
        ),
        (json_text::<u8>("300"), "Expected an integer from 0 to 255."),
        (
            json_text::<i8>("-200"),
            "Expected an integer from -128 to 127.",
        ),
        (
            json_text::<u64>("-1"),
            "Expected an integer from 0 to 18446744073709551615.",
        ),
    ] {
        check(&raw, message, "INVALID_VALUE");
    }
    check(
        &form_text::<HashMap<String, char>>("a=SECRET"),
        "Expected a single character.",
        "INVALID_VALUE",
    );
}

#[test]
fn unknown_variants_list_the_allowed_ones_only() {
    let raw = json_text::<Color>(r#""hunter2-SECRET""#);
    assert_eq!(
        raw,
        "unknown variant `hunter2-SECRET`, expected `red` or `green`"
    );
    check(&raw, "Expected one of `red`, `green`.", "INVALID_VALUE");
    check(
        &json_text::<Shape>(r#""SECRET""#),
        "Expected one of `Dot`, `Line`, `Box`.",
        "INVALID_VALUE",
    );
    check(
        &json_text::<Only>(r#""SECRET""#),
        "Expected `One`.",
        "INVALID_VALUE",
    );
    check(
        &json_text::<Tagged>(r#"{"type": "SECRET"}"#),
        "Expected `A`.",
        "INVALID_VALUE",
    );
    check(
        &form_text::<HashMap<String, Color>>("a=SECRET"),
        "Expected one of `red`, `green`.",
        "INVALID_VALUE",
    );
    // A variant that mimics serde's words is still not repeated.
    check(
        &json_text::<Color>(r#""SECRET`, expected `hunter2""#),
        "Expected one of `red`, `green`.",
        "INVALID_VALUE",
    );
    // serde_urlencoded's refusal of a variant with data.
    check(
        &form_text::<HashMap<String, Shape>>("a=Line"),
        INVALID,
        "INVALID_VALUE",
    );
}

#[test]
fn lengths_say_the_expected_count_only() {
    for (raw, message) in [
        (
            json_text::<(u8, u8)>("[1]"),
            "Invalid length: expected 2 elements.",
        ),
        (
            json_text::<[u8; 3]>("[1]"),
            "Invalid length: expected 3 elements.",
        ),
        (
            json_text::<Point>("[1]"),
            "Invalid length: expected 2 elements.",
        ),
        (
            json_text::<Age>("[]"),
            "Invalid length: expected 1 element.",
        ),
    ] {
        check(&raw, message, "INVALID_LENGTH");
    }
    let value = serde_json::json!([1, 2]);
    let raw = serde_json::from_value::<(u8,)>(value)
        .unwrap_err()
        .to_string();
    assert_eq!(raw, "invalid length 2, expected fewer elements in array");
    check(
        &raw,
        "Invalid length: expected fewer elements.",
        "INVALID_LENGTH",
    );
}

#[test]
fn fields_missing_unknown_or_twice_are_named() {
    assert_eq!(refusal(&json_text::<Age>("{}")), Refusal::Missing("age"));
    assert_eq!(refusal(&form_text::<Age>("")), Refusal::Missing("age"));
    assert_eq!(
        refusal(&json_text::<Strict>(r#"{"name": "a", "admin": true}"#)),
        Refusal::Unknown("admin")
    );
    assert_eq!(
        refusal(&json_text::<NoFields>(r#"{"admin": true}"#)),
        Refusal::Unknown("admin")
    );
    // A key that mimics serde's words is named whole.
    assert_eq!(
        refusal(&json_text::<Strict>(r#"{"a`, expected `b": 1}"#)),
        Refusal::Unknown("a`, expected `b")
    );
    assert_eq!(
        refusal(&json_text::<Age>(r#"{"age": 1, "age": 2}"#)),
        Refusal::Duplicate("age")
    );
    assert_eq!(
        refusal(&form_text::<Age>("age=1&age=2")),
        Refusal::Duplicate("age")
    );
}

#[test]
fn the_standard_librarys_parse_errors_are_kept_or_named() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Query {
        n: Option<u32>,
        i: Option<i8>,
        f: Option<f64>,
        b: Option<bool>,
    }
    for (form, message) in [
        ("n=hunter2-SECRET", "Invalid digit found in string."),
        ("n=-1", "Invalid digit found in string."),
        ("n=", "Cannot parse integer from empty string."),
        ("n=99999999999", "Number too large to fit in target type."),
        ("i=-999", "Number too small to fit in target type."),
        ("f=SECRET", "Expected a number."),
        ("f=", "Expected a number."),
        ("b=SECRET", "Expected `true` or `false`."),
    ] {
        check(&form_text::<Query>(form), message, "INVALID_VALUE");
    }
}

#[test]
fn texts_of_other_shapes_are_never_sent() {
    check(
        &json_text::<Untagged>(r#""SECRET""#),
        INVALID,
        "INVALID_VALUE",
    );
    // A custom error, as `#[serde(try_from)]` or a hand-written `Deserialize` makes.
    check(
        "hunter2-SECRET is not a valid user id",
        INVALID,
        "INVALID_VALUE",
    );
    check("invalid type: string \"SECRET\"", INVALID, "INVALID_TYPE");
    check(
        "invalid type: string \"SECRET\", expected my_app::UserId",
        INVALID,
        "INVALID_TYPE",
    );
    check(
        "invalid value: integer `1`, expected something else",
        INVALID,
        "INVALID_VALUE",
    );
    check("invalid length 3", "Invalid length.", "INVALID_LENGTH");
    check(
        "invalid length 3, expected a nice list",
        "Invalid length.",
        "INVALID_LENGTH",
    );
    check(
        "unknown variant `SECRET`, there are no variants",
        INVALID,
        "INVALID_VALUE",
    );
    check("", INVALID, "INVALID_VALUE");
}

#[test]
fn primitive_type_names_are_described() {
    assert_eq!(primitive("u64"), Some("a non-negative integer"));
    assert_eq!(primitive("isize"), Some("an integer"));
    assert_eq!(primitive("f32"), Some("a number"));
    assert_eq!(primitive("bool"), Some("`true` or `false`"));
    assert_eq!(primitive("char"), Some("a single character"));
    assert_eq!(primitive("my_app::UserId"), None);
}

#[test]
fn json_syntax_errors_keep_serde_jsons_words_and_the_position() {
    let syntax = |json: &str| {
        let Err(err) = serde_json::from_str::<serde_json::Value>(json) else {
            panic!("{json} parsed");
        };
        assert!(err.is_syntax() || err.is_eof(), "{json}: {err}");
        json_syntax(
            &json_text::<serde_json::Value>(json),
            err.line(),
            err.column(),
        )
    };
    let deep = "[".repeat(200);
    for (json, what, at) in [
        ("[1", "EOF while parsing a list", "1, column 2"),
        (r#"{"a":1"#, "EOF while parsing an object", "1, column 6"),
        (r#""SECRET"#, "EOF while parsing a string", "1, column 7"),
        ("", "EOF while parsing a value", "1, column 0"),
        (r#"{"a" 1}"#, "expected `:`", "1, column 6"),
        ("[1 2]", "expected `,` or `]`", "1, column 4"),
        (r#"{"a":1 "b"}"#, "expected `,` or `}`", "1, column 8"),
        ("SECRET", "expected value", "1, column 1"),
        ("trSECRET", "expected ident", "1, column 3"),
        ("{1:2}", "key must be a string", "1, column 2"),
        ("[1,]", "trailing comma", "1, column 4"),
        ("1 SECRET", "trailing characters", "1, column 3"),
        (r#""\SECRET""#, "invalid escape", "1, column 3"),
        ("-SECRET", "invalid number", "1, column 2"),
        ("1e999", "number out of range", "1, column 5"),
        (
            r#""\uDC00""#,
            "lone leading surrogate in hex escape",
            "1, column 7",
        ),
        (
            r#""\uD800x""#,
            "unexpected end of hex escape",
            "1, column 8",
        ),
        (
            "\"SECRET\u{1}\"",
            "control character (\\u0000-\\u001F) found while parsing a string",
            "1, column 8",
        ),
        (&deep, "recursion limit exceeded", "1, column 128"),
    ] {
        assert_eq!(
            syntax(json),
            format!("The request body is not valid JSON: {what} at line {at}."),
            "{json}"
        );
    }
    // serde_json's refusal of a map key for an integer.
    let Err(err) = serde_json::from_str::<HashMap<u32, u8>>(r#"{"1x": 1}"#) else {
        panic!("parsed");
    };
    let raw = json_text::<HashMap<u32, u8>>(r#"{"1x": 1}"#);
    assert_eq!(
        json_syntax(&raw, err.line(), err.column()),
        "The request body is not valid JSON: expected `\"` at line 1, column 4."
    );
    // Words serde_json does not write: the position alone.
    assert_eq!(
        json_syntax("SECRET", 2, 7),
        "The request body is not valid JSON at line 2, column 7."
    );
}

//! What the client reads when a value it sent does not deserialize.
//!
//! serde's errors are text by the time they reach the conversions (`invalid type:
//! string "hunter2", expected u32`), and the text quotes the value the client sent
//! and names Rust types. These functions read the shapes of that text that serde
//! 1.0, serde_json 1.0, serde_urlencoded 0.7 and the standard library's `FromStr`
//! errors write (as the versions in `Cargo.lock` word them), drop the value, and say
//! what was expected in plain words: `Expected a non-negative integer.` A text of any
//! other shape gets [`INVALID`], never itself: the client is never sent a byte of
//! what it sent, nor a type name. serde's full text stays the error's source and is
//! logged at `debug`.

use std::borrow::Cow;

/// A missing field.
pub(super) const REQUIRED: &str = "This field is required.";
/// A field the type denies.
pub(super) const NOT_ALLOWED: &str = "This field is not allowed.";
/// A field given twice.
pub(super) const DUPLICATE: &str = "This field is given more than once.";
/// A value refused for a reason of a shape not known here.
pub(super) const INVALID: &str = "Invalid value.";

// The top-level message of each refusal of a request, the same from the
// conversions and from the layer.
pub(super) const JSON_SYNTAX: &str = "The request body is not valid JSON.";
pub(super) const JSON_FIELDS: &str = "The request body has invalid fields.";
pub(super) const FORM_FIELDS: &str = "The form has invalid fields.";
pub(super) const QUERY: &str = "The query string is invalid.";
pub(super) const PATH: &str = "The path is invalid.";
pub(super) const UNREADABLE_BODY: &str = "The request body could not be read.";
pub(super) const JSON_MEDIA_TYPE: &str =
    "The request body must be JSON, sent with `Content-Type: application/json`.";
pub(super) const FORM_MEDIA_TYPE: &str =
    "The request body must be a form, sent with `Content-Type: application/x-www-form-urlencoded`.";

/// One serde error, read from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal<'a> {
    /// `missing field `name``: reported on the parent, naming the field.
    Missing(&'a str),
    /// `unknown field `name`, expected ...`: reported on the parent, naming the
    /// client's key.
    Unknown(&'a str),
    /// `duplicate field `name``: reported on the parent, naming the field.
    Duplicate(&'a str),
    /// Any other: the message the client reads, and its code.
    Invalid {
        message: Cow<'static, str>,
        code: &'static str,
    },
}

/// Reads serde's text of a data error (without serde_json's position).
pub(super) fn refusal(raw: &str) -> Refusal<'_> {
    let raw = raw.trim();
    if let Some(name) = raw
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return Refusal::Missing(name);
    }
    if let Some(name) = raw
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return Refusal::Duplicate(name);
    }
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        // The key is the client's and may hold "`, expected " itself: serde's own
        // words come last.
        let name = rest
            .strip_suffix("`, there are no fields")
            .or_else(|| rest.rsplit_once("`, expected ").map(|(name, _)| name));
        if let Some(name) = name {
            return Refusal::Unknown(name);
        }
    }
    let (message, code) = invalid(raw);
    Refusal::Invalid { message, code }
}

/// The message and code of a value refused, from serde's text.
fn invalid(raw: &str) -> (Cow<'static, str>, &'static str) {
    if let Some(rest) = raw.strip_prefix("invalid type: ") {
        return (expected_sentence(expected(rest)), "INVALID_TYPE");
    }
    if let Some(rest) = raw.strip_prefix("invalid value: ") {
        let exp = expected(rest);
        // An integer of the right type, out of its range.
        if rest.starts_with("integer `") {
            if let Some((min, max)) = exp.and_then(integer_range) {
                return (
                    Cow::Owned(format!("Expected an integer from {min} to {max}.")),
                    "INVALID_VALUE",
                );
            }
        }
        return (expected_sentence(exp), "INVALID_VALUE");
    }
    if let Some(rest) = raw.strip_prefix("invalid length ") {
        return (length_sentence(expected(rest)), "INVALID_LENGTH");
    }
    if let Some(rest) = raw.strip_prefix("unknown variant `") {
        let message = expected(rest)
            .and_then(variants_sentence)
            .map_or(Cow::Borrowed(INVALID), Cow::Owned);
        return (message, "INVALID_VALUE");
    }
    (
        Cow::Borrowed(parse_error(raw).unwrap_or(INVALID)),
        "INVALID_VALUE",
    )
}

/// The server's half of `..., expected {what}`: the client's value, first, may
/// hold ", expected " too, but serde writes what it expected last.
fn expected(rest: &str) -> Option<&str> {
    rest.rsplit_once(", expected ").map(|(_, what)| what)
}

/// `Expected {what}.` in plain words, or [`INVALID`].
fn expected_sentence(exp: Option<&str>) -> Cow<'static, str> {
    match exp.and_then(plain_expected) {
        Some(what) => Cow::Owned(format!("Expected {what}.")),
        None => Cow::Borrowed(INVALID),
    }
}

/// What a serde `Visitor` expects (its `expecting` text), in plain words.
fn plain_expected(exp: &str) -> Option<&'static str> {
    if let Some(what) = primitive(exp) {
        return Some(what);
    }
    let what = match exp {
        "a boolean" => "`true` or `false`",
        "a character" => "a single character",
        "a string" | "a borrowed string" | "path string" | "a borrowed path" => "a string",
        "a sequence" | "an empty array" => "an array",
        "a map" => "an object",
        _ if exp.starts_with("an array of length ")
            || exp.starts_with("a tuple of size ")
            || exp.starts_with("tuple struct ")
            || exp.starts_with("tuple variant ") =>
        {
            "an array"
        }
        // `struct X`, `struct variant X::Y`, and the tagged enums, whose form is an
        // object.
        _ if exp.starts_with("struct ")
            || exp.starts_with("internally tagged enum ")
            || exp.starts_with("adjacently tagged enum ") =>
        {
            "an object"
        }
        _ if exp.starts_with("a nonzero u") => "a positive integer",
        _ if exp.starts_with("a nonzero i") => "a non-zero integer",
        _ => return None,
    };
    Some(what)
}

/// A primitive type named as Rust names it (`u32`), in plain words.
pub(super) fn primitive(type_name: &str) -> Option<&'static str> {
    Some(match type_name {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "bool" => "`true` or `false`",
        "char" => "a single character",
        _ => return None,
    })
}

/// The range of an integer type named as Rust names it.
fn integer_range(type_name: &str) -> Option<(i128, u128)> {
    // `as` widens losslessly here: every bound fits an i128 or a u128.
    Some(match type_name {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "u128" => (0, u128::MAX),
        "usize" => (0, usize::MAX as u128),
        "i8" => (i8::MIN.into(), i8::MAX as u128),
        "i16" => (i16::MIN.into(), i16::MAX as u128),
        "i32" => (i32::MIN.into(), i32::MAX as u128),
        "i64" => (i64::MIN.into(), i64::MAX as u128),
        "i128" => (i128::MIN, i128::MAX as u128),
        "isize" => (isize::MIN as i128, isize::MAX as u128),
        _ => return None,
    })
}

/// `Invalid length: expected 2 elements.`, without the length the client sent.
fn length_sentence(exp: Option<&str>) -> Cow<'static, str> {
    let Some(exp) = exp else {
        return Cow::Borrowed("Invalid length.");
    };
    if let Some(n) = expected_count(exp) {
        let s = if n == 1 { "" } else { "s" };
        return Cow::Owned(format!("Invalid length: expected {n} element{s}."));
    }
    Cow::Borrowed(match exp {
        "fewer elements in array" | "fewer elements in map" => {
            "Invalid length: expected fewer elements."
        }
        "an empty array" => "Invalid length: expected an empty array.",
        _ => "Invalid length.",
    })
}

/// The count in `a tuple of size 2`, `an array of length 3`, `struct X with 2
/// elements`, `2 elements in sequence`.
fn expected_count(exp: &str) -> Option<usize> {
    if let Some(n) = exp
        .strip_prefix("a tuple of size ")
        .or_else(|| exp.strip_prefix("an array of length "))
    {
        return n.parse().ok();
    }
    for suffix in [
        " elements",
        " element",
        " elements in sequence",
        " element in sequence",
    ] {
        if let Some(head) = exp.strip_suffix(suffix) {
            return head.rsplit(' ').next()?.parse().ok();
        }
    }
    None
}

/// `Expected one of `a`, `b`.` from serde's list of the server's variant names
/// (`` `a` ``, `` `a` or `b` ``, `` one of `a`, `b`, `c` ``).
fn variants_sentence(list: &str) -> Option<String> {
    let (inner, separator) = match list.strip_prefix("one of ") {
        Some(rest) => (rest, "`, `"),
        None => (list, "` or `"),
    };
    let inner = inner.strip_prefix('`')?.strip_suffix('`')?;
    let names: Vec<&str> = inner.split(separator).collect();
    match names.as_slice() {
        [one] => Some(format!("Expected `{one}`.")),
        names => Some(format!("Expected one of `{}`.", names.join("`, `"))),
    }
}

/// The standard library's `FromStr` errors of the numbers and `bool`, which
/// serde_urlencoded sends as they are: fixed texts, none quoting the value.
fn parse_error(raw: &str) -> Option<&'static str> {
    Some(match raw {
        "invalid digit found in string" => "Invalid digit found in string.",
        "cannot parse integer from empty string" => "Cannot parse integer from empty string.",
        "number too large to fit in target type" => "Number too large to fit in target type.",
        "number too small to fit in target type" => "Number too small to fit in target type.",
        "invalid float literal" | "cannot parse float from empty string" => "Expected a number.",
        "provided string was not `true` or `false`" => "Expected `true` or `false`.",
        _ => return None,
    })
}

/// The message of a JSON syntax error: serde_json's words (none quotes the body)
/// and the position.
pub(super) fn json_syntax(what: &str, line: usize, column: usize) -> String {
    match json_syntax_text(what) {
        Some(what) => {
            format!("The request body is not valid JSON: {what} at line {line}, column {column}.")
        }
        None => format!("The request body is not valid JSON at line {line}, column {column}."),
    }
}

/// serde_json's syntax and end-of-input errors, as it words them.
fn json_syntax_text(what: &str) -> Option<&'static str> {
    const TEXTS: [&str; 21] = [
        "EOF while parsing a list",
        "EOF while parsing an object",
        "EOF while parsing a string",
        "EOF while parsing a value",
        "expected `:`",
        "expected `,` or `]`",
        "expected `,` or `}`",
        "expected ident",
        "expected value",
        "expected `\"`",
        "invalid escape",
        "invalid number",
        "number out of range",
        "invalid unicode code point",
        "control character (\\u0000-\\u001F) found while parsing a string",
        "key must be a string",
        "lone leading surrogate in hex escape",
        "trailing comma",
        "trailing characters",
        "unexpected end of hex escape",
        "recursion limit exceeded",
    ];
    TEXTS.into_iter().find(|text| *text == what)
}

#[cfg(test)]
#[path = "messages_tests.rs"]
mod tests;

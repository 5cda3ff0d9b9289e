//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3).

use std::{borrow::Cow, fmt};

use http::HeaderValue;

use super::{ascii_header, is_tchar, is_token, sanitise, write_quoted};

/// The `error` code of an RFC 6750 Bearer challenge (§3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BearerError {
    /// The request is missing a parameter or is otherwise malformed: goes with a 400.
    InvalidRequest,
    /// The token is expired, revoked, malformed or invalid: goes with a 401.
    InvalidToken,
    /// The token lacks the scope the resource needs: goes with a 403.
    InsufficientScope,
}

impl BearerError {
    /// The code as RFC 6750 spells it (`"invalid_token"`).
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authentication challenge for `WWW-Authenticate` (RFC 9110 §11.6.1).
///
/// Built for RFC 6750 Bearer tokens with [`Challenge::bearer`], for any other scheme
/// with [`Challenge::new`]. Parameter values are sanitised as they are set: control
/// characters and non-ASCII text are dropped, and in the Bearer parameters that
/// RFC 6750 restricts (`error`, `error_description`, `scope`) so are `"` and `\`.
/// Everything else is escaped inside its quoted string.
///
/// Per RFC 6750 §3.1, send no `error` when the request carried no credentials at all.
///
/// ```
/// use axum_api_error::headers::{BearerError, Challenge};
///
/// // A request without a token:
/// assert_eq!(Challenge::bearer().with_realm("api").to_string(), r#"Bearer realm="api""#);
///
/// // A token without the needed scope (goes with a 403):
/// let c = Challenge::bearer()
///     .with_realm("api")
///     .with_error(BearerError::InsufficientScope)
///     .with_scope(["users:write", "users:read"]);
/// assert_eq!(
///     c.to_string(),
///     r#"Bearer realm="api", error="insufficient_scope", scope="users:write users:read""#,
/// );
///
/// // Hostile input cannot break the header:
/// let c = Challenge::bearer().with_error_description("bad\r\nSet-Cookie: x=\"1\"");
/// assert_eq!(c.to_string(), r#"Bearer error_description="badSet-Cookie: x=1""#);
///
/// // Another scheme:
/// let c = Challenge::new("Basic").unwrap().with_realm("staff \"only\"");
/// assert_eq!(c.to_string(), r#"Basic realm="staff \"only\"""#);
/// assert!(Challenge::new("Not a token").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    scheme: Cow<'static, str>,
    params: Vec<(Cow<'static, str>, String)>,
}

/// The error returned by [`Challenge::new`] for a scheme that is not an RFC 9110 token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid authentication scheme: not an RFC 9110 token")]
pub struct InvalidScheme(());

impl Challenge {
    /// An RFC 6750 `Bearer` challenge with no parameters.
    #[must_use]
    pub const fn bearer() -> Self {
        Self {
            scheme: Cow::Borrowed("Bearer"),
            params: Vec::new(),
        }
    }

    /// A challenge for another scheme (`Basic`, `DPoP`, ...).
    ///
    /// # Errors
    ///
    /// When `scheme` is empty or not an RFC 9110 token.
    pub fn new(scheme: impl Into<Cow<'static, str>>) -> Result<Self, InvalidScheme> {
        let scheme = scheme.into();
        if is_token(&scheme) {
            Ok(Self {
                scheme,
                params: Vec::new(),
            })
        } else {
            Err(InvalidScheme(()))
        }
    }

    /// The scheme (`"Bearer"`).
    #[must_use]
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The value of a parameter, as it will be sent (after sanitising).
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `realm`, as it will be sent.
    #[must_use]
    pub fn realm(&self) -> Option<&str> {
        self.param("realm")
    }

    /// The RFC 6750 `error` code, as it will be sent.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }

    /// The RFC 6750 `error_description`, as it will be sent.
    #[must_use]
    pub fn error_description(&self) -> Option<&str> {
        self.param("error_description")
    }

    /// The RFC 6750 `scope`, as it will be sent (space-separated tokens).
    #[must_use]
    pub fn scope(&self) -> Option<&str> {
        self.param("scope")
    }

    /// Sets `realm` (RFC 9110 §11.5).
    #[must_use]
    pub fn with_realm(self, realm: impl AsRef<str>) -> Self {
        self.with_param("realm", realm)
    }

    /// Sets the RFC 6750 `error` code.
    #[must_use]
    pub fn with_error(self, error: BearerError) -> Self {
        self.with_param("error", error.as_str())
    }

    /// Sets the RFC 6750 `error_description`, a sentence for the developer.
    #[must_use]
    pub fn with_error_description(self, description: impl AsRef<str>) -> Self {
        self.with_param("error_description", description)
    }

    /// Sets the RFC 6750 `scope`: the scope tokens the resource needs.
    #[must_use]
    pub fn with_scope<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined = scopes
            .into_iter()
            .map(|s| s.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        self.with_param("scope", joined)
    }

    /// Sets any parameter. A name that is not an RFC 9110 token has its other
    /// characters removed, and is ignored when nothing is left; setting a name twice
    /// keeps the last value.
    #[must_use]
    pub fn with_param(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl AsRef<str>,
    ) -> Self {
        let mut name = name.into();
        if !is_token(&name) {
            name = Cow::Owned(name.chars().filter(|&c| is_tchar(c)).collect());
            if name.is_empty() {
                return self;
            }
        }
        let value = self.sanitise_value(&name, value.as_ref());
        if let Some(slot) = self
            .params
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            slot.1 = value;
        } else {
            self.params.push((name, value));
        }
        self
    }

    /// The header value.
    #[must_use]
    pub fn to_header_value(&self) -> HeaderValue {
        ascii_header(&self.to_string())
    }

    fn sanitise_value(&self, name: &str, value: &str) -> String {
        let restricted = self.scheme.eq_ignore_ascii_case("bearer")
            && ["error", "error_description", "scope"]
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name));
        // RFC 6750 §3: these values exclude `"` and `\`.
        let value = sanitise(value, if restricted { &['"', '\\'] } else { &[] });
        if name.eq_ignore_ascii_case("scope") && restricted {
            // scope = scope-token *( SP scope-token ): no empty tokens.
            value
                .split(' ')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            value
        }
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (i, (name, value)) in self.params.iter().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            write!(f, "{name}=")?;
            write_quoted(f, value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_drops_control_characters_and_escapes_quotes() {
        let c = Challenge::new("Custom")
            .unwrap()
            .with_param("realm", "a\"b\\c\u{0}\r\n\tdé")
            .with_param("bad name\r\n", "v");
        assert_eq!(c.to_string(), r#"Custom realm="a\"b\\cd", badname="v""#);
        assert_eq!(c.param("BADNAME"), Some("v"));
        assert!(Challenge::new("").is_err());
        assert!(Challenge::new("Bearer\r\nX: y").is_err());
        assert_eq!(
            Challenge::bearer().with_param("\r\n", "x").to_string(),
            "Bearer"
        );
    }

    #[test]
    fn bearer_scope_is_space_separated_tokens() {
        let c = Challenge::bearer().with_scope(["a b", "", "c\"d"]);
        assert_eq!(c.to_string(), r#"Bearer scope="a b cd""#);
    }

    #[test]
    fn setting_a_param_twice_keeps_the_last() {
        let c = Challenge::bearer().with_realm("a").with_realm("b");
        assert_eq!(c.to_string(), r#"Bearer realm="b""#);
    }
}

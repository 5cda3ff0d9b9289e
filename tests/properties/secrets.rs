//! Property 3: a 5xx never sends a secret.

use super::*;

/// Every secret starts with this, and nothing else the client sees does.
pub(crate) const SECRET_MARK: &str = "PROPSECRET";

/// Type names that must not reach the client either.
pub(crate) const SECRET_TYPES: &[&str] = &[
    "LeakyDebugError",
    "SecretChainLink",
    "WithSource",
    "properties::",
];

/// Silences the panics this file causes on purpose (their message holds
/// `SECRET_MARK`); every other panic is reported as usual.
pub(crate) fn quiet_secret_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            if !text.contains(SECRET_MARK) {
                default(info);
            }
        }));
    });
}

/// An error whose `Display` and `Debug` both print its secret.
pub(crate) struct LeakyDebugError {
    pub(crate) secret: String,
}

impl fmt::Debug for LeakyDebugError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LeakyDebugError {{ secret: {:?} }}", self.secret)
    }
}

impl fmt::Display for LeakyDebugError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection failed, password={}", self.secret)
    }
}

impl StdError for LeakyDebugError {}

/// A link of a source chain, each with its own secret.
#[derive(Debug, thiserror::Error)]
#[error("link failed: {secret}")]
pub(crate) struct SecretChainLink {
    pub(crate) secret: String,
    #[source]
    pub(crate) next: Option<Box<Self>>,
}

pub(crate) fn chain(secrets: &[String]) -> Option<Box<SecretChainLink>> {
    let (first, rest) = secrets.split_first()?;
    Some(Box::new(SecretChainLink {
        secret: first.clone(),
        next: chain(rest),
    }))
}

/// Where the secret goes.
#[derive(Debug, Clone)]
pub(crate) enum SecretSpec {
    /// `ApiError::internal(secret)`.
    InternalStr(String),
    /// `ApiError::internal(io::Error::other(secret))`.
    InternalIo(String),
    /// `ApiError::internal(LeakyDebugError)`.
    InternalLeaky(String),
    /// `.with_source(..)` a chain of `SecretChainLink`s, ending in a `LeakyDebugError`
    /// or not, on any 5xx.
    Source {
        ctor: Ctor,
        secrets: Vec<String>,
        leaky_tail: bool,
    },
}

impl SecretSpec {
    pub(crate) fn build(&self, setters: &[Setter]) -> ApiError {
        let err = match self {
            Self::InternalStr(s) => ApiError::internal(s.clone()),
            Self::InternalIo(s) => ApiError::internal(std::io::Error::other(s.clone())),
            Self::InternalLeaky(s) => ApiError::internal(LeakyDebugError { secret: s.clone() }),
            Self::Source { ctor, .. } => ErrorSpec {
                ctor: ctor.clone(),
                setters: Vec::new(),
            }
            .build(),
        };
        let err = apply_setters(err, setters);
        match self {
            Self::Source {
                secrets,
                leaky_tail,
                ..
            } => {
                let (last, links) = secrets.split_last().expect("at least one secret");
                if *leaky_tail {
                    let leaky = LeakyDebugError {
                        secret: last.clone(),
                    };
                    match chain(links) {
                        // A chain whose last link's source is the leaky error: wrap
                        // it in an io::Error to link it.
                        Some(head) => {
                            err.with_source(std::io::Error::other(WithSource { head, tail: leaky }))
                        }
                        None => err.with_source(leaky),
                    }
                } else {
                    err.with_source(*chain(secrets).expect("at least one secret"))
                }
            }
            _ => err,
        }
    }
}

/// A chain head with a leaky error as its source.
#[derive(Debug)]
pub(crate) struct WithSource {
    pub(crate) head: Box<SecretChainLink>,
    pub(crate) tail: LeakyDebugError,
}

impl fmt::Display for WithSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.head)
    }
}

impl StdError for WithSource {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.tail)
    }
}

/// A secret: the mark, a unique number, and hostile text.
pub(crate) fn secret() -> impl Strategy<Value = String> {
    (any::<u64>(), arb_string()).prop_map(|(n, tail)| format!("{SECRET_MARK}{n:016x}{tail}"))
}

pub(crate) fn server_error_ctor() -> impl Strategy<Value = Ctor> {
    prop_oneof![
        arb_string().prop_map(Ctor::Internal),
        Just(Ctor::NotImplemented),
        Just(Ctor::BadGateway),
        Just(Ctor::ServiceUnavailable),
        Just(Ctor::GatewayTimeout),
        (500u16..=599).prop_map(Ctor::FromStatus),
        prop_oneof![100u16..400, 600u16..=999].prop_map(Ctor::FromStatus),
    ]
}

pub(crate) fn secret_spec() -> impl Strategy<Value = SecretSpec> {
    prop_oneof![
        secret().prop_map(SecretSpec::InternalStr),
        secret().prop_map(SecretSpec::InternalIo),
        secret().prop_map(SecretSpec::InternalLeaky),
        (
            server_error_ctor(),
            prop::collection::vec(secret(), 1..4),
            any::<bool>()
        )
            .prop_map(|(ctor, secrets, leaky_tail)| SecretSpec::Source {
                ctor,
                secrets,
                leaky_tail
            }),
    ]
}

/// Setters that carry no secret (and keep the source: no `with_source`).
pub(crate) fn harmless_setters() -> impl Strategy<Value = Vec<Setter>> {
    prop::collection::vec(
        setter().prop_filter("keeps the secret source", |s| {
            !matches!(s, Setter::Source(_))
        }),
        0..4,
    )
}

/// Neither the body nor a header holds a secret or a secret type's name.
pub(crate) fn check_no_secret(headers: &HeaderMap, body: &[u8]) -> Result<(), TestCaseError> {
    let body = String::from_utf8_lossy(body);
    prop_assert!(!body.contains(SECRET_MARK), "a secret in the body: {body}");
    for name in SECRET_TYPES {
        prop_assert!(!body.contains(name), "a type name in the body: {body}");
    }
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        prop_assert!(!value.contains(SECRET_MARK), "a secret in {name}: {value}");
        for ty in SECRET_TYPES {
            prop_assert!(!value.contains(ty), "a type name in {name}: {value}");
        }
    }
    Ok(())
}

/// The secret is really in the error's source chain or `Debug`, so that its absence
/// from the response means something.
pub(crate) fn check_secret_is_held(err: &ApiError) -> Result<(), TestCaseError> {
    let mut chain = String::new();
    let mut next = StdError::source(err);
    while let Some(e) = next {
        chain.push_str(&format!("{e} / {e:?} / "));
        next = e.source();
    }
    prop_assert!(chain.contains(SECRET_MARK), "no secret in the source chain");
    Ok(())
}

/// How the secret reaches the layer.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// The handler returns the error.
    Error(SecretSpec, Vec<Setter>),
    /// The handler's future panics with the secret.
    PanicInFuture(String),
    /// The service panics in `call` (wrapped directly, no `Router`).
    PanicInCall(String),
    /// The handler returns a 5xx `text/plain` body holding the secret.
    Text(u16, String),
}

pub(crate) fn failure() -> impl Strategy<Value = Failure> {
    prop_oneof![
        3 => (secret_spec(), harmless_setters()).prop_map(|(s, set)| Failure::Error(s, set)),
        1 => secret().prop_map(Failure::PanicInFuture),
        1 => secret().prop_map(Failure::PanicInCall),
        1 => (500u16..=599, secret()).prop_map(|(c, s)| Failure::Text(c, s)),
    ]
}

pub(crate) async fn send_failure(
    failure: &Failure,
    layer: &LayerSpec,
    req: Request<Body>,
) -> Response {
    match failure.clone() {
        Failure::Error(spec, setters) => {
            let router = Router::new().route(
                "/e",
                any_method(move || {
                    let err = spec.build(&setters);
                    async move { err }
                }),
            );
            layer.send(router, req).await
        }
        Failure::PanicInFuture(secret) => {
            let router = Router::new().route(
                "/e",
                any_method(move || {
                    let secret = secret.clone();
                    async move {
                        if !secret.is_empty() {
                            std::panic::panic_any(secret);
                        }
                        StatusCode::OK
                    }
                }),
            );
            layer.send(router, req).await
        }
        Failure::PanicInCall(secret) => {
            let service = tower::service_fn(move |_req: Request<Body>| {
                if !secret.is_empty() {
                    panic!("{secret}");
                }
                std::future::ready(Ok::<_, std::convert::Infallible>(Response::new(
                    Body::empty(),
                )))
            });
            match layer.build().layer(service).oneshot(req).await {
                Ok(res) => res,
                Err(never) => match never {},
            }
        }
        Failure::Text(code, secret) => {
            let router = Router::new().route(
                "/e",
                any_method(move || {
                    let secret = secret.clone();
                    async move { (StatusCode::from_u16(code).expect("5xx"), secret) }
                }),
            );
            layer.send(router, req).await
        }
    }
}

proptest! {
    #![proptest_config(cheap())]

    /// Property 3, without the layer: both formats of every 5xx with a secret source.
    #[test]
    fn server_error_bodies_hold_no_secret(spec in secret_spec(), setters in harmless_setters()) {
        let err = spec.build(&setters);
        prop_assert!(err.status().is_server_error());
        check_secret_is_held(&err)?;
        let problem = err.to_bytes(ErrorFormat::Problem, Some("req-1"));
        let json = err.to_bytes(ErrorFormat::Json, None);
        check_no_secret(&HeaderMap::new(), &problem)?;
        check_no_secret(&HeaderMap::new(), &json)?;
        let (status, headers, bytes) = block_on(read_body(err.into_response()));
        prop_assert!(status.is_server_error());
        check_no_secret(&headers, &bytes)?;
        round_trip::<ErrorBody<'static>>(&bytes)?;
    }
}

proptest! {
    #![proptest_config(layered())]

    /// Property 3, through the layer: errors, panics and replaced 5xx texts.
    #[test]
    fn layer_sends_no_secret(
        failure in failure(),
        layer in layer_spec(),
        method in methods_for_layer(),
        id in request_id(),
        accept in accept(),
    ) {
        quiet_secret_panics();
        if let Failure::Error(spec, setters) = &failure {
            check_secret_is_held(&spec.build(setters))?;
        }
        let (req, id, _) = request(method, id.as_deref(), accept.as_deref());
        let (status, headers, bytes) = block_on(async {
            read_body(send_failure(&failure, &layer, req).await).await
        });
        prop_assert!(status.is_server_error(), "status {}", status);
        if matches!(failure, Failure::PanicInFuture(_) | Failure::PanicInCall(_)) {
            prop_assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        }
        if let Failure::Text(code, _) = failure {
            prop_assert_eq!(status.as_u16(), code);
        }
        check_no_secret(&headers, &bytes)?;
        check_header_values(&headers, &["x-request-id", "content-length"])?;
        let sent_id = check_request_id(&headers, id.as_ref())?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| TestCaseError::fail(format!("not JSON ({e})")))?;
        prop_assert_eq!(value["requestId"].as_str(), Some(sent_id.as_str()));
        match header(&headers, "content-type") {
            Some("application/json") => { round_trip::<ErrorBody<'static>>(&bytes)?; }
            Some("application/problem+json") => { round_trip::<ProblemDetails<'static>>(&bytes)?; }
            other => prop_assert!(false, "content-type {:?}", other),
        }
    }
}

//! OpenAPI documents from the types that render and parse the bodies (feature
//! `utoipa`, for utoipa 6).
//!
//! - [`ErrorBody`], [`ProblemDetails`] and [`FieldError`] implement
//!   [`ToSchema`]: their schemas say which members are always sent and which only
//!   sometimes, as `ApiErrorLayer` sends them;
//! - [`ApiErrorDocs`] adds to a whole document, in one call, the error responses of
//!   every operation: each with both media types (`application/json`,
//!   `application/problem+json`) and the headers its status carries.
//!
//! ```
//! use api_error_wire::openapi::ApiErrorDocs;
//! use utoipa::openapi::{path::{HttpMethod, OperationBuilder, PathItem}, OpenApi, PathsBuilder, Response};
//!
//! let get_user = OperationBuilder::new().response("200", Response::new("The user")).build();
//! let mut api = OpenApi::new(
//!     utoipa::openapi::Info::new("users", "1.0.0"),
//!     PathsBuilder::new().path("/users/{id}", PathItem::new(HttpMethod::Get, get_user)),
//! );
//! ApiErrorDocs::new().apply(&mut api);
//!
//! let doc = serde_json::to_value(&api).unwrap();
//! let responses = &doc["paths"]["/users/{id}"]["get"]["responses"];
//! assert_eq!(responses["404"]["$ref"], "#/components/responses/NotFound");
//! assert_eq!(responses["200"]["headers"]["X-Request-Id"]["$ref"], "#/components/headers/X-Request-Id");
//! let not_found = &doc["components"]["responses"]["NotFound"];
//! assert_eq!(not_found["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/ProblemDetails");
//! ```
//!
//! # What is added, and where from
//!
//! | responses | on |
//! |---|---|
//! | `400`, `404`, `500` ([`ApiErrorDocs::with_common`]) | every operation |
//! | `401`, `403` | an operation with a `security` requirement, its own or the document's |
//! | `413` | an operation with a `requestBody` |
//! | `415`, `422` | an operation whose `requestBody` is JSON or a form |
//! | any other 4xx or 5xx | an operation that names the status with no content: `(status = 409, description = "The email is taken")` in `#[utoipa::path(responses(...))]` |
//!
//! A response the operation declares with content of its own is left as it is. Every
//! response an operation describes itself, 2xx included, gets the `X-Request-Id`
//! header, which the layer sets on all of them; a reference to a response component
//! of the app's is left to the app.
//!
//! Headers: on every error `Cache-Control: no-store` and a `Vary` that names
//! `Accept`; by status, `WWW-Authenticate` (required on `401`; on `400` and `403`
//! when the error carries a challenge), `Allow` (required on `405`), `Retry-After`
//! (required on `429` and `503`, sometimes on `413`), `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining`, `X-RateLimit-Reset`, `RateLimit` and `RateLimit-Policy`
//! (on `429`, when the error carries a window), `Accept` and `Accept-Post` (on `415`).
//!
//! # With utoipa-axum
//!
//! `#[openapi(modifiers(...))]` runs when `ApiDoc::openapi()` is called, before an
//! `OpenApiRouter` adds its routes, so it would see no operation. Apply the docs to
//! the finished document instead, after `split_for_parts`:
//!
//! ```
//! use api_error_wire::openapi::ApiErrorDocs;
//! use utoipa::OpenApi;
//! use utoipa_axum::{router::OpenApiRouter, routes};
//!
//! #[derive(OpenApi)]
//! #[openapi(info(title = "users", version = "1.0.0"))]
//! struct ApiDoc;
//!
//! /// Reads a user.
//! #[utoipa::path(
//!     get,
//!     path = "/users/{id}",
//!     params(("id" = u64, Path)),
//!     responses(
//!         (status = 200, description = "The user"),
//!         // Declared with no body: `apply` fills in the error body and headers.
//!         (status = 410, description = "The user was deleted."),
//!     ),
//! )]
//! async fn get_user() -> &'static str {
//!     "Ada"
//! }
//!
//! let (router, mut api): (axum::Router, _) = OpenApiRouter::with_openapi(ApiDoc::openapi())
//!     .routes(routes!(get_user))
//!     .split_for_parts();
//! ApiErrorDocs::new().apply(&mut api);
//!
//! let doc = serde_json::to_value(&api).unwrap();
//! let responses = &doc["paths"]["/users/{id}"]["get"]["responses"];
//! assert_eq!(responses["410"]["$ref"], "#/components/responses/Gone");
//! assert_eq!(responses["410"]["description"], "The user was deleted.");
//! assert_eq!(responses["400"]["$ref"], "#/components/responses/BadRequest");
//! # let _ = router;
//! ```
//!
//! [`ApiErrorDocs`] is also a [`Modify`], for a document whose paths are all listed
//! in `#[openapi(paths(...))]`; `new` is `const`, so that the attribute, which takes
//! a path, can name it:
//!
//! ```
//! # use api_error_wire::openapi::ApiErrorDocs;
//! # use utoipa::OpenApi;
//! # #[utoipa::path(get, path = "/health", responses((status = 200, description = "Up")))]
//! # async fn health() {}
//! const API_ERRORS: ApiErrorDocs = ApiErrorDocs::new();
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(health), modifiers(&API_ERRORS))]
//! struct ApiDoc;
//!
//! let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
//! assert_eq!(doc["paths"]["/health"]["get"]["responses"]["500"]["$ref"], "#/components/responses/InternalServerError");
//! ```

use std::{
    borrow::Cow,
    collections::{BTreeMap, BTreeSet},
};

use http::StatusCode;
use utoipa::{
    openapi::{
        extensions::Extensions,
        header::{Header, HeaderBuilder},
        path::Operation,
        request_body::RequestBody,
        schema::{
            AdditionalProperties, AllOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaFormat,
            Type,
        },
        security::SecurityRequirement,
        Components, Content, OpenApi, Ref, RefOr, Response,
    },
    Modify, PartialSchema, ToSchema,
};

use crate::{reason_phrase, ErrorBody, FieldError, ProblemDetails, StatusInfo};

/// The grammar of a `code`, as [`normalise_code`](crate::normalise_code) makes it.
const CODE_PATTERN: &str = "^[A-Z0-9]+(_[A-Z0-9]+)*$";
/// The grammar of a request id the layer keeps or generates.
const REQUEST_ID_PATTERN: &str = "^[A-Za-z0-9._:-]{1,128}$";
/// `Retry-After`: delay-seconds or an IMF-fixdate (RFC 9110 §10.2.3).
const RETRY_AFTER_PATTERN: &str =
    "^([0-9]+|[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT)$";
const DIGITS_PATTERN: &str = "^[0-9]+$";
/// A `Vary` that names `Accept`, in any case, or is `*`.
const VARY_ACCEPT_PATTERN: &str = "(^|[ ,])([Aa][Cc][Cc][Ee][Pp][Tt]|\\*)($|[ ,])";

const JSON: &str = "application/json";
const PROBLEM: &str = "application/problem+json";

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

fn code() -> ObjectBuilder {
    string("A stable UPPER_SNAKE_CASE code for a program.").pattern(Some(CODE_PATTERN))
}

fn request_id() -> ObjectBuilder {
    string("The request id, equal to the response's `X-Request-Id` header.")
        .pattern(Some(REQUEST_ID_PATTERN))
}

fn trace_id() -> ObjectBuilder {
    string("The W3C trace id of the request's trace (32 lower-case hex digits), when the server takes part in Trace Context: the id to search a tracing backend for.")
        .pattern(Some("^[0-9a-f]{32}$"))
}

fn retry_after() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .description(Some(
            "Seconds until a retry may succeed, as in `Retry-After`: on every 429 and 503, on some 413.",
        ))
}

fn field_errors(description: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(Ref::from_schema_name(FieldError::name()))
        .min_items(Some(1))
        .description(Some(description))
}

fn debug() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(
            "The messages of a 5xx's source chain, outermost first: only from a server \
             whose development switch is on, never in production.",
        ))
}

fn uri_reference(description: &str) -> ObjectBuilder {
    string(description).format(Some(SchemaFormat::Custom("uri-reference".to_owned())))
}

impl PartialSchema for FieldError {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("One field at fault."))
            .property(
                "field",
                string("The field's path (`email`, `address.zip`, `items[2].qty`)."),
            )
            .required("field")
            .property("message", string("A sentence for a person."))
            .required("message")
            .property("code", code())
            .required("code")
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
            .into()
    }
}

impl ToSchema for FieldError {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FieldError")
    }
}

impl PartialSchema for ErrorBody<'_> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("The JSON error body (`application/json`)."))
            .property(
                "error",
                string(
                    "The status's reason phrase as RFC 9110 names it (`Unprocessable Content`).",
                ),
            )
            .required("error")
            .property("message", string("A sentence for a person."))
            .required("message")
            .property("code", code())
            .required("code")
            .property(
                "details",
                field_errors("The fields at fault, where there are any."),
            )
            .property("requestId", request_id())
            .required("requestId")
            .property("traceId", trace_id())
            .property("docs", uri_reference("A URL that documents the code."))
            .property("retryAfter", retry_after())
            .property("debug", debug())
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)))
            .into()
    }
}

impl ToSchema for ErrorBody<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorBody")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FieldError::name().into_owned(), FieldError::schema()));
    }
}

impl PartialSchema for ProblemDetails<'_> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "RFC 9457 problem details (`application/problem+json`). `code`, `requestId`, \
                 `traceId`, `errors`, `retryAfter` and `debug` are extension members; a client ignores \
                 extension members it does not know (RFC 9457 §3.2).",
            ))
            .property(
                "type",
                uri_reference("The code's docs, else `about:blank`.")
                    .default(Some("about:blank".into())),
            )
            .required("type")
            .property(
                "title",
                string("The status's reason phrase as RFC 9110 names it."),
            )
            .required("title")
            .property(
                "status",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(400))
                    .maximum(Some(599))
                    .description(Some("The HTTP status code.")),
            )
            .required("status")
            .property(
                "detail",
                string("A sentence for a person about this occurrence."),
            )
            .required("detail")
            .property(
                "instance",
                string("The path of the request, as the server received it."),
            )
            .required("instance")
            .property("code", code())
            .required("code")
            .property("requestId", request_id())
            .required("requestId")
            .property("traceId", trace_id())
            .property(
                "errors",
                field_errors("The fields at fault, where there are any."),
            )
            .property("retryAfter", retry_after())
            .property("debug", debug())
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(true)))
            .into()
    }
}

impl ToSchema for ProblemDetails<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ProblemDetails")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FieldError::name().into_owned(), FieldError::schema()));
    }
}

/// A header the error responses may carry, by its component name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    CacheControl,
    Vary,
    WwwAuthenticate,
    Allow,
    RetryAfter,
    Accept,
    AcceptPost,
    XRateLimitLimit,
    XRateLimitRemaining,
    XRateLimitReset,
    RateLimit,
    RateLimitPolicy,
}

impl Named {
    const fn name(self) -> &'static str {
        match self {
            Self::CacheControl => "Cache-Control",
            Self::Vary => "Vary",
            Self::WwwAuthenticate => "WWW-Authenticate",
            Self::Allow => "Allow",
            Self::RetryAfter => "Retry-After",
            Self::Accept => "Accept",
            Self::AcceptPost => "Accept-Post",
            Self::XRateLimitLimit => "X-RateLimit-Limit",
            Self::XRateLimitRemaining => "X-RateLimit-Remaining",
            Self::XRateLimitReset => "X-RateLimit-Reset",
            Self::RateLimit => "RateLimit",
            Self::RateLimitPolicy => "RateLimit-Policy",
        }
    }

    fn header(self) -> Header {
        let (description, pattern) = match self {
            Self::CacheControl => (
                "`no-store`: an error depends on its request and is not to be reused.",
                Some("^no-store$"),
            ),
            Self::Vary => (
                "Names `Accept` (or is `*`): the format is negotiated (RFC 9110 §12.5.5).",
                Some(VARY_ACCEPT_PATTERN),
            ),
            Self::WwwAuthenticate => (
                "The challenge (RFC 9110 §11.6.1; RFC 6750 §3 for Bearer, with `error` and \
                 `error_description` when credentials were sent and refused).",
                None,
            ),
            Self::Allow => ("The methods the resource has (RFC 9110 §10.2.1).", None),
            Self::RetryAfter => (
                "Seconds, or an HTTP date, until a retry may succeed (RFC 9110 §10.2.3).",
                Some(RETRY_AFTER_PATTERN),
            ),
            Self::Accept => (
                "The media types the resource accepts (RFC 9110 §15.5.16).",
                None,
            ),
            Self::AcceptPost => (
                "The media types a POST accepts (W3C Linked Data Platform, §7.1).",
                None,
            ),
            Self::XRateLimitLimit => ("Requests allowed in the window.", Some(DIGITS_PATTERN)),
            Self::XRateLimitRemaining => ("Requests left in the window.", Some(DIGITS_PATTERN)),
            Self::XRateLimitReset => (
                "The Unix time, in seconds, at which the window ends.",
                Some(DIGITS_PATTERN),
            ),
            Self::RateLimit => (
                "The window's state (draft-ietf-httpapi-ratelimit-headers-11: `\"default\";r=0;t=42`).",
                None,
            ),
            Self::RateLimitPolicy => (
                "The window's policy (draft-ietf-httpapi-ratelimit-headers-11: `\"default\";q=5;w=60`).",
                None,
            ),
        };
        HeaderBuilder::new()
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(pattern),
            ))
            .description(Some(description))
            .build()
    }
}

/// The headers of an error response of `status` besides the request id,
/// `Cache-Control` and `Vary`, which every one has, each with whether it is always
/// sent.
fn headers_of(status: StatusCode) -> &'static [(Named, bool)] {
    match status.as_u16() {
        400 | 403 => &[(Named::WwwAuthenticate, false)],
        401 => &[(Named::WwwAuthenticate, true)],
        405 => &[(Named::Allow, true)],
        413 => &[(Named::RetryAfter, false)],
        415 => &[(Named::Accept, false), (Named::AcceptPost, false)],
        429 => &[
            (Named::RetryAfter, true),
            (Named::XRateLimitLimit, false),
            (Named::XRateLimitRemaining, false),
            (Named::XRateLimitReset, false),
            (Named::RateLimit, false),
            (Named::RateLimitPolicy, false),
        ],
        503 => &[(Named::RetryAfter, true)],
        _ => &[],
    }
}

/// A reference to the header component `name`.
fn header_ref(name: &str) -> RefOr<Header> {
    RefOr::Ref(Ref::new(format!("#/components/headers/{name}")))
}

/// `header`, with `required: true` where it is always sent. utoipa's `Header` has no
/// `required` member, so it rides in the extensions, which are written beside the
/// object's other members.
fn required(mut header: Header, required: bool) -> Header {
    if required {
        header
            .extensions
            .get_or_insert_with(Extensions::default)
            .insert("required".to_owned(), true.into());
    }
    header
}

/// The component name of the response of `status`: its reason phrase without
/// spaces or hyphens (`NotFound`, `TooManyRequests`, `UnprocessableContent`). A
/// status of no row of its own has its class's phrase: every such 4xx shares
/// `ClientError` and every such 5xx `ServerError`, whose responses are the same.
/// `Error` and the code, should a phrase ever hold another character.
fn response_name(status: StatusCode) -> String {
    let phrase = reason_phrase(status);
    if phrase.is_empty()
        || !phrase
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b' ' || b == b'-')
    {
        return format!("Error{}", status.as_u16());
    }
    phrase
        .split([' ', '-'])
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

fn response_ref(status: StatusCode, description: Option<&str>) -> RefOr<Response> {
    let mut reference = Ref::new(format!("#/components/responses/{}", response_name(status)));
    // OpenAPI 3.1: a reference's `description` overrides the component's.
    reference.description = description.unwrap_or_default().to_owned();
    RefOr::Ref(reference)
}

/// Adds the error responses to a whole OpenAPI document: see the [module](self).
///
/// ```
/// use api_error_wire::openapi::ApiErrorDocs;
/// use http::StatusCode;
///
/// // The errors every operation may answer, and the name of the request id header,
/// // as the layer is configured.
/// let docs = ApiErrorDocs::new()
///     .with_common([StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND, StatusCode::INTERNAL_SERVER_ERROR, StatusCode::SERVICE_UNAVAILABLE])
///     .with_request_id_header("X-Correlation-Id");
/// # let _ = docs;
/// ```
#[derive(Debug, Clone)]
pub struct ApiErrorDocs {
    common: Cow<'static, [StatusCode]>,
    request_id_header: Cow<'static, str>,
}

impl Default for ApiErrorDocs {
    fn default() -> Self {
        Self::new()
    }
}

impl ApiErrorDocs {
    /// `400`, `404` and `500` on every operation, and `X-Request-Id` on every response.
    ///
    /// It is `const`, so that `#[openapi(modifiers(...))]`, which takes a path, can
    /// name it: `const API_ERRORS: ApiErrorDocs = ApiErrorDocs::new();` and
    /// `modifiers(&API_ERRORS)`.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            common: Cow::Borrowed(&[
                StatusCode::BAD_REQUEST,
                StatusCode::NOT_FOUND,
                StatusCode::INTERNAL_SERVER_ERROR,
            ]),
            request_id_header: Cow::Borrowed("X-Request-Id"),
        }
    }

    /// The error statuses every operation may answer, instead of `400`, `404` and
    /// `500`: add `503` where a timeout or load shedding guards every route, say.
    /// Statuses below 400 are left out.
    #[must_use]
    pub fn with_common(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        self.common = statuses
            .into_iter()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .collect::<Vec<_>>()
            .into();
        self
    }

    /// The name of the request id header, where the layer's is not `X-Request-Id`
    /// (`ApiErrorLayer::with_header_name`).
    #[must_use]
    pub fn with_request_id_header(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.request_id_header = name.into();
        self
    }

    /// Adds the error responses to every operation of `api`, and the schemas,
    /// headers and responses they refer to to its components. Applying it twice
    /// changes nothing more.
    pub fn apply(&self, api: &mut OpenApi) {
        let secured = api.security.as_deref().is_some_and(has_requirement);
        let bodies = api
            .components
            .as_ref()
            .map(|c| c.request_bodies.clone())
            .unwrap_or_default();
        let mut used = BTreeSet::new();
        for item in api.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
                &mut item.query,
            ];
            for operation in operations.into_iter().flatten() {
                self.document(operation, secured, &bodies, &mut used);
            }
            for operation in item.additional_operations.values_mut() {
                self.document(operation, secured, &bodies, &mut used);
            }
        }
        self.add_components(api.components.get_or_insert_with(Components::new), &used);
    }

    /// Documents the errors of one operation, noting the statuses it refers to.
    fn document(
        &self,
        operation: &mut Operation,
        document_secured: bool,
        bodies: &BTreeMap<String, RefOr<RequestBody>>,
        used: &mut BTreeSet<StatusCode>,
    ) {
        let responses = &mut operation.responses.responses;
        // The errors the operation names without saying what they look like.
        for (key, response) in responses.iter_mut() {
            let Some(status) = error_status(key) else {
                continue;
            };
            let RefOr::T(declared) = response else {
                continue;
            };
            if !declared.content.is_empty() {
                continue;
            }
            if declared.headers.is_empty()
                && declared.links.is_empty()
                && declared.extensions.is_none()
            {
                *response = response_ref(status, Some(&declared.description));
                used.insert(status);
            } else {
                // Headers of its own: filled in place, its own headers kept.
                let full = self.response(status);
                if declared.description.is_empty() {
                    declared.description = full.description;
                }
                declared.content = full.content;
                for (name, header) in full.headers {
                    add_header(&mut declared.headers, name, header);
                }
            }
        }
        // The errors that follow from the operation's shape.
        let secured = operation
            .security
            .as_deref()
            .map_or(document_secured, has_requirement);
        let body = operation.request_body.as_ref().and_then(|body| match body {
            RefOr::T(body) => Some(body),
            RefOr::Ref(r) => r
                .ref_location
                .strip_prefix("#/components/requestBodies/")
                .and_then(|name| bodies.get(name))
                .and_then(|body| match body {
                    RefOr::T(body) => Some(body),
                    RefOr::Ref(_) => None,
                }),
        });
        let mut wanted = self.common.to_vec();
        if secured {
            wanted.extend([StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN]);
        }
        if let Some(body) = body {
            wanted.push(StatusCode::PAYLOAD_TOO_LARGE);
            if body
                .content
                .keys()
                .any(|media_type| parsed_body(media_type))
            {
                wanted.extend([
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ]);
            }
        } else if operation.request_body.is_some() {
            // A reference to a body elsewhere: whatever it is, it has a size.
            wanted.push(StatusCode::PAYLOAD_TOO_LARGE);
        }
        for status in wanted {
            let key = status.as_str().to_owned();
            if let std::collections::btree_map::Entry::Vacant(entry) = responses.entry(key) {
                entry.insert(response_ref(status, None));
                used.insert(status);
            }
        }
        // The request id, on every response the operation describes itself (one
        // that refers to a component of the app's is the app's to describe).
        for response in responses.values_mut() {
            if let RefOr::T(response) = response {
                add_header(
                    &mut response.headers,
                    self.request_id_header.to_string(),
                    self.request_id_ref(),
                );
            }
        }
    }

    /// A reference to the request id header's component.
    fn request_id_ref(&self) -> RefOr<Header> {
        header_ref(&component_name(&self.request_id_header))
    }

    /// The response of `status`, with its content and headers.
    fn response(&self, status: StatusCode) -> Response {
        let info = StatusInfo::of(status);
        let mut response = Response::new(format!("{}: {}", reason_phrase(status), info.message()));
        response
            .headers
            .insert(self.request_id_header.to_string(), self.request_id_ref());
        let every = [(Named::CacheControl, true), (Named::Vary, true)];
        for &(header, always) in every.iter().chain(headers_of(status)) {
            response.headers.insert(
                header.name().to_owned(),
                required(header.header(), always).into(),
            );
        }
        // Bodies that always carry `retryAfter` say so.
        let always_retry = headers_of(status).contains(&(Named::RetryAfter, true));
        let body = |name: Cow<'static, str>| -> RefOr<Schema> {
            let schema = Ref::from_schema_name(name);
            if always_retry {
                AllOfBuilder::new()
                    .item(schema)
                    .item(ObjectBuilder::new().required("retryAfter"))
                    .into()
            } else {
                schema.into()
            }
        };
        response.content.insert(
            JSON.to_owned(),
            Content::new(Some(body(ErrorBody::name()))).into(),
        );
        response.content.insert(
            PROBLEM.to_owned(),
            Content::new(Some(body(ProblemDetails::name()))).into(),
        );
        response
    }

    /// The schemas, the request id header and the responses of the statuses used.
    /// Components of the same names already there are kept.
    fn add_components(&self, components: &mut Components, used: &BTreeSet<StatusCode>) {
        let mut schemas = vec![
            (ErrorBody::name().into_owned(), ErrorBody::schema()),
            (
                ProblemDetails::name().into_owned(),
                ProblemDetails::schema(),
            ),
        ];
        ErrorBody::schemas(&mut schemas);
        for (name, schema) in schemas {
            components.schemas.entry(name).or_insert(schema);
        }
        let request_id = HeaderBuilder::new()
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(REQUEST_ID_PATTERN)),
            ))
            .description(Some(
                "The request's id: the client's, where it is 1 to 128 characters of \
                 `A-Za-z0-9._:-`, else a fresh one. Error bodies repeat it as `requestId`.",
            ))
            .build();
        components
            .headers
            .entry(component_name(&self.request_id_header))
            .or_insert_with(|| required(request_id, true).into());
        for status in used {
            components
                .responses
                .entry(response_name(*status))
                .or_insert_with(|| self.response(*status).into());
        }
    }
}

impl Modify for ApiErrorDocs {
    fn modify(&self, openapi: &mut OpenApi) {
        self.apply(openapi);
    }
}

/// Adds `header` as `name` unless a header of that name, in any case, is there.
fn add_header(headers: &mut BTreeMap<String, RefOr<Header>>, name: String, header: RefOr<Header>) {
    if !headers.keys().any(|h| h.eq_ignore_ascii_case(&name)) {
        headers.insert(name, header);
    }
}

/// `name` as a component name (`^[a-zA-Z0-9.\-_]+$`, OpenAPI 3.1 §4.8.7.1): any
/// other character of a header name becomes `_`.
fn component_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The status of a response key that is one error status (`"409"`), not a range
/// (`"4XX"`) or `"default"`.
fn error_status(key: &str) -> Option<StatusCode> {
    let status = StatusCode::from_bytes(key.as_bytes()).ok()?;
    (status.is_client_error() || status.is_server_error()).then_some(status)
}

/// Whether any requirement names a scheme: `[{}]` alone makes security optional
/// and asks for nothing.
fn has_requirement(requirements: &[SecurityRequirement]) -> bool {
    requirements
        .iter()
        .any(|r| r != &SecurityRequirement::default())
}

/// Whether a body of `media_type` is parsed by an extractor that rejects a wrong
/// `Content-Type` (415) and a body of the wrong shape (422): JSON and forms.
fn parsed_body(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == JSON
        || essence == "application/x-www-form-urlencoded"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

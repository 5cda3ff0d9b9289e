//! `ApiErrorDocs` on the documents utoipa users build: with utoipa-axum's
//! `OpenApiRouter` (whole operations compared), and the rules one by one on
//! documents built by hand.

use axum::http::StatusCode;
use axum_api_error::{openapi::ApiErrorDocs, ApiError, Json, Path};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{
    openapi::{
        path::{HttpMethod, OperationBuilder, PathItem},
        request_body::RequestBodyBuilder,
        security::SecurityRequirement,
        Content, Header, Info, OpenApi, PathsBuilder, Ref, RefOr, Response,
    },
    Modify, OpenApi as _, ToSchema,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::component;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewUser {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(format = Email)]
    email: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct User {
    id: u64,
    name: String,
    email: String,
}

/// Creates a user.
#[utoipa::path(
    post,
    path = "/users",
    request_body = NewUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The user", body = User),
        (status = 409, description = "A user with this email exists."),
    ),
)]
async fn create_user(Json(new): Json<NewUser>) -> Result<(StatusCode, Json<User>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(User {
            id: 3,
            name: new.name,
            email: new.email,
        }),
    ))
}

/// Reads a user.
#[utoipa::path(
    get,
    path = "/users/{id}",
    params(("id" = u64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 410),
    ),
)]
async fn get_user(Path(id): Path<u64>) -> Result<Json<User>, ApiError> {
    Err(ApiError::not_found().with_message(format!("no user {id}")))
}

const API_ERRORS: ApiErrorDocs = ApiErrorDocs::new();

#[derive(utoipa::OpenApi)]
#[openapi(info(title = "users", version = "1.0.0"), modifiers(&API_ERRORS))]
struct ApiDoc;

/// The document of the two routes, as utoipa-axum builds it.
fn split() -> OpenApi {
    let (_router, api): (axum::Router, OpenApi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(create_user))
        .routes(routes!(get_user))
        .split_for_parts();
    api
}

fn operation(api: &OpenApi, path: &str, method: &str) -> Value {
    serde_json::to_value(api).unwrap()["paths"][path][method].clone()
}

#[test]
fn a_modifier_runs_before_the_router_adds_its_routes() {
    // `#[openapi(modifiers(...))]` ran inside `ApiDoc::openapi()`, when the document
    // had no operation yet: the routes come out as utoipa wrote them.
    let api = split();
    assert_eq!(
        operation(&api, "/users/{id}", "get")["responses"],
        json!({
            "200": {
                "description": "The user",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
            },
            "410": {},
        })
    );
    // What it could do without the operations, it did: the schemas are there.
    let doc = serde_json::to_value(&api).unwrap();
    component(&doc, "schemas", "ErrorBody");
}

#[test]
fn applied_to_the_split_document_every_operation_has_its_errors() {
    let mut api = split();
    ApiErrorDocs::new().apply(&mut api);

    assert_eq!(
        operation(&api, "/users", "post"),
        json!({
            "summary": "Creates a user.",
            "operationId": "create_user",
            "requestBody": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}},
                "required": true,
            },
            "responses": {
                "201": {
                    "description": "The user",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
                },
                "400": {"$ref": "#/components/responses/BadRequest"},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "403": {"$ref": "#/components/responses/Forbidden"},
                "404": {"$ref": "#/components/responses/NotFound"},
                "409": {
                    "$ref": "#/components/responses/Conflict",
                    "description": "A user with this email exists.",
                },
                "413": {"$ref": "#/components/responses/ContentTooLarge"},
                "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                "422": {"$ref": "#/components/responses/UnprocessableContent"},
                "500": {"$ref": "#/components/responses/InternalServerError"},
            },
            "security": [{"bearer": []}],
        })
    );
    assert_eq!(
        operation(&api, "/users/{id}", "get"),
        json!({
            "summary": "Reads a user.",
            "operationId": "get_user",
            "parameters": [{
                "name": "id",
                "in": "path",
                "description": "The user's id",
                "required": true,
                "schema": {"type": "integer", "format": "int64", "minimum": 0},
            }],
            "responses": {
                "200": {
                    "description": "The user",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
                },
                "400": {"$ref": "#/components/responses/BadRequest"},
                "404": {"$ref": "#/components/responses/NotFound"},
                "410": {"$ref": "#/components/responses/Gone"},
                "500": {"$ref": "#/components/responses/InternalServerError"},
            },
        })
    );

    let doc = serde_json::to_value(&api).unwrap();
    let responses = doc["components"]["responses"].as_object().unwrap();
    assert_eq!(
        responses.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "BadRequest",
            "Conflict",
            "ContentTooLarge",
            "Forbidden",
            "Gone",
            "InternalServerError",
            "NotFound",
            "Unauthorized",
            "UnprocessableContent",
            "UnsupportedMediaType",
        ]
    );
    assert_eq!(
        component(&doc, "responses", "Unauthorized"),
        &json!({
            "description": "Unauthorized: Authentication is required to access this resource.",
            "headers": {
                "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
                "Cache-Control": {
                    "schema": {"type": "string", "pattern": "^no-store$"},
                    "description": "`no-store`: an error depends on its request and is not to be reused.",
                    "required": true,
                },
                "Vary": {
                    "schema": {"type": "string", "pattern": "(^|[ ,])([Aa][Cc][Cc][Ee][Pp][Tt]|\\*)($|[ ,])"},
                    "description": "Names `Accept` (or is `*`): the format is negotiated (RFC 9110 §12.5.5).",
                    "required": true,
                },
                "WWW-Authenticate": {
                    "schema": {"type": "string"},
                    "description": "The challenge (RFC 9110 §11.6.1; RFC 6750 §3 for Bearer, with `error` and `error_description` when credentials were sent and refused).",
                    "required": true,
                },
            },
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}},
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}},
            },
        })
    );
    assert_eq!(
        component(&doc, "headers", "X-Request-Id"),
        &json!({
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
            "description": "The request's id: the client's, where it is 1 to 128 characters of `A-Za-z0-9._:-`, else a fresh one. Error bodies repeat it as `requestId`.",
            "required": true,
        })
    );

    // Applying it again changes nothing.
    let once = doc;
    ApiErrorDocs::new().apply(&mut api);
    assert_eq!(serde_json::to_value(&api).unwrap(), once);
}

#[test]
fn the_schemas_are_published_whole() {
    let mut api = split();
    ApiErrorDocs::new().apply(&mut api);
    let doc = serde_json::to_value(&api).unwrap();
    let code = json!({
        "type": "string",
        "description": "A stable UPPER_SNAKE_CASE code for a program.",
        "pattern": "^[A-Z0-9]+(_[A-Z0-9]+)*$",
    });
    let request_id = json!({
        "type": "string",
        "description": "The request id, equal to the response's `X-Request-Id` header.",
        "pattern": "^[A-Za-z0-9._:-]{1,128}$",
    });
    let trace_id = json!({
        "type": "string",
        "description": "The W3C trace id of the request's trace (32 lower-case hex digits), when the server takes part in Trace Context: the id to search a tracing backend for.",
        "pattern": "^[0-9a-f]{32}$",
    });
    let retry_after = json!({
        "type": "integer",
        "description": "Seconds until a retry may succeed, as in `Retry-After`: on every 429 and 503, on some 413.",
        "minimum": 0,
    });
    let debug = json!({
        "type": "array",
        "items": {"type": "string"},
        "description": "The messages of a 5xx's source chain, outermost first: only from a server whose development switch is on, never in production.",
    });
    let fields = json!({
        "type": "array",
        "items": {"$ref": "#/components/schemas/FieldError"},
        "description": "The fields at fault, where there are any.",
        "minItems": 1,
    });
    assert_eq!(
        component(&doc, "schemas", "ErrorBody"),
        &json!({
            "type": "object",
            "description": "The JSON error body (`application/json`).",
            "required": ["error", "message", "code", "requestId"],
            "properties": {
                "error": {"type": "string", "description": "The status's reason phrase as RFC 9110 names it (`Unprocessable Content`)."},
                "message": {"type": "string", "description": "A sentence for a person."},
                "code": code,
                "details": fields,
                "requestId": request_id,
                "traceId": trace_id,
                "docs": {"type": "string", "format": "uri-reference", "description": "A URL that documents the code."},
                "retryAfter": retry_after,
                "debug": debug,
            },
            "additionalProperties": false,
        })
    );
    assert_eq!(
        component(&doc, "schemas", "ProblemDetails"),
        &json!({
            "type": "object",
            "description": "RFC 9457 problem details (`application/problem+json`). `code`, `requestId`, `traceId`, `errors`, `retryAfter` and `debug` are extension members; a client ignores extension members it does not know (RFC 9457 §3.2).",
            "required": ["type", "title", "status", "detail", "instance", "code", "requestId"],
            "properties": {
                "type": {"type": "string", "format": "uri-reference", "description": "The code's docs, else `about:blank`.", "default": "about:blank"},
                "title": {"type": "string", "description": "The status's reason phrase as RFC 9110 names it."},
                "status": {"type": "integer", "description": "The HTTP status code.", "minimum": 400, "maximum": 599},
                "detail": {"type": "string", "description": "A sentence for a person about this occurrence."},
                "instance": {"type": "string", "description": "The path of the request, as the server received it."},
                "code": code,
                "requestId": request_id,
                "traceId": trace_id,
                "errors": fields,
                "retryAfter": retry_after,
                "debug": debug,
            },
            "additionalProperties": true,
        })
    );
    assert_eq!(
        component(&doc, "schemas", "FieldError"),
        &json!({
            "type": "object",
            "description": "One field at fault.",
            "required": ["field", "message", "code"],
            "properties": {
                "field": {"type": "string", "description": "The field's path (`email`, `address.zip`, `items[2].qty`)."},
                "message": {"type": "string", "description": "A sentence for a person."},
                "code": code,
            },
            "additionalProperties": false,
        })
    );
}

/// A document of one `POST /things` operation made by `operation`, with the docs
/// applied.
fn applied(
    docs: &ApiErrorDocs,
    operation: OperationBuilder,
    global: Option<SecurityRequirement>,
) -> Value {
    let mut api = OpenApi::new(
        Info::new("things", "1.0.0"),
        PathsBuilder::new().path(
            "/things",
            PathItem::new(HttpMethod::Post, operation.build()),
        ),
    );
    api.security = global.map(|r| vec![r]);
    docs.apply(&mut api);
    serde_json::to_value(&api).unwrap()
}

fn statuses(doc: &Value) -> Vec<String> {
    doc["paths"]["/things"]["post"]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn body(media_type: &str) -> Option<utoipa::openapi::request_body::RequestBody> {
    Some(
        RequestBodyBuilder::new()
            .content(
                media_type,
                Content::new(None::<RefOr<utoipa::openapi::schema::Schema>>),
            )
            .build(),
    )
}

fn ok() -> OperationBuilder {
    OperationBuilder::new().response("200", Response::new("OK"))
}

#[test]
fn security_gives_401_and_403_unless_it_is_optional_only() {
    let docs = ApiErrorDocs::new();
    let bearer = || SecurityRequirement::new("bearer", Vec::<String>::new());
    let secured = ["200", "400", "401", "403", "404", "500"];
    let open = ["200", "400", "404", "500"];
    assert_eq!(statuses(&applied(&docs, ok(), None)), open);
    assert_eq!(
        statuses(&applied(&docs, ok().security(bearer()), None)),
        secured
    );
    // The document's requirement applies to an operation that names none...
    assert_eq!(statuses(&applied(&docs, ok(), Some(bearer()))), secured);
    // ... and an operation's own `[{}]` (no credentials needed) overrides it.
    let optional = ok().security(SecurityRequirement::default());
    assert_eq!(statuses(&applied(&docs, optional, Some(bearer()))), open);
    // Optional, or a token: a bad token is still a 401.
    let either = ok()
        .security(SecurityRequirement::default())
        .security(bearer());
    assert_eq!(statuses(&applied(&docs, either, None)), secured);
}

#[test]
fn a_request_body_gives_413_and_a_parsed_one_415_and_422() {
    let docs = ApiErrorDocs::new();
    let parsed = ["200", "400", "404", "413", "415", "422", "500"];
    for media_type in [
        "application/json",
        "application/merge-patch+json",
        "application/x-www-form-urlencoded",
        "Application/JSON; charset=utf-8",
    ] {
        let doc = applied(&docs, ok().request_body(body(media_type)), None);
        assert_eq!(statuses(&doc), parsed, "{media_type}");
    }
    for media_type in [
        "application/octet-stream",
        "text/plain",
        "*/*",
        "multipart/form-data",
    ] {
        let doc = applied(&docs, ok().request_body(body(media_type)), None);
        assert_eq!(
            statuses(&doc),
            ["200", "400", "404", "413", "500"],
            "{media_type}"
        );
    }
    // A body that is a reference is looked up in the components.
    let mut api = OpenApi::new(
        Info::new("things", "1.0.0"),
        PathsBuilder::new().path(
            "/things",
            PathItem::new(
                HttpMethod::Post,
                ok().build()
                    .tap_body(Ref::new("#/components/requestBodies/Thing")),
            ),
        ),
    );
    api.components
        .get_or_insert_with(Default::default)
        .request_bodies
        .insert("Thing".to_owned(), body("application/json").unwrap().into());
    docs.apply(&mut api);
    assert_eq!(statuses(&serde_json::to_value(&api).unwrap()), parsed);
}

/// Sets an operation's body to a reference.
trait TapBody {
    fn tap_body(self, reference: Ref) -> Self;
}

impl TapBody for utoipa::openapi::path::Operation {
    fn tap_body(mut self, reference: Ref) -> Self {
        self.request_body = Some(RefOr::Ref(reference));
        self
    }
}

#[test]
fn declared_errors_are_filled_and_those_with_content_kept() {
    let docs = ApiErrorDocs::new();
    let mut own = Response::new("Our own conflict body");
    own.content.insert(
        "text/plain".to_owned(),
        Content::new(None::<RefOr<utoipa::openapi::schema::Schema>>).into(),
    );
    // Headers of its own, one the status has too, in another case.
    let mut with_header = Response::new("");
    for name in ["X-Retry-Budget", "retry-after"] {
        with_header
            .headers
            .insert(name.to_owned(), RefOr::T(Header::default()));
    }
    let operation = ok()
        .response("409", own)
        .response("429", with_header)
        .response("503", Response::new("Down for maintenance."))
        .response("4XX", Response::new("Any other client error"));
    let doc = applied(&docs, operation, None);
    let responses = &doc["paths"]["/things"]["post"]["responses"];
    assert_eq!(
        responses["409"],
        json!({
            "description": "Our own conflict body",
            "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
            "content": {"text/plain": {}},
        })
    );
    assert_eq!(
        responses["503"],
        json!({"$ref": "#/components/responses/ServiceUnavailable", "description": "Down for maintenance."})
    );
    assert_eq!(
        responses["4XX"],
        json!({
            "description": "Any other client error",
            "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
        })
    );
    // Headers of its own: filled in place, its headers kept beside the status's and
    // none added twice in another case.
    let own = json!({"schema": {"type": "string"}});
    let digits = |description: &str| json!({"schema": {"type": "string", "pattern": "^[0-9]+$"}, "description": description});
    let retry_after = |name: &str| json!({"allOf": [{"$ref": format!("#/components/schemas/{name}")}, {"type": "object", "required": ["retryAfter"]}]});
    assert_eq!(
        responses["429"],
        json!({
            "description": "Too Many Requests: Too many requests. Try again later.",
            "headers": {
                "Cache-Control": {
                    "schema": {"type": "string", "pattern": "^no-store$"},
                    "description": "`no-store`: an error depends on its request and is not to be reused.",
                    "required": true,
                },
                "RateLimit": {
                    "schema": {"type": "string"},
                    "description": "The window's state (draft-ietf-httpapi-ratelimit-headers-11: `\"default\";r=0;t=42`).",
                },
                "RateLimit-Policy": {
                    "schema": {"type": "string"},
                    "description": "The window's policy (draft-ietf-httpapi-ratelimit-headers-11: `\"default\";q=5;w=60`).",
                },
                "Vary": {
                    "schema": {"type": "string", "pattern": "(^|[ ,])([Aa][Cc][Cc][Ee][Pp][Tt]|\\*)($|[ ,])"},
                    "description": "Names `Accept` (or is `*`): the format is negotiated (RFC 9110 §12.5.5).",
                    "required": true,
                },
                "X-RateLimit-Limit": digits("Requests allowed in the window."),
                "X-RateLimit-Remaining": digits("Requests left in the window."),
                "X-RateLimit-Reset": digits("The Unix time, in seconds, at which the window ends."),
                "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
                "X-Retry-Budget": own,
                "retry-after": own,
            },
            "content": {
                "application/json": {"schema": retry_after("ErrorBody")},
                "application/problem+json": {"schema": retry_after("ProblemDetails")},
            },
        })
    );
    // Only the referred responses are components: 409 has content of its own, 429 was
    // filled in place.
    let names: Vec<&str> = doc["components"]["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "BadRequest",
            "InternalServerError",
            "NotFound",
            "ServiceUnavailable"
        ]
    );
}

#[test]
fn common_statuses_the_request_id_header_and_components_of_the_app_are_configurable() {
    let docs = ApiErrorDocs::new()
        .with_common([
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::OK,
        ])
        .with_request_id_header("X-Correlation-Id");
    let mut api = OpenApi::new(
        Info::new("things", "1.0.0"),
        PathsBuilder::new().path("/things", PathItem::new(HttpMethod::Post, ok().build())),
    );
    // A component of the same name that the app wrote stays the app's.
    api.components
        .get_or_insert_with(Default::default)
        .responses
        .insert(
            "InternalServerError".to_owned(),
            Response::new("Ours").into(),
        );
    docs.modify(&mut api);
    let doc = serde_json::to_value(&api).unwrap();
    assert_eq!(statuses(&doc), ["200", "500", "503"]);
    assert_eq!(
        doc["paths"]["/things"]["post"]["responses"]["200"]["headers"],
        json!({"X-Correlation-Id": {"$ref": "#/components/headers/X-Correlation-Id"}})
    );
    assert_eq!(
        component(&doc, "responses", "InternalServerError"),
        &json!({"description": "Ours"})
    );
    assert_eq!(
        component(&doc, "responses", "ServiceUnavailable")["headers"]["X-Correlation-Id"],
        json!({"$ref": "#/components/headers/X-Correlation-Id"})
    );
    component(&doc, "headers", "X-Correlation-Id");
    assert!(doc["components"]["headers"].get("X-Request-Id").is_none());

    // A header name with characters a component name may not have.
    let docs = ApiErrorDocs::new().with_request_id_header("X-Trace~Id!");
    let doc = applied(&docs, ok(), None);
    assert_eq!(
        doc["paths"]["/things"]["post"]["responses"]["200"]["headers"],
        json!({"X-Trace~Id!": {"$ref": "#/components/headers/X-Trace_Id_"}})
    );
    component(&doc, "headers", "X-Trace_Id_");
}

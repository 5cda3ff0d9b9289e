use serde_json::{json, Value};

use crate::start;

/// `GET /openapi.json`, the document.
async fn document() -> Value {
    let s = start().await;
    let res = s.get("/openapi.json").await;
    res.expect_ok(200, "no-store");
    assert_eq!(res.header("content-type"), "application/json");
    res.json()
}

#[tokio::test]
async fn every_route_is_documented_with_its_success_and_error_responses() {
    let doc = document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    // In the order of the JSON object's keys: paths, then methods, alphabetically.
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let statuses: Vec<&str> = operation["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            operations.push(format!(
                "{} {path} {}",
                method.to_uppercase(),
                statuses.join(" ")
            ));
        }
    }
    assert_eq!(
        operations,
        [
            "GET /api/admin/stats 200 400 401 403 404 500 503",
            "GET /api/crash 400 404 500 503",
            "GET /api/dependency 400 404 500 503",
            "GET /api/internal 400 404 500 503",
            "GET /api/limited 200 400 404 429 500 503",
            "GET /api/maintenance 400 404 500 503",
            "POST /api/reports 202 400 401 403 404 408 413 415 422 500 503",
            "GET /api/reports/jobs/{jobId} 200 400 404 500 503",
            "GET /api/slow 400 404 500 503",
            "POST /api/uploads 201 400 404 408 413 500 503",
            "GET /api/users 200 400 404 500 503",
            "POST /api/users 201 400 401 403 404 408 409 413 415 422 500 503",
            "DELETE /api/users/{id} 204 400 401 403 404 410 500 503",
            "GET /api/users/{id} 200 304 400 404 410 500 503",
            "PUT /api/users/{id} 200 400 401 403 404 408 409 410 412 413 415 422 500 503",
            "GET /api/users/{id}/private 200 400 401 403 404 410 500 503",
            "GET /healthz 200 400 404 500 503",
            "GET /openapi.json 200 400 404 500 503",
        ]
    );
    assert_eq!(
        doc["components"]["securitySchemes"],
        json!({"bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "`user-token`, `other-token` (users 1 and 2) or `admin-token`.",
        }})
    );
}

/// The headers of an ETag'd user.
fn validators(etag: &str) -> Value {
    json!({
        "Cache-Control": {"schema": {"type": "string"}, "description": "`no-cache`."},
        "ETag": {"schema": {"type": "string"}, "description": etag},
        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
    })
}

fn errors(statuses: &[(&str, &str)]) -> Vec<(String, Value)> {
    statuses
        .iter()
        .map(|(status, name)| {
            (
                (*status).to_owned(),
                json!({"$ref": format!("#/components/responses/{name}")}),
            )
        })
        .collect()
}

#[tokio::test]
async fn creating_a_user_is_documented_whole() {
    let doc = document().await;
    let mut headers = validators("A strong validator of the user.");
    headers["Location"] =
        json!({"schema": {"type": "string"}, "description": "`/api/users/{id}`."});
    let mut responses: serde_json::Map<String, Value> = errors(&[
        ("400", "BadRequest"),
        ("401", "Unauthorized"),
        ("403", "Forbidden"),
        ("404", "NotFound"),
        ("413", "ContentTooLarge"),
        ("415", "UnsupportedMediaType"),
        ("422", "UnprocessableContent"),
        ("500", "InternalServerError"),
        ("503", "ServiceUnavailable"),
    ])
    .into_iter()
    .collect();
    responses.insert(
        "201".to_owned(),
        json!({
            "description": "The user.",
            "headers": headers,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
        }),
    );
    responses.insert(
        "408".to_owned(),
        json!({
            "$ref": "#/components/responses/RequestTimeout",
            "description": "The body took over 1 s to arrive.",
        }),
    );
    responses.insert(
        "409".to_owned(),
        json!({
            "$ref": "#/components/responses/Conflict",
            "description": "Another user has this email (`EMAIL_TAKEN`, naming `email`).",
        }),
    );
    assert_eq!(
        doc["paths"]["/api/users"]["post"],
        json!({
            "tags": ["users"],
            "summary": "Creates a user.",
            "description": "Authentication first (an extractor of the headers), then the body, then its\nfields.",
            "operationId": "create_user",
            "requestBody": {
                "description": "At most 64 KiB.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewUser"}}},
                "required": true,
            },
            "responses": responses,
            "security": [{"bearer": []}],
        })
    );
    // The body's schema states the validation the server applies.
    assert_eq!(
        doc["components"]["schemas"]["NewUser"],
        json!({
            "type": "object",
            "description": "The body of POST and PUT. The schema states what `validate_fields` checks, so\nthat the document and the server agree on what is valid.",
            "required": ["name", "email"],
            "properties": {
                "name": {
                    "type": "string",
                    "description": "1 to 100 characters, not all whitespace; stored without the whitespace\naround it.",
                    "minLength": 1,
                    "maxLength": 100,
                    "pattern": "[^\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
                },
                "email": {"type": "string", "format": "email"},
            },
            "additionalProperties": false,
        })
    );
    // The errors it refers to are components, with both formats and the headers of
    // every error.
    assert_eq!(
        doc["components"]["responses"]["Conflict"],
        json!({
            "description": "Conflict: The request conflicts with the current state of the resource.",
            "headers": {
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
                "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
            },
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}},
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}},
            },
        })
    );
}

#[tokio::test]
async fn reading_a_user_and_listing_users_are_documented_whole() {
    let doc = document().await;
    let mut responses: serde_json::Map<String, Value> = errors(&[
        ("400", "BadRequest"),
        ("404", "NotFound"),
        ("500", "InternalServerError"),
        ("503", "ServiceUnavailable"),
    ])
    .into_iter()
    .collect();
    responses.insert(
        "200".to_owned(),
        json!({
            "description": "The user.",
            "headers": validators("A strong validator of the user."),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}},
        }),
    );
    responses.insert(
        "304".to_owned(),
        json!({
            "description": "The client's copy is current.",
            "headers": {
                "Cache-Control": {"schema": {"type": "string"}},
                "ETag": {"schema": {"type": "string"}},
                "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
            },
        }),
    );
    responses.insert(
        "410".to_owned(),
        json!({"$ref": "#/components/responses/Gone", "description": "The user was deleted."}),
    );
    assert_eq!(
        doc["paths"]["/api/users/{id}"]["get"],
        json!({
            "tags": ["users"],
            "summary": "Reads a user.",
            "description": "Public, with an ETag; 304 when `If-None-Match` matches it. HEAD too.",
            "operationId": "show_user",
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "description": "The user's id.",
                    "required": true,
                    "schema": {"type": "integer", "format": "int64", "minimum": 0},
                },
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "description": "ETags the client has (weak comparison).",
                    "required": false,
                    "schema": {"type": "string"},
                },
            ],
            "responses": responses,
        })
    );
    // The query's bounds are the server's.
    assert_eq!(
        doc["paths"]["/api/users"]["get"]["parameters"],
        json!([
            {
                "name": "page",
                "in": "query",
                "description": "The page, from 1.",
                "required": false,
                "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 18_446_744_073_709_551_615_u64},
            },
            {
                "name": "limit",
                "in": "query",
                "description": "Users per page, 1 to 100 (20 unless set).",
                "required": false,
                "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 100},
            },
            {
                "name": "email",
                "in": "query",
                "description": "Only the user with this email (case-insensitive).",
                "required": false,
                "schema": {"type": "string"},
            },
        ])
    );
}

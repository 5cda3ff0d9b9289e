//! `/api/users`: an in-memory user store with pagination, validation, conflicts,
//! conditional requests (ETag, If-None-Match, If-Match) and deletion.

use std::collections::{BTreeMap, HashSet};

use axum::{
    extract::{FromRequest, Request, State},
    http::{
        header::{CACHE_CONTROL, ETAG, LINK, LOCATION},
        HeaderMap, HeaderName, HeaderValue, StatusCode,
    },
    response::{IntoResponse, Response},
};
use axum_api_error::{ApiError, FieldErrors, Json, Path, Query, Valid, ValidateFields};
use headers::{ETag, HeaderMapExt, IfMatch, IfNoneMatch};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{auth::User, AppState};

const X_TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// What can go wrong in the store: a domain error, mapped once to `ApiError`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UserError {
    #[error("user {0} does not exist")]
    NotFound(u64),
    #[error("user {0} was deleted")]
    Deleted(u64),
    #[error("email is already used by user {0}")]
    EmailTaken(u64),
    #[error("If-Match does not match the current ETag")]
    Changed,
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        match err {
            // The message names no id: a concealed 404 must look the same.
            UserError::NotFound(_) => Self::not_found(),
            UserError::Deleted(_) => Self::gone().with_message("This user was deleted."),
            UserError::EmailTaken(_) => Self::conflict("A user with this email already exists.")
                .with_code("EMAIL_TAKEN")
                .add_field("email"),
            UserError::Changed => Self::precondition_failed()
                .with_message("The user has changed since its ETag was read; fetch it again."),
        }
    }
}

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = User)]
pub(crate) struct UserOut {
    pub(crate) id: u64,
    pub name: String,
    #[schema(format = Email)]
    pub email: String,
    /// When the user was created (RFC 3339, in seconds).
    #[schema(format = DateTime)]
    pub created_at: String,
}

#[derive(Debug)]
struct Record {
    user: UserOut,
    owner: u64,
    version: u64,
}

impl Record {
    /// A strong validator: it changes with every write.
    fn etag(&self) -> ETag {
        format!("\"{}-{}\"", self.user.id, self.version)
            .parse()
            .expect("a quoted id and version is a valid entity tag")
    }
}

/// The users, and the ids of those deleted.
#[derive(Debug)]
pub(crate) struct Store {
    users: BTreeMap<u64, Record>,
    deleted: HashSet<u64>,
    next_id: u64,
}

impl Store {
    /// Seeded with Ada (owned by the holder of `user-token`) and Grace (`other-token`).
    pub(crate) fn seeded() -> Self {
        let mut store = Self {
            users: BTreeMap::new(),
            deleted: HashSet::new(),
            next_id: 1,
        };
        store.insert(1, "Ada Lovelace", "ada@example.com");
        store.insert(2, "Grace Hopper", "grace@example.com");
        store
    }

    fn insert(&mut self, owner: u64, name: &str, email: &str) -> &Record {
        let id = self.next_id;
        self.next_id += 1;
        let user = UserOut {
            id,
            name: name.to_owned(),
            email: email.to_owned(),
            created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        };
        self.users.entry(id).or_insert(Record {
            user,
            owner,
            version: 1,
        })
    }

    fn get(&self, id: u64) -> Result<&Record, UserError> {
        self.users.get(&id).ok_or(if self.deleted.contains(&id) {
            UserError::Deleted(id)
        } else {
            UserError::NotFound(id)
        })
    }

    fn email_owner(&self, email: &str) -> Option<u64> {
        self.users
            .values()
            .find(|r| r.user.email.eq_ignore_ascii_case(email))
            .map(|r| r.user.id)
    }

    pub(crate) fn counts(&self) -> (usize, usize) {
        (self.users.len(), self.deleted.len())
    }
}

/// The body of POST and PUT. The schema states what `validate_fields` checks, so
/// that the document and the server agree on what is valid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUser {
    /// 1 to 100 characters, not all whitespace; stored without the whitespace
    /// around it.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    name: String,
    #[schema(format = Email)]
    email: String,
}

impl ValidateFields for NewUser {
    fn validate_fields(&self, errors: &mut FieldErrors) {
        errors
            .check(
                !self.name.trim().is_empty(),
                "name",
                "Must not be empty.",
                "REQUIRED",
            )
            .check(
                self.name.chars().count() <= 100,
                "name",
                "Must be at most 100 characters.",
                "TOO_LONG",
            )
            .check(
                // An address alone: not `Ada <ada@example.com>`, which the crate's
                // default options take.
                email_address::EmailAddress::parse_with_options(
                    &self.email,
                    email_address::Options::default().without_display_text(),
                )
                .is_ok(),
                "email",
                "Must be a valid email address.",
                "INVALID_FORMAT",
            );
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListParams {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 18_446_744_073_709_551_615_u64)]
    page: Option<u64>,
    /// Users per page, 1 to 100 (20 unless set).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// Only the user with this email (case-insensitive).
    email: Option<String>,
}

/// A page of users.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserPage<'a> {
    #[schema(value_type = Vec<UserOut>)]
    data: Vec<&'a UserOut>,
    pagination: Pagination,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pagination {
    page: u64,
    limit: u64,
    total_pages: u64,
    total_count: u64,
    has_next: bool,
    has_prev: bool,
}

/// Lists the users, a page at a time.
#[utoipa::path(
    get,
    path = "/api/users",
    operation_id = "list_users",
    tag = "users",
    params(ListParams),
    responses((
        status = 200,
        description = "A page of users (`data: []` when none matches).",
        body = UserPage<'_>,
        headers(
            ("X-Total-Count" = u64, description = "How many users match."),
            ("Link" = String, description = "`next`, `prev`, `first` and `last` pages, where they exist (RFC 8288)."),
            ("Cache-Control" = String, description = "`no-store`."),
        ),
    )),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let page = params.page.unwrap_or(1);
    let limit = params.limit.unwrap_or(20);
    let mut invalid = FieldErrors::new();
    invalid
        .check(
            page >= 1,
            "page",
            "Must be a positive integer.",
            "INVALID_VALUE",
        )
        .check(
            (1..=100).contains(&limit),
            "limit",
            "Must be an integer from 1 to 100.",
            "INVALID_VALUE",
        );
    invalid.into_result_with(|| {
        ApiError::bad_request("The pagination parameters are invalid.").with_code("INVALID_QUERY")
    })?;

    let store = state.read_users();
    let matching: Vec<&UserOut> = store
        .users
        .values()
        .map(|r| &r.user)
        .filter(|u| {
            params
                .email
                .as_deref()
                .is_none_or(|e| u.email.eq_ignore_ascii_case(e))
        })
        .collect();
    let total = matching.len() as u64;
    let total_pages = total.div_ceil(limit);
    let data: Vec<&UserOut> = matching
        .into_iter()
        .skip(usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();

    let mut headers = HeaderMap::new();
    headers.insert(X_TOTAL_COUNT, HeaderValue::from(total));
    let link = |page: u64, rel: &str| {
        let mut query = vec![("page", page.to_string()), ("limit", limit.to_string())];
        if let Some(email) = &params.email {
            query.push(("email", email.clone()));
        }
        let query = serde_urlencoded::to_string(query).unwrap_or_default();
        format!("</api/users?{query}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if page < total_pages {
        links.push(link(page + 1, "next"));
    }
    if page > 1 && total_pages > 0 {
        links.push(link((page - 1).min(total_pages), "prev"));
    }
    if total_pages > 0 {
        links.push(link(1, "first"));
        links.push(link(total_pages, "last"));
    }
    if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
        if !links.is_empty() {
            headers.insert(LINK, value);
        }
    }
    let body = UserPage {
        data,
        pagination: Pagination {
            page,
            limit,
            total_pages,
            total_count: total,
            has_next: page < total_pages,
            has_prev: page > 1 && total_pages > 0,
        },
    };
    Ok((headers, Json(body)).into_response())
}

/// Creates a user.
///
/// Authentication first (an extractor of the headers), then the body, then its
/// fields.
#[utoipa::path(
    post,
    path = "/api/users",
    operation_id = "create_user",
    tag = "users",
    security(("bearer" = [])),
    request_body(content = NewUser, description = "At most 64 KiB."),
    responses(
        (
            status = 201,
            description = "The user.",
            body = UserOut,
            headers(
                ("Location" = String, description = "`/api/users/{id}`."),
                ("ETag" = String, description = "A strong validator of the user."),
                ("Cache-Control" = String, description = "`no-cache`."),
            ),
        ),
        (status = 408, description = "The body took over 1 s to arrive."),
        (status = 409, description = "Another user has this email (`EMAIL_TAKEN`, naming `email`)."),
    ),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    user: User,
    Valid(Json(new)): Valid<Json<NewUser>>,
) -> Result<Response, ApiError> {
    let mut store = state.write_users();
    if let Some(other) = store.email_owner(&new.email) {
        return Err(UserError::EmailTaken(other).into());
    }
    let record = store.insert(user.id, new.name.trim(), &new.email);
    let location = format!("/api/users/{}", record.user.id);
    Ok((
        StatusCode::CREATED,
        [(LOCATION, location)],
        validators(record),
        Json(&record.user),
    )
        .into_response())
}

/// Reads a user.
///
/// Public, with an ETag; 304 when `If-None-Match` matches it. HEAD too.
#[utoipa::path(
    get,
    path = "/api/users/{id}",
    operation_id = "show_user",
    tag = "users",
    params(
        ("id" = u64, Path, description = "The user's id."),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "ETags the client has (weak comparison)."),
    ),
    responses(
        (
            status = 200,
            description = "The user.",
            body = UserOut,
            headers(
                ("ETag" = String, description = "A strong validator of the user."),
                ("Cache-Control" = String, description = "`no-cache`."),
            ),
        ),
        (
            status = 304,
            description = "The client's copy is current.",
            headers(("ETag" = String), ("Cache-Control" = String)),
        ),
        (status = 410, description = "The user was deleted."),
    ),
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store = state.read_users();
    let record = store.get(id)?;
    // RFC 9110 §13.1.2: If-None-Match uses the weak comparison.
    if let Some(if_none_match) = headers.typed_get::<IfNoneMatch>() {
        if !if_none_match.precondition_passes(&record.etag()) {
            // RFC 9110 §15.4.5: a 304 repeats the ETag and Cache-Control of the 200.
            return Ok((StatusCode::NOT_MODIFIED, validators(record)).into_response());
        }
    }
    Ok((validators(record), Json(&record.user)).into_response())
}

/// Replaces a user.
///
/// The owner or an admin; the body is read only after the caller is authenticated
/// and authorised and the precondition holds.
#[utoipa::path(
    put,
    path = "/api/users/{id}",
    operation_id = "replace_user",
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = u64, Path, description = "The user's id."),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag the change is based on (strong comparison)."),
    ),
    request_body(content = NewUser, description = "At most 64 KiB."),
    responses(
        (
            status = 200,
            description = "The user, changed.",
            body = UserOut,
            headers(
                ("ETag" = String, description = "The user's new validator."),
                ("Cache-Control" = String, description = "`no-cache`."),
            ),
        ),
        (status = 408, description = "The body took over 1 s to arrive."),
        (status = 409, description = "Another user has this email (`EMAIL_TAKEN`, naming `email`)."),
        (status = 410, description = "The user was deleted."),
        (status = 412, description = "`If-Match` does not match the user's ETag."),
    ),
)]
pub(crate) async fn replace(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
    request: Request,
) -> Result<Response, ApiError> {
    {
        let store = state.read_users();
        let record = store.get(id)?;
        if !user.may_manage(record.owner) {
            return Err(ApiError::forbidden()
                .with_message("Only the owner or an admin may change this user."));
        }
        check_if_match(request.headers(), record)?;
    }
    let Valid(Json(new)) = Valid::<Json<NewUser>>::from_request(request, &()).await?;

    let mut store = state.write_users();
    if let Some(other) = store.email_owner(&new.email).filter(|&other| other != id) {
        return Err(UserError::EmailTaken(other).into());
    }
    let record = store.users.get_mut(&id).ok_or(UserError::Deleted(id))?;
    record.user.name = new.name.trim().to_owned();
    record.user.email = new.email;
    record.version += 1;
    Ok((validators(record), Json(&record.user)).into_response())
}

/// Deletes a user.
///
/// Admins only; the id answers 410 afterwards.
#[utoipa::path(
    delete,
    path = "/api/users/{id}",
    operation_id = "delete_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = u64, Path, description = "The user's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 410, description = "The user was deleted already."),
    ),
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    user.require_admin()?;
    let mut store = state.write_users();
    store.get(id)?;
    store.users.remove(&id);
    store.deleted.insert(id);
    Ok(StatusCode::NO_CONTENT)
}

/// Reads a user's private data.
///
/// The owner or an admin. Anyone else gets the very 404 a missing user gives, so
/// that a user's existence stays private.
#[utoipa::path(
    get,
    path = "/api/users/{id}/private",
    operation_id = "show_private_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = u64, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The user's private data.", body = PrivateUser),
        (status = 410, description = "The user was deleted."),
    ),
)]
pub(crate) async fn private(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let store = state.read_users();
    let record = store.get(id)?;
    if !user.may_manage(record.owner) {
        return Err(ApiError::concealed_not_found().with_message(format!(
            "user {} may not read user {id}'s private data",
            user.id
        )));
    }
    Ok(Json(PrivateUser {
        id: record.user.id,
        email: record.user.email.clone(),
        owner: record.owner,
        version: record.version,
    })
    .into_response())
}

/// A user's private data.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PrivateUser {
    id: u64,
    #[schema(format = Email)]
    email: String,
    /// The id of the user who owns it.
    owner: u64,
    /// How many times it was written.
    version: u64,
}

/// The store's counts.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stats {
    user_count: usize,
    deleted_count: usize,
}

/// Counts the users.
///
/// Admins only.
#[utoipa::path(
    get,
    path = "/api/admin/stats",
    operation_id = "admin_stats",
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, description = "The counts.", body = Stats)),
)]
pub(crate) async fn stats(
    State(state): State<AppState>,
    user: User,
) -> Result<Json<Stats>, ApiError> {
    user.require_admin()?;
    let (user_count, deleted_count) = state.read_users().counts();
    Ok(Json(Stats {
        user_count,
        deleted_count,
    }))
}

/// RFC 9110 §13.1.1: If-Match uses the strong comparison; a mismatch is a 412.
fn check_if_match(headers: &HeaderMap, record: &Record) -> Result<(), UserError> {
    match headers.typed_get::<IfMatch>() {
        Some(if_match) if !if_match.precondition_passes(&record.etag()) => Err(UserError::Changed),
        _ => Ok(()),
    }
}

/// `ETag` and `Cache-Control: no-cache`: caches may store it, and must revalidate.
fn validators(record: &Record) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.typed_insert(record.etag());
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    debug_assert!(headers.contains_key(ETAG));
    headers
}

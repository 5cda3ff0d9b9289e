//! `/api/reports`: an asynchronous job, answered `202 Accepted` with where to poll.

use std::{collections::HashMap, sync::Mutex};

use axum::{
    extract::State,
    http::{header::LOCATION, StatusCode},
    response::{IntoResponse, Response},
};
use axum_api_error::{ApiError, FieldErrors, Json, Path, Valid, ValidateFields};
use serde::{de, Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::{auth::User, AppState};

#[derive(Debug, Default)]
pub(crate) struct Jobs(Mutex<HashMap<String, Job>>);

/// A report job.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Job {
    /// An opaque id.
    job_id: String,
    #[schema(value_type = String, example = "queued")]
    status: &'static str,
    /// Where to poll: equal to the `Location` of the 202.
    status_url: String,
    #[serde(rename = "type")]
    kind: String,
    year: i32,
}

/// What to report on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportRequest {
    /// Not all whitespace.
    #[serde(rename = "type")]
    #[schema(
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    kind: String,
    #[schema(minimum = 2000, maximum = 2100)]
    #[serde(deserialize_with = "integer")]
    year: i32,
}

/// An `i32` written as any JSON number without a fraction: JSON Schema's `integer`
/// takes `2039.0` too (JSON Schema Validation 2020-12 §6.1.1), so the server does.
fn integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            // Whole and small: exact as an i64.
            .map(|f| f as i64)
    });
    match whole {
        Some(whole) => i32::try_from(whole).map_err(|_| {
            de::Error::invalid_value(de::Unexpected::Signed(whole), &"a 32-bit integer")
        }),
        None => Err(de::Error::invalid_type(
            number
                .as_f64()
                .map_or(de::Unexpected::Other("a number"), de::Unexpected::Float),
            &"an integer",
        )),
    }
}

impl ValidateFields for ReportRequest {
    fn validate_fields(&self, errors: &mut FieldErrors) {
        errors
            .check(
                !self.kind.trim().is_empty(),
                "type",
                "Must not be empty.",
                "REQUIRED",
            )
            .check(
                (2000..=2100).contains(&self.year),
                "year",
                "Must be from 2000 to 2100.",
                "OUT_OF_RANGE",
            );
    }
}

/// Queues a report.
#[utoipa::path(
    post,
    path = "/api/reports",
    operation_id = "create_report",
    tag = "reports",
    security(("bearer" = [])),
    request_body(content = ReportRequest, description = "At most 64 KiB."),
    responses(
        (
            status = 202,
            description = "Queued; poll `statusUrl`.",
            body = Job,
            headers(("Location" = String, description = "The job's `statusUrl`.")),
        ),
        (status = 408, description = "The body took over 1 s to arrive."),
    ),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    _user: User,
    Valid(Json(request)): Valid<Json<ReportRequest>>,
) -> Response {
    // An opaque id: a random UUID.
    let job_id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
        .into_uuid()
        .to_string();
    let status_url = format!("/api/reports/jobs/{job_id}");
    let job = Job {
        job_id: job_id.clone(),
        status: "queued",
        status_url: status_url.clone(),
        kind: request.kind,
        year: request.year,
    };
    state
        .jobs
        .0
        .lock()
        .expect("the jobs lock is never poisoned")
        .insert(job_id, job.clone());
    (StatusCode::ACCEPTED, [(LOCATION, status_url)], Json(job)).into_response()
}

/// Reads a report job.
///
/// Any id that names no job is a 404.
#[utoipa::path(
    get,
    path = "/api/reports/jobs/{jobId}",
    operation_id = "show_report_job",
    tag = "reports",
    params(("jobId" = String, Path, description = "The job's id.")),
    responses((status = 200, description = "The job.", body = Job)),
)]
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    let jobs = state
        .jobs
        .0
        .lock()
        .expect("the jobs lock is never poisoned");
    jobs.get(&job_id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found().with_message("No report job has this id."))
}

//! `/api/reports`: an asynchronous job, answered `202 Accepted` with where to poll.

use std::{collections::HashMap, sync::Mutex};

use axum::{
    extract::State,
    http::{header::LOCATION, StatusCode},
    response::{IntoResponse, Response},
};
use axum_api_error::{ApiError, FieldErrors, Json, Path, Valid, ValidateFields};
use serde::{Deserialize, Serialize};

use super::{auth::User, AppState};

#[derive(Debug, Default)]
pub(crate) struct Jobs(Mutex<HashMap<String, Job>>);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Job {
    job_id: String,
    status: &'static str,
    status_url: String,
    #[serde(rename = "type")]
    kind: String,
    year: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportRequest {
    #[serde(rename = "type")]
    kind: String,
    year: i32,
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

/// `POST /api/reports`
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

/// `GET /api/reports/jobs/{jobId}`: any id that names no job is a 404.
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

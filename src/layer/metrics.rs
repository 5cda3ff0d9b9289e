//! Metrics (feature `metrics`), through the `metrics` crate's facade, so that any
//! exporter (Prometheus, OpenTelemetry, StatsD) plugs in. The labels are bounded:
//! the route template, never the raw path; the method, or `_OTHER`.

use std::{cell::Cell, time::Instant};

use axum::extract::MatchedPath;
use http::{Method, StatusCode};

/// Responses, by `method`, `route`, `status` and `code` (the error's code; empty
/// for a success).
pub const RESPONSES: &str = "http_server_responses_total";
/// Seconds from the request reaching the layer to its response, by `method`,
/// `route` and `status`.
pub const DURATION: &str = "http_server_request_duration_seconds";
/// Requests whose client went away before the response was ready (nginx's 499),
/// by `method` and `route`.
pub const ABORTED: &str = "http_server_requests_aborted_total";
/// The `route` of a request the layer saw before routing (wrapped around the whole
/// `Router`) or that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// What the layer keeps of a request to measure it. Dropped before the response
/// was ready, it counts the request as aborted.
#[derive(Debug)]
pub(crate) struct Measure {
    started: Instant,
    method: &'static str,
    route: String,
    counted: Cell<bool>,
    done: Cell<bool>,
}

impl Measure {
    pub(crate) fn start(method: &Method, route: Option<&MatchedPath>) -> Self {
        Self {
            started: Instant::now(),
            method: method_label(method),
            route: route.map_or(UNMATCHED, MatchedPath::as_str).to_owned(),
            counted: Cell::new(false),
            done: Cell::new(false),
        }
    }

    /// The response is ready: a success is counted here, an error where it was
    /// logged (with its code), or by the inner layer that finished it.
    pub(crate) fn done(&self, status: StatusCode) {
        self.done.set(true);
        if status.as_u16() < 400 {
            self.response(status, "");
        }
    }

    /// One response: its count (with the error's `code`) and its duration, once.
    pub(crate) fn response(&self, status: StatusCode, code: &str) {
        if self.counted.replace(true) {
            return;
        }
        let status = status.as_u16().to_string();
        ::metrics::counter!(
            RESPONSES,
            "method" => self.method,
            "route" => self.route.clone(),
            "status" => status.clone(),
            "code" => code.to_owned(),
        )
        .increment(1);
        ::metrics::histogram!(
            DURATION,
            "method" => self.method,
            "route" => self.route.clone(),
            "status" => status,
        )
        .record(self.started.elapsed().as_secs_f64());
    }
}

impl Drop for Measure {
    /// Dropped unfinished: the server dropped the response future, because the
    /// client went away (or a timeout outside the layer gave up on it).
    fn drop(&mut self) {
        if !self.done.get() {
            ::metrics::counter!(ABORTED, "method" => self.method, "route" => self.route.clone())
                .increment(1);
        }
    }
}

/// The method, or `_OTHER` for one outside RFC 9110's and PATCH (OpenTelemetry's
/// rule), so that a client cannot grow the label set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "_OTHER",
    }
}

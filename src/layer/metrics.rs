//! Metrics (feature `metrics`), through the `metrics` crate's facade, so that any
//! exporter (Prometheus, OpenTelemetry, StatsD) plugs in. The labels are bounded:
//! the route template, never the raw path; the method, or `_OTHER`.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        OnceLock,
    },
    time::Instant,
};

use axum::extract::MatchedPath;
use http::{Method, Request, StatusCode};

use super::Config;

/// Responses, by `method`, `route`, `status` and `code` (the error's code; empty
/// for a success and for an error body the app chose itself). Codes are the app's
/// own: one built from request data (`with_code(format!(..))`) would make this
/// label unbounded.
pub const RESPONSES: &str = "http_server_responses_total";
/// Seconds from the request reaching the layer to its response, by `method`,
/// `route` and `status`.
pub const DURATION: &str = "http_server_request_duration_seconds";
/// Requests whose client went away before the response was ready (nginx's 499),
/// by `method` and `route`: the server dropped the request before its status and
/// headers existed. A client that leaves while the body streams is not counted.
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
    /// The code of the error the layer logged.
    code: OnceLock<String>,
    done: AtomicBool,
}

/// In a request's extensions: an outer layer measures it, so an inner one does not.
#[derive(Debug, Clone, Copy)]
struct Measured;

impl Measure {
    /// The measure of a request, with metrics on and no outer layer measuring it.
    pub(crate) fn start<B>(config: &Config, req: &mut Request<B>) -> Option<Self> {
        if !config.metrics || req.extensions().get::<Measured>().is_some() {
            return None;
        }
        req.extensions_mut().insert(Measured);
        Some(Self {
            started: Instant::now(),
            method: method_label(req.method()),
            route: req
                .extensions()
                .get::<MatchedPath>()
                .map_or(UNMATCHED, MatchedPath::as_str)
                .to_owned(),
            code: OnceLock::new(),
            done: AtomicBool::new(false),
        })
    }

    /// The code of the error the layer logged for this request.
    pub(crate) fn set_code(&self, code: &str) {
        let _ = self.code.set(code.to_owned());
    }

    /// The response is ready: its count, with the code of the error this layer (or
    /// an inner one, `finished`) gave it, empty for a success or a body the app
    /// chose, and its duration.
    pub(crate) fn done(&self, status: StatusCode, finished: Option<&str>) {
        self.done.store(true, Ordering::Relaxed);
        let code = self
            .code
            .get()
            .map(String::as_str)
            .or(finished)
            .unwrap_or("");
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

    /// The inner service failed without a response: neither counted nor aborted.
    pub(crate) fn failed(&self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

impl Drop for Measure {
    /// Dropped unfinished: the server dropped the response future, because the
    /// client went away (or a timeout outside the layer gave up on it).
    fn drop(&mut self) {
        if !self.done.load(Ordering::Relaxed) {
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

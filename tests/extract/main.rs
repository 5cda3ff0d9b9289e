//! Integration tests of the drop-in extractors (`Json`, `Query`, `Path`, `Form`),
//! `Valid<E>` with `ValidateFields`, and the `From` conversions into `ApiError`, driving a
//! real `axum::Router` in-process with `tower::ServiceExt::oneshot`.
//!
//! Every error case is sent three ways: to the router alone, through
//! `ApiErrorLayer` added with `Router::layer` (with an incoming `x-request-id`), and
//! through `ApiErrorLayer` wrapped around the whole router (with a generated id).
//! Each checks the status, the complete header map (so a header that appears or
//! disappears fails) and the whole JSON body; with the layer the body must also carry
//! a `requestId` equal to the `x-request-id` header.
//!
//! The shared helpers are in `support`, the types, handlers and routers that several
//! modules use in `apps`; each other module is one area.

mod apps;
mod support;

mod axum_rejections;
mod conversions;
mod form;
mod json;
mod layer;
mod optional;
mod path;
mod query;
mod responses;
mod validation;

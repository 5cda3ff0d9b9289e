//! The users API: its state, its routes and its layers. `main.rs` runs it; the
//! end-to-end tests (`examples/users_api/tests/users_api/` and `robustness/`)
//! include this module and run it too. The routes and their OpenAPI document come
//! from the same handlers (utoipa-axum's `OpenApiRouter`); `docs.rs` adds the
//! errors.

pub(crate) mod auth;
pub(crate) mod docs;
pub(crate) mod rate_limit;
pub(crate) mod reports;
pub(crate) mod users;

use std::{
    future::Future,
    io,
    net::SocketAddr,
    sync::{Arc, RwLock},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header::CACHE_CONTROL, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension, Router,
};
use axum_api_error::{
    cors::{Cors, InvalidOrigin},
    headers::Challenge,
    ApiError, ApiErrorLayer, Json,
};
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};
use tower_http::{
    limit::RequestBodyLimitLayer,
    set_header::SetResponseHeaderLayer,
    timeout::{RequestBodyTimeoutLayer, TimeoutLayer},
};
use utoipa::ToSchema;
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt},
    routes,
};

/// The largest `/api/users` body.
pub(crate) const USERS_BODY_LIMIT: usize = 64 * 1024;
/// The largest `/api/reports` body, as for `/api/users`.
pub(crate) const REPORTS_BODY_LIMIT: usize = 64 * 1024;
/// The largest `/api/uploads` body.
pub(crate) const UPLOAD_LIMIT: usize = 1024 * 1024;
/// How long a handler may take before the app answers 503.
pub(crate) const HANDLER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a request body may take to arrive: shorter than the handler's timeout,
/// so a client that stalls gets its own 408.
pub(crate) const BODY_TIMEOUT: Duration = Duration::from_secs(1);
/// How long shutdown waits for requests in flight.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(4);

/// What the handlers share.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) users: Arc<RwLock<users::Store>>,
    pub(crate) limiter: Arc<rate_limit::RateLimiter>,
    pub(crate) jobs: Arc<reports::Jobs>,
    /// A backing service that is down (connections to it are refused).
    pub(crate) dependency: SocketAddr,
}

impl AppState {
    /// The store, to read. A panic while the lock is held poisons it; every change
    /// to the store is made whole before anything can panic, so the data is still
    /// sound and the lock is taken anyway, rather than failing every later request.
    pub(crate) fn read_users(&self) -> std::sync::RwLockReadGuard<'_, users::Store> {
        self.users
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The store, to change.
    pub(crate) fn write_users(&self) -> std::sync::RwLockWriteGuard<'_, users::Store> {
        self.users
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn new() -> Self {
        Self {
            users: Arc::new(RwLock::new(users::Store::seeded())),
            limiter: Arc::new(rate_limit::RateLimiter::new(5, Duration::from_secs(60))),
            jobs: Arc::default(),
            dependency: refused_address(),
        }
    }
}

/// No origin allowed, as when `CORS_ORIGINS` is unset: for the tests.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn no_origins() -> Cors {
    Cors::exact_origins([""; 0]).expect("no origin is a valid list")
}

/// The origins `CORS_ORIGINS` lists, from `std::env::var("CORS_ORIGINS")`:
/// comma-separated (`http://localhost:5173,https://app.example.com`), none when it is
/// unset or empty.
///
/// # Errors
///
/// When one is not an origin (`scheme://host[:port]`), or the variable is not UTF-8.
pub(crate) fn cors_origins(var: Result<String, std::env::VarError>) -> Result<Cors, String> {
    let origins = match var {
        Ok(origins) => origins,
        Err(std::env::VarError::NotPresent) => String::new(),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err("CORS_ORIGINS is not UTF-8".to_owned())
        }
    };
    Cors::exact_origins(origins.split(',')).map_err(|e: InvalidOrigin| format!("CORS_ORIGINS: {e}"))
}

/// The router, with or without `ApiErrorLayer`: without it only to measure what
/// the layer costs (`scripts/load.sh`), since the contract needs it. `cors` is
/// outermost, so that every response, a panic's 500 included, carries its headers
/// and preflights are answered before authentication and the rate limit.
pub(crate) fn app_with(error_layer: bool, cors: Cors) -> Router {
    let (router, openapi) = routes().split_for_parts();
    let openapi = Arc::new(docs::document(openapi));
    let router = router
        .layer(Extension(openapi))
        // Every 2xx says how long it may be cached; handlers with an ETag say
        // `no-cache`, the rest get `no-store`.
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        // The server's own slowness: 503, never 408 (the client was not slow).
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            HANDLER_TIMEOUT,
        ))
        .with_state(AppState::new());
    let router = if error_layer {
        // Outside the app's own layers, so that it sees every response, the
        // timeout's included.
        router.layer(
            ApiErrorLayer::new()
                .with_challenge(Challenge::bearer().with_realm("api"))
                // `traceparent` continued, `traceId` in every error.
                .with_trace_context(true),
        )
    } else {
        router
    };
    router.layer(cors)
}

/// The routes and, from the same handlers, their OpenAPI document.
fn routes() -> OpenApiRouter<AppState> {
    let users_routes = OpenApiRouter::new()
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::show, users::replace, users::remove))
        .routes(routes!(users::private))
        // Answers 413 from Content-Length before the body is read, and stops a chunked
        // body at the limit.
        .layer(RequestBodyLimitLayer::new(USERS_BODY_LIMIT));

    OpenApiRouter::with_openapi(docs::base())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .merge(users_routes)
        .routes(routes!(users::stats))
        .routes(routes!(rate_limit::limited))
        .routes(routes!(upload).layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT)))
        .routes(routes!(reports::create).layer(RequestBodyLimitLayer::new(REPORTS_BODY_LIMIT)))
        .routes(routes!(reports::show))
        .routes(routes!(maintenance))
        .routes(routes!(dependency))
        .routes(routes!(crash))
        .routes(routes!(internal))
        .routes(routes!(slow))
}

/// Serves the app, with fresh state and the origins of `cors`, on `listener` until
/// `shutdown` completes, then lets the requests in flight finish for at most
/// [`SHUTDOWN_GRACE`].
pub(crate) async fn serve(
    listener: TcpListener,
    cors: Cors,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    serve_router(listener, app_with(true, cors), shutdown).await
}

/// [`serve`] with a router of the caller's.
pub(crate) async fn serve_router(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, waiting for requests in flight");
        let _ = signalled.send(());
    });
    tokio::select! {
        result = std::future::IntoFuture::into_future(server) => result,
        () = async {
            match on_signal.await {
                Ok(()) => tokio::time::sleep(SHUTDOWN_GRACE).await,
                Err(_) => std::future::pending().await,
            }
        } => {
            tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; exiting anyway");
            Ok(())
        }
    }
}

/// An address on which nothing listens: a port bound and released at once.
fn refused_address() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 9)))
}

#[derive(Debug, Serialize, ToSchema)]
struct Health {
    #[schema(example = "ok")]
    status: &'static str,
}

/// Says the server is up.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "Up.", body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", body = Object)),
)]
async fn openapi_json(Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>) -> Response {
    Json(doc.as_ref()).into_response()
}

#[derive(Debug, Serialize, ToSchema)]
struct Uploaded {
    /// The body's length in bytes.
    size: usize,
}

/// Takes any body of up to 1 MiB.
#[utoipa::path(
    post,
    path = "/api/uploads",
    tag = "uploads",
    request_body(content = Option<String>, content_type = "application/octet-stream", description = "Any bytes, none included, at most 1 MiB."),
    responses(
        (status = 201, description = "Received.", body = Uploaded),
        (status = 408, description = "The body took over 1 s to arrive."),
    ),
)]
async fn upload(body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let body = body?;
    Ok((StatusCode::CREATED, Json(Uploaded { size: body.len() })).into_response())
}

/// Down for maintenance.
#[utoipa::path(
    get,
    path = "/api/maintenance",
    tag = "failures",
    responses((status = 503, description = "Always: down for maintenance (`MAINTENANCE`, `Retry-After: 300`).")),
)]
async fn maintenance() -> ApiError {
    ApiError::service_unavailable()
        .with_message("The API is down for maintenance. Try again in five minutes.")
        .with_code("MAINTENANCE")
        .with_retry_after(Duration::from_secs(300))
}

/// Calls a backing service that is down.
///
/// The service refuses the connection; the io error becomes a 503
/// `DEPENDENCY_UNAVAILABLE` through `?`.
#[utoipa::path(
    get,
    path = "/api/dependency",
    tag = "failures",
    responses((status = 503, description = "Always: the backing service is down (`DEPENDENCY_UNAVAILABLE`).")),
)]
async fn dependency(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    let _stream = TcpStream::connect(state.dependency).await?;
    Ok("connected")
}

/// Panics.
#[utoipa::path(
    get,
    path = "/api/crash",
    tag = "failures",
    responses((status = 500, description = "Always: the handler panics; the panic is logged, not sent.")),
)]
async fn crash() -> &'static str {
    panic!("SECRET-PANIC-TEXT: the crash route panics on purpose");
}

#[derive(Debug, thiserror::Error)]
#[error("querying the users table")]
struct QueryFailed(#[source] io::Error);

/// Fails with a secret in the error's source.
#[utoipa::path(
    get,
    path = "/api/internal",
    tag = "failures",
    responses((status = 500, description = "Always: the source is logged, not sent.")),
)]
async fn internal() -> Result<&'static str, ApiError> {
    let cause = io::Error::other("connection to postgres://app:SECRET-DB-PASSWORD@db:5432 reset");
    Err(ApiError::internal(QueryFailed(cause)))
}

/// Takes longer than the app's 2 s timeout.
#[utoipa::path(
    get,
    path = "/api/slow",
    tag = "failures",
    responses((status = 503, description = "Always, after 2 s: the app's timeout.")),
)]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "too late"
}

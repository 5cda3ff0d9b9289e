//! Apps on a free port of 127.0.0.1, and a reqwest client that reads whole responses.

use std::{
    collections::BTreeSet, convert::Infallible, future::Future, net::SocketAddr, time::Duration,
};

use axum::{extract::Request, response::Response};
use reqwest::{header::HeaderMap, Method, RequestBuilder};
use serde_json::Value;
use tokio::net::TcpListener;
use tower::Service;

/// `body` without the `traceId` of an error (status >= 400), checked to be a W3C
/// trace id when there.
#[track_caller]
pub(crate) fn without_trace_id(status: u16, mut body: Value) -> Value {
    if status < 400 {
        return body;
    }
    if let Some(trace_id) = body.as_object_mut().and_then(|o| o.remove("traceId")) {
        let text = trace_id.as_str().unwrap_or_default();
        assert!(
            crate::oracle::is_trace_id(text),
            "traceId {trace_id} is no trace id in {body}"
        );
    }
    body
}

/// A running app on its own port, and a client for it.
#[derive(Debug, Clone)]
pub struct Server {
    /// Where the app listens.
    pub addr: SocketAddr,
    /// A client with no proxy and a 20 s timeout.
    pub client: reqwest::Client,
}

/// Starts `run` on a listener bound to a free port of 127.0.0.1, as a task of the
/// current runtime: it runs until the test's runtime ends.
pub async fn serve<F, Fut>(run: F) -> Server
where
    F: FnOnce(TcpListener) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(run(listener));
    Server {
        addr,
        client: client(),
    }
}

/// Any service, served with `axum::serve` on a free port of 127.0.0.1.
pub async fn serve_service<S>(service: S) -> Server
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    serve(|listener| async move {
        let make = axum::ServiceExt::<Request>::into_make_service(service);
        axum::serve(listener, make).await
    })
    .await
}

/// [`serve_service`] with the peer address, for extractors and rate limiters that
/// read it (`ConnectInfo<SocketAddr>`, tower_governor's default key).
pub async fn serve_with_peer<S>(service: S) -> Server
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    serve(|listener| async move {
        let make =
            axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(service);
        axum::serve(listener, make).await
    })
    .await
}

/// A reqwest client for loopback: no proxy, a 20 s timeout.
#[must_use]
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A client that speaks HTTP/2 only, cleartext with prior knowledge (h2c), with no
/// proxy and a 20 s timeout.
pub fn h2_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

impl Server {
    /// The same server through an HTTP/2 (h2c) client.
    #[must_use]
    pub fn over_http2(&self) -> Self {
        Self {
            addr: self.addr,
            client: h2_client(),
        }
    }

    /// `http://addr{path}`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A request to `path`.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// `GET path`, read to the end.
    pub async fn get(&self, path: &str) -> Res {
        send(self.req(Method::GET, path)).await
    }

    /// `GET path` with `Authorization: auth`.
    pub async fn get_as(&self, path: &str, auth: &str) -> Res {
        send(self.req(Method::GET, path).header("authorization", auth)).await
    }

    /// A JSON body sent with `Content-Type: application/json` and `Authorization`.
    pub async fn send_json(&self, method: Method, path: &str, auth: &str, body: &Value) -> Res {
        send(
            self.req(method, path)
                .header("authorization", auth)
                .json(body),
        )
        .await
    }
}

/// A response read to the end.
#[derive(Debug)]
pub struct Res {
    /// The status code.
    pub status: u16,
    /// Every header.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

/// Sends `request` and reads the whole response.
pub async fn send(request: RequestBuilder) -> Res {
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.unwrap().to_vec();
    Res {
        status,
        headers,
        body,
    }
}

impl Res {
    /// The one value of header `name`: fails when it is missing or repeated.
    #[track_caller]
    #[must_use]
    pub fn header(&self, name: &str) -> &str {
        let values: Vec<_> = self.headers.get_all(name).iter().collect();
        assert_eq!(
            values.len(),
            1,
            "header {name}: {values:?} in {:?} (body {})",
            self.headers,
            self.text()
        );
        values[0].to_str().unwrap()
    }

    /// Whether header `name` is there.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    /// The body as text (lossily).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, an error's `traceId` (status >= 400) checked to be a W3C
    /// trace id and taken out, since it differs each time: fails when it is not
    /// JSON. [`Res::whole_json`] keeps it; the tests of trace context use that, and
    /// check that it is there.
    #[track_caller]
    #[must_use]
    pub fn json(&self) -> Value {
        without_trace_id(self.status, self.whole_json())
    }

    /// The whole body as JSON: fails when it is not.
    #[track_caller]
    #[must_use]
    pub fn whole_json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    /// The `x-request-id` header.
    #[track_caller]
    #[must_use]
    pub fn request_id(&self) -> String {
        self.header("x-request-id").to_owned()
    }

    /// The names of every header.
    #[must_use]
    pub fn header_names(&self) -> BTreeSet<String> {
        self.headers.keys().map(|k| k.as_str().to_owned()).collect()
    }

    /// The methods of `Allow`.
    #[track_caller]
    #[must_use]
    pub fn allow(&self) -> BTreeSet<String> {
        self.header("allow")
            .split(',')
            .map(|m| m.trim().to_owned())
            .collect()
    }

    /// Asserts the status (showing the body when it differs) and an `x-request-id`.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "headers {:?}, body {}",
            self.headers,
            self.text()
        );
        assert!(
            self.has("x-request-id"),
            "no x-request-id: {:?}",
            self.headers
        );
        self
    }

    /// A success: the status, and an explicit `Cache-Control` equal to `cache`.
    #[track_caller]
    pub fn expect_ok(&self, status: u16, cache: &str) -> &Self {
        self.expect(status);
        assert_eq!(self.header("cache-control"), cache);
        self
    }

    /// An error with the JSON body: the status and the headers every error carries.
    #[track_caller]
    pub fn expect_error(&self, status: u16) -> &Self {
        self.expect_error_as(status, "application/json")
    }

    /// An error in `content_type` (`application/json` or `application/problem+json`):
    /// the status, `Cache-Control: no-store`, `Vary: Accept`, a non-empty `code` and a
    /// `requestId` equal to the header.
    #[track_caller]
    pub fn expect_error_as(&self, status: u16, content_type: &str) -> &Self {
        self.expect(status);
        assert_eq!(self.header("content-type"), content_type);
        assert_eq!(self.header("cache-control"), "no-store");
        assert!(
            self.headers.get_all("vary").iter().any(|v| v
                .to_str()
                .unwrap()
                .split(',')
                .any(|n| n.trim().eq_ignore_ascii_case("accept"))),
            "no Vary: Accept in {:?}",
            self.headers
        );
        let body = self.json();
        assert_eq!(body["requestId"], self.request_id(), "{body}");
        assert!(
            body["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{body}"
        );
        self
    }
}

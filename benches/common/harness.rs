//! The driver every benchmark shares, axum's version aside: it needs only `http`,
//! `http-body` and `tower-service`, so that the rival's bench crate (`rival/`, on
//! axum 0.7) runs its cases exactly as the crate's own run theirs.

use std::{
    convert::Infallible,
    future::Future,
    pin::pin,
    task::{Context, Poll, Waker},
};

use http::{HeaderName, HeaderValue, Method, Request, Response, Uri};
use http_body::Body;
use tower_service::Service;

/// One request through `svc`, polled once: every case here completes without
/// waiting, so no runtime is needed and none is measured.
pub fn call<S, Req, B>(svc: &mut S, req: Request<Req>) -> Response<B>
where
    S: Service<Request<Req>, Response = Response<B>, Error = Infallible>,
{
    let future = pin!(svc.call(req));
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(value)) => value,
        Poll::Ready(Err(never)) => match never {},
        Poll::Pending => panic!("the benchmarked request did not complete in one poll"),
    }
}

/// The length of a body that is ready at once, read to its end as a server would.
pub fn collect<B: Body>(body: B) -> usize {
    let mut body = pin!(body);
    let mut cx = Context::from_waker(Waker::noop());
    let mut len = 0;
    loop {
        match body.as_mut().poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => {
                len += frame.data_ref().map_or(0, bytes::Buf::remaining);
            }
            Poll::Ready(None) => return len,
            Poll::Ready(Some(Err(_))) => panic!("the body failed"),
            Poll::Pending => panic!("the body was not ready at once"),
        }
    }
}

/// The request headers a case sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headers {
    /// None at all.
    None,
    /// `host`, `user-agent` and `accept`, as a typical client sends them.
    Typical,
}

impl Headers {
    /// `--no-headers` among the arguments means [`Headers::None`].
    pub fn from_args() -> Self {
        if std::env::args().any(|a| a == "--no-headers") {
            Self::None
        } else {
            Self::Typical
        }
    }
}

/// A request whose URI and header values are static, as hyper's are shared slices of
/// its read buffer: cloning them costs no allocation, here as on a real connection.
pub fn request<B>(
    headers: Headers,
    method: Method,
    uri: &'static str,
    body: B,
    extra: &[(&'static str, &'static str)],
) -> Request<B> {
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = Uri::from_static(uri);
    let typical: &[(&'static str, &'static str)] = match headers {
        Headers::None => &[],
        Headers::Typical => &[
            ("host", "127.0.0.1:3000"),
            ("user-agent", "bench/1.0"),
            ("accept", "*/*"),
        ],
    };
    let map = req.headers_mut();
    for (name, value) in typical.iter().chain(extra) {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

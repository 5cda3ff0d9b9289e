//! The `request_id` target.

use super::*;

/// The app of the `request_id` target: a handler that echoes the id it was given and
/// the request's own header, and one that fails; anything else is the fallback 404.
fn request_id_app() -> Router {
    Router::new()
        .route(
            "/id",
            get(|id: RequestId, headers: HeaderMap| async move {
                let mut out = id.as_str().as_bytes().to_vec();
                out.push(b'\n');
                if let Some(sent) = headers.get(X_REQUEST_ID) {
                    out.extend_from_slice(sent.as_bytes());
                }
                out
            }),
        )
        .route("/error", get(|| async { ApiError::gone() }))
}

thread_local! {
    static REQUEST_ID_APPS: (Router, ApiErrorService<Router>) = (
        request_id_app().layer(ApiErrorLayer::new()),
        ApiErrorLayer::new().layer(request_id_app()),
    );
}

/// The `request_id` target: `data` is an `X-Request-Id` value.
pub fn request_id(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let valid = oracle::is_safe_request_id(data);
    let parsed = RequestId::parse(&value);
    assert_eq!(
        parsed.is_some(),
        valid,
        "RequestId::parse({:?})",
        show(data)
    );
    if let Some(id) = &parsed {
        assert_eq!(id.as_str().as_bytes(), data);
        assert_eq!(id.to_string().as_bytes(), data);
        assert_eq!(id.header_value(), &value);
    }

    let path = ["/id", "/error", "/no-such-route"][data.len() % 3];
    let req = Request::get(path)
        .header(X_REQUEST_ID, value)
        .body(Body::empty())
        .expect("a valid request");
    let around_router = data.first().is_some_and(|b| b & 1 == 1);
    let (parts, body) = REQUEST_ID_APPS.with(|(routed, around)| {
        if around_router {
            send(around.clone(), req)
        } else {
            send(routed.clone(), req)
        }
    });
    let body = body.expect("a readable body");
    let id = single(&parts.headers, &X_REQUEST_ID).as_bytes();
    if valid {
        assert_eq!(id, data, "a valid id was not echoed");
    } else {
        assert_uuid_v4(id);
        assert!(RequestId::parse(&HeaderValue::from_bytes(id).unwrap()).is_some());
    }
    match path {
        "/id" => {
            assert_eq!(parts.status, StatusCode::OK);
            // The handler sees the same id, in the extension and in the request's
            // header alike: the layer writes the id it decided into the header.
            let expected = [id, b"\n", id].concat();
            assert_eq!(body, expected, "{}", show(&body));
        }
        _ => {
            let status = if path == "/error" {
                StatusCode::GONE
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(parts.status, status);
            let content_type = single(&parts.headers, &CONTENT_TYPE);
            let rendered = parse_rendered(status, content_type, &body, path);
            assert_eq!(rendered.request_id.as_deref().map(str::as_bytes), Some(id));
        }
    }
}

//! Request ids: 10 KB long, not UTF-8, with CR, LF or NUL, repeated.

use reqwest::{header::HeaderValue, Method};
use testkit::{
    oracle::is_uuid,
    raw::{get_with, raw_one},
    server::send,
};

use super::{assert_healthy, start};

#[tokio::test]
async fn a_10_kb_request_id_is_replaced_by_a_fresh_uuid() {
    let s = start().await;
    let alphabet = b"abcXYZ019._:-";
    let safe_chars: String = (0..10 * 1024)
        .map(|i| char::from(alphabet[i % alphabet.len()]))
        .collect();
    for id in ["a".repeat(10 * 1024), safe_chars] {
        let res = send(s.req(Method::GET, "/healthz").header("x-request-id", &id)).await;
        assert_eq!(res.status, 200, "{res:?}");
        assert!(is_uuid(res.header("x-request-id")), "{res:?}");
        assert_healthy(&s).await;

        let res = send(
            s.req(Method::GET, "/api/users/999999")
                .header("x-request-id", &id),
        )
        .await;
        let body = res.expect_error(404).json();
        assert!(is_uuid(res.header("x-request-id")), "{res:?}");
        assert!(!res.text().contains(&id[..200]), "the long id was echoed");
        assert_eq!(body["code"], "NOT_FOUND");
        assert_healthy(&s).await;

        // The same over a raw socket, with an 8 KB Accept beside it.
        let accept = format!("application/json, {}", "x/y, ".repeat(1600));
        let request = get_with(
            b"/api/users/999999",
            format!("x-request-id: {id}\r\naccept: {accept}\r\n").as_bytes(),
        );
        let res = raw_one(s.addr, request).await;
        res.assert_error(404);
        assert!(is_uuid(res.header("x-request-id").unwrap()), "{res:?}");
        assert_healthy(&s).await;
    }
}

#[tokio::test]
async fn request_ids_with_bytes_that_are_not_utf8_are_replaced() {
    let s = start().await;
    for bytes in [
        &b"\xff\xfe"[..],
        b"req-\x80\x81",
        b"caf\xe9",
        b"\xc3\xa9t\xc3\xa9",
        b"a\tb",
        &[0xff; 10 * 1024],
    ] {
        let value = HeaderValue::from_bytes(bytes).unwrap();
        let res = send(
            s.req(Method::GET, "/api/users/999999")
                .header("x-request-id", value),
        )
        .await;
        res.expect_error(404);
        assert!(is_uuid(res.header("x-request-id")), "{bytes:?}: {res:?}");
        assert_healthy(&s).await;
    }
}

/// Each hostile request id line, and what hyper or the app may do with it.
#[tokio::test]
async fn request_ids_with_cr_lf_or_nul_over_a_raw_socket() {
    let s = start().await;
    // Refused by hyper (or, if ever accepted, the id must not be kept).
    for line in [
        &b"x-request-id: abc\rdef\r\n"[..],
        b"x-request-id: abc\0def\r\n",
        b"x-request-id: \0\r\n",
        b"x-request-id: abc\r\r\n",
        b"x-request-id: abc\ndef\r\n",
        b"x-request-id: abc\x7fdef\r\n",
        b"x-request-id: abc\r\n def\r\n",
        b"x-request-id: abc\x01\x02\x1b[31m\r\n",
        b"x-request-id\0: abc\r\n",
        b"x-request-id : abc\r\n",
    ] {
        let res = raw_one(s.addr, get_with(b"/api/users/999999", line)).await;
        if let Some(body) = res.assert_4xx() {
            let id = res.header("x-request-id").unwrap();
            assert!(is_uuid(id), "{line:?} kept as {id:?}: {res:?}");
            assert_eq!(body["requestId"], id);
        }
        assert_healthy(&s).await;
    }

    // RFC 9112 §2.2: a recipient MAY take a bare LF as the end of a line. If hyper
    // does, `x-injected` is a header of its own and the id is `abc`: nothing is
    // injected into the response.
    let line = b"x-request-id: abc\nx-injected: yes\r\n";
    let res = raw_one(s.addr, get_with(b"/api/users/999999", line)).await;
    if let Some(body) = res.assert_4xx() {
        let id = res.header("x-request-id").unwrap();
        assert_eq!(body["requestId"], id);
        assert!(id == "abc" || is_uuid(id), "{res:?}");
        assert!(res.header("x-injected").is_none(), "{res:?}");
    }
    assert_healthy(&s).await;

    // Bytes that are not UTF-8, and a 10 KB id: accepted by hyper, replaced by the app.
    for line in [
        b"x-request-id: \xff\xfe\xfd\r\n".to_vec(),
        format!("x-request-id: {}\r\n", "z".repeat(10 * 1024)).into_bytes(),
    ] {
        let res = raw_one(s.addr, get_with(b"/api/users/999999", &line)).await;
        res.assert_error(404);
        assert!(is_uuid(res.header("x-request-id").unwrap()), "{res:?}");
        assert_healthy(&s).await;
    }

    // Two ids: the response carries exactly one, the one in the body.
    for lines in [
        &b"x-request-id: first-id\r\nx-request-id: second-id\r\n"[..],
        b"x-request-id: not valid\r\nx-request-id: second-id\r\n",
    ] {
        let res = raw_one(s.addr, get_with(b"/api/users/999999", lines)).await;
        let body = res.assert_error(404);
        assert_eq!(res.headers_named("x-request-id").len(), 1, "{res:?}");
        assert_eq!(body["requestId"], res.header("x-request-id").unwrap());
        assert_healthy(&s).await;
    }
}

//! Raw HTTP/1.1 over a blocking `std::net::TcpStream`, for what a client library
//! will not send: header bytes the `http` crate refuses (CR, LF, NUL), bodies that lie
//! about their length, half-closed connections. Each exchange runs on a blocking
//! thread, with read and write timeouts and a deadline of [`DEADLINE`].

use std::{
    io::{self, Read, Write},
    net::{Shutdown, SocketAddr, TcpStream},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use serde_json::Value;

/// How long any one raw exchange may take.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// One response as read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    /// The status code (0 when the status line does not parse).
    pub status: u16,
    /// The status line and header lines, as sent.
    pub head: String,
    /// The header fields, names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, dechunked.
    pub body: Vec<u8>,
    /// Whether the body ended as its framing says (false: the connection was cut).
    pub complete: bool,
}

impl RawResponse {
    /// The value of `name`: fails when it is repeated.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        let values = self.headers_named(name);
        assert!(values.len() <= 1, "{name} repeated: {self:?}");
        values.first().copied()
    }

    /// Every value of `name`.
    #[must_use]
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as text (lossily).
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, but a `traceId` (checked to be a trace id), as
    /// [`Res::json`](crate::server::Res::json): fails when it is not JSON.
    #[must_use]
    pub fn json(&self) -> Value {
        let mut body: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()));
        if let Some(trace_id) = body.as_object_mut().and_then(|o| o.remove("traceId")) {
            let text = trace_id.as_str().unwrap_or_default();
            assert!(
                crate::oracle::is_trace_id(text),
                "traceId {trace_id} is no trace id"
            );
        }
        body
    }

    /// An error of the app: `status`, the JSON error body with a `requestId` equal
    /// to the header. Returns the body.
    pub fn assert_error(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}\n{}", self.head, self.text());
        assert!(self.complete, "cut short: {self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        assert_eq!(self.header("cache-control"), Some("no-store"));
        let id = self.header("x-request-id").expect("an x-request-id");
        let body = self.json();
        assert_eq!(body["requestId"], id, "{body}");
        assert!(
            body["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{body}"
        );
        body
    }

    /// A clear 4xx: the app's error body, or hyper's bare 400/414/431 for a request
    /// it refused before routing (exempt in the contract). The app's body, if any.
    pub fn assert_4xx(&self) -> Option<Value> {
        assert!(
            (400..500).contains(&self.status),
            "not a 4xx: {}\n{}",
            self.head,
            self.text()
        );
        if self.header("x-request-id").is_some() {
            Some(self.assert_error(self.status))
        } else {
            assert!(
                matches!(self.status, 400 | 414 | 431),
                "a bare {} from hyper: {self:?}",
                self.status
            );
            None
        }
    }
}

/// What came back on one connection.
#[derive(Debug)]
pub struct Exchange {
    /// The responses, the last one possibly incomplete.
    pub responses: Vec<RawResponse>,
    /// Every byte read.
    pub bytes: Vec<u8>,
    /// From connecting to the last byte read.
    pub elapsed: Duration,
}

impl Exchange {
    /// The one response (interim 1xx responses included in the count).
    pub fn only(&self) -> &RawResponse {
        assert_eq!(
            self.responses.len(),
            1,
            "{:?}",
            String::from_utf8_lossy(&self.bytes)
        );
        &self.responses[0]
    }
}

/// What the client does once it has written everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Keeps the connection open until the responses have been read.
    Wait,
    /// Shuts down its write half (the server reads EOF), then reads.
    HalfClose,
}

/// The first position of `needle` in `haystack`.
#[must_use]
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The responses in `buf`, the last one possibly incomplete.
pub fn parse_responses(mut buf: &[u8]) -> Vec<RawResponse> {
    let mut out = Vec::new();
    while let Some(end) = find(buf, b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let rest = &buf[end + 4..];
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let (body, used, complete) = if (100..200).contains(&status) || status == 204 {
            (Vec::new(), 0, true)
        } else if chunked {
            dechunk(rest)
        } else if let Some(length) = length {
            let n = length.min(rest.len());
            (rest[..n].to_vec(), n, n == length)
        } else {
            // Delimited by the end of the connection.
            (rest.to_vec(), rest.len(), false)
        };
        out.push(RawResponse {
            status,
            head,
            headers,
            body,
            complete,
        });
        buf = &rest[used..];
    }
    out
}

/// Decodes a chunked body: (data, bytes used, whether the last chunk was seen).
pub fn dechunk(data: &[u8]) -> (Vec<u8>, usize, bool) {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let Some(eol) = find(&data[pos..], b"\r\n") else {
            return (body, data.len(), false);
        };
        let size_line = String::from_utf8_lossy(&data[pos..pos + eol]);
        let size_text = size_line.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return (body, data.len(), false);
        };
        let start = pos + eol + 2;
        if size == 0 {
            // No trailers from these servers: an empty line ends the body.
            return match find(&data[start..], b"\r\n") {
                Some(e) => (body, start + e + 2, true),
                None => (body, data.len(), false),
            };
        }
        if data.len() < start + size + 2 {
            body.extend_from_slice(&data[start..data.len().min(start + size)]);
            return (body, data.len(), false);
        }
        body.extend_from_slice(&data[start..start + size]);
        pos = start + size + 2;
    }
}

/// Reads until `want` final (non-1xx) responses are complete, or the server closes
/// the connection; fails after [`DEADLINE`].
pub fn read_responses(reader: &mut TcpStream, started: Instant, want: usize) -> Vec<u8> {
    reader
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let done = parse_responses(&buf)
            .iter()
            .filter(|r| r.complete && r.status >= 200)
            .count();
        if done >= want {
            return buf;
        }
        match reader.read(&mut chunk) {
            Ok(0) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                assert!(
                    started.elapsed() < DEADLINE,
                    "no end of response within {DEADLINE:?}: {:?}",
                    String::from_utf8_lossy(&buf)
                );
            }
            // The server closed with request bytes still unread in its buffer.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                ) =>
            {
                return buf
            }
            Err(e) => panic!("reading the response: {e}"),
        }
    }
}

/// Sends `parts` in order on a fresh connection (a writer thread stops at the first
/// write error), does `then`, and reads until `want` responses are complete or the
/// server closes.
pub fn exchange_blocking(
    addr: SocketAddr,
    parts: Vec<Vec<u8>>,
    then: Then,
    want: usize,
) -> Exchange {
    let started = Instant::now();
    let mut reader = TcpStream::connect(addr).unwrap();
    let mut writer = reader.try_clone().unwrap();
    writer.set_write_timeout(Some(DEADLINE)).unwrap();
    let writing = std::thread::spawn(move || {
        let written = parts.iter().all(|part| writer.write_all(part).is_ok());
        if written && then == Then::HalfClose {
            let _ = writer.shutdown(Shutdown::Write);
        }
        // Returned, so that the socket stays open until the response has been read.
        writer
    });
    let bytes = read_responses(&mut reader, started, want);
    let elapsed = started.elapsed();
    let _ = reader.shutdown(Shutdown::Both);
    drop(writing.join().unwrap());
    Exchange {
        responses: parse_responses(&bytes),
        bytes,
        elapsed,
    }
}

/// [`exchange_blocking`] on a blocking thread.
pub async fn exchange(addr: SocketAddr, parts: Vec<Vec<u8>>, then: Then, want: usize) -> Exchange {
    tokio::task::spawn_blocking(move || exchange_blocking(addr, parts, then, want))
        .await
        .unwrap()
}

/// Sends one request (which should end the connection: `connection: close`, or
/// something hyper refuses) and returns its one response.
pub async fn raw_one(addr: SocketAddr, request: Vec<u8>) -> RawResponse {
    let mut ex = exchange(addr, vec![request], Then::Wait, usize::MAX).await;
    ex.only();
    ex.responses.remove(0)
}

/// A `GET` with `connection: close` and the header lines `extra` (each ending in
/// CRLF, or whatever hostile bytes the test wants).
pub fn get_with(path: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut request = b"GET ".to_vec();
    request.extend_from_slice(path);
    request.extend_from_slice(b" HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    request.extend_from_slice(extra);
    request.extend_from_slice(b"\r\n");
    request
}

/// A request head: `method path`, `host`, then the header lines `extra`.
pub fn head(method: &str, path: &str, extra: &str) -> Vec<u8> {
    format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n{extra}\r\n").into_bytes()
}

/// `n` bytes of `byte` as chunks of at most `chunk` bytes, chunk-encoded, with the
/// last chunk.
pub fn chunked(body: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let mut parts: Vec<Vec<u8>> = body
        .chunks(chunk)
        .map(|c| {
            let mut part = format!("{:x}\r\n", c.len()).into_bytes();
            part.extend_from_slice(c);
            part.extend_from_slice(b"\r\n");
            part
        })
        .collect();
    parts.push(b"0\r\n\r\n".to_vec());
    parts
}

/// Streams a chunked body of `x`s after `head` until the server answers, stopping at
/// `max` bytes (then ending the body). Returns the response and the body bytes sent.
pub fn stream_until_answer_blocking(
    addr: SocketAddr,
    head: Vec<u8>,
    max: usize,
) -> (RawResponse, usize) {
    const CHUNK: usize = 64 * 1024;
    let started = Instant::now();
    let mut reader = TcpStream::connect(addr).unwrap();
    let mut writer = reader.try_clone().unwrap();
    writer.set_write_timeout(Some(DEADLINE)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let writing = {
        let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
        std::thread::spawn(move || {
            let mut frame = format!("{CHUNK:x}\r\n").into_bytes();
            frame.extend(std::iter::repeat_n(b'x', CHUNK));
            frame.extend_from_slice(b"\r\n");
            if writer.write_all(&head).is_err() {
                return writer;
            }
            while !stop.load(Ordering::SeqCst)
                && sent.load(Ordering::SeqCst) < max
                && started.elapsed() < DEADLINE
            {
                if writer.write_all(&frame).is_err() {
                    return writer;
                }
                sent.fetch_add(CHUNK, Ordering::SeqCst);
                // Paced (64 MB/s at most), so that the kernel's socket buffers, which
                // take megabytes on loopback, do not swallow the whole bound before
                // the server has had a chance to answer.
                std::thread::sleep(Duration::from_millis(1));
            }
            if !stop.load(Ordering::SeqCst) {
                let _ = writer.write_all(b"0\r\n\r\n");
            }
            writer
        })
    };
    let bytes = read_responses(&mut reader, started, 1);
    stop.store(true, Ordering::SeqCst);
    // Wakes a writer blocked on a full socket buffer.
    let _ = reader.shutdown(Shutdown::Both);
    drop(writing.join().unwrap());
    let mut responses = parse_responses(&bytes);
    assert!(
        !responses.is_empty(),
        "no response after {} bytes: {:?}",
        sent.load(Ordering::SeqCst),
        String::from_utf8_lossy(&bytes)
    );
    (responses.remove(0), sent.load(Ordering::SeqCst))
}

/// [`stream_until_answer_blocking`] on a blocking thread.
pub async fn stream_until_answer(
    addr: SocketAddr,
    head: Vec<u8>,
    max: usize,
) -> (RawResponse, usize) {
    tokio::task::spawn_blocking(move || stream_until_answer_blocking(addr, head, max))
        .await
        .unwrap()
}

//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) through the fuzz
//! targets' own checks, on stable and without libFuzzer: the CI half of `fuzz/`.
//!
//! The targets' checks live in the test kit (`testkit::fuzz`), which the fuzz
//! binaries call too, so the replay runs exactly what `cargo +nightly fuzz run
//! <target>` runs. Each corpus is
//! minimised with `cargo fuzz cmin` (a few hundred KB; see `FUZZING.md`), and at most
//! [`MAX_FILES`] of each are replayed: all of them today, in under a second.

use std::{fs, path::PathBuf};

use testkit::fuzz as targets;

/// The most files replayed per target.
const MAX_FILES: usize = 5_000;

/// The corpus files of `target`, sorted by name, at most [`MAX_FILES`].
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: an empty corpus", dir.display());
    files
        .into_iter()
        .take(MAX_FILES)
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let data = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (name, data)
        })
        .collect()
}

/// Runs every corpus file of `target` through `check`, naming the file that fails.
fn replay(target: &str, check: fn(&[u8])) {
    for (name, data) in corpus(target) {
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "fuzz/corpus/{target}/{name} fails (run `cargo +nightly fuzz run {target} \
             fuzz/corpus/{target}/{name}` in fuzz/ for details)"
        );
    }
}

#[test]
fn request_id_corpus() {
    replay("request_id", targets::request_id);
}

#[test]
fn json_body_corpus() {
    replay("json_body", targets::json_body);
}

#[test]
fn traceparent_corpus() {
    replay("traceparent", targets::traceparent);
}

#[test]
fn accept_corpus() {
    replay("accept", targets::accept);
}

#[test]
fn normaliser_corpus() {
    replay("normaliser", targets::normaliser);
}

/// A few inputs of each target spelled out, so that the replay checks something even
/// if a corpus is pruned too far.
#[test]
fn hand_written_inputs() {
    for id in [
        &b"req-42:a.b_c"[..],
        b"",
        b"a b",
        b"\xff",
        &[b'x'; 128],
        &[b'x'; 129],
    ] {
        targets::request_id(id);
    }
    // Error 16 (a 500 with a secret source) and 15 (a 429 with rate-limit fields),
    // every flag, with several `Accept` values.
    for accept in [
        &b""[..],
        b"application/problem+json",
        b"application/json;q=0",
    ] {
        for flags in 0..8 {
            targets::accept(&[&[16, flags][..], accept].concat());
            targets::accept(&[&[15, flags][..], accept].concat());
        }
    }
    // A 500 text/plain body with a secret, a 404 without a body, a 200 passed through.
    targets::normaliser(b"\x01\x90\x00\x00\x00\x01\x00\x02\x00the SECRET stack trace");
    targets::normaliser(b"\x01\x30\x00\x00\x00\x00\x00\x00\x00");
    targets::normaliser(b"\x00\x64\x00\x00\x00\x05\x00\x01\x02<p>hello</p>");
}

/// The findings of `FUZZING.md`, fixed: responses the layer rewrites that kept
/// headers of the replaced response which contradicted the new body.
#[test]
fn findings_stay_fixed() {
    // A 503 whose own `Retry-After: 5` was kept while the body said `retryAfter: 60`.
    targets::normaliser(b"\x01\x93\x00\x00\x00\x00\x01\x0bretry-after\x015\x01\x00");
    // A 500 whose own `Cache-Control: max-age=60` was kept on the error body.
    targets::normaliser(b"\x01\x90\x00\x00\x00\x00\x01\x0dcache-control\x0amax-age=60\x01\x00");
    // A 500 gzip text/plain body: the JSON that replaced it kept `Content-Encoding: gzip`.
    targets::normaliser(b"\x01\x90\x00\x00\x00\x01\x01\x10content-encoding\x04gzip\x02\x02zz");
}

//! Capturing what the crate logs, for tests that assert its log lines.

use std::{
    future::Future,
    io::{self, Write},
    sync::{Arc, Mutex, OnceLock},
};

/// A `MakeWriter` collecting everything written into one buffer.
#[derive(Debug, Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Keeps two DEBUG dispatchers registered for the whole run.
///
/// tracing-core caches, per callsite, whether any subscriber wants its events. While
/// exactly one dispatcher is registered it asks only the default of the thread that
/// first hits the callsite: a test running without a subscriber then caches "never"
/// for the layer's callsites while another test has its subscriber set, and that
/// test sees no events. With two dispatchers always registered it asks all of them.
fn pin_callsite_interest() {
    static PINNED: OnceLock<[tracing::Dispatch; 2]> = OnceLock::new();
    PINNED.get_or_init(|| {
        let sink = || {
            tracing::Dispatch::new(
                tracing_subscriber::fmt()
                    .with_writer(io::sink)
                    .with_max_level(tracing::Level::DEBUG)
                    .finish(),
            )
        };
        [sink(), sink()]
    });
    tracing::callsite::rebuild_interest_cache();
}

/// Runs `fut` on a current-thread runtime (the tasks it spawns included) with a
/// DEBUG subscriber writing into a buffer; returns its output and every line logged.
pub fn with_logs<T>(fut: impl Future<Output = T>) -> (T, Vec<String>) {
    pin_callsite_interest();
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = tracing::subscriber::with_default(subscriber, || rt.block_on(fut));
    drop(rt);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    (out, text.lines().map(str::to_owned).collect())
}

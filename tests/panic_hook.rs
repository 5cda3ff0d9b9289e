//! `layer::install_panic_hook`, in a binary of its own (the hook is the process's):
//! std's hook, here one that counts, still runs for a panic outside the layer and
//! not for one the layer catches and logs.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::{body::Body, http::Request, routing::get, Router};
use axum_api_error::ApiErrorLayer;
use tower::{Layer, ServiceExt};

static HOOK_RAN: AtomicUsize = AtomicUsize::new(0);

async fn panics() -> &'static str {
    panic!("in the handler")
}

#[tokio::test]
async fn panics_the_layer_catches_skip_the_previous_hook_and_others_do_not() {
    std::panic::set_hook(Box::new(|_| {
        HOOK_RAN.fetch_add(1, Ordering::SeqCst);
    }));
    axum_api_error::layer::install_panic_hook();

    let router = Router::new().route("/sync", get(panics)).with_state(());
    let app = ApiErrorLayer::new().layer(router);
    let res = app
        .oneshot(Request::get("/sync").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    assert_eq!(
        HOOK_RAN.load(Ordering::SeqCst),
        0,
        "the layer's panic reached the hook"
    );

    // Outside any request: the hook it wrapped runs.
    let outside = std::panic::catch_unwind(|| -> () { panic!("outside") });
    assert!(outside.is_err());
    assert_eq!(HOOK_RAN.load(Ordering::SeqCst), 1);

    // On another thread, inside no layer: the same.
    let thread = std::thread::spawn(|| -> () { panic!("on a thread") }).join();
    assert!(thread.is_err());
    assert_eq!(HOOK_RAN.load(Ordering::SeqCst), 2);
}

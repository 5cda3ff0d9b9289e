#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| axum_api_error_fuzz::accept(data));

//! Property 1: without the layer, every error built any way is a well-formed
//! response.

use super::*;

pub(crate) const DEFAULT_RETRY: RetrySpec = RetrySpec::Secs(60);

pub(crate) fn check_without_layer(spec: &ErrorSpec) -> Result<(), TestCaseError> {
    let err = spec.build();
    let code = err.code().to_owned();
    let message = err.message().to_owned();
    let problem_bytes = err.to_bytes(ErrorFormat::Problem, Some("req-1"));
    let (status, headers, bytes) = block_on(read_body(err.into_response()));

    prop_assert_eq!(status.as_u16(), spec.expected_status());
    if spec.expected_status() < 500 {
        prop_assert!(status.is_client_error());
    } else {
        prop_assert!(status.is_server_error());
    }
    check_header_values(&headers, &[])?;
    prop_assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let cx = Context {
        default_retry: &DEFAULT_RETRY,
        post: false,
    };
    check_required_headers(spec, &headers, &cx)?;

    let said = Said {
        status,
        code: &code,
        message: &message,
        request_id: None,
    };
    let (body, _) = round_trip::<ErrorBody<'static>>(&bytes)?;
    check_error_body(&body, &said)?;
    check_retry_after_body(&headers, body.retry_after)?;

    // A concealed 404 is a plain 404 on the wire.
    if spec.is_concealed() {
        let plain = block_on(read_body(ApiError::not_found().into_response())).2;
        prop_assert_eq!(&bytes, &plain);
    }

    let (problem, _) = round_trip::<ProblemDetails<'static>>(&problem_bytes)?;
    check_problem(
        &problem,
        &Said {
            request_id: Some("req-1"),
            ..said
        },
    )?;
    prop_assert_eq!(problem.retry_after, body.retry_after);
    prop_assert_eq!(problem.errors, body.details);
    Ok(())
}

proptest! {
    #![proptest_config(cheap())]

    /// Property 1: every error, built any way, is a well-formed response.
    #[test]
    fn into_response_is_well_formed(spec in api_error()) {
        check_without_layer(&spec)?;
    }

    /// Property 1, for `from_status` of every status code.
    #[test]
    fn from_status_gives_an_error_status(code in 100u16..=999) {
        let err = ApiError::from_status(StatusCode::from_u16(code).unwrap());
        let expected = if (400..=599).contains(&code) { code } else { 500 };
        prop_assert_eq!(err.status().as_u16(), expected);
        check_without_layer(&ErrorSpec { ctor: Ctor::FromStatus(code), setters: Vec::new() })?;
    }
}

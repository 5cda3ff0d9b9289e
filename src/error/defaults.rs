//! What an [`ApiError`](super::ApiError) sends when it sets nothing itself.

use http::StatusCode;

/// The default code of a named status.
pub(super) const fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        406 => "NOT_ACCEPTABLE",
        408 => "REQUEST_TIMEOUT",
        409 => "CONFLICT",
        410 => "GONE",
        412 => "PRECONDITION_FAILED",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        422 => "VALIDATION_FAILED",
        429 => "RATE_LIMITED",
        500 => "INTERNAL_ERROR",
        501 => "NOT_IMPLEMENTED",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        _ => "ERROR",
    }
}

/// The code of an `Other` status: its reason phrase in UPPER_SNAKE_CASE.
pub(super) fn other_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        402 => "PAYMENT_REQUIRED",
        407 => "PROXY_AUTHENTICATION_REQUIRED",
        411 => "LENGTH_REQUIRED",
        414 => "URI_TOO_LONG",
        416 => "RANGE_NOT_SATISFIABLE",
        417 => "EXPECTATION_FAILED",
        418 => "IM_A_TEAPOT",
        421 => "MISDIRECTED_REQUEST",
        423 => "LOCKED",
        424 => "FAILED_DEPENDENCY",
        425 => "TOO_EARLY",
        426 => "UPGRADE_REQUIRED",
        428 => "PRECONDITION_REQUIRED",
        431 => "REQUEST_HEADER_FIELDS_TOO_LARGE",
        451 => "UNAVAILABLE_FOR_LEGAL_REASONS",
        505 => "HTTP_VERSION_NOT_SUPPORTED",
        506 => "VARIANT_ALSO_NEGOTIATES",
        507 => "INSUFFICIENT_STORAGE",
        508 => "LOOP_DETECTED",
        510 => "NOT_EXTENDED",
        511 => "NETWORK_AUTHENTICATION_REQUIRED",
        _ if status.is_client_error() => "CLIENT_ERROR",
        _ => "SERVER_ERROR",
    }
}

/// The default message of a status: a sentence for a person that gives nothing away.
pub(crate) const fn default_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "The request is invalid.",
        401 => "Authentication is required to access this resource.",
        403 => "You do not have permission to perform this action.",
        404 => "The requested resource was not found.",
        405 => "The method is not allowed for this resource.",
        406 => "No representation of this resource matches the Accept headers of the request.",
        408 => "The request was not received in time.",
        409 => "The request conflicts with the current state of the resource.",
        410 => "The requested resource is no longer available.",
        412 => "A precondition of the request was not met.",
        413 => "The request content is too large.",
        415 => "The content type of the request is not supported.",
        422 => "The request contains invalid fields.",
        429 => "Too many requests. Try again later.",
        500 => "An internal error occurred.",
        501 => "This operation is not implemented.",
        502 => "An upstream service returned an invalid response.",
        503 => "The service is temporarily unavailable. Try again later.",
        504 => "An upstream service did not respond in time.",
        c if c < 500 => "The request could not be processed.",
        _ => "The server could not complete the request.",
    }
}

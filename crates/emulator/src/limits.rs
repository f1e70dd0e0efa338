//! The limits every request meets before the emulator reads it: header size, body size, time.
//!
//! A server that teaches security must not be knocked over by the first hostile client. These are
//! tower layers around the whole router (`app`), so they hold for the Cosmos DB API, the admin API
//! and the identity provider alike, and they answer in Cosmos DB's error shape:
//!
//! | limit | answer |
//! |---|---|
//! | headers over [`MAX_HEADER_BYTES`] in total | 431 `RequestHeaderTooLarge` |
//! | a `Content-Length` over [`MAX_BODY_BYTES`] | 413 `RequestEntityTooLarge`, before a byte of the body is read |
//! | a body that keeps coming past [`MAX_BODY_BYTES`] (chunked) | 413, when the handler reads it |
//! | a request not answered within the request timeout (a body sent a byte a minute) | 408 `RequestTimeout` |
//! | headers not received within the header timeout | the connection is closed (hyper's `header_read_timeout`) |
//!
//! A handler cancelled by the timeout is cancelled while it waits — for the body, in practice —
//! never in the middle of a write: writes to the store happen without awaiting, under its lock.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::CosmosError;
pub use crate::request::MAX_BODY_BYTES;

/// The most header bytes (names and values) a request may carry. The service documents no number;
/// its own requests carry a few kilobytes, and a resource-token list a few more.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// How long a request may take, from its headers to the answer, unless configured otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a client may take to send its headers; the connection is closed after that.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Refuses requests whose headers or declared body are too large, before reading the body.
pub async fn size_limits(request: Request, next: Next) -> Response {
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return CosmosError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "The request headers are {header_bytes} bytes; the largest accepted is \
                 {MAX_HEADER_BYTES}."
            ),
        )
        .into_response();
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return CosmosError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request size is too large. The largest document Cosmos DB accepts is 2 MB.",
        )
        .into_response();
    }
    next.run(request).await
}

/// Answers 408 to a request that takes longer than `limit`.
pub async fn request_timeout(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::info!(limit_ms = limit.as_millis() as u64, "request timed out");
            CosmosError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "The request was not completed within {} s: its body arrived too slowly. \
                     Send it again.",
                    limit.as_secs_f64()
                ),
            )
            .into_response()
        }
    }
}

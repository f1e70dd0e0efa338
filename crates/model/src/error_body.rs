//! The body of every error response: `{"code": "Forbidden", "message": "…"}`.
//!
//! `code` is the name of the HTTP status, not a finer-grained reason: the finer reason travels
//! separately, as an integer in the `x-ms-substatus` header (5301 for a missing role-based
//! permission, for example). SDKs show both fields to the user — the Python SDK formats them as
//! `(Forbidden) <message>` — so the message is where a server explains what went wrong.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The JSON body of an error response.
///
/// ```
/// use cosmolab_model::{CosmosErrorBody, ErrorCode};
///
/// let body = CosmosErrorBody::new(ErrorCode::NotFound, "Entity with the specified id does not exist in the system.");
/// assert_eq!(body.code, "NotFound");
/// assert_eq!(ErrorCode::from_status(403), Some(ErrorCode::Forbidden));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CosmosErrorBody {
    /// The status name, e.g. `"Forbidden"`. A string rather than an [`ErrorCode`], so that a
    /// client can read any code a server sends, including ones cosmolab does not know.
    pub code: String,

    /// What went wrong, for a person to read. The real service appends
    /// `\r\nActivityId: <guid>, …` to it.
    pub message: String,

    /// Extra detail the service adds to some query errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_error_info: Option<Value>,
}

impl CosmosErrorBody {
    /// An error body with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_owned(),
            message: message.into(),
            additional_error_info: None,
        }
    }
}

/// The error statuses Cosmos DB answers with, named as the service names them in `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400: malformed JSON or SQL, an invalid id, a missing partition-key header, …
    BadRequest,
    /// 401: the credential is missing, malformed or does not verify.
    Unauthorized,
    /// 403: the credential is valid but does not allow this request, or is outside its lifetime.
    Forbidden,
    /// 404: the resource does not exist.
    NotFound,
    /// 405: the operation is not supported on this resource.
    MethodNotAllowed,
    /// 408: the operation did not finish in time.
    RequestTimeout,
    /// 409: a resource with that id already exists (or the user already has a permission on
    /// that resource).
    Conflict,
    /// 412: the `If-Match` etag is stale.
    PreconditionFailed,
    /// 413: the document is larger than 2 MB.
    RequestEntityTooLarge,
    /// 431: the request's headers are too large (Cosmos DB's `RequestHeaderTooLarge`).
    RequestHeaderTooLarge,
    /// 429: the request rate is too high; retry after `x-ms-retry-after-ms`.
    TooManyRequests,
    /// 449: a concurrent write got in the way; safe to retry.
    RetryWith,
    /// 500: the server failed.
    InternalServerError,
    /// 503: the service is unavailable.
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code, in status order.
    pub const ALL: [Self; 14] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::RequestTimeout,
        Self::Conflict,
        Self::PreconditionFailed,
        Self::RequestEntityTooLarge,
        Self::TooManyRequests,
        Self::RequestHeaderTooLarge,
        Self::RetryWith,
        Self::InternalServerError,
        Self::ServiceUnavailable,
    ];

    /// The code for an HTTP status, or `None` for a status the service does not use for errors.
    pub fn from_status(status: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.status() == status)
    }

    /// The HTTP status, e.g. `403`.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::Conflict => 409,
            Self::PreconditionFailed => 412,
            Self::RequestEntityTooLarge => 413,
            Self::RequestHeaderTooLarge => 431,
            Self::TooManyRequests => 429,
            Self::RetryWith => 449,
            Self::InternalServerError => 500,
            Self::ServiceUnavailable => 503,
        }
    }

    /// The name sent in `code`, e.g. `"Forbidden"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BadRequest",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::RequestTimeout => "RequestTimeout",
            Self::Conflict => "Conflict",
            Self::PreconditionFailed => "PreconditionFailed",
            Self::RequestEntityTooLarge => "RequestEntityTooLarge",
            Self::RequestHeaderTooLarge => "RequestHeaderTooLarge",
            Self::TooManyRequests => "TooManyRequests",
            Self::RetryWith => "RetryWith",
            Self::InternalServerError => "InternalServerError",
            Self::ServiceUnavailable => "ServiceUnavailable",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The service's `code` name for an HTTP status, e.g. `Some("Forbidden")` for 403.
pub fn error_code_name(status: u16) -> Option<&'static str> {
    ErrorCode::from_status(status).map(ErrorCode::as_str)
}

//! Errors, the Cosmos DB way: a status, maybe a sub-status, `{"code", "message"}`, and for
//! refusals, the rule that refused.
//!
//! Every failure in the emulator — a malformed body, a bad signature, a token used out of scope —
//! ends as one [`CosmosError`]. Its response is what the service would send: the HTTP status, the
//! integer `x-ms-substatus` header when there is one, and the JSON body `{"code", "message"}` with
//! the service's wording where it is known (`shared/docs/protocol.md` §5).
//!
//! Refusals (401 and 403) carry one more thing the service does not send: the
//! `x-cosmolab-deny-reason` header, one sentence that names the rule that refused the request
//! ("the request was signed with the primary read-only key, which cannot write"). The service's
//! message stays the service's; the reason is the teaching aid.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cosmolab_model::{CosmosErrorBody, ErrorCode};

/// The header that explains why a request was refused.
pub const DENY_REASON_HEADER: HeaderName = HeaderName::from_static("x-cosmolab-deny-reason");

/// A request the emulator will not (or cannot) serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosmosError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Cosmos DB sub-status, sent as `x-ms-substatus` (an integer, as the SDKs parse it).
    pub substatus: Option<u32>,
    /// The message of the body, in the service's words where they are known.
    pub message: String,
    /// For refusals: which rule refused the request, for `x-cosmolab-deny-reason`.
    pub deny_reason: Option<String>,
}

/// The emulator's result type.
pub type Result<T, E = CosmosError> = std::result::Result<T, E>;

impl CosmosError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            substatus: None,
            message: message.into(),
            deny_reason: None,
        }
    }

    /// 400: the request is malformed or invalid.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404 with the service's message for a missing resource.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Entity with the specified id does not exist in the system.",
        )
    }

    /// 409 with the service's message for an id that is taken.
    pub fn conflict() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "Entity with the specified id already exists in the system.",
        )
    }

    /// 412 with the service's message for a stale `If-Match`.
    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "One of the specified pre-condition is not met.",
        )
    }

    /// 401: the credential is missing, malformed or does not match. `reason` says which.
    pub fn unauthorized(message: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message).with_deny_reason(reason)
    }

    /// 403: the caller is known, but this credential does not allow this request.
    pub fn forbidden(message: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message).with_deny_reason(reason)
    }

    /// Adds the sentence explaining a refusal.
    pub fn with_deny_reason(mut self, reason: impl Into<String>) -> Self {
        self.deny_reason = Some(reason.into());
        self
    }

    /// Adds a sub-status.
    pub fn with_substatus(mut self, substatus: u32) -> Self {
        self.substatus = Some(substatus);
        self
    }

    /// The body the service would send.
    pub fn body(&self) -> CosmosErrorBody {
        let code = ErrorCode::from_status(self.status.as_u16()).unwrap_or(ErrorCode::BadRequest);
        CosmosErrorBody::new(code, self.message.clone())
    }
}

impl IntoResponse for CosmosError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        if let Some(substatus) = self.substatus {
            headers.insert("x-ms-substatus", HeaderValue::from(substatus));
        }
        if let Some(reason) = &self.deny_reason {
            headers.insert(DENY_REASON_HEADER, header_text(reason));
        }
        response
    }
}

/// A header value from free text, in plain ASCII.
///
/// Control characters (newlines) become spaces, so a reason can never split or inject a header.
/// HTTP clients decode header bytes as Latin-1, so UTF-8 would arrive garbled: typographic
/// characters get their ASCII forms and anything else (a name like `é`) a `\u00e9` escape.
pub fn header_text(text: &str) -> HeaderValue {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '…' => cleaned.push_str("..."),
            '—' | '–' => cleaned.push('-'),
            '‘' | '’' => cleaned.push('\''),
            '“' | '”' => cleaned.push('"'),
            c if c.is_control() => cleaned.push(' '),
            c if c.is_ascii() => cleaned.push(c),
            c => cleaned.push_str(&format!("\\u{:04x}", c as u32)),
        }
    }
    HeaderValue::from_str(&cleaned).unwrap_or(HeaderValue::from_static("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal carries the Cosmos body, the sub-status and the deny reason.
    #[test]
    fn refusals_carry_body_substatus_and_reason() {
        let error =
            CosmosError::forbidden("Insufficient permissions", "token is for another container")
                .with_substatus(5301);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(response.headers()["x-ms-substatus"], "5301");
        assert_eq!(
            response.headers()[DENY_REASON_HEADER],
            "token is for another container"
        );
    }

    /// Newlines in a reason cannot inject headers.
    #[test]
    fn header_text_removes_control_characters() {
        assert_eq!(header_text("a\r\nX-Evil: 1"), "a  X-Evil: 1");
        assert_eq!(header_text("Test User é…"), "Test User \\u00e9...");
    }

    /// The body's code is the status name.
    #[test]
    fn body_code_follows_status() {
        assert_eq!(CosmosError::not_found().body().code, "NotFound");
        assert_eq!(
            CosmosError::precondition_failed().body().code,
            "PreconditionFailed"
        );
    }
}

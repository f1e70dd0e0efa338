//! One error type for everything that can go wrong, and the `Result` alias that uses it.
//!
//! Most errors a Cosmos DB application meets are the **service's** answers: 404 for a missing item,
//! 409 for an id that is taken, 412 for a stale ETag, 401 for a key the account does not know, 403
//! for a resource token used outside its permission. Each carries four things, and [`Error`] keeps
//! all of them, because each one tells the reader something different:
//!
//! | what | where it comes from | what it tells you |
//! |---|---|---|
//! | status | the HTTP status line | the class of problem (`401` "who are you?", `403` "not allowed") |
//! | sub-status | `x-ms-substatus` | the finer reason the service gives some statuses (`403/5301`) |
//! | message | the JSON body's `message` (its first kilobyte) | the service's own words, e.g. the payload it signed on a 401 |
//! | deny reason | `x-cosmolab-deny-reason` | the cosmolab emulator's name for the rule that refused |
//!
//! The remaining errors never reached the service, or came back unreadable; [`ErrorKind`] says
//! which. A real application would match on [`Error::status`] for the few statuses it can act on
//! (404 and 409 in "create if missing" code, 412 in optimistic concurrency) and report the rest.
//!
//! The `Display` form is one line meant for a person and a log: it never contains a key, a
//! signature or a token, because nothing in an error ever holds one.

use std::fmt;

use cosmolab_model::CosmosErrorBody;
use reqwest::StatusCode;

/// The result of every operation of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which part of the request's journey failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service answered with an error status (4xx or 5xx). [`Error::status`] says which.
    Service,
    /// The request got no answer: connection refused, DNS, TLS handshake, timeout.
    Transport,
    /// The client could not produce an `Authorization` header for the request: no resource token
    /// covers the resource, or the Entra ID credential could not get a token.
    Credential,
    /// Something was wrong before anything was sent: an endpoint that is not a URL, an empty id,
    /// a body that does not serialize to JSON.
    InvalidInput,
    /// The service answered with a success status, but the body was not what the operation
    /// expects (for example a feed without its array).
    UnexpectedResponse,
}

/// Anything that went wrong, with the service's status, sub-status, message and deny reason when
/// the service answered.
///
/// | accessor | where it comes from | what it tells you |
/// |---|---|---|
/// | [`status`](Self::status) | the HTTP status line | the class of problem (`401` "who are you?", `403` "not allowed") |
/// | [`substatus`](Self::substatus) | `x-ms-substatus` | the finer reason the service gives some statuses |
/// | [`message`](Self::message) | the body's `message` | the service's own words, e.g. the payload it signed on a 401 |
/// | [`deny_reason`](Self::deny_reason) | `x-cosmolab-deny-reason` | the emulator's name for the rule that refused |
///
/// [`kind`](Self::kind) says whether the service answered at all. `Display` gives one line for a
/// person or a log, and never contains a key, a signature or a token.
///
/// ```
/// use cosmolab_client::{Error, ErrorKind, StatusCode};
///
/// fn explain(error: &Error) -> String {
///     match (error.kind(), error.status()) {
///         (ErrorKind::Service, Some(StatusCode::FORBIDDEN)) => format!(
///             "not allowed: {}",
///             error.deny_reason().unwrap_or("the service gave no reason")
///         ),
///         (ErrorKind::Service, Some(status)) => format!("the service said {status}"),
///         _ => error.to_string(),
///     }
/// }
/// # let _ = explain;
/// ```
#[non_exhaustive]
pub struct Error {
    // Boxed, so that a `Result<T>` is barely larger than a `T`: errors are rare, results are not.
    details: Box<Details>,
}

/// Everything an [`Error`] knows.
struct Details {
    kind: ErrorKind,
    status: Option<StatusCode>,
    substatus: Option<u32>,
    code: Option<String>,
    message: String,
    deny_reason: Option<String>,
    activity_id: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` with a message and nothing else.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::from_details(Details {
            kind,
            status: None,
            substatus: None,
            code: None,
            message: message.into(),
            deny_reason: None,
            activity_id: None,
            source: None,
        })
    }

    fn from_details(details: Details) -> Self {
        Self {
            details: Box::new(details),
        }
    }

    /// Keeps the lower-level error that caused this one, for `std::error::Error::source`.
    pub(crate) fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        self.details.source = Some(source.into());
        self
    }

    /// The service's answer to a request, read from its status, headers and body.
    pub(crate) fn from_service(status: StatusCode, details: ServiceErrorDetails) -> Self {
        // The body is `{"code", "message"}` when the service wrote it; anything else (a proxy's
        // HTML page, an empty body) is kept as text so that the reader still sees what came back.
        let (code, message) = match serde_json::from_slice::<CosmosErrorBody>(&details.body) {
            Ok(body) => (Some(body.code), body.message),
            Err(_) => {
                let text = String::from_utf8_lossy(&details.body).trim().to_owned();
                let message = if text.is_empty() {
                    status.canonical_reason().unwrap_or("no message").to_owned()
                } else {
                    text
                };
                (None, message)
            }
        };
        Self::from_details(Details {
            kind: ErrorKind::Service,
            status: Some(status),
            substatus: details.substatus,
            code,
            message: truncate(message),
            deny_reason: details.deny_reason,
            activity_id: details.activity_id,
            source: None,
        })
    }

    /// Which part of the request's journey failed.
    pub fn kind(&self) -> ErrorKind {
        self.details.kind
    }

    /// The HTTP status the service answered with; `None` when it did not answer.
    pub fn status(&self) -> Option<StatusCode> {
        self.details.status
    }

    /// The Cosmos DB sub-status (`x-ms-substatus`), when the service sent one.
    pub fn substatus(&self) -> Option<u32> {
        self.details.substatus
    }

    /// The `code` of the service's error body, e.g. `"Forbidden"`.
    pub fn code(&self) -> Option<&str> {
        self.details.code.as_deref()
    }

    /// The service's message (the body's `message`), or this crate's explanation when the
    /// service did not answer.
    pub fn message(&self) -> &str {
        &self.details.message
    }

    /// Why the cosmolab emulator refused the request (`x-cosmolab-deny-reason`), on 401 and 403.
    ///
    /// The real service sends no such header, so against Azure this is always `None`.
    pub fn deny_reason(&self) -> Option<&str> {
        self.details.deny_reason.as_deref()
    }

    /// The `x-ms-activity-id` of the failed request: quote it when asking for support.
    pub fn activity_id(&self) -> Option<&str> {
        self.details.activity_id.as_deref()
    }

    /// `true` for a 404: the resource does not exist (or not in that partition).
    pub fn is_not_found(&self) -> bool {
        self.details.status == Some(StatusCode::NOT_FOUND)
    }

    /// `true` for a 409: a resource with that id already exists.
    pub fn is_conflict(&self) -> bool {
        self.details.status == Some(StatusCode::CONFLICT)
    }

    /// `true` for a 412: the `if-match` ETag is stale, someone else wrote first.
    pub fn is_precondition_failed(&self) -> bool {
        self.details.status == Some(StatusCode::PRECONDITION_FAILED)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let details = &self.details;
        f.debug_struct("Error")
            .field("kind", &details.kind)
            .field("status", &details.status)
            .field("substatus", &details.substatus)
            .field("code", &details.code)
            .field("message", &details.message)
            .field("deny_reason", &details.deny_reason)
            .field("activity_id", &details.activity_id)
            .field("source", &details.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.details.status {
            Some(status) => write!(f, "{status}")?,
            None => write!(f, "{}", kind_label(self.details.kind))?,
        }
        if let Some(substatus) = self.details.substatus {
            write!(f, " (sub-status {substatus})")?;
        }
        write!(f, ": {}", self.details.message)?;
        if let Some(reason) = &self.details.deny_reason {
            write!(f, " [deny reason: {reason}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.details
            .source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// The most of a service's message an [`Error`] keeps, in bytes.
const MAX_MESSAGE_BYTES: usize = 1024;

/// The service's message, cut to about [`MAX_MESSAGE_BYTES`] (on a character boundary) with a
/// note saying so. An error travels into logs and user interfaces, and a proxy's error page or a
/// misbehaving server can send megabytes; the first kilobyte is where the explanation is.
fn truncate(mut message: String) -> String {
    if message.len() <= MAX_MESSAGE_BYTES {
        return message;
    }
    let mut end = MAX_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let cut = message.len() - end;
    message.truncate(end);
    message.push_str(&format!("… ({cut} more bytes cut)"));
    message
}

/// How an error without a status introduces itself.
fn kind_label(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Service => "service error",
        ErrorKind::Transport => "transport error",
        ErrorKind::Credential => "credential error",
        ErrorKind::InvalidInput => "invalid input",
        ErrorKind::UnexpectedResponse => "unexpected response",
    }
}

/// What an error response carried besides its status, gathered by the pipeline.
#[derive(Debug, Default)]
pub(crate) struct ServiceErrorDetails {
    /// The raw body, normally `{"code", "message"}`.
    pub(crate) body: Vec<u8>,
    /// `x-ms-substatus`.
    pub(crate) substatus: Option<u32>,
    /// `x-cosmolab-deny-reason`.
    pub(crate) deny_reason: Option<String>,
    /// `x-ms-activity-id`.
    pub(crate) activity_id: Option<String>,
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        // reqwest's message names the URL and what failed; it never contains request headers.
        Error::new(
            ErrorKind::Transport,
            format!("the request got no answer: {error}"),
        )
        .with_source(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal() -> Error {
        Error::from_service(
            StatusCode::FORBIDDEN,
            ServiceErrorDetails {
                body: br#"{"code":"Forbidden","message":"Insufficient permissions."}"#.to_vec(),
                substatus: Some(5301),
                deny_reason: Some("token is for another container".into()),
                activity_id: Some("a1".into()),
            },
        )
    }

    /// The body, the sub-status and the deny reason all end up in the error.
    #[test]
    fn service_errors_keep_every_detail() {
        let error = refusal();
        assert_eq!(error.kind(), ErrorKind::Service);
        assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));
        assert_eq!(error.substatus(), Some(5301));
        assert_eq!(error.code(), Some("Forbidden"));
        assert_eq!(error.message(), "Insufficient permissions.");
        assert_eq!(error.deny_reason(), Some("token is for another container"));
        assert_eq!(error.activity_id(), Some("a1"));
    }

    /// The one-line form names status, sub-status, message and reason.
    #[test]
    fn display_is_one_readable_line() {
        assert_eq!(
            refusal().to_string(),
            "403 Forbidden (sub-status 5301): Insufficient permissions. \
             [deny reason: token is for another container]"
        );
        let local = Error::new(ErrorKind::Credential, "no resource token for dbs/a");
        assert_eq!(
            local.to_string(),
            "credential error: no resource token for dbs/a"
        );
    }

    /// A body that is not Cosmos JSON is kept as text; an empty one falls back to the reason phrase.
    #[test]
    fn odd_bodies_still_say_something() {
        let html = Error::from_service(
            StatusCode::BAD_GATEWAY,
            ServiceErrorDetails {
                body: b"<html>bad gateway</html>".to_vec(),
                ..ServiceErrorDetails::default()
            },
        );
        assert_eq!(html.message(), "<html>bad gateway</html>");
        assert_eq!(html.code(), None);
        let empty = Error::from_service(StatusCode::NOT_FOUND, ServiceErrorDetails::default());
        assert_eq!(empty.message(), "Not Found");
        assert!(empty.is_not_found());
    }

    /// A huge message is cut to about a kilobyte, on a character boundary, saying how much was cut.
    #[test]
    fn long_messages_are_truncated() {
        let body = json_body(&"é".repeat(2000));
        let error = Error::from_service(
            StatusCode::BAD_REQUEST,
            ServiceErrorDetails {
                body,
                ..ServiceErrorDetails::default()
            },
        );
        assert!(error.message().len() < MAX_MESSAGE_BYTES + 40, "{error}");
        assert!(error.message().starts_with("éé"));
        assert!(
            error.message().ends_with("… (2976 more bytes cut)"),
            "{error}"
        );
        let short = Error::from_service(
            StatusCode::BAD_REQUEST,
            ServiceErrorDetails {
                body: json_body("short"),
                ..ServiceErrorDetails::default()
            },
        );
        assert_eq!(short.message(), "short");
    }

    fn json_body(message: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"code": "BadRequest", "message": message})).unwrap()
    }
}

//! Successful answers: the resource, and the headers worth knowing about.
//!
//! Every operation answers a [`Response<T>`]: the resource it returned (a [`Database`], an item of
//! your own type, `()` for a delete) together with what the service said about the request in its
//! headers. Three of those matter to ordinary code:
//!
//! - the **status**: `201` for a create, and for an upsert `201` *or* `200`, which is the only way
//!   to tell whether it created or replaced;
//! - the **ETag** (`etag`), the version of what was written, to send back in `if-match` for an
//!   optimistic-concurrency replace;
//! - the **request charge** (`x-ms-request-charge`), in request units: what the request cost
//!   against the account's provisioned throughput.
//!
//! And one matters to a token broker: the service's **date** (`Date`), the time on the clock that
//! judges resource tokens. A token read with a lifetime of `n` seconds expires `n` seconds after
//! the date of the answer that carried it — on the service's clock, whatever the client's says.
//!
//! A page of a feed or query is a `Response<Vec<T>>` ([`Page<T>`]), which also carries the
//! continuation for the next page.
//!
//! [`Database`]: cosmolab_model::Database

use std::time::SystemTime;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::headers;

/// A resource returned by the service, with the status and headers of the answer.
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: StatusCode,
    headers: ResponseHeaders,
    resource: T,
}

/// A page of a feed or a query: its items, and the continuation when more pages follow.
pub type Page<T> = Response<Vec<T>>;

/// The response headers this crate reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ResponseHeaders {
    request_charge: f64,
    etag: Option<String>,
    session_token: Option<String>,
    activity_id: Option<String>,
    continuation: Option<String>,
    date: Option<SystemTime>,
    script_log: Option<String>,
}

impl ResponseHeaders {
    /// Reads the headers of an answer (absent or unreadable ones are left empty).
    pub(crate) fn read(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            request_charge: text(headers::REQUEST_CHARGE)
                .and_then(|charge| charge.trim().parse().ok())
                .unwrap_or_default(),
            etag: text(headers::ETAG),
            session_token: text(headers::SESSION_TOKEN),
            activity_id: text(headers::ACTIVITY_ID),
            continuation: text(headers::CONTINUATION).filter(|token| !token.is_empty()),
            date: text("date").and_then(|date| cosmolab_auth_signing::parse_http_date(&date).ok()),
            // Percent-encoded by the service, because `console.log` output may hold newlines and
            // non-ASCII text, which header values cannot. Invalid UTF-8 is replaced, not refused:
            // it is a debugging aid, and a mangled letter beats no log at all.
            script_log: text(headers::SCRIPT_LOG_RESULTS).map(|encoded| {
                percent_encoding::percent_decode_str(&encoded)
                    .decode_utf8_lossy()
                    .into_owned()
            }),
        }
    }

    /// The request charge, for the tracing span.
    pub(crate) fn request_charge(&self) -> f64 {
        self.request_charge
    }
}

impl<T> Response<T> {
    pub(crate) fn new(status: StatusCode, headers: ResponseHeaders, resource: T) -> Self {
        Self {
            status,
            headers,
            resource,
        }
    }

    /// The HTTP status: `200`, `201`, `204`, `304`.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The request units this request cost (`x-ms-request-charge`).
    pub fn request_charge(&self) -> f64 {
        self.headers.request_charge
    }

    /// The service's time when it answered (`Date`), to the second: the clock resource tokens are
    /// judged by. `None` if the answer had no readable `Date`.
    pub fn date(&self) -> Option<SystemTime> {
        self.headers.date
    }

    /// The version of the resource (`etag`), quotes included, for a later `if-match`.
    pub fn etag(&self) -> Option<&str> {
        self.headers.etag.as_deref()
    }

    /// The session token (`x-ms-session-token`) of a document operation.
    pub fn session_token(&self) -> Option<&str> {
        self.headers.session_token.as_deref()
    }

    /// The `x-ms-activity-id` the client sent and the service echoed: one id per request, to
    /// find it in the service's (or the emulator's) logs.
    pub fn activity_id(&self) -> Option<&str> {
        self.headers.activity_id.as_deref()
    }

    /// For a page: the token that resumes the feed after it (`x-ms-continuation`); `None` on the
    /// last page.
    pub fn continuation(&self) -> Option<&str> {
        self.headers.continuation.as_deref()
    }

    /// For a stored procedure run with script logging on
    /// ([`ContainerClient::with_script_logging`](crate::ContainerClient::with_script_logging)):
    /// what the script wrote with `console.log`, decoded. `None` when logging was not asked for.
    pub fn script_log(&self) -> Option<&str> {
        self.headers.script_log.as_deref()
    }

    /// The resource.
    pub fn resource(&self) -> &T {
        &self.resource
    }

    /// The resource, keeping nothing else.
    pub fn into_resource(self) -> T {
        self.resource
    }

    /// The same response around another value (e.g. one field of the resource).
    pub fn map<U>(self, change: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            resource: change(self.resource),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// A stored procedure's log arrives percent-encoded and is handed out decoded, newlines and
    /// UTF-8 included; without the header there is no log.
    #[test]
    fn script_logs_are_decoded() {
        let mut map = HeaderMap::new();
        map.insert(
            headers::SCRIPT_LOG_RESULTS,
            HeaderValue::from_static("hello%20caf%C3%A9%0Aline%202"),
        );
        let read = ResponseHeaders::read(&map);
        assert_eq!(read.script_log.as_deref(), Some("hello café\nline 2"));
        assert_eq!(ResponseHeaders::read(&HeaderMap::new()).script_log, None);
    }
}

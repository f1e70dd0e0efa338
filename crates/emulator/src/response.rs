//! Step 6: the answer, with the headers the SDKs read.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::error::header_text;
use crate::request::headers;

/// A successful answer under construction.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    body: Vec<u8>,
    headers: HeaderMap,
}

impl Reply {
    /// A JSON body with a status.
    pub fn json(status: StatusCode, body: &impl Serialize) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Self {
            status,
            // Our own types always serialize.
            body: serde_json::to_vec(body).unwrap_or_default(),
            headers,
        }
    }

    /// An empty answer (204 for deletes, 304 for unchanged feeds).
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: Vec::new(),
            headers: HeaderMap::new(),
        }
    }

    /// The status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Adds a header (text is sanitised; see [`header_text`]).
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers
            .insert(HeaderName::from_static(name), header_text(value));
        self
    }

    /// `etag`, equal to the resource's `_etag`.
    pub fn etag(self, etag: Option<&str>) -> Self {
        match etag {
            Some(etag) => self.header("etag", etag),
            None => self,
        }
    }

    /// The request charge, in request units.
    pub fn charge(self, units: f64) -> Self {
        self.header(headers::REQUEST_CHARGE, &format!("{units:.2}"))
    }

    /// The session token after a document operation: `<range>:<version>#<lsn>`, and the
    /// container's name-based path, which together switch the SDK's session tracking on.
    pub fn session(self, lsn: u64, container_link: &str) -> Self {
        self.header(headers::SESSION_TOKEN, &format!("0:-1#{lsn}"))
            .header(headers::ALT_CONTENT_PATH, container_link)
    }

    /// The same answer with its JSON body in Cosmos binary encoding (`crate::encoding`), and
    /// whether it was re-encoded: an empty body (a 204, a 304) stays empty.
    pub fn into_binary(mut self) -> (Self, bool) {
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(value) if !self.body.is_empty() => {
                self.body = cosmolab_binary_json::encode(&value);
                (self, true)
            }
            _ => (self, false),
        }
    }

    /// Whether a request charge header was already set.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        response.headers_mut().extend(self.headers);
        response
    }
}

/// A feed page: `{"_rid", "<Key>": [...], "_count"}` with `x-ms-item-count` and, while more pages
/// follow, `x-ms-continuation`.
pub fn feed(key: &str, parent_rid: &str, items: Vec<Value>, continuation: Option<String>) -> Reply {
    let count = items.len();
    let mut body = serde_json::Map::new();
    body.insert("_rid".into(), Value::String(parent_rid.to_owned()));
    body.insert(key.to_owned(), Value::Array(items));
    body.insert("_count".into(), Value::from(count));
    let reply = Reply::json(StatusCode::OK, &Value::Object(body))
        .header(headers::ITEM_COUNT, &count.to_string());
    match continuation {
        Some(token) => reply.header(headers::CONTINUATION, &token),
        None => reply,
    }
}

//! The explorer's own Cosmos DB client: every action of a page is an ordinary Cosmos DB request,
//! signed with the account's primary key and sent through the same router as any client's.
//!
//! So nothing the explorer does bypasses access control, and everything it does appears in the
//! audit log and the live request log, as `master` / `primary`, like a script using the key.
//! The request never leaves the process (`tower::ServiceExt::oneshot` on the router), which keeps
//! the explorer working whatever address the emulator listens on, and over https too.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt as _;

use crate::keys::KeyKind;
use crate::state::AppState;

/// An answer from the emulator.
#[derive(Debug)]
pub struct Answer {
    /// Its status.
    pub status: StatusCode,
    /// Its body as JSON (`Null` when empty or not JSON).
    pub body: Value,
    /// Its headers.
    pub headers: HeaderMap,
}

impl Answer {
    /// Whether the status is 2xx (or 304).
    pub fn ok(&self) -> bool {
        self.status.is_success() || self.status == StatusCode::NOT_MODIFIED
    }

    /// The service's message for a refusal or an error: `message`, else the status.
    pub fn message(&self) -> String {
        self.body
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| self.status.to_string(), str::to_owned)
    }

    /// A header, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// Sends Cosmos DB requests as the account owner.
#[derive(Clone)]
pub struct ExplorerClient {
    state: AppState,
}

impl ExplorerClient {
    /// A client for this emulator.
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    /// Sends `method path` with `headers` and an optional JSON `body`, signed with the primary key
    /// as it is now (a regenerated key is used from the next request on).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let date = cosmolab_auth_signing::format_http_date(std::time::SystemTime::now());
        let authorization = match cosmolab_auth_signing::ResourceAddress::from_path(path) {
            Ok(address) => self.state.keys().key(KeyKind::Primary).authorize(
                method.as_str(),
                address.resource_type(),
                &address.signing_link(),
                &date,
            ),
            // An unusable path is refused by the pipeline itself, with its own message.
            Err(_) => String::new(),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1")
            .header("authorization", authorization)
            .header("x-ms-date", date)
            .header("x-ms-version", "2020-07-15")
            .header("user-agent", "cosmolab-explorer");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = body.map_or_else(Body::empty, |json| Body::from(json.to_string()));
        let request = match request.body(body) {
            Ok(request) => request,
            Err(error) => {
                return Answer {
                    status: StatusCode::BAD_REQUEST,
                    body: serde_json::json!({"code": "BadRequest", "message": error.to_string()}),
                    headers: HeaderMap::new(),
                };
            }
        };
        let response = match crate::app::app(self.state.clone()).oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            headers,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, &[], None).await
    }
}

//! The test harness the router tests share: a fresh emulator behind its router (no socket), and
//! requests signed by hand with `cosmolab-auth-signing`, exactly as a client would sign them.
//!
//! Each test binary uses part of it, hence `dead_code` is allowed here.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cosmolab_auth_signing::{MasterKey, ResourceAddress, format_http_date};
use cosmolab_emulator::{AccountKeys, EmulatorState, KeyKind, Settings, app};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// A router over a fresh emulator state with known keys.
pub(crate) struct Harness {
    pub(crate) state: Arc<EmulatorState>,
}

/// A credential for a test request.
pub(crate) enum Credential<'a> {
    Key(&'a MasterKey),
    KeyAt(&'a MasterKey, SystemTime),
    Raw(&'a str),
    None,
}

/// What came back.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) deny_reason: Option<String>,
    pub(crate) headers: axum::http::HeaderMap,
}

pub(crate) fn readonly_key() -> MasterKey {
    MasterKey::from_bytes(vec![42; 64]).unwrap()
}

impl Harness {
    pub(crate) fn new() -> Self {
        Self::with_settings(Settings {
            time_travel: true,
            ..Settings::default()
        })
    }

    /// A harness whose emulator has `settings` (and the same known keys).
    pub(crate) fn with_settings(settings: Settings) -> Self {
        let keys = AccountKeys::new(None, None, Some(readonly_key()), None);
        let state = Arc::new(EmulatorState::new(keys, settings));
        Self { state }
    }

    pub(crate) fn primary(&self) -> MasterKey {
        self.state.keys().key(KeyKind::Primary).clone()
    }

    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        credential: Credential<'_>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8081");
        let now = SystemTime::now();
        let address = ResourceAddress::from_path(path).unwrap();
        match credential {
            Credential::Key(key) | Credential::KeyAt(key, _) => {
                let at = if let Credential::KeyAt(_, at) = credential {
                    at
                } else {
                    now
                };
                let date = format_http_date(at);
                let header = key.authorize(
                    method,
                    address.resource_type(),
                    &address.signing_link(),
                    &date,
                );
                request = request
                    .header("authorization", header)
                    .header("x-ms-date", date);
            }
            Credential::Raw(value) => {
                request = request
                    .header("authorization", value)
                    .header("x-ms-date", format_http_date(now));
            }
            Credential::None => {}
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = body.map_or_else(Body::empty, |json| Body::from(json.to_string()));
        let response = app(self.state.clone())
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let deny_reason = headers
            .get("x-cosmolab-deny-reason")
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            deny_reason,
            headers,
        }
    }

    /// A request signed with the primary key: the account owner's.
    pub(crate) async fn owner(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        let key = self.primary();
        self.send(method, path, Credential::Key(&key), headers, body)
            .await
    }

    /// Creates database `db` and container `items` partitioned on `/key`, with the primary key.
    pub(crate) async fn seed(&self) {
        let key = self.primary();
        assert_eq!(
            self.send(
                "POST",
                "/dbs",
                Credential::Key(&key),
                &[],
                Some(json!({"id": "db"}))
            )
            .await
            .status,
            StatusCode::CREATED
        );
        let container = json!({"id": "items", "partitionKey": {"paths": ["/key"], "kind": "Hash", "version": 2}});
        assert_eq!(
            self.send(
                "POST",
                "/dbs/db/colls/",
                Credential::Key(&key),
                &[],
                Some(container)
            )
            .await
            .status,
            StatusCode::CREATED
        );
        for (id, partition) in [("a", "1"), ("b", "1"), ("c", "2")] {
            let pk = format!("[\"{partition}\"]");
            let answer = self
                .send(
                    "POST",
                    "/dbs/db/colls/items/docs/",
                    Credential::Key(&key),
                    &[("x-ms-documentdb-partitionkey", &pk)],
                    Some(json!({"id": id, "key": partition})),
                )
                .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        }
    }

    /// Creates user "Test User" with permission p1 and returns its token.
    pub(crate) async fn token(&self, permission: Value, headers: &[(&str, &str)]) -> String {
        let key = self.primary();
        self.send(
            "POST",
            "/dbs/db/users/",
            Credential::Key(&key),
            &[],
            Some(json!({"id": "Test User"})),
        )
        .await;
        let answer = self
            .send(
                "POST",
                "/dbs/db/users/Test%20User/permissions/",
                Credential::Key(&key),
                headers,
                Some(permission),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        answer.body["_token"].as_str().unwrap().to_owned()
    }
}

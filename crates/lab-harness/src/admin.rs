//! The account's management plane: keys, the clock, applications, roles, account settings and
//! the audit log.
//!
//! On Azure these are Resource Manager operations (`az cosmosdb keys list`, `az cosmosdb keys
//! regenerate`), authenticated with your Entra identity, not with a Cosmos DB key. The cosmolab
//! emulator has no Resource Manager, so it serves the same operations, in the same JSON shapes,
//! under `/_cosmolab/`, signed like any Cosmos DB request with the **current primary key**
//! (see `crates/emulator/src/admin.rs`). [`AccountAdmin`] hides that difference from the labs.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{MasterKey, format_http_date};
use cosmolab_emulator::{KeyKind, KeyList};
use cosmolab_model::AuditRecord;
use serde::Deserialize;
use serde_json::json;

/// The account owner's console: keys and the clock.
///
/// It keeps the current primary key to sign with, and follows it when the primary key is
/// regenerated through it. `Debug` never shows the key.
pub struct AccountAdmin {
    endpoint: String,
    http: reqwest::Client,
    primary: Mutex<MasterKey>,
}

/// A management operation that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    /// The HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// What went wrong, in words.
    pub message: String,
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{status}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for AdminError {}

/// An application registered with the identity provider: what an Entra app registration gives
/// its owner. `Debug` never shows the secret.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredApplication {
    /// The application (client) id it signs in with.
    pub client_id: String,
    /// Its client secret, shown this once.
    pub client_secret: String,
    /// Its service principal's object id: the `oid` in its tokens, what roles are assigned to.
    pub object_id: String,
    /// The tenant (directory) it belongs to.
    pub tenant_id: String,
    /// Its name for people.
    pub display_name: String,
}

/// Written without its secret: a transcript or a log shows which application, never the key to it.
impl serde::Serialize for RegisteredApplication {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut application = serializer.serialize_struct("RegisteredApplication", 4)?;
        application.serialize_field("displayName", &self.display_name)?;
        application.serialize_field("clientId", &self.client_id)?;
        application.serialize_field("objectId", &self.object_id)?;
        application.serialize_field("tenantId", &self.tenant_id)?;
        application.end()
    }
}

impl fmt::Debug for RegisteredApplication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredApplication")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("object_id", &self.object_id)
            .field("tenant_id", &self.tenant_id)
            .field("display_name", &self.display_name)
            .finish()
    }
}

impl fmt::Debug for AccountAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountAdmin")
            .field("endpoint", &self.endpoint)
            .field("primary", &"<redacted>")
            .finish()
    }
}

impl AccountAdmin {
    /// Manages the account at `endpoint`, whose current primary key is `primary`.
    pub fn new(endpoint: &str, primary: MasterKey) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                // The emulator's https certificate is self-signed and for loopback only.
                .danger_accept_invalid_certs(true)
                .build()
                .expect("a reqwest client with default settings always builds"),
            primary: Mutex::new(primary),
        }
    }

    /// The four keys as they are now (`az cosmosdb keys list`).
    pub async fn keys(&self) -> Result<KeyList, AdminError> {
        let reply = self
            .send(reqwest::Method::GET, "/_cosmolab/keys", None)
            .await?;
        read_key_list(reply).await
    }

    /// Replaces one key with a new random one and returns all four (`az cosmosdb keys
    /// regenerate --key-kind …`). Requests signed with the old key fail from now on.
    pub async fn regenerate(&self, kind: KeyKind) -> Result<KeyList, AdminError> {
        let body = json!({ "keyKind": kind.arm_name() });
        let reply = self
            .send(
                reqwest::Method::POST,
                "/_cosmolab/keys/regenerate",
                Some(body),
            )
            .await?;
        let keys = read_key_list(reply).await?;
        if kind == KeyKind::Primary {
            let new_primary =
                MasterKey::from_base64(&keys.primary_master_key).map_err(|error| AdminError {
                    status: None,
                    message: format!("the new primary key is not valid base64: {error}"),
                })?;
            *self
                .primary
                .lock()
                .unwrap_or_else(|poison| poison.into_inner()) = new_primary;
        }
        Ok(keys)
    }

    /// Moves the emulator's token clock forward, so that resource tokens expire without waiting.
    /// Only an emulator started with time travel enabled has this; Azure has nothing like it.
    pub async fn advance_clock(&self, by: Duration) -> Result<(), AdminError> {
        let body = json!({ "seconds": by.as_secs() });
        let reply = self
            .send(
                reqwest::Method::POST,
                "/_cosmolab/clock/advance",
                Some(body),
            )
            .await?;
        expect_success(reply).await.map(drop)
    }

    /// Registers an application with the emulator's identity provider (an Entra app registration
    /// on Azure).
    pub async fn register_application(
        &self,
        display_name: &str,
    ) -> Result<RegisteredApplication, AdminError> {
        let body = json!({ "displayName": display_name });
        let registered = self
            .send_json(
                reqwest::Method::POST,
                "/_cosmolab/identity/applications",
                Some(body),
            )
            .await?;
        serde_json::from_value(registered).map_err(|error| AdminError {
            status: None,
            message: format!("the registered application was not in the expected shape: {error}"),
        })
    }

    /// Creates or replaces the custom role `id`, with Resource Manager's `properties` (`roleName`,
    /// `type`, `assignableScopes`, `permissions`). The service's checks apply: a 400 says why.
    pub async fn put_role_definition(
        &self,
        id: &str,
        properties: serde_json::Value,
    ) -> Result<serde_json::Value, AdminError> {
        let path = format!("/_cosmolab/sqlRoleDefinitions/{id}");
        self.send_json(
            reqwest::Method::PUT,
            &path,
            Some(json!({ "properties": properties })),
        )
        .await
    }

    /// Gives `principal` (an object id) the role `role` at `scope` (`/`, `/dbs/<db>`,
    /// `/dbs/<db>/colls/<c>`), as the assignment `id`.
    pub async fn assign_role(
        &self,
        id: &str,
        role: &str,
        scope: &str,
        principal: &str,
    ) -> Result<serde_json::Value, AdminError> {
        let path = format!("/_cosmolab/sqlRoleAssignments/{id}");
        let body = json!({"properties": {
            "roleDefinitionId": role,
            "scope": scope,
            "principalId": principal,
        }});
        self.send_json(reqwest::Method::PUT, &path, Some(body))
            .await
    }

    /// Deletes the role assignment `id`.
    pub async fn delete_role_assignment(&self, id: &str) -> Result<(), AdminError> {
        let path = format!("/_cosmolab/sqlRoleAssignments/{id}");
        let reply = self.send(reqwest::Method::DELETE, &path, None).await?;
        expect_success(reply).await.map(drop)
    }

    /// Turns the account setting `disableLocalAuth` on or off.
    pub async fn set_disable_local_auth(&self, disabled: bool) -> Result<(), AdminError> {
        let body = json!({"properties": {"disableLocalAuth": disabled}});
        self.send_json(reqwest::Method::PATCH, "/_cosmolab/account", Some(body))
            .await
            .map(drop)
    }

    /// The emulator's recent audit records, oldest first.
    pub async fn audit(&self) -> Result<Vec<AuditRecord>, AdminError> {
        let records = self
            .send_json(reqwest::Method::GET, "/_cosmolab/audit", None)
            .await?;
        serde_json::from_value(records).map_err(|error| AdminError {
            status: None,
            message: format!("the audit log was not a list of audit records: {error}"),
        })
    }

    /// [`send`](Self::send), expecting success and a JSON body.
    async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, AdminError> {
        let reply = expect_success(self.send(method, path, body).await?).await?;
        reply.json().await.map_err(|error| AdminError {
            status: None,
            message: format!("{path}: the answer is not JSON: {error}"),
        })
    }

    /// Sends one signed management request. The type and link are derived from the path by the
    /// usual Cosmos DB rule: `/_cosmolab/keys` is resource `_cosmolab/keys` of type `_cosmolab`,
    /// `/_cosmolab/keys/regenerate` a feed of type `regenerate` under `_cosmolab/keys`.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<reqwest::Response, AdminError> {
        let address = cosmolab_auth_signing::ResourceAddress::from_path(path).map_err(|error| {
            AdminError {
                status: None,
                message: format!("{path} is not a resource path: {error}"),
            }
        })?;
        let date = format_http_date(SystemTime::now());
        let authorization = self
            .primary
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .authorize(
                method.as_str(),
                address.resource_type(),
                &address.signing_link(),
                &date,
            );
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.endpoint))
            .header("x-ms-date", date)
            .header("x-ms-version", "2020-07-15")
            .header("authorization", authorization);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.map_err(|error| AdminError {
            status: None,
            message: format!("{path}: no answer from {}: {error}", self.endpoint),
        })
    }
}

async fn expect_success(reply: reqwest::Response) -> Result<reqwest::Response, AdminError> {
    if reply.status().is_success() {
        return Ok(reply);
    }
    let status = reply.status().as_u16();
    let text = reply.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|body| body.get("message")?.as_str().map(str::to_owned))
        .unwrap_or(text);
    Err(AdminError {
        status: Some(status),
        message,
    })
}

async fn read_key_list(reply: reqwest::Response) -> Result<KeyList, AdminError> {
    expect_success(reply)
        .await?
        .json::<KeyList>()
        .await
        .map_err(|error| AdminError {
            status: None,
            message: format!("the key list was not in listKeys' shape: {error}"),
        })
}

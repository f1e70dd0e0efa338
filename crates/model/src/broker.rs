//! What a resource-token broker answers (seed 001's step 7, "return the resource tokens to the
//! app"): the body of `POST /token` of `crates/broker`, read by `crates/client`'s broker
//! credential.
//!
//! ```json
//! {
//!   "user": "9d1c…",
//!   "expiresOn": 1764810000,
//!   "expiresIn": 3600,
//!   "permissions": [
//!     {"id": "own-items", "resource": "dbs/app/colls/items", "resourcePartitionKey": ["9d1c…"],
//!      "permissionMode": "All", "token": "type=resource&ver=1&sig=…"}
//!   ]
//! }
//! ```
//!
//! `expiresOn` is on the **service's** clock (the `Date` of the answer that carried the token,
//! plus its lifetime): a broker that computes it from its own clock hands out a time that is
//! wrong by its clock's drift. `expiresIn` is the same moment as seconds from that `Date`, which
//! is what a client should count from, on its own clock, when it received the answer. Nothing
//! else leaves a broker: no master key, no other user's permission.

use serde::{Deserialize, Serialize};

use crate::{PartitionKey, PermissionMode, ResourceToken};

/// The answer to a token request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenGrant {
    /// The Cosmos DB user that stands for the caller.
    pub user: String,
    /// When the first of the tokens expires, in Unix seconds on the service's clock.
    pub expires_on: u64,
    /// Seconds from the service's answer to that expiry.
    pub expires_in: u64,
    /// One entry per permission of the caller's user.
    pub permissions: Vec<GrantedPermission>,
}

/// One permission of a [`TokenGrant`], with its token (`Debug` shows the token redacted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantedPermission {
    /// The permission's id.
    pub id: String,
    /// The link of what it opens: `dbs/<db>/colls/<container>[/docs/<id>]`.
    pub resource: String,
    /// The partition it is restricted to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_partition_key: Option<PartitionKey>,
    /// `All` or `Read`.
    pub permission_mode: PermissionMode,
    /// The resource token.
    pub token: ResourceToken,
}

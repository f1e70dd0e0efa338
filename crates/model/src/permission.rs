//! Permissions: what one user may do with one resource, `POST /dbs/<db>/users/<user>/permissions`.
//!
//! A permission names a resource by its link (`dbs/my_database/colls/my_container`), a mode
//! (`All` or `Read`), and optionally a partition key that narrows it to one logical partition.
//! Every time the service returns a permission — on create, replace, read, and in the
//! permissions feed — it mints a fresh **resource token** in `_token`. A trusted mid-tier service
//! hands that token to an application, which then talks to Cosmos DB directly with it until it
//! expires.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{FeedItem, PartitionKey, SystemProperties};

/// A permission of one user on one resource.
///
/// ```
/// use cosmolab_model::{PartitionKey, Permission, PermissionMode};
///
/// // The body seed 000 sends to create its permission.
/// let permission: Permission = serde_json::from_str(r#"{
///     "id": "p1",
///     "permissionMode": "All",
///     "resource": "dbs/my_database/colls/my_container",
///     "resourcePartitionKey": ["1"]
/// }"#)?;
/// assert_eq!(permission.permission_mode, PermissionMode::All);
/// assert_eq!(permission.resource_partition_key, Some(PartitionKey::from("1")));
/// assert!(permission.token.is_none(), "only the service mints tokens");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permission {
    /// The permission's name, unique for its user.
    pub id: String,

    /// What the permission allows: everything, or reading only.
    pub permission_mode: PermissionMode,

    /// The link of the resource it covers, as the client gave it, e.g.
    /// `dbs/my_database/colls/my_container`. The permission also covers everything below it.
    pub resource: String,

    /// Narrows a container permission to one logical partition, e.g. `["1"]`. A request made
    /// with the token must then carry the same key in `x-ms-documentdb-partitionkey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_partition_key: Option<PartitionKey>,

    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,

    /// `_token`: the resource token minted for this response; absent in request bodies.
    #[serde(rename = "_token", default, skip_serializing_if = "Option::is_none")]
    pub token: Option<ResourceToken>,
}

impl Permission {
    /// A permission as a client creates it: no partition key, no system properties, no token.
    pub fn new(
        id: impl Into<String>,
        permission_mode: PermissionMode,
        resource: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            permission_mode,
            resource: resource.into(),
            resource_partition_key: None,
            system: SystemProperties::default(),
            token: None,
        }
    }
}

impl FeedItem for Permission {
    const FEED_KEY: &'static str = "Permissions";
}

/// The two permission modes.
///
/// Written as `All` and `Read`, as the REST reference spells them. Read without regard to case:
/// the Python SDK's own constants (`documents.PermissionMode.All`) are the strings `"all"` and
/// `"read"`, and the service accepts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PermissionMode {
    /// Read, write and delete the resource and everything below it; also needed to run a stored
    /// procedure.
    All,
    /// Read only: point reads, queries and feeds.
    Read,
}

impl<'de> Deserialize<'de> for PermissionMode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.eq_ignore_ascii_case("all") {
            Ok(Self::All)
        } else if text.eq_ignore_ascii_case("read") {
            Ok(Self::Read)
        } else {
            Err(serde::de::Error::custom(format!(
                "unknown permission mode {text:?}: expected \"All\" or \"Read\""
            )))
        }
    }
}

impl PermissionMode {
    /// Whether the mode allows changing data. Queries are `POST` requests but count as reads, so
    /// callers must classify the operation, not the HTTP verb.
    pub fn allows_writes(self) -> bool {
        match self {
            Self::All => true,
            Self::Read => false,
        }
    }
}

/// A resource token: the `_token` of a permission, e.g.
/// `type=resource&ver=1&sig=…;…;`.
///
/// It is a bearer credential — whoever holds it has the permission's access until it expires,
/// even after the permission is deleted — so its `Debug` output is redacted, and reading it takes
/// a deliberate call to [`expose_secret`](Self::expose_secret). Clients must treat the string as
/// opaque and send it back exactly as received.
///
/// ```
/// use cosmolab_model::ResourceToken;
///
/// let token = ResourceToken::new("type=resource&ver=1&sig=c2VjcmV0;;");
/// assert_eq!(format!("{token:?}"), "ResourceToken(<redacted>)");
/// assert_eq!(token.expose_secret(), "type=resource&ver=1&sig=c2VjcmV0;;");
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResourceToken(String);

/// `==` compares in constant time, as any comparison of secrets should.
impl PartialEq for ResourceToken {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq as _;
        self.0.len() == other.0.len() && bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for ResourceToken {}

impl ResourceToken {
    /// Wraps a token string minted by the service.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself, to put in an `Authorization` header or hand to a client.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ResourceToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ResourceToken(<redacted>)")
    }
}

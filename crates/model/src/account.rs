//! The database account: the body of `GET /`, the first request every SDK sends.
//!
//! SDKs read the account when a client is built and again every few minutes, and they act on
//! three things in it:
//!
//! - **locations**: the SDK sends its next requests to the advertised `databaseAccountEndpoint`,
//!   so a server must advertise exactly the URL the client used (or leave the lists empty, which
//!   makes the SDK keep the URL it was given);
//! - **`userConsistencyPolicy`**: with `Session`, the SDK sends `x-ms-consistency-level` and
//!   tracks session tokens; without the policy it does neither;
//! - **`enableMultipleWriteLocations`**: whether writes may go to every region.
//!
//! Everything else the service sends (`userReplicationPolicy`, `readPolicy`,
//! `queryEngineConfiguration`, …) is kept untouched in [`DatabaseAccount::other`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::SystemProperties;

/// The database account, as returned by `GET /`.
///
/// ```
/// use cosmolab_model::{ConsistencyLevel, DatabaseAccount};
///
/// let account = DatabaseAccount::new("cosmolab", "http://127.0.0.1:8081/");
/// assert_eq!(account.writable_locations[0].database_account_endpoint, "http://127.0.0.1:8081/");
/// assert_eq!(account.user_consistency_policy.default_consistency_level, ConsistencyLevel::Session);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseAccount {
    /// The account's name.
    pub id: String,

    /// `_rid` (the service uses the account's host name), `_self` (empty), `_etag` and `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,

    /// `_dbs`: the relative link of the databases feed, `"//dbs/"`.
    #[serde(rename = "_dbs", default, skip_serializing_if = "Option::is_none")]
    pub databases_link: Option<String>,

    /// The regions that accept writes, in failover order.
    #[serde(default)]
    pub writable_locations: Vec<AccountLocation>,

    /// The regions that serve reads, in preference order.
    #[serde(default)]
    pub readable_locations: Vec<AccountLocation>,

    /// Whether every region accepts writes (multi-region writes).
    #[serde(default)]
    pub enable_multiple_write_locations: bool,

    /// The account's default consistency.
    pub user_consistency_policy: ConsistencyPolicy,

    /// Every other property (`media`, `addresses`, `userReplicationPolicy`, `readPolicy`,
    /// `queryEngineConfiguration`, …), kept exactly as received.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl DatabaseAccount {
    /// A single-region account named `id` that advertises `endpoint` for reads and writes, with
    /// `Session` consistency — what an emulator answers to `GET /`.
    ///
    /// `endpoint` must be the URL the client actually used (scheme, host and port, with a trailing
    /// `/`): an SDK that sees another address sends its next requests there.
    pub fn new(id: impl Into<String>, endpoint: impl Into<String>) -> Self {
        // The region name is informational for an emulator; the official emulators use this one.
        let location = AccountLocation {
            name: "South Central US".to_owned(),
            database_account_endpoint: endpoint.into(),
        };
        Self {
            id: id.into(),
            system: SystemProperties::default(),
            databases_link: Some("//dbs/".to_owned()),
            writable_locations: vec![location.clone()],
            readable_locations: vec![location],
            enable_multiple_write_locations: false,
            user_consistency_policy: ConsistencyPolicy::new(ConsistencyLevel::Session),
            other: Map::new(),
        }
    }
}

/// One region of the account and the endpoint that serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountLocation {
    /// The region's name, e.g. `South Central US`.
    pub name: String,
    /// The URL clients should use for this region, e.g. `http://127.0.0.1:8081/`.
    pub database_account_endpoint: String,
}

/// The account's `userConsistencyPolicy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsistencyPolicy {
    /// The consistency a request gets unless it asks for a weaker one.
    pub default_consistency_level: ConsistencyLevel,

    /// Anything else in the policy (the staleness bounds of `BoundedStaleness`), kept as received.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ConsistencyPolicy {
    /// A policy with this default level and nothing else.
    pub fn new(default_consistency_level: ConsistencyLevel) -> Self {
        Self {
            default_consistency_level,
            other: Map::new(),
        }
    }
}

/// The five consistency levels, strongest first. The same names travel in the
/// `x-ms-consistency-level` request header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConsistencyLevel {
    /// Reads see the latest committed write.
    Strong,
    /// Reads lag writes by at most a configured number of versions or seconds.
    BoundedStaleness,
    /// A client reads its own writes; SDKs track session tokens to achieve it.
    Session,
    /// Reads never see writes out of order.
    ConsistentPrefix,
    /// No ordering guarantee.
    Eventual,
}

impl ConsistencyLevel {
    /// Every level, strongest first.
    pub const ALL: [Self; 5] = [
        Self::Strong,
        Self::BoundedStaleness,
        Self::Session,
        Self::ConsistentPrefix,
        Self::Eventual,
    ];

    /// The level's name on the wire, e.g. `"Session"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strong => "Strong",
            Self::BoundedStaleness => "BoundedStaleness",
            Self::Session => "Session",
            Self::ConsistentPrefix => "ConsistentPrefix",
            Self::Eventual => "Eventual",
        }
    }
}

impl fmt::Display for ConsistencyLevel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A consistency level name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "{0:?} is not a consistency level; use Strong, BoundedStaleness, Session, ConsistentPrefix or Eventual"
)]
pub struct UnknownConsistencyLevel(pub String);

/// Parses the `x-ms-consistency-level` header.
impl FromStr for ConsistencyLevel {
    type Err = UnknownConsistencyLevel;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == name)
            .ok_or_else(|| UnknownConsistencyLevel(name.to_owned()))
    }
}

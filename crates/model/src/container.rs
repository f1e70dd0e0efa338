//! Containers (`DocumentCollections` on the wire): `POST /dbs/<db>/colls` creates one.
//!
//! A container's one property cosmolab must understand is its **partition-key definition**: the
//! SDK reads it to pull the partition key out of every document it writes, and the emulator uses
//! it to check that the `x-ms-documentdb-partitionkey` header matches the document. Every other
//! property — the indexing policy, conflict resolution, time to live, unique keys, … — is
//! configuration the emulator does not act on, so it is kept in [`Container::other`] and returned
//! exactly as the client sent it. Modelling those policies field by field would only give us a
//! chance to drop or reorder something the client will compare later.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{FeedItem, SystemProperties};

/// A container: the unit of partitioning, indexing and access control for documents.
///
/// ```
/// use cosmolab_model::{Container, PartitionKeyDefinition};
///
/// let container: Container = serde_json::from_str(r#"{
///     "id": "my_container",
///     "partitionKey": {"paths": ["/key"], "kind": "Hash", "version": 2},
///     "indexingPolicy": {"indexingMode": "consistent", "automatic": true}
/// }"#)?;
/// assert_eq!(container.partition_key, PartitionKeyDefinition::hash("/key"));
/// assert!(container.other.contains_key("indexingPolicy"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    /// The name the client chose.
    pub id: String,

    /// Which document properties form the partition key.
    pub partition_key: PartitionKeyDefinition,

    /// `_rid`, `_self`, `_etag`, `_ts`. SDKs need the container's `_rid`: they send it back in
    /// `x-ms-cosmos-intended-collection-rid` and key their session tokens by it, so it must stay
    /// the same for the container's whole life.
    #[serde(flatten)]
    pub system: SystemProperties,

    /// `_docs`: the relative link of the documents feed, `"docs/"`.
    #[serde(rename = "_docs", default, skip_serializing_if = "Option::is_none")]
    pub documents_link: Option<String>,

    /// `_sprocs`: the relative link of the stored-procedures feed, `"sprocs/"`.
    #[serde(rename = "_sprocs", default, skip_serializing_if = "Option::is_none")]
    pub stored_procedures_link: Option<String>,

    /// `_triggers`: the relative link of the triggers feed, `"triggers/"`.
    #[serde(rename = "_triggers", default, skip_serializing_if = "Option::is_none")]
    pub triggers_link: Option<String>,

    /// `_udfs`: the relative link of the user-defined-functions feed, `"udfs/"`.
    #[serde(rename = "_udfs", default, skip_serializing_if = "Option::is_none")]
    pub user_defined_functions_link: Option<String>,

    /// `_conflicts`: the relative link of the conflicts feed, `"conflicts/"`.
    #[serde(
        rename = "_conflicts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub conflicts_link: Option<String>,

    /// Every other property (`indexingPolicy`, `conflictResolutionPolicy`, `geospatialConfig`,
    /// `defaultTtl`, `uniqueKeyPolicy`, …), passed through untouched.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Container {
    /// A container as a client creates it: an id and a partition-key definition.
    pub fn new(id: impl Into<String>, partition_key: PartitionKeyDefinition) -> Self {
        Self {
            id: id.into(),
            partition_key,
            system: SystemProperties::default(),
            documents_link: None,
            stored_procedures_link: None,
            triggers_link: None,
            user_defined_functions_link: None,
            conflicts_link: None,
            other: Map::new(),
        }
    }
}

// The wire still calls containers by their original name, "document collections".
impl FeedItem for Container {
    const FEED_KEY: &'static str = "DocumentCollections";
}

/// A container's `partitionKey`: `{"paths": ["/key"], "kind": "Hash", "version": 2}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionKeyDefinition {
    /// The document paths whose values form the key, e.g. `["/key"]`, or up to three paths for a
    /// hierarchical key, e.g. `["/tenant", "/user"]`.
    pub paths: Vec<String>,

    /// `Hash` for one path, `MultiHash` for a hierarchical key.
    pub kind: PartitionKind,

    /// The hashing scheme: `2` supports keys longer than 100 bytes. Older containers omit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,

    /// Anything else in the definition (`systemKey` on migrated containers), kept as received.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl PartitionKeyDefinition {
    /// A single-path key, as the SDKs create it: `{"paths": [path], "kind": "Hash", "version": 2}`.
    pub fn hash(path: impl Into<String>) -> Self {
        Self {
            paths: vec![path.into()],
            kind: PartitionKind::Hash,
            version: Some(2),
            other: Map::new(),
        }
    }

    /// A hierarchical key over several paths: `{"paths": [...], "kind": "MultiHash", "version": 2}`.
    pub fn multi_hash<P: Into<String>>(paths: impl IntoIterator<Item = P>) -> Self {
        Self {
            paths: paths.into_iter().map(Into::into).collect(),
            kind: PartitionKind::MultiHash,
            version: Some(2),
            other: Map::new(),
        }
    }
}

/// How the partition-key paths are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartitionKind {
    /// One path, hashed.
    Hash,
    /// Several paths (a hierarchical key), hashed together.
    MultiHash,
}

//! Partition-key ranges: `GET /dbs/<db>/colls/<c>/pkranges`, the container's physical partitions.
//!
//! Each range owns a slice of the hashed key space, from `minInclusive` to `maxExclusive`, written
//! as upper-case hexadecimal strings. SDKs read the ranges to route session tokens and
//! cross-partition queries, and they check that the ranges cover the whole space from `""` to
//! `"FF"` — with `"ff"` in lower case they report a gap and fail. An emulator with a single
//! partition answers with [`PartitionKeyRange::whole_key_space`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{FeedItem, SystemProperties};

/// The lowest point of the key space, where the first range starts.
pub const MIN_INCLUSIVE: &str = "";

/// The end of the key space, where the last range stops. Upper case: SDKs compare it as text.
pub const MAX_EXCLUSIVE: &str = "FF";

/// One physical partition of a container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionKeyRange {
    /// The range's id, `"0"` for the first; requests name it in
    /// `x-ms-documentdb-partitionkeyrangeid`.
    pub id: String,

    /// Where the range starts (inclusive), as upper-case hexadecimal.
    pub min_inclusive: String,

    /// Where the range stops (exclusive), as upper-case hexadecimal.
    pub max_exclusive: String,

    /// The ids of the ranges this one was split or merged from; empty for an original range.
    #[serde(default)]
    pub parents: Vec<String>,

    /// `"online"` for a range that serves requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,

    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,

    /// Every other property (`ridPrefix`, `throughputFraction`, `_lsn`, …), kept as received.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl PartitionKeyRange {
    /// The single range `"0"` covering the whole key space, online and with no parents — all an
    /// emulator with one partition needs to answer.
    pub fn whole_key_space() -> Self {
        Self {
            id: "0".to_owned(),
            min_inclusive: MIN_INCLUSIVE.to_owned(),
            max_exclusive: MAX_EXCLUSIVE.to_owned(),
            parents: Vec::new(),
            status: Some("online".to_owned()),
            system: SystemProperties::default(),
            other: Map::new(),
        }
    }
}

impl FeedItem for PartitionKeyRange {
    const FEED_KEY: &'static str = "PartitionKeyRanges";
}

//! Documents (items): the JSON a client stores under `/dbs/<db>/colls/<c>/docs`.
//!
//! A document is any JSON object with a string `id`. cosmolab keeps all of the client's
//! properties, `id` included, in one [`serde_json::Map`]: the emulator must return them exactly
//! as stored, and a partition-key path may name any of them — `/id` as well as `/address/city` —
//! so one map gives one way to look a value up. The system properties the service adds are kept
//! apart in [`SystemProperties`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    FeedItem, PartitionKey, PartitionKeyDefinition, PartitionKeyError, PartitionKeyValue,
    SystemProperties,
};

/// A document: the client's JSON object plus the service's system properties.
///
/// ```
/// use cosmolab_model::{Document, PartitionKey, PartitionKeyDefinition};
///
/// let document: Document = serde_json::from_str(r#"{"id": "item1", "key": "1", "address": {"city": "Oslo"}}"#)?;
/// assert_eq!(document.id(), Some("item1"));
/// assert_eq!(document.value_at("/address/city"), Some(&serde_json::json!("Oslo")));
///
/// let key = document.partition_key(&PartitionKeyDefinition::hash("/key"))?;
/// assert_eq!(key, PartitionKey::from("1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,

    /// `_attachments`: the relative link of the document's attachments feed, `"attachments/"`.
    #[serde(
        rename = "_attachments",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub attachments_link: Option<String>,

    /// The client's properties, `id` included, exactly as sent.
    ///
    /// It must stay after `system`, so that it receives only what the system properties left
    /// (see [`SystemProperties`] for why the order matters).
    #[serde(flatten)]
    pub body: Map<String, Value>,
}

impl Document {
    /// A document with these client properties and no system properties yet.
    pub fn new(body: Map<String, Value>) -> Self {
        Self {
            system: SystemProperties::default(),
            attachments_link: None,
            body,
        }
    }

    /// The document's `id`, or `None` when it is missing or not a string — which the service
    /// answers with `400 Bad Request`.
    pub fn id(&self) -> Option<&str> {
        self.body.get("id").and_then(Value::as_str)
    }

    /// The value at a partition-key path such as `/key` or `/address/city`, or `None` when the
    /// document has no property there (the partition key is then *undefined*).
    ///
    /// Paths are read segment by segment through nested objects. The service also accepts
    /// quoted segments (`/"a/b"`) for property names containing `/`; cosmolab does not need
    /// them and does not read them.
    pub fn value_at(&self, path: &str) -> Option<&Value> {
        let mut segments = path.strip_prefix('/').unwrap_or(path).split('/');
        let first = segments.next().filter(|segment| !segment.is_empty())?;
        segments.try_fold(self.body.get(first)?, |value, segment| {
            value.as_object()?.get(segment)
        })
    }

    /// The document's partition key under `definition`: one component per path, undefined where
    /// the document has no value. The result must equal the request's
    /// `x-ms-documentdb-partitionkey` header.
    pub fn partition_key(
        &self,
        definition: &PartitionKeyDefinition,
    ) -> Result<PartitionKey, PartitionKeyError> {
        definition
            .paths
            .iter()
            .enumerate()
            .map(|(position, path)| match self.value_at(path) {
                None => Ok(PartitionKeyValue::Undefined),
                Some(value) => PartitionKeyValue::from_json(value).ok_or_else(|| {
                    PartitionKeyError::UnsupportedValue {
                        position,
                        value: value.to_string(),
                    }
                }),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(PartitionKey::new)
    }
}

impl FeedItem for Document {
    const FEED_KEY: &'static str = "Documents";
}

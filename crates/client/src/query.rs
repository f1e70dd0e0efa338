//! Queries and partition scopes.
//!
//! A query travels as `POST …/docs` with the body `{"query": "...", "parameters": [{"name":
//! "@id", "value": …}]}`. Values belong in parameters, never pasted into the text: a parameter is
//! data and cannot change the query's meaning, which is what makes it safe against SQL injection.
//!
//! Every feed read and query is scoped to **one logical partition or all of them**
//! ([`PartitionScope`]). One partition is cheaper, and it is the only scope a partition-scoped
//! resource token allows; all partitions sends `x-ms-documentdb-query-enablecrosspartition: True`.

use cosmolab_model::PartitionKey;
use serde::Serialize;
use serde_json::Value;

/// A query with its parameters.
///
/// ```
/// use cosmolab_client::Query;
///
/// let query = Query::new("SELECT * FROM c WHERE c.customer = @customer AND c.total > @min")
///     .with_parameter("@customer", "alice")
///     .with_parameter("@min", 10);
/// assert_eq!(
///     serde_json::to_value(&query)?,
///     serde_json::json!({
///         "query": "SELECT * FROM c WHERE c.customer = @customer AND c.total > @min",
///         "parameters": [{"name": "@customer", "value": "alice"}, {"name": "@min", "value": 10}],
///     }),
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Query {
    query: String,
    parameters: Vec<QueryParameter>,
}

/// One `@name` of a query and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryParameter {
    name: String,
    value: Value,
}

impl Query {
    /// A query without parameters.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            query: text.into(),
            parameters: Vec::new(),
        }
    }

    /// Adds a parameter: `name` as it appears in the text (`@customer`), and any JSON value.
    pub fn with_parameter(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.parameters.push(QueryParameter {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// The query text.
    pub fn text(&self) -> &str {
        &self.query
    }

    /// The request body, `{"query", "parameters"}`.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        // Strings and `serde_json::Value`s always serialize (every map key is a string), so the
        // empty fallback is never used.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl From<&str> for Query {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Query {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

/// Which logical partitions a feed read or a query covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionScope {
    /// One logical partition: the request carries `x-ms-documentdb-partitionkey`.
    Partition(PartitionKey),
    /// Every partition of the container (`x-ms-documentdb-query-enablecrosspartition: True`).
    CrossPartition,
}

impl From<PartitionKey> for PartitionScope {
    fn from(key: PartitionKey) -> Self {
        Self::Partition(key)
    }
}

/// A single string partition key, the common case: `"alice"` means `["alice"]`.
impl From<&str> for PartitionScope {
    fn from(key: &str) -> Self {
        Self::Partition(key.into())
    }
}

impl From<String> for PartitionScope {
    fn from(key: String) -> Self {
        Self::Partition(key.into())
    }
}

//! A script's collection: the documents of one logical partition, on a private copy.
//!
//! [`PartitionScope`] is what `getContext().getCollection()` reaches. Every operation goes through
//! the same checks as a client's request (ids, 409, 404, 412) because it uses the same code
//! (`crate::store::documents`), plus the one rule that makes a stored procedure a transaction
//! the service can keep: it may only touch the partition the client named when it called the
//! script. A document in another partition is refused ("Requests originating from scripts
//! cannot reference partition keys other than the one for which client request was
//! submitted.") and documents of other partitions are invisible to reads and queries.

use cosmolab_model::{Document, PartitionKey, PartitionKeyDefinition};
use serde_json::{Map, Value};

use super::host::{HostError, ScriptCollection};
use crate::error::CosmosError;
use crate::query::{Parameters, Query};
use crate::store::{Snapshot, StoredDocument, Upserted};

/// The service's message when a script names a partition key other than the request's.
pub const OTHER_PARTITION: &str = "Requests originating from scripts cannot reference partition keys other than the one for which client request was submitted.";

/// One partition of a container, as a script sees it.
pub struct PartitionScope {
    snapshot: Snapshot,
    partition: PartitionKey,
    definition: PartitionKeyDefinition,
    alt_link: String,
    ts: u64,
}

impl PartitionScope {
    /// The partition `partition` of the container whose documents `snapshot` copies.
    pub fn new(
        snapshot: Snapshot,
        partition: PartitionKey,
        definition: PartitionKeyDefinition,
        alt_link: String,
        ts: u64,
    ) -> Self {
        Self {
            snapshot,
            partition,
            definition,
            alt_link,
            ts,
        }
    }

    /// The copy, with every write the script made, for committing.
    pub fn into_snapshot(self) -> Snapshot {
        self.snapshot
    }

    /// The partition the scope is bound to.
    pub fn partition(&self) -> &PartitionKey {
        &self.partition
    }

    /// Writes `body` as a create (or upsert) in this partition, checking its partition key —
    /// for a script's `createDocument` and for a client's write that runs triggers.
    pub fn create(
        &mut self,
        body: Map<String, Value>,
        upsert: bool,
        if_match: Option<&str>,
    ) -> Result<(StoredDocument, Upserted), CosmosError> {
        let partition = self.partition_of(&body)?;
        if upsert {
            self.snapshot.upsert(partition, body, if_match, self.ts)
        } else {
            let stored = self.snapshot.create(partition, body, self.ts)?;
            Ok((stored, Upserted::Created))
        }
    }

    /// Replaces the document `id` (an id or a `_rid`) of this partition with `body`.
    pub fn replace(
        &mut self,
        id: &str,
        body: Map<String, Value>,
        if_match: Option<&str>,
    ) -> Result<StoredDocument, CosmosError> {
        let partition = self.partition_of(&body)?;
        let id = self.resolve(id)?;
        self.snapshot
            .replace(partition, &id, body, if_match, self.ts)
    }

    /// Deletes the document `id` (an id or a `_rid`) of this partition.
    pub fn delete(&mut self, id: &str, if_match: Option<&str>) -> Result<(), CosmosError> {
        let id = self.resolve(id)?;
        let partition = self.partition.clone();
        self.snapshot.delete(&partition, &id, if_match)
    }

    /// The document `id` (an id or a `_rid`) of this partition.
    pub fn read_document(&self, id: &str) -> Result<&StoredDocument, CosmosError> {
        let documents = self.snapshot.documents();
        documents
            .get(&self.partition, id)
            .or_else(|| {
                documents
                    .by_rid(id)
                    .filter(|document| document.partition_key == self.partition)
            })
            .ok_or_else(CosmosError::not_found)
    }

    /// A document's partition key, which must be this scope's.
    fn partition_of(&self, body: &Map<String, Value>) -> Result<PartitionKey, CosmosError> {
        let key = Document::new(body.clone())
            .partition_key(&self.definition)
            .map_err(|error| {
                CosmosError::bad_request(format!(
                    "The document's partition key is invalid: {error}."
                ))
            })?;
        if key != self.partition {
            return Err(CosmosError::bad_request(OTHER_PARTITION));
        }
        Ok(key)
    }

    /// The id of the document a link's last segment names (its id, or its `_rid`).
    fn resolve(&self, id: &str) -> Result<String, CosmosError> {
        let document = self.read_document(id)?;
        Ok(document.body["id"].as_str().unwrap_or(id).to_owned())
    }

    fn documents_of_partition(&self) -> impl Iterator<Item = &Value> {
        self.snapshot
            .documents()
            .in_order(Some(&self.partition))
            .map(|document| &document.body)
    }
}

/// A script hears about a refused operation as the status and message a client would get.
fn refused(error: CosmosError) -> HostError {
    HostError::new(error.status.as_u16(), error.message)
}

fn object(document: Value) -> Result<Map<String, Value>, HostError> {
    match document {
        Value::Object(map) => Ok(map),
        other => Err(HostError::new(
            400,
            format!("A document must be a JSON object; the script passed {other}."),
        )),
    }
}

impl ScriptCollection for PartitionScope {
    fn self_link(&self) -> String {
        self.snapshot.container_self().to_owned()
    }

    fn alt_link(&self) -> String {
        self.alt_link.clone()
    }

    fn create(&mut self, document: Value, upsert: bool) -> Result<Value, HostError> {
        PartitionScope::create(self, object(document)?, upsert, None)
            .map(|(stored, _)| stored.body)
            .map_err(refused)
    }

    fn read(&mut self, id: &str) -> Result<Value, HostError> {
        self.read_document(id)
            .map(|stored| stored.body.clone())
            .map_err(refused)
    }

    fn replace(
        &mut self,
        id: &str,
        document: Value,
        if_match: Option<&str>,
    ) -> Result<Value, HostError> {
        PartitionScope::replace(self, id, object(document)?, if_match)
            .map(|stored| stored.body)
            .map_err(refused)
    }

    fn delete(&mut self, id: &str, if_match: Option<&str>) -> Result<(), HostError> {
        PartitionScope::delete(self, id, if_match).map_err(refused)
    }

    fn query(&mut self, query: &str, parameters: &Value) -> Result<Vec<Value>, HostError> {
        let bad = |error: crate::query::QueryError| HostError::new(400, error.to_string());
        let query = Query::parse(query).map_err(bad)?;
        let parameters = match parameters {
            Value::Null => Parameters::new(),
            list => Parameters::from_request(list).map_err(bad)?,
        };
        query
            .execute(self.documents_of_partition(), &parameters)
            .map_err(bad)
    }

    fn read_all(&mut self) -> Result<Vec<Value>, HostError> {
        Ok(self.documents_of_partition().cloned().collect())
    }
}

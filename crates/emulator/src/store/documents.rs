//! A container's documents, and the two ways to change them: in place (an ordinary request,
//! under the store's lock) or on a [`Snapshot`] (a stored procedure, or a write with triggers).
//!
//! A stored procedure is a transaction: every write it makes is kept, or — when it throws or runs
//! out of time — none is (issue 12, and the service's documentation: "if the stored procedure
//! throws an exception, the transaction is rolled back"). Its script may run for seconds, and the
//! emulator must keep answering other requests meanwhile, so the script does not work on the
//! store. It works on a [`Snapshot`]: a private copy of the documents of its one logical
//! partition — a script cannot reach any other — taken under the lock. If the script succeeds, [`Store::commit_documents`](super::Store::commit_documents)
//! puts the copy in place of the partition — all writes at once, so no other request ever sees
//! half of them — but only if nobody else wrote to the container in between (its *generation* is
//! unchanged); otherwise the script runs again on a fresh copy. If the script fails, the copy is
//! dropped. Copying one partition, not the container, keeps a script's cost proportional to the
//! data it can see.
//!
//! Both paths share the same checks (409, 404, 412, ids), written once on [`Documents`].

use std::collections::{BTreeMap, HashMap};

use cosmolab_model::PartitionKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rid::Rid;
use super::{IfMatch, Upserted, check_if_match, document_id, new_etag};
use crate::error::{CosmosError, Result};

/// A container's documents: in creation order, and indexed by (partition key, id), which is what
/// makes a document unique — the same id may exist once in every logical partition.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(into = "SavedDocuments", from = "SavedDocuments")]
pub struct Documents {
    by_sequence: BTreeMap<u64, StoredDocument>,
    index: HashMap<(PartitionKey, String), u64>,
    next_sequence: u64,
    /// Counts writes, so that a snapshot can tell whether the container changed since it was
    /// taken. Not saved: it only has to be comparable while the emulator runs.
    generation: u64,
}

/// Documents as saved: in sequence order; the index is rebuilt when they are read back.
#[derive(Clone, Serialize, Deserialize)]
struct SavedDocuments {
    documents: Vec<(u64, StoredDocument)>,
    next_sequence: u64,
}

impl From<Documents> for SavedDocuments {
    fn from(documents: Documents) -> Self {
        Self {
            documents: documents.by_sequence.into_iter().collect(),
            next_sequence: documents.next_sequence,
        }
    }
}

impl From<SavedDocuments> for Documents {
    fn from(saved: SavedDocuments) -> Self {
        let index = saved
            .documents
            .iter()
            .filter_map(|(sequence, stored)| {
                let id = stored.body.get("id")?.as_str()?.to_owned();
                Some(((stored.partition_key.clone(), id), *sequence))
            })
            .collect();
        Self {
            by_sequence: saved.documents.into_iter().collect(),
            index,
            next_sequence: saved.next_sequence,
            generation: 0,
        }
    }
}

/// One document: its full JSON (system properties included) and its partition key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDocument {
    /// The document as clients read it.
    pub body: Value,
    /// The logical partition it lives in.
    pub partition_key: PartitionKey,
}

impl StoredDocument {
    /// The document's `_etag`.
    pub fn etag(&self) -> &str {
        self.body["_etag"].as_str().unwrap_or_default()
    }
}

/// Where documents live: what a new document's `_rid` and `_self` are built from.
#[derive(Debug, Clone)]
pub struct Location {
    container_rid: Rid,
    /// The container's `_self`, `dbs/<rid>/colls/<rid>/`.
    container_self: String,
}

impl Location {
    /// The location of a container's documents.
    pub(super) fn new(container_rid: Rid, container_self: String) -> Self {
        Self {
            container_rid,
            container_self,
        }
    }
}

impl Documents {
    /// The documents in creation order; only one logical partition's if given.
    pub fn in_order<'a>(
        &'a self,
        partition: Option<&'a PartitionKey>,
    ) -> impl Iterator<Item = &'a StoredDocument> {
        self.by_sequence
            .values()
            .filter(move |document| partition.is_none_or(|key| &document.partition_key == key))
    }

    /// One document, by partition key and id.
    pub fn get(&self, partition: &PartitionKey, id: &str) -> Option<&StoredDocument> {
        self.index
            .get(&(partition.clone(), id.to_owned()))
            .and_then(|sequence| self.by_sequence.get(sequence))
    }

    /// One document, by `_rid`.
    pub fn by_rid(&self, rid: &str) -> Option<&StoredDocument> {
        self.by_sequence
            .values()
            .find(|document| document.body["_rid"].as_str() == Some(rid))
    }

    /// Creates a document (409 if its id exists in its partition).
    pub(super) fn create(
        &mut self,
        location: &Location,
        partition: PartitionKey,
        body: Map<String, Value>,
        ts: u64,
    ) -> Result<StoredDocument> {
        let id = document_id(&body)?;
        if self.get(&partition, &id).is_some() {
            return Err(CosmosError::conflict());
        }
        Ok(self.write(location, partition, id, body, ts))
    }

    /// Creates or replaces a document (412 if `If-Match` names another version).
    pub(super) fn upsert(
        &mut self,
        location: &Location,
        partition: PartitionKey,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<(StoredDocument, Upserted)> {
        let id = document_id(&body)?;
        match self.get(&partition, &id) {
            Some(current) => {
                check_if_match(if_match, Some(current.etag()))?;
                Ok((
                    self.write(location, partition, id, body, ts),
                    Upserted::Replaced,
                ))
            }
            None => {
                // `If-Match` on a document that does not exist cannot match.
                if if_match.is_some_and(|etag| etag != "*") {
                    return Err(CosmosError::precondition_failed());
                }
                Ok((
                    self.write(location, partition, id, body, ts),
                    Upserted::Created,
                ))
            }
        }
    }

    /// Replaces a document: the same id in body and path (400), existing (404), `If-Match` (412).
    pub(super) fn replace(
        &mut self,
        location: &Location,
        partition: PartitionKey,
        id: &str,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<StoredDocument> {
        let body_id = document_id(&body)?;
        if body_id != id {
            return Err(CosmosError::bad_request(format!(
                "The id in the body ('{body_id}') differs from the id in the path ('{id}'); a \
                 replace cannot change a document's id."
            )));
        }
        let current = self
            .get(&partition, id)
            .ok_or_else(CosmosError::not_found)?;
        check_if_match(if_match, Some(current.etag()))?;
        Ok(self.write(location, partition, body_id, body, ts))
    }

    /// Deletes a document (404 if missing, 412 if `If-Match` is stale).
    pub(super) fn delete(
        &mut self,
        partition: &PartitionKey,
        id: &str,
        if_match: IfMatch<'_>,
    ) -> Result<()> {
        let current = self.get(partition, id).ok_or_else(CosmosError::not_found)?;
        check_if_match(if_match, Some(current.etag()))?;
        if let Some(sequence) = self.index.remove(&(partition.clone(), id.to_owned())) {
            self.by_sequence.remove(&sequence);
        }
        self.generation += 1;
        Ok(())
    }

    /// Stores a document (new or replacing the same key), setting its system properties.
    fn write(
        &mut self,
        location: &Location,
        partition: PartitionKey,
        id: String,
        mut body: Map<String, Value>,
        ts: u64,
    ) -> StoredDocument {
        let key = (partition.clone(), id);
        let sequence = match self.index.get(&key) {
            Some(sequence) => *sequence,
            None => {
                self.next_sequence += 1;
                self.next_sequence
            }
        };
        let rid = Rid::new_leaf(&location.container_rid, sequence);
        let self_link = format!("{}docs/{}/", location.container_self, rid.to_text());
        body.insert("_rid".into(), Value::String(rid.to_text()));
        body.insert("_self".into(), Value::String(self_link));
        body.insert("_etag".into(), Value::String(new_etag()));
        body.insert("_attachments".into(), Value::String("attachments/".into()));
        body.insert("_ts".into(), Value::from(ts));
        let stored = StoredDocument {
            body: Value::Object(body),
            partition_key: partition,
        };
        self.index.insert(key, sequence);
        self.by_sequence.insert(sequence, stored.clone());
        self.generation += 1;
        stored
    }
}

/// A private copy of one partition's documents that a script writes to; see the module's docs.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The partition's documents only, numbered on from the container's sequence.
    documents: Documents,
    location: Location,
    /// The sequence numbers the partition's documents had in the container when copied: what a
    /// commit replaces.
    copied: Vec<u64>,
    /// The container's generation when the copy was taken.
    based_on: u64,
}

impl Snapshot {
    /// A copy of the documents of `partition` in `documents`.
    pub(super) fn of_partition(
        documents: &Documents,
        partition: &PartitionKey,
        location: Location,
    ) -> Self {
        let mut copy = Documents {
            next_sequence: documents.next_sequence,
            generation: documents.generation,
            ..Documents::default()
        };
        let mut copied = Vec::new();
        for (sequence, stored) in &documents.by_sequence {
            if &stored.partition_key != partition {
                continue;
            }
            copied.push(*sequence);
            copy.by_sequence.insert(*sequence, stored.clone());
            if let Some(id) = stored.body.get("id").and_then(Value::as_str) {
                copy.index
                    .insert((partition.clone(), id.to_owned()), *sequence);
            }
        }
        Self {
            based_on: documents.generation,
            documents: copy,
            location,
            copied,
        }
    }

    /// The container's `_self` link, `dbs/<rid>/colls/<rid>/`.
    pub fn container_self(&self) -> &str {
        &self.location.container_self
    }

    /// How many writes the copy has had.
    pub fn writes(&self) -> u64 {
        self.documents.generation - self.based_on
    }

    /// The copy's documents, to read.
    pub fn documents(&self) -> &Documents {
        &self.documents
    }

    /// Puts the copy in place of its partition in `current` (the container's documents now), if
    /// nobody wrote to the container since the copy was taken; `false`, and nothing changed,
    /// otherwise.
    pub(super) fn commit_into(self, current: &mut Documents) -> bool {
        if current.generation != self.based_on {
            return false;
        }
        // Nobody wrote since the copy: the partition's documents in `current` are exactly the
        // `copied` ones, and sequence numbers above the copy's start are free.
        for sequence in &self.copied {
            if let Some(stored) = current.by_sequence.remove(sequence)
                && let Some(id) = stored.body.get("id").and_then(Value::as_str)
            {
                current
                    .index
                    .remove(&(stored.partition_key.clone(), id.to_owned()));
            }
        }
        for (sequence, stored) in self.documents.by_sequence {
            if let Some(id) = stored.body.get("id").and_then(Value::as_str) {
                current
                    .index
                    .insert((stored.partition_key.clone(), id.to_owned()), sequence);
            }
            current.by_sequence.insert(sequence, stored);
        }
        current.next_sequence = current.next_sequence.max(self.documents.next_sequence);
        current.generation = self.documents.generation;
        true
    }

    /// Creates a document in the copy (409 if its id exists in its partition).
    pub fn create(
        &mut self,
        partition: PartitionKey,
        body: Map<String, Value>,
        ts: u64,
    ) -> Result<StoredDocument> {
        self.documents.create(&self.location, partition, body, ts)
    }

    /// Creates or replaces a document in the copy.
    pub fn upsert(
        &mut self,
        partition: PartitionKey,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<(StoredDocument, Upserted)> {
        self.documents
            .upsert(&self.location, partition, body, if_match, ts)
    }

    /// Replaces a document in the copy (404 if missing, 412 if `If-Match` is stale).
    pub fn replace(
        &mut self,
        partition: PartitionKey,
        id: &str,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<StoredDocument> {
        self.documents
            .replace(&self.location, partition, id, body, if_match, ts)
    }

    /// Deletes a document from the copy.
    pub fn delete(
        &mut self,
        partition: &PartitionKey,
        id: &str,
        if_match: IfMatch<'_>,
    ) -> Result<()> {
        self.documents.delete(partition, id, if_match)
    }
}

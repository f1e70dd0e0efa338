//! The emulator's data: databases → containers → documents, and databases → users → permissions.
//!
//! Everything lives in memory, in one [`Store`] behind one lock (see `crate::state`). Each write
//! method **validates everything first and mutates last**, so a request that fails leaves nothing
//! half-written; and since the lock is held for the whole method, no other request ever sees an
//! intermediate state.
//!
//! The store knows nothing about HTTP or access control: handlers have already decided *whether*
//! a request may run; the store only decides whether it *can* (404, 409, 412).
//!
//! System properties are set here, on every write: `_rid` (structured, see [`rid`]), `_self`
//! (built from the rids, as the service builds it), `_etag` (a new quoted GUID per write) and `_ts`
//! (the emulator clock's seconds).

pub mod documents;
pub mod persist;
pub mod rid;
pub mod scripts;

use cosmolab_model::{
    Container, Database, PartitionKey, Permission, SystemProperties, User, validate_resource_id,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{CosmosError, Result};
use rid::Rid;

pub use documents::{Documents, Location, Snapshot, StoredDocument};

/// All databases of the account.
#[derive(Debug, Default)]
pub struct Store {
    databases: Vec<DatabaseEntry>,
    /// Logical sequence number: incremented by every write, reported in session tokens.
    lsn: u64,
}

/// A database and what it contains. With `--data-dir`, each database is kept on disk as one
/// record of this shape ([`persist`]).
#[derive(Debug, Serialize, Deserialize)]
pub struct DatabaseEntry {
    /// The database as clients see it.
    pub resource: Database,
    rid: Rid,
    containers: Vec<ContainerEntry>,
    users: Vec<UserEntry>,
}

/// A container and its documents.
#[derive(Debug, Serialize, Deserialize)]
pub struct ContainerEntry {
    /// The container as clients see it (partition-key definition included).
    pub resource: Container,
    rid: Rid,
    documents: Documents,
    /// Stored procedures, triggers and user-defined functions. Absent in data directories written
    /// before scripts existed, hence the default.
    #[serde(default)]
    scripts: scripts::Scripts,
}

/// A user and their permissions.
#[derive(Debug, Serialize, Deserialize)]
pub struct UserEntry {
    /// The user as clients see it.
    pub resource: User,
    rid: Rid,
    permissions: Vec<Permission>,
    next_permission: u64,
}

impl DatabaseEntry {
    /// The database's `_rid` as text (the `_rid` of its feeds of containers and users).
    pub fn rid(&self) -> String {
        self.rid.to_text()
    }
}

impl ContainerEntry {
    /// The container's `_rid` as text (the `_rid` of its feeds of documents and ranges).
    pub fn rid(&self) -> String {
        self.rid.to_text()
    }

    /// The container's `_self` link, `dbs/<rid>/colls/<rid>/`.
    pub fn self_link(&self) -> String {
        self.resource.system.self_link.clone().unwrap_or_default()
    }

    fn create_document(
        &mut self,
        partition: PartitionKey,
        body: Map<String, Value>,
        ts: u64,
    ) -> Result<StoredDocument> {
        let location = self.location();
        self.documents.create(&location, partition, body, ts)
    }

    fn upsert_document(
        &mut self,
        partition: PartitionKey,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<(StoredDocument, Upserted)> {
        let location = self.location();
        self.documents
            .upsert(&location, partition, body, if_match, ts)
    }

    fn replace_document(
        &mut self,
        partition: PartitionKey,
        id: &str,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<StoredDocument> {
        let location = self.location();
        self.documents
            .replace(&location, partition, id, body, if_match, ts)
    }

    /// Where its documents live, for building their `_rid` and `_self`.
    fn location(&self) -> documents::Location {
        documents::Location::new(self.rid.clone(), self.self_link())
    }
}

impl UserEntry {
    /// The user's `_rid` as text (the `_rid` of its feed of permissions).
    pub fn rid(&self) -> String {
        self.rid.to_text()
    }
}

/// Whether an upsert created the resource (201) or replaced it (200).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// It did not exist.
    Created,
    /// It existed and was replaced.
    Replaced,
}

/// How a write treats an existing resource with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// `POST`: the id must be free (409 otherwise).
    Create,
    /// `POST` with `x-ms-documentdb-is-upsert`: create or replace.
    Upsert,
    /// `PUT`: the resource must exist (404 otherwise).
    Replace,
}

/// A precondition from `If-Match`: the caller's idea of the current `_etag`.
pub type IfMatch<'a> = Option<&'a str>;

fn new_etag() -> String {
    format!("\"{}\"", uuid::Uuid::new_v4())
}

fn system(rid: &Rid, self_link: String, ts: u64) -> SystemProperties {
    SystemProperties {
        rid: Some(rid.to_text()),
        self_link: Some(self_link),
        etag: Some(new_etag()),
        ts: Some(ts),
    }
}

/// Checks a client-chosen id, turning the model's explanation into a 400.
pub fn check_id(id: &str) -> Result<()> {
    validate_resource_id(id).map_err(|error| CosmosError::bad_request(error.to_string()))
}

/// Fails with 412 when `If-Match` names another version than `current_etag`.
fn check_if_match(if_match: IfMatch<'_>, current_etag: Option<&str>) -> Result<()> {
    match if_match {
        Some("*") | None => Ok(()),
        Some(expected) if Some(expected) == current_etag => Ok(()),
        Some(_) => Err(CosmosError::precondition_failed()),
    }
}

impl Store {
    /// A store holding `databases` (read back from a data directory), at sequence number `lsn`.
    pub fn restored(databases: Vec<DatabaseEntry>, lsn: u64) -> Self {
        Self { databases, lsn }
    }

    /// The database `id` as one record, for the data directory; `None` once it is deleted.
    pub fn database_record(&self, id: &str) -> Option<Vec<u8>> {
        let entry = self
            .databases
            .iter()
            .find(|entry| entry.resource.id == id)?;
        serde_json::to_vec(entry).ok()
    }

    /// The logical sequence number of the last write.
    pub fn lsn(&self) -> u64 {
        self.lsn
    }

    fn bump_lsn(&mut self) {
        self.lsn += 1;
    }

    // ── databases ────────────────────────────────────────────────────────────────────────────

    /// Every database, in creation order.
    pub fn databases(&self) -> impl Iterator<Item = &Database> {
        self.databases.iter().map(|entry| &entry.resource)
    }

    /// One database.
    pub fn database(&self, id: &str) -> Result<&DatabaseEntry> {
        self.databases
            .iter()
            .find(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)
    }

    fn database_mut(&mut self, id: &str) -> Result<&mut DatabaseEntry> {
        self.databases
            .iter_mut()
            .find(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)
    }

    /// Creates a database (409 if the id is taken).
    pub fn create_database(&mut self, id: &str, ts: u64) -> Result<Database> {
        check_id(id)?;
        if cosmolab_auth_signing::looks_like_database_rid(id) {
            // The official SDKs would take this name for a `_rid` and sign it lower-cased, so no
            // request to it could ever authenticate. Refuse it up front, and say why.
            return Err(CosmosError::bad_request(format!(
                "The database id '{id}' has the shape of a resource id (_rid): 8 base64 characters \
                 that decode to 4 bytes. The official SDKs would address it as a _rid and every \
                 signature would fail; choose another id."
            )));
        }
        if self.database(id).is_ok() {
            return Err(CosmosError::conflict());
        }
        let mut rid = Rid::new_database();
        while self.databases.iter().any(|entry| entry.rid == rid) {
            rid = Rid::new_database();
        }
        let mut resource = Database::new(id);
        resource.system = system(&rid, format!("dbs/{}/", rid.to_text()), ts);
        resource.containers_link = Some("colls/".into());
        resource.users_link = Some("users/".into());
        self.databases.push(DatabaseEntry {
            resource: resource.clone(),
            rid,
            containers: Vec::new(),
            users: Vec::new(),
        });
        self.bump_lsn();
        Ok(resource)
    }

    /// Deletes a database with everything in it.
    pub fn delete_database(&mut self, id: &str) -> Result<()> {
        let position = self
            .databases
            .iter()
            .position(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)?;
        self.databases.remove(position);
        self.bump_lsn();
        Ok(())
    }

    // ── containers ───────────────────────────────────────────────────────────────────────────

    /// One container.
    pub fn container(&self, database: &str, id: &str) -> Result<&ContainerEntry> {
        self.database(database)?
            .containers
            .iter()
            .find(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)
    }

    fn container_mut(&mut self, database: &str, id: &str) -> Result<&mut ContainerEntry> {
        self.database_mut(database)?
            .containers
            .iter_mut()
            .find(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)
    }

    /// Creates a container from the body a client sent (409 if the id is taken).
    pub fn create_container(
        &mut self,
        database: &str,
        mut resource: Container,
        ts: u64,
    ) -> Result<Container> {
        check_id(&resource.id)?;
        if resource.partition_key.paths.is_empty() {
            return Err(CosmosError::bad_request(
                "A partition key definition with at least one path (e.g. {\"paths\": [\"/key\"], \
                 \"kind\": \"Hash\"}) is required to create a container.",
            ));
        }
        for path in &resource.partition_key.paths {
            if !path.starts_with('/') || path.len() < 2 {
                return Err(CosmosError::bad_request(format!(
                    "The partition key path '{path}' is invalid: it must start with '/' and name a \
                     property, e.g. '/key'."
                )));
            }
        }
        let database_entry = self.database(database)?;
        if database_entry
            .containers
            .iter()
            .any(|entry| entry.resource.id == resource.id)
        {
            return Err(CosmosError::conflict());
        }
        let mut rid = Rid::new_container(&database_entry.rid);
        while database_entry
            .containers
            .iter()
            .any(|entry| entry.rid == rid)
        {
            rid = Rid::new_container(&database_entry.rid);
        }
        resource.system = system(
            &rid,
            format!(
                "dbs/{}/colls/{}/",
                database_entry.rid.to_text(),
                rid.to_text()
            ),
            ts,
        );
        resource.documents_link = Some("docs/".into());
        resource.stored_procedures_link = Some("sprocs/".into());
        resource.triggers_link = Some("triggers/".into());
        resource.user_defined_functions_link = Some("udfs/".into());
        resource.conflicts_link = Some("conflicts/".into());
        self.database_mut(database)?
            .containers
            .push(ContainerEntry {
                resource: resource.clone(),
                rid,
                documents: Documents::default(),
                scripts: scripts::Scripts::default(),
            });
        self.bump_lsn();
        Ok(resource)
    }

    /// Replaces a container's settable properties (its policies). Its partition key cannot change.
    pub fn replace_container(
        &mut self,
        database: &str,
        id: &str,
        replacement: Container,
        ts: u64,
    ) -> Result<Container> {
        if replacement.id != id {
            return Err(CosmosError::bad_request(format!(
                "The id in the body ('{}') differs from the id in the path ('{id}').",
                replacement.id
            )));
        }
        let entry = self.container_mut(database, id)?;
        if replacement.partition_key.paths != entry.resource.partition_key.paths {
            return Err(CosmosError::bad_request(
                "The partition key of a container cannot be changed.",
            ));
        }
        entry.resource.other = replacement.other;
        entry.resource.system.etag = Some(new_etag());
        entry.resource.system.ts = Some(ts);
        let resource = entry.resource.clone();
        self.bump_lsn();
        Ok(resource)
    }

    /// Every container of a database, in creation order.
    pub fn containers(&self, database: &str) -> Result<impl Iterator<Item = &Container>> {
        Ok(self
            .database(database)?
            .containers
            .iter()
            .map(|entry| &entry.resource))
    }

    /// Deletes a container with its documents.
    pub fn delete_container(&mut self, database: &str, id: &str) -> Result<()> {
        let containers = &mut self.database_mut(database)?.containers;
        let position = containers
            .iter()
            .position(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)?;
        containers.remove(position);
        self.bump_lsn();
        Ok(())
    }

    // ── documents ────────────────────────────────────────────────────────────────────────────
    //
    // The work is done by `Documents` (documents.rs), which a stored procedure also uses on its
    // private copy; these methods find the container and count the write.

    /// The documents of a container, in creation order; only one logical partition's if given.
    pub fn documents<'a>(
        &'a self,
        database: &str,
        container: &str,
        partition: Option<&'a PartitionKey>,
    ) -> Result<impl Iterator<Item = &'a StoredDocument>> {
        Ok(self
            .container(database, container)?
            .documents
            .in_order(partition))
    }

    /// One document, by partition key and id.
    pub fn document(
        &self,
        database: &str,
        container: &str,
        partition: &PartitionKey,
        id: &str,
    ) -> Result<&StoredDocument> {
        self.container(database, container)?
            .documents
            .get(partition, id)
            .ok_or_else(CosmosError::not_found)
    }

    /// Creates a document (409 if its id exists in its partition).
    pub fn create_document(
        &mut self,
        database: &str,
        container: &str,
        partition: PartitionKey,
        body: Map<String, Value>,
        ts: u64,
    ) -> Result<StoredDocument> {
        let stored = self
            .container_mut(database, container)?
            .create_document(partition, body, ts)?;
        self.bump_lsn();
        Ok(stored)
    }

    /// Creates or replaces a document.
    pub fn upsert_document(
        &mut self,
        database: &str,
        container: &str,
        partition: PartitionKey,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<(StoredDocument, Upserted)> {
        let outcome = self
            .container_mut(database, container)?
            .upsert_document(partition, body, if_match, ts)?;
        self.bump_lsn();
        Ok(outcome)
    }

    /// Replaces an existing document (404 if missing, 412 if `If-Match` is stale).
    ///
    /// `id` is the id in the path; the body's id must be the same (400 otherwise), since a replace
    /// cannot rename a document.
    #[allow(clippy::too_many_arguments)]
    pub fn replace_document(
        &mut self,
        database: &str,
        container: &str,
        partition: PartitionKey,
        id: &str,
        body: Map<String, Value>,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<StoredDocument> {
        let stored = self
            .container_mut(database, container)?
            .replace_document(partition, id, body, if_match, ts)?;
        self.bump_lsn();
        Ok(stored)
    }

    /// Deletes a document (404 if missing, 412 if `If-Match` is stale).
    pub fn delete_document(
        &mut self,
        database: &str,
        container: &str,
        partition: &PartitionKey,
        id: &str,
        if_match: IfMatch<'_>,
    ) -> Result<()> {
        self.container_mut(database, container)?
            .documents
            .delete(partition, id, if_match)?;
        self.bump_lsn();
        Ok(())
    }

    /// A private copy of one partition's documents, for a stored procedure or a triggered write
    /// to work on without holding the store's lock (see [`documents::Snapshot`]).
    pub fn snapshot_documents(
        &self,
        database: &str,
        container: &str,
        partition: &PartitionKey,
    ) -> Result<Snapshot> {
        let entry = self.container(database, container)?;
        Ok(Snapshot::of_partition(
            &entry.documents,
            partition,
            entry.location(),
        ))
    }

    /// Puts a snapshot's documents in place of its partition's — all its writes at once — if no
    /// other write reached the container since the snapshot was taken. `false` (and nothing
    /// changed) if one did: the caller runs the script again on a fresh snapshot.
    pub fn commit_documents(
        &mut self,
        database: &str,
        container: &str,
        snapshot: Snapshot,
    ) -> Result<bool> {
        let entry = self.container_mut(database, container)?;
        let writes = snapshot.writes();
        if writes == 0 {
            // A script that only read changed nothing: there is nothing to put in place, and
            // what others wrote meanwhile does not make its answer wrong.
            return Ok(true);
        }
        if !snapshot.commit_into(&mut entry.documents) {
            return Ok(false);
        }
        for _ in 0..writes {
            self.bump_lsn();
        }
        Ok(true)
    }

    // ── users ────────────────────────────────────────────────────────────────────────────────

    /// One user.
    pub fn user(&self, database: &str, id: &str) -> Result<&UserEntry> {
        self.database(database)?
            .users
            .iter()
            .find(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)
    }

    fn user_mut(&mut self, database: &str, id: &str) -> Result<&mut UserEntry> {
        self.database_mut(database)?
            .users
            .iter_mut()
            .find(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)
    }

    /// Every user of a database, in creation order.
    pub fn users(&self, database: &str) -> Result<impl Iterator<Item = &User>> {
        Ok(self
            .database(database)?
            .users
            .iter()
            .map(|entry| &entry.resource))
    }

    /// Creates a user (409 if the id is taken).
    pub fn create_user(&mut self, database: &str, id: &str, ts: u64) -> Result<User> {
        check_id(id)?;
        let database_entry = self.database(database)?;
        if database_entry
            .users
            .iter()
            .any(|entry| entry.resource.id == id)
        {
            return Err(CosmosError::conflict());
        }
        let mut rid = Rid::new_user(&database_entry.rid);
        while database_entry.users.iter().any(|entry| entry.rid == rid) {
            rid = Rid::new_user(&database_entry.rid);
        }
        let mut resource = User::new(id);
        resource.system = system(
            &rid,
            format!(
                "dbs/{}/users/{}/",
                database_entry.rid.to_text(),
                rid.to_text()
            ),
            ts,
        );
        resource.permissions_link = Some("permissions/".into());
        self.database_mut(database)?.users.push(UserEntry {
            resource: resource.clone(),
            rid,
            permissions: Vec::new(),
            next_permission: 0,
        });
        self.bump_lsn();
        Ok(resource)
    }

    /// Renames a user (the only settable property of a user is its id).
    pub fn replace_user(
        &mut self,
        database: &str,
        id: &str,
        new_id: &str,
        ts: u64,
    ) -> Result<User> {
        check_id(new_id)?;
        if new_id != id && self.user(database, new_id).is_ok() {
            return Err(CosmosError::conflict());
        }
        let entry = self.user_mut(database, id)?;
        entry.resource.id = new_id.to_owned();
        entry.resource.system.etag = Some(new_etag());
        entry.resource.system.ts = Some(ts);
        let resource = entry.resource.clone();
        self.bump_lsn();
        Ok(resource)
    }

    /// Deletes a user and their permissions. Tokens already minted stay valid until they expire.
    pub fn delete_user(&mut self, database: &str, id: &str) -> Result<()> {
        let users = &mut self.database_mut(database)?.users;
        let position = users
            .iter()
            .position(|entry| entry.resource.id == id)
            .ok_or_else(CosmosError::not_found)?;
        users.remove(position);
        self.bump_lsn();
        Ok(())
    }

    // ── permissions ──────────────────────────────────────────────────────────────────────────

    /// Every permission of a user, in creation order (without tokens: those are minted per read).
    pub fn permissions(&self, database: &str, user: &str) -> Result<&[Permission]> {
        Ok(&self.user(database, user)?.permissions)
    }

    /// One permission of a user.
    pub fn permission(&self, database: &str, user: &str, id: &str) -> Result<&Permission> {
        self.permissions(database, user)?
            .iter()
            .find(|permission| permission.id == id)
            .ok_or_else(CosmosError::not_found)
    }

    /// Creates, upserts or replaces a permission, as `mode` says.
    ///
    /// A user may hold only one permission per resource: a second one on the same resource is a
    /// 409, as the service documents.
    pub fn put_permission(
        &mut self,
        database: &str,
        user: &str,
        mut permission: Permission,
        mode: WriteMode,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<(Permission, Upserted)> {
        check_id(&permission.id)?;
        let database_rid = self.database(database)?.rid.clone();
        let entry = self.user(database, user)?;
        let existing = entry.permissions.iter().position(|p| p.id == permission.id);
        match (existing, mode) {
            (None, WriteMode::Replace) => return Err(CosmosError::not_found()),
            (Some(_), WriteMode::Create) => return Err(CosmosError::conflict()),
            (Some(position), _) => {
                check_if_match(if_match, entry.permissions[position].system.etag.as_deref())?
            }
            (None, _) => {}
        }
        if entry
            .permissions
            .iter()
            .any(|other| other.resource == permission.resource && other.id != permission.id)
        {
            return Err(CosmosError::new(
                axum::http::StatusCode::CONFLICT,
                format!(
                    "The user already has a permission on '{}'; a user may hold only one \
                     permission per resource.",
                    permission.resource
                ),
            ));
        }
        let entry = self.user_mut(database, user)?;
        let (rid, outcome) = match existing {
            Some(position) => {
                let rid_text = entry.permissions[position]
                    .system
                    .rid
                    .clone()
                    .unwrap_or_default();
                (rid_text, Upserted::Replaced)
            }
            None => {
                entry.next_permission += 1;
                (
                    Rid::new_leaf(&entry.rid, entry.next_permission).to_text(),
                    Upserted::Created,
                )
            }
        };
        permission.token = None;
        permission.system = SystemProperties {
            rid: Some(rid.clone()),
            self_link: Some(format!(
                "dbs/{}/users/{}/permissions/{rid}/",
                database_rid.to_text(),
                entry.rid.to_text()
            )),
            etag: Some(new_etag()),
            ts: Some(ts),
        };
        match existing {
            Some(position) => entry.permissions[position] = permission.clone(),
            None => entry.permissions.push(permission.clone()),
        }
        self.bump_lsn();
        Ok((permission, outcome))
    }

    /// Deletes a permission. Tokens already minted from it stay valid until they expire.
    pub fn delete_permission(&mut self, database: &str, user: &str, id: &str) -> Result<()> {
        let permissions = &mut self.user_mut(database, user)?.permissions;
        let position = permissions
            .iter()
            .position(|permission| permission.id == id)
            .ok_or_else(CosmosError::not_found)?;
        permissions.remove(position);
        self.bump_lsn();
        Ok(())
    }

    // ── rid-based addressing ─────────────────────────────────────────────────────────────────

    /// Translates a rid-based path (`dbs/<rid>/colls/<rid>/docs/<rid>`) into the name-based one.
    ///
    /// Returns `None` when a rid names nothing. Kinds (`dbs`, `colls`, …) pass through unchanged,
    /// and a trailing kind (a feed) is kept.
    pub fn names_for_rids(&self, segments: &[String]) -> Option<Vec<String>> {
        let mut names = Vec::with_capacity(segments.len());
        let mut database: Option<&DatabaseEntry> = None;
        let mut container: Option<&ContainerEntry> = None;
        let mut user: Option<&UserEntry> = None;
        for pair in segments.chunks(2) {
            let kind = pair[0].as_str();
            names.push(pair[0].clone());
            let Some(rid) = pair.get(1) else { break };
            let name = match (kind, database, container, user) {
                ("dbs", None, _, _) => {
                    let found = self.databases.iter().find(|d| d.rid.to_text() == *rid)?;
                    database = Some(found);
                    found.resource.id.clone()
                }
                ("colls", Some(db), None, None) => {
                    let found = db.containers.iter().find(|c| c.rid.to_text() == *rid)?;
                    container = Some(found);
                    found.resource.id.clone()
                }
                ("users", Some(db), None, None) => {
                    let found = db.users.iter().find(|u| u.rid.to_text() == *rid)?;
                    user = Some(found);
                    found.resource.id.clone()
                }
                ("docs", _, Some(coll), _) => {
                    coll.documents.by_rid(rid)?.body["id"].as_str()?.to_owned()
                }
                (kind @ ("sprocs" | "triggers" | "udfs"), _, Some(coll), _) => coll
                    .scripts
                    .id_for_rid(crate::operation::ScriptKind::from_segment(kind)?, rid)?,
                ("permissions", _, _, Some(owner)) => owner
                    .permissions
                    .iter()
                    .find(|p| p.system.rid.as_deref() == Some(rid.as_str()))?
                    .id
                    .clone(),
                // A kind in the wrong place (`users/<rid>/colls/…`) names nothing.
                (
                    "dbs" | "colls" | "users" | "docs" | "permissions" | "sprocs" | "triggers"
                    | "udfs",
                    ..,
                ) => return None,
                // Other kinds (pkranges, …) are addressed by their own ids either way.
                _ => rid.clone(),
            };
            names.push(name);
        }
        Some(names)
    }
}

/// The `id` of a document body: present, a string, and a valid resource id.
pub fn document_id(body: &Map<String, Value>) -> Result<String> {
    match body.get("id") {
        Some(Value::String(id)) => {
            check_id(id)?;
            Ok(id.clone())
        }
        Some(_) => Err(CosmosError::bad_request(
            "The document's 'id' must be a string.",
        )),
        None => Err(CosmosError::bad_request(
            "The input content is invalid because the required property 'id' is missing.",
        )),
    }
}

#[cfg(test)]
mod tests;

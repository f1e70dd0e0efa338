//! The data directory (`--data-dir`): the account's data on disk, so that it outlives the process.
//!
//! The engine is **redb**: an embedded key-value store in pure Rust, one file, with ACID write
//! transactions that are on disk (fsync) when `commit` returns, and copy-on-write pages, so a
//! process killed at any instant — even in the middle of a commit — leaves the file at the last
//! committed transaction, never at half of one. (fjall, the other candidate, is an LSM tree built
//! for write-heavy workloads with a background compaction; the emulator's data is small and its
//! writes rare, and one file without background threads is simpler to reason about and to ship
//! in a `FROM scratch` image.)
//!
//! One record per database — the database with its containers, documents, users and permissions
//! (`DatabaseEntry`) as JSON — and the store's sequence number. After every acknowledged write the
//! handler's database record is written and committed **before** the answer is sent, under the
//! store's lock, so the file always holds the latest state of each database and a write the
//! client saw acknowledged is on disk. Keys, roles, applications and the audit log are not kept:
//! a restarted emulator starts from its configuration for those (see `docs/fidelity.md`).

use std::path::Path;

use redb::{Database, ReadableTable, TableDefinition};

use super::{DatabaseEntry, Store};

/// Database id → its record (JSON).
const DATABASES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("databases");
/// `lsn` → the store's sequence number.
const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");

/// An open data directory.
pub struct DataDir {
    db: Database,
}

impl std::fmt::Debug for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataDir").finish_non_exhaustive()
    }
}

impl DataDir {
    /// Opens (or creates) the data directory at `path` and reads the store back from it.
    pub fn open(path: &Path) -> Result<(Self, Store), String> {
        std::fs::create_dir_all(path).map_err(|error| {
            format!(
                "could not create the data directory {}: {error}",
                path.display()
            )
        })?;
        let file = path.join("cosmolab.redb");
        let db = Database::create(&file)
            .map_err(|error| format!("could not open {}: {error}", file.display()))?;
        let store = {
            let read = db.begin_read().map_err(|error| error.to_string())?;
            let mut databases = Vec::new();
            let mut lsn = 0;
            match read.open_table(DATABASES) {
                Ok(table) => {
                    for row in table.iter().map_err(|error| error.to_string())? {
                        let (id, record) = row.map_err(|error| error.to_string())?;
                        let entry: DatabaseEntry =
                            serde_json::from_slice(record.value()).map_err(|error| {
                                format!(
                                    "the record of database `{}` in {} is unreadable: {error}",
                                    id.value(),
                                    file.display()
                                )
                            })?;
                        databases.push(entry);
                    }
                }
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(error) => return Err(error.to_string()),
            }
            match read.open_table(META) {
                Ok(table) => {
                    lsn = table
                        .get("lsn")
                        .map_err(|error| error.to_string())?
                        .map_or(0, |value| value.value());
                }
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(error) => return Err(error.to_string()),
            }
            // Databases come back in order of creation time (to the second), as the store lists
            // them; the table itself is ordered by id.
            databases.sort_by_key(|entry| entry.resource.system.ts);
            Store::restored(databases, lsn)
        };
        Ok((Self { db }, store))
    }

    /// Writes database `id` as `store` holds it now (or removes it, if the store no longer has
    /// it) and commits: when this returns `Ok`, the write is on disk.
    pub fn save(&self, store: &Store, id: &str) -> Result<(), String> {
        let write = self.db.begin_write().map_err(|error| error.to_string())?;
        {
            let mut databases = write
                .open_table(DATABASES)
                .map_err(|error| error.to_string())?;
            match store.database_record(id) {
                Some(record) => {
                    databases
                        .insert(id, record.as_slice())
                        .map_err(|error| error.to_string())?;
                }
                None => {
                    databases.remove(id).map_err(|error| error.to_string())?;
                }
            }
            let mut meta = write.open_table(META).map_err(|error| error.to_string())?;
            meta.insert("lsn", store.lsn())
                .map_err(|error| error.to_string())?;
        }
        write.commit().map_err(|error| error.to_string())
    }
}

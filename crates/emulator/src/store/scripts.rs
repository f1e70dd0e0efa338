//! A container's scripts: stored procedures, triggers and user-defined functions.
//!
//! The three kinds are stored the same way — an id, JavaScript source, system properties — so the
//! store handles them with one set of generic methods over [`StoredScript`]. Their source is kept
//! as sent and not compiled here: the service checks a script's syntax only when it runs, and so
//! does the emulator (`crate::scripts`).
//!
//! A script's `_rid` is its container's 8 bytes and 8 of its own, like a document's, with the
//! kind in the upper four bits of the last byte (stored procedure 8, trigger 7, user-defined
//! function 6), which is how the service's rids tell them apart.

use cosmolab_model::{StoredProcedure, SystemProperties, Trigger, UserDefinedFunction};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::rid::Rid;
use super::{IfMatch, Store, Upserted, WriteMode, check_id, check_if_match, new_etag};
use crate::error::{CosmosError, Result};
use crate::operation::ScriptKind;

/// The scripts of one container, each kind in creation order.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Scripts {
    stored_procedures: Vec<StoredProcedure>,
    triggers: Vec<Trigger>,
    user_defined_functions: Vec<UserDefinedFunction>,
    /// Numbers the scripts' rids; never reused, so a deleted script's rid names nothing.
    next_sequence: u64,
}

/// What the store needs to know about a kind of script.
pub trait StoredScript: Clone + Serialize + DeserializeOwned {
    /// Which kind this is.
    const KIND: ScriptKind;
    /// The script's id.
    fn id(&self) -> &str;
    /// Its system properties.
    fn system(&self) -> &SystemProperties;
    /// Its system properties, to set on a write.
    fn system_mut(&mut self) -> &mut SystemProperties;
    /// The container's scripts of this kind.
    fn all(scripts: &Scripts) -> &Vec<Self>;
    /// The container's scripts of this kind, to change.
    fn all_mut(scripts: &mut Scripts) -> &mut Vec<Self>;
}

macro_rules! stored_script {
    ($type:ty, $kind:ident, $field:ident) => {
        impl StoredScript for $type {
            const KIND: ScriptKind = ScriptKind::$kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn system(&self) -> &SystemProperties {
                &self.system
            }
            fn system_mut(&mut self) -> &mut SystemProperties {
                &mut self.system
            }
            fn all(scripts: &Scripts) -> &Vec<Self> {
                &scripts.$field
            }
            fn all_mut(scripts: &mut Scripts) -> &mut Vec<Self> {
                &mut scripts.$field
            }
        }
    };
}

stored_script!(StoredProcedure, StoredProcedure, stored_procedures);
stored_script!(Trigger, Trigger, triggers);
stored_script!(
    UserDefinedFunction,
    UserDefinedFunction,
    user_defined_functions
);

/// The kind's tag in the last byte of a script's rid.
fn rid_tag(kind: ScriptKind) -> u8 {
    match kind {
        ScriptKind::StoredProcedure => 0x80,
        ScriptKind::Trigger => 0x70,
        ScriptKind::UserDefinedFunction => 0x60,
    }
}

impl Scripts {
    /// The id of the script of `kind` whose `_rid` is `rid`, for rid-based paths.
    pub fn id_for_rid(&self, kind: ScriptKind, rid: &str) -> Option<String> {
        fn find<S: StoredScript>(all: &[S], rid: &str) -> Option<String> {
            all.iter()
                .find(|script| script.system().rid.as_deref() == Some(rid))
                .map(|script| script.id().to_owned())
        }
        match kind {
            ScriptKind::StoredProcedure => find(&self.stored_procedures, rid),
            ScriptKind::Trigger => find(&self.triggers, rid),
            ScriptKind::UserDefinedFunction => find(&self.user_defined_functions, rid),
        }
    }
}

impl Store {
    /// The scripts of one kind in a container, in creation order.
    pub fn scripts<S: StoredScript>(&self, database: &str, container: &str) -> Result<&[S]> {
        Ok(S::all(&self.container(database, container)?.scripts))
    }

    /// One script.
    pub fn script<S: StoredScript>(&self, database: &str, container: &str, id: &str) -> Result<&S> {
        self.scripts::<S>(database, container)?
            .iter()
            .find(|script| script.id() == id)
            .ok_or_else(CosmosError::not_found)
    }

    /// Creates, upserts or replaces a script, as `mode` says (409 for a taken id on create, 404 for
    /// a missing one on replace, 412 for a stale `If-Match`).
    pub fn put_script<S: StoredScript>(
        &mut self,
        database: &str,
        container: &str,
        mut script: S,
        mode: WriteMode,
        if_match: IfMatch<'_>,
        ts: u64,
    ) -> Result<(S, Upserted)> {
        check_id(script.id())?;
        let database_rid = self.database(database)?.rid.clone();
        let existing = self
            .scripts::<S>(database, container)?
            .iter()
            .position(|other| other.id() == script.id());
        match (existing, mode) {
            (None, WriteMode::Replace) => return Err(CosmosError::not_found()),
            (Some(_), WriteMode::Create) => return Err(CosmosError::conflict()),
            (Some(position), _) => check_if_match(
                if_match,
                S::all(&self.container(database, container)?.scripts)[position]
                    .system()
                    .etag
                    .as_deref(),
            )?,
            (None, _) => {
                if if_match.is_some_and(|etag| etag != "*") {
                    return Err(CosmosError::precondition_failed());
                }
            }
        }
        let entry = self.container_mut(database, container)?;
        let rid = match existing {
            Some(position) => S::all(&entry.scripts)[position]
                .system()
                .rid
                .clone()
                .unwrap_or_default(),
            None => {
                entry.scripts.next_sequence += 1;
                let mut rid = Rid::new_leaf(&entry.rid, entry.scripts.next_sequence);
                rid.tag_last_byte(rid_tag(S::KIND));
                rid.to_text()
            }
        };
        *script.system_mut() = SystemProperties {
            rid: Some(rid.clone()),
            self_link: Some(format!(
                "dbs/{}/colls/{}/{}/{rid}/",
                database_rid.to_text(),
                entry.rid.to_text(),
                S::KIND.segment()
            )),
            etag: Some(new_etag()),
            ts: Some(ts),
        };
        let all = S::all_mut(&mut entry.scripts);
        let outcome = match existing {
            Some(position) => {
                all[position] = script.clone();
                Upserted::Replaced
            }
            None => {
                all.push(script.clone());
                Upserted::Created
            }
        };
        self.bump_lsn();
        Ok((script, outcome))
    }

    /// Deletes a script (404 if missing, 412 if `If-Match` is stale).
    pub fn delete_script<S: StoredScript>(
        &mut self,
        database: &str,
        container: &str,
        id: &str,
        if_match: IfMatch<'_>,
    ) -> Result<()> {
        let current = self.script::<S>(database, container, id)?;
        check_if_match(if_match, current.system().etag.as_deref())?;
        S::all_mut(&mut self.container_mut(database, container)?.scripts)
            .retain(|script| script.id() != id);
        self.bump_lsn();
        Ok(())
    }
}

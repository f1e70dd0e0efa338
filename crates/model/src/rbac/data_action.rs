//! Data actions: the names of what a role lets an Entra ID principal do (seed 004).
//!
//! A request needs exactly one concrete [`DataAction`] — reading an item needs
//! `…/containers/items/read`, listing databases needs `…/readMetadata`. A role grants
//! [`DataActionPattern`]s, which are either a concrete action or one of two wildcards:
//!
//! - `Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/*` — every action on
//!   containers and their items (queries, change feed, stored procedures, conflicts, item CRUD);
//! - `Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*` — item CRUD only.
//!
//! A wildcard covers an action when the action's name starts with the wildcard's name minus the
//! `*`. That is all wildcard matching is, and it explains a detail of the built-in Data
//! Contributor role: `containers/*` does **not** cover `databaseAccounts/readMetadata`, which sits
//! higher up the name tree, so the role has to list `readMetadata` separately.
//!
//! Names are matched exactly, case included, and an unknown name is refused with an error that
//! quotes it: a typo in a custom role should fail when the role is created, not silently grant
//! nothing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// One concrete operation a request performs, as role-based access control names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataAction {
    /// `…/readMetadata`: read the account, list and read databases, containers and partition-key
    /// ranges. SDKs need it before anything else.
    ReadMetadata,
    /// `…/containers/items/create`: create an item.
    CreateItem,
    /// `…/containers/items/read`: read one item by id and partition key (a point read).
    ReadItem,
    /// `…/containers/items/replace`: replace an existing item.
    ReplaceItem,
    /// `…/containers/items/upsert`: create an item or replace it if it exists.
    UpsertItem,
    /// `…/containers/items/delete`: delete an item.
    DeleteItem,
    /// `…/containers/executeQuery`: run a SQL query.
    ExecuteQuery,
    /// `…/containers/readChangeFeed`: read the change feed. (The plain feed of all items, `GET
    /// …/docs` without `A-IM`, returns whole items and needs `items/read` in the emulator; see
    /// `docs/fidelity.md`.)
    ReadChangeFeed,
    /// `…/containers/executeStoredProcedure`: run a stored procedure.
    ExecuteStoredProcedure,
    /// `…/containers/manageConflicts`: list and delete entries of the conflicts feed.
    ManageConflicts,
}

impl DataAction {
    /// Every concrete data action, in the order seed 004 lists them.
    pub const ALL: [Self; 10] = [
        Self::ReadMetadata,
        Self::CreateItem,
        Self::ReadItem,
        Self::ReplaceItem,
        Self::UpsertItem,
        Self::DeleteItem,
        Self::ExecuteQuery,
        Self::ReadChangeFeed,
        Self::ExecuteStoredProcedure,
        Self::ManageConflicts,
    ];

    /// The action's full name, e.g.
    /// `Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadMetadata => "Microsoft.DocumentDB/databaseAccounts/readMetadata",
            Self::CreateItem => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create"
            }
            Self::ReadItem => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read"
            }
            Self::ReplaceItem => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/replace"
            }
            Self::UpsertItem => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/upsert"
            }
            Self::DeleteItem => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/delete"
            }
            Self::ExecuteQuery => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery"
            }
            Self::ReadChangeFeed => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/readChangeFeed"
            }
            Self::ExecuteStoredProcedure => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeStoredProcedure"
            }
            Self::ManageConflicts => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/manageConflicts"
            }
        }
    }
}

/// A data action name that is neither a concrete action nor one of the two wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "{0:?} is not a Cosmos DB data action; check its spelling and case against the list in \
     seed 004, e.g. \"Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read\""
)]
pub struct UnknownDataAction(pub String);

impl FromStr for DataAction {
    type Err = UnknownDataAction;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == name)
            .ok_or_else(|| UnknownDataAction(name.to_owned()))
    }
}

impl fmt::Display for DataAction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Serialize for DataAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DataAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// What a role grants (or, in `notDataActions`, withholds): a concrete action or a wildcard.
///
/// ```
/// use cosmolab_model::{DataAction, DataActionPattern};
///
/// let items: DataActionPattern =
///     "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*".parse()?;
/// assert!(items.covers(DataAction::UpsertItem));
/// assert!(!items.covers(DataAction::ExecuteQuery));
/// # Ok::<(), cosmolab_model::UnknownDataAction>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataActionPattern {
    /// Exactly one action.
    Action(DataAction),
    /// `…/sqlDatabases/containers/*`: every action on containers and their items.
    AllContainerActions,
    /// `…/sqlDatabases/containers/items/*`: create, read, replace, upsert and delete items.
    AllItemActions,
}

impl DataActionPattern {
    /// The pattern's name as it appears in a role definition.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Action(action) => action.as_str(),
            Self::AllContainerActions => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/*"
            }
            Self::AllItemActions => {
                "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*"
            }
        }
    }

    /// Whether granting this pattern grants `action`.
    pub fn covers(self, action: DataAction) -> bool {
        match self {
            Self::Action(granted) => granted == action,
            // A wildcard `prefix/*` covers every action whose name starts with `prefix/`.
            Self::AllContainerActions | Self::AllItemActions => {
                let prefix = self.as_str().trim_end_matches('*');
                action.as_str().starts_with(prefix)
            }
        }
    }
}

impl From<DataAction> for DataActionPattern {
    fn from(action: DataAction) -> Self {
        Self::Action(action)
    }
}

impl FromStr for DataActionPattern {
    type Err = UnknownDataAction;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Self::AllContainerActions, Self::AllItemActions]
            .into_iter()
            .find(|wildcard| wildcard.as_str() == name)
            .map_or_else(|| name.parse().map(Self::Action), Ok)
    }
}

impl fmt::Display for DataActionPattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Serialize for DataActionPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DataActionPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

//! Scopes: where in an account a role assignment applies (seed 004).
//!
//! There are exactly three kinds, written as data-plane paths:
//!
//! | Scope | Covers |
//! |---|---|
//! | `/` | the whole account |
//! | `/dbs/<database>` | one database and every container in it |
//! | `/dbs/<database>/colls/<container>` | one container |
//!
//! [`Scope::contains`] is the one relation access control needs: an assignment at scope `A`
//! applies to a request on resource `B` when `A` contains `B`; a role assignment's scope must be
//! contained in one of its role definition's assignable scopes.
//!
//! Azure Resource Manager writes the same scopes *fully qualified*, prefixed with the account's
//! resource id (`/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.DocumentDB/
//! databaseAccounts/<account>/dbs/<database>`). [`str::parse`] accepts only the short form;
//! [`Scope::parse_arm`] accepts both, for reading role definitions and assignments as ARM shows them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::{ResourceIdError, validate_resource_id};

/// Where a role assignment applies: the account, one database, or one container.
///
/// ```
/// use cosmolab_model::Scope;
///
/// let database: Scope = "/dbs/my_database".parse()?;
/// let container: Scope = "/dbs/my_database/colls/my_container/".parse()?;
/// assert!(Scope::Account.contains(&database));
/// assert!(database.contains(&container));
/// assert!(!container.contains(&database));
/// assert_eq!(container.to_string(), "/dbs/my_database/colls/my_container");
/// # Ok::<(), cosmolab_model::ScopeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `/`: the whole account.
    Account,
    /// `/dbs/<database>`: one database and all its containers.
    Database {
        /// The database's id.
        database: String,
    },
    /// `/dbs/<database>/colls/<container>`: one container.
    Container {
        /// The id of the database holding the container.
        database: String,
        /// The container's id.
        container: String,
    },
}

/// Why a scope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScopeError {
    /// The scope is the empty string.
    #[error(
        "the scope is empty; use \"/\" for the whole account, \"/dbs/<database>\" for a database \
         or \"/dbs/<database>/colls/<container>\" for a container"
    )]
    Empty,

    /// The scope has none of the three shapes.
    #[error(
        "the scope {scope:?} is not \"/\" (the whole account), \"/dbs/<database>\" or \
         \"/dbs/<database>/colls/<container>\""
    )]
    Unrecognized {
        /// The scope as given.
        scope: String,
    },

    /// The shape is right but a database or container name is not a valid id.
    #[error("the scope {scope:?} names an invalid resource: {source}")]
    InvalidName {
        /// The scope as given.
        scope: String,
        /// What is wrong with the name.
        source: ResourceIdError,
    },
}

impl Scope {
    /// The scope of one database.
    pub fn for_database(database: impl Into<String>) -> Self {
        Self::Database {
            database: database.into(),
        }
    }

    /// The scope of one container.
    pub fn for_container(database: impl Into<String>, container: impl Into<String>) -> Self {
        Self::Container {
            database: database.into(),
            container: container.into(),
        }
    }

    /// The database this scope is in, if it is narrower than the account.
    pub fn database(&self) -> Option<&str> {
        match self {
            Self::Account => None,
            Self::Database { database } | Self::Container { database, .. } => Some(database),
        }
    }

    /// The container this scope is, if it is a container scope.
    pub fn container(&self) -> Option<&str> {
        match self {
            Self::Container { container, .. } => Some(container),
            Self::Account | Self::Database { .. } => None,
        }
    }

    /// Whether everything in `other` is also in `self`. Every scope contains itself.
    pub fn contains(&self, other: &Scope) -> bool {
        match self {
            Self::Account => true,
            // A database contains itself and every container inside it.
            Self::Database { database } => other.database() == Some(database.as_str()),
            // A container contains only itself.
            Self::Container { .. } => self == other,
        }
    }

    /// Reads a scope in either spelling Azure Resource Manager uses: the short form accepted by
    /// [`str::parse`], or fully qualified with the account's resource id in front, e.g.
    /// `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.DocumentDB/databaseAccounts/<account>/dbs/<database>`.
    ///
    /// The account's resource id alone is the account scope. As everywhere in ARM, the fixed
    /// segment names (`subscriptions`, `providers`, …) are compared without regard to case.
    pub fn parse_arm(scope: &str) -> Result<Self, ScopeError> {
        match strip_account_resource_id(scope) {
            Some("" | "/") => Ok(Self::Account),
            Some(relative) => parse_short_form(scope, relative),
            None => scope.parse(),
        }
    }
}

/// Parses the short form: `/`, `/dbs/<database>` or `/dbs/<database>/colls/<container>`, each
/// with an optional trailing slash.
impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(scope: &str) -> Result<Self, Self::Err> {
        parse_short_form(scope, scope)
    }
}

/// Parses the short form in `relative`, reporting errors against `scope`, the text as given.
fn parse_short_form(scope: &str, relative: &str) -> Result<Scope, ScopeError> {
    if relative.is_empty() {
        return Err(ScopeError::Empty);
    }
    if relative == "/" {
        return Ok(Scope::Account);
    }

    let unrecognized = || ScopeError::Unrecognized {
        scope: scope.to_owned(),
    };
    let path = relative.strip_prefix('/').ok_or_else(unrecognized)?;
    // Tolerate one trailing slash, as SDK paths usually have one; `//` stays an error.
    let path = path.strip_suffix('/').unwrap_or(path);

    let valid_name = |name: &str| {
        validate_resource_id(name).map_err(|source| ScopeError::InvalidName {
            scope: scope.to_owned(),
            source,
        })
    };
    match path.split('/').collect::<Vec<_>>().as_slice() {
        ["dbs", database] => {
            valid_name(database)?;
            Ok(Scope::for_database(*database))
        }
        ["dbs", database, "colls", container] => {
            valid_name(database)?;
            valid_name(container)?;
            Ok(Scope::for_container(*database, *container))
        }
        _ => Err(unrecognized()),
    }
}

/// If `scope` starts with an account's ARM resource id, returns what follows it (possibly empty).
fn strip_account_resource_id(scope: &str) -> Option<&str> {
    // `None` marks a segment that may hold any non-empty name.
    const ACCOUNT_RESOURCE_ID: [Option<&str>; 8] = [
        Some("subscriptions"),
        None,
        Some("resourceGroups"),
        None,
        Some("providers"),
        Some("Microsoft.DocumentDB"),
        Some("databaseAccounts"),
        None,
    ];

    let mut rest = scope;
    for expected in ACCOUNT_RESOURCE_ID {
        let segment_and_rest = rest.strip_prefix('/')?;
        let end = segment_and_rest.find('/').unwrap_or(segment_and_rest.len());
        // `remainder` keeps its leading slash, so what is left at the end is a short-form scope.
        let (segment, remainder) = segment_and_rest.split_at(end);
        let matches = match expected {
            Some(fixed) => segment.eq_ignore_ascii_case(fixed),
            None => !segment.is_empty(),
        };
        if !matches {
            return None;
        }
        rest = remainder;
    }
    Some(rest)
}

impl fmt::Display for Scope {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account => formatter.write_str("/"),
            Self::Database { database } => write!(formatter, "/dbs/{database}"),
            Self::Container {
                database,
                container,
            } => write!(formatter, "/dbs/{database}/colls/{container}"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

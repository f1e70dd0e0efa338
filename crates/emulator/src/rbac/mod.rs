//! Role-based access control for Entra ID callers (seed 004): which **data action** a request
//! needs, on which **scope**, and the refusal when the caller's role assignments do not cover it.
//!
//! | request | data action (`Microsoft.DocumentDB/databaseAccounts/…`) | scope |
//! |---|---|---|
//! | `GET /` | none: any valid token may read the account (the SDKs' first request) | — |
//! | list databases | `readMetadata` | `/` |
//! | read a database, list its containers | `readMetadata` | `/dbs/<db>` |
//! | read a container, its partition-key ranges | `readMetadata` | `/dbs/<db>/colls/<c>` |
//! | create an item | `sqlDatabases/containers/items/create` | the container |
//! | upsert an item | `sqlDatabases/containers/items/upsert` | the container |
//! | read an item, read the item feed | `sqlDatabases/containers/items/read` | the container |
//! | replace an item | `sqlDatabases/containers/items/replace` | the container |
//! | delete an item | `sqlDatabases/containers/items/delete` | the container |
//! | query items | `sqlDatabases/containers/executeQuery` | the container |
//! | run a stored procedure (`POST …/sprocs/<id>`) | `sqlDatabases/containers/executeStoredProcedure` | the container |
//! | create, replace or delete a database or container; anything about users and permissions; creating, reading, replacing or deleting scripts | not allowed in the data plane with an Entra token | — |
//!
//! A request is allowed when one of the principal's role assignments ([`roles`]) has a scope
//! containing the request's and a role allowing its data action; otherwise the service's 403,
//! which names the principal and the missing action. [`routes`] serves the definitions and
//! assignments in Resource Manager's shapes, behind the primary key.

pub mod roles;
pub mod routes;

use crate::error::{CosmosError, Result};
use crate::identity::EntraPrincipal;
use crate::operation::{Action, Operation, ResourcePath};

/// The data actions of seed 004's table, as `crates/model` names them (`as_str()` is the full
/// `Microsoft.DocumentDB/databaseAccounts/…` name).
pub use cosmolab_model::rbac::DataAction;
use cosmolab_model::rbac::Scope;

/// What an Entra caller needs for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Nothing beyond a valid token.
    ValidToken,
    /// This data action, on this scope (`/`, `/dbs/<db>` or `/dbs/<db>/colls/<c>`).
    Action {
        /// The data action.
        action: DataAction,
        /// The narrowest scope the request is in.
        scope: Scope,
    },
    /// Not possible with an Entra token: a management operation (Resource Manager's job).
    NotInDataPlane,
}

/// The data action and scope `operation` needs (the module's table).
pub fn requirement(operation: &Operation) -> Requirement {
    use Action::*;
    use ResourcePath as P;
    let metadata = |scope: Scope| Requirement::Action {
        action: DataAction::ReadMetadata,
        scope,
    };
    let on_container = |action, database: &str, container: &str| Requirement::Action {
        action,
        scope: Scope::for_container(database, container),
    };
    match (&operation.path, operation.action) {
        (P::Account, _) => Requirement::ValidToken,
        (P::Databases, ReadFeed | Query) => metadata(Scope::Account),
        (P::Database { database }, Read) | (P::Containers { database }, ReadFeed | Query) => {
            metadata(Scope::for_database(database))
        }
        (
            P::Container {
                database,
                container,
            }
            | P::PartitionKeyRanges {
                database,
                container,
            },
            Read | ReadFeed,
        ) => metadata(Scope::for_container(database, container)),
        (
            P::Documents {
                database,
                container,
            },
            action,
        ) => match action {
            Create => on_container(DataAction::CreateItem, database, container),
            Upsert => on_container(DataAction::UpsertItem, database, container),
            Query => on_container(DataAction::ExecuteQuery, database, container),
            ReadFeed | Read => on_container(DataAction::ReadItem, database, container),
            Replace | Delete | Execute => Requirement::NotInDataPlane,
        },
        (
            P::Document {
                database,
                container,
                ..
            },
            action,
        ) => match action {
            Read | ReadFeed | Query => on_container(DataAction::ReadItem, database, container),
            Replace => on_container(DataAction::ReplaceItem, database, container),
            Delete => on_container(DataAction::DeleteItem, database, container),
            Create => on_container(DataAction::CreateItem, database, container),
            Upsert => on_container(DataAction::UpsertItem, database, container),
            Execute => Requirement::NotInDataPlane,
        },
        // Running a stored procedure is a data action; managing scripts (and, the service says,
        // reading them) is not in the data plane: scripts are deployed with a key or through
        // Resource Manager.
        (
            P::Script {
                database,
                container,
                kind: crate::operation::ScriptKind::StoredProcedure,
                ..
            },
            Execute,
        ) => on_container(DataAction::ExecuteStoredProcedure, database, container),
        // Creating, replacing or deleting databases and containers, and every operation on users
        // and permissions.
        _ => Requirement::NotInDataPlane,
    }
}

/// The sub-status of a refusal for a request an Entra token can never make (a management
/// operation), as users of the service report it.
pub const NOT_IN_DATA_PLANE: u32 = 5300;

/// The sub-status of a refusal for a data action no role assignment of the principal allows.
pub const MISSING_DATA_ACTION: u32 = 5301;

/// The service's opening of an RBAC refusal.
fn blocked(account: &str) -> String {
    format!("Request blocked by Auth {account} :")
}

/// Decides whether the Entra `principal` may perform `operation` on the account `account`, whose
/// RBAC state is `rbac`; `method` and `link` describe the request as sent, for the refusal of
/// management operations. Allowed, it answers the id of the role assignment that allowed it
/// (none for a request any valid token may make), which the audit log records.
pub fn authorize(
    rbac: &roles::Rbac,
    account: &str,
    principal: &EntraPrincipal,
    operation: &Operation,
    method: &str,
    link: &str,
) -> Result<Option<String>> {
    match requirement(operation) {
        Requirement::ValidToken => Ok(None),
        Requirement::NotInDataPlane => Err(CosmosError::forbidden(
            format!(
                "{} The given request [{method} /{link}] cannot be authorized by AAD token in data \
                 plane. Learn more: https://aka.ms/cosmos-native-rbac.",
                blocked(account)
            ),
            format!(
                "an Entra ID token cannot {method} /{link}: creating or deleting databases and \
                 containers, managing users and permissions, and managing scripts are Resource \
                 Manager operations (or need a key)"
            ),
        )
        .with_substatus(NOT_IN_DATA_PLANE)),
        Requirement::Action { action, scope } => {
            match rbac.allowing(&principal.object_id, action, &scope) {
                Some(assignment) => Ok(Some(assignment)),
                None => Err(CosmosError::forbidden(
                    format!(
                        "{} Request is blocked because principal [{}] does not have required RBAC \
                 permissions to perform action [{action}] on resource [{scope}]. Learn more: \
                 https://aka.ms/cosmos-native-rbac.",
                        blocked(account),
                        principal.object_id
                    ),
                    format!(
                        "principal {} has no role assignment whose role allows {action} at a scope \
                 containing {scope}",
                        principal.object_id
                    ),
                )
                .with_substatus(MISSING_DATA_ACTION)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(path: ResourcePath, action: Action) -> Operation {
        Operation { path, action }
    }

    fn documents() -> ResourcePath {
        ResourcePath::Documents {
            database: "shop".into(),
            container: "orders".into(),
        }
    }

    fn document() -> ResourcePath {
        ResourcePath::Document {
            database: "shop".into(),
            container: "orders".into(),
            document: "o1".into(),
        }
    }

    fn needs(action: DataAction, scope: &str) -> Requirement {
        Requirement::Action {
            action,
            scope: scope.parse().unwrap(),
        }
    }

    #[test]
    fn item_operations_need_their_item_action_on_the_container() {
        let container = "/dbs/shop/colls/orders";
        assert_eq!(
            requirement(&op(documents(), Action::Create)),
            needs(DataAction::CreateItem, container)
        );
        assert_eq!(
            requirement(&op(documents(), Action::Upsert)),
            needs(DataAction::UpsertItem, container)
        );
        assert_eq!(
            requirement(&op(documents(), Action::Query)),
            needs(DataAction::ExecuteQuery, container)
        );
        assert_eq!(
            requirement(&op(document(), Action::Read)),
            needs(DataAction::ReadItem, container)
        );
        assert_eq!(
            requirement(&op(document(), Action::Replace)),
            needs(DataAction::ReplaceItem, container)
        );
        assert_eq!(
            requirement(&op(document(), Action::Delete)),
            needs(DataAction::DeleteItem, container)
        );
    }

    #[test]
    fn metadata_reads_need_read_metadata_at_their_own_level() {
        assert_eq!(
            requirement(&op(ResourcePath::Databases, Action::ReadFeed)),
            needs(DataAction::ReadMetadata, "/")
        );
        assert_eq!(
            requirement(&op(
                ResourcePath::Database {
                    database: "shop".into()
                },
                Action::Read
            )),
            needs(DataAction::ReadMetadata, "/dbs/shop")
        );
        assert_eq!(
            requirement(&op(
                ResourcePath::PartitionKeyRanges {
                    database: "shop".into(),
                    container: "orders".into()
                },
                Action::ReadFeed
            )),
            needs(DataAction::ReadMetadata, "/dbs/shop/colls/orders")
        );
        assert_eq!(
            requirement(&op(ResourcePath::Account, Action::Read)),
            Requirement::ValidToken
        );
    }

    #[test]
    fn management_operations_are_not_in_the_data_plane() {
        for operation in [
            op(ResourcePath::Databases, Action::Create),
            op(
                ResourcePath::Database {
                    database: "shop".into(),
                },
                Action::Delete,
            ),
            op(
                ResourcePath::Containers {
                    database: "shop".into(),
                },
                Action::Create,
            ),
            op(
                ResourcePath::Users {
                    database: "shop".into(),
                },
                Action::ReadFeed,
            ),
            op(
                ResourcePath::Permission {
                    database: "shop".into(),
                    user: "u".into(),
                    permission: "p".into(),
                },
                Action::Read,
            ),
        ] {
            assert_eq!(
                requirement(&operation),
                Requirement::NotInDataPlane,
                "{operation:?}"
            );
        }
    }

    #[test]
    fn the_refusal_names_the_principal_and_the_action() {
        let principal = EntraPrincipal {
            object_id: "9d1c3d2a-0000-0000-0000-000000000001".into(),
            tenant_id: "t".into(),
            app_id: "a".into(),
        };
        let rbac = roles::Rbac::default();
        let error = authorize(
            &rbac,
            "cosmolab",
            &principal,
            &op(documents(), Action::Create),
            "POST",
            "dbs/shop/colls/orders/docs",
        )
        .unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::FORBIDDEN);
        assert!(
            error
                .message
                .starts_with("Request blocked by Auth cosmolab :")
        );
        assert!(
            error
                .message
                .contains("principal [9d1c3d2a-0000-0000-0000-000000000001]")
        );
        assert!(error.message.contains(
            "action [Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create]"
        ));
        assert_eq!(error.substatus, Some(MISSING_DATA_ACTION));
        let error = authorize(
            &rbac,
            "cosmolab",
            &principal,
            &op(ResourcePath::Databases, Action::Create),
            "POST",
            "dbs",
        )
        .unwrap_err();
        assert_eq!(error.substatus, Some(NOT_IN_DATA_PLANE));
        assert!(
            error
                .message
                .contains("[POST /dbs] cannot be authorized by AAD token")
        );
    }
}

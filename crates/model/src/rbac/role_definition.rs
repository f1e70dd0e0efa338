//! Role definitions: named sets of data actions (seed 004), shaped as Azure Resource Manager
//! shows them under `sqlRoleDefinitions`.
//!
//! ```json
//! {
//!   "id": "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.DocumentDB/databaseAccounts/<account>/sqlRoleDefinitions/<name>",
//!   "name": "<name>",
//!   "type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions",
//!   "properties": {
//!     "roleName": "My Reader",
//!     "type": "CustomRole",
//!     "assignableScopes": ["/subscriptions/…/databaseAccounts/<account>/dbs/sales"],
//!     "permissions": [{"dataActions": ["…/items/read"], "notDataActions": []}]
//!   }
//! }
//! ```
//!
//! Two roles are built in, with fixed names every account shares — [`DATA_READER_ROLE_ID`] and
//! [`DATA_CONTRIBUTOR_ROLE_ID`]; [`built_in_data_reader`] and [`built_in_data_contributor`] return
//! their full definitions. An account can hold at most [`MAX_ROLE_DEFINITIONS_PER_ACCOUNT`]
//! definitions.
//!
//! ARM addresses everything by full resource id, so a role definition's `id` and its assignable
//! scopes start with the account's resource id
//! (`/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.DocumentDB/databaseAccounts/<account>`).
//! The functions here take that id as `account_id`. An emulator that is not behind ARM may pass
//! `""`: the whole-account scope is then written `/`, its data-plane spelling.

use serde::{Deserialize, Serialize};

use crate::{DataAction, DataActionPattern, Scope};

/// The name of the built-in role "Cosmos DB Built-in Data Reader".
pub const DATA_READER_ROLE_ID: &str = "00000000-0000-0000-0000-000000000001";

/// The name of the built-in role "Cosmos DB Built-in Data Contributor".
pub const DATA_CONTRIBUTOR_ROLE_ID: &str = "00000000-0000-0000-0000-000000000002";

/// The ARM resource type of role definitions, the `type` of a [`RoleDefinition`].
pub const ROLE_DEFINITION_TYPE: &str = "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions";

/// How many role definitions one account may hold.
pub const MAX_ROLE_DEFINITIONS_PER_ACCOUNT: usize = 100;

/// A role definition as ARM returns it.
///
/// ```
/// use cosmolab_model::{DataAction, built_in_data_reader};
///
/// let reader = built_in_data_reader("");
/// assert_eq!(reader.properties.role_name, "Cosmos DB Built-in Data Reader");
/// assert!(reader.permits(DataAction::ExecuteQuery));
/// assert!(!reader.permits(DataAction::UpsertItem));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDefinition {
    /// The full ARM id, ending in `/sqlRoleDefinitions/<name>`.
    ///
    /// `id`, `name` and `type` are filled in by ARM: a client's `PUT` body has only `properties`
    /// (the name is in the URL). They are left out of the JSON while empty, so both shapes
    /// round-trip unchanged.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,

    /// The definition's name, a GUID such as [`DATA_READER_ROLE_ID`]; role assignments refer to
    /// it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,

    /// The ARM resource type, [`ROLE_DEFINITION_TYPE`].
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub resource_type: String,

    /// What the role is called, where it may be assigned and what it allows.
    pub properties: RoleDefinitionProperties,
}

impl RoleDefinition {
    /// Whether this role allows `action` (see [`RolePermission::permits`]).
    pub fn permits(&self, action: DataAction) -> bool {
        self.properties.permits(action)
    }
}

/// The `properties` of a role definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionProperties {
    /// The display name, e.g. `Cosmos DB Built-in Data Reader`.
    pub role_name: String,

    /// Whether the role is built in or was created by a user; a `PUT` body may leave it out,
    /// which means a custom role.
    #[serde(rename = "type", default)]
    pub role_type: RoleType,

    /// The scopes at or below which the role may be assigned, as ARM writes them (fully
    /// qualified, or in the short form `/`, `/dbs/<db>`, `/dbs/<db>/colls/<c>`).
    pub assignable_scopes: Vec<String>,

    /// What the role allows; the role allows an action if any entry does.
    pub permissions: Vec<RolePermission>,
}

impl RoleDefinitionProperties {
    /// Whether any entry of [`permissions`](Self::permissions) allows `action`.
    pub fn permits(&self, action: DataAction) -> bool {
        self.permissions
            .iter()
            .any(|permission| permission.permits(action))
    }

    /// Whether the role may be assigned at `scope`: the scope must lie within one of the
    /// assignable scopes. An assignable scope that cannot be read allows nothing.
    pub fn can_be_assigned_at(&self, scope: &Scope) -> bool {
        self.assignable_scopes
            .iter()
            .filter_map(|assignable| Scope::parse_arm(assignable).ok())
            .any(|assignable| assignable.contains(scope))
    }
}

/// Whether a role definition is one of the two built-in roles or a user's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoleType {
    /// One of the two roles every account has; they cannot be changed or deleted.
    BuiltInRole,
    /// A role a user defined.
    #[default]
    CustomRole,
}

/// One entry of a role's `permissions`: the data actions it grants and those it then takes away.
///
/// Not to be confused with [`Permission`](crate::Permission), the resource-token grant of a
/// Cosmos DB user; the two systems share only the word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePermission {
    /// The actions granted, concrete or wildcard.
    pub data_actions: Vec<DataActionPattern>,

    /// Actions withheld even though a wildcard in [`data_actions`](Self::data_actions) covers
    /// them, e.g. `items/*` minus `items/delete`. Part of Resource Manager's shape, but Azure
    /// Cosmos DB's native RBAC does not support it ("Any action that is not specified as an
    /// allowed dataAction is excluded automatically"): the cosmolab emulator refuses a role that
    /// uses it, and a role for Azure should leave it empty.
    #[serde(default)]
    pub not_data_actions: Vec<DataActionPattern>,
}

impl RolePermission {
    /// A permission granting exactly these actions and withholding none.
    pub fn granting(data_actions: impl IntoIterator<Item = DataActionPattern>) -> Self {
        Self {
            data_actions: data_actions.into_iter().collect(),
            not_data_actions: Vec::new(),
        }
    }

    /// Whether this entry allows `action`: one of its data actions covers it and none of its
    /// not-data-actions does.
    pub fn permits(&self, action: DataAction) -> bool {
        let granted = self
            .data_actions
            .iter()
            .any(|pattern| pattern.covers(action));
        let withheld = self
            .not_data_actions
            .iter()
            .any(|pattern| pattern.covers(action));
        granted && !withheld
    }
}

/// The full ARM id of the role definition `name` in the account `account_id`.
pub fn role_definition_id(account_id: &str, name: &str) -> String {
    format!("{account_id}/sqlRoleDefinitions/{name}")
}

/// "Cosmos DB Built-in Data Reader": read metadata, point-read items, query, read the change feed.
pub fn built_in_data_reader(account_id: &str) -> RoleDefinition {
    built_in_role(
        account_id,
        DATA_READER_ROLE_ID,
        "Cosmos DB Built-in Data Reader",
        [
            DataAction::ReadMetadata.into(),
            DataAction::ReadItem.into(),
            DataAction::ExecuteQuery.into(),
            DataAction::ReadChangeFeed.into(),
        ],
    )
}

/// "Cosmos DB Built-in Data Contributor": read metadata, and everything on containers and items.
pub fn built_in_data_contributor(account_id: &str) -> RoleDefinition {
    built_in_role(
        account_id,
        DATA_CONTRIBUTOR_ROLE_ID,
        "Cosmos DB Built-in Data Contributor",
        [
            DataAction::ReadMetadata.into(),
            DataActionPattern::AllContainerActions,
            DataActionPattern::AllItemActions,
        ],
    )
}

/// Both built-in role definitions, reader first.
pub fn built_in_role_definitions(account_id: &str) -> [RoleDefinition; 2] {
    [
        built_in_data_reader(account_id),
        built_in_data_contributor(account_id),
    ]
}

/// A built-in role: assignable anywhere in the account, granting `data_actions`.
fn built_in_role(
    account_id: &str,
    name: &str,
    role_name: &str,
    data_actions: impl IntoIterator<Item = DataActionPattern>,
) -> RoleDefinition {
    // ARM writes the whole-account scope as the account's own id; without one, `/` says the same.
    let whole_account = if account_id.is_empty() {
        Scope::Account.to_string()
    } else {
        account_id.to_owned()
    };
    RoleDefinition {
        id: role_definition_id(account_id, name),
        name: name.to_owned(),
        resource_type: ROLE_DEFINITION_TYPE.to_owned(),
        properties: RoleDefinitionProperties {
            role_name: role_name.to_owned(),
            role_type: RoleType::BuiltInRole,
            assignable_scopes: vec![whole_account],
            permissions: vec![RolePermission::granting(data_actions)],
        },
    }
}

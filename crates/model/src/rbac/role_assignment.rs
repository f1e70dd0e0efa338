//! Role assignments: one role given to one Entra ID principal at one scope (seed 004), shaped as
//! Azure Resource Manager shows them under `sqlRoleAssignments`.
//!
//! ```json
//! {
//!   "id": "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.DocumentDB/databaseAccounts/<account>/sqlRoleAssignments/<name>",
//!   "name": "<name>",
//!   "type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
//!   "properties": {
//!     "roleDefinitionId": "/subscriptions/…/databaseAccounts/<account>/sqlRoleDefinitions/00000000-0000-0000-0000-000000000001",
//!     "principalId": "<object id of the user, group or service principal>",
//!     "scope": "/subscriptions/…/databaseAccounts/<account>/dbs/sales"
//!   }
//! }
//! ```
//!
//! The principal is the identity's **object id** (`oid` in its token), not its name or client id.
//! The scope must lie within one of the role definition's assignable scopes
//! ([`RoleDefinitionProperties::can_be_assigned_at`](crate::RoleDefinitionProperties::can_be_assigned_at)),
//! and an account can hold at most [`MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT`] assignments.

use serde::{Deserialize, Serialize};

use crate::{Scope, ScopeError};

/// The ARM resource type of role assignments, the `type` of a [`RoleAssignment`].
pub const ROLE_ASSIGNMENT_TYPE: &str = "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments";

/// How many role assignments one account may hold.
pub const MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT: usize = 2_000;

/// A role assignment as ARM returns it.
///
/// ```
/// use cosmolab_model::{DATA_READER_ROLE_ID, RoleAssignment, Scope};
///
/// let assignment: RoleAssignment = serde_json::from_value(serde_json::json!({
///     "properties": {
///         "roleDefinitionId": "/sqlRoleDefinitions/00000000-0000-0000-0000-000000000001",
///         "principalId": "4f8c2a1e-0000-0000-0000-000000000000",
///         "scope": "/dbs/sales"
///     }
/// }))?;
/// assert_eq!(assignment.role_definition_name(), DATA_READER_ROLE_ID);
/// assert_eq!(assignment.scope()?, Scope::for_database("sales"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The full ARM id, ending in `/sqlRoleAssignments/<name>`.
    ///
    /// As for role definitions, ARM fills in `id`, `name` and `type`; a client's `PUT` body has
    /// only `properties`, and empty values are left out of the JSON.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,

    /// The assignment's name, a GUID the client chooses.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,

    /// The ARM resource type, [`ROLE_ASSIGNMENT_TYPE`].
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub resource_type: String,

    /// Which role, to whom, where.
    pub properties: RoleAssignmentProperties,
}

impl RoleAssignment {
    /// The name of the assigned role definition: the last segment of `roleDefinitionId`, to
    /// compare with [`RoleDefinition::name`](crate::RoleDefinition::name).
    pub fn role_definition_name(&self) -> &str {
        let id = &self.properties.role_definition_id;
        id.rsplit('/').next().unwrap_or(id)
    }

    /// The scope the assignment applies at, read in either ARM spelling
    /// (see [`Scope::parse_arm`]).
    pub fn scope(&self) -> Result<Scope, ScopeError> {
        Scope::parse_arm(&self.properties.scope)
    }
}

/// The `properties` of a role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    /// The full ARM id of the role definition being assigned.
    pub role_definition_id: String,

    /// The object id of the Entra ID identity receiving the role.
    pub principal_id: String,

    /// Where the role applies, as ARM writes it (fully qualified or in the short form).
    pub scope: String,
}

//! Role-based access control for Entra ID principals (seed 004).
//!
//! The model has four parts, one module each, and one question they answer together: *may this
//! principal perform this action on this resource?*
//!
//! - [`data_action`]: the names of actions a request needs, and the patterns a role grants;
//! - [`scope`]: where an assignment applies — the account, a database or a container;
//! - [`role_definition`]: a named set of granted actions, including the two built-in roles;
//! - [`role_assignment`]: a role given to a principal at a scope.
//!
//! The answer is yes when some assignment of the principal has a scope that
//! [contains](Scope::contains) the resource and a role that [permits](RoleDefinition::permits)
//! the action. That check is the emulator's to make; this module supplies its vocabulary.
//!
//! ```
//! use cosmolab_model::{DataAction, Scope, built_in_data_contributor};
//!
//! let role = built_in_data_contributor("");
//! let assigned_at = Scope::for_database("my_database");
//! let request_on = Scope::for_container("my_database", "my_container");
//! assert!(assigned_at.contains(&request_on) && role.permits(DataAction::CreateItem));
//! ```

pub mod data_action;
pub mod role_assignment;
pub mod role_definition;
pub mod scope;

pub use data_action::{DataAction, DataActionPattern, UnknownDataAction};
pub use role_assignment::{
    MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT, ROLE_ASSIGNMENT_TYPE, RoleAssignment,
    RoleAssignmentProperties,
};
pub use role_definition::{
    DATA_CONTRIBUTOR_ROLE_ID, DATA_READER_ROLE_ID, MAX_ROLE_DEFINITIONS_PER_ACCOUNT,
    ROLE_DEFINITION_TYPE, RoleDefinition, RoleDefinitionProperties, RolePermission, RoleType,
    built_in_data_contributor, built_in_data_reader, built_in_role_definitions, role_definition_id,
};
pub use scope::{Scope, ScopeError};

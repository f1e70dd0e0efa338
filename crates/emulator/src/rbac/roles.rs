//! Role definitions and role assignments: the account's RBAC state (seed 004).
//!
//! A **role definition** lists data actions (wildcards allowed) and the scopes it may be assigned
//! at; a **role assignment** gives one principal one role at one scope. A request is allowed when
//! an assignment of the caller's principal has a scope containing the request's scope and a role
//! allowing its data action. Scopes are written relative to the account, as `az cosmosdb sql role`
//! accepts them: `/`, `/dbs/<db>`, `/dbs/<db>/colls/<container>`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::DataAction;
use crate::error::{CosmosError, Result};

/// The built-in Cosmos DB Built-in Data Reader.
pub const DATA_READER_ID: &str = "00000000-0000-0000-0000-000000000001";
/// The built-in Cosmos DB Built-in Data Contributor.
pub const DATA_CONTRIBUTOR_ID: &str = "00000000-0000-0000-0000-000000000002";
/// At most this many role definitions per account, built-in ones included (seed 004).
pub const MAX_ROLE_DEFINITIONS: usize = 100;
/// At most this many role assignments per account (seed 004).
pub const MAX_ROLE_ASSIGNMENTS: usize = 2000;

/// The two wildcards seed 004 allows, besides the exact data actions.
const WILDCARDS: [&str; 2] = [
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/*",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*",
];

/// Built in, or made by the account's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleKind {
    /// One of the service's two roles; cannot be changed or deleted.
    BuiltInRole,
    /// The account owner's own.
    CustomRole,
}

/// The data actions a role allows, minus those it excludes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePermission {
    /// Allowed data actions, exact or wildcard.
    pub data_actions: Vec<String>,
    /// Excluded data actions.
    #[serde(default)]
    pub not_data_actions: Vec<String>,
}

/// A role definition's properties, as Resource Manager's `sqlRoleDefinitions` carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinition {
    /// Its name for people.
    pub role_name: String,
    /// Built in or custom.
    #[serde(rename = "type")]
    pub kind: RoleKind,
    /// Where it may be assigned.
    pub assignable_scopes: Vec<String>,
    /// What it allows.
    pub permissions: Vec<RolePermission>,
}

/// A role assignment's properties, as Resource Manager's `sqlRoleAssignments` carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    /// The role: its id, or a path ending in `/sqlRoleDefinitions/<id>`.
    pub role_definition_id: String,
    /// Where it applies.
    pub scope: String,
    /// The principal's object id (`oid`).
    pub principal_id: String,
}

/// The account's role definitions (custom ones; the built-in ones are constants) and assignments.
#[derive(Debug, Default)]
pub struct Rbac {
    definitions: BTreeMap<String, RoleDefinition>,
    assignments: BTreeMap<String, RoleAssignment>,
}

/// The built-in role with this id.
pub fn built_in(id: &str) -> Option<RoleDefinition> {
    let action = |action: DataAction| action.as_str().to_owned();
    let (name, actions) = match id {
        DATA_READER_ID => (
            "Cosmos DB Built-in Data Reader",
            vec![
                action(DataAction::ReadMetadata),
                action(DataAction::ReadItem),
                action(DataAction::ExecuteQuery),
                action(DataAction::ReadChangeFeed),
            ],
        ),
        DATA_CONTRIBUTOR_ID => (
            "Cosmos DB Built-in Data Contributor",
            vec![
                action(DataAction::ReadMetadata),
                WILDCARDS[0].to_owned(),
                WILDCARDS[1].to_owned(),
            ],
        ),
        _ => return None,
    };
    Some(RoleDefinition {
        role_name: name.to_owned(),
        kind: RoleKind::BuiltInRole,
        assignable_scopes: vec!["/".to_owned()],
        permissions: vec![RolePermission {
            data_actions: actions,
            not_data_actions: Vec::new(),
        }],
    })
}

/// `/`, `/dbs/<db>` or `/dbs/<db>/colls/<c>`, with a trailing `/` tolerated; 400 otherwise.
pub fn normalize_scope(scope: &str) -> Result<String> {
    let trimmed = scope.trim();
    let inner = trimmed.trim_end_matches('/');
    let segments: Vec<&str> = inner.split('/').skip(1).collect();
    let valid = trimmed.starts_with('/')
        && match segments.as_slice() {
            [] => true,
            ["dbs", db] => !db.is_empty(),
            ["dbs", db, "colls", container] => !db.is_empty() && !container.is_empty(),
            _ => false,
        };
    if !valid {
        return Err(CosmosError::bad_request(format!(
            "The scope '{scope}' is not valid. A scope is the account ('/'), a database \
             ('/dbs/<database>') or a container ('/dbs/<database>/colls/<container>')."
        )));
    }
    Ok(if inner.is_empty() {
        "/".to_owned()
    } else {
        inner.to_owned()
    })
}

/// Whether `outer` contains `inner` (both normalized): the same scope, or one below it.
pub fn scope_contains(outer: &str, inner: &str) -> bool {
    outer == "/" || inner == outer || inner.starts_with(&format!("{outer}/"))
}

/// Whether the data-action pattern (exact, or ending in `/*`) covers `action`.
fn pattern_covers(pattern: &str, action: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => pattern == action,
    }
}

impl RoleDefinition {
    /// Whether the role allows `action`.
    pub fn allows(&self, action: DataAction) -> bool {
        let name = action.as_str();
        self.permissions.iter().any(|permission| {
            permission
                .data_actions
                .iter()
                .any(|pattern| pattern_covers(pattern, name))
                && !permission
                    .not_data_actions
                    .iter()
                    .any(|pattern| pattern_covers(pattern, name))
        })
    }

    /// Checks a custom definition's fields (400 with what is wrong) and normalizes its scopes.
    fn validated(mut self) -> Result<Self> {
        if self.role_name.trim().is_empty() || self.role_name.len() > 256 {
            return Err(CosmosError::bad_request(
                "roleName must be 1 to 256 characters.",
            ));
        }
        if self.kind != RoleKind::CustomRole {
            return Err(CosmosError::bad_request(
                "Only a CustomRole can be created or replaced; the built-in roles are fixed.",
            ));
        }
        if self.assignable_scopes.is_empty() {
            return Err(CosmosError::bad_request(
                "assignableScopes must name at least one scope.",
            ));
        }
        self.assignable_scopes = self
            .assignable_scopes
            .iter()
            .map(|scope| normalize_scope(scope))
            .collect::<Result<_>>()?;
        if self.permissions.is_empty()
            || self
                .permissions
                .iter()
                .all(|permission| permission.data_actions.is_empty())
        {
            return Err(CosmosError::bad_request(
                "permissions must list at least one data action.",
            ));
        }
        for pattern in self.permissions.iter().flat_map(|permission| {
            permission
                .data_actions
                .iter()
                .chain(&permission.not_data_actions)
        }) {
            if !is_known_action(pattern) {
                return Err(CosmosError::bad_request(format!(
                    "The data action '{pattern}' is not valid. Use one of Cosmos DB's data \
                     actions (e.g. {}), or the wildcards '{}' and '{}'.",
                    DataAction::ReadItem,
                    WILDCARDS[0],
                    WILDCARDS[1]
                )));
            }
        }
        Ok(self)
    }
}

/// Whether `pattern` is one of seed 004's data actions or wildcards.
fn is_known_action(pattern: &str) -> bool {
    WILDCARDS.contains(&pattern)
        || DataAction::ALL
            .iter()
            .any(|action| action.as_str() == pattern)
}

/// The id at the end of a role definition reference (`…/sqlRoleDefinitions/<id>` or `<id>`).
fn definition_id(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// Ids are path segments of the admin API: keep them plain.
fn check_id(kind: &str, id: &str) -> Result<()> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(CosmosError::bad_request(format!(
            "The {kind} id '{id}' is not valid: use 1 to 64 letters, digits, '-' or '_' (a GUID \
             is customary)."
        )));
    }
    Ok(())
}

impl Rbac {
    /// Every role definition: the two built-in ones, then the custom ones by id.
    pub fn definitions(&self) -> Vec<(String, RoleDefinition)> {
        [DATA_READER_ID, DATA_CONTRIBUTOR_ID]
            .into_iter()
            .filter_map(|id| built_in(id).map(|role| (id.to_owned(), role)))
            .chain(
                self.definitions
                    .iter()
                    .map(|(id, role)| (id.clone(), role.clone())),
            )
            .collect()
    }

    /// The role definition `id`, built-in or custom.
    pub fn definition(&self, id: &str) -> Option<RoleDefinition> {
        built_in(id).or_else(|| self.definitions.get(id).cloned())
    }

    /// Creates or replaces the custom role `id`; returns it and whether it is new.
    pub fn put_definition(
        &mut self,
        id: &str,
        role: RoleDefinition,
    ) -> Result<(RoleDefinition, bool)> {
        check_id("role definition", id)?;
        if built_in(id).is_some() {
            return Err(CosmosError::bad_request(format!(
                "The role definition '{id}' is built in and cannot be changed."
            )));
        }
        let role = role.validated()?;
        let exists = self.definitions.contains_key(id);
        if !exists && self.definitions.len() + 2 >= MAX_ROLE_DEFINITIONS {
            return Err(CosmosError::bad_request(format!(
                "The account already has {MAX_ROLE_DEFINITIONS} role definitions (the two \
                 built-in ones included), the most it may have. Delete one first."
            )));
        }
        // Replacing a role must not strand its assignments outside its assignable scopes.
        for assignment in self
            .assignments
            .values()
            .filter(|assignment| definition_id(&assignment.role_definition_id) == id)
        {
            if !role
                .assignable_scopes
                .iter()
                .any(|scope| scope_contains(scope, &assignment.scope))
            {
                return Err(CosmosError::bad_request(format!(
                    "The role is assigned at '{}', which the new assignableScopes do not \
                     contain. Delete that assignment first.",
                    assignment.scope
                )));
            }
        }
        self.definitions.insert(id.to_owned(), role.clone());
        Ok((role, !exists))
    }

    /// Deletes the custom role `id`; refused while it is assigned.
    pub fn delete_definition(&mut self, id: &str) -> Result<()> {
        if built_in(id).is_some() {
            return Err(CosmosError::bad_request(format!(
                "The role definition '{id}' is built in and cannot be deleted."
            )));
        }
        let used = self
            .assignments
            .values()
            .filter(|assignment| definition_id(&assignment.role_definition_id) == id)
            .count();
        if used > 0 {
            return Err(CosmosError::bad_request(format!(
                "The role definition '{id}' is used by {used} role assignment(s). Delete them \
                 first."
            )));
        }
        self.definitions
            .remove(id)
            .map(|_| ())
            .ok_or_else(CosmosError::not_found)
    }

    /// Every role assignment, by id.
    pub fn assignments(&self) -> Vec<(String, RoleAssignment)> {
        self.assignments
            .iter()
            .map(|(id, assignment)| (id.clone(), assignment.clone()))
            .collect()
    }

    /// The role assignment `id`.
    pub fn assignment(&self, id: &str) -> Option<RoleAssignment> {
        self.assignments.get(id).cloned()
    }

    /// Creates or replaces the assignment `id`; returns it and whether it is new. Its scope must
    /// lie within one of its role's assignable scopes.
    pub fn put_assignment(
        &mut self,
        id: &str,
        mut assignment: RoleAssignment,
    ) -> Result<(RoleAssignment, bool)> {
        check_id("role assignment", id)?;
        assignment.scope = normalize_scope(&assignment.scope)?;
        if assignment.principal_id.trim().is_empty() || assignment.principal_id.len() > 64 {
            return Err(CosmosError::bad_request(
                "principalId must be the object id of an Entra principal.",
            ));
        }
        let role_id = definition_id(&assignment.role_definition_id).to_owned();
        let role = self.definition(&role_id).ok_or_else(|| {
            CosmosError::bad_request(format!(
                "The role definition '{role_id}' does not exist. Create it first, or use a \
                 built-in role ({DATA_READER_ID} reader, {DATA_CONTRIBUTOR_ID} contributor)."
            ))
        })?;
        if !role
            .assignable_scopes
            .iter()
            .any(|scope| scope_contains(scope, &assignment.scope))
        {
            return Err(CosmosError::bad_request(format!(
                "The scope '{}' is not within the role's assignable scopes ({}).",
                assignment.scope,
                role.assignable_scopes.join(", ")
            )));
        }
        let exists = self.assignments.contains_key(id);
        if !exists && self.assignments.len() >= MAX_ROLE_ASSIGNMENTS {
            return Err(CosmosError::bad_request(format!(
                "The account already has {MAX_ROLE_ASSIGNMENTS} role assignments, the most it \
                 may have. Delete one first."
            )));
        }
        assignment.role_definition_id = role_id;
        self.assignments.insert(id.to_owned(), assignment.clone());
        Ok((assignment, !exists))
    }

    /// Deletes the assignment `id`.
    pub fn delete_assignment(&mut self, id: &str) -> Result<()> {
        self.assignments
            .remove(id)
            .map(|_| ())
            .ok_or_else(CosmosError::not_found)
    }

    /// The id of an assignment that lets `principal` perform `action` at `scope`, if any.
    pub fn allowing(&self, principal: &str, action: DataAction, scope: &str) -> Option<String> {
        self.assignments.iter().find_map(|(id, assignment)| {
            let applies = assignment.principal_id == principal
                && scope_contains(&assignment.scope, scope)
                && self
                    .definition(&assignment.role_definition_id)
                    .is_some_and(|role| role.allows(action));
            applies.then(|| id.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(actions: &[&str], scopes: &[&str]) -> RoleDefinition {
        RoleDefinition {
            role_name: "least privilege".into(),
            kind: RoleKind::CustomRole,
            assignable_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            permissions: vec![RolePermission {
                data_actions: actions.iter().map(|s| (*s).to_owned()).collect(),
                not_data_actions: Vec::new(),
            }],
        }
    }

    fn assign(role: &str, scope: &str, principal: &str) -> RoleAssignment {
        RoleAssignment {
            role_definition_id: role.into(),
            scope: scope.into(),
            principal_id: principal.into(),
        }
    }

    #[test]
    fn built_in_roles_allow_what_seed_004_lists() {
        let reader = built_in(DATA_READER_ID).unwrap();
        assert!(reader.allows(DataAction::ReadItem));
        assert!(reader.allows(DataAction::ExecuteQuery));
        assert!(!reader.allows(DataAction::CreateItem));
        let contributor = built_in(DATA_CONTRIBUTOR_ID).unwrap();
        for action in DataAction::ALL {
            assert!(contributor.allows(action), "{action}");
        }
    }

    #[test]
    fn an_assignment_covers_its_scope_and_below_only() {
        let mut rbac = Rbac::default();
        rbac.put_assignment(
            "a1",
            assign(DATA_READER_ID, "/dbs/shop/colls/orders", "alice"),
        )
        .unwrap();
        let orders = "/dbs/shop/colls/orders";
        assert_eq!(
            rbac.allowing("alice", DataAction::ReadItem, orders)
                .as_deref(),
            Some("a1")
        );
        assert!(
            rbac.allowing("alice", DataAction::CreateItem, orders)
                .is_none()
        );
        assert!(rbac.allowing("bob", DataAction::ReadItem, orders).is_none());
        assert!(
            rbac.allowing(
                "alice",
                DataAction::ReadItem,
                "/dbs/shop/colls/orders-archive"
            )
            .is_none(),
            "a sibling whose name starts the same is not below"
        );
        assert!(
            rbac.allowing("alice", DataAction::ReadMetadata, "/")
                .is_none()
        );
    }

    #[test]
    fn custom_roles_are_validated() {
        let mut rbac = Rbac::default();
        let read = DataAction::ReadItem.as_str().to_owned();
        assert!(
            rbac.put_definition("r1", custom(&[&read], &["/dbs/shop"]))
                .is_ok()
        );
        let unknown = rbac
            .put_definition(
                "r2",
                custom(&["Microsoft.DocumentDB/databaseAccounts/*"], &["/"]),
            )
            .unwrap_err();
        assert!(
            unknown.message.contains("is not valid"),
            "{}",
            unknown.message
        );
        let bad_scope = rbac
            .put_definition("r3", custom(&[&read], &["dbs/shop"]))
            .unwrap_err();
        assert!(bad_scope.message.contains("scope"), "{}", bad_scope.message);
        assert!(
            rbac.put_definition(DATA_READER_ID, custom(&[&read], &["/"]))
                .is_err()
        );

        // An assignment outside the role's assignable scopes is refused.
        let outside = rbac
            .put_assignment("a1", assign("r1", "/dbs/other", "alice"))
            .unwrap_err();
        assert!(
            outside.message.contains("assignable scopes"),
            "{}",
            outside.message
        );
        rbac.put_assignment(
            "a2",
            assign(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.DocumentDB/databaseAccounts/a/sqlRoleDefinitions/r1",
                "/dbs/shop/colls/orders/",
                "alice",
            ),
        )
        .unwrap();
        // In use: neither deleted nor narrowed away from its assignment.
        assert!(rbac.delete_definition("r1").is_err());
        assert!(
            rbac.put_definition("r1", custom(&[&read], &["/dbs/elsewhere"]))
                .is_err()
        );
        rbac.delete_assignment("a2").unwrap();
        rbac.delete_definition("r1").unwrap();
    }

    #[test]
    fn wildcards_and_exclusions() {
        let mut role = custom(&[WILDCARDS[1]], &["/"]);
        assert!(role.allows(DataAction::DeleteItem));
        assert!(!role.allows(DataAction::ExecuteQuery));
        role.permissions[0].not_data_actions = vec![DataAction::DeleteItem.as_str().to_owned()];
        assert!(!role.allows(DataAction::DeleteItem));
        assert!(role.allows(DataAction::CreateItem));
    }

    #[test]
    fn the_limits_are_enforced() {
        let mut rbac = Rbac::default();
        let read = DataAction::ReadItem.as_str().to_owned();
        for n in 0..MAX_ROLE_DEFINITIONS - 2 {
            rbac.put_definition(&format!("r{n}"), custom(&[&read], &["/"]))
                .unwrap();
        }
        let refused = rbac
            .put_definition("one-too-many", custom(&[&read], &["/"]))
            .unwrap_err();
        assert!(
            refused.message.contains("100 role definitions"),
            "{}",
            refused.message
        );
        for n in 0..MAX_ROLE_ASSIGNMENTS {
            rbac.put_assignment(&format!("a{n}"), assign(DATA_READER_ID, "/", "p"))
                .unwrap();
        }
        let refused = rbac
            .put_assignment("one-too-many", assign(DATA_READER_ID, "/", "p"))
            .unwrap_err();
        assert!(
            refused.message.contains("2000 role assignments"),
            "{}",
            refused.message
        );
        // Replacing an existing one is not adding one.
        rbac.put_assignment("a0", assign(DATA_CONTRIBUTOR_ID, "/", "p"))
            .unwrap();
    }
}

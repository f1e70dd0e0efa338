//! Role definitions and role assignments: the account's RBAC state (seed 004).
//!
//! A **role definition** lists data actions (wildcards allowed) and the scopes it may be assigned
//! at; a **role assignment** gives one principal one role at one scope. A request is allowed when
//! an assignment of the caller's principal has a scope containing the request's scope and a role
//! allowing its data action. The vocabulary — [`DataAction`], [`Scope`], the properties of
//! definitions and assignments, the two built-in roles — is `crates/model`'s; this module keeps
//! the account's set of them and enforces the service's rules when it changes: valid names and
//! scopes, assignments within their role's assignable scopes, roles in use neither deleted nor
//! narrowed, and the limits of 100 definitions and 2,000 assignments.
//!
//! Scopes are stored in the short form `az cosmosdb sql role` accepts — `/`, `/dbs/<db>`,
//! `/dbs/<db>/colls/<container>` — whichever form (short or Resource Manager's fully qualified
//! one) a request used.

use std::collections::BTreeMap;

use cosmolab_model::{
    DATA_CONTRIBUTOR_ROLE_ID, DATA_READER_ROLE_ID, DataAction, MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT,
    MAX_ROLE_DEFINITIONS_PER_ACCOUNT, RoleAssignmentProperties, RoleDefinitionProperties, RoleType,
    Scope, built_in_role_definitions,
};

use crate::error::{CosmosError, Result};

/// An assignment as kept: its properties (role id without a path, scope in the short form) and
/// its scope parsed, since every Entra request compares scopes.
#[derive(Debug, Clone)]
struct StoredAssignment {
    properties: RoleAssignmentProperties,
    scope: Scope,
}

/// The account's custom role definitions (the built-in ones come from `crates/model`) and its
/// role assignments, by id.
#[derive(Debug, Default)]
pub struct Rbac {
    definitions: BTreeMap<String, RoleDefinitionProperties>,
    assignments: BTreeMap<String, StoredAssignment>,
}

/// The built-in role with this id.
pub fn built_in(id: &str) -> Option<RoleDefinitionProperties> {
    built_in_role_definitions("")
        .into_iter()
        .find(|role| role.name == id)
        .map(|role| role.properties)
}

/// Reads a scope in either spelling; 400 with what a scope looks like otherwise.
pub fn parse_scope(scope: &str) -> Result<Scope> {
    Scope::parse_arm(scope.trim()).map_err(|error| {
        CosmosError::bad_request(format!(
            "The scope '{scope}' is not valid: {error}. A scope is the account ('/'), a database \
             ('/dbs/<database>') or a container ('/dbs/<database>/colls/<container>')."
        ))
    })
}

/// Checks a custom definition's fields (400 with what is wrong) and writes its scopes in the
/// short form. Its data actions were checked when it was read: an unknown one does not parse.
fn validated(mut role: RoleDefinitionProperties) -> Result<RoleDefinitionProperties> {
    if role.role_name.trim().is_empty() || role.role_name.len() > 256 {
        return Err(CosmosError::bad_request(
            "roleName must be 1 to 256 characters.",
        ));
    }
    if role.role_type != RoleType::CustomRole {
        return Err(CosmosError::bad_request(
            "Only a CustomRole can be created or replaced; the built-in roles are fixed.",
        ));
    }
    if role.assignable_scopes.is_empty() {
        return Err(CosmosError::bad_request(
            "assignableScopes must name at least one scope.",
        ));
    }
    role.assignable_scopes = role
        .assignable_scopes
        .iter()
        .map(|scope| parse_scope(scope).map(|scope| scope.to_string()))
        .collect::<Result<_>>()?;
    // The service's own reference: "Azure Cosmos DB for NoSQL's native role-based access control
    // doesn't support the notDataActions property." A role that relies on it would grant more
    // on Azure than its author meant, so it is refused rather than honoured.
    if role
        .permissions
        .iter()
        .any(|permission| !permission.not_data_actions.is_empty())
    {
        return Err(CosmosError::bad_request(
            "notDataActions is not supported by Azure Cosmos DB's native role-based access \
             control: list the data actions the role grants instead (an action not listed is \
             not granted).",
        ));
    }
    if role
        .permissions
        .iter()
        .all(|permission| permission.data_actions.is_empty())
    {
        return Err(CosmosError::bad_request(
            "permissions must list at least one data action.",
        ));
    }
    Ok(role)
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
    pub fn definitions(&self) -> Vec<(String, RoleDefinitionProperties)> {
        built_in_role_definitions("")
            .into_iter()
            .map(|role| (role.name, role.properties))
            .chain(
                self.definitions
                    .iter()
                    .map(|(id, role)| (id.clone(), role.clone())),
            )
            .collect()
    }

    /// The role definition `id`, built-in or custom.
    pub fn definition(&self, id: &str) -> Option<RoleDefinitionProperties> {
        built_in(id).or_else(|| self.definitions.get(id).cloned())
    }

    /// Creates or replaces the custom role `id`; returns it and whether it is new.
    pub fn put_definition(
        &mut self,
        id: &str,
        role: RoleDefinitionProperties,
    ) -> Result<(RoleDefinitionProperties, bool)> {
        check_id("role definition", id)?;
        if built_in(id).is_some() {
            return Err(CosmosError::bad_request(format!(
                "The role definition '{id}' is built in and cannot be changed."
            )));
        }
        let role = validated(role)?;
        let exists = self.definitions.contains_key(id);
        if !exists && self.definitions.len() + 2 >= MAX_ROLE_DEFINITIONS_PER_ACCOUNT {
            return Err(CosmosError::bad_request(format!(
                "The account already has {MAX_ROLE_DEFINITIONS_PER_ACCOUNT} role definitions (the \
                 two built-in ones included), the most it may have. Delete one first."
            )));
        }
        // Replacing a role must not strand its assignments outside its assignable scopes.
        for assignment in self.assignments_of(id) {
            if !role.can_be_assigned_at(&assignment.scope) {
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
        let used = self.assignments_of(id).count();
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

    /// The assignments of the role definition `id`.
    fn assignments_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a StoredAssignment> {
        self.assignments.values().filter(move |assignment| {
            definition_id(&assignment.properties.role_definition_id) == id
        })
    }

    /// Every role assignment, by id.
    pub fn assignments(&self) -> Vec<(String, RoleAssignmentProperties)> {
        self.assignments
            .iter()
            .map(|(id, assignment)| (id.clone(), assignment.properties.clone()))
            .collect()
    }

    /// The role assignment `id`.
    pub fn assignment(&self, id: &str) -> Option<RoleAssignmentProperties> {
        self.assignments
            .get(id)
            .map(|assignment| assignment.properties.clone())
    }

    /// Creates or replaces the assignment `id`; returns it and whether it is new. Its scope must
    /// lie within one of its role's assignable scopes.
    pub fn put_assignment(
        &mut self,
        id: &str,
        mut assignment: RoleAssignmentProperties,
    ) -> Result<(RoleAssignmentProperties, bool)> {
        check_id("role assignment", id)?;
        let scope = parse_scope(&assignment.scope)?;
        if assignment.principal_id.trim().is_empty() || assignment.principal_id.len() > 64 {
            return Err(CosmosError::bad_request(
                "principalId must be the object id of an Entra principal.",
            ));
        }
        let role_id = definition_id(&assignment.role_definition_id).to_owned();
        let role = self.definition(&role_id).ok_or_else(|| {
            CosmosError::bad_request(format!(
                "The role definition '{role_id}' does not exist. Create it first, or use a \
                 built-in role ({DATA_READER_ROLE_ID} reader, {DATA_CONTRIBUTOR_ROLE_ID} \
                 contributor)."
            ))
        })?;
        if !role.can_be_assigned_at(&scope) {
            return Err(CosmosError::bad_request(format!(
                "The scope '{scope}' is not within the role's assignable scopes ({}).",
                role.assignable_scopes.join(", ")
            )));
        }
        let exists = self.assignments.contains_key(id);
        if !exists && self.assignments.len() >= MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT {
            return Err(CosmosError::bad_request(format!(
                "The account already has {MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT} role assignments, the \
                 most it may have. Delete one first."
            )));
        }
        assignment.role_definition_id = role_id;
        assignment.scope = scope.to_string();
        let stored = StoredAssignment {
            properties: assignment.clone(),
            scope,
        };
        self.assignments.insert(id.to_owned(), stored);
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
    pub fn allowing(&self, principal: &str, action: DataAction, scope: &Scope) -> Option<String> {
        self.assignments.iter().find_map(|(id, assignment)| {
            let applies = assignment.properties.principal_id == principal
                && assignment.scope.contains(scope)
                && self
                    .definition(&assignment.properties.role_definition_id)
                    .is_some_and(|role| role.permits(action));
            applies.then(|| id.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use cosmolab_model::{DataActionPattern, RolePermission};

    use super::*;

    fn custom(actions: &[DataActionPattern], scopes: &[&str]) -> RoleDefinitionProperties {
        RoleDefinitionProperties {
            role_name: "least privilege".into(),
            role_type: RoleType::CustomRole,
            assignable_scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            permissions: vec![RolePermission::granting(actions.iter().copied())],
        }
    }

    fn assign(role: &str, scope: &str, principal: &str) -> RoleAssignmentProperties {
        RoleAssignmentProperties {
            role_definition_id: role.into(),
            scope: scope.into(),
            principal_id: principal.into(),
        }
    }

    fn scope(text: &str) -> Scope {
        text.parse().unwrap()
    }

    const READ: DataActionPattern = DataActionPattern::Action(DataAction::ReadItem);

    #[test]
    fn built_in_roles_allow_what_seed_004_lists() {
        let reader = built_in(DATA_READER_ROLE_ID).unwrap();
        assert!(reader.permits(DataAction::ReadItem));
        assert!(reader.permits(DataAction::ExecuteQuery));
        assert!(!reader.permits(DataAction::CreateItem));
        let contributor = built_in(DATA_CONTRIBUTOR_ROLE_ID).unwrap();
        for action in DataAction::ALL {
            assert!(contributor.permits(action), "{action}");
        }
        assert!(built_in("custom").is_none());
    }

    #[test]
    fn an_assignment_covers_its_scope_and_below_only() {
        let mut rbac = Rbac::default();
        rbac.put_assignment(
            "a1",
            assign(DATA_READER_ROLE_ID, "/dbs/shop/colls/orders", "alice"),
        )
        .unwrap();
        let orders = scope("/dbs/shop/colls/orders");
        assert_eq!(
            rbac.allowing("alice", DataAction::ReadItem, &orders)
                .as_deref(),
            Some("a1")
        );
        assert!(
            rbac.allowing("alice", DataAction::CreateItem, &orders)
                .is_none()
        );
        assert!(
            rbac.allowing("bob", DataAction::ReadItem, &orders)
                .is_none()
        );
        assert!(
            rbac.allowing(
                "alice",
                DataAction::ReadItem,
                &scope("/dbs/shop/colls/orders-archive")
            )
            .is_none(),
            "a sibling whose name starts the same is not below"
        );
        assert!(
            rbac.allowing("alice", DataAction::ReadMetadata, &Scope::Account)
                .is_none()
        );
    }

    #[test]
    fn custom_roles_are_validated() {
        let mut rbac = Rbac::default();
        assert!(
            rbac.put_definition("r1", custom(&[READ], &["/dbs/shop"]))
                .is_ok()
        );
        let bad_scope = rbac
            .put_definition("r3", custom(&[READ], &["dbs/shop"]))
            .unwrap_err();
        assert!(bad_scope.message.contains("scope"), "{}", bad_scope.message);
        let no_action = rbac.put_definition("r4", custom(&[], &["/"])).unwrap_err();
        assert!(
            no_action.message.contains("at least one data action"),
            "{}",
            no_action.message
        );
        assert!(
            rbac.put_definition(DATA_READER_ROLE_ID, custom(&[READ], &["/"]))
                .is_err()
        );
        let mut excluding = custom(&[DataActionPattern::AllItemActions], &["/"]);
        excluding.permissions[0].not_data_actions = vec![DataAction::DeleteItem.into()];
        let refused = rbac.put_definition("r6", excluding).unwrap_err();
        assert!(
            refused.message.contains("notDataActions"),
            "{}",
            refused.message
        );
        let mut built_in_kind = custom(&[READ], &["/"]);
        built_in_kind.role_type = RoleType::BuiltInRole;
        assert!(rbac.put_definition("r5", built_in_kind).is_err());

        // An assignment outside the role's assignable scopes is refused.
        let outside = rbac
            .put_assignment("a1", assign("r1", "/dbs/other", "alice"))
            .unwrap_err();
        assert!(
            outside.message.contains("assignable scopes"),
            "{}",
            outside.message
        );
        // Resource Manager's fully qualified spellings are read, and stored in the short form.
        let account =
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.DocumentDB/databaseAccounts/a";
        let (stored, created) = rbac
            .put_assignment(
                "a2",
                assign(
                    &format!("{account}/sqlRoleDefinitions/r1"),
                    &format!("{account}/dbs/shop/colls/orders/"),
                    "alice",
                ),
            )
            .unwrap();
        assert!(created);
        assert_eq!(stored.role_definition_id, "r1");
        assert_eq!(stored.scope, "/dbs/shop/colls/orders");
        // In use: neither deleted nor narrowed away from its assignment.
        assert!(rbac.delete_definition("r1").is_err());
        assert!(
            rbac.put_definition("r1", custom(&[READ], &["/dbs/elsewhere"]))
                .is_err()
        );
        rbac.delete_assignment("a2").unwrap();
        rbac.delete_definition("r1").unwrap();
    }

    #[test]
    fn an_unknown_data_action_does_not_parse() {
        let body = serde_json::json!({
            "roleName": "too wide", "assignableScopes": ["/"],
            "permissions": [{"dataActions": ["Microsoft.DocumentDB/databaseAccounts/*"]}]
        });
        let error = serde_json::from_value::<RoleDefinitionProperties>(body).unwrap_err();
        assert!(
            error.to_string().contains("is not a Cosmos DB data action"),
            "{error}"
        );
    }

    #[test]
    fn the_limits_are_enforced() {
        let mut rbac = Rbac::default();
        for n in 0..MAX_ROLE_DEFINITIONS_PER_ACCOUNT - 2 {
            rbac.put_definition(&format!("r{n}"), custom(&[READ], &["/"]))
                .unwrap();
        }
        let refused = rbac
            .put_definition("one-too-many", custom(&[READ], &["/"]))
            .unwrap_err();
        assert!(
            refused.message.contains("100 role definitions"),
            "{}",
            refused.message
        );
        for n in 0..MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT {
            rbac.put_assignment(&format!("a{n}"), assign(DATA_READER_ROLE_ID, "/", "p"))
                .unwrap();
        }
        let refused = rbac
            .put_assignment("one-too-many", assign(DATA_READER_ROLE_ID, "/", "p"))
            .unwrap_err();
        assert!(
            refused.message.contains("2000 role assignments"),
            "{}",
            refused.message
        );
        // Replacing an existing one is not adding one.
        rbac.put_assignment("a0", assign(DATA_CONTRIBUTOR_ROLE_ID, "/", "p"))
            .unwrap();
    }
}

//! Role-based access control (seed 004): data actions and their wildcards, the built-in roles,
//! role definitions and assignments as Azure Resource Manager shows them, and scopes.

use std::collections::BTreeSet;

use cosmolab_model::{
    DATA_CONTRIBUTOR_ROLE_ID, DATA_READER_ROLE_ID, DataAction, DataActionPattern,
    MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT, MAX_ROLE_DEFINITIONS_PER_ACCOUNT, ROLE_ASSIGNMENT_TYPE,
    ROLE_DEFINITION_TYPE, ResourceIdError, RoleAssignment, RoleDefinition, RolePermission,
    RoleType, Scope, ScopeError, UnknownDataAction, built_in_data_contributor,
    built_in_data_reader, built_in_role_definitions,
};
use proptest::prelude::*;
use serde_json::json;

/// The ARM id of the account used in the ARM examples below.
const ACCOUNT_ID: &str = "/subscriptions/mySubscriptionId/resourceGroups/myResourceGroupName/providers/Microsoft.DocumentDB/databaseAccounts/myAccountName";

/// The actions a pattern covers, as a set.
fn covered_by(pattern: DataActionPattern) -> BTreeSet<DataAction> {
    DataAction::ALL
        .into_iter()
        .filter(|action| pattern.covers(*action))
        .collect()
}

/// The actions a role permits, as a set.
fn permitted_by(role: &RoleDefinition) -> BTreeSet<DataAction> {
    DataAction::ALL
        .into_iter()
        .filter(|action| role.permits(*action))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Data actions
// ---------------------------------------------------------------------------------------------

/// Every data action of seed 004's table parses from its exact name and prints back the same.
#[test]
fn seed_004_action_names_parse() {
    let names = [
        "Microsoft.DocumentDB/databaseAccounts/readMetadata",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/replace",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/upsert",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/delete",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/readChangeFeed",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeStoredProcedure",
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/manageConflicts",
    ];
    let parsed: Vec<DataAction> = names
        .iter()
        .map(|name| name.parse().expect("a seed 004 action"))
        .collect();
    assert_eq!(parsed, DataAction::ALL);
    for (action, name) in parsed.iter().zip(names) {
        assert_eq!(action.to_string(), name);
        assert_eq!(
            name.parse::<DataActionPattern>(),
            Ok(DataActionPattern::Action(*action))
        );
    }
}

/// The two wildcards of seed 004 parse as patterns but not as concrete actions.
#[test]
fn wildcards_parse_only_as_patterns() {
    let containers = "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/*";
    let items = "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*";
    assert_eq!(
        containers.parse(),
        Ok(DataActionPattern::AllContainerActions)
    );
    assert_eq!(items.parse(), Ok(DataActionPattern::AllItemActions));
    assert!(containers.parse::<DataAction>().is_err());
    assert_eq!(DataActionPattern::AllItemActions.to_string(), items);
}

/// An unknown action — a typo, another case, an unsupported wildcard — is an error naming it.
#[test]
fn unknown_actions_are_errors_that_name_them() {
    for name in [
        "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/write",
        "microsoft.documentdb/databaseaccounts/readmetadata",
        "Microsoft.DocumentDB/databaseAccounts/*",
        "",
        "*",
    ] {
        let error = name
            .parse::<DataActionPattern>()
            .expect_err("not an action");
        assert_eq!(error, UnknownDataAction(name.to_owned()));
        assert!(error.to_string().contains(&format!("{name:?}")), "{error}");
    }
}

/// `items/*` covers exactly the five item operations.
#[test]
fn items_wildcard_covers_exactly_item_crud() {
    assert_eq!(
        covered_by(DataActionPattern::AllItemActions),
        BTreeSet::from([
            DataAction::CreateItem,
            DataAction::ReadItem,
            DataAction::ReplaceItem,
            DataAction::UpsertItem,
            DataAction::DeleteItem,
        ])
    );
}

/// `containers/*` covers every action except `readMetadata`, which sits above containers.
#[test]
fn containers_wildcard_covers_all_but_read_metadata() {
    let expected: BTreeSet<DataAction> = DataAction::ALL
        .into_iter()
        .filter(|action| *action != DataAction::ReadMetadata)
        .collect();
    assert_eq!(covered_by(DataActionPattern::AllContainerActions), expected);
}

/// A concrete action covers itself and nothing else.
#[test]
fn a_concrete_action_covers_only_itself() {
    for action in DataAction::ALL {
        assert_eq!(
            covered_by(action.into()),
            BTreeSet::from([action]),
            "{action}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Built-in roles
// ---------------------------------------------------------------------------------------------

/// The Data Reader role permits exactly readMetadata, items/read, executeQuery and readChangeFeed.
#[test]
fn data_reader_permits_exactly_reads() {
    let reader = built_in_data_reader(ACCOUNT_ID);
    assert_eq!(reader.name, DATA_READER_ROLE_ID);
    assert_eq!(reader.name, "00000000-0000-0000-0000-000000000001");
    assert_eq!(
        reader.properties.role_name,
        "Cosmos DB Built-in Data Reader"
    );
    assert_eq!(
        permitted_by(&reader),
        BTreeSet::from([
            DataAction::ReadMetadata,
            DataAction::ReadItem,
            DataAction::ExecuteQuery,
            DataAction::ReadChangeFeed,
        ])
    );
}

/// The Data Contributor role permits every data action.
#[test]
fn data_contributor_permits_everything() {
    let contributor = built_in_data_contributor(ACCOUNT_ID);
    assert_eq!(contributor.name, DATA_CONTRIBUTOR_ROLE_ID);
    assert_eq!(contributor.name, "00000000-0000-0000-0000-000000000002");
    assert_eq!(
        contributor.properties.role_name,
        "Cosmos DB Built-in Data Contributor"
    );
    assert_eq!(permitted_by(&contributor), BTreeSet::from(DataAction::ALL));
}

/// Built-in roles are ARM resources of the account, assignable anywhere in it.
#[test]
fn built_in_roles_are_account_wide_arm_resources() {
    for role in built_in_role_definitions(ACCOUNT_ID) {
        assert_eq!(
            role.id,
            format!("{ACCOUNT_ID}/sqlRoleDefinitions/{}", role.name)
        );
        assert_eq!(role.resource_type, ROLE_DEFINITION_TYPE);
        assert_eq!(role.properties.role_type, RoleType::BuiltInRole);
        assert_eq!(role.properties.assignable_scopes, [ACCOUNT_ID]);
        for scope in [
            Scope::Account,
            Scope::for_database("db"),
            Scope::for_container("db", "c"),
        ] {
            assert!(role.properties.can_be_assigned_at(&scope), "{scope}");
        }
    }
}

/// Without an ARM account id (an emulator), the built-in roles are assignable at `/`.
#[test]
fn built_in_roles_without_an_account_id_use_the_short_form() {
    let reader = built_in_data_reader("");
    assert_eq!(reader.properties.assignable_scopes, ["/"]);
    assert_eq!(
        reader.id,
        "/sqlRoleDefinitions/00000000-0000-0000-0000-000000000001"
    );
    assert!(
        reader
            .properties
            .can_be_assigned_at(&Scope::for_container("d", "c"))
    );
}

/// The built-in role definitions serialize to the JSON kept in `tests/snapshots/`.
#[test]
fn built_in_roles_match_their_snapshots() {
    insta::assert_json_snapshot!("data_reader", built_in_data_reader(ACCOUNT_ID));
    insta::assert_json_snapshot!("data_contributor", built_in_data_contributor(ACCOUNT_ID));
}

/// The account limits of seed 004.
#[test]
fn account_limits_match_seed_004() {
    assert_eq!(MAX_ROLE_DEFINITIONS_PER_ACCOUNT, 100);
    assert_eq!(MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT, 2_000);
}

// ---------------------------------------------------------------------------------------------
// Role definitions and assignments as ARM shows them
// ---------------------------------------------------------------------------------------------

/// ARM's role definition example round-trips unchanged, with its actions and scopes understood.
#[test]
fn arm_role_definition_round_trips() {
    let json = json!({
        "id": format!("{ACCOUNT_ID}/sqlRoleDefinitions/myRoleDefinitionId"),
        "name": "myRoleDefinitionId",
        "type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions",
        "properties": {
            "roleName": "myRoleName",
            "type": "CustomRole",
            "assignableScopes": [
                format!("{ACCOUNT_ID}/dbs/sales"),
                format!("{ACCOUNT_ID}/dbs/purchases")
            ],
            "permissions": [{
                "dataActions": [
                    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create",
                    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read"
                ],
                "notDataActions": []
            }]
        }
    });
    let role: RoleDefinition = serde_json::from_value(json.clone()).expect("ARM's shape");
    assert_eq!(serde_json::to_value(&role).expect("writes"), json);

    assert_eq!(role.properties.role_type, RoleType::CustomRole);
    assert_eq!(
        permitted_by(&role),
        BTreeSet::from([DataAction::CreateItem, DataAction::ReadItem])
    );
    assert!(
        role.properties
            .can_be_assigned_at(&Scope::for_container("sales", "orders"))
    );
    assert!(
        !role
            .properties
            .can_be_assigned_at(&Scope::for_database("hr"))
    );
    assert!(!role.properties.can_be_assigned_at(&Scope::Account));
}

/// A `PUT` body has only `properties`; it reads as a custom role and writes back unchanged.
#[test]
fn a_put_body_has_only_properties() {
    let json = json!({
        "properties": {
            "roleName": "Item reader",
            "type": "CustomRole",
            "assignableScopes": ["/"],
            "permissions": [{"dataActions": ["Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read"], "notDataActions": []}]
        }
    });
    let role: RoleDefinition = serde_json::from_value(json.clone()).expect("a PUT body");
    assert!(role.id.is_empty() && role.name.is_empty());
    assert_eq!(serde_json::to_value(&role).expect("writes"), json);

    let without_type: RoleDefinition = serde_json::from_value(json!({
        "properties": {"roleName": "r", "assignableScopes": ["/"], "permissions": [{"dataActions": []}]}
    }))
    .expect("type and notDataActions may be left out");
    assert_eq!(without_type.properties.role_type, RoleType::CustomRole);
    assert!(
        without_type.properties.permissions[0]
            .not_data_actions
            .is_empty()
    );
}

/// A role definition with a misspelt action is refused, and the error names the action.
#[test]
fn a_role_with_an_unknown_action_is_refused() {
    let error = serde_json::from_value::<RoleDefinition>(json!({
        "properties": {
            "roleName": "typo", "type": "CustomRole", "assignableScopes": ["/"],
            "permissions": [{"dataActions": ["Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/raed"]}]
        }
    }))
    .expect_err("raed is not an action");
    assert!(error.to_string().contains("items/raed"), "{error}");
}

/// `notDataActions` withdraws actions a wildcard granted.
#[test]
fn not_data_actions_subtract_from_data_actions() {
    let permission = RolePermission {
        data_actions: vec![DataActionPattern::AllItemActions],
        not_data_actions: vec![DataAction::DeleteItem.into()],
    };
    assert!(permission.permits(DataAction::UpsertItem));
    assert!(!permission.permits(DataAction::DeleteItem));
    assert!(!permission.permits(DataAction::ExecuteQuery));
}

/// ARM's role assignment example round-trips unchanged, and its role and scope can be read.
#[test]
fn arm_role_assignment_round_trips() {
    let json = json!({
        "id": format!("{ACCOUNT_ID}/sqlRoleAssignments/myRoleAssignmentId"),
        "name": "myRoleAssignmentId",
        "type": "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
        "properties": {
            "roleDefinitionId": format!("{ACCOUNT_ID}/sqlRoleDefinitions/{DATA_READER_ROLE_ID}"),
            "scope": format!("{ACCOUNT_ID}/dbs/purchases/colls/redmond-purchases"),
            "principalId": "myPrincipalId"
        }
    });
    let assignment: RoleAssignment = serde_json::from_value(json.clone()).expect("ARM's shape");
    assert_eq!(serde_json::to_value(&assignment).expect("writes"), json);

    assert_eq!(assignment.resource_type, ROLE_ASSIGNMENT_TYPE);
    assert_eq!(assignment.properties.principal_id, "myPrincipalId");
    assert_eq!(assignment.role_definition_name(), DATA_READER_ROLE_ID);
    assert_eq!(
        assignment.scope(),
        Ok(Scope::for_container("purchases", "redmond-purchases"))
    );
}

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

/// The three scope shapes parse, with or without one trailing slash, and print without it.
#[test]
fn the_three_scope_shapes_parse() {
    let cases = [
        ("/", Scope::Account, "/"),
        (
            "/dbs/my_database",
            Scope::for_database("my_database"),
            "/dbs/my_database",
        ),
        (
            "/dbs/my_database/",
            Scope::for_database("my_database"),
            "/dbs/my_database",
        ),
        (
            "/dbs/my_database/colls/my_container",
            Scope::for_container("my_database", "my_container"),
            "/dbs/my_database/colls/my_container",
        ),
        (
            "/dbs/Test DB/colls/c-1/",
            Scope::for_container("Test DB", "c-1"),
            "/dbs/Test DB/colls/c-1",
        ),
    ];
    for (text, scope, printed) in cases {
        assert_eq!(text.parse::<Scope>().as_ref(), Ok(&scope), "{text}");
        assert_eq!(scope.to_string(), printed);
    }
    let container = Scope::for_container("d", "c");
    assert_eq!(
        (container.database(), container.container()),
        (Some("d"), Some("c"))
    );
    assert_eq!(
        (Scope::Account.database(), Scope::Account.container()),
        (None, None)
    );
}

/// Anything else is refused with an error that lists the accepted shapes.
#[test]
fn other_shapes_are_refused() {
    assert_eq!("".parse::<Scope>(), Err(ScopeError::Empty));
    for text in [
        "dbs/db",
        "//",
        "/dbs",
        "/dbs/",
        "/dbs/db//",
        "/dbs/db/colls",
        "/dbs/db/colls/",
        "/dbs/db/users/u",
        "/DBS/db",
        "/dbs/db/colls/c/docs/item",
        "/colls/c",
        " /",
    ] {
        let error = text.parse::<Scope>().expect_err(text);
        assert_eq!(
            error,
            ScopeError::Unrecognized {
                scope: text.to_owned()
            }
        );
        assert!(
            error
                .to_string()
                .contains("/dbs/<database>/colls/<container>"),
            "{error}"
        );
    }
}

/// A scope whose names are not valid ids is refused with the id's own explanation.
#[test]
fn scopes_with_invalid_names_are_refused() {
    assert_eq!(
        "/dbs//colls/c".parse::<Scope>(),
        Err(ScopeError::InvalidName {
            scope: "/dbs//colls/c".to_owned(),
            source: ResourceIdError::Empty
        })
    );
    let error = "/dbs/a?b".parse::<Scope>().expect_err("? is forbidden");
    assert!(error.to_string().contains("'?'"), "{error}");
}

/// The account contains everything; a database contains itself and its containers; a container
/// contains only itself.
#[test]
fn containment_follows_the_hierarchy() {
    let account = Scope::Account;
    let sales = Scope::for_database("sales");
    let hr = Scope::for_database("hr");
    let orders = Scope::for_container("sales", "orders");
    let invoices = Scope::for_container("sales", "invoices");
    let hr_orders = Scope::for_container("hr", "orders");
    let all = [&account, &sales, &hr, &orders, &invoices, &hr_orders];

    for scope in all {
        assert!(account.contains(scope), "/ contains {scope}");
        assert!(scope.contains(scope), "{scope} contains itself");
    }
    assert!(sales.contains(&orders) && sales.contains(&invoices));
    assert!(!sales.contains(&hr) && !sales.contains(&hr_orders) && !sales.contains(&account));
    assert!(
        !orders.contains(&invoices) && !orders.contains(&sales) && !orders.contains(&hr_orders)
    );
    assert!(
        !Scope::for_database("Sales").contains(&orders),
        "names are case-sensitive"
    );
}

/// `parse_arm` reads fully qualified scopes, with ARM's case-insensitive fixed segments.
#[test]
fn parse_arm_reads_fully_qualified_scopes() {
    assert_eq!(Scope::parse_arm(ACCOUNT_ID), Ok(Scope::Account));
    assert_eq!(
        Scope::parse_arm(&format!("{ACCOUNT_ID}/")),
        Ok(Scope::Account)
    );
    assert_eq!(
        Scope::parse_arm(&format!("{ACCOUNT_ID}/dbs/sales")),
        Ok(Scope::for_database("sales"))
    );
    assert_eq!(
        Scope::parse_arm(&format!("{ACCOUNT_ID}/dbs/sales/colls/orders/")),
        Ok(Scope::for_container("sales", "orders"))
    );
    assert_eq!(
        Scope::parse_arm(
            "/SUBSCRIPTIONS/s/resourcegroups/rg/Providers/microsoft.documentdb/DatabaseAccounts/a/dbs/d"
        ),
        Ok(Scope::for_database("d"))
    );
    assert_eq!(
        Scope::parse_arm("/dbs/d"),
        Ok(Scope::for_database("d")),
        "short form too"
    );
}

/// `parse_arm` refuses a malformed account prefix or a bad remainder, and plain parsing refuses ARM ids.
#[test]
fn parse_arm_refuses_malformed_scopes() {
    for text in [
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/",
        "/subscriptions//resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/a",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
        &format!("{ACCOUNT_ID}/dbs"),
        &format!("{ACCOUNT_ID}//"),
        &format!("{ACCOUNT_ID}/colls/c"),
    ] {
        assert!(Scope::parse_arm(text).is_err(), "{text}");
    }
    assert!(ACCOUNT_ID.parse::<Scope>().is_err());
}

/// Scopes serialize as their short-form string and read back from it.
#[test]
fn scopes_serialize_as_strings() {
    let scope = Scope::for_container("d", "c");
    assert_eq!(
        serde_json::to_value(&scope).expect("writes"),
        json!("/dbs/d/colls/c")
    );
    assert_eq!(
        serde_json::from_value::<Scope>(json!("/dbs/d/colls/c/")).ok(),
        Some(scope)
    );
    assert!(serde_json::from_value::<Scope>(json!("/nowhere")).is_err());
}

proptest! {
    /// Parsing any text as a scope, either way, never panics, and an accepted scope prints back
    /// to text that parses to the same scope.
    #[test]
    fn scope_parsing_never_panics(text in any::<String>()) {
        if let Ok(scope) = text.parse::<Scope>() {
            prop_assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
        }
        let _ = Scope::parse_arm(&text);
    }

    /// Scope-shaped text with arbitrary names never panics either; this reaches the name checks.
    #[test]
    fn scope_shaped_text_never_panics(database in any::<String>(), container in any::<String>()) {
        let _ = format!("/dbs/{database}").parse::<Scope>();
        let _ = format!("/dbs/{database}/colls/{container}/").parse::<Scope>();
        let _ = Scope::parse_arm(&format!("{ACCOUNT_ID}/dbs/{database}/colls/{container}"));
    }

    /// Any data action name either parses or is refused, without panicking.
    #[test]
    fn data_action_parsing_never_panics(text in any::<String>()) {
        let _ = text.parse::<DataActionPattern>();
    }
}

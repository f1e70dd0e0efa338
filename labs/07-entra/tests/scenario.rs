//! The scenario that grades lab 7, for your copy (`labs/07-entra`) and the solution alike.
//!
//! The shop's owner (master key) creates database `shop` with containers `orders` and
//! `invoices`, and registers two applications with the emulator's identity provider: the order
//! service and the reporting job. Your role and assignments are applied through the account's
//! management API; each application then signs in with your client and is allowed exactly what
//! its role grants. A nightly export still signs with a read-only key and a kiosk with a resource
//! token: your audit query finds them before `disableLocalAuth` goes on, and finds the order
//! service's refused requests at the end.
//! Run it with `cargo lab check 7`; do not edit it — `cargo xtask grade` uses its own copy.

use cosmolab_client::{CosmosClient, Credential, KeyCredential, PartitionScope, ResourceTokens};
use cosmolab_lab_harness::{Lab, RegisteredApplication};
use cosmolab_model::{
    AuditRecord, Container, PartitionKeyDefinition, Permission, PermissionMode, Scope,
};
use lab_07_entra as lab;
use serde_json::{Value, json};

/// A principal for the steps that show your assignments as data: the same on every run, so every
/// character of them is checked.
const EXAMPLE_PRINCIPAL: &str = "11111111-2222-3333-4444-555555555555";

#[tokio::test]
async fn scenario() {
    // `None`: this target cannot run the lab (the reason is printed).
    let Some(lab) = Lab::start("07-entra").await else {
        return;
    };
    let mut t = lab.transcript();
    let admin = lab.admin();

    // The owner sets the scene with the master key.
    let owner = lab.owner_client().await;
    let shop = owner.database_client(lab::DATABASE);
    t.request_status(
        "owner: create database shop",
        owner.create_database(lab::DATABASE),
    )
    .await;
    for container in [lab::ORDERS, lab::INVOICES] {
        let definition = Container::new(container, PartitionKeyDefinition::hash("/customer"));
        t.request_status(
            &format!("owner: create container {container}"),
            shop.create_container(&definition),
        )
        .await;
    }
    let orders_as_owner = shop.container_client(lab::ORDERS);
    t.request_status(
        "owner: create order o-1 for alice",
        orders_as_owner.create_item(
            "alice",
            &json!({"id": "o-1", "customer": "alice", "total": 40}),
        ),
    )
    .await;
    t.request_status(
        "owner: create invoice i-1 for alice",
        shop.container_client(lab::INVOICES).create_item(
            "alice",
            &json!({"id": "i-1", "customer": "alice", "amount": 40}),
        ),
    )
    .await;
    let order_service = t
        .admin(
            "owner: register the application order-service",
            admin.register_application("order-service"),
        )
        .await;
    let order_service = lab.need(&t, order_service);
    let reporting = t
        .admin(
            "owner: register the application reporting",
            admin.register_application("reporting"),
        )
        .await;
    let reporting = lab.need(&t, reporting);

    // Your custom role, and its assignment at container scope.
    let role = t.compute_exact("the order clerk role", lab::order_clerk_role);
    t.admin(
        "owner: define the order clerk role",
        admin.put_role_definition(
            lab::ORDER_CLERK_ROLE_ID,
            serde_json::to_value(&role).unwrap_or_default(),
        ),
    )
    .await;
    t.compute_exact(
        "the order clerk assignment, for an example principal",
        || lab::order_clerk_assignment(EXAMPLE_PRINCIPAL),
    );
    let assignment = lab::order_clerk_assignment(&order_service.object_id);
    t.admin(
        "owner: assign it to order-service",
        admin.assign_role(
            "order-service-clerk",
            &assignment.role_definition_id,
            &assignment.scope,
            &order_service.object_id,
        ),
    )
    .await;
    // An assignment beyond the role's assignable scopes is refused by the service itself.
    t.admin(
        "owner: assign it to order-service on the whole database",
        admin.assign_role(
            "order-service-too-wide",
            &assignment.role_definition_id,
            &Scope::for_database(lab::DATABASE).to_string(),
            &order_service.object_id,
        ),
    )
    .await;

    // The order service, signed in with your client.
    let order_client = app_client_step(&mut t, &lab, "order-service", &order_service);
    let order_client = lab.need(&t, order_client);
    let orders = order_client
        .database_client(lab::DATABASE)
        .container_client(lab::ORDERS);
    t.request_status(
        "order-service: create order o-2 for bob",
        orders.create_item("bob", &json!({"id": "o-2", "customer": "bob", "total": 15})),
    )
    .await;
    t.request(
        "order-service: read order o-1",
        orders.read_item::<Value>("alice", "o-1"),
    )
    .await;
    t.outcome(
        "order-service: query alice's orders",
        orders
            .query_items::<Value>(
                "SELECT c.id, c.total FROM c WHERE c.customer = 'alice'",
                PartitionScope::from("alice"),
            )
            .collect_items(),
    )
    .await;
    t.request_status(
        "order-service: delete order o-1",
        orders.delete_item("alice", "o-1"),
    )
    .await;
    t.request_status(
        "order-service: read invoice i-1",
        order_client
            .database_client(lab::DATABASE)
            .container_client(lab::INVOICES)
            .read_item::<Value>("alice", "i-1"),
    )
    .await;
    t.request_status(
        "order-service: create database archive",
        order_client.create_database("archive"),
    )
    .await;

    // The reporting job, with a built-in role on the whole database.
    t.compute_exact("the reporting assignment, for an example principal", || {
        lab::reporting_assignment(EXAMPLE_PRINCIPAL)
    });
    let assignment = lab::reporting_assignment(&reporting.object_id);
    t.admin(
        "owner: assign it to reporting",
        admin.assign_role(
            "reporting-reader",
            &assignment.role_definition_id,
            &assignment.scope,
            &reporting.object_id,
        ),
    )
    .await;
    let reporting_client = app_client_step(&mut t, &lab, "reporting", &reporting);
    let reporting_client = lab.need(&t, reporting_client);
    let reporting_shop = reporting_client.database_client(lab::DATABASE);
    t.outcome(
        "reporting: query every invoice",
        reporting_shop
            .container_client(lab::INVOICES)
            .query_items::<Value>(
                "SELECT c.id, c.amount FROM c",
                PartitionScope::CrossPartition,
            )
            .collect_items(),
    )
    .await;
    t.request(
        "reporting: read order o-2",
        reporting_shop
            .container_client(lab::ORDERS)
            .read_item::<Value>("bob", "o-2"),
    )
    .await;
    t.request_status(
        "reporting: create invoice i-2",
        reporting_shop.container_client(lab::INVOICES).create_item(
            "bob",
            &json!({"id": "i-2", "customer": "bob", "amount": 15}),
        ),
    )
    .await;

    // Two clients still authenticate locally: a nightly export with the secondary read-only key,
    // and a kiosk with a resource token.
    let keys = lab.keys().await;
    let export = KeyCredential::from_base64(&keys.secondary_readonly_master_key)
        .and_then(|key| CosmosClient::new(lab.endpoint(), Credential::ReadOnlyKey(key)));
    let export = lab.need(&t, export.ok());
    let export_orders = export
        .database_client(lab::DATABASE)
        .container_client(lab::ORDERS);
    t.request_status(
        "nightly export (read-only key): read order o-1",
        export_orders.read_item::<Value>("alice", "o-1"),
    )
    .await;
    t.request_status("owner: create user kiosk", shop.upsert_user("kiosk"))
        .await;
    let permission = Permission::new(
        "read-orders",
        PermissionMode::Read,
        format!("dbs/{}/colls/{}", lab::DATABASE, lab::ORDERS),
    );
    let granted = t
        .request_status(
            "owner: give kiosk a Read permission on orders",
            shop.user_client("kiosk").upsert_permission(&permission),
        )
        .await;
    let granted = lab.need(&t, granted);
    let kiosk = CosmosClient::new(
        lab.endpoint(),
        Credential::ResourceTokens(ResourceTokens::from_permissions([&granted])),
    );
    let kiosk = lab.need(&t, kiosk.ok());
    let kiosk_orders = kiosk
        .database_client(lab::DATABASE)
        .container_client(lab::ORDERS);
    t.request_status(
        "kiosk (resource token): read order o-1",
        kiosk_orders.read_item::<Value>("alice", "o-1"),
    )
    .await;

    // Your audit query, then local authentication off.
    let records = t
        .admin("owner: read the audit log", async {
            admin.audit().await.map(Unshown)
        })
        .await;
    let Unshown(records) = lab.need(&t, records);
    t.compute("who still authenticates with a key or a token", || {
        lab::local_auth_users(&records)
    });
    t.admin(
        "owner: turn disableLocalAuth on",
        admin.set_disable_local_auth(true),
    )
    .await;
    t.request_status(
        "owner (master key): read order o-1",
        orders_as_owner.read_item::<Value>("alice", "o-1"),
    )
    .await;
    t.request_status(
        "nightly export (read-only key): read order o-1",
        export_orders.read_item::<Value>("alice", "o-1"),
    )
    .await;
    t.request_status(
        "kiosk (resource token): read order o-1",
        kiosk_orders.read_item::<Value>("alice", "o-1"),
    )
    .await;
    t.request_status(
        "order-service: create order o-3 for carol",
        orders.create_item(
            "carol",
            &json!({"id": "o-3", "customer": "carol", "total": 7}),
        ),
    )
    .await;

    // A role assignment, unlike a resource token, is withdrawn at once.
    t.admin(
        "owner: delete order-service's assignment",
        admin.delete_role_assignment("order-service-clerk"),
    )
    .await;
    t.request_status(
        "order-service: read order o-2",
        orders.read_item::<Value>("bob", "o-2"),
    )
    .await;

    // Your audit query again: what was the order service refused, and why?
    let records = t
        .admin("owner: read the audit log again", async {
            admin.audit().await.map(Unshown)
        })
        .await;
    let Unshown(records) = lab.need(&t, records);
    t.compute(
        "order-service's refused requests, from the audit log",
        || {
            lab::refused_requests(&records, &order_service.object_id)
                .iter()
                .map(summary)
                .collect::<Vec<_>>()
        },
    );

    // Leave the account as it was found: a shared account must not stay locked to keys.
    t.admin(
        "owner: turn disableLocalAuth off",
        admin.set_disable_local_auth(false),
    )
    .await;
    lab.finish(&t);
}

/// Step 4 for one application: your `app_client`, and whether it built.
fn app_client_step(
    t: &mut cosmolab_lab_harness::Transcript,
    lab: &Lab,
    name: &str,
    application: &RegisteredApplication,
) -> Option<CosmosClient> {
    let client = lab::app_client(
        lab.endpoint(),
        &application.tenant_id,
        &application.client_id,
        &application.client_secret,
    );
    t.note(
        &format!("{name}'s client, signing in with its client secret"),
        match &client {
            Ok(_) => "built".to_owned(),
            Err(error) => format!("not built: {error}"),
        },
    );
    client.ok()
}

/// The parts of an audit record that say what happened (its time and activity id change on every
/// run).
fn summary(record: &AuditRecord) -> Value {
    json!({
        "operation": record.operation,
        "resourceLink": record.resource_link,
        "statusCode": record.status_code,
        "authType": record.auth_type,
        "denyReason": record.deny_reason,
    })
}

/// A value a step produced but does not show (the audit log: times and activity ids change on
/// every run); the step records `done`.
struct Unshown<T>(T);

impl<T> serde::Serialize for Unshown<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

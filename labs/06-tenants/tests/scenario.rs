//! The scenario that grades lab 6, for your copy (`labs/06-tenants`) and the solution alike.
//!
//! Seed 002's vendor/tenant story: the vendor (master key) sets up database `saas` — a container
//! per tenant, a shared `orders` container partitioned by `/tenant`, a `catalog`, and two
//! `announcements` — then grants tenants fabrikam and contoso their permission lists with your
//! code, and reads back what the service stored. Fabrikam's software, holding only its tokens,
//! works with its data and is refused everyone else's: by its own client when no token covers a
//! request, and by the emulator when the same request is sent by hand with a token that does not.
//! Run it with `cargo lab check 6`; do not edit it — `cargo xtask grade` uses its own copy.

use std::time::SystemTime;

use cosmolab_auth_signing::{encode_header_value, format_http_date};
use cosmolab_client::{CosmosClient, Credential, DatabaseClient, ResourceTokens};
use cosmolab_lab_harness::Lab;
use cosmolab_model::{
    Container, PartitionKeyDefinition, Permission, PermissionMode, ResourceToken, StoredProcedure,
};
use lab_06_tenants as lab;
use serde_json::{Value, json};

#[tokio::test]
async fn scenario() {
    // `None`: this target cannot run the lab (the reason is printed).
    let Some(lab) = Lab::start("06-tenants").await else {
        return;
    };
    let mut t = lab.transcript();

    // The vendor sets the scene with the master key.
    let owner = lab.owner_client().await;
    let saas = owner.database_client(lab::DATABASE);
    t.request_status(
        "vendor: create database saas",
        owner.create_database(lab::DATABASE),
    )
    .await;
    for (container, partition_key) in [
        ("tenant-fabrikam", "/id"),
        ("tenant-contoso", "/id"),
        ("orders", "/tenant"),
        ("catalog", "/id"),
        ("announcements", "/id"),
    ] {
        let definition = Container::new(container, PartitionKeyDefinition::hash(partition_key));
        t.request_status(
            &format!("vendor: create container {container}"),
            saas.create_container(&definition),
        )
        .await;
    }
    let seed = [
        (
            "tenant-contoso",
            "settings",
            json!({"id": "settings", "theme": "blue"}),
        ),
        (
            "orders",
            "contoso",
            json!({"id": "c-1", "tenant": "contoso", "total": 90}),
        ),
        ("catalog", "widget", json!({"id": "widget", "price": 12})),
        (
            "announcements",
            "welcome",
            json!({"id": "welcome", "text": "Welcome aboard"}),
        ),
        (
            "announcements",
            "roadmap",
            json!({"id": "roadmap", "text": "Internal plans"}),
        ),
    ];
    for (container, partition_key, item) in seed {
        t.request_status(
            &format!(
                "vendor: create {} in {container}",
                item["id"].as_str().unwrap_or("?")
            ),
            saas.container_client(container)
                .create_item(partition_key, &item),
        )
        .await;
    }

    // Your code: the list, the grant, the tenant's client.
    t.compute("fabrikam's permission list", || {
        lab::permissions_for("fabrikam")
    });
    let granted = t
        .outcome(
            "vendor: grant fabrikam its permissions",
            lab::grant_tenant(&saas, "fabrikam"),
        )
        .await;
    t.outcome(
        "vendor: grant contoso its permissions (another user, the same ids)",
        lab::grant_tenant(&saas, "contoso"),
    )
    .await;
    let granted = lab.need(&t, granted);
    // Seed 003's permission feed, read with the master key: what the service now stores. Both
    // users have an `own-container`: permission ids are unique per user, not per database.
    t.outcome(
        "vendor: the permission ids of each tenant, from its permission feed",
        async {
            let mut ids = serde_json::Map::new();
            for tenant in ["fabrikam", "contoso"] {
                let stored = saas
                    .user_client(tenant)
                    .permissions()
                    .collect_items()
                    .await?;
                let mut names: Vec<String> = stored.into_iter().map(|p| p.id).collect();
                names.sort();
                ids.insert(tenant.to_owned(), json!(names));
            }
            Ok(Value::Object(ids))
        },
    )
    .await;
    let client = lab::tenant_client(lab.endpoint(), &granted);
    t.note(
        "fabrikam's client, from its four tokens",
        match &client {
            Ok(_) => "built".to_owned(),
            Err(error) => format!("not built: {error}"),
        },
    );
    let fabrikam = lab.need(&t, client.ok());
    let db = fabrikam.database_client(lab::DATABASE);

    // Its own container: everything.
    let own = db.container_client("tenant-fabrikam");
    let settings = json!({"id": "settings", "theme": "green"});
    t.request_status(
        "fabrikam: create its settings in tenant-fabrikam",
        own.create_item("settings", &settings),
    )
    .await;
    t.request(
        "fabrikam: read them back",
        own.read_item::<Value>("settings", "settings"),
    )
    .await;

    // The shared orders container: its partition only.
    let orders = db.container_client("orders");
    let order = json!({"id": "f-1", "tenant": "fabrikam", "total": 30});
    t.request_status(
        "fabrikam: create an order in its partition",
        orders.create_item("fabrikam", &order),
    )
    .await;
    t.request_status(
        "fabrikam: read contoso's order",
        orders.read_item::<Value>("contoso", "c-1"),
    )
    .await;

    // Read-only and single-document scopes.
    let catalog = db.container_client("catalog");
    t.request(
        "fabrikam: read the catalog's widget",
        catalog.read_item::<Value>("widget", "widget"),
    )
    .await;
    let cheaper = json!({"id": "widget", "price": 1});
    t.request_status(
        "fabrikam: change the widget's price",
        catalog.replace_item("widget", "widget", &cheaper),
    )
    .await;
    let announcements = db.container_client("announcements");
    t.request(
        "fabrikam: read the welcome announcement",
        announcements.read_item::<Value>("welcome", "welcome"),
    )
    .await;
    // The roadmap: no token of fabrikam's covers it, so its client does not even send the
    // request. A token is only a string, though: sent by hand with the welcome document's token,
    // the request reaches the emulator, which refuses it itself.
    t.request_status(
        "fabrikam: read the roadmap announcement",
        announcements.read_item::<Value>("roadmap", "roadmap"),
    )
    .await;
    let welcome_token = lab.need(&t, token_of(&granted, "welcome"));
    t.http(
        "fabrikam, by hand with the welcome document's token: read the roadmap",
        read_by_hand(
            &lab,
            &welcome_token,
            "announcements/docs/roadmap",
            "roadmap",
        ),
        false,
    )
    .await;

    // Another tenant's container: the same two refusals, the client's and the emulator's.
    t.request_status(
        "fabrikam: read contoso's settings",
        db.container_client("tenant-contoso")
            .read_item::<Value>("settings", "settings"),
    )
    .await;
    let own_token = lab.need(&t, token_of(&granted, "own-container"));
    t.http(
        "fabrikam, by hand with its own container's token: read contoso's settings",
        read_by_hand(&lab, &own_token, "tenant-contoso/docs/settings", "settings"),
        false,
    )
    .await;

    // Stored procedures (seed 003): the vendor's `place-order` places an order in the partition
    // it is run for. A permission can name the procedure itself; which mode runs it?
    let place_order = "function placeOrder(order) {
        var collection = getContext().getCollection();
        collection.createDocument(collection.getSelfLink(), order, function (err, created) {
            if (err) throw err;
            getContext().getResponse().setBody({placed: created.id});
        });
    }";
    let vendor_orders = saas.container_client("orders");
    t.request_status(
        "vendor: create the stored procedure place-order in orders",
        vendor_orders.create_stored_procedure(&StoredProcedure::new(lab::PLACE_ORDER, place_order)),
    )
    .await;
    let procedure_link = format!(
        "dbs/{}/colls/orders/sprocs/{}",
        lab::DATABASE,
        lab::PLACE_ORDER
    );
    let read_only = Permission::new(lab::PLACE_ORDER, PermissionMode::Read, &procedure_link);
    let read_grant = t
        .outcome(
            "vendor: grant fabrikam Read on place-order",
            upsert_permission(&saas, "fabrikam", &read_only),
        )
        .await;
    let reader = lab.need(
        &t,
        read_grant.and_then(|granted| procedure_client(&lab, granted)),
    );
    let reader_orders = reader
        .database_client(lab::DATABASE)
        .container_client("orders");
    t.request_status(
        "fabrikam (Read on the procedure): read its definition",
        reader_orders.read_stored_procedure(lab::PLACE_ORDER),
    )
    .await;
    let order = json!({"id": "f-2", "tenant": "fabrikam", "total": 15});
    t.request_status(
        "fabrikam (Read on the procedure): run it in its partition",
        reader_orders.execute_stored_procedure::<Value>(
            lab::PLACE_ORDER,
            "fabrikam",
            std::slice::from_ref(&order),
        ),
    )
    .await;

    // Your permission replaces the Read one (same id, same resource).
    let permission = t.compute("fabrikam's procedure permission", || {
        lab::procedure_permission("fabrikam")
    });
    let run_grant = t
        .outcome(
            "vendor: grant fabrikam your procedure permission",
            upsert_permission(&saas, "fabrikam", &permission),
        )
        .await;
    let runner = lab.need(
        &t,
        run_grant.and_then(|granted| procedure_client(&lab, granted)),
    );
    let runner_orders = runner
        .database_client(lab::DATABASE)
        .container_client("orders");
    t.request(
        "fabrikam (your permission): run it in its partition",
        runner_orders.execute_stored_procedure::<Value>(lab::PLACE_ORDER, "fabrikam", &[order]),
    )
    .await;
    let for_contoso = json!({"id": "f-3", "tenant": "contoso", "total": 1});
    t.request_status(
        "fabrikam (your permission): run it in contoso's partition",
        runner_orders.execute_stored_procedure::<Value>(
            lab::PLACE_ORDER,
            "contoso",
            &[for_contoso],
        ),
    )
    .await;

    lab.finish(&t);
}

/// The vendor upserts `permission` for `tenant` and returns it as stored, with its token.
async fn upsert_permission(
    saas: &DatabaseClient,
    tenant: &str,
    permission: &Permission,
) -> cosmolab_client::Result<Permission> {
    Ok(saas
        .user_client(tenant)
        .upsert_permission(permission)
        .await?
        .into_resource())
}

/// A client holding only the token of `granted`.
fn procedure_client(lab: &Lab, granted: Permission) -> Option<CosmosClient> {
    let tokens = ResourceTokens::from_permissions(&[granted]);
    CosmosClient::new(lab.endpoint(), Credential::ResourceTokens(tokens)).ok()
}

/// The token of the granted permission `id`, if your `grant_tenant` returned it (without it, the
/// scenario stops and reports the first step that differs from the solution's).
fn token_of(granted: &[Permission], id: &str) -> Option<ResourceToken> {
    granted
        .iter()
        .find(|permission| permission.id == id)?
        .token
        .clone()
}

/// A read of `dbs/saas/colls/<path>` built by hand with `token`, as anyone holding that token
/// could send it — whether or not the token covers the item.
fn read_by_hand(
    lab: &Lab,
    token: &ResourceToken,
    path: &str,
    partition_key: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(format!(
            "{}dbs/{}/colls/{path}",
            lab.endpoint(),
            lab::DATABASE
        ))
        .header("x-ms-date", format_http_date(SystemTime::now()))
        .header("x-ms-version", "2020-07-15")
        .header(
            "x-ms-documentdb-partitionkey",
            json!([partition_key]).to_string(),
        )
        .header("authorization", encode_header_value(token.expose_secret()))
}

//! The scenario that grades lab 6, for your copy (`labs/06-tenants`) and the solution alike.
//!
//! Seed 002's vendor/tenant story: the vendor (master key) sets up database `saas` — a container
//! per tenant, a shared `orders` container partitioned by `/tenant`, a `catalog`, and two
//! `announcements` — then grants tenant fabrikam its permission list with your code. Fabrikam's
//! software, holding only those tokens, works with its data and is refused everyone else's.
//! Run it with `cargo lab check 6`; do not edit it — `cargo xtask grade` uses its own copy.

use std::time::SystemTime;

use cosmolab_auth_signing::{encode_header_value, format_http_date};
use cosmolab_lab_harness::Lab;
use cosmolab_model::{Container, PartitionKeyDefinition};
use lab_06_tenants as lab;
use serde_json::{Value, json};

#[tokio::test]
async fn scenario() {
    let lab = Lab::start("06-tenants").await;
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
    t.request_status(
        "fabrikam: read the roadmap announcement",
        announcements.read_item::<Value>("roadmap", "roadmap"),
    )
    .await;

    // Another tenant's container.
    t.request_status(
        "fabrikam: read contoso's settings",
        db.container_client("tenant-contoso")
            .read_item::<Value>("settings", "settings"),
    )
    .await;

    // The client would not send that. Sent by hand with fabrikam's own-container token, the
    // emulator refuses it itself.
    let own_token = granted[0]
        .token
        .clone()
        .expect("a granted permission carries its token");
    let by_hand = reqwest::Client::new()
        .get(format!(
            "{}dbs/saas/colls/tenant-contoso/docs/settings",
            lab.endpoint()
        ))
        .header("x-ms-date", format_http_date(SystemTime::now()))
        .header("x-ms-version", "2020-07-15")
        .header("x-ms-documentdb-partitionkey", r#"["settings"]"#)
        .header(
            "authorization",
            encode_header_value(own_token.expose_secret()),
        );
    t.http(
        "fabrikam, by hand with its own container's token: read contoso's settings",
        by_hand,
        false,
    )
    .await;

    lab.finish(&t);
}

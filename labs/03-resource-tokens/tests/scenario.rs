//! The scenario that grades lab 3, for your copy (`labs/03-resource-tokens`) and the solution alike.
//!
//! Seed 000's sample, step by step: the back-end (master key) creates `my_database`, the container
//! `my_container` partitioned on `/key` with one item in partition "1" and one in partition "2",
//! then grants "Test User" your permission — twice, since a back-end grants on every request. The
//! app, holding only the token, works with partition "1" and is refused everything else.
//! Run it with `cargo lab check 3`; do not edit it — `cargo xtask grade` uses its own copy.

use std::time::SystemTime;

use cosmolab_auth_signing::{encode_header_value, format_http_date};
use cosmolab_client::PartitionScope;
use cosmolab_lab_harness::Lab;
use cosmolab_model::{Container, PartitionKeyDefinition};
use lab_03_resource_tokens as lab;
use serde_json::{Value, json};

#[tokio::test]
async fn scenario() {
    // `None`: this target cannot run the lab (the reason is printed).
    let Some(lab) = Lab::start("03-resource-tokens").await else {
        return;
    };
    let mut t = lab.transcript();

    // The back-end sets the scene with the master key.
    let owner = lab.owner_client().await;
    let database = owner.database_client("my_database");
    t.request_status(
        "back-end: create database my_database",
        owner.create_database("my_database"),
    )
    .await;
    let container = Container::new("my_container", PartitionKeyDefinition::hash("/key"));
    t.request_status(
        "back-end: create container my_container, partitioned on /key",
        database.create_container(&container),
    )
    .await;
    let items = database.container_client("my_container");
    for (id, key) in [("item-1", "1"), ("item-2", "2")] {
        let item = json!({"id": id, "key": key, "owner": format!("partition {key}")});
        t.request_status(
            &format!("back-end: create {id} in partition \"{key}\""),
            items.create_item(key, &item),
        )
        .await;
    }

    // Your code: the permission, the grant, the app's client.
    let permission = t.compute("your permission definition", || {
        lab::partition_permission("my_all_permission", "my_database", "my_container", "1")
    });
    t.outcome(
        "back-end: grant it to \"Test User\"",
        lab::grant(&database, "Test User", &permission),
    )
    .await;
    let granted = t
        .outcome(
            "back-end: grant it again (the next time the app asks)",
            lab::grant(&database, "Test User", &permission),
        )
        .await;
    let granted = lab.need(&t, granted);
    let app = lab::app_client(lab.endpoint(), &granted);
    t.note(
        "the app's client, from the token alone",
        match &app {
            Ok(_) => "built".to_owned(),
            Err(error) => format!("not built: {error}"),
        },
    );
    let app = lab.need(&t, app.ok());
    let app_items = app
        .database_client("my_database")
        .container_client("my_container");

    // The app, in its partition: seed 000's operations.
    t.request(
        "app: read item-1 in partition \"1\"",
        app_items.read_item::<Value>("1", "item-1"),
    )
    .await;
    let upserted = json!({"id": "item-1", "key": "1", "owner": "partition 1", "note": "upserted"});
    t.request_status("app: upsert item-1", app_items.upsert_item("1", &upserted))
        .await;
    let created = json!({"id": "item-3", "key": "1", "owner": "partition 1"});
    t.request_status(
        "app: create item-3 in partition \"1\"",
        app_items.create_item("1", &created),
    )
    .await;
    t.outcome(
        "app: query partition \"1\"",
        app_items
            .query_items::<Value>("SELECT c.id, c.note FROM c", PartitionScope::from("1"))
            .collect_items(),
    )
    .await;
    t.request_status("app: delete item-3", app_items.delete_item("1", "item-3"))
        .await;

    // Everything else is refused.
    t.request(
        "app: read item-2 in partition \"2\"",
        app_items.read_item::<Value>("2", "item-2"),
    )
    .await;
    let intruder = json!({"id": "item-4", "key": "2"});
    t.request_status(
        "app: create an item in partition \"2\"",
        app_items.create_item("2", &intruder),
    )
    .await;
    t.outcome(
        "app: query every partition",
        app_items
            .query_items::<Value>("SELECT c.id FROM c", PartitionScope::CrossPartition)
            .collect_items(),
    )
    .await;
    t.request_status("app: create a database", app.create_database("mine"))
        .await;
    t.outcome(
        "app: list the users of my_database",
        app.database_client("my_database").users().collect_items(),
    )
    .await;

    // The client above refused to send what no token covers. The service does not rely on that:
    // the token, sent by hand with a database creation, is refused by the emulator itself.
    let token = granted
        .token
        .clone()
        .expect("a granted permission carries its token");
    let by_hand = reqwest::Client::new()
        .post(format!("{}dbs", lab.endpoint()))
        .header("x-ms-date", format_http_date(SystemTime::now()))
        .header("x-ms-version", "2020-07-15")
        .header("authorization", encode_header_value(token.expose_secret()))
        .json(&json!({"id": "mine"}));
    t.http(
        "app, sending its token by hand: create a database",
        by_hand,
        false,
    )
    .await;

    lab.finish(&t);
}

//! Resource tokens: a trusted back-end (holding the master key) grants an application user
//! permissions, and the application works with the permissions' tokens alone — inside their scope
//! and nowhere else.
//!
//! Run with: `cargo run -p cosmolab-client --example resource_tokens`

use std::time::Duration;

use cosmolab_client::{CosmosClient, Credential, KeyCredential, PartitionScope, ResourceTokens};
use cosmolab_emulator::{Emulator, KeyKind};
use cosmolab_model::{Container, PartitionKey, PartitionKeyDefinition, Permission, PermissionMode};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let emulator = Emulator::builder().start().await?;

    // ── The back-end, with the master key ────────────────────────────────────────────────────
    let backend = CosmosClient::new(
        emulator.endpoint(),
        Credential::MasterKey(KeyCredential::new(emulator.key(KeyKind::Primary))),
    )?;
    backend.create_database("shop").await?;
    let shop = backend.database_client("shop");
    for container in ["orders", "catalog"] {
        shop.create_container(&Container::new(
            container,
            PartitionKeyDefinition::hash("/customer"),
        ))
        .await?;
    }
    let orders = shop.container_client("orders");
    orders
        .create_item("alice", &json!({"id": "order-1", "customer": "alice"}))
        .await?;
    orders
        .create_item("bob", &json!({"id": "order-2", "customer": "bob"}))
        .await?;
    shop.container_client("catalog")
        .create_item(
            "all",
            &json!({"id": "lamp", "customer": "all", "price": 30}),
        )
        .await?;

    // A user for alice, with two permissions: all of her own orders, and reading the catalog.
    shop.create_user("alice").await?;
    let alice = shop
        .user_client("alice")
        .with_token_lifetime(Duration::from_secs(900));
    let mut her_orders = Permission::new("orders", PermissionMode::All, orders.link());
    her_orders.resource_partition_key = Some(PartitionKey::from("alice"));
    let catalog = Permission::new("catalog", PermissionMode::Read, "dbs/shop/colls/catalog");
    let granted = [
        alice.create_permission(&her_orders).await?.into_resource(),
        alice.create_permission(&catalog).await?.into_resource(),
    ];
    // The back-end hands these tokens to alice's application (over TLS, after signing her in).
    let tokens = ResourceTokens::from_permissions(&granted);
    println!("tokens handed out: {tokens:?}");

    // ── The application, with the tokens only ───────────────────────────────────────────────
    let app = CosmosClient::new(
        emulator.endpoint(),
        Credential::ResourceTokens(tokens.clone()),
    )?;
    let app_orders = app.database_client("shop").container_client("orders");
    let mine = app_orders.read_item::<Value>("alice", "order-1").await?;
    println!("alice reads her order: {}", mine.status());
    let created = app_orders
        .create_item("alice", &json!({"id": "order-3", "customer": "alice"}))
        .await?;
    println!("alice creates an order: {}", created.status());
    let lamps = app
        .database_client("shop")
        .container_client("catalog")
        .read_items::<Value>(PartitionScope::CrossPartition)
        .collect_items()
        .await?;
    println!(
        "alice reads the catalog (with the other token): {} item(s)",
        lamps.len()
    );

    // Outside the permissions: refused by the service, with the rule named.
    for (what, outcome) in [
        (
            "bob's order",
            app_orders
                .read_item::<Value>("bob", "order-2")
                .await
                .map(|_| ()),
        ),
        (
            "a catalog write",
            app.database_client("shop")
                .container_client("catalog")
                .create_item("all", &json!({"id": "chair", "customer": "all"}))
                .await
                .map(|_| ()),
        ),
        (
            "the list of databases",
            app.databases().collect_items().await.map(|_| ()),
        ),
    ] {
        let error = outcome.unwrap_err();
        match error.status() {
            Some(status) => {
                println!("alice tries {what}: {status}");
                println!("  deny reason: {}", error.deny_reason().unwrap_or("-"));
            }
            // No token covers it: the client refuses before sending anything.
            None => println!("alice tries {what}: not sent: {error}"),
        }
    }

    // Tokens expire; the back-end reads the permissions again (fresh tokens) and swaps them into
    // the application's handle — the same client carries on.
    let fresh = alice.permissions().collect_items().await?;
    tokens.replace_all(
        fresh
            .into_iter()
            .filter_map(|p| Some((p.resource, p.token?))),
    );
    let again = app_orders.read_item::<Value>("alice", "order-1").await?;
    println!("after swapping in fresh tokens: {}", again.status());
    Ok(())
}

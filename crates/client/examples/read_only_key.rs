//! A read-only key: reads and queries work, and every write is refused with a 401 — the same
//! answer as a wrong key, which is how the service treats it.
//!
//! Run with: `cargo run -p cosmolab-client --example read_only_key`

use cosmolab_client::{CosmosClient, Credential, KeyCredential, PartitionScope};
use cosmolab_emulator::{Emulator, KeyKind};
use cosmolab_model::{Container, PartitionKeyDefinition};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let emulator = Emulator::builder().start().await?;

    // The owner sets up some data with the primary key.
    let owner = CosmosClient::new(
        emulator.endpoint(),
        Credential::MasterKey(KeyCredential::new(emulator.key(KeyKind::Primary))),
    )?;
    owner.create_database("shop").await?;
    let shop = owner.database_client("shop");
    shop.create_container(&Container::new(
        "orders",
        PartitionKeyDefinition::hash("/customer"),
    ))
    .await?;
    shop.container_client("orders")
        .create_item(
            "alice",
            &json!({"id": "order-1", "customer": "alice", "total": 10}),
        )
        .await?;

    // A reporting job gets the read-only key: enough to read, query and list.
    let reader = CosmosClient::new(
        emulator.endpoint(),
        Credential::ReadOnlyKey(KeyCredential::new(emulator.key(KeyKind::PrimaryReadonly))),
    )?;
    let orders = reader.database_client("shop").container_client("orders");
    let order = orders.read_item::<Value>("alice", "order-1").await?;
    println!("read order-1: {} → {}", order.status(), order.resource());
    let count = orders
        .query_items::<u64>(
            "SELECT VALUE COUNT(1) FROM c",
            PartitionScope::CrossPartition,
        )
        .collect_items()
        .await?;
    println!("orders in the container: {count:?}");

    // A write signed with a read-only key is answered like a wrong key.
    let refused = orders
        .create_item("alice", &json!({"id": "order-2", "customer": "alice"}))
        .await
        .unwrap_err();
    println!(
        "create with the read-only key: {}",
        refused.status().unwrap_or_default()
    );
    println!("  the service says: {}", refused.message());
    println!(
        "  the emulator's deny reason: {}",
        refused.deny_reason().unwrap_or("-")
    );

    // And users (which hold permissions) are off limits altogether.
    let users = reader
        .database_client("shop")
        .users()
        .collect_items()
        .await
        .unwrap_err();
    println!(
        "list users with the read-only key: {}",
        users.status().unwrap_or_default()
    );
    Ok(())
}

//! A master key: the account owner's credential — create, read, query, update with an ETag, and
//! rotate to the secondary key without rebuilding the client.
//!
//! Run with: `cargo run -p cosmolab-client --example master_key`

use cosmolab_client::{CosmosClient, Credential, KeyCredential, PartitionScope, Query};
use cosmolab_emulator::{Emulator, KeyKind};
use cosmolab_model::{Container, PartitionKeyDefinition};
use serde::{Deserialize, Serialize};

/// The application's own item type: any serde type will do.
#[derive(Debug, Serialize, Deserialize)]
struct Order {
    id: String,
    customer: String,
    total: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // An in-process emulator on a free port; against Azure this would be the account's endpoint
    // and a key from the portal (kept in a secret store, never in code).
    let emulator = Emulator::builder().start().await?;
    let primary = emulator.keys().primary_master_key;

    // A master key signs every request; the key itself never leaves the process.
    let key = KeyCredential::from_base64(&primary)?;
    let client = CosmosClient::new(emulator.endpoint(), Credential::MasterKey(key.clone()))?;
    println!("client: {client:?}");

    client.create_database("shop").await?;
    let shop = client.database_client("shop");
    shop.create_container(&Container::new(
        "orders",
        PartitionKeyDefinition::hash("/customer"),
    ))
    .await?;
    let orders = shop.container_client("orders");

    for (id, customer, total) in [
        ("order-1", "alice", 10),
        ("order-2", "alice", 20),
        ("order-3", "bob", 30),
    ] {
        let order = Order {
            id: id.into(),
            customer: customer.into(),
            total,
        };
        // The partition key comes first: it decides where the item lives.
        let created = orders.create_item(customer, &order).await?;
        println!(
            "created {id}: {} ({} RU)",
            created.status(),
            created.request_charge()
        );
    }

    // Optimistic concurrency: replace only if nobody wrote since we read.
    let read = orders.read_item::<Order>("alice", "order-1").await?;
    let etag = read.etag().unwrap_or_default().to_owned();
    let mut order = read.into_resource();
    order.total += 5;
    let replaced = orders
        .replace_item_if_match("alice", "order-1", &order, &etag)
        .await?;
    println!("replaced order-1 at version {etag}: {}", replaced.status());
    let stale = orders
        .replace_item_if_match("alice", "order-1", &order, &etag)
        .await;
    println!(
        "replaced again with the old version: {}",
        stale.unwrap_err()
    );

    // A parameterised query across every partition.
    let query = Query::new("SELECT * FROM c WHERE c.total >= @min ORDER BY c.total")
        .with_parameter("@min", 15);
    for order in orders
        .query_items::<Order>(query, PartitionScope::CrossPartition)
        .collect_items()
        .await?
    {
        println!("  {} {} {}", order.id, order.customer, order.total);
    }

    // Key rotation (seed 001): move to the secondary key; every clone of `key`, including the
    // client's, signs with it from now on. Then the primary can be regenerated safely.
    key.rotate_to(emulator.key(KeyKind::Secondary));
    let account = client.read_account().await?;
    println!(
        "after moving to the secondary key: GET / answered {}",
        account.status()
    );
    Ok(())
}

//! The example of `docs/targets.md` ("Use cosmolab as the emulator in your own Rust integration
//! tests"), kept here so that CI compiles and runs exactly what the documentation shows. It uses
//! nothing of this crate: copy it into your own `tests/` folder.
//!
//! Your crate's `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! cosmolab-emulator = { git = "https://github.com/cosmolab/cosmolab" }
//! azure_data_cosmos = { version = "1", features = ["key_auth", "control_plane"] }
//! serde = { version = "1", features = ["derive"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```

use azure_data_cosmos::models::ContainerProperties;
use azure_data_cosmos::{AccountReference, CosmosClient, CosmosRuntime, RoutingStrategy};
use cosmolab_emulator::{Emulator, KeyKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    id: String,
    customer: String,
    total: f64,
}

#[tokio::test]
async fn an_order_round_trips_through_the_official_sdk() -> Result<(), Box<dyn std::error::Error>> {
    // An emulator inside this test process, on a free port of 127.0.0.1; dropped at the end.
    let emulator = Emulator::builder().start().await?;
    let key = emulator.key(KeyKind::Primary).reveal_base64();

    // The official SDK, unmodified: http is accepted because the host is loopback, and binary
    // encoding stays on (its default) because cosmolab reads and writes it.
    let account = AccountReference::with_authentication_key(emulator.endpoint().parse()?, key);
    let client = CosmosClient::builder()
        // A runtime per client: the SDK's shared default runtime would let a second client, built
        // with another key, sign with the first one's.
        .with_runtime(CosmosRuntime::builder().build().await?)
        .build(account, RoutingStrategy::ProximityTo("West US".into()))
        .await?;

    client.create_database("shop", None).await?;
    let shop = client.database_client("shop");
    shop.create_container(
        ContainerProperties::new("orders".to_owned(), "/customer".into()),
        None,
    )
    .await?;
    let orders = shop.container_client("orders", None).await?;

    let order = Order {
        id: "o-1".into(),
        customer: "contoso".into(),
        total: 42.5,
    };
    orders.create_item("contoso", "o-1", &order, None).await?;
    let read: Order = orders
        .read_item("contoso", "o-1", None)
        .await?
        .into_model()?;
    assert_eq!(read, order);
    Ok(())
}

//! What does a point read cost through Microsoft's official SDK against the in-process emulator,
//! compared with cosmolab's own client, in the same run?
//!
//! One emulator, one container, one item; three clients read that item over and over, in the
//! criterion group `point_reads`:
//!
//! - `cosmolab_client`: our client (`cosmolab-client`), JSON — the baseline;
//! - `official_sdk_binary`: `azure_data_cosmos` 1.0 with its default binary encoding;
//! - `official_sdk_json`: the same SDK with binary encoding off.
//!
//! Every read is a real HTTP request over loopback, signed with the primary key, verified and
//! answered by the same emulator, so the ratios show what each client (and each encoding) adds
//! around the same server work. `cargo xtask bench sdk` runs this and prints the ratios.

use cosmolab_client::{CosmosClient, Credential, KeyCredential};
use cosmolab_emulator::KeyKind;
use cosmolab_model::{Container, PartitionKeyDefinition};
use cosmolab_sdk_rust_tests::{BodyEncoding, SdkTarget, sdk_client};
use criterion::{Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Order {
    id: String,
    customer: String,
    total: f64,
    lines: Vec<String>,
}

fn point_reads(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let target = runtime
        .block_on(SdkTarget::start(BodyEncoding::Json))
        .expect("the emulator starts");
    let primary = target.emulator.key(KeyKind::Primary).reveal_base64();

    let ours = runtime.block_on(async {
        let key = KeyCredential::from_base64(&primary).expect("the primary key");
        let client = CosmosClient::new(target.emulator.endpoint(), Credential::MasterKey(key))
            .expect("our client");
        client.create_database("shop").await.expect("database");
        let shop = client.database_client("shop");
        shop.create_container(&Container::new(
            "orders",
            PartitionKeyDefinition::hash("/customer"),
        ))
        .await
        .expect("container");
        let orders = shop.container_client("orders");
        let order = Order {
            id: "o-1".into(),
            customer: "contoso".into(),
            total: 42.5,
            lines: vec![
                "tea".into(),
                "cake".into(),
                "a rather longer line of the order".into(),
            ],
        };
        orders.create_item("contoso", &order).await.expect("item");
        orders
    });
    let sdk_container = |encoding| {
        runtime.block_on(async {
            let client = sdk_client(target.emulator.endpoint(), primary.clone(), encoding)
                .await
                .expect("the official SDK's client");
            client
                .database_client("shop")
                .container_client("orders", None)
                .await
                .expect("the SDK reads the container")
        })
    };
    let sdk_binary = sdk_container(BodyEncoding::Binary);
    let sdk_json = sdk_container(BodyEncoding::Json);

    let mut group = c.benchmark_group("point_reads");
    group.bench_function("cosmolab_client", |b| {
        b.iter(|| {
            runtime
                .block_on(ours.read_item::<Order>("contoso", "o-1"))
                .expect("read")
        })
    });
    for (name, container) in [
        ("official_sdk_binary", &sdk_binary),
        ("official_sdk_json", &sdk_json),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                runtime
                    .block_on(container.read_item("contoso", "o-1", None))
                    .expect("read")
                    .into_model::<Order>()
                    .expect("an order")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, point_reads);
criterion_main!(benches);

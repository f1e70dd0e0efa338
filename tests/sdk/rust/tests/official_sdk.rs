//! `azure_data_cosmos` 1.0, unmodified, against the in-process emulator — every test in both
//! body encodings (`binary` is the SDK's default, `json` is what it sends with binary off).
//!
//! Each test also checks what went over the wire: with binary on, item bodies must have arrived
//! and left in binary (so a pass cannot come from a silent fallback to JSON); with it off, none.

use azure_core::http::Etag;
use azure_data_cosmos::clients::ContainerClient;
use azure_data_cosmos::options::{ItemWriteOptions, Precondition};
use azure_data_cosmos::{FeedScope, Query};
use cosmolab_emulator::KeyKind;
use cosmolab_lab_harness::AccountAdmin;
use cosmolab_model::{DATA_CONTRIBUTOR_ROLE_ID, DATA_READER_ROLE_ID};
use cosmolab_sdk_rust_tests::{
    BodyEncoding, EmulatorIdentity, SdkTarget, sdk_client_with_identity, status_of,
};
use futures_util::TryStreamExt as _;
use serde::{Deserialize, Serialize};

/// Runs an `async fn(BodyEncoding) -> anyhow::Result<()>` as two tests, `binary` and `json`.
macro_rules! in_both_encodings {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::*;

            #[tokio::test]
            async fn binary() -> anyhow::Result<()> {
                super::$scenario(BodyEncoding::Binary).await
            }

            #[tokio::test]
            async fn json() -> anyhow::Result<()> {
                super::$scenario(BodyEncoding::Json).await
            }
        }
    )*};
}

in_both_encodings!(
    item_lifecycle,
    queries_in_one_partition_and_across,
    etag_conflicts,
    wrong_key_is_refused,
    read_only_key_reads_but_cannot_write,
    entra_role_assignment_decides,
);

/// An order, partitioned by customer: strings, numbers of every kind, nesting, nulls, unicode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: String,
    customer: String,
    total: f64,
    quantity: u32,
    balance: i64,
    paid: bool,
    note: Option<String>,
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    price: f64,
}

fn order(id: &str, customer: &str, total: f64) -> Order {
    Order {
        id: id.to_owned(),
        customer: customer.to_owned(),
        total,
        quantity: 3,
        balance: -1_234_567_890_123,
        paid: false,
        note: Some("déjà vu — 注文 ✓".repeat(5)),
        lines: vec![
            Line {
                sku: "tea".to_owned(),
                price: 4.25,
            },
            Line {
                sku: "a-much-longer-stock-keeping-unit-name-that-needs-more-than-64-bytes"
                    .to_owned(),
                price: 1e-3,
            },
        ],
    }
}

/// A target whose container `shop/orders` (partitioned by customer) holds contoso's order `o-1`.
async fn shop_with_one_order(
    encoding: BodyEncoding,
) -> anyhow::Result<(SdkTarget, ContainerClient, Order)> {
    let target = SdkTarget::start(encoding).await?;
    let orders = target
        .create_container("shop", "orders", "/customer")
        .await?;
    let original = order("o-1", "contoso", 1.0);
    orders
        .create_item("contoso", "o-1", &original, None)
        .await?;
    Ok((target, orders, original))
}

/// With binary on, bodies went both ways in binary; with it off, none did.
fn assert_wire(target: &SdkTarget) {
    let wire = target.wire();
    match target.encoding() {
        BodyEncoding::Binary => {
            assert!(wire.binary_requests > 0, "no binary request body: {wire:?}");
            assert!(wire.binary_responses > 0, "no binary answer: {wire:?}");
        }
        BodyEncoding::Json => assert_eq!(
            (wire.binary_requests, wire.binary_responses),
            (0, 0),
            "binary on the wire with binary encoding off"
        ),
    }
}

async fn item_lifecycle(encoding: BodyEncoding) -> anyhow::Result<()> {
    let target = SdkTarget::start(encoding).await?;
    let orders = target
        .create_container("shop", "orders", "/customer")
        .await?;

    let mut first = order("o-1", "contoso", 42.5);
    orders.create_item("contoso", "o-1", &first, None).await?;
    let read: Order = orders
        .read_item("contoso", "o-1", None)
        .await?
        .into_model()?;
    assert_eq!(read, first);

    first.paid = true;
    first.note = None;
    orders.replace_item("contoso", "o-1", &first, None).await?;
    let read: Order = orders
        .read_item("contoso", "o-1", None)
        .await?
        .into_model()?;
    assert_eq!(read, first, "replace");

    let second = order("o-2", "fabrikam", 7.0);
    orders.upsert_item("fabrikam", "o-2", &second, None).await?;
    let read: Order = orders
        .read_item("fabrikam", "o-2", None)
        .await?
        .into_model()?;
    assert_eq!(read, second, "upsert");

    orders.delete_item("contoso", "o-1", None).await?;
    let gone = orders.read_item("contoso", "o-1", None).await.unwrap_err();
    assert_eq!(status_of(&gone), 404, "read after delete: {gone}");

    // The same id in another partition is another item.
    let gone = orders.read_item("fabrikam", "o-1", None).await.unwrap_err();
    assert_eq!(status_of(&gone), 404, "wrong partition: {gone}");

    assert_wire(&target);
    if encoding == BodyEncoding::Binary {
        // Exactly the three item writes carried a body, and each one was binary.
        assert_eq!(target.wire().binary_requests, 3);
    }
    Ok(())
}

async fn queries_in_one_partition_and_across(encoding: BodyEncoding) -> anyhow::Result<()> {
    let target = SdkTarget::start(encoding).await?;
    let orders = target
        .create_container("shop", "orders", "/customer")
        .await?;
    for (index, customer) in ["contoso", "fabrikam", "contoso", "northwind", "contoso"]
        .into_iter()
        .enumerate()
    {
        let id = format!("o-{index}");
        let item = order(&id, customer, 10.0 * index as f64);
        orders.create_item(customer, &id, &item, None).await?;
    }

    let before_queries = target.wire();

    // One partition, with a parameter.
    let query =
        Query::from("SELECT * FROM c WHERE c.total >= @min").with_parameter("@min", 15.0)?;
    let mut found: Vec<Order> = orders
        .query_items::<Order>(query, FeedScope::partition("contoso"), None)
        .await?
        .try_collect()
        .await?;
    found.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<&str> = found.iter().map(|order| order.id.as_str()).collect();
    assert_eq!(ids, ["o-2", "o-4"]);
    assert_eq!(
        found[0],
        order("o-2", "contoso", 20.0),
        "a whole item in a result"
    );

    // Across partitions: the SDK asks each partition-key range in turn.
    let mut everyone: Vec<String> = orders
        .query_items::<Order>(
            Query::from("SELECT * FROM c WHERE c.quantity = 3"),
            FeedScope::full_container(),
            None,
        )
        .await?
        .map_ok(|order| order.customer)
        .try_collect()
        .await?;
    everyone.sort();
    assert_eq!(
        everyone,
        ["contoso", "contoso", "contoso", "fabrikam", "northwind"]
    );

    // A projection, not a whole document.
    let totals: Vec<f64> = orders
        .query_items::<f64>(
            Query::from("SELECT VALUE c.total FROM c WHERE c.customer = 'fabrikam'"),
            FeedScope::full_container(),
            None,
        )
        .await?
        .try_collect()
        .await?;
    assert_eq!(totals, [10.0]);

    assert_wire(&target);
    if encoding == BodyEncoding::Binary {
        // A query's body is a query spec, sent as JSON text; its pages come back binary.
        let queries = target.wire();
        assert_eq!(queries.binary_requests, before_queries.binary_requests);
        assert!(queries.binary_responses >= before_queries.binary_responses + 3);
    }
    Ok(())
}

async fn etag_conflicts(encoding: BodyEncoding) -> anyhow::Result<()> {
    let (target, orders, original) = shop_with_one_order(encoding).await?;

    let again = orders
        .create_item("contoso", "o-1", &original, None)
        .await
        .unwrap_err();
    assert_eq!(status_of(&again), 409, "create twice: {again}");

    let read = orders.read_item("contoso", "o-1", None).await?;
    let etag: Etag = read.headers().etag().expect("a read has an etag").clone();

    // Someone else writes first: our etag is now stale.
    orders
        .replace_item("contoso", "o-1", &order("o-1", "contoso", 2.0), None)
        .await?;
    let if_match = || {
        Some(ItemWriteOptions::default().with_precondition(Precondition::if_match(etag.clone())))
    };
    let stale = orders
        .replace_item("contoso", "o-1", &order("o-1", "contoso", 3.0), if_match())
        .await
        .unwrap_err();
    assert_eq!(status_of(&stale), 412, "stale etag: {stale}");

    let current: Order = orders
        .read_item("contoso", "o-1", None)
        .await?
        .into_model()?;
    assert_eq!(current.total, 2.0, "the refused write changed nothing");

    let fresh = orders.read_item("contoso", "o-1", None).await?;
    let etag = fresh.headers().etag().expect("a read has an etag").clone();
    orders
        .replace_item(
            "contoso",
            "o-1",
            &order("o-1", "contoso", 4.0),
            Some(ItemWriteOptions::default().with_precondition(Precondition::if_match(etag))),
        )
        .await?;
    assert_wire(&target);
    Ok(())
}

async fn wrong_key_is_refused(encoding: BodyEncoding) -> anyhow::Result<()> {
    let (target, _, _) = shop_with_one_order(encoding).await?;

    // A well-formed key that is not the account's.
    let stranger = target
        .client_with_key(
            "c3RyYW5nZXIta2V5LXRoYXQtaXMtbm90LXRoZS1hY2NvdW50cy1rZXktLS0tLS0tLS0tLS0tLS0tLS0tLQ=="
                .to_owned(),
        )
        .await;
    // The SDK may read the account while it builds the client: the refusal can come then, or at
    // the first request. Either way it is a 401.
    let refusal = match stranger {
        Err(error) => error
            .downcast::<azure_data_cosmos::CosmosError>()
            .map_err(|other| anyhow::anyhow!("not a Cosmos error: {other}"))?,
        Ok(stranger) => {
            let container = stranger
                .database_client("shop")
                .container_client("orders", None)
                .await;
            match container {
                Err(error) => error,
                Ok(container) => container
                    .read_item("contoso", "o-1", None)
                    .await
                    .expect_err("a wrong key must be refused"),
            }
        }
    };
    assert_eq!(status_of(&refusal), 401, "wrong key: {refusal}");
    Ok(())
}

async fn read_only_key_reads_but_cannot_write(encoding: BodyEncoding) -> anyhow::Result<()> {
    let (target, _, original) = shop_with_one_order(encoding).await?;

    let read_only_key = target
        .emulator
        .key(KeyKind::PrimaryReadonly)
        .reveal_base64();
    let reader = target.client_with_key(read_only_key).await?;
    let readers_orders = reader
        .database_client("shop")
        .container_client("orders", None)
        .await?;
    let read: Order = readers_orders
        .read_item("contoso", "o-1", None)
        .await?
        .into_model()?;
    assert_eq!(read, original);

    let write = readers_orders
        .upsert_item("contoso", "o-2", &order("o-2", "contoso", 2.0), None)
        .await
        .unwrap_err();
    // The service answers a read-only key's write 401, not 403 (see docs/fidelity.md).
    assert_eq!(
        status_of(&write),
        401,
        "a write with the read-only key: {write}"
    );
    let audit = target.emulator.state().audit.read(&Default::default());
    let refused = audit.last().expect("the write is in the audit log");
    assert_eq!(
        (refused.operation.as_str(), refused.key_kind.as_deref()),
        ("Upsert", Some("primaryReadonly")),
        "the refused write was signed with the read-only key"
    );
    assert_wire(&target);
    Ok(())
}

/// Entra ID (seed 004): an application signs in to the emulator's identity provider and the SDK
/// sends its token; role assignments decide, per container, what it may do.
async fn entra_role_assignment_decides(encoding: BodyEncoding) -> anyhow::Result<()> {
    let (target, _, _) = shop_with_one_order(encoding).await?;
    target
        .client
        .database_client("shop")
        .create_container(
            azure_data_cosmos::models::ContainerProperties::new(
                "payroll".to_owned(),
                "/employee".into(),
            ),
            None,
        )
        .await?;

    let admin = AccountAdmin::new(
        target.emulator.endpoint(),
        target.emulator.key(KeyKind::Primary),
    );
    let app = admin.register_application("order-service").await?;
    // Contributor on the orders container, reader on the database: not a writer of payroll.
    admin
        .assign_role(
            "orders-contributor",
            DATA_CONTRIBUTOR_ROLE_ID,
            "/dbs/shop/colls/orders",
            &app.object_id,
        )
        .await?;
    admin
        .assign_role(
            "shop-reader",
            DATA_READER_ROLE_ID,
            "/dbs/shop",
            &app.object_id,
        )
        .await?;

    let identity = EmulatorIdentity::new(&target.emulator, &app.client_id, &app.client_secret)?;
    let service = sdk_client_with_identity(target.emulator.endpoint(), identity, encoding).await?;
    let shop = service.database_client("shop");
    let its_orders = shop.container_client("orders", None).await?;
    let read: Order = its_orders
        .read_item("contoso", "o-1", None)
        .await?
        .into_model()?;
    assert_eq!(read, order("o-1", "contoso", 1.0));
    its_orders
        .upsert_item("fabrikam", "o-2", &order("o-2", "fabrikam", 2.0), None)
        .await?;

    let payroll = shop.container_client("payroll", None).await?;
    let refused = payroll
        .upsert_item("ann", "p-1", &order("p-1", "ann", 3.0), None)
        .await
        .unwrap_err();
    assert_eq!(
        status_of(&refused),
        403,
        "write to payroll as a reader: {refused}"
    );
    let missing = payroll.read_item("ann", "p-1", None).await.unwrap_err();
    assert_eq!(
        status_of(&missing),
        404,
        "the reader may look, and nothing was written"
    );

    // Every request of the service's client went out with its Entra token, none with a key.
    let audit = target.emulator.state().audit.read(&Default::default());
    let as_service: Vec<_> = audit
        .iter()
        .filter(|record| record.aad_principal_id.as_deref() == Some(app.object_id.as_str()))
        .collect();
    assert!(
        as_service.len() >= 5,
        "the service's requests: {as_service:?}"
    );
    assert!(
        as_service.iter().any(|record| record.status_code == 403),
        "the payroll write was refused to the service itself"
    );

    assert_wire(&target);
    Ok(())
}

/// Over https with the emulator's self-signed certificate: the SDK accepts it for a loopback host
/// once its runtime says `RequiredUnlessEmulator` (the default, `Required`, refuses it).
#[tokio::test]
async fn https_with_a_self_signed_certificate() -> anyhow::Result<()> {
    use azure_data_cosmos::options::{ConnectionPoolOptions, ServerCertificateValidation};
    use azure_data_cosmos::{AccountReference, CosmosClient, CosmosRuntime, RoutingStrategy};

    let emulator = cosmolab_emulator::Emulator::builder()
        .tls(None)
        .start()
        .await?;
    assert!(emulator.endpoint().starts_with("https://127.0.0.1:"));
    let key = emulator.key(KeyKind::Primary).reveal_base64();
    let client = |validation| {
        let account = AccountReference::with_authentication_key(
            emulator.endpoint().parse().unwrap(),
            key.clone(),
        );
        async move {
            let pool = ConnectionPoolOptions::builder()
                .with_server_certificate_validation(validation)
                .build()?;
            let runtime = CosmosRuntime::builder()
                .with_connection_pool(pool)
                .build()
                .await?;
            CosmosClient::builder()
                .with_runtime(runtime)
                .build(account, RoutingStrategy::ProximityTo("West US".into()))
                .await
        }
    };

    let trusting = client(ServerCertificateValidation::RequiredUnlessEmulator).await?;
    trusting.create_database("shop", None).await?;
    let databases: Vec<_> = trusting
        .query_databases("SELECT * FROM d", None)
        .await?
        .try_collect()
        .await?;
    assert_eq!(databases.len(), 1);

    let strict = client(ServerCertificateValidation::Required).await;
    let refused = match strict {
        Err(error) => error,
        Ok(strict) => strict
            .create_database("other", None)
            .await
            .expect_err("an untrusted certificate must be refused"),
    };
    assert!(
        refused.to_string().to_lowercase().contains("certificate")
            || format!("{refused:?}")
                .to_lowercase()
                .contains("certificate"),
        "refused for its certificate: {refused:?}"
    );
    Ok(())
}

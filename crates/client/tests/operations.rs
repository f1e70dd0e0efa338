//! Every operation of the client against the in-process emulator, with the master key.
//!
//! Each test is one resource kind's life: create it, read it, list it, change it, delete it, and
//! see the statuses the service gives at each step (201, 200, 204, 404, 409, 412).

mod framework;

use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::UnverifiedResourceToken;
use cosmolab_client::{ErrorKind, PartitionScope, Query, StatusCode};
use cosmolab_emulator::KeyKind;
use cosmolab_model::{
    Container, Document, PartitionKey, PartitionKeyDefinition, Permission, PermissionMode,
};
use framework::{Lab, ids};
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// An item type of the application's own, as most code would have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: String,
    customer: String,
    total: u32,
}

/// `GET /` answers the account, advertising the endpoint the client used.
#[tokio::test]
async fn the_account_is_read() {
    let lab = Lab::start().await;
    let account = lab.admin.read_account().await.unwrap();
    assert_eq!(account.status(), StatusCode::OK);
    assert_eq!(account.resource().id, "cosmolab");
    assert_eq!(
        account.resource().writable_locations[0].database_account_endpoint,
        lab.emulator.endpoint()
    );
}

/// Databases: create (201), create again (409), read, list, delete (204), then 404.
#[tokio::test]
async fn databases_live_and_die() {
    let lab = Lab::start().await;
    let created = lab.admin.create_database("shop").await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.resource().id, "shop");
    assert!(created.etag().is_some());

    let again = lab.admin.create_database("shop").await.unwrap_err();
    assert!(again.is_conflict(), "{again}");

    let shop = lab.admin.database_client("shop");
    assert_eq!(shop.read().await.unwrap().resource().id, "shop");
    assert_eq!(shop.link(), "dbs/shop");
    lab.admin.create_database("other").await.unwrap();
    let mut listed: Vec<String> = lab
        .admin
        .databases()
        .collect_items()
        .await
        .unwrap()
        .into_iter()
        .map(|database| database.id)
        .collect();
    listed.sort();
    assert_eq!(listed, ["other", "shop"]);

    assert_eq!(
        shop.delete().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let gone = shop.read().await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert_eq!(gone.kind(), ErrorKind::Service);
    assert_eq!(gone.code(), Some("NotFound"));
}

/// Containers: create with a partition key, read its definition, list, replace, delete; and read
/// the partition-key ranges.
#[tokio::test]
async fn containers_live_and_die() {
    let lab = Lab::start().await;
    lab.admin.create_database("shop").await.unwrap();
    let shop = lab.admin.database_client("shop");
    let definition = Container::new("orders", PartitionKeyDefinition::hash("/customer"));
    let created = shop.create_container(&definition).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert!(
        shop.create_container(&definition)
            .await
            .unwrap_err()
            .is_conflict()
    );

    let orders = shop.container_client("orders");
    assert_eq!(orders.link(), "dbs/shop/colls/orders");
    let read = orders.read().await.unwrap().into_resource();
    assert_eq!(
        read.partition_key,
        PartitionKeyDefinition::hash("/customer")
    );
    assert!(read.system.rid.is_some());

    let mut with_ttl = read.clone();
    with_ttl.other.insert("defaultTtl".into(), json!(3600));
    let replaced = orders.replace(&with_ttl).await.unwrap();
    assert_eq!(replaced.resource().other["defaultTtl"], 3600);

    let ranges = orders.partition_key_ranges().await.unwrap();
    assert_eq!(ranges.resource().len(), 1);
    assert_eq!(ranges.resource()[0].max_exclusive, "FF");

    let listed = shop.containers().collect_items().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        orders.delete().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert!(orders.read().await.unwrap_err().is_not_found());
}

/// Items: create (201), duplicate (409), read, replace, upsert (200 replaces, 201 creates), delete
/// (204), then 404; an item is found only in its own partition.
#[tokio::test]
async fn items_live_and_die() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = lab.admin.database_client("shop").container_client("orders");
    let order = Order {
        id: "order-9".into(),
        customer: "carol".into(),
        total: 5,
    };
    let created = orders.create_item("carol", &order).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.resource(), &order);
    assert!(created.request_charge() > 0.0);
    assert!(created.session_token().is_some());
    assert!(
        orders
            .create_item("carol", &order)
            .await
            .unwrap_err()
            .is_conflict()
    );

    let read = orders.read_item::<Order>("carol", "order-9").await.unwrap();
    assert_eq!(read.resource(), &order);
    assert!(
        orders
            .read_item::<Order>("alice", "order-9")
            .await
            .unwrap_err()
            .is_not_found()
    );

    // The model's `Document` keeps the system properties as well.
    let document = orders
        .read_item::<Document>("carol", "order-9")
        .await
        .unwrap();
    assert_eq!(document.resource().system.etag.as_deref(), document.etag());

    let bigger = Order {
        total: 50,
        ..order.clone()
    };
    let replaced = orders
        .replace_item("carol", "order-9", &bigger)
        .await
        .unwrap();
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(replaced.resource().total, 50);

    let upserted = orders
        .upsert_item(
            "carol",
            &Order {
                total: 60,
                ..order.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        upserted.status(),
        StatusCode::OK,
        "an upsert of an existing id replaces"
    );
    let new = Order {
        id: "order-10".into(),
        ..order.clone()
    };
    assert_eq!(
        orders.upsert_item("carol", &new).await.unwrap().status(),
        StatusCode::CREATED
    );

    assert_eq!(
        orders
            .delete_item("carol", "order-9")
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        orders
            .read_item::<Order>("carol", "order-9")
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        orders
            .delete_item("carol", "order-9")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

/// Optimistic concurrency: a replace with the current ETag succeeds, with a stale one gets 412.
#[tokio::test]
async fn replace_with_an_etag_detects_a_concurrent_write() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = lab.admin.database_client("shop").container_client("orders");
    let read = orders.read_item::<Order>("alice", "order-1").await.unwrap();
    let etag = read.etag().unwrap().to_owned();
    let mut order = read.into_resource();

    order.total += 1;
    let first = orders
        .replace_item_if_match("alice", "order-1", &order, &etag)
        .await
        .unwrap();
    assert_ne!(
        first.etag(),
        Some(etag.as_str()),
        "a write makes a new version"
    );

    order.total += 1;
    let stale = orders
        .replace_item_if_match("alice", "order-1", &order, &etag)
        .await
        .unwrap_err();
    assert!(stale.is_precondition_failed(), "{stale}");
    assert_eq!(stale.status(), Some(StatusCode::PRECONDITION_FAILED));
}

/// Queries: parameters, one partition, all partitions, projections and `SELECT VALUE`.
#[tokio::test]
async fn queries_with_parameters_and_partitions() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = lab.admin.database_client("shop").container_client("orders");

    let over_15 = || Query::new("SELECT * FROM c WHERE c.total > @min").with_parameter("@min", 15);
    assert_eq!(ids(&orders, over_15(), "alice".into()).await, ["order-2"]);
    assert_eq!(
        ids(&orders, over_15(), PartitionScope::CrossPartition).await,
        ["order-2", "order-3"]
    );

    let count = orders
        .query_items::<u64>(
            "SELECT VALUE COUNT(1) FROM c",
            PartitionScope::CrossPartition,
        )
        .collect_items()
        .await
        .unwrap();
    assert_eq!(count, [3]);

    let totals = orders
        .query_items::<Value>(
            Query::new("SELECT c.id, c.total FROM c WHERE c.customer = @who ORDER BY c.total DESC")
                .with_parameter("@who", "alice"),
            PartitionKey::from("alice"),
        )
        .collect_items()
        .await
        .unwrap();
    assert_eq!(
        totals,
        [
            json!({"id": "order-2", "total": 20}),
            json!({"id": "order-1", "total": 10})
        ]
    );

    let unsupported = orders
        .query_items::<Value>(
            "SELECT * FROM c JOIN t IN c.tags",
            PartitionScope::CrossPartition,
        )
        .collect_items()
        .await
        .unwrap_err();
    assert_eq!(unsupported.status(), Some(StatusCode::BAD_REQUEST));
}

/// Paging: `max_item_count` cuts pages, each page is one request with a continuation until the
/// last, `resume_from` picks up from a saved continuation, and the pager is a `Stream`.
#[tokio::test]
async fn feeds_and_queries_page_as_a_stream() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = lab.admin.database_client("shop").container_client("orders");

    let pages: Vec<_> = orders
        .read_items::<Order>(PartitionScope::CrossPartition)
        .max_item_count(2)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        pages
            .iter()
            .map(|page| page.resource().len())
            .collect::<Vec<_>>(),
        [2, 1]
    );
    assert!(pages[0].continuation().is_some());
    assert!(pages[1].continuation().is_none());

    let mut pager = orders
        .query_items::<Order>(
            "SELECT * FROM c ORDER BY c.total",
            PartitionScope::CrossPartition,
        )
        .max_item_count(1);
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.resource()[0].id, "order-1");
    let saved = first.continuation().unwrap().to_owned();
    drop(pager);

    let rest = orders
        .query_items::<Order>(
            "SELECT * FROM c ORDER BY c.total",
            PartitionScope::CrossPartition,
        )
        .max_item_count(1)
        .resume_from(saved)
        .collect_items()
        .await
        .unwrap();
    assert_eq!(
        rest.iter()
            .map(|order| order.id.as_str())
            .collect::<Vec<_>>(),
        ["order-2", "order-3"]
    );

    let alices = orders
        .read_items::<Order>("alice")
        .collect_items()
        .await
        .unwrap();
    assert_eq!(alices.len(), 2);
}

/// Names with spaces, `+`, `%` and non-ASCII letters work everywhere: encoded in the URL, signed
/// decoded, and the partition-key header escapes non-ASCII.
#[tokio::test]
async fn names_with_spaces_plus_and_utf8_round_trip() {
    let lab = Lab::start().await;
    lab.admin.create_database("my shop").await.unwrap();
    let shop = lab.admin.database_client("my shop");
    shop.create_container(&Container::new(
        "a+b %c",
        PartitionKeyDefinition::hash("/customer"),
    ))
    .await
    .unwrap();
    let container = shop.container_client("a+b %c");
    let item = json!({"id": "é 1+1", "customer": "zoë"});
    container.create_item("zoë", &item).await.unwrap();
    let read = container.read_item::<Value>("zoë", "é 1+1").await.unwrap();
    assert_eq!(read.resource()["id"], "é 1+1");
    assert_eq!(
        ids(&container, "SELECT * FROM c".into(), "zoë".into()).await,
        ["é 1+1"]
    );
    container.delete_item("zoë", "é 1+1").await.unwrap();
}

/// Users: create (201), upsert (200 for an existing one), read, list, rename, delete.
#[tokio::test]
async fn users_live_and_die() {
    let lab = Lab::start().await;
    lab.shop().await;
    let shop = lab.admin.database_client("shop");
    assert_eq!(
        shop.create_user("Test User").await.unwrap().status(),
        StatusCode::CREATED
    );
    assert!(
        shop.create_user("Test User")
            .await
            .unwrap_err()
            .is_conflict()
    );
    assert_eq!(
        shop.upsert_user("Test User").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        shop.upsert_user("bob").await.unwrap().status(),
        StatusCode::CREATED
    );

    let user = shop.user_client("Test User");
    assert_eq!(user.link(), "dbs/shop/users/Test User");
    assert_eq!(user.read().await.unwrap().resource().id, "Test User");
    assert_eq!(shop.users().collect_items().await.unwrap().len(), 2);

    let renamed = user.replace("Renamed User").await.unwrap();
    assert_eq!(renamed.resource().id, "Renamed User");
    assert!(user.read().await.unwrap_err().is_not_found());
    let renamed = shop.user_client("Renamed User");
    assert_eq!(
        renamed.delete().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

/// Permissions: create with a token lifetime (the token's claims say so), read (a fresh token each
/// time), list, upsert, replace, delete; a lifetime out of bounds is a 400.
#[tokio::test]
async fn permissions_mint_tokens_with_the_lifetime_asked() {
    let lab = Lab::start().await;
    lab.shop().await;
    let shop = lab.admin.database_client("shop");
    shop.create_user("alice").await.unwrap();
    let alice = shop
        .user_client("alice")
        .with_token_lifetime(Duration::from_secs(600));

    let mut grant = Permission::new("orders", PermissionMode::All, "dbs/shop/colls/orders");
    grant.resource_partition_key = Some(PartitionKey::from("alice"));
    let created = alice.create_permission(&grant).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let token = created
        .resource()
        .token
        .clone()
        .expect("the service mints a token");
    // Our tokens carry readable, signed claims: verify them with the emulator's key.
    let claims = UnverifiedResourceToken::parse(&token)
        .unwrap()
        .verify(&lab.emulator.key(KeyKind::Primary), SystemTime::now())
        .unwrap();
    assert_eq!(claims.expires_at - claims.issued_at, 600);
    assert_eq!(claims.resource, "dbs/shop/colls/orders");

    assert!(
        alice
            .create_permission(&grant)
            .await
            .unwrap_err()
            .is_conflict()
    );
    let read = alice
        .read_permission("orders")
        .await
        .unwrap()
        .into_resource();
    assert_ne!(read.token, Some(token), "every read mints a new token");
    assert_eq!(
        read.resource_partition_key,
        Some(PartitionKey::from("alice"))
    );

    let listed = alice.permissions().collect_items().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].token.is_some());

    let read_only = Permission::new("invoices", PermissionMode::Read, "dbs/shop/colls/invoices");
    assert_eq!(
        alice.upsert_permission(&read_only).await.unwrap().status(),
        StatusCode::CREATED
    );
    let mut widened = read_only.clone();
    widened.permission_mode = PermissionMode::All;
    let replaced = alice
        .replace_permission("invoices", &widened)
        .await
        .unwrap();
    assert_eq!(replaced.resource().permission_mode, PermissionMode::All);

    let too_long = shop
        .user_client("alice")
        .with_token_lifetime(Duration::from_secs(24 * 3600))
        .read_permission("orders")
        .await
        .unwrap_err();
    assert_eq!(too_long.status(), Some(StatusCode::BAD_REQUEST));
    assert!(
        too_long
            .message()
            .contains("x-ms-documentdb-expiry-seconds"),
        "{too_long}"
    );

    assert_eq!(
        alice.delete_permission("invoices").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        alice
            .read_permission("invoices")
            .await
            .unwrap_err()
            .is_not_found()
    );
}

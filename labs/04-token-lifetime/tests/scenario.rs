//! The scenario that grades lab 4, for your copy (`labs/04-token-lifetime`) and the solution alike.
//!
//! The back-end (master key) gives alice a permission on her partition of `orders`; the app holds
//! a ten-minute token. The emulator's clock is then moved forward — an emulator-only feature, so
//! that expiry takes milliseconds — through expiry, refresh, the deletion of the permission, and
//! the last expiry, after which no refresh can help. Every `now` your functions receive is the
//! emulator's time, not the machine's (see the harness's `ServiceClock`).
//! Run it with `cargo lab check 4`; do not edit it — `cargo xtask grade` uses its own copy.

use std::time::{Duration, SystemTime};

use cosmolab_client::{CosmosClient, Credential, ResourceTokens};
use cosmolab_lab_harness::{Lab, ServiceClock};
use cosmolab_model::{Container, PartitionKey, PartitionKeyDefinition, Permission, PermissionMode};
use lab_04_token_lifetime::{self as lab, TokenRefresher};
use serde_json::{Value, json};

#[tokio::test]
async fn scenario() {
    // `None`: this target cannot run the lab (the reason is printed).
    let Some(lab) = Lab::start("04-token-lifetime").await else {
        return;
    };
    let mut t = lab.transcript();
    let mut clock = ServiceClock::default();
    let ten_minutes = Duration::from_secs(600);

    // The back-end sets the scene with the master key.
    let owner = lab.owner_client().await;
    let shop = owner.database_client("shop");
    t.request_status(
        "back-end: create database shop",
        owner.create_database("shop"),
    )
    .await;
    let orders = Container::new("orders", PartitionKeyDefinition::hash("/customer"));
    t.request_status(
        "back-end: create container orders",
        shop.create_container(&orders),
    )
    .await;
    let order = json!({"id": "order-1", "customer": "alice", "total": 42});
    t.request_status(
        "back-end: create alice's order",
        shop.container_client("orders").create_item("alice", &order),
    )
    .await;
    t.request_status("back-end: create user alice", shop.create_user("alice"))
        .await;
    let mut grant = Permission::new("orders", PermissionMode::All, "dbs/shop/colls/orders");
    grant.resource_partition_key = Some(PartitionKey::from("alice"));
    let alice = shop.user_client("alice");
    t.request_status(
        "back-end: grant alice her partition of orders",
        alice.create_permission(&grant),
    )
    .await;

    // Steps 1 and 2 of the lab: pure functions.
    t.compute(
        "bounded lifetimes of 1 minute, 1 hour, 30 hours (seconds)",
        || {
            [60, 3600, 30 * 3600]
                .map(|seconds| lab::bounded_lifetime(Duration::from_secs(seconds)).as_secs())
        },
    );
    t.compute(
        "needs refresh, 5-minute margin: expiring in 10 min, in 2 min, 1 min ago",
        || {
            let now = SystemTime::now();
            let margin = Duration::from_secs(300);
            [
                lab::needs_refresh(now + ten_minutes, now, margin),
                lab::needs_refresh(now + Duration::from_secs(120), now, margin),
                lab::needs_refresh(now - Duration::from_secs(60), now, margin),
            ]
        },
    );

    // Step 3: a token for ten minutes, and a new one on every read.
    let read_at = clock.now();
    let first = t
        .outcome("back-end: read the permission for a 10-minute token", async {
            let issued = lab::fresh_token(&alice, "orders", ten_minutes, read_at).await?;
            Ok(json!({
                "link": issued.link,
                "valid for (seconds)": issued.expires_at.duration_since(read_at).map(|d| d.as_secs()).ok(),
            }))
        })
        .await;
    lab.need(&t, first);
    let first = lab::fresh_token(&alice, "orders", ten_minutes, clock.now())
        .await
        .expect("the same call succeeded just above");
    let second = lab::fresh_token(&alice, "orders", ten_minutes, clock.now())
        .await
        .expect("the same call succeeded just above");
    t.note(
        "two reads of the permission give two different tokens",
        first.token != second.token,
    );

    // The app holds the token; the refresher keeps it fresh.
    let tokens = ResourceTokens::single(&first.link, first.token.clone());
    let app = CosmosClient::new(lab.endpoint(), Credential::ResourceTokens(tokens.clone()))
        .expect("an endpoint and a token make a client");
    let app_orders = app.database_client("shop").container_client("orders");
    let mut refresher = TokenRefresher {
        tokens,
        user: alice.clone(),
        permission_id: "orders".to_owned(),
        lifetime: ten_minutes,
        margin: Duration::from_secs(60),
        expires_at: first.expires_at,
    };
    t.request_status(
        "app: read alice's order",
        app_orders.read_item::<Value>("alice", "order-1"),
    )
    .await;
    t.outcome(
        "refresher, right away",
        refresher.refresh_if_needed(clock.now()),
    )
    .await;

    // Eleven minutes later, the token has expired.
    clock.advance(&lab, 660).await;
    t.request_status(
        "11 minutes later: app: read alice's order",
        app_orders.read_item::<Value>("alice", "order-1"),
    )
    .await;
    t.outcome("refresher", refresher.refresh_if_needed(clock.now()))
        .await;
    t.request_status(
        "app, with the refreshed token: read alice's order",
        app_orders.read_item::<Value>("alice", "order-1"),
    )
    .await;
    // The new token was minted at the emulator's "now", eleven minutes ahead of the machine's
    // clock: an expiry computed from the machine's clock would already be past, and the refresher
    // would refresh again (and again) for nothing.
    t.outcome(
        "refresher, right after: the new token has ten minutes left",
        refresher.refresh_if_needed(clock.now()),
    )
    .await;

    // Deleting the permission does not revoke the token already handed out.
    t.request_status(
        "back-end: delete alice's permission",
        alice.delete_permission("orders"),
    )
    .await;
    t.request_status(
        "app, permission deleted: read alice's order",
        app_orders.read_item::<Value>("alice", "order-1"),
    )
    .await;

    // Until it expires; then nothing can refresh it.
    clock.advance(&lab, 660).await;
    t.request_status(
        "11 minutes later: app: read alice's order",
        app_orders.read_item::<Value>("alice", "order-1"),
    )
    .await;
    t.outcome("refresher", refresher.refresh_if_needed(clock.now()))
        .await;

    lab.finish(&t);
}

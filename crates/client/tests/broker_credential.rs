//! `BrokerCredential` against the in-process emulator and a scripted broker: one refresh for many
//! concurrent requests, the current tokens kept while the broker is down, and one retry after the
//! service refuses a token that died early. (The real broker, end to end, is tested in
//! `crates/broker/tests/end_to_end.rs`.)

mod framework;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cosmolab_client::{
    AccessToken, BrokerCredential, ContainerClient, Credential, EntraCredential, TokenCredential,
    TokenFuture,
};
use cosmolab_model::{GrantedPermission, Permission, PermissionMode, TokenGrant};
use framework::Lab;
use serde_json::Value;

/// A broker stand-in: answers a fixed grant (minted by the emulator) and counts its calls, or
/// fails while `down` is set.
struct ScriptedBroker {
    calls: AtomicU32,
    down: AtomicBool,
    grant: std::sync::Mutex<TokenGrant>,
}

async fn token(State(broker): State<Arc<ScriptedBroker>>) -> Response {
    broker.calls.fetch_add(1, Ordering::SeqCst);
    if broker.down.load(Ordering::SeqCst) {
        return (
            StatusCode::BAD_GATEWAY,
            Json(serde_json::json!({"code": "BadGateway", "message": "down"})),
        )
            .into_response();
    }
    // Requests race for the refresh: a slow broker makes the race visible.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Json(broker.grant.lock().unwrap().clone()).into_response()
}

/// The app's own identity: any token will do for a scripted broker.
#[derive(Debug)]
struct AppIdentity;

impl TokenCredential for AppIdentity {
    fn get_token<'a>(&'a self, _scope: &'a str) -> TokenFuture<'a> {
        Box::pin(async {
            Ok(AccessToken::new(
                "app-jwt",
                SystemTime::now() + Duration::from_secs(3600),
            ))
        })
    }
}

/// A grant of alice's Read permission on `shop/orders`, for `lifetime`, minted by the emulator.
async fn grant_for_alice(lab: &Lab, lifetime: Duration) -> TokenGrant {
    let shop = lab.admin.database_client("shop");
    shop.upsert_user("alice").await.unwrap();
    let permission = Permission::new("orders", PermissionMode::Read, "dbs/shop/colls/orders");
    let stored = shop
        .user_client("alice")
        .with_token_lifetime(lifetime)
        .upsert_permission(&permission)
        .await
        .unwrap()
        .into_resource();
    TokenGrant {
        user: "alice".into(),
        expires_on: 0,
        expires_in: lifetime.as_secs(),
        permissions: vec![GrantedPermission {
            id: stored.id,
            resource: stored.resource,
            resource_partition_key: None,
            permission_mode: stored.permission_mode,
            token: stored.token.unwrap(),
        }],
    }
}

async fn start(broker: Arc<ScriptedBroker>) -> String {
    let router = axum::Router::new()
        .route("/token", axum::routing::post(token))
        .with_state(broker);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router).into_future());
    url
}

/// A scripted broker serving alice's grant for `lifetime`, a credential on it, and the app's
/// `shop/orders` through that credential.
async fn scripted(
    lab: &Lab,
    lifetime: Duration,
) -> (Arc<ScriptedBroker>, BrokerCredential, ContainerClient) {
    let broker = Arc::new(ScriptedBroker {
        calls: AtomicU32::new(0),
        down: AtomicBool::new(false),
        grant: std::sync::Mutex::new(grant_for_alice(lab, lifetime).await),
    });
    let url = start(broker.clone()).await;
    let credential = BrokerCredential::new(
        &url,
        EntraCredential::new(AppIdentity),
        "api://broker/.default",
    )
    .unwrap();
    let app = lab.client(Credential::Broker(credential.clone()));
    let orders = app.database_client("shop").container_client("orders");
    (broker, credential, orders)
}

#[tokio::test]
async fn concurrent_requests_share_one_refresh_and_a_broker_outage_keeps_the_tokens() {
    let lab = Lab::start().await;
    lab.shop().await;
    let (broker, credential, orders) = scripted(&lab, Duration::from_secs(3600)).await;

    let reads = (0..8).map(|_| orders.read_item::<Value>("alice", "order-1"));
    for read in futures_util::future::join_all(reads).await {
        read.unwrap();
    }
    assert_eq!(
        broker.calls.load(Ordering::SeqCst),
        1,
        "one refresh for eight requests"
    );

    // The broker goes down; a forced refresh fails, but the tokens have an hour left: kept.
    broker.down.store(true, Ordering::SeqCst);
    credential.force_refresh().await.unwrap();
    orders.read_item::<Value>("alice", "order-1").await.unwrap();
    assert_eq!(broker.calls.load(Ordering::SeqCst), 2);
    assert!(
        !format!("{credential:?}").contains("sig="),
        "Debug hides the tokens"
    );
}

#[tokio::test]
async fn a_token_that_died_early_is_replaced_once_and_the_request_retried() {
    let lab = Lab::start().await;
    lab.shop().await;
    // Ten minutes, as the service counts them; this machine does not know the service's clock
    // will be an hour ahead.
    let (broker, _credential, orders) = scripted(&lab, Duration::from_secs(600)).await;
    orders.read_item::<Value>("alice", "order-1").await.unwrap();

    lab.emulator.advance_clock(Duration::from_secs(3600));
    // The old token is refused as expired; the broker is asked again, but it serves the same
    // (expired) grant: the retried request is refused too, and that refusal is the answer.
    let refused = orders
        .read_item::<Value>("alice", "order-1")
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    assert_eq!(broker.calls.load(Ordering::SeqCst), 2, "exactly one retry");

    // Now the broker mints a fresh one: the next request's retry succeeds with it.
    *broker.grant.lock().unwrap() = grant_for_alice(&lab, Duration::from_secs(600)).await;
    broker.calls.store(0, Ordering::SeqCst);
    let stale_schedule_read = orders.read_item::<Value>("alice", "order-1").await;
    stale_schedule_read.unwrap();
    assert_eq!(broker.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_broker_over_plain_http_to_another_host_is_refused() {
    let error = BrokerCredential::new(
        "http://broker.example.com/",
        EntraCredential::new(AppIdentity),
        "api://broker/.default",
    )
    .unwrap_err();
    assert!(error.message().contains("https"), "{error}");
}

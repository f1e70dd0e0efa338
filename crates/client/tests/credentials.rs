//! Every kind of credential against the in-process emulator: what each one may do, what the
//! service answers when it may not, and how each one is renewed while the client keeps running.

mod framework;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use cosmolab_client::{
    AccessToken, CosmosClient, Credential, EntraCredential, ErrorKind, PartitionScope,
    ResourceToken, ResourceTokens, StatusCode, TokenCredential, TokenFuture,
};
use cosmolab_emulator::KeyKind;
use cosmolab_model::{PartitionKey, Permission, PermissionMode};
use framework::{Lab, key_credential};
use serde_json::{Value, json};

/// The secondary read-write key works like the primary.
#[tokio::test]
async fn the_secondary_key_is_a_master_key_too() {
    let lab = Lab::start().await;
    lab.shop().await;
    let client = lab.client(Credential::MasterKey(key_credential(
        &lab.emulator,
        KeyKind::Secondary,
    )));
    let orders = client.database_client("shop").container_client("orders");
    orders
        .create_item("dave", &json!({"id": "d1", "customer": "dave"}))
        .await
        .unwrap();
    assert_eq!(client.databases().collect_items().await.unwrap().len(), 1);
}

/// A read-only key reads, lists and queries; its writes are 401 like a wrong key, and users and
/// permissions are refused altogether — each with a deny reason naming the read-only key.
#[tokio::test]
async fn a_read_only_key_reads_but_never_writes() {
    let lab = Lab::start().await;
    lab.shop().await;
    let reader = lab.client(Credential::ReadOnlyKey(key_credential(
        &lab.emulator,
        KeyKind::PrimaryReadonly,
    )));
    let shop = reader.database_client("shop");
    let orders = shop.container_client("orders");

    orders.read_item::<Value>("alice", "order-1").await.unwrap();
    orders.read().await.unwrap();
    let count = orders
        .query_items::<u64>(
            "SELECT VALUE COUNT(1) FROM c",
            PartitionScope::CrossPartition,
        )
        .collect_items()
        .await
        .unwrap();
    assert_eq!(count, [3]);

    let write = orders
        .upsert_item("alice", &json!({"id": "order-1", "customer": "alice"}))
        .await
        .unwrap_err();
    assert_eq!(write.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(
        write
            .message()
            .starts_with("The input authorization token can't serve the request"),
        "{write}"
    );
    assert!(
        write.deny_reason().unwrap().contains("read-only key"),
        "{write}"
    );

    let users = shop.users().collect_items().await.unwrap_err();
    assert_eq!(users.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(reader.create_database("new").await.is_err());
}

/// A wrong key is 401, and the message quotes the payload the server signed (seed 001's best
/// debugging aid); the client does not retry it.
#[tokio::test]
async fn a_wrong_key_is_401_with_the_signed_payload() {
    let lab = Lab::start().await;
    let wrong = cosmolab_client::KeyCredential::new(
        cosmolab_auth_signing::MasterKey::from_bytes(vec![9; 64]).unwrap(),
    );
    let client = lab.client(Credential::MasterKey(wrong));
    let error = client.database_client("shop").read().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(
        error
            .message()
            .contains(r"Server used the following payload to sign: 'get\ndbs\ndbs/shop\n"),
        "{error}"
    );
    assert!(
        error
            .deny_reason()
            .unwrap()
            .contains("none of the account's four keys")
    );
}

/// Seed 000: a partition-scoped token reads and writes its partition, reads the account and the
/// container, and nothing else: another partition and a cross-partition query are 403 with the
/// rule in the deny reason, and the database list, which no token covers, is refused locally.
#[tokio::test]
async fn a_partition_token_opens_its_partition_only() {
    let lab = Lab::start().await;
    lab.shop().await;
    let tokens = grant(
        &lab,
        "alice",
        &[("orders", PermissionMode::All, Some("alice"))],
    )
    .await;
    let app = lab.client(Credential::ResourceTokens(tokens));
    let orders = app.database_client("shop").container_client("orders");

    app.read_account().await.unwrap();
    orders.read().await.unwrap();
    orders.partition_key_ranges().await.unwrap();
    orders.read_item::<Value>("alice", "order-1").await.unwrap();
    orders
        .create_item("alice", &json!({"id": "order-4", "customer": "alice"}))
        .await
        .unwrap();
    assert_eq!(
        orders
            .read_items::<Value>("alice")
            .collect_items()
            .await
            .unwrap()
            .len(),
        3
    );

    let other = orders
        .read_item::<Value>("bob", "order-3")
        .await
        .unwrap_err();
    assert_eq!(other.status(), Some(StatusCode::FORBIDDEN));
    assert!(
        other.message().starts_with("Insufficient permissions"),
        "{other}"
    );
    assert_eq!(
        other.deny_reason(),
        Some(r#"the resource token is scoped to partition ["alice"], request targets ["bob"]"#)
    );
    let across = orders
        .query_items::<Value>("SELECT * FROM c", PartitionScope::CrossPartition)
        .collect_items()
        .await
        .unwrap_err();
    assert_eq!(across.status(), Some(StatusCode::FORBIDDEN));
    let databases = app.databases().collect_items().await.unwrap_err();
    assert_eq!(databases.kind(), ErrorKind::Credential, "{databases}");
    assert_eq!(databases.status(), None, "nothing was sent");
}

/// A client holding several tokens picks, per request, the one whose link is the longest
/// ancestor of the request's: the document token (`All`) for its document, the container token
/// (`Read`) for the rest; and for a container whose name merely *starts* like one it holds a token
/// for (`orders` / `orders-archive`), no token at all — a credential error, nothing sent.
#[tokio::test]
async fn a_multi_permission_client_chooses_by_longest_link() {
    let lab = Lab::start().await;
    lab.shop().await;
    let shop = lab.admin.database_client("shop");
    shop.create_container(&cosmolab_model::Container::new(
        "orders-archive",
        cosmolab_model::PartitionKeyDefinition::hash("/customer"),
    ))
    .await
    .unwrap();

    // Two users, because a user holds one permission per resource; one client holds both tokens.
    let reader = grant(
        &lab,
        "reader",
        &[
            ("orders", PermissionMode::Read, None),
            ("invoices", PermissionMode::Read, None),
        ],
    )
    .await;
    shop.create_user("writer").await.unwrap();
    let document = Permission::new(
        "order-1",
        PermissionMode::All,
        "dbs/shop/colls/orders/docs/order-1",
    );
    let document = shop
        .user_client("writer")
        .create_permission(&document)
        .await
        .unwrap()
        .into_resource();
    let tokens = reader.clone();
    tokens.insert(&document.resource, document.token.clone().unwrap());
    assert_eq!(
        tokens.links(),
        [
            "dbs/shop/colls/invoices",
            "dbs/shop/colls/orders",
            "dbs/shop/colls/orders/docs/order-1"
        ]
    );

    let app = lab.client(Credential::ResourceTokens(tokens));
    let orders = app.database_client("shop").container_client("orders");
    let updated = json!({"id": "order-1", "customer": "alice", "total": 11});
    orders
        .replace_item("alice", "order-1", &updated)
        .await
        .expect("the document token (All) is chosen for its document");
    let refused = orders
        .replace_item(
            "alice",
            "order-2",
            &json!({"id": "order-2", "customer": "alice"}),
        )
        .await
        .unwrap_err();
    assert_eq!(
        refused.status(),
        Some(StatusCode::FORBIDDEN),
        "the container token is Read: {refused}"
    );
    orders.read_item::<Value>("alice", "order-2").await.unwrap();
    app.database_client("shop")
        .container_client("invoices")
        .read_items::<Value>(PartitionScope::CrossPartition)
        .collect_items()
        .await
        .unwrap();

    let archive = app
        .database_client("shop")
        .container_client("orders-archive");
    let none = archive.read_item::<Value>("alice", "x").await.unwrap_err();
    assert_eq!(none.kind(), ErrorKind::Credential);
    assert_eq!(none.status(), None, "nothing was sent");
    assert!(
        none.message()
            .contains("dbs/shop/colls/orders-archive/docs/x"),
        "{none}"
    );
}

/// Tokens expire (403 once the emulator's clock passes their lifetime) and are revoked by
/// regenerating the primary key (401); a broker swaps fresh ones into the client's handle and the
/// same client carries on.
#[tokio::test]
async fn tokens_are_swapped_in_from_outside() {
    let lab = Lab::start().await;
    lab.shop().await;
    let tokens = grant(
        &lab,
        "alice",
        &[("orders", PermissionMode::All, Some("alice"))],
    )
    .await;
    let app = lab.client(Credential::ResourceTokens(tokens.clone()));
    let orders = app.database_client("shop").container_client("orders");
    orders.read_item::<Value>("alice", "order-1").await.unwrap();

    lab.emulator.advance_clock(Duration::from_secs(3601));
    let expired = orders
        .read_item::<Value>("alice", "order-1")
        .await
        .unwrap_err();
    assert_eq!(expired.status(), Some(StatusCode::FORBIDDEN));
    assert!(
        expired
            .message()
            .starts_with("The authorization token is not valid at the current time")
    );

    // The broker's side: read the permission again (a fresh token) and swap it in.
    let refresh = |lab: &Lab| {
        let user = lab.admin.database_client("shop").user_client("alice");
        async move {
            user.read_permission("orders")
                .await
                .unwrap()
                .into_resource()
        }
    };
    let fresh = refresh(&lab).await;
    tokens.replace_all([(fresh.resource.clone(), fresh.token.unwrap())]);
    orders.read_item::<Value>("alice", "order-1").await.unwrap();

    lab.emulator.state().keys_mut().regenerate(KeyKind::Primary);
    let revoked = orders
        .read_item::<Value>("alice", "order-1")
        .await
        .unwrap_err();
    assert_eq!(revoked.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(
        revoked.deny_reason().unwrap().contains("regenerated"),
        "{revoked}"
    );

    let admin = lab.client(Credential::MasterKey(key_credential(
        &lab.emulator,
        KeyKind::Primary,
    )));
    let fresh = admin
        .database_client("shop")
        .user_client("alice")
        .read_permission("orders")
        .await
        .unwrap()
        .into_resource();
    tokens.insert(&fresh.resource, fresh.token.unwrap());
    orders.read_item::<Value>("alice", "order-1").await.unwrap();
}

/// Seed 001's rotation without downtime: an application writes and reads in a loop while its key
/// moves to the secondary, the primary is regenerated, and its key moves to the new primary. Not
/// one request fails, and the old primary key is refused afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_without_a_failed_request() {
    let lab = Lab::start().await;
    lab.shop().await;
    let old_primary = lab.emulator.key(KeyKind::Primary);
    let key = key_credential(&lab.emulator, KeyKind::Primary);
    let app = lab.client(Credential::MasterKey(key.clone()));
    let traffic = Traffic::start(app.database_client("shop").container_client("orders"));

    traffic.wait_for_more_rounds(3).await;
    key.rotate_to(lab.emulator.key(KeyKind::Secondary));
    // Rounds that *start* after the swap use the secondary; once two have finished, no request
    // signed with the old primary is still on its way.
    traffic.wait_for_more_rounds(2).await;
    lab.emulator.state().keys_mut().regenerate(KeyKind::Primary);
    traffic.wait_for_more_rounds(3).await;
    key.rotate_to(lab.emulator.key(KeyKind::Primary));
    traffic.wait_for_more_rounds(3).await;
    let (rounds, failures) = traffic.stop().await;

    assert!(
        failures.is_empty(),
        "failed requests during the rotation: {failures:?}"
    );
    assert!(rounds >= 11, "{rounds} rounds");
    let stale = lab.client(Credential::MasterKey(cosmolab_client::KeyCredential::new(
        old_primary,
    )));
    let refused = stale.read_account().await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
}

/// Entra ID with a token the emulator's identity provider did not sign (an unsigned `alg: none`
/// JWT): the header goes out, the emulator answers 401 saying why, and the token was fetched once
/// for both requests (cached).
#[tokio::test]
async fn entra_tokens_are_cached_and_an_unsigned_token_is_refused() {
    let lab = Lab::start().await;
    let identity = Arc::new(FakeIdentity::default());
    let client = lab.client(Credential::Entra(EntraCredential::new(identity.clone())));
    for _ in 0..2 {
        let error = client.read_account().await.unwrap_err();
        assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
        assert!(
            error.deny_reason().unwrap().contains("not a JWT"),
            "{error}"
        );
    }
    assert_eq!(identity.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        identity.scopes.lock().unwrap()[0],
        "http://127.0.0.1/.default"
    );
}

/// The real flow against the emulator's identity provider: a service principal signs in with its
/// client secret, the token is cached, and what it may do is its role assignment's — the built-in
/// Data Contributor on the `orders` container writes and reads there, and nowhere else.
#[tokio::test]
async fn a_client_secret_credential_signs_in_and_its_role_decides() {
    use cosmolab_client::ClientSecretCredential;
    use cosmolab_model::{DATA_CONTRIBUTOR_ROLE_ID, RoleAssignmentProperties};

    let lab = Lab::start().await;
    lab.shop().await;
    let state = lab.emulator.state();
    let app = state.identity.register("orders-api", None, None);
    state
        .rbac_mut()
        .put_assignment(
            "orders-contributor",
            RoleAssignmentProperties {
                role_definition_id: DATA_CONTRIBUTOR_ROLE_ID.into(),
                scope: "/dbs/shop/colls/orders".into(),
                principal_id: app.application.object_id.clone(),
            },
        )
        .unwrap();
    let source = ClientSecretCredential::new(
        lab.emulator.endpoint(),
        state.identity.tenant_id(),
        app.application.client_id.clone(),
        app.client_secret.clone(),
    )
    .unwrap();
    let client = lab.client(Credential::Entra(EntraCredential::new(source)));
    let orders = client.database_client("shop").container_client("orders");
    orders
        .upsert_item("erin", &json!({"id": "e1", "customer": "erin"}))
        .await
        .unwrap();
    let read: Value = orders
        .read_item("erin", "e1")
        .await
        .unwrap()
        .into_resource();
    assert_eq!(read["customer"], "erin");

    let invoices = client.database_client("shop").container_client("invoices");
    let refused = invoices.read_item::<Value>("erin", "i1").await.unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    assert!(
        refused.message().contains(&app.application.object_id),
        "{refused}"
    );

    // A wrong secret: no token, so nothing is sent, and the error says why.
    let wrong = ClientSecretCredential::new(
        lab.emulator.endpoint(),
        state.identity.tenant_id(),
        app.application.client_id.clone(),
        "not the secret",
    )
    .unwrap();
    let client = lab.client(Credential::Entra(EntraCredential::new(wrong)));
    let error = client.read_account().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(error.message().contains("invalid_client"), "{error}");
}

/// Bearer tokens are never sent over plain http to another machine; loopback is allowed.
#[tokio::test]
async fn entra_refuses_plain_http_to_other_hosts() {
    let entra = || Credential::Entra(EntraCredential::new(Arc::new(FakeIdentity::default())));
    let error = CosmosClient::new("http://cosmos.example.com/", entra()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(error.message().contains("use https"), "{error}");
    CosmosClient::new("https://cosmos.example.com/", entra()).unwrap();
    CosmosClient::new("http://localhost:8081/", entra()).unwrap();
    CosmosClient::new("http://[::1]:8081/", entra()).unwrap();
}

/// Resource tokens are bearer credentials too: refused over plain http to another host, allowed
/// to loopback.
#[tokio::test]
async fn resource_tokens_refuse_plain_http_to_other_hosts() {
    let tokens = || {
        Credential::ResourceTokens(ResourceTokens::single(
            "dbs/shop/colls/orders",
            ResourceToken::new("type=resource&ver=1&sig=SECRET;x;"),
        ))
    };
    let error = CosmosClient::new("http://cosmos.example.com/", tokens()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(error.message().contains("use https"), "{error}");
    CosmosClient::new("https://cosmos.example.com/", tokens()).unwrap();
    CosmosClient::new("http://127.0.0.1:8081/", tokens()).unwrap();
}

/// A token's expiry is on the service's clock: the `Date` of the answer that carried it plus the
/// lifetime asked for. The emulator's `Date` is its token clock, which time travel moves.
#[tokio::test]
async fn the_answer_date_is_the_service_clock() {
    let lab = Lab::start().await;
    lab.shop().await;
    let before = lab.admin.database_client("shop").read().await.unwrap();
    let local = SystemTime::now();
    let date = before.date().expect("the service sends Date");
    assert!(date <= local + Duration::from_secs(1) && local <= date + Duration::from_secs(2));

    lab.emulator.advance_clock(Duration::from_secs(3600));
    let after = lab.admin.database_client("shop").read().await.unwrap();
    let ahead = after
        .date()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    assert!(ahead >= Duration::from_secs(3590), "{ahead:?}");
}

// ------------------------------------------------------------------------------------------------

/// Creates user `user` with permissions `(container, mode, partition)` and returns its tokens.
async fn grant(
    lab: &Lab,
    user: &str,
    permissions: &[(&str, PermissionMode, Option<&str>)],
) -> ResourceTokens {
    let shop = lab.admin.database_client("shop");
    shop.create_user(user).await.unwrap();
    let mut granted = Vec::new();
    for (container, mode, partition) in permissions {
        let mut permission =
            Permission::new(*container, *mode, format!("dbs/shop/colls/{container}"));
        permission.resource_partition_key = partition.map(PartitionKey::from);
        granted.push(
            shop.user_client(user)
                .create_permission(&permission)
                .await
                .unwrap()
                .into_resource(),
        );
    }
    ResourceTokens::from_permissions(&granted)
}

/// An identity provider stand-in: counts its calls and records the scopes asked for.
#[derive(Debug, Default)]
struct FakeIdentity {
    calls: AtomicU32,
    scopes: std::sync::Mutex<Vec<String>>,
}

impl TokenCredential for FakeIdentity {
    fn get_token<'a>(&'a self, scope: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.scopes.lock().unwrap().push(scope.to_owned());
            Ok(AccessToken::new(
                "eyJhbGciOiJub25lIn0.eyJvaWQiOiJmYWtlIn0.",
                SystemTime::now() + Duration::from_secs(3600),
            ))
        })
    }
}

/// An application that upserts and reads back one item in a loop, recording every failure.
struct Traffic {
    rounds: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Vec<String>>,
}

impl Traffic {
    fn start(orders: cosmolab_client::ContainerClient) -> Self {
        let rounds = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (counter, stopping) = (rounds.clone(), stop.clone());
        let task = tokio::spawn(async move {
            let mut failures = Vec::new();
            while !stopping.load(Ordering::SeqCst) {
                let round = counter.load(Ordering::SeqCst);
                let item = json!({"id": "heartbeat", "customer": "app", "round": round});
                let outcome = async {
                    orders.upsert_item("app", &item).await?;
                    orders.read_item::<Value>("app", "heartbeat").await
                };
                match outcome.await {
                    Ok(read) if read.resource()["round"] == round => {}
                    Ok(read) => failures.push(format!(
                        "read back {}, wrote {round}",
                        read.resource()["round"]
                    )),
                    Err(error) => failures.push(error.to_string()),
                }
                counter.fetch_add(1, Ordering::SeqCst);
            }
            failures
        });
        Self { rounds, stop, task }
    }

    async fn wait_for_more_rounds(&self, more: u64) {
        let target = self.rounds.load(Ordering::SeqCst) + more;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.rounds.load(Ordering::SeqCst) < target {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the application stalled"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    async fn stop(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        let failures = self.task.await.unwrap();
        (self.rounds.load(Ordering::SeqCst), failures)
    }
}

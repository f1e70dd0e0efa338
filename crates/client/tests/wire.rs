//! What the client puts on the wire and how it reads what comes back, checked against a scripted
//! fake service: the exact headers of each kind of request and credential, retries only for 429
//! and 449, error mapping, and that no secret ever reaches a log line or a `Debug` output.

mod framework;

use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{
    Authorization, MasterKey, ResourceAddress, StringToSign, WELL_KNOWN_EMULATOR_KEY,
    parse_http_date,
};
use cosmolab_client::{
    AccessToken, CosmosClient, Credential, EntraCredential, ErrorKind, KeyCredential,
    PartitionScope, Query, ResourceToken, ResourceTokens, RetryPolicy, StatusCode, TokenCredential,
    TokenFuture,
};
use cosmolab_emulator::KeyKind;
use cosmolab_model::{PartitionKey, Permission, PermissionMode};
use framework::{CapturedLogs, FakeCosmos, Lab, Scripted, key_credential};
use serde_json::{Value, json};

const TOKEN: &str = "type=resource&ver=1&sig=SECRET+SIG/==;SECRETPAYLOAD;";
const JWT: &str = "eyJhbGciOiJub25lIn0.eyJvaWQiOiJTRUNSRVQifQ.SECRETJWT";

fn master_key_client(endpoint: &str) -> CosmosClient {
    let key = KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap();
    CosmosClient::new(endpoint, Credential::MasterKey(key)).unwrap()
}

/// A master-key request carries the signed date, the API version and an activity id, and its
/// URL-encoded signature verifies on the server's side over the *decoded* link.
#[tokio::test]
async fn master_key_requests_are_signed_as_the_service_checks_them() {
    let fake = FakeCosmos::start().await;
    let client = master_key_client(&fake.endpoint);
    let _ = client
        .database_client("my db")
        .container_client("a+b")
        .read()
        .await;

    let request = fake.last();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/dbs/my%20db/colls/a%2Bb");
    assert_eq!(request.header("x-ms-version"), "2020-07-15");
    assert!(uuid_like(request.header("x-ms-activity-id")));
    let date = request.header("x-ms-date");
    let sent_at = parse_http_date(date).unwrap();
    assert!(
        SystemTime::now()
            .duration_since(sent_at)
            .unwrap_or_default()
            < Duration::from_secs(60)
    );

    let authorization = request.header("authorization");
    assert!(
        authorization.starts_with("type%3Dmaster%26ver%3D1.0%26sig%3D"),
        "{authorization}"
    );
    let Authorization::MasterKey(signature) = Authorization::parse(authorization).unwrap() else {
        panic!("not a master-key header")
    };
    let address = ResourceAddress::from_path(&request.path).unwrap();
    assert_eq!(address.signing_link(), "dbs/my db/colls/a+b");
    let payload = StringToSign::new(
        "GET",
        address.resource_type(),
        &address.signing_link(),
        date,
    );
    let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap();
    assert!(key.verify(&payload, &signature));
}

/// Item writes, upserts, queries, paging and permissions carry the headers protocol.md lists.
#[tokio::test]
async fn operations_send_the_documented_headers() {
    let fake = FakeCosmos::start().await;
    let client = master_key_client(&fake.endpoint);
    let orders = client.database_client("shop").container_client("orders");

    fake.answer([Scripted::new(201, json!({"id": "1", "customer": "zoë"}))]);
    orders
        .create_item("zoë", &json!({"id": "1", "customer": "zoë"}))
        .await
        .unwrap();
    let create = fake.last();
    assert_eq!(
        (create.method.as_str(), create.path.as_str()),
        ("POST", "/dbs/shop/colls/orders/docs")
    );
    assert_eq!(
        create.header("x-ms-documentdb-partitionkey"),
        r#"["zo\u00eb"]"#
    );
    assert_eq!(create.header("content-type"), "application/json");
    assert!(create.headers.get("x-ms-documentdb-is-upsert").is_none());

    fake.answer([Scripted::new(200, json!({"id": "1"}))]);
    orders.upsert_item("1", &json!({"id": "1"})).await.unwrap();
    assert_eq!(fake.last().header("x-ms-documentdb-is-upsert"), "True");

    fake.answer([Scripted::new(200, json!({"id": "1"}))]);
    orders
        .replace_item_if_match("1", "1", &json!({"id": "1"}), "\"v1\"")
        .await
        .unwrap();
    let replace = fake.last();
    assert_eq!(
        (replace.method.as_str(), replace.header("if-match")),
        ("PUT", "\"v1\"")
    );

    fake.answer([
        Scripted::new(200, json!({"Documents": []})).header("x-ms-continuation", "next"),
        Scripted::new(200, json!({"Documents": []})),
    ]);
    let query = Query::new("SELECT * FROM c WHERE c.n = @n").with_parameter("@n", 1);
    let mut pager = orders
        .query_items::<Value>(query, PartitionScope::CrossPartition)
        .max_item_count(5);
    pager.next_page().await.unwrap().unwrap();
    pager.next_page().await.unwrap().unwrap();
    let pages = fake.requests();
    let (first, second) = (&pages[pages.len() - 2], &pages[pages.len() - 1]);
    assert_eq!(first.header("content-type"), "application/query+json");
    assert_eq!(first.header("x-ms-documentdb-isquery"), "True");
    assert_eq!(
        first.header("x-ms-documentdb-query-enablecrosspartition"),
        "True"
    );
    assert_eq!(first.header("x-ms-max-item-count"), "5");
    assert!(first.headers.get("x-ms-continuation").is_none());
    assert_eq!(second.header("x-ms-continuation"), "next");
    let body: Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(
        body,
        json!({"query": "SELECT * FROM c WHERE c.n = @n", "parameters": [{"name": "@n", "value": 1}]})
    );

    orders
        .read_items::<Value>(PartitionKey::from("a"))
        .next_page()
        .await;
    let feed = fake.last();
    assert_eq!(
        (
            feed.method.as_str(),
            feed.header("x-ms-documentdb-partitionkey")
        ),
        ("GET", r#"["a"]"#)
    );
    assert!(
        feed.headers
            .get("x-ms-documentdb-query-enablecrosspartition")
            .is_none()
    );

    let user = client
        .database_client("shop")
        .user_client("Test User")
        .with_token_lifetime(Duration::from_secs(900));
    fake.answer([Scripted::new(
        201,
        json!({"id": "p", "permissionMode": "Read", "resource": "dbs/shop/colls/orders"}),
    )]);
    user.create_permission(&Permission::new(
        "p",
        PermissionMode::Read,
        "dbs/shop/colls/orders",
    ))
    .await
    .unwrap();
    let permission = fake.last();
    assert_eq!(permission.path, "/dbs/shop/users/Test%20User/permissions");
    assert_eq!(permission.header("x-ms-documentdb-expiry-seconds"), "900");
}

/// A resource token is sent URL-encoded, as the SDKs send it; an Entra token raw, in
/// `type=aad&ver=1.0&sig=<jwt>`.
#[tokio::test]
async fn tokens_are_sent_in_their_documented_forms() {
    let fake = FakeCosmos::start().await;
    let tokens = ResourceTokens::single("dbs/shop/colls/orders", ResourceToken::new(TOKEN));
    let app = CosmosClient::new(&fake.endpoint, Credential::ResourceTokens(tokens)).unwrap();
    let _ = app
        .database_client("shop")
        .container_client("orders")
        .read_item::<Value>("a", "1")
        .await;
    assert_eq!(
        fake.last().header("authorization"),
        "type%3Dresource%26ver%3D1%26sig%3DSECRET%2BSIG%2F%3D%3D%3BSECRETPAYLOAD%3B"
    );

    let entra = EntraCredential::new(FixedJwt);
    let app = CosmosClient::new(&fake.endpoint, Credential::Entra(entra)).unwrap();
    let _ = app.read_account().await;
    assert_eq!(
        fake.last().header("authorization"),
        format!("type=aad&ver=1.0&sig={JWT}")
    );
}

/// With only a document's token, deleting the database fails locally: no token covers it, and
/// the document's token is not sent on the chance that the service accepts it.
#[tokio::test]
async fn a_token_for_something_below_is_not_sent_for_a_delete() {
    let fake = FakeCosmos::start().await;
    let tokens = ResourceTokens::single(
        "dbs/shop/colls/orders/docs/order-1",
        ResourceToken::new(TOKEN),
    );
    let app = CosmosClient::new(&fake.endpoint, Credential::ResourceTokens(tokens)).unwrap();
    let error = app.database_client("shop").delete().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Credential);
    assert!(
        error.message().contains("no resource token covers"),
        "{error}"
    );
    assert!(fake.requests().is_empty(), "nothing was sent");
}

/// 429 is retried after `x-ms-retry-after-ms` and 449 after a short backoff, with a fresh
/// signature each time; the caller sees only the final success.
#[tokio::test]
async fn throttling_and_retry_with_are_retried() {
    let fake = FakeCosmos::start().await;
    let client = master_key_client(&fake.endpoint);
    fake.answer([
        Scripted::new(
            429,
            json!({"code": "TooManyRequests", "message": "slow down"}),
        )
        .header("x-ms-retry-after-ms", "20"),
        Scripted::new(449, json!({"code": "RetryWith", "message": "conflict"})),
        Scripted::new(200, json!({"id": "shop"})).header("x-ms-request-charge", "1.5"),
    ]);
    let started = std::time::Instant::now();
    let read = client.database_client("shop").read().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(20),
        "waited what the service asked"
    );
    assert_eq!(read.resource().id, "shop");
    assert_eq!(read.request_charge(), 1.5);
    assert_eq!(fake.requests().len(), 3);
}

/// Retries are bounded: after the policy's retries, the 429 itself is the answer.
#[tokio::test]
async fn retries_are_bounded() {
    let fake = FakeCosmos::start().await;
    let policy = RetryPolicy {
        max_throttle_retries: 2,
        ..RetryPolicy::default()
    };
    let client = CosmosClient::builder(
        &fake.endpoint,
        master_key_client(&fake.endpoint).credential().clone(),
    )
    .retry_policy(policy)
    .build()
    .unwrap();
    let throttled = || {
        Scripted::new(
            429,
            json!({"code": "TooManyRequests", "message": "slow down"}),
        )
        .header("x-ms-retry-after-ms", "1")
    };
    fake.answer([throttled(), throttled(), throttled(), throttled()]);
    let error = client.database_client("shop").read().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(fake.requests().len(), 3, "one attempt and two retries");
}

/// A hostile `x-ms-retry-after-ms` (`1e300`, negative, not a number) neither panics nor hangs:
/// an endless wait ends the retries, an unreadable one falls back to the default wait.
#[tokio::test]
async fn hostile_retry_after_values_are_survived() {
    let fake = FakeCosmos::start().await;
    let client = master_key_client(&fake.endpoint);
    let throttled = |after: &str| {
        Scripted::new(
            429,
            json!({"code": "TooManyRequests", "message": "slow down"}),
        )
        .header("x-ms-retry-after-ms", after)
    };
    fake.answer([throttled("1e300")]);
    let started = std::time::Instant::now();
    let error = client.database_client("shop").read().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(
        fake.requests().len(),
        1,
        "a wait past the budget is not retried"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    fake.answer([
        throttled("-5"),
        throttled("NaN"),
        Scripted::new(200, json!({"id": "shop"})),
    ]);
    client.database_client("shop").read().await.unwrap();
    assert_eq!(fake.requests().len(), 4);
}

/// A server that answers a continuation with the same continuation ends the stream with an
/// error naming it, instead of paging forever.
#[tokio::test]
async fn a_repeated_continuation_ends_paging() {
    let fake = FakeCosmos::start().await;
    let client = master_key_client(&fake.endpoint);
    let page = || Scripted::new(200, json!({"Databases": []})).header("x-ms-continuation", "again");
    fake.answer([page(), page(), page(), page()]);
    let mut pager = client.databases();
    pager.next_page().await.unwrap().unwrap();
    let error = pager.next_page().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnexpectedResponse);
    assert!(error.message().contains("\"again\""), "{error}");
    assert!(
        pager.next_page().await.is_none(),
        "the error ends the stream"
    );
    assert_eq!(fake.requests().len(), 2);
}

/// 401 and 403 are never retried, and every part of the refusal reaches the error.
#[tokio::test]
async fn refusals_are_final_and_fully_reported() {
    let fake = FakeCosmos::start().await;
    let client = master_key_client(&fake.endpoint);
    for status in [401, 403] {
        let before = fake.requests().len();
        fake.answer([Scripted::new(
            status,
            json!({"code": "Forbidden", "message": "Insufficient permissions."}),
        )
        .header("x-ms-substatus", "5301")
        .header(
            "x-cosmolab-deny-reason",
            "the token is for another container",
        )
        .header("x-ms-activity-id", "act-1")
        .header("x-ms-retry-after-ms", "1")]);
        let error = client.database_client("shop").read().await.unwrap_err();
        assert_eq!(fake.requests().len(), before + 1, "{status} was retried");
        assert_eq!(error.kind(), ErrorKind::Service);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.substatus(), Some(5301));
        assert_eq!(error.message(), "Insufficient permissions.");
        assert_eq!(
            error.deny_reason(),
            Some("the token is for another container")
        );
        assert_eq!(error.activity_id(), Some("act-1"));
    }
}

/// A success whose body is not what the operation expects, and a service that is not there, are
/// errors of their own kinds.
#[tokio::test]
async fn unreadable_answers_and_missing_services_are_told_apart() {
    let fake = FakeCosmos::start().await;
    let client = master_key_client(&fake.endpoint);
    fake.answer([Scripted::new(200, json!({"Users": []}))]);
    let error = client.databases().collect_items().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnexpectedResponse);
    assert!(error.message().contains("Databases"), "{error}");

    let nobody = master_key_client("http://127.0.0.1:9/");
    let error = nobody.read_account().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(error.status(), None);

    let error = CosmosClient::new(
        "not a url",
        Credential::ResourceTokens(ResourceTokens::new()),
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

/// Each request is one span with method, link, status, charge and attempts; across all four
/// credential kinds, no key, signature or token appears in anything logged.
#[tokio::test]
async fn logs_describe_requests_and_never_hold_secrets() {
    let lab = Lab::start().await;
    lab.shop().await;
    let logs = CapturedLogs::start();

    let admin = lab.client(Credential::MasterKey(key_credential(
        &lab.emulator,
        KeyKind::Primary,
    )));
    let orders = admin.database_client("shop").container_client("orders");
    orders.read_item::<Value>("alice", "order-1").await.unwrap();
    let reader = lab.client(Credential::ReadOnlyKey(key_credential(
        &lab.emulator,
        KeyKind::PrimaryReadonly,
    )));
    let _ = reader
        .database_client("shop")
        .container_client("orders")
        .delete_item("alice", "order-1")
        .await;
    let shop = admin.database_client("shop");
    shop.create_user("alice").await.unwrap();
    let permission = shop
        .user_client("alice")
        .create_permission(&Permission::new(
            "p",
            PermissionMode::Read,
            "dbs/shop/colls/orders",
        ))
        .await
        .unwrap()
        .into_resource();
    let token = permission.token.clone().unwrap();
    let app = lab.client(Credential::ResourceTokens(
        ResourceTokens::from_permissions([&permission]),
    ));
    app.database_client("shop")
        .container_client("orders")
        .read_item::<Value>("alice", "order-1")
        .await
        .unwrap();
    let entra = lab.client(Credential::Entra(EntraCredential::new(FixedJwt)));
    let _ = entra.read_account().await;

    let text = logs.text();
    assert!(text.contains("cosmos_request"), "{text}");
    assert!(text.contains("method=GET"), "{text}");
    assert!(
        text.contains("link=dbs/shop/colls/orders/docs/order-1"),
        "{text}"
    );
    assert!(text.contains("status=200"), "{text}");
    assert!(text.contains("status=401"), "{text}");
    assert!(text.contains("charge=1"), "{text}");
    assert!(text.contains("credential=\"read-only key\""), "{text}");
    for secret in [
        WELL_KNOWN_EMULATOR_KEY.to_owned(),
        lab.emulator.keys().primary_readonly_master_key,
        token.expose_secret().to_owned(),
        JWT.to_owned(),
        "sig=".to_owned(),
        "sig%3D".to_owned(),
    ] {
        assert!(!text.contains(&secret), "a secret was logged: {secret}");
    }
}

/// `Debug` of clients and every credential shows what they are, never what they hold.
#[tokio::test]
async fn debug_output_is_redacted() {
    let entra = EntraCredential::new(FixedJwt);
    entra.token("scope").await.unwrap();
    let tokens = ResourceTokens::single("dbs/shop/colls/orders", ResourceToken::new(TOKEN));
    let credentials = [
        Credential::MasterKey(KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap()),
        Credential::ReadOnlyKey(KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap()),
        Credential::ResourceTokens(tokens.clone()),
        Credential::Entra(entra),
    ];
    for credential in credentials {
        let client = CosmosClient::new("https://127.0.0.1:8081/", credential.clone()).unwrap();
        let database = client.database_client("shop");
        let container = database.container_client("orders");
        for debug in [
            format!("{credential:?}"),
            format!("{client:?}"),
            format!("{container:?}"),
            format!("{:?}", database.user_client("u")),
            format!(
                "{:?}",
                container.read_items::<Value>(PartitionScope::CrossPartition)
            ),
            format!("{:?}", tokens.select("dbs/shop/colls/orders")),
        ] {
            for secret in [WELL_KNOWN_EMULATOR_KEY, "SECRET", "sig="] {
                assert!(!debug.contains(secret), "{secret} in {debug}");
            }
        }
    }
    assert!(
        format!("{:?}", tokens).contains("dbs/shop/colls/orders"),
        "links are not secret"
    );
}

/// An Entra credential never prints its token source, even one whose derived `Debug` would
/// show a client secret.
#[tokio::test]
async fn debug_never_prints_the_token_source() {
    let entra = EntraCredential::new(CarelessIdentity {
        client_secret: "CLIENT-SECRET-123",
    });
    assert!(
        format!(
            "{:?}",
            CarelessIdentity {
                client_secret: "CLIENT-SECRET-123"
            }
        )
        .contains("CLIENT-SECRET-123"),
        "the source itself does print it"
    );
    let client = CosmosClient::new(
        "https://cosmos.example.com/",
        Credential::Entra(entra.clone()),
    )
    .unwrap();
    for debug in [
        format!("{entra:?}"),
        format!("{:?}", client.credential()),
        format!("{client:?}"),
        format!(
            "{:?}",
            client.database_client("shop").container_client("orders")
        ),
    ] {
        assert!(!debug.contains("CLIENT-SECRET-123"), "{debug}");
    }
}

/// A token source written carelessly: its derived `Debug` prints its secret.
#[derive(Debug)]
struct CarelessIdentity {
    client_secret: &'static str,
}

impl TokenCredential for CarelessIdentity {
    fn get_token<'a>(&'a self, _scope: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            // A real one would send the secret to the identity provider here.
            let _ = self.client_secret;
            Err("not used in this test".into())
        })
    }
}

/// A token source that always answers the same JWT.
#[derive(Debug)]
struct FixedJwt;

impl TokenCredential for FixedJwt {
    fn get_token<'a>(&'a self, _scope: &'a str) -> TokenFuture<'a> {
        Box::pin(async {
            Ok(AccessToken::new(
                JWT,
                SystemTime::now() + Duration::from_secs(3600),
            ))
        })
    }
}

fn uuid_like(text: &str) -> bool {
    text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
}

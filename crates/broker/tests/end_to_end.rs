//! The broker end to end, against the in-process emulator and its identity provider: seed 001's
//! phone app logs in, gets resource tokens from the broker, and uses them directly.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
use cosmolab_broker::{Broker, BrokerConfig};
use cosmolab_client::{
    BrokerCredential, ClientSecretCredential, CosmosClient, Credential, EntraCredential,
    KeyCredential, ResourceTokens, TokenCredential,
};
use cosmolab_emulator::Emulator;
use cosmolab_model::{Container, PartitionKeyDefinition, TokenGrant};
use serde_json::{Value, json};

const AUDIENCE: &str = "api://cosmolab-broker";
const SCOPE: &str = "api://cosmolab-broker/.default";

/// The policy of seed 001's sample: each user its own partition of `items`, everyone the catalog.
const POLICY: &str = r#"
[[policy]]
id = "own-items"
container = "items"
mode = "All"
partition_key = "{subject}"

[[policy]]
id = "catalog"
container = "catalog"
mode = "Read"
"#;

/// An emulator with `app/items` (partitioned by `/owner`) and `app/catalog`, and a broker in front.
struct Setup {
    emulator: Emulator,
    broker_url: String,
    broker: Arc<Broker>,
}

impl Setup {
    async fn start(policy: &str, extra: &str) -> Self {
        let emulator = Emulator::builder().time_travel(true).start().await.unwrap();
        let owner = owner(&emulator);
        owner.create_database("app").await.unwrap();
        let app = owner.database_client("app");
        for (container, key) in [("items", "/owner"), ("catalog", "/id")] {
            app.create_container(&Container::new(
                container,
                PartitionKeyDefinition::hash(key),
            ))
            .await
            .unwrap();
        }
        app.container_client("catalog")
            .create_item("widget", &json!({"id": "widget", "price": 12}))
            .await
            .unwrap();
        let (broker_url, broker) = start_broker(&emulator, policy, extra).await;
        Self {
            emulator,
            broker_url,
            broker,
        }
    }

    /// Registers a phone app user and returns its Entra credential and its subject (object id).
    fn user(&self, name: &str) -> (EntraCredential, String) {
        let state = self.emulator.state();
        let registered = state.identity.register(name, None, None);
        let source = ClientSecretCredential::new(
            self.emulator.endpoint(),
            state.identity.tenant_id(),
            registered.application.client_id.clone(),
            registered.client_secret.clone(),
        )
        .unwrap();
        (
            EntraCredential::new(source),
            registered.application.object_id.clone(),
        )
    }

    async fn post_token(&self, bearer: Option<&str>) -> reqwest::Response {
        let mut request = reqwest::Client::new().post(format!("{}token", self.broker_url));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send().await.unwrap()
    }

    async fn grant(&self, identity: &EntraCredential) -> TokenGrant {
        let jwt = identity.token(SCOPE).await.unwrap();
        let reply = self.post_token(Some(jwt.as_str())).await;
        assert_eq!(
            reply.status(),
            200,
            "{}",
            reply.text().await.unwrap_or_default()
        );
        reply.json().await.unwrap()
    }

    fn client_with(&self, grant: &TokenGrant) -> CosmosClient {
        let tokens = ResourceTokens::new();
        tokens.replace_all(
            grant
                .permissions
                .iter()
                .map(|permission| (permission.resource.clone(), permission.token.clone())),
        );
        CosmosClient::new(self.emulator.endpoint(), Credential::ResourceTokens(tokens)).unwrap()
    }
}

fn owner(emulator: &Emulator) -> CosmosClient {
    CosmosClient::new(
        emulator.endpoint(),
        Credential::MasterKey(KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap()),
    )
    .unwrap()
}

/// A broker for `emulator` with `policy`, telling time by the emulator's clock, on a free port.
async fn start_broker(emulator: &Emulator, policy: &str, extra: &str) -> (String, Arc<Broker>) {
    let config = format!(
        "[cosmos]\nendpoint = \"{}\"\n[identity]\naudience = \"{AUDIENCE}\"\n[tokens]\nlifetime_seconds = 600\nmax_lifetime_seconds = 3600\n{extra}\n{policy}",
        emulator.endpoint()
    );
    let config = BrokerConfig::parse(&config).unwrap();
    let state = emulator.state().clone();
    let broker = Arc::new(
        Broker::new(config)
            .unwrap()
            .with_clock(Arc::new(move || state.clock.now())),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, cosmolab_broker::router(broker.clone())).into_future());
    (url, broker)
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn a_phone_app_gets_tokens_for_its_own_partition_and_nothing_else() {
    let setup = Setup::start(POLICY, "").await;
    let (alice, alice_id) = setup.user("alice-phone");
    let (bob, bob_id) = setup.user("bob-phone");

    let jwt = alice.token(SCOPE).await.unwrap();
    let reply = setup.post_token(Some(jwt.as_str())).await;
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["cache-control"], "no-store");
    let grant: TokenGrant = reply.json().await.unwrap();
    assert_eq!(grant.user, alice_id);
    assert_eq!(grant.expires_in, 600);
    let service_now = unix(setup.emulator.state().clock.now());
    assert!(
        grant.expires_on.abs_diff(service_now + 600) <= 2,
        "{grant:?}"
    );
    let ids: Vec<&str> = grant.permissions.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["own-items", "catalog"]);
    // Nothing else leaves the broker: the answer is the caller's permissions, no key.
    let body = serde_json::to_string(&grant).unwrap();
    assert!(!body.contains(WELL_KNOWN_EMULATOR_KEY) && !body.contains(&bob_id));

    let app = setup.client_with(&grant);
    let items = app.database_client("app").container_client("items");
    items
        .create_item(
            alice_id.as_str(),
            &json!({"id": "note-1", "owner": alice_id}),
        )
        .await
        .unwrap();
    let bobs = items
        .create_item(bob_id.as_str(), &json!({"id": "note-2", "owner": bob_id}))
        .await
        .unwrap_err();
    assert_eq!(bobs.status().map(|s| s.as_u16()), Some(403), "{bobs}");
    let catalog = app.database_client("app").container_client("catalog");
    catalog
        .read_item::<Value>("widget", "widget")
        .await
        .unwrap();
    let write = catalog
        .upsert_item("widget", &json!({"id": "widget", "price": 1}))
        .await
        .unwrap_err();
    assert_eq!(write.status().map(|s| s.as_u16()), Some(403), "{write}");

    // Bob gets his own user, his own partition.
    let grant = setup.grant(&bob).await;
    assert_eq!(grant.user, bob_id);
    let partition = &grant.permissions[0].resource_partition_key;
    assert_eq!(
        partition.as_ref().map(ToString::to_string),
        Some(format!("[\"{bob_id}\"]"))
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401() {
    let setup = Setup::start(POLICY, "").await;
    let (alice, _) = setup.user("alice-phone");

    let missing = setup.post_token(None).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(
        missing.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "Unauthorized");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer")
    );

    let garbage = setup.post_token(Some("not-a-jwt")).await;
    assert_eq!(garbage.status(), 401);

    // A token for Cosmos DB itself, not for the broker.
    let cosmos_token = alice
        .token("https://cosmos.azure.com/.default")
        .await
        .unwrap();
    let reply = setup.post_token(Some(cosmos_token.as_str())).await;
    assert_eq!(reply.status(), 401);
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not for this broker"),
        "{body}"
    );

    // A forged token: the real one's claims, signed with another key under the real key id.
    let real = alice.token(SCOPE).await.unwrap();
    let forged = forge(real.as_str());
    let reply = setup.post_token(Some(&forged)).await;
    assert_eq!(reply.status(), 401);
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("signature"),
        "{body}"
    );

    // `alg: none`: the oldest trick.
    let unsigned = unsigned(real.as_str());
    let reply = setup.post_token(Some(&unsigned)).await;
    assert_eq!(reply.status(), 401);

    // An expired token: the identity provider's clock (the emulator's) moves two hours on.
    setup.emulator.advance_clock(Duration::from_secs(2 * 3600));
    let reply = setup.post_token(Some(real.as_str())).await;
    assert_eq!(reply.status(), 401);
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn a_token_from_another_tenant_is_refused() {
    let setup = Setup::start(POLICY, "").await;
    let other = Emulator::builder()
        .tenant_id("aaaa0000-0000-4000-8000-000000000000")
        .start()
        .await
        .unwrap();
    let registered = other.state().identity.register("intruder", None, None);
    let source = ClientSecretCredential::new(
        other.endpoint(),
        other.state().identity.tenant_id(),
        registered.application.client_id.clone(),
        registered.client_secret.clone(),
    )
    .unwrap();
    let token = source.get_token(SCOPE).await.unwrap();
    let reply = setup.post_token(Some(token.token.as_str())).await;
    assert_eq!(reply.status(), 401);
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not by the trusted issuer"),
        "{body}"
    );
}

#[tokio::test]
async fn the_client_keeps_working_across_a_refresh() {
    let setup = Setup::start(POLICY, "").await;
    let (alice, alice_id) = setup.user("alice-phone");
    let credential = BrokerCredential::new(&setup.broker_url, alice, SCOPE).unwrap();
    let app = CosmosClient::new(
        setup.emulator.endpoint(),
        Credential::Broker(credential.clone()),
    )
    .unwrap();
    let items = app.database_client("app").container_client("items");
    items
        .create_item(alice_id.as_str(), &json!({"id": "n1", "owner": alice_id}))
        .await
        .unwrap();
    let first = credential
        .tokens()
        .select("dbs/app/colls/items")
        .unwrap()
        .token()
        .clone();

    // Eleven minutes on the service's clock: the 10-minute token has expired there, while this
    // machine's clock says it has 10 minutes left. The emulator refuses it (403, "not valid at
    // the current time"); the credential asks the broker again and the request goes through.
    setup.emulator.advance_clock(Duration::from_secs(11 * 60));
    let read = items
        .read_item::<Value>(alice_id.as_str(), "n1")
        .await
        .unwrap();
    assert_eq!(read.resource()["id"], "n1");
    let second = credential
        .tokens()
        .select("dbs/app/colls/items")
        .unwrap()
        .token()
        .clone();
    assert_ne!(first, second, "the tokens were swapped");
}

#[tokio::test]
async fn a_token_outlives_its_permission_and_the_broker_restores_it() {
    let setup = Setup::start(POLICY, "").await;
    let (alice, alice_id) = setup.user("alice-phone");
    let grant = setup.grant(&alice).await;
    let app = setup.client_with(&grant);
    let items = app.database_client("app").container_client("items");

    // The account's owner deletes the permission: the token already handed out still works,
    // because it carries its grant and expiry with it — which is why lifetimes are kept short.
    owner(&setup.emulator)
        .database_client("app")
        .user_client(&alice_id)
        .delete_permission("own-items")
        .await
        .unwrap();
    items
        .create_item(alice_id.as_str(), &json!({"id": "n1", "owner": alice_id}))
        .await
        .unwrap();

    // Until it expires; the next request to the broker creates the permission again.
    setup.emulator.advance_clock(Duration::from_secs(11 * 60));
    let expired = items
        .read_item::<Value>(alice_id.as_str(), "n1")
        .await
        .unwrap_err();
    assert_eq!(expired.status().map(|s| s.as_u16()), Some(403));
    let grant = setup.grant(&alice).await;
    setup
        .client_with(&grant)
        .database_client("app")
        .container_client("items")
        .read_item::<Value>(alice_id.as_str(), "n1")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_policy_change_takes_effect_at_the_next_refresh() {
    let setup = Setup::start(POLICY, "").await;
    let (alice, alice_id) = setup.user("alice-phone");
    let before = setup.grant(&alice).await;

    // The operator restarts the broker with a stricter policy: own items read-only, no catalog.
    let stricter = POLICY
        .replacen("mode = \"All\"", "mode = \"Read\"", 1)
        .replace(
            "[[policy]]\nid = \"catalog\"\ncontainer = \"catalog\"\nmode = \"Read\"\n",
            "",
        );
    let (url, _) = start_broker(&setup.emulator, &stricter, "").await;
    let jwt = alice.token(SCOPE).await.unwrap();
    let after: TokenGrant = reqwest::Client::new()
        .post(format!("{url}token"))
        .bearer_auth(jwt.as_str())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let modes: Vec<String> = after
        .permissions
        .iter()
        .map(|p| format!("{}:{:?}", p.id, p.permission_mode))
        .collect();
    assert_eq!(modes, ["own-items:Read"]);
    let stored = owner(&setup.emulator)
        .database_client("app")
        .user_client(&alice_id)
        .permissions()
        .collect_items()
        .await
        .unwrap();
    assert_eq!(
        stored.len(),
        1,
        "the dropped catalog permission was deleted"
    );

    let note = json!({"id": "n1", "owner": alice_id});
    let new_tokens = setup.client_with(&after);
    let refused = new_tokens
        .database_client("app")
        .container_client("items")
        .create_item(alice_id.as_str(), &note)
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(403));
    // The old token still carries `All` until it expires.
    setup
        .client_with(&before)
        .database_client("app")
        .container_client("items")
        .create_item(alice_id.as_str(), &note)
        .await
        .unwrap();
}

#[tokio::test]
async fn each_identity_is_rate_limited() {
    let setup = Setup::start(POLICY, "[rate_limit]\nrequests_per_minute = 2\n").await;
    let (alice, _) = setup.user("alice-phone");
    let (bob, _) = setup.user("bob-phone");
    let jwt = alice.token(SCOPE).await.unwrap();
    for _ in 0..2 {
        assert_eq!(setup.post_token(Some(jwt.as_str())).await.status(), 200);
    }
    let limited = setup.post_token(Some(jwt.as_str())).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "30");
    // Bob is not Alice.
    let jwt = bob.token(SCOPE).await.unwrap();
    assert_eq!(setup.post_token(Some(jwt.as_str())).await.status(), 200);
}

#[tokio::test]
async fn a_token_without_the_claim_the_policy_needs_is_refused_with_403() {
    let policy = "[[policy]]\nid = \"team\"\ncontainer = \"team-{claim:groups}\"\nmode = \"All\"\n";
    let setup = Setup::start(policy, "").await;
    let (alice, _) = setup.user("alice-phone");
    let jwt = alice.token(SCOPE).await.unwrap();
    let reply = setup.post_token(Some(jwt.as_str())).await;
    assert_eq!(reply.status(), 403);
    let body: Value = reply.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no claim `groups`"),
        "{body}"
    );
    assert_eq!(setup.broker.config().policy.len(), 1);
}

#[tokio::test]
async fn healthz_answers() {
    let setup = Setup::start(POLICY, "").await;
    let reply = reqwest::get(format!("{}healthz", setup.broker_url))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
}

/// `jwt` with its signature replaced by one from a freshly made RSA key.
fn forge(jwt: &str) -> String {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    let claims = payload(jwt);
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let der = key.to_pkcs1_der().unwrap();
    let mut forged_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    forged_header.kid = header.kid;
    jsonwebtoken::encode(
        &forged_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap()
}

/// `jwt` re-written with `alg: none` and no signature.
fn unsigned(jwt: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = jwt.split('.').nth(1).unwrap();
    format!("{header}.{body}.")
}

fn payload(jwt: &str) -> Value {
    use base64::Engine as _;
    let body = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

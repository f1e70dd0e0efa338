//! The fixture and the credentials of the matrix.
//!
//! The account holds database `shop`: containers `orders` (partitioned by `/customer`, items
//! `o-alice` and `o-bob`; stored procedure `hello`, pre-trigger `stamp`, user-defined function
//! `shout`) and `invoices` (item `i-alice`). One Cosmos DB user per resource-token row, each with
//! one permission `p`; one registered application per Entra row, each with its role assignment.
//! Tokens that must be dead are made dead the way they die in real life: the "revoked" one by
//! regenerating the primary key after it was minted, the "expired" one by moving the token clock
//! past its lifetime — both before every other credential is made.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use cosmolab_auth_signing::MasterKey;
use cosmolab_client::{
    ClientSecretCredential, CosmosClient, Credential, KeyCredential, TokenCredential,
};
use cosmolab_lab_harness::{KeyKind, Need, RunningTarget};
use cosmolab_model::{
    Container, PartitionKey, PartitionKeyDefinition, Permission, PermissionMode, ResourceToken,
    StoredProcedure, Trigger, TriggerOperation, TriggerType, UserDefinedFunction,
};
use serde_json::{Value, json};

/// How a credential authorizes a request.
#[derive(Clone)]
pub enum Auth {
    /// Signs with a key (master or read-only).
    Key(MasterKey),
    /// Sends a resource token.
    Token(ResourceToken),
    /// Sends an Entra ID token (a JWT).
    Entra(String),
    /// Sends no `Authorization` header.
    Nothing,
    /// Sends this header value as is.
    Raw(&'static str),
}

/// One row of the matrix: a credential and its name.
#[derive(Clone)]
pub struct CredentialCase {
    /// Its name in the matrix.
    pub name: &'static str,
    /// How it authorizes.
    pub auth: Auth,
    /// Whether it is also tried with `disableLocalAuth` on.
    pub with_local_auth_disabled: bool,
}

/// What the fixture made: the credentials, and the key to set the scene with.
pub struct Fixture {
    /// The current primary key (regenerated once, when the target allows it).
    pub primary: MasterKey,
    /// Every row of the matrix this target can have.
    pub credentials: Vec<CredentialCase>,
    /// Rows this target cannot have, and why.
    pub skipped: Vec<String>,
}

/// Builds the fixture on `target`.
pub async fn build(target: &RunningTarget) -> Fixture {
    let mut primary = target.primary_key().clone();
    let owner = |key: &MasterKey| {
        CosmosClient::new(
            target.endpoint(),
            Credential::MasterKey(KeyCredential::new(key.clone())),
        )
        .expect("the owner's client builds")
    };
    let client = owner(&primary);
    client.create_database("shop").await.expect("create shop");
    let shop = client.database_client("shop");
    for name in ["orders", "invoices"] {
        shop.create_container(&Container::new(
            name,
            PartitionKeyDefinition::hash("/customer"),
        ))
        .await
        .expect("create a container");
    }
    let orders = shop.container_client("orders");
    for (id, customer) in [("o-alice", "alice"), ("o-bob", "bob")] {
        orders
            .create_item(
                customer,
                &json!({"id": id, "customer": customer, "total": 10}),
            )
            .await
            .expect("create an order");
    }
    shop.container_client("invoices")
        .create_item(
            "alice",
            &json!({"id": "i-alice", "customer": "alice", "amount": 10}),
        )
        .await
        .expect("create an invoice");
    // The scripts the script columns use, made with the key before any credential exists, as an
    // owner deploys them. None writes anything of its own (the trigger only stamps the new item
    // its cell creates anyway), so running one leaves nothing a later cell could see.
    orders
        .create_stored_procedure(&StoredProcedure::new(
            "hello",
            "function () { getContext().getResponse().setBody('hello'); }",
        ))
        .await
        .expect("create stored procedure hello");
    orders
        .create_trigger(&Trigger::new(
            "stamp",
            "function () { var r = getContext().getRequest(); var d = r.getBody(); \
             d.stamped = true; r.setBody(d); }",
            TriggerType::Pre,
            TriggerOperation::Create,
        ))
        .await
        .expect("create pre-trigger stamp");
    orders
        .create_user_defined_function(&UserDefinedFunction::new(
            "shout",
            "function (s) { return s.toUpperCase() + '!'; }",
        ))
        .await
        .expect("create user-defined function shout");

    let mut credentials = Vec::new();
    let mut skipped = Vec::new();
    let container = "dbs/shop/colls/orders";

    // The dead tokens first: they must be minted before what kills them.
    let mut revoked = None;
    if target.offers(Need::KeyAdmin) {
        revoked = Some(
            mint(
                &client,
                "u-revoked",
                PermissionMode::All,
                container,
                None,
                None,
            )
            .await,
        );
        let keys = target
            .admin()
            .regenerate(KeyKind::Primary)
            .await
            .expect("regenerate the primary key");
        primary = MasterKey::from_base64(&keys.primary_master_key).expect("a valid new key");
    } else {
        skipped.push("token revoked by regenerating the primary key (needs key-admin)".to_owned());
    }
    let client = owner(&primary);
    let mut expired = None;
    if target.offers(Need::TimeTravel) {
        let lifetime = Some(Duration::from_secs(600));
        expired = Some(
            mint(
                &client,
                "u-expired",
                PermissionMode::All,
                container,
                None,
                lifetime,
            )
            .await,
        );
        target
            .admin()
            .advance_clock(Duration::from_secs(3600))
            .await
            .expect("advance the token clock");
    } else {
        skipped.push("expired token (needs time-travel)".to_owned());
    }

    // Keys.
    credentials.push(case(
        "master key, primary",
        Auth::Key(primary.clone()),
        true,
    ));
    if target.offers(Need::KeyAdmin) {
        let keys = target.admin().keys().await.expect("list the keys");
        let key = |text: &str| MasterKey::from_base64(text).expect("a valid key");
        credentials.push(case(
            "master key, secondary",
            Auth::Key(key(&keys.secondary_master_key)),
            false,
        ));
        credentials.push(case(
            "read-only key, primary",
            Auth::Key(key(&keys.primary_readonly_master_key)),
            true,
        ));
        credentials.push(case(
            "read-only key, secondary",
            Auth::Key(key(&keys.secondary_readonly_master_key)),
            false,
        ));
    } else {
        skipped.push("the secondary and read-only keys (needs key-admin)".to_owned());
    }
    let wrong = MasterKey::from_bytes(vec![7; 64]).expect("64 bytes make a key");
    credentials.push(case(
        "a key the account does not have",
        Auth::Key(wrong),
        false,
    ));

    // Resource tokens, one per scope and mode.
    let document = "dbs/shop/colls/orders/docs/o-alice";
    let procedure = "dbs/shop/colls/orders/sprocs/hello";
    let tokens = [
        (
            "token All, container",
            "u-all-container",
            PermissionMode::All,
            container,
            None,
        ),
        (
            "token Read, container",
            "u-read-container",
            PermissionMode::Read,
            container,
            None,
        ),
        (
            "token All, partition alice",
            "u-all-partition",
            PermissionMode::All,
            container,
            Some("alice"),
        ),
        (
            "token Read, partition alice",
            "u-read-partition",
            PermissionMode::Read,
            container,
            Some("alice"),
        ),
        (
            "token All, document o-alice",
            "u-all-document",
            PermissionMode::All,
            document,
            None,
        ),
        (
            "token Read, document o-alice",
            "u-read-document",
            PermissionMode::Read,
            document,
            None,
        ),
        // A permission on one stored procedure: `All` runs it, `Read` only reads its definition.
        (
            "token All, stored procedure hello",
            "u-all-sproc",
            PermissionMode::All,
            procedure,
            None,
        ),
        (
            "token Read, stored procedure hello",
            "u-read-sproc",
            PermissionMode::Read,
            procedure,
            None,
        ),
    ];
    let mut read_container_token = None;
    for (name, user, mode, resource, partition) in tokens {
        let token = mint(&client, user, mode, resource, partition, None).await;
        if user == "u-read-container" {
            read_container_token = Some(token.clone());
        }
        credentials.push(case(name, Auth::Token(token), user == "u-all-container"));
    }
    if let Some(token) = read_container_token {
        credentials.push(case(
            "token Read, container, edited to All",
            Auth::Token(widened(&token)),
            false,
        ));
    }
    if let Some(token) = expired {
        credentials.push(case(
            "token All, container, expired",
            Auth::Token(token),
            false,
        ));
    }
    if let Some(token) = revoked {
        credentials.push(case(
            "token All, container, key regenerated",
            Auth::Token(token),
            false,
        ));
    }

    // Entra ID: one application per role assignment.
    if target.offers(Need::IdentityProvider) {
        let admin = target.admin();
        admin
            .put_role_definition(
                "items-reader",
                json!({"roleName": "Items reader", "type": "CustomRole",
                       "assignableScopes": ["/"],
                       "permissions": [{"dataActions": [
                           "Microsoft.DocumentDB/databaseAccounts/readMetadata",
                           "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read"]}]}),
            )
            .await
            .expect("define a custom role");
        // Exactly the action of running a stored procedure, plus `readMetadata` like the role
        // above: an SDK reads the container's properties before it runs anything in it.
        admin
            .put_role_definition(
                "sproc-runner",
                json!({"roleName": "Stored procedure runner", "type": "CustomRole",
                       "assignableScopes": ["/"],
                       "permissions": [{"dataActions": [
                           "Microsoft.DocumentDB/databaseAccounts/readMetadata",
                           "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeStoredProcedure"]}]}),
            )
            .await
            .expect("define a custom role");
        let reader = "00000000-0000-0000-0000-000000000001";
        let contributor = "00000000-0000-0000-0000-000000000002";
        let principals = [
            (
                "Entra, Data Reader on the account",
                Some((reader, "/")),
                false,
            ),
            (
                "Entra, Data Contributor on the account",
                Some((contributor, "/")),
                true,
            ),
            (
                "Entra, Data Contributor on shop",
                Some((contributor, "/dbs/shop")),
                false,
            ),
            (
                "Entra, Data Contributor on shop/orders",
                Some((contributor, "/dbs/shop/colls/orders")),
                false,
            ),
            (
                "Entra, custom items/read on shop/orders",
                Some(("items-reader", "/dbs/shop/colls/orders")),
                false,
            ),
            (
                "Entra, custom execute sproc on shop/orders",
                Some(("sproc-runner", "/dbs/shop/colls/orders")),
                false,
            ),
            ("Entra, no role assignment", None, false),
        ];
        for (index, (name, assignment, with_disabled)) in principals.into_iter().enumerate() {
            let app = admin
                .register_application(name)
                .await
                .expect("register an application");
            if let Some((role, scope)) = assignment {
                admin
                    .assign_role(&format!("a-{index}"), role, scope, &app.object_id)
                    .await
                    .expect("assign a role");
            }
            let source = ClientSecretCredential::new(
                target.endpoint(),
                &app.tenant_id,
                app.client_id.clone(),
                app.client_secret.clone(),
            )
            .expect("a client-secret credential");
            let token = source
                .get_token("https://cosmos.azure.com/.default")
                .await
                .expect("the identity provider issues a token");
            credentials.push(case(
                name,
                Auth::Entra(token.token.as_str().to_owned()),
                with_disabled,
            ));
        }
    } else {
        skipped.push("the Entra ID rows (needs identity-provider)".to_owned());
    }

    // No credential, and nonsense.
    credentials.push(case("no Authorization header", Auth::Nothing, true));
    credentials.push(case(
        "garbage",
        Auth::Raw("type=master&ver=1.0&sig=%%%not-base64"),
        false,
    ));
    credentials.push(case(
        "an unsigned Entra token",
        Auth::Entra(unsigned_jwt()),
        false,
    ));

    Fixture {
        primary,
        credentials,
        skipped,
    }
}

fn case(name: &'static str, auth: Auth, with_local_auth_disabled: bool) -> CredentialCase {
    CredentialCase {
        name,
        auth,
        with_local_auth_disabled,
    }
}

/// Creates `user` with permission `p` and returns its token.
async fn mint(
    client: &CosmosClient,
    user: &str,
    mode: PermissionMode,
    resource: &str,
    partition: Option<&str>,
    lifetime: Option<Duration>,
) -> ResourceToken {
    let shop = client.database_client("shop");
    shop.upsert_user(user).await.expect("create a user");
    let mut permission = Permission::new("p", mode, resource);
    permission.resource_partition_key = partition.map(PartitionKey::from);
    let mut user = shop.user_client(user);
    if let Some(lifetime) = lifetime {
        user = user.with_token_lifetime(lifetime);
    }
    user.upsert_permission(&permission)
        .await
        .expect("create a permission")
        .into_resource()
        .token
        .expect("a permission comes with a token")
}

/// A `Read` token whose payload was edited to say `All`, its signature kept: the attack a
/// signature exists to stop. (The token's inside is cosmolab's; see `docs/fidelity.md`.)
fn widened(token: &ResourceToken) -> ResourceToken {
    let text = token.expose_secret();
    let parts: Vec<&str> = text.split(';').collect();
    let edited = parts
        .get(1)
        .and_then(|payload| BASE64.decode(payload).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(|claims| BASE64.encode(claims.replace("\"Read\"", "\"All\"")))
        .unwrap_or_default();
    ResourceToken::new(format!(
        "{};{edited};",
        parts.first().copied().unwrap_or_default()
    ))
}

/// A JWT with `alg: none` claiming to be someone.
fn unsigned_jwt() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let claims: Value = json!({"oid": "00000000-0000-0000-0000-00000000beef", "aud": "https://cosmos.azure.com",
                               "iat": now, "nbf": now, "exp": now + 3600});
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

//! The scenario that grades lab 5, for your copy (`labs/05-broker`) and the solution alike.
//!
//! The account's owner (master key) creates database `app` with container `items`, partitioned
//! by `/owner`, and registers two phone apps, alice's and bob's, with the emulator's identity
//! provider. Your broker gets their tokens — and four bad ones: a token whose payload was edited,
//! a token meant for Cosmos DB, a token from another issuer and an unsigned one — and issues
//! resource tokens with your code; alice's app then uses hers directly, and comes back in time.
//! Run it with `cargo lab check 5`; do not edit it — `cargo xtask grade` uses its own copy.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cosmolab_client::{
    ClientSecretCredential, CosmosClient, Credential, ResourceTokens, TokenCredential,
};
use cosmolab_lab_harness::{Lab, RegisteredApplication, ServiceClock, Transcript};
use cosmolab_model::{Container, PartitionKeyDefinition};
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use lab_05_broker::{self as lab, Caller, IssuedToken, Refusal};
use serde_json::{Value, json};

/// The broker's audience: what an app's token must be for.
const AUDIENCE: &str = "api://cosmolab-broker";
/// A subject for the step that shows your permission as data: the same on every run.
const EXAMPLE_SUBJECT: &str = "11111111-2222-3333-4444-555555555555";

#[tokio::test]
async fn scenario() {
    // `None`: this target cannot run the lab (the reason is printed).
    let Some(lab) = Lab::start("05-broker").await else {
        return;
    };
    let mut t = lab.transcript();
    let mut clock = ServiceClock::default();
    let ten_minutes = Duration::from_secs(600);

    // The owner sets the scene with the master key.
    let owner = lab.owner_client().await;
    let app = owner.database_client(lab::DATABASE);
    t.request_status(
        "owner: create database app",
        owner.create_database(lab::DATABASE),
    )
    .await;
    let items = Container::new(lab::ITEMS, PartitionKeyDefinition::hash("/owner"));
    t.request_status(
        "owner: create container items",
        app.create_container(&items),
    )
    .await;
    let alice = t
        .admin(
            "owner: register alice's phone app",
            lab.admin().register_application("alice-phone"),
        )
        .await;
    let alice = lab.need(&t, alice);
    let bob = t
        .admin(
            "owner: register bob's phone app",
            lab.admin().register_application("bob-phone"),
        )
        .await;
    let bob = lab.need(&t, bob);
    let people = [
        (alice.object_id.clone(), "alice"),
        (bob.object_id.clone(), "bob"),
    ];
    let issuer = format!(
        "{}/{}/v2.0",
        lab.endpoint().trim_end_matches('/'),
        alice.tenant_id
    );

    // The tokens the broker is shown.
    let alice_jwt = lab.need(&t, jwt(lab.endpoint(), &alice, AUDIENCE).await);
    let key = issuer_key(lab.endpoint(), &alice.tenant_id, &alice_jwt).await;
    t.note(
        "the broker fetches the issuer's signing key (JWKS)",
        if key.is_some() {
            "fetched"
        } else {
            "not found"
        },
    );
    let key = lab.need(&t, key);
    let verify = |t: &mut Transcript, title: &str, token: &str, now: SystemTime| {
        t.compute(title, || {
            verdict(
                lab::verify_caller(token, &key, &issuer, AUDIENCE, now),
                &people,
            )
        })
    };
    verify(&mut t, "verify alice's token", &alice_jwt, clock.now());
    let bob_jwt = lab.need(&t, jwt(lab.endpoint(), &bob, AUDIENCE).await);
    verify(&mut t, "verify bob's token", &bob_jwt, clock.now());
    verify(
        &mut t,
        "verify alice's token with its payload edited to say bob",
        &with_subject(&alice_jwt, &bob.object_id),
        clock.now(),
    );
    let cosmos_jwt = lab.need(
        &t,
        jwt(lab.endpoint(), &alice, "https://cosmos.azure.com").await,
    );
    verify(
        &mut t,
        "verify alice's token for Cosmos DB (not for the broker)",
        &cosmos_jwt,
        clock.now(),
    );
    let elsewhere = lab.endpoint().replace("127.0.0.1", "localhost");
    let foreign_jwt = lab.need(&t, jwt(&elsewhere, &alice, AUDIENCE).await);
    verify(
        &mut t,
        "verify alice's token from another issuer",
        &foreign_jwt,
        clock.now(),
    );
    verify(
        &mut t,
        "verify an unsigned token (alg: none)",
        &unsigned(&alice_jwt),
        clock.now(),
    );
    verify(
        &mut t,
        "verify alice's token two hours later",
        &alice_jwt,
        clock.now() + Duration::from_secs(2 * 3600),
    );

    // Issuing: the permission, then the user, the token and its expiry. The emulator's clock is
    // moved 20 minutes ahead of this machine's first, so that the two clocks tell different times.
    t.compute_exact("the permission of an example subject", || {
        lab::permission_for(EXAMPLE_SUBJECT)
    });
    clock.advance(&lab, 20 * 60).await;
    t.note(
        "the emulator's clock moves 20 minutes ahead of this machine's",
        "done",
    );
    let issued = issue_step(
        &mut t,
        &app,
        &alice,
        ten_minutes,
        &clock,
        "issue alice's token",
    )
    .await;
    issue_step(
        &mut t,
        &app,
        &alice,
        ten_minutes,
        &clock,
        "issue alice's token again (she came back)",
    )
    .await;
    issue_step(&mut t, &app, &bob, ten_minutes, &clock, "issue bob's token").await;
    let issued = lab.need(&t, issued);

    // Alice's app, with her token only.
    let phone = app_client(&lab, &issued);
    let phone_items = phone
        .database_client(lab::DATABASE)
        .container_client(lab::ITEMS);
    let note = json!({"id": "note-1", "owner": alice.object_id, "text": "milk"});
    t.request_status(
        "alice's app: create a note in her partition",
        phone_items.create_item(alice.object_id.as_str(), &note),
    )
    .await;
    let intruding = json!({"id": "note-2", "owner": bob.object_id, "text": "hi bob"});
    t.request_status(
        "alice's app: create a note in bob's partition",
        phone_items.create_item(bob.object_id.as_str(), &intruding),
    )
    .await;

    // The app's side: when to come back.
    let margin = Duration::from_secs(5 * 60);
    t.compute_exact(
        "needs_refresh with a 5-minute margin: expiring in 10 minutes, in 2 minutes, 1 minute ago",
        || {
            let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
            [
                lab::needs_refresh(now + ten_minutes, now, margin),
                lab::needs_refresh(now + Duration::from_secs(120), now, margin),
                lab::needs_refresh(now - Duration::from_secs(60), now, margin),
            ]
        },
    );
    clock.advance(&lab, 8 * 60).await;
    t.note("eight minutes later (on the service's clock)", "done");
    let due = t.compute("alice's app: does her token need refreshing?", || {
        lab::needs_refresh(issued.expires_on, clock.now(), margin)
    });
    let renewed = if due {
        issue_step(
            &mut t,
            &app,
            &alice,
            ten_minutes,
            &clock,
            "alice's app comes back: issue her token",
        )
        .await
    } else {
        None
    };
    clock.advance(&lab, 3 * 60).await;
    t.note("three minutes later: the first token has expired", "done");
    t.request_status(
        "alice's app, with the first token: read her note",
        phone_items.read_item::<Value>(alice.object_id.as_str(), "note-1"),
    )
    .await;
    let renewed = lab.need(&t, renewed);
    t.request_status(
        "alice's app, with the token she came back for: read her note",
        app_client(&lab, &renewed)
            .database_client(lab::DATABASE)
            .container_client(lab::ITEMS)
            .read_item::<Value>(alice.object_id.as_str(), "note-1"),
    )
    .await;

    lab.finish(&t);
}

/// Your `issue` for `who`, as a step: the permission it returned (token redacted) and whether the
/// expiry it stated is on the service's clock.
async fn issue_step(
    t: &mut Transcript,
    app: &cosmolab_client::DatabaseClient,
    who: &RegisteredApplication,
    lifetime: Duration,
    clock: &ServiceClock,
    title: &str,
) -> Option<IssuedToken> {
    let expected = clock.now() + lifetime;
    let issued = t
        .outcome(title, async {
            lab::issue(app, &who.object_id, lifetime).await.map(Shown)
        })
        .await?
        .0;
    let off = |a: SystemTime, b: SystemTime| a.duration_since(b).unwrap_or_else(|e| e.duration());
    let difference = off(issued.expires_on, expected);
    t.note(
        &format!("{title}: the expiry it states"),
        if difference <= Duration::from_secs(5) {
            "the service's: the answer's date plus the lifetime".to_owned()
        } else {
            let minutes = difference.as_secs() / 60;
            let side = if issued.expires_on < expected {
                "early"
            } else {
                "late"
            };
            format!("{minutes} minutes {side} on the service's clock: not the service's time")
        },
    );
    Some(issued)
}

/// Shows an issued token by what its permission grants and whether it carries a token (the
/// expiry is checked in the next step: its value changes on every run).
struct Shown(IssuedToken);

impl serde::Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let permission = &self.0.permission;
        json!({
            "id": permission.id,
            "permissionMode": permission.permission_mode,
            "resource": permission.resource,
            "resourcePartitionKey": permission.resource_partition_key,
            "token": if permission.token.is_some() { "present" } else { "missing" },
        })
        .serialize(serializer)
    }
}

/// The client of an app holding `issued`'s token only.
fn app_client(lab: &Lab, issued: &IssuedToken) -> CosmosClient {
    let tokens = ResourceTokens::from_permissions([&issued.permission]);
    CosmosClient::new(lab.endpoint(), Credential::ResourceTokens(tokens))
        .unwrap_or_else(|error| panic!("the app's client: {error}"))
}

/// What `verify_caller` answered, in words: who the caller is, or why it was refused.
fn verdict(result: Result<Caller, Refusal>, people: &[(String, &str)]) -> String {
    match result {
        Ok(caller) => {
            let name = people
                .iter()
                .find(|(subject, _)| *subject == caller.subject)
                .map_or("someone unknown", |(_, name)| name);
            format!("the caller is {name}")
        }
        Err(refusal) => format!("refused: {refusal:?}"),
    }
}

/// A token for `audience` from the identity provider at `authority`, for `app`.
async fn jwt(authority: &str, app: &RegisteredApplication, audience: &str) -> Option<String> {
    let source = ClientSecretCredential::new(
        authority,
        &app.tenant_id,
        app.client_id.clone(),
        app.client_secret.clone(),
    )
    .ok()?;
    let token = source
        .get_token(&format!("{audience}/.default"))
        .await
        .ok()?;
    Some(token.token.as_str().to_owned())
}

/// The issuer's key that signed `jwt`, from its published key set.
async fn issuer_key(endpoint: &str, tenant: &str, jwt: &str) -> Option<DecodingKey> {
    let kid = jsonwebtoken::decode_header(jwt).ok()?.kid?;
    let keys: JwkSet = reqwest::get(format!("{endpoint}{tenant}/discovery/v2.0/keys"))
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    DecodingKey::from_jwk(keys.find(&kid)?).ok()
}

/// `jwt` with its payload's subject replaced, its signature kept: what an attacker can write.
fn with_subject(jwt: &str, subject: &str) -> String {
    let mut parts = jwt.split('.');
    let (header, payload, signature) = (parts.next(), parts.next(), parts.next());
    let mut claims: Value = payload
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    claims["sub"] = json!(subject);
    claims["oid"] = json!(subject);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!(
        "{}.{payload}.{}",
        header.unwrap_or_default(),
        signature.unwrap_or_default()
    )
}

/// `jwt` re-written with `alg: none` and no signature.
fn unsigned(jwt: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = jwt.split('.').nth(1).unwrap_or_default();
    format!("{header}.{payload}.")
}

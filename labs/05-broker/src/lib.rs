//! # Lab 5 — A token broker — your copy
//!
//! Seed 001's mid-tier service: a phone app must reach Cosmos DB directly, but may never hold the
//! master key. So the app signs its user in to an identity provider and shows the token to a
//! **broker** — a small service that holds the key. The broker checks who the caller is, makes
//! sure the caller's Cosmos DB user has its permission, reads it (which mints a resource token)
//! and hands back the token with its expiry. The app uses the token until it is about to expire,
//! then comes back.
//!
//! ```text
//!  phone app ──JWT──▶ broker: 1. verify_caller   signature, issuer, audience, expiry
//!                             2. permission_for  All on app/items, partition = the caller
//!                             3. issue           user + permission (idempotent), token, and
//!                                                the expiry on the *service's* clock
//!            ◀──token, expiry──
//!  phone app ──token──▶ Cosmos DB, directly          4. needs_refresh: come back in time
//! ```
//!
//! Public samples of this broker get it wrong in the same few ways: they decode the JWT without
//! checking its signature (anyone can write a JWT), accept tokens meant for another service, work
//! out the expiry on a clock that is not the service's, and check it backwards. This lab ships two
//! of those mistakes in place (steps 1 and 4) and leaves two steps to write.
//!
//! ## What you do
//!
//! Fix step 1, write steps 2 and 3, fix step 4 — each at its `TODO:` — then run
//! `cargo lab check 5`. The scenario registers two phone apps with the emulator's identity
//! provider, hands their tokens — and a few bad ones — to your code, and plays the apps with the
//! tokens you issue.
//!
//! 1. [`verify_caller`] — who is calling, from a JWT whose every check passed.
//! 2. [`permission_for`] — the caller's permission.
//! 3. [`issue`] — the caller's user and permission, its token and when it expires.
//! 4. [`needs_refresh`] — the app's side: when to come back.
//!
//! The page `docs/labs/05-broker.md` explains each step; `cargo lab hint 5` gives a hint. The real
//! implementation: `crates/broker` (the `cosmolab-broker` service) and `crates/client`'s
//! `BrokerCredential`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cosmolab_client::DatabaseClient;
use cosmolab_model::{PartitionKey, Permission, PermissionMode};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

/// The database the broker manages.
pub const DATABASE: &str = "app";
/// The container every user keeps its items in, partitioned by `/owner`.
pub const ITEMS: &str = "items";
/// How far `exp` and `nbf` may be off: clocks disagree a little.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Who is calling: the subject of a token that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    /// The token's `sub`: the identity, stable across its tokens.
    pub subject: String,
}

/// Why a caller's token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Refusal {
    /// Not a JWT, a JWT with an unusable header or claims, or one signed with another algorithm.
    Malformed,
    /// The signature does not verify with the issuer's key.
    BadSignature,
    /// Issued by someone else than the trusted issuer.
    WrongIssuer,
    /// Meant for another service than this broker.
    WrongAudience,
    /// `exp` has passed (beyond the skew).
    Expired,
    /// `nbf` has not come yet (beyond the skew).
    NotYetValid,
}

/// The claims the broker reads.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    #[serde(default)]
    nbf: Option<u64>,
}

/// What the broker hands back: the permission (with its token) and when the token expires.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedToken {
    /// The caller's permission as the service returned it, `_token` included.
    pub permission: Permission,
    /// When the token expires, on the service's clock.
    pub expires_on: SystemTime,
}

/// Step 1 (a fix): the caller of `jwt`, if its signature verifies with `key` (the issuer's
/// published RS256 key), it was issued by `issuer` for `audience`, and it is valid at `now`.
pub fn verify_caller(
    jwt: &str,
    key: &DecodingKey,
    issuer: &str,
    audience: &str,
    now: SystemTime,
) -> Result<Caller, Refusal> {
    // TODO: This is how many published brokers "verify" their callers, and it is wrong three
    // times over — the scenario hands it a forged token, a token meant for Cosmos DB and a token
    // from another issuer, and it lets all three in. Fix it:
    // - delete `insecure_disable_signature_validation()`: without the signature, anyone can write
    //   `{"sub": "alice"}` and be Alice;
    // - check the issuer and the audience: `validation.set_issuer(&[issuer])`,
    //   `validation.set_audience(&[audience])` (and drop `validate_aud = false`);
    // - map the errors: `ErrorKind::InvalidSignature` → `Refusal::BadSignature`,
    //   `InvalidIssuer` → `WrongIssuer`, `InvalidAudience` → `WrongAudience`, anything else →
    //   `Malformed` (match on `error.kind()`).
    // Keep `Validation::new(Algorithm::RS256)` (one algorithm, never the token's choice) and the
    // time checks below, which use the `now` you are given.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.insecure_disable_signature_validation();
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let claims = jsonwebtoken::decode::<Claims>(jwt, key, &validation)
        .map_err(|_| Refusal::Malformed)?
        .claims;
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let skew = CLOCK_SKEW.as_secs();
    if now >= claims.exp.saturating_add(skew) {
        return Err(Refusal::Expired);
    }
    if claims.nbf.is_some_and(|nbf| now.saturating_add(skew) < nbf) {
        return Err(Refusal::NotYetValid);
    }
    Ok(Caller {
        subject: claims.sub,
    })
}

/// Step 2: the permission of the user `subject`: `own-items`, `All` on the container
/// [`ITEMS`] of [`DATABASE`], restricted to the partition whose key is the subject.
pub fn permission_for(subject: &str) -> Permission {
    // TODO: `Permission::new("own-items", PermissionMode::All, <link>)` where the link is
    // `dbs/app/colls/items` (use `DATABASE` and `ITEMS`), then set `resource_partition_key` to
    // `Some(PartitionKey::from(subject))`: the caller's own partition, named by its verified
    // subject.
    todo!()
}

/// Step 3: with `database` (a client signed with the master key), makes sure the user `subject`
/// and its permission exist, reads a token valid for `lifetime`, and says when it expires.
pub async fn issue(
    database: &DatabaseClient,
    subject: &str,
    lifetime: Duration,
) -> cosmolab_client::Result<IssuedToken> {
    // TODO: 1. `database.upsert_user(subject).await?` (upsert: the app comes back every hour).
    // 2. `let user = database.user_client(subject).with_token_lifetime(lifetime);`
    // 3. Read the permission `permission_for(subject).id` with `user.read_permission(...)`: that
    //    mints a token for `lifetime`. If it is not found (`error.is_not_found()`), upsert
    //    `permission_for(subject)` instead; any other error is returned.
    // 4. The expiry is on the *service's* clock: the answer's `date()` (its `Date` header) plus
    //    `lifetime` — not `SystemTime::now() + lifetime`, which is this machine's clock (the
    //    scenario moves the emulator's clock away from yours to tell them apart).
    // Return `IssuedToken { permission: answer.into_resource(), expires_on }`.
    todo!()
}

/// Step 4 (a fix): on the app's side, whether a token expiring at `expires_on` must be replaced
/// at `now`, coming back `margin` before it expires.
pub fn needs_refresh(expires_on: SystemTime, now: SystemTime, margin: Duration) -> bool {
    // TODO: This is the check of many published samples, and it is backwards: it waits until the
    // token has been dead for `margin`, so every request in between is refused. Refresh once the
    // margin has *begun*: when `now + margin` is at or past `expires_on`.
    now >= expires_on + margin
}

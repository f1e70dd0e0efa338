//! # Lab 5 — A token broker — solved
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
//! ## What the trainee does
//!
//! Fixes step 1, writes steps 2 and 3, fixes step 4 (this is the finished twin; run
//! `cargo lab check 5`). The scenario registers two phone apps with the emulator's identity
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
    // The signature is the whole point: without it, anyone can write `{"sub": "alice"}` and be
    // Alice. RS256 only — a verifier that lets the token pick its algorithm can be fooled with
    // HS256 keyed by the public key. The issuer and the audience are checked too: a genuine token
    // of the same directory, meant for Cosmos DB or another API, is not a ticket to this broker.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // Times are checked below, on the `now` we are given, not on this machine's clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let claims = jsonwebtoken::decode::<Claims>(jwt, key, &validation)
        .map_err(|error| match error.kind() {
            ErrorKind::InvalidSignature => Refusal::BadSignature,
            ErrorKind::InvalidIssuer => Refusal::WrongIssuer,
            ErrorKind::InvalidAudience => Refusal::WrongAudience,
            _ => Refusal::Malformed,
        })?
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
    // The partition key is the verified subject — never a value from the request, which the
    // caller could set to someone else's.
    let mut permission = Permission::new(
        "own-items",
        PermissionMode::All,
        format!("dbs/{DATABASE}/colls/{ITEMS}"),
    );
    permission.resource_partition_key = Some(PartitionKey::from(subject));
    permission
}

/// Step 3: with `database` (a client signed with the master key), makes sure the user `subject`
/// and its permission exist, reads a token valid for `lifetime`, and says when it expires.
pub async fn issue(
    database: &DatabaseClient,
    subject: &str,
    lifetime: Duration,
) -> cosmolab_client::Result<IssuedToken> {
    // Upserts make the call repeatable: the app comes back every time its token runs out, and a
    // `create` would answer 409 from the second time on.
    database.upsert_user(subject).await?;
    let user = database.user_client(subject).with_token_lifetime(lifetime);
    let wanted = permission_for(subject);
    // Reading the permission mints a token for `lifetime`; only a missing permission is created.
    let answer = match user.read_permission(&wanted.id).await {
        Ok(answer) => answer,
        Err(error) if error.is_not_found() => user.upsert_permission(&wanted).await?,
        Err(error) => return Err(error),
    };
    // The token expires `lifetime` after the service minted it, on the service's clock: the
    // `Date` of its answer. This machine's clock may be minutes off it. (Cosmos DB always sends
    // `Date`; only without one is this machine's clock the best there is.)
    let minted_at = answer.date().unwrap_or_else(SystemTime::now);
    Ok(IssuedToken {
        permission: answer.into_resource(),
        expires_on: minted_at + lifetime,
    })
}

/// Step 4 (a fix): on the app's side, whether a token expiring at `expires_on` must be replaced
/// at `now`, coming back `margin` before it expires.
pub fn needs_refresh(expires_on: SystemTime, now: SystemTime, margin: Duration) -> bool {
    // Refresh once the margin has begun: `now + margin` at or past the expiry. (Subtracting the
    // margin from the expiry instead could underflow for a token issued at the epoch.)
    now + margin >= expires_on
}

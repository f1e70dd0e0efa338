//! # Lab 4 — Token lifetime and refresh — solved
//!
//! A resource token is a pass with an expiry date written into it. The lifetime is chosen when
//! the permission is created, replaced or **read** — `x-ms-documentdb-expiry-seconds`, from ten
//! minutes to five hours, one hour by default — and every read returns a **new** token (seeds 001
//! and 002). The token carries its own expiry: deleting the permission does not revoke the tokens
//! already handed out; they keep working until they expire. So an app refreshes its token before
//! it expires, and a back-end keeps lifetimes short.
//!
//! ```text
//!  time ─────────────────────────────────────────────────────────────────────────────▶
//!        read permission (600 s)          refresh margin        expiry
//!        │ token A ───────────────────────────┼─────────────────────┤
//!        │                                    │ read again          │
//!        │                                    │ token B ────────────┼────────────────┤
//!        │                                                          │
//!        │                        requests with A after expiry ───▶ 403 "not valid at the
//!        │                                                          current time"
//!        │ delete the permission: A and B still work until their own expiry
//! ```
//!
//! ## What the trainee does
//!
//! Fills in the four functions below (this is the finished twin; run `cargo lab check 4`).
//! The scenario moves the emulator's clock forward (time travel, an emulator-only feature) so
//! tokens expire in milliseconds instead of minutes. That is why the functions that need the time
//! take a `now`: it is the service's time, which runs ahead of your machine's once the scenario
//! has moved it.
//!
//! 1. [`bounded_lifetime`] — keep a requested lifetime within what the service accepts.
//! 2. [`needs_refresh`] — the check every refresh loop gets wrong once.
//! 3. [`fresh_token`] — read the permission with a lifetime: a new token and its expiry.
//! 4. [`TokenRefresher::refresh_if_needed`] — the refresh loop's step: swap the token in place.
//!
//! The page `docs/labs/04-token-lifetime.md` explains each step; `cargo lab hint 4` gives a hint.
//! The real implementations: `crates/client` (`UserClient::with_token_lifetime`,
//! `ResourceTokens::replace_all`) and the emulator's token checks in
//! `crates/emulator/src/authenticate.rs`.

use std::time::{Duration, SystemTime};

use cosmolab_client::{ResourceTokens, UserClient};
use cosmolab_model::ResourceToken;

/// The shortest lifetime the service accepts for a resource token: ten minutes.
pub const MIN_LIFETIME: Duration = Duration::from_secs(600);
/// The longest: five hours (the REST reference; seed 002 mentions 24 hours for newer SDKs).
pub const MAX_LIFETIME: Duration = Duration::from_secs(5 * 3600);

/// A token fresh from the service, with what the app needs to use and refresh it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The resource the token opens (the permission's `resource`), e.g. `dbs/shop/colls/orders`.
    pub link: String,
    /// The token itself (its `Debug` and the transcripts never show it).
    pub token: ResourceToken,
    /// When it stops working.
    pub expires_at: SystemTime,
}

/// Step 1: `requested`, brought within [`MIN_LIFETIME`]..=[`MAX_LIFETIME`].
pub fn bounded_lifetime(requested: Duration) -> Duration {
    // Bound on our side, rather than let the service answer 400: a policy that asks for a day, or
    // a caller that asks for a minute, still gets a usable token.
    requested.clamp(MIN_LIFETIME, MAX_LIFETIME)
}

/// Step 2: whether a token expiring at `expires_at` should be refreshed at `now`, refreshing
/// `margin` before it expires (and, of course, once it has).
pub fn needs_refresh(expires_at: SystemTime, now: SystemTime, margin: Duration) -> bool {
    // Refresh while the token still works: `margin` before expiry, so a request made during the
    // refresh still carries a valid token. `>=` also covers a token already expired.
    now + margin >= expires_at
}

/// Step 3: reads permission `permission_id` of `user` (a client signed with the master key)
/// asking for a token valid for `lifetime`, at `now` on the service's clock, and returns the new
/// token, its resource and its expiry.
pub async fn fresh_token(
    user: &UserClient,
    permission_id: &str,
    lifetime: Duration,
    now: SystemTime,
) -> cosmolab_client::Result<IssuedToken> {
    // Every read of a permission mints a new token, valid from the moment of the read for the
    // lifetime asked now; nothing has to be stored to "renew" it. The service does not send the
    // expiry back (it is sealed inside the token, which a client treats as opaque), so we compute
    // it: the time of the read plus the lifetime.
    //
    // "The time of the read" is the service's. Here the caller passes it in as `now`, because
    // the scenario has moved the emulator's clock forward and `SystemTime::now()` would be
    // minutes behind. A real back-end has one clock: it reads it just *before* sending the
    // request, so the computed expiry can only be earlier than the real one, never later. (The
    // service counts whole seconds, so the real expiry may be up to a second earlier than ours:
    // the refresh margin absorbs that, and any small skew between the two machines.)
    let permission = user
        .clone()
        .with_token_lifetime(lifetime)
        .read_permission(permission_id)
        .await?
        .into_resource();
    let token = permission
        .token
        .expect("the service returns a token with every permission it reads");
    Ok(IssuedToken {
        link: permission.resource,
        token,
        expires_at: now + lifetime,
    })
}

/// Keeps an app's token fresh: the token lives in a shared [`ResourceTokens`] that the app's
/// client reads on every request, and the refresher replaces it before it expires.
#[derive(Debug)]
pub struct TokenRefresher {
    /// The app's tokens (a shared handle: the app's client sees every replacement at once).
    pub tokens: ResourceTokens,
    /// The back-end's handle on the user whose permission is read.
    pub user: UserClient,
    /// The permission to read.
    pub permission_id: String,
    /// The lifetime to ask for.
    pub lifetime: Duration,
    /// How long before expiry to refresh.
    pub margin: Duration,
    /// When the current token expires.
    pub expires_at: SystemTime,
}

impl TokenRefresher {
    /// Step 4: at `now` (the service's clock), refreshes the token if it needs it. Returns
    /// whether it did.
    pub async fn refresh_if_needed(&mut self, now: SystemTime) -> cosmolab_client::Result<bool> {
        if !needs_refresh(self.expires_at, now, self.margin) {
            return Ok(false);
        }
        // Replace, don't add: `replace_all` swaps the whole set under one lock, so a request in
        // flight sees either the old token or the new one, never none. And replace *in* the
        // shared handle: assigning a new `ResourceTokens` to `self.tokens` would leave the app's
        // client holding the old token. If the read fails (the permission was deleted: 404), the
        // old token stays until it expires — the error says why the next refresh will not come.
        let issued = fresh_token(&self.user, &self.permission_id, self.lifetime, now).await?;
        self.tokens.replace_all([(issued.link, issued.token)]);
        self.expires_at = issued.expires_at;
        Ok(true)
    }
}

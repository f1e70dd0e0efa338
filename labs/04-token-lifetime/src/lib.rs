//! # Lab 4 — Token lifetime and refresh — your copy
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
//! ## What you do
//!
//! Fill in the four functions below, in order, each at its `TODO:`, then run `cargo lab check 4`.
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
    // TODO: Return `requested`, but never less than MIN_LIFETIME nor more than MAX_LIFETIME
    // (`Duration::clamp` does it in one call). The service refuses a lifetime outside that range
    // with 400 Bad Request, so a back-end bounds what its policy or its callers ask for.
    todo!()
}

/// Step 2: whether a token expiring at `expires_at` should be refreshed at `now`, refreshing
/// `margin` before it expires (and, of course, once it has).
pub fn needs_refresh(expires_at: SystemTime, now: SystemTime, margin: Duration) -> bool {
    // TODO: Refresh when the expiry is within `margin` of now: when `now + margin` is at or past
    // `expires_at`. The classic mistake is the other way round (refreshing only tokens that are
    // far from expiry), which ends with every request refused.
    todo!()
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
    // TODO: `user.clone().with_token_lifetime(lifetime).read_permission(permission_id).await?`
    // returns the permission with a token minted just now for `lifetime`; take its
    // `.into_resource()`. The token is in its `token` field (an Option: use `.expect(...)`, a read
    // permission always carries one), the link in its `resource` field. The service does not
    // send the expiry back: it is `now + lifetime`, since the token was minted at `now`. Use the
    // `now` you are given, not `SystemTime::now()`: it is the time on the service's clock, which
    // the scenario has moved minutes ahead of your machine's.
    todo!()
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
        // TODO: If `needs_refresh(self.expires_at, now, self.margin)` is false, return Ok(false).
        // Otherwise get a `fresh_token(&self.user, &self.permission_id, self.lifetime, now)`,
        // swap it into the app's tokens in one step with
        // `self.tokens.replace_all([(issued.link, issued.token)])` — so no request ever sees no
        // token — remember its `expires_at`, and return Ok(true).
        // `self.tokens` is a handle the app's client shares: change what it holds, do not assign
        // a new `ResourceTokens` to the field (the app's client would keep the old, expiring one).
        todo!()
    }
}

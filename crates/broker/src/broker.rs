//! The broker itself: from a verified identity to its resource tokens (seed 001's steps 4–7).
//!
//! ```text
//!  Identity { subject, claims }
//!    user    = subject                      upsert dbs/<db>/users/<subject>   (first sight: created)
//!    for each [[policy]] entry:
//!      wanted  = the entry, placeholders filled in from the identity
//!      read    dbs/<db>/users/<subject>/permissions/<id>   with x-ms-documentdb-expiry-seconds
//!      missing or different from `wanted` ─▶ upsert it (same header): the policy wins
//!      token   = its `_token`;  expiry = the answer's `Date` + lifetime   (the service's clock)
//!    permissions of the user no longer in the policy ─▶ deleted
//!  ─▶ TokenGrant { user, permissions, expiresOn (the earliest), expiresIn }
//! ```
//!
//! Reading a permission mints a new token for the lifetime asked, so a refresh is one read per
//! entry; the upsert happens only the first time, or when the policy changed. The expiry is the
//! service's: the `Date` of the answer that carried the token, plus the lifetime — never the
//! broker's own clock, which may be minutes off the service's.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cosmolab_client::{CosmosClient, Credential, KeyCredential, Response};
use cosmolab_model::{GrantedPermission, Permission, TokenGrant};

use crate::config::{BrokerConfig, ConfigError};
use crate::identity::{JwtVerifier, TokenRejected};
use crate::policy::Identity;
use crate::rate_limit::RateLimiter;

/// Where "now" comes from: the system clock, or (in tests) the emulator's.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Why a token request failed, and so what the caller is told.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The caller's token: 401.
    #[error(transparent)]
    Rejected(#[from] TokenRejected),
    /// A valid token the policy cannot serve (a subject that is not an id, a claim the policy
    /// needs and the token lacks): 403.
    #[error("{0}")]
    NotServed(String),
    /// Too many requests from this identity: 429.
    #[error("too many token requests; try again in {} s", .0.as_secs_f64().ceil().max(1.0))]
    RateLimited(Duration),
    /// The account refused or did not answer: 502. The message names the operation, never a key.
    #[error("the account could not serve the request: {0}")]
    Account(String),
}

/// The broker: configuration, the caller's verifier, the account's client, the rate limit.
pub struct Broker {
    config: BrokerConfig,
    verifier: JwtVerifier,
    cosmos: CosmosClient,
    limiter: RateLimiter,
    clock: Clock,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("config", &self.config)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// A broker for `config`, on the system clock.
    pub fn new(config: BrokerConfig) -> Result<Self, ConfigError> {
        let key = config.master_key()?;
        let cosmos = CosmosClient::new(
            &config.cosmos.endpoint,
            Credential::MasterKey(KeyCredential::new(key)),
        )
        .map_err(|error| ConfigError::Invalid(format!("[cosmos] endpoint: {error}")))?;
        Ok(Self {
            verifier: JwtVerifier::new(&config.issuer(), &config.identity.audience),
            limiter: RateLimiter::per_minute(config.rate_limit.requests_per_minute),
            cosmos,
            config,
            clock: Arc::new(SystemTime::now),
        })
    }

    /// The same broker, telling time by `clock` (a test gives it the emulator's).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// Serves one `POST /token`: verifies `bearer`, applies the rate limit, issues the tokens.
    pub async fn token_request(
        &self,
        bearer: Option<&str>,
        requested_lifetime: Option<u64>,
    ) -> Result<TokenGrant, BrokerError> {
        let jwt = bearer.ok_or(TokenRejected::Missing)?;
        let identity = self.verifier.verify(jwt, (self.clock)()).await?;
        self.limiter
            .check(&identity.subject, Instant::now())
            .map_err(BrokerError::RateLimited)?;
        self.issue(&identity, self.config.lifetime_for(requested_lifetime))
            .await
    }

    /// Steps 4–7 for an identity already verified: its user, its permissions, their tokens.
    pub async fn issue(
        &self,
        identity: &Identity,
        lifetime: Duration,
    ) -> Result<TokenGrant, BrokerError> {
        let database_id = &self.config.cosmos.database;
        let user_id = identity.user_id().map_err(BrokerError::NotServed)?;
        let wanted: Vec<Permission> = self
            .config
            .policy
            .iter()
            .map(|grant| grant.permission_for(identity, database_id))
            .collect::<Result<_, _>>()
            .map_err(BrokerError::NotServed)?;

        let database = self.cosmos.database_client(database_id);
        database
            .upsert_user(user_id)
            .await
            .map_err(|error| account_error("create or read the user", &error))?;
        let user = database.user_client(user_id).with_token_lifetime(lifetime);

        let mut permissions = Vec::with_capacity(wanted.len());
        let mut expires_on = u64::MAX;
        for wanted in &wanted {
            let answer = match user.read_permission(&wanted.id).await {
                Ok(current) if same_grant(current.resource(), wanted) => current,
                Ok(_) => {
                    tracing::info!(user = user_id, permission = %wanted.id, "the policy changed: replacing the permission");
                    upsert(&user, wanted).await?
                }
                Err(error) if error.is_not_found() => upsert(&user, wanted).await?,
                Err(error) => return Err(account_error("read a permission", &error)),
            };
            expires_on = expires_on.min(service_expiry(&answer, lifetime)?);
            let permission = answer.into_resource();
            let token = permission.token.ok_or_else(|| {
                BrokerError::Account("the account answered a permission without a token".into())
            })?;
            permissions.push(GrantedPermission {
                id: permission.id,
                resource: permission.resource,
                resource_partition_key: permission.resource_partition_key,
                permission_mode: permission.permission_mode,
                token,
            });
        }
        self.delete_stale_permissions(&user, &wanted).await?;

        let expires_in = lifetime.as_secs();
        tracing::info!(
            user = user_id,
            permissions = permissions.len(),
            expires_in,
            "issued resource tokens"
        );
        Ok(TokenGrant {
            user: user_id.to_owned(),
            expires_on,
            expires_in,
            permissions,
        })
    }

    /// Deletes the user's permissions that the policy no longer lists: an entry removed from the
    /// policy must not live on in the account. (Tokens already handed out for it still work until
    /// they expire: keep lifetimes short.)
    async fn delete_stale_permissions(
        &self,
        user: &cosmolab_client::UserClient,
        wanted: &[Permission],
    ) -> Result<(), BrokerError> {
        let existing = user
            .permissions()
            .collect_items()
            .await
            .map_err(|error| account_error("list the user's permissions", &error))?;
        for stale in existing
            .iter()
            .filter(|existing| !wanted.iter().any(|wanted| wanted.id == existing.id))
        {
            tracing::info!(user = user.id(), permission = %stale.id, "deleting a permission the policy no longer grants");
            user.delete_permission(&stale.id)
                .await
                .map_err(|error| account_error("delete a stale permission", &error))?;
        }
        Ok(())
    }
}

/// Whether the stored permission grants exactly what the policy wants.
fn same_grant(current: &Permission, wanted: &Permission) -> bool {
    current.resource == wanted.resource
        && current.permission_mode == wanted.permission_mode
        && current.resource_partition_key == wanted.resource_partition_key
}

async fn upsert(
    user: &cosmolab_client::UserClient,
    wanted: &Permission,
) -> Result<Response<Permission>, BrokerError> {
    user.upsert_permission(wanted)
        .await
        .map_err(|error| account_error("create or replace a permission", &error))
}

/// When the token in `answer` expires on the service's clock: its `Date` plus the lifetime asked
/// for, in Unix seconds.
fn service_expiry(answer: &Response<Permission>, lifetime: Duration) -> Result<u64, BrokerError> {
    let date = answer.date().ok_or_else(|| {
        BrokerError::Account(
            "the account's answer had no Date header, so the token's expiry is unknown".into(),
        )
    })?;
    let expiry = date + lifetime;
    Ok(expiry
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs())
}

/// An account failure, described without anything secret: the operation, the status, the
/// service's message.
fn account_error(operation: &str, error: &cosmolab_client::Error) -> BrokerError {
    tracing::warn!(operation, %error, "the account refused a broker request");
    BrokerError::Account(format!("could not {operation}: {error}"))
}

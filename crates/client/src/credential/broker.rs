//! [`BrokerCredential`]: resource tokens from a mid-tier broker, refreshed before they expire
//! (seed 001's step 8: "the app uses the tokens directly until they expire, then comes back").
//!
//! ```text
//!  request ─▶ fresh? (now < refresh_at) ──yes──▶ pick the token for the request's link
//!                 │ no (or never asked)
//!                 ▼
//!            POST <broker>/token   Authorization: Bearer <the app's own Entra token>
//!            ◀─ TokenGrant { permissions: [{resource, token}…], expiresIn }
//!            swap the whole set at once (ResourceTokens::replace_all)
//!            refresh_at = received + expiresIn − margin − jitter
//!
//!  answer 401, or 403 "not valid at the current time" ─▶ refresh once, send once more
//! ```
//!
//! - **Before expiry, with jitter.** The set is replaced `margin` before it expires (at most half
//!   its lifetime), minus a random part of up to half the margin, so a thousand phones that got
//!   their tokens in the same second do not all come back in the same second.
//! - **Counted from when the answer arrived**, on this machine's clock, for `expiresIn` seconds:
//!   the broker's `expiresOn` is on the service's clock, which this machine's may not match.
//! - **Atomic swap.** Requests in flight keep the set they started with; the next ones see the
//!   whole new set. One refresh at a time: concurrent requests wait for it instead of each asking.
//! - **Retry once on refusal.** A token can die early (the service's clock is ahead, the key that
//!   signed it was regenerated): on 401, or on 403 "not valid at the current time", the
//!   credential refreshes and the request is sent once more. A second refusal is the answer.
//! - If the broker cannot be reached but the current tokens have not expired, they are kept, and
//!   the broker is asked again ten seconds later (not by every request in between).
//!
//! ```no_run
//! # fn demo(app_identity: cosmolab_client::EntraCredential) -> cosmolab_client::Result<()> {
//! use cosmolab_client::{BrokerCredential, CosmosClient, Credential};
//!
//! let tokens = BrokerCredential::new(
//!     "https://broker.contoso.com/",          // the mid-tier service
//!     app_identity,                           // how the app signs in (its user's identity)
//!     "api://cosmolab-broker/.default",       // the broker's audience
//! )?;
//! let client = CosmosClient::new("https://contoso.documents.azure.com/", Credential::Broker(tokens))?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cosmolab_model::TokenGrant;
use reqwest::Url;
use tokio::sync::Mutex;

use super::entra::{EntraCredential, TOKEN_REQUEST_TIMEOUT};
use super::resource_tokens::ResourceTokens;
use crate::error::{Error, ErrorKind, Result};

/// How long before expiry the tokens are replaced, unless configured otherwise.
pub const DEFAULT_BROKER_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// After a failed refresh, while the current tokens still work, the broker is asked again this
/// much later.
const RETRY_AFTER_FAILED_REFRESH: Duration = Duration::from_secs(10);

/// Resource tokens obtained from a broker, kept fresh. Clones share the tokens.
#[derive(Clone)]
pub struct BrokerCredential {
    inner: Arc<BrokerInner>,
}

struct BrokerInner {
    token_url: Url,
    identity: EntraCredential,
    scope: String,
    http: reqwest::Client,
    tokens: ResourceTokens,
    margin: Duration,
    /// When to refresh and when the current set expires; `None` before the first request. Held
    /// while the broker is asked, so that concurrent requests wait for one refresh.
    schedule: Mutex<Option<Schedule>>,
}

#[derive(Debug, Clone, Copy)]
struct Schedule {
    refresh_at: Instant,
    expires_at: Instant,
}

impl BrokerCredential {
    /// Tokens from the broker at `broker_url`, asked for with `identity`'s tokens for `scope`
    /// (the broker's audience, `<app id uri>/.default`).
    pub fn new(broker_url: &str, identity: EntraCredential, scope: &str) -> Result<Self> {
        Self::with_refresh_margin(broker_url, identity, scope, DEFAULT_BROKER_REFRESH_MARGIN)
    }

    /// The same, replacing the tokens `margin` before they expire (at most half their lifetime).
    pub fn with_refresh_margin(
        broker_url: &str,
        identity: EntraCredential,
        scope: &str,
        margin: Duration,
    ) -> Result<Self> {
        let invalid = |why: String| Error::new(ErrorKind::Credential, why);
        let base = Url::parse(broker_url).map_err(|error| {
            invalid(format!(
                "the broker URL `{broker_url}` is not a URL: {error}"
            ))
        })?;
        let local = matches!(base.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if base.scheme() != "https" && !local {
            return Err(invalid(format!(
                "the broker {base} is not https: the app's token and the resource tokens may \
                 only travel over https (plain http is allowed to this machine only)"
            )));
        }
        let token_url = base
            .join("token")
            .map_err(|error| invalid(format!("no /token under {base}: {error}")))?;
        let http = reqwest::Client::builder()
            .timeout(TOKEN_REQUEST_TIMEOUT)
            .build()
            .map_err(|error| invalid(format!("could not build an HTTP client: {error}")))?;
        Ok(Self {
            inner: Arc::new(BrokerInner {
                token_url,
                identity,
                scope: scope.to_owned(),
                http,
                tokens: ResourceTokens::new(),
                margin,
                schedule: Mutex::new(None),
            }),
        })
    }

    /// The tokens as they are now (a shared handle: it sees every later swap).
    pub fn tokens(&self) -> &ResourceTokens {
        &self.inner.tokens
    }

    /// Makes sure the tokens are fresh: asks the broker if they are due (or were never fetched).
    pub async fn ensure_fresh(&self) -> Result<()> {
        let mut schedule = self.inner.schedule.lock().await;
        let now = Instant::now();
        if let Some(current) = *schedule
            && now < current.refresh_at
        {
            return Ok(());
        }
        match self.fetch().await {
            Ok((grant, received)) => {
                *schedule = Some(self.schedule_for(&grant, received));
                self.inner.tokens.replace_all(
                    grant
                        .permissions
                        .into_iter()
                        .map(|permission| (permission.resource, permission.token)),
                );
                tracing::debug!(
                    expires_in_s = grant.expires_in,
                    "got fresh resource tokens from the broker"
                );
                Ok(())
            }
            // The broker is down, but what we hold still works: keep it, and ask again a little
            // later — not on every request, each of which would wait for the broker's timeout.
            Err(error) => match schedule.as_mut() {
                Some(current) if now < current.expires_at => {
                    tracing::warn!(%error, "refreshing the resource tokens failed; using the current ones");
                    current.refresh_at = (now + RETRY_AFTER_FAILED_REFRESH).min(current.expires_at);
                    Ok(())
                }
                _ => Err(error),
            },
        }
    }

    /// Asks the broker now, whenever the tokens were due: after the service refused one of them.
    /// If the broker cannot be reached, the current tokens are kept until they expire.
    pub async fn force_refresh(&self) -> Result<()> {
        if let Some(schedule) = self.inner.schedule.lock().await.as_mut() {
            schedule.refresh_at = Instant::now();
        }
        self.ensure_fresh().await
    }

    /// One `POST /token`, and when its answer arrived.
    async fn fetch(&self) -> Result<(TokenGrant, Instant)> {
        let failed = |why: String| Error::new(ErrorKind::Credential, why);
        let bearer = self.inner.identity.token(&self.inner.scope).await?;
        let reply = self
            .inner
            .http
            .post(self.inner.token_url.clone())
            .bearer_auth(bearer.as_str())
            .send()
            .await
            .map_err(|error| {
                failed(format!(
                    "the broker {} did not answer: {error}",
                    self.inner.token_url
                ))
            })?;
        let received = Instant::now();
        let status = reply.status();
        let text = reply.text().await.unwrap_or_default();
        if !status.is_success() {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|body| body.get("message")?.as_str().map(str::to_owned))
                .unwrap_or_else(|| "no message".to_owned());
            if status == reqwest::StatusCode::UNAUTHORIZED {
                // The app's own token was refused: the next attempt should get a new one.
                self.inner.identity.clear_cache().await;
            }
            return Err(failed(format!(
                "the broker refused the token request ({status}): {message}"
            )));
        }
        let grant: TokenGrant = serde_json::from_str(&text).map_err(|error| {
            failed(format!("the broker's answer is not a token grant: {error}"))
        })?;
        Ok((grant, received))
    }

    /// When to replace the set of `grant`, received at `received`: `margin` (at most half the
    /// lifetime) before it expires, minus a random jitter of up to half the margin.
    fn schedule_for(&self, grant: &TokenGrant, received: Instant) -> Schedule {
        let lifetime = Duration::from_secs(grant.expires_in);
        let margin = self.inner.margin.min(lifetime / 2);
        let jitter = margin.mul_f64(rand::random::<f64>() / 2.0);
        let expires_at = received + lifetime;
        Schedule {
            refresh_at: expires_at.checked_sub(margin + jitter).unwrap_or(received),
            expires_at,
        }
    }
}

/// Whether the service's refusal means the token itself is no longer good (rather than that it
/// does not allow the request): worth one refresh.
pub(crate) fn refusal_calls_for_new_tokens(error: &Error) -> bool {
    match error.status() {
        Some(reqwest::StatusCode::UNAUTHORIZED) => true,
        Some(reqwest::StatusCode::FORBIDDEN) => error
            .message()
            .starts_with("The authorization token is not valid at the current time"),
        _ => false,
    }
}

impl fmt::Debug for BrokerCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrokerCredential")
            .field("token_url", &self.inner.token_url.as_str())
            .field("scope", &self.inner.scope)
            .field("tokens", &self.inner.tokens)
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(margin: Duration) -> BrokerCredential {
        #[derive(Debug)]
        struct NoIdentity;
        impl super::super::TokenCredential for NoIdentity {
            fn get_token<'a>(&'a self, _scope: &'a str) -> super::super::TokenFuture<'a> {
                Box::pin(async { Err("no identity in this test".into()) })
            }
        }
        BrokerCredential::with_refresh_margin(
            "http://127.0.0.1:1/",
            EntraCredential::new(NoIdentity),
            "api://broker/.default",
            margin,
        )
        .unwrap()
    }

    fn grant(expires_in: u64) -> TokenGrant {
        TokenGrant {
            user: "alice".into(),
            expires_on: 0,
            expires_in,
            permissions: Vec::new(),
        }
    }

    #[test]
    fn the_refresh_comes_before_expiry_with_jitter() {
        let credential = credential(Duration::from_secs(300));
        let received = Instant::now();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let schedule = credential.schedule_for(&grant(3600), received);
            assert_eq!(schedule.expires_at, received + Duration::from_secs(3600));
            let before_expiry = schedule.expires_at - schedule.refresh_at;
            assert!(
                (Duration::from_secs(300)..=Duration::from_secs(450)).contains(&before_expiry),
                "{before_expiry:?}"
            );
            seen.insert(before_expiry.as_millis());
        }
        assert!(seen.len() > 1, "the jitter spreads the refreshes");
        // A short lifetime: the margin shrinks to half of it, never before the answer arrived.
        let short = credential.schedule_for(&grant(60), received);
        assert!(
            short.refresh_at >= received && short.refresh_at <= received + Duration::from_secs(30)
        );
    }

    #[test]
    fn only_a_dead_token_calls_for_new_ones() {
        let refusal = |status: u16, message: &str| {
            Error::from_service(
                reqwest::StatusCode::from_u16(status).unwrap(),
                crate::error::ServiceErrorDetails {
                    body: serde_json::json!({"code": "x", "message": message})
                        .to_string()
                        .into_bytes(),
                    ..Default::default()
                },
            )
        };
        assert!(refusal_calls_for_new_tokens(&refusal(401, "wrong key")));
        assert!(refusal_calls_for_new_tokens(&refusal(
            403,
            "The authorization token is not valid at the current time. Please create another token."
        )));
        assert!(!refusal_calls_for_new_tokens(&refusal(
            403,
            "Insufficient permissions provided in the authorization header"
        )));
        assert!(!refusal_calls_for_new_tokens(&refusal(404, "not found")));
    }
}

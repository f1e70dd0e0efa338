//! Entra ID (formerly Azure AD): bearer tokens from an identity provider, cached and refreshed.
//!
//! With Entra ID an application proves its identity to **Microsoft Entra**, not to Cosmos DB: it
//! asks the identity provider for an access token (a JWT) for the scope
//! `<scheme>://<account host>/.default`, and sends it whole in
//! `authorization: type=aad&ver=1.0&sig=<JWT>` — **not** URL-encoded, unlike the other forms
//! (protocol notes §7). Cosmos DB checks the token's signature and audience, then the role
//! assignments of the identity it names (role-based access control, seed 004).
//!
//! How a token is obtained differs from one application to the next (a managed identity, a
//! client secret, a developer's `az login`), so this crate asks only for the [`TokenCredential`]
//! trait, the shape Azure's own SDKs use. [`EntraCredential`] wraps one and adds what every
//! application needs around it:
//!
//! - **caching**: a token is valid for about an hour; asking for one per request would be slow
//!   and would soon be throttled by the identity provider;
//! - **refresh before expiry**: a token that expires within the *refresh margin* (five minutes by
//!   default, as in azure-core) is replaced before it is used, so a request never leaves with a
//!   token that expires on the way. The margin is capped at half the token's lifetime: a provider
//!   that hands out two-minute tokens would otherwise be asked again on every request;
//! - **a bounded wait**: the provider is given [`TOKEN_REQUEST_TIMEOUT`] (30 s) to answer; a hung
//!   identity endpoint must not hang every request behind it, since they all wait for the one
//!   refresh;
//! - **one refresh at a time**: concurrent requests that find the token stale wait for a single
//!   refresh instead of each asking the identity provider;
//! - **riding out a failed refresh**: if the provider fails while the cached token is still valid,
//!   the cached token is used and the next request tries again.
//!
//! Bearer tokens are credentials for as long as they live, so the client refuses to send them
//! over plain `http` except to a loopback address (the in-process emulator), as azure-core does.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::BearerToken;
use tokio::sync::Mutex;

use crate::error::{Error, ErrorKind, Result};

/// How long before its expiry a cached token is replaced (azure-core's default), at most half
/// the token's lifetime.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long the identity provider is given to answer one token request before the attempt counts
/// as failed (and the cached token, if still valid, is used). Every request waiting for the
/// refresh waits this long at most, on top of its own time.
pub const TOKEN_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// An access token and the moment it stops being valid.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The JWT. Its `Debug` output is redacted.
    pub token: BearerToken,
    /// When the identity provider says the token expires (the JWT's `exp`).
    pub expires_on: SystemTime,
}

impl AccessToken {
    /// A token valid until `expires_on`.
    pub fn new(jwt: impl Into<String>, expires_on: SystemTime) -> Self {
        Self {
            token: BearerToken::new(jwt),
            expires_on,
        }
    }
}

/// The error a [`TokenCredential`] may fail with: any error type, boxed.
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

/// The future [`TokenCredential::get_token`] returns.
///
/// It is boxed so that the trait stays usable as `dyn TokenCredential` (an `async fn` in a trait
/// is not, yet); implementations write `Box::pin(async move { … })`.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<AccessToken, TokenError>> + Send + 'a>>;

/// Something that can get an Entra ID access token for a scope: a managed identity, a service
/// principal, a developer's CLI login — or, in tests, a fake.
///
/// `Debug` is required so that a client can describe itself, and it is written by hand: a token
/// source usually holds a secret (a client secret, a certificate, a cached token), and a derived
/// `Debug` would print it into every log line that formats the client. [`EntraCredential`] does
/// not print its source at all, but other code might.
///
/// ```
/// use std::fmt;
/// use std::time::{Duration, SystemTime};
/// use cosmolab_client::{AccessToken, TokenCredential, TokenFuture};
///
/// /// Hands out a fixed (fake) token, valid for an hour from each request.
/// struct FixedToken(&'static str);
///
/// /// By hand, not derived: the token is a secret.
/// impl fmt::Debug for FixedToken {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         f.debug_tuple("FixedToken").field(&"<redacted>").finish()
///     }
/// }
///
/// impl TokenCredential for FixedToken {
///     fn get_token<'a>(&'a self, _scope: &'a str) -> TokenFuture<'a> {
///         Box::pin(async move {
///             Ok(AccessToken::new(self.0, SystemTime::now() + Duration::from_secs(3600)))
///         })
///     }
/// }
/// ```
pub trait TokenCredential: fmt::Debug + Send + Sync {
    /// A token for `scope` (for Cosmos DB: `<scheme>://<account host>/.default`).
    fn get_token<'a>(&'a self, scope: &'a str) -> TokenFuture<'a>;
}

/// A shared credential is a credential: keep an `Arc` to look at (or reconfigure) the source while
/// the client uses it.
impl<T: TokenCredential + ?Sized> TokenCredential for Arc<T> {
    fn get_token<'a>(&'a self, scope: &'a str) -> TokenFuture<'a> {
        (**self).get_token(scope)
    }
}

/// A [`TokenCredential`] with a cache that refreshes tokens before they expire. Clones share the
/// cache.
#[derive(Clone)]
pub struct EntraCredential {
    inner: Arc<EntraInner>,
}

struct EntraInner {
    source: Box<dyn TokenCredential>,
    refresh_margin: Duration,
    /// The last token, the scope it is for and when to replace it. An async mutex, because it is
    /// held while the identity provider is asked: that is what makes concurrent refreshes wait for
    /// one another.
    cache: Mutex<Option<Cached>>,
}

/// A cached token.
struct Cached {
    scope: String,
    token: AccessToken,
    /// From this moment on, the token is replaced before it is used.
    refresh_at: SystemTime,
}

/// When a token obtained at `obtained` should be replaced: `margin` before it expires, but no
/// earlier than halfway through its lifetime. Subtracting from the expiry (never adding to now)
/// cannot overflow, whatever margin was configured.
fn refresh_at(obtained: SystemTime, token: &AccessToken, margin: Duration) -> SystemTime {
    let lifetime = token
        .expires_on
        .duration_since(obtained)
        .unwrap_or_default();
    let margin = margin.min(lifetime / 2);
    token.expires_on.checked_sub(margin).unwrap_or(obtained)
}

impl EntraCredential {
    /// Caches tokens from `source`, refreshing them [`DEFAULT_REFRESH_MARGIN`] before expiry.
    pub fn new(source: impl TokenCredential + 'static) -> Self {
        Self::with_refresh_margin(source, DEFAULT_REFRESH_MARGIN)
    }

    /// Caches tokens from `source`, refreshing them `refresh_margin` before they expire (at most
    /// half a token's lifetime before).
    pub fn with_refresh_margin(
        source: impl TokenCredential + 'static,
        refresh_margin: Duration,
    ) -> Self {
        Self {
            inner: Arc::new(EntraInner {
                source: Box::new(source),
                refresh_margin,
                cache: Mutex::new(None),
            }),
        }
    }

    /// A token for `scope`: the cached one while it is fresh, otherwise a new one from the source.
    ///
    /// When the source fails, its error is shown as the provider wrote it: copied into the
    /// [`ErrorKind::Credential`] error's message (and kept as its `source`), or into the `warn!`
    /// log line when the cached token is used instead. This crate cannot know what a provider puts
    /// in its errors; a [`TokenCredential`] must keep secrets out of them.
    pub async fn token(&self, scope: &str) -> Result<BearerToken> {
        let mut cache = self.inner.cache.lock().await;
        let now = SystemTime::now();
        let cached = cache.as_ref().filter(|cached| cached.scope == scope);
        if let Some(cached) = cached
            && now < cached.refresh_at
        {
            return Ok(cached.token.token.clone());
        }
        let cached = cached.map(|cached| cached.token.clone());

        let asked = tokio::time::timeout(TOKEN_REQUEST_TIMEOUT, self.inner.source.get_token(scope))
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "the identity provider did not answer within {} s",
                    TOKEN_REQUEST_TIMEOUT.as_secs()
                )
                .into())
            });
        match asked {
            Ok(fresh) => {
                tracing::debug!(
                    expires_in_s = fresh
                        .expires_on
                        .duration_since(now)
                        .unwrap_or_default()
                        .as_secs(),
                    "got a new Entra ID token"
                );
                let bearer = fresh.token.clone();
                *cache = Some(Cached {
                    scope: scope.to_owned(),
                    refresh_at: refresh_at(now, &fresh, self.inner.refresh_margin),
                    token: fresh,
                });
                Ok(bearer)
            }
            Err(error) => match cached.filter(|token| token.expires_on > now) {
                // The refresh failed, but the old token has not expired yet: better to use it than
                // to fail a request that would have succeeded. The next request tries again.
                Some(still_valid) => {
                    tracing::warn!(%error, "refreshing the Entra ID token failed; using the cached one");
                    Ok(still_valid.token)
                }
                None => Err(Error::new(
                    ErrorKind::Credential,
                    format!("the Entra ID credential could not get a token for {scope}: {error}"),
                )
                .with_source(error)),
            },
        }
    }

    /// Forgets the cached token, so that the next request asks the source for a new one (after
    /// a role assignment changed, for example).
    pub async fn clear_cache(&self) {
        *self.inner.cache.lock().await = None;
    }
}

impl fmt::Debug for EntraCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the source's own `Debug`: a token source holds a client secret or a certificate
        // more often than not, and its author may have derived `Debug` without thinking of it.
        f.debug_struct("EntraCredential")
            .field("source", &"<dyn TokenCredential>")
            .field("refresh_margin", &self.inner.refresh_margin)
            .finish_non_exhaustive()
    }
}

/// The scope Cosmos DB tokens are requested for: `<scheme>://<host>/.default` (no port), as the
/// official SDKs derive it from the endpoint.
pub(crate) fn scope_for(endpoint: &reqwest::Url) -> String {
    format!(
        "{}://{}/.default",
        endpoint.scheme(),
        endpoint.host_str().unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Hands out `jwt-1`, `jwt-2`, … each valid for `lifetime`, or fails when `failing` is set.
    #[derive(Debug, Default)]
    struct CountingCredential {
        calls: AtomicU32,
        lifetime_s: AtomicU32,
        failing: std::sync::atomic::AtomicBool,
    }

    impl TokenCredential for CountingCredential {
        fn get_token<'a>(&'a self, _scope: &'a str) -> TokenFuture<'a> {
            Box::pin(async move {
                let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
                if self.failing.load(Ordering::SeqCst) {
                    return Err("the identity provider is down".into());
                }
                let lifetime =
                    Duration::from_secs(u64::from(self.lifetime_s.load(Ordering::SeqCst)));
                Ok(AccessToken::new(
                    format!("jwt-{call}"),
                    SystemTime::now() + lifetime,
                ))
            })
        }
    }

    fn source(lifetime_s: u32) -> Arc<CountingCredential> {
        let source = Arc::new(CountingCredential::default());
        source.lifetime_s.store(lifetime_s, Ordering::SeqCst);
        source
    }

    /// A token valid well beyond the margin is fetched once and reused.
    #[tokio::test]
    async fn fresh_tokens_are_cached() {
        let source = source(3600);
        let credential = EntraCredential::new(source.clone());
        for _ in 0..3 {
            assert_eq!(credential.token("s").await.unwrap().as_str(), "jwt-1");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    }

    /// A short-lived token is reused for half its lifetime, not refreshed on every request; an
    /// expired one is replaced; another scope is another token.
    #[tokio::test]
    async fn tokens_are_refreshed_before_they_expire_not_on_every_request() {
        let source = source(120); // two minutes: shorter than the five-minute margin
        let credential = EntraCredential::new(source.clone());
        assert_eq!(credential.token("s").await.unwrap().as_str(), "jwt-1");
        assert_eq!(credential.token("s").await.unwrap().as_str(), "jwt-1");
        source.lifetime_s.store(0, Ordering::SeqCst); // expired on arrival
        credential.clear_cache().await;
        assert_eq!(credential.token("s").await.unwrap().as_str(), "jwt-2");
        source.lifetime_s.store(3600, Ordering::SeqCst);
        assert_eq!(credential.token("s").await.unwrap().as_str(), "jwt-3");
        assert_eq!(credential.token("other").await.unwrap().as_str(), "jwt-4");
    }

    /// The refresh moment is the margin before expiry, at most half the lifetime before, and a
    /// huge margin cannot overflow.
    #[test]
    fn the_refresh_margin_is_capped_at_half_the_lifetime() {
        let obtained = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let token =
            |lifetime_s| AccessToken::new("jwt", obtained + Duration::from_secs(lifetime_s));
        let at = |token: &AccessToken, margin| {
            refresh_at(obtained, token, margin)
                .duration_since(obtained)
                .unwrap()
                .as_secs()
        };
        assert_eq!(at(&token(3600), DEFAULT_REFRESH_MARGIN), 3300);
        assert_eq!(at(&token(120), DEFAULT_REFRESH_MARGIN), 60);
        assert_eq!(at(&token(3600), Duration::MAX), 1800);
        assert_eq!(at(&token(0), DEFAULT_REFRESH_MARGIN), 0);
    }

    /// A failed refresh falls back to the cached token while it is valid, and fails after.
    #[tokio::test]
    async fn a_failed_refresh_uses_the_still_valid_token() {
        let source = source(3600);
        let credential = EntraCredential::new(source.clone());
        // A token past its refresh moment but still valid for a minute.
        let now = SystemTime::now();
        *credential.inner.cache.lock().await = Some(Cached {
            scope: "s".to_owned(),
            token: AccessToken::new("jwt-0", now + Duration::from_secs(60)),
            refresh_at: now - Duration::from_secs(1),
        });
        source.failing.store(true, Ordering::SeqCst);
        assert_eq!(credential.token("s").await.unwrap().as_str(), "jwt-0");
        assert_eq!(
            source.calls.load(Ordering::SeqCst),
            1,
            "a refresh was tried"
        );

        credential.clear_cache().await;
        let error = credential.token("s").await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Credential);
        assert!(
            error.message().contains("identity provider is down"),
            "{error}"
        );
    }

    /// A provider that never answers fails the request after the timeout instead of hanging it.
    #[tokio::test(start_paused = true)]
    async fn a_hung_provider_times_out() {
        #[derive(Debug)]
        struct Hung;
        impl TokenCredential for Hung {
            fn get_token<'a>(&'a self, _scope: &'a str) -> TokenFuture<'a> {
                Box::pin(std::future::pending())
            }
        }
        let error = EntraCredential::new(Hung).token("s").await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Credential);
        assert!(
            error.message().contains("did not answer within 30 s"),
            "{error}"
        );
    }

    /// Concurrent requests with a stale cache trigger one refresh, not one each.
    #[tokio::test]
    async fn concurrent_requests_share_one_refresh() {
        let source = source(3600);
        let credential = EntraCredential::new(source.clone());
        let all = (0..8).map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.token("s").await.unwrap() })
        });
        for task in all {
            assert_eq!(task.await.unwrap().as_str(), "jwt-1");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    }

    /// The scope is the endpoint's scheme and host, without the port.
    #[test]
    fn the_scope_follows_the_endpoint() {
        let endpoint = reqwest::Url::parse("https://127.0.0.1:8081/").unwrap();
        assert_eq!(scope_for(&endpoint), "https://127.0.0.1/.default");
    }
}

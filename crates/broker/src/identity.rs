//! Establishing the caller's identity (seed 001's step 3): its JWT, checked against the issuer's
//! published keys.
//!
//! ```text
//!  Authorization: Bearer <JWT>
//!    header: alg must be RS256 (never `none`, never HS256 — see below), kid names the key
//!    key:    <issuer>/.well-known/openid-configuration → jwks_uri → the key with that kid
//!            (fetched once, fetched again when a token names a key we do not have: rotation)
//!    claims: signature ✓  iss = the configured issuer  aud = this broker  exp/nbf on our clock
//!  ─▶ Identity { subject: sub, claims }
//! ```
//!
//! `jsonwebtoken` does the parsing and the signature; the broker pins the algorithm to RS256,
//! because a verifier that lets the token choose can be fooled by a token "signed" with HS256 and
//! the issuer's *public* key as the secret, or by `alg: none`. Expiry and not-before are checked
//! here, against the broker's clock (which a test may set), with [`CLOCK_SKEW`] of leeway.
//!
//! A token for another tenant has another issuer and is refused on `iss`; a token meant for
//! Cosmos DB itself (`aud: https://cosmos.azure.com`) is refused on `aud` — a broker that accepted
//! any token from its tenant would hand resource tokens to every application of the directory.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::RwLock;

use crate::policy::Identity;

/// How far `exp` and `nbf` may be off: clocks disagree a little.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The keys are fetched again for an unknown `kid` at most this often, so that a stream of tokens
/// with made-up key ids cannot make the broker hammer the issuer.
const KEY_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// Why a caller's token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejected {
    /// No `Authorization: Bearer …` header.
    #[error("no token: send `Authorization: Bearer <JWT>` from your identity provider")]
    Missing,
    /// Not a JWT, or a JWT without the claims we need.
    #[error("the token is not a usable JWT: {0}")]
    Malformed(String),
    /// Signed with another algorithm than RS256.
    #[error("the token is signed with {0}; only RS256 is accepted")]
    WrongAlgorithm(String),
    /// Names a key the issuer does not publish.
    #[error("the token names signing key {0:?}, which the issuer does not publish")]
    UnknownKey(Option<String>),
    /// The signature does not verify.
    #[error("the token's signature is not valid")]
    BadSignature,
    /// Another issuer (another tenant, another identity provider).
    #[error("the token was issued by {found:?}, not by the trusted issuer {expected}")]
    WrongIssuer {
        /// The `iss` of the token.
        found: String,
        /// The configured issuer.
        expected: String,
    },
    /// Meant for another audience (Cosmos DB itself, another API).
    #[error("the token is for {found}, not for this broker ({expected})")]
    WrongAudience {
        /// The `aud` of the token.
        found: String,
        /// The configured audience.
        expected: String,
    },
    /// `exp` has passed.
    #[error("the token expired {0} s ago: get a new one from the identity provider")]
    Expired(u64),
    /// `nbf` is in the future.
    #[error("the token is not valid for another {0} s")]
    NotYetValid(u64),
    /// The issuer's keys could not be fetched: not the caller's fault.
    #[error("the issuer's signing keys could not be fetched: {0}")]
    KeysUnavailable(String),
}

/// The claims the broker reads itself (the rest are kept as they are for the policy).
#[derive(Debug, Deserialize)]
struct Registered {
    iss: String,
    aud: Value,
    exp: u64,
    #[serde(default)]
    nbf: Option<u64>,
    sub: String,
}

/// The part of OpenID discovery we use.
#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// The issuer's keys as last fetched.
struct KeyCache {
    keys: JwkSet,
    fetched_at: Option<Instant>,
}

impl Default for KeyCache {
    fn default() -> Self {
        Self {
            keys: JwkSet { keys: Vec::new() },
            fetched_at: None,
        }
    }
}

/// Verifies callers' JWTs against one issuer and one audience.
#[derive(Clone)]
pub struct JwtVerifier {
    issuer: String,
    audience: String,
    http: reqwest::Client,
    cache: Arc<RwLock<KeyCache>>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// Trusts tokens of `issuer` for `audience`.
    pub fn new(issuer: &str, audience: &str) -> Self {
        Self {
            issuer: issuer.trim_end_matches('/').to_owned(),
            audience: audience.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            cache: Arc::default(),
        }
    }

    /// The trusted issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Checks `jwt` at `now` and returns who it names.
    pub async fn verify(&self, jwt: &str, now: SystemTime) -> Result<Identity, TokenRejected> {
        let header = jsonwebtoken::decode_header(jwt)
            .map_err(|error| TokenRejected::Malformed(error.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenRejected::WrongAlgorithm(format!("{:?}", header.alg)));
        }
        let kid = header.kid.clone().ok_or(TokenRejected::UnknownKey(None))?;
        let key = self.key(&kid).await?;

        // Signature, issuer and audience by jsonwebtoken; the times below, on our clock.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let decoded =
            jsonwebtoken::decode::<serde_json::Map<String, Value>>(jwt, &key, &validation)
                .map_err(|error| match error.kind() {
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                        TokenRejected::BadSignature
                    }
                    _ => TokenRejected::Malformed(error.to_string()),
                })?;
        let claims = decoded.claims;
        let registered: Registered = serde_json::from_value(Value::Object(claims.clone()))
            .map_err(|error| {
                TokenRejected::Malformed(format!(
                    "a claim is missing or has the wrong type: {error}"
                ))
            })?;
        if registered.iss.trim_end_matches('/') != self.issuer {
            return Err(TokenRejected::WrongIssuer {
                found: registered.iss,
                expected: self.issuer.clone(),
            });
        }
        let audiences: Vec<&str> = match &registered.aud {
            Value::String(audience) => vec![audience.as_str()],
            Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !audiences.contains(&self.audience.as_str()) {
            return Err(TokenRejected::WrongAudience {
                found: audiences.join(", "),
                expected: self.audience.clone(),
            });
        }
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let skew = CLOCK_SKEW.as_secs();
        if now >= registered.exp.saturating_add(skew) {
            return Err(TokenRejected::Expired(now - registered.exp));
        }
        if let Some(nbf) = registered.nbf
            && now.saturating_add(skew) < nbf
        {
            return Err(TokenRejected::NotYetValid(nbf - now));
        }
        if registered.sub.is_empty() {
            return Err(TokenRejected::Malformed(
                "the subject (`sub`) is empty".to_owned(),
            ));
        }
        Ok(Identity::new(registered.sub, claims))
    }

    /// The key `kid`, from the cache or, when it is not there, from the issuer (rate-limited).
    async fn key(&self, kid: &str) -> Result<DecodingKey, TokenRejected> {
        {
            let cache = self.cache.read().await;
            if let Some(jwk) = cache.keys.find(kid) {
                return DecodingKey::from_jwk(jwk)
                    .map_err(|error| TokenRejected::KeysUnavailable(error.to_string()));
            }
            if cache
                .fetched_at
                .is_some_and(|fetched| fetched.elapsed() < KEY_REFRESH_INTERVAL)
            {
                return Err(TokenRejected::UnknownKey(Some(kid.to_owned())));
            }
        }
        let mut cache = self.cache.write().await;
        // Another request may have fetched them while we waited for the lock.
        if cache
            .fetched_at
            .is_none_or(|fetched| fetched.elapsed() >= KEY_REFRESH_INTERVAL)
        {
            cache.keys = self.fetch_keys().await?;
            cache.fetched_at = Some(Instant::now());
            tracing::info!(issuer = %self.issuer, keys = cache.keys.keys.len(), "fetched the issuer's signing keys");
        }
        let jwk = cache
            .keys
            .find(kid)
            .ok_or_else(|| TokenRejected::UnknownKey(Some(kid.to_owned())))?;
        DecodingKey::from_jwk(jwk)
            .map_err(|error| TokenRejected::KeysUnavailable(error.to_string()))
    }

    /// Discovery, then the key set.
    async fn fetch_keys(&self) -> Result<JwkSet, TokenRejected> {
        let unavailable = |error: String| TokenRejected::KeysUnavailable(error);
        let discovery_url = format!("{}/.well-known/openid-configuration", self.issuer);
        let discovery: Discovery = self
            .http
            .get(&discovery_url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| unavailable(format!("{discovery_url}: {error}")))?
            .json()
            .await
            .map_err(|error| unavailable(format!("{discovery_url}: {error}")))?;
        // OpenID Connect Discovery §4.3: the document must be for the issuer we asked about.
        if discovery.issuer.trim_end_matches('/') != self.issuer {
            return Err(unavailable(format!(
                "{discovery_url} describes issuer {}, not {}",
                discovery.issuer, self.issuer
            )));
        }
        self.http
            .get(&discovery.jwks_uri)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| unavailable(format!("{}: {error}", discovery.jwks_uri)))?
            .json()
            .await
            .map_err(|error| unavailable(format!("{}: {error}", discovery.jwks_uri)))
    }
}

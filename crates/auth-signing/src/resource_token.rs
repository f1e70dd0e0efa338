//! Resource tokens: a permission, signed, in the envelope the service uses.
//!
//! When a client reads a permission with the master key, the service answers with a `_token`: a
//! short-lived credential that opens exactly what the permission grants (seeds 001–003). The
//! service documents only the token's envelope — `type=resource&ver=1&sig=<sig>;<payload>;` — and
//! tells clients to treat it as opaque. The official SDKs do: they store it, look it up by resource
//! link and percent-encode it into the header, without ever parsing it.
//!
//! Inside that envelope, cosmolab puts its own signed claim set:
//!
//! ```text
//! type=resource&ver=1&sig=<base64 HMAC-SHA256(key, DOMAIN + payload)>;<payload>;
//!                              payload = base64(JSON ResourceTokenClaims)
//! ```
//!
//! - The **claims** ([`ResourceTokenClaims`]) say which permission the token came from, which user
//!   holds it, which resource and partition key it opens, in which mode, when it was issued, when
//!   it expires, which generation of the signing key signed it, and a unique token id (so that
//!   every read of a permission yields a different token, as the service's do).
//! - The **signature** is an HMAC over the payload *text* with one of the account's master keys.
//!   Only the server knows that key, so a client cannot widen its scope or extend its lifetime:
//!   any changed byte breaks the signature. A token signed by a key that has since been
//!   regenerated no longer verifies, which is how the emulator revokes tokens on key rotation.
//! - The payload is **signed, not encrypted**: anyone holding a token can base64-decode it and read
//!   the claims. Nothing secret goes in there. (The real service's payload is opaque to us; see
//!   `docs/fidelity.md`.)
//! - The HMAC input starts with a fixed domain string, so a token signature can never be confused
//!   with a master-key request signature made with the same key.
//!
//! Verification checks, in order: the envelope's shape, the signature, then the time window. Claims
//! are only handed out after the signature has been checked ([`UnverifiedResourceToken::verify`]).
//!
//! The token string itself is [`cosmolab_model::ResourceToken`], the type of a permission's
//! `_token` field (its `Debug` is redacted); this module adds minting and verifying around it.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use cosmolab_model::{PartitionKey, PermissionMode, ResourceToken};
use hmac::Mac as _;
use serde::{Deserialize, Serialize};

use crate::date::NotValidAtCurrentTime;
use crate::key::MasterKey;

/// What every resource token starts with; `ver=1`, as in the service's documented examples.
const ENVELOPE_PREFIX: &str = "type=resource&ver=1&sig=";

/// Prepended to the payload before signing, to separate token signatures from request signatures.
const SIGNATURE_DOMAIN: &str = "cosmolab-resource-token-v1\n";

/// The claims a resource token carries: a snapshot of its permission at the time it was minted.
///
/// Serialized with Cosmos DB's own field names where there is one, so that a trainee who decodes a
/// token recognises the permission in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceTokenClaims {
    /// Link of the permission the token was minted from: `dbs/db/users/Test User/permissions/p1`.
    pub permission: String,
    /// Link of the user who holds the permission: `dbs/db/users/Test User`.
    pub user: String,
    /// Link of the resource the permission opens (a container, document, script, …).
    pub resource: String,
    /// When set, only requests for this logical partition are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_partition_key: Option<PartitionKey>,
    /// `All` (read and write) or `Read` (read and query only).
    pub permission_mode: PermissionMode,
    /// When the token was minted, in seconds since the Unix epoch.
    pub issued_at: u64,
    /// When the token stops being valid, in seconds since the Unix epoch.
    pub expires_at: u64,
    /// Which generation of the signing key signed it; regenerating the key increments it.
    pub key_generation: u32,
    /// A value unique to this token (like a JWT's `jti`), chosen by the minter.
    ///
    /// The service mints a *new* token on every read of a permission; without this, two reads in
    /// the same second would produce identical claims and so the identical token. It also lets an
    /// audit log tell two tokens of the same permission apart.
    pub token_id: String,
}

impl ResourceTokenClaims {
    /// Mints a token carrying these claims, signed with `key`.
    ///
    /// ```
    /// use cosmolab_auth_signing::{MasterKey, ResourceTokenClaims, UnverifiedResourceToken};
    /// use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
    /// use cosmolab_model::PermissionMode;
    /// use std::time::Duration;
    ///
    /// let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY)?;
    /// let claims = ResourceTokenClaims {
    ///     permission: "dbs/db/users/Test User/permissions/p1".into(),
    ///     user: "dbs/db/users/Test User".into(),
    ///     resource: "dbs/db/colls/items".into(),
    ///     resource_partition_key: None,
    ///     permission_mode: PermissionMode::Read,
    ///     issued_at: 1_800_000_000,
    ///     expires_at: 1_800_003_600,
    ///     key_generation: 0,
    ///     token_id: "5f0c7a0e-0001".into(),
    /// };
    /// let token = claims.mint(&key);
    /// assert!(token.expose_secret().starts_with("type=resource&ver=1&sig="));
    ///
    /// let half_an_hour_later = claims.issued_at_time() + Duration::from_secs(1800);
    /// let verified = UnverifiedResourceToken::parse(&token)?.verify(&key, half_an_hour_later)?;
    /// assert_eq!(verified, claims);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mint(&self, key: &MasterKey) -> ResourceToken {
        // Serializing a struct of strings, numbers and enums cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let payload = BASE64.encode(json);
        let signature = BASE64.encode(sign_payload(key, &payload));
        ResourceToken::new(format!("{ENVELOPE_PREFIX}{signature};{payload};"))
    }

    /// When the token was minted.
    pub fn issued_at_time(&self) -> SystemTime {
        from_unix_seconds(self.issued_at)
    }

    /// When the token expires.
    pub fn expires_at_time(&self) -> SystemTime {
        from_unix_seconds(self.expires_at)
    }
}

/// A time from seconds since the Unix epoch, saturating instead of overflowing (claims are only
/// trusted after verification, but even then an absurd value must not panic).
fn from_unix_seconds(seconds: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .unwrap_or(UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 100))
}

/// Seconds since the Unix epoch, rounded down (times before 1970 count as 0).
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// Why a resource token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceTokenError {
    /// The token is not a `type=resource&ver=1&sig=<sig>;<payload>;` string we could have minted.
    #[error(
        "the resource token is malformed ({0}); send the permission's _token exactly as received"
    )]
    Malformed(&'static str),
    /// The signature does not match the payload.
    #[error(
        "the resource token's signature does not match its contents: it was altered, or it was \
         signed with a key that has since been regenerated"
    )]
    BadSignature,
    /// The token is used before it was issued or after it expired.
    #[error(transparent)]
    OutsideValidity(#[from] NotValidAtCurrentTime),
}

/// A token whose envelope has been read but whose signature has not been checked yet.
///
/// The only thing it reveals before verification is which key generation to check it with.
pub struct UnverifiedResourceToken {
    signature: Vec<u8>,
    payload: String,
    claims: ResourceTokenClaims,
}

impl UnverifiedResourceToken {
    /// Reads a token's envelope and claims, **without** checking the signature yet.
    pub fn parse(token: &ResourceToken) -> Result<Self, ResourceTokenError> {
        let inner = token.expose_secret().strip_prefix(ENVELOPE_PREFIX).ok_or(
            ResourceTokenError::Malformed("it does not start with type=resource&ver=1&sig="),
        )?;
        let inner = inner
            .strip_suffix(';')
            .ok_or(ResourceTokenError::Malformed("it does not end with ';'"))?;
        let (signature, payload) = inner.split_once(';').ok_or(ResourceTokenError::Malformed(
            "it does not have the two ';'-terminated parts <signature>;<payload>;",
        ))?;
        let signature = BASE64
            .decode(signature)
            .map_err(|_| ResourceTokenError::Malformed("its signature is not base64"))?;
        let json = BASE64
            .decode(payload)
            .map_err(|_| ResourceTokenError::Malformed("its payload is not base64"))?;
        let claims = serde_json::from_slice(&json)
            .map_err(|_| ResourceTokenError::Malformed("its payload is not a claim set"))?;
        Ok(Self {
            signature,
            payload: payload.to_owned(),
            claims,
        })
    }

    /// The generation of the key that (supposedly) signed the token, to pick the key to verify with.
    pub fn key_generation(&self) -> u32 {
        self.claims.key_generation
    }

    /// Checks the signature with `key`, then that `now` lies in `[issued_at, expires_at)`.
    pub fn verify(
        self,
        key: &MasterKey,
        now: SystemTime,
    ) -> Result<ResourceTokenClaims, ResourceTokenError> {
        let mut mac = key.mac();
        mac.update(SIGNATURE_DOMAIN.as_bytes());
        mac.update(self.payload.as_bytes());
        // Constant-time comparison, for the same reason as master-key signatures.
        mac.verify_slice(&self.signature)
            .map_err(|_| ResourceTokenError::BadSignature)?;

        let claims = self.claims;
        let now_seconds = unix_seconds(now);
        if now_seconds < claims.issued_at || now_seconds >= claims.expires_at {
            return Err(NotValidAtCurrentTime {
                start: claims.issued_at_time(),
                expiry: claims.expires_at_time(),
                now,
            }
            .into());
        }
        Ok(claims)
    }
}

impl fmt::Debug for UnverifiedResourceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnverifiedResourceToken")
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

/// HMAC-SHA256 of the domain string and the payload text.
fn sign_payload(key: &MasterKey, payload: &str) -> Vec<u8> {
    let mut mac = key.mac();
    mac.update(SIGNATURE_DOMAIN.as_bytes());
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WELL_KNOWN_EMULATOR_KEY;

    fn key() -> MasterKey {
        MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap()
    }

    fn claims() -> ResourceTokenClaims {
        ResourceTokenClaims {
            permission: "dbs/my_database/users/Test User/permissions/p1".into(),
            user: "dbs/my_database/users/Test User".into(),
            resource: "dbs/my_database/colls/my_container".into(),
            resource_partition_key: Some(r#"["1"]"#.parse::<PartitionKey>().unwrap()),
            permission_mode: PermissionMode::All,
            issued_at: 1_800_000_000,
            expires_at: 1_800_003_600,
            key_generation: 3,
            token_id: "token-1".into(),
        }
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    /// The envelope has the documented shape: prefix, two `;`-terminated parts.
    #[test]
    fn minted_tokens_have_the_documented_envelope() {
        let token = claims().mint(&key());
        let text = token.expose_secret();
        assert!(text.starts_with("type=resource&ver=1&sig="), "{text}");
        assert!(text.ends_with(';'));
        assert_eq!(text.matches(';').count(), 2);
        assert_eq!(
            UnverifiedResourceToken::parse(&token)
                .unwrap()
                .key_generation(),
            3
        );
    }

    /// A token is valid from its issue time until (excluding) its expiry time.
    #[test]
    fn validity_window_is_issued_at_to_expires_at() {
        let token = claims().mint(&key());
        let verify = |seconds| {
            UnverifiedResourceToken::parse(&token)
                .unwrap()
                .verify(&key(), at(seconds))
        };
        assert_eq!(verify(1_800_000_000).unwrap(), claims());
        assert!(verify(1_800_003_599).is_ok());
        let expired = verify(1_800_003_600).unwrap_err();
        assert!(
            expired
                .to_string()
                .starts_with("The authorization token is not valid at the current time"),
            "{expired}"
        );
        assert!(matches!(
            verify(1_799_999_999),
            Err(ResourceTokenError::OutsideValidity(_))
        ));
    }

    /// A token signed by another key (e.g. before a regeneration) does not verify.
    #[test]
    fn another_key_does_not_verify() {
        let token = claims().mint(&key());
        let other = MasterKey::from_bytes(vec![7; 64]).unwrap();
        assert_eq!(
            UnverifiedResourceToken::parse(&token)
                .unwrap()
                .verify(&other, at(1_800_000_001)),
            Err(ResourceTokenError::BadSignature)
        );
    }

    /// Rewriting the claims (here: widening the partition) breaks the signature.
    #[test]
    fn a_rewritten_payload_does_not_verify() {
        let token = claims().mint(&key());
        let mut widened = claims();
        widened.resource_partition_key = None;
        widened.expires_at += 86_400;
        let forged_payload = BASE64.encode(serde_json::to_vec(&widened).unwrap());
        let original_signature = token.expose_secret()[ENVELOPE_PREFIX.len()..]
            .split(';')
            .next()
            .unwrap();
        let forged = ResourceToken::new(format!(
            "{ENVELOPE_PREFIX}{original_signature};{forged_payload};"
        ));
        assert_eq!(
            UnverifiedResourceToken::parse(&forged)
                .unwrap()
                .verify(&key(), at(1_800_000_001)),
            Err(ResourceTokenError::BadSignature)
        );
    }

    /// Malformed envelopes say what is wrong.
    #[test]
    fn malformed_envelopes_are_explained() {
        let malformed = |text: &str| match UnverifiedResourceToken::parse(&ResourceToken::new(text))
        {
            Err(ResourceTokenError::Malformed(reason)) => reason,
            other => panic!("{text:?} gave {other:?}"),
        };
        assert!(malformed("type=master&ver=1.0&sig=abc").contains("start"));
        assert!(malformed("type=resource&ver=1&sig=abc;def").contains("end"));
        assert!(malformed("type=resource&ver=1&sig=abc;").contains("two"));
        assert!(malformed("type=resource&ver=1&sig=!!;e30=;").contains("signature"));
        assert!(malformed("type=resource&ver=1&sig=AAAA;!!;").contains("payload is not base64"));
        assert!(malformed("type=resource&ver=1&sig=AAAA;e30=;").contains("claim set"));
    }

    /// Debug output shows neither the token nor the signature.
    #[test]
    fn debug_output_is_redacted() {
        let token = claims().mint(&key());
        let signature = &token.expose_secret()[ENVELOPE_PREFIX.len()..][..20];
        assert_eq!(format!("{token:?}"), "ResourceToken(<redacted>)");
        let unverified = format!("{:?}", UnverifiedResourceToken::parse(&token).unwrap());
        assert!(!unverified.contains(signature), "{unverified}");
    }
}

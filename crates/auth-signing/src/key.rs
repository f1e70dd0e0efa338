//! Master keys: the account's shared secrets.
//!
//! A Cosmos DB account has four keys: a primary and a secondary **read-write** key, and a primary
//! and a secondary **read-only** key (seed 001). All four are 64 random bytes, handed to clients as
//! base64 text. They sign requests the same way (`type=master`): the server tells them apart only
//! by trying each one, which is why a read-only key used for a write fails with the same 401 as a
//! wrong key.
//!
//! A [`MasterKey`] holds the decoded bytes *and* an HMAC-SHA256 state already keyed with them, so
//! signing a request hashes only the request and not the key again (the official SDKs keep a keyed
//! HMAC object for the same reason). Its `Debug` output never shows the key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256, the only MAC Cosmos DB's master-key scheme uses.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The key of the official Cosmos DB emulator, published in Microsoft's documentation.
///
/// Every emulator (theirs and ours) starts with it as the primary master key, so that samples work
/// out of the box. It protects nothing: never use it for a real account.
pub const WELL_KNOWN_EMULATOR_KEY: &str =
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

/// A master key (read-write or read-only), decoded and ready to sign.
///
/// ```
/// use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
///
/// let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY)?;
/// // Debug output is safe to log: it never contains the key.
/// assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
/// # Ok::<(), cosmolab_auth_signing::KeyError>(())
/// ```
#[derive(Clone)]
pub struct MasterKey {
    bytes: Vec<u8>,
    /// HMAC state after absorbing the key: cloning it is cheaper than re-keying for every request.
    keyed_mac: HmacSha256,
}

/// Why a string could not be used as a master key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key text was empty (an unset environment variable, typically).
    #[error("the master key is empty; pass the base64 key shown in the portal or by the emulator")]
    Empty,
    /// The key text was not standard base64.
    #[error(
        "the master key is not valid base64 ({reason}); copy the whole key, including any trailing '='"
    )]
    NotBase64 {
        /// What the base64 decoder objected to (it never quotes the key itself).
        reason: String,
    },
}

impl MasterKey {
    /// Decodes a key from the base64 text the portal, the emulator or a configuration file shows.
    ///
    /// Surrounding whitespace is ignored, since keys are often pasted from a terminal.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyError::Empty);
        }
        let bytes = BASE64.decode(text).map_err(|error| KeyError::NotBase64 {
            // The decoder's message names a position and a byte, never the whole input.
            reason: error.to_string(),
        })?;
        Self::from_bytes(bytes)
    }

    /// Builds a key from raw bytes (e.g. freshly generated random bytes when a key is regenerated).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, KeyError> {
        if bytes.is_empty() {
            return Err(KeyError::Empty);
        }
        // HMAC accepts keys of any length, so this cannot fail for a non-empty key.
        let keyed_mac = HmacSha256::new_from_slice(&bytes).map_err(|_| KeyError::Empty)?;
        Ok(Self { bytes, keyed_mac })
    }

    /// The key as base64 text, the form clients are given.
    ///
    /// The name is deliberately loud: call it only to hand the key to someone entitled to it
    /// (a configuration file, the explorer's "show key" button), never to log it.
    pub fn reveal_base64(&self) -> String {
        BASE64.encode(&self.bytes)
    }

    /// A fresh HMAC-SHA256 state keyed with this key.
    pub(crate) fn mac(&self) -> HmacSha256 {
        self.keyed_mac.clone()
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pasted keys with a trailing newline still decode.
    #[test]
    fn whitespace_around_a_key_is_ignored() {
        let key = MasterKey::from_base64(&format!("  {WELL_KNOWN_EMULATOR_KEY}\n")).unwrap();
        assert_eq!(key.reveal_base64(), WELL_KNOWN_EMULATOR_KEY);
    }

    /// Empty and non-base64 keys are refused with an error that does not echo the input.
    #[test]
    fn bad_keys_are_refused_without_echoing_them() {
        assert_eq!(MasterKey::from_base64("  ").unwrap_err(), KeyError::Empty);
        let error = MasterKey::from_base64("not a key!secret").unwrap_err();
        assert!(matches!(error, KeyError::NotBase64 { .. }));
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}

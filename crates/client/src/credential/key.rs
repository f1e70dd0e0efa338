//! Account keys — master (read-write) and read-only — as a handle that can be rotated while the
//! client runs.
//!
//! A key signs every request itself: the client computes an HMAC over the verb, the resource type,
//! the link and the date with the key, and sends only that signature (`crates/auth-signing` does
//! the computing). The key never travels.
//!
//! Seed 001's rotation story needs one more thing from a client: **changing its key without being
//! rebuilt**. Every application first moves to the secondary key, the primary is regenerated, and
//! the applications move to the new primary. A [`KeyCredential`] is therefore a shared handle: the
//! client holds one clone, the code that watches for new keys holds another, and
//! [`KeyCredential::rotate_to`] swaps the key for every request signed afterwards. Requests already
//! on the wire keep the signature they were sent with, which is why the rotation moves clients to
//! the *other* key before the old one is regenerated.

use std::fmt;
use std::sync::{Arc, RwLock};

use cosmolab_auth_signing::MasterKey;

use crate::error::{Error, ErrorKind, Result};

/// One of the account's keys, shared and swappable: every clone signs with the key most recently
/// given to [`rotate_to`](Self::rotate_to) on any of them.
///
/// ```
/// use cosmolab_client::KeyCredential;
/// use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
///
/// let key = KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY)?;
/// let the_clients_copy = key.clone();
/// key.rotate_to_base64("c2Vjb25kYXJ5IGtleQ==")?;
/// // The client's copy now signs with the new key, too.
/// # let _ = the_clients_copy;
/// // Debug output never shows a key.
/// assert_eq!(format!("{key:?}"), "KeyCredential(<redacted>)");
/// # Ok::<(), cosmolab_client::Error>(())
/// ```
#[derive(Clone)]
pub struct KeyCredential {
    // A plain `std` lock is enough: it is held for the microsecond an HMAC takes, never across an
    // `.await`, and readers (requests) vastly outnumber writers (rotations).
    current: Arc<RwLock<MasterKey>>,
}

impl KeyCredential {
    /// A credential signing with `key`.
    pub fn new(key: MasterKey) -> Self {
        Self {
            current: Arc::new(RwLock::new(key)),
        }
    }

    /// A credential from the base64 text the portal or the emulator shows.
    pub fn from_base64(text: &str) -> Result<Self> {
        Ok(Self::new(decode(text)?))
    }

    /// Signs every later request with `key`, for this handle and all its clones.
    pub fn rotate_to(&self, key: MasterKey) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = key;
    }

    /// [`rotate_to`](Self::rotate_to) with a key given as base64 text. On error the old key stays.
    pub fn rotate_to_base64(&self, text: &str) -> Result<()> {
        self.rotate_to(decode(text)?);
        Ok(())
    }

    /// The `Authorization` header value for one request: `type=master&ver=1.0&sig=…`, URL-encoded.
    pub(crate) fn authorize(
        &self,
        verb: &str,
        resource_type: &str,
        link: &str,
        date: &str,
    ) -> String {
        // A poisoned lock means a writer panicked mid-assignment of a whole `MasterKey`, which
        // leaves either the old or the new key: both are valid keys, so keep signing.
        let key = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        key.authorize(verb, resource_type, link, date)
    }
}

impl fmt::Debug for KeyCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCredential(<redacted>)")
    }
}

/// Decodes a base64 key; the error never quotes the text.
fn decode(text: &str) -> Result<MasterKey> {
    MasterKey::from_base64(text)
        .map_err(|error| Error::new(ErrorKind::InvalidInput, error.to_string()).with_source(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;

    const DATE: &str = "Mon, 23 Nov 2026 08:06:13 GMT";

    /// A rotation through one handle changes the signatures made through every clone.
    #[test]
    fn rotation_is_seen_by_every_clone() {
        let key = KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap();
        let clone = key.clone();
        let before = clone.authorize("GET", "dbs", "dbs/db", DATE);
        key.rotate_to(MasterKey::from_bytes(vec![7; 64]).unwrap());
        let after = clone.authorize("GET", "dbs", "dbs/db", DATE);
        assert_ne!(before, after);
        assert!(
            after.starts_with("type%3Dmaster%26ver%3D1.0%26sig%3D"),
            "{after}"
        );
    }

    /// A bad key is refused without echoing it, and the old key keeps signing.
    #[test]
    fn a_bad_rotation_keeps_the_old_key() {
        let key = KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap();
        let before = key.authorize("GET", "dbs", "", DATE);
        let error = key.rotate_to_base64("not base64! secret").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(!error.to_string().contains("secret"), "{error}");
        assert_eq!(key.authorize("GET", "dbs", "", DATE), before);
    }
}

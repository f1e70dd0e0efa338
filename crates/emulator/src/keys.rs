//! The account's four master keys, and regenerating them.
//!
//! Seed 001: an account has a primary and a secondary **read-write** key, and a primary and a
//! secondary **read-only** key. Two of each exist so that keys can be rotated without downtime:
//! move every client to the secondary key, regenerate the primary, move them back, then regenerate
//! the secondary. Regenerating a key makes every signature made with the old one fail at once.
//!
//! Each key also has a *generation*, incremented when it is regenerated. Resource tokens record the
//! generation of the primary key that signed them (see `crates/auth-signing`), so regenerating the
//! primary key also revokes every token it minted — a choice we document in `docs/fidelity.md`.

use std::fmt;

use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

/// Which of the four keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyKind {
    /// The primary read-write key.
    Primary,
    /// The secondary read-write key.
    Secondary,
    /// The primary read-only key.
    PrimaryReadonly,
    /// The secondary read-only key.
    SecondaryReadonly,
}

impl KeyKind {
    /// All four, in the order the server tries them when checking a signature.
    pub const ALL: [KeyKind; 4] = [
        KeyKind::Primary,
        KeyKind::Secondary,
        KeyKind::PrimaryReadonly,
        KeyKind::SecondaryReadonly,
    ];

    /// Whether requests signed with this key may write.
    pub fn is_read_only(self) -> bool {
        matches!(self, KeyKind::PrimaryReadonly | KeyKind::SecondaryReadonly)
    }

    /// The name used by Azure Resource Manager's `regenerateKey` (`primary`, `primaryReadonly`, …).
    pub fn arm_name(self) -> &'static str {
        match self {
            KeyKind::Primary => "primary",
            KeyKind::Secondary => "secondary",
            KeyKind::PrimaryReadonly => "primaryReadonly",
            KeyKind::SecondaryReadonly => "secondaryReadonly",
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Primary => "primary key",
            KeyKind::Secondary => "secondary key",
            KeyKind::PrimaryReadonly => "primary read-only key",
            KeyKind::SecondaryReadonly => "secondary read-only key",
        })
    }
}

/// One key and how many times it has been regenerated.
#[derive(Debug, Clone)]
pub struct KeySlot {
    /// The key itself (its `Debug` is redacted).
    pub key: MasterKey,
    /// 0 for the key the emulator started with, +1 per regeneration.
    pub generation: u32,
}

/// The four keys of the account.
#[derive(Debug, Clone)]
pub struct AccountKeys {
    slots: [KeySlot; 4],
}

/// The four keys as base64 text, in Azure Resource Manager's `listKeys` shape.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyList {
    /// The primary read-write key.
    pub primary_master_key: String,
    /// The secondary read-write key.
    pub secondary_master_key: String,
    /// The primary read-only key.
    pub primary_readonly_master_key: String,
    /// The secondary read-only key.
    pub secondary_readonly_master_key: String,
}

impl fmt::Debug for KeyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyList(<redacted>)")
    }
}

impl AccountKeys {
    /// Four keys: the given ones, with random keys for any not given.
    ///
    /// With no keys given, the primary key is the well-known emulator key, so that samples written
    /// for the official emulator work unchanged.
    pub fn new(
        primary: Option<MasterKey>,
        secondary: Option<MasterKey>,
        primary_readonly: Option<MasterKey>,
        secondary_readonly: Option<MasterKey>,
    ) -> Self {
        let primary = primary.unwrap_or_else(|| {
            MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY)
                .expect("the well-known emulator key is valid base64")
        });
        let slot = |key: Option<MasterKey>| KeySlot {
            key: key.unwrap_or_else(random_key),
            generation: 0,
        };
        Self {
            slots: [
                KeySlot {
                    key: primary,
                    generation: 0,
                },
                slot(secondary),
                slot(primary_readonly),
                slot(secondary_readonly),
            ],
        }
    }

    /// The slot of one key.
    pub fn slot(&self, kind: KeyKind) -> &KeySlot {
        &self.slots[kind as usize]
    }

    /// The key of one kind.
    pub fn key(&self, kind: KeyKind) -> &MasterKey {
        &self.slot(kind).key
    }

    /// Replaces one key with fresh random bytes and bumps its generation.
    pub fn regenerate(&mut self, kind: KeyKind) {
        let slot = &mut self.slots[kind as usize];
        slot.key = random_key();
        slot.generation += 1;
    }

    /// The keys as base64 text (a secret: only for the admin API and the explorer).
    pub fn list(&self) -> KeyList {
        KeyList {
            primary_master_key: self.key(KeyKind::Primary).reveal_base64(),
            secondary_master_key: self.key(KeyKind::Secondary).reveal_base64(),
            primary_readonly_master_key: self.key(KeyKind::PrimaryReadonly).reveal_base64(),
            secondary_readonly_master_key: self.key(KeyKind::SecondaryReadonly).reveal_base64(),
        }
    }
}

/// 64 random bytes, the size of a real Cosmos DB key.
pub fn random_key() -> MasterKey {
    let mut bytes = vec![0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    // `from_bytes` refuses only an empty key, and these are 64 bytes.
    MasterKey::from_bytes(bytes).expect("64 random bytes are a valid key")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without keys, the primary is the well-known key and the others are random and distinct.
    #[test]
    fn defaults_are_well_known_primary_and_random_others() {
        let keys = AccountKeys::new(None, None, None, None).list();
        assert_eq!(keys.primary_master_key, WELL_KNOWN_EMULATOR_KEY);
        assert_ne!(keys.secondary_master_key, keys.primary_readonly_master_key);
        assert_ne!(keys.secondary_master_key, WELL_KNOWN_EMULATOR_KEY);
    }

    /// Regenerating changes exactly one key and bumps its generation.
    #[test]
    fn regenerating_changes_one_key() {
        let mut keys = AccountKeys::new(None, None, None, None);
        let before = keys.list();
        keys.regenerate(KeyKind::Primary);
        let after = keys.list();
        assert_ne!(before.primary_master_key, after.primary_master_key);
        assert_eq!(before.secondary_master_key, after.secondary_master_key);
        assert_eq!(keys.slot(KeyKind::Primary).generation, 1);
        assert_eq!(keys.slot(KeyKind::Secondary).generation, 0);
    }

    /// The key list's Debug output never shows a key.
    #[test]
    fn key_list_debug_is_redacted() {
        let keys = AccountKeys::new(None, None, None, None);
        assert_eq!(format!("{:?}", keys.list()), "KeyList(<redacted>)");
        assert!(!format!("{keys:?}").contains(WELL_KNOWN_EMULATOR_KEY));
    }
}

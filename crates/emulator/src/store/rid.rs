//! Resource ids (`_rid`) with the service's structure.
//!
//! A `_rid` is not an opaque string: it encodes the resource's place in the hierarchy, and the
//! official Rust SDK decodes it (protocol notes §9). It is standard base64, with `-` in place of
//! `/` so it can sit in a URL path, of a byte string built from 4-byte segments:
//!
//! | resource | bytes | layout |
//! |---|---|---|
//! | database | 4 | its own 4 bytes |
//! | container | 8 | the database's 4 + its own 4 (first byte has the high bit **set**) |
//! | user | 8 | the database's 4 + its own 4 (high bit **clear**: that is how they differ) |
//! | document | 16 | the container's 8 + its own 8 |
//! | permission | 16 | the user's 8 + its own 8 |
//!
//! So a child's `_rid` starts with its parent's bytes, exactly as in the service's examples
//! (`Sl8fAA==`, `Sl8fAPfMQ0I=`, `Sl8fAPfMQ0IBAAAAAAAAAA==`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore as _;

/// The bytes of a `_rid`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Rid(Vec<u8>);

impl Rid {
    /// A new random database rid.
    pub fn new_database() -> Self {
        let mut bytes = [0u8; 4];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes.to_vec())
    }

    /// A new random container rid under `database`.
    pub fn new_container(database: &Rid) -> Self {
        Self::child_of(database, 0x80)
    }

    /// A new random user rid under `database`.
    pub fn new_user(database: &Rid) -> Self {
        Self::child_of(database, 0x00)
    }

    /// The rid of the `sequence`-th document of a container, or permission of a user.
    pub fn new_leaf(parent: &Rid, sequence: u64) -> Self {
        let mut bytes = parent.0.clone();
        bytes.extend_from_slice(&sequence.to_le_bytes());
        Self(bytes)
    }

    /// Sets the upper four bits of the last byte: where a script's rid says its kind.
    pub fn tag_last_byte(&mut self, tag: u8) {
        if let Some(last) = self.0.last_mut() {
            *last = (*last & 0x0F) | (tag & 0xF0);
        }
    }

    /// A 4-byte child segment after `parent`, its first byte's high bit set to `high_bit`.
    fn child_of(parent: &Rid, high_bit: u8) -> Self {
        let mut own = [0u8; 4];
        rand::rng().fill_bytes(&mut own);
        own[0] = (own[0] & 0x7F) | high_bit;
        let mut bytes = parent.0.clone();
        bytes.extend_from_slice(&own);
        Self(bytes)
    }

    /// The text form used in `_rid`, `_self` and rid-based paths.
    pub fn to_text(&self) -> String {
        BASE64.encode(&self.0).replace('/', "-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Vec<u8> {
        BASE64.decode(text.replace('-', "/")).unwrap()
    }

    /// Each level adds its bytes after its parent's, and containers differ from users by the high bit.
    #[test]
    fn rids_nest_like_the_service() {
        let database = Rid::new_database();
        let container = Rid::new_container(&database);
        let user = Rid::new_user(&database);
        let document = Rid::new_leaf(&container, 1);

        assert_eq!(decode(&database.to_text()).len(), 4);
        let container_bytes = decode(&container.to_text());
        assert_eq!(container_bytes.len(), 8);
        assert_eq!(&container_bytes[..4], &database.0[..]);
        assert!(container_bytes[4] & 0x80 != 0);
        assert!(decode(&user.to_text())[4] & 0x80 == 0);
        let document_bytes = decode(&document.to_text());
        assert_eq!(document_bytes.len(), 16);
        assert_eq!(&document_bytes[..8], &container_bytes[..]);
        assert_eq!(&document_bytes[8..], &1u64.to_le_bytes());
    }

    /// A database rid looks like a rid to the SDKs' test (8 characters, 4 bytes).
    #[test]
    fn database_rids_pass_the_sdk_rid_test() {
        for _ in 0..100 {
            let text = Rid::new_database().to_text();
            assert!(
                cosmolab_auth_signing::looks_like_database_rid(&text),
                "{text}"
            );
            assert!(!text.contains('/'));
        }
    }
}

//! From a request path to the resource type and link that a signature covers.
//!
//! Cosmos DB paths alternate between a *kind* and a *name*: `/dbs/{db}/colls/{coll}/docs/{doc}`.
//! The signature does not cover the path itself but two values derived from it:
//!
//! | path (percent-decoded, `/` trimmed) | segments | resource type | resource link |
//! |---|---|---|---|
//! | *(empty)*: `GET /`, the database account | 0 | `""` | `""` |
//! | `dbs` (list or create databases) | 1, odd: a **feed** | `dbs` | `""` |
//! | `dbs/db` | 2, even: **one resource** | `dbs` | `dbs/db` |
//! | `dbs/db/colls/c/docs` (create, upsert, query) | 5, odd | `docs` | `dbs/db/colls/c` |
//! | `dbs/db/users/Test User/permissions/p1` | 6, even | `permissions` | the whole path |
//!
//! So a feed's type is its last segment and its link is its *parent*; a single resource's type is
//! the kind in front of its name and its link is the whole path. Names are signed decoded
//! (`Test User`, never `Test%20User`) and with their case, because Cosmos DB names are
//! case-sensitive.
//!
//! ## Addressing by `_rid`
//!
//! Every resource also has a `_rid`, and clients may address it by rids instead of names:
//! `/dbs/oQDYjA==/colls/oQDYjA==vHM8/docs/oQDYjA==vHM88sKEgzSL/` is the `_self` link the Python
//! SDK uses for `delete_item(item=<dict>)`. For such links the SDKs sign **only the last rid,
//! lower-cased** (for a feed: the parent's rid). A link counts as rid-based when its second segment
//! is exactly 8 characters that decode, as base64 with `-` standing for `/`, to 4 bytes — the
//! shape of a database rid. That rule is the SDK's, and it has a sharp edge: a database *named*
//! `ABCDEF==` looks like a rid, and the SDK signs it lower-cased. See
//! [`looks_like_database_rid`].

use std::borrow::Cow;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};

/// Base64 as Python's `b64decode` reads it, which is how the SDK tests for rids: standard alphabet,
/// padding required, but non-zero bits after the last byte tolerated (`ABCDEF==` decodes).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// How a request names its resource: by the user-chosen ids, or by the service-assigned `_rid`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `/dbs/my_database/colls/my_container/…`: ids, as users write them.
    ByName,
    /// `/dbs/oQDYjA==/colls/oQDYjA==vHM8/…`: the `_rid`s from the resources' `_self` links.
    ByRid,
}

/// The resource a request path points at, as the signature sees it.
///
/// ```
/// use cosmolab_auth_signing::ResourceAddress;
///
/// let address = ResourceAddress::from_path("/dbs/my_database/users/Test%20User/permissions/")?;
/// assert!(address.is_feed());
/// assert_eq!(address.resource_type(), "permissions");
/// assert_eq!(address.resource_link(), "dbs/my_database/users/Test User");
/// assert_eq!(address.signing_link(), "dbs/my_database/users/Test User");
/// # Ok::<(), cosmolab_auth_signing::PathError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceAddress {
    /// The decoded segments of the path, without empty leading or trailing ones.
    segments: Vec<String>,
    addressing: Addressing,
}

/// Why a request path could not be read as a Cosmos DB resource address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// A `%xx` sequence decoded to bytes that are not UTF-8 text.
    #[error("the request path is not valid UTF-8 once percent-decoded")]
    NotUtf8,
    /// Two slashes in a row inside the path, e.g. `/dbs//colls`.
    #[error("the request path has an empty segment (two '/' in a row) at position {position}")]
    EmptySegment {
        /// Zero-based index of the empty segment.
        position: usize,
    },
}

impl ResourceAddress {
    /// Reads a request path (without its `?query`), percent-decoding each segment.
    ///
    /// Leading and trailing slashes are ignored (`/dbs` and `/dbs/db/` are both common); `+` stays
    /// a plus sign, since this is a path and not a form.
    pub fn from_path(path: &str) -> Result<Self, PathError> {
        let trimmed = path.trim_matches('/');
        let segments = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed
                .split('/')
                .enumerate()
                .map(|(position, raw)| {
                    if raw.is_empty() {
                        return Err(PathError::EmptySegment { position });
                    }
                    // Decode each segment on its own, so that an id containing an encoded `%2F`
                    // cannot split into two segments. (Ids may not contain `/` anyway.)
                    percent_encoding::percent_decode_str(raw)
                        .decode_utf8()
                        .map(Cow::into_owned)
                        .map_err(|_| PathError::NotUtf8)
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        let addressing = if segments.first().is_some_and(|kind| kind == "dbs")
            && segments
                .get(1)
                .is_some_and(|db| looks_like_database_rid(db))
        {
            Addressing::ByRid
        } else {
            Addressing::ByName
        };
        Ok(Self {
            segments,
            addressing,
        })
    }

    /// The decoded path segments: kinds and names alternating.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Whether the request is addressed by names or by `_rid`s.
    pub fn addressing(&self) -> Addressing {
        self.addressing
    }

    /// `true` for feeds (an odd number of segments: `dbs`, `dbs/db/colls`): the request lists,
    /// creates, upserts or queries the resources *under* the link.
    pub fn is_feed(&self) -> bool {
        self.segments.len() % 2 == 1
    }

    /// `true` for `GET /`, the database account.
    pub fn is_account(&self) -> bool {
        self.segments.is_empty()
    }

    /// The kind of resource: `dbs`, `colls`, `docs`, `users`, `permissions`, `pkranges`, … or `""`
    /// for the account.
    pub fn resource_type(&self) -> &str {
        match self.segments.len() {
            0 => "",
            n if n % 2 == 1 => &self.segments[n - 1],
            n => &self.segments[n - 2],
        }
    }

    /// The link of the resource (for a feed: of its parent), names decoded and case kept.
    pub fn resource_link(&self) -> String {
        self.link_segments().join("/")
    }

    /// The link exactly as a signature covers it.
    ///
    /// For name-based addresses that is [`resource_link`](Self::resource_link). For rid-based
    /// ones it is only the last rid, lower-cased, as the official SDKs sign it.
    pub fn signing_link(&self) -> String {
        match self.addressing {
            Addressing::ByName => self.resource_link(),
            Addressing::ByRid => self
                .link_segments()
                .last()
                .map(|rid| rid.to_ascii_lowercase())
                .unwrap_or_default(),
        }
    }

    /// The segments that make up the resource link: all of them for a resource, all but the
    /// trailing kind for a feed.
    fn link_segments(&self) -> &[String] {
        if self.is_feed() {
            &self.segments[..self.segments.len() - 1]
        } else {
            &self.segments
        }
    }
}

/// Whether a name has the shape of a database `_rid`: 8 characters of base64 (with `-` standing
/// for `/`) that decode to exactly 4 bytes.
///
/// The official SDKs use this test to decide that a link is rid-based, and then sign it
/// lower-cased. A database *named* like this (`ABCDEF==`) would therefore fail to authenticate
/// with those SDKs, which is why a careful server refuses to create one.
pub fn looks_like_database_rid(name: &str) -> bool {
    name.len() == 8
        && LENIENT_BASE64
            .decode(name.replace('-', "/"))
            .is_ok_and(|bytes| bytes.len() == 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(path: &str) -> ResourceAddress {
        ResourceAddress::from_path(path).unwrap()
    }

    /// Asserts (resource type, resource link, signing link, feed?) for a path.
    fn check(path: &str, resource_type: &str, link: &str, signed: &str, feed: bool) {
        let address = address(path);
        assert_eq!(address.resource_type(), resource_type, "type of {path}");
        assert_eq!(address.resource_link(), link, "link of {path}");
        assert_eq!(address.signing_link(), signed, "signed link of {path}");
        assert_eq!(address.is_feed(), feed, "feed? {path}");
    }

    /// `GET /` is the database account: empty type, empty link.
    #[test]
    fn the_account_has_an_empty_type_and_link() {
        check("/", "", "", "", false);
        check("", "", "", "", false);
        assert!(address("/").is_account());
    }

    /// Every row of the protocol notes' table (§1.3), as the Python SDK sent them.
    #[test]
    fn protocol_notes_table() {
        check("/dbs", "dbs", "", "", true);
        check("/dbs/TestDB/", "dbs", "dbs/TestDB", "dbs/TestDB", false);
        check(
            "/dbs/TestDB/colls/",
            "colls",
            "dbs/TestDB",
            "dbs/TestDB",
            true,
        );
        let container = "dbs/TestDB/colls/TestContainer";
        check(
            &format!("/{container}/"),
            "colls",
            container,
            container,
            false,
        );
        check(
            "/dbs/TestDB/users/",
            "users",
            "dbs/TestDB",
            "dbs/TestDB",
            true,
        );
        let user = "dbs/TestDB/users/Test User";
        check(
            "/dbs/TestDB/users/Test%20User/permissions/",
            "permissions",
            user,
            user,
            true,
        );
        let permission = "dbs/TestDB/users/Test User/permissions/perm1";
        check(
            "/dbs/TestDB/users/Test%20User/permissions/perm1/",
            "permissions",
            permission,
            permission,
            false,
        );
        check(
            &format!("/{container}/docs/"),
            "docs",
            container,
            container,
            true,
        );
        check(
            &format!("/{container}/pkranges/"),
            "pkranges",
            container,
            container,
            true,
        );
        let doc = format!("{container}/docs/1");
        check(&format!("/{container}/docs/1/"), "docs", &doc, &doc, false);
    }

    /// Names are percent-decoded (spaces, `+`, UTF-8) but `+` is never read as a space.
    #[test]
    fn names_are_decoded_and_plus_stays_plus() {
        check(
            "/dbs/db4/colls/c4/docs/a%20b%2Bc%20%C3%A9/",
            "docs",
            "dbs/db4/colls/c4/docs/a b+c é",
            "dbs/db4/colls/c4/docs/a b+c é",
            false,
        );
        check("/dbs/a+b", "dbs", "dbs/a+b", "dbs/a+b", false);
    }

    /// Trailing slashes are optional everywhere, and case is preserved.
    #[test]
    fn trailing_slashes_are_optional_and_case_is_kept() {
        assert_eq!(address("/dbs/MyDb/colls"), address("/dbs/MyDb/colls/"));
        assert_eq!(address("dbs/MyDb").resource_link(), "dbs/MyDb");
    }

    /// A rid-based item link signs only the item's rid, lower-cased (observed with the Python SDK).
    #[test]
    fn rid_based_links_sign_the_last_rid_lower_cased() {
        let path = "/dbs/oQDYjA==/colls/oQDYjA==vHM8/docs/oQDYjA==vHM88sKEgzSL/";
        let address = address(path);
        assert_eq!(address.addressing(), Addressing::ByRid);
        assert_eq!(address.resource_type(), "docs");
        assert_eq!(address.signing_link(), "oqdyja==vhm88skegzsl");
        // For a feed the parent's rid is signed.
        check(
            "/dbs/oQDYjA==/colls/oQDYjA==vHM8/docs/",
            "docs",
            "dbs/oQDYjA==/colls/oQDYjA==vHM8",
            "oqdyja==vhm8",
            true,
        );
        check("/dbs/oQDYjA==/", "dbs", "dbs/oQDYjA==", "oqdyja==", false);
    }

    /// Rids use `-` for `/`; names that merely have 8 characters are still names.
    #[test]
    fn rid_detection_follows_the_sdk_rule() {
        assert!(looks_like_database_rid("oQDYjA=="));
        assert!(looks_like_database_rid("ab-cAA=="));
        assert!(looks_like_database_rid("ABCDEF=="));
        assert!(!looks_like_database_rid("my_datab"));
        assert!(!looks_like_database_rid("TestDB"));
        assert!(!looks_like_database_rid("Sl8fAPfMQ0I="));
        assert_eq!(
            address("/dbs/TestData/colls").addressing(),
            Addressing::ByName
        );
    }

    /// Broken paths are errors that say what is wrong, not panics.
    #[test]
    fn broken_paths_are_errors() {
        assert_eq!(
            ResourceAddress::from_path("/dbs//colls"),
            Err(PathError::EmptySegment { position: 1 })
        );
        assert_eq!(
            ResourceAddress::from_path("/dbs/%FF"),
            Err(PathError::NotUtf8)
        );
    }
}

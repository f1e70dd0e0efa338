//! Resource paths: from the names a caller uses to the URL we send and the link we sign.
//!
//! A handle such as a container client knows its resource by **names**: `["dbs", "my db",
//! "colls", "orders"]`. Two different strings are made from those names, and they must agree:
//!
//! - the **URL path**, where every name is percent-encoded (`/dbs/my%20db/colls/orders`), because
//!   a space, a `+`, a `%` or a non-ASCII letter means something else in a URL, or nothing at all;
//! - the **signed link** (`dbs/my db/colls/orders`), which the service rebuilds from the path it
//!   received by *decoding* it.
//!
//! Building the second from the first — through `cosmolab_auth_signing::ResourceAddress`, the very
//! function the emulator uses on the other side — means the client can never sign a different
//! link than the server checks. That mismatch is the classic "401: the input authorization token
//! can't serve the request" bug of hand-written clients.

use cosmolab_auth_signing::ResourceAddress;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, ErrorKind, Result};

/// Characters left as they are in a path segment: RFC 3986's *unreserved* set. Everything else,
/// including `+` (which some servers read as a space) and `%` itself, is encoded.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The decoded segments of a resource path: kinds and names alternating (`dbs`, `my db`, …).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ResourcePath {
    segments: Vec<String>,
}

impl ResourcePath {
    /// The account itself, `/`.
    pub(crate) fn account() -> Self {
        Self::default()
    }

    /// The path of a child resource: `self/kind/id`, e.g. a database's container.
    pub(crate) fn child(&self, kind: &str, id: &str) -> Self {
        let mut segments = self.segments.clone();
        segments.push(kind.to_owned());
        segments.push(id.to_owned());
        Self { segments }
    }

    /// The path of a feed under this resource: `self/kind`, e.g. a container's `docs`.
    pub(crate) fn feed(&self, kind: &str) -> Self {
        let mut segments = self.segments.clone();
        segments.push(kind.to_owned());
        Self { segments }
    }

    /// The resource's link with names decoded, as permissions name resources:
    /// `dbs/my db/colls/orders`.
    pub(crate) fn link(&self) -> String {
        self.segments.join("/")
    }

    /// The path to put in the URL, every segment percent-encoded: `/dbs/my%20db/colls/orders`.
    pub(crate) fn url_path(&self) -> String {
        let mut path = String::from("/");
        for (position, segment) in self.segments.iter().enumerate() {
            if position > 0 {
                path.push('/');
            }
            path.extend(utf8_percent_encode(segment, PATH_SEGMENT));
        }
        path
    }

    /// What the signature covers, derived from the URL path exactly as the server derives it.
    ///
    /// Ids that would make the URL name another resource than the one signed are refused before
    /// anything is sent: empty ids, `.` and `..` (a URL collapses them as *dot segments*, so
    /// `dbs/db/colls/..` would reach the database's feed while the signature covers a container),
    /// and ids containing `/`, `\`, `?` or `#` (a separator, a separator to some servers, the start
    /// of the query, the start of the fragment). Cosmos DB forbids those characters in ids too.
    pub(crate) fn address(&self) -> Result<ResourceAddress> {
        for segment in &self.segments {
            if let Some(rule) = invalid_id_rule(segment) {
                return Err(Error::new(
                    ErrorKind::InvalidInput,
                    format!(
                        "the resource path {:?} has the id {segment:?}: {rule}; every database, \
                         container, item, user and permission needs an id that is not empty, \
                         not `.` or `..`, and has no `/`, `\\`, `?` or `#`",
                        self.link()
                    ),
                ));
            }
        }
        ResourceAddress::from_path(&self.url_path()).map_err(|error| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("the resource path {:?} is invalid: {error}", self.link()),
            )
        })
    }
}

/// Why `id` cannot be a path segment, or `None` when it can.
fn invalid_id_rule(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        Some("an empty id")
    } else if id == "." || id == ".." {
        Some("`.` and `..` are dot segments, which URLs collapse")
    } else if id.contains(['/', '\\', '?', '#']) {
        Some("ids may not contain `/`, `\\`, `?` or `#`")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> ResourcePath {
        ResourcePath::account()
            .child("dbs", "my db")
            .child("colls", "orders")
            .child("docs", id)
    }

    /// Spaces, `+`, `%`, `&` and UTF-8 are encoded in the URL, and decoded again in the signed link.
    #[test]
    fn names_are_encoded_in_the_url_and_decoded_in_the_link() {
        let path = item("a b+c%d&é");
        assert_eq!(
            path.url_path(),
            "/dbs/my%20db/colls/orders/docs/a%20b%2Bc%25d%26%C3%A9"
        );
        let address = path.address().unwrap();
        assert_eq!(address.resource_type(), "docs");
        assert_eq!(
            address.signing_link(),
            "dbs/my db/colls/orders/docs/a b+c%d&é"
        );
        assert_eq!(address.signing_link(), path.link());
    }

    /// A feed's type is its last segment and its signed link is its parent (protocol notes §1).
    #[test]
    fn feeds_sign_their_parent() {
        let docs = ResourcePath::account()
            .child("dbs", "db")
            .child("colls", "c")
            .feed("docs");
        let address = docs.address().unwrap();
        assert!(address.is_feed());
        assert_eq!(address.resource_type(), "docs");
        assert_eq!(address.signing_link(), "dbs/db/colls/c");
        assert_eq!(ResourcePath::account().url_path(), "/");
        assert!(ResourcePath::account().address().unwrap().is_account());
    }

    /// An empty id is refused before anything is sent, with a message naming the path.
    #[test]
    fn empty_ids_are_refused() {
        let error = item("").address().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(error.message().contains("empty id"), "{error}");
    }

    /// `.` and `..` are refused: the URL would collapse them and reach another resource.
    #[test]
    fn dot_segment_ids_are_refused() {
        for id in ["..", "."] {
            let error = item(id).address().unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput);
            assert!(error.message().contains("dot segments"), "{error}");
        }
        let error = ResourcePath::account()
            .child("dbs", "db")
            .child("colls", "..")
            .address()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }

    /// Ids with `/`, `\`, `?` or `#` are refused, naming the rule.
    #[test]
    fn separator_ids_are_refused() {
        for id in ["a/b", "a?b", "a#b", "a\\b"] {
            let error = item(id).address().unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput);
            assert!(error.message().contains("may not contain"), "{id}: {error}");
        }
        assert!(
            item("a.b..c").address().is_ok(),
            "dots inside an id are fine"
        );
    }
}

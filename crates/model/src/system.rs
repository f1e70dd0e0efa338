//! The system properties every Cosmos DB resource carries: `_rid`, `_self`, `_etag` and `_ts`.
//!
//! The service adds these four properties to every resource it returns — the account, databases,
//! containers, documents, users, permissions and partition-key ranges alike — so they live in one
//! struct that each resource type flattens into itself with `#[serde(flatten)]`.
//!
//! A resource that also keeps unmodelled properties in a flattened `serde_json::Map` must declare
//! its `system` field *before* that map: serde fills flattened fields in declaration order, a
//! flattened struct removes the keys it knows, and a flattened map then collects whatever is left.
//! In the other order the map would swallow `_rid` and friends before `system` saw them.
//!
//! Every field is optional because the same types also describe what a *client* sends: a
//! `POST /dbs` body is just `{"id": "my_database"}`, and the server is the one that mints the
//! system properties. Absent fields are left out again when the value is serialized, so a request
//! body round-trips unchanged.

use serde::{Deserialize, Serialize};

/// The `_rid`, `_self`, `_etag` and `_ts` properties the service adds to every resource.
///
/// ```
/// use cosmolab_model::SystemProperties;
///
/// let system: SystemProperties = serde_json::from_str(
///     r#"{"_rid": "Sl8fAA==", "_self": "dbs/Sl8fAA==/", "_etag": "\"00000001-0000-0000-0000-000000000000\"", "_ts": 1795423302}"#,
/// )?;
/// assert_eq!(system.rid.as_deref(), Some("Sl8fAA=="));
/// assert_eq!(system.ts, Some(1_795_423_302));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemProperties {
    /// `_rid`: the resource id the service minted, e.g. `Sl8fAA==` for a database.
    ///
    /// It is Base64 (with `-` in place of `/`) of a byte string that nests: a database's 4 bytes,
    /// then the container's 4, then a document's 8. Official SDKs decode it — the Rust SDK derives
    /// a container's database from the first 4 bytes — so a server must mint it with that layout
    /// rather than as an opaque string.
    #[serde(rename = "_rid", default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<String>,

    /// `_self`: the resource's address built from `_rid`s, e.g. `dbs/Sl8fAA==/colls/Sl8fAPfMQ0I=/`.
    ///
    /// SDKs really use it: the Python SDK's `delete_item(item=<dict>)` sends its request to the
    /// item's `_self`, so a server has to route these rid-based links as well as name-based ones.
    #[serde(rename = "_self", default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,

    /// `_etag`: the version of the resource, **including its double quotes**, e.g.
    /// `"\"00000001-0000-0000-0000-000000000000\""`.
    ///
    /// An HTTP entity tag is a quoted string by definition (RFC 9110), and the service stores it
    /// in exactly the form that travels in the `etag` response header and comes back in an
    /// `If-Match` request header. Keeping the quotes means the body value, the header value and the
    /// client's precondition compare byte for byte, with no stripping or re-quoting anywhere.
    #[serde(rename = "_etag", default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,

    /// `_ts`: when the resource was last written, in whole seconds since the Unix epoch.
    #[serde(rename = "_ts", default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<u64>,
}

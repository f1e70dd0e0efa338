//! Step 1 of every request: read it into a [`CosmosRequest`].
//!
//! The router hands every Cosmos DB path to one handler, which starts here: the path becomes a
//! [`ResourceAddress`] (what the signature covers), the body is read up to a size limit (so a 3 MB
//! document gets a Cosmos-style 413, not a dropped connection), and the Cosmos headers get typed
//! accessors. Nothing is decided yet about *who* is calling or *what* they may do.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use cosmolab_auth_signing::ResourceAddress;
use cosmolab_model::PartitionKey;
use serde_json::{Map, Value};

use crate::error::{CosmosError, Result};

/// The largest document the service accepts (2 MB).
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

/// The page size used when a client lets the server choose (`x-ms-max-item-count: -1`).
pub const SERVER_CHOSEN_PAGE_SIZE: usize = 1000;

/// The page size used when a client does not say (the service's default for feeds and queries).
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// The largest request body we read at all; anything over 2 MB is refused either way, the margin
/// only lets us answer with the right message.
pub const MAX_BODY_BYTES: usize = MAX_DOCUMENT_BYTES + 64 * 1024;

/// Cosmos DB's header names, in one place.
pub mod headers {
    /// The request time a master-key signature covers.
    pub const DATE: &str = "x-ms-date";
    /// The partition key of the request, a JSON array: `["1"]`.
    pub const PARTITION_KEY: &str = "x-ms-documentdb-partitionkey";
    /// `true` on queries (`POST …/docs`).
    pub const IS_QUERY: &str = "x-ms-documentdb-isquery";
    /// `True` on upserts (`POST` that creates or replaces).
    pub const IS_UPSERT: &str = "x-ms-documentdb-is-upsert";
    /// `True` when the client asks for a query plan instead of results.
    pub const IS_QUERY_PLAN: &str = "x-ms-cosmos-is-query-plan-request";
    /// `True` on queries without a partition key.
    pub const ENABLE_CROSS_PARTITION: &str = "x-ms-documentdb-query-enablecrosspartition";
    /// The page size a client wants (`-1`: the server chooses).
    pub const MAX_ITEM_COUNT: &str = "x-ms-max-item-count";
    /// Where the previous page ended.
    pub const CONTINUATION: &str = "x-ms-continuation";
    /// How long a permission's token should live, in seconds.
    pub const EXPIRY_SECONDS: &str = "x-ms-documentdb-expiry-seconds";
    /// A partition-key range id, for clients that route queries per range.
    pub const PARTITION_KEY_RANGE_ID: &str = "x-ms-documentdb-partitionkeyrangeid";
    /// The client's activity id, echoed back.
    pub const ACTIVITY_ID: &str = "x-ms-activity-id";
    /// Session token of the response.
    pub const SESSION_TOKEN: &str = "x-ms-session-token";
    /// The request charge, in request units.
    pub const REQUEST_CHARGE: &str = "x-ms-request-charge";
    /// The number of items in a feed page.
    pub const ITEM_COUNT: &str = "x-ms-item-count";
    /// The name-based path of a document's container, which switches session tracking on.
    pub const ALT_CONTENT_PATH: &str = "x-ms-alt-content-path";
}

/// A request to the Cosmos DB API, read but not yet judged.
///
/// Its `Debug` output lists header *names* only: the `authorization` header holds a signature or
/// a token, and a `tracing::debug!(?request)` must never leak it.
pub struct CosmosRequest {
    /// The HTTP method.
    pub method: Method,
    /// The path as the signature sees it (resource type and link).
    pub address: ResourceAddress,
    /// The request headers.
    pub headers: HeaderMap,
    /// The body, at most [`MAX_DOCUMENT_BYTES`] plus a small margin.
    pub body: Bytes,
}

impl std::fmt::Debug for CosmosRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(|name| name.as_str()).collect();
        f.debug_struct("CosmosRequest")
            .field("method", &self.method)
            .field("address", &self.address)
            .field("headers", &header_names)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl CosmosRequest {
    /// Reads method, path, headers and body.
    pub async fn read(method: Method, uri: &Uri, headers: HeaderMap, body: Body) -> Result<Self> {
        let address = ResourceAddress::from_path(uri.path()).map_err(|error| {
            CosmosError::bad_request(format!("The request path is invalid: {error}."))
        })?;
        let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                CosmosError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request size is too large. The largest document Cosmos DB accepts is 2 MB.",
                )
            })?;
        Ok(Self {
            method,
            address,
            headers,
            body,
        })
    }

    /// A header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// A boolean header. The Python SDK writes `True`, others `true`: compare case-insensitively.
    pub fn flag(&self, name: &str) -> bool {
        self.header(name)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    }

    /// The partition key header, parsed as JSON (never compared as text: `["é"]` and
    /// `["\u00e9"]` are the same key).
    pub fn partition_key(&self) -> Result<Option<PartitionKey>> {
        let Some(text) = self.header(headers::PARTITION_KEY) else {
            return Ok(None);
        };
        text.parse::<PartitionKey>().map(Some).map_err(|error| {
            CosmosError::bad_request(format!(
                "The partition key header x-ms-documentdb-partitionkey is invalid ({error}); send a \
                 JSON array such as [\"1\"]."
            ))
        })
    }

    /// The partition key, required for this operation.
    pub fn required_partition_key(&self) -> Result<PartitionKey> {
        self.partition_key()?.ok_or_else(|| {
            CosmosError::bad_request(
                "PartitionKey value must be supplied for this operation (header \
                 x-ms-documentdb-partitionkey, e.g. [\"1\"]).",
            )
        })
    }

    /// The body as a JSON object.
    pub fn json_object(&self) -> Result<Map<String, Value>> {
        match self.json_value()? {
            Value::Object(object) => Ok(object),
            _ => Err(CosmosError::bad_request(
                "The request body must be a JSON object.",
            )),
        }
    }

    /// The body as any JSON value (a stored procedure's arguments are an array).
    pub fn json_value(&self) -> Result<Value> {
        if self.body.len() > MAX_DOCUMENT_BYTES {
            return Err(CosmosError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request size is too large. The largest document Cosmos DB accepts is 2 MB.",
            ));
        }
        // The official Rust SDK sends item bodies in Cosmos binary encoding (`crate::encoding`).
        if cosmolab_binary_json::is_binary(&self.body) {
            return cosmolab_binary_json::decode(&self.body).map_err(|error| {
                CosmosError::bad_request(format!(
                    "The request body is not valid Cosmos binary JSON: {error}."
                ))
            });
        }
        serde_json::from_slice::<Value>(&self.body).map_err(|error| {
            CosmosError::bad_request(format!("The request body is not valid JSON: {error}."))
        })
    }

    /// The body parsed as `T`, with a 400 that quotes serde's explanation.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let object = self.json_object()?;
        serde_json::from_value(Value::Object(object)).map_err(|error| {
            CosmosError::bad_request(format!("The request body is invalid: {error}."))
        })
    }

    /// The `If-Match` etag, if any.
    pub fn if_match(&self) -> Option<&str> {
        self.header("if-match").map(str::trim)
    }

    /// The requested page size: `None` when the client did not say, [`SERVER_CHOSEN_PAGE_SIZE`]
    /// for `-1`.
    pub fn max_item_count(&self) -> Result<Option<usize>> {
        match self.header(headers::MAX_ITEM_COUNT).map(str::trim) {
            None => Ok(None),
            Some("-1") => Ok(Some(SERVER_CHOSEN_PAGE_SIZE)),
            Some(text) => match text.parse::<usize>() {
                Ok(0) | Err(_) => Err(CosmosError::bad_request(format!(
                    "Invalid value '{text}' for header x-ms-max-item-count: use a positive number, \
                     or -1 to let the server choose."
                ))),
                Ok(count) => Ok(Some(count)),
            },
        }
    }

    /// The continuation token of a paged read.
    pub fn continuation(&self) -> Option<&str> {
        self.header(headers::CONTINUATION)
            .filter(|value| !value.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn request(headers: &[(&str, &str)], body: &'static str) -> CosmosRequest {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let uri: Uri = "/dbs/db/colls/c/docs/".parse().unwrap();
        CosmosRequest::read(Method::POST, &uri, map, Body::from(body))
            .await
            .unwrap()
    }

    /// Booleans compare case-insensitively, as the Python SDK capitalises them.
    #[tokio::test]
    async fn flags_ignore_case() {
        let req = request(
            &[(headers::IS_UPSERT, "True"), (headers::IS_QUERY, "false")],
            "",
        )
        .await;
        assert!(req.flag(headers::IS_UPSERT));
        assert!(!req.flag(headers::IS_QUERY));
        assert!(!req.flag(headers::ENABLE_CROSS_PARTITION));
    }

    /// Partition keys parse as JSON; garbage is a 400 that shows the expected form.
    #[tokio::test]
    async fn partition_keys_parse_as_json() {
        let req = request(&[(headers::PARTITION_KEY, r#"["\u00e9"]"#)], "").await;
        assert_eq!(req.partition_key().unwrap(), Some(PartitionKey::from("é")));
        let bad = request(&[(headers::PARTITION_KEY, "1")], "").await;
        let error = bad.partition_key().unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert!(error.message.contains("[\"1\"]"), "{}", error.message);
    }

    /// Bodies must be JSON objects.
    #[tokio::test]
    async fn bodies_must_be_objects() {
        assert!(request(&[], r#"{"id":"a"}"#).await.json_object().is_ok());
        assert_eq!(
            request(&[], "[1]").await.json_object().unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            request(&[], "{").await.json_object().unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
    }

    /// Page sizes: absent is `None`, -1 lets the server choose; 0 and text are refused.
    #[tokio::test]
    async fn page_sizes() {
        assert_eq!(request(&[], "").await.max_item_count().unwrap(), None);
        assert_eq!(
            request(&[(headers::MAX_ITEM_COUNT, "-1")], "")
                .await
                .max_item_count()
                .unwrap(),
            Some(SERVER_CHOSEN_PAGE_SIZE)
        );
        assert_eq!(
            request(&[(headers::MAX_ITEM_COUNT, "2")], "")
                .await
                .max_item_count()
                .unwrap(),
            Some(2)
        );
        assert!(
            request(&[(headers::MAX_ITEM_COUNT, "0")], "")
                .await
                .max_item_count()
                .is_err()
        );
        assert!(
            request(&[(headers::MAX_ITEM_COUNT, "x")], "")
                .await
                .max_item_count()
                .is_err()
        );
    }

    /// Debug output names headers but never shows their values (the signature, the token).
    #[tokio::test]
    async fn debug_output_hides_header_values() {
        let req = request(
            &[(
                "authorization",
                "type%3Dresource%26ver%3D1%26sig%3DSECRETSIG",
            )],
            "",
        )
        .await;
        let debug = format!("{req:?}");
        assert!(debug.contains("authorization"), "{debug}");
        assert!(!debug.contains("SECRET"), "{debug}");
    }

    /// Bodies over the limit are a 413 in Cosmos style.
    #[tokio::test]
    async fn oversized_bodies_are_413() {
        let uri: Uri = "/dbs/db/colls/c/docs/".parse().unwrap();
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        let error = CosmosRequest::read(Method::POST, &uri, HeaderMap::new(), Body::from(big))
            .await
            .unwrap_err();
        assert_eq!(error.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

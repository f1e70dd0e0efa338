//! The names of the Cosmos DB headers the client sends and reads, in one place.

/// The request time a master-key signature covers (RFC 1123).
pub(crate) const DATE: &str = "x-ms-date";
/// The REST API version; `2020-07-15` is what the official SDKs send.
pub(crate) const VERSION: &str = "x-ms-version";
/// The API version we speak.
pub(crate) const API_VERSION: &str = "2020-07-15";
/// A fresh id per request, echoed by the service and found in its logs.
pub(crate) const ACTIVITY_ID: &str = "x-ms-activity-id";
/// The partition key of an item operation, as a JSON array: `["1"]`.
pub(crate) const PARTITION_KEY: &str = "x-ms-documentdb-partitionkey";
/// `True` on a `POST …/docs` that creates or replaces.
pub(crate) const IS_UPSERT: &str = "x-ms-documentdb-is-upsert";
/// `True` on a query.
pub(crate) const IS_QUERY: &str = "x-ms-documentdb-isquery";
/// `True` on a query without a partition key.
pub(crate) const ENABLE_CROSS_PARTITION: &str = "x-ms-documentdb-query-enablecrosspartition";
/// The content type of a query body.
pub(crate) const QUERY_CONTENT_TYPE: &str = "application/query+json";
/// At most this many items per page.
pub(crate) const MAX_ITEM_COUNT: &str = "x-ms-max-item-count";
/// Where the previous page ended (sent back as received).
pub(crate) const CONTINUATION: &str = "x-ms-continuation";
/// The pre-triggers an item write runs, comma-separated: `stamp,check`.
pub(crate) const PRE_TRIGGER_INCLUDE: &str = "x-ms-documentdb-pre-trigger-include";
/// The post-triggers an item write runs, comma-separated.
pub(crate) const POST_TRIGGER_INCLUDE: &str = "x-ms-documentdb-post-trigger-include";
/// `true` on a stored procedure's execution: send back what the script wrote with `console.log`.
pub(crate) const SCRIPT_ENABLE_LOGGING: &str = "x-ms-documentdb-script-enable-logging";
/// A stored procedure's `console.log` output, percent-encoded.
pub(crate) const SCRIPT_LOG_RESULTS: &str = "x-ms-documentdb-script-log-results";
/// A resource token's lifetime, on permission requests.
pub(crate) const EXPIRY_SECONDS: &str = "x-ms-documentdb-expiry-seconds";
/// The request units a request cost.
pub(crate) const REQUEST_CHARGE: &str = "x-ms-request-charge";
/// The session token of a document operation.
pub(crate) const SESSION_TOKEN: &str = "x-ms-session-token";
/// The version of a resource.
pub(crate) const ETAG: &str = "etag";
/// The Cosmos DB sub-status of an error.
pub(crate) const SUBSTATUS: &str = "x-ms-substatus";
/// How long to wait before retrying a 429.
pub(crate) const RETRY_AFTER_MS: &str = "x-ms-retry-after-ms";
/// The cosmolab emulator's explanation of a refusal.
pub(crate) const DENY_REASON: &str = "x-cosmolab-deny-reason";

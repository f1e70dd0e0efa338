//! # cosmolab-model — the JSON of Cosmos DB, as Rust types
//!
//! Every body that crosses the wire between a Cosmos DB client and the service has a type here:
//! the resources, the feeds that list them, the error body, and the role-based access control
//! documents of Azure Resource Manager. The emulator deserializes requests into these types and
//! serializes its answers from them; the client does the reverse. Nothing here performs I/O or
//! makes an access decision — the crate is the shared vocabulary those decisions are written in.
//!
//! ## What it models
//!
//! - **Resources** (seed 000, and the protocol notes): the database account, databases,
//!   containers with their partition-key definition, documents, users and partition-key ranges.
//!   Each carries the same [`SystemProperties`] (`_rid`, `_self`, `_etag`, `_ts`). Properties
//!   cosmolab does not act on, such as a container's indexing policy, are passed through
//!   untouched rather than modelled.
//! - **Permissions and resource tokens** (seeds 001–003): a [`Permission`] grants a user `All` or
//!   `Read` on a resource link, optionally narrowed to one [`PartitionKey`], and carries the
//!   [`ResourceToken`] the service minted — whose `Debug` output is redacted.
//! - **Roles** (seed 004): [`DataAction`]s and the wildcard [`DataActionPattern`]s that grant
//!   them, [`Scope`]s, [`RoleDefinition`]s including the two built-in roles, and
//!   [`RoleAssignment`]s.
//! - **Envelopes**: [`Feed<T>`] for every list and query answer, and [`CosmosErrorBody`] for
//!   every error.
//! - **Validation** a server must do before storing anything: [`validate_resource_id`], and
//!   parsing of the `x-ms-documentdb-partitionkey` header into a [`PartitionKey`].
//!
//! ## Example: the partition check behind seed 000
//!
//! A user holds a permission on a container, narrowed to partition `["1"]`. A request arrives to
//! create a document with that permission's token. The emulator reads the container, the
//! document and the header with this crate, and compares parsed values — never header text.
//!
//! ```
//! use cosmolab_model::{Container, Document, Feed, PartitionKey, Permission};
//!
//! let container: Container = serde_json::from_str(
//!     r#"{"id": "my_container", "partitionKey": {"paths": ["/key"], "kind": "Hash", "version": 2}}"#,
//! )?;
//! let permission: Permission = serde_json::from_str(
//!     r#"{"id": "p1", "permissionMode": "All",
//!         "resource": "dbs/my_database/colls/my_container", "resourcePartitionKey": ["1"]}"#,
//! )?;
//!
//! // The request: a header, and a body whose key must agree with it.
//! let header: PartitionKey = r#"["1"]"#.parse()?;
//! let document: Document = serde_json::from_str(r#"{"id": "item1", "key": "1"}"#)?;
//!
//! assert_eq!(document.partition_key(&container.partition_key)?, header);
//! assert_eq!(permission.resource_partition_key.as_ref(), Some(&header));
//!
//! // Listing documents answers with a feed whose array key the type chooses.
//! let feed = Feed::new("Sl8fAPfMQ0I=", vec![document]);
//! let json = serde_json::to_value(&feed)?;
//! assert_eq!(json["Documents"][0]["id"], "item1");
//! assert_eq!(json["_count"], 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//!
//! One module per resource kind, each with the same shape: the type as the wire has it, a
//! constructor for what a client sends, and its [`FeedItem`] key.
//!
//! - [`system`] — `_rid`, `_self`, `_etag`, `_ts`, shared by every resource
//! - [`account`] — the database account (`GET /`), its locations and consistency level
//! - [`database`] — databases
//! - [`container`] — containers and their partition-key definition
//! - [`document`] — documents, and reading a partition key out of one
//! - [`user`] — users
//! - [`permission`] — permissions, permission modes and resource tokens
//! - [`partition_key`] — partition-key values and the header that carries them
//! - [`partition_key_range`] — partition-key ranges (`/pkranges`)
//! - [`script`] — stored procedures, triggers and user-defined functions
//! - [`feed`] — the list envelope `{"_rid", "<Kind>": [...], "_count"}`
//! - [`error_body`] — the error body `{"code", "message"}` and the status names
//! - [`resource_id`] — validation of resource ids
//! - [`rbac`] — data actions, scopes, role definitions and role assignments
//! - [`audit`] — the audit record written for every data-plane request
//! - [`broker`] — what a resource-token broker answers: the permissions, their tokens, their expiry
//!
//! Every public type is also re-exported at the crate root.

pub mod account;
pub mod audit;
pub mod broker;
pub mod container;
pub mod database;
pub mod document;
pub mod error_body;
pub mod feed;
pub mod partition_key;
pub mod partition_key_range;
pub mod permission;
pub mod rbac;
pub mod resource_id;
pub mod script;
pub mod system;
pub mod user;

pub use account::{
    AccountLocation, ConsistencyLevel, ConsistencyPolicy, DatabaseAccount, UnknownConsistencyLevel,
};
pub use audit::AuditRecord;
pub use broker::{GrantedPermission, TokenGrant};
pub use container::{Container, PartitionKeyDefinition, PartitionKind};
pub use database::Database;
pub use document::Document;
pub use error_body::{CosmosErrorBody, ErrorCode, error_code_name};
pub use feed::{Feed, FeedItem};
pub use partition_key::{PartitionKey, PartitionKeyError, PartitionKeyValue};
pub use partition_key_range::PartitionKeyRange;
pub use permission::{Permission, PermissionMode, ResourceToken};
pub use rbac::{
    DATA_CONTRIBUTOR_ROLE_ID, DATA_READER_ROLE_ID, DataAction, DataActionPattern,
    MAX_ROLE_ASSIGNMENTS_PER_ACCOUNT, MAX_ROLE_DEFINITIONS_PER_ACCOUNT, ROLE_ASSIGNMENT_TYPE,
    ROLE_DEFINITION_TYPE, RoleAssignment, RoleAssignmentProperties, RoleDefinition,
    RoleDefinitionProperties, RolePermission, RoleType, Scope, ScopeError, UnknownDataAction,
    built_in_data_contributor, built_in_data_reader, built_in_role_definitions, role_definition_id,
};
pub use resource_id::{MAX_ID_LENGTH, ResourceIdError, validate_resource_id};
pub use script::{StoredProcedure, Trigger, TriggerOperation, TriggerType, UserDefinedFunction};
pub use system::SystemProperties;
pub use user::User;

//! # cosmolab-client — a small Cosmos DB client, written to be read
//!
//! A Cosmos DB client built on `reqwest` and `tokio`, shaped like the official SDKs —
//! [`CosmosClient`] → [`DatabaseClient`] → [`ContainerClient`] and [`UserClient`] — and small
//! enough to read in an afternoon. It implements the client side of every seed of the course: the
//! four ways of proving who you are to Cosmos DB, and what each of them lets you do.
//!
//! ## How a request is made
//!
//! ```text
//!  container.read_item::<Order>("alice", "order-1")        your code: names and a partition key
//!    │
//!    │ ResourcePath  dbs/shop/colls/orders/docs/order-1    names → URL path (percent-encoded)
//!    │               type "docs", link "dbs/shop/…"         and what the signature covers (decoded)
//!    ▼
//!  Pipeline (one tracing span per request)
//!    │ x-ms-date ← now
//!    │ authorization ← Credential                          sign (keys) or choose a token (tokens)
//!    │ GET /dbs/shop/colls/orders/docs/order-1
//!    │     x-ms-version: 2020-07-15, x-ms-documentdb-partitionkey: ["alice"]
//!    │ 429 / 449 → wait and sign again (RetryPolicy)
//!    ▼
//!  Response<Order> (status, ETag, request charge)  or  Error (status, sub-status, message, deny reason)
//! ```
//!
//! Signing itself is not here: it is [`cosmolab_auth_signing`], the very crate the emulator checks
//! signatures with, so the two sides cannot drift apart. Every body is a type of
//! [`cosmolab_model`].
//!
//! ## Where things are
//!
//! | file | what it holds |
//! |---|---|
//! | `client.rs`, `database.rs`, `container.rs`, `user.rs` | the handles and their operations, one resource kind each |
//! | `container/scripts.rs` | a container's stored procedures, triggers and user-defined functions, and running a procedure |
//! | `credential/` | [`Credential`], and one file per kind: `key.rs`, `resource_tokens.rs`, `entra.rs` |
//! | `path.rs` | names → URL path and signed link |
//! | `pipeline.rs` | sign, send, read, retry, inside one tracing span |
//! | `retry.rs` | [`RetryPolicy`]: 429 and 449 only, bounded |
//! | `response.rs`, `error.rs` | [`Response`] and [`Error`]: what came back |
//! | `paging.rs`, `query.rs` | [`FeedPager`], [`Query`] and [`PartitionScope`] |
//! | `headers.rs` | the header names, in one place |
//!
//! ## The four credentials
//!
//! The snippets below are compiled as doc tests; each kind also has a complete program in
//! `crates/client/examples/` that starts its own in-process emulator and runs as is:
//!
//! ```text
//! cargo run -p cosmolab-client --example master_key
//! cargo run -p cosmolab-client --example read_only_key
//! cargo run -p cosmolab-client --example resource_tokens
//! cargo run -p cosmolab-client --example entra_token
//! ```
//!
//! ### 1. A master key: the account owner (seed 001)
//!
//! The account's two **read-write keys** allow everything, users and permissions included. The
//! key never leaves the client: each request carries an HMAC-SHA256 signature of its verb,
//! resource type, link and date, valid for fifteen minutes. Use a master key in trusted
//! back-ends only, never in code that runs on a user's device.
//!
//! ```no_run
//! # async fn demo(endpoint: &str, primary_key: &str) -> cosmolab_client::Result<()> {
//! use cosmolab_client::{CosmosClient, Credential, KeyCredential};
//! use cosmolab_model::{Container, PartitionKeyDefinition};
//! use serde_json::json;
//!
//! let key = KeyCredential::from_base64(primary_key)?;
//! let client = CosmosClient::new(endpoint, Credential::MasterKey(key.clone()))?;
//!
//! let shop = client.database_client("shop");
//! client.create_database("shop").await?;
//! shop.create_container(&Container::new("orders", PartitionKeyDefinition::hash("/customer"))).await?;
//! let orders = shop.container_client("orders");
//! let created = orders
//!     .create_item("alice", &json!({"id": "order-1", "customer": "alice", "total": 42}))
//!     .await?;
//! assert_eq!(created.status(), 201);
//! # Ok(()) }
//! ```
//!
//! **Rotating keys without downtime.** A [`KeyCredential`] is a shared handle: keep a clone, and
//! [`KeyCredential::rotate_to`] changes the key of every request signed afterwards, without
//! rebuilding the client. Move to the secondary key, regenerate the primary, move to the new
//! primary: not one request fails (`tests/credentials.rs` proves it under load).
//!
//! ### 2. A read-only key: reading, and nothing else
//!
//! The two **read-only keys** sign exactly like master keys, and allow reads and queries of data
//! and metadata. A write signed with one is answered like a wrong key — 401, "The input
//! authorization token can't serve the request" — which is the service's documented behaviour,
//! not a bug. Users and permissions are off limits.
//!
//! ```no_run
//! # async fn demo(endpoint: &str, read_only_key: &str) -> cosmolab_client::Result<()> {
//! use cosmolab_client::{CosmosClient, Credential, KeyCredential, StatusCode};
//! use serde_json::{Value, json};
//!
//! let reader = CosmosClient::new(
//!     endpoint,
//!     Credential::ReadOnlyKey(KeyCredential::from_base64(read_only_key)?),
//! )?;
//! let orders = reader.database_client("shop").container_client("orders");
//! let order = orders.read_item::<Value>("alice", "order-1").await?;
//! let refused = orders.create_item("alice", &json!({"id": "x", "customer": "alice"})).await;
//! assert_eq!(refused.unwrap_err().status(), Some(StatusCode::UNAUTHORIZED));
//! # let _ = order; Ok(()) }
//! ```
//!
//! ### 3. Resource tokens: one application user, some resources (seeds 000–003)
//!
//! A trusted back-end holding the master key creates a **user** for each application user, grants
//! it **permissions** on the resources it may use, and hands back each permission's **resource
//! token**. The application then talks to Cosmos DB directly with the tokens, and can do nothing
//! else. A client may hold several tokens; each request uses the one whose resource link is the
//! longest ancestor of the request's link, compared segment by segment ([`ResourceTokens`]).
//!
//! ```no_run
//! # async fn demo(endpoint: &str, admin: cosmolab_client::CosmosClient) -> cosmolab_client::Result<()> {
//! use std::time::Duration;
//! use cosmolab_client::{CosmosClient, Credential, ResourceTokens, StatusCode};
//! use cosmolab_model::{PartitionKey, Permission, PermissionMode};
//! use serde_json::Value;
//!
//! // The back-end: a user, and a permission on alice's partition of `orders`.
//! let shop = admin.database_client("shop");
//! shop.create_user("alice").await?;
//! let mut grant = Permission::new("orders", PermissionMode::All, "dbs/shop/colls/orders");
//! grant.resource_partition_key = Some(PartitionKey::from("alice"));
//! let permission = shop
//!     .user_client("alice")
//!     .with_token_lifetime(Duration::from_secs(600))
//!     .create_permission(&grant)
//!     .await?
//!     .into_resource();
//!
//! // The application: its tokens, and nothing else.
//! let tokens = ResourceTokens::from_permissions([&permission]);
//! let app = CosmosClient::new(endpoint, Credential::ResourceTokens(tokens.clone()))?;
//! let orders = app.database_client("shop").container_client("orders");
//! orders.read_item::<Value>("alice", "order-1").await?;
//! let elsewhere = orders.read_item::<Value>("bob", "order-2").await.unwrap_err();
//! assert_eq!(elsewhere.status(), Some(StatusCode::FORBIDDEN));
//! println!("{}", elsewhere.deny_reason().unwrap_or_default());
//! // Before they expire, swap in fresh tokens for every clone of `tokens` at once:
//! tokens.replace_all([(permission.resource.clone(), permission.token.clone().unwrap())]);
//! # Ok(()) }
//! ```
//!
//! ### 4. Entra ID: an identity, and roles (seed 004)
//!
//! With Entra ID the application proves its identity to Microsoft Entra and sends the access
//! token it gets (`type=aad&ver=1.0&sig=<JWT>`); Cosmos DB decides from the role assignments of
//! that identity. Obtaining tokens is the job of a [`TokenCredential`] (a managed identity, a
//! service principal, or a fake in tests); [`EntraCredential`] caches its tokens and refreshes
//! them five minutes before they expire (halfway through a shorter token's life).
//! [`ClientSecretCredential`] is a service principal's source: the client-credentials flow against
//! Entra ID or against the emulator, which plays Entra ID offline and trusts only the tokens of its
//! own identity provider (any other gets a 401, which `examples/entra_token.rs` shows).
//!
//! ```no_run
//! # async fn demo(endpoint: &str) -> cosmolab_client::Result<()> {
//! use std::fmt;
//! use std::time::{Duration, SystemTime};
//! use cosmolab_client::{AccessToken, CosmosClient, Credential, EntraCredential, TokenCredential, TokenFuture};
//!
//! struct MyIdentity {
//!     client_id: String,
//!     client_secret: String,
//! }
//!
//! // `Debug` by hand, never derived: a derived one would print the client secret.
//! impl fmt::Debug for MyIdentity {
//!     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
//!         f.debug_struct("MyIdentity")
//!             .field("client_id", &self.client_id)
//!             .field("client_secret", &"<redacted>")
//!             .finish()
//!     }
//! }
//!
//! impl TokenCredential for MyIdentity {
//!     fn get_token<'a>(&'a self, scope: &'a str) -> TokenFuture<'a> {
//!         Box::pin(async move {
//!             // A real credential asks Entra ID for a token for `scope` here, with its secret.
//!             let _ = (&self.client_id, &self.client_secret, scope);
//!             Ok(AccessToken::new("eyJ0eXAi…", SystemTime::now() + Duration::from_secs(3600)))
//!         })
//!     }
//! }
//!
//! let identity = MyIdentity { client_id: "app".into(), client_secret: "…".into() };
//! let client = CosmosClient::new(endpoint, Credential::Entra(EntraCredential::new(identity)))?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! ## Server-side scripts (issue 12)
//!
//! A [`ContainerClient`] also manages the container's JavaScript: stored procedures
//! (`create_stored_procedure`, `read_…`, `replace_…`, `delete_…`, `stored_procedures()`, and
//! [`execute_stored_procedure`](ContainerClient::execute_stored_procedure)), triggers
//! (`create_trigger`, …, `triggers()`) and user-defined functions
//! (`create_user_defined_function`, …, `user_defined_functions()`). Running a procedure is a write
//! in one partition: it needs a master key or a resource token with `All` on the container or on
//! the procedure (`dbs/shop/colls/orders/sprocs/<id>`); a `Read` token is refused with 403, a
//! read-only key with 401. A trigger runs only when a write names it, on a handle made for that.
//!
//! ```no_run
//! # async fn demo(orders: cosmolab_client::ContainerClient) -> cosmolab_client::Result<()> {
//! use cosmolab_client::PartitionScope;
//! use cosmolab_model::{StoredProcedure, Trigger, TriggerOperation, TriggerType, UserDefinedFunction};
//! use serde_json::{Value, json};
//!
//! let count = "function count() {
//!     var context = getContext(), orders = context.getCollection();
//!     var accepted = orders.queryDocuments(orders.getSelfLink(), 'SELECT VALUE COUNT(1) FROM c', {},
//!         function (error, results) {
//!             if (error) throw error;
//!             context.getResponse().setBody(results[0]);
//!         });
//!     if (!accepted) throw new Error('not accepted');
//! }";
//! orders.create_stored_procedure(&StoredProcedure::new("count", count)).await?;
//! let counted = orders.execute_stored_procedure::<u64>("count", "alice", &[]).await?;
//! println!("alice has {:?} orders", counted.resource());
//!
//! let stamp = "function stamp() {
//!     var request = getContext().getRequest(), item = request.getBody();
//!     item.stamped = true;
//!     request.setBody(item);
//! }";
//! orders
//!     .create_trigger(&Trigger::new("stamp", stamp, TriggerType::Pre, TriggerOperation::Create))
//!     .await?;
//! // A handle that names the trigger on its writes; `orders` itself still names none.
//! orders
//!     .clone()
//!     .with_pre_triggers(["stamp"])
//!     .create_item("alice", &json!({"id": "order-9", "customer": "alice", "total": 5}))
//!     .await?;
//!
//! let tax = "function tax(total) { return total * 0.2; }";
//! orders.create_user_defined_function(&UserDefinedFunction::new("tax", tax)).await?;
//! let taxes = orders
//!     .query_items::<Value>("SELECT VALUE udf.tax(c.total) FROM c", PartitionScope::CrossPartition)
//!     .collect_items()
//!     .await?;
//! # let _ = taxes; Ok(()) }
//! ```
//!
//! ## Errors, retries, logs
//!
//! - Every failure is one [`Error`], with the status, sub-status, service message and — from the
//!   cosmolab emulator — the deny reason naming the rule that refused the request.
//! - Only 429 (after `x-ms-retry-after-ms`) and 449 are retried, a bounded number of times; never
//!   401 or 403 ([`RetryPolicy`]).
//! - Each request is a `tracing` span `cosmos_request` with its method, resource type, link,
//!   credential kind, status, request charge and attempts. No key, signature or token is ever
//!   logged, and the `Debug` output of clients and credentials is redacted.
//!
//! ## What a production client would add
//!
//! This client talks to the one endpoint it was given: it does not read the account's regions to
//! fail over, does not track session tokens across clients, and does not fetch query plans, since
//! the service (and the emulator) answer single-partition and simple cross-partition queries
//! directly. It retries nothing but 429 and 449; an application that knows its reads are
//! idempotent may add its own retries for timeouts.

pub mod credential;

mod client;
mod container;
mod database;
mod error;
mod headers;
mod paging;
mod path;
mod pipeline;
mod query;
mod response;
mod retry;
mod user;

pub use client::{CosmosClient, CosmosClientBuilder};
pub use container::ContainerClient;
pub use credential::{
    AccessToken, BrokerCredential, ClientSecretCredential, Credential, EntraCredential,
    KeyCredential, ResourceTokens, SelectedToken, TokenCredential, TokenError, TokenFuture,
};
pub use database::DatabaseClient;
pub use error::{Error, ErrorKind, Result};
pub use paging::{FeedPager, Stream};
pub use query::{PartitionScope, Query, QueryParameter};
pub use response::{Page, Response};
pub use retry::RetryPolicy;
pub use user::UserClient;

/// The resource-token string type, shared with the model's `Permission::token`.
pub use cosmolab_model::ResourceToken;
/// HTTP status codes, as [`Response::status`] and [`Error::status`] return them.
pub use reqwest::StatusCode;

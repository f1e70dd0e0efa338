//! # Lab 7 — Entra ID and roles — your copy
//!
//! Keys and resource tokens are **local** authentication: whoever holds the string is in. Seed 004
//! describes the modern alternative. Applications sign in to **Entra ID** and send its token; the
//! account decides what each identity may do from **role assignments**: a role (a list of data
//! actions) given to a principal (an object id) at a scope (the account, a database or a
//! container). Once every client has moved, the account turns **`disableLocalAuth`** on and keys
//! stop working — and the **audit log** names the principal behind every request, allowed or not.
//!
//! ```text
//!   order-service ──client id + secret──▶ identity provider ──JWT (oid = its object id)──┐
//!                                                                                        ▼
//!   Authorization: type=aad&ver=1.0&sig=<JWT>  ──▶  account: which assignments has this oid?
//!        "Order clerk" (custom) at /dbs/shop/colls/orders   → read, create, query orders
//!   reporting ──▶ Cosmos DB Built-in Data Reader at /dbs/shop → read and query every container
//!   anything else                                           → 403 "…does not have required RBAC
//!                                                               permissions to perform action […]"
//! ```
//!
//! ## What you do
//!
//! Fill in the six functions below, in order, each at its `TODO:`, then run `cargo lab check 7`.
//! The scenario registers two applications with the emulator's identity provider, applies your roles
//! and assignments through the account's management API, plays each application, turns local
//! authentication off and reads the audit log with your code.
//!
//! 1. [`order_clerk_role`] — a least-privilege custom role.
//! 2. [`order_clerk_assignment`] — that role for one principal, on one container.
//! 3. [`reporting_assignment`] — a built-in role for another, on the whole database.
//! 4. [`app_client`] — an application's client, signing in with its client secret.
//! 5. [`local_auth_users`] — who still uses keys or tokens, before turning them off.
//! 6. [`refused_requests`] — one principal's refused requests, from the audit log.
//!
//! The page `docs/labs/07-entra.md` explains each step; `cargo lab hint 7` gives a hint. The real
//! implementations: `crates/model` (`rbac`: data actions, scopes, roles, assignments),
//! `crates/client` (`ClientSecretCredential`, `EntraCredential`) and the emulator's
//! `crates/emulator/src/rbac/` and `identity/`.

use std::collections::BTreeSet;

use cosmolab_client::{ClientSecretCredential, CosmosClient, Credential, EntraCredential};
use cosmolab_model::{
    AuditRecord, DATA_READER_ROLE_ID, DataAction, RoleAssignmentProperties,
    RoleDefinitionProperties, RolePermission, RoleType, Scope,
};

/// The shop's database.
pub const DATABASE: &str = "shop";
/// The container of orders, partitioned by `/customer`: the order service's only container.
pub const ORDERS: &str = "orders";
/// The container of invoices, partitioned by `/customer`.
pub const INVOICES: &str = "invoices";
/// The name (a GUID, as Resource Manager wants) of the custom role of step 1.
pub const ORDER_CLERK_ROLE_ID: &str = "6c1e4a2b-3d5f-4e7a-8b9c-0d1e2f3a4b5c";

/// Step 1: the custom role "Order clerk": everything the order service does, and nothing more.
///
/// The service reads orders (point reads), creates them and queries them. Like every client it
/// also reads metadata (the account, the container's partition key). It never replaces nor
/// deletes an order, and it has no business anywhere but the `orders` container — the only
/// scope the role may be assigned at.
pub fn order_clerk_role() -> RoleDefinitionProperties {
    // TODO: Return `RoleDefinitionProperties` with
    // - `role_name` "Order clerk" and `role_type` `RoleType::CustomRole`;
    // - `assignable_scopes`: the orders container only — `Scope::for_container(DATABASE, ORDERS)`,
    //   written with `.to_string()` (`/dbs/shop/colls/orders`);
    // - `permissions`: one `RolePermission::granting([...])` of exactly four actions, in this
    //   order: `DataAction::ReadMetadata`, `ReadItem`, `CreateItem`, `ExecuteQuery` (each
    //   `.into()` a `DataActionPattern`). No wildcard: `containers/items/*` would also grant
    //   replace, upsert and delete.
    todo!()
}

/// Step 2: the assignment of the order-clerk role to the principal `principal_id` (an object id),
/// at the scope of the `orders` container.
pub fn order_clerk_assignment(principal_id: &str) -> RoleAssignmentProperties {
    // TODO: Return `RoleAssignmentProperties` with `role_definition_id` the role's id
    // (`ORDER_CLERK_ROLE_ID`), `principal_id` the object id given, and `scope` the orders
    // container (the same `Scope` as the role's assignable scope, as a string).
    todo!()
}

/// Step 3: the reporting application reads and queries every container of the shop: the built-in
/// Data Reader role for `principal_id`, at the scope of the `shop` database.
pub fn reporting_assignment(principal_id: &str) -> RoleAssignmentProperties {
    // TODO: The same shape as step 2, with the built-in Data Reader (`DATA_READER_ROLE_ID`, no
    // definition of yours needed) at the database scope: `Scope::for_database(DATABASE)`.
    todo!()
}

/// Step 4: the client of an application registered in `tenant_id` as `client_id` with
/// `client_secret`, for the account at `endpoint` (whose emulator is also the identity provider).
pub fn app_client(
    endpoint: &str,
    tenant_id: &str,
    client_id: &str,
    client_secret: &str,
) -> cosmolab_client::Result<CosmosClient> {
    // TODO: `ClientSecretCredential::new(endpoint, tenant_id, client_id, client_secret)?` fetches
    // tokens from the identity provider (here the emulator, at the same endpoint). Wrap it in
    // `EntraCredential::new(...)`, which caches the token and refreshes it before it expires, and
    // build the client with `CosmosClient::new(endpoint, Credential::Entra(...))`.
    todo!()
}

/// Step 5: who in `records` still authenticates locally, each named once and in order: `key
/// <kind>` for a key (`key primary`, `key secondaryReadonly`, …) and `token <permission>` for a
/// resource token. Entra requests are not local.
pub fn local_auth_users(records: &[AuditRecord]) -> Vec<String> {
    // TODO: For each record: `auth_type` "master" gives `format!("key {kind}")` from `key_kind`,
    // "resource" gives `format!("token {permission}")` from `permission`; any other (`aad`, `none`)
    // gives nothing. Collect into a `BTreeSet<String>` (each once, sorted), then into a Vec.
    todo!()
}

/// Step 6: the requests of the Entra principal `principal_id` that were refused, oldest first.
pub fn refused_requests(records: &[AuditRecord], principal_id: &str) -> Vec<AuditRecord> {
    // TODO: Keep the records that were refused (`record.denied()`) and whose `aad_principal_id` is
    // `Some(principal_id)` (`.as_deref() == Some(principal_id)`), cloned, in their order.
    todo!()
}

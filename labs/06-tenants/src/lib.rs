//! # Lab 6 — Many resources, many tenants — your copy
//!
//! A software vendor (Vendor A) keeps its customers' data in one Cosmos DB account and lets each
//! customer's own software (Vendor B, a tenant) reach *its* data directly, for speed, without going
//! through Vendor A's services every time (seed 002). One permission covers one resource, so a
//! tenant gets a **permission list**: one entry per container, partition or document it may use,
//! each with its own token. The tenant's client holds the whole list and, for every request, sends
//! the token whose resource covers it.
//!
//! ```text
//!  database saas
//!  ├── colls/tenant-fabrikam          fabrikam's own container      All            ─┐
//!  ├── colls/tenant-contoso           contoso's own container       (contoso's)     │
//!  ├── colls/orders  (/tenant)                                                       │ user
//!  │     ├── partition "fabrikam"     fabrikam's orders             All + partition  │ "fabrikam"
//!  │     └── partition "contoso"      contoso's orders              (contoso's)      │ holds 4
//!  ├── colls/catalog                  the vendor's price list        Read           │ permissions
//!  └── colls/announcements                                                          │
//!        ├── docs/welcome             shared with every tenant      Read           ─┘
//!        └── docs/roadmap             internal
//! ```
//!
//! ## What you do
//!
//! Fill in the four functions below, in order, each at its `TODO:`, then run `cargo lab check 6`.
//! The scenario sets up the database above with the master key, grants fabrikam its permissions
//! with your code, and plays fabrikam's software: what it may do, and what it is refused.
//!
//! 1. [`permissions_for`] — the tenant's permission list.
//! 2. [`grant_tenant`] — the back-end's part: a user per tenant, every permission upserted.
//! 3. [`tenant_client`] — the tenant's client, from the whole list.
//! 4. [`procedure_permission`] — the permission that lets a tenant run the vendor's stored
//!    procedure `place-order`, in its own partition.
//!
//! The page `docs/labs/06-tenants.md` explains each step; `cargo lab hint 6` gives a hint.
//! The real implementations: `crates/client` (`ResourceTokens`, which picks the token whose link
//! is the longest ancestor of the request's) and the emulator's rules in
//! `crates/emulator/src/authorize.rs`.

use cosmolab_client::{CosmosClient, Credential, DatabaseClient, ResourceTokens};
use cosmolab_model::{PartitionKey, Permission, PermissionMode};

/// The database every tenant's data lives in.
pub const DATABASE: &str = "saas";

/// Step 1: the permissions of `tenant` (e.g. `"fabrikam"`), in this order:
///
/// 1. `own-container` — `All` on its own container, `tenant-<tenant>`;
/// 2. `own-orders` — `All` on its partition (partition key = the tenant's name) of `orders`;
/// 3. `catalog` — `Read` on the container `catalog`;
/// 4. `welcome` — `Read` on the single document `welcome` of the container `announcements`.
pub fn permissions_for(tenant: &str) -> Vec<Permission> {
    // TODO: Return the four permissions above, each built with
    // `Permission::new(id, mode, resource_link)`. The links all start with `dbs/saas/colls/…`
    // (use `DATABASE`); a document's link goes one level further: `…/colls/<container>/docs/<id>`.
    // The orders permission also sets `resource_partition_key` to
    // `Some(PartitionKey::from(tenant))`, or the tenant would see every tenant's orders.
    // Permission ids only need to be unique per user: every tenant can have an `own-container`.
    // (Reusing one id for all four would make each upsert replace the one before.)
    todo!()
}

/// Step 2: the back-end (a client of `database` signed with the master key) creates the user
/// named after `tenant` if needed, upserts each of its permissions, and returns them as stored —
/// with their tokens, in the same order.
pub async fn grant_tenant(
    database: &DatabaseClient,
    tenant: &str,
) -> cosmolab_client::Result<Vec<Permission>> {
    // TODO: `database.upsert_user(tenant).await?`, then for each permission of
    // `permissions_for(tenant)`: `database.user_client(tenant).upsert_permission(&permission)
    // .await?.into_resource()`, collected into a Vec. (A `for` loop with `push` is fine.)
    todo!()
}

/// Step 3: the tenant's client — seed 002's "Vendor B" software — holding every token of
/// `permissions` and nothing else.
pub fn tenant_client(
    endpoint: &str,
    permissions: &[Permission],
) -> cosmolab_client::Result<CosmosClient> {
    // TODO: `ResourceTokens::from_permissions(permissions)` keeps each token with its resource
    // link; wrap it in `Credential::ResourceTokens(...)` and build the client with
    // `CosmosClient::new(endpoint, credential)`. For each request the client will pick the token
    // whose link is the longest prefix of the request's link.
    todo!()
}

/// The vendor's stored procedure in `orders`: it places one order, in the partition it is run for.
pub const PLACE_ORDER: &str = "place-order";

/// Step 4: the permission, with id `place-order`, that lets `tenant` run the stored procedure
/// [`PLACE_ORDER`] of the container `orders` — in the tenant's own partition only.
pub fn procedure_permission(tenant: &str) -> Permission {
    // TODO: A permission on a stored procedure names it by link:
    // `dbs/saas/colls/orders/sprocs/place-order`. The scenario first gives the tenant `Read` on
    // it: which mode does *running* a procedure need? (Seed 003 says.) Then pin it to the
    // tenant's partition with `resource_partition_key`, as for `own-orders`: a procedure runs in
    // whatever partition its caller names.
    todo!()
}

//! # Lab 6 — Many resources, many tenants — solved
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
//! ## What the trainee does
//!
//! Fills in the four functions below (this is the finished twin; run `cargo lab check 6`).
//! The scenario sets up the database above with the master key, grants fabrikam its permissions
//! with your code, and plays fabrikam's software: what it may do, and what it is refused.
//!
//! 1. [`permissions_for`] — the tenant's permission list.
//! 2. [`grant_tenant`] — the back-end's part: a user per tenant, every permission upserted.
//! 3. [`tenant_client`] — the tenant's client, from the whole list.
//! 4. [`procedure_permission`] — the permission that lets a tenant run the vendor's stored
//!    procedure `place-order`, in its own partition (seed 003: executing needs `All`).
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
    // One permission per resource, each as narrow as the tenant's use of it: `All` only where the
    // tenant writes, `Read` where it only looks, and the orders permission pinned to the tenant's
    // own partition — without that pin, the shared container would leak every tenant's orders.
    // Each permission gets its own id: ids are unique per user, so four upserts under one id would
    // replace one another and leave the user a single permission. Across users the same ids are
    // fine, which keeps every tenant's grant the same shape.
    let collection = |name: &str| format!("dbs/{DATABASE}/colls/{name}");
    let mut own_orders = Permission::new("own-orders", PermissionMode::All, collection("orders"));
    own_orders.resource_partition_key = Some(PartitionKey::from(tenant));
    vec![
        Permission::new(
            "own-container",
            PermissionMode::All,
            collection(&format!("tenant-{tenant}")),
        ),
        own_orders,
        Permission::new("catalog", PermissionMode::Read, collection("catalog")),
        // A single document: the narrowest scope there is. The tenant may read `welcome` and
        // nothing else of `announcements`.
        Permission::new(
            "welcome",
            PermissionMode::Read,
            format!("{}/docs/welcome", collection("announcements")),
        ),
    ]
}

/// Step 2: the back-end (a client of `database` signed with the master key) creates the user
/// named after `tenant` if needed, upserts each of its permissions, and returns them as stored —
/// with their tokens, in the same order.
pub async fn grant_tenant(
    database: &DatabaseClient,
    tenant: &str,
) -> cosmolab_client::Result<Vec<Permission>> {
    // One Cosmos DB user per tenant (seed 002's "a user per tenant"): its permissions are the
    // tenant's whole grant, and deleting the user would withdraw it (tokens already handed out
    // live until they expire — lab 4). Upserts keep the grant repeatable.
    database.upsert_user(tenant).await?;
    let user = database.user_client(tenant);
    let mut granted = Vec::new();
    for permission in permissions_for(tenant) {
        granted.push(user.upsert_permission(&permission).await?.into_resource());
    }
    Ok(granted)
}

/// Step 3: the tenant's client — seed 002's "Vendor B" software — holding every token of
/// `permissions` and nothing else.
pub fn tenant_client(
    endpoint: &str,
    permissions: &[Permission],
) -> cosmolab_client::Result<CosmosClient> {
    // The whole list in one credential: for each request the client sends the token whose link
    // is the longest ancestor of the request's link, so a read of `…/docs/welcome` uses the
    // document's token and a write to `tenant-fabrikam` its container's.
    let tokens = ResourceTokens::from_permissions(permissions);
    CosmosClient::new(endpoint, Credential::ResourceTokens(tokens))
}

/// The vendor's stored procedure in `orders`: it places one order, in the partition it is run for.
pub const PLACE_ORDER: &str = "place-order";

/// Step 4: the permission, with id `place-order`, that lets `tenant` run the stored procedure
/// [`PLACE_ORDER`] of the container `orders` — in the tenant's own partition only.
pub fn procedure_permission(tenant: &str) -> Permission {
    // Running a stored procedure may write, so it needs `All` (seed 003); `Read` on a procedure
    // only lets the tenant read its source. Scoping the permission to the procedure rather than
    // to `orders` keeps the tenant from everything else in the container, and pinning it to the
    // tenant's partition keeps it from running the procedure on another tenant's orders: a
    // procedure runs in whatever partition the caller names.
    let link = format!("dbs/{DATABASE}/colls/orders/sprocs/{PLACE_ORDER}");
    let mut permission = Permission::new(PLACE_ORDER, PermissionMode::All, link);
    permission.resource_partition_key = Some(PartitionKey::from(tenant));
    permission
}

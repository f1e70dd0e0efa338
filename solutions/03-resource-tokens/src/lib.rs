//! # Lab 3 — Users, permissions, resource tokens — solved
//!
//! A phone app must never hold the master key: anyone who unpacks the app would own the account.
//! Instead a trusted back-end, which holds the key, creates a **user** for each person, grants the
//! user **permissions** on exactly the resources it may touch, and hands the app each permission's
//! **resource token**. The app talks to Cosmos DB directly with the token, and can do nothing else
//! (seeds 000, 001 and 002).
//!
//! ```text
//!   back-end (master key)                    Cosmos DB                         the app (token only)
//!   ─────────────────────                    ─────────                         ────────────────────
//!   create user "Test User"     ──────────▶  dbs/my_database/users/Test User
//!   create permission           ──────────▶  …/permissions/my_all_permission
//!     mode: All                              resource: dbs/my_database/colls/my_container
//!     resource: the container                partition key: ["1"]
//!     partition key: ["1"]      ◀──────────  + _token: type=resource&ver=1&sig=…
//!   hand the token to the app   ─────────────────────────────────────────────▶  CosmosClient(token)
//!                                            read / upsert / query / delete  ◀── partition "1": 2xx
//!                                            partition "2", other containers,
//!                                            databases, users               ◀── 403 Forbidden
//! ```
//!
//! ## What the trainee does
//!
//! Fills in the three functions below (this is the finished twin; run `cargo lab check 3`).
//! The scenario plays seed 000's sample: the back-end sets up a database, a container partitioned
//! on `/key`, the user "Test User" and its permission on partition `"1"`; the app then reads,
//! upserts, creates, queries and deletes items of partition `"1"` with the token alone — and is
//! refused everything else.
//!
//! 1. [`partition_permission`] — the permission's definition: mode, resource link, partition key.
//! 2. [`grant`] — the back-end's part: the user and the permission, repeatable.
//! 3. [`app_client`] — the app's client, built from the token and nothing else.
//!
//! The page `docs/labs/03-resource-tokens.md` explains each step; `cargo lab hint 3` gives a hint.
//! The real implementations: `crates/client` (`ResourceTokens`, `UserClient`) and the emulator's
//! rules in `crates/emulator/src/authorize.rs`.

use cosmolab_client::{CosmosClient, Credential, DatabaseClient, ResourceTokens};
use cosmolab_model::{PartitionKey, Permission, PermissionMode};

/// Step 1: a permission named `id` that allows everything (`All`) on the items of one partition,
/// `partition_key`, of container `container` in database `database`.
pub fn partition_permission(
    id: &str,
    database: &str,
    container: &str,
    partition_key: &str,
) -> Permission {
    // A permission names its resource by link, the path the service knows it by. `All` is what
    // seed 000 grants: the app reads and writes its own items. The partition key is what makes
    // this safe to hand to one person: without it, the token opens every partition of the
    // container, everyone's data included.
    let link = format!("dbs/{database}/colls/{container}");
    let mut permission = Permission::new(id, PermissionMode::All, link);
    permission.resource_partition_key = Some(PartitionKey::from(partition_key));
    permission
}

/// Step 2: the back-end grants `permission` to the user `user_id` of `database` (a client signed
/// with the master key) and returns the permission as the service stored it — with its token.
///
/// Running it twice must work: the back-end grants again whenever the app asks.
pub async fn grant(
    database: &DatabaseClient,
    user_id: &str,
    permission: &Permission,
) -> cosmolab_client::Result<Permission> {
    // Upserts, not creates: the back-end runs this every time the app asks for a token, and the
    // second create would be refused with 409 Conflict. An upserted permission is returned with
    // a fresh token, valid for the default hour (lab 4 chooses the lifetime).
    database.upsert_user(user_id).await?;
    let stored = database
        .user_client(user_id)
        .upsert_permission(permission)
        .await?;
    Ok(stored.into_resource())
}

/// Step 3: the app's client: it knows the endpoint and the permission the back-end sent, and
/// nothing else.
pub fn app_client(
    endpoint: &str,
    permission: &Permission,
) -> cosmolab_client::Result<CosmosClient> {
    // The app's only secret is the token. `from_permissions` keeps it with the resource link it
    // was issued for; for each request the client sends the token whose link covers the request,
    // and refuses to send a request no token covers.
    let tokens = ResourceTokens::from_permissions([permission]);
    CosmosClient::new(endpoint, Credential::ResourceTokens(tokens))
}

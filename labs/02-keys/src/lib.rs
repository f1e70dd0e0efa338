//! # Lab 2 — Keys: primary, secondary, read-only, rotation — your copy
//!
//! A Cosmos DB account has **four keys** (seeds 001 and 003): two read-write **master keys**,
//! primary and secondary, and two **read-only keys**. They all sign requests the same way (lab 1);
//! what a request may do depends on which key signed it. There are two of each so that a key can
//! be replaced — *rotated* — without stopping the applications that use it.
//!
//! ```text
//!   key                    reads data      writes data     users & permissions
//!   primary / secondary    ✓               ✓               ✓
//!   read-only (×2)         ✓               401             401 (even reading them)
//!
//!   rotating the primary key without a failed request:
//!     app signs with   primary ──▶ secondary ──────────────────────────▶ new primary
//!     account keys     primary           regenerate primary ──▶ new primary
//!                                 ▲ 1. move the app      ▲ 2. regenerate      ▲ 3. move the app back
//! ```
//!
//! ## What you do
//!
//! Fill in the three functions below, in order, each at its `TODO:`, then run `cargo lab check 2`.
//!
//! 1. [`read_only_key_allows`] — predict, for each [`Operation`], whether a read-only key may do
//!    it. The scenario then tries each one with a read-only key and shows your prediction next to
//!    the emulator's answer.
//! 2. [`reader_client`] — a client that signs with a read-only key.
//! 3. [`rotate_primary_key`] — the rotation above. The scenario sends a request with the app's
//!    client after each of your key-management calls: not one may fail.
//!
//! The page `docs/labs/02-keys.md` explains each step; `cargo lab hint 2` gives a hint.
//! The real implementations: `crates/client` (`KeyCredential::rotate_to`) and the emulator's rules
//! for read-only keys in `crates/emulator/src/authorize.rs`.

use std::fmt;

use cosmolab_client::{CosmosClient, Credential, KeyCredential};
use cosmolab_lab_harness::{AccountAdmin, AdminError, KeyKind, KeyList};

/// What the scenario tries with a read-only key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Read one item.
    ReadItem,
    /// Query the items of a partition.
    QueryItems,
    /// Read a container's definition.
    ReadContainer,
    /// List the account's databases.
    ListDatabases,
    /// Create an item.
    CreateItem,
    /// Replace an item.
    ReplaceItem,
    /// Delete an item.
    DeleteItem,
    /// Create a container.
    CreateContainer,
    /// List a database's users.
    ListUsers,
}

impl Operation {
    /// Every operation, in the order the scenario tries them.
    pub const ALL: [Operation; 9] = [
        Operation::ReadItem,
        Operation::QueryItems,
        Operation::ReadContainer,
        Operation::ListDatabases,
        Operation::CreateItem,
        Operation::ReplaceItem,
        Operation::DeleteItem,
        Operation::CreateContainer,
        Operation::ListUsers,
    ];
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::ReadItem => "read an item",
            Operation::QueryItems => "query items",
            Operation::ReadContainer => "read the container",
            Operation::ListDatabases => "list databases",
            Operation::CreateItem => "create an item",
            Operation::ReplaceItem => "replace an item",
            Operation::DeleteItem => "delete an item",
            Operation::CreateContainer => "create a container",
            Operation::ListUsers => "list users",
        })
    }
}

/// The account's key management, as the rotation needs it: on Azure, Resource Manager (`az
/// cosmosdb keys list` / `regenerate`); here, the emulator's admin API. The scenario passes one
/// that also checks your app between the calls.
pub trait KeyManagement {
    /// The four keys as they are now.
    fn list_keys(&self) -> impl Future<Output = Result<KeyList, AdminError>>;
    /// Replaces one key with a new random one; returns the four keys afterwards.
    fn regenerate(&self, kind: KeyKind) -> impl Future<Output = Result<KeyList, AdminError>>;
}

impl KeyManagement for AccountAdmin {
    async fn list_keys(&self) -> Result<KeyList, AdminError> {
        self.keys().await
    }

    async fn regenerate(&self, kind: KeyKind) -> Result<KeyList, AdminError> {
        AccountAdmin::regenerate(self, kind).await
    }
}

/// Anything that can go wrong during a rotation: a management call, or a key that is not base64.
pub type RotationError = Box<dyn std::error::Error + Send + Sync>;

/// Step 1: whether a request signed with a read-only key may perform `operation`.
pub fn read_only_key_allows(operation: Operation) -> bool {
    // TODO: Return true for the operations a read-only key may perform, false for the others.
    // Seed 001: read-only keys give read access to data and to the account's metadata (databases,
    // containers), and nothing else — no writes of any kind, and no access to users or
    // permissions, not even to read them. A `match` with one arm per group is the clearest way:
    //   `Operation::ReadItem | Operation::QueryItems | … => true,`
    todo!()
}

/// Step 2: a client of the account at `endpoint` that signs with `read_only_key` (base64).
pub fn reader_client(endpoint: &str, read_only_key: &str) -> cosmolab_client::Result<CosmosClient> {
    // TODO: Make the key credential with `KeyCredential::from_base64(read_only_key)?` and wrap it
    // in `Credential::ReadOnlyKey(...)` — not `MasterKey`: the signature is the same, but the
    // client then knows it cannot write and says so — then `CosmosClient::new(endpoint, credential)`.
    todo!()
}

/// Step 3: rotates the account's primary key while the app signs with `app_key`, so that not one
/// of the app's requests fails. At the end the app signs with the new primary key.
pub async fn rotate_primary_key(
    keys: &impl KeyManagement,
    app_key: &KeyCredential,
) -> Result<(), RotationError> {
    // TODO: In three moves:
    //   1. move the app to the secondary key: `keys.list_keys().await?` gives the four keys, and
    //      `app_key.rotate_to_base64(&list.secondary_master_key)?` changes the key of every later
    //      request of every clone of the credential;
    //   2. regenerate the primary: `keys.regenerate(KeyKind::Primary).await?` returns the new keys;
    //   3. move the app to the new primary: `app_key.rotate_to_base64(&new.primary_master_key)?`.
    // Regenerating first would break every request the app makes until step 3.
    todo!()
}

//! # cosmolab-client — a Cosmos DB client for the course (coming next)
//!
//! This crate will hold a small, carefully written Cosmos DB client built on `reqwest` and `tokio`:
//! `CosmosClient` → database → container handles, as the official SDKs shape them, with one
//! credential abstraction covering the four ways of proving who you are to Cosmos DB:
//!
//! - a **master key** (primary or secondary, swappable at runtime for key rotation),
//! - a **read-only key**,
//! - **resource tokens** minted from users' permissions (chosen per request by resource link),
//! - an **Entra ID** token credential (bearer tokens, cached and refreshed before expiry).
//!
//! Every request is signed with [`cosmolab-auth-signing`](../cosmolab_auth_signing/index.html) and
//! every body is a type from `cosmolab-model`. The crate is filled in by the client issue, once the
//! emulator it is tested against exists; until then it deliberately exports nothing.

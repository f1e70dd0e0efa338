//! # cosmolab-emulator — a Cosmos DB-compatible server that enforces access control
//!
//! The backend every cosmolab lab runs on: an axum server that speaks the Cosmos DB REST protocol
//! well enough for the official SDKs to work against it unmodified, and that **enforces** access
//! control like the service — which no other emulator does for resource tokens. It implements the
//! seeds' concepts on the server side: master keys and their rotation, read-only keys, users,
//! permissions, and resource tokens scoped to containers, documents and partition keys, with
//! expiry; Entra ID, with its own identity provider ([`identity`]) and role-based access
//! control ([`rbac`]); and server-side scripts — stored procedures, triggers and user-defined
//! functions in JavaScript ([`scripts`]); running a stored procedure needs `All`.
//!
//! ## How a request flows
//!
//! One module per step, top to bottom:
//!
//! 1. [`request`] — read method, path, headers and body (2 MB limit) into a `CosmosRequest`.
//! 2. [`authenticate`] — *who is calling?* Check the `Authorization` header: a key signature
//!    (against all four keys, in constant time, with the `x-ms-date` window), a resource token
//!    (signature, key generation, lifetime), or an Entra ID token ([`identity`]: signature,
//!    issuer, audience, lifetime).
//! 3. [`operation`] — *what is asked?* Path and headers become an `Operation` (a resource and an
//!    action: a query is a read even though it is a POST).
//! 4. [`authorize`] — *may they?* The access rules as data and one function; a refusal names its
//!    rule in the `x-cosmolab-deny-reason` header. Entra callers go to [`rbac`] instead: the data
//!    action and scope the request needs, against the principal's role assignments.
//! 5. [`handlers`] — *do it*, one module per resource kind, against the [`store`]. Stored
//!    procedures, writes that name triggers and queries that call UDFs run their JavaScript in
//!    [`scripts`], on a copy of one partition's documents, off the async workers.
//! 6. [`response`] — answer with the body and headers the SDKs read.
//!
//! [`app::app`] wires these into an axum `Router`, testable without a socket; [`Emulator`] starts
//! one on a port, in-process; the `cosmolab-emulator` binary runs one standalone.
//!
//! ## Example
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use cosmolab_emulator::Emulator;
//!
//! let emulator = Emulator::builder().start().await?;
//! println!("{}", emulator.endpoint()); // http://127.0.0.1:<port>/
//! # Ok(()) }
//! ```
//!
//! What matches the service and what we chose is listed in `docs/fidelity.md`.

pub mod admin;
pub mod app;
pub mod audit;
pub mod authenticate;
pub mod authorize;
pub mod clock;
pub mod encoding;
pub mod error;
pub mod explorer;
pub mod handlers;
pub mod identity;
pub mod keys;
pub mod limits;
pub mod operation;
pub mod query;
pub mod rbac;
pub mod request;
pub mod response;
pub mod scripts;
pub mod server;
pub mod state;
pub mod store;
pub mod tls;

pub use app::app;
pub use encoding::WireCounts;
pub use keys::{AccountKeys, KeyKind, KeyList};
pub use server::{Emulator, EmulatorBuilder};
pub use state::{AppState, EmulatorState, Settings};

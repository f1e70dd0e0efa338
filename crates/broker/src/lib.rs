//! # cosmolab-broker — the mid-tier resource-token broker (seed 001)
//!
//! Seed 001 describes how a phone or web app reaches Cosmos DB directly without ever holding the
//! master key: a trusted **mid-tier service** holds the key and hands each app user **resource
//! tokens** for exactly its data. This crate is that service, as a library and as the binary
//! `cosmolab-broker`. The eight steps of the seed, and where each happens:
//!
//! ```text
//!  1. the mid-tier service holds the master key ............ config.rs   ([cosmos] key_file)
//!  2. the app user logs in to an identity provider ......... (the app; here the emulator's IdP)
//!  3. the service establishes the user's identity .......... identity.rs (JWT: signature, iss,
//!                                                                         aud, exp, nbf)
//!  4. it obtains the permissions for that identity ......... policy.rs   ([[policy]] entries)
//!  5. it creates the user and the permissions if needed .... broker.rs   (upserts, idempotent)
//!  6. it reads them, which mints the tokens ................ broker.rs   (lifetime bounded)
//!  7. it returns the tokens and the service's expiry ....... routes.rs   (POST /token)
//!  8. the app uses them directly until they expire, then
//!     comes back .......................................... cosmolab-client's BrokerCredential
//! ```
//!
//! The mistakes public samples of this broker make, and what this one does instead:
//!
//! | mistake | here |
//! |---|---|
//! | the identity is taken from the request body, or the JWT is decoded without checking its signature | every token is verified against the issuer's published keys, RS256 only; issuer, audience, expiry and not-before are checked (`identity`) |
//! | any token of the tenant is accepted (a token for Cosmos DB itself, or for another API) | the audience must be this broker's |
//! | the expiry is computed on the broker's clock (or the client's) | it is the service's: the `Date` of the answer that carried the token plus its lifetime |
//! | the lifetime is whatever the caller asks | bounded by the configuration, within the service's 10 minutes to 5 hours |
//! | tokens are cached where their holder can overwrite them, or shared between users | nothing is cached: each request reads its own user's permissions, which mints fresh tokens |
//! | the permission is created on every request, or never updated | created when missing, replaced when the policy changed, deleted when the policy dropped it |
//! | a claim is pasted into a resource link | values are checked: no `/`, `\`, `?` or `#`, a valid id |
//! | the master key, or another user's data, leaks in an answer or a log | the answer holds the caller's permissions only; the key is never logged nor in `Debug` |
//! | no limit: a stolen app token can spend the account's throughput | a per-identity rate limit (429 with `Retry-After`) |
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::sync::Arc;
//! use cosmolab_broker::{Broker, BrokerConfig};
//!
//! let config = BrokerConfig::load(std::path::Path::new("broker.toml"))?;
//! let broker = Arc::new(Broker::new(config)?);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8082").await?;
//! axum::serve(listener, cosmolab_broker::router(broker)).await?;
//! # Ok(()) }
//! ```
//!
//! `docs/broker.md` explains the flow step by step and how to deploy the broker against a real
//! account; lab 5 has trainees build its core.

pub mod broker;
pub mod config;
pub mod identity;
pub mod policy;
pub mod rate_limit;
pub mod routes;

pub use broker::{Broker, BrokerError, Clock};
pub use config::{BrokerConfig, ConfigError};
pub use identity::{JwtVerifier, TokenRejected};
pub use policy::{Grant, Identity};
pub use routes::router;

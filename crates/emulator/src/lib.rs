//! # cosmolab-emulator — a Cosmos DB-compatible server that enforces access control (coming next)
//!
//! This crate will hold cosmolab's own emulator: an axum server that speaks the Cosmos DB REST
//! protocol well enough for the official SDKs to work against it unmodified, and that **enforces**
//! access control exactly like the service — master and read-only keys, users, permissions and
//! resource tokens, and later Entra ID role-based access control.
//!
//! A request will flow through it top to bottom, one module per step:
//! route → authenticate (who is calling) → authorize (may they do this, and if not, which rule
//! refused) → store → respond. Authentication uses `cosmolab-auth-signing`; every body is a
//! `cosmolab-model` type. It is built by the emulator-core issue; until then it exports nothing.

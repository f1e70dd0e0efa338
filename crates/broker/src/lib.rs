//! # cosmolab-broker — the mid-tier resource-token broker (coming later)
//!
//! Seed 001 describes an eight-step flow: a trusted mid-tier service holds the master key,
//! establishes the identity of an app user, obtains permissions for that identity and hands back
//! resource tokens, which the app then uses directly against Cosmos DB until they expire.
//!
//! This crate will hold that broker as a library and an axum binary (`cosmolab-broker`): verify the
//! caller's JWT (signature, issuer, audience, expiry), map the subject to a Cosmos user, ensure the
//! permissions its policy grants, and return the tokens with the expiry *the service* issued.
//! It is built after the emulator, the client and Entra ID support exist; until then it exports
//! nothing.

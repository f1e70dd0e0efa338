//! Entra ID: a `TokenCredential` hands out bearer tokens, `EntraCredential` caches and refreshes
//! them, and the client sends `type=aad&ver=1.0&sig=<JWT>`.
//!
//! This example shows the credential side with a fake identity whose token is unsigned: one token
//! fetched, reused by every request while it is fresh, and refused by the emulator with a 401
//! saying why — the emulator only trusts tokens its own identity provider signed
//! (`POST /{tenant}/oauth2/v2.0/token`, see `crates/emulator/src/identity`), and what a trusted
//! token may do is then up to its role assignments (seed 004).
//!
//! Run with: `cargo run -p cosmolab-client --example entra_token`

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use cosmolab_client::{
    AccessToken, CosmosClient, Credential, EntraCredential, TokenCredential, TokenFuture,
};
use cosmolab_emulator::Emulator;

/// Stands in for a managed identity or a service principal: a real one would call Microsoft
/// Entra ID here. This one mints an unsigned, fake JWT and counts how often it is asked.
#[derive(Debug, Default)]
struct FakeIdentity {
    requests: AtomicU32,
}

impl TokenCredential for FakeIdentity {
    fn get_token<'a>(&'a self, scope: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
            println!("  (identity provider asked for a token for {scope}: request #{n})");
            // header {"alg":"none"}, claims {"oid":"fake"}, no signature.
            let jwt = "eyJhbGciOiJub25lIn0.eyJvaWQiOiJmYWtlIn0.";
            Ok(AccessToken::new(
                jwt,
                SystemTime::now() + Duration::from_secs(3600),
            ))
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let emulator = Emulator::builder().start().await?;

    // Tokens are cached and refreshed five minutes before they expire.
    let credential = EntraCredential::new(FakeIdentity::default());
    let client = CosmosClient::new(emulator.endpoint(), Credential::Entra(credential))?;

    for attempt in 1..=2 {
        match client.read_account().await {
            Ok(account) => println!("request {attempt}: {}", account.status()),
            Err(error) => {
                println!("request {attempt}: {}", error.status().unwrap_or_default());
                println!("  the emulator says: {}", error.message());
                println!("  deny reason: {}", error.deny_reason().unwrap_or("-"));
            }
        }
    }
    println!("the token was fetched once and reused for the second request");

    // A bearer token is a credential for its whole lifetime, so it never goes over plain http
    // to another machine (loopback is fine, for emulators).
    let refused = CosmosClient::new(
        "http://cosmos.example.com/",
        Credential::Entra(EntraCredential::new(FakeIdentity::default())),
    )
    .unwrap_err();
    println!("an Entra client for a plain-http remote endpoint: {refused}");
    Ok(())
}

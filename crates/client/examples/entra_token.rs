//! Entra ID: a `TokenCredential` hands out bearer tokens, `EntraCredential` caches and refreshes
//! them, and the client sends `type=aad&ver=1.0&sig=<JWT>`.
//!
//! The emulator does not run an identity provider yet, so it answers every Entra request with a
//! 401 that says so; once it has one, the same code will be authorized by role assignments
//! (seed 004). Until then this example shows the credential side: one token fetched, reused by
//! every request while it is fresh.
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

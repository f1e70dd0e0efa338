//! [`ClientSecretCredential`]: a service principal signing in with its client secret (OAuth 2.0
//! client credentials), against Entra ID or the cosmolab emulator's identity provider.
//!
//! ```text
//! ClientSecretCredential::get_token(scope)
//!   POST {authority}/{tenant}/oauth2/v2.0/token
//!        grant_type=client_credentials & client_id & client_secret & scope
//!   ◀─ {"access_token": <JWT>, "expires_in": 3599, …}   or   {"error", "error_description"}
//! ```
//!
//! It fetches; it does not cache. Wrap it in an [`EntraCredential`](super::EntraCredential), which
//! keeps the token and refreshes it before it expires, as every client should:
//!
//! ```no_run
//! # fn demo() -> cosmolab_client::Result<()> {
//! use cosmolab_client::{ClientSecretCredential, CosmosClient, Credential, EntraCredential};
//!
//! let source = ClientSecretCredential::new(
//!     "http://127.0.0.1:8081/",                  // the emulator plays Entra ID too
//!     "c05a1ab0-c05a-4ab0-8c05-a1ab0c05a1ab",    // its tenant
//!     "my-client-id",
//!     std::env::var("CLIENT_SECRET").unwrap_or_default(),
//! )?;
//! let client = CosmosClient::new(
//!     "http://127.0.0.1:8081/",
//!     Credential::Entra(EntraCredential::new(source)),
//! )?;
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::Url;
use serde::Deserialize;

use super::entra::{AccessToken, TOKEN_REQUEST_TIMEOUT, TokenCredential, TokenFuture};
use crate::error::{Error, ErrorKind, Result};

/// Entra ID's authority, for real tenants.
pub const ENTRA_AUTHORITY: &str = "https://login.microsoftonline.com/";

/// A service principal's client credentials. `Debug` never shows the secret.
pub struct ClientSecretCredential {
    token_endpoint: Url,
    client_id: String,
    client_secret: String,
    http: reqwest::Client,
}

/// What a token endpoint answers.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
    error: Option<String>,
    error_description: Option<String>,
}

impl ClientSecretCredential {
    /// A credential for `client_id` in `tenant` at `authority` (Entra ID's is
    /// [`ENTRA_AUTHORITY`]; the emulator's is its endpoint). The client secret is sent only to
    /// that authority's token endpoint, and only over https unless the authority is this machine.
    pub fn new(
        authority: &str,
        tenant: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Result<Self> {
        let invalid = |why: String| Error::new(ErrorKind::Credential, why);
        let authority = Url::parse(authority).map_err(|error| {
            invalid(format!("the authority `{authority}` is not a URL: {error}"))
        })?;
        let local = matches!(
            authority.host_str(),
            Some("localhost" | "127.0.0.1" | "[::1]")
        );
        if authority.scheme() != "https" && !local {
            return Err(invalid(format!(
                "the authority {authority} is not https: a client secret may only travel over \
                 https (plain http is allowed to this machine only)"
            )));
        }
        if tenant.is_empty() || tenant.contains(['/', '?', '#']) {
            return Err(invalid(format!("`{tenant}` is not a tenant id")));
        }
        let token_endpoint = authority
            .join(&format!("{tenant}/oauth2/v2.0/token"))
            .map_err(|error| invalid(format!("no token endpoint under {authority}: {error}")))?;
        let http = reqwest::Client::builder()
            .timeout(TOKEN_REQUEST_TIMEOUT)
            .build()
            .map_err(|error| invalid(format!("could not build an HTTP client: {error}")))?;
        Ok(Self {
            token_endpoint,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            http,
        })
    }

    /// Where tokens are asked for: `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_endpoint(&self) -> &str {
        self.token_endpoint.as_str()
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("token_endpoint", &self.token_endpoint.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> TokenFuture<'a> {
        Box::pin(async move {
            let asked_at = SystemTime::now();
            let reply = self
                .http
                .post(self.token_endpoint.clone())
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", self.client_id.as_str()),
                    ("client_secret", self.client_secret.as_str()),
                    ("scope", scope),
                ])
                .send()
                .await?;
            let status = reply.status();
            let answer: TokenAnswer = reply.json().await.map_err(|error| {
                format!(
                    "the token endpoint {} answered {status} with a body that is not a token \
                     answer: {error}",
                    self.token_endpoint
                )
            })?;
            match (answer.access_token, answer.error) {
                (Some(token), None) if status.is_success() => {
                    // `expires_in` counts from when the endpoint answered; counting from when we
                    // asked errs on the early side.
                    let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(0));
                    Ok(AccessToken::new(token, asked_at + lifetime))
                }
                (_, error) => Err(format!(
                    "the token endpoint refused client {} ({status}, {}): {}",
                    self.client_id,
                    error.as_deref().unwrap_or("no error code"),
                    answer
                        .error_description
                        .as_deref()
                        .unwrap_or("no description")
                )
                .into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_endpoint_is_under_the_authority_and_the_tenant() {
        let credential =
            ClientSecretCredential::new("http://127.0.0.1:8081/", "contoso", "app", "s3cret")
                .unwrap();
        assert_eq!(
            credential.token_endpoint(),
            "http://127.0.0.1:8081/contoso/oauth2/v2.0/token"
        );
        let entra = ClientSecretCredential::new(ENTRA_AUTHORITY, "contoso", "app", "s").unwrap();
        assert_eq!(
            entra.token_endpoint(),
            "https://login.microsoftonline.com/contoso/oauth2/v2.0/token"
        );
    }

    #[test]
    fn a_secret_never_travels_over_plain_http_to_another_machine() {
        let error =
            ClientSecretCredential::new("http://login.example.com/", "t", "app", "s").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Credential);
        assert!(error.message().contains("https"), "{error}");
        assert!(ClientSecretCredential::new("http://127.0.0.1:1/", "a/b", "app", "s").is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let credential =
            ClientSecretCredential::new("http://localhost:8081/", "t", "app", "s3cret-value")
                .unwrap();
        let shown = format!("{credential:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("app"));
    }
}

//! Credentials: the ways of proving to Cosmos DB who sent a request.
//!
//! | variant | what the client holds | what goes in `authorization` | who decides what it may do |
//! |---|---|---|---|
//! | [`Credential::MasterKey`] | a read-write account key | `type=master&ver=1.0&sig=<HMAC>` (URL-encoded) | nobody: full access |
//! | [`Credential::ReadOnlyKey`] | a read-only account key | the same form, signed with that key | the key: reads and queries only |
//! | [`Credential::ResourceTokens`] | tokens from users' permissions | the chosen token itself (URL-encoded) | each token's permission |
//! | [`Credential::Entra`] | a source of Entra ID tokens | `type=aad&ver=1.0&sig=<JWT>` (not encoded) | role assignments |
//! | [`Credential::Broker`] | resource tokens from a mid-tier broker, refreshed | as `ResourceTokens` | each token's permission, granted by the broker's policy |
//!
//! Keys **sign**: the secret stays on the client, and each request carries an HMAC over its verb,
//! resource type, link and date. Tokens are **bearer** credentials: the token itself travels, so
//! whoever sees it can use it until it expires. That difference explains most of the rules here —
//! why a key signature is useless fifteen minutes later, why tokens are short-lived, why the client
//! refuses to send a bearer token over plain http to another machine.
//!
//! Every credential is a cheap, cloneable handle whose contents can change while the client runs:
//! [`KeyCredential::rotate_to`] for key rotation, [`ResourceTokens::replace_all`] for a broker's
//! fresh tokens, [`EntraCredential`]'s own cache for Entra tokens. Keep a clone, give one to the
//! client, and update yours.

mod broker;
mod client_secret;
mod entra;
mod key;
mod resource_tokens;

use std::fmt;

use cosmolab_auth_signing::{ResourceAddress, encode_header_value};

pub use broker::{BrokerCredential, DEFAULT_BROKER_REFRESH_MARGIN};
pub use client_secret::{ClientSecretCredential, ENTRA_AUTHORITY};
pub(crate) use entra::scope_for;
pub use entra::{
    AccessToken, DEFAULT_REFRESH_MARGIN, EntraCredential, TOKEN_REQUEST_TIMEOUT, TokenCredential,
    TokenError, TokenFuture,
};
pub use key::KeyCredential;
pub use resource_tokens::{ResourceTokens, SelectedToken};

use crate::error::Result;

/// How a client proves who it is. See the [module documentation](self) for the four kinds.
///
/// ```
/// use cosmolab_client::{Credential, KeyCredential, ResourceToken, ResourceTokens};
/// use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
///
/// let admin = Credential::MasterKey(KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY)?);
/// let app = Credential::ResourceTokens(ResourceTokens::single(
///     "dbs/shop/colls/orders",
///     ResourceToken::new("type=resource&ver=1&sig=…;…;"),
/// ));
/// assert_eq!(admin.kind_name(), "master key");
/// assert_eq!(app.kind_name(), "resource token");
/// # Ok::<(), cosmolab_client::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credential {
    /// A read-write account key (primary or secondary): every operation is allowed.
    MasterKey(KeyCredential),
    /// A read-only account key: reads and queries of data and metadata. The service answers a
    /// write signed with it like a wrong key (401), and refuses users and permissions.
    ReadOnlyKey(KeyCredential),
    /// Resource tokens from users' permissions, one chosen per request by resource link.
    ResourceTokens(ResourceTokens),
    /// Entra ID bearer tokens, cached and refreshed before they expire.
    Entra(EntraCredential),
    /// Resource tokens from a mid-tier broker (seed 001), refreshed before they expire.
    Broker(BrokerCredential),
}

/// What a credential needs to know about a request to authorize it.
pub(crate) struct SigningInput<'a> {
    /// `GET`, `POST`, …
    pub(crate) verb: &'a str,
    /// The resource type and link, derived from the URL path.
    pub(crate) address: &'a ResourceAddress,
    /// The `x-ms-date` the request will carry.
    pub(crate) date: &'a str,
    /// The Entra ID scope of the account.
    pub(crate) entra_scope: &'a str,
}

impl Credential {
    /// A short name for logs and messages: `master key`, `read-only key`, `resource token`,
    /// `Entra ID token`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Credential::MasterKey(_) => "master key",
            Credential::ReadOnlyKey(_) => "read-only key",
            Credential::ResourceTokens(_) => "resource token",
            Credential::Entra(_) => "Entra ID token",
            Credential::Broker(_) => "resource token from a broker",
        }
    }

    /// Whether the secret itself travels with each request (tokens: resource tokens and Entra ID
    /// tokens), rather than a signature. A resource token is as much a bearer credential as a JWT:
    /// whoever copies it off the wire can use it until it expires.
    pub(crate) fn is_bearer(&self) -> bool {
        matches!(
            self,
            Credential::Entra(_) | Credential::ResourceTokens(_) | Credential::Broker(_)
        )
    }

    /// The `Authorization` header value for one request.
    pub(crate) async fn authorization(&self, request: &SigningInput<'_>) -> Result<String> {
        match self {
            Credential::MasterKey(key) | Credential::ReadOnlyKey(key) => Ok(key.authorize(
                request.verb,
                request.address.resource_type(),
                &request.address.signing_link(),
                request.date,
            )),
            Credential::Broker(broker) => {
                broker.ensure_fresh().await?;
                resource_token_header(broker.tokens(), request)
            }
            Credential::ResourceTokens(tokens) => resource_token_header(tokens, request),
            Credential::Entra(entra) => {
                let token = entra.token(request.entra_scope).await?;
                // Not URL-encoded: a JWT is already URL-safe, and this is the documented form.
                Ok(format!("type=aad&ver=1.0&sig={}", token.as_str()))
            }
        }
    }

    /// After the service refused a request with `error`: whether the credential got fresh tokens
    /// worth one more attempt (only a broker's, when its token had expired or was revoked).
    pub(crate) async fn renewed_after_refusal(&self, error: &crate::Error) -> bool {
        match self {
            Credential::Broker(broker) if broker::refusal_calls_for_new_tokens(error) => {
                match broker.force_refresh().await {
                    Ok(()) => true,
                    Err(refresh_error) => {
                        tracing::warn!(%refresh_error, "could not refresh the broker's tokens after a refusal");
                        false
                    }
                }
            }
            _ => false,
        }
    }
}

/// The header for a request sent with one of `tokens`.
fn resource_token_header(tokens: &ResourceTokens, request: &SigningInput<'_>) -> Result<String> {
    // Tokens are chosen by the resource's *name* link, the form permissions use, even for the
    // (rare) rid-based request, compared segment by segment; the verb matters for the few reads a
    // token for something below may serve.
    let selected = tokens.select_for_request(request.verb, request.address)?;
    tracing::trace!(token_link = selected.link(), "chose a resource token");
    // Sent URL-encoded, exactly as the official SDKs send it.
    Ok(encode_header_value(selected.token().expose_secret()))
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind_name())
    }
}

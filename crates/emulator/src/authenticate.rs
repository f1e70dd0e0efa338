//! Step 2: who is calling? Turn the `Authorization` header into a [`Caller`], or refuse.
//!
//! | header | checked how | refused with |
//! |---|---|---|
//! | absent | — | 401 "Required Header authorization is missing…" |
//! | malformed, unknown type, literal `None` | `Authorization::parse` | 401 "…doesn't confirm to the required format…" |
//! | `type=master` | the string to sign is rebuilt from the request and checked against each of the four keys, in constant time; then `x-ms-date` must be within the skew window | 401 with the payload the server signed; 403 for a stale date |
//! | `type=resource` | the token's signature (with the current primary key of the generation it names), then its lifetime on the emulator's clock | 401 tampered or revoked; 403 expired |
//! | `type=aad` | by the emulator's identity provider (`crate::identity`): RS256 signature with the tenant's key, issuer, audience (this account's endpoint or `https://cosmos.azure.com`), expiry and not-before on the emulator's clock | 401 |
//!
//! Authentication only establishes *who*; whether that caller may perform the operation is
//! `crate::authorize`'s question.

use std::fmt;
use std::time::SystemTime;

use axum::http::header::AUTHORIZATION;
use cosmolab_auth_signing::{
    Authorization, AuthorizationError, MasterSignature, ResourceToken, ResourceTokenClaims,
    ResourceTokenError, StringToSign, UnverifiedResourceToken, format_http_date, parse_http_date,
};

use crate::error::{CosmosError, Result};
use crate::identity::EntraPrincipal;
use crate::keys::KeyKind;
use crate::request::{CosmosRequest, headers};
use crate::state::EmulatorState;

/// The service's message for a request without an `Authorization` header.
const MISSING_MESSAGE: &str =
    "Required Header authorization is missing. Ensure a valid Authorization token is passed.";

/// The service's message for a malformed `Authorization` header (sic: "confirm").
const MALFORMED_MESSAGE: &str =
    "Authorization header doesn't confirm to the required format. Please verify and try again.";

/// Who sent a request, once their credential has been checked.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A request signed with one of the account's keys.
    Key(KeyKind),
    /// A request carrying a valid resource token; the claims say what its permission grants.
    ResourceToken(ResourceTokenClaims),
    /// A request carrying a valid Entra ID token: what it may do is up to role assignments
    /// (`crate::rbac`).
    Entra(EntraPrincipal),
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Caller::Key(kind) => write!(f, "the {kind}"),
            Caller::ResourceToken(claims) => {
                write!(f, "a resource token of permission '{}'", claims.permission)
            }
            Caller::Entra(principal) => write!(f, "Entra principal {}", principal.object_id),
        }
    }
}

/// An authenticated request: the caller, and for key signatures the payload that was signed
/// (which the read-only-key refusal quotes, as the service does).
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who is calling.
    pub caller: Caller,
    /// The string to sign, for master-key requests.
    pub signed_payload: Option<StringToSign>,
}

/// The 401 the service sends when a signature matches no key. It quotes the payload the server
/// signed, so a client can compare it with its own string to sign.
pub fn signature_mismatch(payload: &StringToSign) -> String {
    format!(
        "The input authorization token can't serve the request. The wrong key is being used or the \
         expected payload is not built as per the protocol. For more info: \
         https://aka.ms/cosmosdb-tsg-mac-signature. Server used the following payload to sign: {payload}"
    )
}

/// Checks the request's credential.
pub fn authenticate(state: &EmulatorState, request: &CosmosRequest) -> Result<Authenticated> {
    let header = request
        .headers
        .get(AUTHORIZATION)
        .map(|value| value.as_bytes());
    let authorization = Authorization::from_header(header).map_err(|error| match error {
        AuthorizationError::Missing => {
            CosmosError::unauthorized(MISSING_MESSAGE, error.to_string())
        }
        other => CosmosError::unauthorized(MALFORMED_MESSAGE, other.to_string()),
    })?;
    match authorization {
        Authorization::MasterKey(signature) => master_key(state, request, &signature),
        Authorization::ResourceToken(token) => resource_token(state, &token),
        Authorization::Entra(token) => entra(state, request, token.as_str()),
    }
}

/// An Entra ID token: the identity provider checks it; what it may do is RBAC's question.
fn entra(state: &EmulatorState, request: &CosmosRequest, jwt: &str) -> Result<Authenticated> {
    let scheme = if state.settings.tls { "https" } else { "http" };
    let host = request
        .headers
        .get(axum::http::header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("127.0.0.1");
    let origin = format!("{scheme}://{host}");
    let principal = state
        .identity
        .validate(jwt, &origin, state.clock.now())
        .map_err(|reason| {
            CosmosError::unauthorized(
                "The authorization token is not a valid Entra ID (AAD) token for this account. \
                 Please acquire a new token and retry.",
                reason,
            )
        })?;
    Ok(Authenticated {
        caller: Caller::Entra(principal),
        signed_payload: None,
    })
}

/// A master-key signature: find the key that made it, then check the date window.
fn master_key(
    state: &EmulatorState,
    request: &CosmosRequest,
    signature: &MasterSignature,
) -> Result<Authenticated> {
    let date_text = request.header(headers::DATE).ok_or_else(|| {
        CosmosError::unauthorized(
            "Required Header x-ms-date is missing. Ensure a valid x-ms-date header is passed.",
            "a master-key signature covers the request's x-ms-date, so the header is required",
        )
    })?;
    let date = parse_http_date(date_text).map_err(|error| {
        CosmosError::unauthorized(
            format!("The x-ms-date header is invalid: {error}."),
            error.to_string(),
        )
    })?;

    let address = &request.address;
    let payload = StringToSign::new(
        request.method.as_str(),
        address.resource_type(),
        &address.signing_link(),
        date_text,
    );
    let keys = state.keys();
    let kind = KeyKind::ALL
        .into_iter()
        .find(|kind| keys.key(*kind).verify(&payload, signature))
        .ok_or_else(|| {
            CosmosError::unauthorized(
                signature_mismatch(&payload),
                format!(
                    "the signature matches none of the account's four keys: either the key is wrong \
                     (or was regenerated), or the client signed a different string than the server \
                     expects ({payload})"
                ),
            )
        })?;

    // The date is checked against the machine's clock, not the emulator's (see `crate::clock`).
    let now = SystemTime::now();
    state.settings.clock_skew.check(date, now).map_err(|window| {
        CosmosError::forbidden(
            window.to_string(),
            format!(
                "x-ms-date ({date_text}) is outside the 15-minute window around the server's clock \
                 ({}); sign requests with the current time",
                format_http_date(now)
            ),
        )
    })?;

    Ok(Authenticated {
        caller: Caller::Key(kind),
        signed_payload: Some(payload),
    })
}

/// A resource token: check its signature against the primary key, then its lifetime.
fn resource_token(state: &EmulatorState, token: &ResourceToken) -> Result<Authenticated> {
    let invalid = |reason: String| {
        CosmosError::unauthorized(
            "The input authorization token can't serve the request. The token is not a valid \
             resource token for this account.",
            reason,
        )
    };
    let unverified =
        UnverifiedResourceToken::parse(token).map_err(|error| invalid(error.to_string()))?;
    // Tokens are minted with the primary key only (see `handlers::permissions`), so the primary
    // key is the one to check them with; the token says which generation of it signed it.
    let keys = state.keys();
    let signing_key = keys.slot(KeyKind::Primary);
    if unverified.key_generation() != signing_key.generation {
        return Err(invalid(format!(
            "the resource token was signed by generation {} of the primary key, which has since \
             been regenerated (now generation {}): regenerating a key revokes its tokens; read the \
             permission again for a new token",
            unverified.key_generation(),
            signing_key.generation
        )));
    }
    let claims = unverified
        .verify(&signing_key.key, state.clock.now())
        .map_err(|error| match error {
            ResourceTokenError::OutsideValidity(window) => CosmosError::forbidden(
                window.to_string(),
                format!(
                    "the resource token expired at {} (emulator time {}); read the permission again \
                     for a new token",
                    format_http_date(window.expiry),
                    format_http_date(window.now)
                ),
            ),
            other => invalid(other.to_string()),
        })?;
    Ok(Authenticated {
        caller: Caller::ResourceToken(claims),
        signed_payload: None,
    })
}

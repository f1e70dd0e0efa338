//! # cosmolab-auth-signing — proving who sent a Cosmos DB request
//!
//! Every request to Cosmos DB carries an `Authorization` header, and everything about that header
//! lives in this crate, for both sides of the wire: the client that signs a request and the server
//! (our emulator) that checks it. It implements the authentication half of the course's seeds:
//!
//! - **master keys** and **read-only keys** (seed 001): HMAC-SHA256 signatures over the verb, the
//!   resource type, the resource link and the date ([`master`]);
//! - **resource tokens** (seeds 000–003): a permission's `_token`, minted and verified here in the
//!   service's documented envelope `type=resource&ver=1&sig=…;…;` ([`resource_token`]);
//! - the **Entra ID** header form `type=aad&ver=1.0&sig=<JWT>` (seed 004), recognised here and
//!   validated by the emulator's identity provider.
//!
//! ## How a request is signed and checked
//!
//! ```text
//!  client                                           server
//!  ──────                                           ──────
//!  path /dbs/db/colls/c/docs/1/                     path /dbs/db/colls/c/docs/1/
//!    │ ResourceAddress::from_path                     │ ResourceAddress::from_path
//!    ▼                                                ▼
//!  type "docs", link "dbs/db/colls/c/docs/1"        type "docs", link "dbs/db/colls/c/docs/1"
//!    │ StringToSign::new(verb, type, link, date)      │ StringToSign::new(verb, type, link, x-ms-date)
//!    ▼                                                ▼
//!  MasterKey::sign ──► Authorization header ──────► Authorization::parse
//!                       type=master&ver=1.0&sig=…     │ ClockSkew::check(x-ms-date, now)
//!                                                     │ MasterKey::verify (key by key, each compare
//!                                                     │   in constant time)
//!                                                     ▼
//!                                                   which key matched: primary, secondary, read-only…
//! ```
//!
//! A resource-token request skips the signing: the client sends the token it was given, and the
//! server runs [`UnverifiedResourceToken::parse`] then [`UnverifiedResourceToken::verify`], and afterwards
//! checks that the token's claims cover the request (that is the emulator's job).
//!
//! ## Example
//!
//! ```
//! use cosmolab_auth_signing::{
//!     Authorization, MasterKey, ResourceAddress, StringToSign, WELL_KNOWN_EMULATOR_KEY,
//! };
//!
//! // The client signs `GET /dbs/my_database/` …
//! let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY)?;
//! let date = "Mon, 23 Nov 2026 08:06:13 GMT";
//! let header = key.authorize("GET", "dbs", "dbs/my_database", date);
//!
//! // … and the server derives the same string to sign from the path and checks the signature.
//! let address = ResourceAddress::from_path("/dbs/my_database/")?;
//! let payload = StringToSign::new("GET", address.resource_type(), &address.signing_link(), date);
//! let Authorization::MasterKey(signature) = Authorization::parse(&header)? else {
//!     unreachable!("we signed with a master key")
//! };
//! assert!(key.verify(&payload, &signature));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Secrets stay secret
//!
//! [`MasterKey`], [`MasterSignature`], [`ResourceToken`] and [`BearerToken`] implement `Debug` by
//! printing `<redacted>`, and no error message quotes a key, a signature or a token, so nothing
//! logged by a server or a client built on this crate can leak a credential.
//!
//! ## What is the service's, and what is ours
//!
//! Master-key signing, the path rules and the header forms are the service's protocol, checked
//! against known-answer vectors and against what the official SDKs send. The inside of a resource
//! token is our own design, because the service's is not public; `docs/fidelity.md` explains the
//! difference.

pub mod address;
pub mod authorization;
pub mod date;
mod encoding;

pub use encoding::encode_header_value;
pub mod key;
pub mod master;
pub mod resource_token;

pub use address::{Addressing, PathError, ResourceAddress, looks_like_database_rid};
pub use authorization::{Authorization, AuthorizationError, BearerToken, CredentialKind};
/// The token string type, shared with the permission resource that carries it as `_token`.
pub use cosmolab_model::ResourceToken;
pub use date::{ClockSkew, DateError, NotValidAtCurrentTime, format_http_date, parse_http_date};
pub use key::{KeyError, MasterKey, WELL_KNOWN_EMULATOR_KEY};
pub use master::{MasterSignature, StringToSign};
pub use resource_token::{
    ResourceTokenClaims, ResourceTokenError, UnverifiedResourceToken, unix_seconds,
};

//! Reading an `Authorization` header into one of its three forms.
//!
//! Cosmos DB accepts three kinds of credential, all in one header shape
//! (`type={master|resource|aad}&ver=…&sig=…`):
//!
//! | form | example (decoded) | who sends it |
//! |---|---|---|
//! | master key | `type=master&ver=1.0&sig=<base64 HMAC>` | holders of a read-write or read-only key |
//! | resource token | `type=resource&ver=1&sig=<sig>;<payload>;` | holders of a permission's `_token` |
//! | Entra ID | `type=aad&ver=1.0&sig=<JWT>` | applications with a Microsoft Entra identity |
//!
//! SDKs percent-encode the value (except for Entra tokens), so parsing starts by decoding it —
//! without turning `+` into a space. Parsing only reads the *form*; whether the credential is
//! valid is decided later, by the key ([`crate::MasterKey::verify`]), the token envelope
//! ([`crate::UnverifiedResourceToken::parse`]) or the identity provider.
//!
//! Every malformed header gets an [`AuthorizationError`] that names the part that is wrong. The
//! service answers all of them with 401 "Authorization header doesn't confirm to the required
//! format" (sic); the precise reason is what our emulator adds for trainees.

use std::fmt;

use crate::encoding::decode_header_value;
use crate::master::MasterSignature;
use cosmolab_model::ResourceToken;

/// A parsed `Authorization` header. Secrets inside are redacted from `Debug` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// `type=master&ver=1.0&sig=…`: a request signed with a master key (read-write or read-only;
    /// the header looks the same, and only trying each key tells them apart).
    MasterKey(MasterSignature),
    /// `type=resource&ver=1&sig=…;…;`: a resource token minted for a permission.
    ResourceToken(ResourceToken),
    /// `type=aad&ver=1.0&sig=<JWT>`: a Microsoft Entra ID access token.
    Entra(BearerToken),
}

/// The kind of credential a header carries, for logs and deny reasons (never the secret itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// A master key, read-write or read-only.
    MasterKey,
    /// A resource token.
    ResourceToken,
    /// A Microsoft Entra ID token.
    Entra,
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MasterKey => "master key",
            Self::ResourceToken => "resource token",
            Self::Entra => "Entra ID token",
        })
    }
}

/// An Entra ID access token (a JWT), exactly as received. `Debug` never shows it, and `==`
/// compares in constant time.
#[derive(Clone)]
pub struct BearerToken(String);

impl PartialEq for BearerToken {
    fn eq(&self, other: &Self) -> bool {
        crate::encoding::constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for BearerToken {}

impl BearerToken {
    /// Wraps a JWT.
    pub fn new(jwt: impl Into<String>) -> Self {
        Self(jwt.into())
    }

    /// The JWT, for the validator. Do not log it: it is a credential until it expires.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

/// What is wrong with an `Authorization` header. Messages never quote the signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    /// The request carried no `Authorization` header at all.
    #[error(
        "the request has no Authorization header (or an empty one); sign it with a key, or send a resource token or an Entra ID token"
    )]
    Missing,
    /// The header's bytes, once percent-decoded, are not UTF-8 text.
    #[error("the Authorization header is not valid UTF-8 text once percent-decoded")]
    NotUtf8,
    /// The header is the literal text `None`, which the Python SDK sends when it found no token.
    #[error(
        "the Authorization header is the literal text 'None': the client found no resource token for this \
         resource link; key its resource tokens by the full link (e.g. 'dbs/db/colls/c')"
    )]
    LiteralNone,
    /// A `&`-separated part is not of the form `name=value`.
    ///
    /// The part itself is not quoted: a client that sends `Bearer <token>` would otherwise see its
    /// token in our logs.
    #[error(
        "part {position} of the Authorization header is not of the form name=value; expected type=…&ver=…&sig=…"
    )]
    NotNameValue {
        /// One-based position of the offending `&`-separated part.
        position: usize,
    },
    /// One of `type`, `ver`, `sig` is absent.
    #[error("the Authorization header has no '{0}=' part; expected type=…&ver=…&sig=…")]
    MissingPart(&'static str),
    /// A part name other than `type`, `ver`, `sig`, or one of them twice.
    #[error("the Authorization header has an unexpected or repeated part '{0}='")]
    UnexpectedPart(String),
    /// `type=` is not `master`, `resource` or `aad`.
    #[error("the Authorization header has type={0:?}; expected master, resource or aad")]
    UnknownType(String),
    /// `ver=` is not the version this type uses.
    #[error("the Authorization header has type={kind} with ver={found:?}; expected ver={expected}")]
    UnsupportedVersion {
        /// The `type=` value.
        kind: &'static str,
        /// The `ver=` value received.
        found: String,
        /// The only version Cosmos DB uses for that type.
        expected: &'static str,
    },
    /// `sig=` is present but empty.
    #[error("the Authorization header has an empty sig= part")]
    EmptySignature,
}

impl Authorization {
    /// Parses an `Authorization` header value (percent-encoded or not).
    ///
    /// ```
    /// use cosmolab_auth_signing::{Authorization, CredentialKind};
    ///
    /// let auth = Authorization::parse("type%3Dmaster%26ver%3D1.0%26sig%3Dabc%2Bdef%3D")?;
    /// assert_eq!(auth.kind(), CredentialKind::MasterKey);
    /// let Authorization::MasterKey(signature) = auth else { unreachable!() };
    /// assert_eq!(signature.as_base64(), "abc+def=");
    ///
    /// let error = Authorization::parse("type=master&ver=2.0&sig=abc").unwrap_err();
    /// assert_eq!(error.to_string(),
    ///     "the Authorization header has type=master with ver=\"2.0\"; expected ver=1.0");
    /// # Ok::<(), cosmolab_auth_signing::AuthorizationError>(())
    /// ```
    pub fn parse(header_value: &str) -> Result<Self, AuthorizationError> {
        let decoded = decode_header_value(header_value).ok_or(AuthorizationError::NotUtf8)?;
        let decoded = decoded.trim();
        if decoded == "None" {
            return Err(AuthorizationError::LiteralNone);
        }

        if decoded.is_empty() {
            return Err(AuthorizationError::Missing);
        }

        let (mut kind, mut version, mut signature) = (None, None, None);
        // Split into at most three parts: a resource token's signature contains `;` and `=` but
        // never `&`, and a JWT contains neither, so `sig=` is always the whole rest.
        for (index, part) in decoded.splitn(3, '&').enumerate() {
            let Some((name, value)) = part.split_once('=') else {
                return Err(AuthorizationError::NotNameValue {
                    position: index + 1,
                });
            };
            let slot = match name {
                "type" => &mut kind,
                "ver" => &mut version,
                "sig" => &mut signature,
                other => return Err(AuthorizationError::UnexpectedPart(quote_safely(other))),
            };
            if slot.replace(value).is_some() {
                return Err(AuthorizationError::UnexpectedPart(name.to_owned()));
            }
        }
        let kind = kind.ok_or(AuthorizationError::MissingPart("type"))?;
        let version = version.ok_or(AuthorizationError::MissingPart("ver"))?;
        let signature = signature.ok_or(AuthorizationError::MissingPart("sig"))?;

        let (kind, expected_version) = match kind {
            "master" => ("master", "1.0"),
            // Real resource tokens say `ver=1`, not `1.0` (the documented examples do).
            "resource" => ("resource", "1"),
            "aad" => ("aad", "1.0"),
            other => return Err(AuthorizationError::UnknownType(quote_safely(other))),
        };
        if version != expected_version {
            return Err(AuthorizationError::UnsupportedVersion {
                kind,
                found: quote_safely(version),
                expected: expected_version,
            });
        }
        if signature.is_empty() {
            return Err(AuthorizationError::EmptySignature);
        }

        Ok(match kind {
            "master" => Self::MasterKey(MasterSignature::from_base64(signature)),
            // A resource token is the whole `type=resource&ver=1&sig=…` string, as minted.
            "resource" => Self::ResourceToken(ResourceToken::new(decoded)),
            _ => Self::Entra(BearerToken::new(signature)),
        })
    }

    /// Parses an optional header, as a server receives it: `None` means the header was absent.
    pub fn from_header(header_value: Option<&[u8]>) -> Result<Self, AuthorizationError> {
        let bytes = header_value.ok_or(AuthorizationError::Missing)?;
        let text = std::str::from_utf8(bytes).map_err(|_| AuthorizationError::NotUtf8)?;
        Self::parse(text)
    }

    /// Which kind of credential this is.
    pub fn kind(&self) -> CredentialKind {
        match self {
            Self::MasterKey(_) => CredentialKind::MasterKey,
            Self::ResourceToken(_) => CredentialKind::ResourceToken,
            Self::Entra(_) => CredentialKind::Entra,
        }
    }
}

/// Echoes a short, harmless fragment of a header in an error message, and nothing else.
///
/// `type=` and `ver=` values are tiny words in a well-formed header; anything long or unusual
/// might be a misplaced secret, so it is replaced by a description.
fn quote_safely(fragment: &str) -> String {
    let harmless = fragment.len() <= 16
        && fragment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_');
    if harmless {
        fragment.to_owned()
    } else {
        format!("<{} characters, not shown>", fragment.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three documented forms parse into their variants.
    #[test]
    fn the_three_forms() {
        let master = Authorization::parse("type=master&ver=1.0&sig=abc=").unwrap();
        assert_eq!(
            master,
            Authorization::MasterKey(MasterSignature::from_base64("abc="))
        );

        let token = "type=resource&ver=1&sig=m32/00W65F8ADb3psljJ0g==;v0kQGihedau1pVGG=;";
        let resource = Authorization::parse(token).unwrap();
        assert_eq!(resource.kind(), CredentialKind::ResourceToken);
        let Authorization::ResourceToken(parsed) = resource else {
            unreachable!()
        };
        assert_eq!(parsed.expose_secret(), token);

        let entra = Authorization::parse("type=aad&ver=1.0&sig=eyJ0eXAi.eyJvaWQi.c2ln").unwrap();
        assert_eq!(
            entra,
            Authorization::Entra(BearerToken::new("eyJ0eXAi.eyJvaWQi.c2ln"))
        );
    }

    /// Parts may come in any order; a raw (unencoded) `+` stays a `+`.
    #[test]
    fn order_does_not_matter_and_plus_survives() {
        let auth = Authorization::parse("sig=a+b/c=&ver=1.0&type=master").unwrap();
        assert_eq!(
            auth,
            Authorization::MasterKey(MasterSignature::from_base64("a+b/c="))
        );
    }

    /// Each way of being malformed has its own, precise error.
    #[test]
    fn malformed_headers_say_what_is_wrong() {
        use AuthorizationError::*;
        let cases: &[(&str, AuthorizationError)] = &[
            ("None", LiteralNone),
            ("", Missing),
            ("Bearer abc", NotNameValue { position: 1 }),
            ("type=master&ver", NotNameValue { position: 2 }),
            ("type=master&ver=1.0", MissingPart("sig")),
            ("type=master&sig=abc", MissingPart("ver")),
            ("ver=1.0&sig=abc", MissingPart("type")),
            (
                "type=master&type=master&sig=x",
                UnexpectedPart("type".into()),
            ),
            ("type=master&ver=1.0&key=abc", UnexpectedPart("key".into())),
            ("type=basic&ver=1.0&sig=abc", UnknownType("basic".into())),
            (
                "type=eyJhbGciOiJSUzI1NiIsInR5cCI6&ver=1.0&sig=abc",
                UnknownType("<28 characters, not shown>".into()),
            ),
            (
                "type=resource&ver=1.0&sig=abc",
                UnsupportedVersion {
                    kind: "resource",
                    found: "1.0".into(),
                    expected: "1",
                },
            ),
            ("type=master&ver=1.0&sig=", EmptySignature),
            ("%FF%FE", NotUtf8),
        ];
        for (header, expected) in cases {
            assert_eq!(
                &Authorization::parse(header).unwrap_err(),
                expected,
                "{header:?}"
            );
        }
        assert_eq!(Authorization::from_header(None), Err(Missing));
        assert_eq!(Authorization::from_header(Some(b"\xff")), Err(NotUtf8));
    }

    /// Debug output of a parsed header never contains the signature or the token.
    #[test]
    fn debug_output_redacts_credentials() {
        for header in [
            "type=master&ver=1.0&sig=SECRETSIG",
            "type=resource&ver=1&sig=SECRETSIG;SECRETPAYLOAD;",
            "type=aad&ver=1.0&sig=SECRET.JWT.SIG",
        ] {
            let debug = format!("{:?}", Authorization::parse(header).unwrap());
            assert!(!debug.contains("SECRET"), "{debug}");
        }
    }
}

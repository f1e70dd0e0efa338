//! Master-key signatures: what a client signs, and how the server checks it.
//!
//! A request signed with a master key proves that its sender knows the key, *for this request*:
//! the signature covers the verb, the kind of resource, the resource's link and the date, so it
//! cannot be replayed against another resource or, after fifteen minutes, at all.
//!
//! ```text
//! string to sign = lower(verb)          + "\n"
//!                + lower(resource type) + "\n"
//!                + resource link        + "\n"   <- kept as is: names are case-sensitive
//!                + lower(x-ms-date)     + "\n"
//!                + ""                   + "\n"   <- the `Date` header, which clients leave empty
//! signature      = base64(HMAC-SHA256(base64decode(key), string to sign))
//! Authorization  = urlencode("type=master&ver=1.0&sig=" + signature)
//! ```
//!
//! The server rebuilds the string to sign from the request it received ([`crate::ResourceAddress`]
//! derives the type and link from the path) and recomputes the signature with each of its keys.
//! When none matches, the real service answers 401 and quotes the string it signed — the best
//! debugging aid there is, so [`StringToSign`] implements `Display` for exactly that message.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::Mac as _;

use crate::encoding::encode_header_value_into;
use crate::key::MasterKey;

/// The exact text a master-key signature covers.
///
/// ```
/// use cosmolab_auth_signing::StringToSign;
///
/// let payload = StringToSign::new("GET", "colls", "dbs/Test Database/colls/Test Collection",
///                                 "Fri, 17 Dec 1926 03:15:00 GMT");
/// assert_eq!(payload.as_str(),
///     "get\ncolls\ndbs/Test Database/colls/Test Collection\nfri, 17 dec 1926 03:15:00 gmt\n\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringToSign(String);

impl StringToSign {
    /// Builds the string to sign from its four parts.
    ///
    /// `resource_link` is used exactly as given: resource names are case-sensitive, and the
    /// decoded form (`Test User`, not `Test%20User`) is what both sides sign.
    pub fn new(verb: &str, resource_type: &str, resource_link: &str, date: &str) -> Self {
        // Signing happens on every request, so the text is built in one allocation and lower-cased
        // in place instead of through temporary strings.
        let mut text = String::with_capacity(
            verb.len() + resource_type.len() + resource_link.len() + date.len() + 5,
        );
        let push_lowercase = |text: &mut String, part: &str| {
            let start = text.len();
            text.push_str(part);
            text[start..].make_ascii_lowercase();
        };
        push_lowercase(&mut text, verb);
        text.push('\n');
        push_lowercase(&mut text, resource_type);
        text.push('\n');
        text.push_str(resource_link);
        text.push('\n');
        push_lowercase(&mut text, date);
        text.push('\n');
        // The fifth line is the HTTP `Date` header. Clients send `x-ms-date` instead, so it is
        // always empty — but the newline that ends it is still part of the signed text.
        text.push('\n');
        Self(text)
    }

    /// The text itself, newlines included.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StringToSign {
    /// Shows the payload the way the service quotes it in a 401: newlines escaped, in quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0.replace('\n', "\\n"))
    }
}

/// A base64 master-key signature, as carried in `sig=` of a `type=master` header.
///
/// A signature is a credential for fifteen minutes (anyone holding it can replay that request),
/// so its `Debug` output is redacted, and `==` compares in constant time.
#[derive(Clone)]
pub struct MasterSignature(String);

impl PartialEq for MasterSignature {
    fn eq(&self, other: &Self) -> bool {
        crate::encoding::constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for MasterSignature {}

impl MasterSignature {
    /// Wraps a signature received in an `Authorization` header.
    pub fn from_base64(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The signature as base64 text.
    pub fn as_base64(&self) -> &str {
        &self.0
    }

    /// The value of the `Authorization` header carrying this signature, URL-encoded as the
    /// official SDKs send it (`type%3Dmaster%26ver%3D1.0%26sig%3D…`).
    pub fn to_authorization_header(&self) -> String {
        // The fixed prefix is already encoded; only the signature needs encoding.
        const ENCODED_PREFIX: &str = "type%3Dmaster%26ver%3D1.0%26sig%3D";
        let mut header = String::with_capacity(ENCODED_PREFIX.len() + self.0.len() * 3 / 2);
        header.push_str(ENCODED_PREFIX);
        encode_header_value_into(&self.0, &mut header);
        header
    }
}

impl fmt::Debug for MasterSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSignature(<redacted>)")
    }
}

impl MasterKey {
    /// Signs a request: base64 of HMAC-SHA256 over the string to sign.
    pub fn sign(&self, payload: &StringToSign) -> MasterSignature {
        let mut mac = self.mac();
        mac.update(payload.as_str().as_bytes());
        MasterSignature(BASE64.encode(mac.finalize().into_bytes()))
    }

    /// Checks a signature received from a client against this key.
    ///
    /// The comparison runs in constant time (`verify_slice` of the `hmac` crate): comparing byte by
    /// byte and stopping at the first difference would let an attacker learn, from response times,
    /// how many leading bytes of a forged signature are right.
    pub fn verify(&self, payload: &StringToSign, signature: &MasterSignature) -> bool {
        // A signature that is not even base64 cannot match; it is a wrong signature like any other.
        let Ok(claimed) = BASE64.decode(signature.as_base64()) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(payload.as_str().as_bytes());
        mac.verify_slice(&claimed).is_ok()
    }

    /// Signs a request and returns the complete, URL-encoded `Authorization` header value.
    ///
    /// ```
    /// use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
    ///
    /// let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY)?;
    /// let header = key.authorize("GET", "dbs", "dbs/ToDoList", "Thu, 27 Apr 2017 00:51:12 GMT");
    /// assert!(header.starts_with("type%3Dmaster%26ver%3D1.0%26sig%3D"));
    /// # Ok::<(), cosmolab_auth_signing::KeyError>(())
    /// ```
    pub fn authorize(
        &self,
        verb: &str,
        resource_type: &str,
        resource_link: &str,
        date: &str,
    ) -> String {
        let payload = StringToSign::new(verb, resource_type, resource_link, date);
        self.sign(&payload).to_authorization_header()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WELL_KNOWN_EMULATOR_KEY;

    fn emulator_key() -> MasterKey {
        MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap()
    }

    /// Verb, type and date are lower-cased; the link keeps its case.
    #[test]
    fn only_the_link_keeps_its_case() {
        let payload = StringToSign::new("POST", "DOCS", "dbs/MyDb/colls/Items", "Mon, 23 Nov 2026");
        assert_eq!(
            payload.as_str(),
            "post\ndocs\ndbs/MyDb/colls/Items\nmon, 23 nov 2026\n\n"
        );
    }

    /// The 401 message quotes the payload with visible `\n`, as the service does.
    #[test]
    fn display_escapes_newlines_like_the_service() {
        let payload = StringToSign::new("GET", "dbs", "", "Fri, 20 Jan 2017 03:43:55 GMT");
        assert_eq!(
            payload.to_string(),
            r"'get\ndbs\n\nfri, 20 jan 2017 03:43:55 gmt\n\n'"
        );
    }

    /// A signature verifies against the payload it was made for, and not against any other.
    #[test]
    fn a_signature_covers_its_own_request_only() {
        let key = emulator_key();
        let payload = StringToSign::new("GET", "docs", "dbs/a/colls/b/docs/1", "date");
        let signature = key.sign(&payload);
        assert!(key.verify(&payload, &signature));
        let other = StringToSign::new("DELETE", "docs", "dbs/a/colls/b/docs/1", "date");
        assert!(!key.verify(&other, &signature));
    }

    /// Garbage in the `sig=` field is a mismatch, not a panic.
    #[test]
    fn a_non_base64_signature_does_not_verify() {
        let payload = StringToSign::new("GET", "", "", "date");
        assert!(!emulator_key().verify(&payload, &MasterSignature::from_base64("%%%")));
    }

    /// The header is URL-encoded the way the Python SDK encodes it (`+` → `%2B`, `/` → `%2F`).
    #[test]
    fn header_is_url_encoded_like_the_sdk() {
        let signature =
            MasterSignature::from_base64("c09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu+c+c=");
        assert_eq!(
            signature.to_authorization_header(),
            "type%3Dmaster%26ver%3D1.0%26sig%3Dc09PEVJrgp2uQRkr934kFbTqhByc7TVr3OHyqlu%2Bc%2Bc%3D"
        );
    }
}

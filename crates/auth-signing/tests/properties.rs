//! Property tests: round trips that must always hold, and parsers that must never panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cosmolab_auth_signing::{
    Authorization, MasterKey, ResourceAddress, ResourceToken, ResourceTokenClaims,
    ResourceTokenError, StringToSign, UnverifiedResourceToken, parse_http_date,
};
use cosmolab_model::{PartitionKey, PermissionMode};
use proptest::prelude::*;

fn any_key() -> impl Strategy<Value = MasterKey> {
    proptest::collection::vec(any::<u8>(), 1..96)
        .prop_map(|bytes| MasterKey::from_bytes(bytes).unwrap())
}

fn any_claims() -> impl Strategy<Value = ResourceTokenClaims> {
    (
        "[a-zA-Z0-9 _-]{1,20}",
        "[a-zA-Z0-9 _-]{1,20}",
        proptest::option::of("[a-z0-9]{0,8}"),
        any::<bool>(),
        0u64..4_000_000_000,
        1u64..100_000,
        any::<u32>(),
        "[a-f0-9-]{1,36}",
    )
        .prop_map(
            |(user, container, partition, all, issued_at, lifetime, key_generation, token_id)| {
                ResourceTokenClaims {
                    permission: format!("dbs/db/users/{user}/permissions/p"),
                    user: format!("dbs/db/users/{user}"),
                    resource: format!("dbs/db/colls/{container}"),
                    resource_partition_key: partition.map(|value| {
                        serde_json::json!([value])
                            .to_string()
                            .parse::<PartitionKey>()
                            .unwrap()
                    }),
                    permission_mode: if all {
                        PermissionMode::All
                    } else {
                        PermissionMode::Read
                    },
                    issued_at,
                    expires_at: issued_at + lifetime,
                    key_generation,
                    token_id,
                }
            },
        )
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

proptest! {
    /// Whatever the key and request, a signature verifies against what it signed.
    #[test]
    fn sign_then_verify(key in any_key(), verb in "[A-Za-z]{1,7}", kind in "[a-z]{0,12}",
                        link in "\\PC{0,80}", date in "\\PC{0,40}") {
        let payload = StringToSign::new(&verb, &kind, &link, &date);
        prop_assert!(key.verify(&payload, &key.sign(&payload)));
    }

    /// A signature does not verify once any byte of the link changes.
    #[test]
    fn a_changed_link_fails(key in any_key(), link in "[a-z/]{1,40}", index in any::<prop::sample::Index>()) {
        let payload = StringToSign::new("get", "docs", &link, "date");
        let signature = key.sign(&payload);
        let mut changed = link.clone().into_bytes();
        let position = index.index(changed.len());
        changed[position] = if changed[position] == b'x' { b'y' } else { b'x' };
        let changed = String::from_utf8(changed).unwrap();
        let other = StringToSign::new("get", "docs", &changed, "date");
        prop_assert!(!key.verify(&other, &signature));
    }

    /// The signed header parses back into the same signature.
    #[test]
    fn authorize_then_parse(key in any_key(), link in "[a-zA-Z0-9 /]{0,40}") {
        let header = key.authorize("GET", "docs", &link, "date");
        let payload = StringToSign::new("GET", "docs", &link, "date");
        match Authorization::parse(&header) {
            Ok(Authorization::MasterKey(signature)) => prop_assert!(key.verify(&payload, &signature)),
            other => prop_assert!(false, "unexpected parse result {other:?}"),
        }
    }

    /// A minted token verifies within its lifetime and gives back its claims.
    #[test]
    fn mint_then_verify(key in any_key(), claims in any_claims()) {
        let token = claims.mint(&key);
        let verified = UnverifiedResourceToken::parse(&token).unwrap().verify(&key, at(claims.issued_at)).unwrap();
        prop_assert_eq!(verified, claims);
    }

    /// Once expired, a token is refused with the time-window error.
    #[test]
    fn expired_tokens_fail(key in any_key(), claims in any_claims(), late in 0u64..1_000_000) {
        let token = claims.mint(&key);
        let result = UnverifiedResourceToken::parse(&token).unwrap().verify(&key, at(claims.expires_at + late));
        prop_assert!(matches!(result, Err(ResourceTokenError::OutsideValidity(_))));
    }

    /// Changing any single byte of a token makes it fail (to parse, or to verify).
    #[test]
    fn any_changed_byte_fails(key in any_key(), claims in any_claims(),
                              index in any::<prop::sample::Index>(), replacement in any::<u8>()) {
        let token = claims.mint(&key);
        let mut bytes = token.expose_secret().as_bytes().to_vec();
        let position = index.index(bytes.len());
        prop_assume!(bytes[position] != replacement);
        bytes[position] = replacement;
        let tampered = ResourceToken::new(String::from_utf8_lossy(&bytes).into_owned());
        let result = UnverifiedResourceToken::parse(&tampered).and_then(|unverified| unverified.verify(&key, at(claims.issued_at)));
        prop_assert!(result.is_err(), "tampered at {position} still verified");
    }

    /// The header parser never panics, whatever the input.
    #[test]
    fn authorization_parse_never_panics(header in "\\PC{0,200}") {
        let _ = Authorization::parse(&header);
    }

    /// Nor on raw bytes.
    #[test]
    fn authorization_from_bytes_never_panics(header in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Authorization::from_header(Some(&header));
    }

    /// Headers built from the right words in any shape never panic, and `sig=` text never leaks
    /// into error messages.
    #[test]
    fn structured_garbage_never_leaks(kind in "(master|resource|aad|x)", ver in "(1|1.0|2|)",
                                      sig in "SECRET[A-Za-z0-9+/=;&]{0,30}", sep in "(&|;|&&)") {
        let header = format!("type={kind}{sep}ver={ver}{sep}sig={sig}");
        if let Err(error) = Authorization::parse(&header) {
            prop_assert!(!error.to_string().contains("SECRET"), "{error}");
        }
    }

    /// Any path either derives an address or returns an error; feeds and resources partition
    /// the paths by segment count.
    #[test]
    fn path_derivation_never_panics(path in "(/|[a-zA-Z0-9%= +-]{0,8}){0,12}") {
        if let Ok(address) = ResourceAddress::from_path(&path) {
            prop_assert_eq!(address.is_feed(), address.segments().len() % 2 == 1);
            let _ = address.signing_link();
        }
    }

    /// Dates: never a panic on arbitrary text.
    #[test]
    fn date_parse_never_panics(text in "\\PC{0,40}") {
        let _ = parse_http_date(&text);
    }

    /// Verifying arbitrary token strings never panics.
    #[test]
    fn token_verify_never_panics(text in "type=resource&ver=1&sig=[A-Za-z0-9+/=;]{0,80}") {
        let key = MasterKey::from_bytes(vec![1; 64]).unwrap();
        if let Ok(unverified) = UnverifiedResourceToken::parse(&ResourceToken::new(text)) {
            let _ = unverified.verify(&key, SystemTime::now());
        }
    }
}

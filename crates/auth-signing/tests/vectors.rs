//! Known-answer tests: every vector in `shared/vectors/master-key-signing.json`, read from the file.
//!
//! The vectors come from independent implementations (the Azure SDK for Rust's tests, another
//! emulator's tests) and were recomputed independently; if our signing drifts from the protocol by a
//! single byte, these fail.

use std::path::PathBuf;

use cosmolab_auth_signing::{MasterKey, MasterSignature, StringToSign};
use serde::Deserialize;

#[derive(Deserialize)]
struct VectorFile {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    key: String,
    verb: String,
    resource_type: String,
    resource_link: String,
    date: String,
    string_to_sign: String,
    signature: String,
    source: String,
}

/// `shared/` sits beside the workspace (`../shared` from its root).
fn vector_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vectors/master-key-signing.json")
}

fn load_vectors() -> Vec<Vector> {
    let path = vector_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read the signing vectors at {}: {error}. The course's shared/ folder must sit \
             beside the workspace (../shared from the repository root).",
            path.display()
        )
    });
    let file: VectorFile = serde_json::from_str(&text).expect("the vector file is valid JSON");
    assert!(!file.vectors.is_empty(), "the vector file holds no vectors");
    file.vectors
}

/// Each vector's string to sign is rebuilt exactly from its verb, type, link and date.
#[test]
fn every_vector_string_to_sign_matches() {
    for vector in load_vectors() {
        let payload = StringToSign::new(
            &vector.verb,
            &vector.resource_type,
            &vector.resource_link,
            &vector.date,
        );
        assert_eq!(
            payload.as_str(),
            vector.string_to_sign,
            "vector from {}",
            vector.source
        );
    }
}

/// Each vector's signature is reproduced, verifies, and appears URL-encoded in the header.
#[test]
fn every_vector_signature_matches() {
    for vector in load_vectors() {
        let key = MasterKey::from_base64(&vector.key).expect("vector keys are base64");
        let payload = StringToSign::new(
            &vector.verb,
            &vector.resource_type,
            &vector.resource_link,
            &vector.date,
        );
        let signature = key.sign(&payload);
        assert_eq!(
            signature.as_base64(),
            vector.signature,
            "vector from {}",
            vector.source
        );
        assert!(key.verify(
            &payload,
            &MasterSignature::from_base64(vector.signature.clone())
        ));

        let header = key.authorize(
            &vector.verb,
            &vector.resource_type,
            &vector.resource_link,
            &vector.date,
        );
        let encoded_signature = vector
            .signature
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        assert_eq!(
            header,
            format!("type%3Dmaster%26ver%3D1.0%26sig%3D{encoded_signature}")
        );
    }
}

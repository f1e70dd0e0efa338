//! How much does our signing cost on top of the HMAC it cannot avoid?
//!
//! Two benchmarks in the group `signing`, measured in the same run on the same string to sign:
//!
//! - `cosmolab_sign`: what a client does per request — build the string to sign, HMAC it with a
//!   [`MasterKey`], base64 the result and URL-encode the `Authorization` header;
//! - `bare_hmac_sha256`: the baseline — keying HMAC-SHA256 with the decoded key and hashing the
//!   same bytes, nothing else;
//! - `bare_hmac_sha256_prekeyed`: the strict baseline — the same HMAC from a state already keyed,
//!   as [`MasterKey`] keeps one. Against this one, our key caching earns us nothing, and the ratio
//!   shows only what building the string, base64 and URL-encoding add.
//!
//! `cargo xtask bench signing` runs this and prints both ratios (goal ≤ 1.3).

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use cosmolab_auth_signing::{MasterKey, StringToSign, WELL_KNOWN_EMULATOR_KEY};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERB: &str = "GET";
const RESOURCE_TYPE: &str = "docs";
const RESOURCE_LINK: &str = "dbs/my_database/colls/my_container/docs/item1";
const DATE: &str = "Mon, 23 Nov 2026 08:06:13 GMT";

fn signing(c: &mut Criterion) {
    let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap();
    let key_bytes = BASE64.decode(WELL_KNOWN_EMULATOR_KEY).unwrap();
    let string_to_sign = StringToSign::new(VERB, RESOURCE_TYPE, RESOURCE_LINK, DATE);

    let mut group = c.benchmark_group("signing");
    group.bench_function("cosmolab_sign", |b| {
        b.iter(|| {
            key.authorize(
                black_box(VERB),
                black_box(RESOURCE_TYPE),
                black_box(RESOURCE_LINK),
                black_box(DATE),
            )
        })
    });
    group.bench_function("bare_hmac_sha256", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&key_bytes)).unwrap();
            mac.update(black_box(string_to_sign.as_str().as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    let prekeyed = Hmac::<Sha256>::new_from_slice(&key_bytes).unwrap();
    group.bench_function("bare_hmac_sha256_prekeyed", |b| {
        b.iter(|| {
            let mut mac = black_box(&prekeyed).clone();
            mac.update(black_box(string_to_sign.as_str().as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);

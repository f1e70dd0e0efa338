//! Binary JSON bodies: any bytes are decoded without a panic, and whatever decodes comes back the
//! same through the encoder.
#![no_main]

use cosmolab_binary_json::{PREAMBLE, decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check(data);
    // Most random inputs stop at the first byte; with the preamble in front, every input reaches
    // the value decoder.
    let mut with_preamble = Vec::with_capacity(data.len() + 1);
    with_preamble.push(PREAMBLE);
    with_preamble.extend_from_slice(data);
    check(&with_preamble);
});

/// A value the decoder accepts must survive encode → decode: otherwise it was misread.
fn check(bytes: &[u8]) {
    if let Ok(value) = decode(bytes) {
        let again = decode(&encode(&value)).expect("our own encoding decodes");
        assert_eq!(again, value, "a decoded value survives a round trip");
    }
}

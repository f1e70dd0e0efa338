//! What the test files share: writing buffers the way the format's documentation does.

/// Bytes from spaced hexadecimal, `"80 D0"`: the notation of the SDKs' test vectors and of a hex
/// dump, so a vector can be checked against either by eye.
pub(crate) fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|byte| u8::from_str_radix(byte, 16).expect("two hexadecimal digits"))
        .collect()
}

//! The string forms that keep text in fewer bytes than the text itself, turned back into text.
//!
//! A writer may pick one of these when a string's characters fit a small alphabet: a GUID, base64,
//! hexadecimal digits, a timestamp, or ASCII within a narrow range. The decoder reads the prefix
//! fields (lengths, padding, base character) and hands the packed bytes to a function here;
//! each function returns the text or says, in a few words, why the bytes cannot be that form.
//!
//! None of this is needed for what the Rust SDK sends (it writes plain UTF-8 strings), but the
//! .NET writer and the service itself use these forms, so a decoder that meets them must not fail.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

/// Lowercase hexadecimal digits, indexed by nibble.
pub(crate) const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
/// Uppercase hexadecimal digits, indexed by nibble.
pub(crate) const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
/// The characters of an ISO 8601 date-time, indexed by nibble: space, digits, `:-.TZ`.
pub(crate) const DATE_TIME: &[u8; 16] = b" 0123456789:-.TZ";

/// The character a 4-bit code stands for in `table`. Masking makes the index provably in range.
fn nibble_char(table: &[u8; 16], code: u8) -> char {
    char::from(table[usize::from(code & 0x0F)])
}

/// A GUID *string* (markers `0x75..=0x77`): 16 bytes of two hex digits each, low nibble first,
/// grouped 8-4-4-4-12. Byte for byte, in order: not the byte order of a .NET `Guid`.
pub(crate) fn guid_string(bytes: &[u8; 16], digits: &[u8; 16], quoted: bool) -> String {
    let mut text = String::with_capacity(38);
    if quoted {
        text.push('"');
    }
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(nibble_char(digits, byte & 0x0F));
        text.push(nibble_char(digits, byte >> 4));
    }
    if quoted {
        text.push('"');
    }
    text
}

/// A GUID *value* (marker `0xD3`): the 16 bytes of a .NET `Guid`, whose first three fields
/// (4, 2 and 2 bytes) are little-endian integers and whose last eight bytes are in order. JSON
/// has no GUID type, so it becomes the usual lowercase text, as in the official Rust SDK.
pub(crate) fn guid_value(bytes: &[u8; 16]) -> String {
    let [
        a0,
        a1,
        a2,
        a3,
        b0,
        b1,
        c0,
        c1,
        d0,
        d1,
        d2,
        d3,
        d4,
        d5,
        d6,
        d7,
    ] = *bytes;
    let in_text_order = [
        a3, a2, a1, a0, b1, b0, c1, c0, d0, d1, d2, d3, d4, d5, d6, d7,
    ];
    let mut text = String::with_capacity(36);
    for (index, byte) in in_text_order.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        // Written high nibble first, the way everyone writes hexadecimal.
        text.push(nibble_char(LOWER_HEX, byte >> 4));
        text.push(nibble_char(LOWER_HEX, byte & 0x0F));
    }
    text
}

/// How a base64 string ended in its original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base64Padding {
    /// With its `=` signs (0, 1 or 2 of them).
    Kept,
    /// Without them: the writer recorded it dropped them.
    Dropped,
}

/// Base64 text from the bytes it encodes: `url_safe` picks the alphabet, `padding` whether the
/// trailing `=` were part of the original string.
pub(crate) fn base64_text(raw: &[u8], url_safe: bool, padding: Base64Padding) -> String {
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    let mut text = engine.encode(raw);
    if padding == Base64Padding::Dropped {
        text.truncate(text.trim_end_matches('=').len());
    }
    text
}

/// Base64 of raw binary data (markers `0xDD..=0xDF`). JSON has no bytes type; base64 is what
/// every Cosmos SDK makes of them, and what the official Rust SDK's decoder returns.
pub(crate) fn binary_as_base64(raw: &[u8]) -> String {
    STANDARD.encode(raw)
}

/// A table string (hexadecimal, date-time): `len` characters, two per byte, low nibble first.
/// An odd count leaves the high nibble of the last byte unused, and the writer leaves it zero.
pub(crate) fn table_string(
    packed: &[u8],
    len: usize,
    table: &[u8; 16],
) -> Result<String, &'static str> {
    let mut text = String::with_capacity(len);
    for byte in packed {
        text.push(nibble_char(table, byte & 0x0F));
        if text.len() == len {
            if byte >> 4 != 0 {
                return Err("the unused half of the last byte of a 4-bit string is not zero");
            }
            break;
        }
        text.push(nibble_char(table, byte >> 4));
    }
    if text.len() == len {
        Ok(text)
    } else {
        Err("a 4-bit string has fewer characters than its length says")
    }
}

/// A packed string: `len` codes of `bits` bits each (4 to 7), least significant bit first, each
/// the distance of an ASCII character from `base`.
///
/// The bits after the last code are not checked: the .NET writer fills them with whatever its
/// 8-character block arithmetic leaves there.
pub(crate) fn packed_string(
    packed: &[u8],
    len: usize,
    bits: u32,
    base: u8,
) -> Result<String, &'static str> {
    let mask = (1_u32 << bits) - 1;
    let mut bytes = packed.iter();
    // A bit reservoir: bytes go in at the top, codes come out at the bottom.
    let (mut reservoir, mut held) = (0_u32, 0_u32);
    let mut text = String::with_capacity(len);
    for _ in 0..len {
        while held < bits {
            let &byte = bytes
                .next()
                .ok_or("a packed string has fewer bytes than its length needs")?;
            reservoir |= u32::from(byte) << held;
            held += 8;
        }
        let code = reservoir & mask;
        reservoir >>= bits;
        held -= bits;
        // Writers pack only ASCII text; anything above 0x7F would be half a UTF-8 sequence.
        let ascii = u8::try_from(code + u32::from(base))
            .ok()
            .filter(u8::is_ascii)
            .ok_or("a packed string decodes to a byte outside ASCII")?;
        text.push(char::from(ascii));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_strings_and_values_use_different_byte_orders() {
        let bytes: [u8; 16] = std::array::from_fn(|i| u8::try_from(i).unwrap());
        assert_eq!(
            guid_string(&bytes, LOWER_HEX, false),
            "00102030-4050-6070-8090-a0b0c0d0e0f0"
        );
        assert_eq!(
            guid_string(&bytes, UPPER_HEX, true),
            "\"00102030-4050-6070-8090-A0B0C0D0E0F0\""
        );
        assert_eq!(guid_value(&bytes), "03020100-0504-0706-0809-0a0b0c0d0e0f");
    }

    #[test]
    fn base64_keeps_or_drops_padding() {
        assert_eq!(base64_text(b"A", false, Base64Padding::Kept), "QQ==");
        assert_eq!(base64_text(b"A", false, Base64Padding::Dropped), "QQ");
        assert_eq!(
            base64_text(&[0xFB, 0xFF, 0xFE], true, Base64Padding::Kept),
            "-__-"
        );
        assert_eq!(binary_as_base64(&[0xDE, 0xAD, 0xBE, 0xEF]), "3q2+7w==");
    }

    #[test]
    fn table_strings_read_low_nibble_first_and_check_padding() {
        assert_eq!(table_string(&[0xA1, 0xB2], 4, LOWER_HEX).unwrap(), "1a2b");
        assert_eq!(table_string(&[0x0F], 1, LOWER_HEX).unwrap(), "f");
        assert_eq!(
            table_string(&[0x13, 0x53, 0x1C, 0x02], 7, DATE_TIME).unwrap(),
            "2024-01"
        );
        assert!(table_string(&[0x1F], 1, LOWER_HEX).is_err());
        assert!(table_string(&[0x11], 3, LOWER_HEX).is_err());
    }

    #[test]
    fn packed_strings_unpack_every_width() {
        assert_eq!(packed_string(&[0x10, 0x32], 4, 4, b'0').unwrap(), "0123");
        assert_eq!(packed_string(&[0x20, 0x08], 3, 5, b'a').unwrap(), "abc");
        assert_eq!(
            packed_string(&[0x40, 0x20, 0x0C], 4, 6, b'a').unwrap(),
            "abcd"
        );
        assert_eq!(packed_string(&[0xC8, 0x34], 2, 7, 0).unwrap(), "Hi");
        // A base of 0xF0 pushes every code out of ASCII.
        assert!(packed_string(&[0x00], 1, 4, 0xF0).is_err());
        assert!(packed_string(&[0x00], 3, 7, 0).is_err());
    }
}

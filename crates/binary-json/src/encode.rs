//! [`serde_json::Value`] → binary JSON.
//!
//! The encoder writes a small, plain subset of the format: every decoder accepts it, and each
//! value has exactly one encoding, so tests can state the expected bytes.
//!
//! | value | bytes |
//! |---|---|
//! | `null`, `false`, `true` | `D0`, `D1`, `D2` |
//! | integer 0..=31 | the marker itself, `00..=1F` |
//! | other integer | the narrowest of `C8` u8, `C9` i16, `CA` i32, `CB` i64; `C7` u64 past i64 |
//! | other number | `CC` double, even when integral: `3.0` stays `3.0` |
//! | string under 64 bytes | `80 + length`, the UTF-8 |
//! | longer string | `C0`, `C1` or `C2` with a 1-, 2- or 4-byte length, the UTF-8 |
//! | `[]`, `{}` | `E0`, `E8` |
//! | other array | `E2`, `E3` or `E4` with the body's length in 1, 2 or 4 bytes, the items |
//! | other object | `EA`, `EB` or `EC` likewise, then key, value, key… in the map's order |
//!
//! Integers use the `Number*` markers because those are what the service writes for a JSON
//! number; the typed markers (`0xD7..=0xDC`) stand for .NET typed values, which a JSON document
//! does not have. There is no signed 8-bit `Number*` marker, so `-1` takes `NumberInt16`.
//! Never written: system strings, compressed strings, references, counts (`LC` forms), uniform
//! number arrays. They save bytes; we prefer encodings a learner can read in a hex dump.

use serde_json::{Number, Value};

use crate::PREAMBLE;
use crate::markers::{
    ARR_L1, ARR_L2, ARR_L4, ARR0, FALSE, LITERAL_INT_END, NULL, NUMBER_DOUBLE, NUMBER_INT16,
    NUMBER_INT32, NUMBER_INT64, NUMBER_UINT8, NUMBER_UINT64, OBJ_L1, OBJ_L2, OBJ_L4, OBJ0,
    SHORT_STRING_END, SHORT_STRING_START, STR_L1, STR_L2, STR_L4, TRUE,
};

/// Encodes a value as a Cosmos binary JSON buffer, preamble first.
///
/// The encoding is the plain subset described in the crate's documentation. It cannot fail:
/// every [`Value`] has an encoding.
///
/// Two limits of the format, not of this function, are worth knowing. A value nested more than
/// 128 levels deep encodes, but [`decode`](fn@crate::decode) refuses it, as text JSON parsers do.
/// And no string or container can exceed 4 GiB, a length the format cannot write down.
///
/// # Panics
///
/// If a single string or container body exceeds 4 GiB (a Cosmos item is at most 2 MB).
///
/// # Example
///
/// ```
/// use cosmolab_binary_json::{decode, encode};
///
/// let item = serde_json::json!({"id": "a1", "n": 3});
/// let bytes = encode(&item);
/// // Preamble, an object of 9 bytes, "id", "a1", "n", the literal 3.
/// assert_eq!(bytes, [0x80, 0xEA, 9, 0x82, b'i', b'd', 0x82, b'a', b'1', 0x81, b'n', 0x03]);
/// assert_eq!(decode(&bytes)?, item);
/// # Ok::<(), cosmolab_binary_json::DecodeError>(())
/// ```
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = vec![PREAMBLE];
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(number) => write_number(out, number),
        Value::String(text) => write_string(out, text),
        Value::Array(items) if items.is_empty() => out.push(ARR0),
        Value::Array(items) => write_container(out, [ARR_L1, ARR_L2, ARR_L4], |out| {
            for item in items {
                write_value(out, item);
            }
        }),
        Value::Object(members) if members.is_empty() => out.push(OBJ0),
        Value::Object(members) => write_container(out, [OBJ_L1, OBJ_L2, OBJ_L4], |out| {
            for (key, value) in members {
                write_string(out, key);
                write_value(out, value);
            }
        }),
    }
}

/// A [`Number`] is an `i64`, a `u64` above `i64::MAX`, or a finite `f64`; in that order of
/// preference, so an integer never turns into a float on the way.
fn write_number(out: &mut Vec<u8>, number: &Number) {
    if let Some(integer) = number.as_i64() {
        write_integer(out, integer);
    } else if let Some(unsigned) = number.as_u64() {
        out.push(NUMBER_UINT64);
        out.extend_from_slice(&unsigned.to_le_bytes());
    } else if let Some(float) = number.as_f64().filter(|float| float.is_finite()) {
        out.push(NUMBER_DOUBLE);
        out.extend_from_slice(&float.to_le_bytes());
    } else {
        // Only with serde_json's `arbitrary_precision`, for a literal beyond `f64` (`1e400`).
        // serde_json writes a non-finite float as `null`; so do we.
        out.push(NULL);
    }
}

/// An integer in the fewest bytes the `Number*` markers allow.
fn write_integer(out: &mut Vec<u8>, integer: i64) {
    if let Ok(small) = u8::try_from(integer) {
        if small < LITERAL_INT_END {
            out.push(small);
        } else {
            out.extend_from_slice(&[NUMBER_UINT8, small]);
        }
    } else if let Ok(integer) = i16::try_from(integer) {
        out.push(NUMBER_INT16);
        out.extend_from_slice(&integer.to_le_bytes());
    } else if let Ok(integer) = i32::try_from(integer) {
        out.push(NUMBER_INT32);
        out.extend_from_slice(&integer.to_le_bytes());
    } else {
        out.push(NUMBER_INT64);
        out.extend_from_slice(&integer.to_le_bytes());
    }
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    let length = text.len();
    match u8::try_from(length) {
        Ok(short) if short < SHORT_STRING_END - SHORT_STRING_START => {
            out.push(SHORT_STRING_START + short);
        }
        _ => write_length(out, [STR_L1, STR_L2, STR_L4], length),
    }
    out.extend_from_slice(text.as_bytes());
}

/// The narrowest of three markers whose length field (1, 2 or 4 bytes) holds `length`, and
/// the field.
fn write_length(out: &mut Vec<u8>, [one, two, four]: [u8; 3], length: usize) {
    if let Ok(length) = u8::try_from(length) {
        out.extend_from_slice(&[one, length]);
    } else if let Ok(length) = u16::try_from(length) {
        out.push(two);
        out.extend_from_slice(&length.to_le_bytes());
    } else {
        let length = u32::try_from(length).expect("binary JSON cannot hold a value over 4 GiB");
        out.push(four);
        out.extend_from_slice(&length.to_le_bytes());
    }
}

/// A container: its marker and byte length, then the body that `write_body` appends.
///
/// The length is only known once the body is written, and its width decides the marker. So the
/// body goes straight into `out` after a placeholder header; the header is then replaced by the
/// real one, which moves the body only when it is longer than 255 bytes.
fn write_container(out: &mut Vec<u8>, markers: [u8; 3], write_body: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    let placeholder = [markers[0], 0];
    out.extend_from_slice(&placeholder);
    write_body(out);
    let body_length = out.len() - start - placeholder.len();
    let mut header = Vec::with_capacity(5);
    write_length(&mut header, markers, body_length);
    out.splice(start..start + placeholder.len(), header);
}

//! The type markers: the first byte of every value, which says what the value is and how many
//! bytes follow.
//!
//! These numbers are the format, not our choice: they match the service and the official SDKs
//! byte for byte (Microsoft's `JsonBinaryEncoding.TypeMarker`). The byte space is cut into
//! families; a family that spans several bytes stores part of the value in the marker itself (a
//! small integer, a dictionary index, a string length). A range is written `START..END`, with
//! `END` excluded, so it reads the same in a `match` arm as in the table of the crate's docs.
//!
//! Bytes no family claims (`0x68..0x71`, `0xD4..0xD7`, `0xF4..=0xFF`) are unassigned; the .NET
//! code names `0xFF` "Invalid". The decoder rejects all of them.

// ── 0x00..0x20: an integer stored in the marker itself ───────────────────────────────────────
/// First literal integer marker: the marker *is* the value, `0x00` is 0 …
pub(crate) const LITERAL_INT_START: u8 = 0x00;
/// … and `0x1F` is 31.
pub(crate) const LITERAL_INT_END: u8 = 0x20;

// ── 0x20..0x40: one of 32 well-known strings (see `system_strings`) ─────────────────────────
pub(crate) const SYSTEM_STRING_START: u8 = 0x20;
pub(crate) const SYSTEM_STRING_END: u8 = 0x40;

// ── 0x40..0x68: an index into a per-connection string dictionary ────────────────────────────
/// One-byte user string: the index is `marker - 0x40` (0..32).
pub(crate) const USER_STRING_1_START: u8 = 0x40;
pub(crate) const USER_STRING_1_END: u8 = 0x60;
/// Two-byte user string: the index is `32 + next_byte + 256 * (marker - 0x60)`.
pub(crate) const USER_STRING_2_START: u8 = 0x60;
pub(crate) const USER_STRING_2_END: u8 = 0x68;

// ── 0x71..0x80: strings stored in fewer bytes than their text ───────────────────────────────
/// Base64 text kept as its decoded bytes: group count (1 byte), padding byte, bytes.
pub(crate) const BASE64_L1: u8 = 0x71;
/// The same with a 2-byte group count.
pub(crate) const BASE64_L2: u8 = 0x72;
/// URL-safe base64 (`-` and `_` instead of `+` and `/`), 1-byte group count.
pub(crate) const BASE64_URL_L1: u8 = 0x73;
/// URL-safe base64, 2-byte group count.
pub(crate) const BASE64_URL_L2: u8 = 0x74;
/// A 36-character lowercase GUID string in 16 bytes.
pub(crate) const GUID_STRING_LOWER: u8 = 0x75;
/// The same in uppercase.
pub(crate) const GUID_STRING_UPPER: u8 = 0x76;
/// A lowercase GUID string inside literal double quotes: the form of an `_etag`.
pub(crate) const GUID_STRING_QUOTED: u8 = 0x77;
/// Lowercase hexadecimal digits, two per byte.
pub(crate) const HEX_LOWER_STRING: u8 = 0x78;
/// Uppercase hexadecimal digits, two per byte.
pub(crate) const HEX_UPPER_STRING: u8 = 0x79;
/// Characters of an ISO 8601 date-time (` 0-9:-.TZ`), two per byte.
pub(crate) const DATE_TIME_STRING: u8 = 0x7A;
/// ASCII characters within 16 of a base character, 4 bits each.
pub(crate) const PACKED_4BIT_STRING: u8 = 0x7B;
/// ASCII characters within 32 of a base character, 5 bits each.
pub(crate) const PACKED_5BIT_STRING: u8 = 0x7C;
/// ASCII characters within 64 of a base character, 6 bits each.
pub(crate) const PACKED_6BIT_STRING: u8 = 0x7D;
/// Any ASCII characters, 7 bits each, 1-byte length.
pub(crate) const PACKED_7BIT_STRING_L1: u8 = 0x7E;
/// Any ASCII characters, 7 bits each, 2-byte length.
pub(crate) const PACKED_7BIT_STRING_L2: u8 = 0x7F;

// ── 0x80..0xC0: a UTF-8 string of up to 63 bytes, its length in the marker ─────────────────
/// `0x80` is the empty string (and, as the first byte of a buffer, the preamble).
pub(crate) const SHORT_STRING_START: u8 = 0x80;
pub(crate) const SHORT_STRING_END: u8 = 0xC0;

// ── 0xC0..0xC8: longer strings, references to earlier strings, and one number ──────────────
/// UTF-8 string with a 1-byte length.
pub(crate) const STR_L1: u8 = 0xC0;
/// UTF-8 string with a 2-byte length.
pub(crate) const STR_L2: u8 = 0xC1;
/// UTF-8 string with a 4-byte length.
pub(crate) const STR_L4: u8 = 0xC2;
/// The same text as the string at an earlier offset of the buffer; 1-byte offset.
pub(crate) const STR_R1: u8 = 0xC3;
/// Reference with a 2-byte offset.
pub(crate) const STR_R2: u8 = 0xC4;
/// Reference with a 3-byte offset.
pub(crate) const STR_R3: u8 = 0xC5;
/// Reference with a 4-byte offset.
pub(crate) const STR_R4: u8 = 0xC6;
/// JSON number: unsigned 64-bit integer.
pub(crate) const NUMBER_UINT64: u8 = 0xC7;

// ── 0xC8..0xD0: JSON numbers, and three float widths ────────────────────────────────────────
/// JSON number: unsigned 8-bit integer.
pub(crate) const NUMBER_UINT8: u8 = 0xC8;
/// JSON number: signed 16-bit integer.
pub(crate) const NUMBER_INT16: u8 = 0xC9;
/// JSON number: signed 32-bit integer.
pub(crate) const NUMBER_INT32: u8 = 0xCA;
/// JSON number: signed 64-bit integer.
pub(crate) const NUMBER_INT64: u8 = 0xCB;
/// JSON number: IEEE 754 double.
pub(crate) const NUMBER_DOUBLE: u8 = 0xCC;
/// Typed 32-bit float.
pub(crate) const FLOAT32: u8 = 0xCD;
/// Typed 64-bit float.
pub(crate) const FLOAT64: u8 = 0xCE;
/// Typed 16-bit float (IEEE 754 half precision).
pub(crate) const FLOAT16: u8 = 0xCF;

// ── 0xD0..0xE0: literals, GUIDs, typed integers, binary ─────────────────────────────────────
pub(crate) const NULL: u8 = 0xD0;
pub(crate) const FALSE: u8 = 0xD1;
pub(crate) const TRUE: u8 = 0xD2;
/// A 16-byte GUID value in .NET's `Guid` byte order.
pub(crate) const GUID: u8 = 0xD3;
/// Typed unsigned 8-bit integer.
pub(crate) const UINT8: u8 = 0xD7;
/// Typed signed 8-bit integer.
pub(crate) const INT8: u8 = 0xD8;
/// Typed signed 16-bit integer.
pub(crate) const INT16: u8 = 0xD9;
/// Typed signed 32-bit integer.
pub(crate) const INT32: u8 = 0xDA;
/// Typed signed 64-bit integer.
pub(crate) const INT64: u8 = 0xDB;
/// Typed unsigned 32-bit integer.
pub(crate) const UINT32: u8 = 0xDC;
/// Raw bytes with a 1-byte length.
pub(crate) const BINARY_L1: u8 = 0xDD;
/// Raw bytes with a 2-byte length.
pub(crate) const BINARY_L2: u8 = 0xDE;
/// Raw bytes with a 4-byte length.
pub(crate) const BINARY_L4: u8 = 0xDF;

// ── 0xE0..0xE8: arrays ─────────────────────────────────────────────────────────────────────
/// `[]`.
pub(crate) const ARR0: u8 = 0xE0;
/// An array of exactly one item, which follows with no length.
pub(crate) const ARR1: u8 = 0xE1;
/// Items preceded by their total size in bytes: 1, 2 or 4 bytes of it.
pub(crate) const ARR_L1: u8 = 0xE2;
pub(crate) const ARR_L2: u8 = 0xE3;
pub(crate) const ARR_L4: u8 = 0xE4;
/// The same, then the number of items in a field of the same width.
pub(crate) const ARR_LC1: u8 = 0xE5;
pub(crate) const ARR_LC2: u8 = 0xE6;
pub(crate) const ARR_LC4: u8 = 0xE7;

// ── 0xE8..0xF0: objects, laid out like arrays with a key before each value ─────────────────
/// `{}`.
pub(crate) const OBJ0: u8 = 0xE8;
/// An object of exactly one member.
pub(crate) const OBJ1: u8 = 0xE9;
pub(crate) const OBJ_L1: u8 = 0xEA;
pub(crate) const OBJ_L2: u8 = 0xEB;
pub(crate) const OBJ_L4: u8 = 0xEC;
pub(crate) const OBJ_LC1: u8 = 0xED;
pub(crate) const OBJ_LC2: u8 = 0xEE;
pub(crate) const OBJ_LC4: u8 = 0xEF;

// ── 0xF0..0xF4: arrays of numbers of one type, the type marker written once ────────────────
/// Item type marker, 1-byte count, then the items without their markers.
pub(crate) const ARR_NUM_C1: u8 = 0xF0;
/// The same with a 2-byte count.
pub(crate) const ARR_NUM_C2: u8 = 0xF1;
/// An array of equally long number arrays: `ARR_NUM_C1`, item type, inner count, outer count
/// (1 byte each), then the numbers.
pub(crate) const ARR_ARR_NUM_C1C1: u8 = 0xF2;
/// The same with `ARR_NUM_C2` and 2-byte counts.
pub(crate) const ARR_ARR_NUM_C2C2: u8 = 0xF3;

#[cfg(test)]
mod tests {
    use super::*;

    /// The families tile the byte space as the crate's table says, so a typo in one constant
    /// shows here rather than as a mis-decoded body.
    #[test]
    fn families_are_contiguous_and_sized_as_documented() {
        assert_eq!(LITERAL_INT_END - LITERAL_INT_START, 32);
        assert_eq!(LITERAL_INT_END, SYSTEM_STRING_START);
        assert_eq!(SYSTEM_STRING_END - SYSTEM_STRING_START, 32);
        assert_eq!(SYSTEM_STRING_END, USER_STRING_1_START);
        assert_eq!(USER_STRING_1_END, USER_STRING_2_START);
        assert_eq!(USER_STRING_2_END - USER_STRING_2_START, 8);
        assert_eq!(SHORT_STRING_END - SHORT_STRING_START, 64);
        assert_eq!(SHORT_STRING_END, STR_L1);
        assert_eq!(crate::PREAMBLE, SHORT_STRING_START);
        // Each `LC` marker sits three above its `L` twin, for arrays and objects alike.
        for (l, lc) in [
            (ARR_L1, ARR_LC1),
            (ARR_L4, ARR_LC4),
            (OBJ_L1, OBJ_LC1),
            (OBJ_L4, OBJ_LC4),
        ] {
            assert_eq!(lc - l, 3);
        }
    }
}

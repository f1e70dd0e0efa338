//! # cosmolab-binary-json — the Cosmos DB binary JSON format
//!
//! Cosmos DB carries a document either as UTF-8 JSON text or in its own *binary JSON*: the same
//! values as bytes, each value starting with a one-byte *type marker*, lengths written ahead
//! instead of found by scanning. This crate reads that format into a [`serde_json::Value`] and
//! writes a `Value` back out in it.
//!
//! ## Why cosmolab needs it
//!
//! The official Rust SDK, `azure_data_cosmos` 1.0, turns binary encoding on by default. Its
//! create, replace and upsert requests carry the item in binary while the `Content-Type` stays
//! `application/json`: the body's first byte, `0x80`, is the only sign. No JSON text starts with
//! `0x80` (in UTF-8 it can only continue a character), so [`is_binary`] tells the two apart with
//! no header to trust. The SDK also sends `x-ms-cosmos-supported-serialization-formats:
//! CosmosBinary` on point operations (`JsonText,CosmosBinary` on queries) to ask for binary
//! answers. Microsoft's new emulator cannot read these bodies. Ours reads them with
//! [`decode`](fn@decode) and, when the client asks, answers with [`encode`](fn@encode).
//!
//! ## How a buffer is laid out
//!
//! A buffer is the preamble `0x80`, then exactly one value. Lengths, counts and numbers are
//! little-endian; `(1|2|4)` is the width in bytes of a field, chosen by the marker.
//!
//! ```text
//!  marker   value                         after the marker
//!  ───────  ────────────────────────────  ─────────────────────────────────────────────────
//!  00..20   integer 0..=31                nothing: the marker is the value
//!  20..40   system string ("id", "_etag") nothing: index into a fixed table of 32
//!  40..68   user string                   (60..68: 1 more byte) index into a dictionary that
//!                                         is not in the buffer
//!  71..75   base64 string, std | URL-safe group count (1|2), padding byte, the decoded bytes
//!  75..78   GUID string: lower|upper|"…"  16 bytes, two hex digits per byte
//!  78..7B   hex lower|upper, date-time    length (1), two 4-bit characters per byte
//!  7B..7E   4-, 5-, 6-bit packed ASCII    length (1), base character, the packed codes
//!  7E, 7F   7-bit packed ASCII            length (1|2), the packed codes
//!  80..C0   string of 0..=63 bytes        UTF-8 (length = marker - 0x80)
//!  C0..C3   string                        length (1|2|4), UTF-8
//!  C3..C7   reference string              offset (1|2|3|4) of an earlier string
//!  C7..CD   number: u64 u8 i16 i32 i64 f64   the value (8|1|2|4|8|8 bytes)
//!  CD..D0   float32, float64, float16     the value (4|8|2)
//!  D0..D3   null, false, true             nothing
//!  D3       GUID value                    16 bytes in .NET `Guid` order
//!  D7..DD   typed u8 i8 i16 i32 i64 u32   the value (1|1|2|4|8|4)
//!  DD..E0   binary                        length (1|2|4), the bytes
//!  E0, E1   [ ], [x]                      nothing | the one item
//!  E2..E8   array                         byte length (1|2|4) [E5..: then count], items
//!  E8, E9   { }, {k: v}                   nothing | one key and its value
//!  EA..F0   object                        byte length (1|2|4) [ED..: then count], key, value…
//!  F0..F4   uniform number arrays         item type, count(s), numbers without markers
//!  others   unassigned                    rejected
//! ```
//!
//! ## What `decode` makes of it
//!
//! Every form above becomes the JSON a text body would have held. Integers stay integers and
//! floats stay `f64` (`3.0` is not turned into `3`); typed numbers and float16 are numbers too.
//! GUID values and binary values, which JSON lacks, become strings (lowercase GUID text, base64),
//! as in the official Rust SDK. Reference strings are resolved: the offset counts from the
//! preamble, and must point back to an ordinary string. Two things cannot be decoded and are
//! errors: user strings, whose dictionary is agreed outside the buffer and never sent with a
//! body; and NaN or infinity, which JSON has no way to write.
//!
//! [`encode`](fn@encode) writes the plain subset shown in its documentation: literal and `Number*`
//! integers, doubles, UTF-8 strings, `Arr0`/`Obj0` and byte-length containers.
//!
//! ## Limits
//!
//! The decoder takes any bytes without panicking, and without spending more than the input
//! justifies: lengths are checked against the bytes that are left before anything is allocated,
//! arrays and objects nest at most 128 deep, and reference strings together may add at most
//! 16 MiB of text the input does not itself contain. Errors say what went wrong at which byte;
//! see [`DecodeError`].
//!
//! ## Modules
//!
//! `markers` holds the wire constants and `system_strings` the dictionary: both are format
//! facts. `decode` reads with a bounds-checked `cursor`, helped by `numbers` and `string_forms`;
//! `encode` writes.
//!
//! ## Example
//!
//! ```
//! use cosmolab_binary_json::{decode, encode, is_binary};
//!
//! let item = serde_json::json!({
//!     "id": "order-1",
//!     "lines": [{"sku": "A-7", "qty": 2}],
//!     "paid": 12.5,
//! });
//! let body = encode(&item);
//! assert!(is_binary(&body));
//! assert!(!is_binary(br#"{"id":"order-1"}"#));
//! assert_eq!(decode(&body)?, item);
//! # Ok::<(), cosmolab_binary_json::DecodeError>(())
//! ```

mod cursor;
mod decode;
mod encode;
mod error;
mod markers;
mod numbers;
mod string_forms;
mod system_strings;

pub use decode::decode;
pub use encode::encode;
pub use error::DecodeError;

/// First byte of every binary buffer.
///
/// It doubles as the marker of the empty string; a decoder reads it as the preamble because it
/// comes first.
pub const PREAMBLE: u8 = 0x80;

/// Whether `bytes` is a binary JSON buffer rather than JSON text: its first byte is
/// [`PREAMBLE`].
///
/// This is the whole test the service applies. It needs no header, which matters because the
/// official SDKs send binary bodies as `application/json`.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.first() == Some(&PREAMBLE)
}

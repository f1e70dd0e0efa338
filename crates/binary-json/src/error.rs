//! Why a buffer could not be decoded, and where.

/// A buffer that is not valid Cosmos binary JSON, or holds something JSON cannot express.
///
/// Every variant with a position carries `offset`: the index of the offending byte in the whole
/// buffer, the preamble being byte 0 (the same numbering reference strings use). The message
/// names what was being read, so a learner with a hex dump can find the spot:
/// `unexpected end of input at byte 17 (string of 40 bytes, 12 left)`.
///
/// The emulator answers any of these with `400 Bad Request` and the message; it does not try to
/// salvage part of a body. A service that stored bodies would also log the offset and a hash of
/// the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The buffer has no bytes at all.
    #[error("empty input: a binary JSON buffer starts with the preamble byte 0x80")]
    Empty,

    /// The first byte is not the preamble, so the buffer is not binary JSON (text JSON, say).
    #[error("not binary JSON: byte 0 is {found:#04x}, not the preamble 0x80")]
    MissingPreamble {
        /// The first byte of the buffer.
        found: u8,
    },

    /// The buffer ends before the value does; also a length prefix larger than what is left.
    #[error(
        "unexpected end of input at byte {offset} ({what} of {needed} bytes, {available} left)"
    )]
    UnexpectedEnd {
        /// Where the missing bytes should have started.
        offset: usize,
        /// What was being read: `"string"`, `"int32"`, `"array body"`…
        what: &'static str,
        /// How many bytes it needed.
        needed: usize,
        /// How many bytes the buffer still had.
        available: usize,
    },

    /// A byte in marker position that no value form uses.
    #[error("unknown type marker {marker:#04x} at byte {offset}")]
    UnknownMarker {
        /// Position of the marker.
        offset: usize,
        /// The marker.
        marker: u8,
    },

    /// A whole value was read but bytes remain: the buffer holds exactly one value.
    #[error("{count} trailing byte(s) at byte {offset}, after the end of the value")]
    TrailingBytes {
        /// Where the extra bytes start.
        offset: usize,
        /// How many there are.
        count: usize,
    },

    /// Arrays and objects nested more than 128 levels deep (the top-level value is level 0).
    #[error("nesting deeper than {limit} levels at byte {offset}")]
    TooDeep {
        /// Position of the container that went one level too deep.
        offset: usize,
        /// The limit.
        limit: usize,
    },

    /// An object member whose key is a number, a container, a GUID value… JSON keys are strings.
    #[error("object key at byte {offset} is not a string (type marker {marker:#04x})")]
    NonStringKey {
        /// Position of the key.
        offset: usize,
        /// Its marker.
        marker: u8,
    },

    /// A NaN or an infinity, which a JSON number cannot be.
    #[error("{kind} at byte {offset} is NaN or infinite, which JSON cannot represent")]
    NonFiniteNumber {
        /// Position of the number's marker.
        offset: usize,
        /// Its width: `"double"`, `"float32"`, `"float16"`…
        kind: &'static str,
    },

    /// String bytes that are not UTF-8.
    #[error("string at byte {offset} is not valid UTF-8")]
    InvalidUtf8 {
        /// Position of the string's marker.
        offset: usize,
    },

    /// A user string: an index into a dictionary the two ends agree on outside the buffer. A
    /// request body never comes with that dictionary, so the text cannot be recovered.
    #[error(
        "user string #{id} at byte {offset} refers to a string dictionary that is not part of \
         the buffer"
    )]
    UserString {
        /// Position of the marker.
        offset: usize,
        /// The dictionary index.
        id: usize,
    },

    /// A reference string whose target is not an earlier, ordinary string of the buffer.
    #[error("reference string at byte {offset} points to byte {target}, {reason}")]
    BadReference {
        /// Position of the reference.
        offset: usize,
        /// The byte it points to.
        target: usize,
        /// What is wrong with the target.
        reason: &'static str,
    },

    /// Reference strings and empty nested number arrays cost a few bytes each but can repeat
    /// large text; past a budget the buffer is treated as an attack, not a document.
    #[error(
        "value at byte {offset} would grow the document past {limit} bytes of text the input \
         does not contain (reference strings, empty number arrays)"
    )]
    ExpansionLimit {
        /// Position of the value that went over the budget.
        offset: usize,
        /// The budget.
        limit: usize,
    },

    /// A value whose parts disagree: a count that does not match the items, an item that runs
    /// past its container, bad padding in a packed string…
    #[error("malformed value at byte {offset}: {detail}")]
    Malformed {
        /// Position of the value (its marker).
        offset: usize,
        /// What does not add up.
        detail: String,
    },
}

//! Binary JSON → [`serde_json::Value`].
//!
//! [`decode`] checks the preamble, reads one value, and insists that nothing follows it. Reading a
//! value is reading its marker and dispatching on it, in three steps:
//!
//! 1. every string form (plain, dictionary, reference, packed…) in [`Decoder::string`], which is
//!    also how object keys are read, since a key must be a string;
//! 2. every fixed-width number through [`NumberForm`];
//! 3. the rest: literals, GUID and binary values, and the containers, which call back into
//!    [`Decoder::value`] one level deeper.
//!
//! The input is assumed hostile. Lengths are checked against what is left before anything is
//! allocated (see [`Cursor`]), nesting stops at [`MAX_DEPTH`], and the two forms that let a few
//! bytes stand for many (reference strings and empty number arrays) draw on a budget of
//! [`EXPANSION_LIMIT`] bytes. What remains is linear: each decoded node costs at least one input
//! byte.

use serde_json::{Map, Number, Value};

use crate::cursor::Cursor;
// The dispatch names nearly every marker. (A misspelt name in a pattern would bind anything;
// the compiler reports such a binding as an unused variable and an unreachable arm.)
use crate::markers::*;
use crate::numbers::{NumberForm, half_to_f64};
use crate::string_forms::{
    Base64Padding, DATE_TIME, LOWER_HEX, UPPER_HEX, base64_text, binary_as_base64, guid_string,
    guid_value, packed_string, table_string,
};
use crate::system_strings::system_string;
use crate::{DecodeError, PREAMBLE};

/// How many arrays and objects may enclose one another.
///
/// The decoder recurses once per level, so the limit bounds its stack. 128 is also the default
/// limit of `serde_json`, so every value we decode can be turned into text JSON and parsed back.
pub(crate) const MAX_DEPTH: usize = 128;

/// How many bytes of text the decoded document may hold beyond what the input carries.
///
/// A reference string costs 2 to 5 bytes and repeats a string of any length, so a 1 MB body of
/// references to one 500 KB string would decode to over 100 GB. A Cosmos item is at most 2 MB,
/// so 16 MiB of repeated text is more than a genuine document needs and far less than an attack
/// wants. Empty arrays inside an array of number arrays are charged 2 bytes each (`[]`).
pub(crate) const EXPANSION_LIMIT: usize = 16 * 1024 * 1024;

/// Decodes a whole Cosmos binary JSON buffer.
///
/// The buffer must start with [`PREAMBLE`] and hold exactly one value. Numbers
/// keep their kind: integers become integer [`Number`]s (`u64` above `i64::MAX`), floats stay
/// `f64` even when integral, so `3.0` decodes as `3.0`, not `3`. Duplicate keys keep the last
/// value, as [`serde_json`] does for text.
///
/// # Errors
///
/// A [`DecodeError`] saying what is wrong and at which byte: a missing preamble, a value cut
/// short, an unknown marker, nesting deeper than 128, a non-string key, a NaN or infinity,
/// invalid UTF-8, a user string, a bad reference, or bytes after the value.
///
/// # Example
///
/// ```
/// // `{"id":"a1","n":3}`, as the official Rust SDK writes it.
/// let body = [0x80, 0xED, 0x09, 0x02, 0x82, b'i', b'd', 0x82, b'a', b'1', 0x81, b'n', 0x03];
/// let value = cosmolab_binary_json::decode(&body)?;
/// assert_eq!(value, serde_json::json!({"id": "a1", "n": 3}));
/// # Ok::<(), cosmolab_binary_json::DecodeError>(())
/// ```
pub fn decode(bytes: &[u8]) -> Result<Value, DecodeError> {
    match bytes.first() {
        None => return Err(DecodeError::Empty),
        Some(&found) if found != PREAMBLE => return Err(DecodeError::MissingPreamble { found }),
        Some(_) => {}
    }
    let mut decoder = Decoder {
        cursor: Cursor::new(bytes, 1),
        expansion_left: EXPANSION_LIMIT,
    };
    let value = decoder.value(0)?;
    match decoder.cursor.remaining() {
        0 => Ok(value),
        count => Err(DecodeError::TrailingBytes {
            offset: decoder.cursor.pos(),
            count,
        }),
    }
}

/// The state of one decode: where we are, and how much expansion is left.
struct Decoder<'a> {
    cursor: Cursor<'a>,
    expansion_left: usize,
}

/// What a length-prefixed array or object declared about itself.
struct Frame {
    /// Where its body ends: the position after its last byte.
    end: usize,
    /// The body's length in bytes, for messages.
    length: usize,
    /// The number of items or members, for the `LC` forms.
    count: Option<usize>,
}

impl Decoder<'_> {
    /// Reads one value at `depth` (the number of containers around it).
    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let offset = self.cursor.pos();
        let marker = self.cursor.byte("type marker")?;
        if let Some(text) = self.string(marker, offset)? {
            return Ok(Value::String(text));
        }
        if let Some(form) = NumberForm::of_marker(marker) {
            return self.number(form, offset);
        }
        match marker {
            LITERAL_INT_START..LITERAL_INT_END => Ok(Value::from(marker)),
            NULL => Ok(Value::Null),
            FALSE => Ok(Value::Bool(false)),
            TRUE => Ok(Value::Bool(true)),
            GUID => Ok(Value::String(guid_value(&self.cursor.array("GUID")?))),
            BINARY_L1 | BINARY_L2 | BINARY_L4 => {
                let width = match marker {
                    BINARY_L1 => 1,
                    BINARY_L2 => 2,
                    _ => 4,
                };
                let length = self.cursor.uint(width, "binary length")?;
                let raw = self.cursor.take(length, "binary data")?;
                Ok(Value::String(binary_as_base64(raw)))
            }
            ARR0 => {
                self.enter(depth, offset)?;
                Ok(Value::Array(Vec::new()))
            }
            ARR1 => {
                // One item and no length: the item simply follows.
                let depth = self.enter(depth, offset)?;
                Ok(Value::Array(vec![self.value(depth)?]))
            }
            ARR_L1 | ARR_L2 | ARR_L4 | ARR_LC1 | ARR_LC2 | ARR_LC4 => {
                self.array(marker, depth, offset)
            }
            OBJ0 => {
                self.enter(depth, offset)?;
                Ok(Value::Object(Map::new()))
            }
            OBJ1 => {
                let depth = self.enter(depth, offset)?;
                let (key, value) = self.member(depth)?;
                Ok(Value::Object(Map::from_iter([(key, value)])))
            }
            OBJ_L1 | OBJ_L2 | OBJ_L4 | OBJ_LC1 | OBJ_LC2 | OBJ_LC4 => {
                self.object(marker, depth, offset)
            }
            ARR_NUM_C1 | ARR_NUM_C2 => self.number_array(marker, depth, offset),
            ARR_ARR_NUM_C1C1 | ARR_ARR_NUM_C2C2 => self.number_arrays(marker, depth, offset),
            _ => Err(DecodeError::UnknownMarker { offset, marker }),
        }
    }

    /// Goes one container deeper, or refuses to.
    fn enter(&self, depth: usize, offset: usize) -> Result<usize, DecodeError> {
        let inner = depth + 1;
        if inner > MAX_DEPTH {
            return Err(DecodeError::TooDeep {
                offset,
                limit: MAX_DEPTH,
            });
        }
        Ok(inner)
    }

    /// Charges `bytes` of text that the input does not carry to the expansion budget.
    fn expand(&mut self, bytes: usize, offset: usize) -> Result<(), DecodeError> {
        self.expansion_left =
            self.expansion_left
                .checked_sub(bytes)
                .ok_or(DecodeError::ExpansionLimit {
                    offset,
                    limit: EXPANSION_LIMIT,
                })?;
        Ok(())
    }

    // ── strings ──────────────────────────────────────────────────────────────────────────────

    /// Reads the rest of a string whose marker has been read, or returns `None` if `marker` is
    /// not a string form (the caller then tries the other forms, or refuses a non-string key).
    fn string(&mut self, marker: u8, offset: usize) -> Result<Option<String>, DecodeError> {
        let text = match marker {
            SYSTEM_STRING_START..SYSTEM_STRING_END => {
                return Ok(system_string(marker).map(str::to_owned));
            }
            USER_STRING_1_START..USER_STRING_1_END => {
                let id = usize::from(marker - USER_STRING_1_START);
                return Err(DecodeError::UserString { offset, id });
            }
            USER_STRING_2_START..USER_STRING_2_END => {
                // The 2-byte form continues where the 32 one-byte ids stop.
                let low = usize::from(self.cursor.byte("user string index")?);
                let high = usize::from(marker - USER_STRING_2_START);
                let id = 32 + low + 256 * high;
                return Err(DecodeError::UserString { offset, id });
            }
            SHORT_STRING_START..SHORT_STRING_END => {
                self.utf8(usize::from(marker - SHORT_STRING_START), offset)?
            }
            STR_L1 | STR_L2 | STR_L4 => {
                let width = match marker {
                    STR_L1 => 1,
                    STR_L2 => 2,
                    _ => 4,
                };
                let length = self.cursor.uint(width, "string length")?;
                self.utf8(length, offset)?
            }
            STR_R1 | STR_R2 | STR_R3 | STR_R4 => {
                let width = match marker {
                    STR_R1 => 1,
                    STR_R2 => 2,
                    STR_R3 => 3,
                    _ => 4,
                };
                let target = self.cursor.uint(width, "reference offset")?;
                self.reference(target, offset)?
            }
            GUID_STRING_LOWER => guid_string(&self.cursor.array("GUID string")?, LOWER_HEX, false),
            GUID_STRING_UPPER => guid_string(&self.cursor.array("GUID string")?, UPPER_HEX, false),
            GUID_STRING_QUOTED => guid_string(&self.cursor.array("GUID string")?, LOWER_HEX, true),
            BASE64_L1 | BASE64_L2 | BASE64_URL_L1 | BASE64_URL_L2 => self.base64(marker, offset)?,
            HEX_LOWER_STRING | HEX_UPPER_STRING | DATE_TIME_STRING => {
                let table = match marker {
                    HEX_LOWER_STRING => LOWER_HEX,
                    HEX_UPPER_STRING => UPPER_HEX,
                    _ => DATE_TIME,
                };
                let length = usize::from(self.cursor.byte("string length")?);
                let packed = self.cursor.take(length.div_ceil(2), "4-bit string")?;
                table_string(packed, length, table).map_err(|detail| malformed(offset, detail))?
            }
            PACKED_4BIT_STRING | PACKED_5BIT_STRING | PACKED_6BIT_STRING => {
                let bits = match marker {
                    PACKED_4BIT_STRING => 4,
                    PACKED_5BIT_STRING => 5,
                    _ => 6,
                };
                let length = usize::from(self.cursor.byte("string length")?);
                let base = self.cursor.byte("base character")?;
                self.packed(length, bits, base, offset)?
            }
            PACKED_7BIT_STRING_L1 | PACKED_7BIT_STRING_L2 => {
                let width = if marker == PACKED_7BIT_STRING_L1 {
                    1
                } else {
                    2
                };
                let length = self.cursor.uint(width, "string length")?;
                self.packed(length, 7, 0, offset)?
            }
            _ => return Ok(None),
        };
        Ok(Some(text))
    }

    /// A UTF-8 string of `length` bytes.
    fn utf8(&mut self, length: usize, offset: usize) -> Result<String, DecodeError> {
        let bytes = self.cursor.take(length, "string")?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8 { offset })
    }

    /// A packed string of `length` characters of `bits` bits each.
    fn packed(
        &mut self,
        length: usize,
        bits: u32,
        base: u8,
        offset: usize,
    ) -> Result<String, DecodeError> {
        // `length` is at most 65535 and `bits` at most 7: no overflow.
        let packed_bytes = (length * bits as usize).div_ceil(8);
        let packed = self.cursor.take(packed_bytes, "packed string")?;
        packed_string(packed, length, bits, base).map_err(|detail| malformed(offset, detail))
    }

    /// A base64 string: a group count (four characters each), a padding byte, the raw bytes.
    fn base64(&mut self, marker: u8, offset: usize) -> Result<String, DecodeError> {
        let (width, url_safe) = match marker {
            BASE64_L1 => (1, false),
            BASE64_L2 => (2, false),
            BASE64_URL_L1 => (1, true),
            _ => (2, true),
        };
        let groups = self.cursor.uint(width, "base64 group count")?;
        // The writer records how the text ended: 0 to 2 for the `=` it kept, or the bitwise
        // complement of the number it dropped (0xFF, 0xFE, 0xFD).
        let (padding, equals) = match self.cursor.byte("base64 padding")? {
            kept @ 0..=2 => (Base64Padding::Kept, usize::from(kept)),
            dropped @ 0xFD..=0xFF => (Base64Padding::Dropped, usize::from(!dropped)),
            other => {
                return Err(malformed(
                    offset,
                    format!("base64 padding byte {other:#04x} is neither 0-2 nor 0xFD-0xFF"),
                ));
            }
        };
        // Each group of four characters is three bytes, less one per `=`.
        let raw_length = (groups * 4)
            .checked_sub(equals)
            .map(|characters| characters * 3 / 4)
            .ok_or_else(|| malformed(offset, "base64 padding on an empty string"))?;
        let raw = self.cursor.take(raw_length, "base64 bytes")?;
        Ok(base64_text(raw, url_safe, padding))
    }

    /// A reference string: the text of the string whose marker is at byte `target`.
    ///
    /// The offset counts from the start of the whole buffer, preamble included (as in the .NET
    /// writer's own tests). The target must come before the reference and be a string that is
    /// not itself a reference: a writer only refers back to strings it has already written, and
    /// forbidding chains means a reference resolves in one step, with no cycles to guard against.
    fn reference(&mut self, target: usize, offset: usize) -> Result<String, DecodeError> {
        let bad = |reason| DecodeError::BadReference {
            offset,
            target,
            reason,
        };
        if target == 0 {
            return Err(bad("the preamble, not a string"));
        }
        if target >= offset {
            return Err(bad("which is not before the reference"));
        }
        let buffer = self.cursor.buffer();
        let &marker = buffer.get(target).ok_or(bad("outside the buffer"))?;
        if matches!(marker, STR_R1..=STR_R4) {
            return Err(bad("another reference; references do not chain"));
        }
        let mut at_target = Decoder {
            cursor: Cursor::new(buffer, target + 1),
            expansion_left: 0,
        };
        let text = at_target
            .string(marker, target)?
            .ok_or(bad("which is not a string"))?;
        self.expand(text.len(), offset)?;
        Ok(text)
    }

    // ── numbers ──────────────────────────────────────────────────────────────────────────────

    /// The payload of a number of the given form.
    fn number(&mut self, form: NumberForm, offset: usize) -> Result<Value, DecodeError> {
        let what = form.name();
        let cursor = &mut self.cursor;
        let float = match form {
            NumberForm::U8 => return Ok(Value::from(cursor.byte(what)?)),
            NumberForm::I8 => return Ok(Value::from(i8::from_le_bytes(cursor.array(what)?))),
            NumberForm::I16 => return Ok(Value::from(i16::from_le_bytes(cursor.array(what)?))),
            NumberForm::I32 => return Ok(Value::from(i32::from_le_bytes(cursor.array(what)?))),
            NumberForm::U32 => return Ok(Value::from(u32::from_le_bytes(cursor.array(what)?))),
            NumberForm::I64 => return Ok(Value::from(i64::from_le_bytes(cursor.array(what)?))),
            NumberForm::U64 => return Ok(Value::from(u64::from_le_bytes(cursor.array(what)?))),
            NumberForm::F16 => half_to_f64(u16::from_le_bytes(cursor.array(what)?)),
            NumberForm::F32 => f64::from(f32::from_le_bytes(cursor.array(what)?)),
            NumberForm::F64 => f64::from_le_bytes(cursor.array(what)?),
        };
        // `Value::from(f64)` would quietly turn NaN into null; a body that says NaN is refused.
        Number::from_f64(float)
            .map(Value::Number)
            .ok_or(DecodeError::NonFiniteNumber { offset, kind: what })
    }

    /// The item type of a uniform number array.
    fn uniform_item_form(&mut self) -> Result<NumberForm, DecodeError> {
        let offset = self.cursor.pos();
        let marker = self.cursor.byte("number array item type")?;
        NumberForm::of_uniform_item(marker).ok_or_else(|| {
            malformed(
                offset,
                format!("{marker:#04x} is not a number type a uniform array can hold"),
            )
        })
    }

    /// `count` bare numbers of one form, all checked to be present before any is read.
    fn numbers(
        &mut self,
        form: NumberForm,
        count: usize,
        offset: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let size = count.saturating_mul(form.width());
        self.cursor.ensure(size, "number array items")?;
        (0..count).map(|_| self.number(form, offset)).collect()
    }

    /// `ARR_NUM_C1`/`C2`: item type, count, the numbers.
    fn number_array(
        &mut self,
        marker: u8,
        depth: usize,
        offset: usize,
    ) -> Result<Value, DecodeError> {
        self.enter(depth, offset)?;
        let form = self.uniform_item_form()?;
        let width = if marker == ARR_NUM_C1 { 1 } else { 2 };
        let count = self.cursor.uint(width, "number array count")?;
        Ok(Value::Array(self.numbers(form, count, offset)?))
    }

    /// `ARR_ARR_NUM_C1C1`/`C2C2`: the inner arrays' marker and item type, the inner count, the
    /// outer count, then the numbers, inner array after inner array.
    fn number_arrays(
        &mut self,
        marker: u8,
        depth: usize,
        offset: usize,
    ) -> Result<Value, DecodeError> {
        let depth = self.enter(depth, offset)?;
        self.enter(depth, offset)?;
        let (inner_marker, width) = if marker == ARR_ARR_NUM_C1C1 {
            (ARR_NUM_C1, 1)
        } else {
            (ARR_NUM_C2, 2)
        };
        let found = self.cursor.byte("inner array marker")?;
        if found != inner_marker {
            return Err(malformed(
                offset,
                format!(
                    "an array of number arrays holds {inner_marker:#04x} arrays, not {found:#04x}"
                ),
            ));
        }
        let form = self.uniform_item_form()?;
        let inner_count = self.cursor.uint(width, "inner array count")?;
        let outer_count = self.cursor.uint(width, "outer array count")?;
        if inner_count == 0 {
            // Empty inner arrays take no bytes at all: pay for them from the budget.
            self.expand(outer_count.saturating_mul(2), offset)?;
        } else {
            let size = outer_count
                .saturating_mul(inner_count)
                .saturating_mul(form.width());
            self.cursor.ensure(size, "number array items")?;
        }
        (0..outer_count)
            .map(|_| Ok(Value::Array(self.numbers(form, inner_count, offset)?)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    }

    // ── containers ───────────────────────────────────────────────────────────────────────────

    /// Reads the length (and, for `LC` forms, the count) after a container marker.
    fn frame(&mut self, marker: u8, body: &'static str) -> Result<Frame, DecodeError> {
        let (width, counted) = match marker {
            ARR_L1 | OBJ_L1 => (1, false),
            ARR_L2 | OBJ_L2 => (2, false),
            ARR_L4 | OBJ_L4 => (4, false),
            ARR_LC1 | OBJ_LC1 => (1, true),
            ARR_LC2 | OBJ_LC2 => (2, true),
            _ => (4, true),
        };
        let length = self.cursor.uint(width, "container length")?;
        let count = if counted {
            Some(self.cursor.uint(width, "container count")?)
        } else {
            None
        };
        // The body must be there in full before we start on it.
        self.cursor.ensure(length, body)?;
        Ok(Frame {
            end: self.cursor.pos() + length,
            length,
            count,
        })
    }

    /// Checks, after each item, that the item stayed inside its container's body. (An item may
    /// read past it, into bytes that belong to whatever follows; this is where that is caught.)
    fn check_inside(&self, frame: &Frame, offset: usize, kind: &str) -> Result<(), DecodeError> {
        if self.cursor.pos() > frame.end {
            return Err(malformed(
                offset,
                format!(
                    "an item runs past the end of the {kind}'s {} bytes",
                    frame.length
                ),
            ));
        }
        Ok(())
    }

    /// Checks the number of items against an `LC` form's declared count.
    fn check_count(
        frame: &Frame,
        found: usize,
        offset: usize,
        kind: &str,
    ) -> Result<(), DecodeError> {
        match frame.count {
            Some(declared) if declared != found => Err(malformed(
                offset,
                format!("the {kind} declares {declared} items but its body holds {found}"),
            )),
            _ => Ok(()),
        }
    }

    /// An array with a byte length (and perhaps a count): items until the length is used up.
    fn array(&mut self, marker: u8, depth: usize, offset: usize) -> Result<Value, DecodeError> {
        let depth = self.enter(depth, offset)?;
        let frame = self.frame(marker, "array body")?;
        let mut items = Vec::new();
        while self.cursor.pos() < frame.end {
            items.push(self.value(depth)?);
            self.check_inside(&frame, offset, "array")?;
        }
        Self::check_count(&frame, items.len(), offset, "array")?;
        Ok(Value::Array(items))
    }

    /// An object with a byte length (and perhaps a count): key-value pairs until it is used up.
    fn object(&mut self, marker: u8, depth: usize, offset: usize) -> Result<Value, DecodeError> {
        let depth = self.enter(depth, offset)?;
        let frame = self.frame(marker, "object body")?;
        let mut members = Map::new();
        // Counted separately: a repeated key is one entry of the map but two members on the wire.
        let mut found = 0;
        while self.cursor.pos() < frame.end {
            let (key, value) = self.member(depth)?;
            self.check_inside(&frame, offset, "object")?;
            members.insert(key, value);
            found += 1;
        }
        Self::check_count(&frame, found, offset, "object")?;
        Ok(Value::Object(members))
    }

    /// One object member: a string key, then any value.
    fn member(&mut self, depth: usize) -> Result<(String, Value), DecodeError> {
        let offset = self.cursor.pos();
        let marker = self.cursor.byte("object key")?;
        let key = self
            .string(marker, offset)?
            .ok_or(DecodeError::NonStringKey { offset, marker })?;
        Ok((key, self.value(depth)?))
    }
}

/// A [`DecodeError::Malformed`] at `offset`.
fn malformed(offset: usize, detail: impl Into<String>) -> DecodeError {
    DecodeError::Malformed {
        offset,
        detail: detail.into(),
    }
}

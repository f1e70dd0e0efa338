//! A read position in the buffer that checks every length before it moves.
//!
//! All of the decoder's reads go through [`Cursor`], and a cursor only hands out slices of the
//! buffer it was given. So a length prefix of four billion costs nothing: it is compared with the
//! bytes that are left, found wanting, and reported, before anything is allocated.

use crate::DecodeError;

/// The buffer and the position of the next byte to read.
///
/// Positions are indexes into the whole buffer, preamble included, so that errors and reference
/// strings number bytes the same way.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor on `bytes`, about to read byte `pos`.
    pub(crate) fn new(bytes: &'a [u8], pos: usize) -> Self {
        Self { bytes, pos }
    }

    /// The position of the next byte.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The whole buffer, for reading back an earlier string.
    pub(crate) fn buffer(&self) -> &'a [u8] {
        self.bytes
    }

    /// How many bytes are left after the position.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Fails unless `len` more bytes are there; does not move.
    pub(crate) fn ensure(&self, len: usize, what: &'static str) -> Result<(), DecodeError> {
        if len <= self.remaining() {
            Ok(())
        } else {
            Err(self.too_short(len, what))
        }
    }

    /// The next `len` bytes, borrowed from the buffer.
    pub(crate) fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let taken = rest.get(..len).ok_or_else(|| self.too_short(len, what))?;
        self.pos += len;
        Ok(taken)
    }

    /// The next byte.
    pub(crate) fn byte(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let [byte] = self.array::<1>(what)?;
        Ok(byte)
    }

    /// The next `N` bytes, copied: the payload of a fixed-width number or a GUID.
    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        let chunk = rest
            .first_chunk::<N>()
            .ok_or_else(|| self.too_short(N, what))?;
        self.pos += N;
        Ok(*chunk)
    }

    /// A little-endian unsigned field of `width` bytes (1 to 4): a length, a count or an offset.
    pub(crate) fn uint(&mut self, width: usize, what: &'static str) -> Result<usize, DecodeError> {
        let field = self.take(width, what)?;
        let value = field
            .iter()
            .rev()
            .fold(0_u64, |value, &byte| (value << 8) | u64::from(byte));
        // Only a 16-bit target could fail here; a length it cannot hold is longer than any
        // buffer it can hold, and is reported as such by the read that uses it.
        Ok(usize::try_from(value).unwrap_or(usize::MAX))
    }

    fn too_short(&self, needed: usize, what: &'static str) -> DecodeError {
        DecodeError::UnexpectedEnd {
            offset: self.pos,
            what,
            needed,
            available: self.remaining(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_fields_of_every_width() {
        let mut cursor = Cursor::new(
            &[0x01, 0x34, 0x12, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x01],
            0,
        );
        assert_eq!(cursor.uint(1, "one").unwrap(), 0x01);
        assert_eq!(cursor.uint(2, "two").unwrap(), 0x1234);
        assert_eq!(cursor.uint(3, "three").unwrap(), 0x12_3456);
        assert_eq!(cursor.uint(4, "four").unwrap(), 0x0100_0000);
        assert_eq!(cursor.remaining(), 0);
    }

    /// A failed read reports where it started and leaves the position alone.
    #[test]
    fn a_short_read_reports_and_does_not_move() {
        let mut cursor = Cursor::new(&[0x80, 0xC0, 40, b'a'], 3);
        let error = cursor.take(40, "string").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected end of input at byte 3 (string of 40 bytes, 1 left)"
        );
        assert_eq!(cursor.pos(), 3);
        assert!(cursor.array::<2>("int16").is_err());
        assert!(cursor.take(usize::MAX, "huge").is_err());
    }
}

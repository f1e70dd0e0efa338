//! The fixed-width number forms: which marker means which payload, and half-precision floats.
//!
//! The format has two families of sized numbers. The `Number*` markers (`0xC7..=0xCC`) are how
//! a writer stores a JSON number, in the narrowest form that holds it. The typed markers
//! (`0xCD..=0xCF` for floats, `0xD7..=0xDC` for integers) come from .NET's typed values and are
//! the item types of uniform number arrays. JSON has one kind of number, so both families decode
//! to a [`serde_json::Number`]: integers to integers, floats to `f64`.

use crate::markers::{
    FLOAT16, FLOAT32, FLOAT64, INT8, INT16, INT32, INT64, NUMBER_DOUBLE, NUMBER_INT16,
    NUMBER_INT32, NUMBER_INT64, NUMBER_UINT8, NUMBER_UINT64, UINT8, UINT32,
};

/// How the payload after a number marker is laid out. All payloads are little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumberForm {
    U8,
    I8,
    I16,
    I32,
    U32,
    I64,
    U64,
    F16,
    F32,
    F64,
}

impl NumberForm {
    /// The form of a number marker standing on its own, or `None` if `marker` is no number.
    pub(crate) fn of_marker(marker: u8) -> Option<Self> {
        Some(match marker {
            NUMBER_UINT8 | UINT8 => Self::U8,
            INT8 => Self::I8,
            NUMBER_INT16 | INT16 => Self::I16,
            NUMBER_INT32 | INT32 => Self::I32,
            UINT32 => Self::U32,
            NUMBER_INT64 | INT64 => Self::I64,
            NUMBER_UINT64 => Self::U64,
            FLOAT16 => Self::F16,
            FLOAT32 => Self::F32,
            NUMBER_DOUBLE | FLOAT64 => Self::F64,
            _ => return None,
        })
    }

    /// The form of the items of a uniform number array, named by a typed marker; the `Number*`
    /// markers are not item types.
    pub(crate) fn of_uniform_item(marker: u8) -> Option<Self> {
        match marker {
            UINT8 | INT8 | INT16 | INT32 | UINT32 | INT64 | FLOAT16 | FLOAT32 | FLOAT64 => {
                Self::of_marker(marker)
            }
            _ => None,
        }
    }

    /// The payload size in bytes.
    pub(crate) fn width(self) -> usize {
        match self {
            Self::U8 | Self::I8 => 1,
            Self::I16 | Self::F16 => 2,
            Self::I32 | Self::U32 | Self::F32 => 4,
            Self::I64 | Self::U64 | Self::F64 => 8,
        }
    }

    /// The name used in error messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::U8 => "uint8",
            Self::I8 => "int8",
            Self::I16 => "int16",
            Self::I32 => "int32",
            Self::U32 => "uint32",
            Self::I64 => "int64",
            Self::U64 => "uint64",
            Self::F16 => "float16",
            Self::F32 => "float32",
            Self::F64 => "double",
        }
    }
}

/// An IEEE 754 half-precision float, widened exactly to `f64`.
///
/// Done by hand rather than with a crate: 1 sign bit, 5 exponent bits (bias 15), 10 fraction
/// bits. Every half is a small power of two times an integer below 2048, so `f64` holds each one
/// exactly.
pub(crate) fn half_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 == 0 { 1.0 } else { -1.0 };
    let exponent = i32::from((bits >> 10) & 0x1F);
    let fraction = f64::from(bits & 0x03FF);
    match exponent {
        // Zero and the subnormals: no implicit leading 1, and the exponent of the smallest normal.
        0 => sign * fraction * 2_f64.powi(-24),
        // All ones: infinity, or NaN when the fraction is not zero.
        0x1F if fraction == 0.0 => sign * f64::INFINITY,
        0x1F => f64::NAN,
        _ => sign * (1.0 + fraction / 1024.0) * 2_f64.powi(exponent - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_widen_exactly() {
        assert_eq!(half_to_f64(0x3C00), 1.0);
        assert_eq!(half_to_f64(0xC000), -2.0);
        assert_eq!(half_to_f64(0x3E00), 1.5);
        assert_eq!(half_to_f64(0x7BFF), 65504.0); // the largest half
        assert_eq!(half_to_f64(0x0400), 2_f64.powi(-14)); // the smallest normal
        assert_eq!(half_to_f64(0x0001), 2_f64.powi(-24)); // the smallest subnormal
        assert!(half_to_f64(0x8000).is_sign_negative() && half_to_f64(0x8000) == 0.0);
        assert_eq!(half_to_f64(0x7C00), f64::INFINITY);
        assert_eq!(half_to_f64(0xFC00), f64::NEG_INFINITY);
        assert!(half_to_f64(0x7E00).is_nan());
    }

    #[test]
    fn only_typed_markers_are_uniform_item_types() {
        assert_eq!(NumberForm::of_uniform_item(INT32), Some(NumberForm::I32));
        assert_eq!(NumberForm::of_uniform_item(NUMBER_INT32), None);
        assert_eq!(NumberForm::of_marker(NUMBER_INT32), Some(NumberForm::I32));
        assert_eq!(NumberForm::of_marker(0xD0), None);
    }
}

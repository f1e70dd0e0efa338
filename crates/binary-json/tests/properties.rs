//! Properties over generated input: every JSON value survives encode → decode, and no byte
//! string, random or a damaged encoding, makes the decoder panic.

use cosmolab_binary_json::{PREAMBLE, decode, encode};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Number, Value};

/// Strings of every length class: short (the `0x80 + length` form), past 64 bytes (`StrL1`)
/// and past 256 (`StrL2`), with any Unicode, control characters included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[a-z]{55,70}",
        2 => proptest::collection::vec(any::<char>(), 40..200).prop_map(String::from_iter),
        1 => "[ -~]{250,300}",
    ]
}

/// Any JSON value: every number kind `serde_json` has (i64, u64, finite f64), strings as above,
/// arrays and objects nested up to 10 levels.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("JSON numbers are finite", |float| {
            Number::from_f64(float).map(Value::Number)
        }),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(10, 128, 2, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..5)
                .prop_map(|members| Value::Object(Map::from_iter(members))),
        ]
    })
}

/// Whatever a buffer decodes to must itself survive a round trip: a decoder that accepts
/// something it cannot reproduce has misread it.
fn assert_decoded_value_round_trips(bytes: &[u8]) {
    if let Ok(value) = decode(bytes) {
        assert_eq!(decode(&encode(&value)).as_ref(), Ok(&value), "{bytes:02X?}");
    }
}

/// Bytes biased toward the markers that open structure (containers, references, packed and
/// uniform forms) and toward small numbers, which make plausible lengths.
fn structured_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => any::<u8>(),
        2 => 0_u8..8,
        2 => proptest::sample::select(vec![
            0xE1, 0xE2, 0xE5, 0xE9, 0xEA, 0xED, 0xC0, 0xC3, 0xC4, 0xC5, 0xC6, 0x7B, 0x7C, 0x7D,
            0x7E, 0x71, 0xF0, 0xF1, 0xF2, 0xF3, 0xD7, 0xDA, 0xCF, 0xCD, 0x82, 0x2C,
        ]),
    ];
    proptest::collection::vec(byte, 0..200)
}

/// How to damage an encoding.
#[derive(Clone, Debug)]
enum Damage {
    Overwrite(Index, u8),
    Insert(Index, u8),
    Remove(Index),
    Truncate(Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Damage::Overwrite(at, byte)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Damage::Insert(at, byte)),
        any::<Index>().prop_map(Damage::Remove),
        any::<Index>().prop_map(Damage::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every value decodes back to itself: same numbers of the same kind, same strings, same
    /// keys in the same order.
    #[test]
    fn encode_then_decode_is_the_identity(value in json()) {
        let bytes = encode(&value);
        prop_assert_eq!(bytes.first(), Some(&PREAMBLE));
        prop_assert_eq!(decode(&bytes), Ok(value));
    }

    /// No proper prefix of an encoding decodes: a cut body is always noticed.
    #[test]
    fn every_proper_prefix_is_refused(value in json(), cut in any::<Index>()) {
        let bytes = encode(&value);
        let end = cut.index(bytes.len());
        prop_assert!(decode(&bytes[..end]).is_err());
    }

    /// Random bytes, with and without a preamble in front: an error or a value, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        assert_decoded_value_round_trips(&bytes);
        let mut with_preamble = vec![PREAMBLE];
        with_preamble.extend(&bytes);
        assert_decoded_value_round_trips(&with_preamble);
    }

    /// The same with bytes that look more like the format.
    #[test]
    fn structured_bytes_never_panic(bytes in structured_bytes()) {
        let mut with_preamble = vec![PREAMBLE];
        with_preamble.extend(&bytes);
        assert_decoded_value_round_trips(&with_preamble);
    }

    /// A valid encoding damaged in a few places: never a panic.
    #[test]
    fn damaged_encodings_never_panic(
        value in json(),
        damages in proptest::collection::vec(damage(), 1..4),
    ) {
        let mut bytes = encode(&value);
        for damage in damages {
            match damage {
                Damage::Overwrite(at, byte) if !bytes.is_empty() => {
                    let at = at.index(bytes.len());
                    bytes[at] = byte;
                }
                Damage::Insert(at, byte) => {
                    let at = at.index(bytes.len() + 1);
                    bytes.insert(at, byte);
                }
                Damage::Remove(at) if !bytes.is_empty() => {
                    bytes.remove(at.index(bytes.len()));
                }
                Damage::Truncate(at) => bytes.truncate(at.index(bytes.len() + 1)),
                _ => {}
            }
        }
        assert_decoded_value_round_trips(&bytes);
    }
}

//! Malformed and hostile buffers: each is refused with an error that says what and where.
//!
//! The emulator passes these messages on to the client in a `400`, so each test checks the
//! message too, not only the variant: a learner should be able to find the bad byte from it.

mod support;

use cosmolab_binary_json::{DecodeError, decode, encode};
use serde_json::json;
use support::hex;

/// Decodes a buffer that must fail, and returns the error.
fn refuse(bytes: &[u8]) -> DecodeError {
    match decode(bytes) {
        Ok(value) => panic!("decoded {value} from {bytes:02X?}"),
        Err(error) => error,
    }
}

/// A buffer with nothing in it, or text JSON, is not binary JSON at all.
#[test]
fn no_preamble() {
    assert_eq!(refuse(b""), DecodeError::Empty);
    assert!(refuse(b"").to_string().contains("preamble byte 0x80"));

    let text = refuse(br#"{"id":"1"}"#);
    assert_eq!(text, DecodeError::MissingPreamble { found: b'{' });
    assert_eq!(
        text.to_string(),
        "not binary JSON: byte 0 is 0x7b, not the preamble 0x80"
    );
}

/// A value cut short reports where the missing bytes should start, what they were, and how
/// many were missing.
#[test]
fn truncated_input() {
    assert_eq!(
        refuse(&hex("80")).to_string(),
        "unexpected end of input at byte 1 (type marker of 1 bytes, 0 left)"
    );
    // A string of 40 bytes with 3 present.
    let error = refuse(&hex("80 C0 28 61 61 61"));
    assert_eq!(
        error,
        DecodeError::UnexpectedEnd {
            offset: 3,
            what: "string",
            needed: 40,
            available: 3
        }
    );
    assert_eq!(
        error.to_string(),
        "unexpected end of input at byte 3 (string of 40 bytes, 3 left)"
    );
    assert_eq!(
        refuse(&hex("80 CA 01 02")).to_string(),
        "unexpected end of input at byte 2 (int32 of 4 bytes, 2 left)"
    );
    assert!(matches!(
        refuse(&hex("80 75 01 02 03 04")),
        DecodeError::UnexpectedEnd {
            what: "GUID string",
            needed: 16,
            available: 4,
            ..
        }
    ));
}

/// Every proper prefix of a real document fails, none panics, and none is mistaken for a
/// shorter document.
#[test]
fn every_prefix_of_a_document_is_refused() {
    let document = json!({
        "id": "order-1", "lines": [{"sku": "A-7", "qty": 2, "price": 12.5}],
        "note": "x".repeat(300), "big": u64::MAX, "neg": -40000, "tags": [], "meta": {},
    });
    let bytes = encode(&document);
    for end in 0..bytes.len() {
        assert!(decode(&bytes[..end]).is_err(), "prefix of {end} bytes");
    }
    assert_eq!(decode(&bytes).unwrap(), document);
}

/// Lengths far beyond the buffer are compared with what is left, not allocated.
#[test]
fn huge_lengths_allocate_nothing() {
    let cases = [
        ("80 C2 FF FF FF FF", "string", 0xFFFF_FFFF),
        ("80 DF FF FF FF FF", "binary data", 0xFFFF_FFFF),
        ("80 E7 FF FF FF FF FF FF FF FF", "array body", 0xFFFF_FFFF),
        ("80 EC FF FF FF FF", "object body", 0xFFFF_FFFF),
        ("80 F1 DB FF FF", "number array items", 65535 * 8),
        (
            "80 F3 F1 DB FF FF FF FF",
            "number array items",
            65535 * 65535 * 8,
        ),
        (
            "80 7F FF FF",
            "packed string",
            (65535 * 7_usize).div_ceil(8),
        ),
        ("80 72 FF FF 00", "base64 bytes", 65535 * 3),
    ];
    for (binary, what, needed) in cases {
        match refuse(&hex(binary)) {
            DecodeError::UnexpectedEnd {
                what: found,
                needed: n,
                ..
            } => {
                assert_eq!((found, n), (what, needed), "{binary}");
            }
            other => panic!("{binary}: {other}"),
        }
    }
}

/// Bytes no value form uses, in marker position.
#[test]
fn unknown_markers() {
    let unassigned = (0x68..=0x70).chain(0xD4..=0xD6).chain(0xF4..=0xFF);
    for marker in unassigned {
        assert_eq!(
            refuse(&[0x80, marker]),
            DecodeError::UnknownMarker { offset: 1, marker },
            "{marker:#04x}"
        );
    }
    assert_eq!(
        refuse(&hex("80 E2 02 00 FF")).to_string(),
        "unknown type marker 0xff at byte 4"
    );
}

/// Nesting: 128 levels decode, the 129th is refused at the container that opens it.
#[test]
fn depth_129_is_refused() {
    let nested = |levels: usize, container: &[u8]| {
        let mut bytes = vec![0x80];
        for _ in 0..levels {
            bytes.extend_from_slice(container);
        }
        bytes.push(0x00);
        bytes
    };
    // `[[[…[0]…]]]` with the one-item array marker.
    let deepest = decode(&nested(128, &[0xE1])).unwrap();
    let mut expected = json!(0);
    for _ in 0..128 {
        expected = json!([expected]);
    }
    assert_eq!(deepest, expected);
    let error = refuse(&nested(129, &[0xE1]));
    assert_eq!(
        error,
        DecodeError::TooDeep {
            offset: 129,
            limit: 128
        }
    );
    assert_eq!(
        error.to_string(),
        "nesting deeper than 128 levels at byte 129"
    );

    // `{"a":{"a":…0…}}` with the one-member object marker and a system-string key.
    assert!(decode(&nested(128, &[0xE9, 0x20])).is_ok());
    assert!(matches!(
        refuse(&nested(129, &[0xE9, 0x20])),
        DecodeError::TooDeep { .. }
    ));

    // Empty containers and uniform arrays count as levels too.
    let mut empty_at_129 = nested(128, &[0xE1]);
    empty_at_129.pop();
    empty_at_129.push(0xE0);
    assert!(matches!(refuse(&empty_at_129), DecodeError::TooDeep { .. }));
    let mut arrays_of_arrays = nested(127, &[0xE1]);
    arrays_of_arrays.pop();
    arrays_of_arrays.extend(hex("F2 F0 D7 01 01 07"));
    assert!(matches!(
        refuse(&arrays_of_arrays),
        DecodeError::TooDeep { .. }
    ));
}

/// One value per buffer: anything after it is an error, not ignored.
#[test]
fn trailing_bytes() {
    let error = refuse(&hex("80 D0 00"));
    assert_eq!(
        error,
        DecodeError::TrailingBytes {
            offset: 2,
            count: 1
        }
    );
    assert_eq!(
        error.to_string(),
        "1 trailing byte(s) at byte 2, after the end of the value"
    );
    let mut two_documents = encode(&json!({"id": "1"}));
    two_documents.extend(encode(&json!({"id": "2"})));
    assert!(matches!(
        refuse(&two_documents),
        DecodeError::TrailingBytes { .. }
    ));
}

/// Object keys must be strings: a number, a container, even a GUID value is refused.
#[test]
fn non_string_key() {
    let error = refuse(&hex("80 E9 00 D2"));
    assert_eq!(
        error,
        DecodeError::NonStringKey {
            offset: 2,
            marker: 0x00
        }
    );
    assert_eq!(
        error.to_string(),
        "object key at byte 2 is not a string (type marker 0x00)"
    );
    for key in [
        "E0",
        "E8",
        "D0",
        "CC 00 00 00 00 00 00 F0 3F",
        "D3 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    ] {
        let mut bytes = hex("80 E9");
        bytes.extend(hex(key));
        bytes.push(0xD2);
        assert!(
            matches!(refuse(&bytes), DecodeError::NonStringKey { .. }),
            "{key}"
        );
    }
}

/// NaN and the infinities, in every float width, alone or in a uniform array.
#[test]
fn nan_and_infinity() {
    let mut nan = vec![0x80, 0xCC];
    nan.extend(f64::NAN.to_le_bytes());
    let error = refuse(&nan);
    assert_eq!(
        error,
        DecodeError::NonFiniteNumber {
            offset: 1,
            kind: "double"
        }
    );
    assert_eq!(
        error.to_string(),
        "double at byte 1 is NaN or infinite, which JSON cannot represent"
    );

    let mut infinity = vec![0x80, 0xCD];
    infinity.extend(f32::INFINITY.to_le_bytes());
    assert!(matches!(
        refuse(&infinity),
        DecodeError::NonFiniteNumber {
            kind: "float32",
            ..
        }
    ));
    assert!(matches!(
        refuse(&hex("80 CF 00 7E")),
        DecodeError::NonFiniteNumber {
            kind: "float16",
            ..
        }
    ));
    assert!(matches!(
        refuse(&hex("80 CF 00 FC")),
        DecodeError::NonFiniteNumber {
            kind: "float16",
            ..
        }
    ));
    assert!(matches!(
        refuse(&hex("80 F0 CD 02 00 00 C0 3F 00 00 C0 7F")),
        DecodeError::NonFiniteNumber { offset: 1, .. }
    ));
}

#[test]
fn invalid_utf8() {
    let error = refuse(&hex("80 E2 03 82 C3 28"));
    assert_eq!(error, DecodeError::InvalidUtf8 { offset: 3 });
    assert_eq!(error.to_string(), "string at byte 3 is not valid UTF-8");
}

/// User strings need a dictionary a body never carries: refused, with the index they name.
#[test]
fn user_strings() {
    assert_eq!(
        refuse(&hex("80 43")),
        DecodeError::UserString { offset: 1, id: 3 }
    );
    assert_eq!(
        refuse(&hex("80 61 05")),
        DecodeError::UserString {
            offset: 1,
            id: 32 + 5 + 256
        }
    );
    assert_eq!(
        refuse(&hex("80 E9 40 D2")).to_string(),
        "user string #0 at byte 2 refers to a string dictionary that is not part of the buffer"
    );
}

/// A reference must point back to an ordinary string.
#[test]
fn bad_references() {
    let cases = [
        ("80 E2 02 C3 00", 0, "the preamble, not a string"),
        (
            "80 E2 04 C3 05 81 61",
            5,
            "which is not before the reference",
        ),
        (
            "80 E2 06 81 61 C3 03 C3 05",
            5,
            "another reference; references do not chain",
        ),
        ("80 E2 03 00 C3 03", 3, "which is not a string"),
        ("80 E2 03 D0 C4 03 00", 3, "which is not a string"),
        ("80 E2 02 C6 FF", 0, ""),
    ];
    for (binary, target, reason) in cases {
        match refuse(&hex(binary)) {
            DecodeError::BadReference {
                target: t,
                reason: r,
                ..
            } => {
                assert_eq!((t, r), (target, reason), "{binary}");
            }
            // The last case is cut short before its 4-byte offset ends.
            DecodeError::UnexpectedEnd { what, .. } if reason.is_empty() => {
                assert_eq!(what, "reference offset");
            }
            other => panic!("{binary}: {other}"),
        }
    }
    assert_eq!(
        refuse(&hex("80 E2 02 C3 03")).to_string(),
        "reference string at byte 3 points to byte 3, which is not before the reference"
    );
    // A reference to a user string fails as the user string does, at the target.
    assert_eq!(
        refuse(&hex("80 E2 03 41 C3 03")),
        DecodeError::UserString { offset: 3, id: 1 }
    );
}

/// A small buffer that repeats a large string through references hits the expansion budget;
/// so does a pile of empty number arrays.
#[test]
fn expansion_is_bounded() {
    let long = 60_000;
    let references = 300; // 300 × 60 000 bytes is over 16 MiB
    let mut body = vec![0xC1];
    body.extend(u16::try_from(long).unwrap().to_le_bytes());
    body.extend(std::iter::repeat_n(b'x', long));
    for _ in 0..references {
        // The string's marker is byte 6: preamble, ARR_L4 and its 4-byte length come first.
        body.extend(hex("C4 06 00"));
    }
    let mut bytes = vec![0x80, 0xE4];
    bytes.extend(u32::try_from(body.len()).unwrap().to_le_bytes());
    bytes.extend(&body);
    let error = refuse(&bytes);
    assert!(
        matches!(error, DecodeError::ExpansionLimit { limit, .. } if limit == 16 * 1024 * 1024)
    );
    assert!(error.to_string().contains("reference strings"), "{error}");

    // Fewer references stay within budget.
    let mut fewer = body[..3 + long + 3 * 200].to_vec();
    let mut ok = vec![0x80, 0xE4];
    ok.extend(u32::try_from(fewer.len()).unwrap().to_le_bytes());
    ok.append(&mut fewer);
    let decoded = decode(&ok).unwrap();
    assert_eq!(decoded.as_array().map(Vec::len), Some(201));

    // 130 arrays of 65 535 empty arrays: 7 bytes each, 17 MB of `[]`.
    let empties = hex("F3 F1 DA 00 00 FF FF").repeat(130);
    let mut bytes = vec![0x80, 0xE3];
    bytes.extend(u16::try_from(empties.len()).unwrap().to_le_bytes());
    bytes.extend(&empties);
    assert!(matches!(refuse(&bytes), DecodeError::ExpansionLimit { .. }));
}

/// Parts of a value that contradict each other.
#[test]
fn malformed_values() {
    let cases = [
        // count 5, one item
        (
            "80 E5 01 05 00",
            "the array declares 5 items but its body holds 1",
        ),
        (
            "80 ED 03 02 81 61 00",
            "the object declares 2 items but its body holds 1",
        ),
        // a 1-byte array whose item is a 3-byte int16
        (
            "80 E2 01 C9 05 00",
            "an item runs past the end of the array's 1 bytes",
        ),
        (
            "80 EA 02 81 61 00",
            "an item runs past the end of the object's 2 bytes",
        ),
        (
            "80 71 01 05 41",
            "base64 padding byte 0x05 is neither 0-2 nor 0xFD-0xFF",
        ),
        ("80 71 00 01", "base64 padding on an empty string"),
        (
            "80 78 01 1F",
            "the unused half of the last byte of a 4-bit string is not zero",
        ),
        (
            "80 7B 01 F0 00",
            "a packed string decodes to a byte outside ASCII",
        ),
        (
            "80 F0 D0 01 00",
            "0xd0 is not a number type a uniform array can hold",
        ),
        (
            "80 F0 CA 01 00 00 00 00",
            "0xca is not a number type a uniform array can hold",
        ),
        (
            "80 F2 D0 DA 00 01",
            "an array of number arrays holds 0xf0 arrays, not 0xd0",
        ),
    ];
    for (binary, detail) in cases {
        match refuse(&hex(binary)) {
            DecodeError::Malformed { detail: found, .. } => assert_eq!(found, detail, "{binary}"),
            other => panic!("{binary}: {other}"),
        }
    }
    assert_eq!(
        refuse(&hex("80 E5 01 05 00")).to_string(),
        "malformed value at byte 1: the array declares 5 items but its body holds 1"
    );
}

/// A duplicated key is one member of the result, but two members on the wire: a declared
/// count must count both.
#[test]
fn duplicate_keys_count_as_written() {
    let value = decode(&hex("80 ED 06 02 81 61 01 81 61 02")).unwrap();
    assert_eq!(value, json!({"a": 2}));
    assert_eq!(value.as_object().map(|members| members.len()), Some(1));
    assert!(matches!(
        refuse(&hex("80 ED 06 01 81 61 01 81 61 02")),
        DecodeError::Malformed { .. }
    ));
}

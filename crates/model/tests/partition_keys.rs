//! `PartitionKey` parses the `x-ms-documentdb-partitionkey` header as JSON, compares parsed values,
//! and writes the header back in a form that parses to the same key.

use cosmolab_model::{PartitionKey, PartitionKeyError, PartitionKeyValue};
use proptest::prelude::*;
use serde_json::{Number, json};

/// Parses a header that must be valid.
fn parse(header: &str) -> PartitionKey {
    header
        .parse()
        .unwrap_or_else(|error| panic!("{header} should parse: {error}"))
}

/// Every single-value form the Python SDK sends (§3.7) parses to the expected component.
#[test]
fn every_sdk_form_parses() {
    assert_eq!(parse(r#"["1"]"#).components(), ["1".into()]);
    assert_eq!(parse("[5]").components(), [5_i64.into()]);
    assert_eq!(parse("[true]").components(), [true.into()]);
    assert_eq!(parse("[null]").components(), [PartitionKeyValue::Null]);
    assert_eq!(parse("[{}]").components(), [PartitionKeyValue::Undefined]);
    assert!(parse("[]").is_empty());
    assert_eq!(parse("[]"), PartitionKey::empty());
    assert_eq!(parse(r#"["a","b"]"#).components(), ["a".into(), "b".into()]);
}

/// Headers are compared as parsed JSON: spacing and `\u` escapes do not matter.
#[test]
fn comparison_is_on_parsed_values_not_text() {
    assert_eq!(parse(r#"["p \u00e9"]"#), parse(r#"["p é"]"#));
    assert_eq!(parse(r#"[ "a" , "b" ]"#), parse(r#"["a","b"]"#));
    assert_eq!(parse(" [\"1\"]\n"), PartitionKey::from("1"));
}

/// Numbers compare as the 64-bit floats Cosmos DB stores, so `5` and `5.0` are one partition.
#[test]
fn numbers_compare_by_value() {
    assert_eq!(parse("[5]"), parse("[5.0]"));
    assert_eq!(parse("[5]"), parse("[5e0]"));
    assert_eq!(parse("[0]"), parse("[-0.0]"));
    assert_ne!(parse("[5]"), parse("[5.5]"));
    assert_ne!(parse("[5]"), parse(r#"["5"]"#), "a number is not a string");
}

/// Equal keys hash equally, so they can key a map of partitions.
#[test]
fn equal_keys_hash_equally() {
    use std::collections::HashSet;
    let keys: HashSet<PartitionKey> = ["[5]", "[5.0]", "[0]", "[-0.0]", "[{}]", "[null]"]
        .into_iter()
        .map(parse)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
}

/// `[null]`, `[{}]` and `[]` are three different partitions.
#[test]
fn null_undefined_and_empty_differ() {
    assert_ne!(parse("[null]"), parse("[{}]"));
    assert_ne!(parse("[{}]"), parse("[]"));
    assert_ne!(parse("[null]"), parse("[]"));
}

/// Display writes compact JSON with non-ASCII escaped, as the Python SDK sends the header.
#[test]
fn display_writes_the_header_form() {
    assert_eq!(PartitionKey::from("1").to_string(), r#"["1"]"#);
    assert_eq!(parse("[ 5 ]").to_string(), "[5]");
    assert_eq!(parse("[null]").to_string(), "[null]");
    assert_eq!(parse("[{}]").to_string(), "[{}]");
    assert_eq!(parse("[]").to_string(), "[]");
    assert_eq!(PartitionKey::from("p é").to_string(), r#"["p \u00e9"]"#);
    assert_eq!(
        PartitionKey::from("😀").to_string(),
        r#"["\ud83d\ude00"]"#,
        "characters outside the BMP become a UTF-16 surrogate pair"
    );
    assert_eq!(
        PartitionKey::from("quote \" and \\").to_string(),
        r#"["quote \" and \\"]"#
    );
}

/// Serde writes the key as a plain JSON array, the form `resourcePartitionKey` uses.
#[test]
fn serde_uses_the_json_array() {
    let key = PartitionKey::new(vec![
        "é".into(),
        PartitionKeyValue::Undefined,
        PartitionKeyValue::Null,
    ]);
    let value = serde_json::to_value(&key).expect("serializes");
    assert_eq!(value, json!(["é", {}, null]));
    assert_eq!(
        serde_json::from_value::<PartitionKey>(value).expect("reads"),
        key
    );
    assert!(serde_json::from_value::<PartitionKey>(json!("1")).is_err());
}

/// Text that is not JSON is a `NotJson` error that quotes the input.
#[test]
fn non_json_is_an_error() {
    for header in ["", "1\"]", "[\"1\"", "['1']", "[1,]", "None"] {
        match header.parse::<PartitionKey>() {
            Err(PartitionKeyError::NotJson { input, .. }) => assert_eq!(input, header),
            other => panic!("{header:?} gave {other:?}"),
        }
    }
}

/// JSON that is not an array is a `NotAnArray` error: a bare `"1"` is a common client mistake.
#[test]
fn non_arrays_are_errors() {
    for header in [r#""1""#, "1", "null", "{}", "true"] {
        let error = header.parse::<PartitionKey>().expect_err(header);
        assert!(
            matches!(error, PartitionKeyError::NotAnArray { .. }),
            "{header}: {error:?}"
        );
        assert!(error.to_string().contains(r#"["1"]"#), "{error}");
    }
}

/// Arrays and non-empty objects are not partition-key values, and the error says which component.
#[test]
fn nested_values_are_errors() {
    assert_eq!(
        r#"["a",[1]]"#.parse::<PartitionKey>(),
        Err(PartitionKeyError::UnsupportedValue {
            position: 1,
            value: "[1]".to_owned()
        })
    );
    assert!(matches!(
        r#"[{"a":1}]"#.parse::<PartitionKey>(),
        Err(PartitionKeyError::UnsupportedValue { position: 0, .. })
    ));
}

/// Any component the wire allows.
fn component() -> impl Strategy<Value = PartitionKeyValue> {
    prop_oneof![
        Just(PartitionKeyValue::Null),
        Just(PartitionKeyValue::Undefined),
        any::<bool>().prop_map(PartitionKeyValue::Bool),
        any::<i64>().prop_map(PartitionKeyValue::from),
        any::<f64>()
            .prop_filter_map("JSON has no NaN or infinity", Number::from_f64)
            .prop_map(PartitionKeyValue::Number),
        any::<String>().prop_map(PartitionKeyValue::String),
    ]
}

proptest! {
    /// Writing a key as a header and parsing it back gives the same key, for any components.
    #[test]
    fn header_round_trip(components in prop::collection::vec(component(), 0..4)) {
        let key = PartitionKey::new(components);
        let header = key.to_string();
        prop_assert!(header.is_ascii(), "header {header:?} is not ASCII");
        prop_assert_eq!(header.parse::<PartitionKey>(), Ok(key.clone()));
        let json = serde_json::to_string(&key).expect("serializes");
        prop_assert_eq!(serde_json::from_str::<PartitionKey>(&json).ok(), Some(key));
    }

    /// Parsing any text returns a key or an error, and never panics.
    #[test]
    fn parsing_never_panics(header in any::<String>()) {
        let _ = header.parse::<PartitionKey>();
    }
}

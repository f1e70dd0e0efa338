//! Our Cosmos binary codec (`cosmolab-binary-json`) against the official SDK's own
//! (`azure_data_cosmos_driver::binary_json`), on arbitrary JSON documents: what either encodes,
//! the other decodes to the same value. The emulator's side of the conversation is ours, the
//! client's side is theirs, so this is the conversation, without the network.

use azure_data_cosmos_driver::binary_json as sdk;
use cosmolab_binary_json as ours;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// JSON documents like the ones items are made of: nested objects and arrays, strings of every
/// length class (under 64 bytes, under 256, longer) with non-ASCII text, integers across the
/// whole i64 and u64 range, finite doubles, booleans and nulls.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300f64).prop_map(|x| Number::from_f64(x).map_or(Value::Null, Value::Number)),
        "[a-zA-Z0-9 éü注文✓_-]{0,80}".prop_map(Value::String),
        "[a-z]{200,300}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_][a-zA-Z0-9_]{0,20}", inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Numbers compared by value: one codec may hand back `3` where the other has `3.0`.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (x.as_f64().is_some() && x.as_f64() == y.as_f64())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// What the SDK sends (an item body), our emulator reads.
    #[test]
    fn we_read_what_the_sdk_writes(value in json_value()) {
        let bytes = sdk::encode(&value);
        let read = ours::decode(&bytes).map_err(|error| TestCaseError::fail(format!("{error}")))?;
        prop_assert!(same(&read, &value), "sent {value}, read {read}");
    }

    /// What our emulator answers, the SDK reads.
    #[test]
    fn the_sdk_reads_what_we_write(value in json_value()) {
        let bytes = ours::encode(&value);
        let read = sdk::decode(&bytes).map_err(|error| TestCaseError::fail(format!("{error}")))?;
        prop_assert!(same(&read, &value), "answered {value}, the SDK read {read}");
    }
}

/// A typed item, serialized straight to binary by the SDK's serde serializer, the way
/// `ContainerClient::create_item` does it.
#[test]
fn a_typed_item_from_the_sdk_serializer() {
    #[derive(serde::Serialize)]
    struct Order<'a> {
        id: &'a str,
        customer: &'a str,
        total: f64,
        quantity: u8,
        balance: i64,
        tags: [&'a str; 2],
        note: Option<&'a str>,
    }
    let order = Order {
        id: "o-1",
        customer: "contoso",
        total: 42.5,
        quantity: 3,
        balance: -9_007_199_254_740_993,
        tags: ["déjà", "vu"],
        note: None,
    };
    let bytes = sdk::to_vec(&order).expect("the SDK serializes the order");
    assert!(ours::is_binary(&bytes));
    let read = ours::decode(&bytes).expect("we read it");
    assert_eq!(
        read,
        serde_json::json!({
            "id": "o-1", "customer": "contoso", "total": 42.5, "quantity": 3,
            "balance": -9_007_199_254_740_993i64, "tags": ["déjà", "vu"], "note": null
        })
    );
}

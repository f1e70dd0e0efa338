//! Values as the query language sees them: a JSON value, or **undefined**.
//!
//! Cosmos DB's query language has one value that JSON cannot write down: `undefined`. It is what
//! a missing property evaluates to (`c.nickname` on a document without a nickname), and what most
//! operations return when they make no sense (`1 < "a"`, `LOWER(42)`). It is not `null`: `null`
//! is a value a document can store and a query can compare, `undefined` is the absence of one.
//!
//! Throughout the query module a value is a [`Datum`]: `None` is undefined, `Some` holds the
//! JSON. The JSON is a [`Cow`], so that reading `c.address.city` borrows the string out of the
//! stored document instead of copying it; only computed values are owned.
//!
//! This file also holds the three ways the language compares values, because they differ:
//!
//! - [`equals`]: `=` and `!=`, defined between two values of the same JSON type;
//! - [`compare`]: `<`, `<=`, `>`, `>=`, defined between two numbers, strings, booleans or nulls;
//! - [`sort_order`]: ORDER BY, MIN and MAX, which must order *anything*, so they first order by
//!   type (undefined < null < booleans < numbers < strings < arrays < objects).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

/// The value of an expression: `None` is `undefined`, `Some` a JSON value.
pub(crate) type Datum<'a> = Option<Cow<'a, Value>>;

/// The largest integer a double represents exactly (2^53). Cosmos DB computes with doubles, so
/// results up to this size are whole numbers, and we write them as integers.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// A number computed by the query, as JSON.
///
/// Whole results are written as integers, as the service does (`1 + 2` is `3`, not `3.0`), and
/// results JSON cannot represent (infinity, NaN: `1 / 0`) are `undefined`.
pub(crate) fn number(value: f64) -> Datum<'static> {
    json_number(value).map(|number| Cow::Owned(Value::Number(number)))
}

/// A double as a JSON number: an integer when it is whole, `None` when it is not finite.
pub(crate) fn json_number(value: f64) -> Option<Number> {
    if value.fract() == 0.0 && value.abs() <= MAX_EXACT_INTEGER {
        // In range, so the conversion is exact (and turns -0 into 0).
        Some(Number::from(value as i64))
    } else {
        // `None` for infinities and NaN, which JSON cannot write.
        Number::from_f64(value)
    }
}

/// A boolean computed by the query.
pub(crate) fn boolean(value: bool) -> Datum<'static> {
    Some(Cow::Owned(Value::Bool(value)))
}

/// A string computed by the query.
pub(crate) fn string(value: String) -> Datum<'static> {
    Some(Cow::Owned(Value::String(value)))
}

/// The boolean in a datum; anything else (including undefined) is `None`.
///
/// The logical operators treat a non-boolean operand exactly like undefined.
pub(crate) fn as_bool(datum: &Datum<'_>) -> Option<bool> {
    datum.as_deref()?.as_bool()
}

/// The number in a datum, as a double (the service computes with doubles).
pub(crate) fn as_number(datum: &Datum<'_>) -> Option<f64> {
    datum.as_deref()?.as_f64()
}

/// The string in a datum.
pub(crate) fn as_str<'d>(datum: &'d Datum<'_>) -> Option<&'d str> {
    datum.as_deref()?.as_str()
}

/// `=`: whether two values are equal, or `None` (undefined) when they have different JSON types.
///
/// Within one type, equality is deep: arrays and objects are equal when all their elements are.
/// Numbers are equal by value, so `1 = 1.0`.
pub(crate) fn equals(left: &Value, right: &Value) -> Option<bool> {
    (type_rank(Some(left)) == type_rank(Some(right))).then(|| json_equal(left, right))
}

/// Deep equality with numbers compared by value (`serde_json` would say `1 != 1.0`).
pub(crate) fn json_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => left.as_f64() == right.as_f64(),
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| json_equal(l, r))
        }
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(key, l)| right.get(key).is_some_and(|r| json_equal(l, r)))
        }
        (left, right) => left == right,
    }
}

/// `<`, `<=`, `>`, `>=`: the order of two numbers, two strings, two booleans or two nulls.
///
/// Anything else (different types, arrays, objects) is `None`, which the operators turn into
/// undefined, so `WHERE c.age > "20"` matches nothing rather than comparing a number to a string.
pub(crate) fn compare(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Bool(left), Value::Bool(right)) => Some(left.cmp(right)),
        (Value::Number(left), Value::Number(right)) => left.as_f64()?.partial_cmp(&right.as_f64()?),
        (Value::String(left), Value::String(right)) => Some(left.cmp(right)),
        _ => None,
    }
}

/// The position of a value's type in the order ORDER BY uses across types.
///
/// Undefined sorts first, as the service documents for ORDER BY on a property that some
/// documents lack: those documents come first in ascending order and last in descending order.
pub(crate) fn type_rank(value: Option<&Value>) -> u8 {
    match value {
        None => 0,
        Some(Value::Null) => 1,
        Some(Value::Bool(_)) => 2,
        Some(Value::Number(_)) => 3,
        Some(Value::String(_)) => 4,
        Some(Value::Array(_)) => 5,
        Some(Value::Object(_)) => 6,
    }
}

/// A total order over all values, for ORDER BY, MIN and MAX.
///
/// Values of different types are ordered by [`type_rank`]; values of one type by [`compare`].
/// Arrays compare element by element, and objects property by property in name order: the
/// service does not document these two, so this is our choice.
pub(crate) fn sort_order(left: Option<&Value>, right: Option<&Value>) -> Ordering {
    let by_type = type_rank(left).cmp(&type_rank(right));
    if by_type != Ordering::Equal {
        return by_type;
    }
    match (left, right) {
        (Some(Value::Array(left)), Some(Value::Array(right))) => left
            .iter()
            .zip(right)
            .map(|(l, r)| sort_order(Some(l), Some(r)))
            .find(|order| order.is_ne())
            .unwrap_or_else(|| left.len().cmp(&right.len())),
        (Some(Value::Object(left)), Some(Value::Object(right))) => {
            let mut left: Vec<_> = left.iter().collect();
            let mut right: Vec<_> = right.iter().collect();
            left.sort_by_key(|(name, _)| *name);
            right.sort_by_key(|(name, _)| *name);
            left.iter()
                .zip(&right)
                .map(|((l_name, l), (r_name, r))| {
                    l_name
                        .cmp(r_name)
                        .then_with(|| sort_order(Some(l), Some(r)))
                })
                .find(|order| order.is_ne())
                .unwrap_or_else(|| left.len().cmp(&right.len()))
        }
        (Some(left), Some(right)) => compare(left, right).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    }
}

/// A text that two values share exactly when they are [`json_equal`], for DISTINCT.
///
/// Numbers are written as doubles (so `1` and `1.0` agree) and object properties in name order.
pub(crate) fn canonical_text(value: &Value) -> String {
    let mut text = String::new();
    write_canonical(value, &mut text);
    text
}

fn write_canonical(value: &Value, text: &mut String) {
    match value {
        Value::Number(number) => {
            let number = number.as_f64().unwrap_or(f64::NAN);
            text.push_str(&format!("{number:?}"));
        }
        Value::Array(items) => {
            text.push('[');
            for item in items {
                write_canonical(item, text);
                text.push(',');
            }
            text.push(']');
        }
        Value::Object(properties) => {
            let mut properties: Vec<_> = properties.iter().collect();
            properties.sort_by_key(|(name, _)| *name);
            text.push('{');
            for (name, value) in properties {
                text.push_str(&Value::String(name.clone()).to_string());
                text.push(':');
                write_canonical(value, text);
                text.push(',');
            }
            text.push('}');
        }
        other => text.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Whole numbers stay integers, fractions stay doubles, and infinities become undefined.
    #[test]
    fn computed_numbers_are_written_like_the_service() {
        assert_eq!(number(3.0).as_deref(), Some(&json!(3)));
        assert_eq!(number(-0.0).as_deref(), Some(&json!(0)));
        assert_eq!(number(3.5).as_deref(), Some(&json!(3.5)));
        assert_eq!(number(f64::INFINITY), None);
        assert_eq!(number(1e300).as_deref(), Some(&json!(1e300)));
    }

    /// `=` is deep and by value within a type, and undefined across types.
    #[test]
    fn equality_needs_one_type() {
        assert_eq!(equals(&json!(1), &json!(1.0)), Some(true));
        assert_eq!(equals(&json!({"a": [1]}), &json!({"a": [1.0]})), Some(true));
        assert_eq!(equals(&json!(1), &json!("1")), None);
        assert_eq!(equals(&json!(null), &json!(false)), None);
        assert_eq!(equals(&json!(null), &json!(null)), Some(true));
    }

    /// Relational comparisons are only defined between two primitives of one type.
    #[test]
    fn comparison_needs_one_primitive_type() {
        assert_eq!(compare(&json!(1), &json!(2.5)), Some(Ordering::Less));
        assert_eq!(compare(&json!("b"), &json!("a")), Some(Ordering::Greater));
        assert_eq!(compare(&json!(1), &json!("a")), None);
        assert_eq!(compare(&json!([1]), &json!([1])), None);
    }

    /// ORDER BY orders across types: undefined, null, false, true, numbers, strings, arrays, objects.
    #[test]
    fn sort_order_ranks_types() {
        let ascending = [
            None,
            Some(json!(null)),
            Some(json!(false)),
            Some(json!(true)),
            Some(json!(-1)),
            Some(json!(2.5)),
            Some(json!("")),
            Some(json!("a")),
            Some(json!([])),
            Some(json!([1])),
            Some(json!({})),
            Some(json!({"a": 1})),
        ];
        for pair in ascending.windows(2) {
            let order = sort_order(pair[0].as_ref(), pair[1].as_ref());
            assert_eq!(order, Ordering::Less, "{:?} < {:?}", pair[0], pair[1]);
        }
    }

    /// DISTINCT's key treats equal values alike, whatever their number format or property order.
    #[test]
    fn canonical_text_matches_json_equality() {
        assert_eq!(
            canonical_text(&json!({"b": 1, "a": [2]})),
            canonical_text(&json!({"a": [2.0], "b": 1.0}))
        );
        assert_ne!(canonical_text(&json!("1")), canonical_text(&json!(1)));
    }
}

//! The built-in functions: `IS_DEFINED`, `STARTSWITH`, `ARRAY_CONTAINS`… and the aggregates.
//!
//! **Adding a function** takes three lines in this file: a variant of [`Function`], a row in
//! [`Function::ALL`] (its name and how many arguments it takes), and an arm in
//! [`Function::call`]. The parser finds functions through [`Function::lookup`], so nothing else
//! changes. A name that is not in the table is reported as unsupported, naming it.
//!
//! Functions follow the language's rule for bad input: an argument of the wrong type makes the
//! result `undefined` (`LOWER(42)`), never an error, because documents in one container rarely
//! all have the same shape. The `IS_…` type checks are the exception: they always answer
//! `true` or `false`, which is what makes them useful in `WHERE`.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::RangeInclusive;

use serde_json::Value;

use super::value::{self, Datum, as_bool, boolean, json_equal, sort_order};

/// A built-in scalar function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    /// `IS_DEFINED(x)`: whether `x` has a value.
    IsDefined,
    /// `IS_NULL(x)`.
    IsNull,
    /// `IS_STRING(x)`.
    IsString,
    /// `IS_NUMBER(x)`.
    IsNumber,
    /// `IS_BOOL(x)`.
    IsBool,
    /// `IS_ARRAY(x)`.
    IsArray,
    /// `IS_OBJECT(x)`.
    IsObject,
    /// `IS_PRIMITIVE(x)`: a string, number, boolean or null.
    IsPrimitive,
    /// `STARTSWITH(s, prefix [, ignoreCase])`.
    StartsWith,
    /// `ENDSWITH(s, suffix [, ignoreCase])`.
    EndsWith,
    /// `CONTAINS(s, part [, ignoreCase])`.
    Contains,
    /// `LOWER(s)`.
    Lower,
    /// `UPPER(s)`.
    Upper,
    /// `LENGTH(s)`: the number of characters.
    Length,
    /// `CONCAT(s1, s2, …)`.
    Concat,
    /// `SUBSTRING(s, start, length)`, zero-based, in characters.
    Substring,
    /// `INDEX_OF(s, part [, start])`: the character position of `part`, or -1.
    IndexOf,
    /// `LEFT(s, n)`: the first `n` characters.
    Left,
    /// `RIGHT(s, n)`: the last `n` characters.
    Right,
    /// `TRIM(s)`: without leading and trailing whitespace.
    Trim,
    /// `LTRIM(s)`: without leading whitespace.
    LTrim,
    /// `RTRIM(s)`: without trailing whitespace.
    RTrim,
    /// `REPLACE(s, find, replacement)`: every occurrence.
    Replace,
    /// `ARRAY_CONTAINS(array, value [, partial])`.
    ArrayContains,
    /// `ARRAY_LENGTH(array)`.
    ArrayLength,
    /// `ABS(n)`.
    Abs,
    /// `FLOOR(n)`.
    Floor,
    /// `CEILING(n)`.
    Ceiling,
    /// `ROUND(n)`: half away from zero.
    Round,
}

/// Up to this many arguments for functions that take "any number" (CONCAT).
const MANY: usize = usize::MAX;

impl Function {
    /// Every built-in function: its name in queries and how many arguments it takes.
    const ALL: &'static [(&'static str, Function, RangeInclusive<usize>)] = &[
        ("IS_DEFINED", Self::IsDefined, 1..=1),
        ("IS_NULL", Self::IsNull, 1..=1),
        ("IS_STRING", Self::IsString, 1..=1),
        ("IS_NUMBER", Self::IsNumber, 1..=1),
        ("IS_BOOL", Self::IsBool, 1..=1),
        ("IS_ARRAY", Self::IsArray, 1..=1),
        ("IS_OBJECT", Self::IsObject, 1..=1),
        ("IS_PRIMITIVE", Self::IsPrimitive, 1..=1),
        ("STARTSWITH", Self::StartsWith, 2..=3),
        ("ENDSWITH", Self::EndsWith, 2..=3),
        ("CONTAINS", Self::Contains, 2..=3),
        ("LOWER", Self::Lower, 1..=1),
        ("UPPER", Self::Upper, 1..=1),
        ("LENGTH", Self::Length, 1..=1),
        ("CONCAT", Self::Concat, 2..=MANY),
        ("SUBSTRING", Self::Substring, 3..=3),
        ("INDEX_OF", Self::IndexOf, 2..=3),
        ("LEFT", Self::Left, 2..=2),
        ("RIGHT", Self::Right, 2..=2),
        ("TRIM", Self::Trim, 1..=1),
        ("LTRIM", Self::LTrim, 1..=1),
        ("RTRIM", Self::RTrim, 1..=1),
        ("REPLACE", Self::Replace, 3..=3),
        ("ARRAY_CONTAINS", Self::ArrayContains, 2..=3),
        ("ARRAY_LENGTH", Self::ArrayLength, 1..=1),
        ("ABS", Self::Abs, 1..=1),
        ("FLOOR", Self::Floor, 1..=1),
        ("CEILING", Self::Ceiling, 1..=1),
        ("ROUND", Self::Round, 1..=1),
    ];

    /// The function called `name` in a query; function names are case-insensitive.
    pub(crate) fn lookup(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(known, ..)| known.eq_ignore_ascii_case(name))
            .map(|(_, function, _)| *function)
    }

    /// The function's name, upper-case.
    pub(crate) fn name(self) -> &'static str {
        self.entry().0
    }

    /// How many arguments the function takes.
    pub(crate) fn arity(self) -> RangeInclusive<usize> {
        self.entry().2.clone()
    }

    fn entry(self) -> &'static (&'static str, Function, RangeInclusive<usize>) {
        // Every variant has its row; the test `every_function_is_in_the_table` proves it.
        Self::ALL
            .iter()
            .find(|(_, function, _)| *function == self)
            .unwrap_or(&Self::ALL[0])
    }

    /// Calls the function on already evaluated arguments (as many as [`Function::arity`] allows).
    pub(crate) fn call(self, args: &[Datum<'_>]) -> Datum<'static> {
        let arg = |index: usize| args.get(index).and_then(|arg| arg.as_deref());
        let text = |index: usize| arg(index).and_then(Value::as_str);
        let number = |index: usize| arg(index).and_then(Value::as_f64);
        let integer = |index: usize| number(index).map(f64::trunc);
        // An optional boolean argument (ignoreCase, partial): absent means false; present but not
        // a boolean makes the whole call undefined, like any other argument of the wrong type.
        let flag = |index: usize| match args.get(index) {
            None => Some(false),
            Some(flag) => as_bool(flag),
        };
        match self {
            Self::IsDefined => boolean(arg(0).is_some()),
            Self::IsNull => boolean(arg(0).is_some_and(Value::is_null)),
            Self::IsString => boolean(arg(0).is_some_and(Value::is_string)),
            Self::IsNumber => boolean(arg(0).is_some_and(Value::is_number)),
            Self::IsBool => boolean(arg(0).is_some_and(Value::is_boolean)),
            Self::IsArray => boolean(arg(0).is_some_and(Value::is_array)),
            Self::IsObject => boolean(arg(0).is_some_and(Value::is_object)),
            Self::IsPrimitive => boolean(arg(0).is_some_and(|v| !v.is_array() && !v.is_object())),
            Self::StartsWith => text_test(text(0)?, text(1)?, flag(2)?, |s, prefix| {
                s.starts_with(prefix)
            }),
            Self::EndsWith => text_test(text(0)?, text(1)?, flag(2)?, |s, suffix| {
                s.ends_with(suffix)
            }),
            Self::Contains => text_test(text(0)?, text(1)?, flag(2)?, |s, part| s.contains(part)),
            Self::Lower => value::string(text(0)?.to_lowercase()),
            Self::Upper => value::string(text(0)?.to_uppercase()),
            Self::Length => value::number(text(0)?.chars().count() as f64),
            Self::Concat => {
                let parts: Option<Vec<&str>> = (0..args.len()).map(text).collect();
                value::string(parts?.concat())
            }
            Self::Substring => {
                let (s, start, length) = (text(0)?, integer(1)?, integer(2)?);
                let start = start.max(0.0) as usize;
                let length = length.max(0.0) as usize;
                value::string(s.chars().skip(start).take(length).collect())
            }
            Self::IndexOf => {
                let start = if args.len() > 2 { integer(2)? } else { 0.0 };
                index_of(text(0)?, text(1)?, start)
            }
            Self::Left => {
                let count = integer(1)?.max(0.0) as usize;
                value::string(text(0)?.chars().take(count).collect())
            }
            Self::Right => {
                let (s, count) = (text(0)?, integer(1)?.max(0.0) as usize);
                let skip = s.chars().count().saturating_sub(count);
                value::string(s.chars().skip(skip).collect())
            }
            Self::Trim => value::string(text(0)?.trim().to_owned()),
            Self::LTrim => value::string(text(0)?.trim_start().to_owned()),
            Self::RTrim => value::string(text(0)?.trim_end().to_owned()),
            Self::Replace => {
                let (s, find, replacement) = (text(0)?, text(1)?, text(2)?);
                // `str::replace` with an empty pattern would insert between every character.
                if find.is_empty() {
                    value::string(s.to_owned())
                } else {
                    value::string(s.replace(find, replacement))
                }
            }
            Self::ArrayContains => {
                let array = arg(0)?.as_array()?;
                let partial = flag(2)?;
                let Some(wanted) = arg(1) else {
                    return boolean(false);
                };
                boolean(array.iter().any(|item| matches(item, wanted, partial)))
            }
            Self::ArrayLength => value::number(arg(0)?.as_array()?.len() as f64),
            Self::Abs => value::number(number(0)?.abs()),
            Self::Floor => value::number(number(0)?.floor()),
            Self::Ceiling => value::number(number(0)?.ceil()),
            Self::Round => value::number(number(0)?.round()),
        }
    }
}

/// STARTSWITH, ENDSWITH and CONTAINS: a string test, optionally ignoring case.
fn text_test(
    s: &str,
    part: &str,
    ignore_case: bool,
    test: fn(&str, &str) -> bool,
) -> Datum<'static> {
    if ignore_case {
        boolean(test(&s.to_lowercase(), &part.to_lowercase()))
    } else {
        boolean(test(s, part))
    }
}

/// INDEX_OF: the character position of `part` in `s` at or after `start`, or -1.
fn index_of(s: &str, part: &str, start: f64) -> Datum<'static> {
    let start = start.max(0.0) as usize;
    let Some((byte_start, _)) = s.char_indices().nth(start).or_else(|| {
        // Starting exactly at the end still finds the empty string.
        (start == s.chars().count()).then_some((s.len(), ' '))
    }) else {
        return value::number(-1.0);
    };
    match s[byte_start..].find(part) {
        Some(byte_offset) => {
            let chars_before = s[..byte_start + byte_offset].chars().count();
            value::number(chars_before as f64)
        }
        None => value::number(-1.0),
    }
}

/// ARRAY_CONTAINS's test for one array item.
///
/// A full match is deep equality. A partial match (third argument `true`) lets an object match
/// any item that has at least its properties, with equal values: `{"name": "x"}` matches
/// `{"name": "x", "size": 2}`.
fn matches(item: &Value, wanted: &Value, partial: bool) -> bool {
    match (item, wanted) {
        (Value::Object(item), Value::Object(wanted)) if partial => wanted
            .iter()
            .all(|(name, value)| item.get(name).is_some_and(|v| json_equal(v, value))),
        _ => json_equal(item, wanted),
    }
}

/// An aggregate function: one value computed from all the matching documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregate {
    /// `COUNT(x)`: how many documents have a defined `x` (so `COUNT(1)` counts them all).
    Count,
    /// `SUM(x)`.
    Sum,
    /// `AVG(x)`.
    Avg,
    /// `MIN(x)`.
    Min,
    /// `MAX(x)`.
    Max,
}

impl Aggregate {
    /// Every aggregate, by its name in queries.
    const ALL: &'static [(&'static str, Aggregate)] = &[
        ("COUNT", Self::Count),
        ("SUM", Self::Sum),
        ("AVG", Self::Avg),
        ("MIN", Self::Min),
        ("MAX", Self::Max),
    ];

    /// The aggregate called `name` in a query (case-insensitive).
    pub(crate) fn lookup(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, aggregate)| *aggregate)
    }

    /// The aggregate's name, upper-case.
    pub(crate) fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, aggregate)| *aggregate == self)
            .map_or("COUNT", |(name, _)| name)
    }

    /// Aggregates the argument's values, one per matching document.
    ///
    /// Undefined values are skipped by all five, as the service documents. SUM and AVG are
    /// undefined if any value is not a number; SUM of nothing is 0, AVG, MIN and MAX of nothing
    /// are undefined. MIN and MAX order values like ORDER BY (null < booleans < numbers <
    /// strings) and are undefined if any value is an array or an object.
    pub(crate) fn compute<'a>(self, values: impl IntoIterator<Item = Datum<'a>>) -> Datum<'a> {
        let mut values = values.into_iter().flatten();
        match self {
            Self::Count => value::number(values.count() as f64),
            Self::Sum | Self::Avg => {
                let (mut sum, mut count) = (0.0, 0usize);
                for value in values {
                    sum += value.as_f64()?;
                    count += 1;
                }
                match self {
                    Self::Sum => value::number(sum),
                    _ if count == 0 => None,
                    _ => value::number(sum / count as f64),
                }
            }
            Self::Min | Self::Max => {
                let wanted = if self == Self::Min {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                values
                    .try_fold(None, |best: Option<Cow<'a, Value>>, value| {
                        if value.is_array() || value.is_object() {
                            return Err(());
                        }
                        Ok(match best {
                            Some(best) if sort_order(Some(&value), Some(&best)) != wanted => {
                                Some(best)
                            }
                            _ => Some(value),
                        })
                    })
                    .ok()
                    .flatten()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The values of `items`, as data.
    fn data(items: &[Value]) -> Vec<Datum<'_>> {
        items.iter().map(|item| Some(Cow::Borrowed(item))).collect()
    }

    /// Each variant's row exists and maps back to it, so `name` and `arity` never fall back.
    #[test]
    fn every_function_is_in_the_table() {
        for (name, function, _) in Function::ALL {
            assert_eq!(Function::lookup(name), Some(*function));
            assert_eq!(function.name(), *name);
            assert_eq!(Function::lookup(&name.to_lowercase()), Some(*function));
        }
        for (name, aggregate) in Aggregate::ALL {
            assert_eq!(aggregate.name(), *name);
        }
    }

    /// The string functions count and cut in characters, not bytes.
    #[test]
    fn string_functions_work_in_characters() {
        let call =
            |function: Function, args: &[Value]| function.call(&data(args)).map(Cow::into_owned);
        assert_eq!(call(Function::Length, &[json!("héllo")]), Some(json!(5)));
        assert_eq!(
            call(Function::Substring, &[json!("héllo"), json!(1), json!(3)]),
            Some(json!("éll"))
        );
        assert_eq!(
            call(Function::IndexOf, &[json!("héllo"), json!("l")]),
            Some(json!(2))
        );
        assert_eq!(
            call(Function::IndexOf, &[json!("héllo"), json!("l"), json!(3)]),
            Some(json!(3))
        );
        assert_eq!(
            call(Function::IndexOf, &[json!("abc"), json!("z")]),
            Some(json!(-1))
        );
        assert_eq!(
            call(Function::Left, &[json!("héllo"), json!(2)]),
            Some(json!("hé"))
        );
        assert_eq!(
            call(Function::Right, &[json!("héllo"), json!(2)]),
            Some(json!("lo"))
        );
        assert_eq!(
            call(Function::Replace, &[json!("aXbX"), json!("X"), json!("-")]),
            Some(json!("a-b-"))
        );
        assert_eq!(
            call(Function::Replace, &[json!("ab"), json!(""), json!("-")]),
            Some(json!("ab"))
        );
        assert_eq!(
            call(Function::Concat, &[json!("a"), json!("b"), json!("c")]),
            Some(json!("abc"))
        );
        assert_eq!(call(Function::Concat, &[json!("a"), json!(1)]), None);
        assert_eq!(call(Function::Trim, &[json!("  a ")]), Some(json!("a")));
    }

    /// Arithmetic functions keep whole results as integers.
    #[test]
    fn math_functions() {
        let call =
            |function: Function, arg: Value| function.call(&data(&[arg])).map(Cow::into_owned);
        assert_eq!(call(Function::Abs, json!(-3)), Some(json!(3)));
        assert_eq!(call(Function::Floor, json!(2.7)), Some(json!(2)));
        assert_eq!(call(Function::Ceiling, json!(2.1)), Some(json!(3)));
        assert_eq!(call(Function::Round, json!(-2.5)), Some(json!(-3)));
        assert_eq!(call(Function::Abs, json!("3")), None);
    }

    /// SUM skips undefined but gives up on a string; MIN and MAX order across types.
    #[test]
    fn aggregates_follow_the_documented_rules() {
        let compute = |aggregate: Aggregate, items: Vec<Datum<'static>>| {
            aggregate.compute(items).map(Cow::into_owned)
        };
        let n = |x: i64| Some(Cow::Owned(json!(x)));
        assert_eq!(
            compute(Aggregate::Sum, vec![n(1), None, n(2)]),
            Some(json!(3))
        );
        assert_eq!(compute(Aggregate::Sum, vec![]), Some(json!(0)));
        assert_eq!(
            compute(Aggregate::Sum, vec![n(1), Some(Cow::Owned(json!("2")))]),
            None
        );
        assert_eq!(compute(Aggregate::Avg, vec![n(1), n(2)]), Some(json!(1.5)));
        assert_eq!(compute(Aggregate::Avg, vec![]), None);
        assert_eq!(
            compute(Aggregate::Count, vec![n(1), None, n(3)]),
            Some(json!(2))
        );
        let mixed = || {
            vec![
                Some(Cow::Owned(json!("a"))),
                n(5),
                Some(Cow::Owned(json!(null))),
                None,
            ]
        };
        assert_eq!(compute(Aggregate::Min, mixed()), Some(json!(null)));
        assert_eq!(compute(Aggregate::Max, mixed()), Some(json!("a")));
        assert_eq!(
            compute(Aggregate::Max, vec![n(1), Some(Cow::Owned(json!([2])))]),
            None
        );
        assert_eq!(compute(Aggregate::Min, vec![]), None);
    }
}

//! Computing the value of an expression for one document.
//!
//! [`evaluate`] never fails: everything that could make a query fail (an unknown alias, a missing
//! parameter, a function with the wrong number of arguments) was refused before execution
//! started. What remains are values that make no sense together, and for those the language has
//! an answer: `undefined`. `c.age > "20"`, `LOWER(42)` and `c.missing.deeper` are all undefined,
//! and a WHERE clause keeps only the documents for which the condition is exactly `true`.
//!
//! The logical operators use three-valued logic, as the service documents it:
//!
//! | `a`       | `b`       | `a AND b` | `a OR b`  | `NOT a`   |
//! |-----------|-----------|-----------|-----------|-----------|
//! | true      | undefined | undefined | true      | false     |
//! | false     | undefined | false     | undefined | true      |
//! | undefined | undefined | undefined | undefined | undefined |
//!
//! where any value that is not a boolean counts as undefined.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::ast::{BinaryOp, Expr, Step, UnaryOp};
use super::like::like;
use super::value::{self, Datum, as_bool, as_number, as_str, boolean, compare, equals};
use super::{Parameters, UserDefinedFunctions};

/// What an expression can see while it is evaluated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// The current document, which the FROM alias stands for.
    pub(crate) document: &'a Value,
    /// The request's parameters.
    pub(crate) parameters: &'a Parameters,
    /// For an aggregate query, every matching document: what `COUNT(…)` and `SUM(…)` run over.
    pub(crate) group: Option<&'a [&'a Value]>,
    /// The container's user-defined functions, for `udf.name(…)`.
    pub(crate) functions: Functions<'a>,
}

/// The user-defined functions a query may call, if the caller provided any.
#[derive(Clone, Copy)]
pub(crate) struct Functions<'a>(pub(crate) Option<&'a dyn UserDefinedFunctions>);

impl std::fmt::Debug for Functions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Functions(some)"
        } else {
            "Functions(none)"
        })
    }
}

impl<'a> Scope<'a> {
    /// The same scope, looking at another document.
    fn with_document(self, document: &'a Value) -> Self {
        Self {
            document,
            group: None,
            ..self
        }
    }
}

/// The value of `expr` in `scope`: a JSON value (borrowed from the document when possible), or
/// `None` for undefined.
pub(crate) fn evaluate<'a>(expr: &'a Expr, scope: Scope<'a>) -> Datum<'a> {
    match expr {
        Expr::Literal(value) => Some(Cow::Borrowed(value)),
        Expr::Undefined => None,
        Expr::Parameter(name) => scope.parameters.get(name).map(Cow::Borrowed),
        // The only name a checked query can contain is the FROM alias.
        Expr::Identifier(_) => Some(Cow::Borrowed(scope.document)),
        Expr::Path { start, steps } => path(evaluate(start, scope), steps, scope),
        Expr::Array(items) => array(items, scope),
        Expr::Object(properties) => object(properties, scope),
        Expr::Unary { op, operand } => unary(*op, evaluate(operand, scope)),
        Expr::Binary { op, left, right } => binary(*op, left, right, scope),
        Expr::In {
            value,
            list,
            negated,
        } => negate_if(*negated, is_in(evaluate(value, scope), list, scope)),
        Expr::Between {
            value,
            low,
            high,
            negated,
        } => negate_if(*negated, between(value, low, high, scope)),
        Expr::Like {
            value,
            pattern,
            escape,
            negated,
        } => {
            let (value, pattern) = (evaluate(value, scope), evaluate(pattern, scope));
            let matched = like(as_str(&value)?, as_str(&pattern)?, *escape);
            negate_if(*negated, Some(matched))
        }
        Expr::Conditional {
            condition,
            then,
            otherwise,
        } => match as_bool(&evaluate(condition, scope))? {
            true => evaluate(then, scope),
            false => evaluate(otherwise, scope),
        },
        Expr::Call { function, args } => {
            let args: Vec<Datum<'_>> = args.iter().map(|arg| evaluate(arg, scope)).collect();
            function.call(&args)
        }
        Expr::Aggregate { function, arg } => {
            // Only the SELECT clause of an aggregate query has a group (the checks made sure
            // aggregates appear nowhere else); each document of it gives one value.
            let group = scope.group?;
            let values = group
                .iter()
                .map(|document| evaluate(arg, scope.with_document(document)));
            function.compute(values)
        }
        // A user-defined function gets its arguments as JSON (undefined as null, since JSON has
        // no undefined) and answers a value or undefined. Without functions (a query on a feed
        // that has none) the call is undefined; callers check the names exist beforehand.
        Expr::UserDefinedCall { name, args } => {
            let functions = scope.functions.0?;
            let args: Vec<Value> = args
                .iter()
                .map(|arg| evaluate(arg, scope).map_or(Value::Null, Cow::into_owned))
                .collect();
            functions.call(name, &args).map(Cow::Owned)
        }
    }
}

/// Whether `expr` is exactly `true`: the test WHERE applies to each document.
pub(crate) fn is_true(expr: &Expr, scope: Scope<'_>) -> bool {
    as_bool(&evaluate(expr, scope)) == Some(true)
}

/// Follows the steps of a path: `.name` into objects, `[n]` into arrays. Stepping into anything
/// else (a property of a string, an element of an object) is undefined.
fn path<'a>(start: Datum<'a>, steps: &'a [Step], scope: Scope<'a>) -> Datum<'a> {
    let mut current = start?;
    for step in steps {
        let index;
        let key = match step {
            Step::Property(name) => Key::Name(name),
            Step::Index(expr) => {
                index = evaluate(expr, scope);
                match index.as_deref()? {
                    Value::String(name) => Key::Name(name),
                    Value::Number(number) => Key::Position(usize::try_from(number.as_u64()?).ok()?),
                    _ => return None,
                }
            }
        };
        current = match current {
            // Reading from the document: borrow the inner value, copy nothing.
            Cow::Borrowed(value) => Cow::Borrowed(key.get(value)?),
            // Reading from a value the query computed: it is ours, take the inner value.
            Cow::Owned(value) => Cow::Owned(key.get(&value)?.clone()),
        };
    }
    Some(current)
}

/// Which member a path step reads.
enum Key<'k> {
    /// An object's property.
    Name(&'k str),
    /// An array's element.
    Position(usize),
}

impl Key<'_> {
    fn get(self, value: &Value) -> Option<&Value> {
        match (self, value) {
            (Key::Name(name), Value::Object(properties)) => properties.get(name),
            (Key::Position(position), Value::Array(items)) => items.get(position),
            _ => None,
        }
    }
}

/// `[a, b, …]`. Undefined items are left out, as they are from objects: JSON has no way to
/// write them.
fn array<'a>(items: &'a [Expr], scope: Scope<'a>) -> Datum<'a> {
    let items = items
        .iter()
        .filter_map(|item| evaluate(item, scope))
        .map(Cow::into_owned)
        .collect();
    Some(Cow::Owned(Value::Array(items)))
}

/// `{"name": value, …}`. Undefined values leave their property out.
fn object<'a>(properties: &'a [(String, Expr)], scope: Scope<'a>) -> Datum<'a> {
    let mut object = Map::new();
    for (name, expr) in properties {
        if let Some(value) = evaluate(expr, scope) {
            object.insert(name.clone(), value.into_owned());
        }
    }
    Some(Cow::Owned(Value::Object(object)))
}

/// `NOT`, `-` and `+`.
fn unary(op: UnaryOp, operand: Datum<'_>) -> Datum<'static> {
    match op {
        UnaryOp::Not => boolean(!as_bool(&operand)?),
        UnaryOp::Negate => value::number(-as_number(&operand)?),
        UnaryOp::Plus => value::number(as_number(&operand)?),
    }
}

/// The binary operators.
fn binary<'a>(op: BinaryOp, left: &'a Expr, right: &'a Expr, scope: Scope<'a>) -> Datum<'a> {
    let left = evaluate(left, scope);
    if op == BinaryOp::Coalesce {
        return left.or_else(|| evaluate(right, scope));
    }
    let right = evaluate(right, scope);
    let (l, r) = (left.as_deref(), right.as_deref());
    match op {
        BinaryOp::Coalesce => None,
        BinaryOp::And => match (as_bool(&left), as_bool(&right)) {
            (Some(false), _) | (_, Some(false)) => boolean(false),
            (Some(true), Some(true)) => boolean(true),
            _ => None,
        },
        BinaryOp::Or => match (as_bool(&left), as_bool(&right)) {
            (Some(true), _) | (_, Some(true)) => boolean(true),
            (Some(false), Some(false)) => boolean(false),
            _ => None,
        },
        BinaryOp::Equal => boolean(equals(l?, r?)?),
        BinaryOp::NotEqual => boolean(!equals(l?, r?)?),
        BinaryOp::Less => boolean(compare(l?, r?)?.is_lt()),
        BinaryOp::LessOrEqual => boolean(compare(l?, r?)?.is_le()),
        BinaryOp::Greater => boolean(compare(l?, r?)?.is_gt()),
        BinaryOp::GreaterOrEqual => boolean(compare(l?, r?)?.is_ge()),
        BinaryOp::Concat => value::string(format!("{}{}", as_str(&left)?, as_str(&right)?)),
        BinaryOp::Add => value::number(as_number(&left)? + as_number(&right)?),
        BinaryOp::Subtract => value::number(as_number(&left)? - as_number(&right)?),
        BinaryOp::Multiply => value::number(as_number(&left)? * as_number(&right)?),
        // Division and remainder by zero give infinity or NaN, which `number` turns into
        // undefined, since JSON cannot write them.
        BinaryOp::Divide => value::number(as_number(&left)? / as_number(&right)?),
        BinaryOp::Remainder => value::number(as_number(&left)? % as_number(&right)?),
    }
}

/// `value IN (a, b, …)`: like `value = a OR value = b OR …`, so one match is enough for `true`,
/// and without one, any undefined comparison makes the result undefined.
fn is_in<'a>(value: Datum<'a>, list: &'a [Expr], scope: Scope<'a>) -> Option<bool> {
    let value = value?;
    let mut undefined = false;
    for candidate in list {
        match evaluate(candidate, scope).and_then(|candidate| equals(&value, &candidate)) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => undefined = true,
        }
    }
    (!undefined).then_some(false)
}

/// `value BETWEEN low AND high`: `value >= low AND value <= high`.
fn between<'a>(value: &'a Expr, low: &'a Expr, high: &'a Expr, scope: Scope<'a>) -> Option<bool> {
    let value = evaluate(value, scope)?;
    let bound = |bound: &'a Expr| evaluate(bound, scope).and_then(|bound| compare(&value, &bound));
    let above_low = bound(low).map(|order| order.is_ge());
    let below_high = bound(high).map(|order| order.is_le());
    match (above_low, below_high) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// The result of a predicate, negated for `NOT IN`, `NOT LIKE` and `NOT BETWEEN`.
fn negate_if(negated: bool, result: Option<bool>) -> Datum<'static> {
    boolean(result? != negated)
}

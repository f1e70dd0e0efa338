//! Running a checked query over documents, clause by clause, in the order the service applies
//! them (not the order they are written in):
//!
//! ```text
//! parameters ─► FROM ─► WHERE ─► ORDER BY ─► SELECT ─► DISTINCT ─► OFFSET/LIMIT ─► TOP
//! (all defined?)  documents  keep `true`  sort      project or     drop        page        cut
//!                                                   aggregate      duplicates
//! ```
//!
//! Each step is a few lines below, so the pipeline reads top to bottom. The caller has already
//! chosen the documents (the container, or one partition of it) and pages the results.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::ast::{Count, OffsetLimit, SelectQuery, Selection, SortKey};
use super::eval::{Functions, Scope, evaluate, is_true};
use super::value::{canonical_text, sort_order};
use super::{Parameters, QueryError, UserDefinedFunctions};

/// The document a query without FROM (`SELECT 1 + 1`) is evaluated against, once. The checks
/// make sure such a query never refers to it.
static NO_DOCUMENT: Value = Value::Null;

/// Runs `query` over `documents` and returns its results, in order.
pub(crate) fn execute<'d>(
    query: &SelectQuery,
    documents: impl IntoIterator<Item = &'d Value>,
    parameters: &Parameters,
    functions: Option<&dyn UserDefinedFunctions>,
) -> Result<Vec<Value>, QueryError> {
    let functions = Functions(functions);
    // Before touching any document: everything the request had to provide is there.
    every_parameter_is_defined(query, parameters)?;
    let top = resolve_optional(query.top.as_ref(), "TOP", parameters)?;
    let (offset, limit) = match &query.offset_limit {
        Some(OffsetLimit { offset, limit }) => (
            resolve(offset, "OFFSET", parameters)?,
            Some(resolve(limit, "LIMIT", parameters)?),
        ),
        None => (0, None),
    };
    let scope = |document| Scope {
        document,
        parameters,
        group: None,
        functions,
    };

    // FROM: the documents, or a single evaluation for a query without FROM.
    let documents: Vec<&Value> = match query.source {
        Some(_) => documents.into_iter().collect(),
        None => vec![&NO_DOCUMENT],
    };

    // WHERE: keep the documents for which the condition is exactly `true`.
    let mut matching: Vec<&Value> = match &query.filter {
        Some(condition) => documents
            .into_iter()
            .filter(|document| is_true(condition, scope(document)))
            .collect(),
        None => documents,
    };

    // ORDER BY.
    sort(&mut matching, &query.order_by, parameters, functions);

    // SELECT: one result per document, or a single result made of aggregates.
    let mut results: Vec<Value> = if query.is_aggregate() {
        let group = Scope {
            document: &NO_DOCUMENT,
            parameters,
            group: Some(&matching),
            functions,
        };
        project(&query.selection, group).into_iter().collect()
    } else {
        matching
            .iter()
            .filter_map(|document| project(&query.selection, scope(document)))
            .collect()
    };

    // DISTINCT: keep the first of equal results.
    if query.distinct {
        let mut seen = HashSet::new();
        results.retain(|result| seen.insert(canonical_text(result)));
    }

    // OFFSET … LIMIT, then TOP.
    Ok(results
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .take(top.unwrap_or(usize::MAX))
        .collect())
}

/// The result for one document (or, for an aggregate query, for the whole group).
///
/// `None` leaves the document out of the results: `SELECT VALUE c.nickname` returns nothing
/// for a document without a nickname. In a select list, an undefined value leaves out just its
/// property: `SELECT c.nickname FROM c` returns `{}` for that document.
fn project(selection: &Selection, scope: Scope<'_>) -> Option<Value> {
    match selection {
        Selection::All => Some(scope.document.clone()),
        Selection::Value(expr) => evaluate(expr, scope).map(Cow::into_owned),
        Selection::Fields(fields) => {
            let mut result = Map::new();
            for field in fields {
                if let Some(value) = evaluate(&field.expr, scope) {
                    result.insert(field.name.clone(), value.into_owned());
                }
            }
            Some(Value::Object(result))
        }
    }
}

/// Sorts the documents by the ORDER BY keys, in the cross-type order of [`sort_order`].
///
/// A document without the sorted property has an undefined key, which sorts first in ascending
/// order (and last in descending order): the document stays in the results, as it does in the
/// service. The sort is stable, so documents with equal keys keep their stored order.
fn sort(
    documents: &mut Vec<&Value>,
    keys: &[SortKey],
    parameters: &Parameters,
    functions: Functions<'_>,
) {
    if keys.is_empty() {
        return;
    }
    let mut keyed: Vec<_> = documents
        .iter()
        .map(|&document| {
            let scope = Scope {
                document,
                parameters,
                group: None,
                functions,
            };
            let values: Vec<_> = keys.iter().map(|key| evaluate(&key.expr, scope)).collect();
            (values, document)
        })
        .collect();
    keyed.sort_by(|(left, _), (right, _)| {
        keys.iter()
            .zip(left.iter().zip(right))
            .map(|(key, (left, right))| {
                let order = sort_order(left.as_deref(), right.as_deref());
                if key.descending {
                    order.reverse()
                } else {
                    order
                }
            })
            .find(|order| order.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    *documents = keyed.into_iter().map(|(_, document)| document).collect();
}

/// Refuses to run a query that uses a parameter the request does not define.
///
/// Checking before the first document (rather than when an expression needs the value) makes
/// the error independent of the data: a typo in a parameter name fails even on an empty
/// container.
fn every_parameter_is_defined(
    query: &SelectQuery,
    parameters: &Parameters,
) -> Result<(), QueryError> {
    let mut used = Vec::new();
    let counts = [query.top.as_ref()]
        .into_iter()
        .chain(
            query
                .offset_limit
                .iter()
                .flat_map(|ol| [Some(&ol.offset), Some(&ol.limit)]),
        )
        .flatten();
    for count in counts {
        if let Count::Parameter(name) = count {
            used.push(name.as_str());
        }
    }
    for expr in query.expressions() {
        expr.walk(&mut |expr| {
            if let super::ast::Expr::Parameter(name) = expr {
                used.push(name.as_str());
            }
        });
    }
    match used.into_iter().find(|name| !parameters.defines(name)) {
        Some(name) => Err(QueryError::MissingParameter {
            name: name.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The value of an optional TOP, OFFSET or LIMIT.
fn resolve_optional(
    count: Option<&Count>,
    clause: &'static str,
    parameters: &Parameters,
) -> Result<Option<usize>, QueryError> {
    count
        .map(|count| resolve(count, clause, parameters))
        .transpose()
}

/// The value of TOP, OFFSET or LIMIT: the literal, or the parameter's value, which must be a
/// non-negative integer.
fn resolve(
    count: &Count,
    clause: &'static str,
    parameters: &Parameters,
) -> Result<usize, QueryError> {
    let name = match count {
        Count::Literal(count) => return Ok(usize::try_from(*count).unwrap_or(usize::MAX)),
        Count::Parameter(name) => name,
    };
    let value = parameters.get(name);
    let count = value.and_then(|value| {
        let number = value.as_f64()?;
        (number >= 0.0 && number.fract() == 0.0).then_some(number as usize)
    });
    count.ok_or_else(|| QueryError::InvalidCount {
        clause,
        found: match value {
            Some(value) => format!("{name} = {value}"),
            None => format!("{name} without a value"),
        },
    })
}

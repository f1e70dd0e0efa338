//! Step 3 of parsing: the rules a query must follow beyond its grammar.
//!
//! `SELECT x.id FROM c` parses, but means nothing: `x` is not defined. These checks run once,
//! right after parsing, so that a wrong query fails before it touches a document, with an error
//! that says what to change. Each rule is one function; the service enforces the same rules,
//! with similar messages.

use std::collections::BTreeSet;

use super::QueryError;
use super::ast::{Expr, SelectQuery, Selection, Step};

/// Runs every check, in the order a reader would fix them.
pub(crate) fn check(query: &SelectQuery) -> Result<(), QueryError> {
    select_star_needs_from(query)?;
    names_resolve(query)?;
    aggregates_are_alone(query)?;
    sort_keys_are_paths(query)?;
    property_names_are_unique(query)
}

/// `SELECT *` returns documents, so the query must read some.
fn select_star_needs_from(query: &SelectQuery) -> Result<(), QueryError> {
    if query.selection == Selection::All && query.source.is_none() {
        return Err(QueryError::invalid(
            "'SELECT *' is only valid with a FROM clause: without one there are no documents \
             to return",
        ));
    }
    Ok(())
}

/// Every name refers to the document, by the alias the FROM clause gives it.
fn names_resolve(query: &SelectQuery) -> Result<(), QueryError> {
    let alias = query.source.as_ref().map(|source| source.alias.as_str());
    let unresolved =
        |expr: &Expr| matches!(expr, Expr::Identifier(name) if Some(name.as_str()) != alias);
    let Some(Expr::Identifier(name)) = query.expressions().find_map(|expr| expr.find(&unresolved))
    else {
        return Ok(());
    };
    let why = match alias {
        Some(alias) => format!(
            "this query calls each document '{alias}', so paths start with {alias}, \
             as in {alias}.id"
        ),
        None => "the query has no FROM clause, so there is no document to refer to".to_owned(),
    };
    let literal = ["true", "false", "null", "undefined"]
        .iter()
        .find(|literal| literal.eq_ignore_ascii_case(name));
    let hint = match literal {
        Some(literal) => format!(" (to write the literal, use lower case: {literal})"),
        None => String::new(),
    };
    Err(QueryError::invalid(format!(
        "identifier '{name}' could not be resolved: {why}{hint}"
    )))
}

/// Aggregates (COUNT, SUM…) appear only in the SELECT clause, not inside each other, and not next
/// to plain properties of the documents: without GROUP BY, an aggregate query returns one row,
/// and `c.name` has no single value in it.
fn aggregates_are_alone(query: &SelectQuery) -> Result<(), QueryError> {
    let is_aggregate = |expr: &Expr| matches!(expr, Expr::Aggregate { .. });
    let elsewhere = [
        ("WHERE", query.filter.as_ref()),
        (
            "ORDER BY",
            query
                .order_by
                .iter()
                .map(|key| &key.expr)
                .find(|e| e.has_aggregate()),
        ),
    ];
    for (clause, expr) in elsewhere {
        if let Some(Expr::Aggregate { function, .. }) = expr.and_then(|e| e.find(&is_aggregate)) {
            return Err(QueryError::invalid(format!(
                "{} cannot be used in the {clause} clause: aggregate functions are only allowed \
                 in the SELECT clause",
                function.name()
            )));
        }
    }

    let selected: Vec<&Expr> = match &query.selection {
        Selection::All => return Ok(()),
        Selection::Value(expr) => vec![expr],
        Selection::Fields(fields) => fields.iter().map(|field| &field.expr).collect(),
    };
    for expr in &selected {
        let nested = |e: &Expr| matches!(e, Expr::Aggregate { arg, .. } if arg.has_aggregate());
        if let Some(outer) = expr.find(&nested) {
            return Err(QueryError::invalid(format!(
                "aggregate functions cannot be nested, as in {outer}"
            )));
        }
    }
    if selected.iter().any(|expr| expr.has_aggregate())
        && let Some(reference) = selected.iter().find_map(|expr| document_reference(expr))
    {
        return Err(QueryError::invalid(format!(
            "'{reference}' is invalid in the select list because it is not inside an \
             aggregate function such as COUNT or SUM (mixing them needs GROUP BY, which \
             is not supported by the cosmolab emulator)"
        )));
    }
    Ok(())
}

/// The first reference to the document outside any aggregate: `c.name` in `c.name, COUNT(1)`.
fn document_reference(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Aggregate { .. } => None,
        Expr::Identifier(_) => Some(expr),
        Expr::Path { start, .. } if matches!(**start, Expr::Identifier(_)) => Some(expr),
        _ => expr.children().into_iter().find_map(document_reference),
    }
}

/// ORDER BY sorts on properties of the documents (`c.name`, `c["name"]`, `c.tags[0]`), not on
/// computed values: the service sorts with its indexes, which only know document paths.
fn sort_keys_are_paths(query: &SelectQuery) -> Result<(), QueryError> {
    for key in &query.order_by {
        let is_document_path = match &key.expr {
            Expr::Path { start, steps } => {
                matches!(**start, Expr::Identifier(_))
                    && steps.iter().all(|step| match step {
                        Step::Property(_) => true,
                        Step::Index(index) => matches!(index, Expr::Literal(v) if v.is_u64()),
                    })
            }
            _ => false,
        };
        if !is_document_path {
            return Err(QueryError::invalid(format!(
                "ORDER BY can only sort on a property of the documents, such as c.name, \
                 but '{}' is not a document path",
                key.expr
            )));
        }
    }
    Ok(())
}

/// A result cannot have two properties with one name: `SELECT c.a, c.b.a` would make two `a`.
fn property_names_are_unique(query: &SelectQuery) -> Result<(), QueryError> {
    if let Selection::Fields(fields) = &query.selection {
        let mut seen = BTreeSet::new();
        for field in fields {
            if !seen.insert(field.name.as_str()) {
                return Err(QueryError::invalid(format!(
                    "the select list gives two values the property name '{}'; rename one \
                     with AS, as in {} AS other_name",
                    field.name, field.expr
                )));
            }
        }
    }
    let has_duplicate = |expr: &Expr| match expr {
        Expr::Object(properties) => {
            let mut seen = BTreeSet::new();
            !properties.iter().all(|(name, _)| seen.insert(name))
        }
        _ => false,
    };
    if let Some(object) = query
        .expressions()
        .find_map(|expr| expr.find(&has_duplicate))
    {
        return Err(QueryError::invalid(format!(
            "the object {object} names the same property twice"
        )));
    }
    Ok(())
}

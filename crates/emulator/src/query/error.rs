//! Everything that can go wrong with a query, worded for the person who wrote it.
//!
//! The emulator answers every [`QueryError`] with `400 BadRequest` and puts its `Display` text in
//! the body's `message`, so each message must let a trainee fix their query without reading this
//! code: it says where the problem is, what was expected, or which feature is missing.
//!
//! The variants fall into three families, in the order a query meets them:
//!
//! 1. **the text is not a query**: [`QueryError::Syntax`];
//! 2. **the query is well-formed but cannot run here**: [`QueryError::Unsupported`] and
//!    [`QueryError::UserDefinedFunction`] (the container has no such function) or
//!    [`QueryError::Invalid`] (the service would refuse it too);
//! 3. **the request around the query is wrong**: [`QueryError::InvalidParameters`],
//!    [`QueryError::MissingParameter`] and [`QueryError::InvalidCount`], found when the query is
//!    executed with the request's parameters.

/// Why a query could not be parsed or executed.
///
/// ```
/// use cosmolab_emulator::query::{Query, QueryError};
///
/// let error = Query::parse("SELECT * FROM c GROUP BY c.city").unwrap_err();
/// assert!(matches!(error, QueryError::Unsupported { .. }));
/// assert_eq!(error.to_string(), "GROUP BY is not supported by the cosmolab emulator");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The text is not valid Cosmos DB SQL.
    ///
    /// The message starts like the service's own ("syntax error near 'FORM'") and adds where the
    /// problem is and what the parser expected there.
    #[error("syntax error near {near} at line {line}, column {column}: expected {expected}")]
    Syntax {
        /// The 1-based line of the offending text.
        line: usize,
        /// The 1-based column (in characters) of the offending text.
        column: usize,
        /// The offending text, quoted (`'FORM'`), or `the end of the query`.
        near: String,
        /// What would have been valid there, e.g. `an expression in the WHERE clause`.
        expected: String,
    },

    /// Valid Cosmos DB SQL that the service runs, but this emulator does not implement.
    #[error("{feature} is not supported by the cosmolab emulator")]
    Unsupported {
        /// What the query used, e.g. `GROUP BY` or `the function ST_DISTANCE`.
        feature: String,
    },

    /// The query calls a user-defined function (`udf.name(…)`) that the container does not have.
    #[error(
        "The query calls udf.{name}, but the container has no user-defined function '{name}'. \
         Create it first (POST …/udfs with {{\"id\": \"{name}\", \"body\": \"function (…) {{ … }}\"}})."
    )]
    UserDefinedFunction {
        /// The function's name, without the `udf.` prefix.
        name: String,
    },

    /// A well-formed query that the service would refuse too: an alias that is not defined, an
    /// aggregate mixed with plain properties, a function called with the wrong number of
    /// arguments…
    #[error("{reason}")]
    Invalid {
        /// What is wrong, and how to fix it.
        reason: String,
    },

    /// The request's `parameters` list is malformed: not a list of `{"name", "value"}` objects,
    /// a name without `@`, or a name given twice.
    #[error("invalid query parameters: {reason}")]
    InvalidParameters {
        /// What is wrong with the list.
        reason: String,
    },

    /// The query uses a parameter that the request does not define.
    #[error(
        "the query uses the parameter {name}, but the request's \"parameters\" list does not \
         define it; add {{\"name\": \"{name}\", \"value\": …}}"
    )]
    MissingParameter {
        /// The parameter's name, with its `@`.
        name: String,
    },

    /// `TOP`, `OFFSET` or `LIMIT` was given something other than a non-negative integer.
    #[error("{clause} needs a non-negative integer, but the query gives {found}")]
    InvalidCount {
        /// `TOP`, `OFFSET` or `LIMIT`.
        clause: &'static str,
        /// What it was given: a literal, or a parameter and its value (`@n = "ten"`).
        found: String,
    },
}

impl QueryError {
    /// A [`QueryError::Unsupported`] naming `feature`.
    pub(crate) fn unsupported(feature: impl Into<String>) -> Self {
        Self::Unsupported {
            feature: feature.into(),
        }
    }

    /// A [`QueryError::Invalid`] with this reason.
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::Invalid {
            reason: reason.into(),
        }
    }

    /// A [`QueryError::InvalidParameters`] with this reason.
    pub(crate) fn invalid_parameters(reason: impl Into<String>) -> Self {
        Self::InvalidParameters {
            reason: reason.into(),
        }
    }

    /// A [`QueryError::Syntax`] at byte `offset` of `text`.
    ///
    /// `found` is the offending text, or `None` when the query ended too early.
    pub(crate) fn syntax(text: &str, offset: usize, found: Option<&str>, expected: String) -> Self {
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let column = before[line_start..].chars().count() + 1;
        let near = match found {
            Some(found) => format!("'{}'", shorten(found)),
            None => "the end of the query".to_owned(),
        };
        Self::Syntax {
            line,
            column,
            near,
            expected,
        }
    }
}

/// Keeps an error message readable when the offending token is a long string literal.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 30;
    if text.chars().count() <= MAX_CHARS {
        text.to_owned()
    } else {
        let start: String = text.chars().take(MAX_CHARS).collect();
        format!("{start}…")
    }
}

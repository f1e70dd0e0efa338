//! The emulator's Cosmos DB SQL query engine: `SELECT * FROM c WHERE c.id = @id`.
//!
//! A query request (`POST …/docs` with `x-ms-documentdb-isquery: true`) carries the query text
//! and its parameters. The emulator answers it by itself, over the documents of one container
//! (or of one partition of it): it picks the documents, runs the query here, and pages the
//! results into the `{"Documents": […]}` envelope. Because the emulator answers even
//! cross-partition queries in one go, the SDKs never need a query plan (see
//! `protocol-details.md`, §3.8).
//!
//! ## How a query flows through this module
//!
//! ```text
//!  "SELECT c.name FROM c WHERE c.age > @min"              [{"name": "@min", "value": 18}]
//!       │ lexer.rs    text → tokens                                 │ parameters.rs
//!       │ parser.rs   tokens → syntax tree (ast.rs)                 │ Parameters
//!       │ check.rs    aliases resolve, aggregates are alone, …      │
//!       ▼                                                           │
//!     Query ──────────────── Query::execute(documents, &parameters) ◄┘
//!                               │ execute.rs  WHERE → ORDER BY → SELECT → DISTINCT → OFFSET/TOP
//!                               │ eval.rs     one expression, one document (value.rs, functions.rs)
//!                               ▼
//!                            [{"name": "Ana"}, …]
//! ```
//!
//! [`Query::parse`] does all the checking it can without data, so a query is parsed once and
//! can then run over any documents. Every failure is a [`QueryError`], which the emulator turns
//! into `400 BadRequest` with the error's text as the message.
//!
//! ## What the language supports here
//!
//! - `SELECT *`, `SELECT c.a, c.b.c AS x, c["prop"], {"k": c.v}, [c.a, c.b]`, `SELECT VALUE expr`,
//!   `SELECT DISTINCT …`, `SELECT TOP n …` (a literal or a parameter);
//! - `FROM c`, `FROM root r`, `FROM Items AS i`: the container name is ignored, the alias names
//!   the document, and every path must start with it;
//! - `WHERE` with `= != <> < <= > >=`, `AND OR NOT`, `IN (…)`, `BETWEEN … AND …`, `LIKE`,
//!   `+ - * / %`, `||`, `??`, `? :`, literals (including `undefined`), parameters and paths
//!   (`c.a.b`, `c["a"]`, `c.arr[0]`);
//! - the built-in functions listed in `functions.rs` (`IS_DEFINED`, `STARTSWITH`,
//!   `ARRAY_CONTAINS`…), and the aggregates `COUNT`, `SUM`, `AVG`, `MIN`, `MAX`;
//! - `ORDER BY` on one or more properties, `ASC` or `DESC`; `OFFSET n LIMIT m`.
//!
//! - user-defined functions, `udf.tax(c.price)`: the container's JavaScript functions
//!   (`crate::scripts`), passed in by the caller as [`UserDefinedFunctions`].
//!
//! `GROUP BY`, `JOIN`, `FROM … IN`, subqueries (`EXISTS`, `ARRAY(SELECT …)`) and the bitwise
//! operators are refused with an error naming them.
//!
//! ## Semantics worth knowing
//!
//! - **undefined is not null.** A missing property is undefined; so is any operation on values
//!   of the wrong types (`1 < "a"`, `LOWER(42)`). `WHERE` keeps a document only if its condition
//!   is exactly `true`; a projection leaves out undefined properties; `SELECT VALUE` leaves out
//!   undefined results. See `value.rs` and `eval.rs`.
//! - **Numbers** stay as stored; computed numbers are doubles, written as integers when whole.
//! - **ORDER BY** orders across types (undefined < null < booleans < numbers < strings < arrays <
//!   objects) and keeps documents that lack the property, first in ascending order.
//! - **Precedence follows the service's grammar**, which has two surprises: `NOT` binds tighter
//!   than comparisons (`NOT c.a = 1` is `(NOT c.a) = 1`; write `NOT (c.a = 1)`), and `||` binds
//!   looser than them (write `(c.a || "x") = "ax"`).
//!
//! ## Example
//!
//! ```
//! use cosmolab_emulator::query::{Parameters, Query};
//! use serde_json::json;
//!
//! let documents = [
//!     json!({"id": "1", "name": "Ana", "age": 34, "_ts": 1700000000}),
//!     json!({"id": "2", "name": "Bo", "age": 17, "_ts": 1700000001}),
//!     json!({"id": "3", "name": "Cy", "_ts": 1700000002}),
//! ];
//! let query = Query::parse("SELECT c.name FROM c WHERE c.age >= @min ORDER BY c.name DESC")?;
//! let parameters = Parameters::from_request(&json!([{"name": "@min", "value": 18}]))?;
//! assert_eq!(query.execute(&documents, &parameters)?, [json!({"name": "Ana"})]);
//!
//! let count = Query::parse("SELECT VALUE COUNT(1) FROM c")?;
//! assert_eq!(count.execute(&documents, &Parameters::new())?, [json!(3)]);
//! # Ok::<(), cosmolab_emulator::query::QueryError>(())
//! ```

mod ast;
mod check;
mod error;
mod eval;
mod execute;
mod functions;
mod lexer;
mod like;
mod parameters;
mod parser;
mod value;

#[cfg(test)]
mod tests;

use serde_json::Value;

pub use error::QueryError;
pub use parameters::Parameters;

/// A parsed and checked query, ready to run over any set of documents.
///
/// ```
/// use cosmolab_emulator::query::{Parameters, Query};
/// use serde_json::json;
///
/// let query = Query::parse("SELECT * FROM r WHERE r.id = @id")?;
/// let documents = [json!({"id": "a"}), json!({"id": "b"})];
/// let parameters = Parameters::from_request(&json!([{"name": "@id", "value": "b"}]))?;
/// assert_eq!(query.execute(&documents, &parameters)?, [json!({"id": "b"})]);
/// # Ok::<(), cosmolab_emulator::query::QueryError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The syntax tree, which [`check::check`] accepted.
    select: ast::SelectQuery,
}

impl Query {
    /// Parses and checks a query's text.
    ///
    /// Fails with [`QueryError::Syntax`] if the text is not a query, [`QueryError::Unsupported`]
    /// if it uses something this emulator does not implement, and [`QueryError::Invalid`] if the
    /// service would refuse it too.
    pub fn parse(text: &str) -> Result<Self, QueryError> {
        let tokens = lexer::tokenize(text)?;
        let select = parser::parse(text, &tokens)?;
        check::check(&select)?;
        Ok(Self { select })
    }

    /// Runs the query over `documents` and returns the results in their final order: after
    /// WHERE, ORDER BY, the projection or aggregation, DISTINCT, OFFSET/LIMIT and TOP.
    ///
    /// Fails, before looking at any document, if the query uses a parameter that `parameters`
    /// does not define ([`QueryError::MissingParameter`]) or if TOP, OFFSET or LIMIT get a
    /// parameter that is not a non-negative integer ([`QueryError::InvalidCount`]).
    pub fn execute<'d>(
        &self,
        documents: impl IntoIterator<Item = &'d Value>,
        parameters: &Parameters,
    ) -> Result<Vec<Value>, QueryError> {
        execute::execute(&self.select, documents, parameters, None)
    }

    /// The names of the user-defined functions the query calls (`udf.tax` → `tax`), each once.
    pub fn user_defined_functions(&self) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        for expr in self.select.expressions() {
            expr.walk(&mut |expr| {
                if let ast::Expr::UserDefinedCall { name, .. } = expr {
                    names.insert(name.clone());
                }
            });
        }
        names
    }

    /// Like [`execute`](Self::execute), with the user-defined functions `udf.name(…)` calls.
    /// The caller checks first that every name in [`user_defined_functions`](Self::user_defined_functions)
    /// exists; a function's failure is the caller's to keep and report (evaluation itself never
    /// fails, see `eval.rs`).
    pub fn execute_with_functions<'d>(
        &self,
        documents: impl IntoIterator<Item = &'d Value>,
        parameters: &Parameters,
        functions: &dyn UserDefinedFunctions,
    ) -> Result<Vec<Value>, QueryError> {
        execute::execute(&self.select, documents, parameters, Some(functions))
    }
}

/// The user-defined functions of a container, as a query calls them.
pub trait UserDefinedFunctions {
    /// Calls `udf.<name>(args…)`: a value, or `None` for undefined. Failures (a throw, a time
    /// limit) are kept by the implementation, which answers `None` and reports them after the
    /// query.
    fn call(&self, name: &str, args: &[Value]) -> Option<Value>;
}

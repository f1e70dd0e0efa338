//! End-to-end tests of the query engine: parse a query, run it over a few documents, compare the
//! results. One file per part of the language; `properties.rs` holds the property tests that
//! prove no input makes the engine panic.

mod aggregates;
mod errors;
mod filters;
mod functions;
mod ordering;
mod projection;
mod properties;
mod seeds;

use serde_json::{Value, json};

use super::{Parameters, Query, QueryError};

/// A small container: three people, stored with the system properties the service adds, and
/// deliberately uneven (Bo has no city and a null nickname, Cy has no age).
fn people() -> Vec<Value> {
    vec![
        json!({
            "id": "1", "name": "Ana", "age": 34, "city": "Paris",
            "tags": ["admin", "dev"], "address": {"city": "Paris", "zip": "75001"},
            "_rid": "AAAAAAAAAAABAAAAAAAAAA==", "_ts": 1700000001, "_etag": "\"00000001\"",
            "_self": "dbs/AAAAAA==/colls/AAAAAAAAAAA=/docs/AAAAAAAAAAABAAAAAAAAAA==/",
            "_attachments": "attachments/"
        }),
        json!({
            "id": "2", "name": "Bo", "age": 17, "nickname": null,
            "tags": ["dev"], "address": {"zip": "10115"},
            "_rid": "AAAAAAAAAAACAAAAAAAAAA==", "_ts": 1700000002, "_etag": "\"00000002\"",
            "_self": "dbs/AAAAAA==/colls/AAAAAAAAAAA=/docs/AAAAAAAAAAACAAAAAAAAAA==/",
            "_attachments": "attachments/"
        }),
        json!({
            "id": "3", "name": "Cy", "city": "Lyon", "tags": [],
            "_rid": "AAAAAAAAAAADAAAAAAAAAA==", "_ts": 1700000003, "_etag": "\"00000003\"",
            "_self": "dbs/AAAAAA==/colls/AAAAAAAAAAA=/docs/AAAAAAAAAAADAAAAAAAAAA==/",
            "_attachments": "attachments/"
        }),
    ]
}

/// Parses `text` and runs it over `documents` without parameters; the query must succeed.
fn run(text: &str, documents: &[Value]) -> Vec<Value> {
    run_with(text, documents, &Parameters::new())
}

/// Parses `text` and runs it over `documents` with `parameters`; the query must succeed.
fn run_with(text: &str, documents: &[Value], parameters: &Parameters) -> Vec<Value> {
    let query = Query::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
    query
        .execute(documents, parameters)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// The ids of `results`, which must be documents.
fn ids(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .map(|result| result["id"].as_str().expect("each result has a string id"))
        .collect()
}

/// Parameters from the request's JSON list.
fn parameters(list: Value) -> Parameters {
    Parameters::from_request(&list).expect("a valid parameter list")
}

/// The error of parsing `text`, which must fail.
fn parse_error(text: &str) -> QueryError {
    match Query::parse(text) {
        Ok(query) => panic!("{text} parsed as {query:?}"),
        Err(error) => error,
    }
}

//! Property tests: no input, however strange, makes the engine panic.
//!
//! The query text and the documents come from clients, so "never panics" is a security
//! property of the emulator, not a nicety. Three generators attack it from three sides: any
//! string, sequences of real query tokens (which get much deeper into the parser than random
//! text), and random documents under a fixed set of queries.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::query::{Parameters, Query, QueryError};

/// Tokens of the language, plus a few near-misses, to build plausible and implausible queries.
const TOKENS: &str = r#"
    SELECT select VALUE DISTINCT TOP FROM WHERE ORDER BY ASC DESC OFFSET LIMIT AS AND OR NOT IN
    BETWEEN LIKE ESCAPE JOIN GROUP EXISTS ARRAY RANK true false null undefined TRUE udf
    c r root id name tags COUNT SUM AVG MIN MAX IS_DEFINED STARTSWITH ARRAY_CONTAINS LOWER FOO
    * , . ( ) [ ] { } : = != <> < <= > >= + - / % || ?? ? & | ^ ~ << >>
    0 1 42 1.5 1e3 'a' "b" 'it\'s' @id @n @ ' " \ # é
"#;

/// The tokens of [`TOKENS`], one by one.
fn tokens() -> Vec<&'static str> {
    TOKENS.split_whitespace().collect()
}

/// A JSON value of bounded depth.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-c]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]|id|tags|n", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A document: an object whose properties the fixed queries below read.
fn document() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop::sample::select(vec!["id", "a", "b", "c", "n", "tags", "s"]),
        json_value(),
        0..6,
    )
    .prop_map(|map| {
        let map: Map<String, Value> = map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        Value::Object(map)
    })
}

/// Queries that exercise every part of the engine.
const QUERIES: &[&str] = &[
    "SELECT * FROM c",
    "SELECT * FROM c WHERE c.id = @p",
    "SELECT c.id, c.a.b, c.tags[0], c['n'] AS n FROM c WHERE c.n > 1 OR NOT IS_DEFINED(c.a)",
    "SELECT VALUE c.n + c.a * 2 - c.b / c.n % 3 FROM c",
    "SELECT VALUE c.s || c.a FROM c",
    "SELECT DISTINCT VALUE c.a FROM c ORDER BY c.a DESC",
    "SELECT * FROM c ORDER BY c.n, c.tags DESC OFFSET @n LIMIT @n",
    "SELECT TOP @n c.id FROM c ORDER BY c.b",
    "SELECT VALUE COUNT(c.a) FROM c",
    "SELECT SUM(c.n) AS s, AVG(c.n) AS a, MIN(c.a) AS lo, MAX(c.a) AS hi FROM c",
    "SELECT * FROM c WHERE c.a IN (1, 'a', @p, null) AND c.n BETWEEN -1 AND @p",
    "SELECT * FROM c WHERE c.s LIKE @p OR c.s LIKE '%a_[b-c]'",
    "SELECT VALUE [c.a, {\"x\": c.b}, c.c ?? c.n, c.n > 0 ? c.a : c.b] FROM c",
    "SELECT VALUE ARRAY_CONTAINS(c.tags, @p, true) FROM c",
    "SELECT VALUE STARTSWITH(c.s, @p, c.a) FROM c",
    "SELECT VALUE CONCAT(c.s, LOWER(c.a), UPPER(c.b)) FROM c",
    "SELECT VALUE SUBSTRING(c.s, c.n, c.a) FROM c",
    "SELECT VALUE INDEX_OF(c.s, c.a, c.n) FROM c",
    "SELECT VALUE LEFT(c.s, c.n) FROM c",
    "SELECT VALUE c.tags[c.n] FROM c",
    "SELECT VALUE c[@p] FROM c",
    "SELECT VALUE ROUND(c.n) + ABS(c.a) + LENGTH(c.s) + ARRAY_LENGTH(c.tags) FROM c",
];

proptest! {
    /// Any string parses or fails with an error; a syntax error points inside the text.
    #[test]
    fn parsing_any_string_never_panics(text in any::<String>()) {
        if let Err(QueryError::Syntax { line, .. }) = Query::parse(&text) {
            prop_assert!(line <= text.lines().count() + 1);
        }
    }

    /// Printable, query-like text parses or fails with an error.
    #[test]
    fn parsing_query_like_text_never_panics(text in "SELECT [ -~]{0,80}") {
        let _ = Query::parse(&text);
    }

    /// Any sequence of query tokens parses or fails with an error, and whatever parses runs.
    #[test]
    fn parsing_token_soup_never_panics(
        tokens in prop::collection::vec(prop::sample::select(tokens()), 0..40),
        glue in prop::sample::select(vec![" ", "", "\t"]),
    ) {
        let text = tokens.join(glue);
        if let Ok(query) = Query::parse(&text) {
            let documents = [json!({"id": "1", "name": "a", "tags": [1]}), json!({})];
            let parameters = Parameters::from_request(&json!([
                {"name": "@id", "value": "1"}, {"name": "@n", "value": 1}
            ])).unwrap();
            let _ = query.execute(&documents, &parameters);
        }
    }

    /// Queries that start like real ones, then go wrong anywhere, never panic.
    #[test]
    fn parsing_broken_queries_never_panics(
        prefix in prop::sample::select(QUERIES),
        cut in 0usize..200,
        tokens in prop::collection::vec(prop::sample::select(tokens()), 0..8),
    ) {
        let cut = prefix.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(prefix.len());
        let text = format!("{} {}", &prefix[..cut], tokens.join(" "));
        let _ = Query::parse(&text);
    }

    /// The fixed queries run over any documents, with any parameter values, without panicking.
    #[test]
    fn executing_over_random_documents_never_panics(
        documents in prop::collection::vec(document(), 0..8),
        p in json_value(),
        n in prop_oneof![json_value(), (0u64..5).prop_map(Value::from)],
    ) {
        let parameters = Parameters::from_request(&json!([
            {"name": "@p", "value": p}, {"name": "@n", "value": n}
        ])).unwrap();
        for text in QUERIES {
            let query = Query::parse(text).unwrap();
            match query.execute(&documents, &parameters) {
                Ok(results) => prop_assert!(results.len() <= documents.len().max(1)),
                Err(error) => prop_assert!(matches!(error, QueryError::InvalidCount { .. }), "{text}: {error}"),
            }
        }
    }
}

/// Every fixed query of the property tests parses (so the property tests test execution).
#[test]
fn the_fixed_queries_parse() {
    for text in QUERIES {
        assert!(
            Query::parse(text).is_ok(),
            "{text}: {:?}",
            Query::parse(text)
        );
    }
}

//! Errors: every failure names its cause, so a trainee can fix the query from the message alone.

use serde_json::json;

use super::{QueryError, parameters, parse_error, people};
use crate::query::{Parameters, Query};

/// The message of parsing `text`, which must fail.
fn message(text: &str) -> String {
    parse_error(text).to_string()
}

/// A misspelled keyword is reported where it is, with what could have come instead.
#[test]
fn syntax_error_points_at_the_problem() {
    let error = parse_error("SELECT * FORM c");
    assert_eq!(
        error,
        QueryError::Syntax {
            line: 1,
            column: 10,
            near: "'FORM'".into(),
            expected: "FROM, WHERE, ORDER BY, OFFSET or the end of the query".into(),
        }
    );
    assert_eq!(
        error.to_string(),
        "syntax error near 'FORM' at line 1, column 10: \
         expected FROM, WHERE, ORDER BY, OFFSET or the end of the query"
    );
}

/// A query that stops too early says what it still needs, and in which clause.
#[test]
fn syntax_error_at_the_end() {
    assert_eq!(
        message("SELECT * FROM c WHERE"),
        "syntax error near the end of the query at line 1, column 22: \
         expected an expression in the WHERE clause"
    );
    assert!(message("SELECT * FROM c WHERE (c.id = '1'").contains("expected ')' to close"));
    assert!(
        message("SELECT * FROM c WHERE c.id IN ('1'")
            .contains("expected ',' or ')' to close the IN list")
    );
    assert!(message("SELECT * FROM c ORDER c.id").contains("expected BY after ORDER"));
    assert!(message("SELECT * FROM c OFFSET 1").contains("expected LIMIT after the OFFSET count"));
    assert!(message("").contains("expected SELECT at the start of the query"));
}

/// Lines and columns count from 1, in characters, across newlines.
#[test]
fn syntax_error_positions_span_lines() {
    let error = parse_error("SELECT *\nFROM c\nWHERE c.name = 'é' AND AND c.x = 1");
    let QueryError::Syntax {
        line, column, near, ..
    } = error
    else {
        panic!("expected a syntax error, got {error:?}");
    };
    assert_eq!((line, column, near.as_str()), (3, 24, "'AND'"));
}

/// Clauses in the wrong order, or LIMIT without OFFSET, are syntax errors naming what is allowed.
#[test]
fn misplaced_clauses() {
    assert!(message("SELECT * FROM c LIMIT 10").contains("near 'LIMIT'"));
    assert!(
        message("SELECT * FROM c ORDER BY c.id WHERE c.id = '1'")
            .contains("expected OFFSET or the end")
    );
    assert!(message("SELECT * WHERE c.id = '1' FROM c").contains("near 'FROM'"));
}

/// Each unsupported feature is refused by name.
#[test]
fn unsupported_features_name_themselves() {
    let cases = [
        ("SELECT c.city, COUNT(1) FROM c GROUP BY c.city", "GROUP BY"),
        ("SELECT * FROM c JOIN t IN c.tags", "JOIN"),
        (
            "SELECT * FROM t IN c.tags",
            "iterating over an array with FROM … IN",
        ),
        (
            "SELECT * FROM c.tags",
            "a FROM clause with a path (iterating inside each document)",
        ),
        ("SELECT * FROM (SELECT * FROM c)", "a subquery in FROM"),
        (
            "SELECT * FROM c WHERE c.id IN (SELECT VALUE 1)",
            "a subquery",
        ),
        (
            "SELECT * FROM c WHERE EXISTS(SELECT VALUE t FROM t IN c.tags)",
            "an EXISTS subquery",
        ),
        ("SELECT ARRAY(SELECT VALUE 1) FROM c", "an ARRAY subquery"),
        (
            "SELECT * FROM c WHERE ST_DISTANCE(c.a, c.b) < 10",
            "function ST_DISTANCE",
        ),
        (
            "SELECT * FROM c WHERE c.flags & 4 = 4",
            "the bitwise operator &",
        ),
        ("SELECT VALUE ~c.flags FROM c", "the bitwise operator ~"),
        (
            "SELECT * FROM c ORDER BY RANK FullTextScore(c.text, 'a')",
            "ORDER BY RANK",
        ),
    ];
    for (text, feature) in cases {
        let error = parse_error(text);
        assert_eq!(
            error,
            QueryError::Unsupported {
                feature: feature.into()
            },
            "{text}"
        );
        assert_eq!(
            error.to_string(),
            format!("{feature} is not supported by the cosmolab emulator")
        );
    }
}

/// A query calling user-defined functions parses; it names the functions it needs, so that the
/// caller can look them up, and runs them through the functions it is given.
#[test]
fn user_defined_functions_are_named_and_called() {
    use crate::query::{Parameters, Query, UserDefinedFunctions};
    use serde_json::{Value, json};

    struct Doubling;
    impl UserDefinedFunctions for Doubling {
        fn call(&self, name: &str, args: &[Value]) -> Option<Value> {
            assert_eq!(name, "double");
            args[0].as_i64().map(|n| json!(n * 2))
        }
    }
    let query =
        Query::parse("SELECT VALUE udf.double(c.price) FROM c WHERE udf.double(c.price) > 3")
            .unwrap();
    assert_eq!(
        query
            .user_defined_functions()
            .into_iter()
            .collect::<Vec<_>>(),
        ["double"]
    );
    let documents = [json!({"price": 1}), json!({"price": 2}), json!({"id": "x"})];
    let results = query
        .execute_with_functions(&documents, &Parameters::new(), &Doubling)
        .unwrap();
    assert_eq!(results, [json!(4)]);
    let missing = QueryError::UserDefinedFunction { name: "tax".into() };
    assert!(missing.to_string().contains("udf.tax"), "{missing}");
}

/// A name that is not the FROM alias is refused, saying what the alias is.
#[test]
fn unknown_identifiers_are_named() {
    assert_eq!(
        message("SELECT * FROM c WHERE r.id = '1'"),
        "identifier 'r' could not be resolved: this query calls each document 'c', \
         so paths start with c, as in c.id"
    );
    assert!(message("SELECT c.id FROM root r").contains("identifier 'c' could not be resolved"));
    assert!(message("SELECT c.id").contains("the query has no FROM clause"));
    assert!(message("SELECT * FROM c WHERE c.ok = TRUE").contains("use lower case: true"));
}

/// Other queries the service would refuse too get a message that says how to fix them.
#[test]
fn invalid_queries_explain_the_fix() {
    let cases = [
        (
            "SELECT c.value FROM c",
            "write [\"value\"] instead of .value",
        ),
        (
            "SELECT * FROM c WHERE STARTSWITH(c.name)",
            "STARTSWITH takes 2 or 3 arguments, but the query gives 1",
        ),
        (
            "SELECT VALUE LOWER() FROM c",
            "LOWER takes 1 argument, but the query gives 0",
        ),
        (
            "SELECT * FROM c ORDER BY LOWER(c.name)",
            "'LOWER(c.name)' is not a document path",
        ),
        (
            "SELECT c.a, c.b.a FROM c",
            "two values the property name 'a'",
        ),
        (
            r#"SELECT VALUE {"a": 1, "a": 2} FROM c"#,
            "names the same property twice",
        ),
        ("SELECT *", "'SELECT *' is only valid with a FROM clause"),
        (
            "SELECT TOP 1.5 * FROM c",
            "TOP needs a non-negative integer, but the query gives 1.5",
        ),
        (
            "SELECT * FROM c WHERE c.a LIKE 'x' ESCAPE '!!'",
            "ESCAPE needs exactly one character",
        ),
    ];
    for (text, expected) in cases {
        let error = parse_error(text);
        assert!(error.to_string().contains(expected), "{text}: {error}");
    }
}

/// A parameter the request does not define is named, even when there are no documents.
#[test]
fn missing_parameters_are_named() {
    let query = Query::parse("SELECT * FROM c WHERE c.id = @id AND c.pk = @pk").unwrap();
    let only_id = parameters(json!([{"name": "@id", "value": "1"}]));
    let error = query.execute(&[], &only_id).unwrap_err();
    assert_eq!(error, QueryError::MissingParameter { name: "@pk".into() });
    assert!(error.to_string().contains("parameter @pk"), "{error}");
    let top = Query::parse("SELECT TOP @n * FROM c").unwrap();
    assert_eq!(
        top.execute(&people(), &Parameters::new()).unwrap_err(),
        QueryError::MissingParameter { name: "@n".into() }
    );
}

/// TOP, OFFSET and LIMIT parameters must hold non-negative integers.
#[test]
fn count_parameters_must_be_integers() {
    let query = Query::parse("SELECT * FROM c OFFSET @skip LIMIT 10").unwrap();
    for value in [json!("2"), json!(-1), json!(1.5), json!(null)] {
        let list = parameters(json!([{"name": "@skip", "value": value}]));
        let error = query.execute(&people(), &list).unwrap_err();
        assert!(
            matches!(
                error,
                QueryError::InvalidCount {
                    clause: "OFFSET",
                    ..
                }
            ),
            "{value}: {error}"
        );
        assert!(
            error.to_string().contains(&format!("@skip = {value}")),
            "{error}"
        );
    }
}

/// Absurdly deep or long expressions are refused instead of exhausting the stack.
#[test]
fn deep_and_long_expressions_are_refused() {
    let brackets = format!(
        "SELECT VALUE {}1{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(matches!(
        parse_error(&brackets),
        QueryError::Unsupported { .. }
    ));
    let negations = format!("SELECT VALUE {}1", "-".repeat(100_000));
    assert!(matches!(
        parse_error(&negations),
        QueryError::Unsupported { .. }
    ));
    let chain = format!("SELECT VALUE 1{}", " + 1".repeat(100_000));
    assert!(matches!(
        parse_error(&chain),
        QueryError::Unsupported { .. }
    ));
    let arrays = format!(
        "SELECT VALUE {}{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(matches!(
        parse_error(&arrays),
        QueryError::Unsupported { .. }
    ));
}

/// Long but reasonable queries still work: a hundred ORs, and an IN list of ten thousand ids.
#[test]
fn long_reasonable_queries_work() {
    let ors: Vec<String> = (0..100).map(|n| format!("c.id = '{n}'")).collect();
    let text = format!("SELECT VALUE c.id FROM c WHERE {}", ors.join(" OR "));
    let results = Query::parse(&text)
        .unwrap()
        .execute(&people(), &Parameters::new())
        .unwrap();
    assert_eq!(results, [json!("1"), json!("2"), json!("3")]);
    let ids: Vec<String> = (0..10_000).map(|n| format!("'{n}'")).collect();
    let text = format!(
        "SELECT VALUE c.id FROM c WHERE c.id IN ({})",
        ids.join(", ")
    );
    let results = Query::parse(&text)
        .unwrap()
        .execute(&people(), &Parameters::new())
        .unwrap();
    assert_eq!(results.len(), 3);
}

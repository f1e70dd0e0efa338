//! Aggregates: COUNT, SUM, AVG, MIN, MAX over the matching documents.

use serde_json::json;

use super::{QueryError, parse_error, people, run};

/// `SELECT VALUE COUNT(1)` is a bare number; without VALUE it is wrapped and named `$1`, or
/// named by its alias.
#[test]
fn count_in_its_three_shapes() {
    assert_eq!(run("SELECT VALUE COUNT(1) FROM c", &people()), [json!(3)]);
    assert_eq!(run("SELECT COUNT(1) FROM c", &people()), [json!({"$1": 3})]);
    assert_eq!(
        run("SELECT COUNT(1) AS n FROM c", &people()),
        [json!({"n": 3})]
    );
}

/// COUNT of an expression counts the documents where it is defined (null counts).
#[test]
fn count_counts_defined_values() {
    assert_eq!(
        run("SELECT VALUE COUNT(c.age) FROM c", &people()),
        [json!(2)]
    );
    assert_eq!(
        run("SELECT VALUE COUNT(c.nickname) FROM c", &people()),
        [json!(1)]
    );
    assert_eq!(
        run(
            "SELECT VALUE COUNT(c.id) FROM c WHERE c.age > 18",
            &people()
        ),
        [json!(1)]
    );
}

/// SUM, AVG, MIN and MAX skip undefined values.
#[test]
fn sum_avg_min_max() {
    assert_eq!(
        run("SELECT VALUE SUM(c.age) FROM c", &people()),
        [json!(51)]
    );
    assert_eq!(
        run("SELECT VALUE AVG(c.age) FROM c", &people()),
        [json!(25.5)]
    );
    assert_eq!(
        run("SELECT VALUE MIN(c.age) FROM c", &people()),
        [json!(17)]
    );
    assert_eq!(
        run("SELECT VALUE MAX(c.name) FROM c", &people()),
        [json!("Cy")]
    );
}

/// Several aggregates share one result, and can be combined in expressions.
#[test]
fn several_aggregates_in_one_result() {
    let results = run(
        "SELECT COUNT(1) AS n, MIN(c._ts) AS first, MAX(c._ts) - MIN(c._ts) AS span, 'x' AS tag FROM c",
        &people(),
    );
    assert_eq!(
        results,
        [json!({"n": 3, "first": 1700000001, "span": 2, "tag": "x"})]
    );
}

/// Over no documents, COUNT and SUM are 0 and the others undefined: `[]` with VALUE, `[{}]`
/// without.
#[test]
fn aggregates_over_nothing() {
    let none = "FROM c WHERE c.id = 'nobody'";
    assert_eq!(
        run(&format!("SELECT VALUE COUNT(1) {none}"), &people()),
        [json!(0)]
    );
    assert_eq!(
        run(&format!("SELECT VALUE SUM(c.age) {none}"), &people()),
        [json!(0)]
    );
    assert!(run(&format!("SELECT VALUE MAX(c.age) {none}"), &people()).is_empty());
    assert_eq!(
        run(&format!("SELECT AVG(c.age) AS a {none}"), &people()),
        [json!({})]
    );
    assert_eq!(run("SELECT VALUE COUNT(1) FROM c", &[]), [json!(0)]);
}

/// A plain property next to an aggregate is refused, naming the property.
#[test]
fn aggregates_cannot_mix_with_properties() {
    let error = parse_error("SELECT c.city, COUNT(1) AS n FROM c");
    assert!(matches!(error, QueryError::Invalid { .. }));
    assert!(
        error
            .to_string()
            .contains("'c.city' is invalid in the select list"),
        "{error}"
    );
    let error = parse_error("SELECT VALUE COUNT(1) + c.age FROM c");
    assert!(error.to_string().contains("'c.age'"), "{error}");
}

/// Aggregates are only allowed in SELECT, and not inside each other.
#[test]
fn aggregates_only_in_select_and_not_nested() {
    let error = parse_error("SELECT * FROM c WHERE COUNT(1) > 1");
    assert!(
        error
            .to_string()
            .contains("COUNT cannot be used in the WHERE clause"),
        "{error}"
    );
    let error = parse_error("SELECT c.id FROM c ORDER BY MAX(c.age)");
    assert!(error.to_string().contains("ORDER BY clause"), "{error}");
    let error = parse_error("SELECT VALUE SUM(COUNT(1)) FROM c");
    assert!(error.to_string().contains("cannot be nested"), "{error}");
    let error = parse_error("SELECT VALUE COUNT(1, 2) FROM c");
    assert!(
        error.to_string().contains("COUNT takes exactly 1 argument"),
        "{error}"
    );
}

//! SELECT and FROM: what each result is made of.

use serde_json::json;

use super::{ids, parameters, people, run, run_with};

/// `SELECT *` returns every document exactly as stored, system properties included.
#[test]
fn select_star_returns_documents_as_stored() {
    assert_eq!(run("SELECT * FROM c", &people()), people());
}

/// Unaliased paths are named after their last property; `AS` renames.
#[test]
fn fields_are_named_after_the_last_property_or_their_alias() {
    let results = run(
        "SELECT c.id, c.address.city, c.address.zip AS postcode FROM c WHERE c.id = '1'",
        &people(),
    );
    assert_eq!(
        results,
        [json!({"id": "1", "city": "Paris", "postcode": "75001"})]
    );
}

/// `c["name"]` reads the same property as `c.name`, and reaches names a `.` cannot.
#[test]
fn bracket_notation_reads_properties() {
    let documents = [json!({"id": "x", "first name": "Ana", "value": 3})];
    let results = run(
        r#"SELECT c["id"], c["first name"], c['value'] FROM c"#,
        &documents,
    );
    assert_eq!(
        results,
        [json!({"id": "x", "first name": "Ana", "value": 3})]
    );
}

/// Array elements are read by position; an element has no name, so it is numbered.
#[test]
fn array_elements_are_read_by_position() {
    let results = run(
        "SELECT c.tags[0], c.tags[1] AS second FROM c WHERE c.id = '1'",
        &people(),
    );
    assert_eq!(results, [json!({"$1": "admin", "second": "dev"})]);
}

/// A property that the document lacks is undefined, and leaves its field out: `{}`, not null.
#[test]
fn undefined_fields_are_left_out() {
    let results = run("SELECT c.city, c.nickname FROM c", &people());
    assert_eq!(
        results,
        [
            json!({"city": "Paris"}),
            json!({"nickname": null}),
            json!({"city": "Lyon"})
        ]
    );
}

/// `SELECT VALUE` returns bare values, and skips documents where the value is undefined.
#[test]
fn select_value_returns_bare_values_and_skips_undefined() {
    assert_eq!(
        run("SELECT VALUE c.name FROM c", &people()),
        [json!("Ana"), json!("Bo"), json!("Cy")]
    );
    assert_eq!(
        run("SELECT VALUE c.age FROM c", &people()),
        [json!(34), json!(17)]
    );
    assert_eq!(
        run("SELECT VALUE c FROM c WHERE c.id = '2'", &people()),
        [people()[1].clone()]
    );
}

/// Expressions that are not paths are named `$1`, `$2`… in order.
#[test]
fn other_expressions_are_numbered() {
    let results = run(
        "SELECT c.id, c.age + 1, UPPER(c.name) FROM c WHERE c.id = '2'",
        &people(),
    );
    assert_eq!(results, [json!({"id": "2", "$1": 18, "$2": "BO"})]);
}

/// Selecting the alias wraps the whole document under its name.
#[test]
fn selecting_the_alias_wraps_the_document() {
    let results = run("SELECT c FROM c WHERE c.id = '3'", &people());
    assert_eq!(results, [json!({"c": people()[2].clone()})]);
}

/// Object and array literals build new values; undefined members are left out.
#[test]
fn object_and_array_literals_build_values() {
    let results = run(
        r#"SELECT VALUE {"who": c.name, "tags": [c.tags[0], c.missing, 1], "n": c.nickname} FROM c WHERE c.id = '2'"#,
        &people(),
    );
    assert_eq!(
        results,
        [json!({"who": "Bo", "tags": ["dev", 1], "n": null})]
    );
}

/// The container name is ignored and the alias can be anything, with or without `AS`.
#[test]
fn any_container_name_and_alias() {
    for text in [
        "SELECT r.id FROM root r",
        "SELECT i.id FROM Items i",
        "SELECT x.id FROM c AS x",
        "SELECT TestContainer.id FROM TestContainer",
    ] {
        assert_eq!(ids(&run(text, &people())), ["1", "2", "3"], "{text}");
    }
}

/// A query without FROM is evaluated once, without documents.
#[test]
fn a_query_without_from_is_evaluated_once() {
    assert_eq!(run("SELECT 1 + 1", &people()), [json!({"$1": 2})]);
    assert_eq!(run("SELECT VALUE 'hello'", &[]), [json!("hello")]);
}

/// Keywords are case-insensitive.
#[test]
fn keywords_are_case_insensitive() {
    let results = run(
        "select value c.id from c where c.age > 18 and not c.missing = 1 or c.id = '3'",
        &people(),
    );
    assert_eq!(results, [json!("3")]);
    assert_eq!(
        run("SeLeCt VaLuE c.id FrOm c WhErE c.id = '1'", &people()),
        [json!("1")]
    );
}

/// TOP keeps the first results; it takes a literal or a parameter.
#[test]
fn top_keeps_the_first_results() {
    assert_eq!(ids(&run("SELECT TOP 2 * FROM c", &people())), ["1", "2"]);
    let two = parameters(json!([{"name": "@n", "value": 2}]));
    assert_eq!(
        ids(&run_with("SELECT TOP @n * FROM c", &people(), &two)),
        ["1", "2"]
    );
    assert!(run("SELECT TOP 0 * FROM c", &people()).is_empty());
}

/// OFFSET skips results and LIMIT caps them, with literals or parameters.
#[test]
fn offset_and_limit_page_the_results() {
    assert_eq!(
        ids(&run("SELECT * FROM c OFFSET 1 LIMIT 1", &people())),
        ["2"]
    );
    assert_eq!(
        ids(&run("SELECT * FROM c OFFSET 2 LIMIT 10", &people())),
        ["3"]
    );
    assert!(run("SELECT * FROM c OFFSET 5 LIMIT 1", &people()).is_empty());
    let page = parameters(json!([{"name": "@skip", "value": 1}, {"name": "@take", "value": 2}]));
    assert_eq!(
        ids(&run_with(
            "SELECT * FROM c OFFSET @skip LIMIT @take",
            &people(),
            &page
        )),
        ["2", "3"]
    );
}

/// DISTINCT drops repeated results, comparing values (so `1` and `1.0` are one).
#[test]
fn distinct_drops_repeated_results() {
    let documents = [
        json!({"n": 1}),
        json!({"n": 1.0}),
        json!({"n": 2}),
        json!({}),
        json!({"n": 2}),
    ];
    assert_eq!(
        run("SELECT DISTINCT VALUE c.n FROM c", &documents),
        [json!(1), json!(2)]
    );
    assert_eq!(
        run("SELECT DISTINCT c.n FROM c", &documents),
        [json!({"n": 1}), json!({"n": 2}), json!({})]
    );
}

/// Stored numbers come back as stored, and whole computed numbers stay integers.
#[test]
fn integers_stay_integers() {
    let documents = [json!({"i": 5, "f": 2.5, "big": 12345678901234567_u64})];
    let results = run(
        "SELECT c.i, c.f, c.big, c.i * 2 AS twice, c.i / 2 AS half, -c.i AS minus FROM c",
        &documents,
    );
    assert_eq!(
        results,
        [
            json!({"i": 5, "f": 2.5, "big": 12345678901234567_u64, "twice": 10, "half": 2.5, "minus": -5})
        ]
    );
    let text = serde_json::to_string(&results).unwrap();
    assert!(
        text.contains(r#""twice":10"#) && !text.contains("10.0"),
        "{text}"
    );
}

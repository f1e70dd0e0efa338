//! WHERE: which documents a query keeps.

use serde_json::json;

use super::{ids, parameters, people, run, run_with};

/// The ids of the people for whom `condition` is true.
fn matching(condition: &str) -> Vec<String> {
    let text = format!("SELECT * FROM c WHERE {condition}");
    ids(&run(&text, &people()))
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Equality works on strings, numbers, booleans and null, and deeply on objects and arrays.
#[test]
fn equality_on_every_type() {
    assert_eq!(matching("c.name = 'Bo'"), ["2"]);
    assert_eq!(matching("c.age = 34.0"), ["1"]);
    assert_eq!(matching("c.nickname = null"), ["2"]);
    assert_eq!(matching(r#"c.address = {"zip": "10115"}"#), ["2"]);
    assert_eq!(matching(r#"c.tags = ["admin", "dev"]"#), ["1"]);
    assert_eq!(matching("c.name != 'Bo'"), ["1", "3"]);
    assert_eq!(matching("c.name <> 'Bo'"), ["1", "3"]);
}

/// Relational operators order numbers and strings.
#[test]
fn relational_operators() {
    assert_eq!(matching("c.age < 18"), ["2"]);
    assert_eq!(matching("c.age <= 34"), ["1", "2"]);
    assert_eq!(matching("c.age > 17"), ["1"]);
    assert_eq!(matching("c.age >= 17"), ["1", "2"]);
    assert_eq!(matching("c.name >= 'B'"), ["2", "3"]);
}

/// Comparing different types is undefined, so the document is not kept, even under NOT.
#[test]
fn comparisons_across_types_are_undefined() {
    assert!(matching("c.age > '20'").is_empty());
    assert!(matching("NOT (c.age > '20')").is_empty());
    assert!(matching("c.age = '34'").is_empty());
    assert!(matching("c.age != '34'").is_empty());
}

/// A missing property is undefined, not null: `= null` finds only stored nulls.
#[test]
fn undefined_is_not_null() {
    assert_eq!(matching("c.nickname = null"), ["2"]);
    assert_eq!(matching("IS_DEFINED(c.nickname)"), ["2"]);
    assert_eq!(matching("NOT IS_DEFINED(c.city)"), ["2"]);
    assert!(matching("c.missing = c.missing").is_empty());
    assert_eq!(matching("c.address.city = 'Paris'"), ["1"]);
    assert!(matching("c.name.first = 'Ana'").is_empty());
}

/// AND, OR and NOT follow three-valued logic: `true OR undefined` is true, `false AND
/// undefined` is false, everything else with undefined is undefined.
#[test]
fn three_valued_logic() {
    assert_eq!(matching("c.missing = 1 OR c.id = '1'"), ["1"]);
    assert!(matching("c.missing = 1 AND c.id = '1'").is_empty());
    assert!(matching("NOT (c.missing = 1)").is_empty());
    assert_eq!(matching("NOT (c.missing = 1 AND c.id = '2')"), ["1", "3"]);
    assert_eq!(matching("c.age > 18 OR c.city = 'Lyon'"), ["1", "3"]);
    assert_eq!(matching("c.id = '1' OR c.id = '2' AND c.age > 30"), ["1"]);
    assert_eq!(matching("(c.id = '1' OR c.id = '2') AND c.age < 30"), ["2"]);
}

/// A WHERE condition must be exactly `true`: a truthy non-boolean does not count.
#[test]
fn only_true_keeps_a_document() {
    assert!(matching("c.name").is_empty());
    assert!(matching("1").is_empty());
    assert_eq!(matching("true"), ["1", "2", "3"]);
    let documents = [
        json!({"id": "a", "active": true}),
        json!({"id": "b", "active": "yes"}),
    ];
    assert_eq!(
        ids(&run("SELECT * FROM c WHERE c.active", &documents)),
        ["a"]
    );
}

/// As in the service's grammar, NOT applies to the value right after it: `NOT c.age = 34` is
/// `(NOT c.age) = 34`, which is undefined; parentheses give the usual meaning.
#[test]
fn not_binds_tighter_than_comparisons() {
    assert!(matching("NOT c.age = 34").is_empty());
    assert_eq!(matching("NOT (c.age = 34)"), ["2"]);
    let documents = [
        json!({"id": "a", "done": true}),
        json!({"id": "b", "done": false}),
    ];
    assert_eq!(
        ids(&run("SELECT * FROM c WHERE NOT c.done", &documents)),
        ["b"]
    );
}

/// IN matches any listed value; NOT IN none of them.
#[test]
fn in_and_not_in() {
    assert_eq!(matching("c.id IN ('1', '3')"), ["1", "3"]);
    assert_eq!(matching("c.age IN (17, 'x')"), ["2"]);
    assert_eq!(matching("c.id NOT IN ('1', '3')"), ["2"]);
    assert!(matching("c.missing IN (1, 2)").is_empty());
}

/// BETWEEN includes both ends; NOT BETWEEN is its negation.
#[test]
fn between() {
    assert_eq!(matching("c.age BETWEEN 17 AND 34"), ["1", "2"]);
    assert_eq!(matching("c.age BETWEEN 18 AND 40"), ["1"]);
    assert_eq!(matching("c.age NOT BETWEEN 18 AND 40"), ["2"]);
    assert_eq!(matching("c.name BETWEEN 'A' AND 'B'"), ["1"]);
    assert_eq!(matching("c.age BETWEEN 17 AND 34 AND c.id = '2'"), ["2"]);
}

/// LIKE matches patterns with `%`, `_` and sets, with an optional escape character.
#[test]
fn like() {
    assert_eq!(matching("c.name LIKE 'A%'"), ["1"]);
    assert_eq!(matching("c.name LIKE '_o'"), ["2"]);
    assert_eq!(matching("c.name NOT LIKE '%y'"), ["1", "2"]);
    assert_eq!(matching("c.name LIKE '[AB]%'"), ["1", "2"]);
    let documents = [
        json!({"id": "a", "rate": "100%"}),
        json!({"id": "b", "rate": "1000"}),
    ];
    let results = run(
        "SELECT * FROM c WHERE c.rate LIKE '100!%' ESCAPE '!'",
        &documents,
    );
    assert_eq!(ids(&results), ["a"]);
}

/// Arithmetic, string concatenation, unary minus, `??` and `? :` work in conditions.
#[test]
fn operators_in_conditions() {
    assert_eq!(matching("c.age * 2 + 1 = 35"), ["2"]);
    assert_eq!(matching("c.age % 10 = 4"), ["1"]);
    assert_eq!(matching("-c.age < -20"), ["1"]);
    assert_eq!(matching("(c.name || '!') = 'Bo!'"), ["2"]);
    // `||` is the loosest binary operator in the service's grammar: this is `c.name || false`.
    assert!(matching("c.name || '!' = 'Bo!'").is_empty());
    assert_eq!(matching("(c.city ?? 'nowhere') = 'nowhere'"), ["2"]);
    assert_eq!(
        matching("(c.age > 18 ? 'adult' : 'minor') = 'minor'"),
        ["2"]
    );
    assert!(matching("c.age / 0 = 1").is_empty());
}

/// Paths reach into nested objects and arrays, by literal or by parameter.
#[test]
fn nested_paths() {
    assert_eq!(matching("c.tags[1] = 'dev'"), ["1"]);
    assert_eq!(matching("c['address']['zip'] = '10115'"), ["2"]);
    let position = parameters(json!([{"name": "@i", "value": 0}, {"name": "@p", "value": "zip"}]));
    let results = run_with(
        "SELECT * FROM c WHERE c.tags[@i] = 'dev' AND c.address[@p] = '10115'",
        &people(),
        &position,
    );
    assert_eq!(ids(&results), ["2"]);
}

/// A parameter can carry any JSON value, and is compared like a literal.
#[test]
fn parameters_of_every_type() {
    let values = parameters(json!([
        {"name": "@name", "value": "Ana"},
        {"name": "@age", "value": 17},
        {"name": "@tags", "value": ["dev"]},
        {"name": "@nothing", "value": null},
        {"name": "@undefined"}
    ]));
    let check = |condition: &str, expected: &[&str]| {
        let text = format!("SELECT * FROM c WHERE {condition}");
        assert_eq!(
            ids(&run_with(&text, &people(), &values)),
            expected,
            "{condition}"
        );
    };
    check("c.name = @name", &["1"]);
    check("c.age = @age", &["2"]);
    check("c.tags = @tags", &["2"]);
    check("c.nickname = @nothing", &["2"]);
    check("IS_DEFINED(@undefined)", &[]);
}

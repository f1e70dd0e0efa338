//! Built-in functions, as a query calls them.

use serde_json::{Value, json};

use super::{people, run};

/// The value of `expression` for a document holding `document`, or `None` if it is undefined.
fn value_of(expression: &str, document: Value) -> Option<Value> {
    let text = format!("SELECT VALUE {expression} FROM c");
    run(&text, &[document]).into_iter().next()
}

/// The type checks answer true or false for every value, undefined included.
#[test]
fn type_checks() {
    let document = json!({"s": "x", "n": 1.5, "b": false, "z": null, "a": [], "o": {}});
    let checks = [
        ("IS_DEFINED", ["s", "n", "b", "z", "a", "o"].as_slice()),
        ("IS_STRING", &["s"]),
        ("IS_NUMBER", &["n"]),
        ("IS_BOOL", &["b"]),
        ("IS_NULL", &["z"]),
        ("IS_ARRAY", &["a"]),
        ("IS_OBJECT", &["o"]),
        ("IS_PRIMITIVE", &["s", "n", "b", "z"]),
    ];
    for (function, true_for) in checks {
        for property in ["s", "n", "b", "z", "a", "o", "missing"] {
            let expected = json!(true_for.contains(&property));
            let actual = value_of(&format!("{function}(c.{property})"), document.clone());
            assert_eq!(actual, Some(expected), "{function}(c.{property})");
        }
    }
}

/// STARTSWITH, ENDSWITH and CONTAINS, with and without ignoring case.
#[test]
fn string_tests() {
    let document = json!({"s": "Contoso"});
    assert_eq!(
        value_of("STARTSWITH(c.s, 'Con')", document.clone()),
        Some(json!(true))
    );
    assert_eq!(
        value_of("STARTSWITH(c.s, 'con')", document.clone()),
        Some(json!(false))
    );
    assert_eq!(
        value_of("STARTSWITH(c.s, 'con', true)", document.clone()),
        Some(json!(true))
    );
    assert_eq!(
        value_of("ENDSWITH(c.s, 'SO', true)", document.clone()),
        Some(json!(true))
    );
    assert_eq!(
        value_of("ENDSWITH(c.s, 'so')", document.clone()),
        Some(json!(true))
    );
    assert_eq!(
        value_of("CONTAINS(c.s, 'nto')", document.clone()),
        Some(json!(true))
    );
    assert_eq!(
        value_of("CONTAINS(c.s, 'NTO')", document.clone()),
        Some(json!(false))
    );
    assert_eq!(
        value_of("CONTAINS(c.s, 'NTO', true)", document.clone()),
        Some(json!(true))
    );
    // Not a string, or not a boolean flag: undefined.
    assert_eq!(
        value_of("STARTSWITH(c.missing, 'a')", document.clone()),
        None
    );
    assert_eq!(value_of("STARTSWITH(c.s, 1)", document.clone()), None);
    assert_eq!(value_of("STARTSWITH(c.s, 'C', 'yes')", document), None);
}

/// LOWER, UPPER and LENGTH, and their answer to non-strings.
#[test]
fn string_transformations() {
    let document = json!({"s": "Élan", "n": 3});
    assert_eq!(
        value_of("LOWER(c.s)", document.clone()),
        Some(json!("élan"))
    );
    assert_eq!(
        value_of("UPPER(c.s)", document.clone()),
        Some(json!("ÉLAN"))
    );
    assert_eq!(value_of("LENGTH(c.s)", document.clone()), Some(json!(4)));
    assert_eq!(value_of("LOWER(c.n)", document.clone()), None);
    assert_eq!(value_of("LENGTH(c.n)", document), None);
}

/// ARRAY_CONTAINS finds equal items, or (with `true`) objects that have the given properties.
#[test]
fn array_contains() {
    let document = json!({"tags": ["a", 1, {"name": "x", "size": 2}]});
    assert_eq!(
        value_of("ARRAY_CONTAINS(c.tags, 'a')", document.clone()),
        Some(json!(true))
    );
    assert_eq!(
        value_of("ARRAY_CONTAINS(c.tags, 1.0)", document.clone()),
        Some(json!(true))
    );
    assert_eq!(
        value_of("ARRAY_CONTAINS(c.tags, 'b')", document.clone()),
        Some(json!(false))
    );
    let partial = r#"ARRAY_CONTAINS(c.tags, {"name": "x"}, true)"#;
    let full = r#"ARRAY_CONTAINS(c.tags, {"name": "x"})"#;
    assert_eq!(value_of(partial, document.clone()), Some(json!(true)));
    assert_eq!(value_of(full, document.clone()), Some(json!(false)));
    assert_eq!(
        value_of("ARRAY_CONTAINS(c.missing, 'a')", document.clone()),
        None
    );
    assert_eq!(
        value_of("ARRAY_CONTAINS(c.tags, c.missing)", document),
        Some(json!(false))
    );
}

/// ARRAY_LENGTH counts items, and is undefined for anything but an array.
#[test]
fn array_length() {
    let document = json!({"tags": [1, 2, 3], "s": "abc"});
    assert_eq!(
        value_of("ARRAY_LENGTH(c.tags)", document.clone()),
        Some(json!(3))
    );
    assert_eq!(value_of("ARRAY_LENGTH(c.s)", document), None);
}

/// Function names are case-insensitive, and functions work in WHERE and in select lists.
#[test]
fn functions_in_every_clause() {
    let results = run(
        "SELECT c.id, lower(c.name) AS name FROM c WHERE array_contains(c.tags, 'dev') AND StartsWith(c.name, 'a', true)",
        &people(),
    );
    assert_eq!(results, [json!({"id": "1", "name": "ana"})]);
}

/// The other string and math functions the engine knows.
#[test]
fn other_functions() {
    let document = json!({"s": "  Hello  ", "n": -2.5});
    assert_eq!(
        value_of("TRIM(c.s)", document.clone()),
        Some(json!("Hello"))
    );
    assert_eq!(
        value_of("CONCAT(TRIM(c.s), '!', '?')", document.clone()),
        Some(json!("Hello!?"))
    );
    assert_eq!(
        value_of("SUBSTRING(TRIM(c.s), 1, 3)", document.clone()),
        Some(json!("ell"))
    );
    assert_eq!(
        value_of("LEFT(TRIM(c.s), 2)", document.clone()),
        Some(json!("He"))
    );
    assert_eq!(
        value_of("RIGHT(TRIM(c.s), 2)", document.clone()),
        Some(json!("lo"))
    );
    assert_eq!(
        value_of("INDEX_OF(c.s, 'l')", document.clone()),
        Some(json!(4))
    );
    assert_eq!(
        value_of("REPLACE(c.s, ' ', '')", document.clone()),
        Some(json!("Hello"))
    );
    assert_eq!(value_of("ABS(c.n)", document.clone()), Some(json!(2.5)));
    assert_eq!(value_of("FLOOR(c.n)", document.clone()), Some(json!(-3)));
    assert_eq!(value_of("CEILING(c.n)", document), Some(json!(-2)));
}

//! ORDER BY, and how it combines with TOP and OFFSET/LIMIT.

use serde_json::json;

use super::{ids, people, run};

/// Ascending is the default; DESC reverses.
#[test]
fn sorts_ascending_and_descending() {
    assert_eq!(
        ids(&run("SELECT * FROM c ORDER BY c.name", &people())),
        ["1", "2", "3"]
    );
    assert_eq!(
        ids(&run("SELECT * FROM c ORDER BY c.name ASC", &people())),
        ["1", "2", "3"]
    );
    assert_eq!(
        ids(&run("SELECT * FROM c ORDER BY c.name DESC", &people())),
        ["3", "2", "1"]
    );
    assert_eq!(
        ids(&run("SELECT * FROM c ORDER BY c._ts DESC", &people())),
        ["3", "2", "1"]
    );
}

/// A document without the property is kept, first in ascending order and last in descending.
#[test]
fn missing_properties_sort_first() {
    assert_eq!(
        ids(&run("SELECT * FROM c ORDER BY c.age", &people())),
        ["3", "2", "1"]
    );
    assert_eq!(
        ids(&run("SELECT * FROM c ORDER BY c.age DESC", &people())),
        ["1", "2", "3"]
    );
}

/// Mixed types sort in the service's type order: undefined, null, false, true, numbers,
/// strings, arrays, objects.
#[test]
fn mixed_types_sort_by_type_first() {
    let documents: Vec<_> = [
        json!({"id": "object", "v": {"a": 1}}),
        json!({"id": "string", "v": "a"}),
        json!({"id": "true", "v": true}),
        json!({"id": "number", "v": -5}),
        json!({"id": "null", "v": null}),
        json!({"id": "array", "v": [1]}),
        json!({"id": "false", "v": false}),
        json!({"id": "undefined"}),
    ]
    .into();
    let ascending = [
        "undefined",
        "null",
        "false",
        "true",
        "number",
        "string",
        "array",
        "object",
    ];
    assert_eq!(
        ids(&run("SELECT * FROM c ORDER BY c.v", &documents)),
        ascending
    );
}

/// Several keys sort by the first, then the next for ties; equal documents keep stored order.
#[test]
fn several_keys_and_stable_ties() {
    let documents = [
        json!({"id": "a", "team": "red", "score": 1}),
        json!({"id": "b", "team": "blue", "score": 5}),
        json!({"id": "c", "team": "red", "score": 9}),
        json!({"id": "d", "team": "blue", "score": 5}),
    ];
    let results = run("SELECT * FROM c ORDER BY c.team, c.score DESC", &documents);
    assert_eq!(ids(&results), ["b", "d", "c", "a"]);
    let results = run("SELECT * FROM c ORDER BY c['team']", &documents);
    assert_eq!(ids(&results), ["b", "d", "a", "c"]);
}

/// TOP and OFFSET/LIMIT apply after sorting, and sorting uses the document, not the projection.
#[test]
fn paging_applies_after_sorting() {
    assert_eq!(
        run(
            "SELECT TOP 1 VALUE c.id FROM c ORDER BY c.name DESC",
            &people()
        ),
        [json!("3")]
    );
    let results = run(
        "SELECT c.name FROM c ORDER BY c._ts DESC OFFSET 1 LIMIT 1",
        &people(),
    );
    assert_eq!(results, [json!({"name": "Bo"})]);
}

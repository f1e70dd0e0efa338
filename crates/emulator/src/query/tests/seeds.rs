//! The queries the course's seeds and protocol notes send, exactly as the SDKs send them.

use serde_json::{Value, json};

use super::{ids, people, run, run_with};
use crate::query::{Parameters, Query};

/// Seed 000's resource-token sample queries its partition with a literal in double quotes, a
/// container name and an alias, and no space before `=`: `c.key= "1"`.
#[test]
fn seed_000_partition_query() {
    let documents = [
        json!({"id": "item1", "key": "1", "info": "first"}),
        json!({"id": "item2", "key": "2", "info": "second"}),
        json!({"id": "item3", "key": "1", "info": "third"}),
    ];
    let results = run(
        r#"SELECT * FROM my_container c WHERE c.key= "1""#,
        &documents,
    );
    assert_eq!(ids(&results), ["item1", "item3"]);
}

/// The SDKs' read-by-id query: `SELECT * FROM r WHERE r.id=@id`, with the id as a parameter.
#[test]
fn read_by_id_with_a_parameter() {
    let parameters = Parameters::from_request(&json!([{"name": "@id", "value": "2"}])).unwrap();
    let results = run_with("SELECT * FROM r WHERE r.id=@id", &people(), &parameters);
    assert_eq!(results, [people()[1].clone()]);
}

/// A request body as the SDK sends it (§3.8 of the protocol notes): the query, and optionally its
/// parameters. Parsing both parts and running gives the documents for the `Documents` envelope.
#[test]
fn request_bodies_from_the_protocol_notes() {
    let run_body = |body: Value| {
        let query = Query::parse(body["query"].as_str().unwrap()).unwrap();
        let parameters = Parameters::from_request(&body["parameters"]).unwrap();
        query.execute(&people(), &parameters).unwrap()
    };
    assert_eq!(run_body(json!({"query": "SELECT * FROM c"})), people());
    let body = json!({
        "query": "SELECT * FROM c WHERE c.city = @city",
        "parameters": [{"name": "@city", "value": "Lyon"}]
    });
    assert_eq!(ids(&run_body(body)), ["3"]);
}

/// The shapes the SDKs use for cross-partition queries run entirely here: ORDER BY, TOP and
/// aggregates come back final, so the SDK has nothing left to do.
#[test]
fn cross_partition_shapes_run_here() {
    assert_eq!(
        run("SELECT TOP 2 c.id FROM c ORDER BY c._ts DESC", &people()),
        [json!({"id": "3"}), json!({"id": "2"})]
    );
    assert_eq!(run("SELECT VALUE COUNT(1) FROM c", &people()), [json!(3)]);
    assert_eq!(
        run("SELECT DISTINCT VALUE c.address.zip FROM c", &people()),
        [json!("75001"), json!("10115")]
    );
}

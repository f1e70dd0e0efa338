//! The SQL parser and evaluator: any query text is parsed without a panic, and what parses runs
//! over a few documents without one.
#![no_main]

use cosmolab_emulator::query::{Parameters, Query};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(query) = Query::parse(text) {
        let documents = [
            json!({"id": "a", "n": 1, "tags": ["x", "y"], "nested": {"v": null}}),
            json!({"id": "b", "n": -2.5, "s": "text", "tags": []}),
            json!({"id": "c"}),
        ];
        let parameters = Parameters::from_request(&json!([{"name": "@p", "value": 1}]))
            .expect("fixed parameters");
        let _ = query.execute(&documents, &parameters);
    }
});

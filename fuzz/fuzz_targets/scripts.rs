//! Stored procedures: any source text and arguments run in the script engine, against a real
//! partition of the store, within short limits — without a panic, and with every failure one of
//! the errors the emulator answers with.
#![no_main]

use std::time::Duration;

use cosmolab_emulator::scripts::collection::PartitionScope;
use cosmolab_emulator::scripts::{ScriptLimits, engine};
use cosmolab_emulator::store::Store;
use cosmolab_model::{Container, PartitionKey, PartitionKeyDefinition};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first line is the arguments (JSON, ignored if invalid), the rest the source.
    let text = String::from_utf8_lossy(data);
    let (first, source) = text.split_once('\n').unwrap_or(("[]", &text));
    let args = match serde_json::from_str::<serde_json::Value>(first) {
        Ok(serde_json::Value::Array(args)) => args,
        _ => Vec::new(),
    };
    let mut store = Store::default();
    let definition = PartitionKeyDefinition::hash("/pk");
    if store.create_database("db", 1).is_err()
        || store
            .create_container("db", Container::new("c", definition.clone()), 1)
            .is_err()
    {
        return;
    }
    let partition = PartitionKey::from("p");
    let Ok(snapshot) = store.snapshot_documents("db", "c", &partition) else {
        return;
    };
    let mut scope = PartitionScope::new(
        snapshot,
        partition,
        definition,
        "dbs/db/colls/c".to_owned(),
        1,
    );
    let limits = ScriptLimits {
        time: Duration::from_millis(50),
        memory_bytes: 8 * 1024 * 1024,
    };
    let _ = engine::run_stored_procedure(source, &args, &mut scope, limits);
    // Whatever the script wrote is well-formed enough to commit.
    let _ = store.commit_documents("db", "c", scope.into_snapshot());
});

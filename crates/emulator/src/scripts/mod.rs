//! Server-side scripts: stored procedures, triggers and user-defined functions.
//!
//! Seeds 001 and 003 list stored procedures, triggers and user-defined functions among the
//! resources a permission can be scoped to, and say that executing a stored procedure needs
//! `All`; seed 004 lists `executeStoredProcedure` as a data action. This module runs them.
//!
//! ```text
//!  POST …/sprocs/{id}  ──► handlers/scripts.rs ──► execute_stored_procedure
//!  (partition key,           authorized already        │ in_transaction: in the container's
//!   [arguments])                                       │ turn, copy the request's partition
//!                                                      │ (store::Snapshot, collection.rs)
//!                                                      ▼
//!                                             engine.rs: QuickJS, getContext(), callbacks,
//!                                             time and memory limits (host.rs is the boundary)
//!                                                      │ ok: commit every write at once
//!                                                      │ throw, time out: drop the copy
//!                                                      ▼
//!                                             the body the script set, 200
//! ```
//!
//! Triggers run the same way around a client's document write that names them
//! ([`run_triggered_write`]), and user-defined functions are called by the query engine through
//! [`ContainerFunctions`].
//!
//! The engine is QuickJS (the `rquickjs` crate) rather than a pure-Rust engine because the issue
//! asks for a time *and* a memory limit: QuickJS can interrupt a running script and caps the
//! memory of each runtime, which is what stops `while (true) {}` and `for (;;) a.push(…)`.

pub mod collection;
pub mod engine;
pub mod host;

use std::cell::RefCell;

use axum::http::StatusCode;
use cosmolab_model::{PartitionKey, Trigger, TriggerOperation, TriggerType, UserDefinedFunction};
use serde_json::Value;

use crate::error::{CosmosError, Result};
use crate::state::EmulatorState;
use collection::PartitionScope;
pub use host::{ScriptError, ScriptLimits, ScriptRun};

/// The service's message when a script runs past its time.
pub const TIMED_OUT: &str = "The requested operation exceeded maximum alloted time. Learn more: https://aka.ms/cosmosdb-tsg-service-request-timeout";

/// How often a script runs again, without holding up other requests, when one of them wrote to
/// its container meanwhile.
const OPTIMISTIC_ATTEMPTS: usize = 3;

/// The answer the service gives when a script fails.
pub fn refusal(error: ScriptError, limits: ScriptLimits) -> CosmosError {
    match error {
        ScriptError::Compile(message) => CosmosError::bad_request(format!(
            "Encountered exception while compiling Javascript. Exception = {message}"
        ))
        .with_substatus(65535),
        ScriptError::Thrown { message, substatus } => {
            let error = CosmosError::bad_request(format!(
                "Encountered exception while executing function. Exception = {message}"
            ));
            match substatus {
                Some(substatus) => error.with_substatus(substatus),
                None => error,
            }
        }
        // The script let a failed document operation escape: the request fails as it did.
        ScriptError::Host(host) => CosmosError::new(
            StatusCode::from_u16(host.status).unwrap_or(StatusCode::BAD_REQUEST),
            host.message,
        ),
        ScriptError::TimedOut => CosmosError::new(StatusCode::REQUEST_TIMEOUT, TIMED_OUT),
        ScriptError::OutOfMemory => CosmosError::bad_request(format!(
            "Encountered exception while executing function. Exception = InternalError: out of \
             memory (the cosmolab emulator stops a script that allocates more than {} MiB)",
            limits.memory_bytes / (1024 * 1024)
        )),
    }
}

/// Runs `work` on a private copy of the documents of `partition` in a container, and keeps every
/// write it made — all at once — if it succeeds; nothing if it fails (see `store::documents`).
///
/// Scripts run one at a time per container (the container's *lane*), as the service runs them
/// one at a time per partition; ordinary requests go on meanwhile. If one of those wrote to the
/// container while `work` ran, the copy is stale and `work` runs again on a fresh one. After
/// [`OPTIMISTIC_ATTEMPTS`] such tries, it runs a last time holding the store's lock, so that
/// nothing can come between its copy and its commit: a script always makes progress, and only a
/// script that keeps losing the race ever holds up other requests (for as long as it runs).
pub fn in_transaction<T>(
    state: &EmulatorState,
    database: &str,
    container: &str,
    partition: &PartitionKey,
    ts: u64,
    mut work: impl FnMut(&mut PartitionScope) -> Result<T>,
) -> Result<T> {
    let lane = state.script_lane(&format!("dbs/{database}/colls/{container}"));
    let _turn = lane.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let place = (database, container);
    for _ in 0..OPTIMISTIC_ATTEMPTS {
        let mut scope = scope_of(&state.store(), place, partition, ts)?;
        // The store is not locked while the script runs: other requests go on.
        let outcome = work(&mut scope)?;
        if state
            .store()
            .commit_documents(database, container, scope.into_snapshot())?
        {
            return Ok(outcome);
        }
    }
    let mut store = state.store();
    let mut scope = scope_of(&store, place, partition, ts)?;
    let outcome = work(&mut scope)?;
    if store.commit_documents(database, container, scope.into_snapshot())? {
        return Ok(outcome);
    }
    // Unreachable while the lock is held; answered as the service answers a write conflict.
    Err(CosmosError::new(
        StatusCode::from_u16(449).unwrap_or(StatusCode::CONFLICT),
        "Conflicting request to resource has been attempted. Retry to avoid conflicts.",
    ))
}

/// A fresh scope: the partition's documents copied from `store`.
fn scope_of(
    store: &crate::store::Store,
    (database, container): (&str, &str),
    partition: &PartitionKey,
    ts: u64,
) -> Result<PartitionScope> {
    let definition = store
        .container(database, container)?
        .resource
        .partition_key
        .clone();
    Ok(PartitionScope::new(
        store.snapshot_documents(database, container, partition)?,
        partition.clone(),
        definition,
        format!("dbs/{database}/colls/{container}"),
        ts,
    ))
}

/// Runs the stored procedure `source` with `args` in `partition`, as one transaction.
pub fn execute_stored_procedure(
    state: &EmulatorState,
    (database, container): (&str, &str),
    source: &str,
    partition: &PartitionKey,
    args: &[Value],
    ts: u64,
) -> Result<ScriptRun> {
    let limits = state.settings.script_limits;
    in_transaction(state, database, container, partition, ts, |scope| {
        engine::run_stored_procedure(source, args, scope, limits)
            .map_err(|error| refusal(error, limits))
    })
}

/// The triggers a document write names, in its headers, in order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TriggerNames {
    /// From `x-ms-documentdb-pre-trigger-include`.
    pub pre: Vec<String>,
    /// From `x-ms-documentdb-post-trigger-include`.
    pub post: Vec<String>,
}

impl TriggerNames {
    /// The header naming pre-triggers.
    pub const PRE_HEADER: &'static str = "x-ms-documentdb-pre-trigger-include";
    /// The header naming post-triggers.
    pub const POST_HEADER: &'static str = "x-ms-documentdb-post-trigger-include";

    /// Reads both headers: comma-separated names.
    pub fn from_request(request: &crate::request::CosmosRequest) -> Self {
        let names = |header: &str| -> Vec<String> {
            request
                .header(header)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Self {
            pre: names(Self::PRE_HEADER),
            post: names(Self::POST_HEADER),
        }
    }

    /// Whether the request names no trigger.
    pub fn is_empty(&self) -> bool {
        self.pre.is_empty() && self.post.is_empty()
    }

    /// The named triggers' definitions, checked: each exists, is of the kind its header says and
    /// may run on `operation`.
    pub fn resolve(
        &self,
        triggers: &[Trigger],
        operation: TriggerOperation,
    ) -> Result<(Vec<Trigger>, Vec<Trigger>)> {
        let find = |name: &String, kind: TriggerType, header: &str| -> Result<Trigger> {
            let trigger = triggers
                .iter()
                .find(|trigger| &trigger.id == name)
                .ok_or_else(|| {
                    CosmosError::bad_request(format!(
                        "The trigger '{name}' named in {header} does not exist in this container."
                    ))
                })?;
            if trigger.trigger_type != Some(kind) {
                return Err(CosmosError::bad_request(format!(
                    "The trigger '{name}' named in {header} is not a {kind:?} trigger."
                )));
            }
            if !trigger
                .trigger_operation
                .is_some_and(|declared| declared.covers(operation))
            {
                let declared = trigger
                    .trigger_operation
                    .map_or_else(|| "none".to_owned(), |declared| format!("{declared:?}"));
                return Err(CosmosError::bad_request(format!(
                    "The trigger '{name}' cannot run on a {operation:?} operation: it was \
                     created with triggerOperation {declared}."
                )));
            }
            Ok(trigger.clone())
        };
        let pre = self
            .pre
            .iter()
            .map(|name| find(name, TriggerType::Pre, Self::PRE_HEADER))
            .collect::<Result<_>>()?;
        let post = self
            .post
            .iter()
            .map(|name| find(name, TriggerType::Post, Self::POST_HEADER))
            .collect::<Result<_>>()?;
        Ok((pre, post))
    }
}

/// A client's document write with triggers, as one transaction: the pre-triggers (which may
/// change the body), the write itself (`write`, given the final body), then the post-triggers
/// (which see the written document, may write more, and undo everything by throwing).
pub fn run_triggered_write<T>(
    state: &EmulatorState,
    (database, container): (&str, &str),
    (pre, post): (&[Trigger], &[Trigger]),
    partition: &PartitionKey,
    body: Option<Value>,
    ts: u64,
    mut write: impl FnMut(&mut PartitionScope, Option<Value>) -> Result<(T, Option<Value>)>,
) -> Result<T> {
    let limits = state.settings.script_limits;
    in_transaction(state, database, container, partition, ts, |scope| {
        let mut body = body.clone();
        for trigger in pre {
            let run = engine::run_trigger(&trigger.body, body.clone(), None, scope, limits)
                .map_err(|error| refusal(error, limits))?;
            body = run.request_body;
        }
        let (outcome, written) = write(scope, body.clone())?;
        for trigger in post {
            engine::run_trigger(&trigger.body, body.clone(), written.clone(), scope, limits)
                .map_err(|error| refusal(error, limits))?;
        }
        Ok(outcome)
    })
}

/// A container's user-defined functions, compiled once for one query.
pub struct ContainerFunctions {
    runner: engine::UdfRunner,
    limits: ScriptLimits,
    /// The first failure of a call: evaluation cannot fail, so the query finishes and the
    /// failure is reported after it.
    failure: RefCell<Option<ScriptError>>,
}

impl ContainerFunctions {
    /// Compiles the functions a query calls (`names`), which must all exist in `functions`.
    pub fn compile(
        names: &std::collections::BTreeSet<String>,
        functions: &[UserDefinedFunction],
        limits: ScriptLimits,
    ) -> Result<Self> {
        let mut sources = Vec::new();
        for name in names {
            let function = functions
                .iter()
                .find(|function| &function.id == name)
                .ok_or_else(|| {
                    CosmosError::bad_request(
                        crate::query::QueryError::UserDefinedFunction { name: name.clone() }
                            .to_string(),
                    )
                })?;
            sources.push((function.id.clone(), function.body.clone()));
        }
        let runner =
            engine::UdfRunner::new(&sources, limits).map_err(|error| refusal(error, limits))?;
        Ok(Self {
            runner,
            limits,
            failure: RefCell::new(None),
        })
    }

    /// The first failure of a call during the query, as the service's answer.
    pub fn failure(&self) -> Option<CosmosError> {
        self.failure
            .borrow()
            .clone()
            .map(|error| refusal(error, self.limits))
    }
}

impl crate::query::UserDefinedFunctions for ContainerFunctions {
    fn call(&self, name: &str, args: &[Value]) -> Option<Value> {
        if self.failure.borrow().is_some() {
            return None;
        }
        match self.runner.call(name, args) {
            Ok(value) => value,
            Err(error) => {
                *self.failure.borrow_mut() = Some(error);
                None
            }
        }
    }
}

//! Stored procedures, triggers and user-defined functions: create, upsert, read, replace,
//! delete, list, query — and running a stored procedure.
//!
//! The three kinds are the same resource shape (id, `body` with the JavaScript source, system
//! properties; a trigger also has `triggerType` and `triggerOperation`), so one generic handler
//! serves them. Their source is stored as sent: like the service, the emulator compiles a script
//! only when it runs, so a syntax error shows up at the first execution (400, sub-status 65535).
//!
//! Running a stored procedure (`POST …/sprocs/{id}`) needs the partition key header — a script
//! runs inside one logical partition — and takes the arguments as a JSON array. The answer is the
//! body the script set with `getContext().getResponse().setBody(…)`; with
//! `x-ms-documentdb-script-enable-logging: true` the script's `console.log` lines come back in
//! `x-ms-documentdb-script-log-results`, percent-encoded.

use axum::http::StatusCode;
use cosmolab_model::{StoredProcedure, Trigger, UserDefinedFunction};
use serde_json::{Map, Value};

use super::{Context, feed, to_json};
use crate::error::{CosmosError, Result};
use crate::operation::{Action, Operation, ResourcePath, ScriptKind};
use crate::response::Reply;
use crate::store::WriteMode;
use crate::store::scripts::StoredScript;

/// Request units charged for running a stored procedure (the service charges what it did).
const EXECUTE_CHARGE: f64 = 10.0;

/// The request header that asks for the script's `console.log` output.
pub const ENABLE_LOGGING: &str = "x-ms-documentdb-script-enable-logging";
/// The response header that carries it.
pub const LOG_RESULTS: &str = "x-ms-documentdb-script-log-results";

/// Handles `…/sprocs`, `…/triggers`, `…/udfs` and the scripts in them.
pub fn handle(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let kind = match &operation.path {
        ResourcePath::Scripts { kind, .. } | ResourcePath::Script { kind, .. } => *kind,
        _ => return Err(CosmosError::not_found()),
    };
    if operation.action == Action::Execute {
        return execute(context, operation);
    }
    match kind {
        ScriptKind::StoredProcedure => manage::<StoredProcedure>(context, operation),
        ScriptKind::Trigger => manage::<Trigger>(context, operation),
        ScriptKind::UserDefinedFunction => manage::<UserDefinedFunction>(context, operation),
    }
}

/// Create, upsert, read, replace, delete, list and query scripts of one kind.
fn manage<S: StoredScript>(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let request = context.request;
    let mut store = context.state.store();
    let ts = context.now_seconds();
    let written = |status: StatusCode, script: &S| {
        Reply::json(status, script).etag(script.system().etag.as_deref())
    };
    match (&operation.path, operation.action) {
        (
            ResourcePath::Scripts {
                database,
                container,
                ..
            },
            action @ (Action::Create | Action::Upsert),
        ) => {
            let script = script_body::<S>(request)?;
            let mode = if action == Action::Create {
                WriteMode::Create
            } else {
                WriteMode::Upsert
            };
            let (script, outcome) =
                store.put_script(database, container, script, mode, request.if_match(), ts)?;
            let status = match outcome {
                crate::store::Upserted::Created => StatusCode::CREATED,
                crate::store::Upserted::Replaced => StatusCode::OK,
            };
            Ok(written(status, &script))
        }
        (
            ResourcePath::Scripts {
                database,
                container,
                ..
            },
            Action::ReadFeed | Action::Query,
        ) => {
            let rid = store.container(database, container)?.rid();
            let all = store
                .scripts::<S>(database, container)?
                .iter()
                .map(to_json)
                .collect();
            feed::answer(request, operation.action, feed_key(S::KIND), &rid, all)
        }
        (
            ResourcePath::Script {
                database,
                container,
                id,
                ..
            },
            Action::Read,
        ) => {
            let script = store.script::<S>(database, container, id)?;
            check_addressed_rid(context, script)?;
            Ok(written(StatusCode::OK, script))
        }
        (
            ResourcePath::Script {
                database,
                container,
                id,
                ..
            },
            Action::Replace,
        ) => {
            let script = script_body::<S>(request)?;
            if script.id() != id {
                return Err(CosmosError::bad_request(format!(
                    "The id in the body ('{}') differs from the id in the path ('{id}'); a \
                     replace cannot rename a {}.",
                    script.id(),
                    S::KIND.noun()
                )));
            }
            check_addressed_rid(context, store.script::<S>(database, container, id)?)?;
            let (script, _) = store.put_script(
                database,
                container,
                script,
                WriteMode::Replace,
                request.if_match(),
                ts,
            )?;
            Ok(written(StatusCode::OK, &script))
        }
        (
            ResourcePath::Script {
                database,
                container,
                id,
                ..
            },
            Action::Delete,
        ) => {
            check_addressed_rid(context, store.script::<S>(database, container, id)?)?;
            store.delete_script::<S>(database, container, id, request.if_match())?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(CosmosError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "A {} cannot be the target of a {} request.",
                S::KIND.noun(),
                operation.action
            ),
        )),
    }
}

/// The feed key of a kind: `{"StoredProcedures": [...]}`.
fn feed_key(kind: ScriptKind) -> &'static str {
    match kind {
        ScriptKind::StoredProcedure => "StoredProcedures",
        ScriptKind::Trigger => "Triggers",
        ScriptKind::UserDefinedFunction => "UserDefinedFunctions",
    }
}

/// A script as the client sent it, with the service's message when a required property is
/// missing (`id`, `body`; for a trigger also `triggerType` and `triggerOperation`).
fn script_body<S: StoredScript>(request: &crate::request::CosmosRequest) -> Result<S> {
    let body: Map<String, Value> = request.json_object()?;
    let mut required = vec!["id", "body"];
    if S::KIND == ScriptKind::Trigger {
        required.extend(["triggerType", "triggerOperation"]);
    }
    let missing: String = required
        .iter()
        .filter(|property| body.get(**property).is_none_or(Value::is_null))
        .map(|property| format!("{property}; "))
        .collect();
    if !missing.is_empty() {
        return Err(CosmosError::bad_request(format!(
            "The input content is invalid because the required properties - '{missing}' - are \
             missing"
        )));
    }
    if !body["body"].is_string() {
        return Err(CosmosError::bad_request(format!(
            "The {}'s 'body' must be a string holding its JavaScript source.",
            S::KIND.noun()
        )));
    }
    serde_json::from_value(Value::Object(body)).map_err(|error| {
        CosmosError::bad_request(format!("The {} is invalid: {error}.", S::KIND.noun()))
    })
}

/// For a rid-based path, the script found by id must be the one the rid names.
fn check_addressed_rid<S: StoredScript>(context: &Context<'_>, script: &S) -> Result<()> {
    match &context.addressed_rid {
        Some(rid) if script.system().rid.as_deref() != Some(rid.as_str()) => {
            Err(CosmosError::not_found())
        }
        _ => Ok(()),
    }
}

/// `POST …/sprocs/{id}`: runs the stored procedure in the request's partition.
fn execute(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let ResourcePath::Script {
        database,
        container,
        id,
        ..
    } = &operation.path
    else {
        return Err(CosmosError::not_found());
    };
    let request = context.request;
    let partition = request.partition_key()?.ok_or_else(|| {
        CosmosError::bad_request("PartitionKey value must be supplied for this operation.")
    })?;
    let source = {
        let store = context.state.store();
        let sproc = store.script::<StoredProcedure>(database, container, id)?;
        check_addressed_rid(context, sproc)?;
        sproc.body.clone()
    };
    let args = arguments(request)?;
    let run = crate::scripts::execute_stored_procedure(
        context.state,
        (database, container),
        &source,
        &partition,
        &args,
        context.now_seconds(),
    )?;
    let mut reply = match &run.response_body {
        Some(body) => Reply::json(StatusCode::OK, body),
        None => Reply::empty(StatusCode::OK),
    }
    .session(
        context.state.store().lsn(),
        &format!("dbs/{database}/colls/{container}"),
    )
    .charge(EXECUTE_CHARGE);
    if request.flag(ENABLE_LOGGING) {
        let encoded =
            percent_encoding::utf8_percent_encode(&run.log, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        reply = reply.header(LOG_RESULTS, &encoded);
    }
    Ok(reply)
}

/// The arguments: a JSON array (each element one argument), nothing (no arguments), or a single
/// value (one argument), as the SDKs send them.
fn arguments(request: &crate::request::CosmosRequest) -> Result<Vec<Value>> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    Ok(match request.json_value()? {
        Value::Array(args) => args,
        Value::Null => Vec::new(),
        single => vec![single],
    })
}

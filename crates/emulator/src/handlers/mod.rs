//! Step 5: do what was asked — one module per resource kind, each with the same shape:
//! read the input, apply it to the store, answer.
//!
//! By the time a handler runs, the caller is authenticated and authorized; handlers only ask the
//! store whether the operation *can* be done (404, 409, 412) and build the answer.

pub mod account;
pub mod containers;
pub mod databases;
pub mod documents;
pub mod feed;
pub mod partition_key_ranges;
pub mod permissions;
pub mod scripts;
pub mod users;

use serde_json::Value;

use crate::authenticate::Authenticated;
use crate::error::Result;
use crate::operation::{Operation, ResourcePath};
use crate::request::CosmosRequest;
use crate::response::Reply;
use crate::state::EmulatorState;

/// Everything a handler may look at.
pub struct Context<'a> {
    /// The emulator.
    pub state: &'a EmulatorState,
    /// The request.
    pub request: &'a CosmosRequest,
    /// Who is calling (already allowed to do this).
    pub who: &'a Authenticated,
    /// The endpoint the client used, e.g. `http://127.0.0.1:8081/`.
    pub endpoint: &'a str,
    /// For a rid-based path, the `_rid` the request named (the last segment).
    pub addressed_rid: Option<String>,
}

impl Context<'_> {
    /// The emulator clock's time, in whole seconds, for `_ts`.
    pub fn now_seconds(&self) -> u64 {
        cosmolab_auth_signing::unix_seconds(self.state.clock.now())
    }
}

/// Sends the operation to the handler of its resource kind; an acknowledged write is saved to the
/// data directory (if there is one) before its answer goes out.
pub fn dispatch(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let reply = handle(context, operation)?;
    if let Some(database) = written_database(context, operation) {
        context.state.persist(&database)?;
    }
    Ok(reply)
}

/// The database an acknowledged write changed, if the operation was a write.
fn written_database(context: &Context<'_>, operation: &Operation) -> Option<String> {
    use crate::operation::Action;
    if !matches!(
        operation.action,
        Action::Create | Action::Upsert | Action::Replace | Action::Delete | Action::Execute
    ) {
        return None;
    }
    match &operation.path {
        ResourcePath::Account | ResourcePath::PartitionKeyRanges { .. } => None,
        // Creating a database names it in the body.
        ResourcePath::Databases => context
            .request
            .json_object()
            .ok()?
            .get("id")?
            .as_str()
            .map(str::to_owned),
        ResourcePath::Database { database }
        | ResourcePath::Containers { database }
        | ResourcePath::Container { database, .. }
        | ResourcePath::Documents { database, .. }
        | ResourcePath::Document { database, .. }
        | ResourcePath::Scripts { database, .. }
        | ResourcePath::Script { database, .. }
        | ResourcePath::Users { database }
        | ResourcePath::User { database, .. }
        | ResourcePath::Permissions { database, .. }
        | ResourcePath::Permission { database, .. } => Some(database.clone()),
    }
}

fn handle(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    match &operation.path {
        ResourcePath::Account => account::read(context),
        ResourcePath::Databases | ResourcePath::Database { .. } => {
            databases::handle(context, operation)
        }
        ResourcePath::Containers { .. } | ResourcePath::Container { .. } => {
            containers::handle(context, operation)
        }
        ResourcePath::Documents { .. } | ResourcePath::Document { .. } => {
            documents::handle(context, operation)
        }
        ResourcePath::PartitionKeyRanges { .. } => partition_key_ranges::read(context, operation),
        ResourcePath::Scripts { .. } | ResourcePath::Script { .. } => {
            scripts::handle(context, operation)
        }
        ResourcePath::Users { .. } | ResourcePath::User { .. } => users::handle(context, operation),
        ResourcePath::Permissions { .. } | ResourcePath::Permission { .. } => {
            permissions::handle(context, operation)
        }
    }
}

/// A resource as JSON (our own types always serialize).
pub(crate) fn to_json(resource: &impl serde::Serialize) -> Value {
    serde_json::to_value(resource).unwrap_or(Value::Null)
}

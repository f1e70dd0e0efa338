//! Databases: create, read, list, query, delete.

use axum::http::StatusCode;
use serde::Deserialize;

use super::{Context, feed, to_json};
use crate::error::{CosmosError, Result};
use crate::operation::{Action, Operation, ResourcePath};
use crate::response::Reply;

/// The body of `POST /dbs`: only the id is settable.
#[derive(Deserialize)]
struct NewDatabase {
    id: String,
}

/// Handles `/dbs` and `/dbs/{db}`.
pub fn handle(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let mut store = context.state.store();
    match (&operation.path, operation.action) {
        (ResourcePath::Databases, Action::Create) => {
            let body: NewDatabase = context.request.json()?;
            let database = store.create_database(&body.id, context.now_seconds())?;
            Ok(Reply::json(StatusCode::CREATED, &database).etag(database.system.etag.as_deref()))
        }
        (ResourcePath::Databases, Action::ReadFeed | Action::Query) => {
            let all = store.databases().map(to_json).collect();
            feed::answer(context.request, operation.action, "Databases", "", all)
        }
        (ResourcePath::Database { database }, Action::Read) => {
            let entry = store.database(database)?;
            Ok(Reply::json(StatusCode::OK, &entry.resource)
                .etag(entry.resource.system.etag.as_deref()))
        }
        (ResourcePath::Database { database }, Action::Delete) => {
            store.delete_database(database)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(CosmosError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "A database cannot be the target of a {} request.",
                operation.action
            ),
        )),
    }
}

//! Users: create, upsert, read, replace (rename), delete, list, query.
//!
//! A user is only a name that permissions hang from (seed 001): the identity of an app user, as a
//! mid-tier service maps it, never an account login.

use axum::http::StatusCode;
use serde::Deserialize;

use super::{Context, feed, to_json};
use crate::error::{CosmosError, Result};
use crate::operation::{Action, Operation, ResourcePath};
use crate::response::Reply;

/// The settable part of a user: its id.
#[derive(Deserialize)]
struct UserBody {
    id: String,
}

/// Handles `/dbs/{db}/users` and `/dbs/{db}/users/{user}`.
pub fn handle(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let mut store = context.state.store();
    let ts = context.now_seconds();
    match (&operation.path, operation.action) {
        (ResourcePath::Users { database }, Action::Create) => {
            let body: UserBody = context.request.json()?;
            let user = store.create_user(database, &body.id, ts)?;
            Ok(Reply::json(StatusCode::CREATED, &user).etag(user.system.etag.as_deref()))
        }
        (ResourcePath::Users { database }, Action::Upsert) => {
            let body: UserBody = context.request.json()?;
            if let Ok(existing) = store.user(database, &body.id) {
                let existing = existing.resource.clone();
                return Ok(
                    Reply::json(StatusCode::OK, &existing).etag(existing.system.etag.as_deref())
                );
            }
            let user = store.create_user(database, &body.id, ts)?;
            Ok(Reply::json(StatusCode::CREATED, &user).etag(user.system.etag.as_deref()))
        }
        (ResourcePath::Users { database }, Action::ReadFeed | Action::Query) => {
            let rid = store.database(database)?.rid();
            let all = store.users(database)?.map(to_json).collect();
            feed::answer(context.request, operation.action, "Users", &rid, all)
        }
        (ResourcePath::User { database, user }, Action::Read) => {
            let entry = store.user(database, user)?;
            Ok(Reply::json(StatusCode::OK, &entry.resource)
                .etag(entry.resource.system.etag.as_deref()))
        }
        (ResourcePath::User { database, user }, Action::Replace) => {
            let body: UserBody = context.request.json()?;
            let replaced = store.replace_user(database, user, &body.id, ts)?;
            Ok(Reply::json(StatusCode::OK, &replaced).etag(replaced.system.etag.as_deref()))
        }
        (ResourcePath::User { database, user }, Action::Delete) => {
            store.delete_user(database, user)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(CosmosError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "A user cannot be the target of a {} request.",
                operation.action
            ),
        )),
    }
}

//! Containers: create (a partition-key definition is required), read, list, query, replace,
//! delete.

use axum::http::StatusCode;
use cosmolab_model::Container;

use super::{Context, feed, to_json};
use crate::error::{CosmosError, Result};
use crate::operation::{Action, Operation, ResourcePath};
use crate::response::Reply;

/// Handles `/dbs/{db}/colls` and `/dbs/{db}/colls/{c}`.
pub fn handle(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    let mut store = context.state.store();
    match (&operation.path, operation.action) {
        (ResourcePath::Containers { database }, Action::Create) => {
            let body = context.request.json_object()?;
            if !body.contains_key("partitionKey") {
                return Err(CosmosError::bad_request(
                    "A partition key definition is required to create a container, e.g. \
                     \"partitionKey\": {\"paths\": [\"/key\"], \"kind\": \"Hash\"}.",
                ));
            }
            let container: Container = context.request.json()?;
            let created = store.create_container(database, container, context.now_seconds())?;
            Ok(Reply::json(StatusCode::CREATED, &created).etag(created.system.etag.as_deref()))
        }
        (ResourcePath::Containers { database }, Action::ReadFeed | Action::Query) => {
            let rid = store.database(database)?.rid();
            let all = store.containers(database)?.map(to_json).collect();
            feed::answer(
                context.request,
                operation.action,
                "DocumentCollections",
                &rid,
                all,
            )
        }
        (
            ResourcePath::Container {
                database,
                container,
            },
            Action::Read,
        ) => {
            let entry = store.container(database, container)?;
            Ok(Reply::json(StatusCode::OK, &entry.resource)
                .etag(entry.resource.system.etag.as_deref()))
        }
        (
            ResourcePath::Container {
                database,
                container,
            },
            Action::Replace,
        ) => {
            let replacement: Container = context.request.json()?;
            let replaced =
                store.replace_container(database, container, replacement, context.now_seconds())?;
            Ok(Reply::json(StatusCode::OK, &replaced).etag(replaced.system.etag.as_deref()))
        }
        (
            ResourcePath::Container {
                database,
                container,
            },
            Action::Delete,
        ) => {
            store.delete_container(database, container)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(CosmosError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "A container cannot be the target of a {} request.",
                operation.action
            ),
        )),
    }
}

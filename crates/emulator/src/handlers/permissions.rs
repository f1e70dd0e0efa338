//! Permissions: create, upsert, read, replace, delete, list — and a **new token on every read**.
//!
//! A permission grants its user `All` or `Read` on one resource (a container, a document, a
//! script, …), optionally narrowed to one partition key. The service never stores a token: every
//! `POST`, `GET` and `PUT` of a permission, and every read of the permission feed, mints a fresh one
//! from the permission as it is *now*, valid for `x-ms-documentdb-expiry-seconds` (default one
//! hour). The expiry is written into the token, so a token outlives the deletion of its permission
//! until it expires (seed 002) — which is why a mid-tier broker keeps lifetimes short.

use std::time::Duration;

use axum::http::StatusCode;
use cosmolab_auth_signing::{ResourceTokenClaims, unix_seconds};
use cosmolab_model::Permission;
use serde_json::Value;

use super::Context;
use crate::error::{CosmosError, Result};
use crate::keys::KeyKind;
use crate::operation::{Action, Operation, ResourcePath};
use crate::request::headers;
use crate::response::Reply;
use crate::store::{Upserted, WriteMode};

/// A token's lifetime when the request does not say (seeds 001–003: one hour).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The shortest lifetime accepted (observed on the service: 10 minutes).
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(600);

/// The longest lifetime accepted (REST reference and seed 001: five hours).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 3600);

/// Handles `…/users/{user}/permissions` and `…/permissions/{id}`.
pub fn handle(context: &Context<'_>, operation: &Operation) -> Result<Reply> {
    // The lifetime header only matters where a token is minted; a DELETE ignores it.
    let lifetime = if operation.action == Action::Delete {
        DEFAULT_TOKEN_LIFETIME
    } else {
        token_lifetime(context)?
    };
    let mut store = context.state.store();
    let ts = context.now_seconds();
    let with_token = |permission: Permission, database: &str, user: &str| {
        mint(context, permission, database, user, lifetime)
    };
    match (&operation.path, operation.action) {
        (ResourcePath::Permissions { database, user }, Action::Create | Action::Upsert) => {
            let permission = read_body(context, database)?;
            let mode = if operation.action == Action::Create {
                WriteMode::Create
            } else {
                WriteMode::Upsert
            };
            let (stored, outcome) = store.put_permission(
                database,
                user,
                permission,
                mode,
                context.request.if_match(),
                ts,
            )?;
            let status = match outcome {
                Upserted::Created => StatusCode::CREATED,
                Upserted::Replaced => StatusCode::OK,
            };
            let etag = stored.system.etag.clone();
            Ok(Reply::json(status, &with_token(stored, database, user)).etag(etag.as_deref()))
        }
        (ResourcePath::Permissions { database, user }, Action::ReadFeed | Action::Query) => {
            let rid = store.user(database, user)?.rid();
            // Every permission in the feed gets its own fresh token.
            let all: Vec<Value> = store
                .permissions(database, user)?
                .iter()
                .cloned()
                .map(|permission| super::to_json(&with_token(permission, database, user)))
                .collect();
            super::feed::answer(context.request, operation.action, "Permissions", &rid, all)
        }
        (
            ResourcePath::Permission {
                database,
                user,
                permission,
            },
            Action::Read,
        ) => {
            let stored = store.permission(database, user, permission)?.clone();
            let etag = stored.system.etag.clone();
            Ok(
                Reply::json(StatusCode::OK, &with_token(stored, database, user))
                    .etag(etag.as_deref()),
            )
        }
        (
            ResourcePath::Permission {
                database,
                user,
                permission,
            },
            Action::Replace,
        ) => {
            let body = read_body(context, database)?;
            if body.id != *permission {
                return Err(CosmosError::bad_request(format!(
                    "The id in the body ('{}') differs from the id in the path ('{permission}').",
                    body.id
                )));
            }
            let (stored, _) = store.put_permission(
                database,
                user,
                body,
                WriteMode::Replace,
                context.request.if_match(),
                ts,
            )?;
            let etag = stored.system.etag.clone();
            Ok(
                Reply::json(StatusCode::OK, &with_token(stored, database, user))
                    .etag(etag.as_deref()),
            )
        }
        (
            ResourcePath::Permission {
                database,
                user,
                permission,
            },
            Action::Delete,
        ) => {
            store.delete_permission(database, user, permission)?;
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(CosmosError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "A permission cannot be the target of a {} request.",
                operation.action
            ),
        )),
    }
}

/// Reads and checks a permission body: `resource` must link to something a permission can cover,
/// in the same database.
fn read_body(context: &Context<'_>, database: &str) -> Result<Permission> {
    let mut permission: Permission = context.request.json()?;
    let resource = permission.resource.trim_matches('/').to_owned();
    let segments: Vec<&str> = resource.split('/').collect();
    let shape_ok = matches!(
        segments.as_slice(),
        ["dbs", _, "colls", _]
            | [
                "dbs",
                _,
                "colls",
                _,
                "docs" | "sprocs" | "triggers" | "udfs",
                _
            ]
            | ["dbs", _, "colls", _, "docs", _, "attachments", _]
    ) && segments.iter().all(|segment| !segment.is_empty());
    if !shape_ok {
        return Err(CosmosError::bad_request(format!(
            "The permission's resource '{}' is not a link to a container, document, stored \
             procedure, trigger, user-defined function or attachment (e.g. 'dbs/db/colls/items').",
            permission.resource
        )));
    }
    if segments[1] != database {
        return Err(CosmosError::bad_request(format!(
            "The permission's resource '{resource}' is in another database than its user ('{database}')."
        )));
    }
    permission.resource = resource;
    Ok(permission)
}

/// The lifetime the request asks for, within the service's bounds.
fn token_lifetime(context: &Context<'_>) -> Result<Duration> {
    let Some(text) = context.request.header(headers::EXPIRY_SECONDS) else {
        return Ok(DEFAULT_TOKEN_LIFETIME);
    };
    let (min, max) = (MIN_TOKEN_LIFETIME.as_secs(), MAX_TOKEN_LIFETIME.as_secs());
    match text.trim().parse::<u64>() {
        Ok(seconds) if (min..=max).contains(&seconds) => Ok(Duration::from_secs(seconds)),
        _ => Err(CosmosError::bad_request(format!(
            "Value '{text}' specified for the header 'x-ms-documentdb-expiry-seconds' is invalid: \
             a resource token's lifetime must be between {min} and {max} seconds (10 minutes to 5 hours)."
        ))),
    }
}

/// Returns the permission with a freshly minted `_token`.
fn mint(
    context: &Context<'_>,
    mut permission: Permission,
    database: &str,
    user: &str,
    lifetime: Duration,
) -> Permission {
    let now = unix_seconds(context.state.clock.now());
    // Tokens are always signed with the primary key, never the secondary: so regenerating the
    // primary revokes every token, while rotating the secondary leaves them all intact.
    let keys = context.state.keys();
    let signing_key = keys.slot(KeyKind::Primary);
    let claims = ResourceTokenClaims {
        permission: format!("dbs/{database}/users/{user}/permissions/{}", permission.id),
        user: format!("dbs/{database}/users/{user}"),
        resource: permission.resource.clone(),
        resource_partition_key: permission.resource_partition_key.clone(),
        permission_mode: permission.permission_mode,
        issued_at: now,
        expires_at: now.saturating_add(lifetime.as_secs()),
        key_generation: signing_key.generation,
        // Every read mints a new token, even within the same second.
        token_id: uuid::Uuid::new_v4().to_string(),
    };
    permission.token = Some(claims.mint(&signing_key.key));
    permission
}

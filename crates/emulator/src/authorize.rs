//! Step 4: may this caller perform this operation? The access rules, in one function.
//!
//! [`authorize`] answers with `Ok(())` or the refusal the service would send, plus a deny reason
//! naming the rule. The rules, from the seeds and the service's documentation:
//!
//! **Read-write keys** (primary, secondary) may do everything.
//!
//! **Read-only keys** may read data and metadata and run queries. A write is answered like a wrong
//! key — 401 quoting the signed payload — because that is what the service does (its
//! troubleshooting guide: "The 401 MAC signature issue only occurs for write operations" with
//! read-only keys). Users and permissions are off limits entirely ("They don't provide access to
//! read permissions resources", seed 001).
//!
//! **Resource tokens** allow a request only when all of these hold (seeds 001–003):
//!
//! 1. *scope*: the request's resource is the permission's resource or inside it — a container
//!    permission covers its documents; a document permission covers only that document. Two reads
//!    are always allowed, because the SDKs make them before anything else: the account (`GET /`)
//!    and, for a permission inside a container, that container's properties and partition-key
//!    ranges. Nothing else outside the scope: not the list of databases or containers, not users
//!    or permissions, not another container.
//!    A permission on a stored procedure, trigger or user-defined function covers that script;
//!    a container permission covers the container's scripts too.
//! 2. *mode*: `Read` allows reads, feeds and queries only; `All` allows writes too, and running a
//!    stored procedure (seed 003: "executing a stored procedure needs `All`").
//! 3. *partition*: a permission with a `resourcePartitionKey` requires every request inside its
//!    scope to name that partition key — a read, a write or a query alike. A cross-partition query
//!    or a feed read without a key is refused.
//!
//! Scope, mode and partition failures are 403 "Insufficient permissions…", the service's message.

use cosmolab_auth_signing::ResourceTokenClaims;
use cosmolab_model::{PartitionKey, PermissionMode};

use crate::authenticate::{Authenticated, Caller, signature_mismatch};
use crate::error::{CosmosError, Result};
use crate::keys::KeyKind;
use crate::operation::{Action, Operation, ResourcePath};

/// The service's message for a valid resource token used outside its permission.
pub const INSUFFICIENT_PERMISSIONS: &str = "Insufficient permissions provided in the authorization header for the corresponding request. Please retry with another authorization header.";

/// Decides whether `who` may perform `operation`; `partition_key` is the request's header.
pub fn authorize(
    who: &Authenticated,
    operation: &Operation,
    partition_key: Option<&PartitionKey>,
) -> Result<()> {
    match &who.caller {
        Caller::Key(kind) if !kind.is_read_only() => Ok(()),
        Caller::Key(kind) => read_only_key(who, *kind, operation),
        Caller::ResourceToken(claims) => resource_token(claims, operation, partition_key),
        // Entra callers are decided by their role assignments, in `crate::rbac`, before this is
        // reached; refuse rather than guess if a caller ever gets here.
        Caller::Entra(principal) => Err(CosmosError::forbidden(
            INSUFFICIENT_PERMISSIONS,
            format!(
                "Entra principal {} must be authorized by role assignments",
                principal.object_id
            ),
        )),
    }
}

/// Read-only keys: reads and queries of data and metadata; no writes; no users or permissions.
fn read_only_key(who: &Authenticated, kind: KeyKind, operation: &Operation) -> Result<()> {
    let refuse = |reason: String| {
        let message = match &who.signed_payload {
            Some(payload) => signature_mismatch(payload),
            None => INSUFFICIENT_PERMISSIONS.to_owned(),
        };
        Err(CosmosError::unauthorized(message, reason))
    };
    if operation.path.is_user_management() {
        return refuse(format!(
            "the request was signed with the {kind}: read-only keys cannot read or manage users and \
             permissions (seed 001); use a read-write key"
        ));
    }
    if operation.action.is_write() {
        return refuse(format!(
            "the request was signed with the {kind}, which cannot {}: read-only keys allow reads \
             and queries only, and the service answers their writes like a wrong key",
            operation.action
        ));
    }
    Ok(())
}

/// Resource tokens: scope, then mode, then partition.
fn resource_token(
    claims: &ResourceTokenClaims,
    operation: &Operation,
    partition_key: Option<&PartitionKey>,
) -> Result<()> {
    let refuse = |reason: String| Err(CosmosError::forbidden(INSUFFICIENT_PERMISSIONS, reason));
    let granted = claims.resource.trim_matches('/');
    let permission = &claims.permission;

    // Reads every SDK makes before it can do anything: always allowed with any valid token
    // (account), or with any token inside the container (its properties and ranges).
    match &operation.path {
        ResourcePath::Account => return Ok(()),
        ResourcePath::Container { .. } | ResourcePath::PartitionKeyRanges { .. }
            if !operation.action.is_write() && is_within(granted, &operation.path.link()) =>
        {
            return Ok(());
        }
        _ => {}
    }

    // 1. Scope: the target must be the granted resource or lie inside it. For a feed of documents
    //    or scripts the target is the container (creating, listing or querying happens *in* it).
    let target = operation.path.link();
    let in_scope = match &operation.path {
        ResourcePath::Documents { .. }
        | ResourcePath::Document { .. }
        | ResourcePath::Scripts { .. }
        | ResourcePath::Script { .. } => is_within(&target, granted),
        // Metadata and user management are never reachable with a resource token.
        _ => false,
    };
    if !in_scope {
        return refuse(format!(
            "the resource token of permission '{permission}' grants access to '{granted}' only; the \
             request targets {}",
            describe_target(operation)
        ));
    }

    // 2. Mode.
    if operation.action.is_write() && claims.permission_mode == PermissionMode::Read {
        return refuse(format!(
            "the resource token of permission '{permission}' has mode Read, which allows reads and \
             queries only; this request is a{} {}{}",
            if operation.action == Action::Execute {
                "n"
            } else {
                ""
            },
            operation.action,
            if operation.action == Action::Execute {
                " of a stored procedure, which needs All (seed 003)"
            } else {
                ""
            }
        ));
    }

    // 3. Partition.
    if let Some(required) = &claims.resource_partition_key {
        match partition_key {
            Some(requested) if requested == required => {}
            Some(requested) => {
                return refuse(format!(
                    "the resource token is scoped to partition {required}, request targets {requested}"
                ));
            }
            None if matches!(operation.path, ResourcePath::Scripts { .. })
                || (matches!(operation.path, ResourcePath::Script { .. })
                    && operation.action != Action::Execute) =>
            {
                return refuse(format!(
                    "the resource token is scoped to partition {required}: scripts belong to the \
                     whole container, so a partition's token can run a stored procedure in its \
                     partition but not read, list or manage scripts"
                ));
            }
            None => {
                let what = match operation.action {
                    Action::Query => "a cross-partition query",
                    Action::ReadFeed => "a read of the whole feed",
                    _ => "a request without a partition key",
                };
                return refuse(format!(
                    "the resource token is scoped to partition {required}, and this is {what}; send \
                     x-ms-documentdb-partitionkey: {required}"
                ));
            }
        }
    }
    Ok(())
}

/// Whether `link` is `scope` or a resource under it (`dbs/d/colls/c/docs/1` is within
/// `dbs/d/colls/c`, but `dbs/d/colls/c2` is not).
fn is_within(link: &str, scope: &str) -> bool {
    link == scope
        || link
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn describe_target(operation: &Operation) -> String {
    let link = operation.path.link();
    match &operation.path {
        ResourcePath::Databases => "the list of databases".to_owned(),
        ResourcePath::Containers { .. } => format!("the list of containers of '{link}'"),
        ResourcePath::Users { .. } => format!("the users of '{link}'"),
        ResourcePath::User { .. } => format!("the user '{link}'"),
        ResourcePath::Permissions { .. } => format!("the permissions of '{link}'"),
        ResourcePath::Permission { .. } => format!("the permission '{link}'"),
        ResourcePath::Documents { .. } => format!("the documents of '{link}'"),
        ResourcePath::Scripts { kind, .. } => format!("the {}s of '{link}'", kind.noun()),
        ResourcePath::Script { kind, .. } => format!("the {} '{link}'", kind.noun()),
        _ => format!("'{link}'"),
    }
}

#[cfg(test)]
mod tests;

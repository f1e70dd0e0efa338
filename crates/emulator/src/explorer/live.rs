//! `GET /_explorer/live`: every audit record as it is written, as Server-Sent Events.
//!
//! The request-log page opens it with `EventSource`; each event `request` carries one
//! [`LiveEntry`] as JSON — the audit record plus the seed concept a refusal belongs to. Filters in
//! the query string (`kind`, `principal`, `status`, `denied`) are applied here, so a page watching
//! refusals only is not sent every successful read. A subscriber that falls more than
//! [`crate::audit::LIVE_BACKLOG`] records behind gets an event `skipped` with how many it missed.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use crate::audit::AuditRecord;
use crate::state::AppState;

/// Which records a page wants.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LiveFilter {
    /// The credential kind: `master`, `resource`, `aad` or `none`.
    pub kind: Option<String>,
    /// A principal: an Entra object id, a key's kind (`primary`…) or a permission's link.
    pub principal: Option<String>,
    /// One HTTP status.
    pub status: Option<u16>,
    /// Refusals (401, 403) only.
    #[serde(default)]
    pub denied: bool,
}

impl LiveFilter {
    /// Whether `record` passes. Empty fields (an empty form field) filter nothing.
    pub fn matches(&self, record: &AuditRecord) -> bool {
        let given = |field: &Option<String>| field.clone().filter(|value| !value.trim().is_empty());
        (!self.denied || record.denied())
            && self
                .status
                .is_none_or(|status| record.status_code == status)
            && given(&self.kind).is_none_or(|kind| record.auth_type == kind)
            && given(&self.principal).is_none_or(|principal| {
                let principal = principal.trim();
                [
                    &record.aad_principal_id,
                    &record.key_kind,
                    &record.permission,
                ]
                .into_iter()
                .any(|field| field.as_deref() == Some(principal))
            })
    }
}

/// One line of the live log.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveEntry {
    /// The audit record.
    #[serde(flatten)]
    pub record: AuditRecord,
    /// Who, in words: "primary key", "resource token of dbs/shop/users/ann/permissions/read", …
    pub caller: String,
    /// For a refusal: the seed concept it belongs to, e.g. "read-only keys (seed 001)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concept: Option<&'static str>,
}

impl LiveEntry {
    /// The entry for `record`.
    pub fn new(record: AuditRecord) -> Self {
        Self {
            caller: caller(&record),
            concept: record.denied().then(|| concept(&record)),
            record,
        }
    }
}

/// The caller of a record, in words.
pub fn caller(record: &AuditRecord) -> String {
    match record.auth_type.as_str() {
        "master" => format!("{} key", record.key_kind.as_deref().unwrap_or("a master")),
        "resource" => format!(
            "resource token of {}",
            record.permission.as_deref().unwrap_or("a permission")
        ),
        "aad" => format!(
            "Entra principal {}",
            record.aad_principal_id.as_deref().unwrap_or("?")
        ),
        _ => "unauthenticated".to_owned(),
    }
}

/// The seed concept a refusal belongs to, from who was refused and why.
pub fn concept(record: &AuditRecord) -> &'static str {
    let reason = record
        .deny_reason
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let has = |word: &str| reason.contains(word);
    match record.auth_type.as_str() {
        _ if has("disablelocalauth") || has("local authorization") => {
            "disableLocalAuth: only Entra ID tokens (seed 004)"
        }
        "master"
            if record
                .key_kind
                .as_deref()
                .is_some_and(|kind| kind.ends_with("Readonly")) =>
        {
            "read-only keys: read data and metadata, never write (seed 001)"
        }
        "master" | "none" if has("date") || has("time") => {
            "signed requests are valid for 15 minutes after x-ms-date (seed 000)"
        }
        "master" | "none" => "master keys: a signature with a key the account has (seed 000)",
        "resource" if has("expired") || has("not valid at the current time") => {
            "token expiry: a resource token lives 1 hour by default, 5 at most (seed 003)"
        }
        "resource" if has("stored procedure") || has("scripts") => {
            "stored procedures: running one needs All, Read only reads it (seed 003)"
        }
        "resource" if has("partition") => {
            "partition keys: a token restricted to one partition key (seed 002)"
        }
        "resource" if has("mode") || has("read") => {
            "permission modes: Read reads, All reads and writes (seed 001)"
        }
        "resource" => "resource tokens: scoped to the resource their permission names (seed 001)",
        "aad" if has("data plane") => {
            "management operations go through Azure Resource Manager, not Entra tokens (seed 004)"
        }
        "aad" if has("executestoredprocedure") => {
            "stored procedures: Entra callers need executeStoredProcedure (seed 004)"
        }
        "aad" => "role-based access control: roles, assignments and scopes (seed 004)",
        _ => "access control (seeds 000–004)",
    }
}

/// `GET /_explorer/live`.
pub async fn events(
    State(state): State<AppState>,
    Query(filter): Query<LiveFilter>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.audit.subscribe();
    let stream =
        futures_util::stream::unfold((receiver, filter), |(mut receiver, filter)| async move {
            loop {
                let event = match receiver.recv().await {
                    Ok(record) if filter.matches(&record) => {
                        let entry = LiveEntry::new(record);
                        Event::default()
                            .event("request")
                            .json_data(&entry)
                            .unwrap_or_else(|_| Event::default().comment("unserializable"))
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => {
                        Event::default().event("skipped").data(missed.to_string())
                    }
                    // The emulator is stopping.
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (receiver, filter)));
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

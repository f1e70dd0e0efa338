//! The audit log: one JSON line per data-plane request, allowed or refused (seed 004).
//!
//! Azure writes data-plane requests to its diagnostic logs (`DataPlaneRequests`), with the Entra
//! principal in `aadPrincipalId` and the role assignment that allowed the request in
//! `aadAppliedRoleAssignmentId`. Ours records the same, plus what a key or resource-token request
//! used (the key's kind, the permission's link) and, for a refusal, the deny reason:
//!
//! ```json
//! {"time":"2026-12-04T06:30:00Z","activityId":"…","operation":"Create","resourceType":"docs",
//!  "resourceLink":"dbs/shop/colls/orders/docs","statusCode":403,"authType":"aad",
//!  "aadPrincipalId":"9d1c…","denyReason":"principal 9d1c… has no role assignment…"}
//! ```
//!
//! Nothing secret is written: no header value, no key, no token, no signature — only which
//! credential it was. The last [`MEMORY_RECORDS`] records are kept in memory for
//! `GET /_cosmolab/audit` (filters `principal`, `denied`); with `--audit-log <file>` every record
//! is also appended to that file, which `cosmolab-emulator audit --file <file>` reads back.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

use serde::Deserialize;

use crate::authenticate::Caller;

/// How many records the emulator keeps in memory.
pub const MEMORY_RECORDS: usize = 10_000;

pub use cosmolab_model::AuditRecord;

/// Fills in `record`'s credential fields from `caller` (none: unauthenticated).
pub fn with_caller(mut record: AuditRecord, caller: Option<&Caller>) -> AuditRecord {
    match caller {
        None => record.auth_type = "none".to_owned(),
        Some(Caller::Key(kind)) => {
            record.auth_type = "master".to_owned();
            record.key_kind = Some(kind.arm_name().to_owned());
        }
        Some(Caller::ResourceToken(claims)) => {
            record.auth_type = "resource".to_owned();
            record.permission = Some(claims.permission.clone());
        }
        Some(Caller::Entra(principal)) => {
            record.auth_type = "aad".to_owned();
            record.aad_principal_id = Some(principal.object_id.clone());
        }
    }
    record
}

/// Which records to read back.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    /// Only this Entra principal's requests.
    pub principal: Option<String>,
    /// Only refused requests.
    #[serde(default)]
    pub denied: bool,
}

impl AuditFilter {
    /// Whether `record` passes the filter.
    pub fn matches(&self, record: &AuditRecord) -> bool {
        (!self.denied || record.denied())
            && self
                .principal
                .as_deref()
                .is_none_or(|principal| record.aad_principal_id.as_deref() == Some(principal))
    }
}

/// How many records a slow live subscriber (the explorer's request log) may fall behind before it
/// skips ahead: it is told how many it missed, and the page says so.
pub const LIVE_BACKLOG: usize = 1024;

/// The log: recent records in memory, every record in a file when one is given, and each record
/// as it happens to whoever listens (the explorer's live request log).
#[derive(Debug)]
pub struct AuditLog {
    recent: Mutex<VecDeque<AuditRecord>>,
    file: Option<Mutex<File>>,
    live: tokio::sync::broadcast::Sender<AuditRecord>,
}

impl Default for AuditLog {
    fn default() -> Self {
        Self {
            recent: Mutex::default(),
            file: None,
            live: tokio::sync::broadcast::channel(LIVE_BACKLOG).0,
        }
    }
}

impl AuditLog {
    /// A log that also appends to `path` (created if missing).
    pub fn to_file(path: &Path) -> std::io::Result<Self> {
        let file = File::options().create(true).append(true).open(path)?;
        Ok(Self {
            file: Some(Mutex::new(file)),
            ..Self::default()
        })
    }

    /// Appends a record.
    pub fn record(&self, record: AuditRecord) {
        if let Some(file) = &self.file {
            let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let line = serde_json::to_string(&record).unwrap_or_default();
            // An audit line that cannot be written must not fail the request it describes; the
            // operator learns it from the emulator's own log.
            if let Err(error) = writeln!(file, "{line}") {
                tracing::error!(%error, "could not append to the audit log");
            }
        }
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if recent.len() == MEMORY_RECORDS {
            recent.pop_front();
        }
        recent.push_back(record.clone());
        // Nobody listening is the common case, not an error.
        let _ = self.live.send(record);
    }

    /// Every record from now on, as it is written.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<AuditRecord> {
        self.live.subscribe()
    }

    /// The records in memory that pass `filter`, oldest first.
    pub fn read(&self, filter: &AuditFilter) -> Vec<AuditRecord> {
        self.recent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|record| filter.matches(record))
            .cloned()
            .collect()
    }
}

/// Now, as the audit records write it: `2026-12-04T06:30:00Z`.
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let (days, rest) = ((seconds / 86_400) as i64, seconds % 86_400);
    let (year, month, day) = crate::identity::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Reads a JSON-lines audit file and keeps the records that pass `filter`; a line that is not a
/// record is an error naming its number.
pub fn read_file(text: &str, filter: &AuditFilter) -> Result<Vec<AuditRecord>, String> {
    let mut records = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: AuditRecord = serde_json::from_str(line)
            .map_err(|error| format!("line {} is not an audit record: {error}", number + 1))?;
        if filter.matches(&record) {
            records.push(record);
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: u16, principal: Option<&str>) -> AuditRecord {
        AuditRecord {
            time: "2026-12-04T06:30:00Z".into(),
            activity_id: "a".into(),
            operation: "Read".into(),
            resource_type: "docs".into(),
            resource_link: "dbs/shop/colls/orders/docs/o1".into(),
            status_code: status,
            auth_type: if principal.is_some() { "aad" } else { "master" }.into(),
            key_kind: None,
            permission: None,
            aad_principal_id: principal.map(str::to_owned),
            aad_applied_role_assignment_id: None,
            deny_reason: None,
        }
    }

    #[test]
    fn filters_select_by_principal_and_refusal() {
        let log = AuditLog::default();
        log.record(record(200, Some("alice")));
        log.record(record(403, Some("alice")));
        log.record(record(401, None));
        log.record(record(200, Some("bob")));
        assert_eq!(log.read(&AuditFilter::default()).len(), 4);
        let denied = log.read(&AuditFilter {
            denied: true,
            ..AuditFilter::default()
        });
        assert_eq!(denied.len(), 2);
        let alice_denied = log.read(&AuditFilter {
            principal: Some("alice".into()),
            denied: true,
        });
        assert_eq!(alice_denied, [record(403, Some("alice"))]);
    }

    #[test]
    fn the_file_holds_one_json_line_per_record_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("cosmolab-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("audit.jsonl");
        let _ = std::fs::remove_file(&path);
        let log = AuditLog::to_file(&path).unwrap();
        log.record(record(200, Some("alice")));
        log.record(record(403, Some("alice")));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains(r#""aadPrincipalId":"alice""#));
        let denied = read_file(
            &text,
            &AuditFilter {
                denied: true,
                ..AuditFilter::default()
            },
        )
        .unwrap();
        assert_eq!(denied.len(), 1);
        assert!(read_file("not json\n", &AuditFilter::default()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn memory_keeps_the_most_recent_records() {
        let log = AuditLog::default();
        for _ in 0..MEMORY_RECORDS + 5 {
            log.record(record(200, None));
        }
        assert_eq!(log.read(&AuditFilter::default()).len(), MEMORY_RECORDS);
    }
}

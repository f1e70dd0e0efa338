//! Audit records: one per data-plane request, allowed or refused (seed 004).
//!
//! Azure writes data-plane requests to an account's diagnostic logs (the `DataPlaneRequests`
//! category); for an Entra ID request the record names the principal (`aadPrincipalId`) and the
//! role assignment that allowed it (`aadAppliedRoleAssignmentId`). The cosmolab emulator writes
//! the same fields as JSON lines, plus what a key or resource-token request used and, for a
//! refusal, the rule that refused it:
//!
//! ```
//! use cosmolab_model::AuditRecord;
//!
//! let record: AuditRecord = serde_json::from_str(r#"{
//!     "time": "2026-12-04T06:30:00Z", "activityId": "0f1e…", "operation": "Delete",
//!     "resourceType": "docs", "resourceLink": "dbs/shop/colls/orders/docs/o-1",
//!     "statusCode": 403, "authType": "aad", "aadPrincipalId": "9d1c…",
//!     "denyReason": "no role assignment of principal 9d1c… allows …/items/delete"
//! }"#)?;
//! assert!(record.denied());
//! assert_eq!(record.aad_principal_id.as_deref(), Some("9d1c…"));
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! A record never holds a secret: no header value, key, token or signature — only which
//! credential was used.

use serde::{Deserialize, Serialize};

/// One audited request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// When it was answered (UTC, RFC 3339).
    pub time: String,
    /// Its `x-ms-activity-id`.
    pub activity_id: String,
    /// What it did: `Read`, `ReadFeed`, `Query`, `Create`, `Upsert`, `Replace`, `Delete`.
    pub operation: String,
    /// The resource type (`dbs`, `colls`, `docs`, `users`, `permissions`, … or empty for the
    /// account).
    pub resource_type: String,
    /// The resource link as sent.
    pub resource_link: String,
    /// The HTTP status answered.
    pub status_code: u16,
    /// `master`, `resource`, `aad`, or `none` when the request could not be authenticated.
    pub auth_type: String,
    /// For `master`: which key (`primary`, `secondaryReadonly`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_kind: Option<String>,
    /// For `resource`: the permission the token came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// For `aad`: the principal's object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad_principal_id: Option<String>,
    /// For `aad`, when allowed by a role assignment: its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad_applied_role_assignment_id: Option<String>,
    /// For a refusal: the rule that refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny_reason: Option<String>,
}

impl AuditRecord {
    /// Whether the request was refused: 401 (who are you?) or 403 (you may not).
    pub fn denied(&self) -> bool {
        matches!(self.status_code, 401 | 403)
    }
}

//! Server-side scripts: stored procedures, triggers and user-defined functions,
//! `POST /dbs/<db>/colls/<c>/sprocs` (`triggers`, `udfs`).
//!
//! A script is JavaScript that the service keeps in a container and runs next to its data: a
//! **stored procedure** is called by a client (`POST …/sprocs/<id>`) and may read and write the
//! documents of one logical partition in one transaction; a **trigger** runs before (`Pre`) or
//! after (`Post`) a document write that names it; a **user-defined function** is called from a
//! query (`SELECT udf.tax(c.price) FROM c`). Seeds 001 and 003 list all three among the resources
//! a permission can be scoped to, and say that running a stored procedure needs `All`.
//!
//! On the wire each is its id, its source as a string (`body`) and the usual system properties;
//! a trigger also says when it runs.
//!
//! ```
//! use cosmolab_model::{Trigger, TriggerOperation, TriggerType};
//!
//! // The Python SDK writes the trigger's kind in lower case; the service accepts either.
//! let trigger: Trigger = serde_json::from_str(
//!     r#"{"id": "stamp", "body": "function stamp() {}", "triggerType": "pre", "triggerOperation": "create"}"#,
//! )?;
//! assert_eq!(trigger.trigger_type, Some(TriggerType::Pre));
//! assert_eq!(trigger.trigger_operation, Some(TriggerOperation::Create));
//! assert_eq!(serde_json::to_value(&trigger)?["triggerType"], "Pre");
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::{FeedItem, SystemProperties};

/// A stored procedure: JavaScript a client runs with `POST …/sprocs/<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProcedure {
    /// The name the client chose.
    pub id: String,
    /// The JavaScript source: one function, e.g. `function hello(name) { … }`.
    #[serde(default)]
    pub body: String,
    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,
}

impl StoredProcedure {
    /// A stored procedure as a client creates it.
    pub fn new(id: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            body: body.into(),
            system: SystemProperties::default(),
        }
    }
}

impl FeedItem for StoredProcedure {
    const FEED_KEY: &'static str = "StoredProcedures";
}

/// A user-defined function: JavaScript a query calls as `udf.<id>(…)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDefinedFunction {
    /// The name queries call it by.
    pub id: String,
    /// The JavaScript source: one function of its arguments.
    #[serde(default)]
    pub body: String,
    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,
}

impl UserDefinedFunction {
    /// A user-defined function as a client creates it.
    pub fn new(id: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            body: body.into(),
            system: SystemProperties::default(),
        }
    }
}

impl FeedItem for UserDefinedFunction {
    const FEED_KEY: &'static str = "UserDefinedFunctions";
}

/// A trigger: JavaScript that runs before or after a document write that names it in
/// `x-ms-documentdb-pre-trigger-include` or `x-ms-documentdb-post-trigger-include`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    /// The name requests name it by.
    pub id: String,
    /// The JavaScript source: one function without arguments.
    #[serde(default)]
    pub body: String,
    /// Before or after the write. Optional here only so that a body without it can be refused
    /// with the service's message rather than a parse error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<TriggerType>,
    /// Which writes it may run on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_operation: Option<TriggerOperation>,
    /// `_rid`, `_self`, `_etag`, `_ts`.
    #[serde(flatten)]
    pub system: SystemProperties,
}

impl Trigger {
    /// A trigger as a client creates it.
    pub fn new(
        id: impl Into<String>,
        body: impl Into<String>,
        trigger_type: TriggerType,
        trigger_operation: TriggerOperation,
    ) -> Self {
        Self {
            id: id.into(),
            body: body.into(),
            trigger_type: Some(trigger_type),
            trigger_operation: Some(trigger_operation),
            system: SystemProperties::default(),
        }
    }
}

impl FeedItem for Trigger {
    const FEED_KEY: &'static str = "Triggers";
}

/// When a trigger runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TriggerType {
    /// Before the write: it may read and change the request's body.
    Pre,
    /// After the write, in the same transaction: it sees the written document, and a throw undoes
    /// the write.
    Post,
}

/// Which document writes a trigger may run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TriggerOperation {
    /// Every write.
    All,
    /// Creates (and upserts).
    Create,
    /// Replaces.
    Replace,
    /// Deletes.
    Delete,
}

/// Both enums are read without regard to case: the REST reference writes `Pre` and `Create`, the
/// Python SDK sends `pre` and `create` (`documents.TriggerType.Pre` is `"pre"`).
macro_rules! case_insensitive {
    ($kind:ident, $what:literal, [$($variant:ident),+]) => {
        impl<'de> Deserialize<'de> for $kind {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $(
                    if text.eq_ignore_ascii_case(stringify!($variant)) {
                        return Ok(Self::$variant);
                    }
                )+
                Err(serde::de::Error::custom(format!(
                    concat!("unknown ", $what, " {:?}: expected one of ", $(stringify!($variant), " "),+),
                    text
                )))
            }
        }
    };
}

case_insensitive!(TriggerType, "trigger type", [Pre, Post]);
case_insensitive!(
    TriggerOperation,
    "trigger operation",
    [All, Create, Replace, Delete]
);

impl TriggerOperation {
    /// Whether a trigger declared for this operation may run on `write`.
    pub fn covers(self, write: TriggerOperation) -> bool {
        self == Self::All || self == write
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scripts round-trip with their system properties, and feeds use the service's keys.
    #[test]
    fn scripts_round_trip() {
        let json = r#"{"id":"hello","body":"function () {}","_rid":"abc","_self":"dbs/x/colls/y/sprocs/abc/","_etag":"\"1\"","_ts":5}"#;
        let sproc: StoredProcedure = serde_json::from_str(json).unwrap();
        assert_eq!(sproc.system.rid.as_deref(), Some("abc"));
        assert_eq!(
            serde_json::to_value(&sproc).unwrap(),
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        assert_eq!(StoredProcedure::FEED_KEY, "StoredProcedures");
        assert_eq!(Trigger::FEED_KEY, "Triggers");
        assert_eq!(UserDefinedFunction::FEED_KEY, "UserDefinedFunctions");
    }

    /// Unknown trigger kinds are refused with the accepted spellings.
    #[test]
    fn unknown_trigger_kinds_are_named() {
        let error = serde_json::from_str::<TriggerType>(r#""during""#).unwrap_err();
        assert!(error.to_string().contains("Pre"), "{error}");
        assert!(TriggerOperation::All.covers(TriggerOperation::Replace));
        assert!(!TriggerOperation::Create.covers(TriggerOperation::Replace));
    }
}

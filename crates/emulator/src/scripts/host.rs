//! The boundary between a script and the emulator: what a script may ask of its collection, and
//! how a script run ends.
//!
//! The JavaScript engine (`engine.rs`) knows nothing about the store: it calls a
//! [`ScriptCollection`] for every document operation a script makes. The emulator implements that
//! trait over a private copy of the container's documents, bound to the partition key of the
//! request (`tx.rs`): so a script can only reach its own partition, and a script that throws
//! leaves nothing behind — its copy is simply dropped.

use std::time::Duration;

use serde_json::Value;

/// A document operation a script asked for and the emulator refused. The script's callback gets
/// it as `err` (`err.number` is the status, `err.body` and `err.message` the message); a script
/// that passed no callback is stopped with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    /// The HTTP status the same request would have got from a client: 400, 404, 409, 412…
    pub status: u16,
    /// The service's message.
    pub message: String,
}

impl HostError {
    /// A refusal with a status and a message.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

/// What a script may do to the documents of one container, within one partition key.
///
/// `id` arguments are what the script wrote after `docs/` in a document link: a document's id
/// (alt link, `dbs/shop/colls/orders/docs/o1`) or its `_rid` (self link, `dbs/<rid>/colls/<rid>/docs/<rid>`).
pub trait ScriptCollection {
    /// The collection's `_self` link, `dbs/<rid>/colls/<rid>/`, for `getSelfLink()`.
    fn self_link(&self) -> String;
    /// The collection's name-based link, `dbs/shop/colls/orders`, for `getAltLink()`.
    fn alt_link(&self) -> String;
    /// `createDocument` (`upsert` false: 409 if the id exists) or `upsertDocument` (true).
    /// Returns the stored document, system properties included.
    fn create(&mut self, document: Value, upsert: bool) -> Result<Value, HostError>;
    /// `readDocument`.
    fn read(&mut self, id: &str) -> Result<Value, HostError>;
    /// `replaceDocument`; `if_match` from the options' `etag` (with `accessCondition`).
    fn replace(
        &mut self,
        id: &str,
        document: Value,
        if_match: Option<&str>,
    ) -> Result<Value, HostError>;
    /// `deleteDocument`.
    fn delete(&mut self, id: &str, if_match: Option<&str>) -> Result<(), HostError>;
    /// `queryDocuments`: a query's text and its parameters (`[{"name": "@x", "value": …}]`, or
    /// `[]`), over the partition's documents.
    fn query(&mut self, query: &str, parameters: &Value) -> Result<Vec<Value>, HostError>;
    /// `readDocuments`: every document of the partition.
    fn read_all(&mut self) -> Result<Vec<Value>, HostError>;
}

/// How much a script may use before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptLimits {
    /// Wall-clock time for one run (the service's limit is 5 seconds).
    pub time: Duration,
    /// Memory the script's JavaScript heap may allocate.
    pub memory_bytes: usize,
}

impl Default for ScriptLimits {
    fn default() -> Self {
        Self {
            time: Duration::from_secs(5),
            memory_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Why a script run failed. The caller turns each into the service's answer (`super::refusal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptError {
    /// The source is not valid JavaScript, or does not define a function to run.
    Compile(String),
    /// The script threw (or a document operation without a callback failed). `message` is the
    /// thrown value as text (`Error: boom`); `substatus` the number of `new Error(number, text)`
    /// style errors when the script set one.
    Thrown {
        /// The exception as text.
        message: String,
        /// A numeric code the script attached, if any.
        substatus: Option<u32>,
    },
    /// A document operation failed and the script let the failure escape: it passed no callback,
    /// or its callback threw the `err` it was given (`if (err) throw err;`). The request fails
    /// the way that operation failed (409 for a duplicate id, 404 for a missing document…).
    Host(HostError),
    /// The script ran past [`ScriptLimits::time`].
    TimedOut,
    /// The script allocated past [`ScriptLimits::memory_bytes`].
    OutOfMemory,
}

/// What a finished script run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptRun {
    /// The response body the script set (`getResponse().setBody(…)`), if it set one.
    pub response_body: Option<Value>,
    /// The request body after the script (a pre-trigger may change it with `getRequest().setBody`).
    pub request_body: Option<Value>,
    /// Everything the script wrote with `console.log`, lines joined by `\n`.
    pub log: String,
}

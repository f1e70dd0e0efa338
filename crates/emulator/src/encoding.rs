//! Body encodings: JSON text, and the Cosmos binary encoding the official Rust SDK uses by default.
//!
//! The SDK (`azure_data_cosmos` 1.0) sends item bodies in Cosmos binary encoding while its
//! `content-type` still says `application/json`, and asks for binary answers with
//! `x-ms-cosmos-supported-serialization-formats: CosmosBinary` (queries: `JsonText,CosmosBinary`).
//! A binary buffer always starts with the byte `0x80`, which no JSON text can start with, so the
//! body itself says which it is (protocol notes §11). The format is in `cosmolab-binary-json`.
//!
//! Where it happens in a request:
//! - reading: [`crate::request::CosmosRequest::json_object`] decodes a binary body to the same
//!   JSON value a text body gives, so nothing after it knows the difference;
//! - answering: [`negotiate`] re-encodes a document answer (an item, a page of items or query
//!   results) in binary when the client announced it accepts it. Everything else — databases,
//!   containers, users, permissions, errors — stays JSON, as the SDK expects; it detects binary by
//!   the first byte, never by header.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::operation::{Operation, ResourcePath};
use crate::request::CosmosRequest;
use crate::response::Reply;

/// The header a client lists the body formats it can read in.
pub const SUPPORTED_FORMATS: &str = "x-ms-cosmos-supported-serialization-formats";

/// Whether the client announced it reads Cosmos binary answers. The header is a comma-separated,
/// case-insensitive list; an entry may carry `+feature` suffixes (`CosmosBinary+UInt64`).
pub fn accepts_binary(request: &CosmosRequest) -> bool {
    request.header(SUPPORTED_FORMATS).is_some_and(|formats| {
        formats.split(',').any(|entry| {
            let name = entry.split('+').next().unwrap_or_default().trim();
            name.eq_ignore_ascii_case("CosmosBinary")
        })
    })
}

/// The answer in the format the client asked for: a document answer in binary when the client
/// accepts it, anything else unchanged.
pub fn negotiate(
    wire: &WireCounter,
    request: &CosmosRequest,
    operation: &Operation,
    reply: Reply,
) -> Reply {
    let documents = matches!(
        operation.path,
        ResourcePath::Documents { .. } | ResourcePath::Document { .. }
    );
    if !documents || !accepts_binary(request) {
        return reply;
    }
    let (reply, encoded) = reply.into_binary();
    if encoded {
        wire.binary_responses.fetch_add(1, Ordering::Relaxed);
    }
    reply
}

/// How many bodies crossed the wire in binary, each way, since the emulator started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireCounts {
    /// Request bodies that arrived in binary.
    pub binary_requests: u64,
    /// Answers sent in binary.
    pub binary_responses: u64,
}

/// The live counters behind [`WireCounts`], shared by every request.
#[derive(Debug, Default)]
pub struct WireCounter {
    binary_requests: AtomicU64,
    binary_responses: AtomicU64,
}

impl WireCounter {
    /// Notes a request whose body is binary.
    pub fn saw_request(&self, request: &CosmosRequest) {
        if cosmolab_binary_json::is_binary(&request.body) {
            self.binary_requests.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> WireCounts {
        WireCounts {
            binary_requests: self.binary_requests.load(Ordering::Relaxed),
            binary_responses: self.binary_responses.load(Ordering::Relaxed),
        }
    }
}

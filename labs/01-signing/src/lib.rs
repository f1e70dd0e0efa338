//! # Lab 1 — Signing a request by hand
//!
//! Every request an application makes with a Cosmos DB **master key** proves that it knows the
//! key without sending it: it signs a short text describing the request with HMAC-SHA256 and sends
//! the signature in the `Authorization` header (seeds 001 and 003). The service computes the same
//! signature with its copy of the key and compares.
//!
//! ```text
//!   your code                                                     Cosmos DB
//!   ─────────                                                     ─────────
//!   GET /dbs/shop   x-ms-date: Thu, 27 Apr 2017 00:51:12 GMT
//!      │
//!      ▼ string_to_sign            "get\ndbs\ndbs/shop\nthu, 27 apr 2017 00:51:12 gmt\n\n"
//!      ▼ signature(key, …)         base64(HMAC-SHA256(base64-decoded key, string to sign))
//!      ▼ authorization_header(…)   type%3Dmaster%26ver%3D1.0%26sig%3D…
//!      │
//!      └──────────── authorization: type%3Dmaster… ─────────────▶ same string, same key?
//!                                                                   same signature → 200
//!                                                                   other signature → 401, and the
//!                                                                     message shows its string to sign
//!                                                                   date > 15 min away → 403
//! ```
//!
//! ## What you do
//!
//! Fill in the five functions below, in order, each at its `TODO:`. Run `cargo lab` (or
//! `cargo lab check 1`): the scenario calls your functions, sends real requests to the emulator,
//! and tells you the first step that does not behave like the solution's.
//!
//! 1. [`string_to_sign`] — the text that is signed.
//! 2. [`signature`] — HMAC-SHA256 with the decoded key, in base64.
//! 3. [`authorization_header`] — the header value, percent-encoded.
//! 4. [`request_date`] — the `x-ms-date` value, corrected by a known clock offset.
//! 5. [`clock_offset`] — how far the server's clock is from yours, from its `Date` header.
//!
//! The page `docs/labs/01-signing.md` explains each step; `cargo lab hint 1` gives a hint.
//! The real implementation, which the emulator checks signatures with, is `crates/auth-signing`.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;

/// What percent-encoding leaves alone in the header: letters, digits and the four "unreserved"
/// characters of URLs (`-`, `.`, `_`, `~`), as the official SDKs encode it. Everything else,
/// including `=`, `&`, `+` and `/`, becomes `%XX`.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Step 1: the text a master-key request signs.
///
/// `verb` is the HTTP method (`GET`), `resource_type` what the path addresses (`dbs`, `colls`,
/// `docs`, …), `resource_link` the path of the resource without the leading slash (`dbs/shop`, or
/// `""` when listing databases), and `date` the value of the `x-ms-date` header.
pub fn string_to_sign(verb: &str, resource_type: &str, resource_link: &str, date: &str) -> String {
    // TODO: Return the five fields of the string to sign, each followed by "\n":
    //   1. the verb, in lower case
    //   2. the resource type, in lower case
    //   3. the resource link, exactly as given (its case matters: `dbs/Shop` is not `dbs/shop`)
    //   4. the date, in lower case
    //   5. an empty field (it once held the `Date` header, which is no longer used)
    // For GET on "dbs", link "" and date "Thu, 27 Apr 2017 00:51:12 GMT" the result is
    // "get\ndbs\n\nthu, 27 apr 2017 00:51:12 gmt\n\n".
    todo!()
}

/// Step 2: the signature of `string_to_sign` with the account key `key_base64`, in base64.
///
/// Fails when the key is not valid base64.
pub fn signature(key_base64: &str, string_to_sign: &str) -> Result<String, base64::DecodeError> {
    // TODO: Decode the key from base64 (`BASE64.decode(...)`): the 64 bytes it decodes to are
    // the HMAC key, not the 88 characters of its text. Then compute HMAC-SHA256 of the string to
    // sign (`Hmac::<Sha256>::new_from_slice`, `update`, `finalize().into_bytes()`) and encode the
    // 32 bytes in base64 (`BASE64.encode(...)`).
    todo!()
}

/// Step 3: the `Authorization` header value for a master-key `signature`.
pub fn authorization_header(signature: &str) -> String {
    // TODO: The header is `type=master&ver=1.0&sig=<signature>`, percent-encoded as a whole:
    // `=` becomes `%3D`, `&` becomes `%26`, and the `+`, `/` and `=` of the base64 signature are
    // encoded too. `utf8_percent_encode(text, UNRESERVED).to_string()` encodes every byte
    // outside the set `UNRESERVED` (above) leaves alone, as the service expects.
    todo!()
}

/// Step 4: the `x-ms-date` value for a request sent at `local_now` by a client whose clock is
/// `server_ahead_by` seconds behind the server's (negative: ahead of it; `0` for a good clock).
///
/// The format is the HTTP date format (RFC 7231), e.g. `Thu, 27 Apr 2017 00:51:12 GMT`.
pub fn request_date(local_now: SystemTime, server_ahead_by: i64) -> String {
    // TODO: Correct the local time by the offset — add `Duration::from_secs(n)` when the server
    // is ahead (n > 0), subtract it when it is behind (`server_ahead_by.unsigned_abs()` gives n) —
    // then format it with `httpdate::fmt_http_date`.
    // The service accepts a date up to 15 minutes away from its own clock; outside that window
    // it answers 403 "The authorization token is not valid at the current time".
    todo!()
}

/// Step 5: how many seconds the server's clock is ahead of `local_now` (negative: behind), read
/// from the `Date` header of any of its responses (`server_date`).
///
/// Returns `None` when `server_date` is not an HTTP date.
pub fn clock_offset(local_now: SystemTime, server_date: &str) -> Option<i64> {
    // TODO: Parse the header with `httpdate::parse_http_date` (`.ok()?` turns a failure into
    // None). If the server's time is later than `local_now`, the offset is
    // `server.duration_since(local_now)` in whole seconds; otherwise it is minus
    // `local_now.duration_since(server)`. (`Duration::as_secs` gives whole seconds, as a u64.)
    todo!()
}

//! # Lab 1 — Signing a request by hand (solution)
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
//! ## What the trainee does
//!
//! Fills in the five functions below, in order; `labs/01-signing` has them as `todo!()`s at
//! `TODO:` markers. This is the finished twin, graded by the same scenario test.
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
    // Verb, type and date are lower-cased because HTTP treats them case-insensitively and the
    // service must compute the very same bytes whatever case the client sent. The link is not:
    // resource ids are case-sensitive, so `dbs/Shop` and `dbs/shop` are different databases.
    // The fifth field is the legacy `Date` header, always empty today, but still part of the text.
    format!(
        "{}\n{}\n{}\n{}\n\n",
        verb.to_lowercase(),
        resource_type.to_lowercase(),
        resource_link,
        date.to_lowercase()
    )
}

/// Step 2: the signature of `string_to_sign` with the account key `key_base64`, in base64.
///
/// Fails when the key is not valid base64.
pub fn signature(key_base64: &str, string_to_sign: &str) -> Result<String, base64::DecodeError> {
    // The key is a random 64-byte secret shown as base64; the HMAC key is those bytes.
    // Signing with the 88 characters of its text gives a well-formed, always-wrong signature.
    let key = BASE64.decode(key_base64)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC accepts a key of any length");
    mac.update(string_to_sign.as_bytes());
    Ok(BASE64.encode(mac.finalize().into_bytes()))
}

/// Step 3: the `Authorization` header value for a master-key `signature`.
pub fn authorization_header(signature: &str) -> String {
    // The whole value is percent-encoded, not just the signature: the service decodes the header
    // before splitting it on `&`, and a base64 signature contains `+`, `/` and `=`, which a
    // proxy or the service itself would otherwise read as something else.
    let header = format!("type=master&ver=1.0&sig={signature}");
    utf8_percent_encode(&header, UNRESERVED).to_string()
}

/// Step 4: the `x-ms-date` value for a request sent at `local_now` by a client whose clock is
/// `server_ahead_by` seconds behind the server's (negative: ahead of it; `0` for a good clock).
///
/// The format is the HTTP date format (RFC 7231), e.g. `Thu, 27 Apr 2017 00:51:12 GMT`.
pub fn request_date(local_now: SystemTime, server_ahead_by: i64) -> String {
    // The service checks the date against *its* clock. A client whose clock is off cannot fix
    // the server, but it can send the server's time: its own time corrected by the offset it
    // measured (step 5).
    let offset = Duration::from_secs(server_ahead_by.unsigned_abs());
    let corrected = if server_ahead_by >= 0 {
        local_now + offset
    } else {
        local_now - offset
    };
    httpdate::fmt_http_date(corrected)
}

/// Step 5: how many seconds the server's clock is ahead of `local_now` (negative: behind), read
/// from the `Date` header of any of its responses (`server_date`).
///
/// Returns `None` when `server_date` is not an HTTP date.
pub fn clock_offset(local_now: SystemTime, server_date: &str) -> Option<i64> {
    // Every response carries the server's `Date`, 403s included: the refusal itself tells the
    // client how to fix its next request. One-second precision is plenty for a 15-minute window.
    let server = httpdate::parse_http_date(server_date).ok()?;
    let seconds = match server.duration_since(local_now) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).ok()?,
        Err(behind) => -i64::try_from(behind.duration().as_secs()).ok()?,
    };
    Some(seconds)
}

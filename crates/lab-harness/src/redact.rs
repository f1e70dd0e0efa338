//! What legitimately differs from one run to the next, replaced before a transcript is compared.
//!
//! Resource ids, ETags, timestamps, dates, signatures, keys and tokens are different on every run
//! (and on every target), so a transcript shows `[rid]`, `[date]`, `[resource token]` instead.
//! Everything else — statuses, messages, deny reasons, ids, partition keys, data — must match the
//! solution's transcript exactly.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// System properties whose values change on every run, and what replaces them.
const VOLATILE_PROPERTIES: [(&str, &str); 6] = [
    ("_rid", "[rid]"),
    ("_self", "[self]"),
    ("_etag", "[etag]"),
    ("_ts", "[ts]"),
    ("_lsn", "[lsn]"),
    ("_token", "[resource token]"),
];

/// Patterns in free text (error messages, computed values), in the order they are applied.
static TEXT_PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let rules: [(&str, &str); 8] = [
        // A resource token, plain or URL-encoded: `type=resource&ver=1&sig=<sig>;<payload>;`.
        (
            r"type(=|%3D)resource(&|%26)ver(=|%3D)1(&|%26)sig(=|%3D)[^\s'\x22]*",
            "[resource token]",
        ),
        // A master-key or read-only-key signature inside an Authorization header.
        (
            r"(?i)(type(=|%3D)master(&|%26)ver(=|%3D)1\.0(&|%26)sig(=|%3D))[A-Za-z0-9+/=%]+",
            "${1}[signature]",
        ),
        // An Entra ID bearer token (a JWT).
        (
            r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
            "[jwt]",
        ),
        // An account key: 64 random bytes in base64.
        (r"[A-Za-z0-9+/]{86}==", "[key]"),
        // An HTTP date as sent, and lower-cased as the string to sign has it: two different
        // placeholders, so that a date left in the wrong case still shows in a transcript.
        (
            r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\b",
            "[date]",
        ),
        (
            r"(mon|tue|wed|thu|fri|sat|sun), \d{2} (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) \d{4} \d{2}:\d{2}:\d{2} gmt\b",
            "[lower-case date]",
        ),
        // A UUID (activity ids, generated ids).
        (
            r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            "[uuid]",
        ),
        // Unix times in seconds (token start and expiry in the service's messages).
        (r"\b1[0-9]{9}\b", "[unix time]"),
    ];
    rules
        .into_iter()
        .map(|(pattern, replacement)| {
            (
                Regex::new(pattern).expect("the redaction patterns are valid"),
                replacement,
            )
        })
        .collect()
});

/// Replaces every volatile part of `text`.
pub fn text(text: &str) -> String {
    let mut text = text.to_owned();
    for (pattern, replacement) in TEXT_PATTERNS.iter() {
        text = pattern.replace_all(&text, *replacement).into_owned();
    }
    text
}

/// Replaces volatile system properties and every volatile part of every string in `value`.
pub fn json(value: &Value) -> Value {
    match value {
        Value::Object(object) => object
            .iter()
            .map(|(name, value)| {
                let value = match VOLATILE_PROPERTIES.iter().find(|(known, _)| known == name) {
                    Some((_, replacement)) => Value::String((*replacement).to_owned()),
                    None => json(value),
                };
                (name.clone(), value)
            })
            .collect(),
        Value::Array(items) => items.iter().map(json).collect(),
        Value::String(string) => Value::String(self::text(string)),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn system_properties_are_replaced_and_data_is_kept() {
        let document = json!({
            "id": "order-1", "customer": "alice", "total": 42,
            "_rid": "q0dwAJ1+AAABAAAAAAAAAA==", "_etag": "\"00000100-0000\"", "_ts": 1764806400,
            "_self": "dbs/q0dwAA==/colls/q0dwAJ1+AAA=/docs/q0dwAJ1+AAABAAAAAAAAAA==/",
            "_attachments": "attachments/"
        });
        assert_eq!(
            json(&document),
            json!({
                "id": "order-1", "customer": "alice", "total": 42,
                "_rid": "[rid]", "_etag": "[etag]", "_ts": "[ts]", "_self": "[self]",
                "_attachments": "attachments/"
            })
        );
    }

    #[test]
    fn dates_tokens_and_signatures_in_messages_are_replaced() {
        let message = "The input authorization token can't serve the request. Server used the \
            following payload to sign: 'get\\ndbs\\n\\nfri, 04 dec 2026 01:11:39 gmt\\n\\n'";
        assert_eq!(
            text(message),
            "The input authorization token can't serve the request. Server used the following \
             payload to sign: 'get\\ndbs\\n\\n[lower-case date]\\n\\n'"
        );
        assert_eq!(
            text("type=resource&ver=1&sig=abc+/=;eyJwIjoxfQ==; and more"),
            "[resource token] and more"
        );
        assert_eq!(
            text("type%3Dmaster%26ver%3D1.0%26sig%3DAbC%2B%2Fd%3D"),
            "type%3Dmaster%26ver%3D1.0%26sig%3D[signature]"
        );
        assert_eq!(
            text("token expiry time: 1764806400, current server time: 1764810000"),
            "token expiry time: [unix time], current server time: [unix time]"
        );
    }

    #[test]
    fn keys_are_replaced() {
        let key = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";
        assert_eq!(text(&format!("key {key}")), "key [key]");
    }
}

//! Hostile requests against a real socket: malformed and deeply nested JSON, huge headers and
//! bodies, invalid UTF-8, path tricks in ids, overlong ids, out-of-bounds expiry, dates far off,
//! replayed signatures, and a client that sends its body a byte at a time. Every one must get a
//! clear Cosmos-style 4xx (or, for the slow ones, a closed connection) — never a 500, never a
//! panic — and leave nothing stored.

use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{
    MasterKey, ResourceAddress, WELL_KNOWN_EMULATOR_KEY, format_http_date,
};
use cosmolab_emulator::Emulator;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

struct Target {
    emulator: Emulator,
    http: reqwest::Client,
    key: MasterKey,
}

/// A request as sent, before it is signed.
struct Hostile<'a> {
    method: &'a str,
    path: &'a str,
    date: SystemTime,
    headers: Vec<(&'a str, String)>,
    body: Option<Vec<u8>>,
}

impl<'a> Hostile<'a> {
    fn new(method: &'a str, path: &'a str) -> Self {
        Self {
            method,
            path,
            date: SystemTime::now(),
            headers: Vec::new(),
            body: None,
        }
    }

    fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn dated(mut self, date: SystemTime) -> Self {
        self.date = date;
        self
    }

    fn item(self, partition: &str) -> Self {
        self.header(
            "x-ms-documentdb-partitionkey",
            json!([partition]).to_string(),
        )
        .header("content-type", "application/json")
    }
}

impl Target {
    async fn start() -> Self {
        let emulator = Emulator::builder()
            .request_timeout(Duration::from_millis(800))
            .start()
            .await
            .unwrap();
        let target = Self {
            emulator,
            http: reqwest::Client::new(),
            key: MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap(),
        };
        assert_eq!(
            target
                .send(Hostile::new("POST", "/dbs").body(r#"{"id":"shop"}"#))
                .await
                .0,
            201
        );
        let container = r#"{"id":"orders","partitionKey":{"paths":["/customer"],"kind":"Hash"}}"#;
        assert_eq!(
            target
                .send(Hostile::new("POST", "/dbs/shop/colls").body(container))
                .await
                .0,
            201
        );
        target
    }

    /// Sends `request` signed with the primary key; answers the status and the JSON body.
    async fn send(&self, request: Hostile<'_>) -> (u16, Value) {
        let date = format_http_date(request.date);
        let address = ResourceAddress::from_path(request.path).unwrap();
        let authorization = self.key.authorize(
            request.method,
            address.resource_type(),
            &address.signing_link(),
            &date,
        );
        let url = format!(
            "{}{}",
            self.emulator.endpoint().trim_end_matches('/'),
            request.path
        );
        let mut builder = self
            .http
            .request(
                reqwest::Method::from_bytes(request.method.as_bytes()).unwrap(),
                url,
            )
            .header("x-ms-date", date)
            .header("x-ms-version", "2020-07-15")
            .header("authorization", authorization);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// The ids of the items in `orders` (nothing a hostile request sent may be among them).
    async fn stored_items(&self) -> Vec<String> {
        let (status, body) = self
            .send(
                Hostile::new("GET", "/dbs/shop/colls/orders/docs")
                    .header("x-ms-documentdb-query-enablecrosspartition", "True"),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["Documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// A Cosmos-style refusal: the status, and a body `{"code", "message"}` whose message says
/// something.
fn assert_refused(answer: &(u16, Value), status: u16, case: &str) {
    assert_eq!(answer.0, status, "{case}: {}", answer.1);
    assert!(
        answer.1["code"].is_string(),
        "{case}: no code in {}",
        answer.1
    );
    assert!(
        answer.1["message"]
            .as_str()
            .is_some_and(|message| message.len() > 10),
        "{case}: no message in {}",
        answer.1
    );
}

#[tokio::test]
async fn malformed_bodies_are_400_and_store_nothing() {
    let target = Target::start().await;
    let docs = "/dbs/shop/colls/orders/docs";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{\"id\": \"x\", ".to_vec()),
        ("a JSON array", b"[1, 2, 3]".to_vec()),
        (
            "nested 100,000 deep",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ),
        (
            "an object nested 10,000 deep",
            format!(
                "{{\"id\":\"deep\",\"customer\":\"alice\",\"a\":{}1{}}}",
                "{\"a\":".repeat(10_000),
                "}".repeat(10_000)
            )
            .into_bytes(),
        ),
        (
            "invalid UTF-8",
            b"{\"id\": \"\xff\xfe\", \"customer\": \"alice\"}".to_vec(),
        ),
        ("an empty body", Vec::new()),
        (
            "a number id",
            b"{\"id\": 42, \"customer\": \"alice\"}".to_vec(),
        ),
    ];
    for (case, body) in cases {
        let answer = target
            .send(Hostile::new("POST", docs).item("alice").body(body))
            .await;
        assert_refused(&answer, 400, case);
    }
    assert!(target.stored_items().await.is_empty());
}

#[tokio::test]
async fn bad_ids_are_refused() {
    let target = Target::start().await;
    let docs = "/dbs/shop/colls/orders/docs";
    for (case, id) in [
        ("a slash", "a/b".to_owned()),
        ("a path traversal", "../../../etc/passwd".to_owned()),
        ("a backslash", "a\\b".to_owned()),
        ("a question mark", "a?b".to_owned()),
        ("a hash", "a#b".to_owned()),
        ("256 characters", "x".repeat(256)),
        ("a trailing space", "x ".to_owned()),
    ] {
        let body = json!({"id": id, "customer": "alice"}).to_string();
        let answer = target
            .send(Hostile::new("POST", docs).item("alice").body(body))
            .await;
        assert_refused(&answer, 400, case);
    }
    // Traversal in the path itself: percent-encoded segments are ids, never directions.
    let answer = target
        .send(Hostile::new("GET", "/dbs/shop/colls/orders/docs/..%2F..%2Fkeys").item("alice"))
        .await;
    assert!(matches!(answer.0, 400 | 404), "{}", answer.1);
    let answer = target
        .send(Hostile::new("GET", "/dbs/shop/../../_cosmolab/keys"))
        .await;
    assert!(answer.0 >= 400 && answer.0 < 500, "{}", answer.1);
    assert!(target.stored_items().await.is_empty());
}

#[tokio::test]
async fn oversized_requests_are_refused_before_they_are_read() {
    let target = Target::start().await;
    let docs = "/dbs/shop/colls/orders/docs";
    let big =
        json!({"id": "big", "customer": "alice", "blob": "x".repeat(3 * 1024 * 1024)}).to_string();
    let answer = target
        .send(Hostile::new("POST", docs).item("alice").body(big))
        .await;
    assert_refused(&answer, 413, "a 3 MB item");
    let just_over =
        json!({"id": "over", "customer": "alice", "blob": "x".repeat(2 * 1024 * 1024)}).to_string();
    let answer = target
        .send(Hostile::new("POST", docs).item("alice").body(just_over))
        .await;
    assert_refused(&answer, 413, "an item just over 2 MB");

    let answer = target
        .send(Hostile::new("GET", "/dbs/shop").header("x-ms-padding", "p".repeat(40 * 1024)))
        .await;
    assert_refused(&answer, 431, "a 40 KB header");
    assert!(target.stored_items().await.is_empty());
}

#[tokio::test]
async fn expiry_and_dates_out_of_bounds_are_refused() {
    let target = Target::start().await;
    target
        .send(Hostile::new("POST", "/dbs/shop/users").body(r#"{"id":"alice"}"#))
        .await;
    let permission = r#"{"id":"p","permissionMode":"Read","resource":"dbs/shop/colls/orders"}"#;
    for expiry in ["99999999", "-5", "ten", "18446744073709551616", ""] {
        let answer = target
            .send(
                Hostile::new("POST", "/dbs/shop/users/alice/permissions")
                    .header("x-ms-documentdb-expiry-seconds", expiry)
                    .body(permission),
            )
            .await;
        assert_refused(&answer, 400, &format!("expiry `{expiry}`"));
    }
    let year = Duration::from_secs(365 * 24 * 3600);
    for (case, date) in [
        ("a date in 1970", SystemTime::UNIX_EPOCH),
        ("a date a century ahead", SystemTime::now() + 100 * year),
        (
            "a signature replayed 20 minutes later",
            SystemTime::now() - Duration::from_secs(20 * 60),
        ),
    ] {
        let answer = target
            .send(Hostile::new("GET", "/dbs/shop").dated(date))
            .await;
        assert_refused(&answer, 403, case);
    }
}

#[tokio::test]
async fn a_slow_body_gets_408_and_slow_headers_a_closed_connection() {
    let target = Target::start().await;
    let address = target.emulator.address();

    // Headers in full, a body promised but trickling: 408 once the request timeout (800 ms here)
    // has passed, and nothing stored.
    let date = format_http_date(SystemTime::now());
    let authorization = target
        .key
        .authorize("POST", "docs", "dbs/shop/colls/orders", &date);
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /dbs/shop/colls/orders/docs HTTP/1.1\r\nhost: {address}\r\nx-ms-date: {date}\r\n\
         x-ms-version: 2020-07-15\r\nauthorization: {}\r\nx-ms-documentdb-partitionkey: [\"alice\"]\r\n\
         content-type: application/json\r\ncontent-length: 1000\r\n\r\n{{\"id\":",
        authorization
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("the emulator answers a slow body within its timeout")
        .ok();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"RequestTimeout\""), "{answer}");

    // Half a request line, then silence: the connection is closed, not held.
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(b"GET /dbs HTT").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the emulator kept a silent connection open");
    assert!(target.stored_items().await.is_empty());
}

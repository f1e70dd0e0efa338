//! Cosmos binary encoding through the router: a binary body is read like JSON, a document answer
//! is binary exactly when the client announced it reads binary, everything else stays JSON, and a
//! malformed binary body gets a Cosmos-style 400 with nothing stored.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cosmolab_auth_signing::{MasterKey, ResourceAddress, format_http_date};
use cosmolab_emulator::{AccountKeys, EmulatorState, KeyKind, Settings, app};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// What the official Rust SDK announces on item requests.
const ACCEPTS_BINARY: (&str, &str) = (
    "x-ms-cosmos-supported-serialization-formats",
    "CosmosBinary",
);
/// … and on queries.
const ACCEPTS_BOTH: (&str, &str) = (
    "x-ms-cosmos-supported-serialization-formats",
    "JsonText,CosmosBinary",
);

struct Answer {
    status: StatusCode,
    bytes: Vec<u8>,
}

impl Answer {
    fn is_binary(&self) -> bool {
        cosmolab_binary_json::is_binary(&self.bytes)
    }

    /// The body as JSON, whichever way it was encoded.
    fn json(&self) -> Value {
        if self.is_binary() {
            cosmolab_binary_json::decode(&self.bytes).expect("a valid binary answer")
        } else {
            serde_json::from_slice(&self.bytes).expect("a JSON answer")
        }
    }
}

struct Emulator {
    state: Arc<EmulatorState>,
    key: MasterKey,
}

impl Emulator {
    async fn with_container() -> Self {
        let state = Arc::new(EmulatorState::new(
            AccountKeys::new(None, None, None, None),
            Settings::default(),
        ));
        let key = state.keys().key(KeyKind::Primary).clone();
        let emulator = Self { state, key };
        let created = emulator
            .send("POST", "/dbs", &[], json_body(json!({"id": "shop"})))
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let container = json!({"id": "orders", "partitionKey": {"paths": ["/customer"], "kind": "Hash", "version": 2}});
        let created = emulator
            .send("POST", "/dbs/shop/colls", &[], json_body(container))
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        emulator
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let address = ResourceAddress::from_path(path).unwrap();
        let date = format_http_date(SystemTime::now());
        let authorization = self.key.authorize(
            method,
            address.resource_type(),
            &address.signing_link(),
            &date,
        );
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:8081")
            .header("authorization", authorization)
            .header("x-ms-date", date)
            // As the SDK does: binary or not, the content type says JSON.
            .header("content-type", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = app(self.state.clone())
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Answer { status, bytes }
    }

    async fn create_binary(&self, item: &Value, customer: &str) -> Answer {
        let partition_key = format!("[\"{customer}\"]");
        self.send(
            "POST",
            "/dbs/shop/colls/orders/docs",
            &[("x-ms-documentdb-partitionkey", &partition_key)],
            cosmolab_binary_json::encode(item),
        )
        .await
    }

    async fn read(&self, id: &str, customer: &str, accept: &[(&str, &str)]) -> Answer {
        let partition_key = format!("[\"{customer}\"]");
        let mut headers = vec![("x-ms-documentdb-partitionkey", partition_key.as_str())];
        headers.extend_from_slice(accept);
        self.send(
            "GET",
            &format!("/dbs/shop/colls/orders/docs/{id}"),
            &headers,
            Vec::new(),
        )
        .await
    }

    fn stored_documents(&self) -> usize {
        self.state
            .store()
            .documents("shop", "orders", None)
            .unwrap()
            .count()
    }
}

fn json_body(value: Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

#[tokio::test]
async fn a_binary_body_is_stored_like_json_and_answered_as_asked() {
    let emulator = Emulator::with_container().await;
    let item = json!({"id": "o-1", "customer": "contoso", "total": 42.5, "lines": [{"sku": "tea"}], "paid": false});

    let created = emulator.create_binary(&item, "contoso").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    assert!(
        !created.is_binary(),
        "the client did not say it reads binary"
    );

    let plain = emulator.read("o-1", "contoso", &[]).await;
    assert!(!plain.is_binary());
    let binary = emulator.read("o-1", "contoso", &[ACCEPTS_BINARY]).await;
    assert_eq!(binary.status, StatusCode::OK);
    assert!(binary.is_binary(), "the client announced CosmosBinary");
    assert_eq!(binary.json(), plain.json(), "the same document either way");
    for (field, value) in item.as_object().unwrap() {
        assert_eq!(&plain.json()[field], value, "{field}");
    }
    assert!(plain.json()["_etag"].is_string(), "system properties added");

    assert_eq!(
        emulator.state.wire_counts(),
        cosmolab_emulator::WireCounts {
            binary_requests: 1,
            binary_responses: 1
        }
    );
}

#[tokio::test]
async fn query_pages_are_binary_when_asked_and_metadata_never() {
    let emulator = Emulator::with_container().await;
    for (id, customer) in [("o-1", "contoso"), ("o-2", "fabrikam")] {
        let item = json!({"id": id, "customer": customer});
        assert_eq!(
            emulator.create_binary(&item, customer).await.status,
            StatusCode::CREATED
        );
    }
    let query = json!({"query": "SELECT * FROM c WHERE c.customer = 'contoso'", "parameters": []});
    let page = emulator
        .send(
            "POST",
            "/dbs/shop/colls/orders/docs",
            &[
                ACCEPTS_BOTH,
                ("x-ms-documentdb-isquery", "True"),
                ("content-type", "application/query+json"),
                ("x-ms-documentdb-partitionkey", "[\"contoso\"]"),
            ],
            json_body(query),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.is_binary());
    let page = page.json();
    assert_eq!(page["_count"], 1);
    assert_eq!(page["Documents"][0]["id"], "o-1");

    // A container is metadata: JSON, whatever the client accepts.
    let container = emulator
        .send(
            "GET",
            "/dbs/shop/colls/orders",
            &[ACCEPTS_BINARY],
            Vec::new(),
        )
        .await;
    assert_eq!(container.status, StatusCode::OK);
    assert!(!container.is_binary());
    assert_eq!(container.json()["id"], "orders");
}

#[tokio::test]
async fn errors_stay_json_even_for_binary_clients() {
    let emulator = Emulator::with_container().await;
    let missing = emulator.read("nobody", "contoso", &[ACCEPTS_BINARY]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(!missing.is_binary());
    assert_eq!(missing.json()["code"], "NotFound");
}

#[tokio::test]
async fn malformed_binary_bodies_are_refused_and_nothing_is_stored() {
    let emulator = Emulator::with_container().await;
    let valid = cosmolab_binary_json::encode(&json!({"id": "o-1", "customer": "contoso"}));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("only the preamble", vec![0x80]),
        ("truncated", valid[..valid.len() - 3].to_vec()),
        ("trailing bytes", [valid.as_slice(), &[0xD0]].concat()),
        ("an invalid marker", vec![0x80, 0xFF]),
        (
            "not an object",
            cosmolab_binary_json::encode(&json!(["o-1", "contoso"])),
        ),
        (
            "nested too deep",
            [vec![0x80], vec![0xE1; 200], vec![0xD0]].concat(),
        ),
    ];
    for (case, body) in cases {
        let answer = emulator
            .send(
                "POST",
                "/dbs/shop/colls/orders/docs",
                &[("x-ms-documentdb-partitionkey", "[\"contoso\"]")],
                body,
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{case}");
        let error = answer.json();
        assert_eq!(error["code"], "BadRequest", "{case}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("binary") || message.contains("JSON object"),
            "{case}: {message}"
        );
    }
    assert_eq!(emulator.stored_documents(), 0);
}

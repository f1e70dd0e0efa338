//! The small framework every integration test of the client shares.
//!
//! - [`Lab`]: an in-process emulator (`127.0.0.1`, a free port, time travel on) with a master-key
//!   client on it, and [`Lab::shop`] to create the database most tests start from.
//! - [`FakeCosmos`]: a scripted stand-in for the service, for what the emulator never does on
//!   purpose (429, 449, odd bodies) and to look at the exact headers the client sends.
//! - [`CapturedLogs`]: everything the client logs during a test, to prove what it never logs.
//!
//! Each test binary uses part of it, hence `allow(dead_code)`.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use cosmolab_client::{CosmosClient, Credential, KeyCredential, Query};
use cosmolab_emulator::{Emulator, KeyKind};
use cosmolab_model::{Container, PartitionKeyDefinition};
use serde_json::{Value, json};

/// An emulator and a client on it that signs with the primary key.
pub(crate) struct Lab {
    pub(crate) emulator: Emulator,
    pub(crate) admin: CosmosClient,
}

impl Lab {
    /// Starts an emulator whose clock tests may advance.
    pub(crate) async fn start() -> Self {
        let emulator = Emulator::builder()
            .time_travel(true)
            .start()
            .await
            .expect("the in-process emulator starts");
        let admin = CosmosClient::new(
            emulator.endpoint(),
            Credential::MasterKey(key_credential(&emulator, KeyKind::Primary)),
        )
        .expect("a master-key client builds");
        Self { emulator, admin }
    }

    /// A client on this emulator with `credential`.
    pub(crate) fn client(&self, credential: Credential) -> CosmosClient {
        CosmosClient::new(self.emulator.endpoint(), credential).expect("the client builds")
    }

    /// Database `shop` with container `orders` partitioned on `/customer`, holding three orders:
    /// `order-1` and `order-2` of alice, `order-3` of bob.
    pub(crate) async fn shop(&self) {
        self.admin
            .create_database("shop")
            .await
            .expect("create shop");
        let shop = self.admin.database_client("shop");
        for container in ["orders", "invoices"] {
            shop.create_container(&Container::new(
                container,
                PartitionKeyDefinition::hash("/customer"),
            ))
            .await
            .expect("create container");
        }
        let orders = shop.container_client("orders");
        for (id, customer, total) in [
            ("order-1", "alice", 10),
            ("order-2", "alice", 20),
            ("order-3", "bob", 30),
        ] {
            orders
                .create_item(
                    customer,
                    &json!({"id": id, "customer": customer, "total": total}),
                )
                .await
                .expect("create order");
        }
    }
}

/// One of the emulator's keys, as a client credential.
pub(crate) fn key_credential(emulator: &Emulator, kind: KeyKind) -> KeyCredential {
    KeyCredential::new(emulator.key(kind))
}

/// The ids of a query's results, sorted.
pub(crate) async fn ids(
    client: &cosmolab_client::ContainerClient,
    query: Query,
    scope: cosmolab_client::PartitionScope,
) -> Vec<String> {
    let mut ids: Vec<String> = client
        .query_items::<Value>(query, scope)
        .collect_items()
        .await
        .expect("the query succeeds")
        .iter()
        .map(|item| item["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids
}

// ------------------------------------------------------------------------------------------------
// A scripted fake service
// ------------------------------------------------------------------------------------------------

/// A request the fake received.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// The path exactly as sent, percent-encoding included.
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    /// A header as text (panics if absent, which is then the test's failure).
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| {
                panic!(
                    "the request has no {name} header: {:?}",
                    self.headers.keys()
                )
            })
            .to_str()
            .expect("header text")
    }
}

/// An answer the fake will give.
#[derive(Debug, Clone)]
pub(crate) struct Scripted {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Scripted {
    /// An answer with this status and JSON body.
    pub(crate) fn new(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// A fake Cosmos DB endpoint: answers from a script (then `200 {}`), and records every request.
pub(crate) struct FakeCosmos {
    pub(crate) endpoint: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeCosmos {
    /// Starts the fake on `127.0.0.1`, on a free port.
    pub(crate) async fn start() -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::<Scripted>::new()));
        let (recorded, scripted) = (requests.clone(), script.clone());
        let app = axum::Router::new().fallback(move |request: Request<Body>| {
            let (recorded, scripted) = (recorded.clone(), scripted.clone());
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                recorded.lock().unwrap().push(Recorded {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_owned(),
                    headers: parts.headers,
                    body: body.to_vec(),
                });
                let answer = scripted
                    .lock()
                    .unwrap()
                    .pop_front()
                    .unwrap_or_else(|| Scripted::new(200, json!({})));
                let mut response: Response =
                    (StatusCode::from_u16(answer.status).unwrap(), answer.body).into_response();
                for (name, value) in answer.headers {
                    response.headers_mut().insert(name, value.parse().unwrap());
                }
                response
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}/", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            endpoint,
            requests,
            script,
            server,
        }
    }

    /// Queues answers, given in order.
    pub(crate) fn answer(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.script.lock().unwrap().extend(answers);
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The last request received.
    pub(crate) fn last(&self) -> Recorded {
        self.requests().pop().expect("the fake received a request")
    }
}

impl Drop for FakeCosmos {
    fn drop(&mut self) {
        self.server.abort();
    }
}

// ------------------------------------------------------------------------------------------------
// Captured logs
// ------------------------------------------------------------------------------------------------

/// Everything the client logs (at every level, spans included) while this value lives, on the
/// current thread — which with `#[tokio::test]` is where the client *and* the emulator run.
pub(crate) struct CapturedLogs {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl CapturedLogs {
    /// Starts capturing the `cosmolab_client` target at `trace` level.
    pub(crate) fn start() -> Self {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = SharedBuffer(buffer.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("cosmolab_client=trace")
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        Self {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// What was logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}

#[derive(Clone)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

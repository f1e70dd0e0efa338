//! What does JavaScript cost? Server-side scripts against the same work done without them, in
//! the same run.
//!
//! Run with: `cargo bench -p cosmolab-emulator --bench scripts` (or `cargo xtask bench scripts`,
//! which prints the ratios).
//!
//! Everything goes through the emulator's router in-process (`tower::ServiceExt::oneshot`, no
//! socket), signed with the primary key, so the figures are the server's work alone:
//!
//! | group | function | what |
//! |---|---|---|
//! | `writes` | `upsert_item` | `POST …/docs` with `x-ms-documentdb-is-upsert`: the baseline |
//! | `writes` | `stored_procedure` | `POST …/sprocs/put`: a stored procedure that upserts the same item |
//! | `writes` | `pre_trigger` | the baseline's upsert, naming a pre-trigger that stamps the item |
//! | `queries` | `plain` | `SELECT VALUE c.n * 2 FROM c` over the 100 items of one partition: the baseline |
//! | `queries` | `udf` | `SELECT VALUE udf.double(c.n) FROM c` over the same items |
//!
//! The writes upsert 100 ids in turn, so every function sees a partition of the same size however
//! long criterion runs it. A script run starts a fresh QuickJS runtime, copies its partition's
//! documents (its transaction, see `store::documents`) and commits them: that is the price the
//! ratios show.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cosmolab_auth_signing::{ResourceAddress, format_http_date};
use cosmolab_emulator::{AccountKeys, EmulatorState, KeyKind, Settings, app};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// Sends one request signed with the primary key and checks its status.
async fn send(
    state: &Arc<EmulatorState>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Value,
    expected: &[StatusCode],
) {
    let key = state.keys().key(KeyKind::Primary).clone();
    let address = ResourceAddress::from_path(path).expect("a valid path");
    let date = format_http_date(SystemTime::now());
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8081")
        .header(
            "authorization",
            key.authorize(
                method,
                address.resource_type(),
                &address.signing_link(),
                &date,
            ),
        )
        .header("x-ms-date", date);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app(state.clone())
        .oneshot(
            request
                .body(Body::from(body.to_string()))
                .expect("a request"),
        )
        .await
        .expect("an answer");
    assert!(
        expected.contains(&response.status()),
        "{method} {path}: {}",
        response.status()
    );
}

const PK: (&str, &str) = ("x-ms-documentdb-partitionkey", "[\"p\"]");
const UPSERT: [(&str, &str); 2] = [PK, ("x-ms-documentdb-is-upsert", "true")];
const QUERY: [(&str, &str); 3] = [
    ("x-ms-documentdb-isquery", "true"),
    ("content-type", "application/query+json"),
    ("x-ms-documentdb-partitionkey", "[\"q\"]"),
];

fn scripts(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let state = Arc::new(EmulatorState::new(
        AccountKeys::new(None, None, None, None),
        Settings::default(),
    ));
    runtime.block_on(async {
        let created = &[StatusCode::CREATED][..];
        send(&state, "POST", "/dbs", &[], json!({"id": "db"}), created).await;
        let container = json!({"id": "c", "partitionKey": {"paths": ["/pk"], "kind": "Hash"}});
        send(&state, "POST", "/dbs/db/colls", &[], container, created).await;
        let put = "function put(doc) { var c = getContext().getCollection(); \
                   c.upsertDocument(c.getSelfLink(), doc, function (err, written) { \
                   if (err) throw err; getContext().getResponse().setBody(written); }); }";
        let stamp = "function () { var r = getContext().getRequest(); var d = r.getBody(); \
                     d.stamped = true; r.setBody(d); }";
        let udfs = [
            ("/dbs/db/colls/c/sprocs", json!({"id": "put", "body": put})),
            (
                "/dbs/db/colls/c/triggers",
                json!({"id": "stamp", "body": stamp, "triggerType": "Pre", "triggerOperation": "Create"}),
            ),
            (
                "/dbs/db/colls/c/udfs",
                json!({"id": "double", "body": "function (n) { return n * 2; }"}),
            ),
        ];
        for (path, body) in udfs {
            send(&state, "POST", path, &[], body, created).await;
        }
        for n in 0..100 {
            let item = json!({"id": format!("q{n}"), "pk": "q", "n": n});
            let headers = [("x-ms-documentdb-partitionkey", "[\"q\"]")];
            send(&state, "POST", "/dbs/db/colls/c/docs", &headers, item, created).await;
        }
    });

    // Each write upserts one of 100 ids in turn: the partition stays the same size.
    let next = AtomicU64::new(0);
    let item = || {
        let n = next.fetch_add(1, Ordering::Relaxed) % 100;
        json!({"id": format!("w{n}"), "pk": "p"})
    };
    let written = [StatusCode::CREATED, StatusCode::OK];
    let mut writes = c.benchmark_group("writes");
    writes.bench_function("upsert_item", |b| {
        b.iter(|| {
            let body = item();
            runtime.block_on(send(
                &state,
                "POST",
                "/dbs/db/colls/c/docs",
                &UPSERT,
                body,
                &written,
            ))
        })
    });
    writes.bench_function("stored_procedure", |b| {
        b.iter(|| {
            let body = json!([item()]);
            runtime.block_on(send(
                &state,
                "POST",
                "/dbs/db/colls/c/sprocs/put",
                &[PK],
                body,
                &[StatusCode::OK],
            ))
        })
    });
    writes.bench_function("pre_trigger", |b| {
        b.iter(|| {
            let body = item();
            let headers = [
                PK,
                ("x-ms-documentdb-is-upsert", "true"),
                ("x-ms-documentdb-pre-trigger-include", "stamp"),
            ];
            runtime.block_on(send(
                &state,
                "POST",
                "/dbs/db/colls/c/docs",
                &headers,
                body,
                &written,
            ))
        })
    });
    writes.finish();

    let mut queries = c.benchmark_group("queries");
    for (name, text) in [
        ("plain", "SELECT VALUE c.n * 2 FROM c WHERE IS_DEFINED(c.n)"),
        (
            "udf",
            "SELECT VALUE udf.double(c.n) FROM c WHERE IS_DEFINED(c.n)",
        ),
    ] {
        queries.bench_function(name, |b| {
            b.iter(|| {
                let body = json!({"query": text});
                runtime.block_on(send(
                    &state,
                    "POST",
                    "/dbs/db/colls/c/docs",
                    &QUERY,
                    body,
                    &[StatusCode::OK],
                ))
            })
        });
    }
    queries.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = scripts
}
criterion_main!(benches);

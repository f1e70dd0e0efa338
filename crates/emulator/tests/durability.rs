//! `--data-dir`: every acknowledged write survives the process being killed (SIGKILL) in the
//! middle of a write load, and nothing half-written is visible after the restart.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{
    MasterKey, ResourceAddress, WELL_KNOWN_EMULATOR_KEY, format_http_date,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// The emulator binary, started on a free port with `data_dir`.
async fn start(data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cosmolab-emulator"))
        .args(["--port", "0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the emulator starts")
        .unwrap()
        .unwrap();
    let endpoint = line
        .strip_prefix("cosmolab-emulator ready at ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim()
        .to_owned();
    (child, endpoint)
}

/// Every item of `shop/orders`, page by page.
async fn every_item(http: &reqwest::Client, endpoint: &str) -> Vec<Value> {
    let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap();
    let mut items = Vec::new();
    let mut continuation: Option<String> = None;
    loop {
        let date = format_http_date(SystemTime::now());
        let mut request = http
            .get(format!(
                "{}/dbs/shop/colls/orders/docs",
                endpoint.trim_end_matches('/')
            ))
            .header("x-ms-date", &date)
            .header("x-ms-version", "2020-07-15")
            .header("x-ms-documentdb-partitionkey", r#"["alice"]"#)
            .header(
                "authorization",
                key.authorize("GET", "docs", "dbs/shop/colls/orders", &date),
            );
        if let Some(token) = &continuation {
            request = request.header("x-ms-continuation", token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        continuation = response
            .headers()
            .get("x-ms-continuation")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let page: Value = response.json().await.unwrap();
        items.extend(page["Documents"].as_array().unwrap().iter().cloned());
        if continuation.is_none() {
            return items;
        }
    }
}

/// A request signed with the well-known key; answers the status and body.
async fn send(
    http: &reqwest::Client,
    endpoint: &str,
    method: &str,
    path: &str,
    partition: Option<&str>,
    body: Option<Value>,
) -> reqwest::Result<(u16, Value)> {
    let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap();
    let address = ResourceAddress::from_path(path).unwrap();
    let date = format_http_date(SystemTime::now());
    let mut request = http
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{}", endpoint.trim_end_matches('/'), path),
        )
        .header("x-ms-date", &date)
        .header("x-ms-version", "2020-07-15")
        .header(
            "authorization",
            key.authorize(
                method,
                address.resource_type(),
                &address.signing_link(),
                &date,
            ),
        );
    if let Some(partition) = partition {
        request = request.header(
            "x-ms-documentdb-partitionkey",
            json!([partition]).to_string(),
        );
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_and_nothing_partial_is_visible() {
    let data_dir = std::env::temp_dir().join(format!("cosmolab-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let http = reqwest::Client::new();

    let (mut emulator, endpoint) = start(&data_dir).await;
    assert_eq!(
        send(
            &http,
            &endpoint,
            "POST",
            "/dbs",
            None,
            Some(json!({"id": "shop"}))
        )
        .await
        .unwrap()
        .0,
        201
    );
    let container =
        json!({"id": "orders", "partitionKey": {"paths": ["/customer"], "kind": "Hash"}});
    assert_eq!(
        send(
            &http,
            &endpoint,
            "POST",
            "/dbs/shop/colls",
            None,
            Some(container)
        )
        .await
        .unwrap()
        .0,
        201
    );

    // Four writers create items as fast as they can; every 201 is written down.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let payload = "x".repeat(2_000);
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (http, endpoint, acknowledged, payload) = (
            http.clone(),
            endpoint.clone(),
            acknowledged.clone(),
            payload.clone(),
        );
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let id = format!("w{writer}-{n}");
                let item = json!({"id": id, "customer": "alice", "payload": payload, "n": n});
                match send(
                    &http,
                    &endpoint,
                    "POST",
                    "/dbs/shop/colls/orders/docs",
                    Some("alice"),
                    Some(item),
                )
                .await
                {
                    Ok((201, _)) => acknowledged.lock().unwrap().push(id),
                    Ok((status, body)) => panic!("a write was refused: {status} {body}"),
                    // The process was killed: this write was never acknowledged.
                    Err(_) => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    emulator.kill().await.unwrap(); // SIGKILL: no shutdown, no flush
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 20,
        "only {} writes before the kill",
        acknowledged.len()
    );

    let (_emulator, endpoint) = start(&data_dir).await;
    let stored = every_item(&http, &endpoint).await;
    let stored: Vec<&Value> = stored.iter().collect();
    let ids: std::collections::HashSet<&str> = stored
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !ids.contains(id.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged writes were lost: {lost:?}",
        lost.len()
    );
    // At most the writes in flight when the process died (one per writer) are there unacknowledged.
    assert!(
        stored.len() <= acknowledged.len() + 4,
        "{} stored, {} acknowledged",
        stored.len(),
        acknowledged.len()
    );
    for item in &stored {
        assert_eq!(
            item["payload"].as_str().map(str::len),
            Some(2_000),
            "a partial item: {item}"
        );
        assert!(
            item["_etag"].is_string() && item["_rid"].is_string(),
            "{item}"
        );
    }
    // And the account goes on: a new write, and an etag that still works.
    let item = json!({"id": "after", "customer": "alice"});
    assert_eq!(
        send(
            &http,
            &endpoint,
            "POST",
            "/dbs/shop/colls/orders/docs",
            Some("alice"),
            Some(item)
        )
        .await
        .unwrap()
        .0,
        201
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// In process: what a restart reads back is what was there — a database deleted stays deleted,
/// documents keep their `_rid` and `_etag`, users keep their permissions.
#[tokio::test]
async fn a_restart_reads_back_the_same_account() {
    let data_dir = std::env::temp_dir().join(format!("cosmolab-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let http = reqwest::Client::new();
    let before = {
        let emulator = cosmolab_emulator::Emulator::builder()
            .data_dir(&data_dir)
            .start()
            .await
            .unwrap();
        let endpoint = emulator.endpoint().to_owned();
        for id in ["shop", "gone"] {
            send(
                &http,
                &endpoint,
                "POST",
                "/dbs",
                None,
                Some(json!({"id": id})),
            )
            .await
            .unwrap();
        }
        let container =
            json!({"id": "orders", "partitionKey": {"paths": ["/customer"], "kind": "Hash"}});
        send(
            &http,
            &endpoint,
            "POST",
            "/dbs/shop/colls",
            None,
            Some(container),
        )
        .await
        .unwrap();
        let item = json!({"id": "o1", "customer": "alice", "total": 3});
        let (status, created) = send(
            &http,
            &endpoint,
            "POST",
            "/dbs/shop/colls/orders/docs",
            Some("alice"),
            Some(item),
        )
        .await
        .unwrap();
        assert_eq!(status, 201);
        send(
            &http,
            &endpoint,
            "POST",
            "/dbs/shop/users",
            None,
            Some(json!({"id": "u"})),
        )
        .await
        .unwrap();
        let permission =
            json!({"id": "p", "permissionMode": "Read", "resource": "dbs/shop/colls/orders"});
        send(
            &http,
            &endpoint,
            "POST",
            "/dbs/shop/users/u/permissions",
            None,
            Some(permission),
        )
        .await
        .unwrap();
        assert_eq!(
            send(&http, &endpoint, "DELETE", "/dbs/gone", None, None)
                .await
                .unwrap()
                .0,
            204
        );
        emulator.shutdown();
        created
    };

    // The stopped server lets go of the file (and its lock) once its last connection is closed.
    let mut attempts = 0;
    let emulator = loop {
        match cosmolab_emulator::Emulator::builder()
            .data_dir(&data_dir)
            .start()
            .await
        {
            Ok(emulator) => break emulator,
            Err(error) if attempts < 50 => {
                attempts += 1;
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("the data directory was not released: {error:#}"),
        }
    };
    let endpoint = emulator.endpoint();
    let (_, databases) = send(&http, endpoint, "GET", "/dbs", None, None)
        .await
        .unwrap();
    let ids: Vec<&str> = databases["Databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|database| database["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["shop"]);
    let (status, after) = send(
        &http,
        endpoint,
        "GET",
        "/dbs/shop/colls/orders/docs/o1",
        Some("alice"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        after, before,
        "the document came back as it was, system properties included"
    );
    let (status, permission) = send(
        &http,
        endpoint,
        "GET",
        "/dbs/shop/users/u/permissions/p",
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{permission}");
    assert_eq!(permission["permissionMode"], "Read");
    let _ = std::fs::remove_dir_all(&data_dir);
}

//! The explorer's live request log over a real socket: a page subscribed to `/_explorer/live`
//! receives each request as it is answered — who, what, the status, and for a refusal the deny
//! reason and the seed concept — and the log page lists past requests with the same.

use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{ResourceAddress, format_http_date};
use cosmolab_emulator::explorer::ExplorerAccess;
use cosmolab_emulator::{Emulator, KeyKind};
use serde_json::Value;

async fn emulator() -> Emulator {
    Emulator::builder()
        .explorer(ExplorerAccess::Loopback)
        .start()
        .await
        .unwrap()
}

/// `GET /dbs` signed with `kind`'s key.
async fn list_databases(emulator: &Emulator, kind: KeyKind) -> reqwest::StatusCode {
    let date = format_http_date(SystemTime::now());
    let address = ResourceAddress::from_path("/dbs").unwrap();
    let authorization = emulator.key(kind).authorize(
        "GET",
        address.resource_type(),
        &address.signing_link(),
        &date,
    );
    reqwest::Client::new()
        .get(format!("{}dbs", emulator.endpoint()))
        .header("authorization", authorization)
        .header("x-ms-date", date)
        .send()
        .await
        .unwrap()
        .status()
}

/// Reads Server-Sent Events from `response` until one named `event` arrives (at most 10 s).
async fn next_event(response: &mut reqwest::Response, buffer: &mut String, event: &str) -> Value {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            // One event is a block of `field: value` lines ended by a blank line.
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                let name = block.lines().find_map(|line| line.strip_prefix("event: "));
                let data = block.lines().find_map(|line| line.strip_prefix("data: "));
                if let (Some(name), Some(data)) = (name, data)
                    && name == event
                {
                    return serde_json::from_str(data).unwrap();
                }
            }
            let chunk = response
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .expect("an event within 10 s")
}

#[tokio::test]
async fn a_refusal_reaches_a_live_subscriber_with_its_reason_and_concept() {
    let emulator = emulator().await;
    let response = reqwest::Client::new()
        .get(format!("{}_explorer/live?denied=true", emulator.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut response = response;
    let mut buffer = String::new();

    // An allowed request first: the `denied` filter must keep it off this stream.
    assert_eq!(list_databases(&emulator, KeyKind::Primary).await, 200);
    // A read-only key may list databases but not create one: refused 401.
    let date = format_http_date(SystemTime::now());
    let authorization = emulator
        .key(KeyKind::PrimaryReadonly)
        .authorize("POST", "dbs", "", &date);
    let refused = reqwest::Client::new()
        .post(format!("{}dbs", emulator.endpoint()))
        .header("authorization", authorization)
        .header("x-ms-date", date)
        .body(r#"{"id":"shop"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let entry = next_event(&mut response, &mut buffer, "request").await;
    assert_eq!(entry["statusCode"], 401);
    assert_eq!(entry["operation"], "Create");
    assert_eq!(entry["keyKind"], "primaryReadonly");
    assert_eq!(entry["caller"], "primaryReadonly key");
    assert!(
        entry["denyReason"].as_str().unwrap().contains("read-only"),
        "{entry}"
    );
    assert!(
        entry["concept"]
            .as_str()
            .unwrap()
            .contains("read-only keys"),
        "{entry}"
    );
    let text = entry.to_string();
    let keys = emulator.keys();
    for key in [
        &keys.primary_master_key,
        &keys.secondary_master_key,
        &keys.primary_readonly_master_key,
        &keys.secondary_readonly_master_key,
    ] {
        assert!(!text.contains(key.as_str()), "a key in the live log");
    }
}

#[tokio::test]
async fn the_log_page_lists_past_requests_and_follows_the_same_filters() {
    let emulator = emulator().await;
    assert_eq!(list_databases(&emulator, KeyKind::Primary).await, 200);
    let wrong = cosmolab_auth_signing::MasterKey::from_bytes(vec![7; 64]).unwrap();
    let date = format_http_date(SystemTime::now());
    let refused = reqwest::Client::new()
        .get(format!("{}dbs", emulator.endpoint()))
        .header("authorization", wrong.authorize("GET", "dbs", "", &date))
        .header("x-ms-date", date)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let page = reqwest::get(format!("{}_explorer/log", emulator.endpoint()))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("primary key"), "the allowed request");
    assert!(
        html.contains("unauthenticated"),
        "a key the account does not have"
    );
    assert!(html.contains("denied 401"), "the refused request");
    assert!(html.contains("master keys"), "its seed concept");
    assert!(html.contains(r#"data-src="/_explorer/live""#));

    let denied_only = reqwest::get(format!(
        "{}_explorer/log?denied=true&kind=none",
        emulator.endpoint()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(denied_only.contains("denied 401"));
    assert!(
        !denied_only.contains(">primary key<"),
        "the allowed one is filtered out"
    );
    assert!(denied_only.contains(r#"data-src="/_explorer/live?kind=none&amp;denied=true""#));
}

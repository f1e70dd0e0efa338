//! Optimistic concurrency under load: 32 writers increment the same counters with `If-Match`
//! against the in-process emulator. No update may be lost, and every conflict must be a 412 — the
//! service's promise that makes read-modify-write safe without locks.

mod framework;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cosmolab_client::StatusCode;
use framework::Lab;
use serde_json::{Value, json};

const WRITERS: usize = 32;
const INCREMENTS_PER_WRITER: u64 = 10;
const COUNTERS: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_writers_lose_no_update_and_every_conflict_is_a_412() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = lab.admin.database_client("shop").container_client("orders");
    for counter in 0..COUNTERS {
        orders
            .create_item(
                "counters",
                &json!({"id": format!("c{counter}"), "customer": "counters", "value": 0}),
            )
            .await
            .unwrap();
    }

    let conflicts = Arc::new(AtomicU64::new(0));
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let orders = orders.clone();
        let conflicts = conflicts.clone();
        writers.push(tokio::spawn(async move {
            let id = format!("c{}", writer % COUNTERS);
            for _ in 0..INCREMENTS_PER_WRITER {
                loop {
                    let current = orders.read_item::<Value>("counters", &id).await.unwrap();
                    let etag = current.etag().unwrap().to_owned();
                    let mut item = current.into_resource();
                    item["value"] = json!(item["value"].as_u64().unwrap() + 1);
                    match orders
                        .replace_item_if_match("counters", &id, &item, &etag)
                        .await
                    {
                        Ok(_) => break,
                        Err(error) => {
                            assert_eq!(
                                error.status(),
                                Some(StatusCode::PRECONDITION_FAILED),
                                "a conflict must be a 412: {error}"
                            );
                            conflicts.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }

    let mut total = 0;
    for counter in 0..COUNTERS {
        let item = orders
            .read_item::<Value>("counters", &format!("c{counter}"))
            .await
            .unwrap();
        total += item.resource()["value"].as_u64().unwrap();
    }
    assert_eq!(
        total,
        WRITERS as u64 * INCREMENTS_PER_WRITER,
        "an update was lost"
    );
    // With 16 writers per item some must have collided, or the test did not test anything.
    assert!(
        conflicts.load(Ordering::Relaxed) > 0,
        "no writer ever conflicted"
    );
}

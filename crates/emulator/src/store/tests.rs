//! Store behaviour that handlers rely on: uniqueness, preconditions, cascades, rid resolution.

use cosmolab_model::{Container, PartitionKeyDefinition, Permission, PermissionMode};
use serde_json::{Map, Value, json};

use super::*;

fn body(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

fn store_with_container() -> Store {
    let mut store = Store::default();
    store.create_database("db", 1).unwrap();
    let container = Container::new("items", PartitionKeyDefinition::hash("/key"));
    store.create_container("db", container, 1).unwrap();
    store
}

fn key(value: &str) -> PartitionKey {
    PartitionKey::from(value)
}

/// The same id may exist once per logical partition, and a second create in one partition is 409.
#[test]
fn ids_are_unique_per_partition() {
    let mut store = store_with_container();
    store
        .create_document(
            "db",
            "items",
            key("1"),
            body(json!({"id": "a", "key": "1"})),
            1,
        )
        .unwrap();
    store
        .create_document(
            "db",
            "items",
            key("2"),
            body(json!({"id": "a", "key": "2"})),
            1,
        )
        .unwrap();
    let again = store.create_document(
        "db",
        "items",
        key("1"),
        body(json!({"id": "a", "key": "1"})),
        1,
    );
    assert_eq!(again.unwrap_err().status, axum::http::StatusCode::CONFLICT);
    assert_eq!(store.documents("db", "items", None).unwrap().count(), 2);
    assert_eq!(
        store
            .documents("db", "items", Some(&key("2")))
            .unwrap()
            .count(),
        1
    );
}

/// Every write gets a new etag; a stale `If-Match` is a 412 and changes nothing.
#[test]
fn stale_if_match_is_refused_without_writing() {
    let mut store = store_with_container();
    let first = store
        .create_document(
            "db",
            "items",
            key("1"),
            body(json!({"id": "a", "key": "1", "v": 1})),
            1,
        )
        .unwrap();
    let old_etag = first.etag().to_owned();
    let second = store
        .replace_document(
            "db",
            "items",
            key("1"),
            "a",
            body(json!({"id": "a", "key": "1", "v": 2})),
            Some(&old_etag),
            2,
        )
        .unwrap();
    assert_ne!(second.etag(), old_etag);
    let stale = store.replace_document(
        "db",
        "items",
        key("1"),
        "a",
        body(json!({"id": "a", "key": "1", "v": 3})),
        Some(&old_etag),
        3,
    );
    assert_eq!(
        stale.unwrap_err().status,
        axum::http::StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        store.document("db", "items", &key("1"), "a").unwrap().body["v"],
        2
    );
}

/// Upsert creates, then replaces, keeping the `_rid`.
#[test]
fn upsert_creates_then_replaces() {
    let mut store = store_with_container();
    let (created, outcome) = store
        .upsert_document(
            "db",
            "items",
            key("1"),
            body(json!({"id": "a", "key": "1"})),
            None,
            1,
        )
        .unwrap();
    assert_eq!(outcome, Upserted::Created);
    let (replaced, outcome) = store
        .upsert_document(
            "db",
            "items",
            key("1"),
            body(json!({"id": "a", "key": "1", "x": 1})),
            None,
            2,
        )
        .unwrap();
    assert_eq!(outcome, Upserted::Replaced);
    assert_eq!(created.body["_rid"], replaced.body["_rid"]);
    assert_eq!(replaced.body["_ts"], 2);
}

/// Documents need a valid string id.
#[test]
fn document_ids_are_validated() {
    let mut store = store_with_container();
    for bad in [
        json!({"key": "1"}),
        json!({"id": 5}),
        json!({"id": "a/b"}),
        json!({"id": ""}),
    ] {
        let error = store
            .create_document("db", "items", key("1"), body(bad.clone()), 1)
            .unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(store.documents("db", "items", None).unwrap().count(), 0);
}

/// Containers need a partition key path; databases may not look like rids.
#[test]
fn containers_need_a_partition_key_and_databases_a_normal_name() {
    let mut store = store_with_container();
    let mut no_key = Container::new("c", PartitionKeyDefinition::hash("/k"));
    no_key.partition_key.paths.clear();
    assert_eq!(
        store.create_container("db", no_key, 1).unwrap_err().status,
        axum::http::StatusCode::BAD_REQUEST
    );
    let bad_path = Container::new("c", PartitionKeyDefinition::hash("key"));
    assert_eq!(
        store
            .create_container("db", bad_path, 1)
            .unwrap_err()
            .status,
        axum::http::StatusCode::BAD_REQUEST
    );
    assert_eq!(
        store.create_database("ABCDEF==", 1).unwrap_err().status,
        axum::http::StatusCode::BAD_REQUEST
    );
}

/// Deleting a database removes its containers and documents.
#[test]
fn deleting_a_database_cascades() {
    let mut store = store_with_container();
    store
        .create_document(
            "db",
            "items",
            key("1"),
            body(json!({"id": "a", "key": "1"})),
            1,
        )
        .unwrap();
    store.delete_database("db").unwrap();
    assert!(store.container("db", "items").is_err());
    store.create_database("db", 2).unwrap();
    assert_eq!(store.containers("db").unwrap().count(), 0);
}

/// `_self` links resolve back to names, for documents, containers and permissions.
#[test]
fn rid_paths_resolve_to_names() {
    let mut store = store_with_container();
    let document = store
        .create_document(
            "db",
            "items",
            key("1"),
            body(json!({"id": "a b", "key": "1"})),
            1,
        )
        .unwrap();
    let self_link = document.body["_self"].as_str().unwrap();
    let segments: Vec<String> = self_link
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    assert_eq!(
        store.names_for_rids(&segments).unwrap(),
        ["dbs", "db", "colls", "items", "docs", "a b"]
    );
    let feed = &segments[..5];
    assert_eq!(
        store.names_for_rids(feed).unwrap(),
        ["dbs", "db", "colls", "items", "docs"]
    );
    assert!(
        store
            .names_for_rids(&["dbs".into(), "AAAAAA==".into()])
            .is_none()
    );

    store.create_user("db", "Test User", 1).unwrap();
    let permission = Permission::new("p1", PermissionMode::All, "dbs/db/colls/items");
    let (permission, _) = store
        .put_permission("db", "Test User", permission, WriteMode::Create, None, 1)
        .unwrap();
    let self_link = permission.system.self_link.unwrap();
    let segments: Vec<String> = self_link
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    assert_eq!(
        store.names_for_rids(&segments).unwrap(),
        ["dbs", "db", "users", "Test User", "permissions", "p1"]
    );
}

/// One permission per resource per user; replace needs an existing permission.
#[test]
fn one_permission_per_resource() {
    let mut store = store_with_container();
    store.create_user("db", "u", 1).unwrap();
    let first = Permission::new("p1", PermissionMode::All, "dbs/db/colls/items");
    store
        .put_permission("db", "u", first.clone(), WriteMode::Create, None, 1)
        .unwrap();
    assert_eq!(
        store
            .put_permission("db", "u", first, WriteMode::Create, None, 1)
            .unwrap_err()
            .status,
        axum::http::StatusCode::CONFLICT
    );
    let second = Permission::new("p2", PermissionMode::Read, "dbs/db/colls/items");
    assert_eq!(
        store
            .put_permission("db", "u", second, WriteMode::Upsert, None, 1)
            .unwrap_err()
            .status,
        axum::http::StatusCode::CONFLICT
    );
    let missing = Permission::new("p3", PermissionMode::Read, "dbs/db/colls/other");
    assert_eq!(
        store
            .put_permission("db", "u", missing, WriteMode::Replace, None, 1)
            .unwrap_err()
            .status,
        axum::http::StatusCode::NOT_FOUND
    );
}

/// A snapshot's writes land all at once on commit, and not at all if another write reached the
/// container first (the script then runs again); a snapshot that only read always commits.
#[test]
fn snapshots_commit_all_or_nothing() {
    let mut store = store_with_container();
    let mut snapshot = store.snapshot_documents("db", "items", &key("1")).unwrap();
    snapshot
        .create(key("1"), body(json!({"id": "s1", "key": "1"})), 2)
        .unwrap();
    snapshot
        .create(key("1"), body(json!({"id": "s2", "key": "1"})), 2)
        .unwrap();
    assert_eq!(store.documents("db", "items", None).unwrap().count(), 0);
    let lsn = store.lsn();
    assert!(store.commit_documents("db", "items", snapshot).unwrap());
    assert_eq!(store.documents("db", "items", None).unwrap().count(), 2);
    assert_eq!(store.lsn(), lsn + 2, "each write counts");

    let mut stale = store.snapshot_documents("db", "items", &key("1")).unwrap();
    stale
        .create(key("1"), body(json!({"id": "s3", "key": "1"})), 3)
        .unwrap();
    store
        .create_document(
            "db",
            "items",
            key("2"),
            body(json!({"id": "other", "key": "2"})),
            3,
        )
        .unwrap();
    assert!(!store.commit_documents("db", "items", stale).unwrap());
    assert!(store.document("db", "items", &key("1"), "s3").is_err());
    assert!(store.document("db", "items", &key("2"), "other").is_ok());

    let reader = store.snapshot_documents("db", "items", &key("1")).unwrap();
    store
        .create_document(
            "db",
            "items",
            key("2"),
            body(json!({"id": "more", "key": "2"})),
            4,
        )
        .unwrap();
    assert!(store.commit_documents("db", "items", reader).unwrap());
    assert_eq!(store.documents("db", "items", None).unwrap().count(), 4);

    // A commit replaces its partition only: the other partition's documents stay, and both
    // stay reachable by id.
    let mut partition_one = store.snapshot_documents("db", "items", &key("1")).unwrap();
    assert_eq!(partition_one.documents().in_order(None).count(), 2);
    partition_one.delete(&key("1"), "s1", None).unwrap();
    partition_one
        .create(key("1"), body(json!({"id": "s4", "key": "1"})), 5)
        .unwrap();
    assert!(
        store
            .commit_documents("db", "items", partition_one)
            .unwrap()
    );
    let ids: Vec<&str> = store
        .documents("db", "items", None)
        .unwrap()
        .map(|document| document.body["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["s2", "other", "more", "s4"]);
    assert!(store.document("db", "items", &key("1"), "s1").is_err());
    assert!(store.document("db", "items", &key("1"), "s4").is_ok());
    assert!(store.document("db", "items", &key("2"), "more").is_ok());
}

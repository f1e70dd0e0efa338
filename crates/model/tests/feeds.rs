//! `Feed<T>` writes and reads the list envelope `{"_rid", "<Kind>": [...], "_count"}` with the
//! array key of its item type, which is the only part of a feed the SDKs read.

use cosmolab_model::{
    Container, Database, Document, Feed, FeedItem, PartitionKeyDefinition, PartitionKeyRange,
    Permission, PermissionMode, User,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Serializes a one-item feed of `item` and returns its JSON.
fn one_item_feed<T: FeedItem + Serialize>(item: T) -> Value {
    serde_json::to_value(Feed::new("cGFyZW50", vec![item])).expect("feeds serialize")
}

/// Checks that a serialized feed has exactly the properties `_rid`, `key` and `_count`.
fn assert_envelope(json: &Value, key: &str) {
    let object = json.as_object().expect("a feed is an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut expected = vec!["_rid", key, "_count"];
    keys.sort_unstable();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(json["_count"], 1);
    assert_eq!(json["_rid"], "cGFyZW50");
}

/// The envelope is written in the order the service writes it: `_rid`, the array, `_count`.
#[test]
fn the_envelope_is_written_in_service_order() {
    let text = serde_json::to_string(&Feed::<User>::new("Sl8fAA==", Vec::new())).expect("writes");
    assert_eq!(text, r#"{"_rid":"Sl8fAA==","Users":[],"_count":0}"#);
}

/// Each resource kind is listed under the key the SDK looks it up by.
#[test]
fn each_kind_uses_its_own_feed_key() {
    assert_envelope(&one_item_feed(Database::new("db")), "Databases");
    assert_envelope(
        &one_item_feed(Container::new("c", PartitionKeyDefinition::hash("/pk"))),
        "DocumentCollections",
    );
    let document: Document = serde_json::from_value(json!({"id": "1"})).expect("an object");
    assert_envelope(&one_item_feed(document), "Documents");
    assert_envelope(&one_item_feed(User::new("Test User")), "Users");
    assert_envelope(
        &one_item_feed(Permission::new("p1", PermissionMode::Read, "dbs/d")),
        "Permissions",
    );
    assert_envelope(
        &one_item_feed(PartitionKeyRange::whole_key_space()),
        "PartitionKeyRanges",
    );
}

/// The feed keys are the exact strings of protocol.md §4.
#[test]
fn feed_keys_match_the_protocol_notes() {
    assert_eq!(Database::FEED_KEY, "Databases");
    assert_eq!(Container::FEED_KEY, "DocumentCollections");
    assert_eq!(Document::FEED_KEY, "Documents");
    assert_eq!(User::FEED_KEY, "Users");
    assert_eq!(Permission::FEED_KEY, "Permissions");
    assert_eq!(PartitionKeyRange::FEED_KEY, "PartitionKeyRanges");
}

/// `_count` is computed from the items when writing, so it always equals their number.
#[test]
fn count_always_equals_the_number_of_items() {
    for size in [0, 1, 3, 250] {
        let users = (0..size).map(|n| User::new(format!("user {n}"))).collect();
        let json = serde_json::to_value(Feed::new("Sl8fAA==", users)).expect("serializes");
        assert_eq!(json["_count"], size);
        assert_eq!(json["Users"].as_array().map(Vec::len), Some(size));
    }
}

/// The users feed of §3.5 reads back and writes out unchanged.
#[test]
fn a_service_feed_round_trips() {
    let json = json!({
        "_rid": "Sl8fAA==",
        "Users": [
            {"id": "Test User", "_rid": "Sl8fAGkUAQA=", "_ts": 1_795_423_302,
             "_self": "dbs/Sl8fAA==/users/Sl8fAGkUAQA=/", "_etag": "\"00000004-0000-0000-0000-000000000000\"",
             "_permissions": "permissions/"}
        ],
        "_count": 1
    });
    let feed: Feed<User> = serde_json::from_value(json.clone()).expect("reads");
    assert_eq!(feed.rid, "Sl8fAA==");
    assert_eq!(feed.count(), 1);
    assert_eq!(serde_json::to_value(&feed).expect("writes"), json);
}

/// Reading tolerates what the SDK tolerates: no `_rid`, a wrong `_count`, extra properties.
#[test]
fn reading_needs_only_the_array() {
    let minimal: Feed<PartitionKeyRange> = serde_json::from_str(
        r#"{"PartitionKeyRanges":[{"id":"0","minInclusive":"","maxExclusive":"FF"}]}"#,
    )
    .expect("the minimum pkranges body of §4");
    assert_eq!(minimal.rid, "");
    assert_eq!(minimal.count(), 1);

    let odd: Feed<Database> =
        serde_json::from_str(r#"{"_rid":"","Databases":[],"_count":7,"extra":{"a":[1]}}"#)
            .expect("extra properties and a stale count are ignored");
    assert!(odd.items.is_empty());
}

/// A feed under another kind's key is an error that names the key that was expected.
#[test]
fn the_wrong_key_is_an_error_naming_the_right_one() {
    let error = serde_json::from_str::<Feed<Document>>(r#"{"_rid":"x","Users":[],"_count":0}"#)
        .expect_err("Users is not Documents");
    assert!(error.to_string().contains("Documents"), "{error}");
}

/// A repeated array key is refused rather than silently merged or overwritten.
#[test]
fn a_duplicate_array_key_is_an_error() {
    let error = serde_json::from_str::<Feed<Database>>(r#"{"Databases":[],"Databases":[]}"#)
        .expect_err("duplicate key");
    assert!(error.to_string().contains("duplicate"), "{error}");
}

/// A feed that is not an object, or whose items do not fit the type, is an error.
#[test]
fn malformed_feeds_are_errors() {
    assert!(serde_json::from_str::<Feed<Database>>("[]").is_err());
    assert!(serde_json::from_str::<Feed<Database>>(r#"{"Databases":{}}"#).is_err());
    assert!(serde_json::from_str::<Feed<Database>>(r#"{"Databases":[{"no_id":1}]}"#).is_err());
}

/// Feeds of every kind survive a write-then-read round trip.
#[test]
fn feeds_round_trip_through_json() {
    fn check<T: FeedItem + Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(item: T) {
        let feed = Feed::new("cmlk", vec![item]);
        let text = serde_json::to_string(&feed).expect("writes");
        let back: Feed<T> = serde_json::from_str(&text).expect("reads");
        assert_eq!(back, feed);
    }
    check(Database::new("db"));
    check(Container::new("c", PartitionKeyDefinition::hash("/key")));
    check(User::new("u"));
    check(Permission::new("p", PermissionMode::All, "dbs/db/colls/c"));
    check(PartitionKeyRange::whole_key_space());
}

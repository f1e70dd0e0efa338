//! The emulator's rules over HTTP, driven through the router without a socket
//! (`tower::ServiceExt::oneshot`), plus one test on a real port.
//!
//! Each test is one scenario from the seeds or the protocol notes; requests are signed by hand
//! with `cosmolab-auth-signing`, exactly as a client would.

mod support;

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY, format_http_date};
use cosmolab_emulator::{Emulator, KeyKind};
use serde_json::{Value, json};
use support::{Credential, Harness, readonly_key};

/// `GET /` advertises the endpoint the client used, so SDKs keep talking to it.
#[tokio::test]
async fn the_account_advertises_the_clients_endpoint() {
    let harness = Harness::new();
    let answer = harness
        .send("GET", "/", Credential::Key(&harness.primary()), &[], None)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.body["writableLocations"][0]["databaseAccountEndpoint"],
        "http://127.0.0.1:8081/"
    );
    assert_eq!(
        answer.body["userConsistencyPolicy"]["defaultConsistencyLevel"],
        "Session"
    );
}

/// A wrong key gets 401, and the message quotes the payload the server signed (seed 001's best
/// debugging aid).
#[tokio::test]
async fn a_wrong_key_sees_the_payload_the_server_signed() {
    let harness = Harness::new();
    let wrong = MasterKey::from_bytes(vec![1; 64]).unwrap();
    let answer = harness
        .send("GET", "/dbs/db/", Credential::Key(&wrong), &[], None)
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let message = answer.body["message"].as_str().unwrap();
    assert!(
        message.contains(r"Server used the following payload to sign: 'get\ndbs\ndbs/db\n"),
        "{message}"
    );
    assert_eq!(answer.body["code"], "Unauthorized");
    assert!(
        answer
            .deny_reason
            .unwrap()
            .contains("none of the account's four keys")
    );
}

/// Missing and malformed headers are 401 with the service's two messages.
#[tokio::test]
async fn missing_and_malformed_headers_are_401() {
    let harness = Harness::new();
    let missing = harness
        .send("GET", "/dbs", Credential::None, &[], None)
        .await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert!(
        missing.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Required Header authorization is missing")
    );
    for header in [
        "None",
        "Bearer abc",
        "type=master&ver=2.0&sig=abc",
        "type=basic&ver=1.0&sig=x",
    ] {
        let answer = harness
            .send("GET", "/dbs", Credential::Raw(header), &[], None)
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{header}");
        assert!(
            answer.body["message"]
                .as_str()
                .unwrap()
                .contains("doesn't confirm to the required format")
        );
        assert!(answer.deny_reason.is_some());
    }
}

/// A date more than 15 minutes old is 403 "not valid at the current time", even correctly signed.
#[tokio::test]
async fn a_stale_date_is_403() {
    let harness = Harness::new();
    let twenty_minutes_ago = SystemTime::now() - Duration::from_secs(20 * 60);
    let answer = harness
        .send(
            "GET",
            "/dbs",
            Credential::KeyAt(&harness.primary(), twenty_minutes_ago),
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .starts_with("The authorization token is not valid at the current time")
    );
}

/// A read-only key reads and queries, but its writes are refused like a wrong key (401).
#[tokio::test]
async fn read_only_keys_read_but_cannot_write() {
    let harness = Harness::new();
    harness.seed().await;
    let key = readonly_key();
    let read = harness
        .send(
            "GET",
            "/dbs/db/colls/items/docs/a/",
            Credential::Key(&key),
            &[("x-ms-documentdb-partitionkey", "[\"1\"]")],
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let query = harness
        .send(
            "POST",
            "/dbs/db/colls/items/docs/",
            Credential::Key(&key),
            &[
                ("x-ms-documentdb-isquery", "true"),
                ("content-type", "application/query+json"),
            ],
            Some(json!({"query": "SELECT VALUE COUNT(1) FROM c"})),
        )
        .await;
    assert_eq!(query.body["Documents"], json!([3]));
    let write = harness
        .send(
            "POST",
            "/dbs/db/colls/items/docs/",
            Credential::Key(&key),
            &[("x-ms-documentdb-partitionkey", "[\"1\"]")],
            Some(json!({"id": "z", "key": "1"})),
        )
        .await;
    assert_eq!(write.status, StatusCode::UNAUTHORIZED);
    assert!(write.deny_reason.unwrap().contains("read-only key"));
    let users = harness
        .send("GET", "/dbs/db/users/", Credential::Key(&key), &[], None)
        .await;
    assert_eq!(users.status, StatusCode::UNAUTHORIZED);
}

/// Seed 000: a partition-scoped `All` token works on its partition only, and never on metadata.
#[tokio::test]
async fn a_partition_token_opens_its_partition_only() {
    let harness = Harness::new();
    harness.seed().await;
    let token = harness
        .token(json!({"id": "p1", "permissionMode": "All", "resource": "dbs/db/colls/items", "resourcePartitionKey": ["1"]}), &[])
        .await;
    let auth = Credential::Raw(&token);
    let one = [("x-ms-documentdb-partitionkey", "[\"1\"]")];
    assert_eq!(
        harness
            .send("GET", "/", Credential::Raw(&token), &[], None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        harness
            .send(
                "GET",
                "/dbs/db/colls/items/",
                Credential::Raw(&token),
                &[],
                None
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        harness
            .send("GET", "/dbs/db/colls/items/docs/a/", auth, &one, None)
            .await
            .status,
        StatusCode::OK
    );
    let other = harness
        .send(
            "GET",
            "/dbs/db/colls/items/docs/c/",
            Credential::Raw(&token),
            &[("x-ms-documentdb-partitionkey", "[\"2\"]")],
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(
        other.deny_reason.unwrap(),
        r#"the resource token is scoped to partition ["1"], request targets ["2"]"#
    );
    for (method, path) in [
        ("GET", "/dbs"),
        ("GET", "/dbs/db/colls/"),
        ("GET", "/dbs/db/users/Test%20User/permissions/"),
    ] {
        assert_eq!(
            harness
                .send(method, path, Credential::Raw(&token), &[], None)
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

/// Every read of a permission mints a new token; expiry is 403 after the clock moves; a token
/// outlives its deleted permission until then (seed 002).
#[tokio::test]
async fn tokens_are_fresh_per_read_and_expire() {
    let harness = Harness::new();
    harness.seed().await;
    let first = harness
        .token(
            json!({"id": "p1", "permissionMode": "Read", "resource": "dbs/db/colls/items"}),
            &[("x-ms-documentdb-expiry-seconds", "600")],
        )
        .await;
    let key = harness.primary();
    let again = harness
        .send(
            "GET",
            "/dbs/db/users/Test%20User/permissions/p1/",
            Credential::Key(&key),
            &[],
            None,
        )
        .await;
    assert_ne!(again.body["_token"].as_str().unwrap(), first);

    let read = |token: String| {
        let harness = &harness;
        async move {
            harness
                .send(
                    "GET",
                    "/dbs/db/colls/items/docs/a/",
                    Credential::Raw(&token),
                    &[("x-ms-documentdb-partitionkey", "[\"1\"]")],
                    None,
                )
                .await
        }
    };
    assert_eq!(
        harness
            .send(
                "DELETE",
                "/dbs/db/users/Test%20User/permissions/p1/",
                Credential::Key(&key),
                &[],
                None
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        read(first.clone()).await.status,
        StatusCode::OK,
        "a deleted permission's token still works"
    );
    assert!(harness.state.clock.advance(Duration::from_secs(601)));
    let expired = read(first).await;
    assert_eq!(expired.status, StatusCode::FORBIDDEN);
    assert!(
        expired.body["message"]
            .as_str()
            .unwrap()
            .starts_with("The authorization token is not valid at the current time")
    );
}

/// A tampered token, and a token signed before the primary key was regenerated, are 401.
#[tokio::test]
async fn tampered_and_revoked_tokens_are_401() {
    let harness = Harness::new();
    harness.seed().await;
    let token = harness
        .token(
            json!({"id": "p1", "permissionMode": "All", "resource": "dbs/db/colls/items"}),
            &[],
        )
        .await;
    let mut tampered = token.clone().into_bytes();
    let position = tampered.len() - 5;
    tampered[position] = if tampered[position] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        harness
            .send(
                "GET",
                "/dbs/db/colls/items/",
                Credential::Raw(&tampered),
                &[],
                None
            )
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    harness.state.keys_mut().regenerate(KeyKind::Primary);
    let revoked = harness
        .send(
            "GET",
            "/dbs/db/colls/items/",
            Credential::Raw(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert!(revoked.deny_reason.unwrap().contains("regenerated"));
}

/// Bad input is a Cosmos-style 4xx: bad JSON, missing id, bad id, mismatched partition key,
/// out-of-bounds expiry, unknown resource types; and nothing is stored.
#[tokio::test]
async fn bad_input_is_a_clear_4xx() {
    let harness = Harness::new();
    harness.seed().await;
    let key = harness.primary();
    let docs = "/dbs/db/colls/items/docs/";
    let one = [("x-ms-documentdb-partitionkey", "[\"1\"]")];
    for (body, expected) in [
        (json!({"key": "1"}), "'id' is missing"),
        (json!({"id": "a/b", "key": "1"}), "/"),
        (json!({"id": "x", "key": "2"}), "doesn't match"),
    ] {
        let answer = harness
            .send("POST", docs, Credential::Key(&key), &one, Some(body))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert!(
            answer.body["message"].as_str().unwrap().contains(expected),
            "{}",
            answer.body
        );
    }
    let expiry = harness
        .send(
            "POST",
            "/dbs/db/users/",
            Credential::Key(&key),
            &[],
            Some(json!({"id": "u"})),
        )
        .await;
    assert_eq!(expiry.status, StatusCode::CREATED);
    let too_long = harness
        .send(
            "POST",
            "/dbs/db/users/u/permissions/",
            Credential::Key(&key),
            &[("x-ms-documentdb-expiry-seconds", "86400")],
            Some(json!({"id": "p", "permissionMode": "Read", "resource": "dbs/db/colls/items"})),
        )
        .await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(
        too_long.body["message"]
            .as_str()
            .unwrap()
            .contains("between 600 and 18000")
    );
    let unknown = harness
        .send(
            "GET",
            "/dbs/db/colls/items/widgets/",
            Credential::Key(&key),
            &[],
            None,
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let count = harness
        .send(
            "POST",
            docs,
            Credential::Key(&key),
            &[("x-ms-documentdb-isquery", "true")],
            Some(json!({"query": "SELECT VALUE COUNT(1) FROM c"})),
        )
        .await;
    assert_eq!(count.body["Documents"], json!([3]), "nothing half-stored");
    let bad_query = harness
        .send(
            "POST",
            docs,
            Credential::Key(&key),
            &[("x-ms-documentdb-isquery", "true")],
            Some(json!({"query": "SELECT * FROM c JOIN t IN c.tags"})),
        )
        .await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST);
}

/// Replace with a stale `If-Match` is 412; a feed pages with continuations until the end.
#[tokio::test]
async fn etags_and_paging() {
    let harness = Harness::new();
    harness.seed().await;
    let key = harness.primary();
    let one = [("x-ms-documentdb-partitionkey", "[\"1\"]")];
    let read = harness
        .send(
            "GET",
            "/dbs/db/colls/items/docs/a/",
            Credential::Key(&key),
            &one,
            None,
        )
        .await;
    let etag = read.headers["etag"].to_str().unwrap().to_owned();
    let replace = |value: i64| json!({"id": "a", "key": "1", "v": value});
    let headers = [
        ("x-ms-documentdb-partitionkey", "[\"1\"]"),
        ("if-match", etag.as_str()),
    ];
    assert_eq!(
        harness
            .send(
                "PUT",
                "/dbs/db/colls/items/docs/a/",
                Credential::Key(&key),
                &headers,
                Some(replace(1))
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        harness
            .send(
                "PUT",
                "/dbs/db/colls/items/docs/a/",
                Credential::Key(&key),
                &headers,
                Some(replace(2))
            )
            .await
            .status,
        StatusCode::PRECONDITION_FAILED
    );

    let mut ids = Vec::new();
    let mut continuation: Option<String> = None;
    for _ in 0..5 {
        let mut headers = vec![("x-ms-max-item-count", "2")];
        if let Some(token) = &continuation {
            headers.push(("x-ms-continuation", token.as_str()));
        }
        let page = harness
            .send(
                "GET",
                "/dbs/db/colls/items/docs/",
                Credential::Key(&key),
                &headers,
                None,
            )
            .await;
        ids.extend(
            page.body["Documents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned()),
        );
        continuation = page
            .headers
            .get("x-ms-continuation")
            .map(|v| v.to_str().unwrap().to_owned());
        if continuation.is_none() {
            break;
        }
    }
    assert_eq!(ids, ["a", "b", "c"]);
}

/// Partition-key ranges answer 200 with an etag, then 304 for that etag (or SDKs poll forever).
#[tokio::test]
async fn partition_key_ranges_answer_304_when_unchanged() {
    let harness = Harness::new();
    harness.seed().await;
    let key = harness.primary();
    let first = harness
        .send(
            "GET",
            "/dbs/db/colls/items/pkranges/",
            Credential::Key(&key),
            &[("a-im", "Incremental Feed")],
            None,
        )
        .await;
    assert_eq!(first.body["PartitionKeyRanges"][0]["maxExclusive"], "FF");
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    let second = harness
        .send(
            "GET",
            "/dbs/db/colls/items/pkranges/",
            Credential::Key(&key),
            &[("if-none-match", etag.as_str())],
            None,
        )
        .await;
    assert_eq!(second.status, StatusCode::NOT_MODIFIED);
}

/// `_self` links (rid-based paths, signed with the lower-cased rid) reach the same document.
#[tokio::test]
async fn self_links_reach_the_document() {
    let harness = Harness::new();
    harness.seed().await;
    let key = harness.primary();
    let one = [("x-ms-documentdb-partitionkey", "[\"1\"]")];
    let read = harness
        .send(
            "GET",
            "/dbs/db/colls/items/docs/a/",
            Credential::Key(&key),
            &one,
            None,
        )
        .await;
    let self_link = format!("/{}", read.body["_self"].as_str().unwrap());
    let by_rid = harness
        .send("GET", &self_link, Credential::Key(&key), &one, None)
        .await;
    assert_eq!(by_rid.status, StatusCode::OK, "{}", by_rid.body);
    assert_eq!(by_rid.body["id"], "a");
}

/// The in-process emulator serves on a real port, and the admin API regenerates keys.
#[tokio::test]
async fn a_real_port_and_key_regeneration() {
    let emulator = Emulator::builder().start().await.unwrap();
    assert_eq!(emulator.keys().primary_master_key, WELL_KNOWN_EMULATOR_KEY);
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}_cosmolab/health", emulator.endpoint()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let key = emulator.key(KeyKind::Primary);
    let date = format_http_date(SystemTime::now());
    let authorization = key.authorize("POST", "regenerate", "_cosmolab/keys", &date);
    let answer = client
        .post(format!("{}_cosmolab/keys/regenerate", emulator.endpoint()))
        .header("authorization", authorization)
        .header("x-ms-date", &date)
        .json(&json!({"keyKind": "primary"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let keys: Value = answer.json().await.unwrap();
    assert_ne!(keys["primaryMasterKey"], WELL_KNOWN_EMULATOR_KEY);
    assert_ne!(emulator.keys().primary_master_key, WELL_KNOWN_EMULATOR_KEY);
}

/// A document token cannot use `_self` paths to learn about other documents: an existing rid out
/// of scope and a rid that names nothing get the same 403, which names only the path sent.
#[tokio::test]
async fn rid_paths_reveal_nothing_to_a_token() {
    let harness = Harness::new();
    harness.seed().await;
    let key = harness.primary();
    let other = harness
        .send(
            "GET",
            "/dbs/db/colls/items/docs/c/",
            Credential::Key(&key),
            &[("x-ms-documentdb-partitionkey", "[\"2\"]")],
            None,
        )
        .await;
    let other_self = format!("/{}", other.body["_self"].as_str().unwrap());
    let token = harness
        .token(
            json!({"id": "p1", "permissionMode": "Read", "resource": "dbs/db/colls/items/docs/a"}),
            &[],
        )
        .await;
    let out_of_scope = harness
        .send(
            "GET",
            &other_self,
            Credential::Raw(&token),
            &[("x-ms-documentdb-partitionkey", "[\"2\"]")],
            None,
        )
        .await;
    assert_eq!(out_of_scope.status, StatusCode::FORBIDDEN);
    let reason = out_of_scope.deny_reason.unwrap();
    // The name path of the other document must not appear. (Not merely "docs/c": the rid-based
    // path in the reason is random and may itself start with a `c`.)
    assert!(
        !reason.contains("items/docs/c"),
        "the reason leaks the document id: {reason}"
    );
    let missing_self = format!("{}AAAA/", &other_self[..other_self.len() - 5]);
    let missing = harness
        .send(
            "GET",
            &missing_self,
            Credential::Raw(&token),
            &[("x-ms-documentdb-partitionkey", "[\"2\"]")],
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "no existence oracle");
}

/// A `_self` link names one document: with another partition in the header, the same id in that
/// partition is not touched.
#[tokio::test]
async fn a_self_link_never_reaches_a_namesake_in_another_partition() {
    let harness = Harness::new();
    harness.seed().await;
    let key = harness.primary();
    let two = [("x-ms-documentdb-partitionkey", "[\"2\"]")];
    harness
        .send(
            "POST",
            "/dbs/db/colls/items/docs/",
            Credential::Key(&key),
            &two,
            Some(json!({"id": "a", "key": "2"})),
        )
        .await;
    let in_two = harness
        .send(
            "GET",
            "/dbs/db/colls/items/docs/a/",
            Credential::Key(&key),
            &two,
            None,
        )
        .await;
    let self_link = format!("/{}", in_two.body["_self"].as_str().unwrap());
    let one = [("x-ms-documentdb-partitionkey", "[\"1\"]")];
    let wrong = harness
        .send("DELETE", &self_link, Credential::Key(&key), &one, None)
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(
        harness
            .send(
                "GET",
                "/dbs/db/colls/items/docs/a/",
                Credential::Key(&key),
                &one,
                None
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        harness
            .send("DELETE", &self_link, Credential::Key(&key), &two, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

/// A correctly signed request dated in the year 9999 is refused with 403, not a crash.
#[tokio::test]
async fn a_far_future_date_is_403_not_a_panic() {
    let harness = Harness::new();
    let far_future =
        cosmolab_auth_signing::parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
    let answer = harness
        .send(
            "GET",
            "/dbs",
            Credential::KeyAt(&harness.primary(), far_future),
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

/// The clock cannot be pushed past a century (which could wrap it back and revive tokens).
#[tokio::test]
async fn the_clock_refuses_absurd_jumps() {
    let harness = Harness::new();
    let key = harness.primary();
    let huge = harness
        .send(
            "POST",
            "/_cosmolab/clock/advance",
            Credential::Key(&key),
            &[],
            Some(json!({"seconds": u64::MAX})),
        )
        .await;
    assert_eq!(huge.status, StatusCode::BAD_REQUEST);
    let fine = harness
        .send(
            "POST",
            "/_cosmolab/clock/advance",
            Credential::Key(&key),
            &[],
            Some(json!({"seconds": 60})),
        )
        .await;
    assert_eq!(fine.body["offsetSeconds"], 60);
}

/// An encoded `/` in a name stays inside its segment and finds nothing; a token for one container
/// is refused on a container whose name merely starts the same way.
#[tokio::test]
async fn encoded_slashes_and_name_prefixes_do_not_widen_a_scope() {
    let harness = Harness::new();
    harness.seed().await;
    let key = harness.primary();
    let container = json!({"id": "items2", "partitionKey": {"paths": ["/key"], "kind": "Hash"}});
    harness
        .send(
            "POST",
            "/dbs/db/colls/",
            Credential::Key(&key),
            &[],
            Some(container),
        )
        .await;
    let token = harness
        .token(
            json!({"id": "p1", "permissionMode": "All", "resource": "dbs/db/colls/items"}),
            &[],
        )
        .await;
    let one = [("x-ms-documentdb-partitionkey", "[\"1\"]")];
    let prefix = harness
        .send(
            "GET",
            "/dbs/db/colls/items2/docs/a/",
            Credential::Raw(&token),
            &one,
            None,
        )
        .await;
    assert_eq!(prefix.status, StatusCode::FORBIDDEN);
    let encoded = harness
        .send(
            "GET",
            "/dbs/db/colls/items%2Fdocs/docs/a/",
            Credential::Raw(&token),
            &one,
            None,
        )
        .await;
    assert!(
        encoded.status == StatusCode::FORBIDDEN || encoded.status == StatusCode::NOT_FOUND,
        "{}",
        encoded.status
    );
}

//! Server-side scripts over HTTP (issue 12): stored procedures, triggers and user-defined
//! functions, and the permissions that guard them — driven through the router, requests signed
//! by hand as a client signs them.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use cosmolab_emulator::Settings;
use cosmolab_emulator::scripts::ScriptLimits;
use serde_json::{Value, json};
use support::{Credential, Harness, readonly_key};

const SPROCS: &str = "/dbs/db/colls/items/sprocs";
const PK1: (&str, &str) = ("x-ms-documentdb-partitionkey", "[\"1\"]");
const PK2: (&str, &str) = ("x-ms-documentdb-partitionkey", "[\"2\"]");

/// Creates a stored procedure with the primary key.
async fn create_sproc(harness: &Harness, id: &str, body: &str) {
    let answer = harness
        .owner("POST", SPROCS, &[], Some(json!({"id": id, "body": body})))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

/// Runs a stored procedure with the primary key in partition `["1"]`.
async fn execute(harness: &Harness, id: &str, args: Value) -> support::Answer {
    harness
        .owner("POST", &format!("{SPROCS}/{id}"), &[PK1], Some(args))
        .await
}

/// How many documents partition `pk` holds.
async fn count(harness: &Harness, pk: (&str, &str)) -> u64 {
    let answer = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/docs",
            &[
                pk,
                ("x-ms-documentdb-isquery", "true"),
                ("content-type", "application/query+json"),
            ],
            Some(json!({"query": "SELECT VALUE COUNT(1) FROM c"})),
        )
        .await;
    answer.body["Documents"][0].as_u64().unwrap()
}

/// Stored procedures are resources like any other: created (with a structured `_rid` and
/// `_self`), read, listed under `StoredProcedures`, replaced, deleted; a duplicate is 409.
#[tokio::test]
async fn stored_procedures_are_managed_like_resources() {
    let harness = Harness::new();
    harness.seed().await;
    let sproc =
        json!({"id": "hello", "body": "function () { getContext().getResponse().setBody('hi'); }"});
    let created = harness
        .owner("POST", SPROCS, &[], Some(sproc.clone()))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let rid = created.body["_rid"].as_str().unwrap();
    assert!(
        created.body["_self"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/sprocs/{rid}/")),
        "{}",
        created.body
    );
    assert!(created.headers.contains_key("etag"));
    let duplicate = harness.owner("POST", SPROCS, &[], Some(sproc)).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let listed = harness.owner("GET", SPROCS, &[], None).await;
    assert_eq!(listed.body["StoredProcedures"][0]["id"], "hello");
    assert_eq!(listed.body["_count"], 1);

    let replaced = harness
        .owner("PUT", &format!("{SPROCS}/hello"),
            &[],
            Some(json!({"id": "hello", "body": "function () { getContext().getResponse().setBody('hello'); }"})),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(replaced.body["_rid"], rid, "a replace keeps the rid");
    assert_eq!(execute(&harness, "hello", json!([])).await.body, "hello");

    // The `_self` link (rid-based) reaches it too, as the Python SDK addresses it.
    let self_link = format!("/{}", replaced.body["_self"].as_str().unwrap());
    let by_rid = harness.owner("GET", &self_link, &[], None).await;
    assert_eq!(by_rid.body["id"], "hello");

    let deleted = harness
        .owner("DELETE", &format!("{SPROCS}/hello"), &[], None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = harness
        .owner("GET", &format!("{SPROCS}/hello"), &[], None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

/// A trigger without its type is refused with the service's message; bodies must be strings.
#[tokio::test]
async fn scripts_need_their_required_properties() {
    let harness = Harness::new();
    harness.seed().await;
    let trigger = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/triggers",
            &[],
            Some(json!({"id": "t", "body": "function () {}", "triggerOperation": "Create"})),
        )
        .await;
    assert_eq!(trigger.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        trigger.body["message"],
        "The input content is invalid because the required properties - 'triggerType; ' - are missing"
    );
    let udf = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/udfs",
            &[],
            Some(json!({"id": "f", "body": 42})),
        )
        .await;
    assert_eq!(udf.status, StatusCode::BAD_REQUEST);
}

/// Executing passes the arguments, answers the body the script set, needs a partition key, and
/// returns `console.log` output when asked.
#[tokio::test]
async fn a_stored_procedure_runs_with_its_arguments() {
    let harness = Harness::new();
    harness.seed().await;
    create_sproc(
        &harness,
        "greet",
        "function greet(name, times) { console.log('greeting', name); \
         getContext().getResponse().setBody({greeting: 'hello ' + name, times: times}); }",
    )
    .await;
    let answer = harness
        .owner(
            "POST",
            &format!("{SPROCS}/greet"),
            &[PK1, ("x-ms-documentdb-script-enable-logging", "true")],
            Some(json!(["ana", 2])),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, json!({"greeting": "hello ana", "times": 2}));
    assert_eq!(
        answer.headers["x-ms-documentdb-script-log-results"],
        "greeting%20ana"
    );

    let no_partition = harness
        .owner(
            "POST",
            &format!("{SPROCS}/greet"),
            &[],
            Some(json!(["ana"])),
        )
        .await;
    assert_eq!(no_partition.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        no_partition.body["message"],
        "PartitionKey value must be supplied for this operation."
    );
}

/// A stored procedure is a transaction: its writes are all kept, or — when it throws — none is;
/// and it may only touch the partition it was called for.
#[tokio::test]
async fn a_stored_procedure_is_a_transaction_in_one_partition() {
    let harness = Harness::new();
    harness.seed().await;
    let bulk = "function bulk(docs, fail) {
        var collection = getContext().getCollection();
        var created = 0;
        docs.forEach(function (doc) {
            collection.createDocument(collection.getSelfLink(), doc, function (err) {
                if (err) throw err;
                created++;
                if (created === docs.length) {
                    if (fail) throw new Error('changed my mind');
                    getContext().getResponse().setBody(created);
                }
            });
        });
    }";
    create_sproc(&harness, "bulk", bulk).await;
    assert_eq!(count(&harness, PK1).await, 2);

    let docs = json!([{"id": "x1", "key": "1"}, {"id": "x2", "key": "1"}]);
    let ok = execute(&harness, "bulk", json!([docs, false])).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body, 2);
    assert_eq!(count(&harness, PK1).await, 4);

    let docs = json!([{"id": "y1", "key": "1"}, {"id": "y2", "key": "1"}]);
    let thrown = execute(&harness, "bulk", json!([docs, true])).await;
    assert_eq!(thrown.status, StatusCode::BAD_REQUEST);
    assert!(
        thrown.body["message"].as_str().unwrap().starts_with(
            "Encountered exception while executing function. Exception = Error: changed my mind"
        ),
        "{}",
        thrown.body
    );
    assert_eq!(
        count(&harness, PK1).await,
        4,
        "nothing of the failed call stays"
    );

    // A duplicate id fails the whole call with the create's own status.
    let docs = json!([{"id": "z1", "key": "1"}, {"id": "x1", "key": "1"}]);
    let duplicate = execute(&harness, "bulk", json!([docs, false])).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.body);
    assert_eq!(count(&harness, PK1).await, 4);

    // Another partition's document is out of reach.
    let docs = json!([{"id": "w1", "key": "2"}]);
    let other = execute(&harness, "bulk", json!([docs, false])).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        other.body["message"],
        "Requests originating from scripts cannot reference partition keys other than the one for which client request was submitted."
    );
    assert_eq!(count(&harness, PK2).await, 1);
}

/// Scripts read, query, replace and delete within their partition, and see only it.
#[tokio::test]
async fn a_stored_procedure_reads_queries_and_replaces() {
    let harness = Harness::new();
    harness.seed().await;
    let source = "function touch(id) {
        var collection = getContext().getCollection();
        collection.queryDocuments(collection.getSelfLink(), 'SELECT VALUE c.id FROM c', {},
            function (err, ids) {
                if (err) throw err;
                collection.readDocument(collection.getAltLink() + '/docs/' + id, function (err, doc) {
                    if (err) throw err;
                    doc.touched = true;
                    collection.replaceDocument(doc._self, doc, function (err, replaced) {
                        if (err) throw err;
                        collection.deleteDocument(collection.getAltLink() + '/docs/b', function (err) {
                            if (err) throw err;
                            getContext().getResponse().setBody({ids: ids, touched: replaced.touched});
                        });
                    });
                });
            });
    }";
    create_sproc(&harness, "touch", source).await;
    let answer = execute(&harness, "touch", json!(["a"])).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, json!({"ids": ["a", "b"], "touched": true}));
    let a = harness
        .owner("GET", "/dbs/db/colls/items/docs/a", &[PK1], None)
        .await;
    assert_eq!(a.body["touched"], true);
    assert_eq!(count(&harness, PK1).await, 1, "b was deleted");
}

/// Compile errors show at execution (sub-status 65535); a runaway script is stopped with 408
/// and the service's message; an allocation loop hits the memory limit.
#[tokio::test]
async fn broken_and_runaway_scripts_are_stopped() {
    let harness = Harness::with_settings(Settings {
        script_limits: ScriptLimits {
            time: Duration::from_millis(300),
            memory_bytes: 8 * 1024 * 1024,
        },
        ..Settings::default()
    });
    harness.seed().await;
    create_sproc(&harness, "broken", "function ( {").await;
    let broken = execute(&harness, "broken", json!([])).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.headers["x-ms-substatus"], "65535");

    create_sproc(
        &harness,
        "spin",
        "function () { var c = getContext().getCollection(); \
         c.createDocument(c.getSelfLink(), {id: 'spun', key: '1'}); while (true) {} }",
    )
    .await;
    let spin = execute(&harness, "spin", json!([])).await;
    assert_eq!(spin.status, StatusCode::REQUEST_TIMEOUT);
    assert!(
        spin.body["message"]
            .as_str()
            .unwrap()
            .starts_with("The requested operation exceeded maximum alloted time."),
        "{}",
        spin.body
    );
    assert_eq!(count(&harness, PK1).await, 2);

    create_sproc(
        &harness,
        "hog",
        "function () { var a = []; for (;;) a.push('xxxxxxxxxxxxxxxx' + a.length); }",
    )
    .await;
    let hog = execute(&harness, "hog", json!([])).await;
    assert_eq!(hog.status, StatusCode::BAD_REQUEST, "{}", hog.body);
    assert!(
        hog.body["message"]
            .as_str()
            .unwrap()
            .contains("out of memory"),
        "{}",
        hog.body
    );
}

/// A pre-trigger changes the document before it is written; a post-trigger that throws undoes
/// the write.
#[tokio::test]
async fn triggers_run_around_the_writes_that_name_them() {
    let harness = Harness::new();
    harness.seed().await;
    for (trigger, kind) in [
        (
            json!({"id": "stamp", "triggerType": "pre", "triggerOperation": "create",
               "body": "function () { var r = getContext().getRequest(); var d = r.getBody(); d.stamped = true; r.setBody(d); }"}),
            "Pre",
        ),
        (
            json!({"id": "veto", "triggerType": "Post", "triggerOperation": "All",
               "body": "function () { var d = getContext().getResponse().getBody(); if (d.id === 'bad') throw new Error('vetoed'); }"}),
            "Post",
        ),
    ] {
        let answer = harness
            .owner("POST", "/dbs/db/colls/items/triggers", &[], Some(trigger))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert_eq!(
            answer.body["triggerType"], kind,
            "written as the REST reference spells it"
        );
    }
    let stamped = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/docs",
            &[PK1, ("x-ms-documentdb-pre-trigger-include", "stamp")],
            Some(json!({"id": "new", "key": "1"})),
        )
        .await;
    assert_eq!(stamped.status, StatusCode::CREATED, "{}", stamped.body);
    assert_eq!(stamped.body["stamped"], true);

    let vetoed = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/docs",
            &[PK1, ("x-ms-documentdb-post-trigger-include", "veto")],
            Some(json!({"id": "bad", "key": "1"})),
        )
        .await;
    assert_eq!(vetoed.status, StatusCode::BAD_REQUEST, "{}", vetoed.body);
    assert_eq!(count(&harness, PK1).await, 3, "a, b and new; not bad");

    // A pre-trigger named as a post-trigger is refused before anything runs.
    let wrong_kind = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/docs",
            &[PK1, ("x-ms-documentdb-post-trigger-include", "stamp")],
            Some(json!({"id": "other", "key": "1"})),
        )
        .await;
    assert_eq!(wrong_kind.status, StatusCode::BAD_REQUEST);
}

/// Queries call user-defined functions as `udf.name(…)`; an unknown one is a 400 naming it.
#[tokio::test]
async fn queries_call_user_defined_functions() {
    let harness = Harness::new();
    harness.seed().await;
    let udf = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/udfs",
            &[],
            Some(json!({"id": "shout", "body": "function (s) { return s.toUpperCase() + '!'; }"})),
        )
        .await;
    assert_eq!(udf.status, StatusCode::CREATED, "{}", udf.body);
    let query = |text: &str| json!({"query": text});
    let headers = [
        ("x-ms-documentdb-isquery", "true"),
        ("content-type", "application/query+json"),
        ("x-ms-documentdb-query-enablecrosspartition", "true"),
    ];
    let shouted = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/docs",
            &headers,
            Some(query(
                "SELECT VALUE udf.shout(c.id) FROM c WHERE udf.shout(c.key) = '1!'",
            )),
        )
        .await;
    assert_eq!(shouted.status, StatusCode::OK, "{}", shouted.body);
    assert_eq!(shouted.body["Documents"], json!(["A!", "B!"]));
    let unknown = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/docs",
            &headers,
            Some(query("SELECT VALUE udf.whisper(c.id) FROM c")),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.body["message"]
            .as_str()
            .unwrap()
            .contains("udf.whisper"),
        "{}",
        unknown.body
    );
}

/// Who may run a stored procedure: `All` on it (or on its container), not `Read`; not a
/// read-only key; a partition's token in its own partition only.
#[tokio::test]
async fn executing_needs_all() {
    let harness = Harness::new();
    harness.seed().await;
    create_sproc(
        &harness,
        "hello",
        "function () { getContext().getResponse().setBody('hi'); }",
    )
    .await;
    let path = format!("{SPROCS}/hello");
    let run = |credential| {
        let path = path.clone();
        let harness = &harness;
        async move {
            harness
                .send("POST", &path, credential, &[PK1], Some(json!([])))
                .await
        }
    };

    let readonly = readonly_key();
    let by_readonly = run(Credential::Key(&readonly)).await;
    assert_eq!(by_readonly.status, StatusCode::UNAUTHORIZED);
    let list_by_readonly = harness
        .send("GET", SPROCS, Credential::Key(&readonly), &[], None)
        .await;
    assert_eq!(list_by_readonly.status, StatusCode::OK);

    let all_on_sproc = harness
        .token(
            json!({"id": "run", "permissionMode": "All", "resource": "dbs/db/colls/items/sprocs/hello"}),
            &[],
        )
        .await;
    let ran = run(Credential::Raw(&encode(&all_on_sproc))).await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.body);
    assert_eq!(ran.body, "hi");

    let harness2 = Harness::new();
    harness2.seed().await;
    create_sproc(&harness2, "hello", "function () {}").await;
    let read_on_sproc = harness2
        .token(
            json!({"id": "look", "permissionMode": "Read", "resource": "dbs/db/colls/items/sprocs/hello"}),
            &[],
        )
        .await;
    let token = encode(&read_on_sproc);
    let read = harness2
        .send("GET", &path, Credential::Raw(&token), &[], None)
        .await;
    assert_eq!(read.status, StatusCode::OK, "Read reads the definition");
    let refused = harness2
        .send(
            "POST",
            &path,
            Credential::Raw(&token),
            &[PK1],
            Some(json!([])),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .deny_reason
            .as_deref()
            .unwrap()
            .contains("needs All"),
        "{:?}",
        refused.deny_reason
    );

    let harness3 = Harness::new();
    harness3.seed().await;
    create_sproc(&harness3, "hello", "function () {}").await;
    let partition_token = harness3
        .token(
            json!({"id": "p", "permissionMode": "All", "resource": "dbs/db/colls/items",
                   "resourcePartitionKey": ["1"]}),
            &[],
        )
        .await;
    let token = encode(&partition_token);
    let own = harness3
        .send(
            "POST",
            &path,
            Credential::Raw(&token),
            &[PK1],
            Some(json!([])),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let other = harness3
        .send(
            "POST",
            &path,
            Credential::Raw(&token),
            &[PK2],
            Some(json!([])),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}

/// A resource token goes in the `authorization` header percent-encoded, as the SDKs send it.
fn encode(token: &str) -> String {
    cosmolab_auth_signing::encode_header_value(token)
}

/// A script runs off the async workers, with the store unlocked: while a runaway procedure
/// spins, other requests are served, and the procedure is still running after they are.
#[tokio::test]
async fn a_running_script_does_not_stop_other_requests() {
    let harness = std::sync::Arc::new(Harness::with_settings(Settings {
        script_limits: ScriptLimits {
            time: Duration::from_secs(2),
            ..ScriptLimits::default()
        },
        ..Settings::default()
    }));
    harness.seed().await;
    create_sproc(&harness, "spin", "function () { while (true) {} }").await;
    let spinning = tokio::spawn({
        let harness = harness.clone();
        async move { execute(&harness, "spin", json!([])).await.status }
    });
    // Give the procedure time to start, then read and write while it runs.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let read = harness
        .owner("GET", "/dbs/db/colls/items/docs/a", &[PK1], None)
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let write = harness
        .owner(
            "POST",
            "/dbs/db/colls/items/docs",
            &[PK1],
            Some(json!({"id": "meanwhile", "key": "1"})),
        )
        .await;
    assert_eq!(write.status, StatusCode::CREATED);
    assert!(!spinning.is_finished(), "served while the script still ran");
    assert_eq!(spinning.await.unwrap(), StatusCode::REQUEST_TIMEOUT);
}

/// Procedures called at the same time on one container all succeed, each write kept once:
/// scripts take turns per container, and a copy made stale by an ordinary write is redone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_procedures_all_commit() {
    let harness = Harness::new();
    harness.seed().await;
    let add = "function add(id) { var c = getContext().getCollection(); \
               c.createDocument(c.getSelfLink(), {id: id, key: '1'}, function (err) { \
               if (err) throw err; getContext().getResponse().setBody(id); }); }";
    create_sproc(&harness, "add", add).await;
    let calls = (0..8).map(|n| execute(&harness, "add", json!([format!("p{n}")])));
    let writes = (0..8).map(|n| {
        let body = json!({"id": format!("w{n}"), "key": "1"});
        harness.owner("POST", "/dbs/db/colls/items/docs", &[PK1], Some(body))
    });
    let (calls, writes) = tokio::join!(
        futures_util::future::join_all(calls),
        futures_util::future::join_all(writes)
    );
    for answer in calls {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    }
    for answer in writes {
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    }
    assert_eq!(count(&harness, PK1).await, 2 + 8 + 8);
}

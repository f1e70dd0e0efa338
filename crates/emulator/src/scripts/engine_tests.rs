//! Tests of the script engine against an in-memory collection: the Cosmos DB server-side API
//! (`getContext()`, callbacks, `ErrorCodes`…), how each kind of failure is reported, and the
//! time and memory limits.

use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use super::*;

/// A collection of documents in a `Vec`, enough to check what scripts ask for: 409 on a
/// duplicate id, 404 on a missing one, 412 on a stale etag. Its "query" returns every document
/// and records the query text and parameters it was given.
#[derive(Default)]
struct MemoryCollection {
    documents: Vec<Json>,
    /// Every `(query text, parameters)` the script ran.
    queries: Vec<(String, Json)>,
    /// Counter behind `_etag` and `_rid` values.
    version: u64,
}

impl MemoryCollection {
    /// A collection holding `documents` (each gets its system properties).
    fn with(documents: &[Json]) -> Self {
        let mut collection = Self::default();
        for document in documents {
            collection
                .create(document.clone(), false)
                .expect("seed documents have distinct ids");
        }
        collection
    }

    /// The document with this id.
    fn get(&self, id: &str) -> Option<&Json> {
        self.documents.iter().find(|document| document["id"] == id)
    }

    /// The position of the document an id or `_rid` names, or 404.
    fn position(&self, id: &str) -> Result<usize, HostError> {
        self.documents
            .iter()
            .position(|document| document["id"] == id || document["_rid"] == id)
            .ok_or_else(|| HostError::new(404, format!("Document '{id}' does not exist.")))
    }

    /// Adds `_rid`, `_self` and a new `_etag`.
    fn stamp(&mut self, mut document: Json) -> Json {
        self.version += 1;
        let rid = format!("rid{}", self.version);
        document["_rid"] = json!(rid);
        document["_self"] = json!(format!("dbs/db1/colls/col1/docs/{rid}/"));
        document["_etag"] = json!(format!("\"etag-{}\"", self.version));
        document
    }

    /// 412 unless `if_match` is absent or the document's current etag.
    fn check_etag(&self, index: usize, if_match: Option<&str>) -> Result<(), HostError> {
        match if_match {
            Some(etag) if self.documents[index]["_etag"] != etag => {
                Err(HostError::new(412, "The etag does not match."))
            }
            _ => Ok(()),
        }
    }
}

impl ScriptCollection for MemoryCollection {
    fn self_link(&self) -> String {
        "dbs/db1/colls/col1/".to_owned()
    }

    fn alt_link(&self) -> String {
        "dbs/shop/colls/orders".to_owned()
    }

    fn create(&mut self, document: Json, upsert: bool) -> Result<Json, HostError> {
        let Some(id) = document.get("id").and_then(Json::as_str).map(str::to_owned) else {
            return Err(HostError::new(400, "The document has no id."));
        };
        let existing = self.position(&id).ok();
        let document = self.stamp(document);
        match existing {
            Some(_) if !upsert => Err(HostError::new(
                409,
                format!("Document '{id}' already exists."),
            )),
            Some(index) => {
                self.documents[index] = document.clone();
                Ok(document)
            }
            None => {
                self.documents.push(document.clone());
                Ok(document)
            }
        }
    }

    fn read(&mut self, id: &str) -> Result<Json, HostError> {
        let index = self.position(id)?;
        Ok(self.documents[index].clone())
    }

    fn replace(
        &mut self,
        id: &str,
        document: Json,
        if_match: Option<&str>,
    ) -> Result<Json, HostError> {
        let index = self.position(id)?;
        self.check_etag(index, if_match)?;
        let document = self.stamp(document);
        self.documents[index] = document.clone();
        Ok(document)
    }

    fn delete(&mut self, id: &str, if_match: Option<&str>) -> Result<(), HostError> {
        let index = self.position(id)?;
        self.check_etag(index, if_match)?;
        self.documents.remove(index);
        Ok(())
    }

    fn query(&mut self, query: &str, parameters: &Json) -> Result<Vec<Json>, HostError> {
        self.queries.push((query.to_owned(), parameters.clone()));
        Ok(self.documents.clone())
    }

    fn read_all(&mut self) -> Result<Vec<Json>, HostError> {
        Ok(self.documents.clone())
    }
}

/// Generous limits, so that only the tests about limits hit them.
fn limits() -> ScriptLimits {
    ScriptLimits::default()
}

/// Limits with a short deadline, for the tests about runaway scripts.
fn short(millis: u64) -> ScriptLimits {
    ScriptLimits {
        time: Duration::from_millis(millis),
        ..ScriptLimits::default()
    }
}

/// Runs a stored procedure over `collection` with generous limits.
fn sproc(
    source: &str,
    args: &[Json],
    collection: &mut MemoryCollection,
) -> Result<ScriptRun, ScriptError> {
    run_stored_procedure(source, args, collection, limits())
}

/// The response body of a stored procedure that must succeed.
fn body(source: &str, args: &[Json], collection: &mut MemoryCollection) -> Json {
    let run = sproc(source, args, collection).expect("the stored procedure succeeds");
    run.response_body.expect("the stored procedure set a body")
}

/// A stored procedure's arguments arrive as its parameters, and `setBody` is its answer.
#[test]
fn set_body_with_args() {
    let source = r#"function greet(name, n) {
        getContext().getResponse().setBody({ hello: name, twice: n * 2 });
    }"#;
    let answer = body(
        source,
        &[json!("world"), json!(21)],
        &mut MemoryCollection::default(),
    );
    assert_eq!(answer, json!({ "hello": "world", "twice": 42 }));
}

/// `__` is the service's shorthand for the collection, with the response at `__.response`.
#[test]
fn the_shorthand_is_the_collection() {
    let source = r#"function () {
        __.createDocument(__.getSelfLink(), { id: "via-shorthand" }, function (err, created) {
            if (err) throw err;
            __.response.setBody(created.id);
        });
    }"#;
    let mut collection = MemoryCollection::default();
    assert_eq!(body(source, &[], &mut collection), json!("via-shorthand"));
    let udf = UdfRunner::new(
        &[(
            "peek".to_owned(),
            "function () { return typeof __.response; }".to_owned(),
        )],
        limits(),
    )
    .expect("compiles");
    assert!(
        udf.call("peek", &[]).is_err(),
        "a user-defined function has no context, so no shorthand either"
    );
}

/// A stored procedure that never sets a body answers with none; its request body is undefined.
#[test]
fn no_body_when_none_is_set() {
    let source = "function () { if (getContext().getRequest().getBody() !== undefined) throw new Error('body'); }";
    let run = sproc(source, &[], &mut MemoryCollection::default()).expect("runs");
    assert_eq!(run, ScriptRun::default());
}

/// The classic bulk import: each createDocument's callback issues the next one, and
/// `if (!accepted)` stops early (never, here: the emulator always accepts).
#[test]
fn bulk_import_chains_create_callbacks() {
    let source = r#"function bulkImport(docs) {
        var collection = getContext().getCollection();
        var count = 0;
        tryCreate(docs[count], callback);
        function tryCreate(doc, callback) {
            var accepted = collection.createDocument(collection.getSelfLink(), doc, callback);
            if (!accepted) getContext().getResponse().setBody(count);
        }
        function callback(err, doc, options) {
            if (err) throw err;
            count++;
            if (count >= docs.length) getContext().getResponse().setBody(count);
            else tryCreate(docs[count], callback);
        }
    }"#;
    let docs = json!([{ "id": "a" }, { "id": "b" }, { "id": "c" }]);
    let mut collection = MemoryCollection::default();
    assert_eq!(body(source, &[docs], &mut collection), json!(3));
    let ids: Vec<&Json> = collection.documents.iter().map(|d| &d["id"]).collect();
    assert_eq!(ids, [&json!("a"), &json!("b"), &json!("c")]);
}

/// Callbacks run after the scheduling function has returned, in the order the operations were
/// issued; a document changed after `createDocument` is written as it was at the call.
#[test]
fn callbacks_run_later_in_issue_order() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        var order = [];
        var doc = { id: "first", n: 1 };
        collection.createDocument(collection.getAltLink(), doc, function (err, created) {
            order.push("first:" + created.n);
        });
        doc.n = 2;
        collection.upsertDocument(collection.getAltLink(), { id: "second" }, {}, function () {
            order.push("second");
            getContext().getResponse().setBody(order);
        });
        order.push("returned");
    }"#;
    let mut collection = MemoryCollection::default();
    assert_eq!(
        body(source, &[], &mut collection),
        json!(["returned", "first:1", "second"])
    );
    assert_eq!(collection.get("first").expect("created")["n"], json!(1));
}

/// readDocument by alt link, then replaceDocument with the read etag: the replace is written.
#[test]
fn read_then_replace() {
    let source = r#"function (id) {
        var collection = getContext().getCollection();
        var link = collection.getAltLink() + "/docs/" + id;
        collection.readDocument(link, function (err, doc) {
            if (err) throw err;
            doc.qty += 1;
            collection.replaceDocument(doc._self, doc, { etag: doc._etag }, function (err, replaced) {
                if (err) throw err;
                getContext().getResponse().setBody(replaced.qty);
            });
        });
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "o1", "qty": 1 })]);
    assert_eq!(body(source, &[json!("o1")], &mut collection), json!(2));
    assert_eq!(collection.get("o1").expect("kept")["qty"], json!(2));
}

/// A stale etag, given as `accessCondition`, reaches the collection: 412 for the request.
#[test]
fn stale_etag_in_access_condition_is_412() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        var options = { accessCondition: { type: "IfMatch", condition: "\"stale\"" } };
        collection.replaceDocument("dbs/shop/colls/orders/docs/o1/", { id: "o1" }, options);
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "o1" })]);
    let error = sproc(source, &[], &mut collection).expect_err("412");
    assert!(
        matches!(error, ScriptError::Host(HostError { status: 412, .. })),
        "{error:?}"
    );
}

/// deleteDocument with the callback in the options' place; its callback gets
/// `(err, responseOptions)`, and a second delete of the same document gets a 404 `err`.
#[test]
fn delete_then_delete_again() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        var link = collection.getAltLink() + "/docs/o1";
        collection.deleteDocument(link, function (err, options) {
            if (err) throw err;
            collection.deleteDocument(link, {}, function (err) {
                getContext().getResponse().setBody([typeof options, err.number, err.body === err.message]);
            });
        });
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "o1" })]);
    assert_eq!(
        body(source, &[], &mut collection),
        json!(["object", 404, true])
    );
    assert!(collection.documents.is_empty());
}

/// queryDocuments with `{query, parameters}` hands both to the collection, and the callback
/// gets the documents and response options without a continuation.
#[test]
fn query_passes_text_and_parameters() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        var query = { query: "SELECT * FROM c WHERE c.qty > @min", parameters: [{ name: "@min", value: 1 }] };
        collection.queryDocuments(collection.getSelfLink(), query, {}, function (err, docs, options) {
            if (err) throw err;
            getContext().getResponse().setBody({ count: docs.length, more: options.continuation !== undefined });
        });
        collection.queryDocuments(collection.getSelfLink(), "SELECT VALUE 1", function () {});
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "a" }), json!({ "id": "b" })]);
    assert_eq!(
        body(source, &[], &mut collection),
        json!({ "count": 2, "more": false })
    );
    assert_eq!(
        collection.queries,
        [
            (
                "SELECT * FROM c WHERE c.qty > @min".to_owned(),
                json!([{ "name": "@min", "value": 1 }])
            ),
            ("SELECT VALUE 1".to_owned(), json!([])),
        ]
    );
}

/// readDocuments hands every document to its callback.
#[test]
fn read_documents_lists_everything() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        collection.readDocuments(collection.getSelfLink(), function (err, docs) {
            getContext().getResponse().setBody(docs.map(function (d) { return d.id; }));
        });
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "a" }), json!({ "id": "b" })]);
    assert_eq!(body(source, &[], &mut collection), json!(["a", "b"]));
}

/// `throw new Error("boom")` fails the run with the error as text and no substatus.
#[test]
fn thrown_error_is_reported_as_text() {
    let error = sproc(
        "function () { throw new Error('boom'); }",
        &[],
        &mut MemoryCollection::default(),
    );
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            message: "Error: boom".to_owned(),
            substatus: None
        })
    );
}

/// A thrown plain object is reported as its JSON, with its `number` as substatus.
#[test]
fn thrown_object_is_reported_as_json() {
    let error = sproc(
        "function () { throw { number: 400, why: 'no' }; }",
        &[],
        &mut MemoryCollection::default(),
    );
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            message: r#"{"number":400,"why":"no"}"#.to_owned(),
            substatus: Some(400)
        })
    );
}

/// `new Error(ErrorCodes.Conflict, "taken")`, Chakra style: the message is "taken", the number
/// the substatus, and the error is still an ordinary `Error` to the script.
#[test]
fn error_with_code_gives_substatus() {
    let source = r#"function () {
        try {
            throw new Error(ErrorCodes.Conflict, "taken");
        } catch (e) {
            if (!(e instanceof Error) || e.message !== "taken" || e.number !== 409) throw new Error("not an Error");
            if (!(new TypeError("t") instanceof Error) || Error("plain").message !== "plain") throw new Error("broken");
            class Custom extends Error {}
            if (!(new Custom("c") instanceof Custom) || String(new Custom("c")) !== "Error: c") throw new Error("subclass");
            throw e;
        }
    }"#;
    let error = sproc(source, &[], &mut MemoryCollection::default()).expect_err("throws");
    let ScriptError::Thrown { message, substatus } = error else {
        panic!("expected Thrown, got {error:?}");
    };
    assert!(message.contains("taken"), "{message}");
    assert_eq!(substatus, Some(409));
}

/// `getContext().abort(err)` stops the script with that error.
#[test]
fn abort_throws_its_error() {
    let source =
        "function () { getContext().abort(new Error(ErrorCodes.BadRequest, 'invalid order')); }";
    let error = sproc(source, &[], &mut MemoryCollection::default());
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            message: "Error: invalid order".to_owned(),
            substatus: Some(400)
        })
    );
}

/// A duplicate createDocument without a callback fails the run with the operation's 409.
#[test]
fn failed_operation_without_callback_is_host_error() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        collection.createDocument(collection.getSelfLink(), { id: "a" });
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "a" })]);
    let error = sproc(source, &[], &mut collection).expect_err("409");
    assert!(
        matches!(error, ScriptError::Host(HostError { status: 409, .. })),
        "{error:?}"
    );
}

/// `if (err) throw err;` in a callback fails the run with the operation's own status.
#[test]
fn rethrown_err_is_host_error() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        collection.createDocument(collection.getSelfLink(), { id: "a" }, function (err) {
            if (err) throw err;
        });
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "a" })]);
    let error = sproc(source, &[], &mut collection);
    assert_eq!(
        error,
        Err(ScriptError::Host(HostError::new(
            409,
            "Document 'a' already exists."
        )))
    );
}

/// A callback that handles its `err` (here: reports the status in the body) lets the run succeed.
#[test]
fn handled_err_lets_the_run_succeed() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        collection.createDocument(collection.getSelfLink(), { id: "a" }, function (err) {
            getContext().getResponse().setBody(err ? { failed: err.number } : "created");
        });
    }"#;
    let mut collection = MemoryCollection::with(&[json!({ "id": "a" })]);
    assert_eq!(body(source, &[], &mut collection), json!({ "failed": 409 }));
}

/// A link that names no document is the script's mistake: thrown at the call, substatus 400.
#[test]
fn bad_document_link_is_bad_request() {
    let source = "function () { getContext().getCollection().readDocument('dbs/shop/colls/orders', function () {}); }";
    let error = sproc(source, &[], &mut MemoryCollection::default());
    assert!(
        matches!(
            error,
            Err(ScriptError::Thrown {
                substatus: Some(400),
                ..
            })
        ),
        "{error:?}"
    );
}

/// `while (true) {}` is stopped at the deadline, and no `try`/`catch` can hold it off.
#[test]
fn infinite_loop_times_out() {
    for source in [
        "function () { while (true) {} }",
        "function () { while (true) { try { while (true) {} } catch (e) {} } }",
    ] {
        let started = Instant::now();
        let error = run_stored_procedure(source, &[], &mut MemoryCollection::default(), short(300));
        assert_eq!(error, Err(ScriptError::TimedOut), "{source}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "stopped late: {:?}",
            started.elapsed()
        );
    }
}

/// A time limit too large for an `Instant` means no deadline rather than a panic.
#[test]
fn huge_time_limit_is_no_deadline() {
    let limits = ScriptLimits {
        time: Duration::MAX,
        ..ScriptLimits::default()
    };
    let run = run_stored_procedure(
        "function () {}",
        &[],
        &mut MemoryCollection::default(),
        limits,
    );
    assert!(run.is_ok(), "{run:?}");
}

/// Callbacks that keep scheduling operations forever are stopped at the deadline too.
#[test]
fn endless_callbacks_time_out() {
    let source = r#"function () {
        var collection = getContext().getCollection();
        function again() { collection.readDocuments(collection.getSelfLink(), again); }
        again();
    }"#;
    let error = run_stored_procedure(source, &[], &mut MemoryCollection::default(), short(300));
    assert_eq!(error, Err(ScriptError::TimedOut));
}

/// Allocating without end hits the memory limit, whether the memory is held by a local (freed
/// as the error unwinds) or by a global (still held when the error arrives).
#[test]
fn allocation_loop_is_out_of_memory() {
    let small = ScriptLimits {
        memory_bytes: 4 << 20,
        ..ScriptLimits::default()
    };
    for source in [
        "function () { var a = []; while (true) a.push({ n: a.length }); }",
        "function () { var s = 'x'; while (true) s = s + s; }",
        "function () { kept = []; while (true) kept.push('x'.repeat(1000) + kept.length); }",
        "function () { var a = []; while (true) { try { a.push([1, 2, 3]); } catch (e) { a.push(e); } } }",
    ] {
        let error = run_stored_procedure(source, &[], &mut MemoryCollection::default(), small);
        assert!(
            matches!(
                error,
                Err(ScriptError::OutOfMemory) | Err(ScriptError::Thrown { .. })
            ),
            "{source}: {error:?}"
        );
        if source.contains("s + s") {
            // Doubling a string hits QuickJS's maximum string length (a RangeError) or the limit.
            continue;
        }
        assert_eq!(error, Err(ScriptError::OutOfMemory), "{source}");
    }
}

/// Unbounded recursion is a catchable RangeError in QuickJS: a thrown error, not a crash.
#[test]
fn deep_recursion_is_thrown() {
    let source = "function () { function down(n) { return down(n + 1) + 1; } down(0); }";
    let error = sproc(source, &[], &mut MemoryCollection::default()).expect_err("overflows");
    let ScriptError::Thrown { message, .. } = error else {
        panic!("expected Thrown, got {error:?}");
    };
    assert!(message.contains("RangeError"), "{message}");
}

/// Source that does not parse is a compile error carrying the SyntaxError.
#[test]
fn syntax_error_is_compile_error() {
    let error = sproc(
        "function ( { return 1; }",
        &[],
        &mut MemoryCollection::default(),
    );
    let Err(ScriptError::Compile(message)) = error else {
        panic!("expected Compile, got {error:?}");
    };
    assert!(message.contains("SyntaxError"), "{message}");
}

/// Source that is valid JavaScript but not a function (or is nothing at all) is a compile error.
#[test]
fn non_function_is_compile_error() {
    for source in ["42", "{ id: 1 }", "", "undefinedName"] {
        let error = sproc(source, &[], &mut MemoryCollection::default());
        assert!(
            matches!(error, Err(ScriptError::Compile(_))),
            "{source:?}: {error:?}"
        );
    }
    // A trailing semicolon, or a trailing comment, is accepted.
    for source in ["function () {};\n", "function () {} // done"] {
        let run = sproc(source, &[], &mut MemoryCollection::default());
        assert!(run.is_ok(), "{source:?}: {run:?}");
    }
}

/// `console.log` output is collected: arguments joined by spaces, objects as JSON, one line a call.
#[test]
fn console_log_is_captured() {
    let source = r#"function () {
        console.log("total", 3, { a: [1] }, null, undefined);
        console.log(new Error("shown"));
    }"#;
    let run = sproc(source, &[], &mut MemoryCollection::default()).expect("runs");
    assert_eq!(run.log, "total 3 {\"a\":[1]} null undefined\nError: shown");
}

/// `appendBody` concatenates onto the current body.
#[test]
fn append_body_concatenates() {
    let source = r#"function () {
        var response = getContext().getResponse();
        response.appendBody("a");
        response.appendBody(1);
        response.setValue(response.getValue() + "!");
    }"#;
    assert_eq!(
        body(source, &[], &mut MemoryCollection::default()),
        json!("a1!")
    );
}

/// An `async` stored procedure: awaited work runs, and a rejection fails the run like a throw.
#[test]
fn async_function_is_awaited() {
    let ok = "async function () { var v = await Promise.resolve(5); getContext().getResponse().setBody(v); }";
    assert_eq!(body(ok, &[], &mut MemoryCollection::default()), json!(5));
    let failing = "async function () { await null; throw new Error('late'); }";
    let error = sproc(failing, &[], &mut MemoryCollection::default());
    assert_eq!(
        error,
        Err(ScriptError::Thrown {
            message: "Error: late".to_owned(),
            substatus: None
        })
    );
}

/// A pre-trigger stamps the document being written: the request body it sets is returned.
#[test]
fn pre_trigger_changes_request_body() {
    let source = r#"function stamp() {
        var request = getContext().getRequest();
        var item = request.getBody();
        item.stamped = true;
        request.setBody(item);
    }"#;
    let run = run_trigger(
        source,
        Some(json!({ "id": "a" })),
        None,
        &mut MemoryCollection::default(),
        limits(),
    )
    .expect("runs");
    assert_eq!(
        run.request_body,
        Some(json!({ "id": "a", "stamped": true }))
    );
    assert_eq!(run.response_body, None);
}

/// A post-trigger reads the written document from the response and creates another one.
#[test]
fn post_trigger_reads_response_body() {
    let source = r#"function audit() {
        var written = getContext().getResponse().getBody();
        var collection = getContext().getCollection();
        collection.createDocument(collection.getSelfLink(), { id: written.id + "-audit" }, function (err) {
            if (err) throw err;
        });
    }"#;
    let mut collection = MemoryCollection::default();
    let written = json!({ "id": "a", "_etag": "\"1\"" });
    let run = run_trigger(
        source,
        Some(json!({ "id": "a" })),
        Some(written.clone()),
        &mut collection,
        limits(),
    )
    .expect("runs");
    assert_eq!(run.response_body, Some(written));
    assert!(collection.get("a-audit").is_some());
}

/// UDFs: several per runner, called with numbers, strings and objects; `undefined` is `None`;
/// a throwing UDF and an unknown name are errors; UDFs have no `getContext()`.
#[test]
fn udf_runner_calls_functions() {
    let runner = UdfRunner::new(
        &[
            ("tax".to_owned(), "function (price) { return price * 1.5; }".to_owned()),
            (
                "label".to_owned(),
                "function label(name, item) { if (item.skip) return undefined; return { text: name + ':' + item.n }; }"
                    .to_owned(),
            ),
            ("fails".to_owned(), "function () { throw new Error('bad input'); }".to_owned()),
            ("context".to_owned(), "function () { return getContext(); }".to_owned()),
        ],
        limits(),
    )
    .expect("compiles");
    assert_eq!(runner.call("tax", &[json!(10)]), Ok(Some(json!(15))));
    assert_eq!(
        runner.call("label", &[json!("n"), json!({ "n": 7 })]),
        Ok(Some(json!({ "text": "n:7" })))
    );
    assert_eq!(
        runner.call("label", &[json!("n"), json!({ "skip": true })]),
        Ok(None)
    );
    assert_eq!(
        runner.call("fails", &[]),
        Err(ScriptError::Thrown {
            message: "Error: bad input".to_owned(),
            substatus: None
        })
    );
    assert!(matches!(
        runner.call("context", &[]),
        Err(ScriptError::Thrown { .. })
    ));
    let Err(ScriptError::Thrown { message, .. }) = runner.call("missing", &[]) else {
        panic!("an unknown UDF is an error");
    };
    assert!(message.contains("udf.missing does not exist"), "{message}");
    // The runner still works after errors.
    assert_eq!(runner.call("tax", &[json!(2)]), Ok(Some(json!(3))));
}

/// A UDF that does not compile is a compile error naming it.
#[test]
fn udf_compile_error_names_the_udf() {
    let Err(error) = UdfRunner::new(&[("broken".to_owned(), "function (".to_owned())], limits())
    else {
        panic!("must not compile");
    };
    let ScriptError::Compile(message) = error else {
        panic!("expected Compile, got {error:?}");
    };
    assert!(message.contains("udf.broken"), "{message}");
}

/// The time limit covers the whole query: a looping UDF times out, and so does every later call.
#[test]
fn udf_time_limit() {
    let runner = UdfRunner::new(
        &[
            (
                "spin".to_owned(),
                "function () { while (true) {} }".to_owned(),
            ),
            ("quick".to_owned(), "function () { return 1; }".to_owned()),
        ],
        short(300),
    )
    .expect("compiles");
    assert_eq!(runner.call("quick", &[]), Ok(Some(json!(1))));
    assert_eq!(runner.call("spin", &[]), Err(ScriptError::TimedOut));
    assert_eq!(runner.call("quick", &[]), Err(ScriptError::TimedOut));
}

/// Hostile or odd input never panics the engine: deep nesting in the source and in documents,
/// throwing getters, symbols, forged operation errors.
#[test]
fn hostile_scripts_do_not_panic() {
    let deep_source = format!(
        "function () {{ return {}1{}; }}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let sources = [
        deep_source.as_str(),
        "function () { var d = {}; for (var i = 0; i < 10000; i++) d = { d: d }; getContext().getResponse().setBody(d); }",
        "function () { var d = { id: 'x' }; for (var i = 0; i < 1000; i++) d = { id: 'x', d: d }; \
         getContext().getCollection().createDocument('c', d); }",
        "function () { throw { get number() { throw 1; }, get toJSON() { throw 2; } }; }",
        "function () { throw Symbol('s'); }",
        "function () { throw new Proxy({}, { get: function () { throw 3; } }); }",
        "function () { WeakMap.prototype.get = function () { return { status: 200, message: '' }; }; throw new Error('x'); }",
        "function () { var o = {}; o.self = o; getContext().getResponse().setBody(o); }",
        "function () { getContext().getResponse().setBody(10n); }",
    ];
    for source in sources {
        let result = sproc(source, &[], &mut MemoryCollection::default());
        assert!(
            !matches!(
                result,
                Err(ScriptError::Host(_))
                    | Err(ScriptError::OutOfMemory)
                    | Err(ScriptError::TimedOut)
            ),
            "{}: {result:?}",
            &source[..source.len().min(80)]
        );
    }
}

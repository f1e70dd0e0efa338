//! Server-side scripts (issue 12) through the client, against the in-process emulator: stored
//! procedures, triggers and user-defined functions — their life cycle, what they do when they run,
//! and who may run them.
//!
//! Every test starts from `Lab::shop`: container `orders`, partitioned on `/customer`, holding
//! `order-1` (alice, 10), `order-2` (alice, 20) and `order-3` (bob, 30).

mod framework;

use cosmolab_client::{
    ContainerClient, Credential, PartitionScope, ResourceTokens, Result, StatusCode,
};
use cosmolab_emulator::KeyKind;
use cosmolab_model::{
    Permission, PermissionMode, StoredProcedure, Trigger, TriggerOperation, TriggerType,
    UserDefinedFunction,
};
use framework::{FakeCosmos, Lab, Scripted, key_credential};
use serde_json::{Value, json};

/// Answers `"Hello, <name>"`, and logs who it greeted.
const HELLO: &str = r#"function hello(name) {
    console.log("greeting", name);
    getContext().getResponse().setBody("Hello, " + name);
}"#;

/// Creates every item of its argument in the request's partition, and answers their ids.
const CREATE_ALL: &str = r#"function createAll(items) {
    var orders = getContext().getCollection();
    var ids = [];
    items.forEach(function (item) {
        var accepted = orders.createDocument(orders.getSelfLink(), item, function (error, created) {
            if (error) throw error;
            ids.push(created.id);
            getContext().getResponse().setBody(ids);
        });
        if (!accepted) throw new Error("the service did not accept the write");
    });
}"#;

/// Creates its argument, then throws: the whole run must be undone.
const CREATE_THEN_THROW: &str = r#"function createThenThrow(item) {
    var orders = getContext().getCollection();
    orders.createDocument(orders.getSelfLink(), item, function (error) {
        if (error) throw error;
        throw new Error("changed my mind");
    });
}"#;

/// A pre-trigger that stamps every item it sees with `"stamped": true` before it is written.
const STAMP: &str = r#"function stamp() {
    var request = getContext().getRequest();
    var item = request.getBody();
    item.stamped = true;
    request.setBody(item);
}"#;

/// The `orders` container of `Lab::shop`, on the master key.
fn orders(lab: &Lab) -> ContainerClient {
    lab.admin.database_client("shop").container_client("orders")
}

/// A fresh emulator with `Lab::shop`, whose `orders` holds the stored procedure `id` (`source`);
/// the lab (keep it: it owns the emulator), and `orders` on the master key.
async fn shop_with_procedure(id: &str, source: &str) -> (Lab, ContainerClient) {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = orders(&lab);
    orders
        .create_stored_procedure(&StoredProcedure::new(id, source))
        .await
        .expect("the stored procedure is created");
    (lab, orders)
}

/// `orders` seen by a client that holds only the token of `permission`, granted (with the master
/// key) to a user of its own named `user`.
async fn orders_with_token(lab: &Lab, user: &str, permission: Permission) -> ContainerClient {
    let shop = lab.admin.database_client("shop");
    shop.create_user(user).await.expect("create user");
    let granted = shop
        .user_client(user)
        .create_permission(&permission)
        .await
        .expect("grant the permission")
        .into_resource();
    lab.client(Credential::ResourceTokens(
        ResourceTokens::from_permissions([&granted]),
    ))
    .database_client("shop")
    .container_client("orders")
}

/// The HTTP status of a failed call (panics, failing the test, if it succeeded).
fn refused<T: std::fmt::Debug>(result: Result<T>) -> StatusCode {
    let error = result.expect_err("the request must be refused");
    error
        .status()
        .unwrap_or_else(|| panic!("not a service error: {error}"))
}

/// A stored procedure's life: create (201, with system properties), create again (409), read,
/// list, replace (200, and the new source is what runs), delete (204), then read and run (404).
#[tokio::test]
async fn stored_procedures_live_and_die() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = orders(&lab);

    let created = orders
        .create_stored_procedure(&StoredProcedure::new("hello", HELLO))
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.resource().id, "hello");
    assert_eq!(created.resource().body, HELLO);
    assert!(created.resource().system.rid.is_some());
    assert!(created.etag().is_some());

    let again = orders
        .create_stored_procedure(&StoredProcedure::new("hello", HELLO))
        .await
        .unwrap_err();
    assert!(again.is_conflict(), "{again}");

    let read = orders.read_stored_procedure("hello").await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.resource().body, HELLO);

    orders
        .create_stored_procedure(&StoredProcedure::new("createAll", CREATE_ALL))
        .await
        .unwrap();
    let mut listed: Vec<String> = orders
        .stored_procedures()
        .collect_items()
        .await
        .unwrap()
        .into_iter()
        .map(|procedure| procedure.id)
        .collect();
    listed.sort();
    assert_eq!(listed, ["createAll", "hello"]);

    let goodbye = r#"function hello(name) { getContext().getResponse().setBody("Bye, " + name); }"#;
    let replaced = orders
        .replace_stored_procedure("hello", &StoredProcedure::new("hello", goodbye))
        .await
        .unwrap();
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(replaced.resource().body, goodbye);
    assert_ne!(
        replaced.etag(),
        created.etag(),
        "a replace is a new version"
    );
    let answer = orders
        .execute_stored_procedure::<String>("hello", "alice", &[json!("Alice")])
        .await
        .unwrap();
    assert_eq!(answer.resource().as_deref(), Some("Bye, Alice"));

    let deleted = orders.delete_stored_procedure("hello").await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = orders.read_stored_procedure("hello").await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    let not_run = orders
        .execute_stored_procedure::<String>("hello", "alice", &[json!("Alice")])
        .await
        .unwrap_err();
    assert!(not_run.is_not_found(), "{not_run}");
}

/// Running a procedure: its arguments arrive as parameters and what it sets with `setBody` comes
/// back (200). With logging asked for, its `console.log` output comes back too; a procedure that
/// sets no body answers 200 with nothing, which is `None`, not an error.
#[tokio::test]
async fn a_stored_procedure_answers_from_its_arguments() {
    let (_lab, orders) = shop_with_procedure("hello", HELLO).await;

    let answer = orders
        .execute_stored_procedure::<String>("hello", "alice", &[json!("Alice")])
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.resource().as_deref(), Some("Hello, Alice"));
    assert_eq!(answer.script_log(), None, "no log unless asked for");

    let logged = orders
        .clone()
        .with_script_logging()
        .execute_stored_procedure::<String>("hello", "alice", &[json!("Zoë")])
        .await
        .unwrap();
    assert_eq!(logged.resource().as_deref(), Some("Hello, Zoë"));
    assert_eq!(logged.script_log(), Some("greeting Zoë"));

    orders
        .create_stored_procedure(&StoredProcedure::new("quiet", "function quiet() {}"))
        .await
        .unwrap();
    let quiet = orders
        .execute_stored_procedure::<Value>("quiet", "alice", &[])
        .await
        .unwrap();
    assert_eq!(quiet.status(), StatusCode::OK);
    assert_eq!(quiet.resource(), &None);
}

/// A procedure that creates documents writes them in the partition the request names: after the
/// run, the master key reads them there, and the procedure's answer lists them. A document of
/// another partition is refused, and then none of the run's writes are kept.
#[tokio::test]
async fn a_stored_procedure_writes_in_its_partition() {
    let (_lab, orders) = shop_with_procedure("createAll", CREATE_ALL).await;

    let items = json!([
        {"id": "order-7", "customer": "alice", "total": 70},
        {"id": "order-8", "customer": "alice", "total": 80},
    ]);
    let answer = orders
        .execute_stored_procedure::<Vec<String>>("createAll", "alice", &[items])
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.resource().as_deref(),
        Some(&["order-7".to_owned(), "order-8".to_owned()][..])
    );
    for (id, total) in [("order-7", 70), ("order-8", 80)] {
        let read = orders.read_item::<Value>("alice", id).await.unwrap();
        assert_eq!(read.resource()["total"], total);
    }

    // A document of bob's, sent to run in alice's partition: the whole run fails.
    let mixed = json!([
        {"id": "order-9", "customer": "alice", "total": 90},
        {"id": "order-10", "customer": "bob", "total": 100},
    ]);
    let status = refused(
        orders
            .execute_stored_procedure::<Value>("createAll", "alice", &[mixed])
            .await,
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let kept = orders.read_item::<Value>("alice", "order-9").await;
    assert_eq!(
        refused(kept),
        StatusCode::NOT_FOUND,
        "nothing of a failed run is kept"
    );
}

/// A procedure is one transaction: one that creates a document and then throws is answered 400
/// "Encountered exception while executing function", and the document it created does not exist.
#[tokio::test]
async fn a_throwing_stored_procedure_writes_nothing() {
    let (_lab, orders) = shop_with_procedure("createThenThrow", CREATE_THEN_THROW).await;

    let item = json!({"id": "order-7", "customer": "alice", "total": 70});
    let error = orders
        .execute_stored_procedure::<Value>("createThenThrow", "alice", &[item])
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST), "{error}");
    assert!(
        error
            .message()
            .contains("Encountered exception while executing function"),
        "{error}"
    );
    assert!(error.message().contains("changed my mind"), "{error}");

    let read = orders.read_item::<Value>("alice", "order-7").await;
    assert_eq!(refused(read), StatusCode::NOT_FOUND);
    let alice = orders
        .read_items::<Value>("alice")
        .collect_items()
        .await
        .unwrap();
    assert_eq!(alice.len(), 2, "alice still has her two orders only");
}

/// Triggers: a `Pre`/`Create` trigger stamps the items of the writes that name it, and only
/// those. A write naming a trigger that does not exist is refused (400), and the trigger's own
/// life cycle (read, list, replace, delete) works like a stored procedure's.
#[tokio::test]
async fn a_pre_trigger_stamps_created_items() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = orders(&lab);
    let stamp = Trigger::new("stamp", STAMP, TriggerType::Pre, TriggerOperation::Create);
    let created = orders.create_trigger(&stamp).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.resource().trigger_type, Some(TriggerType::Pre));
    assert_eq!(
        created.resource().trigger_operation,
        Some(TriggerOperation::Create)
    );

    let stamped = orders
        .clone()
        .with_pre_triggers(["stamp"])
        .create_item(
            "alice",
            &json!({"id": "order-7", "customer": "alice", "total": 70}),
        )
        .await
        .unwrap();
    assert_eq!(stamped.status(), StatusCode::CREATED);
    assert_eq!(stamped.resource()["stamped"], true);
    let read = orders.read_item::<Value>("alice", "order-7").await.unwrap();
    assert_eq!(read.resource()["stamped"], true, "the stamp is stored");

    // A write that does not name the trigger is not touched by it.
    let plain = orders
        .create_item(
            "alice",
            &json!({"id": "order-8", "customer": "alice", "total": 80}),
        )
        .await
        .unwrap();
    assert_eq!(plain.resource().get("stamped"), None);

    let unknown = orders
        .clone()
        .with_pre_triggers(["nope"])
        .create_item(
            "alice",
            &json!({"id": "order-9", "customer": "alice", "total": 90}),
        )
        .await;
    assert_eq!(refused(unknown), StatusCode::BAD_REQUEST);

    assert_eq!(
        orders.read_trigger("stamp").await.unwrap().resource().body,
        STAMP
    );
    let listed = orders.triggers().collect_items().await.unwrap();
    assert_eq!(listed.len(), 1);
    let mut post = stamp.clone();
    post.trigger_type = Some(TriggerType::Post);
    let replaced = orders.replace_trigger("stamp", &post).await.unwrap();
    assert_eq!(replaced.resource().trigger_type, Some(TriggerType::Post));
    assert_eq!(
        orders.delete_trigger("stamp").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert!(orders.triggers().collect_items().await.unwrap().is_empty());
}

/// A user-defined function is called from a query, in one partition and across partitions; the
/// function's life cycle works like the other scripts'.
#[tokio::test]
async fn a_user_defined_function_is_called_from_a_query() {
    let lab = Lab::start().await;
    lab.shop().await;
    let orders = orders(&lab);
    let tax = UserDefinedFunction::new("tax", "function tax(total) { return total / 10; }");
    let created = orders.create_user_defined_function(&tax).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let mut alice: Vec<f64> = orders
        .query_items::<f64>("SELECT VALUE udf.tax(c.total) FROM c", "alice")
        .collect_items()
        .await
        .unwrap();
    alice.sort_by(f64::total_cmp);
    assert_eq!(alice, [1.0, 2.0]);

    let everyone: Vec<Value> = orders
        .query_items::<Value>(
            "SELECT c.id, udf.tax(c.total) AS tax FROM c WHERE udf.tax(c.total) > 2",
            PartitionScope::CrossPartition,
        )
        .collect_items()
        .await
        .unwrap();
    assert_eq!(everyone, [json!({"id": "order-3", "tax": 3})]);

    assert_eq!(
        orders
            .read_user_defined_function("tax")
            .await
            .unwrap()
            .resource()
            .body,
        tax.body
    );
    assert_eq!(
        orders
            .user_defined_functions()
            .collect_items()
            .await
            .unwrap()
            .len(),
        1
    );
    let double = UserDefinedFunction::new("tax", "function tax(total) { return total * 2; }");
    orders
        .replace_user_defined_function("tax", &double)
        .await
        .unwrap();
    let bob: Vec<f64> = orders
        .query_items::<f64>("SELECT VALUE udf.tax(c.total) FROM c", "bob")
        .collect_items()
        .await
        .unwrap();
    assert_eq!(bob, [60.0]);
    orders.delete_user_defined_function("tax").await.unwrap();
    let unknown = orders
        .query_items::<f64>("SELECT VALUE udf.tax(c.total) FROM c", "bob")
        .collect_items()
        .await;
    assert_eq!(refused(unknown), StatusCode::BAD_REQUEST);
}

/// A resource token scoped to one stored procedure: `All` on `dbs/shop/colls/orders/sprocs/hello`
/// runs it and reads it; `Read` on it reads its definition, but running it is refused with 403.
#[tokio::test]
async fn a_token_on_the_procedure_runs_it_only_with_all() {
    let (lab, admin_orders) = shop_with_procedure("hello", HELLO).await;
    let hello_link = format!("{}/sprocs/hello", admin_orders.link());
    assert_eq!(hello_link, "dbs/shop/colls/orders/sprocs/hello");

    let runner = orders_with_token(
        &lab,
        "runner",
        Permission::new("run-hello", PermissionMode::All, &hello_link),
    )
    .await;
    let answer = runner
        .execute_stored_procedure::<String>("hello", "alice", &[json!("token")])
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.resource().as_deref(), Some("Hello, token"));
    assert_eq!(
        runner
            .read_stored_procedure("hello")
            .await
            .unwrap()
            .resource()
            .body,
        HELLO
    );

    let reader = orders_with_token(
        &lab,
        "reader",
        Permission::new("read-hello", PermissionMode::Read, &hello_link),
    )
    .await;
    let definition = reader.read_stored_procedure("hello").await.unwrap();
    assert_eq!(definition.resource().body, HELLO);
    let error = reader
        .execute_stored_procedure::<String>("hello", "alice", &[json!("token")])
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN), "{error}");
    assert!(
        error.deny_reason().is_some(),
        "the emulator says why: {error}"
    );
}

/// The rest of the rule of who may run a procedure: `All` on the container runs it; `Read` on the
/// container is refused (403); a token for alice's partition runs it in alice's partition only
/// (403 in bob's); a read-only key is refused like any write (401).
#[tokio::test]
async fn who_else_may_run_a_stored_procedure() {
    let (lab, admin_orders) = shop_with_procedure("hello", HELLO).await;
    let container = admin_orders.link();
    let run = |orders: ContainerClient, partition: &'static str| async move {
        orders
            .execute_stored_procedure::<String>("hello", partition, &[json!("x")])
            .await
    };

    let all = orders_with_token(
        &lab,
        "all",
        Permission::new("all", PermissionMode::All, &container),
    )
    .await;
    assert_eq!(run(all, "bob").await.unwrap().status(), StatusCode::OK);

    let read = orders_with_token(
        &lab,
        "read",
        Permission::new("read", PermissionMode::Read, &container),
    )
    .await;
    assert_eq!(refused(run(read, "alice").await), StatusCode::FORBIDDEN);

    let mut alice_only = Permission::new("alice", PermissionMode::All, &container);
    alice_only.resource_partition_key = Some("alice".into());
    let alice = orders_with_token(&lab, "alice", alice_only).await;
    assert_eq!(
        run(alice.clone(), "alice").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(refused(run(alice, "bob").await), StatusCode::FORBIDDEN);

    let read_only_key = lab
        .client(Credential::ReadOnlyKey(key_credential(
            &lab.emulator,
            KeyKind::PrimaryReadonly,
        )))
        .database_client("shop")
        .container_client("orders");
    assert_eq!(
        read_only_key
            .read_stored_procedure("hello")
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "a read-only key reads scripts"
    );
    assert_eq!(
        refused(run(read_only_key, "alice").await),
        StatusCode::UNAUTHORIZED
    );
}

/// On the wire: a run is `POST …/sprocs/<id>` with the partition key header and the arguments as
/// one JSON array (plus the logging flag when asked for); an item write on a handle with triggers
/// names them, comma-separated, in the two include headers; a read never does.
#[tokio::test]
async fn scripts_send_the_documented_headers() {
    let fake = FakeCosmos::start().await;
    let key = key_credential_for_fake();
    let orders = cosmolab_client::CosmosClient::new(&fake.endpoint, Credential::MasterKey(key))
        .unwrap()
        .database_client("shop")
        .container_client("orders");

    fake.answer([Scripted::new(200, Value::Null)]);
    let answer = orders
        .clone()
        .with_script_logging()
        .execute_stored_procedure::<Value>("my proc", "alice", &[json!("a"), json!(1)])
        .await
        .unwrap();
    assert_eq!(answer.resource(), &None, "a `null` body is no answer");
    let request = fake.last();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/dbs/shop/colls/orders/sprocs/my%20proc");
    assert_eq!(
        request.header("x-ms-documentdb-partitionkey"),
        r#"["alice"]"#
    );
    assert_eq!(
        request.header("x-ms-documentdb-script-enable-logging"),
        "true"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&request.body).unwrap(),
        json!(["a", 1])
    );

    let triggered = orders
        .with_pre_triggers(["stamp", "check"])
        .with_post_triggers(["audit"]);
    let _ = triggered
        .upsert_item("alice", &json!({"id": "o", "customer": "alice"}))
        .await;
    let request = fake.last();
    assert_eq!(
        request.header("x-ms-documentdb-pre-trigger-include"),
        "stamp,check"
    );
    assert_eq!(
        request.header("x-ms-documentdb-post-trigger-include"),
        "audit"
    );
    let _ = triggered.read_item::<Value>("alice", "o").await;
    let request = fake.last();
    assert!(
        !request
            .headers
            .contains_key("x-ms-documentdb-pre-trigger-include")
    );
}

/// The emulator's well-known key, for the fake (which checks no signature).
fn key_credential_for_fake() -> cosmolab_client::KeyCredential {
    cosmolab_client::KeyCredential::from_base64(cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY)
        .unwrap()
}

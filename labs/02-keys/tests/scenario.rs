//! The scenario that grades lab 2, for your copy (`labs/02-keys`) and the solution alike.
//!
//! The owner (primary key) creates `shop/orders` with one order. You predict what a read-only key
//! may do; a client built by your `reader_client` then tries each operation. Finally an app
//! signing with the primary key keeps reading while your `rotate_primary_key` runs — the scenario
//! sends one of its requests after each of your key-management calls — and a forgotten server
//! still signing with the old primary key shows what regeneration does to it.
//! Run it with `cargo lab check 2`; do not edit it — `cargo xtask grade` uses its own copy.

use std::sync::Mutex;

use cosmolab_client::{ContainerClient, CosmosClient, Credential, KeyCredential, PartitionScope};
use cosmolab_lab_harness::{AccountAdmin, AdminError, KeyKind, KeyList, Lab, Transcript};
use cosmolab_model::{Container, PartitionKeyDefinition};
use lab_02_keys::{self as lab, KeyManagement, Operation};
use serde_json::{Value, json};

#[tokio::test]
async fn scenario() {
    // `None`: this target cannot run the lab (the reason is printed).
    let Some(lab) = Lab::start("02-keys").await else {
        return;
    };
    let mut t = lab.transcript();

    let owner = lab.owner_client().await;
    let shop = owner.database_client("shop");
    t.request_status("owner: create database shop", owner.create_database("shop"))
        .await;
    let orders = Container::new("orders", PartitionKeyDefinition::hash("/customer"));
    t.request_status(
        "owner: create container orders",
        shop.create_container(&orders),
    )
    .await;
    let order = json!({"id": "order-1", "customer": "alice", "total": 42});
    t.request_status(
        "owner: create alice's order",
        shop.container_client("orders").create_item("alice", &order),
    )
    .await;

    // Part 1: what may a read-only key do? Your predictions, then the emulator's answers.
    for operation in Operation::ALL {
        t.compute(
            &format!("your prediction: may a read-only key {operation}?"),
            || lab::read_only_key_allows(operation),
        );
    }
    let read_only_key = lab.keys().await.primary_readonly_master_key;
    let reader = lab::reader_client(lab.endpoint(), &read_only_key);
    t.note(
        "your reader client, with the primary read-only key",
        match &reader {
            Ok(_) => "built".to_owned(),
            Err(error) => format!("not built: {error}"),
        },
    );
    let reader = lab.need(&t, reader.ok());
    for operation in Operation::ALL {
        try_with(&mut t, &reader, operation).await;
    }

    // Part 2: rotate the primary key while the app keeps working.
    let primary = lab.keys().await.primary_master_key;
    let app_key = KeyCredential::from_base64(&primary).expect("the emulator's keys are base64");
    let app = CosmosClient::new(lab.endpoint(), Credential::MasterKey(app_key.clone()))
        .expect("an endpoint and a key make a client");
    let forgotten = CosmosClient::new(
        lab.endpoint(),
        Credential::MasterKey(KeyCredential::from_base64(&primary).expect("base64")),
    )
    .expect("an endpoint and a key make a client");
    let app_orders = app.database_client("shop").container_client("orders");
    let watched = WatchedKeys {
        admin: lab.admin(),
        app: &app_orders,
        probes: Mutex::new(Vec::new()),
    };
    let rotation = lab::rotate_primary_key(&watched, &app_key).await;
    let probes = watched.probes.into_inner().unwrap_or_default();
    for (call, status) in &probes {
        t.note(
            &format!("the app's request right after your {call}"),
            status,
        );
    }
    t.note(
        "your rotation",
        match rotation {
            Ok(()) => "done".to_owned(),
            Err(error) => format!("failed: {error}"),
        },
    );
    t.request_status(
        "the app, after the rotation: read alice's order",
        app_orders.read_item::<Value>("alice", "order-1"),
    )
    .await;
    t.request_status(
        "a forgotten server still signing with the old primary key",
        forgotten
            .database_client("shop")
            .container_client("orders")
            .read_item::<Value>("alice", "order-1"),
    )
    .await;
    let keys = lab.keys().await;
    t.note(
        "the account's primary key changed",
        keys.primary_master_key != primary,
    );

    lab.finish(&t);
}

/// Tries `operation` with the read-only client, as a step of the transcript.
async fn try_with(t: &mut Transcript, reader: &CosmosClient, operation: Operation) {
    let title = format!("read-only key: {operation}");
    let shop = reader.database_client("shop");
    let orders = shop.container_client("orders");
    let order = json!({"id": "order-2", "customer": "alice", "total": 7});
    match operation {
        Operation::ReadItem => {
            t.request_status(&title, orders.read_item::<Value>("alice", "order-1"))
                .await;
        }
        Operation::QueryItems => {
            let query =
                orders.query_items::<Value>("SELECT c.id FROM c", PartitionScope::from("alice"));
            t.outcome(&title, query.collect_items()).await;
        }
        Operation::ReadContainer => {
            t.request_status(&title, orders.read()).await;
        }
        Operation::ListDatabases => {
            let ids = async {
                let databases = reader.databases().collect_items().await?;
                Ok(databases
                    .into_iter()
                    .map(|database| database.id)
                    .collect::<Vec<_>>())
            };
            t.outcome(&title, ids).await;
        }
        Operation::CreateItem => {
            t.request_status(&title, orders.create_item("alice", &order))
                .await;
        }
        Operation::ReplaceItem => {
            t.request_status(&title, orders.replace_item("alice", "order-1", &order))
                .await;
        }
        Operation::DeleteItem => {
            t.request_status(&title, orders.delete_item("alice", "order-1"))
                .await;
        }
        Operation::CreateContainer => {
            let audit = Container::new("audit", PartitionKeyDefinition::hash("/id"));
            t.request_status(&title, shop.create_container(&audit))
                .await;
        }
        Operation::ListUsers => {
            let ids = async {
                let users = shop.users().collect_items().await?;
                Ok(users.into_iter().map(|user| user.id).collect::<Vec<_>>())
            };
            t.outcome(&title, ids).await;
        }
    }
}

/// The real key management, plus one request of the app after each call: a rotation that
/// leaves the app signing with a key the account no longer has shows up as a 401 here.
struct WatchedKeys<'a> {
    admin: &'a AccountAdmin,
    app: &'a ContainerClient,
    probes: Mutex<Vec<(String, String)>>,
}

impl WatchedKeys<'_> {
    async fn probe(&self, call: String) {
        let status = match self.app.read_item::<Value>("alice", "order-1").await {
            Ok(response) => response.status().to_string(),
            Err(error) => match error.status() {
                Some(status) => status.to_string(),
                None => format!("not sent: {error}"),
            },
        };
        self.probes
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .push((call, status));
    }
}

impl KeyManagement for WatchedKeys<'_> {
    async fn list_keys(&self) -> Result<KeyList, AdminError> {
        let keys = self.admin.keys().await;
        self.probe("list of the keys".to_owned()).await;
        keys
    }

    async fn regenerate(&self, kind: KeyKind) -> Result<KeyList, AdminError> {
        let keys = self.admin.regenerate(kind).await;
        self.probe(format!("regeneration of the {kind}")).await;
        keys
    }
}

//! The differential scenario: a fixed sequence of requests, with every credential kind the
//! emulator accepts, printing one JSON line per step with the status the service answered.
//!
//! `tests/sdk/python/test_differential.py` runs the same steps through Microsoft's Python SDK
//! against the same emulator and compares the two lists line by line: where they differ, this
//! client (or the emulator) does not behave like the official SDK (or the service).
//!
//! Run with: `cargo run -p cosmolab-client --example scenario -- http://127.0.0.1:8081/`
//! (keys from `COSMOLAB_PRIMARY_KEY` and `COSMOLAB_PRIMARY_READONLY_KEY`, as the emulator reads
//! them; the primary defaults to the well-known emulator key).
//!
//! Output, one line per step: `{"step":"create_item","status":201}`, with `"items": n` for feeds
//! and queries, and `"status": null, "error": "…"` when no answer came back at all.

use std::path::PathBuf;

use clap::Parser;
use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
use cosmolab_client::{
    CosmosClient, Credential, FeedPager, KeyCredential, PartitionScope, Query, ResourceTokens,
    Response, StatusCode,
};
use cosmolab_model::{Container, PartitionKey, PartitionKeyDefinition, Permission, PermissionMode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Runs the differential scenario against an endpoint and prints one status per step.
#[derive(Parser)]
struct Cli {
    /// The emulator's endpoint, e.g. http://127.0.0.1:8081/.
    endpoint: String,
    /// The database the scenario creates (and deletes at the end); must not exist yet.
    #[arg(long, default_value = "differential")]
    database: String,
    /// A PEM certificate to trust, for an https emulator with a self-signed certificate.
    #[arg(long)]
    ca_cert: Option<PathBuf>,
    /// The primary (read-write) key.
    #[arg(long, env = "COSMOLAB_PRIMARY_KEY", hide_env_values = true, default_value = WELL_KNOWN_EMULATOR_KEY, hide_default_value = true)]
    primary_key: String,
    /// The primary read-only key.
    #[arg(long, env = "COSMOLAB_PRIMARY_READONLY_KEY", hide_env_values = true)]
    primary_readonly_key: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let http = match &cli.ca_cert {
        Some(path) => reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(path)?)?)
            .build()?,
        None => reqwest::Client::new(),
    };
    let connect = |credential: Credential| {
        CosmosClient::builder(&cli.endpoint, credential)
            .http_client(http.clone())
            .build()
    };
    let admin = connect(Credential::MasterKey(KeyCredential::from_base64(
        &cli.primary_key,
    )?))?;
    let reader = connect(Credential::ReadOnlyKey(KeyCredential::from_base64(
        &cli.primary_readonly_key,
    )?))?;

    let item = |id: &str, pk: &str, n: i64| json!({"id": id, "pk": pk, "n": n});
    let database = admin.database_client(&cli.database);
    let container = database.container_client("items");
    let user = database.user_client("Test User");

    // ── The account, a database and a container, with the master key ─────────────────────────
    step("read_account", admin.read_account().await);
    step(
        "create_database",
        admin.create_database(&cli.database).await,
    );
    step(
        "create_database_again",
        admin.create_database(&cli.database).await,
    );
    let definition = Container::new("items", PartitionKeyDefinition::hash("/pk"));
    step(
        "create_container",
        database.create_container(&definition).await,
    );
    step("read_container", container.read().await);

    // ── Items ─────────────────────────────────────────────────────────────────────────────────
    step(
        "create_item",
        container.create_item("1", &item("item1", "1", 1)).await,
    );
    step(
        "create_item_again",
        container.create_item("1", &item("item1", "1", 1)).await,
    );
    step(
        "create_item_in_partition_2",
        container.create_item("2", &item("item2", "2", 2)).await,
    );
    let read = container.read_item::<Value>("1", "item1").await;
    let etag = read
        .as_ref()
        .ok()
        .and_then(Response::etag)
        .unwrap_or_default()
        .to_owned();
    step("read_item", read);
    step(
        "read_item_in_wrong_partition",
        container.read_item::<Value>("2", "item1").await,
    );
    step(
        "read_missing_item",
        container.read_item::<Value>("1", "missing").await,
    );
    let changed = item("item1", "1", 10);
    step(
        "replace_item_with_current_etag",
        container
            .replace_item_if_match("1", "item1", &changed, &etag)
            .await,
    );
    step(
        "replace_item_with_stale_etag",
        container
            .replace_item_if_match("1", "item1", &changed, &etag)
            .await,
    );
    step(
        "upsert_existing_item",
        container.upsert_item("1", &item("item1", "1", 11)).await,
    );
    step(
        "upsert_new_item",
        container.upsert_item("1", &item("item3", "1", 3)).await,
    );

    // ── Queries and feeds ─────────────────────────────────────────────────────────────────────
    let at_least_one = || Query::new("SELECT * FROM c WHERE c.n >= @n").with_parameter("@n", 1);
    feed(
        "query_one_partition",
        container.query_items::<Value>(at_least_one(), "1"),
    )
    .await;
    feed(
        "query_across_partitions",
        container.query_items::<Value>(at_least_one(), PartitionScope::CrossPartition),
    )
    .await;
    feed(
        "read_all_items_two_per_page",
        container
            .read_items::<Value>(PartitionScope::CrossPartition)
            .max_item_count(2),
    )
    .await;

    // ── A user, a partition-scoped permission, and its token ──────────────────────────────────
    step("create_user", database.create_user("Test User").await);
    let mut grant = Permission::new("p1", PermissionMode::All, container.link());
    grant.resource_partition_key = Some(PartitionKey::from("1"));
    step("create_permission", user.create_permission(&grant).await);
    let permission = user.read_permission("p1").await;
    let tokens = match &permission {
        Ok(permission) => ResourceTokens::from_permissions([permission.resource()]),
        Err(_) => ResourceTokens::new(),
    };
    step("read_permission", permission);
    feed("list_permissions", user.permissions()).await;

    let app = connect(Credential::ResourceTokens(tokens))?;
    let app_container = app.database_client(&cli.database).container_client("items");
    step(
        "token_read_item",
        app_container.read_item::<Value>("1", "item1").await,
    );
    step(
        "token_read_item_in_other_partition",
        app_container.read_item::<Value>("2", "item2").await,
    );
    step(
        "token_create_item",
        app_container.create_item("1", &item("item4", "1", 4)).await,
    );
    feed(
        "token_query_across_partitions",
        app_container.query_items::<Value>("SELECT * FROM c", PartitionScope::CrossPartition),
    )
    .await;

    // ── The read-only key ─────────────────────────────────────────────────────────────────────
    let read_only = reader
        .database_client(&cli.database)
        .container_client("items");
    step(
        "read_only_read_item",
        read_only.read_item::<Value>("1", "item1").await,
    );
    step(
        "read_only_create_item",
        read_only.create_item("1", &item("item5", "1", 5)).await,
    );

    // ── Cleaning up, with the master key ──────────────────────────────────────────────────────
    step("delete_item", container.delete_item("1", "item1").await);
    step(
        "read_deleted_item",
        container.read_item::<Value>("1", "item1").await,
    );
    step("delete_permission", user.delete_permission("p1").await);
    step("delete_user", user.delete().await);
    step("delete_container", container.delete().await);
    step("delete_database", database.delete().await);
    step("read_deleted_database", database.read().await);
    Ok(())
}

/// Prints a step's status: the answer's, or the error's.
fn step<T>(name: &str, outcome: cosmolab_client::Result<Response<T>>) {
    match outcome {
        Ok(response) => print(name, Some(response.status()), None, None),
        Err(error) => print(name, error.status(), None, Some(error.to_string())),
    }
}

/// Reads every page of a feed or query and prints the last page's status and the item count.
async fn feed<T: DeserializeOwned + Send + 'static>(name: &str, mut pages: FeedPager<T>) {
    let mut items = 0;
    let mut status = None;
    while let Some(page) = pages.next_page().await {
        match page {
            Ok(page) => {
                status = Some(page.status());
                items += page.resource().len();
            }
            Err(error) => return print(name, error.status(), None, Some(error.to_string())),
        }
    }
    print(name, status, Some(items), None);
}

/// One JSON line: `{"step", "status"}`, plus `"items"` for feeds and `"error"` for failures
/// that never got an answer.
fn print(name: &str, status: Option<StatusCode>, items: Option<usize>, error: Option<String>) {
    let mut line = json!({"step": name, "status": status.map(|status| status.as_u16())});
    if let Some(items) = items {
        line["items"] = json!(items);
    }
    if status.is_none() {
        line["error"] = json!(error.unwrap_or_default());
    }
    println!("{line}");
}

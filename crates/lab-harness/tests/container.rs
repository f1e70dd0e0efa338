//! The container target against the real image (`cosmolab-emulator:dev`, built by `cargo xtask
//! image`, which `cargo xtask ci` runs first). Needs Docker: without it, or without the image,
//! these tests fail with the command that fixes it.

use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
use cosmolab_client::{CosmosClient, Credential, KeyCredential};
use cosmolab_lab_harness::container::{self, ContainerOptions, DEFAULT_IMAGE};

fn well_known_key() -> MasterKey {
    MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY).unwrap()
}

fn client(endpoint: &str, key: &str) -> CosmosClient {
    CosmosClient::new(
        endpoint,
        Credential::MasterKey(KeyCredential::from_base64(key).unwrap()),
    )
    .unwrap()
}

/// Over http, the endpoint is the container's published port, and it is a cosmolab emulator.
#[tokio::test]
async fn the_image_serves_on_its_published_port() {
    let running = container::start(
        DEFAULT_IMAGE,
        &well_known_key(),
        &ContainerOptions::default(),
    )
    .await
    .unwrap_or_else(|problem| panic!("{problem}"));
    assert!(
        running.endpoint().starts_with("http://127.0.0.1:"),
        "{}",
        running.endpoint()
    );
    assert!(running.description().contains(running.endpoint()));
    assert!(container::is_cosmolab_emulator(running.endpoint()).await);

    let owner = client(running.endpoint(), WELL_KNOWN_EMULATOR_KEY);
    owner.create_database("in-a-container").await.unwrap();
    let read = owner
        .database_client("in-a-container")
        .read()
        .await
        .unwrap();
    assert_eq!(read.resource().id, "in-a-container");
}

/// Over https (self-signed), the scenario gets plain http to the harness's proxy, and everything a
/// client sees passes through it unchanged: statuses, the error body, the deny reason.
#[tokio::test]
async fn an_https_emulator_is_reached_through_the_proxy() {
    let running = container::start(
        DEFAULT_IMAGE,
        &well_known_key(),
        &ContainerOptions { tls: true },
    )
    .await
    .unwrap_or_else(|problem| panic!("{problem}"));
    assert!(
        running.description().contains("https://"),
        "{}",
        running.description()
    );
    assert!(running.endpoint().starts_with("http://127.0.0.1:"));

    let owner = client(running.endpoint(), WELL_KNOWN_EMULATOR_KEY);
    owner.create_database("behind-the-proxy").await.unwrap();
    assert_eq!(
        owner.databases().collect_items().await.unwrap()[0].id,
        "behind-the-proxy"
    );

    // A key the account does not have: the emulator's 401 comes back whole.
    let stranger_key = "c3RyYW5nZXIgc3RyYW5nZXIgc3RyYW5nZXIgc3RyYW5nZXIgc3RyYW5nZXIgc3RyYW5nZXI=";
    let reply = reqwest::Client::new()
        .get(format!("{}dbs", running.endpoint()))
        .header(
            "authorization",
            MasterKey::from_base64(stranger_key).unwrap().authorize(
                "GET",
                "dbs",
                "",
                &cosmolab_auth_signing::format_http_date(std::time::SystemTime::now()),
            ),
        )
        .header(
            "x-ms-date",
            cosmolab_auth_signing::format_http_date(std::time::SystemTime::now()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 401);
    assert!(reply.headers().contains_key("x-cosmolab-deny-reason"));
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["code"], "Unauthorized");
}

/// An image that is not on this machine and cannot be pulled: an error that says so, no hang.
#[tokio::test]
async fn a_missing_image_is_a_clear_error() {
    let problem = container::start(
        "cosmolab-emulator:no-such-tag",
        &well_known_key(),
        &ContainerOptions::default(),
    )
    .await
    .expect_err("there is no such image");
    assert!(problem.contains("did not start"), "{problem}");
}

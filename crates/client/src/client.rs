//! [`CosmosClient`]: the account, its databases, and the way to every handle below it.
//!
//! A client is cheap to clone and meant to be shared: build one per account and credential when
//! the application starts, and keep it. It owns the connection pool (reqwest's), the credential
//! and the retry policy; every handle made from it ([`DatabaseClient`], [`ContainerClient`],
//! [`UserClient`]) shares them and adds only the names of its resource. Making a handle sends
//! nothing: `client.database_client("shop")` is a name, not a lookup, so it succeeds even when
//! the database does not exist, and the first request tells.
//!
//! [`ContainerClient`]: crate::ContainerClient
//! [`UserClient`]: crate::UserClient

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use cosmolab_model::{Database, DatabaseAccount};
use reqwest::{Method, Url};
use serde_json::json;

use crate::credential::{Credential, scope_for};
use crate::database::DatabaseClient;
use crate::error::{Error, ErrorKind, Result};
use crate::paging::{FeedPager, decode_feed};
use crate::path::ResourcePath;
use crate::pipeline::{CosmosRequest, Pipeline};
use crate::response::Response;
use crate::retry::RetryPolicy;

/// A client for one Cosmos DB account, with one credential.
///
/// ```no_run
/// # async fn demo() -> cosmolab_client::Result<()> {
/// use cosmolab_client::{CosmosClient, Credential, KeyCredential};
/// use cosmolab_auth_signing::WELL_KNOWN_EMULATOR_KEY;
///
/// let key = KeyCredential::from_base64(WELL_KNOWN_EMULATOR_KEY)?;
/// let client = CosmosClient::new("http://127.0.0.1:8081/", Credential::MasterKey(key))?;
/// let account = client.read_account().await?;
/// println!("connected to {}", account.resource().id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CosmosClient {
    pipeline: Arc<Pipeline>,
}

/// Settings for a [`CosmosClient`] about to be built.
#[derive(Debug)]
pub struct CosmosClientBuilder {
    endpoint: String,
    credential: Credential,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
}

impl CosmosClientBuilder {
    /// How throttled (429) and conflicting (449) requests are retried; see [`RetryPolicy`].
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sends requests with this reqwest client: for timeouts, proxies, or trusting the
    /// emulator's self-signed certificate (`reqwest::Certificate::from_pem`).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Checks the endpoint and builds the client. Nothing is sent yet.
    pub fn build(self) -> Result<CosmosClient> {
        let endpoint = Url::parse(&self.endpoint).map_err(|error| {
            Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "the endpoint {:?} is not a URL ({error}); it looks like https://<account>.documents.azure.com:443/",
                    self.endpoint
                ),
            )
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") || endpoint.host_str().is_none() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "the endpoint {:?} must be an http or https URL with a host",
                    self.endpoint
                ),
            ));
        }
        // A bearer token is a credential for as long as it lives: sent over plain http, anyone
        // on the path can copy and reuse it. Signatures do not have this problem (they cover one
        // request for fifteen minutes). azure-core refuses the same way; loopback is allowed so
        // that the in-process emulator needs no certificate.
        if self.credential.is_bearer() && endpoint.scheme() == "http" && !is_loopback(&endpoint) {
            return Err(Error::new(
                ErrorKind::Credential,
                format!(
                    "refusing to send {} credentials over plain http to {}: use https",
                    self.credential.kind_name(),
                    endpoint.host_str().unwrap_or_default()
                ),
            ));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .user_agent(concat!("cosmolab-client/", env!("CARGO_PKG_VERSION")))
                .build()?,
        };
        let entra_scope = scope_for(&endpoint);
        Ok(CosmosClient {
            pipeline: Arc::new(Pipeline {
                http,
                endpoint,
                credential: self.credential,
                retry: self.retry,
                entra_scope,
            }),
        })
    }
}

impl CosmosClient {
    /// A client for the account at `endpoint` (e.g. `https://myaccount.documents.azure.com:443/`
    /// or the emulator's `http://127.0.0.1:8081/`), with the default retry policy.
    pub fn new(endpoint: &str, credential: Credential) -> Result<Self> {
        Self::builder(endpoint, credential).build()
    }

    /// Settings for a client, to change the retry policy or the HTTP client.
    pub fn builder(endpoint: &str, credential: Credential) -> CosmosClientBuilder {
        CosmosClientBuilder {
            endpoint: endpoint.to_owned(),
            credential,
            retry: RetryPolicy::default(),
            http: None,
        }
    }

    /// The account's endpoint.
    pub fn endpoint(&self) -> &str {
        self.pipeline.endpoint.as_str()
    }

    /// The credential the client signs with (a handle: rotating it affects this client).
    pub fn credential(&self) -> &Credential {
        &self.pipeline.credential
    }

    /// `GET /`: the account's name, regions and consistency. Any credential may read it.
    pub async fn read_account(&self) -> Result<Response<DatabaseAccount>> {
        let request = CosmosRequest::new(Method::GET, ResourcePath::account());
        self.pipeline.send_json(request).await
    }

    /// A handle for the database `id` (nothing is sent).
    pub fn database_client(&self, id: &str) -> DatabaseClient {
        DatabaseClient::new(self.pipeline.clone(), id)
    }

    /// `POST /dbs`: creates the database `id` (201; 409 if it exists).
    pub async fn create_database(&self, id: &str) -> Result<Response<Database>> {
        let request = CosmosRequest::new(Method::POST, ResourcePath::account().feed("dbs"))
            .json(&json!({ "id": id }))?;
        self.pipeline.send_json(request).await
    }

    /// `GET /dbs`: every database of the account, page by page.
    pub fn databases(&self) -> FeedPager<Database> {
        let request = CosmosRequest::new(Method::GET, ResourcePath::account().feed("dbs"));
        FeedPager::new(self.pipeline.clone(), request, decode_feed::<Database>)
    }
}

impl fmt::Debug for CosmosClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The credential's own `Debug` is redacted; the endpoint and policy are not secret.
        f.debug_struct("CosmosClient")
            .field("endpoint", &self.pipeline.endpoint.as_str())
            .field("credential", &self.pipeline.credential)
            .field("retry", &self.pipeline.retry)
            .finish_non_exhaustive()
    }
}

/// Whether the endpoint's host is this machine (`localhost`, `127.0.0.0/8`, `::1`).
fn is_loopback(endpoint: &Url) -> bool {
    let host = endpoint.host_str().unwrap_or_default();
    // IPv6 hosts come bracketed in URLs: `[::1]`.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

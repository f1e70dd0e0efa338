//! Microsoft's official Rust SDK, `azure_data_cosmos` 1.0, against the in-process cosmolab
//! emulator: the proof that teams can point their own integration tests at cosmolab — no Docker,
//! no 3 GB image — and get the service's access rules.
//!
//! The SDK is the one teams use in production, unmodified. It talks to the emulator over a real
//! socket (`http://127.0.0.1:<port>/`, which the SDK accepts without TLS because the host is
//! loopback) and, by default, in **Cosmos binary encoding**: item bodies leave the SDK as binary
//! (first byte `0x80`, `content-type` still `application/json`) and it announces
//! `x-ms-cosmos-supported-serialization-formats: CosmosBinary` to get binary answers back. The
//! new official emulator cannot read that, so the SDK's README tells its users to switch it off;
//! ours reads and writes it. Every test here therefore runs twice, once per [`BodyEncoding`].
//!
//! A request's path through one test:
//! 1. [`SdkTarget::start`] starts an [`Emulator`] on a free loopback port and builds a
//!    [`CosmosClient`] with the well-known emulator key and the chosen encoding.
//! 2. The SDK reads the account (`GET /`), the container (its structured `_rid`, protocol notes
//!    §9) and its partition-key ranges (an incremental feed answered `304` once read, §10), then
//!    sends the item request, signed with the key.
//! 3. The emulator verifies the signature, authorizes, decodes the body (binary or JSON), and
//!    answers in the format the SDK announced; [`SdkTarget::wire`] counts what went binary.

use std::sync::Arc;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::OffsetDateTime;
use azure_data_cosmos::clients::{ContainerClient, DatabaseClient};
use azure_data_cosmos::models::ContainerProperties;
use azure_data_cosmos::options::BinaryEncodingOptions;
use azure_data_cosmos::{
    AccountEndpoint, AccountReference, CosmosClient, CosmosRuntime, RoutingStrategy,
};
use cosmolab_emulator::{Emulator, WireCounts};

/// How the SDK encodes bodies on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// The SDK's default: Cosmos binary encoding for item bodies and answers.
    Binary,
    /// Plain JSON text, what the SDK sends with binary encoding switched off.
    Json,
}

impl BodyEncoding {
    /// The SDK option that selects this encoding, set explicitly so that an
    /// `AZURE_COSMOS_BINARY_ENCODING_ENABLED` in the environment cannot change what a test checks.
    fn options(self) -> BinaryEncodingOptions {
        BinaryEncodingOptions::new().with_enabled(self == Self::Binary)
    }
}

/// An in-process emulator and an official-SDK client pointed at it.
pub struct SdkTarget {
    /// The emulator; dropping the target stops it.
    pub emulator: Emulator,
    /// A client signing with the primary key, in the target's encoding.
    pub client: CosmosClient,
    encoding: BodyEncoding,
}

impl SdkTarget {
    /// Starts an emulator on a free port and an SDK client with its primary key.
    pub async fn start(encoding: BodyEncoding) -> anyhow::Result<Self> {
        let emulator = Emulator::builder().start().await?;
        let key = emulator.key(cosmolab_emulator::KeyKind::Primary);
        let client = sdk_client(emulator.endpoint(), key.reveal_base64(), encoding).await?;
        Ok(Self {
            emulator,
            client,
            encoding,
        })
    }

    /// The encoding this target's clients use.
    pub fn encoding(&self) -> BodyEncoding {
        self.encoding
    }

    /// Another SDK client for the same emulator, signing with `key` (base64).
    pub async fn client_with_key(&self, key: String) -> anyhow::Result<CosmosClient> {
        sdk_client(self.emulator.endpoint(), key, self.encoding).await
    }

    /// Creates database `database` and in it container `container` partitioned on
    /// `partition_key_path`, through the SDK, and returns the container's client.
    pub async fn create_container(
        &self,
        database: &str,
        container: &str,
        partition_key_path: &str,
    ) -> anyhow::Result<ContainerClient> {
        self.client.create_database(database, None).await?;
        let database: DatabaseClient = self.client.database_client(database);
        database
            .create_container(
                ContainerProperties::new(container.to_owned(), partition_key_path.into()),
                None,
            )
            .await?;
        Ok(database.container_client(container, None).await?)
    }

    /// How many bodies crossed the wire in binary so far, each way.
    pub fn wire(&self) -> WireCounts {
        self.emulator.state().wire_counts()
    }
}

/// An official-SDK client for `endpoint`, signing with `key`, in `encoding`.
pub async fn sdk_client(
    endpoint: &str,
    key: String,
    encoding: BodyEncoding,
) -> anyhow::Result<CosmosClient> {
    let endpoint: AccountEndpoint = endpoint.parse()?;
    let account = AccountReference::with_authentication_key(endpoint, key);
    build_client(account, encoding).await
}

/// Builds a client on a runtime of its own.
///
/// The SDK's default is one process-wide runtime shared by every client, and that runtime
/// caches per account endpoint: observed here, a second client built with the *read-only* key
/// signed its own `GET /` with that key, then sent its item requests signed with the first
/// client's *primary* key — and a write "with the read-only key" succeeded. A test that compares
/// credentials must give each client its own runtime (production code with one credential per
/// account never notices).
async fn build_client(
    account: AccountReference,
    encoding: BodyEncoding,
) -> anyhow::Result<CosmosClient> {
    let runtime = CosmosRuntime::builder().build().await?;
    let client = CosmosClient::builder()
        .with_runtime(runtime)
        .with_binary_encoding_options(encoding.options())
        // Any region: the emulator advertises one location, the endpoint the client used, and the
        // SDK sends everything there.
        .build(account, RoutingStrategy::ProximityTo("West US".into()))
        .await?;
    Ok(client)
}

/// An application signed in to the emulator's identity provider, as an `azure_core` token
/// credential: what `AccountReference::with_credential` takes. On Azure this would be
/// `azure_identity::ClientSecretCredential` against Entra ID; here the same client-credentials
/// grant goes to the emulator's identity provider (`cosmolab_client::ClientSecretCredential`).
#[derive(Debug)]
pub struct EmulatorIdentity {
    application: cosmolab_client::ClientSecretCredential,
}

impl EmulatorIdentity {
    /// The application `client_id` of the emulator's tenant, signing in with `client_secret`.
    pub fn new(
        emulator: &Emulator,
        client_id: &str,
        client_secret: &str,
    ) -> anyhow::Result<Arc<Self>> {
        let application = cosmolab_client::ClientSecretCredential::new(
            emulator.endpoint(),
            &emulator.state().settings.tenant_id,
            client_id,
            client_secret,
        )?;
        Ok(Arc::new(Self { application }))
    }
}

#[async_trait::async_trait]
impl TokenCredential for EmulatorIdentity {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let credential_error =
            |message: String| azure_core::Error::with_message(ErrorKind::Credential, message);
        // The SDK asks for one scope, `https://cosmos.azure.com/.default`.
        let [scope] = scopes else {
            return Err(credential_error(format!(
                "expected one scope, got {scopes:?}"
            )));
        };
        let token = cosmolab_client::TokenCredential::get_token(&self.application, scope)
            .await
            .map_err(|error| credential_error(error.to_string()))?;
        Ok(AccessToken::new(
            token.token.as_str().to_owned(),
            OffsetDateTime::from(token.expires_on),
        ))
    }
}

/// An official-SDK client for `endpoint` with an Entra credential, in `encoding`.
pub async fn sdk_client_with_identity(
    endpoint: &str,
    identity: Arc<EmulatorIdentity>,
    encoding: BodyEncoding,
) -> anyhow::Result<CosmosClient> {
    let endpoint: AccountEndpoint = endpoint.parse()?;
    let account = AccountReference::with_credential(endpoint, identity);
    build_client(account, encoding).await
}

/// Keeps the SDK's error type reachable for tests that match on status codes.
pub type SdkError = azure_data_cosmos::CosmosError;

/// The HTTP status of an SDK error.
pub fn status_of(error: &SdkError) -> u16 {
    u16::from(error.status().status_code())
}

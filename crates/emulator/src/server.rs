//! Starting an emulator: in-process for tests and labs, or from the standalone binary.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use cosmolab_emulator::Emulator;
//!
//! let emulator = Emulator::builder().start().await?;   // 127.0.0.1, a free port
//! println!("Cosmos DB endpoint: {}", emulator.endpoint());
//! // … point a client at it …
//! drop(emulator);                                       // stops the server
//! # Ok(()) }
//! ```

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use cosmolab_auth_signing::{ClockSkew, MasterKey};

use crate::app::app;
use crate::keys::{AccountKeys, KeyKind, KeyList};
use crate::state::{AppState, EmulatorState, Settings};
use crate::tls::{SelfSignedCertificate, install_crypto_provider};

/// Settings for an emulator about to start.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    address: SocketAddr,
    keys: [Option<MasterKey>; 4],
    settings: Settings,
    certificate_file: Option<PathBuf>,
    audit_log: Option<PathBuf>,
    data_dir: Option<PathBuf>,
}

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Emulator {
    endpoint: String,
    address: SocketAddr,
    state: AppState,
    handle: axum_server::Handle,
    certificate_file: Option<PathBuf>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            keys: [None, None, None, None],
            settings: Settings::default(),
            certificate_file: None,
            audit_log: None,
            data_dir: None,
        }
    }
}

impl EmulatorBuilder {
    /// Listens on this address (default `127.0.0.1:0`, a free port).
    pub fn address(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }

    /// Sets one of the four keys (the others stay: well-known primary, random rest).
    pub fn key(mut self, kind: KeyKind, key: MasterKey) -> Self {
        self.keys[kind as usize] = Some(key);
        self
    }

    /// Serves https with a self-signed certificate, written to `certificate_file` if given.
    pub fn tls(mut self, certificate_file: Option<PathBuf>) -> Self {
        self.settings.tls = true;
        self.certificate_file = certificate_file;
        self
    }

    /// Starts with `disableLocalAuth` on: keys and resource tokens are refused on the data plane,
    /// only Entra ID tokens work (seed 004). It can be changed later through the admin API.
    pub fn disable_local_auth(mut self, disabled: bool) -> Self {
        self.settings.disable_local_auth = disabled;
        self
    }

    /// The Entra tenant id its identity provider serves (default
    /// [`DEFAULT_TENANT_ID`](crate::identity::DEFAULT_TENANT_ID)).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.settings.tenant_id = tenant_id.into();
        self
    }

    /// Keeps the account's data in this directory: read back at start, every acknowledged write
    /// saved before it is answered (`crate::store::persist`).
    pub fn data_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(path.into());
        self
    }

    /// Also appends every audit record to this file, one JSON line each (`crate::audit`).
    pub fn audit_log(mut self, path: impl Into<PathBuf>) -> Self {
        self.audit_log = Some(path.into());
        self
    }

    /// Enables the admin route that advances the clock (tests only).
    pub fn time_travel(mut self, enabled: bool) -> Self {
        self.settings.time_travel = enabled;
        self
    }

    /// How far `x-ms-date` may be from the clock.
    pub fn clock_skew(mut self, skew: ClockSkew) -> Self {
        self.settings.clock_skew = skew;
        self
    }

    /// Who may open the explorer at `/_explorer/` (default: nobody; the binary's default is
    /// loopback).
    pub fn explorer(mut self, access: crate::explorer::ExplorerAccess) -> Self {
        self.settings.explorer = access;
        self
    }

    /// How long a request may take before it is answered 408, and (at most ten seconds) how long
    /// a client may take to send its headers before the connection is closed.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.settings.request_timeout = timeout;
        self
    }

    /// How long and how much memory a stored procedure, trigger or user-defined function may use
    /// (default: 5 seconds, like the service, and 64 MiB).
    pub fn script_limits(mut self, limits: crate::scripts::ScriptLimits) -> Self {
        self.settings.script_limits = limits;
        self
    }

    /// The account name reported by `GET /`.
    pub fn account_id(mut self, id: impl Into<String>) -> Self {
        self.settings.account_id = id.into();
        self
    }

    /// Binds the port and starts serving. Requests are accepted as soon as this returns.
    pub async fn start(self) -> anyhow::Result<Emulator> {
        let [primary, secondary, primary_readonly, secondary_readonly] = self.keys;
        let keys = AccountKeys::new(primary, secondary, primary_readonly, secondary_readonly);
        let mut settings = self.settings;

        let listener = TcpListener::bind(self.address).with_context(|| {
            format!(
                "could not listen on {}; is another emulator running there?",
                self.address
            )
        })?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;

        let certificate = if settings.tls {
            let certificate = SelfSignedCertificate::generate()?;
            settings.certificate_pem = Some(certificate.certificate_pem.clone());
            Some(certificate)
        } else {
            None
        };
        let certificate_file = match (&certificate, self.certificate_file) {
            (Some(certificate), file) => {
                let file = file.unwrap_or_else(|| {
                    std::env::temp_dir().join(format!("cosmolab-emulator-{}.pem", address.port()))
                });
                certificate.write_certificate(&file)?;
                Some(file)
            }
            (None, _) => None,
        };

        let scheme = if settings.tls { "https" } else { "http" };
        let endpoint = format!("{scheme}://{address}/");
        let mut state = EmulatorState::new(keys, settings);
        if let Some(path) = &self.data_dir {
            let (data_dir, store) = crate::store::persist::DataDir::open(path)
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            state = state.with_data_dir(data_dir, store);
        }
        if let Some(path) = &self.audit_log {
            state.audit = crate::audit::AuditLog::to_file(path)
                .with_context(|| format!("could not open the audit log {}", path.display()))?;
        }
        let header_timeout = state
            .settings
            .request_timeout
            .min(crate::limits::HEADER_READ_TIMEOUT);
        let state: AppState = Arc::new(state);
        // The peer's address, for the explorer's loopback rule (`crate::explorer`).
        let router = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let handle = axum_server::Handle::new();

        match certificate {
            Some(certificate) => {
                install_crypto_provider();
                let config = axum_server::tls_rustls::RustlsConfig::from_pem(
                    certificate.certificate_pem.into_bytes(),
                    certificate.private_key_pem.into_bytes(),
                )
                .await
                .context("could not configure TLS")?;
                let mut server =
                    axum_server::from_tcp_rustls(listener, config).handle(handle.clone());
                slow_clients_time_out(server.http_builder(), header_timeout);
                tokio::spawn(async move {
                    if let Err(error) = server.serve(router).await {
                        tracing::error!(%error, "the emulator stopped with an error");
                    }
                });
            }
            None => {
                let mut server = axum_server::from_tcp(listener).handle(handle.clone());
                slow_clients_time_out(server.http_builder(), header_timeout);
                tokio::spawn(async move {
                    if let Err(error) = server.serve(router).await {
                        tracing::error!(%error, "the emulator stopped with an error");
                    }
                });
            }
        }
        Ok(Emulator {
            endpoint,
            address,
            state,
            handle,
            certificate_file,
        })
    }
}

impl Emulator {
    /// Settings for a new emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The endpoint clients use: `http://127.0.0.1:<port>/` (or `https://…`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// One of the account's keys, as it is now.
    pub fn key(&self, kind: KeyKind) -> MasterKey {
        self.state.keys().key(kind).clone()
    }

    /// All four keys as base64 text.
    pub fn keys(&self) -> KeyList {
        self.state.keys().list()
    }

    /// Where the self-signed certificate was written, with https.
    pub fn certificate_file(&self) -> Option<&PathBuf> {
        self.certificate_file.as_ref()
    }

    /// Moves the emulator's token clock forward; `false` if that would pass a century in total.
    pub fn advance_clock(&self, by: Duration) -> bool {
        self.state.clock.advance(by)
    }

    /// The shared state (store, keys, clock), for tests that look inside.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting requests and lets the ones in flight finish (at most five seconds).
    pub fn shutdown(&self) {
        self.handle.graceful_shutdown(Some(Duration::from_secs(5)));
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// A client that sends its headers a byte at a time (slow loris) is disconnected after `timeout`
/// instead of holding a connection forever.
fn slow_clients_time_out(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    timeout: Duration,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(timeout);
}

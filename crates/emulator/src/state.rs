//! What every request shares: the store, the keys, the clock and the settings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cosmolab_auth_signing::ClockSkew;

use crate::audit::AuditLog;
use crate::clock::EmulatorClock;
use crate::encoding::{WireCounter, WireCounts};
use crate::identity::IdentityProvider;
use crate::keys::AccountKeys;
use crate::rbac::roles::Rbac;
use crate::store::Store;
use crate::store::persist::DataDir;

/// The state of one emulator, shared by all its requests.
#[derive(Debug)]
pub struct EmulatorState {
    store: Mutex<Store>,
    keys: RwLock<AccountKeys>,
    /// The clock tokens are minted and checked against (tests can advance it).
    pub clock: EmulatorClock,
    /// Settings fixed at start.
    pub settings: Settings,
    /// The identity provider: Entra ID's client-credentials flow, for RBAC (seed 004).
    pub identity: IdentityProvider,
    /// Role definitions and assignments (seed 004).
    rbac: RwLock<Rbac>,
    /// The account setting `disableLocalAuth`: keys and resource tokens refused on the data plane.
    local_auth_disabled: AtomicBool,
    /// Every data-plane request, allowed or refused (`crate::audit`).
    pub audit: AuditLog,
    /// Where acknowledged writes are kept on disk, with `--data-dir` (`crate::store::persist`).
    data_dir: Option<DataDir>,
    /// How many bodies went over the wire in Cosmos binary encoding (`crate::encoding`).
    pub wire: WireCounter,
    /// One lane per container for server-side scripts: they run one at a time per container
    /// (`crate::scripts`), so two scripts never invalidate each other's copy.
    script_lanes: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

/// Settings fixed when the emulator starts.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The account name reported by `GET /`.
    pub account_id: String,
    /// How far `x-ms-date` may be from the machine's clock.
    pub clock_skew: ClockSkew,
    /// Whether the admin route that advances the clock is enabled (tests only).
    pub time_travel: bool,
    /// The Entra tenant the identity provider serves (`crate::identity`).
    pub tenant_id: String,
    /// Whether the account starts with `disableLocalAuth` on (see [`EmulatorState::local_auth_disabled`]).
    pub disable_local_auth: bool,
    /// Whether the server speaks https (decides the scheme of the advertised endpoint).
    pub tls: bool,
    /// The self-signed certificate in PEM form, served at `/_explorer/emulator.pem`, if https.
    pub certificate_pem: Option<String>,
    /// How long a request may take before it is answered 408 (`crate::limits`).
    pub request_timeout: std::time::Duration,
    /// Who may open the explorer at `/_explorer/` (`crate::explorer`).
    pub explorer: crate::explorer::ExplorerAccess,
    /// How long and how much memory a server-side script may use (`crate::scripts`).
    pub script_limits: crate::scripts::ScriptLimits,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            account_id: "cosmolab".to_owned(),
            clock_skew: ClockSkew::default(),
            time_travel: false,
            disable_local_auth: false,
            tenant_id: crate::identity::DEFAULT_TENANT_ID.to_owned(),
            tls: false,
            certificate_pem: None,
            request_timeout: crate::limits::DEFAULT_REQUEST_TIMEOUT,
            // Off for the library (tests, labs' scenarios); the binary and `cargo lab` turn it on.
            explorer: crate::explorer::ExplorerAccess::Off,
            script_limits: crate::scripts::ScriptLimits::default(),
        }
    }
}

/// The handle axum gives every handler.
pub type AppState = Arc<EmulatorState>;

impl EmulatorState {
    /// A fresh emulator state with the given keys and settings and an empty store.
    pub fn new(keys: AccountKeys, settings: Settings) -> Self {
        let settings_disable_local_auth = settings.disable_local_auth;
        let identity = IdentityProvider::new(settings.tenant_id.clone());
        Self {
            store: Mutex::new(Store::default()),
            keys: RwLock::new(keys),
            clock: EmulatorClock::new(),
            settings,
            identity,
            rbac: RwLock::new(Rbac::default()),
            local_auth_disabled: AtomicBool::new(settings_disable_local_auth),
            audit: AuditLog::default(),
            data_dir: None,
            wire: WireCounter::default(),
            script_lanes: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps the data in `data_dir`, starting from `store`, what was read back from it.
    pub fn with_data_dir(mut self, data_dir: DataDir, store: Store) -> Self {
        self.store = Mutex::new(store);
        self.data_dir = Some(data_dir);
        self
    }

    /// After an acknowledged write to database `id`: with a data directory, writes that database
    /// to disk before the answer goes out (under the store's lock, so the file always ends with
    /// the latest state). Without one, nothing to do.
    pub fn persist(&self, id: &str) -> crate::error::Result<()> {
        let Some(data_dir) = &self.data_dir else {
            return Ok(());
        };
        let store = self.store();
        data_dir.save(&store, id).map_err(|error| {
            tracing::error!(%error, database = id, "could not write to the data directory");
            crate::error::CosmosError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "The write was applied but could not be saved to the data directory; the \
                 emulator's disk may be full or read-only. See the emulator's log.",
            )
        })
    }

    /// How many bodies crossed the wire in binary so far, each way.
    pub fn wire_counts(&self) -> WireCounts {
        self.wire.counts()
    }

    /// The store, locked for the duration of one operation.
    ///
    /// A poisoned lock (a panic while holding it) cannot leave a half-written state behind,
    /// because store methods validate before they mutate; so we keep serving.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The keys, for checking signatures.
    pub fn keys(&self) -> RwLockReadGuard<'_, AccountKeys> {
        self.keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `disableLocalAuth` is on now.
    pub fn local_auth_disabled(&self) -> bool {
        self.local_auth_disabled.load(Ordering::SeqCst)
    }

    /// Turns `disableLocalAuth` on or off (the account owner's setting, through the admin API).
    pub fn set_local_auth_disabled(&self, disabled: bool) {
        self.local_auth_disabled.store(disabled, Ordering::SeqCst);
    }

    /// The role definitions and assignments, for deciding.
    pub fn rbac(&self) -> RwLockReadGuard<'_, Rbac> {
        self.rbac
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The role definitions and assignments, for changing them.
    pub fn rbac_mut(&self) -> RwLockWriteGuard<'_, Rbac> {
        self.rbac
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The lane of the container `link` (`dbs/<db>/colls/<c>`): hold its lock while a script
    /// runs there.
    pub fn script_lane(&self, link: &str) -> Arc<Mutex<()>> {
        let mut lanes = self
            .script_lanes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        lanes.entry(link.to_owned()).or_default().clone()
    }

    /// The keys, for regenerating one.
    pub fn keys_mut(&self) -> RwLockWriteGuard<'_, AccountKeys> {
        self.keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

//! [`Lab`]: the Cosmos DB endpoint a scenario runs against, chosen by `COSMOLAB_TARGET`.
//!
//! | `COSMOLAB_TARGET` | what the scenario talks to |
//! |---|---|
//! | `embedded` (default) | a cosmolab emulator started inside the test process, on a free port of 127.0.0.1, with the well-known key and time travel enabled |
//!
//! Whatever the target, the scenario reaches it only over HTTP — data plane through
//! `cosmolab-client`, keys and clock through [`AccountAdmin`] — so the same scenario can run
//! against an emulator in a container or a real account.

use std::path::{Path, PathBuf};

use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
use cosmolab_client::{CosmosClient, Credential, KeyCredential};
use cosmolab_emulator::{Emulator, KeyList};

use crate::admin::AccountAdmin;
use crate::catalog::{Catalog, LabInfo};
use crate::report;
use crate::transcript::Transcript;

/// One scenario's lab: which lab it is, and the endpoint it runs against.
#[derive(Debug)]
pub struct Lab {
    info: LabInfo,
    root: PathBuf,
    endpoint: String,
    admin: AccountAdmin,
    /// The in-process emulator, kept alive for the scenario (the `embedded` target).
    _emulator: Option<Emulator>,
}

impl Lab {
    /// Starts lab `name` (its folder name, e.g. `"03-resource-tokens"`) on the target chosen by
    /// `COSMOLAB_TARGET`, installs the panic hook that explains `todo!` markers, and starts the
    /// watchdog that ends a scenario stuck for `COSMOLAB_SCENARIO_TIMEOUT` seconds (default 60).
    ///
    /// Panics with a message saying what to fix when the catalog or the target is not usable:
    /// a scenario cannot run without them.
    pub async fn start(name: &str) -> Self {
        let root = workspace_root();
        let catalog = Catalog::load(&root).unwrap_or_else(|error| panic!("{error}"));
        let info = catalog.find(name).cloned().unwrap_or_else(|| {
            panic!("lab `{name}` is not in labs/info.toml; add a [[lab]] entry for it")
        });
        report::install_panic_hook(&info, &root);
        report::start_watchdog(&info);

        let target = std::env::var("COSMOLAB_TARGET").unwrap_or_default();
        match target.as_str() {
            "" | "embedded" => {
                let emulator = Emulator::builder()
                    .time_travel(true)
                    .start()
                    .await
                    .unwrap_or_else(|error| {
                        panic!("the embedded emulator did not start: {error:#}")
                    });
                let primary = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY)
                    .expect("the well-known emulator key is valid base64");
                Self {
                    info,
                    root,
                    endpoint: emulator.endpoint().to_owned(),
                    admin: AccountAdmin::new(emulator.endpoint(), primary),
                    _emulator: Some(emulator),
                }
            }
            other => panic!(
                "COSMOLAB_TARGET=`{other}` is not a target the labs know; use `embedded` (the \
                 default), or unset it"
            ),
        }
    }

    /// The lab, as `labs/info.toml` describes it.
    pub fn info(&self) -> &LabInfo {
        &self.info
    }

    /// The account's endpoint, e.g. `http://127.0.0.1:41234/`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The account's management plane: keys, and the emulator's clock.
    pub fn admin(&self) -> &AccountAdmin {
        &self.admin
    }

    /// The four keys as they are now.
    pub async fn keys(&self) -> KeyList {
        self.admin
            .keys()
            .await
            .unwrap_or_else(|error| panic!("could not list the account's keys: {error}"))
    }

    /// A client signing with the current primary key: the account owner, who sets the scene.
    pub async fn owner_client(&self) -> CosmosClient {
        let keys = self.keys().await;
        let key = KeyCredential::from_base64(&keys.primary_master_key)
            .unwrap_or_else(|error| panic!("the primary key is not usable: {error}"));
        CosmosClient::new(&self.endpoint, Credential::MasterKey(key))
            .unwrap_or_else(|error| panic!("could not build the owner's client: {error}"))
    }

    /// An empty transcript for this lab's scenario.
    pub fn transcript(&self) -> Transcript {
        Transcript::new()
    }

    /// Compares the transcript with the solution's committed one. Passes when they are the
    /// same; otherwise prints the report (first differing step, what the emulator refused and why,
    /// the hint) and fails the test.
    pub fn finish(&self, transcript: &Transcript) {
        report::check(&self.info, &self.root, transcript);
    }

    /// The value an earlier step should have produced; without it the scenario cannot go on, so
    /// the transcript so far is checked (and fails, naming the step where it went wrong).
    pub fn need<T>(&self, transcript: &Transcript, value: Option<T>) -> T {
        match value {
            Some(value) => value,
            None => {
                self.finish(transcript);
                panic!(
                    "lab {}: the scenario cannot go on without what step {} should have produced",
                    self.info.number,
                    transcript.steps().len()
                )
            }
        }
    }
}

/// The workspace root: two levels above the running test's package (`labs/NN-name` or
/// `solutions/NN-name`), falling back to this crate's own place in the workspace.
fn workspace_root() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let root = package.join("../..");
    if root.join(Catalog::PATH).exists() {
        root
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }
}

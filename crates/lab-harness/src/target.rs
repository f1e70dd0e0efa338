//! [`Lab`]: the Cosmos DB endpoint a scenario runs against, chosen by `COSMOLAB_TARGET`.
//!
//! | `COSMOLAB_TARGET` | what the scenario talks to | settings |
//! |---|---|---|
//! | `embedded` (default) | a cosmolab emulator started inside the test process, on a free port of 127.0.0.1, with the well-known key and time travel enabled | — |
//! | `container` | an emulator image started with testcontainers, one container per scenario (see [`crate::container`]) | `COSMOLAB_EMULATOR_IMAGE` (default `cosmolab-emulator:dev`, built by `cargo xtask image`), `COSMOLAB_KEY` (default: the well-known key), `COSMOLAB_CONTAINER_TLS`, `COSMOLAB_CONTAINER_START_TIMEOUT` |
//! | `account` | a real Azure Cosmos DB account; databases the scenario creates are deleted when it finishes | `COSMOLAB_ENDPOINT`, `COSMOLAB_KEY` (its primary key) |
//!
//! Whatever the target, the scenario reaches it only over HTTP — data plane through
//! `cosmolab-client`, keys and clock through [`AccountAdmin`] — so the same scenario, and the same
//! committed transcript, serve every target. What only the cosmolab emulator offers (listing and
//! regenerating keys from a test, moving the token clock) is asked for in `labs/info.toml`
//! (`needs`); a lab whose needs the target lacks is **skipped, with the reason printed** on the
//! test's standard error and in a `cosmolab-lab: skipped:` line.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use cosmolab_auth_signing::{MasterKey, WELL_KNOWN_EMULATOR_KEY};
use cosmolab_client::{CosmosClient, Credential, KeyCredential};
use cosmolab_emulator::{Emulator, KeyList};

use crate::MACHINE_LINE_PREFIX;
use crate::admin::AccountAdmin;
use crate::catalog::{Catalog, LabInfo, Need};
#[cfg(feature = "container")]
use crate::container::{self, ContainerOptions, RunningContainer};
use crate::report;
use crate::transcript::Transcript;

/// One scenario's lab: which lab it is, and the endpoint it runs against.
#[derive(Debug)]
pub struct Lab {
    info: LabInfo,
    root: PathBuf,
    endpoint: String,
    /// The primary key the target was started with (or the account's, from `COSMOLAB_KEY`);
    /// a `MasterKey`, whose `Debug` shows no secret.
    configured_primary: MasterKey,
    admin: AccountAdmin,
    /// What the target offers beyond Cosmos DB's API.
    offers: Vec<Need>,
    /// On a real account, the databases that existed before the scenario: the others are its own,
    /// and are deleted when it finishes.
    databases_before: Option<Vec<String>>,
    /// What keeps the target alive for the scenario: the in-process emulator, or the container.
    running: Running,
}

/// Where a scenario runs; [`Target::from_env`] reads it from `COSMOLAB_TARGET` and the variables of
/// the module's table.
#[derive(Clone)]
pub enum Target {
    /// An emulator in this process.
    Embedded,
    /// A container of an emulator image.
    #[cfg(feature = "container")]
    Container {
        /// The image, e.g. `cosmolab-emulator:dev`.
        image: String,
        /// The emulator's primary key (base64).
        key: String,
        /// How to start it.
        options: ContainerOptions,
    },
    /// A real account, or any endpoint already running.
    Account {
        /// Its endpoint, e.g. `https://<account>.documents.azure.com:443/`.
        endpoint: String,
        /// Its primary key (base64).
        key: String,
    },
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        match self {
            Target::Embedded => f.write_str("Embedded"),
            #[cfg(feature = "container")]
            Target::Container { image, options, .. } => f
                .debug_struct("Container")
                .field("image", image)
                .field("options", options)
                .finish_non_exhaustive(),
            Target::Account { endpoint, .. } => f
                .debug_struct("Account")
                .field("endpoint", endpoint)
                .finish_non_exhaustive(),
        }
    }
}

impl Target {
    /// The target the environment names. Panics, saying what to set, when it is not usable.
    pub fn from_env() -> Self {
        let key = || std::env::var("COSMOLAB_KEY").ok();
        match std::env::var("COSMOLAB_TARGET")
            .unwrap_or_default()
            .as_str()
        {
            "" | "embedded" => Target::Embedded,
            #[cfg(feature = "container")]
            "container" => Target::Container {
                image: std::env::var("COSMOLAB_EMULATOR_IMAGE")
                    .unwrap_or_else(|_| container::DEFAULT_IMAGE.into()),
                key: key().unwrap_or_else(|| WELL_KNOWN_EMULATOR_KEY.into()),
                options: ContainerOptions::from_env(),
            },
            #[cfg(not(feature = "container"))]
            "container" => panic!(
                "COSMOLAB_TARGET=container: this build of cosmolab-lab-harness has no container \
                 target (its `container` feature is off, as in `cargo xtask grade`); unset \
                 COSMOLAB_TARGET, or build with the feature"
            ),
            "account" => {
                let missing = |name: &str| -> ! {
                    panic!(
                        "COSMOLAB_TARGET=account needs {name}: set COSMOLAB_ENDPOINT to the \
                         account's endpoint (https://<account>.documents.azure.com:443/) and \
                         COSMOLAB_KEY to its primary key"
                    )
                };
                Target::Account {
                    endpoint: std::env::var("COSMOLAB_ENDPOINT")
                        .unwrap_or_else(|_| missing("COSMOLAB_ENDPOINT")),
                    key: key().unwrap_or_else(|| missing("COSMOLAB_KEY")),
                }
            }
            other => panic!(
                "COSMOLAB_TARGET=`{other}` is not a target the labs know; use `embedded` (the \
                 default), `container` or `account`"
            ),
        }
    }
}

/// What keeps a target alive while the scenario runs.
enum Running {
    Embedded(Box<Emulator>),
    #[cfg(feature = "container")]
    Container(Box<RunningContainer>),
    Account,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Running::Embedded(emulator) => write!(f, "Embedded({})", emulator.endpoint()),
            #[cfg(feature = "container")]
            Running::Container(container) => write!(f, "Container({})", container.description),
            Running::Account => f.write_str("Account"),
        }
    }
}

/// A started target, before the lab's needs are checked against it.
struct Started {
    endpoint: String,
    primary: String,
    offers: Vec<Need>,
    description: String,
    running: Running,
}

impl Lab {
    /// Starts lab `name` (its folder name, e.g. `"03-resource-tokens"`) on the target chosen by
    /// `COSMOLAB_TARGET`, installs the panic hook that explains `todo!` markers, and starts the
    /// watchdog that ends a scenario stuck for `COSMOLAB_SCENARIO_TIMEOUT` seconds (default 60).
    ///
    /// Returns `None` when the target lacks what the lab needs (see the module's docs), after
    /// printing why: the scenario then ends without running.
    ///
    /// Panics with a message saying what to fix when the catalog or the target is not usable:
    /// a scenario cannot run without them.
    pub async fn start(name: &str) -> Option<Self> {
        Self::start_on(name, Target::from_env()).await
    }

    /// [`Lab::start`] on a target chosen by the caller instead of the environment.
    pub async fn start_on(name: &str, target: Target) -> Option<Self> {
        let root = workspace_root();
        let catalog = Catalog::load(&root).unwrap_or_else(|error| panic!("{error}"));
        let info = catalog.find(name).cloned().unwrap_or_else(|| {
            panic!("lab `{name}` is not in labs/info.toml; add a [[lab]] entry for it")
        });
        report::install_panic_hook(&info, &root);
        report::start_watchdog(&info);

        let started = match target {
            Target::Embedded => start_embedded().await,
            #[cfg(feature = "container")]
            Target::Container {
                image,
                key,
                options,
            } => start_container(&image, &key, &options).await,
            Target::Account { endpoint, key } => start_account(endpoint, key),
        };

        let missing: Vec<Need> = info
            .needs
            .iter()
            .copied()
            .filter(|need| !started.offers.contains(need))
            .collect();
        if !missing.is_empty() {
            skip(&info, &started.description, &missing);
            return None;
        }

        let primary = MasterKey::from_base64(&started.primary)
            .unwrap_or_else(|error| panic!("the target's primary key is not usable: {error}"));
        let mut lab = Self {
            info,
            root,
            admin: AccountAdmin::new(&started.endpoint, primary.clone()),
            endpoint: started.endpoint,
            configured_primary: primary,
            offers: started.offers,
            databases_before: None,
            running: started.running,
        };
        if matches!(lab.running, Running::Account) {
            lab.databases_before = Some(lab.database_ids().await);
        }
        Some(lab)
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

    /// The four keys as they are now. Only for labs that declare `needs = ["key-admin"]`.
    pub async fn keys(&self) -> KeyList {
        assert!(
            self.offers.contains(&Need::KeyAdmin),
            "lab {} lists the account's keys: add `needs = [\"key-admin\"]` to its entry in \
             labs/info.toml",
            self.info.number
        );
        self.admin
            .keys()
            .await
            .unwrap_or_else(|error| panic!("could not list the account's keys: {error}"))
    }

    /// The current primary key (base64): asked of the emulator, which may have regenerated it,
    /// or the one the target was configured with.
    pub async fn primary_key(&self) -> String {
        if self.offers.contains(&Need::KeyAdmin) {
            self.keys().await.primary_master_key
        } else {
            self.configured_primary.reveal_base64()
        }
    }

    /// A client signing with the current primary key: the account owner, who sets the scene.
    pub async fn owner_client(&self) -> CosmosClient {
        let key = KeyCredential::from_base64(&self.primary_key().await)
            .unwrap_or_else(|error| panic!("the primary key is not usable: {error}"));
        CosmosClient::new(&self.endpoint, Credential::MasterKey(key))
            .unwrap_or_else(|error| panic!("could not build the owner's client: {error}"))
    }

    /// An empty transcript for this lab's scenario.
    pub fn transcript(&self) -> Transcript {
        Transcript::guarded(&self.info, &self.root)
    }

    /// Compares the transcript with the solution's committed one. Passes when they are the
    /// same; otherwise prints the report (first differing step, what the emulator refused and why,
    /// the hint) and fails the test.
    pub fn finish(&self, transcript: &Transcript) {
        self.clean_up();
        report::check(&self.info, &self.root, transcript);
    }

    /// On a real account, deletes the databases the scenario created, so that runs neither pile
    /// up nor collide; elsewhere the emulator goes away with the scenario. [`Lab::finish`] calls it.
    pub fn clean_up(&self) {
        if let Some(before) = &self.databases_before {
            self.delete_new_databases(before);
        }
    }

    /// The ids of the account's databases.
    async fn database_ids(&self) -> Vec<String> {
        let databases = self
            .owner_client()
            .await
            .databases()
            .collect_items()
            .await
            .unwrap_or_else(|error| panic!("could not list the account's databases: {error}"));
        databases.into_iter().map(|database| database.id).collect()
    }

    /// On a real account: deletes what the scenario created, so runs do not pile up (or collide).
    fn delete_new_databases(&self, before: &[String]) {
        // `finish` is not async (it ends in an assertion); a scoped thread with its own runtime
        // does the clean-up without blocking the scenario's runtime.
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for the clean-up");
                runtime.block_on(async {
                    let owner = self.owner_client().await;
                    let created = self.database_ids().await;
                    for id in created.iter().filter(|id| !before.contains(id)) {
                        if let Err(error) = owner.database_client(id).delete().await {
                            eprintln!("could not delete the scenario's database `{id}`: {error}");
                        }
                    }
                });
            });
        });
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

/// The time on the emulator's token clock, as a scenario that moves it knows it: the machine's
/// time plus everything the scenario has advanced the clock by.
///
/// A trainee's functions get their `now` from here, never from `SystemTime::now()`: in a real
/// deployment the two are the same clock, but a scenario that expires tokens without waiting puts
/// the service minutes ahead of the machine (labs 4 and 5).
#[derive(Debug, Default, Clone, Copy)]
pub struct ServiceClock {
    offset: Duration,
}

impl ServiceClock {
    /// Now, on the emulator's token clock.
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.offset
    }

    /// Moves the emulator's token clock forward by `seconds` (a target with `time-travel`), and
    /// this clock with it.
    pub async fn advance(&mut self, lab: &Lab, seconds: u64) {
        lab.admin()
            .advance_clock(Duration::from_secs(seconds))
            .await
            .unwrap_or_else(|error| panic!("the emulator's clock could not be advanced: {error}"));
        self.offset += Duration::from_secs(seconds);
    }
}

/// A target started for a suite that is not a lab (the security matrix): the same three targets,
/// without a catalog entry, a transcript or a watchdog. It stays up while this value lives.
pub struct RunningTarget {
    endpoint: String,
    primary: MasterKey,
    admin: AccountAdmin,
    offers: Vec<Need>,
    description: String,
    _running: Running,
}

impl std::fmt::Debug for RunningTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningTarget")
            .field("endpoint", &self.endpoint)
            .field("offers", &self.offers)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl RunningTarget {
    /// Starts `target` (panics, saying what to fix, if it is not usable).
    pub async fn start(target: Target) -> Self {
        let started = match target {
            Target::Embedded => start_embedded().await,
            #[cfg(feature = "container")]
            Target::Container {
                image,
                key,
                options,
            } => start_container(&image, &key, &options).await,
            Target::Account { endpoint, key } => start_account(endpoint, key),
        };
        let primary = MasterKey::from_base64(&started.primary)
            .unwrap_or_else(|error| panic!("the target's primary key is not usable: {error}"));
        Self {
            admin: AccountAdmin::new(&started.endpoint, primary.clone()),
            primary,
            endpoint: started.endpoint,
            offers: started.offers,
            description: started.description,
            _running: started.running,
        }
    }

    /// The account's endpoint, e.g. `http://127.0.0.1:41234/`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The primary key the target was started with.
    pub fn primary_key(&self) -> &MasterKey {
        &self.primary
    }

    /// The account's management plane (keys, clock, roles, applications, settings, audit).
    pub fn admin(&self) -> &AccountAdmin {
        &self.admin
    }

    /// Whether the target offers `need` beyond Cosmos DB's API.
    pub fn offers(&self, need: Need) -> bool {
        self.offers.contains(&need)
    }

    /// The target in words, e.g. "the embedded emulator at http://127.0.0.1:41234/".
    pub fn description(&self) -> &str {
        &self.description
    }
}

/// `embedded`: an emulator in this process, with the well-known key and time travel.
async fn start_embedded() -> Started {
    let emulator = Emulator::builder()
        .time_travel(true)
        .start()
        .await
        .unwrap_or_else(|error| panic!("the embedded emulator did not start: {error:#}"));
    Started {
        endpoint: emulator.endpoint().to_owned(),
        primary: WELL_KNOWN_EMULATOR_KEY.to_owned(),
        offers: vec![Need::KeyAdmin, Need::TimeTravel, Need::IdentityProvider],
        description: format!("the embedded emulator at {}", emulator.endpoint()),
        running: Running::Embedded(Box::new(emulator)),
    }
}

/// `container`: a container of `image`; what it offers is asked, not assumed.
#[cfg(feature = "container")]
async fn start_container(image: &str, primary: &str, options: &ContainerOptions) -> Started {
    let key = MasterKey::from_base64(primary)
        .unwrap_or_else(|error| panic!("COSMOLAB_KEY is not a usable key: {error}"));
    let running = container::start(image, &key, options)
        .await
        .unwrap_or_else(|problem| panic!("the container target is not usable: {problem}"));
    let offers = if container::is_cosmolab_emulator(&running.endpoint).await {
        vec![Need::KeyAdmin, Need::TimeTravel, Need::IdentityProvider]
    } else {
        Vec::new()
    };
    Started {
        endpoint: running.endpoint.clone(),
        primary: primary.to_owned(),
        offers,
        description: running.description.clone(),
        running: Running::Container(Box::new(running)),
    }
}

/// `account`: an endpoint that is already running, with nothing beyond Cosmos DB's API.
fn start_account(endpoint: String, primary: String) -> Started {
    Started {
        description: format!("the account at {endpoint}"),
        endpoint,
        primary,
        offers: Vec::new(),
        running: Running::Account,
    }
}

/// Says, where the trainee and the grader will see it, that the lab does not run on this target.
fn skip(info: &LabInfo, target: &str, missing: &[Need]) {
    let reasons: Vec<String> = missing
        .iter()
        .map(|need| format!("{} ({})", need.name(), need.description()))
        .collect();
    let reason = format!(
        "lab {} needs what {target} does not offer: {}",
        info.number,
        reasons.join(", ")
    );
    // Straight to the process's stderr: libtest captures `eprintln!` of a passing test, and a
    // skip must never be silent.
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "\nSKIPPED: {reason}.\nRun it on the embedded target (the default) or the cosmolab \
         emulator's image.\n{MACHINE_LINE_PREFIX} skipped: {reason}"
    );
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

//! How fast does the emulator start, how much memory does it sit on, and what does it cost per
//! request on top of a bare HTTP server?
//!
//! Run with: `cargo bench -p cosmolab-emulator --bench emulator` (or `cargo xtask bench emulator`,
//! which also judges the figures against their goals).
//!
//! Four figures, all measured on the release binary `cosmolab-emulator`, started as its own
//! process exactly as a lab or a CI job starts it:
//!
//! | figure | how | goal (judged by `cargo xtask bench emulator`) |
//! |---|---|---|
//! | cold start | spawn → `ready at` line → first authenticated `GET /` answered 200, 10 runs | median ≤ 100 ms |
//! | idle RSS | `VmRSS` of `/proc/<pid>/status`, 1 s after one request (Linux only) | ≤ 20 MB |
//! | point reads | authenticated `GET` of one ~1 KB document, 32 concurrent keep-alive connections | ≥ 0.6 × a bare axum server |
//! | token reads | the same reads with a resource token instead of a master-key signature | cost ≤ 1.1 × master key |
//!
//! With `COSMOLAB_BENCH_PHASE=load` (what `cargo xtask bench load` sets) it measures instead a
//! **mixed load**: [`LoadPlan::clients`] concurrent clients for a bounded time, each cycling
//! through a point read signed with the master key, the same read with a resource token, a
//! partition query and an upsert. It reports throughput, p50 and p99 latency and the emulator's
//! resident memory afterwards, against the bare server answering point reads under the same
//! clients in the same run.
//!
//! ## Why the baseline is a bare axum server in its own process
//!
//! "Requests per second" means nothing on its own: it depends on the machine, on the load generator
//! and on whatever else runs. So the emulator is compared with the cheapest server that could
//! possibly answer the same request — an axum handler that returns the same bytes and the same
//! headers without looking at anything — measured **in the same run, with the same load generator,
//! and started the same way** (a separate process on a free port). The ratio between the two is
//! what the emulator's pipeline (authenticate, authorize, look up, serialise, log) costs, and it
//! means the same on a laptop and on a CI machine. The bare server is this very binary, started
//! again with `COSMOLAB_BENCH_ROLE=bare-server`, so the benchmark needs no second target.
//!
//! ## How the load is generated
//!
//! One tokio runtime in this process runs [`Plan::concurrency`] tasks, each sending one request
//! after the other on a shared `reqwest` client (keep-alive, so each task keeps its connection).
//! Every request is signed for the current second, as a real client signs it, and carries
//! `x-ms-documentdb-partitionkey: ["1"]`; the bare server receives the same signed requests and
//! ignores them. The first second is a warm-up (connections opened, caches filled) and is not
//! counted; then requests completed during [`Plan::duration`] are. Any answer other than 200 stops
//! the benchmark: a fast error is not a result.
//!
//! The three servers are measured in rounds, in the order bare → master key → token and then back
//! (token → master key → bare), so a machine that slows down or speeds up during the run (a
//! laptop's turbo, another job) moves every figure alike instead of favouring the first one.
//!
//! The load generator runs on the same machine as the server, so both share the CPU: on a small
//! machine the absolute figures are low, the ratios are what to read, and they lean towards 1
//! whenever the load generator, not the server, is what limits the rate. So, for information, each
//! run also reads how much CPU time the server process and the load generator spent during the
//! window (`/proc/<pid>/stat`, Linux only) and reports it per read: the server's CPU per read is
//! its own cost, which neither the load generator nor another program on the machine can blur.
//!
//! ## Output
//!
//! Progress lines while it runs, a human report at the end, and a JSON summary (read by
//! `cargo xtask bench emulator`) at `$COSMOLAB_BENCH_SUMMARY`, or else
//! `<target-dir>/cosmolab-bench/emulator.json`.
//!
//! Without `--bench` (as `cargo test --benches` runs it), it does one short pass of everything to
//! show that the benchmark works, and writes no summary: those figures are too short to mean
//! anything.

use std::env;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, Result, bail, ensure};
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::routing::get;
use cosmolab_auth_signing::{
    MasterKey, WELL_KNOWN_EMULATOR_KEY, encode_header_value, format_http_date,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinSet;

/// The environment variable that turns this binary into the bare baseline server.
const ROLE_VARIABLE: &str = "COSMOLAB_BENCH_ROLE";

/// The environment variable that chooses the mixed load (`load`) instead of the default figures.
const PHASE_VARIABLE: &str = "COSMOLAB_BENCH_PHASE";

/// The value of [`ROLE_VARIABLE`] for the bare server.
const BARE_SERVER_ROLE: &str = "bare-server";

/// Where to write the JSON summary (`cargo xtask bench emulator` sets it).
const SUMMARY_VARIABLE: &str = "COSMOLAB_BENCH_SUMMARY";

/// What the emulator prints on stdout once it accepts requests; the endpoint follows.
const EMULATOR_READY: &str = "cosmolab-emulator ready at ";

/// What the bare server prints on stdout once it accepts requests; the endpoint follows.
const BARE_READY: &str = "bare server ready at ";

/// The document every read fetches, by path (the trailing `/` is what the SDKs send) …
const DOCUMENT_PATH: &str = "/dbs/db/colls/c/docs/item1/";

/// … and by resource link, which is what a master-key signature covers.
const DOCUMENT_LINK: &str = "dbs/db/colls/c/docs/item1";

/// The partition key of that document, as the header carries it.
const PARTITION_KEY: &str = r#"["1"]"#;

/// How long to wait for a server to say it is ready before calling the start a failure.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How much work one run of the benchmark does.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// How many times the emulator is started for the cold-start figure.
    cold_starts: usize,
    /// How long the emulator sits idle before its memory is read.
    idle_wait: Duration,
    /// How many requests are in flight at once during the throughput runs.
    concurrency: usize,
    /// How long each throughput run sends requests before it starts counting.
    warm_up: Duration,
    /// How long each throughput run counts completed requests.
    duration: Duration,
    /// How many times each server is measured (alternating the order, see the module docs).
    rounds: usize,
}

impl Plan {
    /// The real benchmark: about 40 seconds in all, most of it the six throughput runs.
    const FULL: Plan = Plan {
        cold_starts: 10,
        idle_wait: Duration::from_secs(1),
        concurrency: 32,
        warm_up: Duration::from_secs(1),
        duration: Duration::from_secs(5),
        rounds: 2,
    };

    /// One short pass of everything, to show the benchmark still works (`cargo test --benches`).
    const SMOKE: Plan = Plan {
        cold_starts: 1,
        idle_wait: Duration::from_millis(100),
        concurrency: 4,
        warm_up: Duration::from_millis(100),
        duration: Duration::from_millis(300),
        rounds: 1,
    };
}

#[tokio::main]
async fn main() -> Result<()> {
    // The same binary is also the baseline server; decide which one we are before anything else.
    if env::var(ROLE_VARIABLE).as_deref() == Ok(BARE_SERVER_ROLE) {
        return serve_bare().await;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then a quick pass is
    // enough (criterion behaves the same way).
    let is_bench = env::args().any(|argument| argument == "--bench");
    let plan = if is_bench { Plan::FULL } else { Plan::SMOKE };

    let client = reqwest::Client::builder()
        // Only ever loopback: a proxy configured in the environment must not see this traffic.
        .no_proxy()
        .pool_max_idle_per_host(plan.concurrency)
        .build()?;
    let key = MasterKey::from_base64(WELL_KNOWN_EMULATOR_KEY)?;

    if env::var(PHASE_VARIABLE).as_deref() == Ok("load") {
        let plan = if is_bench {
            LoadPlan::FULL
        } else {
            LoadPlan::SMOKE
        };
        println!("mixed load benchmark: {plan:?}");
        let summary = measure_load(&client, &key, plan).await?;
        print!("{}", summary.report());
        if is_bench {
            write_summary(&serde_json::to_string_pretty(&summary)?)?;
        }
        return Ok(());
    }

    println!("emulator benchmark: {plan:?}");
    let cold_start = measure_cold_starts(&client, &key, plan).await?;
    let idle_rss_mb = measure_idle_rss(&client, &key, plan).await?;
    let reads = measure_point_reads(&client, &key, plan).await?;

    let summary = Summary {
        cold_start_ms: cold_start,
        idle_rss_mb,
        point_reads: reads,
    };
    print!("{}", summary.report());
    if is_bench {
        write_summary(&serde_json::to_string_pretty(&summary)?)?;
    } else {
        println!("(a smoke run, without --bench: no summary written)");
    }
    Ok(())
}

/// Writes the JSON summary where `cargo xtask bench` reads it.
fn write_summary(json: &str) -> Result<()> {
    let path = summary_path();
    std::fs::create_dir_all(path.parent().unwrap_or(&path))
        .with_context(|| format!("creating the directory of {}", path.display()))?;
    std::fs::write(&path, format!("{json}\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    println!("summary written to {}", path.display());
    Ok(())
}

// ── what is reported ─────────────────────────────────────────────────────────────────────────────

/// Everything the benchmark measured; written as JSON for `cargo xtask bench emulator`.
///
/// Only raw figures are here; the goals, and the verdicts against them, belong to xtask, so that
/// they are written down in one place.
#[derive(Debug, Serialize)]
struct Summary {
    /// Spawn → first authenticated 200, in milliseconds.
    cold_start_ms: ColdStart,
    /// Resident memory of an idle emulator in megabytes (10⁶ bytes); `null` where there is no
    /// `/proc` to read it from.
    idle_rss_mb: Option<f64>,
    /// Point-read throughput of the three servers.
    point_reads: PointReads,
}

/// The cold-start times of every start, and the two figures drawn from them.
#[derive(Debug, Serialize)]
struct ColdStart {
    /// The middle of the sorted times: what a start usually takes.
    median: f64,
    /// The slowest start.
    max: f64,
    /// Every start, in the order they ran.
    samples: Vec<f64>,
}

/// Requests per second of each server, with the conditions they were measured in.
#[derive(Debug, Serialize)]
struct PointReads {
    /// Requests in flight at once.
    concurrency: usize,
    /// Seconds counted per run (after the warm-up).
    duration_s: f64,
    /// Runs per server; the figures below are over all of them.
    rounds: usize,
    /// Size of the document's JSON body, in bytes.
    document_bytes: usize,
    /// The bare axum server answering the same bytes.
    bare_axum: ServerFigures,
    /// The emulator, requests signed with the primary master key.
    master_key: ServerFigures,
    /// The emulator, requests carrying a resource token.
    resource_token: ServerFigures,
}

/// What one server achieved over all its rounds.
#[derive(Debug, Serialize)]
struct ServerFigures {
    /// Completed reads per second.
    rps: f64,
    /// CPU time the server process spent per read (user + system, all its threads), in
    /// microseconds; `null` without `/proc`.
    ///
    /// Throughput moves when the load generator, or any other program, takes CPU away from the
    /// server; the CPU a server spends per read does not, so it shows what the server itself
    /// costs even on a busy or small machine.
    server_cpu_us_per_read: Option<f64>,
    /// CPU time this process — the load generator — spent per read, in microseconds.
    load_generator_cpu_us_per_read: Option<f64>,
}

impl Summary {
    /// The figures for a person, with the ratios the goals are about (but not the goals).
    fn report(&self) -> String {
        let reads = &self.point_reads;
        let memory = self.idle_rss_mb.map_or_else(
            || "not measured (needs Linux's /proc)".to_owned(),
            |mb| format!("{mb:.1} MB"),
        );
        let cold = &self.cold_start_ms;
        let mut report = String::from("\nemulator benchmark: results\n");
        report.push_str(&format!(
            "  cold start, spawn → first authenticated 200 ({} runs): median {:.1} ms, max {:.1} ms\n",
            cold.samples.len(),
            cold.median,
            cold.max
        ));
        report.push_str(&format!("  idle RSS after one request: {memory}\n"));
        report.push_str(&format!(
            "  point reads of a {}-byte document, {} concurrent, {} × {} s per server:\n",
            reads.document_bytes, reads.concurrency, reads.rounds, reads.duration_s
        ));
        for (name, figures) in [
            ("bare axum", &reads.bare_axum),
            ("emulator, master key", &reads.master_key),
            ("emulator, resource token", &reads.resource_token),
        ] {
            let cpu = |us: Option<f64>| us.map_or_else(|| "?".to_owned(), |us| format!("{us:.1}"));
            report.push_str(&format!(
                "    {name:<25} {:>9.0} req/s   CPU per read: server {} µs, load generator {} µs\n",
                figures.rps,
                cpu(figures.server_cpu_us_per_read),
                cpu(figures.load_generator_cpu_us_per_read)
            ));
        }
        report.push_str(&format!(
            "  emulator (master key) / bare axum throughput: {:.2}\n",
            reads.master_key.rps / reads.bare_axum.rps
        ));
        // Cost per read is 1 / throughput, so the ratio of costs is the inverse ratio of rates.
        report.push_str(&format!(
            "  cost of a resource-token read / a master-key read: {:.2}\n",
            reads.master_key.rps / reads.resource_token.rps
        ));
        report.push_str("for the verdicts against the goals: cargo xtask bench emulator\n");
        report
    }
}

/// Where the JSON summary goes: `$COSMOLAB_BENCH_SUMMARY`, else under the target directory.
fn summary_path() -> PathBuf {
    if let Some(path) = env::var_os(SUMMARY_VARIABLE) {
        return path.into();
    }
    // cargo runs benchmarks from the package's directory, so a relative CARGO_TARGET_DIR would be
    // read from the wrong place; xtask avoids that by passing an absolute COSMOLAB_BENCH_SUMMARY.
    let target = env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("cosmolab-bench").join("emulator.json")
}

// ── cold start and idle memory ───────────────────────────────────────────────────────────────────

/// Starts the emulator `plan.cold_starts` times and times spawn → first authenticated 200.
///
/// The clock starts just before the process is spawned, so it includes everything a lab waits
/// for: loading the binary, parsing arguments, building the state, binding the port, and one full
/// request through the pipeline (signature checked, account read, answer written).
async fn measure_cold_starts(
    client: &reqwest::Client,
    key: &MasterKey,
    plan: Plan,
) -> Result<ColdStart> {
    let mut samples = Vec::with_capacity(plan.cold_starts);
    for run in 1..=plan.cold_starts {
        let started = Instant::now();
        let emulator = Server::start_emulator().await?;
        first_authenticated_200(client, key, &emulator.endpoint).await?;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        emulator.stop().await;
        println!("cold start {run}/{}: {elapsed_ms:.1} ms", plan.cold_starts);
        samples.push(elapsed_ms);
    }
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(ColdStart {
        median: median(&sorted),
        max: sorted.last().copied().unwrap_or(f64::NAN),
        samples,
    })
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Sends `GET /` (the account read every SDK starts with), signed, until one is answered 200.
///
/// The emulator prints its ready line only once it accepts connections, so the first request
/// should succeed; retrying (briefly) keeps a slow machine from turning into a false failure.
async fn first_authenticated_200(
    client: &reqwest::Client,
    key: &MasterKey,
    endpoint: &str,
) -> Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let date = format_http_date(SystemTime::now());
        // The account has an empty resource type and an empty link.
        let answer = client
            .get(endpoint)
            .header(header::AUTHORIZATION, key.authorize("GET", "", "", &date))
            .header("x-ms-date", &date)
            .send()
            .await;
        match answer {
            Ok(response) if response.status() == StatusCode::OK => return Ok(()),
            Ok(response) if Instant::now() >= deadline => {
                bail!("GET / kept answering {} instead of 200", response.status())
            }
            Err(error) if Instant::now() >= deadline => {
                return Err(error).context("GET / never reached the emulator");
            }
            _ => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
}

/// Starts an emulator, sends it one request, lets it sit idle, and reads its resident memory.
///
/// Resident set size (RSS) is the memory the process actually occupies, code and heap, as opposed
/// to what it has merely reserved. It is read after one request so that everything a request
/// touches once (the runtime's worker threads, the HTTP connection, the logger) is counted.
async fn measure_idle_rss(
    client: &reqwest::Client,
    key: &MasterKey,
    plan: Plan,
) -> Result<Option<f64>> {
    let emulator = Server::start_emulator().await?;
    first_authenticated_200(client, key, &emulator.endpoint).await?;
    tokio::time::sleep(plan.idle_wait).await;
    let rss = emulator.resident_memory_mb();
    emulator.stop().await;
    let rss = rss?;
    match rss {
        Some(mb) => println!("idle RSS: {mb:.1} MB"),
        None => println!("idle RSS: not measured (no /proc on this system)"),
    }
    Ok(rss)
}

// ── the servers under test ───────────────────────────────────────────────────────────────────────

/// A server running as a child process: the emulator, or the bare baseline.
struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>/`.
    endpoint: String,
}

impl Server {
    /// Starts the release emulator on a free port and waits for its ready line.
    async fn start_emulator() -> Result<Server> {
        // Cargo builds the package's binaries before its benchmarks and tells us where they are.
        let mut command = Command::new(env!("CARGO_BIN_EXE_cosmolab-emulator"));
        command
            .args(["--port", "0", "--log-format", "json"])
            // The emulator logs every request on stderr, as it does in a lab; the log is part of
            // its cost, but nobody reads it here.
            .stderr(Stdio::null());
        Server::start(command, EMULATOR_READY, None).await
    }

    /// Starts the bare server (this binary again) answering `canned`, and waits for its ready line.
    async fn start_bare(canned: &CannedResponse) -> Result<Server> {
        let mut command = Command::new(env::current_exe()?);
        command
            .env(ROLE_VARIABLE, BARE_SERVER_ROLE)
            .stderr(Stdio::inherit());
        Server::start(command, BARE_READY, Some(serde_json::to_vec(canned)?)).await
    }

    /// Spawns `command`, writes `input` to its stdin, and reads stdout up to the `ready` line.
    async fn start(mut command: Command, ready: &str, input: Option<Vec<u8>>) -> Result<Server> {
        let program = command
            .as_std()
            .get_program()
            .to_string_lossy()
            .into_owned();
        let mut child = command
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            // If the benchmark fails half-way, no server is left running behind it.
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("could not start {program}"))?;
        if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin.write_all(&input).await?;
            // Dropping stdin closes it: the server reads to the end, so it needs to see the end.
        }

        let stdout = child.stdout.take().context("stdout was not captured")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(START_TIMEOUT, lines.next_line())
            .await
            .with_context(|| {
                format!("{program} did not say it was ready within {START_TIMEOUT:?}")
            })?
            .context("reading the server's stdout")?;
        let Some(endpoint) = line.as_deref().and_then(|line| line.strip_prefix(ready)) else {
            let status = child.try_wait().ok().flatten();
            bail!("{program} printed {line:?} instead of its ready line (exit status: {status:?})");
        };
        // Both servers print nothing more on stdout, so the pipe can close with `lines` here.
        Ok(Server {
            endpoint: endpoint.trim().to_owned(),
            child,
        })
    }

    /// The server's resident memory in megabytes, from `/proc/<pid>/status` (`None` without `/proc`).
    fn resident_memory_mb(&self) -> Result<Option<f64>> {
        let pid = self.pid()?;
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            return Ok(None);
        };
        // The line reads `VmRSS:     9876 kB`, where the kernel's "kB" means KiB (1024 bytes).
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .context("/proc/<pid>/status has no readable VmRSS line")?;
        Ok(Some(kib * 1024.0 / 1e6))
    }

    /// The server's process id.
    fn pid(&self) -> Result<u32> {
        self.child.id().context("the server has already exited")
    }

    /// Kills the server and waits for it to be gone, so the next one starts on a quiet machine.
    async fn stop(mut self) {
        // A server that already died has nothing left to stop; the error says only that.
        let _ = self.child.kill().await;
    }
}

// ── the baseline: a bare axum server ─────────────────────────────────────────────────────────────

/// The answer the bare server gives to every read: the bytes and headers the emulator gave.
#[derive(Debug, Serialize, Deserialize)]
struct CannedResponse {
    /// The response headers, as (name, value) pairs.
    headers: Vec<(String, String)>,
    /// The document's JSON, exactly as the emulator sent it.
    body: String,
}

/// The bare server's `main`: read the canned answer from stdin, then serve it until killed.
///
/// This is the least any HTTP server can do for the request: hyper parses it, the router matches
/// the path, and the handler hands back bytes prepared in advance (cloning a `Bytes` only bumps a
/// reference count). No authentication, no lookup, no serialisation, no log.
async fn serve_bare() -> Result<()> {
    let mut input = String::new();
    tokio::io::stdin().read_to_string(&mut input).await?;
    let canned: CannedResponse =
        serde_json::from_str(&input).context("reading the canned answer")?;
    let mut headers = HeaderMap::new();
    for (name, value) in &canned.headers {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes())?,
            HeaderValue::from_str(value)?,
        );
    }
    let body = Bytes::from(canned.body);
    let app = Router::new().route(
        DOCUMENT_PATH,
        get(move || {
            let answer = (headers.clone(), body.clone());
            async move { answer }
        }),
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{BARE_READY}http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

// ── throughput ───────────────────────────────────────────────────────────────────────────────────

/// How a read proves who sends it.
#[derive(Clone)]
enum Credential {
    /// A master-key signature, computed for each request.
    MasterKey(MasterKey),
    /// A resource token, sent as is (already URL-encoded).
    ResourceToken(String),
}

impl Credential {
    /// The `Authorization` and `x-ms-date` headers for a read of the document, now.
    fn headers(&self) -> (String, String) {
        let date = format_http_date(SystemTime::now());
        let authorization = match self {
            Credential::MasterKey(key) => key.authorize("GET", "docs", DOCUMENT_LINK, &date),
            // A token is signed once, by the server, when the permission is read; the client only
            // carries it. It still sends x-ms-date, as every SDK request does.
            Credential::ResourceToken(token) => token.clone(),
        };
        (authorization, date)
    }
}

/// One of the three measured configurations.
struct Target<'a> {
    name: &'static str,
    endpoint: &'a str,
    /// The server's process, whose CPU time is read.
    pid: u32,
    credential: Credential,
}

/// Sets the emulator and the bare server up and measures the three configurations.
async fn measure_point_reads(
    client: &reqwest::Client,
    key: &MasterKey,
    plan: Plan,
) -> Result<PointReads> {
    let emulator = Server::start_emulator().await?;
    let setup = set_up_account(client, key, &emulator.endpoint).await?;
    println!(
        "emulator at {}: document of {} bytes and a resource token ready",
        emulator.endpoint,
        setup.canned.body.len()
    );
    let bare = Server::start_bare(&setup.canned).await?;
    println!("bare axum server at {}", bare.endpoint);

    let targets = [
        Target {
            name: "bare axum",
            endpoint: &bare.endpoint,
            pid: bare.pid()?,
            credential: Credential::MasterKey(key.clone()),
        },
        Target {
            name: "emulator, master key",
            endpoint: &emulator.endpoint,
            pid: emulator.pid()?,
            credential: Credential::MasterKey(key.clone()),
        },
        Target {
            name: "emulator, resource token",
            endpoint: &emulator.endpoint,
            pid: emulator.pid()?,
            credential: Credential::ResourceToken(setup.encoded_token),
        },
    ];
    // Both servers must answer the same bytes, or the comparison compares nothing.
    for target in &targets {
        let body = read_document(client, target).await?;
        ensure!(
            body == setup.canned.body.as_bytes(),
            "{} answered a different document than the emulator did during setup",
            target.name
        );
    }

    let mut tallies = [Tally::default(), Tally::default(), Tally::default()];
    for round in 0..plan.rounds {
        // Even rounds go forward, odd rounds backward (see the module docs).
        let mut order = [0, 1, 2];
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let target = &targets[index];
            let window = count_reads(client, target, plan).await?;
            println!(
                "round {}/{}: {:<25} {:>9.0} req/s",
                round + 1,
                plan.rounds,
                target.name,
                window.reads as f64 / plan.duration.as_secs_f64()
            );
            tallies[index].add(&window, plan.duration);
        }
    }
    emulator.stop().await;
    bare.stop().await;

    let [bare_axum, master_key, resource_token] = tallies.map(|tally| tally.figures());
    Ok(PointReads {
        concurrency: plan.concurrency,
        duration_s: plan.duration.as_secs_f64(),
        rounds: plan.rounds,
        document_bytes: setup.canned.body.len(),
        bare_axum,
        master_key,
        resource_token,
    })
}

/// What one run counted during its window.
struct Window {
    /// Reads completed inside the window.
    reads: u64,
    /// CPU time the server spent during the window (`None` without `/proc`).
    server_cpu: Option<Duration>,
    /// CPU time this process spent during the window.
    load_generator_cpu: Option<Duration>,
}

/// The windows of one server, added up over the rounds.
#[derive(Default)]
struct Tally {
    reads: u64,
    seconds: f64,
    server_cpu: Option<Duration>,
    load_generator_cpu: Option<Duration>,
    /// Whether a window lacked a CPU time, which makes the sums meaningless.
    cpu_unknown: bool,
}

impl Tally {
    fn add(&mut self, window: &Window, duration: Duration) {
        self.reads += window.reads;
        self.seconds += duration.as_secs_f64();
        match (window.server_cpu, window.load_generator_cpu) {
            (Some(server), Some(load_generator)) => {
                self.server_cpu = Some(self.server_cpu.unwrap_or_default() + server);
                self.load_generator_cpu =
                    Some(self.load_generator_cpu.unwrap_or_default() + load_generator);
            }
            _ => self.cpu_unknown = true,
        }
    }

    fn figures(&self) -> ServerFigures {
        let per_read = |cpu: Option<Duration>| {
            cpu.filter(|_| !self.cpu_unknown && self.reads > 0)
                .map(|cpu| cpu.as_secs_f64() * 1e6 / self.reads as f64)
        };
        ServerFigures {
            rps: self.reads as f64 / self.seconds,
            server_cpu_us_per_read: per_read(self.server_cpu),
            load_generator_cpu_us_per_read: per_read(self.load_generator_cpu),
        }
    }
}

/// Runs `plan.concurrency` reading tasks against `target` and counts the reads completed, and
/// the CPU time both sides spent, during the window that follows the warm-up.
async fn count_reads(client: &reqwest::Client, target: &Target<'_>, plan: Plan) -> Result<Window> {
    let url = format!(
        "{}{}",
        target.endpoint,
        DOCUMENT_PATH.trim_start_matches('/')
    );
    let counting_from = Instant::now() + plan.warm_up;
    let until = counting_from + plan.duration;

    let mut tasks = JoinSet::new();
    for _ in 0..plan.concurrency {
        let (client, url, credential) = (client.clone(), url.clone(), target.credential.clone());
        tasks.spawn(async move {
            let mut counted: u64 = 0;
            while Instant::now() < until {
                read(&client, &url, &credential).await?;
                // A read counts if it *completed* inside the window; reads cut by its edges are
                // too few (at most one per task at each edge) to matter.
                let now = Instant::now();
                if now >= counting_from && now < until {
                    counted += 1;
                }
            }
            anyhow::Ok(counted)
        });
    }

    // While the tasks run, this task reads both processes' CPU clocks at the window's edges.
    let cpu_times = || (cpu_time(target.pid), cpu_time(std::process::id()));
    tokio::time::sleep_until(counting_from.into()).await;
    let before = cpu_times();
    tokio::time::sleep_until(until.into()).await;
    let after = cpu_times();

    let mut reads = 0;
    while let Some(task) = tasks.join_next().await {
        // The first failed read ends the benchmark; the other tasks are aborted with the set.
        reads += task??;
    }
    let spent = |before: Option<Duration>, after: Option<Duration>| Some(after? - before?);
    Ok(Window {
        reads,
        server_cpu: spent(before.0, after.0),
        load_generator_cpu: spent(before.1, after.1),
    })
}

/// The CPU time process `pid` has used so far, user and system, all threads together, from
/// `/proc/<pid>/stat` (`None` where there is no `/proc`).
fn cpu_time(pid: u32) -> Option<Duration> {
    /// The kernel counts CPU time in "clock ticks" of 1/100 s (`USER_HZ`, fixed at 100 by Linux's
    /// interface on the common architectures); over a 5-second window that is precise enough.
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The line is `pid (name) state ppid …`; the name may contain spaces, so split after its `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of proc(5), the 12th and 13th after the name.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// Reads the document once, as the load does, and returns its body.
async fn read_document(client: &reqwest::Client, target: &Target<'_>) -> Result<Bytes> {
    let url = format!(
        "{}{}",
        target.endpoint,
        DOCUMENT_PATH.trim_start_matches('/')
    );
    read(client, &url, &target.credential)
        .await
        .with_context(|| format!("reading the document from {}", target.name))
}

/// One point read: signed (or carrying the token), with the partition key; anything but 200 fails.
async fn read(client: &reqwest::Client, url: &str, credential: &Credential) -> Result<Bytes> {
    let (authorization, date) = credential.headers();
    let response = client
        .get(url)
        .header(header::AUTHORIZATION, authorization)
        .header("x-ms-date", date)
        .header("x-ms-documentdb-partitionkey", PARTITION_KEY)
        .send()
        .await?;
    let status = response.status();
    if status != StatusCode::OK {
        // The emulator names the access rule that refused a request; show it.
        let reason = response
            .headers()
            .get("x-cosmolab-deny-reason")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        bail!("GET {url} answered {status} (reason: {reason:?}): {body}");
    }
    // The body is read in full: a server is not done with a request until its answer has arrived.
    Ok(response.bytes().await?)
}

// ── the mixed load ───────────────────────────────────────────────────────────────────────────────

/// How much work the mixed load does: bounded in clients and in time.
#[derive(Debug, Clone, Copy)]
struct LoadPlan {
    /// Concurrent clients, each with its own sequence of requests.
    clients: usize,
    /// Time before latencies are recorded (connections opened, caches warm).
    warm_up: Duration,
    /// Time during which completed requests are counted and their latencies recorded.
    duration: Duration,
}

impl LoadPlan {
    /// About 25 seconds: the bare server, then the emulator, 10 s each.
    const FULL: LoadPlan = LoadPlan {
        clients: 16,
        warm_up: Duration::from_secs(1),
        duration: Duration::from_secs(10),
    };

    /// One short pass, to show the load still runs (`cargo test --benches`).
    const SMOKE: LoadPlan = LoadPlan {
        clients: 2,
        warm_up: Duration::from_millis(100),
        duration: Duration::from_millis(300),
    };
}

/// The four requests of the mixed load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoadOperation {
    /// A point read signed with the master key.
    ReadWithKey,
    /// The same read with a resource token.
    ReadWithToken,
    /// `SELECT * FROM c WHERE c.key = '1'` in partition `["1"]`.
    Query,
    /// An upsert of the client's own document.
    Upsert,
}

const LOAD_CYCLE: [LoadOperation; 4] = [
    LoadOperation::ReadWithKey,
    LoadOperation::ReadWithToken,
    LoadOperation::Query,
    LoadOperation::Upsert,
];

/// Throughput, latency and memory of one server under the load.
#[derive(Debug, Serialize)]
struct LoadFigures {
    /// Requests completed per second during the window.
    rps: f64,
    /// Median latency, milliseconds.
    p50_ms: f64,
    /// 99th-percentile latency, milliseconds.
    p99_ms: f64,
    /// Resident memory after the load, megabytes (`null` without `/proc`).
    rss_mb: Option<f64>,
}

/// What `cargo xtask bench load` reads.
#[derive(Debug, Serialize)]
struct LoadSummary {
    clients: usize,
    duration_s: f64,
    /// The bare server answering point reads.
    bare_axum: LoadFigures,
    /// The emulator under the mixed load.
    emulator: LoadFigures,
}

impl LoadSummary {
    fn report(&self) -> String {
        let line = |name: &str, figures: &LoadFigures| {
            format!(
                "  {name:<26} {:>9.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   RSS {}\n",
                figures.rps,
                figures.p50_ms,
                figures.p99_ms,
                figures
                    .rss_mb
                    .map_or_else(|| "?".to_owned(), |mb| format!("{mb:.1} MB"))
            )
        };
        format!(
            "\nmixed load, {} clients, {:.0} s each:\n{}{}",
            self.clients,
            self.duration_s,
            line("bare axum (point reads)", &self.bare_axum),
            line("emulator (mixed)", &self.emulator)
        )
    }
}

/// Starts both servers, loads each in turn, and measures.
async fn measure_load(
    client: &reqwest::Client,
    key: &MasterKey,
    plan: LoadPlan,
) -> Result<LoadSummary> {
    let emulator = Server::start_emulator().await?;
    let setup = set_up_account(client, key, &emulator.endpoint).await?;
    let bare = Server::start_bare(&setup.canned).await?;

    let bare_latencies = run_load(
        client,
        &bare.endpoint,
        key,
        &setup.encoded_token,
        plan,
        true,
    )
    .await?;
    let bare_figures = load_figures(bare_latencies, plan, bare.resident_memory_mb()?);
    println!("bare axum: {:.0} req/s", bare_figures.rps);
    let emulator_latencies = run_load(
        client,
        &emulator.endpoint,
        key,
        &setup.encoded_token,
        plan,
        false,
    )
    .await?;
    let emulator_figures = load_figures(emulator_latencies, plan, emulator.resident_memory_mb()?);
    println!("emulator: {:.0} req/s", emulator_figures.rps);
    emulator.stop().await;
    bare.stop().await;
    Ok(LoadSummary {
        clients: plan.clients,
        duration_s: plan.duration.as_secs_f64(),
        bare_axum: bare_figures,
        emulator: emulator_figures,
    })
}

fn load_figures(mut latencies: Vec<Duration>, plan: LoadPlan, rss_mb: Option<f64>) -> LoadFigures {
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |latency| latency.as_secs_f64() * 1e3)
    };
    LoadFigures {
        rps: latencies.len() as f64 / plan.duration.as_secs_f64(),
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        rss_mb,
    }
}

/// Runs `plan.clients` clients against `endpoint` and returns the latencies of the requests that
/// completed inside the window. The bare server only knows point reads (`reads_only`).
async fn run_load(
    client: &reqwest::Client,
    endpoint: &str,
    key: &MasterKey,
    token: &str,
    plan: LoadPlan,
    reads_only: bool,
) -> Result<Vec<Duration>> {
    let counting_from = Instant::now() + plan.warm_up;
    let until = counting_from + plan.duration;
    let mut tasks = JoinSet::new();
    for index in 0..plan.clients {
        let (client, endpoint, key, token) = (
            client.clone(),
            endpoint.to_owned(),
            key.clone(),
            token.to_owned(),
        );
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut step = index;
            while Instant::now() < until {
                let operation = if reads_only {
                    LoadOperation::ReadWithKey
                } else {
                    LOAD_CYCLE[step % LOAD_CYCLE.len()]
                };
                step += 1;
                let started = Instant::now();
                send_load_request(&client, &endpoint, &key, &token, operation, index).await?;
                let finished = Instant::now();
                if finished >= counting_from && finished < until {
                    latencies.push(finished - started);
                }
            }
            anyhow::Ok(latencies)
        });
    }
    let mut all = Vec::new();
    while let Some(task) = tasks.join_next().await {
        all.extend(task??);
    }
    Ok(all)
}

/// One request of the load; anything but a success ends the benchmark.
async fn send_load_request(
    client: &reqwest::Client,
    endpoint: &str,
    key: &MasterKey,
    token: &str,
    operation: LoadOperation,
    client_index: usize,
) -> Result<()> {
    let date = format_http_date(SystemTime::now());
    let request = match operation {
        LoadOperation::ReadWithKey | LoadOperation::ReadWithToken => {
            let authorization = if operation == LoadOperation::ReadWithKey {
                key.authorize("GET", "docs", DOCUMENT_LINK, &date)
            } else {
                token.to_owned()
            };
            client
                .get(format!(
                    "{endpoint}{}",
                    DOCUMENT_PATH.trim_start_matches('/')
                ))
                .header(header::AUTHORIZATION, authorization)
        }
        LoadOperation::Query => client
            .post(format!("{endpoint}dbs/db/colls/c/docs"))
            .header(
                header::AUTHORIZATION,
                key.authorize("POST", "docs", "dbs/db/colls/c", &date),
            )
            .header("x-ms-documentdb-isquery", "True")
            .header(header::CONTENT_TYPE, "application/query+json")
            .body(r#"{"query":"SELECT * FROM c WHERE c.key = '1'","parameters":[]}"#),
        LoadOperation::Upsert => client
            .post(format!("{endpoint}dbs/db/colls/c/docs"))
            .header(
                header::AUTHORIZATION,
                key.authorize("POST", "docs", "dbs/db/colls/c", &date),
            )
            .header("x-ms-documentdb-is-upsert", "True")
            .json(&json!({"id": format!("load-{client_index}"), "key": "1", "at": date})),
    };
    let response = request
        .header("x-ms-date", &date)
        .header("x-ms-documentdb-partitionkey", PARTITION_KEY)
        .send()
        .await?;
    let status = response.status();
    let _ = response.bytes().await?;
    ensure!(status.is_success(), "{operation:?} answered {status}");
    Ok(())
}

// ── setting up the account ───────────────────────────────────────────────────────────────────────

/// What the throughput runs need from the emulator's account.
struct Setup {
    /// The document's read answer, for the bare server to replay.
    canned: CannedResponse,
    /// The permission's token, URL-encoded for the `Authorization` header.
    encoded_token: String,
}

/// Creates the database, the container, the document, a user and a permission, with the master
/// key, through the REST API as any client would.
async fn set_up_account(
    client: &reqwest::Client,
    key: &MasterKey,
    endpoint: &str,
) -> Result<Setup> {
    let send =
        |path: &'static str, resource_type: &'static str, link: &'static str, body: Value| {
            let date = format_http_date(SystemTime::now());
            client
                .post(format!("{endpoint}{path}"))
                .header(
                    header::AUTHORIZATION,
                    key.authorize("POST", resource_type, link, &date),
                )
                .header("x-ms-date", date)
                .header("x-ms-documentdb-partitionkey", PARTITION_KEY)
                .json(&body)
        };
    let created = |request: reqwest::RequestBuilder, what: &'static str| async move {
        let response = request.send().await?;
        let status = response.status();
        let body: Value = response.json().await?;
        ensure!(
            status == StatusCode::CREATED,
            "creating {what} answered {status}: {body}"
        );
        anyhow::Ok(body)
    };

    created(send("dbs", "dbs", "", json!({"id": "db"})), "the database").await?;
    let container = json!({
        "id": "c",
        "partitionKey": {"paths": ["/key"], "kind": "Hash", "version": 2}
    });
    created(
        send("dbs/db/colls/", "colls", "dbs/db", container),
        "the container",
    )
    .await?;
    created(
        send("dbs/db/colls/c/docs/", "docs", "dbs/db/colls/c", document()),
        "the document",
    )
    .await?;
    created(
        send("dbs/db/users/", "users", "dbs/db", json!({"id": "u"})),
        "the user",
    )
    .await?;
    let permission = json!({
        "id": "p",
        "permissionMode": "All",
        "resource": "dbs/db/colls/c",
        "resourcePartitionKey": ["1"]
    });
    let permission = created(
        send(
            "dbs/db/users/u/permissions/",
            "permissions",
            "dbs/db/users/u",
            permission,
        ),
        "the permission",
    )
    .await?;
    let token = permission["_token"]
        .as_str()
        .context("the permission has no _token")?;

    // The bare server replays what the emulator answers to a read, headers included; only the
    // headers that hyper writes itself for every answer are left out.
    let date = format_http_date(SystemTime::now());
    let response = client
        .get(format!(
            "{endpoint}{}",
            DOCUMENT_PATH.trim_start_matches('/')
        ))
        .header(
            header::AUTHORIZATION,
            key.authorize("GET", "docs", DOCUMENT_LINK, &date),
        )
        .header("x-ms-date", date)
        .header("x-ms-documentdb-partitionkey", PARTITION_KEY)
        .send()
        .await?;
    ensure!(
        response.status() == StatusCode::OK,
        "reading the document answered {}",
        response.status()
    );
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| ![header::CONTENT_LENGTH, header::DATE].contains(name))
        .map(|(name, value)| Ok((name.to_string(), value.to_str()?.to_owned())))
        .collect::<Result<Vec<_>>>()?;
    let body = response.text().await?;

    Ok(Setup {
        canned: CannedResponse { headers, body },
        encoded_token: encode_header_value(token),
    })
}

/// A document of realistic size (about 1 KB once the emulator adds its system properties): an
/// order with a customer, an address and a few lines, as a lab would store.
fn document() -> Value {
    json!({
        "id": "item1",
        "key": "1",
        "type": "order",
        "status": "shipped",
        "customer": {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "address": {
                "street": "12 St James's Square",
                "city": "London",
                "postcode": "SW1Y 4JH",
                "country": "United Kingdom"
            }
        },
        "lines": [
            {"sku": "NB-1843", "description": "Notebook, squared paper, A5", "quantity": 3, "price": 4.5},
            {"sku": "PN-0042", "description": "Fountain pen, fine nib", "quantity": 1, "price": 38.0},
            {"sku": "IN-0007", "description": "Ink cartridges, blue-black, pack of 6", "quantity": 2, "price": 6.25}
        ],
        "total": 64.0,
        "currency": "GBP",
        "notes": "Leave the parcel with the porter if nobody answers. The customer asked for the \
                  invoice to be sent by email rather than in the parcel.",
        "delivery": {"carrier": "Royal Mail", "service": "Tracked 48", "tracking": "RM482937115GB"},
        "createdAt": "2026-03-02T09:14:27Z",
        "updatedAt": "2026-03-04T16:40:03Z"
    })
}

//! # xtask — cosmolab's repository automation, in Rust
//!
//! Run with: `cargo xtask <task>` (an alias in `.cargo/config.toml` for `cargo run -p xtask --`).
//!
//! Everything a maintainer or CI does to the repository is a task here, written in Rust rather than
//! shell scripts so it runs the same on Linux, macOS and Windows and is read like the rest of the
//! course (the idea comes from rust-analyzer's `xtask`). The tasks today:
//!
//! - `cargo xtask ci` — every check CI runs, with a summary ([`ci`]);
//! - `cargo xtask check-labs` — every lab fails as shipped, every solution passes ([`labs`]);
//! - `cargo xtask grade --submissions DIR` — every trainee's labs, a cell each ([`grade`]);
//! - `cargo xtask bench <name>` — a benchmark, reported against its goal ([`bench`](mod@bench));
//! - `cargo xtask image` — the emulator's container image, `FROM scratch` ([`image`]).
//!
//! The modules, one per task plus what the tasks share:
//!
//! | module               | what it holds                                                  |
//! |----------------------|----------------------------------------------------------------|
//! | [`ci`]               | the CI steps, the runner that keeps going, the summary table   |
//! | [`bench`](mod@bench) | the benchmarks and the ratio report against a goal             |
//! | [`labs`]             | `check-labs`: the labs' static checks and scenario runs        |
//! | [`grade`]            | `grade`: the grading workspace, the table, JSON and JUnit      |
//! | [`image`]            | `image`: the static binary, the build context, `docker build`  |
//! | [`scenario`]         | building lab scenarios together and running each with a limit  |
//! | [`python_sdk`]       | the Python SDK step: emulator build, Python, venv, pytest      |
//! | [`browser`]          | the browser step's Chromium and chromedriver, from apt-get     |
//! | [`test_summary`]     | reading test counts from nextest's, libtest's, pytest's lines  |
//! | [`criterion`]        | reading criterion's `estimates.json` after `cargo bench`       |
//! | [`process`]          | running `cargo …` from the workspace root, with clear errors   |

mod bench;
mod browser;
mod ci;
mod criterion;
mod fuzz;
mod grade;
mod image;
mod labs;
mod process;
mod python_sdk;
mod scenario;
mod test_summary;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Repository automation for cosmolab.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Repository automation for cosmolab: CI checks, labs, grading, the image, benchmarks.",
    long_about = "Repository automation for cosmolab: CI checks and benchmarks.\n\n\
                  Every task runs from the workspace root, whatever the current directory, with the \
                  same cargo that started it. CARGO_TARGET_DIR is respected.",
    subcommand_value_name = "TASK",
    subcommand_help_heading = "Tasks",
    after_help = "Examples:\n  cargo xtask ci              every check, as CI runs them\n  \
                  cargo xtask bench signing   the signing benchmark against its goal\n  \
                  cargo xtask bench emulator  the emulator's start, memory and throughput\n  \
                  cargo xtask image           the emulator's container image, cosmolab-emulator:dev\n  \
                  cargo xtask check-labs --target container   the labs against that image"
)]
struct Cli {
    /// The task to run.
    #[command(subcommand)]
    task: Task,
}

/// The tasks `cargo xtask` can run.
#[derive(Debug, Subcommand)]
enum Task {
    /// Run every check CI runs: formatting, clippy, tests, doc tests, the image, the Python SDK tests and the labs.
    // The list of steps below mirrors `ci::steps`; a test checks that it names every one.
    #[command(
        long_about = "Run every check CI runs: formatting, clippy, tests, doc tests and the Python SDK \
        tests.\n\n\
        The steps, in order:\n  \
          fmt         cargo fmt --all --check\n  \
          clippy      cargo clippy --workspace --all-targets -- -D warnings\n  \
          image       cargo xtask image: the emulator's FROM scratch image, cosmolab-emulator:dev\n  \
          tests       cargo nextest run --workspace --no-fail-fast\n  \
          doc tests   cargo test --workspace --doc (both without the labs and solutions)\n  \
          rust SDK    cargo nextest run -p cosmolab-sdk-rust-tests: Microsoft's azure_data_cosmos \
        against the in-process emulator, binary encoding on and off\n  \
          explorer in a browser  cargo nextest run -p cosmolab-explorer-browser-tests: the \
        explorer in a real headless Chromium, driven over WebDriver by chromedriver\n  \
          python SDK  python -m pytest tests/sdk/python -q -p no:cacheprovider, against the \
        emulator built by cargo build -p cosmolab-emulator\n  \
          python SDK on container  the same, with COSMOLAB_EMULATOR_IMAGE=cosmolab-emulator:dev\n  \
          labs        cargo xtask check-labs: every lab fails as shipped, every solution passes\n  \
          labs on container  cargo xtask check-labs --target container\n  \
          security matrix on container  cargo test -p cosmolab-security-matrix --test matrix, \
        with COSMOLAB_TARGET=container\n\n\
        A failed step does not stop the run, so one run shows every problem. Each step prints a line \
        when it starts and one with its result and duration; the run ends with a summary table and \
        a last line `N passed, M failed`, counting test cases (a failed step without a failed test, \
        such as clippy, counts as one failure). The exit code is non-zero if any step failed.\n\n\
        The image and container steps need Docker Engine, running: without it they fail with the \
        command that fixes it. \
        If cargo-nextest is missing, it is installed with `cargo install cargo-nextest --locked`. \
        If Chromium or chromedriver is missing, the browser step installs them with \
        `apt-get install -y chromium chromium-driver` (through sudo unless run as root), or fails \
        with that command where apt-get is not available. \
        The Python SDK step needs Python 3.9+ with its venv module (it fails, with the command to \
        install them, if they are missing); it keeps a virtual environment with the pinned \
        requirements of tests/sdk/python/requirements.txt in <target-dir>/python-venv and rebuilds it \
        when that file changes.\n\n\
        CI runs exactly this command (see .ci/run)."
    )]
    Ci,
    /// Run a benchmark and report its results against its goal.
    #[command(
        long_about = "Run a benchmark and report its results against its goal.\n\n\
        Benchmarks run with `cargo bench` (criterion, or a plain harness for whole-server \
        measurements) and are reported, never asserted: a missed \
        goal is printed as a verdict line, and the command still succeeds. It fails only if the \
        benchmark cannot be built or run."
    )]
    Bench {
        /// Which benchmark to run.
        #[arg(value_enum)]
        name: bench::Bench,
    },
    /// Check the labs: every trainee copy fails as shipped, every solution passes.
    #[command(
        name = "check-labs",
        long_about = "Check the labs listed in labs/info.toml.\n\n\
        For each lab: labs/NN-name and solutions/NN-name exist and build the same library; \
        docs/labs/NN-name.md exists; the trainee's copy compiles and FAILS its scenario at a step \
        (with the harness's report, as a trainee would see it); the solution PASSES, which means \
        the committed transcript (labs/NN-name/tests/snapshots/transcript.snap) is the solution's. \
        Across the repository, the todo macro appears only in labs/*/src, each use right under a \
        `// TODO:` comment.\n\n\
        With --update, every transcript is first rewritten from its solution: review the result \
        with `git diff labs/` before committing it.\n\n\
        Example:\n  cargo xtask check-labs --update && git diff labs/"
    )]
    CheckLabs {
        /// Rewrite every committed transcript from its solution first.
        #[arg(long)]
        update: bool,
        /// Run the scenarios on this target (`COSMOLAB_TARGET`): `embedded` (the default),
        /// `container` (the image of `cargo xtask image`) or `account` (see docs/targets.md).
        #[arg(long, value_name = "TARGET")]
        target: Option<String>,
    },
    /// Fuzz the parsers a hostile client reaches first (cargo-fuzz, nightly).
    #[command(long_about = "Fuzz the parsers a hostile client reaches first.\n\n\
        Runs each target of fuzz/ (authorization_header, resource_token, resource_path, sql_query, \
        json_bodies, binary_json) with cargo-fuzz for --minutes minutes, then prints a table of \
        targets, executions and results. Needs the nightly toolchain (`rustup toolchain install \
        nightly`); installs cargo-fuzz if it is missing. A crash's input is saved under \
        fuzz/artifacts/<target>/ and the task fails. Not part of `cargo xtask ci`: the property \
        tests of the same parsers are.\n\n\
        Example:\n  cargo xtask fuzz --minutes 10\n  cargo xtask fuzz --minutes 1 --target sql_query")]
    Fuzz {
        /// Minutes per target.
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// Only this target.
        #[arg(long)]
        target: Option<String>,
    },
    /// Build the emulator's container image, cosmolab-emulator:<version> and :dev.
    #[command(long_about = "Build the emulator's container image, tagged \
        cosmolab-emulator:<version> and cosmolab-emulator:dev.\n\n\
        No base image is pulled: the emulator is compiled as a statically linked binary (profile \
        `image`, -C target-feature=+crt-static, for this machine's target) and copied into a \
        `FROM scratch` image (crates/emulator/image/Dockerfile) that runs as nobody, exposes 8081 \
        and checks its own health. Needs Docker Engine, running.\n\n\
        Example:\n  cargo xtask image && docker run --rm -p 8081:8081 cosmolab-emulator:dev")]
    Image,
    /// Grade trainees' labs: a table trainee × lab, and JSON and JUnit reports.
    #[command(long_about = "Grade trainees' labs.\n\n\
        Each subfolder of --submissions is one trainee's labs/ folder (DIR/alice/01-signing/src/\
        lib.rs, …). Only the .rs files under each lab's src/ are taken from a trainee; the \
        manifest, the scenario and the committed transcript come from this repository, so a \
        submission cannot change its grader. Everything is built together in \
        <target>/grading/workspace (a submission that does not compile costs only its own cell), \
        then each scenario runs alone with a time limit (a loop costs only its own cell).\n\n\
        Prints a table trainee × lab (pass / fail at step N / does not compile / timed out / \
        missing) and writes grades.json and grades.xml (JUnit) to --out.\n\n\
        Example:\n  cargo xtask grade --submissions ~/course/week1 --labs 1,3 --out grades/")]
    Grade {
        /// The folder holding one subfolder per trainee, each a copy of that trainee's labs/.
        #[arg(long, value_name = "DIR")]
        submissions: PathBuf,
        /// Only these labs (numbers or names, comma-separated); all of labs/info.toml by default.
        #[arg(long, value_delimiter = ',', value_name = "LAB,…")]
        labs: Option<Vec<String>>,
        /// Seconds one scenario may run before it counts as timed out.
        #[arg(long, default_value_t = 120, value_name = "SECS")]
        time_limit: u64,
        /// Where to write grades.json and grades.xml (default: <target>/grading).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Scenarios run at once (default: the number of CPUs).
        #[arg(long)]
        jobs: Option<usize>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.task {
        Task::Ci => {
            if ci::run() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Task::CheckLabs { update, target } => match labs::check_labs(update, target.as_deref()) {
            Ok(checks) if checks.iter().all(|check| check.passed) => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
        Task::Grade {
            submissions,
            labs,
            time_limit,
            out,
            jobs,
        } => {
            let options = grade::GradeOptions {
                submissions,
                labs,
                time_limit: std::time::Duration::from_secs(time_limit),
                out,
                jobs: jobs
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from)),
            };
            match grade::grade(&options) {
                Ok(_) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Task::Fuzz { minutes, target } => match fuzz::run(minutes, target.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
        Task::Image => match image::build() {
            Ok(_) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
        Task::Bench { name } => match bench::run(name) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// clap's own consistency checks on the command-line definition (names, help, value enums).
    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `cargo xtask ci --help` names every CI step, so its hand-written list cannot fall behind.
    #[test]
    fn ci_help_lists_every_step() {
        let mut cli = Cli::command();
        let ci = cli.find_subcommand_mut("ci").expect("a `ci` task");
        let help = ci.render_long_help().to_string();
        for name in ci::step_names() {
            assert!(
                help.contains(&format!("\n  {name} ")),
                "`ci --help` should list step `{name}`"
            );
        }
    }

    /// `cargo xtask bench signing` and `cargo xtask ci` parse to the right tasks.
    #[test]
    fn tasks_parse() {
        let bench = Cli::try_parse_from(["cargo xtask", "bench", "signing"]).unwrap();
        assert!(matches!(
            bench.task,
            Task::Bench {
                name: bench::Bench::Signing
            }
        ));
        let ci = Cli::try_parse_from(["cargo xtask", "ci"]).unwrap();
        assert!(matches!(ci.task, Task::Ci));
    }
}

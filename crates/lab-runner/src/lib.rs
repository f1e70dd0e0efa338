//! # cosmolab-lab-runner — `cargo lab`, the trainee's runner
//!
//! cosmolab teaches how Azure Cosmos DB decides who may do what — master keys and their signatures,
//! read-only keys, users, permissions and the resource tokens they produce, token lifetime — through
//! guided labs. Each lab is a crate in `labs/NN-name` with `todo!()`s at its `TODO:` markers, graded
//! by one scenario test that plays a story against an emulator and compares what happened with the
//! solution's transcript (see `cosmolab-lab-harness`). This crate is the loop a trainee lives in
//! while working through them, modelled on rustlings:
//!
//! - `cargo lab` — watch mode: check the current lab, show the result, check again on every save;
//!   keys `n` next, `h` hint, `l` list, `r` reset, `c` check again, `q` quit. Off a terminal (CI, a
//!   pipe) it checks the current lab once and exits 0 or 1.
//! - `cargo lab list | check [LAB] [--all] | hint [LAB] | reset [LAB] [--yes] | emulator`.
//!
//! What rustlings cannot do and this runner does: when a lab fails, it shows the harness's report
//! verbatim — the first step that differs from the solution's, **what the emulator refused and
//! why** (its `x-cosmolab-deny-reason`), and the lab's hint — rather than a bare test failure.
//!
//! ## How a check flows
//!
//! ```text
//!  cargo lab check 3
//!        │
//!  course ── find the checkout (the folder with labs/info.toml), read the catalog,
//!        │   resolve `3` (or `03`, `resource-tokens`, `labs/03-resource-tokens/`) to a lab
//!  check ─── cargo test -p lab-03-resource-tokens --test scenario    (same target dir as ours)
//!        │       stderr: "Compiling …" ──▶ a progress line while it builds
//!        │       exit status, stdout, stderr
//!        ▼
//!  classify ─┬─ exit 0 ──────────────────────▶ Passed: mark it done, say what was learned
//!            ├─ "error: could not compile" ──▶ DoesNotCompile: the first compiler errors
//!            ├─ the harness's report banner ─▶ Failed: the report, verbatim (coloured on a
//!            │                                 terminal), and its first failing step
//!            └─ anything else ───────────────▶ Failed without a report: the output's tail
//!        │
//!  state ─── .cosmolab/progress.toml: the labs done, the current lab
//! ```
//!
//! ## Modules
//!
//! | module | what it does |
//! |---|---|
//! | `cli` | the command line (clap), and what each command does, one function per command |
//! | `course` | the checkout's root, the catalog, which lab a `LAB` argument names, the current lab |
//! | `state` | the progress file: labs done, the current lab; a missing or corrupt file starts afresh |
//! | `check` | running a lab's scenario with cargo, and reading its output into a `Verdict` |
//! | `output` | what a trainee reads: verdicts, the list, hints; colours only on a terminal |
//! | `watch` | watch mode: keys in raw mode, the lab's `src/` watched for saves |
//! | `reset` | starting a lab again from git, after backing up the trainee's files |
//! | `emulator` | the emulator in-process, for trying an SDK by hand |
//!
//! The library's public API is one function, [`run`]; `src/main.rs` only calls it. The binary is
//! `cargo-lab`, reached through the alias in `.cargo/config.toml` (`cargo lab …`).

mod check;
mod cli;
mod course;
mod emulator;
mod output;
mod reset;
mod state;
mod watch;

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs `cargo lab` with these command-line arguments (the program name first) and returns the
/// exit code: 0 when everything asked for passed, 1 when a lab does not pass yet, 2 when the
/// runner could not do what was asked (not in a checkout, no such lab, a bad argument).
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    cli::main(args.into_iter().collect())
}

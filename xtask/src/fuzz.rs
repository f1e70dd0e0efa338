//! `cargo xtask fuzz`: run every fuzz target of `fuzz/` for a while and report what each did.
//!
//! The targets (`fuzz/fuzz_targets/`) feed arbitrary bytes to the parsers a hostile client reaches
//! first: the `Authorization` header, resource-token verification, path → resource address, the
//! SQL parser and evaluator, the JSON bodies of every resource, and the binary JSON decoder. They
//! run under cargo-fuzz (libFuzzer), which needs the nightly toolchain; this task checks for it,
//! installs cargo-fuzz if it is missing, builds into `<target>/fuzz` (apart from the stable
//! builds), and prints a table: target, executions, and whether it found a crash (whose input
//! libFuzzer saves under `fuzz/artifacts/<target>/`).
//!
//! The property tests of the same parsers run in `cargo xtask ci`; fuzzing is too long for CI and
//! runs on demand, its figures kept in `docs/fuzzing.md`.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::{self, project_root};

/// The targets, in the order they run.
pub(crate) const TARGETS: [&str; 7] = [
    "authorization_header",
    "resource_token",
    "resource_path",
    "sql_query",
    "json_bodies",
    "binary_json",
    "scripts",
];

/// How one target's run ended.
struct Outcome {
    target: &'static str,
    runs: Option<u64>,
    result: FuzzResult,
}

/// Runs `only` (or every target) for `minutes` each; fails if one crashed.
pub(crate) fn run(minutes: u64, only: Option<&str>) -> Result<()> {
    let targets: Vec<&'static str> = match only {
        Some(name) => vec![
            TARGETS
                .into_iter()
                .find(|target| *target == name)
                .with_context(|| {
                    format!(
                        "no fuzz target `{name}`; the targets are {}",
                        TARGETS.join(", ")
                    )
                })?,
        ],
        None => TARGETS.to_vec(),
    };
    require_nightly()?;
    ensure_cargo_fuzz()?;
    let target_dir = process::target_dir()?.join("fuzz");
    let mut outcomes = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        println!(
            "\n[{}/{}] fuzzing {target} for {minutes} minute(s)",
            index + 1,
            targets.len()
        );
        let mut command = Command::new("rustup");
        command
            .args(["run", "nightly", "cargo", "fuzz", "run", target, "--"])
            .arg(format!("-max_total_time={}", minutes * 60))
            .arg("-print_final_stats=1")
            .current_dir(project_root().join("fuzz"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .env_remove("CARGO");
        let teed = process::run_teed(&mut command)?;
        outcomes.push(Outcome {
            target,
            runs: executions(&teed.output),
            result: result_of(teed.status.success(), &teed.output),
        });
    }

    println!("\n{:<22} {:>14}  result", "target", "executions");
    for outcome in &outcomes {
        println!(
            "{:<22} {:>14}  {}",
            outcome.target,
            outcome
                .runs
                .map_or_else(|| "?".to_owned(), |runs| runs.to_string()),
            match outcome.result {
                FuzzResult::NoCrash => format!("no crash in {minutes} min"),
                FuzzResult::Crash => format!("CRASH: see fuzz/artifacts/{}/", outcome.target),
                FuzzResult::DidNotRun => "did not run: the build failed (above)".to_owned(),
            }
        );
    }
    let count = |result| {
        outcomes
            .iter()
            .filter(|outcome| outcome.result == result)
            .count()
    };
    let (crashed, not_run) = (count(FuzzResult::Crash), count(FuzzResult::DidNotRun));
    if crashed > 0 {
        bail!(
            "{crashed} target(s) crashed; reproduce with `rustup run nightly cargo fuzz run <target> \
             fuzz/artifacts/<target>/<crash file>` from fuzz/"
        );
    }
    if not_run > 0 {
        bail!(
            "{not_run} target(s) did not run: the fuzz build failed (see cargo's errors above); \
             `cd fuzz && cargo +nightly build` reproduces it"
        );
    }
    Ok(())
}

/// How a target's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FuzzResult {
    /// libFuzzer ran for the whole time.
    NoCrash,
    /// libFuzzer stopped on an input that crashed (saved under `fuzz/artifacts/`).
    Crash,
    /// libFuzzer never started: the build failed, which is not a finding about the code.
    DidNotRun,
}

/// Tells a crash from a build that failed: libFuzzer prints its seed as it starts.
fn result_of(success: bool, output: &str) -> FuzzResult {
    match (success, output.contains("INFO: Seed:")) {
        (true, _) => FuzzResult::NoCrash,
        (false, true) => FuzzResult::Crash,
        (false, false) => FuzzResult::DidNotRun,
    }
}

/// libFuzzer's count of executions: `stat::number_of_executed_units: N`, or `Done N runs`.
fn executions(output: &str) -> Option<u64> {
    output.lines().rev().find_map(|line| {
        let line = line.trim();
        line.strip_prefix("stat::number_of_executed_units:")
            .map(str::trim)
            .or_else(|| {
                line.strip_prefix("Done ")
                    .and_then(|rest| rest.split_whitespace().next())
            })
            .and_then(|number| number.parse().ok())
    })
}

fn require_nightly() -> Result<()> {
    let output = process::run_quietly(Command::new("rustup").args(["toolchain", "list"]))
        .context("fuzzing needs rustup and the nightly toolchain")?;
    if !String::from_utf8_lossy(&output.stdout).contains("nightly") {
        bail!(
            "fuzzing needs the nightly toolchain (libFuzzer's instrumentation): install it with \
             `rustup toolchain install nightly`"
        );
    }
    Ok(())
}

fn ensure_cargo_fuzz() -> Result<()> {
    let found = Command::new("rustup")
        .args(["run", "nightly", "cargo", "fuzz", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if found {
        return Ok(());
    }
    println!("cargo-fuzz is missing; installing it (cargo install cargo-fuzz --locked)");
    let status = process::run(&mut process::cargo(["install", "cargo-fuzz", "--locked"]))?;
    if !status.success() {
        bail!("could not install cargo-fuzz: run `cargo install cargo-fuzz --locked` and retry");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_build_is_not_a_crash() {
        assert_eq!(result_of(true, "INFO: Seed: 1\n"), FuzzResult::NoCrash);
        assert_eq!(
            result_of(
                false,
                "INFO: Seed: 1\n==1== ERROR: libFuzzer: deadly signal"
            ),
            FuzzResult::Crash
        );
        assert_eq!(
            result_of(false, "error[E0432]: unresolved import `maud`"),
            FuzzResult::DidNotRun
        );
    }

    #[test]
    fn executions_are_read_from_libfuzzer_output() {
        let output = "#1024\tpulse  cov: 1 ft: 1\nDone 123456 runs in 60 second(s)\n\
                      stat::number_of_executed_units: 123457\nstat::average_exec_per_sec: 2057\n";
        assert_eq!(executions(output), Some(123_457));
        assert_eq!(executions("Done 99 runs in 1 second(s)\n"), Some(99));
        assert_eq!(executions("nothing here"), None);
    }
}

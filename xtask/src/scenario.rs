//! Building and running lab scenarios: shared by `check-labs`, `grade` and `bench labs`.
//!
//! Scenarios are built once, all together, with `cargo build --test scenario --message-format=json`, which
//! names each test executable and the package it belongs to; then each executable is run on its
//! own, with a time limit, and its output read for the harness's report line ([`run`]), several
//! at a time ([`in_parallel`]).
//!
//! A run is judged by what the test binary proves, not by its exit code alone: a pass needs
//! libtest's own `test result: ok.` line, so code that ends the process early with
//! `std::process::exit(0)` does not pass.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::process;

/// The scenario executables cargo built, by package name, and the packages that did not build.
#[derive(Debug, Default)]
pub(crate) struct Built {
    /// Package name → (the package's directory, its `scenario` test executable).
    pub(crate) executables: BTreeMap<String, (PathBuf, PathBuf)>,
    /// Package name → the first compiler errors reported for it.
    pub(crate) errors: BTreeMap<String, String>,
    /// The packages whose scenarios were asked for.
    pub(crate) asked: Vec<String>,
}

impl Built {
    /// The compiler errors of packages that were not asked for: crates the scenarios depend on
    /// (the harness, the emulator), whose failure leaves every scenario unbuilt.
    pub(crate) fn dependency_errors(&self) -> impl Iterator<Item = (&String, &String)> {
        self.errors
            .iter()
            .filter(|(package, _)| !self.asked.contains(package))
    }
}

/// One line of `cargo --message-format=json`, the fields we read.
#[derive(Deserialize)]
struct Message {
    reason: String,
    #[serde(default)]
    package_id: String,
    #[serde(default)]
    manifest_path: Option<PathBuf>,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    executable: Option<PathBuf>,
    #[serde(default)]
    message: Option<CompilerMessage>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
}

#[derive(Deserialize)]
struct CompilerMessage {
    level: String,
    #[serde(default)]
    rendered: Option<String>,
}

/// The package name in a cargo package id: `path+file:///…/labs/01-signing#lab-01-signing@0.1.0`
/// or `path+file:///…/alice-01#0.1.0` when the folder is named after the package (or the older
/// `lab-01-signing 0.1.0 (path+file://…)`).
pub(crate) fn package_name(package_id: &str) -> String {
    if let Some((url, rest)) = package_id.rsplit_once('#') {
        // `#name@version`, or just `#version` when the name is the folder's.
        return match rest.split_once('@') {
            Some((name, _)) => name.to_owned(),
            None => url.rsplit('/').next().unwrap_or(url).to_owned(),
        };
    }
    package_id
        .split_whitespace()
        .next()
        .unwrap_or(package_id)
        .to_owned()
}

/// Reads cargo's JSON messages: scenario executables, and compiler errors per package.
pub(crate) fn parse_build_messages(json_lines: &str) -> Built {
    let mut built = Built::default();
    for line in json_lines.lines() {
        let Ok(message) = serde_json::from_str::<Message>(line) else {
            continue;
        };
        let package = package_name(&message.package_id);
        match message.reason.as_str() {
            "compiler-artifact" => {
                let is_scenario = message
                    .target
                    .as_ref()
                    .is_some_and(|t| t.name == "scenario");
                if let (true, Some(executable), Some(manifest)) =
                    (is_scenario, message.executable, message.manifest_path)
                {
                    let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
                    built.executables.insert(package, (dir, executable));
                }
            }
            "compiler-message" => {
                if let Some(compiler) = message.message
                    && compiler.level == "error"
                {
                    let rendered = compiler.rendered.unwrap_or_default();
                    let errors = built.errors.entry(package).or_default();
                    // The first few errors are what a person reads; the rest is noise.
                    if errors.matches("error").count() < 3 {
                        errors.push_str(&rendered);
                    }
                }
            }
            _ => {}
        }
    }
    built
}

/// Where and how [`build`] builds: the repository's workspace, target directory and `dev`
/// profile unless told otherwise.
#[derive(Debug, Clone, Default)]
pub(crate) struct BuildSettings {
    /// The workspace's `Cargo.toml` (`--manifest-path`).
    pub(crate) manifest: Option<PathBuf>,
    /// The target directory (`CARGO_TARGET_DIR`).
    pub(crate) target_dir: Option<PathBuf>,
    /// The cargo profile (`--profile`).
    pub(crate) profile: Option<&'static str>,
    /// More flags for cargo, such as `--locked` and `--offline`.
    pub(crate) flags: Vec<&'static str>,
}

/// Builds the `scenario` test of each package in `packages` with `cargo build --test`, and keeps
/// going past packages that do not compile.
pub(crate) fn build(packages: &[String], settings: &BuildSettings) -> Result<Built> {
    // `cargo build --test scenario` builds the test executables exactly as `cargo test --no-run`
    // would, and, unlike it, can `--keep-going` past a package that does not compile (`cargo test`
    // has no such flag, and stops at the first crate that fails): a broken submission costs only
    // its own scenario.
    let mut command = process::cargo(["build", "--keep-going", "--message-format=json"]);
    command.args(&settings.flags);
    if let Some(manifest) = &settings.manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    if let Some(target_dir) = &settings.target_dir {
        command.env("CARGO_TARGET_DIR", target_dir);
    }
    if let Some(profile) = settings.profile {
        command.args(["--profile", profile]);
    }
    for package in packages {
        command.args(["-p", package]);
    }
    command.args(["--test", "scenario"]);
    println!(
        "$ {}",
        shorten_package_list(&process::describe(&command), packages)
    );
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not run `{}`", process::describe(&command)))?;
    let mut built = parse_build_messages(&String::from_utf8_lossy(&output.stdout));
    built.asked = packages.to_vec();
    if !output.status.success() && built.executables.is_empty() && built.errors.is_empty() {
        anyhow::bail!(
            "`{}` failed before building anything (its errors are above)",
            process::describe(&command)
        );
    }
    Ok(built)
}

/// A command line with its `-p` list cut to the first few packages: grading names hundreds.
fn shorten_package_list(command_line: &str, packages: &[String]) -> String {
    const SHOWN: usize = 4;
    if packages.len() <= SHOWN + 1 {
        return command_line.to_owned();
    }
    let flags = |packages: &[String]| {
        packages
            .iter()
            .map(|package| format!("-p {package}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    command_line.replace(
        &flags(packages),
        &format!(
            "{} … ({} packages in all)",
            flags(&packages[..SHOWN]),
            packages.len()
        ),
    )
}

/// How one scenario run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunOutcome {
    /// The test passed.
    Passed,
    /// The test failed; the harness's first failing step, when it printed one.
    Failed { first_failing_step: Option<String> },
    /// It ran until its time limit; the step it was stuck in, when the harness said.
    TimedOut { first_failing_step: Option<String> },
}

/// One scenario run: its outcome, what it printed, how long it took.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) outcome: RunOutcome,
    pub(crate) output: String,
    pub(crate) elapsed: Duration,
}

/// How long after its time limit a scenario is killed, if the harness's own watchdog has not
/// ended it by then.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// Runs a scenario executable from its package's directory, as `cargo test` would, with a time
/// limit. `INSTA_UPDATE` is `no` unless `update_snapshots`.
///
/// The time limit is given to the harness (`COSMOLAB_SCENARIO_TIMEOUT`), whose watchdog reports
/// the step that never finished and ends the test; we kill the process ourselves only if it is
/// still there [`KILL_GRACE`] later (a harness without a watchdog, or one that cannot run).
pub(crate) fn run(
    executable: &Path,
    package_dir: &Path,
    time_limit: Duration,
    update_snapshots: bool,
) -> Result<Run> {
    let started = Instant::now();
    let mut child = Command::new(executable)
        .current_dir(package_dir)
        // The harness finds the workspace (labs/info.toml, the transcripts) from here.
        .env("CARGO_MANIFEST_DIR", package_dir)
        .env(
            "INSTA_UPDATE",
            if update_snapshots { "always" } else { "no" },
        )
        .env("RUST_BACKTRACE", "0")
        .env(
            "COSMOLAB_SCENARIO_TIMEOUT",
            time_limit.as_secs().to_string(),
        )
        // Always the embedded emulator, whatever the instructor's shell points the labs at.
        .env_remove("COSMOLAB_TARGET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {}", executable.display()))?;
    let mut stdout = child.stdout.take().context("stdout not captured")?;
    let mut stderr = child.stderr.take().context("stderr not captured")?;
    let out = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > time_limit + KILL_GRACE {
            // A looping submission costs its own cell, nothing more.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let mut output = out.join().unwrap_or_default();
    output.push_str(&err.join().unwrap_or_default());
    let outcome = judge(
        status.map(|status| status.success()),
        &output,
        elapsed >= time_limit,
    );
    if matches!(outcome, RunOutcome::Failed { .. }) && status.is_some_and(|status| status.success())
    {
        output.push_str(
            "\n(the scenario exited successfully without libtest's `test result: ok.` line: \
             something ended the process before the test finished, such as std::process::exit)\n",
        );
    }
    Ok(Run {
        outcome,
        output,
        elapsed,
    })
}

/// Judges a run from its exit (`None`: we killed it), its output, and whether it used up its time.
///
/// A pass needs libtest's `test result: ok.` line with at least one test passed, not only a zero
/// exit code. A failure after the whole time limit is the harness's watchdog ending the scenario:
/// a time-out, at the step the watchdog names.
fn judge(exited_successfully: Option<bool>, output: &str, used_its_time: bool) -> RunOutcome {
    let first_failing_step = cosmolab_lab_harness::first_failing_step(output).map(str::to_owned);
    let libtest_passed = output.lines().any(|line| {
        line.starts_with("test result: ok.") && !line.starts_with("test result: ok. 0 passed")
    });
    match exited_successfully {
        None => RunOutcome::TimedOut { first_failing_step },
        Some(true) if libtest_passed => RunOutcome::Passed,
        Some(false) if used_its_time => RunOutcome::TimedOut { first_failing_step },
        Some(_) => RunOutcome::Failed { first_failing_step },
    }
}

/// Runs `work` on every item, `jobs` at a time, and returns the results in the items' order.
pub(crate) fn in_parallel<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::with_capacity(items.len()));
    thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    // Each worker takes the next item nobody has taken yet.
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let result = work(item);
                    results
                        .lock()
                        .unwrap_or_else(|poison| poison.into_inner())
                        .push((index, result));
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner());
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_are_read_from_both_id_formats() {
        assert_eq!(
            package_name("path+file:///work/main/labs/01-signing#lab-01-signing@0.1.0"),
            "lab-01-signing"
        );
        assert_eq!(
            package_name("path+file:///work/grading/submissions/alice-01#0.1.0"),
            "alice-01"
        );
        assert_eq!(
            package_name("lab-01-signing 0.1.0 (path+file:///work/main/labs/01-signing)"),
            "lab-01-signing"
        );
    }

    #[test]
    fn executables_and_errors_are_attributed_to_their_packages() {
        let lines = [
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/labs/01-signing#lab-01-signing@0.1.0","manifest_path":"/w/labs/01-signing/Cargo.toml","target":{"name":"scenario"},"executable":"/t/debug/deps/scenario-1"}"#,
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/labs/01-signing#lab-01-signing@0.1.0","manifest_path":"/w/labs/01-signing/Cargo.toml","target":{"name":"lab_01_signing"},"executable":null}"#,
            r#"{"reason":"compiler-message","package_id":"path+file:///w/s/bob-01#bob-01@0.1.0","message":{"level":"error","rendered":"error: expected `;`"}}"#,
            r#"{"reason":"compiler-message","package_id":"path+file:///w/s/bob-01#bob-01@0.1.0","message":{"level":"warning","rendered":"warning: unused"}}"#,
            "not json",
        ]
        .join("\n");
        let built = parse_build_messages(&lines);
        assert_eq!(
            built.executables["lab-01-signing"],
            (
                PathBuf::from("/w/labs/01-signing"),
                PathBuf::from("/t/debug/deps/scenario-1")
            )
        );
        assert_eq!(built.executables.len(), 1);
        assert_eq!(built.errors["bob-01"], "error: expected `;`");
    }

    #[test]
    fn long_package_lists_are_shortened_for_display() {
        let packages: Vec<String> = (1..=6).map(|n| format!("t{n}-01")).collect();
        let line = format!(
            "cargo build {} --test scenario",
            packages
                .iter()
                .map(|p| format!("-p {p}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(
            shorten_package_list(&line, &packages),
            "cargo build -p t1-01 -p t2-01 -p t3-01 -p t4-01 … (6 packages in all) --test scenario"
        );
        assert_eq!(shorten_package_list(&line, &packages[..5]), line);
    }

    #[test]
    fn a_pass_needs_libtests_result_line() {
        let ok = "running 1 test\ntest scenario ... ok\n\ntest result: ok. 1 passed; 0 failed\n";
        assert_eq!(judge(Some(true), ok, false), RunOutcome::Passed);
        // Exit code 0 without the result line: something called process::exit(0).
        assert_eq!(
            judge(Some(true), "running 1 test\n", false),
            RunOutcome::Failed {
                first_failing_step: None
            }
        );
        assert_eq!(
            judge(Some(true), "test result: ok. 0 passed; 0 failed\n", false),
            RunOutcome::Failed {
                first_failing_step: None
            }
        );
    }

    #[test]
    fn failures_and_time_outs_keep_the_harness_step() {
        let report = "══════ cosmolab · lab 1\ncosmolab-lab: first failing step: 2 sign it\n";
        assert_eq!(
            judge(Some(false), report, false),
            RunOutcome::Failed {
                first_failing_step: Some("2 sign it".to_owned())
            }
        );
        // The harness's watchdog ended it at the time limit.
        assert_eq!(
            judge(Some(false), report, true),
            RunOutcome::TimedOut {
                first_failing_step: Some("2 sign it".to_owned())
            }
        );
        // We killed it.
        assert_eq!(
            judge(None, "", true),
            RunOutcome::TimedOut {
                first_failing_step: None
            }
        );
    }

    #[test]
    fn parallel_results_come_back_in_order() {
        let items: Vec<u64> = (0..20).collect();
        let doubled = in_parallel(3, &items, |&n| {
            thread::sleep(Duration::from_millis(20 - n));
            n * 2
        });
        assert_eq!(doubled, (0..20).map(|n| n * 2).collect::<Vec<_>>());
        assert!(in_parallel(2, &[] as &[u64], |&n| n).is_empty());
    }
}

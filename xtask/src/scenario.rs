//! Building and running lab scenarios: shared by `check-labs`, `grade` and `bench labs`.
//!
//! Scenarios are built once, all together, with `cargo build --test scenario --message-format=json`, which
//! names each test executable and the package it belongs to; then each executable is run on its
//! own, with a time limit, and its output read for the harness's report line.

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

/// Builds the `scenario` test of each package in `packages` with `cargo build --test`, in the
/// workspace whose manifest is `manifest` (the repository's when `None`), and keeps going past
/// packages that do not compile.
pub(crate) fn build(
    packages: &[String],
    manifest: Option<&Path>,
    target_dir: Option<&Path>,
    profile: Option<&str>,
) -> Result<Built> {
    // `cargo build --test scenario` builds the test executables exactly as `cargo test --no-run`
    // would, and, unlike it, can `--keep-going` past a package that does not compile: a broken
    // submission costs only its own scenario.
    let mut command = process::cargo(["build", "--keep-going", "--message-format=json"]);
    if let Some(manifest) = manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    if let Some(target_dir) = target_dir {
        command.env("CARGO_TARGET_DIR", target_dir);
    }
    if let Some(profile) = profile {
        command.args(["--profile", profile]);
    }
    for package in packages {
        command.args(["-p", package]);
    }
    command.args(["--test", "scenario"]);
    println!("$ {}", process::describe(&command));
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not run `{}`", process::describe(&command)))?;
    let built = parse_build_messages(&String::from_utf8_lossy(&output.stdout));
    if !output.status.success() && built.executables.is_empty() && built.errors.is_empty() {
        anyhow::bail!(
            "`{}` failed before building anything (its errors are above)",
            process::describe(&command)
        );
    }
    Ok(built)
}

/// How one scenario run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunOutcome {
    /// The test passed.
    Passed,
    /// The test failed; the harness's first failing step, when it printed one.
    Failed { first_failing_step: Option<String> },
    /// It ran past its time limit and was killed.
    TimedOut,
    /// It did not run: the target lacks what the lab needs (the harness's reason).
    Skipped { reason: String },
}

/// One scenario run: its outcome, what it printed, how long it took.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) outcome: RunOutcome,
    pub(crate) output: String,
    pub(crate) elapsed: Duration,
}

/// Runs a scenario executable from its package's directory, as `cargo test` would, killing it
/// after `time_limit`. `INSTA_UPDATE` is `no` unless `update_snapshots`. The target is ours
/// (`COSMOLAB_TARGET` and the rest are inherited) unless `target` names one.
pub(crate) fn run(
    executable: &Path,
    package_dir: &Path,
    time_limit: Duration,
    update_snapshots: bool,
) -> Result<Run> {
    run_on(executable, package_dir, time_limit, update_snapshots, None)
}

/// [`run`] on the target `target` (`COSMOLAB_TARGET`), when given.
pub(crate) fn run_on(
    executable: &Path,
    package_dir: &Path,
    time_limit: Duration,
    update_snapshots: bool,
    target: Option<&str>,
) -> Result<Run> {
    let started = Instant::now();
    let mut command = Command::new(executable);
    if let Some(target) = target {
        command.env("COSMOLAB_TARGET", target);
    }
    let mut child = command
        .current_dir(package_dir)
        .env("CARGO_MANIFEST_DIR", package_dir)
        .env(
            "INSTA_UPDATE",
            if update_snapshots { "always" } else { "no" },
        )
        .env("RUST_BACKTRACE", "0")
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
        if started.elapsed() > time_limit {
            // A looping submission costs its own cell, nothing more.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let mut output = out.join().unwrap_or_default();
    output.push_str(&err.join().unwrap_or_default());
    let skipped = cosmolab_lab_harness::skipped_reason(&output).map(str::to_owned);
    let outcome = match (status, skipped) {
        (None, _) => RunOutcome::TimedOut,
        (Some(status), Some(reason)) if status.success() => RunOutcome::Skipped { reason },
        (Some(status), None) if status.success() => RunOutcome::Passed,
        (Some(_), _) => RunOutcome::Failed {
            first_failing_step: cosmolab_lab_harness::first_failing_step(&output)
                .map(str::to_owned),
        },
    };
    Ok(Run {
        outcome,
        output,
        elapsed: started.elapsed(),
    })
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
}

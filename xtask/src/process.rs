//! Running commands: the one place where xtask starts other programs.
//!
//! Almost every task is a sequence of `cargo …` invocations (the Python SDK step also starts Python).
//! Keeping them here means they all behave the same:
//!
//! - they run from the workspace root, whatever directory `cargo xtask` was typed in;
//! - they use the `cargo` that started us (cargo puts its own path in the `CARGO` variable), so a
//!   `rust-toolchain.toml` or `cargo +nightly xtask` applies to the inner commands too;
//! - they inherit our environment, so `CARGO_TARGET_DIR` (which CI sets) is respected by each of them;
//! - a program that cannot be started is an error that names the command and what to check, never a
//!   panic.

use std::env;
use std::ffi::OsStr;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::thread;

use anyhow::{Context, Result, anyhow, bail};

/// The workspace root: the directory that holds the root `Cargo.toml`.
pub(crate) fn project_root() -> PathBuf {
    // `CARGO_MANIFEST_DIR` is `<root>/xtask` when this crate is compiled; its parent is the root.
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// A `cargo` command with the given arguments, set to run from the workspace root.
pub(crate) fn cargo<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    // When we run as `cargo xtask`, `CARGO` is the path of that cargo binary; a bare `cargo` from
    // `PATH` is the fallback for running the xtask binary by hand.
    let program = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.args(args).current_dir(project_root());
    // `cargo run` describes *our* package to us in variables such as CARGO_MANIFEST_DIR. Passed
    // on, they would look to the inner cargo like a changed environment for every build script
    // that watches them (ring's does), and rebuild half the workspace for nothing.
    for (name, _) in env::vars_os() {
        if let Some(name) = name.to_str()
            && describes_our_package(name)
        {
            command.env_remove(name);
        }
    }
    command
}

/// The variables cargo sets for the package it runs or tests, as opposed to its configuration.
fn describes_our_package(name: &str) -> bool {
    const EXACT: [&str; 6] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
    ];
    EXACT.contains(&name) || name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_BIN_EXE_")
}

/// How a command is shown to people: `cargo fmt --all --check`, with the program's bare name.
///
/// `CARGO` is usually a long toolchain path; the short name is what a reader would type.
pub(crate) fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program());
    let name = program.file_stem().unwrap_or(program.as_os_str());
    std::iter::once(name)
        .chain(command.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The error for a program that could not be started at all, saying which one and what to check.
fn spawn_error(command: &Command, error: io::Error) -> anyhow::Error {
    let program = Path::new(command.get_program());
    let is_cargo = program.file_stem().is_some_and(|stem| stem == "cargo");
    // A bare name was looked up on PATH; a full path came from the `CARGO` variable (for cargo) or
    // from the step itself (a virtual environment's Python).
    let check = match (program.components().count() > 1, is_cargo) {
        (true, true) => format!(
            "that `{}` (from the CARGO variable) exists",
            program.display()
        ),
        (true, false) => format!("that `{}` exists", program.display()),
        (false, _) => format!("that `{}` is installed and on your PATH", program.display()),
    };
    // cargo comes with a Rust toolchain; the other programs (Python) have their own installation
    // advice, given by the step that needs them.
    let install = if is_cargo {
        " (cargo comes with a Rust toolchain, installed with rustup: https://rustup.rs)"
    } else {
        ""
    };
    anyhow!(
        "could not start `{}`: {error}. Check {check}{install}.",
        describe(command)
    )
}

/// Runs `command` with our terminal as its own, so its output appears as it comes, and waits.
pub(crate) fn run(command: &mut Command) -> Result<ExitStatus> {
    // Echo the command first, as a shell would with `set -x`: whoever reads a CI log can rerun it.
    println!("$ {}", describe(command));
    command
        .status()
        .map_err(|error| spawn_error(command, error))
}

/// Runs `command` without showing anything, and returns its exit status and output for us to read.
pub(crate) fn run_quietly(command: &mut Command) -> Result<Output> {
    command
        .output()
        .map_err(|error| spawn_error(command, error))
}

/// The directory cargo builds into: `target/`, or wherever `CARGO_TARGET_DIR` (or a cargo config)
/// says.
///
/// We ask cargo rather than guess, because only cargo knows every place that setting can come from.
pub(crate) fn target_dir() -> Result<PathBuf> {
    let mut command = cargo(["metadata", "--format-version", "1", "--no-deps"]);
    let output = run_quietly(&mut command)?;
    if !output.status.success() {
        bail!(
            "`{}` failed:\n{}",
            describe(&command),
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    parse_target_dir(&String::from_utf8_lossy(&output.stdout))
}

/// Reads the `target_directory` field of `cargo metadata`'s JSON output.
fn parse_target_dir(metadata: &str) -> Result<PathBuf> {
    #[derive(serde::Deserialize)]
    struct Metadata {
        target_directory: PathBuf,
    }
    let metadata: Metadata =
        serde_json::from_str(metadata).context("reading the output of `cargo metadata`")?;
    Ok(metadata.target_directory)
}

/// What a command printed while it was shown to the user, kept for parsing.
#[derive(Debug)]
pub(crate) struct Teed {
    /// How the command exited.
    pub(crate) status: ExitStatus,
    /// Everything it printed, standard output first, then standard error.
    pub(crate) output: String,
}

/// Runs `command`, passing its output through to ours line by line *and* keeping a copy.
///
/// Test runners print their summary lines while the user watches; we need both: the user sees the
/// run as it happens, and we read the counts from the copy afterwards (like the `tee` utility).
pub(crate) fn run_teed(command: &mut Command) -> Result<Teed> {
    println!("$ {}", describe(command));
    // Through a pipe, cargo and nextest turn their colours off. When a person is watching, ask for
    // them back (unless they chose otherwise); the parsers in `test_summary` strip colour codes.
    if io::stderr().is_terminal() && env::var_os("CARGO_TERM_COLOR").is_none() {
        command.env("CARGO_TERM_COLOR", "always");
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| spawn_error(command, error))?;

    // Both pipes must be drained at the same time: a child blocked on a full stderr pipe would never
    // finish writing stdout. One thread per pipe does that without any async machinery.
    let stdout = child
        .stdout
        .take()
        .context("child stdout was not captured")?;
    let stderr = child
        .stderr
        .take()
        .context("child stderr was not captured")?;
    let (stdout, stderr) = thread::scope(|scope| {
        let out = scope.spawn(|| copy_lines(stdout, io::stdout()));
        let err = scope.spawn(|| copy_lines(stderr, io::stderr()));
        (out.join(), err.join())
    });
    let status = child
        .wait()
        .with_context(|| format!("waiting for `{}` to finish", describe(command)))?;

    let mut output = String::new();
    for copied in [stdout, stderr] {
        // A reader thread only fails if it panicked; losing the copy must not lose the exit status.
        output.push_str(&copied.unwrap_or_default());
    }
    Ok(Teed { status, output })
}

/// Copies `from` to `to` line by line, flushing each line, and returns everything that was copied.
fn copy_lines(from: impl Read, mut to: impl Write) -> String {
    let mut reader = BufReader::new(from);
    let mut copy = Vec::new();
    let mut line = Vec::new();
    // Lines are read as bytes: a test may print output that is not UTF-8, and it must still pass through.
    while let Ok(read) = reader.read_until(b'\n', &mut line) {
        if read == 0 {
            break;
        }
        // If our own stdout is gone (e.g. `cargo xtask ci | head`), keep reading so the child can finish.
        let _ = to.write_all(&line).and_then(|()| to.flush());
        copy.extend_from_slice(&line);
        line.clear();
    }
    String::from_utf8_lossy(&copy).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The target directory is read from `cargo metadata`, ignoring the fields we do not need.
    #[test]
    fn target_dir_is_read_from_cargo_metadata() {
        let metadata = r#"{"packages":[],"target_directory":"/ci/cache/target","version":1}"#;
        assert_eq!(
            parse_target_dir(metadata).unwrap(),
            PathBuf::from("/ci/cache/target")
        );
    }

    /// Commands are shown with the program's short name, whatever path `CARGO` holds.
    #[test]
    fn commands_are_described_with_the_short_program_name() {
        let mut command = Command::new("/home/me/.rustup/toolchains/stable/bin/cargo");
        command.args(["fmt", "--all", "--check"]);
        assert_eq!(describe(&command), "cargo fmt --all --check");
    }
}

//! The `python SDK` CI step: Microsoft's official Python SDK, unmodified, against our emulator.
//!
//! The emulator's promise is that real applications work against it. The strongest proof is the
//! real SDK: `tests/sdk/python` is a pytest suite that starts the emulator binary and drives it with
//! `azure-cosmos`, the package Python applications use. This module prepares and runs it, in four
//! steps a reader can follow in [`crate::ci`]:
//!
//! 1. **Build the emulator** ([`build_emulator`]): the `cosmolab-emulator` binary and the Rust
//!    client's scenario (`crates/client/examples/scenario.rs`, which `test_differential.py` runs
//!    beside the SDK to compare the two clients' statuses), in one `cargo build`, and find them in
//!    the target directory (`CARGO_TARGET_DIR` is respected).
//! 2. **Find Python** ([`find_python`]): `python3`, else `python`, at least 3.9 (what `azure-cosmos`
//!    requires). A machine without it **fails** the step with the command that fixes it: skipping
//!    would let CI go green without ever running the SDK.
//! 3. **Prepare a virtual environment** ([`prepare_venv`]) under `<target-dir>/python-venv`, with the
//!    pinned packages of `tests/sdk/python/requirements.txt`. A hash of that file is stored in the
//!    venv, so the venv is reused from run to run and rebuilt only when the requirements change.
//! 4. **Run pytest** ([`pytest_command`]) with `COSMOLAB_EMULATOR_BIN` pointing at the binary (and
//!    `COSMOLAB_CLIENT_SCENARIO_BIN` at the client's scenario, [`client_scenario_binary`]), and
//!    read its closing line (`crate::test_summary::parse_pytest_summary`) so the CI total counts
//!    the Python tests too; [`pytest_note`] turns pytest's exit code into a note saying what to do.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::{self, cargo, project_root};
use crate::test_summary::TestCounts;

/// Where the suite lives, relative to the workspace root.
const SUITE_DIR: &str = "tests/sdk/python";

/// The suite's pinned requirements, relative to the workspace root.
const REQUIREMENTS: &str = "tests/sdk/python/requirements.txt";

/// The file, inside the venv, that records which requirements it was built from.
const REQUIREMENTS_STAMP: &str = "cosmolab-requirements.hash";

/// The oldest Python that `azure-cosmos` supports (its `Requires-Python: >=3.9`).
const MINIMUM_PYTHON: (u32, u32) = (3, 9);

/// What to install when Python is missing or unusable, said once for every message that needs it.
const INSTALL_PYTHON: &str = "install Python 3.9+ with its venv module (Debian/Ubuntu: \
                              `apt-get install python3 python3-venv`; elsewhere: https://www.python.org/downloads/)";

/// The arguments given to pytest, after `python -m pytest`.
const PYTEST_ARGS: [&str; 4] = [SUITE_DIR, "-q", "-p", "no:cacheprovider"];

/// Builds the emulator binary and the client's scenario, and returns the emulator's path (the
/// scenario's is [`client_scenario_binary`] of it).
///
/// Both are built in one `cargo build` over the same packages as the tests step (the workspace
/// without the labs): cargo unifies dependency features over the packages it is asked to build,
/// so building `-p cosmolab-emulator` alone would compile tokio, syn and the rest a second time,
/// with other features, minutes on a cold machine.
pub(crate) fn build_emulator() -> Result<PathBuf> {
    let mut command = cargo([
        "build",
        "--workspace",
        "--bin",
        "cosmolab-emulator",
        "--example",
        "scenario",
    ]);
    for package in crate::labs::lab_packages()? {
        command.args(["--exclude", &package]);
    }
    let status = process::run(&mut command)?;
    if !status.success() {
        bail!(
            "the emulator or the client's scenario did not build (above), so the SDK tests could \
             not run; reproduce with `cargo build -p cosmolab-emulator --bin cosmolab-emulator` \
             and `cargo build -p cosmolab-client --example scenario`"
        );
    }
    let binary = process::target_dir()?
        .join("debug")
        .join(format!("cosmolab-emulator{}", std::env::consts::EXE_SUFFIX));
    for built in [binary.clone(), client_scenario_binary(&binary)] {
        if !built.is_file() {
            bail!(
                "cargo built the emulator and the client's scenario, but {} does not exist; was \
                 it renamed?",
                built.display()
            );
        }
    }
    Ok(binary)
}

/// Where cargo puts the client's scenario example: `examples/` beside the emulator binary.
pub(crate) fn client_scenario_binary(emulator: &Path) -> PathBuf {
    let profile_dir = emulator.parent().unwrap_or_else(|| Path::new("."));
    profile_dir
        .join("examples")
        .join(format!("scenario{}", std::env::consts::EXE_SUFFIX))
}

/// A Python interpreter found on this machine.
#[derive(Debug)]
pub(crate) struct Python {
    /// The command that starts it (`python3` or `python`).
    pub(crate) program: String,
    /// Its major and minor version.
    pub(crate) version: (u32, u32),
}

/// Finds a Python 3.9+ on `PATH`: `python3` first (the name on Linux and macOS), then `python`.
pub(crate) fn find_python() -> Result<Python> {
    let mut too_old = Vec::new();
    for program in ["python3", "python"] {
        let mut probe = Command::new(program);
        probe.args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]);
        // A program that cannot start is simply not installed under that name: try the next one.
        let Ok(output) = process::run_quietly(&mut probe) else {
            continue;
        };
        let Some(version) = output
            .status
            .success()
            .then(|| parse_python_version(&String::from_utf8_lossy(&output.stdout)))
            .flatten()
        else {
            continue;
        };
        if version >= MINIMUM_PYTHON {
            return Ok(Python {
                program: program.to_owned(),
                version,
            });
        }
        too_old.push(format!("`{program}` is Python {}.{}", version.0, version.1));
    }
    if too_old.is_empty() {
        bail!(
            "no Python found (tried `python3` and `python`); the SDK tests need it: {INSTALL_PYTHON}"
        );
    }
    bail!(
        "{}, too old for azure-cosmos; {INSTALL_PYTHON}",
        too_old.join(" and ")
    )
}

/// Reads `3.11` (the probe's output) as `(3, 11)`.
fn parse_python_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.trim().split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The suite's virtual environment, ready to run pytest.
#[derive(Debug)]
pub(crate) struct Venv {
    /// The venv's own Python, which sees the installed packages.
    pub(crate) python: PathBuf,
}

/// Makes sure `<target-dir>/python-venv` exists and holds exactly the pinned requirements.
///
/// The venv lives in the target directory because, like compiled code, it is a build product:
/// `cargo clean` removes it, and CI's cached target directory keeps it between runs.
pub(crate) fn prepare_venv(python: &Python) -> Result<Venv> {
    let dir = process::target_dir()?.join("python-venv");
    let venv_python = venv_python(&dir);
    let requirements_path = project_root().join(REQUIREMENTS);
    let requirements = fs::read_to_string(&requirements_path)
        .with_context(|| format!("reading {}", requirements_path.display()))?;
    let wanted_stamp = format!("{:016x}\n", fnv1a_64(requirements.as_bytes()));
    let stamp_path = dir.join(REQUIREMENTS_STAMP);

    let stamp = fs::read_to_string(&stamp_path).ok();
    let reason = match stamp {
        None if !dir.exists() => Some("creating"),
        None => Some("the venv was never completed; recreating"),
        Some(stamp) if stamp != wanted_stamp => Some("requirements.txt changed; recreating"),
        // Up to date on paper; but the Python it was made from may have been removed or upgraded.
        Some(_) if !runs(&venv_python) => Some("its Python no longer runs; recreating"),
        Some(_) => None,
    };
    let Some(reason) = reason else {
        println!(
            "reusing the Python venv {} (requirements unchanged)",
            dir.display()
        );
        return Ok(Venv {
            python: venv_python,
        });
    };

    println!(
        "{reason} the Python venv {} with {} {}.{}…",
        dir.display(),
        python.program,
        python.version.0,
        python.version.1
    );
    // `--clear` empties an existing directory first, so nothing of an older venv survives.
    let mut create = Command::new(&python.program);
    create.arg("-m").arg("venv").arg("--clear").arg(&dir);
    if !process::run(&mut create)?.success() {
        bail!(
            "`{} -m venv` could not create {} (above); if the venv module is missing, {INSTALL_PYTHON}",
            python.program,
            dir.display()
        );
    }

    println!("installing {}…", pinned_packages(&requirements).join(", "));
    let mut install = Command::new(&venv_python);
    install
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(&requirements_path);
    if !process::run(&mut install)?.success() {
        bail!(
            "pip could not install {REQUIREMENTS} (above); check that PyPI is reachable, then run \
             `cargo xtask ci` again (the venv is rebuilt, since it was not completed)"
        );
    }
    // Written last: a venv whose installation was interrupted has no stamp and is rebuilt next time.
    fs::write(&stamp_path, wanted_stamp)
        .with_context(|| format!("writing {}", stamp_path.display()))?;
    Ok(Venv {
        python: venv_python,
    })
}

/// The Python inside a venv: `bin/python` on Unix, `Scripts\python.exe` on Windows.
fn venv_python(dir: &Path) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join("python.exe")
    } else {
        dir.join("bin").join("python")
    }
}

/// Whether `python --version` runs (a venv's Python is a link to the interpreter it was made from).
fn runs(python: &Path) -> bool {
    process::run_quietly(Command::new(python).arg("--version"))
        .is_ok_and(|output| output.status.success())
}

/// The requirement lines of a requirements file (`azure-cosmos==4.17.1`), without comments.
fn pinned_packages(requirements: &str) -> Vec<&str> {
    requirements
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .collect()
}

/// The 64-bit FNV-1a hash of `bytes`.
///
/// It only has to notice that requirements.txt was edited, not resist anyone forging it, so a
/// five-line, dependency-free hash that never changes between Rust versions is enough (the standard
/// library's `DefaultHasher` makes no such promise).
fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// `python -m pytest tests/sdk/python -q -p no:cacheprovider`, from the workspace root, with the
/// emulator binary in `COSMOLAB_EMULATOR_BIN` and the client's scenario in
/// `COSMOLAB_CLIENT_SCENARIO_BIN`.
pub(crate) fn pytest_command(venv: &Venv, emulator: &Path) -> Command {
    let mut command = Command::new(&venv.python);
    command
        .args(["-m", "pytest"])
        .args(PYTEST_ARGS)
        .current_dir(project_root())
        .env("COSMOLAB_EMULATOR_BIN", emulator)
        .env(
            "COSMOLAB_CLIENT_SCENARIO_BIN",
            client_scenario_binary(emulator),
        )
        // No `__pycache__` directories in the source tree: the suite is read, not installed.
        .env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// The command line to copy into a shell to rerun the suite by hand, environment included.
pub(crate) fn reproduce_line(venv: &Venv, emulator: &Path) -> String {
    format!(
        "COSMOLAB_EMULATOR_BIN={} COSMOLAB_CLIENT_SCENARIO_BIN={} {} -m pytest {}",
        emulator.display(),
        client_scenario_binary(emulator).display(),
        venv.python.display(),
        PYTEST_ARGS.join(" ")
    )
}

/// What went wrong in a pytest run, if anything, from its exit code and the counts of its closing
/// line; `None` means the step passed.
///
/// pytest's exit codes: 0 all passed, 1 some tests failed, 2 interrupted (often a collection error),
/// 3 internal error, 4 usage error, 5 no tests collected. "No tests ran" is a failure here: a suite
/// that silently stopped running must not look green.
pub(crate) fn pytest_note(
    exit_code: Option<i32>,
    counts: Option<TestCounts>,
    reproduce: &str,
) -> Option<String> {
    let failed = counts.map_or(0, |counts| counts.failed);
    match (exit_code, counts) {
        (Some(0), Some(counts)) if counts.passed > 0 && counts.failed == 0 => None,
        (Some(0), None) => Some(format!(
            "pytest succeeded, but no pytest summary line was found in its output to count tests; \
             run `{reproduce}` to see it"
        )),
        (Some(0) | Some(1), _) if failed > 0 => Some(format!(
            "{failed} Python SDK test(s) failed or had errors (above; a failed test's report ends \
             with the emulator's log); reproduce with `{reproduce}`"
        )),
        (Some(0) | Some(5), _) => Some(format!(
            "pytest ran no test; the suite in {SUITE_DIR} should hold test_*.py files; \
             reproduce with `{reproduce}`"
        )),
        (Some(2), _) => Some(format!(
            "pytest was interrupted, most often by a test file that does not import or parse \
             (above); reproduce with `{reproduce}`"
        )),
        (Some(3), _) => Some(format!(
            "pytest hit an internal error (above); reproduce with `{reproduce}`"
        )),
        (Some(4), _) => Some(format!(
            "pytest did not understand its command line or configuration ({SUITE_DIR}/pytest.ini); \
             reproduce with `{reproduce}`"
        )),
        (Some(code), _) => Some(format!(
            "pytest exited with code {code} (above); reproduce with `{reproduce}`"
        )),
        (None, _) => Some(format!(
            "pytest was killed by a signal before finishing; reproduce with `{reproduce}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command line shown in notes in these tests.
    const REPRODUCE: &str = "COSMOLAB_EMULATOR_BIN=e python -m pytest tests/sdk/python";

    /// Shorthand for pytest's counts.
    fn counts(passed: u64, failed: u64) -> Option<TestCounts> {
        Some(TestCounts { passed, failed })
    }

    /// The probe's output is read as a version and compared with the minimum.
    #[test]
    fn python_versions_are_read_and_compared() {
        assert_eq!(parse_python_version("3.11\n"), Some((3, 11)));
        assert_eq!(parse_python_version("3.9"), Some((3, 9)));
        assert_eq!(parse_python_version("Python 3.11"), None);
        assert!(parse_python_version("3.10").unwrap() >= MINIMUM_PYTHON);
        assert!(parse_python_version("3.8").unwrap() < MINIMUM_PYTHON);
    }

    /// Known FNV-1a answers, and a one-character edit of the requirements changes the hash.
    #[test]
    fn requirements_hash_is_fnv1a_and_notices_edits() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(
            fnv1a_64(b"azure-cosmos==4.17.1\npytest==9.2.0\n"),
            fnv1a_64(b"azure-cosmos==4.17.0\npytest==9.2.0\n")
        );
    }

    /// Comments and blank lines are not packages.
    #[test]
    fn pinned_packages_skip_comments_and_blank_lines() {
        let requirements = "# pinned\nazure-cosmos==4.17.1\n\npytest==9.2.0  # the runner\n";
        assert_eq!(
            pinned_packages(requirements),
            ["azure-cosmos==4.17.1", "pytest==9.2.0"]
        );
    }

    /// The client's scenario is looked for in `examples/` beside the emulator binary.
    #[test]
    fn the_scenario_sits_in_examples_beside_the_emulator() {
        let emulator = Path::new("/t/debug")
            .join(format!("cosmolab-emulator{}", std::env::consts::EXE_SUFFIX));
        assert_eq!(
            client_scenario_binary(&emulator),
            Path::new("/t/debug/examples")
                .join(format!("scenario{}", std::env::consts::EXE_SUFFIX))
        );
    }

    /// A run where every test passed has no note: the step passed.
    #[test]
    fn all_passed_is_a_pass() {
        assert_eq!(pytest_note(Some(0), counts(25, 0), REPRODUCE), None);
    }

    /// Failed tests make a note with their number and the command to rerun them.
    #[test]
    fn failures_are_counted_in_the_note() {
        let note = pytest_note(Some(1), counts(25, 3), REPRODUCE).unwrap();
        assert!(note.starts_with("3 Python SDK test(s) failed"), "{note}");
        assert!(note.ends_with(&format!("`{REPRODUCE}`")), "{note}");
    }

    /// "No tests ran" (exit code 5) is a failure, never a green step with zero tests.
    #[test]
    fn no_tests_is_a_failure() {
        let note = pytest_note(Some(5), counts(0, 0), REPRODUCE).unwrap();
        assert!(note.starts_with("pytest ran no test"), "{note}");
    }

    /// A collection error (exit code 2) with its error count is a failure that names the problem.
    #[test]
    fn collection_errors_are_failures() {
        assert!(pytest_note(Some(2), counts(0, 1), REPRODUCE).is_some());
        let note = pytest_note(Some(2), None, REPRODUCE).unwrap();
        assert!(note.starts_with("pytest was interrupted"), "{note}");
    }

    /// A successful exit whose counts cannot be found is reported, not taken as zero tests.
    #[test]
    fn success_without_summary_is_a_failure() {
        let note = pytest_note(Some(0), None, REPRODUCE).unwrap();
        assert!(note.contains("no pytest summary line"), "{note}");
    }

    /// Being killed (no exit code) is a failure.
    #[test]
    fn killed_is_a_failure() {
        assert!(pytest_note(None, counts(3, 0), REPRODUCE).is_some());
    }
}

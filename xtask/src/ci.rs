//! `cargo xtask ci` — every check, in the order CI runs them.
//!
//! CI runs exactly this command (`.ci/run` is one line that calls it), so a green run on your machine
//! means a green run in CI. Three choices shape the code:
//!
//! - **Keep going.** A failed step does not stop the run: one run shows every problem, instead of
//!   fixing formatting, waiting for CI, then discovering a clippy warning.
//! - **Report as we go, then summarise.** Each step prints a line when it starts and one with its
//!   result and duration when it ends; the run closes with a table and then a last line
//!   `N passed, M failed`, which CI reads to count tests.
//! - **Count test cases, and never hide a failure.** `N` and `M` are test cases as counted by nextest
//!   and libtest. A step that fails without failing a test case (formatting, clippy, a test build
//!   that does not compile) adds 1 to `M`, so the last line can never say `0 failed` after a failure.
//!
//! Adding a check means writing one function that returns a [`StepResult`] and adding one line to
//! [`steps`]; the runner, the progress lines and the table need no change.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::browser;
use crate::image;
use crate::labs;
use crate::process::{self, cargo};
use crate::python_sdk;
use crate::test_summary::{self, TestCounts};

/// One check of the CI run.
struct Step {
    /// Short name, used in the progress lines and the summary table.
    name: &'static str,
    /// What the step makes sure of, in a few words, printed when it starts.
    purpose: &'static str,
    /// Runs the check. An `Err` means the check could not even run; it counts as a failure.
    run: fn() -> Result<StepResult>,
}

/// How one step ended.
#[derive(Debug)]
struct StepResult {
    /// Whether the check passed.
    passed: bool,
    /// The test cases it counted, for steps that run tests.
    tests: Option<TestCounts>,
    /// For a failure: what went wrong and what to run to reproduce or fix it.
    note: Option<String>,
}

impl StepResult {
    /// A step that passed and counted no test cases.
    fn passed() -> Self {
        Self {
            passed: true,
            tests: None,
            note: None,
        }
    }

    /// A step that failed, with a note saying what to do about it.
    fn failed(note: impl Into<String>) -> Self {
        Self {
            passed: false,
            tests: None,
            note: Some(note.into()),
        }
    }
}

/// The checks, in the order they run: the cheapest first, so the most common mistakes show early.
fn steps() -> Vec<Step> {
    vec![
        Step {
            name: "fmt",
            purpose: "every file is formatted by rustfmt",
            run: fmt,
        },
        Step {
            name: "clippy",
            purpose: "the code has no compiler or clippy warnings",
            run: clippy,
        },
        Step {
            name: "image",
            purpose: "the emulator's container image builds from scratch (cargo xtask image)",
            // Before the tests: the harness's container tests start this image.
            run: image,
        },
        Step {
            name: "tests",
            purpose: "the unit and integration tests pass (nextest)",
            run: tests,
        },
        Step {
            name: "doc tests",
            purpose: "the examples in the docs compile and pass",
            run: doc_tests,
        },
        Step {
            name: "rust SDK",
            purpose: "Microsoft's official Rust SDK works unmodified against the in-process \
                      emulator, binary encoding on and off",
            run: rust_sdk,
        },
        Step {
            name: "explorer in a browser",
            purpose: "the explorer works in a real headless chromium (WebDriver)",
            run: explorer_in_a_browser,
        },
        Step {
            name: "python SDK",
            purpose: "Microsoft's official Python SDK works unmodified against the emulator (pytest)",
            run: python_sdk,
        },
        Step {
            name: "python SDK on container",
            purpose: "the same SDK suite passes against the emulator's container image",
            run: python_sdk_on_container,
        },
        Step {
            name: "labs",
            purpose: "every lab fails as shipped and every solution passes (check-labs)",
            run: labs,
        },
        Step {
            name: "labs on container",
            purpose: "the labs give the same transcripts against the container image",
            run: labs_on_container,
        },
        Step {
            name: "security matrix on container",
            purpose: "the security truth table has the same outcomes against the container image",
            run: security_matrix_on_container,
        },
    ]
}

/// The names of the steps, in order (for the test that keeps `cargo xtask ci --help` up to date).
#[cfg(test)]
pub(crate) fn step_names() -> Vec<&'static str> {
    steps().iter().map(|step| step.name).collect()
}

/// Runs every step, prints the summary, and returns whether all of them passed.
pub(crate) fn run() -> bool {
    let steps = steps();
    let mut finished = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let position = format!("[{}/{}]", index + 1, steps.len());
        println!("\n{position} {}: checking that {}", step.name, step.purpose);

        let started = Instant::now();
        // A step that cannot run (a missing tool, a command that cannot be spawned) is a failure with
        // the reason as its note, not the end of the whole run.
        let result = (step.run)().unwrap_or_else(|error| StepResult::failed(format!("{error:#}")));
        let elapsed = started.elapsed();

        let verdict = if result.passed { "passed" } else { "FAILED" };
        match &result.note {
            Some(note) => println!(
                "{position} {}: {verdict} in {}: {note}",
                step.name,
                seconds(elapsed)
            ),
            None => println!(
                "{position} {}: {verdict} in {}",
                step.name,
                seconds(elapsed)
            ),
        }
        finished.push((step.name, result, elapsed));
    }

    println!("\n{}", summary_table(&finished));
    // The notes again, below the table: by now the step's own result line has scrolled far away.
    for (name, result, _) in &finished {
        if let Some(note) = &result.note {
            println!("{name}: {note}");
        }
    }
    let totals = totals(finished.iter().map(|(_, result, _)| result));
    // The last line, alone, in the exact form CI looks for.
    println!("{} passed, {} failed", totals.passed, totals.failed);
    finished.iter().all(|(_, result, _)| result.passed)
}

/// Adds up the test cases of all steps, plus one failure for each step that failed without a
/// failing test case of its own.
fn totals<'a>(results: impl IntoIterator<Item = &'a StepResult>) -> TestCounts {
    let mut totals = TestCounts::default();
    for result in results {
        let tests = result.tests.unwrap_or_default();
        totals.passed += tests.passed;
        totals.failed += if result.passed {
            tests.failed
        } else {
            tests.failed.max(1)
        };
    }
    totals
}

/// The table printed at the end of the run: one row per step.
fn summary_table(finished: &[(&str, StepResult, Duration)]) -> String {
    let name_width = finished
        .iter()
        .map(|(name, ..)| name.len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut table = format!(
        "{:<name_width$}  {:<6}  {:>8}  tests\n",
        "step", "result", "time"
    );
    for (name, result, elapsed) in finished {
        let verdict = if result.passed { "passed" } else { "FAILED" };
        let tests = match result.tests {
            Some(counts) => format!("{} passed, {} failed", counts.passed, counts.failed),
            None => "-".to_owned(),
        };
        table.push_str(&format!(
            "{name:<name_width$}  {verdict:<6}  {:>8}  {tests}\n",
            seconds(*elapsed)
        ));
    }
    table
}

/// A duration as seconds with one decimal, the precision that matters for a CI step.
fn seconds(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

// ---------------------------------------------------------------------------------------------------
// The steps. Each one runs its command and turns the outcome into a `StepResult` whose note says
// what to run locally to reproduce or fix a failure.
// ---------------------------------------------------------------------------------------------------

/// `cargo fmt --all --check`: rustfmt prints the differences and exits with 1 if any file differs.
fn fmt() -> Result<StepResult> {
    let status = process::run(&mut cargo(["fmt", "--all", "--check"]))?;
    Ok(match status.code() {
        Some(0) => StepResult::passed(),
        // 1 is rustfmt's answer: a file differs, or does not parse. Anything else comes from cargo,
        // most often because rustfmt is not installed for this toolchain.
        Some(1) => StepResult::failed(
            "some files are not formatted or do not parse (above); run `cargo fmt --all` to fix \
             formatting",
        ),
        _ => StepResult::failed(
            "`cargo fmt` could not run (above); if rustfmt is missing, install it with \
             `rustup component add rustfmt`",
        ),
    })
}

/// `cargo clippy` over every target of every crate, with warnings turned into errors.
fn clippy() -> Result<StepResult> {
    let status = process::run(&mut cargo([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    Ok(if status.success() {
        StepResult::passed()
    } else {
        // Compile errors, warnings and a missing clippy all end here with cargo's exit code 101;
        // the output above says which.
        StepResult::failed(
            "clippy or the compiler reported problems (above); reproduce with \
             `cargo clippy --workspace --all-targets -- -D warnings` (if clippy is missing: \
             `rustup component add clippy`)",
        )
    })
}

/// The workspace's unit and integration tests, run by nextest.
///
/// nextest runs each test in its own process and ends with one summary line for the whole
/// workspace, which is where the counts come from. `--no-fail-fast` lets every test run even after
/// a failure, for the same reason the CI run itself keeps going.
fn tests() -> Result<StepResult> {
    ensure_nextest()?;
    let mut command = cargo(["nextest", "run", "--workspace", "--no-fail-fast"]);
    exclude_labs(&mut command)?;
    command.args(["--exclude", RUST_SDK_TESTS]);
    command.args(["--exclude", EXPLORER_BROWSER_TESTS]);
    run_tests(command, "nextest", test_summary::parse_nextest_summary)
}

/// The package of the official Rust SDK's tests (`tests/sdk/rust`), a step of its own so that the
/// summary shows the SDK's result apart from ours.
const RUST_SDK_TESTS: &str = "cosmolab-sdk-rust-tests";

/// `azure_data_cosmos` 1.0 against the in-process emulator, every test in both body encodings.
fn rust_sdk() -> Result<StepResult> {
    ensure_nextest()?;
    let command = cargo(["nextest", "run", "-p", RUST_SDK_TESTS, "--no-fail-fast"]);
    run_tests(command, "nextest", test_summary::parse_nextest_summary)
}

/// The package of the explorer's browser tests (`tests/explorer-browser`), a step of its own
/// because it needs Chromium, which the step installs first.
const EXPLORER_BROWSER_TESTS: &str = "cosmolab-explorer-browser-tests";

/// The explorer driven in a real headless Chromium through chromedriver (WebDriver).
///
/// Chromium and chromedriver are installed first if they are missing (see [`browser`]); a machine
/// where that is impossible fails the step with the command to run by hand, never skips it.
fn explorer_in_a_browser() -> Result<StepResult> {
    browser::ensure_chromium()?;
    ensure_nextest()?;
    let command = cargo([
        "nextest",
        "run",
        "-p",
        EXPLORER_BROWSER_TESTS,
        "--no-fail-fast",
    ]);
    run_tests(command, "nextest", test_summary::parse_nextest_summary)
}

/// Leaves the labs and their solutions out of a workspace-wide test run: a trainee's lab fails
/// by design, and both are checked by the `labs` step instead.
fn exclude_labs(command: &mut Command) -> Result<()> {
    for package in labs::lab_packages()? {
        command.args(["--exclude", &package]);
    }
    Ok(())
}

/// Whether this run's `image` step built the image: the container steps must not test an image
/// left over from an earlier run.
static IMAGE_BUILT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// `cargo xtask image`: the static binary in a `FROM scratch` image, tagged `:dev` for the
/// container steps. Without Docker this fails with the fix; it never skips.
fn image() -> Result<StepResult> {
    let built = image::build();
    let _ = IMAGE_BUILT.set(built.is_ok());
    let image = built?;
    println!(
        "{}: {:.1} MB (goal ≤ 20 MB)",
        image.tags.join(" and "),
        image.size_bytes as f64 / 1e6
    );
    Ok(StepResult::passed())
}

/// Fails the step that needs the image when this run did not build it.
fn require_image() -> Result<()> {
    if IMAGE_BUILT.get() == Some(&true) {
        return Ok(());
    }
    bail!(
        "the `image` step did not build the image (see its note), so the container target cannot \
         be tested; fix that step first (`cargo xtask image`)"
    )
}

/// The labs' checks (`cargo xtask check-labs`), each counted as one test.
fn labs() -> Result<StepResult> {
    labs_on(None)
}

/// The labs' checks against the container image (`cargo xtask check-labs --target container`).
fn labs_on_container() -> Result<StepResult> {
    require_image()?;
    labs_on(Some("container"))
}

fn labs_on(target: Option<&str>) -> Result<StepResult> {
    let checks = labs::check_labs(false, target)?;
    let failed = checks.iter().filter(|check| !check.passed).count() as u64;
    let counts = TestCounts {
        passed: checks.len() as u64 - failed,
        failed,
    };
    Ok(StepResult {
        passed: failed == 0,
        tests: Some(counts),
        note: (failed > 0).then(|| {
            let target = target
                .map(|target| format!(" --target {target}"))
                .unwrap_or_default();
            format!(
                "{failed} lab check(s) failed (above); reproduce with `cargo xtask check-labs{target}`"
            )
        }),
    })
}

/// The security truth table (`crates/security-matrix`) against the container image; the `tests`
/// step has already run it against the in-process emulator.
fn security_matrix_on_container() -> Result<StepResult> {
    require_image()?;
    let mut command = cargo(["test", "-p", "cosmolab-security-matrix", "--test", "matrix"]);
    command
        .env("COSMOLAB_TARGET", "container")
        .env("COSMOLAB_EMULATOR_IMAGE", image::DEV_IMAGE);
    run_tests(command, "libtest", test_summary::parse_libtest_results)
}

/// The examples in doc comments, run by `cargo test --doc` (nextest cannot run doc tests).
fn doc_tests() -> Result<StepResult> {
    let mut command = cargo(["test", "--workspace", "--doc"]);
    exclude_labs(&mut command)?;
    run_tests(command, "libtest", test_summary::parse_libtest_results)
}

/// The official Python SDK's tests against the emulator (`tests/sdk/python`), run by pytest.
///
/// Each preparation step (build the emulator, find Python, prepare the venv) fails the step with a
/// note saying what to do; a missing Python is a failure, never a skip. See [`python_sdk`](mod@crate::python_sdk).
fn python_sdk() -> Result<StepResult> {
    python_sdk_against(None)
}

/// The same suite with every emulator a container of the image this run built.
fn python_sdk_on_container() -> Result<StepResult> {
    require_image()?;
    python_sdk_against(Some(image::DEV_IMAGE))
}

fn python_sdk_against(image: Option<&str>) -> Result<StepResult> {
    let emulator = python_sdk::build_emulator()?;
    let python = python_sdk::find_python()?;
    let venv = python_sdk::prepare_venv(&python)?;

    let mut command = python_sdk::pytest_command(&venv, &emulator);
    if let Some(image) = image {
        command.env("COSMOLAB_EMULATOR_IMAGE", image);
    }
    let teed = process::run_teed(&mut command)?;
    let counts = test_summary::parse_pytest_summary(&teed.output);
    let mut reproduce = python_sdk::reproduce_line(&venv, &emulator);
    if let Some(image) = image {
        reproduce = format!("COSMOLAB_EMULATOR_IMAGE={image} {reproduce}");
    }
    let note = python_sdk::pytest_note(teed.status.code(), counts, &reproduce);
    Ok(StepResult {
        passed: note.is_none(),
        tests: counts,
        note,
    })
}

/// Runs a test command with its output shown, and reads the test counts from that output.
fn run_tests(
    mut command: Command,
    runner: &str,
    parse: fn(&str) -> Option<TestCounts>,
) -> Result<StepResult> {
    let shown = process::describe(&command);
    let teed = process::run_teed(&mut command)?;
    let counts = parse(&teed.output);
    let note = match (teed.status.success(), counts) {
        (true, Some(_)) => None,
        (false, Some(counts)) if counts.failed > 0 => Some(format!(
            "{} test(s) failed (above); reproduce with `{shown}`",
            counts.failed
        )),
        (false, Some(_)) => Some(format!(
            "`{shown}` failed although no test failed (see above)"
        )),
        (false, None) => Some(format!(
            "the tests did not run, most likely a build error (above); reproduce with `{shown}`"
        )),
        // A run that succeeded but whose counts we could not find must not pass as "0 tests":
        // the runner's output format probably changed, and `test_summary` needs updating.
        (true, None) => Some(format!(
            "`{shown}` succeeded, but no {runner} summary line was found in its output to count tests"
        )),
    };
    Ok(StepResult {
        passed: note.is_none(),
        tests: counts,
        note,
    })
}

/// Makes sure `cargo nextest` is available, installing it if it is not.
///
/// nextest is installed on developers' machines and CI's, but a fresh machine may lack it, and a
/// CI run that cannot run tests is worse than one that spends a few minutes installing a tool.
fn ensure_nextest() -> Result<()> {
    let probe = process::run_quietly(&mut cargo(["nextest", "--version"]));
    if probe.is_ok_and(|output| output.status.success()) {
        return Ok(());
    }
    println!(
        "cargo-nextest is not installed, and the tests step needs it (it runs every test in its own \
         process and prints one summary line for the whole workspace)."
    );
    println!(
        "Installing it now, once for this machine; this compiles it from crates.io and takes a few minutes."
    );
    let installed = process::run(&mut cargo(["install", "cargo-nextest", "--locked"]))?;
    if !installed.success() {
        bail!(
            "could not install cargo-nextest; install it yourself with \
             `cargo install cargo-nextest --locked`, then run `cargo xtask ci` again"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test step's result: whether it passed, and how many test cases passed and failed.
    fn tested(passed: bool, passed_tests: u64, failed_tests: u64) -> StepResult {
        let counts = TestCounts {
            passed: passed_tests,
            failed: failed_tests,
        };
        StepResult {
            passed,
            tests: Some(counts),
            note: None,
        }
    }

    /// Test cases are added up across steps, and steps without tests add nothing when they pass.
    #[test]
    fn totals_add_up_test_cases() {
        let results = [
            StepResult::passed(),
            tested(true, 40, 0),
            tested(true, 5, 0),
        ];
        assert_eq!(
            totals(&results),
            TestCounts {
                passed: 45,
                failed: 0
            }
        );
    }

    /// A failed step with no failing test case (fmt, clippy, a build error) still counts one failure.
    #[test]
    fn failed_step_without_failed_tests_counts_one() {
        let results = [
            StepResult::failed("not formatted"),
            tested(false, 3, 2),
            tested(false, 7, 0),
        ];
        assert_eq!(
            totals(&results),
            TestCounts {
                passed: 10,
                failed: 1 + 2 + 1
            }
        );
    }

    /// Every step has a distinct name, since the summary table and notes refer to steps by name.
    #[test]
    fn step_names_are_distinct() {
        let steps = steps();
        let mut names: Vec<_> = steps.iter().map(|step| step.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), steps.len());
    }

    /// The table has a header and one row per step, with the test counts where there are some.
    #[test]
    fn summary_table_has_one_row_per_step() {
        let finished = [
            ("fmt", StepResult::failed("x"), Duration::from_millis(400)),
            ("tests", tested(true, 4, 0), Duration::from_secs(12)),
        ];
        let table = summary_table(&finished);
        let lines: Vec<_> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].starts_with("fmt") && lines[1].contains("FAILED") && lines[1].contains("0.4s")
        );
        assert!(lines[2].contains("passed") && lines[2].ends_with("4 passed, 0 failed"));
    }
}

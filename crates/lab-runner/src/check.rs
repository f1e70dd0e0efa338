//! Checking a lab: run its scenario with cargo, and read what came out.
//!
//! A check is `cargo test -p lab-NN-name --test scenario`, run from the checkout's root, exactly
//! what a trainee could type. Three things can come out of it, and [`classify`] tells them apart
//! from the exit status and the output alone:
//!
//! - the test passed (exit status 0);
//! - the lab did not compile: cargo's stderr ends with `error: could not compile`, and the first
//!   compiler errors are what the trainee needs (the rest is usually the same mistake again);
//! - the scenario failed: the harness printed its report (from [`BANNER_START`] on) and one
//!   machine line, `cosmolab-lab: first failing step: N title`, read with the harness's own
//!   [`trainee_report`] and [`first_failing_step`] so the runner and the harness never disagree on
//!   the format.
//!
//! Running cargo is behind the [`Runner`] trait so the reading can be tested on canned output, and
//! watch mode can run a check on a thread and stop it ([`spawn`], [`collect`], [`stop`]).

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Result, bail};
use cosmolab_lab_harness::report::BANNER_START;
use cosmolab_lab_harness::{LabInfo, first_failing_step, trainee_report};

use crate::course::Course;

/// What a scenario run printed, and whether it passed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScenarioOutput {
    /// Whether `cargo test` exited with status 0.
    pub(crate) passed: bool,
    /// The test's output (`cargo test` captures the test's own prints and shows them on failure).
    pub(crate) stdout: String,
    /// cargo's messages: `Compiling …`, compiler errors, `error: test failed`.
    pub(crate) stderr: String,
}

/// The outcome of a check, for the trainee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The scenario behaved like the solution's, step by step.
    Passed,
    /// The lab's code does not compile: the first errors, as rustc rendered them.
    DoesNotCompile {
        /// The first few error messages, each as rustc printed it.
        errors: String,
        /// How many errors were left out.
        more: usize,
    },
    /// The scenario ran and a step did not behave like the solution's.
    Failed {
        /// The harness's report, from its banner on, verbatim.
        report: String,
        /// The harness's machine line: `N title`, with details for a `todo!`.
        first_failing_step: Option<String>,
    },
    /// The scenario failed without a harness report (a crash before the first step, a cargo
    /// error): the end of the output, so nothing is hidden.
    FailedWithoutReport {
        /// The last lines of the output.
        output: String,
    },
}

impl Verdict {
    /// Whether the lab passed.
    pub(crate) fn passed(&self) -> bool {
        matches!(self, Self::Passed)
    }
}

/// Runs a lab's scenario and returns what it printed.
pub(crate) trait Runner {
    /// Runs package `package`'s `scenario` test from `root`, calling `progress` with a short line
    /// ("compiling lab-01-signing") whenever cargo moves on.
    fn run_scenario(
        &self,
        root: &Path,
        package: &str,
        progress: &mut dyn FnMut(&str),
    ) -> std::io::Result<ScenarioOutput>;
}

/// The real runner: `cargo test`, in the runner's own process group so Ctrl-C stops both.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cargo;

impl Runner for Cargo {
    fn run_scenario(
        &self,
        root: &Path,
        package: &str,
        progress: &mut dyn FnMut(&str),
    ) -> std::io::Result<ScenarioOutput> {
        collect(spawn(root, package, false)?, progress)
    }
}

/// Checks `lab` with `runner`: refuses a lab whose folder is missing, runs its scenario, and
/// reads the outcome.
pub(crate) fn check(
    course: &Course,
    lab: &LabInfo,
    runner: &dyn Runner,
    progress: &mut dyn FnMut(&str),
) -> Result<Verdict> {
    if !course.is_available(lab) {
        bail!(
            "lab {}'s folder, {}, is not in this checkout yet",
            lab.number,
            course.relative(&lab.lab_dir(&course.root))
        );
    }
    let output = runner
        .run_scenario(&course.root, &lab.lab_package(), progress)
        .map_err(|error| anyhow::anyhow!("could not run cargo: {error}"))?;
    Ok(classify(&output))
}

/// The command that checks package `package`: `cargo test -p <package> --test scenario`.
///
/// It uses the cargo that runs us (`CARGO`, set by `cargo run`), and the target folder of the
/// build that produced us, so a check compiles only the lab, never the workspace again. Snapshots
/// are never written (`INSTA_UPDATE=no`: a trainee's run must not bless their own transcript), and
/// backtraces are off: the harness's report says where to look.
pub(crate) fn scenario_command(root: &Path, package: &str) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "test", "--color", "never", "-p", package, "--test", "scenario",
        ])
        .env("INSTA_UPDATE", "no")
        .env("RUST_BACKTRACE", "0")
        // The trainee's checks always run on the emulator inside the test: every lab runs there
        // (none is skipped for a missing feature), and nothing else has to be running.
        .env("COSMOLAB_TARGET", "embedded")
        .env_remove("INSTA_FORCE_UPDATE")
        .env_remove("INSTA_FORCE_PASS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // `cargo run` (and `cargo test`) tell the program they run about its own package through
    // variables such as CARGO_MANIFEST_DIR. Passed on, they would look to the inner cargo like a
    // changed environment: build scripts that watch them (ring's does) would run again, and with
    // them half the workspace would be rebuilt at every check.
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(describes_our_package) {
            command.env_remove(&name);
        }
    }
    let target_dir_set = ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if !target_dir_set && let Some(dir) = our_target_dir() {
        command.env("CARGO_TARGET_DIR", dir);
    }
    command
}

/// Whether an environment variable is one cargo sets for the program it runs, about that
/// program's package (see the Cargo book, "Environment variables Cargo sets for crates").
fn describes_our_package(name: &str) -> bool {
    const EXACT: [&str; 7] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "OUT_DIR",
    ];
    EXACT.contains(&name) || name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_BIN_EXE_")
}

/// The target folder this binary was built in: the nearest folder above it with cargo's
/// `CACHEDIR.TAG`. `None` for an installed `cargo-lab`, which is not inside one.
fn our_target_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .skip(1)
        .take(4)
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
}

/// Starts a check. With `own_group` (watch mode, where the terminal is in raw mode and Ctrl-C is
/// a key, not a signal) cargo gets a process group of its own, so [`stop`] can end cargo, rustc
/// and the test binary at once.
pub(crate) fn spawn(root: &Path, package: &str, own_group: bool) -> std::io::Result<Child> {
    let mut command = scenario_command(root, package);
    #[cfg(unix)]
    if own_group {
        use std::os::unix::process::CommandExt as _;
        command.process_group(0);
    }
    #[cfg(not(unix))]
    let _ = own_group;
    command.spawn()
}

/// Reads a started check to its end: stderr line by line for progress, stdout on a thread (both
/// pipes must be drained at once, or a chatty test blocks on a full pipe).
pub(crate) fn collect(
    mut child: Child,
    progress: &mut dyn FnMut(&str),
) -> std::io::Result<ScenarioOutput> {
    let mut stdout_pipe = child.stdout.take().expect("stdout is piped");
    let stdout_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout_pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let mut stderr = String::new();
    let stderr_pipe = child.stderr.take().expect("stderr is piped");
    for line in BufReader::new(stderr_pipe).split(b'\n') {
        let line = String::from_utf8_lossy(&line?).into_owned();
        if let Some(step) = progress_line(&line) {
            progress(&step);
        }
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let status = child.wait()?;
    let stdout = stdout_reader.join().unwrap_or_default();
    Ok(ScenarioOutput {
        passed: status.success(),
        stdout,
        stderr,
    })
}

/// Stops a check started with `own_group`: its whole process group on Unix, its process tree on
/// Windows. Best effort: a check that has just finished has nothing left to stop.
pub(crate) fn stop(pid: u32) {
    #[cfg(unix)]
    if let Some(group) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    #[cfg(windows)]
    let _ = Command::new("taskkill")
        .args(["/T", "/F", "/PID", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The progress a line of cargo's stderr shows, if any: `compiling lab-01-signing`.
pub(crate) fn progress_line(line: &str) -> Option<String> {
    let line = line.trim();
    let (verb, rest) = line.split_once(' ')?;
    let what = rest.split_whitespace().next().unwrap_or_default();
    match verb {
        "Compiling" => Some(format!("compiling {what}")),
        "Downloading" | "Downloaded" => Some("downloading crates".to_owned()),
        "Running" => Some("running the scenario".to_owned()),
        "Blocking" => Some("waiting for another cargo to finish with the build folder".to_owned()),
        _ => None,
    }
}

/// How many compiler errors a trainee sees at once.
const ERRORS_SHOWN: usize = 3;
/// The longest an error may be, in lines, before it is cut.
const ERROR_LINES: usize = 30;
/// How much of a report-less failure's output is shown, in lines.
const TAIL_LINES: usize = 40;

/// Reads a scenario's output into a verdict (see the module's docs).
pub(crate) fn classify(output: &ScenarioOutput) -> Verdict {
    if output.passed {
        return Verdict::Passed;
    }
    if output
        .stderr
        .lines()
        .any(|line| line.starts_with("error: could not compile"))
    {
        let errors = compiler_errors(&output.stderr);
        let more = errors.len().saturating_sub(ERRORS_SHOWN);
        let shown: Vec<String> = errors.into_iter().take(ERRORS_SHOWN).collect();
        return Verdict::DoesNotCompile {
            errors: shown.join("\n\n"),
            more,
        };
    }
    // The harness prints its report from inside the test, which cargo captures and shows on
    // stdout; look at both streams all the same, in case a test prints with --nocapture.
    let combined = format!("{}\n{}", output.stdout, output.stderr);
    match trainee_report(&combined) {
        Some(report) => Verdict::Failed {
            report,
            first_failing_step: first_failing_step(&combined).map(str::to_owned),
        },
        None => Verdict::FailedWithoutReport {
            output: tail(&combined, TAIL_LINES),
        },
    }
}

/// The error messages in rustc's output, in order, each cut to [`ERROR_LINES`]. A message starts
/// at a line beginning with `error` and ends at the blank line rustc prints after it; cargo's own
/// closing `error: could not compile …` is not one of them.
fn compiler_errors(stderr: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in stderr.lines() {
        match &mut current {
            Some(lines) if line.trim().is_empty() => {
                errors.push(cut(lines));
                current = None;
            }
            Some(lines) => lines.push(line),
            None if line.starts_with("error")
                && !line.starts_with("error: could not compile")
                && !line.starts_with("error: aborting") =>
            {
                current = Some(vec![line]);
            }
            None => {}
        }
    }
    if let Some(lines) = current {
        errors.push(cut(&lines));
    }
    errors
}

fn cut(lines: &[&str]) -> String {
    let mut text = lines
        .iter()
        .take(ERROR_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if lines.len() > ERROR_LINES {
        text.push_str("\n   … (cut)");
    }
    text
}

/// The last `count` non-empty lines of `text`, without cargo's progress lines.
fn tail(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty() && progress_line(line).is_none())
        .filter(|line| !line.trim_start().starts_with("Finished"))
        .collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// Whether a report's line is its banner (for colouring).
pub(crate) fn is_banner(line: &str) -> bool {
    line.starts_with(BANNER_START)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course;

    /// What `cargo test -p lab-01-signing --test scenario` printed for lab 1 as shipped.
    const TODO_STDOUT: &str = "
running 1 test
test scenario ... FAILED

failures:

---- scenario stdout ----

══════ cosmolab · lab 1 · Signing a request by hand ══════
Step 1 (string to sign: GET the database feed) reached a `todo!`: that is your next TODO.

  labs/01-signing/src/lib.rs:70

  // TODO: Return the five fields of the string to sign, each followed by \"\\n\":

Replace the `todo!` with your code and save: `cargo lab` checks the lab again.
Stuck? `cargo lab hint 1` · the lab's page: docs/labs/01-signing.md
cosmolab-lab: first failing step: 1 string to sign: GET the database feed (todo! at labs/01-signing/src/lib.rs:70)

thread 'scenario' (13947) panicked at labs/01-signing/src/lib.rs:70:5:
not yet implemented
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    scenario

test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";

    const TODO_STDERR: &str = "   Compiling lab-01-signing v0.1.0 (/work/main/labs/01-signing)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 4.34s
     Running tests/scenario.rs (target/debug/deps/scenario-acd5a0abb57a73a2)
error: test failed, to rerun pass `-p lab-01-signing --test scenario`
";

    /// What cargo prints for a lab with two type errors and a warning.
    const COMPILE_ERROR_STDERR: &str =
        "   Compiling lab-01-signing v0.1.0 (/work/main/labs/01-signing)
warning: unused variable: `key`
  --> labs/01-signing/src/lib.rs:12:5
   |
12 |     key: &str,
   |     ^^^ help: if this is intentional, prefix it with an underscore: `_key`

error[E0308]: mismatched types
  --> labs/01-signing/src/lib.rs:70:5
   |
69 | pub fn string_to_sign(verb: &str) -> String {
   |                                      ------ expected `String` because of return type
70 |     5
   |     ^ expected `String`, found integer

error[E0425]: cannot find value `signature` in this scope
  --> labs/01-signing/src/lib.rs:90:5
   |
90 |     signature
   |     ^^^^^^^^^ not found in this scope

Some errors have detailed explanations: E0308, E0425.
For more information about an error, try `rustc --explain E0308`.
warning: `lab-01-signing` (lib) generated 1 warning
error: could not compile `lab-01-signing` (lib) due to 2 previous errors; 1 warning emitted
";

    fn output(passed: bool, stdout: &str, stderr: &str) -> ScenarioOutput {
        ScenarioOutput {
            passed,
            stdout: stdout.to_owned(),
            stderr: stderr.to_owned(),
        }
    }

    /// A passing run is a pass, whatever it printed.
    #[test]
    fn a_passing_run_passes() {
        let passed = output(true, "test result: ok. 1 passed", "   Compiling x\n");
        assert_eq!(classify(&passed), Verdict::Passed);
    }

    /// A `todo!` gives the harness's report verbatim, without the panic that follows it, and
    /// its first failing step.
    #[test]
    fn a_failing_scenario_gives_the_harness_report() {
        let Verdict::Failed {
            report,
            first_failing_step,
        } = classify(&output(false, TODO_STDOUT, TODO_STDERR))
        else {
            panic!("expected a report");
        };
        assert!(report.starts_with(BANNER_START), "{report}");
        assert!(report.contains("reached a `todo!`"), "{report}");
        assert!(
            report.ends_with("the lab's page: docs/labs/01-signing.md"),
            "{report}"
        );
        assert!(!report.contains("thread 'scenario'"), "{report}");
        assert_eq!(
            first_failing_step.as_deref(),
            Some(
                "1 string to sign: GET the database feed (todo! at labs/01-signing/src/lib.rs:70)"
            )
        );
    }

    /// A lab that does not compile gives rustc's errors, not its warnings or cargo's summary.
    #[test]
    fn a_compile_error_gives_the_first_errors() {
        let verdict = classify(&output(false, "", COMPILE_ERROR_STDERR));
        let Verdict::DoesNotCompile { errors, more } = verdict else {
            panic!("expected a compile error, got {verdict:?}");
        };
        assert_eq!(more, 0);
        assert!(
            errors.starts_with("error[E0308]: mismatched types"),
            "{errors}"
        );
        assert!(
            errors.contains("error[E0425]: cannot find value"),
            "{errors}"
        );
        assert!(errors.contains("not found in this scope"), "{errors}");
        assert!(!errors.contains("unused variable"), "{errors}");
        assert!(!errors.contains("could not compile"), "{errors}");
        assert!(!errors.contains("rustc --explain"), "{errors}");
    }

    /// Past three errors, the rest are counted, not shown; a very long error is cut.
    #[test]
    fn many_errors_are_counted_and_long_ones_cut() {
        let long_error = format!("error: long\n{}\n\n", "  | line\n".repeat(50));
        let stderr = format!(
            "{}{}error: could not compile `lab-01-signing`\n",
            "error[E0308]: mismatched types\n  --> src/lib.rs:1:1\n\n".repeat(4),
            long_error
        );
        let Verdict::DoesNotCompile { errors, more } = classify(&output(false, "", &stderr)) else {
            panic!("expected a compile error");
        };
        assert_eq!(more, 2);
        assert_eq!(errors.matches("error[E0308]").count(), 3);
        let long = compiler_errors(&stderr).pop().unwrap();
        assert_eq!(long.lines().count(), ERROR_LINES + 1);
        assert!(long.ends_with("… (cut)"));
    }

    /// A failure without a report (a crash, a cargo error) shows the end of the output.
    #[test]
    fn a_failure_without_a_report_shows_the_output_tail() {
        let stderr = "error: package ID specification `lab-09-x` did not match any packages\n";
        let Verdict::FailedWithoutReport { output: tail } = classify(&output(false, "", stderr))
        else {
            panic!("expected no report");
        };
        assert!(tail.contains("did not match any packages"), "{tail}");
        let long: String = (0..100).map(|n| format!("line {n}\n")).collect();
        let Verdict::FailedWithoutReport { output: tail } = classify(&output(false, &long, ""))
        else {
            panic!("expected no report");
        };
        assert_eq!(tail.lines().count(), TAIL_LINES);
        assert!(tail.ends_with("line 99"));
    }

    /// cargo's stderr turns into short progress lines; everything else is not progress.
    #[test]
    fn cargo_lines_become_progress() {
        let lines: Vec<String> = TODO_STDERR.lines().filter_map(progress_line).collect();
        assert_eq!(lines, ["compiling lab-01-signing", "running the scenario"]);
        assert_eq!(
            progress_line("    Blocking waiting for file lock on build directory").unwrap(),
            "waiting for another cargo to finish with the build folder"
        );
        assert!(progress_line("error[E0308]: mismatched types").is_none());
    }

    /// A runner that answers with canned output, recording what it was asked to run.
    struct Canned {
        output: ScenarioOutput,
        asked: std::cell::RefCell<Vec<String>>,
    }

    impl Runner for Canned {
        fn run_scenario(
            &self,
            _root: &Path,
            package: &str,
            progress: &mut dyn FnMut(&str),
        ) -> std::io::Result<ScenarioOutput> {
            self.asked.borrow_mut().push(package.to_owned());
            progress("compiling lab");
            Ok(self.output.clone())
        }
    }

    /// `check` runs the lab's package and reads its output; a lab without its folder is refused
    /// before anything runs.
    #[test]
    fn check_runs_the_labs_package_through_the_runner() {
        let (_dir, course) = course::tests::course();
        let runner = Canned {
            output: output(false, TODO_STDOUT, TODO_STDERR),
            asked: Default::default(),
        };
        let mut progress = Vec::new();
        let lab = course.find("1").unwrap();
        let verdict = check(&course, lab, &runner, &mut |line| {
            progress.push(line.to_owned())
        })
        .unwrap();
        assert!(matches!(verdict, Verdict::Failed { .. }));
        assert_eq!(runner.asked.borrow().as_slice(), ["lab-01-signing"]);
        assert_eq!(progress, ["compiling lab"]);

        let missing = course.find("2").unwrap();
        let error = check(&course, missing, &runner, &mut |_| {}).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("labs/02-keys, is not in this checkout"),
            "{error}"
        );
        assert_eq!(runner.asked.borrow().len(), 1);
    }

    /// The command is the one a trainee would type, and never blesses snapshots.
    #[test]
    fn the_command_is_cargo_test_of_the_scenario() {
        let command = scenario_command(Path::new("/checkout"), "lab-01-signing");
        let args: Vec<_> = command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "test",
                "--color",
                "never",
                "-p",
                "lab-01-signing",
                "--test",
                "scenario"
            ]
        );
        assert_eq!(command.get_current_dir(), Some(Path::new("/checkout")));
        let insta = command
            .get_envs()
            .find(|(name, _)| *name == "INSTA_UPDATE")
            .and_then(|(_, value)| value);
        assert_eq!(insta, Some(std::ffi::OsStr::new("no")));
        let target = command
            .get_envs()
            .find(|(name, _)| *name == "COSMOLAB_TARGET")
            .and_then(|(_, value)| value);
        assert_eq!(target, Some(std::ffi::OsStr::new("embedded")));
        // This test runs under cargo, which set CARGO_MANIFEST_DIR for it: the check must not
        // pass it on (it would make the inner cargo rebuild).
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let removed = command
            .get_envs()
            .find(|(name, _)| *name == "CARGO_MANIFEST_DIR");
        assert_eq!(
            removed,
            Some((std::ffi::OsStr::new("CARGO_MANIFEST_DIR"), None))
        );
    }

    /// Only the variables about the running package are dropped, not cargo's own settings.
    #[test]
    fn only_variables_about_our_package_are_dropped() {
        for ours in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "CARGO_BIN_EXE_cargo-lab",
            "OUT_DIR",
        ] {
            assert!(describes_our_package(ours), "{ours}");
        }
        for settings in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_TERM_COLOR",
            "PATH",
        ] {
            assert!(!describes_our_package(settings), "{settings}");
        }
    }
}

//! The snapshot check, and the report a trainee reads when a lab does not pass yet.
//!
//! Two things can stop a scenario: a step that reaches one of the lab's `todo!` markers (the panic hook
//! below turns it into "your next TODO is at `labs/…/src/lib.rs:42`", with the TODO's own comment),
//! and a transcript that differs from the solution's (the report names the first step that differs,
//! shows both versions, says what the emulator refused and why, and repeats the lab's hint).
//!
//! Every report ends with one line for tools, `cosmolab-lab: first failing step: N <title>`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

use crate::MACHINE_LINE_PREFIX;
use crate::catalog::LabInfo;
use crate::transcript::Transcript;

/// The lab being run and where its files are, for the panic hook.
#[derive(Debug, Clone)]
struct LabContext {
    info: LabInfo,
    root: PathBuf,
}

static CONTEXT: Mutex<Option<LabContext>> = Mutex::new(None);
static CURRENT_STEP: Mutex<Option<(usize, String)>> = Mutex::new(None);
static HOOK: Once = Once::new();
/// Set once a report has been printed: the panic that fails the test afterwards needs no second one.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Marks step `number` as running until the guard is dropped, so a panic can name it.
pub(crate) fn running_step(number: usize, title: &str) -> RunningStep {
    *lock(&CURRENT_STEP) = Some((number, title.to_owned()));
    RunningStep
}

/// Clears the running step when the step is over.
pub(crate) struct RunningStep;

impl Drop for RunningStep {
    fn drop(&mut self) {
        // A step that panicked keeps its name for the hook, which has already run by now.
        if !std::thread::panicking() {
            *lock(&CURRENT_STEP) = None;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// How long a scenario may run before the watchdog ends it, unless
/// `COSMOLAB_SCENARIO_TIMEOUT` (seconds) says otherwise. Every scenario of the course takes well
/// under a second once built; a minute means a loop or a wait that never ends.
pub const DEFAULT_SCENARIO_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts the watchdog: if the scenario is still running after its time limit, it prints a report
/// naming the step that never finished and ends the test process, so `cargo lab check` and the
/// graders never hang on a trainee's loop.
pub(crate) fn start_watchdog(info: &LabInfo) {
    let limit = std::env::var("COSMOLAB_SCENARIO_TIMEOUT")
        .ok()
        .and_then(|seconds| seconds.trim().parse().ok())
        .map_or(DEFAULT_SCENARIO_TIMEOUT, Duration::from_secs);
    let info = info.clone();
    let spawned = std::thread::Builder::new()
        .name("cosmolab-watchdog".to_owned())
        .spawn(move || {
            std::thread::sleep(limit);
            let step = lock(&CURRENT_STEP).clone();
            // Straight to the process's stderr: libtest shows what a test printed only when
            // the test ends, and this one is about to be ended.
            let _ = writeln!(std::io::stderr(), "{}", explain_timeout(&info, step, limit));
            // The test cannot be unwound from another thread: end the process, with the
            // failure code libtest itself uses.
            std::process::exit(101);
        });
    // Without a watchdog the scenario still runs; only a hang would go unexplained.
    drop(spawned);
}

fn explain_timeout(info: &LabInfo, step: Option<(usize, String)>, limit: Duration) -> String {
    let mut report = banner(info);
    let (number, title) = step.unwrap_or((0, "between two steps".to_owned()));
    let _ = writeln!(
        report,
        "Step {number} ({title}) was still running after {} s: your code may loop forever, or \
         wait for something that never comes (a lock, a channel, a request to the wrong place).\n",
        limit.as_secs()
    );
    push_hint(&mut report, info);
    let _ = write!(
        report,
        "{MACHINE_LINE_PREFIX} first failing step: {number} {title} (timed out after {} s)",
        limit.as_secs()
    );
    report
}

/// Installs the panic hook that explains `todo!` markers and panics inside steps, once per process.
pub(crate) fn install_panic_hook(info: &LabInfo, root: &Path) {
    *lock(&CONTEXT) = Some(LabContext {
        info: info.clone(),
        root: root.to_owned(),
    });
    HOOK.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |panic| {
            let message = panic_message(panic.payload());
            let location = panic
                .location()
                .map(|location| (location.file().to_owned(), location.line()));
            let step = lock(&CURRENT_STEP).clone();
            if let Some(context) = lock(&CONTEXT).clone()
                && !REPORTED.swap(true, Ordering::SeqCst)
            {
                eprintln!("{}", explain_panic(&context, step, &message, location));
            }
            default_hook(panic);
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

fn explain_panic(
    context: &LabContext,
    step: Option<(usize, String)>,
    message: &str,
    location: Option<(String, u32)>,
) -> String {
    let info = &context.info;
    let mut report = banner(info);
    let (number, title) = step.unwrap_or((0, "before the first step".to_owned()));
    let place = location
        .as_ref()
        .map(|(file, line)| format!("{file}:{line}"))
        .unwrap_or_else(|| "an unknown place".to_owned());
    let is_todo = message.starts_with("not yet implemented");
    if is_todo {
        let _ = writeln!(
            report,
            "Step {number} ({title}) reached a `todo!`: that is your next TODO.\n\n  {place}\n"
        );
        if let Some((file, line)) = &location
            && let Some(comment) = todo_comment(&context.root.join(file), *line)
        {
            for line in comment.lines() {
                let _ = writeln!(report, "  {line}");
            }
            report.push('\n');
        }
        let _ = writeln!(
            report,
            "Replace the `todo!` with your code and save: `cargo lab` checks the lab again.\n\
             Stuck? `cargo lab hint {}` · the lab's page: docs/labs/{}.md",
            info.number, info.name
        );
    } else {
        let _ = writeln!(
            report,
            "Step {number} ({title}) panicked at {place}:\n  {message}\n\n\
             A lab's code should return errors, not panic; the hint may help:\n"
        );
        push_hint(&mut report, info);
    }
    let detail = if is_todo {
        format!("todo! at {place}")
    } else {
        "panicked".to_owned()
    };
    let _ = write!(
        report,
        "{MACHINE_LINE_PREFIX} first failing step: {number} {title} ({detail})"
    );
    report
}

/// The `// TODO:` comment just above line `line` of `file`, if there is one within 40 lines.
fn todo_comment(file: &Path, line: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let todo_line = (line as usize).checked_sub(1)?;
    let start = (todo_line.saturating_sub(40)..todo_line)
        .rev()
        .find(|&index| lines.get(index).is_some_and(|text| text.contains("TODO:")))?;
    Some(
        lines[start..todo_line]
            .iter()
            .map(|line| line.trim())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn banner(info: &LabInfo) -> String {
    format!("\n{BANNER_START}{} · {} ══════\n", info.number, info.title)
}

fn push_hint(report: &mut String, info: &LabInfo) {
    let _ = writeln!(report, "Hint (`cargo lab hint {}`):", info.number);
    for line in info.hint.trim().lines() {
        let _ = writeln!(report, "  {line}");
    }
    let _ = writeln!(report, "More: docs/labs/{}.md\n", info.name);
}

/// The first failing step a scenario reported in its output (`cosmolab-lab: first failing step:
/// N title`), for the tools that run scenarios and read their output: `cargo lab` and
/// `cargo xtask grade`.
pub fn first_failing_step(test_output: &str) -> Option<&str> {
    let marker = format!("{MACHINE_LINE_PREFIX} first failing step: ");
    test_output
        .lines()
        .find_map(|line| line.trim().strip_prefix(marker.as_str()))
}

/// Why the scenario did not run on its target, from its `cosmolab-lab: skipped: …` line.
pub fn skipped_reason(test_output: &str) -> Option<&str> {
    let marker = format!("{MACHINE_LINE_PREFIX} skipped: ");
    test_output
        .lines()
        .find_map(|line| line.trim().strip_prefix(marker.as_str()))
}

/// The trainee-facing part of a scenario's output: from the report's banner up to (not
/// including) the machine-readable line. `None` when the output holds no report (for example
/// when the lab did not compile).
pub fn trainee_report(test_output: &str) -> Option<String> {
    let start = test_output.find(BANNER_START)?;
    let rest = &test_output[start..];
    let end = rest.find(MACHINE_LINE_PREFIX).unwrap_or(rest.len());
    Some(rest[..end].trim_end().to_owned())
}

/// How every report begins.
pub const BANNER_START: &str = "══════ cosmolab · lab ";

/// The steps of a rendered transcript: each starts with a line `N. title`.
fn split_steps(text: &str) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    for line in text.lines() {
        let starts_step = line.split_once(". ").is_some_and(|(number, _)| {
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
        });
        match steps.last_mut() {
            Some(step) if !starts_step => {
                step.push('\n');
                step.push_str(line);
            }
            _ => steps.push(line.to_owned()),
        }
    }
    steps
}

/// The committed snapshot's contents, without insta's header.
fn read_snapshot(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let body = match text.strip_prefix("---\n") {
        Some(rest) => rest.split_once("\n---\n").map(|(_, body)| body)?,
        None => &text,
    };
    Some(body.to_owned())
}

/// Whether insta has been asked to write snapshots (the instructor's `check-labs --update`).
fn updating_snapshots() -> bool {
    std::env::var_os("INSTA_FORCE_UPDATE").is_some()
        || std::env::var("INSTA_UPDATE").is_ok_and(|mode| mode == "always" || mode == "new")
}

/// The committed transcript's steps, each as `render` writes it, for a scenario to be checked
/// step by step as it runs (see [`Transcript::guarded`]); `None` while an instructor is writing
/// the snapshot, or when there is none yet.
pub(crate) fn expected_steps(info: &LabInfo, root: &Path) -> Option<Vec<String>> {
    if updating_snapshots() {
        return None;
    }
    let expected = read_snapshot(&info.snapshot_file(root))?;
    Some(split_steps(expected.trim_end()))
}

/// Compares the transcript with the committed one; on a difference, prints the report and panics.
pub(crate) fn check(info: &LabInfo, root: &Path, transcript: &Transcript) {
    let text = transcript.render();
    let snapshot_file = info.snapshot_file(root);
    let expected = read_snapshot(&snapshot_file);
    if let Some(expected) = &expected
        && !updating_snapshots()
        && expected.trim_end() != text.trim_end()
    {
        let report = explain_difference(info, transcript, expected);
        REPORTED.store(true, Ordering::SeqCst);
        eprintln!("{report}");
        panic!(
            "lab {} does not pass yet: its transcript differs from the solution's (the report \
             above says where)",
            info.number
        );
    }
    // Same as committed (or being written by an instructor): insta has the last word, so the
    // snapshot stays an ordinary insta snapshot that `cargo insta review` understands.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(
        snapshot_file
            .parent()
            .expect("the snapshot file is inside tests/snapshots"),
    );
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!(
        "lab {} · {} — the solution's transcript",
        info.number, info.title
    ));
    settings.bind(|| insta::assert_snapshot!("transcript", text));
}

fn explain_difference(info: &LabInfo, transcript: &Transcript, expected: &str) -> String {
    let expected_steps = split_steps(expected.trim_end());
    let actual_steps = split_steps(transcript.render().trim_end());
    let first_difference = (0..expected_steps.len().max(actual_steps.len()))
        .find(|&index| expected_steps.get(index) != actual_steps.get(index))
        .unwrap_or(0);
    let number = first_difference + 1;
    let mut report = banner(info);
    let title;
    match (
        expected_steps.get(first_difference),
        transcript.steps().get(first_difference),
    ) {
        (Some(expected_step), Some(actual)) => {
            title = actual.title.clone();
            let _ = writeln!(
                report,
                "Step {number} of {} ({title}) differs from the solution's.\n",
                expected_steps.len()
            );
            let _ = writeln!(report, "  the solution got:");
            for line in expected_step.lines().skip(1) {
                let _ = writeln!(report, "  {line}");
            }
            let _ = writeln!(report, "  your code got:\n{actual}");
            let expected_refused = expected_step.lines().nth(1).is_some_and(|status| {
                let status = status.trim_start();
                status.starts_with('4') || status.starts_with('5') || status.starts_with("not sent")
            });
            match (&actual.refusal, expected_refused) {
                (Some(refusal), _) => {
                    let _ = writeln!(report, "The emulator refused your request: {refusal}.\n");
                }
                (None, true) => {
                    let _ = writeln!(
                        report,
                        "The emulator allowed your request where it refused the solution's: \
                         your code grants or sends more than this step should allow.\n"
                    );
                }
                (None, false) => {}
            }
        }
        (Some(expected_step), None) => {
            title = expected_step
                .lines()
                .next()
                .and_then(|line| line.split_once(". "))
                .map(|(_, title)| title.to_owned())
                .unwrap_or_default();
            let _ = writeln!(
                report,
                "The scenario stopped after step {} of {}: step {number} ({title}) needs what an \
                 earlier step should have produced.\n",
                actual_steps.len(),
                expected_steps.len()
            );
            if let Some(last) = transcript.steps().last()
                && let Some(refusal) = &last.refusal
            {
                let _ = writeln!(
                    report,
                    "Its last step ({}) was refused: {refusal}.\n",
                    last.title
                );
            }
        }
        (None, actual) => {
            title = actual.map(|step| step.title.clone()).unwrap_or_default();
            let _ = writeln!(
                report,
                "The scenario ran more steps than the solution's ({} of {}): the committed \
                 transcript may be out of date; an instructor runs `cargo xtask check-labs --update`.\n",
                actual_steps.len(),
                expected_steps.len()
            );
        }
    }
    push_hint(&mut report, info);
    let _ = write!(
        report,
        "{MACHINE_LINE_PREFIX} first failing step: {number} {title}"
    );
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::Outcome;

    fn info() -> LabInfo {
        LabInfo {
            number: 3,
            name: "03-resource-tokens".into(),
            title: "Users, permissions, resource tokens".into(),
            seeds: vec!["000".into()],
            concept: "resource tokens".into(),
            implemented_in: "crates/client".into(),
            hint: "Scope the permission to the partition.".into(),
            needs: Vec::new(),
        }
    }

    fn solution() -> Transcript {
        let mut transcript = Transcript::new();
        transcript.push(
            "create the permission",
            Outcome::Success {
                status: 201,
                body: None,
            },
        );
        transcript.push(
            "read bob's order",
            Outcome::Refused {
                status: 403,
                substatus: None,
                message: "Insufficient permissions".into(),
                deny_reason: Some("partition [\"bob\"] is not [\"alice\"]".into()),
            },
        );
        transcript
    }

    #[test]
    fn a_step_allowed_where_the_solution_was_refused_is_named_and_explained() {
        let mut trainee = Transcript::new();
        trainee.push(
            "create the permission",
            Outcome::Success {
                status: 201,
                body: None,
            },
        );
        trainee.push(
            "read bob's order",
            Outcome::Success {
                status: 200,
                body: None,
            },
        );
        let report = explain_difference(&info(), &trainee, &solution().render());
        assert!(
            report.contains("Step 2 of 2 (read bob's order) differs"),
            "{report}"
        );
        assert!(
            report.contains("allowed your request where it refused"),
            "{report}"
        );
        assert!(
            report.contains("Scope the permission to the partition."),
            "{report}"
        );
        assert!(report.ends_with("cosmolab-lab: first failing step: 2 read bob's order"));
    }

    #[test]
    fn a_refusal_is_reported_with_its_deny_reason() {
        let mut trainee = Transcript::new();
        trainee.push(
            "create the permission",
            Outcome::Refused {
                status: 400,
                substatus: None,
                message: "The resource link is invalid".into(),
                deny_reason: None,
            },
        );
        let report = explain_difference(&info(), &trainee, &solution().render());
        assert!(
            report.contains(
                "The emulator refused your request: 400 Bad Request: The resource link is invalid"
            ),
            "{report}"
        );
        assert!(report.ends_with("first failing step: 1 create the permission"));
    }

    #[test]
    fn a_scenario_that_stopped_early_names_the_missing_step() {
        let mut trainee = Transcript::new();
        trainee.push(
            "create the permission",
            Outcome::Success {
                status: 201,
                body: None,
            },
        );
        let report = explain_difference(&info(), &trainee, &solution().render());
        assert!(report.contains("stopped after step 1 of 2"), "{report}");
        assert!(
            report.ends_with("first failing step: 2 read bob's order"),
            "{report}"
        );
    }

    #[test]
    fn a_todo_panic_points_to_the_todo_comment() {
        let dir = std::env::temp_dir().join(format!("cosmolab-harness-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("src/lib.rs"),
            "pub fn sign() -> String {\n    // TODO: lower-case the verb.\n    // Then join with \\n.\n    todo!()\n}\n",
        )
        .unwrap();
        let context = LabContext {
            info: info(),
            root: dir.clone(),
        };
        let report = explain_panic(
            &context,
            Some((2, "sign the request".into())),
            "not yet implemented",
            Some(("src/lib.rs".into(), 4)),
        );
        assert!(
            report.contains("Step 2 (sign the request) reached a `todo!`"),
            "{report}"
        );
        assert!(
            report.contains("// TODO: lower-case the verb.\n  // Then join with \\n."),
            "{report}"
        );
        assert!(report.ends_with("first failing step: 2 sign the request (todo! at src/lib.rs:4)"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tools_read_the_first_failing_step_and_the_report_from_test_output() {
        let report = explain_difference(&info(), &Transcript::new(), &solution().render());
        let output =
            format!("running 1 test\n---- scenario stdout ----\n{report}\n\nthread panicked\n");
        assert_eq!(first_failing_step(&output), Some("1 create the permission"));
        let shown = trainee_report(&output).unwrap();
        assert!(shown.starts_with(BANNER_START), "{shown}");
        assert!(!shown.contains(MACHINE_LINE_PREFIX), "{shown}");
        assert!(first_failing_step("test result: ok").is_none());
    }

    #[test]
    fn a_timeout_names_the_step_that_never_finished() {
        let report = explain_timeout(
            &info(),
            Some((4, "read bob's order".into())),
            Duration::from_secs(60),
        );
        assert!(report.contains("Step 4 (read bob's order) was still running after 60 s"));
        assert_eq!(
            first_failing_step(&report),
            Some("4 read bob's order (timed out after 60 s)")
        );
    }

    #[test]
    fn snapshots_are_read_without_their_header() {
        let dir = std::env::temp_dir().join(format!("cosmolab-snap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("transcript.snap");
        std::fs::write(
            &file,
            "---\nsource: x\ndescription: y\n---\n1. step\n   200 OK\n",
        )
        .unwrap();
        assert_eq!(read_snapshot(&file).unwrap(), "1. step\n   200 OK\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

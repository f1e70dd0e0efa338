//! `cargo xtask check-labs`: the labs are in the state trainees must find them in.
//!
//! For every lab of `labs/info.toml`:
//!
//! | check | why |
//! |---|---|
//! | the lab and its solution exist, share a library name, and the lab has a page in `docs/labs/` | the scenario is compiled into both crates; trainees read the page |
//! | `todo!()` appears only in `labs/*/src`, each one right under a `// TODO:` comment | a trainee's every `todo!()` says what to do; nothing else is unfinished |
//! | the trainee's copy **fails** its scenario, at a step (not by not compiling) | a lab that passes as shipped teaches nothing; one that does not compile cannot be started |
//! | the solution **passes** its scenario | the committed transcript is the solution's, so they are in sync |
//!
//! `--update` first rewrites every transcript from its solution (`INSTA_UPDATE=always`); review
//! the result with `git diff` before committing it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use cosmolab_lab_harness::{Catalog, LabInfo};

use crate::process;
use crate::scenario::{self, RunOutcome};

/// The time one scenario may take before it counts as hung.
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// Scenarios run at once: each starts its own emulator, and two keep a small machine responsive.
const JOBS: usize = 2;

/// One check's result, as one line of output and one test in CI's count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    pub(crate) name: String,
    pub(crate) passed: bool,
    pub(crate) detail: String,
}

impl Check {
    fn new(name: impl Into<String>, passed: bool, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            passed,
            detail: detail.into(),
        }
    }
}

/// The lab and solution packages of the catalog, for the steps that must leave them out (nextest,
/// doc tests): a trainee's lab fails by design.
pub(crate) fn lab_packages() -> Result<Vec<String>> {
    let catalog = Catalog::load(&process::project_root()).map_err(anyhow::Error::msg)?;
    Ok(catalog
        .labs
        .iter()
        .flat_map(|lab| [lab.lab_package(), lab.solution_package()])
        .collect())
}

/// Runs every check, printing one line each, and returns them.
pub(crate) fn check_labs(update: bool) -> Result<Vec<Check>> {
    let root = process::project_root();
    let catalog = Catalog::load(&root).map_err(anyhow::Error::msg)?;
    let mut checks = static_checks(&root, &catalog)?;
    for check in &checks {
        print_check(check);
    }

    // Only the labs whose two crates exist: a missing one is already a failed check above, and
    // naming it to cargo would stop the whole build.
    let present: Vec<&LabInfo> = catalog
        .labs
        .iter()
        .filter(|lab| {
            lab.lab_dir(&root).join("Cargo.toml").exists()
                && lab.solution_dir(&root).join("Cargo.toml").exists()
        })
        .collect();
    let packages: Vec<String> = present
        .iter()
        .flat_map(|lab| [lab.solution_package(), lab.lab_package()])
        .collect();
    println!("building the scenarios of {} lab(s)…", present.len());
    let built = scenario::build(&packages, &scenario::BuildSettings::default())?;

    println!(
        "running {} scenario(s), {JOBS} at a time{}…",
        packages.len(),
        if update {
            " (solutions first rewrite their transcripts)"
        } else {
            ""
        }
    );
    let runs: Vec<(&LabInfo, Side)> = present
        .iter()
        .flat_map(|&lab| [(lab, Side::Solution), (lab, Side::Trainee)])
        .collect();
    let scenario_checks = scenario::in_parallel(JOBS, &runs, |&(lab, side)| match side {
        Side::Solution => solution_check(lab, &built, update),
        Side::Trainee => trainee_check(lab, &built),
    });
    for check in scenario_checks {
        let check = check?;
        print_check(&check);
        checks.push(check);
    }

    let failed = checks.iter().filter(|check| !check.passed).count();
    println!(
        "\ncheck-labs: {} passed, {failed} failed",
        checks.len() - failed
    );
    Ok(checks)
}

/// Which crate of a lab a scenario check runs.
#[derive(Debug, Clone, Copy)]
enum Side {
    Solution,
    Trainee,
}

fn print_check(check: &Check) {
    let mark = if check.passed { "✓" } else { "✗" };
    println!("  {mark} {}: {}", check.name, check.detail);
}

/// What to do when a solution's transcript is not the committed one.
const UPDATE_ADVICE: &str = "if the change is intended, run `cargo xtask check-labs --update`, \
                             then review the diff with `git diff labs/`";

/// The solution passes its scenario, which proves the committed transcript is the solution's
/// (after rewriting it first, when updating).
fn solution_check(lab: &LabInfo, built: &scenario::Built, update: bool) -> Result<Check> {
    let solution = lab.solution_package();
    let name = format!("{solution} passes");
    let Some((dir, executable)) = built.executables.get(&solution) else {
        return Ok(Check::new(name, false, compile_failure(built, &solution)));
    };
    if update {
        let rewrite = scenario::run(executable, dir, TIME_LIMIT, true)?;
        if rewrite.outcome != RunOutcome::Passed {
            return Ok(Check::new(
                name,
                false,
                format!(
                    "it fails even while rewriting its transcript, so the solution itself is \
                     wrong; its output:\n{}",
                    indent(&rewrite.output)
                ),
            ));
        }
    }
    let run = scenario::run(executable, dir, TIME_LIMIT, false)?;
    let detail = match &run.outcome {
        RunOutcome::Passed => format!(
            "its transcript is the committed one ({:.1} s)",
            run.elapsed.as_secs_f64()
        ),
        RunOutcome::TimedOut { .. } => format!(
            "it ran past {} s; its output:\n{}",
            TIME_LIMIT.as_secs(),
            indent(&run.output)
        ),
        RunOutcome::Failed { .. } if !lab.snapshot_file(&process::project_root()).exists() => {
            format!(
                "there is no committed transcript (labs/{}/tests/snapshots/transcript.snap): \
                 write it with `cargo xtask check-labs --update`, then review it with \
                 `git diff labs/`",
                lab.name
            )
        }
        RunOutcome::Failed {
            first_failing_step: Some(step),
        } if is_a_difference(step) => format!(
            "its transcript differs from the committed one at step {step}; {UPDATE_ADVICE}. The \
             report:\n{}",
            indent(
                &cosmolab_lab_harness::trainee_report(&run.output)
                    .unwrap_or_else(|| run.output.clone())
            )
        ),
        // insta's own failure: a committed transcript it cannot read.
        RunOutcome::Failed {
            first_failing_step: None,
        } if run.output.contains("snapshot") => format!(
            "its snapshot check failed; {UPDATE_ADVICE}. Its output:\n{}",
            indent(&run.output)
        ),
        RunOutcome::Failed {
            first_failing_step: Some(step),
        } => format!(
            "the solution itself fails at step {step}; its output:\n{}",
            indent(&run.output)
        ),
        RunOutcome::Failed { .. } => format!("it fails; its output:\n{}", indent(&run.output)),
    };
    Ok(Check::new(name, run.outcome == RunOutcome::Passed, detail))
}

/// Whether the harness's first failing step is a transcript that differs from the committed one,
/// rather than a step that panicked, reached a `todo!()` or never finished (which the harness
/// marks at the end of the line).
fn is_a_difference(step: &str) -> bool {
    !(step.ends_with("(panicked)")
        || step.contains("(todo!() at ")
        || step.contains("(timed out after "))
}

/// The trainee's copy compiles and fails its scenario at a step, with the harness's report.
fn trainee_check(lab: &LabInfo, built: &scenario::Built) -> Result<Check> {
    let trainee = lab.lab_package();
    let name = format!("{trainee} fails as shipped");
    let Some((dir, executable)) = built.executables.get(&trainee) else {
        return Ok(Check::new(
            name,
            false,
            format!(
                "it must compile, so trainees can start: {}",
                compile_failure(built, &trainee)
            ),
        ));
    };
    let run = scenario::run(executable, dir, TIME_LIMIT, false)?;
    Ok(match &run.outcome {
        RunOutcome::Failed {
            first_failing_step: Some(step),
        } => Check::new(name, true, format!("at step {step}")),
        RunOutcome::Failed {
            first_failing_step: None,
        } => Check::new(
            name,
            false,
            format!(
                "it fails without the harness's report, so a trainee would not know what to do; \
                 its output:\n{}",
                indent(&run.output)
            ),
        ),
        RunOutcome::Passed => Check::new(
            name,
            false,
            "it passes as shipped: the lab has nothing left to do",
        ),
        RunOutcome::TimedOut { .. } => Check::new(
            name,
            false,
            format!("it ran past {} s", TIME_LIMIT.as_secs()),
        ),
    })
}

fn compile_failure(built: &scenario::Built, package: &str) -> String {
    if let Some(errors) = built.errors.get(package) {
        return format!("it does not compile:\n{}", indent(errors));
    }
    // Not its own error: a crate it depends on (the harness, the emulator) did not compile.
    match built.dependency_errors().next() {
        Some((other, errors)) => format!(
            "its scenario was not built because `{other}` does not compile:\n{}",
            indent(errors)
        ),
        None => "its scenario was not built (is the package in the workspace?)".to_owned(),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("      {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The checks that need no build: folders, library names, pages, `todo!()` placement.
fn static_checks(root: &Path, catalog: &Catalog) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    for lab in &catalog.labs {
        let lab_lib = library_name(&lab.lab_dir(root).join("Cargo.toml"));
        let solution_lib = library_name(&lab.solution_dir(root).join("Cargo.toml"));
        let expected = lab.lib_name();
        let same = lab_lib.as_deref() == Some(expected.as_str())
            && solution_lib.as_deref() == Some(expected.as_str());
        checks.push(Check::new(
            format!("lab {} crates", lab.number),
            same,
            if same {
                format!(
                    "labs/{0} and solutions/{0} both build library `{expected}`",
                    lab.name
                )
            } else {
                format!(
                    "labs/{0} and solutions/{0} must both exist and declare `[lib] name = \
                     \"{expected}\"` (found {lab_lib:?} and {solution_lib:?})",
                    lab.name
                )
            },
        ));
        let page = lab.doc_file(root);
        checks.push(Check::new(
            format!("lab {} page", lab.number),
            page.exists(),
            format!(
                "docs/labs/{}.md {}",
                lab.name,
                if page.exists() {
                    "exists"
                } else {
                    "is missing"
                }
            ),
        ));
    }
    let misplaced = misplaced_todos(root)?;
    checks.push(Check::new(
        "todo!() only at TODO: markers",
        misplaced.is_empty(),
        if misplaced.is_empty() {
            "every todo!() is in labs/*/src, under a `// TODO:` comment".to_owned()
        } else {
            format!("misplaced:\n{}", indent(&misplaced.join("\n")))
        },
    ));
    Ok(checks)
}

/// The `[lib] name` a manifest declares.
fn library_name(manifest: &Path) -> Option<String> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let value: toml::Value = toml::from_str(&text).ok()?;
    Some(value.get("lib")?.get("name")?.as_str()?.to_owned())
}

/// Every `todo!(` outside `labs/*/src`, or not directly under a comment block holding `TODO:`.
fn misplaced_todos(root: &Path) -> Result<Vec<String>> {
    let mut misplaced = Vec::new();
    for file in rust_files(root)? {
        let relative = file.strip_prefix(root).unwrap_or(&file);
        let in_lab_source = {
            let parts: Vec<_> = relative.components().collect();
            parts.len() >= 4 && parts[0].as_os_str() == "labs" && parts[2].as_os_str() == "src"
        };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        misplaced.extend(
            misplaced_in(&text, in_lab_source)
                .into_iter()
                .map(|line| format!("{}:{line}", relative.display())),
        );
    }
    Ok(misplaced)
}

/// The 1-based lines of `text` whose `todo!(` is not allowed there.
fn misplaced_in(text: &str, in_lab_source: bool) -> Vec<usize> {
    // The macro's name is split so that this file does not flag itself.
    let needle = concat!("todo", "!(");
    let lines: Vec<&str> = text.lines().collect();
    code_lines_containing(text, needle)
        .into_iter()
        .filter(|&line| {
            let marked = in_lab_source
                && lines[..line - 1]
                    .iter()
                    .rev()
                    .take_while(|line| line.trim_start().starts_with("//"))
                    .any(|line| line.contains("TODO:"));
            !marked
        })
        .collect()
}

/// Where the scanner of [`code_lines_containing`] is.
enum Scanning {
    Code,
    LineComment,
    BlockComment,
    Str,
    /// A raw string, closed by `"` and this many `#`.
    RawStr(usize),
}

/// The 1-based lines where `needle` occurs in code: outside comments, string and character
/// literals (raw strings included), which may span lines.
fn code_lines_containing(text: &str, needle: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut state = Scanning::Code;
    let mut line = 1;
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let rest = &bytes[index..];
        let mut skip = 0;
        match state {
            Scanning::LineComment if byte == b'\n' => state = Scanning::Code,
            Scanning::BlockComment if rest.starts_with(b"*/") => {
                state = Scanning::Code;
                skip = 1;
            }
            Scanning::Str if byte == b'\\' => skip = 1,
            Scanning::Str if byte == b'"' => state = Scanning::Code,
            Scanning::RawStr(hashes)
                if byte == b'"'
                    && rest.len() > hashes
                    && rest[1..=hashes].iter().all(|&b| b == b'#') =>
            {
                state = Scanning::Code;
                skip = hashes;
            }
            Scanning::Code => {
                let after_identifier = index > 0
                    && (bytes[index - 1].is_ascii_alphanumeric() || bytes[index - 1] == b'_');
                if rest.starts_with(b"//") {
                    state = Scanning::LineComment;
                } else if rest.starts_with(b"/*") {
                    state = Scanning::BlockComment;
                } else if byte == b'"' {
                    state = Scanning::Str;
                } else if byte == b'r' && !after_identifier {
                    let hashes = rest[1..].iter().take_while(|&&b| b == b'#').count();
                    if rest.get(1 + hashes) == Some(&b'"') {
                        state = Scanning::RawStr(hashes);
                        skip = 1 + hashes;
                    }
                } else if byte == b'\'' {
                    // A character literal ('"' or '\'') is skipped; a lifetime ('a) is not one.
                    if rest.get(2) == Some(&b'\'') {
                        skip = 2;
                    } else if rest.get(1) == Some(&b'\\') {
                        skip = rest[2..]
                            .iter()
                            .position(|&b| b == b'\'')
                            .map_or(0, |end| end + 2);
                    }
                } else if rest.starts_with(needle.as_bytes()) {
                    found.push(line);
                }
            }
            _ => {}
        }
        // Count the line feeds of everything consumed, skipped characters included.
        let consumed = &bytes[index..(index + 1 + skip).min(bytes.len())];
        line += consumed.iter().filter(|&&b| b == b'\n').count();
        index += 1 + skip;
    }
    found
}

/// The `.rs` files of the repository, outside `target/` and hidden folders.
fn rust_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?
        {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    pending.push(entry.path());
                }
            } else if kind.is_file() && name.ends_with(".rs") {
                files.push(entry.path());
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_todo_under_a_todo_comment_in_a_lab_is_allowed() {
        let text = "fn f() {\n    // TODO: do it.\n    // Like this.\n    todo!()\n}\n";
        assert!(misplaced_in(text, true).is_empty());
    }

    #[test]
    fn a_todo_without_its_comment_or_outside_a_lab_is_flagged() {
        let bare = "fn f() {\n    let x = 1;\n    todo!()\n}\n";
        assert_eq!(misplaced_in(bare, true), vec![3]);
        let marked = "fn f() {\n    // TODO: do it.\n    todo!()\n}\n";
        assert_eq!(misplaced_in(marked, false), vec![3]);
        // A comment or a string that merely mentions the macro is not a use of it.
        assert!(misplaced_in("// call todo!() here\n", false).is_empty());
        assert!(misplaced_in("let s = \"todo!()\"; // todo!()\n", false).is_empty());
        // Strings that span lines, raw strings and character literals are not code either.
        assert!(misplaced_in("let s = \"one\n  todo!() \\\"\n\";\n", false).is_empty());
        assert!(misplaced_in("let s = r#\"a \" todo!()\n\"#;\n", false).is_empty());
        assert_eq!(misplaced_in("let q = '\"'; todo!()\n", false), vec![1]);
        assert_eq!(misplaced_in("let s = \"\\\"\"; todo!()\n", false), vec![1]);
    }

    #[test]
    fn a_transcript_difference_is_told_from_a_panic() {
        assert!(is_a_difference(
            "3 signature of the first, with the emulator's key"
        ));
        assert!(is_a_difference(
            "6 bounded lifetimes of 1 minute, 1 hour (seconds)"
        ));
        assert!(!is_a_difference("0 before the first step (panicked)"));
        assert!(!is_a_difference(
            "1 string to sign (todo!() at labs/01-signing/src/lib.rs:70)"
        ));
        assert!(!is_a_difference("4 read (timed out after 60 s)"));
    }

    #[test]
    fn the_repository_has_no_misplaced_todo() {
        let misplaced = misplaced_todos(&process::project_root()).unwrap();
        assert!(misplaced.is_empty(), "{misplaced:?}");
    }
}

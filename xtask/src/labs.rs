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

/// Runs every check, printing one line each, and returns them. The scenarios run on `target`
/// (`COSMOLAB_TARGET`: `container`, `account`), or on the harness's default, the embedded emulator.
pub(crate) fn check_labs(update: bool, target: Option<&str>) -> Result<Vec<Check>> {
    let root = process::project_root();
    let catalog = Catalog::load(&root).map_err(anyhow::Error::msg)?;
    let mut checks = static_checks(&root, &catalog)?;
    for check in &checks {
        print_check(check);
    }

    // Only the crates that exist: a missing one is already a failed check above, and naming it
    // to cargo would stop the whole build.
    let packages: Vec<String> = catalog
        .labs
        .iter()
        .flat_map(|lab| {
            [
                (lab.lab_package(), lab.lab_dir(&root)),
                (lab.solution_package(), lab.solution_dir(&root)),
            ]
        })
        .filter(|(_, dir)| dir.join("Cargo.toml").exists())
        .map(|(package, _)| package)
        .collect();
    println!("building the scenarios of {} labs…", catalog.labs.len());
    let built = scenario::build(&packages, None, None, None)?;

    let present = |lab: &&LabInfo| {
        lab.lab_dir(&root).join("Cargo.toml").exists()
            && lab.solution_dir(&root).join("Cargo.toml").exists()
    };
    if let Some(target) = target {
        println!("running the scenarios on the `{target}` target…");
    }
    for lab in catalog.labs.iter().filter(present) {
        for check in scenario_checks(lab, &built, update, target)? {
            print_check(&check);
            checks.push(check);
        }
    }
    let failed = checks.iter().filter(|check| !check.passed).count();
    println!(
        "\ncheck-labs: {} passed, {failed} failed",
        checks.len() - failed
    );
    if failed > 0 && !update {
        println!(
            "If a solution's transcript changed on purpose, rewrite it with \
             `cargo xtask check-labs --update` and review it with `git diff labs/`."
        );
    }
    Ok(checks)
}

fn print_check(check: &Check) {
    let mark = if check.passed { "✓" } else { "✗" };
    println!("  {mark} {}: {}", check.name, check.detail);
}

/// The trainee's copy fails at a step; the solution passes (after rewriting its transcript
/// when updating).
fn scenario_checks(
    lab: &LabInfo,
    built: &scenario::Built,
    update: bool,
    target: Option<&str>,
) -> Result<Vec<Check>> {
    let mut checks = Vec::new();
    // On another target than the default, the check's name says which.
    let on = target
        .map(|target| format!(" on {target}"))
        .unwrap_or_default();
    let solution = format!("{}{on}", lab.solution_package());
    let trainee = format!("{}{on}", lab.lab_package());
    let run = |executable: &Path, dir: &Path, update: bool| {
        scenario::run_on(executable, dir, TIME_LIMIT, update, target)
    };

    checks.push(match built.executables.get(&lab.solution_package()) {
        None => Check::new(
            format!("{solution} passes"),
            false,
            compile_failure(built, &lab.solution_package()),
        ),
        Some((dir, executable)) => {
            if update {
                run(executable, dir, true)?;
            }
            let run = run(executable, dir, false)?;
            let passed = run.outcome == RunOutcome::Passed;
            let detail = match &run.outcome {
                RunOutcome::Passed => format!(
                    "its transcript is the committed one ({:.1} s)",
                    run.elapsed.as_secs_f64()
                ),
                RunOutcome::TimedOut => format!("it ran past {} s", TIME_LIMIT.as_secs()),
                RunOutcome::Skipped { reason } => format!("it did not run: {reason}"),
                RunOutcome::Failed { first_failing_step } => format!(
                    "it fails{}; its output:\n{}",
                    first_failing_step
                        .as_ref()
                        .map(|step| format!(" at step {step}"))
                        .unwrap_or_default(),
                    indent(&run.output)
                ),
            };
            Check::new(format!("{solution} passes"), passed, detail)
        }
    });

    checks.push(match built.executables.get(&lab.lab_package()) {
        None => Check::new(
            format!("{trainee} fails as shipped"),
            false,
            format!(
                "it must compile, so trainees can start: {}",
                compile_failure(built, &lab.lab_package())
            ),
        ),
        Some((dir, executable)) => {
            let run = run(executable, dir, false)?;
            match &run.outcome {
                RunOutcome::Failed {
                    first_failing_step: Some(step),
                } => Check::new(
                    format!("{trainee} fails as shipped"),
                    true,
                    format!("at step {step}"),
                ),
                RunOutcome::Failed {
                    first_failing_step: None,
                } => Check::new(
                    format!("{trainee} fails as shipped"),
                    false,
                    format!(
                        "it fails without the harness's report, so a trainee would not know what \
                         to do; its output:\n{}",
                        indent(&run.output)
                    ),
                ),
                RunOutcome::Passed => Check::new(
                    format!("{trainee} fails as shipped"),
                    false,
                    "it passes as shipped: the lab has nothing left to do",
                ),
                RunOutcome::TimedOut => Check::new(
                    format!("{trainee} fails as shipped"),
                    false,
                    format!("it ran past {} s", TIME_LIMIT.as_secs()),
                ),
                RunOutcome::Skipped { reason } => Check::new(
                    format!("{trainee} fails as shipped"),
                    false,
                    format!("it did not run: {reason}"),
                ),
            }
        }
    });
    Ok(checks)
}

fn compile_failure(built: &scenario::Built, package: &str) -> String {
    match built.errors.get(package) {
        Some(errors) => format!("it does not compile:\n{}", indent(errors)),
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
    fn the_repository_has_no_misplaced_todo() {
        let misplaced = misplaced_todos(&process::project_root()).unwrap();
        assert!(misplaced.is_empty(), "{misplaced:?}");
    }
}

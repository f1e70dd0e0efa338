//! What a trainee reads: a check's verdict, the list of labs, a hint.
//!
//! Everything here returns text rather than printing it, so the one-shot commands print it as it
//! is, watch mode prints it in raw mode (where a line feed needs its carriage return), and tests
//! read it. Colours are added only when [`Paint`] says the output is a terminal; the harness's
//! report keeps its exact words either way — colour only marks its parts.

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use cosmolab_lab_harness::LabInfo;
use crossterm::style::Stylize as _;

use crate::check::{Verdict, is_banner};
use crate::course::{Course, Status};
use crate::state::Progress;

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paint {
    color: bool,
}

impl Paint {
    /// Colours when stdout is a terminal and `NO_COLOR` is not set (<https://no-color.org>).
    pub(crate) fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Self {
            color: std::io::stdout().is_terminal() && !no_color,
        }
    }

    /// No colour at all.
    #[cfg(test)]
    pub(crate) const fn plain() -> Self {
        Self { color: false }
    }

    /// `text` in bold.
    pub(crate) fn bold(self, text: &str) -> String {
        self.paint(text, |text| text.bold().to_string())
    }
    fn green(self, text: &str) -> String {
        self.paint(text, |text| text.green().bold().to_string())
    }
    fn red(self, text: &str) -> String {
        self.paint(text, |text| text.red().to_string())
    }
    fn yellow(self, text: &str) -> String {
        self.paint(text, |text| text.yellow().to_string())
    }
    fn cyan(self, text: &str) -> String {
        self.paint(text, |text| text.cyan().to_string())
    }
    fn dim(self, text: &str) -> String {
        self.paint(text, |text| text.dark_grey().to_string())
    }

    fn paint(self, text: &str, style: impl Fn(&str) -> String) -> String {
        if self.color {
            style(text)
        } else {
            text.to_owned()
        }
    }
}

/// `lab 3 · Users, permissions, resource tokens`
pub(crate) fn lab_name(lab: &LabInfo) -> String {
    format!("lab {} · {}", lab.number, lab.title)
}

/// The line printed while a check compiles and runs.
pub(crate) fn checking(paint: Paint, lab: &LabInfo) -> String {
    paint.bold(&format!("checking {}…", lab_name(lab)))
}

/// A check's verdict, for the trainee: what passed and what was learned, or what to fix.
pub(crate) fn verdict(paint: Paint, lab: &LabInfo, verdict: &Verdict) -> String {
    let mut text = String::new();
    let rerun = format!("cargo test -p {} --test scenario", lab.lab_package());
    match verdict {
        Verdict::Passed => {
            let _ = writeln!(
                text,
                "{}",
                paint.green(&format!("✓ {} passes.", lab_name(lab)))
            );
            let _ = writeln!(
                text,
                "\n{} {}",
                paint.bold("What you learned:"),
                lab.concept
            );
            let _ = writeln!(
                text,
                "{} {}",
                paint.bold("Where cosmolab does it for real:"),
                lab.implemented_in
            );
        }
        Verdict::Failed {
            report,
            first_failing_step,
        } => {
            let _ = writeln!(text, "{}\n", colour_report(paint, report));
            let step = first_failing_step
                .as_deref()
                .map(|step| format!(": first failing step {step}"))
                .unwrap_or_default();
            let _ = writeln!(
                text,
                "{}",
                paint.red(&format!("✗ lab {} does not pass yet{step}", lab.number))
            );
        }
        Verdict::DoesNotCompile { errors, more } => {
            let _ = writeln!(
                text,
                "{}\n",
                paint.red(&format!(
                    "✗ lab {} does not compile yet. The compiler says:",
                    lab.number
                ))
            );
            let _ = writeln!(text, "{}\n", colour_compiler_errors(paint, errors));
            if *more > 0 {
                let plural = if *more == 1 { "error" } else { "errors" };
                let _ = writeln!(
                    text,
                    "… and {more} more {plural} (`{rerun}` shows them all).",
                );
            }
            let _ = writeln!(
                text,
                "Fix the first error and save: the ones after it often go with it."
            );
        }
        Verdict::FailedWithoutReport { output } => {
            let _ = writeln!(
                text,
                "{}\n",
                paint.red(&format!(
                    "✗ lab {}'s scenario failed before it could write a report. The end of its \
                     output:",
                    lab.number
                ))
            );
            let _ = writeln!(text, "{output}\n");
            let _ = writeln!(text, "`{rerun}` shows all of it.");
        }
    }
    text
}

/// The harness's report, word for word, with its parts coloured: the banner, the step that
/// failed, the emulator's refusal, the hint, and the places in the trainee's code.
fn colour_report(paint: Paint, report: &str) -> String {
    let mut text = String::new();
    for line in report.lines() {
        let trimmed = line.trim_start();
        let coloured = if is_banner(line) {
            paint.cyan(&paint.bold(line))
        } else if trimmed.starts_with("Step ") || trimmed.starts_with("The scenario ") {
            paint.bold(line)
        } else if trimmed.starts_with("The emulator ") || trimmed.starts_with("Its last step") {
            paint.red(line)
        } else if trimmed.starts_with("Hint") || trimmed.starts_with("Stuck?") {
            paint.yellow(line)
        } else if trimmed.starts_with("//") || trimmed.starts_with("labs/") {
            paint.cyan(line)
        } else {
            line.to_owned()
        };
        let _ = writeln!(text, "{coloured}");
    }
    text.trim_end().to_owned()
}

/// rustc's errors with their first line in red and their locations in cyan, as rustc does.
fn colour_compiler_errors(paint: Paint, errors: &str) -> String {
    errors
        .lines()
        .map(|line| {
            if line.starts_with("error") {
                paint.red(&paint.bold(line))
            } else if line.trim_start().starts_with("-->") {
                paint.cyan(line)
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `cargo lab list`: every lab with its status, number, title and seeds, and the progress count.
pub(crate) fn list(paint: Paint, course: &Course, progress: &Progress) -> String {
    let labs = &course.catalog.labs;
    let title_width = labs
        .iter()
        .map(|lab| lab.title.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}",
        paint.bold(&format!(
            "{:<8} {:>3}  {:<title_width$}  seeds",
            "status", "lab", "title"
        ))
    );
    for lab in labs {
        let status = course.status(lab, progress);
        let word = match status {
            Status::Done => "done",
            Status::Current => "current",
            Status::ToDo | Status::Missing => "to do",
        };
        let line = format!(
            "{word:<8} {:>3}  {:<title_width$}  {}",
            lab.number,
            lab.title,
            lab.seeds.join(", ")
        );
        let line = match status {
            Status::Done => paint.green(&line),
            Status::Current => paint.bold(&line),
            Status::ToDo => line,
            Status::Missing => format!("{}  {}", paint.dim(&line), paint.dim("(not here yet)")),
        };
        let _ = writeln!(text, "{line}");
    }
    let done = labs
        .iter()
        .filter(|lab| progress.is_done(&lab.name))
        .count();
    let _ = writeln!(text, "\n{done} of {} labs done.", labs.len());
    match course.current(progress) {
        Some(lab) => {
            let _ = writeln!(
                text,
                "You are on {}: `cargo lab` watches it, `cargo lab hint {}` helps.",
                lab_name(lab),
                lab.number
            );
        }
        None if done == labs.len() => {
            let _ = writeln!(text, "{}", paint.green("Every lab is done. Well done!"));
        }
        None => {
            let _ = writeln!(
                text,
                "Every lab in this checkout is done; the others are still being written."
            );
        }
    }
    text
}

/// `cargo lab hint`: the lab's hint, and its page in `docs/labs/`.
pub(crate) fn hint(paint: Paint, course: &Course, lab: &LabInfo) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{}\n",
        paint.bold(&format!("Hint for {}", lab_name(lab)))
    );
    for line in lab.hint.trim().lines() {
        let _ = writeln!(text, "  {}", paint.yellow(line));
    }
    let page = lab.doc_file(&course.root);
    let relative = course.relative(&page);
    if page.is_file() {
        let _ = writeln!(
            text,
            "\nMore on the lab's page, {}: the concept, the steps, the common mistakes\n\
             and what the emulator answers to each.",
            paint.cyan(&relative)
        );
    } else {
        let _ = writeln!(text, "\nThe lab's page, {relative}, is not written yet.");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course;
    use cosmolab_lab_harness::report::BANNER_START;

    /// The list shows each lab's status, number, title and seeds, and counts what is done.
    #[test]
    fn the_list_shows_statuses_and_progress() {
        let (_dir, course) = course::tests::course();
        let mut progress = Progress::default();
        progress.record("01-signing", true);
        let text = list(Paint::plain(), &course, &progress);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("status"), "{text}");
        assert!(
            lines[1].starts_with("done       1  Signing a request by hand"),
            "{text}"
        );
        assert!(lines[1].ends_with("001, 003"), "{text}");
        assert!(lines[2].starts_with("to do      2  Keys"), "{text}");
        assert!(lines[2].ends_with("(not here yet)"), "{text}");
        assert!(lines[3].starts_with("current    3  Users"), "{text}");
        assert!(text.contains("1 of 3 labs done."), "{text}");
        assert!(text.contains("You are on lab 3 · Users"), "{text}");
    }

    /// The hint is the catalog's, with the lab's page (written or not).
    #[test]
    fn the_hint_names_the_labs_page() {
        let (dir, course) = course::tests::course();
        let lab = course.find("1").unwrap();
        let text = hint(Paint::plain(), &course, lab);
        assert!(text.starts_with("Hint for lab 1 · Signing a request by hand"));
        assert!(
            text.contains("  Decode the key from base64 first."),
            "{text}"
        );
        assert!(
            text.contains("docs/labs/01-signing.md, is not written yet"),
            "{text}"
        );
        std::fs::create_dir_all(dir.path().join("docs/labs")).unwrap();
        std::fs::write(dir.path().join("docs/labs/01-signing.md"), "# Lab 1").unwrap();
        let text = hint(Paint::plain(), &course, lab);
        assert!(
            text.contains("More on the lab's page, docs/labs/01-signing.md:"),
            "{text}"
        );
    }

    /// A pass says what was learned; a failure keeps the report's words, coloured or not.
    #[test]
    fn verdicts_say_what_was_learned_or_keep_the_report() {
        let (_dir, course) = course::tests::course();
        let lab = course.find("1").unwrap();
        let passed = verdict(Paint::plain(), lab, &Verdict::Passed);
        assert!(passed.contains("✓ lab 1 · Signing a request by hand passes."));
        assert!(passed.contains("What you learned: Every request made with a master key"));

        let report = format!(
            "{BANNER_START}1 · Signing ══════\nStep 2 (x) differs.\nThe emulator refused your \
             request: 401 Unauthorized."
        );
        let failed = Verdict::Failed {
            report: report.clone(),
            first_failing_step: Some("2 x".into()),
        };
        let plain = verdict(Paint::plain(), lab, &failed);
        assert!(plain.starts_with(&report), "{plain}");
        assert!(plain.contains("✗ lab 1 does not pass yet: first failing step 2 x"));
        let coloured = verdict(Paint { color: true }, lab, &failed);
        assert!(coloured.contains('\u{1b}'), "{coloured:?}");
        assert!(coloured.contains("The emulator refused your request: 401 Unauthorized."));
    }

    /// A compile error is introduced as such, with the count of errors left out.
    #[test]
    fn a_compile_error_verdict_says_so() {
        let (_dir, course) = course::tests::course();
        let lab = course.find("1").unwrap();
        let text = verdict(
            Paint::plain(),
            lab,
            &Verdict::DoesNotCompile {
                errors: "error[E0308]: mismatched types".into(),
                more: 2,
            },
        );
        assert!(text.starts_with("✗ lab 1 does not compile yet."), "{text}");
        assert!(text.contains("error[E0308]: mismatched types"), "{text}");
        assert!(text.contains("… and 2 more errors"), "{text}");
    }
}

//! `cargo lab` as a trainee's CI or a pipe sees it: the real binary, off a terminal.
//!
//! Two kinds of checkout:
//!
//! - **this one**, for `list`, `hint` and the errors: `cargo-lab` runs from this crate's folder
//!   and finds the checkout upward from there, with its progress in a temporary file so a
//!   developer's own `.cosmolab/progress.toml` is never touched;
//! - **a small made-up one** (`Checkout`), for `check` and `reset`: three labs with no
//!   dependencies — one that passes, one that does not compile, one whose scenario prints a
//!   report like the harness's — so the nested `cargo test` each check runs takes a second.
//!
//! Checking lab 1 of this checkout for real means building the harness and the emulator the way
//! lab 1 asks for them: about a minute on a cold target folder, too slow for every test run. That
//! test is `#[ignore]`d; run it with `cargo test -p cosmolab-lab-runner -- --include-ignored`. The
//! reading of real lab-1 output is also covered by the unit tests of `check`, on output captured
//! from it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cosmolab_lab_harness::report::BANNER_START;

/// `cargo-lab ARGS`, off a terminal (stdin empty, stdout and stderr captured).
fn cargo_lab(args: &[&str], progress: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-lab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("COSMOLAB_PROGRESS_FILE", progress)
        .env("NO_COLOR", "1")
        .env("CARGO_TARGET_DIR", target_dir())
        .stdin(Stdio::null())
        .output()
        .expect("cargo-lab runs")
}

/// The target folder this test was built in (`<target>/debug/cargo-lab` → `<target>`), so the
/// nested cargo reuses everything already compiled even when the outer build was given a
/// `--target-dir`.
fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_cargo-lab"));
    exe.ancestors()
        .skip(1)
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .unwrap_or_else(|| {
            exe.parent()
                .and_then(Path::parent)
                .expect("a target folder")
        })
        .to_path_buf()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `cargo lab list` shows lab 1 as the current lab of a fresh trainee, and the progress count.
#[test]
fn list_shows_the_labs_and_progress() {
    let state = tempfile::tempdir().unwrap();
    let output = cargo_lab(&["list"], &state.path().join("progress.toml"));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(stdout.starts_with("status"), "{stdout}");
    assert!(
        stdout.contains("current    1  Signing a request by hand"),
        "{stdout}"
    );
    assert!(stdout.contains("0 of "), "{stdout}");
    assert!(
        !stdout.contains('\u{1b}'),
        "no colours off a terminal: {stdout:?}"
    );
}

/// `cargo lab hint 1` prints the catalog's hint and the lab's page.
#[test]
fn hint_prints_the_hint_and_the_page() {
    let state = tempfile::tempdir().unwrap();
    let output = cargo_lab(&["hint", "1"], &state.path().join("progress.toml"));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.starts_with("Hint for lab 1 · Signing a request by hand"),
        "{stdout}"
    );
    assert!(
        stdout.contains("decode it before using it as the HMAC key"),
        "{stdout}"
    );
    assert!(stdout.contains("docs/labs/01-signing.md"), "{stdout}");
}

/// `cargo lab check 1` on lab 1 as shipped: exit code 1, and the harness's report of its first
/// `todo!()` — which step reached it, where, and the TODO's own words.
#[test]
#[ignore = "builds lab 1 and the emulator, about a minute on a cold target folder; the same check runs in cargo xtask ci as check-labs; run it here with --include-ignored"]
fn check_reports_the_first_todo_of_lab_1_as_shipped() {
    let state = tempfile::tempdir().unwrap();
    let progress = state.path().join("progress.toml");
    let output = cargo_lab(&["check", "1"], &progress);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("checking lab 1 · Signing a request by hand…"),
        "{stdout}"
    );
    assert!(stdout.contains(BANNER_START), "{stdout}");
    assert!(
        stdout.contains("reached a `todo!`: that is your next TODO"),
        "{stdout}"
    );
    assert!(stdout.contains("labs/01-signing/src/lib.rs:"), "{stdout}");
    assert!(stdout.contains("// TODO:"), "{stdout}");
    assert!(
        stdout.contains("✗ lab 1 does not pass yet: first failing step 1 "),
        "{stdout}"
    );
    // Not a pass, so nothing to remember.
    assert!(!progress.exists());
}

/// `cargo lab reset` off a terminal without `--yes` refuses, and changes nothing.
#[test]
fn reset_off_a_terminal_needs_yes() {
    let state = tempfile::tempdir().unwrap();
    let output = cargo_lab(&["reset", "1"], &state.path().join("progress.toml"));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("add --yes"), "{stderr}");
    assert!(text(&output.stdout).is_empty(), "nothing was done");
}

/// A lab that does not exist is an error (exit code 2) naming the labs that do.
#[test]
fn an_unknown_lab_is_an_error() {
    let state = tempfile::tempdir().unwrap();
    let output = cargo_lab(&["hint", "42"], &state.path().join("progress.toml"));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("there is no lab `42`: the labs are 1,"),
        "{stderr}"
    );
}

/// `--help` says what the runner does, its keys, and what is where.
#[test]
fn help_explains_the_runner() {
    let state = tempfile::tempdir().unwrap();
    let output = cargo_lab(&["--help"], &state.path().join("progress.toml"));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    for expected in [
        "watch",
        "h hint",
        "What is here:",
        "labs/NN-name/src/",
        "Commands:",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in:\n{stdout}");
    }
}

/// A made-up checkout: a workspace of three labs with no dependencies, in a temporary folder, with
/// its own target folder.
struct Checkout {
    dir: tempfile::TempDir,
}

/// A scenario that fails the way the harness does: its report, then its machine line, then a panic.
const REPORT_SCENARIO: &str = r#"
#[test]
fn scenario() {
    eprintln!(
        "\n══════ cosmolab · lab 3 · A refused read ══════\n\
         Step 2 of 2 (read bob's order) differs from the solution's.\n\n\
         The emulator refused your request: 403 Forbidden: the resource token is scoped to \
         partition [\"alice\"], request targets [\"bob\"].\n\n\
         Hint (`cargo lab hint 3`):\n  Scope the permission to the partition.\n\
         cosmolab-lab: first failing step: 2 read bob's order"
    );
    panic!("lab 3 does not pass yet");
}
"#;

impl Checkout {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let labs = [
            (
                "01-pass",
                "A lab that passes",
                "pub fn answer() -> u32 { 42 }\n",
            ),
            (
                "02-broken",
                "A lab that does not compile",
                "pub fn answer() -> u32 { \"forty-two\" }\n",
            ),
            (
                "03-report",
                "A refused read",
                "pub fn answer() -> u32 { 7 }\n",
            ),
        ];
        let mut catalog = String::new();
        for (index, (name, title, lib)) in labs.iter().enumerate() {
            catalog.push_str(&format!(
                "[[lab]]\nnumber = {}\nname = \"{name}\"\ntitle = \"{title}\"\nseeds = [\"000\"]\n\
                 concept = \"The concept of {name}.\"\nimplemented_in = \"crates/{name}\"\n\
                 hint = \"The hint of {name}.\"\n\n",
                index + 1
            ));
            let lab = root.join("labs").join(name);
            std::fs::create_dir_all(lab.join("src")).unwrap();
            std::fs::create_dir_all(lab.join("tests")).unwrap();
            std::fs::write(
                lab.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"lab-{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
                     publish = false\n\n[[test]]\nname = \"scenario\"\npath = \"tests/scenario.rs\"\n"
                ),
            )
            .unwrap();
            std::fs::write(lab.join("src/lib.rs"), lib).unwrap();
            let library = format!("lab_{}", name.replace('-', "_"));
            let scenario = if *name == "03-report" {
                REPORT_SCENARIO.to_owned()
            } else {
                format!("#[test]\nfn scenario() {{ assert_eq!({library}::answer(), 42); }}\n")
            };
            std::fs::write(lab.join("tests/scenario.rs"), scenario).unwrap();
        }
        std::fs::write(root.join("labs/info.toml"), catalog).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nresolver = \"3\"\nmembers = [\"labs/*\"]\n",
        )
        .unwrap();
        std::fs::write(root.join(".gitignore"), "/target\n.cosmolab/\nCargo.lock\n").unwrap();
        Self { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn progress(&self) -> PathBuf {
        self.root().join(".cosmolab/progress.toml")
    }

    /// `cargo-lab ARGS` in this checkout, off a terminal, building into its own target folder.
    fn cargo_lab(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cargo-lab"))
            .args(args)
            .current_dir(self.root().join("labs"))
            .env_remove("COSMOLAB_PROGRESS_FILE")
            .env("NO_COLOR", "1")
            .env("CARGO_TARGET_DIR", self.root().join("target"))
            .env("CARGO_NET_OFFLINE", "true")
            .stdin(Stdio::null())
            .output()
            .expect("cargo-lab runs")
    }

    /// Commits the labs as shipped, for `reset`.
    fn commit(&self) {
        for args in [
            &["init", "-q"][..],
            &["add", "."],
            &[
                "-c",
                "user.name=cosmolab",
                "-c",
                "user.email=cosmolab@example.invalid",
                "commit",
                "-q",
                "-m",
                "the labs as shipped",
            ],
        ] {
            let status = Command::new("git")
                .arg("-C")
                .arg(self.root())
                .args(args)
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        }
    }
}

/// A lab that passes: exit code 0, what was learned, what comes next, and the lab marked done.
#[test]
fn check_marks_a_passing_lab_done() {
    let checkout = Checkout::new();
    let output = checkout.cargo_lab(&["check", "1"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.contains("✓ lab 1 · A lab that passes passes."),
        "{stdout}"
    );
    assert!(
        stdout.contains("What you learned: The concept of 01-pass."),
        "{stdout}"
    );
    assert!(
        stdout.contains("Next: lab 2 · A lab that does not compile."),
        "{stdout}"
    );
    let progress = std::fs::read_to_string(checkout.progress()).unwrap();
    assert!(progress.contains("done = [\"01-pass\"]"), "{progress}");

    // Lab 1 is done, so lab 2 is current now.
    let list = text(&checkout.cargo_lab(&["list"]).stdout);
    assert!(list.contains("done       1  A lab that passes"), "{list}");
    assert!(
        list.contains("current    2  A lab that does not compile"),
        "{list}"
    );
    assert!(list.contains("1 of 3 labs done."), "{list}");
}

/// A lab that does not compile: exit code 1, and rustc's own error.
#[test]
fn check_shows_the_compiler_errors_of_a_lab_that_does_not_compile() {
    let checkout = Checkout::new();
    let output = checkout.cargo_lab(&["check", "broken"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("✗ lab 2 does not compile yet."), "{stdout}");
    assert!(
        stdout.contains("error[E0308]: mismatched types"),
        "{stdout}"
    );
    assert!(stdout.contains("labs/02-broken/src/lib.rs:1:"), "{stdout}");
    assert!(!stdout.contains("could not compile"), "{stdout}");
}

/// A scenario's report is shown verbatim, with its first failing step.
#[test]
fn check_shows_the_report_of_a_failing_scenario() {
    let checkout = Checkout::new();
    let output = checkout.cargo_lab(&["check", "3"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("══════ cosmolab · lab 3 · A refused read ══════\nStep 2 of 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("The emulator refused your request: 403 Forbidden: the resource token"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✗ lab 3 does not pass yet: first failing step 2 read bob's order"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("cosmolab-lab:"),
        "the machine line is for tools: {stdout}"
    );
}

/// `check --all` checks each lab, one line each, and fails if any lab fails; with no command off a
/// terminal, `cargo lab` checks the current lab once.
#[test]
fn check_all_and_no_command_off_a_terminal() {
    let checkout = Checkout::new();
    let output = checkout.cargo_lab(&["check", "--all"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        text(&output.stderr)
    );
    for line in [
        "✓ lab 1 · A lab that passes passes",
        "✗ lab 2 does not compile yet",
        "✗ lab 3: first failing step 2 read bob's order",
        "1 of 3 labs pass.",
        "`cargo lab check 2` shows what to fix first.",
    ] {
        assert!(stdout.contains(line), "no `{line}` in:\n{stdout}");
    }

    // Lab 1 passed above, so the current lab is lab 2.
    let output = checkout.cargo_lab(&[]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("checking lab 2 · A lab that does not compile…"),
        "{stdout}"
    );
}

/// `reset --yes` backs the trainee's files up, restores the lab from git, and marks it not done.
#[test]
fn reset_restores_the_lab_from_git_after_a_backup() {
    let checkout = Checkout::new();
    checkout.commit();
    assert!(checkout.cargo_lab(&["check", "1"]).status.success());
    let lib = checkout.root().join("labs/01-pass/src/lib.rs");
    std::fs::write(&lib, "pub fn answer() -> u32 { 41 } // my work\n").unwrap();

    let output = checkout.cargo_lab(&["reset", "1", "--yes"]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.contains("lab 1 · A lab that passes is as shipped again."),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap(),
        "pub fn answer() -> u32 { 42 }\n"
    );
    let backups: Vec<PathBuf> = std::fs::read_dir(checkout.root().join(".cosmolab/backups"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let name = backups[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("01-pass-"), "{name}");
    assert_eq!(
        std::fs::read_to_string(backups[0].join("src/lib.rs")).unwrap(),
        "pub fn answer() -> u32 { 41 } // my work\n"
    );
    let progress = std::fs::read_to_string(checkout.progress()).unwrap();
    assert!(progress.contains("done = []"), "{progress}");
}

/// Outside a git checkout, reset says why it cannot work.
#[test]
fn reset_outside_git_says_so() {
    let checkout = Checkout::new();
    let output = checkout.cargo_lab(&["reset", "1", "--yes"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a git checkout"), "{stderr}");
}

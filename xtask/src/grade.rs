//! `cargo xtask grade --submissions DIR`: grade every trainee's labs, each in its own cell.
//!
//! ```text
//!  DIR/alice/01-signing/src/lib.rs ─┐   only src/**.rs is taken from a trainee; the manifest,
//!  DIR/bob/01-signing/src/lib.rs  ──┤   the scenario and the transcript come from this repository
//!                                   ▼
//!  <target>/grading/workspace/
//!    Cargo.toml                 a workspace: this repository's dependencies, lints and profiles
//!    labs/info.toml             copied from the repository
//!    labs/01-signing/tests/     the scenario and its committed transcript, from the repository
//!    submissions/alice-01/      the lab's manifest (renamed) + alice's src/
//!    submissions/bob-01/        the lab's manifest (renamed) + bob's src/
//!                                   │
//!  one `cargo test --no-run`, keeping going past what does not compile (its own cell only)
//!  each scenario run alone, with a time limit (a loop costs its own cell only)
//!                                   ▼
//!  a table trainee × lab, <out>/grades.json and <out>/grades.xml (JUnit)
//! ```
//!
//! The grading workspace builds into the repository's own target directory, so the emulator, the
//! client and the rest are compiled once, not once per trainee.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cosmolab_lab_harness::{Catalog, LabInfo};
use serde::Serialize;

use crate::process;
use crate::scenario::{self, RunOutcome};

/// The largest trainee source copied for one lab; anything bigger is not a lab solution.
const MAX_SOURCE_BYTES: u64 = 1 << 20;

/// What `grade` was asked to do.
#[derive(Debug, Clone)]
pub(crate) struct GradeOptions {
    pub(crate) submissions: PathBuf,
    pub(crate) labs: Option<Vec<String>>,
    pub(crate) time_limit: Duration,
    pub(crate) out: Option<PathBuf>,
    pub(crate) jobs: usize,
}

/// One trainee × lab result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Cell {
    /// The scenario passed.
    Pass { seconds: f64 },
    /// The scenario failed; at which step, and the report's first lines.
    Fail {
        first_failing_step: Option<String>,
        excerpt: String,
        seconds: f64,
    },
    /// The submission did not compile; the first compiler errors.
    DoesNotCompile { excerpt: String },
    /// The scenario ran past the time limit.
    TimedOut { seconds: f64 },
    /// The trainee's folder has no such lab.
    Missing,
}

/// The whole grading: trainees, labs and cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Grades {
    pub(crate) labs: Vec<String>,
    pub(crate) trainees: Vec<String>,
    /// trainee → lab → cell.
    pub(crate) cells: BTreeMap<String, BTreeMap<String, Cell>>,
    /// Seconds spent building every submission together.
    pub(crate) build_seconds: f64,
    /// Seconds spent running the scenarios.
    pub(crate) run_seconds: f64,
}

impl Cell {
    fn short(&self) -> String {
        match self {
            Cell::Pass { .. } => "pass".to_owned(),
            Cell::Fail {
                first_failing_step: Some(step),
                ..
            } => format!(
                "fail at step {}",
                step.split_whitespace().next().unwrap_or("?")
            ),
            Cell::Fail { .. } => "fail".to_owned(),
            Cell::DoesNotCompile { .. } => "does not compile".to_owned(),
            Cell::TimedOut { .. } => "timed out".to_owned(),
            Cell::Missing => "missing".to_owned(),
        }
    }

    fn passed(&self) -> bool {
        matches!(self, Cell::Pass { .. })
    }
}

/// Grades every trainee folder of `options.submissions`; prints the table and writes the reports.
pub(crate) fn grade(options: &GradeOptions) -> Result<Grades> {
    let root = process::project_root();
    let catalog = Catalog::load(&root).map_err(anyhow::Error::msg)?;
    let labs = select_labs(&catalog, options.labs.as_deref())?;
    let trainees = trainee_folders(&options.submissions)?;
    if trainees.is_empty() {
        bail!(
            "{} has no trainee folders: put each trainee's labs/ folder in a subfolder, e.g. \
             {}/alice/01-signing/src/lib.rs",
            options.submissions.display(),
            options.submissions.display()
        );
    }
    let target = process::target_dir()?;
    let grading = target.join("grading");
    let workspace = grading.join("workspace");
    println!(
        "grading {} trainee(s) × {} lab(s) in {}",
        trainees.len(),
        labs.len(),
        workspace.display()
    );
    let plan = write_workspace(&root, &workspace, &labs, &trainees)?;

    let mut cells: BTreeMap<String, BTreeMap<String, Cell>> = BTreeMap::new();
    for entry in &plan {
        if entry.package.is_none() {
            cells
                .entry(entry.trainee.clone())
                .or_default()
                .insert(entry.lab.clone(), Cell::Missing);
        }
    }
    let packages: Vec<String> = plan
        .iter()
        .filter_map(|entry| entry.package.clone())
        .collect();
    let started = Instant::now();
    println!("building {} submission(s)…", packages.len());
    let built = if packages.is_empty() {
        scenario::Built::default()
    } else {
        scenario::build(
            &packages,
            Some(&workspace.join("Cargo.toml")),
            Some(&target),
            // Debug info off: see `[profile.grading]` in the root Cargo.toml.
            Some("grading"),
        )?
    };
    let build_seconds = started.elapsed().as_secs_f64();
    println!("built in {build_seconds:.1} s; running the scenarios…");
    let started = Instant::now();

    let results = Mutex::new(Vec::new());
    let queue = Mutex::new(
        plan.iter()
            .filter(|entry| entry.package.is_some())
            .collect::<Vec<_>>(),
    );
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let Some(entry) = queue.lock().unwrap_or_else(|p| p.into_inner()).pop() else {
                        break;
                    };
                    let cell = grade_one(entry, &built, options.time_limit);
                    println!("  {} · lab {}: {}", entry.trainee, entry.lab, cell.short());
                    results.lock().unwrap_or_else(|p| p.into_inner()).push((
                        entry.trainee.clone(),
                        entry.lab.clone(),
                        cell,
                    ));
                }
            });
        }
    });
    for (trainee, lab, cell) in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        cells.entry(trainee).or_default().insert(lab, cell);
    }
    let run_seconds = started.elapsed().as_secs_f64();

    let grades = Grades {
        labs: labs.iter().map(|lab| lab.name.clone()).collect(),
        trainees: trainees.iter().map(|(name, _)| name.clone()).collect(),
        cells,
        build_seconds,
        run_seconds,
    };
    println!("\n{}", table(&grades));
    let out = options.out.clone().unwrap_or(grading);
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    std::fs::write(
        out.join("grades.json"),
        serde_json::to_string_pretty(&grades)?,
    )?;
    std::fs::write(out.join("grades.xml"), junit(&grades))?;
    println!(
        "written: {} and {}",
        out.join("grades.json").display(),
        out.join("grades.xml").display()
    );
    Ok(grades)
}

fn grade_one(entry: &PlanEntry, built: &scenario::Built, time_limit: Duration) -> Cell {
    let package = entry.package.as_deref().unwrap_or_default();
    let Some((dir, executable)) = built.executables.get(package) else {
        let excerpt = built
            .errors
            .get(package)
            .cloned()
            .unwrap_or_else(|| "no scenario was built (see the cargo output above)".to_owned());
        return Cell::DoesNotCompile {
            excerpt: first_lines(&excerpt, 20),
        };
    };
    match scenario::run(executable, dir, time_limit, false) {
        Err(error) => Cell::Fail {
            first_failing_step: None,
            excerpt: format!("the scenario could not be run: {error:#}"),
            seconds: 0.0,
        },
        Ok(run) => {
            let seconds = (run.elapsed.as_secs_f64() * 100.0).round() / 100.0;
            match run.outcome {
                RunOutcome::Passed => Cell::Pass { seconds },
                RunOutcome::TimedOut => Cell::TimedOut { seconds },
                // Grading needs a target that runs every lab: a skip earns nothing, visibly.
                RunOutcome::Skipped { reason } => Cell::Fail {
                    first_failing_step: Some(format!("0 (skipped: {reason})")),
                    excerpt: format!(
                        "the lab did not run on this target: {reason}; grade on the embedded \
                         target (unset COSMOLAB_TARGET) or the cosmolab emulator's image"
                    ),
                    seconds,
                },
                RunOutcome::Failed { first_failing_step } => Cell::Fail {
                    excerpt: first_lines(
                        &cosmolab_lab_harness::trainee_report(&run.output)
                            .unwrap_or_else(|| run.output.clone()),
                        30,
                    ),
                    first_failing_step,
                    seconds,
                },
            }
        }
    }
}

fn first_lines(text: &str, count: usize) -> String {
    text.lines().take(count).collect::<Vec<_>>().join("\n")
}

fn select_labs(catalog: &Catalog, wanted: Option<&[String]>) -> Result<Vec<LabInfo>> {
    match wanted {
        None => Ok(catalog.labs.clone()),
        Some(wanted) => wanted
            .iter()
            .map(|name| {
                catalog.find(name).cloned().with_context(|| {
                    format!("there is no lab `{name}` in labs/info.toml (try a number: --labs 1,3)")
                })
            })
            .collect(),
    }
}

/// The trainee folders of `submissions`, by sanitised name (distinct), sorted.
fn trainee_folders(submissions: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(submissions)
        .with_context(|| format!("reading the submissions folder {}", submissions.display()))?
    {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            folders.push((
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            ));
        }
    }
    folders.sort();
    let mut taken: Vec<String> = Vec::new();
    Ok(folders
        .into_iter()
        .map(|(name, path)| {
            let base = sanitise(&name);
            let mut unique = base.clone();
            let mut suffix = 2;
            while taken.contains(&unique) {
                unique = format!("{base}-{suffix}");
                suffix += 1;
            }
            taken.push(unique.clone());
            (unique, path)
        })
        .collect())
}

/// A folder name as part of a package name: lower-case ASCII letters, digits and dashes.
fn sanitise(name: &str) -> String {
    let mut clean = String::new();
    for character in name.chars() {
        let character = character.to_ascii_lowercase();
        if character.is_ascii_alphanumeric() {
            clean.push(character);
        } else if !clean.ends_with('-') {
            clean.push('-');
        }
    }
    let clean = clean.trim_matches('-').to_owned();
    if clean.is_empty() || clean.starts_with(|c: char| c.is_ascii_digit()) {
        format!("t-{clean}")
    } else {
        clean
    }
}

/// One trainee × lab of the plan: its package in the grading workspace, if the trainee has it.
#[derive(Debug, Clone)]
struct PlanEntry {
    trainee: String,
    lab: String,
    package: Option<String>,
}

/// Writes the grading workspace (replacing any earlier one) and returns the plan.
fn write_workspace(
    root: &Path,
    workspace: &Path,
    labs: &[LabInfo],
    trainees: &[(String, PathBuf)],
) -> Result<Vec<PlanEntry>> {
    if workspace.exists() {
        std::fs::remove_dir_all(workspace)
            .with_context(|| format!("removing the old {}", workspace.display()))?;
    }
    std::fs::create_dir_all(workspace.join("submissions"))?;
    std::fs::write(workspace.join("Cargo.toml"), workspace_manifest(root)?)?;
    // The same versions as the repository's own build, so the shared target dir is reused.
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock"))?;
    std::fs::create_dir_all(workspace.join("labs"))?;
    std::fs::copy(root.join(Catalog::PATH), workspace.join(Catalog::PATH))?;

    let mut plan = Vec::new();
    for lab in labs {
        // The grader's scenario and transcript, never the trainee's.
        copy_tree(
            &lab.lab_dir(root).join("tests"),
            &workspace.join("labs").join(&lab.name).join("tests"),
            &|_| true,
        )?;
        let manifest = lab_manifest(&lab.lab_dir(root).join("Cargo.toml"))?;
        for (trainee, folder) in trainees {
            let source = folder.join(&lab.name).join("src");
            let package = format!("{trainee}-{:02}", lab.number);
            let entry = PlanEntry {
                trainee: trainee.clone(),
                lab: lab.name.clone(),
                package: None,
            };
            if !source.is_dir() {
                plan.push(entry);
                continue;
            }
            let crate_dir = workspace.join("submissions").join(&package);
            copy_trainee_source(&source, &crate_dir.join("src"))?;
            std::fs::write(
                crate_dir.join("Cargo.toml"),
                manifest
                    .replace("@PACKAGE@", &package)
                    .replace("@LAB@", &lab.name),
            )?;
            plan.push(PlanEntry {
                package: Some(package),
                ..entry
            });
        }
    }
    Ok(plan)
}

/// The grading workspace's root manifest: the repository's shared settings, with every path
/// dependency made absolute.
fn workspace_manifest(root: &Path) -> Result<String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut manifest: toml::Table = toml::from_str(&text).context("reading the root Cargo.toml")?;
    let mut workspace = manifest
        .remove("workspace")
        .and_then(|value| value.as_table().cloned())
        .context("the root Cargo.toml has no [workspace]")?;
    if let Some(toml::Value::Table(dependencies)) = workspace.get_mut("dependencies") {
        // Graders run on the embedded emulator: without the harness's container target, a cold
        // grading build does not compile Docker's API client (testcontainers, bollard).
        if let Some(toml::Value::Table(harness)) = dependencies.get_mut("cosmolab-lab-harness") {
            harness.insert("default-features".to_owned(), toml::Value::Boolean(false));
        }
        for (_, dependency) in dependencies.iter_mut() {
            if let Some(toml::Value::String(path)) = dependency
                .as_table_mut()
                .and_then(|table| table.get_mut("path"))
            {
                *path = root.join(&*path).to_string_lossy().into_owned();
            }
        }
    }
    workspace.insert(
        "members".to_owned(),
        toml::Value::Array(vec![toml::Value::String("submissions/*".to_owned())]),
    );
    workspace.remove("exclude");
    let mut out = toml::Table::new();
    out.insert("workspace".to_owned(), toml::Value::Table(workspace));
    if let Some(profile) = manifest.remove("profile") {
        out.insert("profile".to_owned(), profile);
    }
    Ok(format!(
        "# Generated by `cargo xtask grade`; rewritten on every run.\n{}",
        toml::to_string(&out)?
    ))
}

/// The lab's manifest with placeholders for the package name and the scenario's lab.
fn lab_manifest(path: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut manifest: toml::Table = toml::from_str(&text)?;
    if let Some(toml::Value::Table(package)) = manifest.get_mut("package") {
        package.insert("name".to_owned(), "@PACKAGE@".into());
    }
    let mut test = toml::Table::new();
    test.insert("name".to_owned(), "scenario".into());
    test.insert(
        "path".to_owned(),
        "../../labs/@LAB@/tests/scenario.rs".into(),
    );
    manifest.insert(
        "test".to_owned(),
        toml::Value::Array(vec![toml::Value::Table(test)]),
    );
    Ok(toml::to_string(&manifest)?)
}

/// Copies a trainee's `src/`: regular `.rs` files only (no symlinks), at most
/// [`MAX_SOURCE_BYTES`] in all.
fn copy_trainee_source(from: &Path, to: &Path) -> Result<()> {
    let total = std::cell::Cell::new(0);
    copy_tree(from, to, &|path: &Path| {
        let Ok(metadata) = std::fs::symlink_metadata(path) else {
            return false;
        };
        total.set(total.get() + metadata.len());
        metadata.file_type().is_file()
            && path.extension().is_some_and(|extension| extension == "rs")
            && total.get() <= MAX_SOURCE_BYTES
    })
}

pub(crate) fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target, keep)?;
        } else if kind.is_file() && keep(&entry.path()) {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The table trainee × lab.
fn table(grades: &Grades) -> String {
    let mut widths = vec![
        grades
            .trainees
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(7)
            .max(7),
    ];
    widths.extend(grades.labs.iter().map(|lab| lab.len().max(16)));
    let mut out = String::new();
    let _ = write!(out, "{:w$}", "trainee", w = widths[0]);
    for (lab, width) in grades.labs.iter().zip(&widths[1..]) {
        let _ = write!(out, " │ {lab:width$}");
    }
    out.push('\n');
    for trainee in &grades.trainees {
        let _ = write!(out, "{trainee:w$}", w = widths[0]);
        for (lab, width) in grades.labs.iter().zip(&widths[1..]) {
            let cell = grades
                .cells
                .get(trainee)
                .and_then(|cells| cells.get(lab))
                .map_or_else(|| "?".to_owned(), Cell::short);
            let _ = write!(out, " │ {cell:width$}");
        }
        out.push('\n');
    }
    out
}

/// The grades as JUnit XML: one test suite per trainee, one test case per lab.
fn junit(grades: &Grades) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cosmolab grades\">\n",
    );
    for trainee in &grades.trainees {
        let cells = grades.cells.get(trainee);
        let failures = grades
            .labs
            .iter()
            .filter(|lab| !cells.and_then(|c| c.get(*lab)).is_some_and(Cell::passed))
            .count();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            escape(trainee),
            grades.labs.len()
        );
        for lab in &grades.labs {
            let cell = cells
                .and_then(|c| c.get(lab))
                .cloned()
                .unwrap_or(Cell::Missing);
            let time = match &cell {
                Cell::Pass { seconds }
                | Cell::TimedOut { seconds }
                | Cell::Fail { seconds, .. } => *seconds,
                _ => 0.0,
            };
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{time}\"",
                escape(trainee),
                escape(lab)
            );
            if cell.passed() {
                xml.push_str("/>\n");
                continue;
            }
            let details = match &cell {
                Cell::Fail { excerpt, .. } | Cell::DoesNotCompile { excerpt } => excerpt.clone(),
                _ => String::new(),
            };
            let _ = writeln!(
                xml,
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                escape(&cell.short()),
                escape(&details)
            );
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn escape(text: &str) -> String {
    text.chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trainee_names_become_distinct_package_names() {
        let dir = std::env::temp_dir().join(format!("cosmolab-grade-names-{}", std::process::id()));
        for name in ["Alice Smith", "alice_smith", "42", "bob"] {
            std::fs::create_dir_all(dir.join(name)).unwrap();
        }
        let names: Vec<String> = trainee_folders(&dir)
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["t-42", "alice-smith", "alice-smith-2", "bob"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_regular_rust_files_are_taken_from_a_trainee() {
        let dir = std::env::temp_dir().join(format!("cosmolab-grade-copy-{}", std::process::id()));
        let from = dir.join("from");
        std::fs::create_dir_all(from.join("nested")).unwrap();
        std::fs::write(from.join("lib.rs"), "pub fn f() {}").unwrap();
        std::fs::write(from.join("nested/more.rs"), "").unwrap();
        std::fs::write(from.join("build.sh"), "rm -rf /").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", from.join("secret.rs")).unwrap();
        copy_trainee_source(&from, &dir.join("to")).unwrap();
        assert!(dir.join("to/lib.rs").exists());
        assert!(dir.join("to/nested/more.rs").exists());
        assert!(!dir.join("to/build.sh").exists());
        assert!(!dir.join("to/secret.rs").exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_workspace_manifest_has_absolute_paths_and_the_shared_settings() {
        let manifest = workspace_manifest(&process::project_root()).unwrap();
        let parsed: toml::Table = toml::from_str(&manifest).unwrap();
        let workspace = parsed["workspace"].as_table().unwrap();
        assert_eq!(
            workspace["members"].as_array().unwrap()[0].as_str(),
            Some("submissions/*")
        );
        let client = &workspace["dependencies"]["cosmolab-client"]["path"];
        assert!(
            Path::new(client.as_str().unwrap()).is_absolute(),
            "{client}"
        );
        assert!(workspace.contains_key("lints") && workspace.contains_key("package"));
        assert!(parsed.contains_key("profile"));
    }

    #[test]
    fn the_lab_manifest_points_at_the_graders_scenario() {
        let root = process::project_root();
        let manifest = lab_manifest(&root.join("labs/01-signing/Cargo.toml")).unwrap();
        let manifest = manifest
            .replace("@PACKAGE@", "alice-01")
            .replace("@LAB@", "01-signing");
        let parsed: toml::Table = toml::from_str(&manifest).unwrap();
        assert_eq!(parsed["package"]["name"].as_str(), Some("alice-01"));
        assert_eq!(parsed["lib"]["name"].as_str(), Some("lab_01_signing"));
        assert_eq!(
            parsed["test"][0]["path"].as_str(),
            Some("../../labs/01-signing/tests/scenario.rs")
        );
    }

    fn sample() -> Grades {
        let mut cells = BTreeMap::new();
        cells.insert(
            "alice".to_owned(),
            BTreeMap::from([("01-signing".to_owned(), Cell::Pass { seconds: 0.1 })]),
        );
        cells.insert(
            "bob".to_owned(),
            BTreeMap::from([(
                "01-signing".to_owned(),
                Cell::Fail {
                    first_failing_step: Some("3 sign <it>".to_owned()),
                    excerpt: "expected \"a\" & got 'b'".to_owned(),
                    seconds: 0.2,
                },
            )]),
        );
        Grades {
            labs: vec!["01-signing".to_owned()],
            trainees: vec!["alice".to_owned(), "bob".to_owned()],
            cells,
            build_seconds: 1.0,
            run_seconds: 0.5,
        }
    }

    /// A passing, a failing and a non-compiling submission of lab 1 get the right cells. This
    /// builds three small crates against the already-built workspace (seconds, not minutes).
    #[test]
    fn a_pass_a_failure_and_a_compile_error_are_graded_apart() {
        let root = process::project_root();
        let submissions =
            std::env::temp_dir().join(format!("cosmolab-grade-e2e-{}", std::process::id()));
        let lab = |trainee: &str| submissions.join(trainee).join("01-signing/src");
        copy_tree(
            &root.join("solutions/01-signing/src"),
            &lab("passing"),
            &|_| true,
        )
        .unwrap();
        copy_tree(&root.join("labs/01-signing/src"), &lab("failing"), &|_| {
            true
        })
        .unwrap();
        std::fs::create_dir_all(lab("broken")).unwrap();
        std::fs::write(lab("broken").join("lib.rs"), "pub fn string_to_sign( {").unwrap();
        std::fs::create_dir_all(submissions.join("absent")).unwrap();
        // A submission that never returns: its scenario is killed at the time limit.
        copy_tree(
            &root.join("solutions/01-signing/src"),
            &lab("looping"),
            &|_| true,
        )
        .unwrap();
        let solved = std::fs::read_to_string(lab("looping").join("lib.rs")).unwrap();
        let looping = solved.replacen(
            "pub fn string_to_sign(",
            "pub fn string_to_sign(verb: &str, resource_type: &str, resource_link: &str, date: &str) -> String {\n    let _ = (verb, resource_type, resource_link, date);\n    loop {\n        std::hint::spin_loop();\n    }\n}\n\npub fn unused_original(",
            1,
        );
        std::fs::write(lab("looping").join("lib.rs"), looping).unwrap();
        let out = submissions.join("out");
        let grades = grade(&GradeOptions {
            submissions: submissions.clone(),
            labs: Some(vec!["1".to_owned()]),
            time_limit: Duration::from_secs(5),
            out: Some(out.clone()),
            jobs: 2,
        })
        .unwrap();
        let cell = |trainee: &str| grades.cells[trainee]["01-signing"].clone();
        assert!(
            matches!(cell("passing"), Cell::Pass { .. }),
            "{:?}",
            cell("passing")
        );
        match cell("failing") {
            Cell::Fail {
                first_failing_step: Some(step),
                ..
            } => assert!(step.starts_with("1 string to sign"), "{step}"),
            other => panic!("expected a failure at step 1, got {other:?}"),
        }
        assert!(
            matches!(cell("broken"), Cell::DoesNotCompile { .. }),
            "{:?}",
            cell("broken")
        );
        assert_eq!(cell("absent"), Cell::Missing);
        assert!(
            matches!(cell("looping"), Cell::TimedOut { .. }),
            "{:?}",
            cell("looping")
        );
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap())
                .unwrap();
        assert_eq!(
            json["cells"]["broken"]["01-signing"]["status"],
            "does_not_compile"
        );
        assert!(
            std::fs::read_to_string(out.join("grades.xml"))
                .unwrap()
                .contains("failures=\"1\"")
        );
        std::fs::remove_dir_all(submissions).unwrap();
    }

    #[test]
    fn the_table_shows_each_cell() {
        let table = table(&sample());
        assert!(table.contains("alice   │ pass"), "{table}");
        assert!(table.contains("bob     │ fail at step 3"), "{table}");
    }

    #[test]
    fn junit_has_a_suite_per_trainee_and_escapes_everything() {
        let xml = junit(&sample());
        assert!(
            xml.contains("<testsuite name=\"bob\" tests=\"1\" failures=\"1\">"),
            "{xml}"
        );
        assert!(xml.contains("<testcase classname=\"alice\" name=\"01-signing\" time=\"0.1\"/>"));
        assert!(
            xml.contains("expected &quot;a&quot; &amp; got &apos;b&apos;"),
            "{xml}"
        );
        assert!(!xml.contains("<it>"));
    }
}

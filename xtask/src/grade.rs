//! `cargo xtask grade --submissions DIR`: grade every trainee's labs, each in its own cell.
//!
//! ```text
//!  DIR/alice/01-signing/src/lib.rs ─┐   only src/**.rs is taken from a trainee; the manifest,
//!  DIR/bob/01-signing/src/lib.rs  ──┤   the scenario and the transcript come from this repository
//!                                   ▼
//!  <target>/grading/workspace/      rewritten on every run
//!    Cargo.toml                 a workspace: this repository's dependencies, lints and profiles
//!    Cargo.lock                 the repository's, so the versions are the ones the labs were built with
//!    labs/info.toml             copied from the repository
//!    labs/01-signing/tests/     the scenario and its committed transcript, from the repository
//!    submissions/alice-01/      the lab's manifest (renamed) + alice's src/
//!    submissions/bob-01/        the lab's manifest (renamed) + bob's src/
//!                                   │
//!  one `cargo build --tests`, keeping going past what does not compile (its own cell only),
//!  into <target>/grading/target, which is kept: the dependencies compile once, not every run
//!  each scenario run alone, with a time limit (a loop costs its own cell only), then deleted
//!                                   ▼
//!  a table trainee × lab, <out>/grades.json and <out>/grades.xml (JUnit)
//! ```
//!
//! The harness finds its workspace as `CARGO_MANIFEST_DIR/../..`, which is why every crate sits
//! exactly two folders below the grading workspace's root.
//!
//! Grading runs the trainees' code: it keeps a submission from changing the grader's files in the
//! workspace it builds, not from doing anything else a program can do. Grade work you would run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cosmolab_lab_harness::{Catalog, LabInfo};
use serde::Serialize;

use crate::process;
use crate::scenario::{self, RunOutcome};

/// The most Rust source one lab of one trainee may hold; anything bigger is not a lab solution.
const MAX_SOURCE_BYTES: u64 = 1 << 20;

/// The cargo profile submissions are built with: see `[profile.grading]` in the root Cargo.toml.
const PROFILE: &str = "grading";

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
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// The scenario passed.
    Pass { seconds: f64 },
    /// The scenario failed; at which step, and the report's first lines.
    Fail {
        first_failing_step: Option<String>,
        excerpt: String,
        seconds: f64,
    },
    /// The submission did not compile (or could not be taken); the first compiler errors.
    DoesNotCompile { excerpt: String },
    /// The scenario ran until the time limit; the step it was stuck in, if the harness said.
    TimedOut {
        first_failing_step: Option<String>,
        excerpt: String,
        seconds: f64,
    },
    /// The trainee's folder has no such lab; why it counts as missing.
    Missing { excerpt: String },
}

impl Cell {
    /// What the table shows.
    fn short(&self) -> String {
        match self {
            Cell::Pass { .. } => "pass".to_owned(),
            Cell::Fail {
                first_failing_step: Some(step),
                ..
            } => format!("fail at step {}", step_number(step)),
            Cell::Fail { .. } => "fail".to_owned(),
            Cell::DoesNotCompile { .. } => "does not compile".to_owned(),
            Cell::TimedOut { .. } => "timed out".to_owned(),
            Cell::Missing { .. } => "missing".to_owned(),
        }
    }

    /// The status in grades.json.
    fn status(&self) -> &'static str {
        match self {
            Cell::Pass { .. } => "pass",
            Cell::Fail { .. } => "fail",
            Cell::DoesNotCompile { .. } => "does_not_compile",
            Cell::TimedOut { .. } => "timed_out",
            Cell::Missing { .. } => "missing",
        }
    }

    fn passed(&self) -> bool {
        matches!(self, Cell::Pass { .. })
    }

    fn first_failing_step(&self) -> Option<&str> {
        match self {
            Cell::Fail {
                first_failing_step, ..
            }
            | Cell::TimedOut {
                first_failing_step, ..
            } => first_failing_step.as_deref(),
            _ => None,
        }
    }

    /// How long the scenario ran, for the cells that ran one.
    fn seconds(&self) -> Option<f64> {
        match self {
            Cell::Pass { seconds }
            | Cell::Fail { seconds, .. }
            | Cell::TimedOut { seconds, .. } => Some(*seconds),
            Cell::DoesNotCompile { .. } | Cell::Missing { .. } => None,
        }
    }

    fn excerpt(&self) -> Option<&str> {
        match self {
            Cell::Fail { excerpt, .. }
            | Cell::TimedOut { excerpt, .. }
            | Cell::DoesNotCompile { excerpt }
            | Cell::Missing { excerpt } => Some(excerpt),
            Cell::Pass { .. } => None,
        }
    }
}

/// The step number at the start of the harness's `N title` (`?` if there is none).
fn step_number(step: &str) -> &str {
    step.split_whitespace().next().unwrap_or("?")
}

/// Every cell has the same four fields in grades.json, so a script or a spreadsheet can read
/// them without knowing the statuses: `null` where a field does not apply.
impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Record<'a> {
            status: &'static str,
            first_failing_step: Option<&'a str>,
            seconds: Option<f64>,
            excerpt: Option<&'a str>,
        }
        Record {
            status: self.status(),
            first_failing_step: self.first_failing_step(),
            seconds: self.seconds(),
            excerpt: self.excerpt(),
        }
        .serialize(serializer)
    }
}

/// The whole grading: trainees, labs and cells, as grades.json holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Grades {
    /// The labs graded, by folder name, in the course's order.
    pub(crate) labs: Vec<String>,
    /// The trainees, by the name of their folder, sorted.
    pub(crate) trainees: Vec<String>,
    /// trainee → lab → cell.
    pub(crate) cells: BTreeMap<String, BTreeMap<String, Cell>>,
    /// The time limit of one scenario, in seconds.
    pub(crate) time_limit_seconds: u64,
    /// Seconds spent building every submission together.
    pub(crate) build_seconds: f64,
    /// Seconds spent running the scenarios.
    pub(crate) run_seconds: f64,
}

/// One trainee's folder.
#[derive(Debug, Clone, PartialEq)]
struct Trainee {
    /// The folder's name, as the reports show it.
    name: String,
    /// The name made fit for a package name (lower case, `[a-z0-9-]`), distinct from the others'.
    stem: String,
    /// The folder.
    folder: PathBuf,
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
    let grading = process::target_dir()?.join("grading");
    let workspace = grading.join("workspace");
    println!(
        "grading {} trainee(s) × {} lab(s) in {}",
        trainees.len(),
        labs.len(),
        workspace.display()
    );
    let plan = write_workspace(&root, &workspace, &labs, &trainees)?;
    let flags = settle_lockfile(&root, &workspace)?;

    let packages: Vec<String> = plan
        .iter()
        .filter_map(|entry| match &entry.task {
            Task::Build(package) => Some(package.clone()),
            Task::Decided(_) => None,
        })
        .collect();
    let started = Instant::now();
    println!(
        "building {} submission(s) into {} (the first run also compiles the dependencies)…",
        packages.len(),
        grading.join("target").display()
    );
    let built = if packages.is_empty() {
        scenario::Built::default()
    } else {
        scenario::build(
            &packages,
            &scenario::BuildSettings {
                manifest: Some(workspace.join("Cargo.toml")),
                target_dir: Some(grading.join("target")),
                profile: Some(PROFILE),
                flags,
            },
        )?
    };
    // A crate of ours that does not compile would fail every cell: that is the grader's problem,
    // not the trainees'.
    if let Some((package, errors)) = built.dependency_errors().next() {
        bail!(
            "the grader's own crate `{package}` does not compile, so no submission can be \
             graded:\n{errors}"
        );
    }
    let build_seconds = started.elapsed().as_secs_f64();
    println!(
        "built in {build_seconds:.1} s; running {} scenario(s), {} at a time…",
        packages.len(),
        options.jobs
    );

    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let cells = scenario::in_parallel(options.jobs, &plan, |entry| {
        let cell = match &entry.task {
            Task::Decided(cell) => return cell.clone(),
            Task::Build(package) => grade_one(package, &built, options.time_limit),
        };
        let done = done.fetch_add(1, Ordering::Relaxed) + 1;
        println!(
            "  [{done}/{}] {} · {}: {}",
            packages.len(),
            entry.trainee,
            entry.lab,
            cell.short()
        );
        cell
    });
    let run_seconds = started.elapsed().as_secs_f64();
    // Each test executable weighs some 17 MB, and the next run rebuilds every submission anyway
    // (its sources are copied afresh): keeping them would only fill the disk, cohort after cohort.
    for package in &packages {
        if let Some((_, executable)) = built.executables.get(package) {
            let _ = std::fs::remove_file(executable);
        }
    }

    let mut grid: BTreeMap<String, BTreeMap<String, Cell>> = BTreeMap::new();
    for (entry, cell) in plan.iter().zip(cells) {
        grid.entry(entry.trainee.clone())
            .or_default()
            .insert(entry.lab.clone(), cell);
    }
    let grades = Grades {
        labs: labs.iter().map(|lab| lab.name.clone()).collect(),
        trainees: trainees
            .iter()
            .map(|trainee| trainee.name.clone())
            .collect(),
        cells: grid,
        time_limit_seconds: options.time_limit.as_secs(),
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

/// Runs one submission's scenario, if it was built, and turns the run into a cell.
fn grade_one(package: &str, built: &scenario::Built, time_limit: Duration) -> Cell {
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
            // The part of the output a trainee would read, without libtest's noise.
            let excerpt = first_lines(
                &cosmolab_lab_harness::trainee_report(&run.output)
                    .unwrap_or_else(|| run.output.clone()),
                30,
            );
            match run.outcome {
                RunOutcome::Passed => Cell::Pass { seconds },
                RunOutcome::TimedOut { first_failing_step } => Cell::TimedOut {
                    first_failing_step,
                    excerpt: if excerpt.is_empty() {
                        format!("killed after {} s", time_limit.as_secs())
                    } else {
                        excerpt
                    },
                    seconds,
                },
                RunOutcome::Failed { first_failing_step } => Cell::Fail {
                    excerpt,
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

/// The trainee folders of `submissions`, in alphabetical order, each with a distinct package stem.
///
/// Hidden folders (`.git`) are not trainees; a symbolic link is refused (we take nothing a link
/// points at), with a line saying so.
fn trainee_folders(submissions: &Path) -> Result<Vec<Trainee>> {
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(submissions)
        .with_context(|| format!("reading the submissions folder {}", submissions.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if name.starts_with('.') {
            continue;
        }
        if kind.is_symlink() {
            println!("  refused: {name} is a symbolic link, not a trainee's folder");
        } else if kind.is_dir() {
            folders.push((name, entry.path()));
        }
    }
    // Alphabetical, as a person reads a class list: case only breaks ties.
    folders.sort_by(|(a, _), (b, _)| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)));
    let mut taken: Vec<String> = Vec::new();
    Ok(folders
        .into_iter()
        .map(|(name, folder)| {
            let base = sanitise(&name);
            let mut stem = base.clone();
            let mut suffix = 2;
            while taken.contains(&stem) {
                stem = format!("{base}-{suffix}");
                suffix += 1;
            }
            taken.push(stem.clone());
            Trainee { name, stem, folder }
        })
        .collect())
}

/// A folder name as the start of a package name: lower-case ASCII letters, digits and dashes,
/// starting with a letter.
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
        format!("t-{clean}").trim_end_matches('-').to_owned()
    } else {
        clean
    }
}

/// One trainee × lab of the plan.
#[derive(Debug, Clone)]
struct PlanEntry {
    trainee: String,
    lab: String,
    task: Task,
}

/// What grading one trainee × lab takes.
#[derive(Debug, Clone, PartialEq)]
enum Task {
    /// Build and run this package of the grading workspace.
    Build(String),
    /// Nothing to build: the cell is already known (missing, or refused).
    Decided(Cell),
}

/// Writes the grading workspace (replacing any earlier one) and returns the plan, in the order
/// of the table: trainee by trainee, lab by lab.
fn write_workspace(
    root: &Path,
    workspace: &Path,
    labs: &[LabInfo],
    trainees: &[Trainee],
) -> Result<Vec<PlanEntry>> {
    if workspace.exists() {
        std::fs::remove_dir_all(workspace)
            .with_context(|| format!("removing the old {}", workspace.display()))?;
    }
    std::fs::create_dir_all(workspace.join("submissions"))?;
    std::fs::write(workspace.join("Cargo.toml"), workspace_manifest(root)?)?;
    // The repository's lock file: the same versions as the labs were written and checked with.
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock"))?;
    std::fs::create_dir_all(workspace.join("labs"))?;
    std::fs::copy(root.join(Catalog::PATH), workspace.join(Catalog::PATH))?;

    let mut manifests = Vec::new();
    for lab in labs {
        // The grader's scenario and transcript, never the trainee's.
        let tests = lab.lab_dir(root).join("tests");
        copy_tree(
            &tests,
            &workspace.join("labs").join(&lab.name).join("tests"),
            &|_| true,
        )
        .with_context(|| {
            format!(
                "lab {} is in labs/info.toml, but its scenario is not in {}",
                lab.number,
                tests.display()
            )
        })?;
        manifests.push(lab_manifest(&lab.lab_dir(root).join("Cargo.toml"))?);
    }

    let mut plan = Vec::new();
    for trainee in trainees {
        for (lab, manifest) in labs.iter().zip(&manifests) {
            let package = format!("{}-{:02}", trainee.stem, lab.number);
            let crate_dir = workspace.join("submissions").join(&package);
            let task = match take_submission(&trainee.folder, &lab.name, &crate_dir.join("src"))? {
                Err(cell) => Task::Decided(cell),
                Ok(()) => {
                    std::fs::write(
                        crate_dir.join("Cargo.toml"),
                        manifest
                            .replace("@PACKAGE@", &package)
                            .replace("@LAB@", &lab.name),
                    )?;
                    Task::Build(package)
                }
            };
            plan.push(PlanEntry {
                trainee: trainee.name.clone(),
                lab: lab.name.clone(),
                task,
            });
        }
    }
    Ok(plan)
}

/// Copies a trainee's `<lab>/src/` to `to`, or says which cell it earns instead: missing (no such
/// folder, or a symbolic link), or refused (no `lib.rs`, or more than [`MAX_SOURCE_BYTES`]).
///
/// Only regular `.rs` files are taken, never through a symbolic link.
fn take_submission(
    trainee_folder: &Path,
    lab: &str,
    to: &Path,
) -> Result<std::result::Result<(), Cell>> {
    let missing = |why: String| Ok(Err(Cell::Missing { excerpt: why }));
    let lab_folder = trainee_folder.join(lab);
    let source = lab_folder.join("src");
    for (folder, shown) in [
        (&lab_folder, format!("{lab}/")),
        (&source, format!("{lab}/src/")),
    ] {
        match std::fs::symlink_metadata(folder) {
            Err(_) => return missing(format!("there is no {shown} folder")),
            Ok(metadata) if metadata.file_type().is_symlink() => {
                return missing(format!("{shown} is a symbolic link, which grading refuses"));
            }
            Ok(metadata) if !metadata.is_dir() => {
                return missing(format!("{shown} is not a folder"));
            }
            Ok(_) => {}
        }
    }
    let files = rust_sources(&source)?;
    let total: u64 = files.iter().map(|(_, size)| size).sum();
    if total > MAX_SOURCE_BYTES {
        return Ok(Err(Cell::DoesNotCompile {
            excerpt: format!(
                "{lab}/src/ holds {total} bytes of Rust, more than the {MAX_SOURCE_BYTES} a lab \
                 may; it was not built"
            ),
        }));
    }
    if !files.iter().any(|(path, _)| path == Path::new("lib.rs")) {
        // Without it cargo could not even load the grading workspace: refuse this cell only.
        return Ok(Err(Cell::DoesNotCompile {
            excerpt: format!("{lab}/src/lib.rs is missing (or is not a regular file)"),
        }));
    }
    for (path, _) in &files {
        let target = to.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(source.join(path), &target)
            .with_context(|| format!("copying {}", source.join(path).display()))?;
    }
    Ok(Ok(()))
}

/// The regular `.rs` files under `dir`, relative to it, with their sizes; symbolic links (to
/// files or folders) are not followed.
fn rust_sources(dir: &Path) -> Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let folder = dir.join(&relative);
        for entry in
            std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?
        {
            let entry = entry?;
            // `DirEntry::file_type` does not follow links: a link is neither a file nor a folder.
            let kind = entry.file_type()?;
            let path = relative.join(entry.file_name());
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|extension| extension == "rs")
            {
                files.push((path, entry.metadata()?.len()));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Settles the grading workspace's lock file and returns the flags that keep the build to it.
///
/// The copied lock file names the repository's members, not the grading workspace's, so cargo
/// must add those first: `cargo metadata` does, keeping every version already locked. Offline if
/// it can (the repository's build has fetched everything), online if it must. The build then
/// runs with `--locked` (and `--offline`), and any registry package the repository does not lock
/// is named.
fn settle_lockfile(root: &Path, workspace: &Path) -> Result<Vec<&'static str>> {
    let metadata = |offline: bool| -> Result<Option<String>> {
        let mut command = process::cargo(["metadata", "--format-version", "1", "--manifest-path"]);
        command.arg(workspace.join("Cargo.toml"));
        if offline {
            command.arg("--offline");
        }
        let output = process::run_quietly(&mut command)?;
        Ok((!output.status.success()).then(|| {
            format!(
                "`{}` failed:\n{}",
                process::describe(&command),
                String::from_utf8_lossy(&output.stderr).trim_end()
            )
        }))
    };
    let flags = match metadata(true)? {
        None => vec!["--locked", "--offline"],
        Some(failure) => {
            println!(
                "  resolving offline failed, so cargo may use the network: {}",
                failure.lines().last().unwrap_or_default()
            );
            if let Some(failure) = metadata(false)? {
                bail!("the grading workspace cannot be built: {failure}");
            }
            vec!["--locked"]
        }
    };
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let unpinned = unpinned_packages(
        &read(root.join("Cargo.lock"))?,
        &read(workspace.join("Cargo.lock"))?,
    )?;
    if !unpinned.is_empty() {
        println!(
            "  warning: the grading workspace uses versions the repository's Cargo.lock does not \
             lock: {}",
            unpinned.join(", ")
        );
    }
    Ok(flags)
}

/// The registry and git packages of `grading_lock` that `repo_lock` does not lock, as
/// `name version`.
fn unpinned_packages(repo_lock: &str, grading_lock: &str) -> Result<Vec<String>> {
    // Path packages (ours, the submissions) have no `source`; only downloaded ones are pinned.
    let downloaded = |text: &str| -> Result<Vec<String>> {
        let lock: toml::Table = toml::from_str(text).context("reading a Cargo.lock")?;
        let packages = lock.get("package").and_then(toml::Value::as_array);
        Ok(packages
            .into_iter()
            .flatten()
            .filter(|package| package.get("source").is_some())
            .filter_map(|package| {
                let field = |name| package.get(name).and_then(toml::Value::as_str);
                Some(format!("{} {}", field("name")?, field("version")?))
            })
            .collect())
    };
    let pinned = downloaded(repo_lock)?;
    Ok(downloaded(grading_lock)?
        .into_iter()
        .filter(|package| !pinned.contains(package))
        .collect())
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
    workspace.remove("default-members");
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
    let mut manifest: toml::Table =
        toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
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

/// Copies the regular files of `from` into `to`, folders included, keeping those `keep` accepts;
/// symbolic links are not followed.
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

/// The table trainee × lab, and a line counting the cells of each kind.
fn table(grades: &Grades) -> String {
    let width = |text: &str| text.chars().count();
    let mut widths = vec![
        grades
            .trainees
            .iter()
            .map(|trainee| width(trainee))
            .chain([width("trainee")])
            .max()
            .unwrap_or(7),
    ];
    widths.extend(grades.labs.iter().map(|lab| width(lab).max(16)));
    let mut out = String::new();
    let _ = write!(out, "{:w$}", "trainee", w = widths[0]);
    for (lab, width) in grades.labs.iter().zip(&widths[1..]) {
        let _ = write!(out, " │ {lab:width$}");
    }
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
    out.push('\n');
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for trainee in &grades.trainees {
        let _ = write!(out, "{trainee:w$}", w = widths[0]);
        for (lab, width) in grades.labs.iter().zip(&widths[1..]) {
            let cell = grades.cells.get(trainee).and_then(|cells| cells.get(lab));
            let shown = cell.map_or_else(|| "?".to_owned(), Cell::short);
            let _ = write!(out, " │ {shown:width$}");
            if let Some(cell) = cell {
                *counts.entry(cell.status().replace('_', " ")).or_default() += 1;
            }
        }
        // No trailing spaces after the last column.
        let trimmed = out.trim_end_matches(' ').len();
        out.truncate(trimmed);
        out.push('\n');
    }
    let counted: Vec<String> = counts
        .iter()
        .map(|(status, count)| format!("{count} {status}"))
        .collect();
    let _ = writeln!(
        out,
        "\n{} cell(s): {}",
        counts.values().sum::<usize>(),
        counted.join(", ")
    );
    out
}

/// The grades as JUnit XML: one test suite per trainee, one test case per lab.
fn junit(grades: &Grades) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cosmolab grades\">\n",
    );
    for trainee in &grades.trainees {
        let cells = grades.cells.get(trainee);
        let cell_of = |lab: &String| {
            cells
                .and_then(|cells| cells.get(lab))
                .cloned()
                .unwrap_or_else(|| Cell::Missing {
                    excerpt: "not graded".to_owned(),
                })
        };
        let failures = grades
            .labs
            .iter()
            .filter(|lab| !cell_of(lab).passed())
            .count();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
            escape(trainee),
            grades.labs.len()
        );
        for lab in &grades.labs {
            let cell = cell_of(lab);
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
                escape(trainee),
                escape(lab),
                cell.seconds().unwrap_or(0.0)
            );
            if cell.passed() {
                xml.push_str("/>\n");
                continue;
            }
            let details = cell.excerpt().unwrap_or_default();
            let _ = writeln!(
                xml,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                escape(&cell.short()),
                cell.status(),
                escape(details)
            );
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Text made safe for XML: the five special characters escaped, control characters (which XML
/// 1.0 cannot hold, such as the terminal's colour codes) dropped.
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

    /// An empty folder of our own under the system's temporary folder (removed first if a
    /// previous run left it).
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cosmolab-grade-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn trainee_folders_get_distinct_package_stems_and_keep_their_names() {
        let dir = scratch("names");
        for name in ["Alice Smith", "alice_smith", "42", "bob", ".git"] {
            std::fs::create_dir_all(dir.join(name)).unwrap();
        }
        std::fs::write(dir.join("README.md"), "not a trainee").unwrap();
        std::os::unix::fs::symlink(dir.join("bob"), dir.join("carol")).unwrap();
        let trainees = trainee_folders(&dir).unwrap();
        let pairs: Vec<(&str, &str)> = trainees
            .iter()
            .map(|t| (t.name.as_str(), t.stem.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("42", "t-42"),
                ("Alice Smith", "alice-smith"),
                ("alice_smith", "alice-smith-2"),
                ("bob", "bob"),
            ]
        );
        assert_eq!(sanitise("Zoë O'Brien"), "zo-o-brien");
        assert_eq!(sanitise("__"), "t");
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// The generated workspace: the repository's manifest settings, scenario and transcript; each
    /// trainee's `src/*.rs` only, in a crate two folders below the root; missing and refused labs
    /// decided without building.
    #[test]
    fn the_grading_workspace_takes_only_the_trainees_rust_sources() {
        let root = process::project_root();
        let dir = scratch("workspace");
        let submissions = dir.join("submissions");
        let alice = submissions.join("alice/01-signing");
        write(&alice.join("src/lib.rs"), "pub fn mine() {}");
        write(&alice.join("src/nested/more.rs"), "");
        write(&alice.join("src/notes.txt"), "not Rust");
        write(&alice.join("build.rs"), "fn main() {}");
        write(&alice.join("Cargo.toml"), "[package]\nname = \"evil\"");
        write(&alice.join("tests/scenario.rs"), "#[test] fn always() {}");
        std::os::unix::fs::symlink("/etc/hostname", alice.join("src/linked.rs")).unwrap();
        std::fs::create_dir_all(submissions.join("bob")).unwrap();
        std::fs::create_dir_all(submissions.join("carol/01-signing")).unwrap();
        std::os::unix::fs::symlink(alice.join("src"), submissions.join("carol/01-signing/src"))
            .unwrap();
        write(
            &submissions.join("dave/01-signing/src/main.rs"),
            "fn main() {}",
        );

        let workspace = dir.join("workspace");
        write(&workspace.join("stale.txt"), "from an earlier run");
        let catalog = Catalog::load(&root).unwrap();
        let labs = vec![catalog.find("1").unwrap().clone()];
        let trainees = trainee_folders(&submissions).unwrap();
        let plan = write_workspace(&root, &workspace, &labs, &trainees).unwrap();

        let tasks: Vec<(&str, &Task)> =
            plan.iter().map(|e| (e.trainee.as_str(), &e.task)).collect();
        assert_eq!(tasks[0], ("alice", &Task::Build("alice-01".to_owned())));
        assert!(
            matches!(tasks[1], ("bob", Task::Decided(Cell::Missing { excerpt })) if excerpt.contains("no 01-signing/ folder")),
            "{tasks:?}"
        );
        assert!(
            matches!(tasks[2], ("carol", Task::Decided(Cell::Missing { excerpt })) if excerpt.contains("symbolic link")),
            "{tasks:?}"
        );
        assert!(
            matches!(tasks[3], ("dave", Task::Decided(Cell::DoesNotCompile { excerpt })) if excerpt.contains("lib.rs is missing")),
            "{tasks:?}"
        );

        assert!(!workspace.join("stale.txt").exists());
        let crate_dir = workspace.join("submissions/alice-01");
        assert_eq!(
            std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap(),
            "pub fn mine() {}"
        );
        assert!(crate_dir.join("src/nested/more.rs").exists());
        for absent in ["src/notes.txt", "src/linked.rs", "build.rs", "tests"] {
            assert!(!crate_dir.join(absent).exists(), "{absent} was copied");
        }
        // The harness finds the workspace as CARGO_MANIFEST_DIR/../..
        assert_eq!(
            crate_dir.join("../..").canonicalize().unwrap(),
            workspace.canonicalize().unwrap()
        );
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap())
                .unwrap();
        assert_eq!(manifest["package"]["name"].as_str(), Some("alice-01"));
        assert_eq!(manifest["lib"]["name"].as_str(), Some("lab_01_signing"));
        assert_eq!(
            manifest["test"][0]["path"].as_str(),
            Some("../../labs/01-signing/tests/scenario.rs")
        );
        // The scenario and transcript are the repository's, whatever the trainee sent.
        for file in ["scenario.rs", "snapshots/transcript.snap"] {
            assert_eq!(
                std::fs::read(workspace.join("labs/01-signing/tests").join(file)).unwrap(),
                std::fs::read(root.join("labs/01-signing/tests").join(file)).unwrap(),
                "{file}"
            );
        }
        for file in ["Cargo.toml", "Cargo.lock", "labs/info.toml"] {
            assert!(workspace.join(file).exists(), "{file}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_oversized_submission_is_refused() {
        let dir = scratch("oversized");
        let lab = dir.join("alice/01-signing/src");
        write(&lab.join("lib.rs"), "pub fn f() {}");
        write(
            &lab.join("huge.rs"),
            &"// padding\n".repeat(MAX_SOURCE_BYTES as usize / 10),
        );
        let taken = take_submission(&dir.join("alice"), "01-signing", &dir.join("to")).unwrap();
        assert!(
            matches!(&taken, Err(Cell::DoesNotCompile { excerpt }) if excerpt.contains("more than")),
            "{taken:?}"
        );
        assert!(!dir.join("to").exists());
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
        for (name, dependency) in workspace["dependencies"].as_table().unwrap() {
            if let Some(path) = dependency.get("path") {
                let path = Path::new(path.as_str().unwrap());
                assert!(path.is_absolute() && path.exists(), "{name}: {path:?}");
            }
        }
        assert!(workspace.contains_key("lints") && workspace.contains_key("package"));
        assert!(parsed["profile"].get(PROFILE).is_some());
    }

    #[test]
    fn versions_the_repository_does_not_lock_are_named() {
        let repo = r#"
            [[package]]
            name = "lab-01-signing"
            version = "0.1.0"

            [[package]]
            name = "tokio"
            version = "1.47.0"
            source = "registry+https://github.com/rust-lang/crates.io-index"
        "#;
        let grading = format!(
            "{repo}\n[[package]]\nname = \"alice-01\"\nversion = \"0.1.0\"\n\n\
             [[package]]\nname = \"serde\"\nversion = \"1.0.300\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        );
        assert_eq!(
            unpinned_packages(repo, &grading).unwrap(),
            ["serde 1.0.300"]
        );
        assert!(unpinned_packages(repo, repo).unwrap().is_empty());
    }

    fn sample() -> Grades {
        let cells = BTreeMap::from([
            (
                "alice".to_owned(),
                BTreeMap::from([("01-signing".to_owned(), Cell::Pass { seconds: 0.1 })]),
            ),
            (
                "bob".to_owned(),
                BTreeMap::from([(
                    "01-signing".to_owned(),
                    Cell::Fail {
                        first_failing_step: Some("3 sign <it>".to_owned()),
                        excerpt: "expected \"a\" & got 'b'\u{1b}[0m".to_owned(),
                        seconds: 0.2,
                    },
                )]),
            ),
            (
                "Zoë".to_owned(),
                BTreeMap::from([(
                    "01-signing".to_owned(),
                    Cell::TimedOut {
                        first_failing_step: Some("2 loop (timed out after 5 s)".to_owned()),
                        excerpt: "Step 2 (loop) was still running after 5 s".to_owned(),
                        seconds: 5.0,
                    },
                )]),
            ),
        ]);
        Grades {
            labs: vec!["01-signing".to_owned()],
            trainees: vec!["alice".to_owned(), "bob".to_owned(), "Zoë".to_owned()],
            cells,
            time_limit_seconds: 5,
            build_seconds: 1.0,
            run_seconds: 0.5,
        }
    }

    #[test]
    fn the_table_shows_each_cell_and_counts_them() {
        let table = table(&sample());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "trainee │ 01-signing");
        assert_eq!(lines[1], "alice   │ pass");
        assert_eq!(lines[2], "bob     │ fail at step 3");
        assert_eq!(lines[3], "Zoë     │ timed out");
        assert_eq!(
            lines.last(),
            Some(&"3 cell(s): 1 fail, 1 pass, 1 timed out")
        );
    }

    #[test]
    fn every_json_cell_has_the_same_fields() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            json["cells"]["alice"]["01-signing"],
            serde_json::json!({"status": "pass", "first_failing_step": null, "seconds": 0.1, "excerpt": null})
        );
        assert_eq!(json["cells"]["bob"]["01-signing"]["status"], "fail");
        assert_eq!(
            json["cells"]["bob"]["01-signing"]["first_failing_step"],
            "3 sign <it>"
        );
        assert_eq!(
            json["cells"]["Zoë"]["01-signing"],
            serde_json::json!({
                "status": "timed_out",
                "first_failing_step": "2 loop (timed out after 5 s)",
                "seconds": 5.0,
                "excerpt": "Step 2 (loop) was still running after 5 s"
            })
        );
        assert_eq!(json["trainees"], serde_json::json!(["alice", "bob", "Zoë"]));
        assert_eq!(json["time_limit_seconds"], 5);
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
            xml.contains("<failure message=\"fail at step 3\" type=\"fail\">expected &quot;a&quot; &amp; got &apos;b&apos;[0m</failure>"),
            "{xml}"
        );
        assert!(xml.contains(
            "<failure message=\"timed out\" type=\"timed_out\">Step 2 (loop) was still running after 5 s</failure>"
        ));
        assert!(!xml.contains("<it>") && !xml.contains('\u{1b}'));
    }

    /// A passing, a failing and a non-compiling submission of lab 1 (and a missing one, and one
    /// that never returns) get the right cells, in the table and in grades.json.
    ///
    /// This is a real grading run: it builds into `<target>/grading/target` like `cargo xtask
    /// grade`, so it compiles the dependencies once (a few minutes on a fresh checkout) and only
    /// the submissions after that.
    #[test]
    fn a_pass_a_failure_and_a_compile_error_are_graded_apart() {
        let root = process::project_root();
        let submissions = scratch("e2e");
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
        write(&lab("broken").join("lib.rs"), "pub fn string_to_sign( {");
        std::fs::create_dir_all(submissions.join("absent")).unwrap();
        // A submission that never returns: its scenario is ended at the time limit.
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

        let table = table(&grades);
        for row in [
            "absent  │ missing",
            "broken  │ does not compile",
            "failing │ fail at step 1",
            "looping │ timed out",
            "passing │ pass",
        ] {
            assert!(table.lines().any(|line| line == row), "{row}\n{table}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap())
                .unwrap();
        let cell = |trainee: &str| &json["cells"][trainee]["01-signing"];
        assert_eq!(cell("passing")["status"], "pass");
        assert_eq!(cell("failing")["status"], "fail");
        let step = cell("failing")["first_failing_step"].as_str().unwrap();
        assert!(step.starts_with("1 string to sign"), "{step}");
        assert_eq!(cell("broken")["status"], "does_not_compile");
        assert!(
            cell("broken")["excerpt"]
                .as_str()
                .unwrap()
                .contains("error"),
            "{}",
            cell("broken")
        );
        assert_eq!(cell("absent")["status"], "missing");
        assert_eq!(cell("looping")["status"], "timed_out");
        let xml = std::fs::read_to_string(out.join("grades.xml")).unwrap();
        assert!(xml.contains("<testsuite name=\"passing\" tests=\"1\" failures=\"0\">"));
        assert!(xml.contains("<testsuite name=\"broken\" tests=\"1\" failures=\"1\">"));
        std::fs::remove_dir_all(submissions).unwrap();
    }
}

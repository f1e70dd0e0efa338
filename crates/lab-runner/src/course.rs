//! The course as this checkout has it: where the checkout is, the labs in `labs/info.toml`, which
//! lab a `LAB` argument names, and which lab is the trainee's current one.
//!
//! Labs are named by their folder (`03-resource-tokens`) everywhere the runner stores them, so a
//! renumbered course keeps a trainee's progress. A lab listed in the catalog whose folder is not in
//! the checkout yet (labs are written one by one) is shown, but skipped when choosing what to
//! check.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use cosmolab_lab_harness::{Catalog, LabInfo};

use crate::state::Progress;

/// The checkout and its catalog.
#[derive(Debug, Clone)]
pub(crate) struct Course {
    /// The workspace root: the folder holding `labs/info.toml`.
    pub(crate) root: PathBuf,
    /// The labs, in the order trainees take them.
    pub(crate) catalog: Catalog,
}

/// Where a lab stands for this trainee, as `cargo lab list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// It passed the last time it was checked.
    Done,
    /// The lab `cargo lab` watches.
    Current,
    /// Not done yet.
    ToDo,
    /// Listed in `labs/info.toml`, but its folder is not in this checkout (yet).
    Missing,
}

impl Course {
    /// Finds the checkout from `start` upward, or else from where this crate was built, and reads
    /// its catalog.
    pub(crate) fn open(start: &Path) -> Result<Self> {
        let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let Some(root) = find_root(start, Some(&built_in)) else {
            bail!(
                "no labs/info.toml in {} or any folder above it: run cargo lab from inside the \
                 cosmolab checkout",
                start.display()
            );
        };
        let catalog = Catalog::load(&root).map_err(anyhow::Error::msg)?;
        Ok(Self { root, catalog })
    }

    /// The lab a `LAB` argument names: `3`, `03`, `03-resource-tokens`, `resource-tokens`,
    /// `lab-03-resource-tokens` (the package) or `labs/03-resource-tokens/` (a path, as a shell
    /// completes it).
    pub(crate) fn find(&self, wanted: &str) -> Result<&LabInfo> {
        let trimmed = wanted.trim().trim_end_matches(['/', '\\']);
        // A path names the lab by its last component: labs/03-x, ./solutions/03-x, …
        let last = trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed);
        let name = last
            .strip_prefix("lab-")
            .or_else(|| last.strip_prefix("solution-"))
            .unwrap_or(last);
        let found = self.catalog.find(name).or_else(|| {
            // The name without its number: `signing` for `01-signing`.
            self.catalog.labs.iter().find(|lab| {
                lab.name
                    .split_once('-')
                    .is_some_and(|(_, rest)| rest == name)
            })
        });
        found.with_context(|| {
            let numbers: Vec<String> = self
                .catalog
                .labs
                .iter()
                .map(|lab| lab.number.to_string())
                .collect();
            format!(
                "there is no lab `{wanted}`: the labs are {} (`cargo lab list` shows them)",
                numbers.join(", ")
            )
        })
    }

    /// The lab named by `wanted`, or the current one when no lab was named.
    pub(crate) fn resolve(&self, wanted: Option<&str>, progress: &Progress) -> Result<&LabInfo> {
        match wanted {
            Some(wanted) => self.find(wanted),
            None => match self.current(progress) {
                Some(lab) => Ok(lab),
                None if self.catalog.labs.iter().any(|lab| self.is_available(lab)) => {
                    bail!("every lab in this checkout is done: name the lab you mean, e.g. `1`")
                }
                None => bail!("no lab of labs/info.toml has its folder in labs/ yet"),
            },
        }
    }

    /// Whether the lab's folder is in this checkout.
    pub(crate) fn is_available(&self, lab: &LabInfo) -> bool {
        lab.lab_dir(&self.root).join("Cargo.toml").is_file()
    }

    /// The trainee's current lab: the one they moved to, while it is not done; otherwise the first
    /// lab not done. `None` when every lab in the checkout is done.
    pub(crate) fn current(&self, progress: &Progress) -> Option<&LabInfo> {
        let open = |lab: &&LabInfo| self.is_available(lab) && !progress.is_done(&lab.name);
        let chosen = progress
            .current
            .as_deref()
            .and_then(|name| self.catalog.labs.iter().find(|lab| lab.name == name))
            .filter(open);
        chosen.or_else(|| self.catalog.labs.iter().find(open))
    }

    /// The lab to move to after `lab`: the next one not done, wrapping around to earlier labs
    /// left undone. `None` when nothing is left.
    pub(crate) fn next_after(&self, lab: &LabInfo, progress: &Progress) -> Option<&LabInfo> {
        let labs = &self.catalog.labs;
        let position = labs.iter().position(|other| other.name == lab.name)?;
        labs[position + 1..]
            .iter()
            .chain(&labs[..position])
            .find(|other| self.is_available(other) && !progress.is_done(&other.name))
    }

    /// Where `lab` stands for this trainee.
    pub(crate) fn status(&self, lab: &LabInfo, progress: &Progress) -> Status {
        if progress.is_done(&lab.name) {
            Status::Done
        } else if !self.is_available(lab) {
            Status::Missing
        } else if self
            .current(progress)
            .is_some_and(|current| current.name == lab.name)
        {
            Status::Current
        } else {
            Status::ToDo
        }
    }

    /// `path` relative to the checkout, for messages (`labs/01-signing/src`).
    pub(crate) fn relative(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        relative.display().to_string().replace('\\', "/")
    }
}

/// The nearest folder from `start` upward that holds `labs/info.toml`; failing that, `fallback`
/// if it holds one (a `cargo lab` built from this checkout but run from elsewhere).
pub(crate) fn find_root(start: &Path, fallback: Option<&Path>) -> Option<PathBuf> {
    let holds_catalog = |dir: &Path| dir.join(Catalog::PATH).is_file();
    start
        .ancestors()
        .find(|dir| holds_catalog(dir))
        .map(Path::to_path_buf)
        .or_else(|| {
            let fallback = fallback?;
            holds_catalog(fallback).then(|| {
                // `…/crates/lab-runner/../..` reads better without its `..`s.
                fallback
                    .canonicalize()
                    .unwrap_or_else(|_| fallback.to_path_buf())
            })
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Three labs: 1 and 3 have their folders, 2 is listed but not written yet.
    pub(crate) const CATALOG: &str = r#"
        [[lab]]
        number = 1
        name = "01-signing"
        title = "Signing a request by hand"
        seeds = ["001", "003"]
        concept = "Every request made with a master key carries an HMAC-SHA256 signature."
        implemented_in = "crates/auth-signing"
        hint = "Decode the key from base64 first."

        [[lab]]
        number = 2
        name = "02-keys"
        title = "Keys: primary, secondary, read-only, rotation"
        seeds = ["001"]
        concept = "Two read-write keys and two read-only keys."
        implemented_in = "crates/client"
        hint = "Secondary first."

        [[lab]]
        number = 3
        name = "03-resource-tokens"
        title = "Users, permissions, resource tokens"
        seeds = ["000", "001", "002"]
        concept = "A permission's token, scoped to a partition."
        implemented_in = "crates/client"
        hint = "Scope the permission to the partition."
    "#;

    /// A checkout in a temporary folder with [`CATALOG`] and the folders of labs 1 and 3.
    pub(crate) fn course() -> (tempfile::TempDir, Course) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("labs")).unwrap();
        std::fs::write(dir.path().join(Catalog::PATH), CATALOG).unwrap();
        for name in ["01-signing", "03-resource-tokens"] {
            let lab = dir.path().join("labs").join(name);
            std::fs::create_dir_all(lab.join("src")).unwrap();
            std::fs::write(lab.join("Cargo.toml"), "[package]\n").unwrap();
            std::fs::write(lab.join("src/lib.rs"), "// TODO: everything\n").unwrap();
        }
        let course = Course::open(dir.path()).unwrap();
        (dir, course)
    }

    fn progress(done: &[&str], current: Option<&str>) -> Progress {
        Progress {
            current: current.map(str::to_owned),
            done: done.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    /// A lab is named by its number, its folder, its package, its path or its name alone.
    #[test]
    fn a_lab_argument_names_a_lab_in_every_usual_spelling() {
        let (_dir, course) = course();
        for spelling in [
            "3",
            "03",
            " 3 ",
            "03-resource-tokens",
            "resource-tokens",
            "lab-03-resource-tokens",
            "solution-03-resource-tokens",
            "labs/03-resource-tokens/",
            "./labs/03-resource-tokens",
        ] {
            assert_eq!(
                course.find(spelling).unwrap().name,
                "03-resource-tokens",
                "`{spelling}`"
            );
        }
    }

    /// An unknown lab is refused with the numbers that exist.
    #[test]
    fn an_unknown_lab_is_refused_with_the_labs_that_exist() {
        let (_dir, course) = course();
        let error = course.find("9").unwrap_err().to_string();
        assert!(error.contains("there is no lab `9`"), "{error}");
        assert!(error.contains("the labs are 1, 2, 3"), "{error}");
        assert!(course.find("keys-and-more").is_err());
    }

    /// No LAB means the current lab: the first not done, skipping labs not in the checkout.
    #[test]
    fn no_lab_argument_means_the_current_lab() {
        let (_dir, course) = course();
        let fresh = Progress::default();
        assert_eq!(course.resolve(None, &fresh).unwrap().number, 1);
        // Lab 2 has no folder: after lab 1 comes lab 3.
        let after_one = progress(&["01-signing"], None);
        assert_eq!(course.resolve(None, &after_one).unwrap().number, 3);
        assert_eq!(course.resolve(Some("1"), &after_one).unwrap().number, 1);
        let all = progress(&["01-signing", "03-resource-tokens"], None);
        let error = course.resolve(None, &all).unwrap_err().to_string();
        assert!(
            error.contains("every lab in this checkout is done"),
            "{error}"
        );
    }

    /// A lab the trainee moved to stays current while it is not done, even if an earlier lab was
    /// reset since; once it is done, the first lab not done is current again.
    #[test]
    fn the_lab_moved_to_stays_current_until_done() {
        let (_dir, course) = course();
        let moved_on = progress(&[], Some("03-resource-tokens"));
        assert_eq!(course.current(&moved_on).unwrap().number, 3);
        let finished = progress(&["03-resource-tokens"], Some("03-resource-tokens"));
        assert_eq!(course.current(&finished).unwrap().number, 1);
        let unknown = progress(&[], Some("99-gone"));
        assert_eq!(course.current(&unknown).unwrap().number, 1);
    }

    /// The next lab skips done and missing labs and wraps around to earlier ones.
    #[test]
    fn the_next_lab_skips_done_and_missing_labs() {
        let (_dir, course) = course();
        let one = course.find("1").unwrap();
        let three = course.find("3").unwrap();
        let none_done = Progress::default();
        assert_eq!(course.next_after(one, &none_done).unwrap().number, 3);
        assert_eq!(course.next_after(three, &none_done).unwrap().number, 1);
        let both = progress(&["01-signing", "03-resource-tokens"], None);
        assert!(course.next_after(one, &both).is_none());
    }

    /// `list`'s statuses: done, current, to do, and missing for a lab without its folder.
    #[test]
    fn statuses_follow_progress_and_the_checkout() {
        let (_dir, course) = course();
        let state = progress(&["01-signing"], None);
        let statuses: Vec<Status> = course
            .catalog
            .labs
            .iter()
            .map(|lab| course.status(lab, &state))
            .collect();
        assert_eq!(statuses, [Status::Done, Status::Missing, Status::Current]);
    }

    /// The root is found from a folder deep inside it, or from the fallback, or not at all.
    #[test]
    fn the_root_is_the_nearest_folder_with_the_catalog() {
        let (dir, _course) = course();
        let deep = dir.path().join("labs/01-signing/src");
        assert_eq!(find_root(&deep, None).unwrap(), dir.path());
        let elsewhere = tempfile::tempdir().unwrap();
        assert!(find_root(elsewhere.path(), None).is_none());
        assert_eq!(
            find_root(elsewhere.path(), Some(dir.path())).unwrap(),
            dir.path().canonicalize().unwrap()
        );
        assert!(find_root(elsewhere.path(), Some(elsewhere.path())).is_none());
    }
}

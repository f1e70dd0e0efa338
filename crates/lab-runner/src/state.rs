//! The trainee's progress: `.cosmolab/progress.toml` under the checkout's root.
//!
//! ```toml
//! current = "03-resource-tokens"
//! done = ["01-signing", "02-keys"]
//! ```
//!
//! Labs are stored by folder name. The file is a convenience, never a source of truth the trainee
//! could lose work over: a missing file means a fresh start, and a corrupt one is reported and then
//! replaced the next time progress is saved. `.cosmolab/` is ignored by git, so each trainee's
//! clone keeps its own. `COSMOLAB_PROGRESS_FILE` points the runner at another file (the runner's
//! own tests use it so they never touch a developer's progress).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

/// What the runner remembers between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Progress {
    /// The lab the trainee moved to last (`n` in watch mode), by folder name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) current: Option<String>,
    /// The labs that passed when last checked, by folder name.
    #[serde(default)]
    pub(crate) done: BTreeSet<String>,
}

impl Progress {
    /// Whether the lab named `name` is done.
    pub(crate) fn is_done(&self, name: &str) -> bool {
        self.done.contains(name)
    }

    /// Records the outcome of a check: done when it passed, not done when it did not.
    pub(crate) fn record(&mut self, name: &str, passed: bool) {
        if passed {
            self.done.insert(name.to_owned());
        } else {
            self.done.remove(name);
        }
    }
}

/// Where the progress lives, and reading and writing it.
#[derive(Debug, Clone)]
pub(crate) struct ProgressFile {
    path: PathBuf,
}

/// A progress file that was read, with what went wrong if it could not be.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The progress: what the file says, or a fresh start.
    pub(crate) progress: Progress,
    /// Why the file was not usable, for the trainee to read; `None` when it was (or was absent).
    pub(crate) warning: Option<String>,
}

const HEADER: &str = "# cargo lab's progress: the labs that passed, and the one you are on.\n\
                      # Delete this file to start the course afresh; your code is not touched.\n";

impl ProgressFile {
    /// The progress file of the checkout at `root`, or the one `COSMOLAB_PROGRESS_FILE` names.
    pub(crate) fn for_checkout(root: &Path) -> Self {
        match std::env::var_os("COSMOLAB_PROGRESS_FILE") {
            Some(path) if !path.is_empty() => Self::at(PathBuf::from(path)),
            _ => Self::at(root.join(".cosmolab/progress.toml")),
        }
    }

    /// The progress file at `path`.
    pub(crate) fn at(path: PathBuf) -> Self {
        Self { path }
    }

    /// The file's path.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the progress. A missing file is a fresh start; an unreadable or corrupt one is too,
    /// with a warning saying so.
    pub(crate) fn load(&self) -> Loaded {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Loaded {
                    progress: Progress::default(),
                    warning: None,
                };
            }
            Err(error) => return self.fresh_start(&error.to_string()),
        };
        match toml::from_str::<Progress>(&text) {
            Ok(progress) => Loaded {
                progress,
                warning: None,
            },
            // toml's message spans several lines (it quotes the line); its first says enough.
            Err(error) => {
                let message = error.to_string();
                self.fresh_start(message.lines().next().unwrap_or("not TOML"))
            }
        }
    }

    fn fresh_start(&self, why: &str) -> Loaded {
        Loaded {
            progress: Progress::default(),
            warning: Some(format!(
                "could not read your progress in {} ({why}); starting afresh: it is replaced the \
                 next time progress is saved",
                self.path.display()
            )),
        }
    }

    /// Writes the progress: to a temporary file first, then renamed over the old one, so an
    /// interrupted write never leaves half a file.
    pub(crate) fn save(&self, progress: &Progress) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
        }
        let body = toml::to_string(progress).context("could not write the progress as TOML")?;
        let temporary = self.path.with_extension("toml.tmp");
        std::fs::write(&temporary, format!("{HEADER}{body}"))
            .with_context(|| format!("could not write {}", temporary.display()))?;
        std::fs::rename(&temporary, &self.path)
            .with_context(|| format!("could not write {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is saved is what is loaded, and the file reads as the module's docs show.
    #[test]
    fn progress_survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path().join(".cosmolab/progress.toml"));
        let mut progress = Progress::default();
        progress.record("01-signing", true);
        progress.record("02-keys", true);
        progress.current = Some("03-resource-tokens".into());
        file.save(&progress).unwrap();

        let loaded = file.load();
        assert_eq!(loaded.progress, progress);
        assert!(loaded.warning.is_none());
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.starts_with("# cargo lab's progress"), "{text}");
        assert!(
            text.contains("done = [\"01-signing\", \"02-keys\"]"),
            "{text}"
        );
        assert!(!dir.path().join(".cosmolab/progress.toml.tmp").exists());
    }

    /// No file yet: a fresh start, and nothing to warn about.
    #[test]
    fn a_missing_file_is_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = ProgressFile::at(dir.path().join("progress.toml")).load();
        assert_eq!(loaded.progress, Progress::default());
        assert!(loaded.warning.is_none());
    }

    /// A corrupt file is a fresh start with a warning, and the next save replaces it.
    #[test]
    fn a_corrupt_file_is_a_fresh_start_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path().join("progress.toml"));
        for corrupt in ["done = \"01-signing", "done = 3", "\u{0}\u{1}binary"] {
            std::fs::write(file.path(), corrupt).unwrap();
            let loaded = file.load();
            assert_eq!(loaded.progress, Progress::default(), "{corrupt:?}");
            let warning = loaded.warning.expect("a warning");
            assert!(warning.contains("starting afresh"), "{warning}");
            assert!(!warning.contains('\n'), "one line: {warning}");
        }
        let mut progress = Progress::default();
        progress.record("01-signing", true);
        file.save(&progress).unwrap();
        assert_eq!(file.load().progress, progress);
    }

    /// Unknown fields (a newer runner's) and unknown labs (a renamed one) do not spoil the file.
    #[test]
    fn unknown_fields_and_labs_are_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile::at(dir.path().join("progress.toml"));
        std::fs::write(
            file.path(),
            "done = [\"01-signing\", \"99-gone\"]\nstreak = 4\n",
        )
        .unwrap();
        let loaded = file.load();
        assert!(loaded.warning.is_none());
        assert!(loaded.progress.is_done("01-signing"));
        assert!(loaded.progress.is_done("99-gone"));
    }

    /// A failed check makes a done lab not done again: "done" means "passes now".
    #[test]
    fn recording_a_failure_undoes_done() {
        let mut progress = Progress::default();
        progress.record("01-signing", true);
        progress.record("01-signing", false);
        assert!(!progress.is_done("01-signing"));
    }
}

//! `cargo lab reset`: start a lab again, from the version in git.
//!
//! The lab's `src/` is the trainee's work, so nothing is thrown away: it is copied first to
//! `.cosmolab/backups/NN-name-<unix time>/src/`, then made exactly what git's `HEAD` has — changed
//! files restored (`git checkout HEAD -- labs/NN-name/src`), files the trainee added removed
//! (`git clean`; they are in the backup). Only `src/` is touched: the scenario test and its
//! transcript are not the trainee's to change.
//!
//! A real tool might keep a pristine copy of each lab instead of relying on git; cosmolab is
//! always used from a clone, so git is the copy.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use cosmolab_lab_harness::LabInfo;

/// What a reset did.
#[derive(Debug)]
pub(crate) struct Reset {
    /// Where the trainee's files were copied to, relative to the root.
    pub(crate) backup: PathBuf,
}

/// The lab's `src/`, relative to the root, with `/` as git's pathspecs want.
fn source_dir(lab: &LabInfo) -> String {
    format!("labs/{}/src", lab.name)
}

/// Checks that `root` is a git checkout whose `HEAD` has the lab's `src/`, before anything is
/// touched (so a confirmation is never asked for a reset that cannot happen).
pub(crate) fn can_reset(root: &Path, lab: &LabInfo) -> Result<()> {
    let inside = git(root, &["rev-parse", "--is-inside-work-tree"]);
    if !matches!(&inside, Ok(answer) if answer.trim() == "true") {
        bail!(
            "{} is not a git checkout: reset restores a lab from git, so it needs the clone you \
             took the course from (or run `git init` and commit the labs first)",
            root.display()
        );
    }
    let tracked = git(
        root,
        &[
            "ls-tree",
            "-r",
            "--name-only",
            "HEAD",
            "--",
            &source_dir(lab),
        ],
    )
    .context("could not ask git for the lab's files")?;
    if tracked.trim().is_empty() {
        bail!(
            "git's HEAD has no files in {}: there is nothing to reset it to",
            source_dir(lab)
        );
    }
    Ok(())
}

/// Backs up the lab's `src/`, then restores it from git's `HEAD`. The caller has asked the
/// trainee and checked [`can_reset`].
pub(crate) fn reset(root: &Path, lab: &LabInfo, now_unix: u64) -> Result<Reset> {
    let source = root.join(source_dir(lab));
    let backup = backup(
        &source,
        &root.join(".cosmolab/backups"),
        &lab.name,
        now_unix,
    )?;
    let pathspec = source_dir(lab);
    git(root, &["checkout", "HEAD", "--", &pathspec])
        .with_context(|| format!("could not restore {pathspec} from git"))?;
    // Files the trainee added are not in HEAD; they are in the backup, and gone from the lab so
    // it is exactly as shipped. Ignored files (editor swap files, say) are left alone.
    git(root, &["clean", "-f", "-d", "-q", "--", &pathspec])
        .with_context(|| format!("could not remove the files you added to {pathspec}"))?;
    Ok(Reset {
        backup: backup.strip_prefix(root).unwrap_or(&backup).to_path_buf(),
    })
}

/// Copies `source` (a lab's `src/`) to `<backups>/<name>-<now>/src/` and returns that folder.
/// Two resets within one second get `-2`, `-3`… rather than mixing their files.
fn backup(source: &Path, backups: &Path, name: &str, now_unix: u64) -> Result<PathBuf> {
    std::fs::create_dir_all(backups)
        .with_context(|| format!("could not create {}", backups.display()))?;
    let mut attempt = 1;
    let folder = loop {
        let suffix = if attempt == 1 {
            String::new()
        } else {
            format!("-{attempt}")
        };
        let folder = backups.join(format!("{name}-{now_unix}{suffix}"));
        match std::fs::create_dir(&folder) {
            Ok(()) => break folder,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => attempt += 1,
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("could not create {}", folder.display()));
            }
        }
    };
    if source.exists() {
        copy_tree(source, &folder.join("src"))?;
    }
    Ok(folder)
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("could not create {}", to.display()))?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("could not read {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("could not back up {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Runs `git -C root <args>` and returns its stdout; an error carries git's stderr.
fn git(root: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("could not run git; is it installed?")?;
    if !output.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> LabInfo {
        LabInfo {
            number: 1,
            name: "01-signing".into(),
            title: "Signing a request by hand".into(),
            seeds: vec!["001".into()],
            concept: "signatures".into(),
            implemented_in: "crates/auth-signing".into(),
            hint: "base64".into(),
            needs: Vec::new(),
        }
    }

    /// A git repository with lab 1's `src/lib.rs` committed as shipped.
    fn repository() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("labs/01-signing/src")).unwrap();
        std::fs::write(root.join("labs/01-signing/src/lib.rs"), "todo!()\n").unwrap();
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
                .arg(root)
                .args(args)
                .status()
                .unwrap();
            assert!(status.success(), "git {args:?}");
        }
        dir
    }

    /// Reset backs up the trainee's files (changed and added), then restores the lab exactly.
    #[test]
    fn reset_backs_up_then_restores_from_git() {
        let repository = repository();
        let root = repository.path();
        let src = root.join("labs/01-signing/src");
        std::fs::write(src.join("lib.rs"), "my work\n").unwrap();
        std::fs::create_dir_all(src.join("extra")).unwrap();
        std::fs::write(src.join("extra/helpers.rs"), "more work\n").unwrap();

        can_reset(root, &lab()).unwrap();
        let done = reset(root, &lab(), 1_700_000_000).unwrap();

        assert_eq!(
            done.backup,
            Path::new(".cosmolab/backups/01-signing-1700000000")
        );
        let backup = root.join(&done.backup).join("src");
        assert_eq!(
            std::fs::read_to_string(backup.join("lib.rs")).unwrap(),
            "my work\n"
        );
        assert_eq!(
            std::fs::read_to_string(backup.join("extra/helpers.rs")).unwrap(),
            "more work\n"
        );
        assert_eq!(
            std::fs::read_to_string(src.join("lib.rs")).unwrap(),
            "todo!()\n"
        );
        assert!(!src.join("extra").exists(), "added files are removed");

        // A second reset in the same second gets its own folder.
        let again = reset(root, &lab(), 1_700_000_000).unwrap();
        assert_eq!(
            again.backup,
            Path::new(".cosmolab/backups/01-signing-1700000000-2")
        );
    }

    /// Outside a git checkout, reset refuses with a message that says why.
    #[test]
    fn reset_needs_a_git_checkout() {
        let dir = tempfile::tempdir().unwrap();
        let error = can_reset(dir.path(), &lab()).unwrap_err().to_string();
        assert!(error.contains("is not a git checkout"), "{error}");
    }

    /// A lab git knows nothing about cannot be reset.
    #[test]
    fn reset_needs_the_lab_in_head() {
        let repository = repository();
        let mut other = lab();
        other.name = "02-keys".into();
        let error = can_reset(repository.path(), &other)
            .unwrap_err()
            .to_string();
        assert!(error.contains("no files in labs/02-keys/src"), "{error}");
    }
}

//! # cosmolab-lab-runner — `cargo lab`, the trainee's runner
//!
//! This crate will hold the runner trainees use to work through the labs in `labs/`: a watch mode
//! that re-checks the current exercise on save, `list`, `check`, `hint` and `reset` commands,
//! progress kept in a small state file, and failures that say what the emulator refused and why.
//!
//! None of that exists yet, because the labs and the emulator they run against do not. Until then
//! the `cargo-lab` binary (`src/main.rs`) prints [`STATUS`]: what cosmolab is, what works today,
//! what is coming, and where to read more. It says so plainly rather than imitate a runner.
//!
//! Run with: `cargo lab` (an alias in `.cargo/config.toml`).

/// Where the project stands, as `cargo lab` prints it.
///
/// The text lives in `src/status.txt`, the one place to update when a crate, a lab or a command
/// becomes available; a test checks that every file it points to exists.
pub const STATUS: &str = include_str!("status.txt");

#[cfg(test)]
mod tests {
    use super::STATUS;
    use std::path::Path;

    /// The status names every piece available today and points to the README and the docs.
    #[test]
    fn status_lists_what_is_available_and_where_to_read() {
        for expected in [
            "cosmolab-auth-signing",
            "cosmolab-model",
            "cargo xtask ci",
            "cargo xtask bench signing",
            "README.md",
            "docs/README.md",
        ] {
            assert!(
                STATUS.contains(expected),
                "the status should mention `{expected}`"
            );
        }
    }

    /// Every file or folder the status points to exists, so the pointers never go stale.
    #[test]
    fn status_points_only_to_paths_that_exist() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for path in [
            "crates/auth-signing",
            "crates/model",
            "docs/README.md",
            "README.md",
        ] {
            assert!(
                STATUS.contains(path),
                "the status no longer mentions `{path}`: update this test"
            );
            assert!(
                root.join(path).exists(),
                "the status points to `{path}`, which does not exist"
            );
        }
    }
}

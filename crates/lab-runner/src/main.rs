//! `cargo lab` — for now, an honest page about where cosmolab stands.
//!
//! Run with: `cargo lab` (or `cargo lab --help`).
//!
//! The real runner (list, check, hint, reset, watch mode) comes with the labs. Until then this binary
//! prints [`cosmolab_lab_runner::STATUS`] and nothing else: no fake progress, no fake exercises.
//!
//! `cargo lab` reaches this binary in two ways, with different arguments:
//!
//! - through the alias in `.cargo/config.toml`, cargo runs it directly: `cargo-lab [ARGS]`;
//! - as an installed `cargo-lab` on `PATH`, cargo runs it as an external subcommand and passes the
//!   subcommand's name first: `cargo-lab lab [ARGS]`.
//!
//! [`arguments`] removes that extra `lab`, so both read the same.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// The command line of `cargo lab`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo lab",
    bin_name = "cargo lab",
    version,
    about = "The cosmolab lab runner (not written yet): for now, prints where the project stands.",
    long_about = "The cosmolab lab runner.\n\n\
        cosmolab teaches Azure Cosmos DB access control through guided labs. The runner that will \
        take you through them (list the labs, check your work on every save, give hints, reset an \
        exercise) comes with the labs themselves, which are not written yet.\n\n\
        For now `cargo lab` takes no command and prints a status page: what cosmolab is, \
        what is available today, what is coming, and where to read more (README.md, docs/).",
    after_help = "See README.md for the quick start and docs/README.md for the documentation."
)]
struct Cli {
    /// A command of the future runner (list, check, hint, reset, watch). None is available yet:
    /// given one, `cargo lab` says so and exits with an error.
    #[arg(value_name = "COMMAND", trailing_var_arg = true)]
    command: Vec<String>,
}

/// Our command-line arguments, without the `lab` cargo inserts when it runs us as a subcommand.
fn arguments(mut args: Vec<OsString>) -> Vec<OsString> {
    // args[0] is the program; a `lab` right after it is cargo naming the subcommand, not the user's
    // input (no argument of ours is called `lab`).
    if args.get(1).is_some_and(|arg| arg == "lab") {
        args.remove(1);
    }
    args
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(arguments(std::env::args_os().collect()));
    if !cli.command.is_empty() {
        // Someone expects the real runner (perhaps from a lab's instructions written ahead of it):
        // say plainly that it does not exist yet, rather than pretend to run anything.
        eprintln!(
            "error: `cargo lab {}` is not available yet: the lab runner comes with the labs.\n\
             Run `cargo lab` on its own to see where the project stands.",
            cli.command.join(" ")
        );
        return ExitCode::from(2);
    }
    print!("{}", cosmolab_lab_runner::STATUS);
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// clap's own consistency checks on the command-line definition.
    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `cargo-lab lab --help` (installed subcommand) and `cargo-lab --help` (alias) read the same.
    #[test]
    fn leading_lab_argument_is_dropped() {
        let as_subcommand = arguments(["cargo-lab", "lab", "--help"].map(OsString::from).to_vec());
        let via_alias = arguments(["cargo-lab", "--help"].map(OsString::from).to_vec());
        assert_eq!(as_subcommand, via_alias);
        assert_eq!(
            arguments(vec!["cargo-lab".into()]),
            vec![OsString::from("cargo-lab")]
        );
    }

    /// Invoked as a subcommand with nothing else, there is no command; a future one is collected
    /// (and then refused by `main`), not mistaken for the `lab` cargo inserts.
    #[test]
    fn future_commands_are_collected() {
        let bare = Cli::try_parse_from(arguments(vec!["cargo-lab".into(), "lab".into()])).unwrap();
        assert!(bare.command.is_empty());
        let check = Cli::try_parse_from(arguments(
            ["cargo-lab", "lab", "check", "1"]
                .map(OsString::from)
                .to_vec(),
        ))
        .unwrap();
        assert_eq!(check.command, ["check", "1"]);
    }
}

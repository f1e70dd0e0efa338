//! The command line, and what each command does.
//!
//! Each command follows the same three steps: find the course and the trainee's progress
//! ([`Session::open`]), do the thing, print what happened. The text itself comes from
//! [`output`]; the work from [`check`], [`reset`], [`watch`] and [`emulator`], the modules of the
//! same names.
//!
//! `cargo lab` reaches this binary in two ways, with different arguments: through the alias in
//! `.cargo/config.toml` cargo runs `cargo-lab [ARGS]`; as an installed `cargo-lab` on `PATH`, cargo
//! runs `cargo-lab lab [ARGS]`. [`arguments`] removes that extra `lab`, so both read the same.

use std::ffi::OsString;
use std::io::{IsTerminal as _, Write as _};
use std::net::IpAddr;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use cosmolab_lab_harness::LabInfo;

use crate::check::{self, Verdict};
use crate::course::Course;
use crate::output::{self, Paint};
use crate::state::{Progress, ProgressFile};
use crate::{emulator, reset, watch};

/// Shown by `cargo lab --help` and `-h`: where things are in the checkout.
const WHAT_IS_HERE: &str = "\
What is here:
  labs/NN-name/src/     your copy of each lab: the TODO:s are where you write code
  solutions/NN-name/    the finished labs, with the reasoning in comments (for when you are stuck)
  docs/labs/            one page per lab: the concept, the steps, the common mistakes
  labs/info.toml        the course: the labs in order, their seeds and hints
  crates/emulator/      the Cosmos DB-compatible emulator every scenario runs against
  .cosmolab/            your progress (progress.toml) and reset's backups; not in git
  README.md             what cosmolab is; docs/README.md indexes the documentation";

/// The command line of `cargo lab`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo lab",
    bin_name = "cargo lab",
    version,
    about = "The cosmolab lab runner: work through the Azure Cosmos DB access-control labs.",
    long_about = "The cosmolab lab runner: work through the Azure Cosmos DB access-control labs.\n\n\
        Each lab is a crate in labs/ with todo!()s at its TODO: markers. With no command, on a \
        terminal, `cargo lab` watches your current lab: it checks it, shows the result, and checks \
        it again every time you save a file in its src/. When a step does not behave like the \
        solution's, you see which step, what the emulator refused and why, and the lab's hint.\n\n\
        Keys in watch mode: n next lab (once this one passes), h hint, l list, r reset, \
        c check again, q quit.\n\n\
        Off a terminal (CI, a pipe), `cargo lab` checks the current lab once and exits with 0 if \
        it passes, 1 if it does not.\n\n\
        Example:\n  cargo lab            # start, or carry on where you left off",
    after_help = WHAT_IS_HERE
)]
pub(crate) struct Cli {
    /// What to do; watch mode when none is given.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List the labs with their status (done, current, to do), titles and seeds.
    #[command(
        long_about = "List the labs with their status (done, current, to do), number, \
        title and the seed documents they teach, and how many are done.\n\n\
        Example:\n  cargo lab list"
    )]
    List,

    /// Check a lab once: exit code 0 if it passes, 1 if it does not.
    #[command(
        long_about = "Check a lab once: build it and run its scenario against an \
        emulator, and show the result. A lab that passes is marked done; one that does not shows \
        the first step that differs from the solution's, what the emulator refused and why, and \
        the hint. The exit code is 0 if it passes, 1 if it does not, so scripts and CI can use \
        it.\n\n\
        Examples:\n  cargo lab check          # your current lab\n  cargo lab check 3        \
        # lab 3 (also: 03, 03-resource-tokens, resource-tokens)\n  cargo lab check --all    \
        # every lab, with a summary"
    )]
    Check {
        /// The lab: its number (3), folder (03-resource-tokens) or name (resource-tokens).
        /// Default: your current lab.
        #[arg(value_name = "LAB")]
        lab: Option<String>,
        /// Check every lab in order, and print one line for each.
        #[arg(long, conflicts_with = "lab")]
        all: bool,
    },

    /// Show a lab's hint, and its page in docs/labs/.
    #[command(
        long_about = "Show a lab's hint (from labs/info.toml) and the path of its page \
        in docs/labs/, which explains the concept, the steps and the usual mistakes.\n\n\
        Examples:\n  cargo lab hint           # your current lab\n  cargo lab hint 1"
    )]
    Hint {
        /// The lab (number, folder or name). Default: your current lab.
        #[arg(value_name = "LAB")]
        lab: Option<String>,
    },

    /// Start a lab again: restore its src/ from git, after backing up your files.
    #[command(
        long_about = "Start a lab again: copy your files in labs/NN-name/src/ to \
        .cosmolab/backups/NN-name-<unix time>/, then restore that folder from git's HEAD (files \
        you added are removed; they are in the backup), and mark the lab not done. It asks \
        before doing it; off a terminal it needs --yes. It needs the git clone you took the \
        course from.\n\n\
        Examples:\n  cargo lab reset 2\n  cargo lab reset 2 --yes   # without asking"
    )]
    Reset {
        /// The lab (number, folder or name). Default: your current lab.
        #[arg(value_name = "LAB")]
        lab: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },

    /// Run the emulator the labs use, until Ctrl-C, to try an SDK or a request by hand.
    #[command(
        long_about = "Run the cosmolab emulator in this process until Ctrl-C: a Cosmos \
        DB-compatible server that enforces keys, users, permissions and resource tokens like the \
        service. It prints its endpoint, its keys (the primary is the well-known emulator key) \
        and how to point an SDK at it, then logs every request, with the reason of every \
        refusal. The labs do not need it: each scenario starts its own.\n\n\
        Examples:\n  cargo lab emulator                  # http://127.0.0.1:8081/\n  \
        cargo lab emulator --port 0 --tls   # https on any free port"
    )]
    Emulator {
        /// The port to listen on (0: any free port).
        #[arg(long, default_value_t = 8081)]
        port: u16,
        /// Serve https, with a self-signed certificate written to the temp folder.
        #[arg(long)]
        tls: bool,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
    },
}

/// Our command-line arguments, without the `lab` cargo inserts when it runs us as a subcommand.
pub(crate) fn arguments(mut args: Vec<OsString>) -> Vec<OsString> {
    // args[0] is the program; a `lab` right after it is cargo naming the subcommand, not the user's
    // input (no command of ours is called `lab`).
    if args.get(1).is_some_and(|arg| arg == "lab") {
        args.remove(1);
    }
    args
}

/// Parses the arguments, runs the command, and turns the outcome into an exit code.
pub(crate) fn main(args: Vec<OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(arguments(args)) {
        Ok(cli) => cli,
        Err(error) => {
            // --help and --version are "errors" to clap that exit with 0.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    match execute(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn execute(cli: Cli) -> Result<ExitCode> {
    let paint = Paint::detect();
    // The emulator needs no checkout: it is the one command that works from anywhere.
    if let Some(Command::Emulator { port, tls, bind }) = cli.command {
        emulator::serve(&emulator::Options { bind, port, tls }, paint)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut session = Session::open(paint)?;
    match cli.command {
        None if interactive() => watch::run(&mut session),
        None => session.check_current_once(),
        Some(Command::List) => {
            print!(
                "{}",
                output::list(paint, &session.course, &session.progress)
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Check { lab: _, all: true }) => session.check_all(),
        Some(Command::Check { lab, all: false }) => {
            let lab = session.resolve(lab.as_deref())?;
            session.check_one(&lab)
        }
        Some(Command::Hint { lab }) => {
            let lab = session.resolve(lab.as_deref())?;
            print!("{}", output::hint(paint, &session.course, &lab));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Reset { lab, yes }) => {
            let lab = session.resolve(lab.as_deref())?;
            session.reset(&lab, yes)
        }
        Some(Command::Emulator { .. }) => unreachable!("handled above"),
    }
}

/// Whether a person is at the keyboard: watch mode needs to read keys and draw on a terminal.
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// The course, the trainee's progress and where it is kept: what every command starts from.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) course: Course,
    pub(crate) progress: Progress,
    pub(crate) progress_file: ProgressFile,
    pub(crate) paint: Paint,
    /// Why the progress file could not be read, if it could not (watch mode shows it again on
    /// its screen, which would otherwise clear it away).
    pub(crate) progress_warning: Option<String>,
}

impl Session {
    /// Finds the checkout from the current folder and reads the progress (saying so if it was
    /// unreadable).
    fn open(paint: Paint) -> Result<Self> {
        let here = std::env::current_dir()?;
        let course = Course::open(&here)?;
        let progress_file = ProgressFile::for_checkout(&course.root);
        let loaded = progress_file.load();
        if let Some(warning) = &loaded.warning {
            eprintln!("warning: {warning}");
        }
        Ok(Self {
            course,
            progress: loaded.progress,
            progress_file,
            paint,
            progress_warning: loaded.warning,
        })
    }

    /// The lab a LAB argument names, or the current lab (owned: the session changes as it goes).
    pub(crate) fn resolve(&self, wanted: Option<&str>) -> Result<LabInfo> {
        self.course.resolve(wanted, &self.progress).cloned()
    }

    /// Records a check's outcome and saves it; a save that fails is reported, not fatal (the
    /// check itself happened).
    pub(crate) fn record(&mut self, lab: &LabInfo, verdict: &Verdict) {
        let before = self.progress.clone();
        self.progress.record(&lab.name, verdict.passed());
        if self.progress != before
            && let Err(error) = self.progress_file.save(&self.progress)
        {
            eprintln!("warning: your progress was not saved: {error:#}");
        }
    }

    /// Saves the progress, reporting a failure.
    pub(crate) fn save(&self) {
        if let Err(error) = self.progress_file.save(&self.progress) {
            eprintln!("warning: your progress was not saved: {error:#}");
        }
    }

    /// `cargo lab` off a terminal: the current lab, checked once.
    fn check_current_once(&mut self) -> Result<ExitCode> {
        match self.course.current(&self.progress) {
            Some(lab) => {
                let lab = lab.clone();
                self.check_one(&lab)
            }
            None => {
                print!("{}", output::list(self.paint, &self.course, &self.progress));
                Ok(ExitCode::SUCCESS)
            }
        }
    }

    /// `cargo lab check LAB`.
    fn check_one(&mut self, lab: &LabInfo) -> Result<ExitCode> {
        let verdict = self.run_check(lab)?;
        print!("\n{}", output::verdict(self.paint, lab, &verdict));
        self.record(lab, &verdict);
        if verdict.passed() {
            match self.course.next_after(lab, &self.progress) {
                Some(next) => println!(
                    "\nNext: {}. `cargo lab` watches it; `cargo lab check {}` checks it once.",
                    output::lab_name(next),
                    next.number
                ),
                None => println!("\nThat was the last lab left to do here. Well done!"),
            }
            Ok(ExitCode::SUCCESS)
        } else {
            Ok(ExitCode::FAILURE)
        }
    }

    /// `cargo lab check --all`: every lab in the checkout, one line each, then the count.
    fn check_all(&mut self) -> Result<ExitCode> {
        let labs = self.course.catalog.labs.clone();
        let mut passed = 0;
        let mut failed: Vec<u32> = Vec::new();
        for lab in &labs {
            if !self.course.is_available(lab) {
                println!(
                    "– {} is not in this checkout yet: skipped",
                    output::lab_name(lab)
                );
                continue;
            }
            let verdict = self.run_check(lab)?;
            let line = match &verdict {
                Verdict::Passed => format!("✓ {} passes", output::lab_name(lab)),
                Verdict::Failed {
                    first_failing_step: Some(step),
                    ..
                } => format!("✗ lab {}: first failing step {step}", lab.number),
                Verdict::Failed { .. } => format!("✗ lab {} does not pass yet", lab.number),
                Verdict::DoesNotCompile { .. } => {
                    format!("✗ lab {} does not compile yet", lab.number)
                }
                Verdict::FailedWithoutReport { .. } => {
                    format!("✗ lab {}'s scenario failed without a report", lab.number)
                }
            };
            println!("{line}");
            self.record(lab, &verdict);
            if verdict.passed() {
                passed += 1;
            } else {
                failed.push(lab.number);
            }
        }
        let checked = passed + failed.len();
        println!("\n{passed} of {checked} labs pass.");
        match failed.first() {
            None => Ok(ExitCode::SUCCESS),
            Some(first) => {
                println!("`cargo lab check {first}` shows what to fix first.");
                Ok(ExitCode::FAILURE)
            }
        }
    }

    /// Runs one check, with a progress line while cargo works when stdout is a terminal.
    fn run_check(&self, lab: &LabInfo) -> Result<Verdict> {
        println!("{}", output::checking(self.paint, lab));
        let mut status = StatusLine::new(std::io::stdout().is_terminal());
        let verdict = check::check(&self.course, lab, &check::Cargo, &mut |line| {
            status.show(line);
        });
        status.clear();
        verdict
    }

    /// `cargo lab reset LAB [--yes]`.
    fn reset(&mut self, lab: &LabInfo, yes: bool) -> Result<ExitCode> {
        reset::can_reset(&self.course.root, lab)?;
        let src = self
            .course
            .relative(&lab.lab_dir(&self.course.root).join("src"));
        if !yes {
            if !std::io::stdin().is_terminal() {
                bail!(
                    "reset replaces your files in {src}, and there is no terminal to ask you \
                     first: add --yes (`cargo lab reset {} --yes`)",
                    lab.number
                );
            }
            let question = format!(
                "Reset {}? Your files in {src}/ are backed up to .cosmolab/backups/ first. [y/N] ",
                output::lab_name(lab)
            );
            if !confirm(&question)? {
                println!("Nothing was changed.");
                return Ok(ExitCode::SUCCESS);
            }
        }
        let done = reset::reset(&self.course.root, lab, unix_now())?;
        self.progress.record(&lab.name, false);
        self.save();
        println!(
            "{} is as shipped again. Your files are in {}/.",
            output::lab_name(lab),
            done.backup.join("src").display()
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// Asks a yes/no question on the terminal; only `y` or `yes` is a yes.
fn confirm(question: &str) -> Result<bool> {
    print!("{question}");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// Seconds since 1970, for naming backups.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

/// One line, rewritten in place, saying what cargo is doing; nothing at all off a terminal (a CI
/// log should not fill with carriage returns).
struct StatusLine {
    live: bool,
    shown: bool,
}

impl StatusLine {
    fn new(live: bool) -> Self {
        Self { live, shown: false }
    }

    fn show(&mut self, text: &str) {
        if self.live {
            print!("\r\x1b[2K  {text}…");
            let _ = std::io::stdout().flush();
            self.shown = true;
        }
    }

    fn clear(&mut self) {
        if self.shown {
            print!("\r\x1b[2K");
            let _ = std::io::stdout().flush();
            self.shown = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let mut all = vec![OsString::from("cargo-lab")];
        all.extend(args.iter().map(OsString::from));
        Cli::try_parse_from(arguments(all))
    }

    /// clap's own consistency checks on the command-line definition.
    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `cargo-lab lab …` (installed subcommand) and `cargo-lab …` (alias) read the same.
    #[test]
    fn leading_lab_argument_is_dropped() {
        let as_subcommand = arguments(["cargo-lab", "lab", "list"].map(OsString::from).to_vec());
        let via_alias = arguments(["cargo-lab", "list"].map(OsString::from).to_vec());
        assert_eq!(as_subcommand, via_alias);
        assert_eq!(
            arguments(vec!["cargo-lab".into()]),
            vec![OsString::from("cargo-lab")]
        );
    }

    /// No command is watch mode (or a single check off a terminal).
    #[test]
    fn no_command_is_watch_mode() {
        assert!(parse(&[]).unwrap().command.is_none());
        assert!(parse(&["lab"]).unwrap().command.is_none());
    }

    /// Every command parses with its arguments.
    #[test]
    fn commands_parse() {
        assert!(matches!(
            parse(&["list"]).unwrap().command,
            Some(Command::List)
        ));
        assert!(matches!(
            parse(&["check"]).unwrap().command,
            Some(Command::Check {
                lab: None,
                all: false
            })
        ));
        assert!(matches!(
            parse(&["check", "3"]).unwrap().command,
            Some(Command::Check { lab: Some(lab), all: false }) if lab == "3"
        ));
        assert!(matches!(
            parse(&["check", "--all"]).unwrap().command,
            Some(Command::Check {
                lab: None,
                all: true
            })
        ));
        assert!(matches!(
            parse(&["hint", "resource-tokens"]).unwrap().command,
            Some(Command::Hint { lab: Some(lab) }) if lab == "resource-tokens"
        ));
        assert!(matches!(
            parse(&["reset", "2", "--yes"]).unwrap().command,
            Some(Command::Reset { lab: Some(lab), yes: true }) if lab == "2"
        ));
        assert!(matches!(
            parse(&["reset", "-y"]).unwrap().command,
            Some(Command::Reset {
                lab: None,
                yes: true
            })
        ));
        let Some(Command::Emulator { port, tls, bind }) =
            parse(&["emulator", "--port", "0", "--tls", "--bind", "0.0.0.0"])
                .unwrap()
                .command
        else {
            panic!("expected the emulator command");
        };
        assert_eq!((port, tls, bind.to_string().as_str()), (0, true, "0.0.0.0"));
        let Some(Command::Emulator { port, tls, bind }) = parse(&["emulator"]).unwrap().command
        else {
            panic!("expected the emulator command");
        };
        assert_eq!(
            (port, tls, bind.to_string().as_str()),
            (8081, false, "127.0.0.1")
        );
    }

    /// Mistakes are refused by clap, with its exit code 2.
    #[test]
    fn mistakes_are_refused() {
        for wrong in [
            &["check", "3", "--all"][..],
            &["emulator", "--port", "99999"],
            &["emulator", "--bind", "localhost:80"],
            &["frobnicate"],
            &["hint", "1", "2"],
        ] {
            let error = parse(wrong).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{wrong:?}");
        }
    }

    /// `--help` explains each command with an example, and says what is where.
    #[test]
    fn help_explains_every_command_with_an_example() {
        let mut command = Cli::command();
        let help = command.render_long_help().to_string();
        assert!(help.contains("What is here:"), "{help}");
        assert!(help.contains("Example"), "{help}");
        for sub in ["list", "check", "hint", "reset", "emulator"] {
            let help = command
                .find_subcommand_mut(sub)
                .unwrap()
                .render_long_help()
                .to_string();
            assert!(
                help.contains("cargo lab "),
                "`{sub} --help` has no example:\n{help}"
            );
        }
    }

    /// Every path the help points to exists, so "what is here" never goes stale.
    #[test]
    fn what_is_here_points_only_to_paths_that_exist() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for path in [
            "labs",
            "solutions",
            "docs/labs",
            "labs/info.toml",
            "crates/emulator",
            "README.md",
            "docs/README.md",
        ] {
            assert!(WHAT_IS_HERE.contains(path), "no longer mentions `{path}`");
            assert!(
                root.join(path).exists(),
                "points to `{path}`, which does not exist"
            );
        }
    }
}

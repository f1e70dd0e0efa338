//! Watch mode, `cargo lab` on a terminal: check the current lab, show the result, and check again
//! whenever a file of the lab's `src/` is saved — the loop a trainee lives in.
//!
//! ```text
//!   keys (a thread: crossterm, raw mode) ──┐
//!   saves (notify, on labs/NN-name/src/) ──┼──▶ one channel ──▶ the loop below: draw, act
//!   the running check (a thread: cargo) ───┘      (progress lines, then the verdict)
//! ```
//!
//! Everything arrives as an [`Event`] on one channel, so the loop never blocks on any one source:
//! a save during a check stops that check (its whole process group: cargo, rustc, the test) and
//! starts a new one; `q` quits even while a scenario hangs. What a key does is [`action`], a pure
//! function, tested below.
//!
//! The terminal is in raw mode (keys arrive one at a time, unechoed) from the start until the end,
//! and is restored on every way out: return, error, and panic (a hook restores it before the panic
//! message is printed, so the message is readable).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use cosmolab_lab_harness::LabInfo;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, terminal};
use notify::{EventKind, RecursiveMode};

use crate::check::{self, ScenarioOutput, Verdict};
use crate::cli::{Session, unix_now};
use crate::output;
use crate::reset;

/// Something the loop reacts to.
#[derive(Debug)]
enum Event {
    /// A key was pressed.
    Key(KeyEvent),
    /// A file of the lab's `src/` changed.
    Saved,
    /// Check number `id` moved on (`compiling lab-01-signing`).
    Progress { id: u64, line: String },
    /// Check number `id` finished.
    Done {
        id: u64,
        result: std::io::Result<ScenarioOutput>,
    },
    /// The terminal could not be read any more.
    InputGone(String),
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// `n`: move to the next lab (once this one passes).
    Next,
    /// `h`: show the hint.
    Hint,
    /// `l`: show the list of labs.
    List,
    /// `r`: ask whether to reset the lab.
    AskReset,
    /// `y` after `r`: reset it.
    Reset,
    /// Anything else after `r`: leave the files alone.
    KeepFiles,
    /// `c`: check again.
    Check,
    /// `q`, Esc, Ctrl-C, Ctrl-D: leave watch mode.
    Quit,
    /// A key that means nothing here.
    Nothing,
}

/// What `key` does; `confirming_reset` when the last key was `r`.
fn action(key: &KeyEvent, confirming_reset: bool) -> Action {
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    let letter = match key.code {
        KeyCode::Char(letter) => Some(letter.to_ascii_lowercase()),
        _ => None,
    };
    match (letter, key.code) {
        (Some('c' | 'd'), _) if control => Action::Quit,
        _ if confirming_reset => match letter {
            Some('y') => Action::Reset,
            _ => Action::KeepFiles,
        },
        (Some('q'), _) | (_, KeyCode::Esc) => Action::Quit,
        (Some('n'), _) => Action::Next,
        (Some('h'), _) => Action::Hint,
        (Some('l'), _) => Action::List,
        (Some('r'), _) => Action::AskReset,
        (Some('c'), _) => Action::Check,
        _ => Action::Nothing,
    }
}

/// How long to wait after a save for the next one (editors often write a file in several steps,
/// and "save all" writes several files) before checking once for all of them.
const SETTLE: Duration = Duration::from_millis(200);

/// Runs watch mode until the trainee quits.
pub(crate) fn run(session: &mut Session) -> Result<ExitCode> {
    let Some(lab) = session.course.current(&session.progress).cloned() else {
        // Nothing left to watch: say so and show the list rather than an empty screen.
        print!(
            "{}",
            output::list(session.paint, &session.course, &session.progress)
        );
        return Ok(ExitCode::SUCCESS);
    };
    let (sender, events) = mpsc::channel();
    let watcher = SourceWatcher::new(sender.clone())?;
    let _raw = RawMode::enter()?;
    spawn_key_reader(sender.clone());
    let mut watch = Watch {
        session,
        lab,
        sender,
        watcher,
        check_id: 0,
        running: None,
        last: None,
        confirming_reset: false,
        notice: None,
        quiet_until: None,
        // The explorer's emulator is a convenience: if it cannot start, watch mode still works.
        playground: crate::emulator::Playground::start().ok(),
    };
    watch.notice = watch
        .session
        .progress_warning
        .take()
        .map(|warning| format!("warning: {warning}"));
    watch.watcher.follow(&watch.src())?;
    watch.start_check();
    watch.event_loop(&events)
}

/// Watch mode's state.
struct Watch<'a> {
    session: &'a mut Session,
    /// The lab being watched.
    lab: LabInfo,
    sender: Sender<Event>,
    watcher: SourceWatcher,
    /// The number of the latest check; events of older ones are stale.
    check_id: u64,
    /// The process id of the check running now, to stop it.
    running: Option<u32>,
    /// The verdict of the latest check that finished.
    last: Option<Verdict>,
    /// Whether `r` was pressed and `y` is awaited.
    confirming_reset: bool,
    /// A line to show under the header on the next screen (after a reset, say).
    notice: Option<String>,
    /// The emulator with the explorer, for trying things by hand; stopped when watch mode ends.
    playground: Option<crate::emulator::Playground>,
    /// Saves before this instant are the runner's own (a reset restoring files), not the
    /// trainee's: they need no second check.
    quiet_until: Option<Instant>,
}

impl Watch<'_> {
    fn event_loop(&mut self, events: &Receiver<Event>) -> Result<ExitCode> {
        let mut save_settles_at: Option<Instant> = None;
        loop {
            let event = match save_settles_at {
                Some(deadline) => {
                    match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                        Ok(event) => event,
                        Err(RecvTimeoutError::Timeout) => {
                            save_settles_at = None;
                            self.start_check();
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
                None => match events.recv() {
                    Ok(event) => event,
                    Err(_) => break,
                },
            };
            match event {
                Event::Saved if self.quiet_until.is_some_and(|until| Instant::now() < until) => {}
                Event::Saved => save_settles_at = Some(Instant::now() + SETTLE),
                Event::Progress { id, line } if id == self.check_id => {
                    say(&format!("\r\x1b[2K  {line}…"));
                }
                Event::Done { id, result } if id == self.check_id => {
                    self.running = None;
                    self.finish_check(result);
                }
                Event::Progress { .. } | Event::Done { .. } => {}
                Event::InputGone(error) => {
                    self.stop_check();
                    anyhow::bail!("the terminal went away: {error}");
                }
                Event::Key(key) => {
                    let confirming = std::mem::take(&mut self.confirming_reset);
                    match action(&key, confirming) {
                        Action::Quit => break,
                        Action::Check => self.start_check(),
                        Action::Hint => {
                            say(&format!(
                                "\r\x1b[2K\n{}",
                                output::hint(self.session.paint, &self.session.course, &self.lab)
                            ));
                            self.show_keys();
                        }
                        Action::List => {
                            say(&format!(
                                "\r\x1b[2K\n{}",
                                output::list(
                                    self.session.paint,
                                    &self.session.course,
                                    &self.session.progress
                                )
                            ));
                            self.show_keys();
                        }
                        Action::Next => self.next_lab()?,
                        Action::AskReset => self.ask_reset(),
                        Action::Reset => self.reset(),
                        Action::KeepFiles => {
                            say("\r\x1b[2KNot reset: your files are as they were.\n");
                            self.show_keys();
                        }
                        Action::Nothing => {}
                    }
                }
            }
        }
        self.stop_check();
        say("\r\x1b[2K\nSee you soon: `cargo lab` carries on where you left off.\n");
        Ok(ExitCode::SUCCESS)
    }

    /// The watched lab's `src/`.
    fn src(&self) -> PathBuf {
        self.lab.lab_dir(&self.session.course.root).join("src")
    }

    /// Clears the screen, draws the header and starts checking the lab on a thread, stopping the
    /// check already running if there is one.
    fn start_check(&mut self) {
        self.stop_check();
        self.check_id += 1;
        self.last = None;
        let id = self.check_id;
        let course = &self.session.course;
        let done = course
            .catalog
            .labs
            .iter()
            .filter(|lab| self.session.progress.is_done(&lab.name))
            .count();
        clear_screen();
        say(&format!(
            "{}\nwatching {}/ · {done} of {} labs done · save a file to check again\n\n",
            self.session
                .paint
                .bold(&format!("cosmolab · {}", output::lab_name(&self.lab))),
            course.relative(&self.src()),
            course.catalog.labs.len(),
        ));
        if let Some(playground) = &self.playground {
            say(&format!("{}\n\n", playground.notice()));
        }
        if let Some(notice) = self.notice.take() {
            say(&format!("{notice}\n\n"));
        }
        say(&format!(
            "{}\n",
            output::checking(self.session.paint, &self.lab)
        ));
        match check::spawn(&course.root, &self.lab.lab_package(), true) {
            Ok(child) => {
                self.running = Some(child.id());
                let sender = self.sender.clone();
                std::thread::spawn(move || {
                    let progress_sender = sender.clone();
                    let result = check::collect(child, &mut |line| {
                        let _ = progress_sender.send(Event::Progress {
                            id,
                            line: line.to_owned(),
                        });
                    });
                    let _ = sender.send(Event::Done { id, result });
                });
            }
            Err(error) => {
                say(&format!("could not run cargo: {error}\n"));
                self.show_keys();
            }
        }
    }

    /// Stops the running check, if any.
    fn stop_check(&mut self) {
        if let Some(pid) = self.running.take() {
            check::stop(pid);
        }
    }

    /// Shows a finished check's verdict, and records it.
    fn finish_check(&mut self, result: std::io::Result<ScenarioOutput>) {
        say("\r\x1b[2K\n");
        let output = match result {
            Ok(output) => output,
            Err(error) => {
                say(&format!("could not read cargo's output: {error}\n"));
                self.show_keys();
                return;
            }
        };
        let verdict = check::classify(&output);
        say(&output::verdict(self.session.paint, &self.lab, &verdict));
        self.session.record(&self.lab, &verdict);
        if verdict.passed() {
            let next = self
                .session
                .course
                .next_after(&self.lab, &self.session.progress);
            say(&match next {
                Some(next) => format!("\nNext: {} — press n.\n", output::lab_name(next)),
                None => "\nThat was the last lab left to do here. Well done!\n".to_owned(),
            });
        }
        self.last = Some(verdict);
        self.show_keys();
    }

    /// The keys line, under whatever was shown last.
    fn show_keys(&self) {
        let passed = self.last.as_ref().is_some_and(Verdict::passed);
        let next = if passed { "n next lab · " } else { "" };
        say(&format!(
            "\n{}\n",
            self.session.paint.bold(&format!(
                "{next}h hint · l list · r reset · c check again · q quit"
            ))
        ));
    }

    /// `n`: the next lab not done, once this one passes.
    fn next_lab(&mut self) -> Result<()> {
        if !self.last.as_ref().is_some_and(Verdict::passed) {
            say(&format!(
                "\r\x1b[2Kn moves on once lab {} passes. Stuck? h shows the hint.\n",
                self.lab.number
            ));
            return Ok(());
        }
        let Some(next) = self
            .session
            .course
            .next_after(&self.lab, &self.session.progress)
            .cloned()
        else {
            say("\r\x1b[2KEvery lab in this checkout is done: nothing to move on to.\n");
            return Ok(());
        };
        self.session.progress.current = Some(next.name.clone());
        self.session.save();
        self.lab = next;
        self.watcher.follow(&self.src())?;
        self.start_check();
        Ok(())
    }

    /// `r`: checks a reset is possible, then asks.
    fn ask_reset(&mut self) {
        if let Err(error) = reset::can_reset(&self.session.course.root, &self.lab) {
            say(&format!("\r\x1b[2Kcannot reset: {error:#}\n"));
            return;
        }
        say(&format!(
            "\r\x1b[2KReset {}? Your files in {}/ are backed up to .cosmolab/backups/ first. \
             y: reset · any other key: keep them\n",
            output::lab_name(&self.lab),
            self.session.course.relative(&self.src()),
        ));
        self.confirming_reset = true;
    }

    /// `y` after `r`: back up, restore from git, mark not done, check again.
    fn reset(&mut self) {
        self.stop_check();
        match reset::reset(&self.session.course.root, &self.lab, unix_now()) {
            Ok(done) => {
                self.quiet_until = Some(Instant::now() + Duration::from_secs(1));
                self.session.progress.record(&self.lab.name, false);
                self.session.save();
                self.notice = Some(format!(
                    "{} is as shipped again; your files are in {}/.",
                    output::lab_name(&self.lab),
                    done.backup.join("src").display()
                ));
                self.start_check();
            }
            Err(error) => {
                say(&format!("\r\x1b[2Kthe reset failed: {error:#}\n"));
                self.show_keys();
            }
        }
    }
}

/// Prints in raw mode, where a line feed does not return the carriage by itself.
fn say(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.replace("\r\n", "\n").replace('\n', "\r\n").as_bytes());
    let _ = stdout.flush();
}

fn clear_screen() {
    let _ = crossterm::execute!(
        std::io::stdout(),
        terminal::Clear(terminal::ClearType::All),
        cursor::MoveTo(0, 0)
    );
}

/// Reads keys on a thread for as long as the process lives.
fn spawn_key_reader(sender: Sender<Event>) {
    std::thread::spawn(move || {
        loop {
            match crossterm::event::read() {
                Ok(crossterm::event::Event::Key(key)) if key.kind == KeyEventKind::Press => {
                    if sender.send(Event::Key(key)).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    let _ = sender.send(Event::InputGone(error.to_string()));
                    return;
                }
            }
        }
    });
}

/// The terminal in raw mode while this lives.
struct RawMode;

impl RawMode {
    fn enter() -> Result<Self> {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = Arc::new(std::panic::take_hook());
            std::panic::set_hook(Box::new(move |panic| {
                let _ = terminal::disable_raw_mode();
                previous(panic);
            }));
        });
        terminal::enable_raw_mode().context("could not put the terminal in raw mode")?;
        Ok(Self)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Watches one lab's `src/` and sends [`Event::Saved`] when a Rust file in it changes.
struct SourceWatcher {
    watcher: Box<dyn notify::Watcher + Send>,
    watching: Option<PathBuf>,
}

impl SourceWatcher {
    /// The system's file events where they work; polling every second where they do not (some
    /// network and container file systems).
    fn new(sender: Sender<Event>) -> Result<Self> {
        let handler = move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && is_a_save(&event)
            {
                let _ = sender.send(Event::Saved);
            }
        };
        let watcher: Box<dyn notify::Watcher + Send> =
            match notify::recommended_watcher(handler.clone()) {
                Ok(watcher) => Box::new(watcher),
                Err(_) => Box::new(
                    notify::PollWatcher::new(
                        handler,
                        notify::Config::default().with_poll_interval(Duration::from_secs(1)),
                    )
                    .context("could not watch the lab's files")?,
                ),
            };
        Ok(Self {
            watcher,
            watching: None,
        })
    }

    /// Watches `dir` (and no longer the folder watched before).
    fn follow(&mut self, dir: &Path) -> Result<()> {
        if let Some(old) = self.watching.take() {
            let _ = self.watcher.unwatch(&old);
        }
        self.watcher
            .watch(dir, RecursiveMode::Recursive)
            .with_context(|| format!("could not watch {}", dir.display()))?;
        self.watching = Some(dir.to_path_buf());
        Ok(())
    }
}

/// Whether a file event is a Rust file being written, created or removed. Reads are not: cargo
/// and rustc read the files at every check, and reacting to that would check forever. Neither are
/// metadata changes, nor editors' swap and backup files.
fn is_a_save(event: &notify::Event) -> bool {
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    let writes = match event.kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        _ => false,
    };
    writes
        && event
            .paths
            .iter()
            .any(|path| path.extension().is_some_and(|extension| extension == "rs"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, AccessMode, CreateKind, DataChange, MetadataKind, ModifyKind};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    /// Each key does what the keys line says; Ctrl-C quits, as a trainee expects it to.
    #[test]
    fn keys_map_to_actions() {
        let cases = [
            (key(KeyCode::Char('n')), Action::Next),
            (key(KeyCode::Char('h')), Action::Hint),
            (key(KeyCode::Char('H')), Action::Hint),
            (key(KeyCode::Char('l')), Action::List),
            (key(KeyCode::Char('r')), Action::AskReset),
            (key(KeyCode::Char('c')), Action::Check),
            (key(KeyCode::Char('q')), Action::Quit),
            (key(KeyCode::Esc), Action::Quit),
            (key(KeyCode::Char('x')), Action::Nothing),
            (key(KeyCode::Enter), Action::Nothing),
            (
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Action::Quit,
            ),
        ];
        for (pressed, expected) in cases {
            assert_eq!(action(&pressed, false), expected, "{pressed:?}");
        }
    }

    /// After `r`, only `y` resets; any other key keeps the files, and Ctrl-C still quits.
    #[test]
    fn a_reset_needs_a_yes() {
        assert_eq!(action(&key(KeyCode::Char('y')), true), Action::Reset);
        assert_eq!(action(&key(KeyCode::Char('Y')), true), Action::Reset);
        assert_eq!(action(&key(KeyCode::Char('n')), true), Action::KeepFiles);
        assert_eq!(action(&key(KeyCode::Char('q')), true), Action::KeepFiles);
        assert_eq!(action(&key(KeyCode::Enter), true), Action::KeepFiles);
        let control_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action(&control_c, true), Action::Quit);
    }

    fn event(kind: EventKind, path: &str) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from(path))
    }

    /// Writing a Rust file is a save; reading one (as rustc does) or touching another is not.
    #[test]
    fn only_writes_to_rust_files_are_saves() {
        let data = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        assert!(is_a_save(&event(data, "/l/src/lib.rs")));
        assert!(is_a_save(&event(
            EventKind::Create(CreateKind::File),
            "/l/src/new.rs"
        )));
        assert!(is_a_save(&event(
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            "/l/src/lib.rs"
        )));
        assert!(!is_a_save(&event(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            "/l/src/lib.rs"
        )));
        assert!(!is_a_save(&event(
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            "/l/src/lib.rs"
        )));
        assert!(!is_a_save(&event(
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
            "/l/src/lib.rs"
        )));
        assert!(!is_a_save(&event(data, "/l/src/.lib.rs.swp")));
        assert!(!is_a_save(&event(data, "/l/src/4913")));
    }
}

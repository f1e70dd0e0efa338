//! # cosmolab-lab-harness — what every lab's scenario test runs on
//!
//! Each lab of the course (`labs/NN-name`, with its finished twin in `solutions/NN-name`) is graded
//! by **one** scenario test, `labs/NN-name/tests/scenario.rs`, compiled into both crates. The test
//! plays a story against a Cosmos DB endpoint — "the back-end creates a user, grants it a partition,
//! the phone app reads its own orders and is refused the neighbour's" — calling the trainee's code
//! at each step, and writes down what happened in a [`Transcript`]. The transcript is compared with
//! the one the solution produced, committed as an insta snapshot next to the test.
//!
//! ```text
//!  scenario.rs                         this crate                          the endpoint
//!  ───────────                         ──────────                          ────────────
//!  Lab::start("03-resource-tokens") ─▶ target from COSMOLAB_TARGET ──────▶ embedded emulator,
//!                                                                          container or account
//!  t.request("read bob's order",    ─▶ run the step (the trainee's code)─▶ 403 + deny reason
//!            app.read_item(..))        record status, message, reason,
//!                                      body; redact rids, dates, tokens
//!  lab.finish(t)                    ─▶ compare with tests/snapshots/transcript.snap
//!                                      same: pass (insta has the last word)
//!                                      different: the first step that differs, what the emulator
//!                                      refused and why, and the lab's hint
//! ```
//!
//! A step that reaches one of the lab's `todo!` markers is reported as "your next TODO is at
//! `labs/…/src/lib.rs:42`", not as a bare panic. Every report also prints one machine-readable
//! line, `cosmolab-lab: first failing step: N <title>`, which `cargo lab` and `cargo xtask grade`
//! read.
//!
//! | module | what it holds |
//! |---|---|
//! | [`catalog`] | `labs/info.toml`: the labs, their titles, seeds and hints |
//! | [`target`] | [`Lab`]: the endpoint the scenario runs against (embedded, container, account), and its keys |
//! | [`container`] | the container target: an emulator image started with testcontainers |
//! | `tls_proxy` | plain http on loopback in front of an emulator that only speaks https |
//! | [`admin`] | [`AccountAdmin`]: the account's management plane (list and regenerate keys, the emulator's clock) |
//! | [`transcript`] | [`Transcript`] and [`Outcome`]: what happened, step by step |
//! | [`redact`] | what differs between runs, and is replaced before comparing |
//! | [`report`] | the snapshot check and the report a trainee reads |

pub mod admin;
pub mod catalog;
#[cfg(feature = "container")]
pub mod container;
pub mod redact;
pub mod report;
pub mod target;
#[cfg(feature = "container")]
mod tls_proxy;
pub mod transcript;

pub use admin::{AccountAdmin, AdminError, RegisteredApplication};
pub use catalog::{Catalog, LabInfo, Need};
pub use cosmolab_emulator::{KeyKind, KeyList};
pub use report::{first_failing_step, skipped_reason, trainee_report};
pub use target::{Lab, RunningTarget, ServiceClock, Target};
pub use transcript::{HttpReply, Outcome, Transcript};

/// The prefix of the lines that `cargo lab` and `cargo xtask grade` read from a test's output.
pub const MACHINE_LINE_PREFIX: &str = "cosmolab-lab:";

//! `cargo lab` — the trainee's runner for the cosmolab labs (see the library's docs).
//!
//! Run with: `cargo lab` (watch mode), or `cargo lab --help` for every command.

fn main() -> std::process::ExitCode {
    cosmolab_lab_runner::run(std::env::args_os())
}

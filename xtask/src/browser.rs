//! The browser the `explorer in a browser` CI step needs: Debian's Chromium and its WebDriver.
//!
//! `tests/explorer-browser` drives the emulator's explorer in a real headless Chromium through
//! `chromedriver`, the WebDriver server that comes with it. Neither is a Rust crate, so cargo
//! cannot fetch them; [`ensure_chromium`] does, once per machine, the way CI's own machine gets
//! every other system package: with `apt-get`, from Debian's archive. Debian builds `chromium` and
//! `chromium-driver` from the same source, so the two always have the same version, which
//! chromedriver insists on (a driver refuses a browser of another major version).
//!
//! A machine where they cannot be installed **fails** the step with the command to run by hand:
//! skipping would let CI go green without the explorer ever having been opened in a browser.

use std::process::Command;

use anyhow::{Result, bail};

use crate::process;

/// Where Debian puts the browser. It must match `CHROMIUM` in `tests/explorer-browser/src/lib.rs`,
/// which looks only there.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The WebDriver server: first as found on `PATH`, then where Debian's `chromium-driver` puts it
/// (the same order as `tests/explorer-browser/src/lib.rs`).
const CHROMEDRIVER: [&str; 2] = ["chromedriver", "/usr/bin/chromedriver"];

/// The Debian packages that provide [`CHROMIUM`] and [`CHROMEDRIVER`].
const PACKAGES: [&str; 2] = ["chromium", "chromium-driver"];

/// What to do by hand when we cannot install the browser ourselves, said once for every message.
const INSTALL_BY_HAND: &str = "install Chromium and its WebDriver yourself (Debian/Ubuntu: \
                               `sudo apt-get install -y chromium chromium-driver`), so that \
                               /usr/bin/chromium and chromedriver (on PATH or in /usr/bin) run, \
                               then run `cargo xtask ci` again";

/// Makes sure Chromium and chromedriver are installed, installing them with `apt-get` if they are
/// not.
pub(crate) fn ensure_chromium() -> Result<()> {
    if let Some(versions) = installed() {
        println!("{versions}");
        return Ok(());
    }
    if !apt_get_available() {
        bail!(
            "Chromium or chromedriver is missing and apt-get is not available; {INSTALL_BY_HAND}"
        );
    }
    println!(
        "Chromium or chromedriver is missing, and the explorer's browser tests need both. \
         Installing {} with apt-get now, once for this machine.",
        PACKAGES.join(" and ")
    );

    let install = apt_get(&["install", "-y"])?;
    if !install.status.success() {
        // A fresh machine (a Docker image, a new CI runner) ships without package lists, and then
        // apt knows no package at all. Only then is `apt-get update` worth its minute.
        if !lacks_package_lists(&install.output) {
            bail!("`apt-get install` failed (above); {INSTALL_BY_HAND}");
        }
        println!("apt-get has no package lists on this machine; updating them, then trying again.");
        if !apt_get(&["update"])?.status.success() {
            bail!("`apt-get update` failed (above); check the network, or {INSTALL_BY_HAND}");
        }
        if !apt_get(&["install", "-y"])?.status.success() {
            bail!("`apt-get install` failed (above); {INSTALL_BY_HAND}");
        }
    }

    // apt-get succeeding is not the goal: both programs running from where the tests look is.
    match installed() {
        Some(versions) => {
            println!("{versions}");
            Ok(())
        }
        None => bail!(
            "apt-get installed {}, but {CHROMIUM} or chromedriver still does not run; \
             {INSTALL_BY_HAND}",
            PACKAGES.join(" and ")
        ),
    }
}

/// Both programs' versions, one line each, if both are installed and start.
fn installed() -> Option<String> {
    let chromium = version(CHROMIUM)?;
    let chromedriver = CHROMEDRIVER.into_iter().find_map(version)?;
    Some(format!("{chromium}\n{chromedriver}"))
}

/// What `program --version` prints, if the program exists and runs (`Chromium 120.0…`).
///
/// Running it, rather than checking that the file exists, also catches a browser that is installed
/// but cannot start, such as one missing a shared library.
fn version(program: &str) -> Option<String> {
    let output = process::run_quietly(Command::new(program).arg("--version")).ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Whether this is a Debian-like system where we know how to install the packages.
fn apt_get_available() -> bool {
    process::run_quietly(Command::new("apt-get").arg("--version"))
        .is_ok_and(|output| output.status.success())
}

/// Runs `apt-get <args> chromium chromium-driver` (or `apt-get update`), shown as it goes.
///
/// apt needs root: as root (a CI container) it runs as is, otherwise through `sudo`, which may ask
/// for a password. `DEBIAN_FRONTEND=noninteractive` keeps a package's configuration from stopping
/// to ask questions nobody is there to answer.
fn apt_get(args: &[&str]) -> Result<process::Teed> {
    let mut command = if is_root() {
        let mut command = Command::new("apt-get");
        command.env("DEBIAN_FRONTEND", "noninteractive");
        command
    } else {
        // sudo resets the environment, so the variable is given to it as an argument instead.
        let mut command = Command::new("sudo");
        command.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        command
    };
    command.args(args);
    if args.first() == Some(&"install") {
        command.args(PACKAGES);
    }
    process::run_teed(&mut command)
}

/// Whether we run as root, by asking `id -u` (the standard library has no safe way to ask).
fn is_root() -> bool {
    process::run_quietly(Command::new("id").arg("-u"))
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// Whether apt-get failed because it has no package lists, rather than for another reason (no
/// network, a held package, a full disk): it then knows no package by that name at all.
fn lacks_package_lists(apt_output: &str) -> bool {
    apt_output.contains("Unable to locate package")
        || apt_output.contains("has no installation candidate")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine without package lists is recognised by apt's own words, so `apt-get update` runs
    /// only when it can help.
    #[test]
    fn missing_package_lists_are_recognised() {
        let without_lists = "Reading package lists... Done\nBuilding dependency tree... Done\n\
                             E: Unable to locate package chromium\n\
                             E: Unable to locate package chromium-driver\n";
        assert!(lacks_package_lists(without_lists));
        let no_network = "E: Failed to fetch http://mirror.example/debian/pool/main/c/chromium/\
                          chromium_120.deb  Temporary failure resolving 'mirror.example'\n";
        assert!(!lacks_package_lists(no_network));
    }

    /// The manual fix names both packages and says what to run afterwards.
    #[test]
    fn the_manual_fix_names_the_packages() {
        assert!(INSTALL_BY_HAND.contains("apt-get install -y chromium chromium-driver"));
        assert!(INSTALL_BY_HAND.contains("cargo xtask ci"));
    }
}

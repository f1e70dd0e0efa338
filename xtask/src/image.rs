//! `cargo xtask image`: the emulator's container image, built here from our own binary.
//!
//! No registry is reachable from the machines this course runs on, so no base image can be pulled.
//! The image is therefore `FROM scratch` (`crates/emulator/image/Dockerfile`) and holds one file:
//! the emulator, linked statically so that it needs no C library, no loader, nothing.
//!
//! 1. **Docker is there** ([`require_docker`]): `docker version` reaches the engine, or we stop with
//!    what to do.
//! 2. **A static binary** ([`build_static_binary`]): `cargo build --profile image --target <host>`
//!    with `-C target-feature=+crt-static`. Naming the target explicitly keeps that flag away from
//!    build scripts and proc macros, which must stay dynamic. [`is_statically_linked`] checks the
//!    result: an ELF file that asks for a program interpreter would not start in an empty image.
//! 3. **A build context** ([`stage_context`]) under `<target>/image/context`: the Dockerfile, the
//!    binary, and an empty `tmp/` that becomes the image's `/tmp` (owned by `nobody`, who runs the
//!    emulator).
//! 4. **`docker build`**, tagged `cosmolab-emulator:<version>` and `cosmolab-emulator:dev`; the
//!    container targets of the labs and the SDK tests use `:dev`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::process::{self, cargo, project_root};

/// The image's repository name.
pub(crate) const IMAGE_NAME: &str = "cosmolab-emulator";

/// The tag the tests run: always the image built last.
pub(crate) const DEV_IMAGE: &str = "cosmolab-emulator:dev";

/// The Dockerfile, relative to the workspace root.
const DOCKERFILE: &str = "crates/emulator/image/Dockerfile";

/// What `cargo xtask image` produced.
#[derive(Debug)]
pub(crate) struct BuiltImage {
    /// Both tags: `cosmolab-emulator:<version>` and [`DEV_IMAGE`].
    pub(crate) tags: [String; 2],
    /// The image's size as Docker reports it.
    pub(crate) size_bytes: u64,
}

/// Builds the image, printing each stage, and returns its tags and size.
pub(crate) fn build() -> Result<BuiltImage> {
    require_docker()?;
    println!("building the emulator as a static binary (profile `image`)…");
    let binary = build_static_binary()?;
    if !is_statically_linked(
        &fs::read(&binary).with_context(|| format!("reading {}", binary.display()))?,
    )? {
        bail!(
            "{} is dynamically linked, so it cannot run in a `FROM scratch` image; a dependency \
             probably refused `+crt-static` (see ../shared/docs/container-notes.md for the \
             `docker import` alternative)",
            binary.display()
        );
    }
    let context = stage_context(&binary)?;
    let version = env!("CARGO_PKG_VERSION");
    let tags = [format!("{IMAGE_NAME}:{version}"), DEV_IMAGE.to_owned()];
    println!("building the image {} from {}…", tags[0], context.display());
    let mut docker = Command::new("docker");
    docker
        .args(["build", "--quiet", "--build-arg"])
        .arg(format!("VERSION={version}"))
        .args(["--tag", &tags[0], "--tag", &tags[1]])
        .arg(&context);
    let status = process::run(&mut docker)?;
    if !status.success() {
        bail!(
            "`docker build` failed (above); the context is in {}, rerun it by hand with \
             `docker build {}`",
            context.display(),
            context.display()
        );
    }
    let size_bytes = image_size(&tags[1])?;
    println!(
        "built {} and {} ({:.1} MB); run it with `docker run --rm -p 8081:8081 {}`",
        tags[0],
        tags[1],
        size_bytes as f64 / 1e6,
        tags[1]
    );
    Ok(BuiltImage { tags, size_bytes })
}

/// Fails with the fix unless the Docker engine answers.
pub(crate) fn require_docker() -> Result<()> {
    let mut probe = Command::new("docker");
    probe.args(["version", "--format", "{{.Server.Version}}"]);
    let output = process::run_quietly(&mut probe).map_err(|_| {
        anyhow::anyhow!(
            "the `docker` command is not installed, and the emulator image and the container \
             target need it: install Docker Engine (Debian/Ubuntu: `apt-get install docker.io`), \
             start it (`systemctl start docker`) and run this again"
        )
    })?;
    if !output.status.success() {
        bail!(
            "Docker is installed but its engine does not answer ({}): start it with `systemctl \
             start docker`, or give your user access to it (`usermod -aG docker $USER`, then log \
             in again), and run this again",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Where [`build`] leaves the static binary (for `bench container`'s baseline).
pub(crate) fn static_binary_path() -> Result<PathBuf> {
    Ok(process::target_dir()?
        .join(host_target()?)
        .join("image")
        .join("cosmolab-emulator"))
}

/// `cargo build` of the emulator for the host's own target, statically linked; returns its path.
fn build_static_binary() -> Result<PathBuf> {
    if !cfg!(target_os = "linux") {
        bail!(
            "the image holds a Linux binary, and this machine is not Linux: build the image on \
             Linux (or in a Linux VM)"
        );
    }
    let target = host_target()?;
    // Added to what the user already has, rather than replacing it.
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(flags) if !flags.trim().is_empty() => format!("{flags} -C target-feature=+crt-static"),
        _ => "-C target-feature=+crt-static".to_owned(),
    };
    let mut build = cargo([
        "build",
        "--profile",
        "image",
        "--target",
        &target,
        "-p",
        "cosmolab-emulator",
        "--bin",
        "cosmolab-emulator",
    ]);
    build.env("RUSTFLAGS", rustflags);
    let status = process::run(&mut build)?;
    if !status.success() {
        bail!(
            "the static emulator binary did not build (above); a glibc static build needs the C \
             library's static archives (Debian/Ubuntu: `apt-get install libc6-dev`)"
        );
    }
    let binary = static_binary_path()?;
    if !binary.is_file() {
        bail!(
            "cargo built the emulator, but {} does not exist",
            binary.display()
        );
    }
    Ok(binary)
}

/// The host's target triple, from `rustc -vV` (e.g. `x86_64-unknown-linux-gnu`).
fn host_target() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = process::run_quietly(Command::new(rustc).arg("-vV"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .context("`rustc -vV` printed no `host:` line")
}

/// Whether an ELF executable runs without a dynamic loader: it has no `PT_INTERP` program header.
///
/// A static-pie binary is still `ET_DYN`, so the file type says nothing; the interpreter does.
fn is_statically_linked(elf: &[u8]) -> Result<bool> {
    const PT_INTERP: u32 = 3;
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 || elf[5] != 1 {
        bail!("not a 64-bit little-endian ELF file");
    }
    let u16_at = |at: usize| u16::from_le_bytes([elf[at], elf[at + 1]]);
    let program_headers = u64::from_le_bytes(elf[0x20..0x28].try_into()?) as usize;
    let entry_size = usize::from(u16_at(0x36));
    let entries = usize::from(u16_at(0x38));
    for index in 0..entries {
        let at = program_headers + index * entry_size;
        let Some(kind) = elf.get(at..at + 4) else {
            bail!("the ELF program headers run past the end of the file");
        };
        if u32::from_le_bytes(kind.try_into()?) == PT_INTERP {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes the build context: the Dockerfile, the binary, and the empty `/tmp` to be.
fn stage_context(binary: &Path) -> Result<PathBuf> {
    let context = process::target_dir()?.join("image").join("context");
    if context.exists() {
        fs::remove_dir_all(&context)
            .with_context(|| format!("clearing the old context {}", context.display()))?;
    }
    let tmp = context.join("tmp");
    fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    fs::copy(project_root().join(DOCKERFILE), context.join("Dockerfile"))
        .with_context(|| format!("copying {DOCKERFILE}"))?;
    fs::copy(binary, context.join("cosmolab-emulator"))
        .with_context(|| format!("copying {}", binary.display()))?;
    Ok(context)
}

/// The image's size in bytes, from `docker image inspect`.
pub(crate) fn image_size(image: &str) -> Result<u64> {
    let mut inspect = Command::new("docker");
    inspect.args(["image", "inspect", "--format", "{{.Size}}", image]);
    let output = process::run_quietly(&mut inspect)?;
    if !output.status.success() {
        bail!(
            "`docker image inspect {image}` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .with_context(|| format!("reading the size of {image}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest ELF64 header with `count` program headers of the given types.
    fn elf_with_program_headers(types: &[u32]) -> Vec<u8> {
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2; // 64-bit
        elf[5] = 1; // little-endian
        elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&(types.len() as u16).to_le_bytes());
        for kind in types {
            let mut header = vec![0u8; 56];
            header[..4].copy_from_slice(&kind.to_le_bytes());
            elf.extend(header);
        }
        elf
    }

    #[test]
    fn a_binary_with_an_interpreter_is_dynamic() {
        // PT_PHDR, PT_INTERP, PT_LOAD: what `cargo build` produces without +crt-static.
        let dynamic = elf_with_program_headers(&[6, 3, 1]);
        assert!(!is_statically_linked(&dynamic).unwrap());
    }

    #[test]
    fn a_binary_without_an_interpreter_is_static() {
        // PT_LOAD, PT_DYNAMIC, PT_TLS: a static-pie binary still has a dynamic section.
        let static_pie = elf_with_program_headers(&[1, 2, 7]);
        assert!(is_statically_linked(&static_pie).unwrap());
    }

    #[test]
    fn what_is_not_elf_is_an_error() {
        assert!(is_statically_linked(b"#!/bin/sh\necho hi\n").is_err());
        let mut truncated = elf_with_program_headers(&[1]);
        truncated.truncate(66);
        assert!(is_statically_linked(&truncated).is_err());
    }

    /// The real thing: this very test binary is dynamically linked (cargo's default).
    #[test]
    #[cfg(target_os = "linux")]
    fn this_test_binary_is_dynamic() {
        let me = fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(!is_statically_linked(&me).unwrap());
    }
}

//! `cargo xtask bench <name>` — run a benchmark and report it against its goal.
//!
//! Benchmarks are **reported, never asserted**: timings depend on the machine and on what else it is
//! doing, so a missed goal is printed as a clear verdict for a person to judge, and the command still
//! succeeds. It fails only when the benchmark itself cannot be built or run, or leaves no results.
//!
//! Each benchmark is one function here that runs `cargo bench` for its crate, reads criterion's
//! results (see [`crate::criterion`]) and prints them. Goals are mostly ratios against a baseline
//! measured in the same run ("our signing costs at most 1.3× a bare HMAC"), because a ratio means the
//! same on a laptop and on a CI machine while absolute times do not; [`ratio_report`] prints them all
//! the same way.

use anyhow::{Result, bail};
use clap::ValueEnum;

use crate::criterion::{self, Measurement};
use crate::process::{self, cargo};

/// The benchmarks `cargo xtask bench` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Bench {
    /// Request signing: cosmolab's signature against a bare HMAC-SHA256 (goal: ratio ≤ 1.3).
    Signing,
    /// Every benchmark, one after the other.
    All,
}

/// One benchmark: its name on the command line and the function that runs and reports it.
struct Benchmark {
    /// The name `cargo xtask bench` takes.
    name: &'static str,
    /// Runs the benchmark and prints its report; an `Err` means it could not run.
    run: fn() -> Result<()>,
}

/// Every benchmark that `all` runs, in order.
///
/// Later issues add theirs here (and a variant to [`Bench`]): `emulator`, `labs`, `container` and
/// `load`.
const BENCHMARKS: &[Benchmark] = &[Benchmark {
    name: "signing",
    run: signing,
}];

/// Runs the chosen benchmark, or all of them.
pub(crate) fn run(bench: Bench) -> Result<()> {
    match bench {
        Bench::Signing => signing(),
        Bench::All => {
            // Like `cargo xtask ci`, keep going after a benchmark that cannot run, then say which.
            let mut failed = Vec::new();
            for benchmark in BENCHMARKS {
                println!("\n== bench {}", benchmark.name);
                if let Err(error) = (benchmark.run)() {
                    eprintln!("error: bench {}: {error:#}", benchmark.name);
                    failed.push(benchmark.name);
                }
            }
            if !failed.is_empty() {
                bail!("these benchmarks could not run: {}", failed.join(", "));
            }
            Ok(())
        }
    }
}

/// The signing benchmark of `cosmolab-auth-signing`.
///
/// Its criterion group `signing` measures three functions: `cosmolab_sign`, signing a request with
/// cosmolab's own code; `bare_hmac_sha256`, only the HMAC-SHA256 that any implementation must pay
/// for (keyed on every call); and `bare_hmac_sha256_prekeyed`, the same HMAC from an already keyed
/// state. The goal is judged against the bare HMAC; the pre-keyed ratio is printed too, so that our
/// own key caching cannot hide what string building and encoding cost.
fn signing() -> Result<()> {
    let status = process::run(&mut cargo([
        "bench",
        "-p",
        "cosmolab-auth-signing",
        "--bench",
        "signing",
    ]))?;
    if !status.success() {
        bail!(
            "the signing benchmark did not run to the end (see cargo's output above); reproduce with \
             `cargo bench -p cosmolab-auth-signing --bench signing`"
        );
    }

    let target_dir = process::target_dir()?;
    let ours = criterion::read_mean(&target_dir, "signing", "cosmolab_sign")?;
    let bare = criterion::read_mean(&target_dir, "signing", "bare_hmac_sha256")?;
    let prekeyed = criterion::read_mean(&target_dir, "signing", "bare_hmac_sha256_prekeyed")?;
    println!("\nsigning benchmark (mean time per signature)");
    print!("{}", ratio_report(&ours, &bare, 1.3));
    println!("\nfor information, against an HMAC that is already keyed (no goal):");
    let ratio = ours.mean_ns / prekeyed.mean_ns;
    println!(
        "  {} {:.0} ns, ratio {ratio:.2}",
        prekeyed.name, prekeyed.mean_ns
    );
    Ok(())
}

/// Describes `numerator / denominator` against the goal "at most `goal`", ending with a verdict line.
///
/// ```text
///   cosmolab_sign         1.22 µs
///   bare_hmac_sha256      1.01 µs
///   ratio cosmolab_sign / bare_hmac_sha256 = 1.21 (goal ≤ 1.3)
/// verdict: goal met (1.21 ≤ 1.3)
/// ```
pub(crate) fn ratio_report(
    numerator: &Measurement,
    denominator: &Measurement,
    goal: f64,
) -> String {
    let width = numerator.name.len().max(denominator.name.len());
    let mut report = String::new();
    for measurement in [numerator, denominator] {
        report.push_str(&format!(
            "  {:<width$}  {:>10}\n",
            measurement.name,
            human_time(measurement.mean_ns)
        ));
    }

    let ratio = numerator.mean_ns / denominator.mean_ns;
    // A zero or missing baseline gives an infinite or NaN ratio; say so rather than print `inf`.
    if !ratio.is_finite() || denominator.mean_ns <= 0.0 {
        report.push_str(&format!(
            "verdict: cannot compare: {} measured {} ns\n",
            denominator.name, denominator.mean_ns
        ));
        return report;
    }
    report.push_str(&format!(
        "  ratio {} / {} = {ratio:.2} (goal ≤ {goal})\n",
        numerator.name, denominator.name
    ));
    if ratio <= goal {
        report.push_str(&format!("verdict: goal met ({ratio:.2} ≤ {goal})\n"));
    } else {
        report.push_str(&format!(
            "verdict: goal MISSED ({ratio:.2} > {goal}); reported, not a failure\n"
        ));
    }
    report
}

/// A time in nanoseconds, in the unit that keeps 3 significant digits readable (`812 ns`, `1.22 µs`).
fn human_time(ns: f64) -> String {
    match ns {
        ns if ns < 1e3 => format!("{ns:.0} ns"),
        ns if ns < 1e6 => format!("{:.2} µs", ns / 1e3),
        ns if ns < 1e9 => format!("{:.2} ms", ns / 1e6),
        ns => format!("{:.2} s", ns / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A measurement for the tests.
    fn measured(name: &str, mean_ns: f64) -> Measurement {
        Measurement {
            name: name.to_owned(),
            mean_ns,
        }
    }

    /// A ratio within the goal shows both times, the ratio, and a verdict line saying the goal is met.
    #[test]
    fn ratio_within_goal_is_met() {
        let report = ratio_report(
            &measured("cosmolab_sign", 1210.0),
            &measured("bare_hmac_sha256", 1000.0),
            1.3,
        );
        assert!(report.contains("1.21 µs") && report.contains("1.00 µs"));
        assert!(report.contains("ratio cosmolab_sign / bare_hmac_sha256 = 1.21 (goal ≤ 1.3)"));
        assert_eq!(
            report.lines().last(),
            Some("verdict: goal met (1.21 ≤ 1.3)")
        );
    }

    /// A ratio above the goal is reported as missed, and as not being a failure.
    #[test]
    fn ratio_above_goal_is_missed() {
        let report = ratio_report(&measured("ours", 1500.0), &measured("bare", 1000.0), 1.3);
        assert_eq!(
            report.lines().last(),
            Some("verdict: goal MISSED (1.50 > 1.3); reported, not a failure")
        );
    }

    /// A zero baseline cannot be compared against, and the verdict says so instead of printing `inf`.
    #[test]
    fn zero_baseline_cannot_be_compared() {
        let report = ratio_report(&measured("ours", 1500.0), &measured("bare", 0.0), 1.3);
        assert_eq!(
            report.lines().last(),
            Some("verdict: cannot compare: bare measured 0 ns")
        );
    }

    /// Times are shown in ns, µs, ms or s, whichever keeps the number short.
    #[test]
    fn times_use_a_readable_unit() {
        assert_eq!(human_time(812.4), "812 ns");
        assert_eq!(human_time(1_219.3), "1.22 µs");
        assert_eq!(human_time(4_560_000.0), "4.56 ms");
        assert_eq!(human_time(2_000_000_000.0), "2.00 s");
    }
}

//! Reading criterion's results back after `cargo bench`.
//!
//! criterion prints its measurements for people, but also writes them as JSON under the target
//! directory, one folder per benchmark:
//!
//! ```text
//! <target-dir>/criterion/<group>/<function>/new/estimates.json
//! ```
//!
//! `new/` holds the latest run (`base/` is the previous one, kept for criterion's own comparisons).
//! Each `estimates.json` has the statistics criterion computed; we only need the mean, in
//! nanoseconds per iteration:
//!
//! ```json
//! { "mean": { "point_estimate": 1234.5, "standard_error": 2.1, "confidence_interval": { … } }, … }
//! ```
//!
//! Reading these files, rather than scraping criterion's terminal output, gives exact numbers and
//! keeps working when criterion changes how it prints.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// One benchmark's result: its name and its mean time per iteration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measurement {
    /// The benchmark function's name, as given to criterion (`cosmolab_sign`).
    pub(crate) name: String,
    /// Mean time of one iteration, in nanoseconds.
    pub(crate) mean_ns: f64,
}

/// Where criterion writes the latest estimates of `group`/`function`.
pub(crate) fn estimates_path(target_dir: &Path, group: &str, function: &str) -> PathBuf {
    target_dir
        .join("criterion")
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json")
}

/// Reads the latest mean time of benchmark `function` in `group`.
pub(crate) fn read_mean(target_dir: &Path, group: &str, function: &str) -> Result<Measurement> {
    let path = estimates_path(target_dir, group, function);
    let json = fs::read_to_string(&path).with_context(|| {
        format!(
            "no criterion results at {}: does the benchmark define a group `{group}` with a \
             function `{function}`, and did it run to the end?",
            path.display()
        )
    })?;
    let mean_ns = parse_mean_ns(&json).with_context(|| format!("reading {}", path.display()))?;
    Ok(Measurement {
        name: function.to_owned(),
        mean_ns,
    })
}

/// Reads `mean.point_estimate` (nanoseconds) from the contents of an `estimates.json`.
pub(crate) fn parse_mean_ns(estimates_json: &str) -> Result<f64> {
    // Only the fields we use are declared; serde skips the rest (median, slope, std_dev, …).
    #[derive(Deserialize)]
    struct Estimates {
        mean: Estimate,
    }
    #[derive(Deserialize)]
    struct Estimate {
        point_estimate: f64,
    }
    let estimates: Estimates = serde_json::from_str(estimates_json)
        .context("expected criterion's estimates JSON with a `mean.point_estimate` number")?;
    Ok(estimates.mean.point_estimate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `estimates.json` as criterion writes it (abridged to two statistics).
    const ESTIMATES: &str = r#"{
        "mean": {
            "confidence_interval": {"confidence_level": 0.95, "lower_bound": 1190.2, "upper_bound": 1251.7},
            "point_estimate": 1219.3,
            "standard_error": 15.6
        },
        "median": {
            "confidence_interval": {"confidence_level": 0.95, "lower_bound": 1180.0, "upper_bound": 1200.1},
            "point_estimate": 1190.8,
            "standard_error": 5.2
        },
        "slope": null
    }"#;

    /// The mean's point estimate is read, not the median's.
    #[test]
    fn mean_point_estimate_is_read() {
        assert_eq!(parse_mean_ns(ESTIMATES).unwrap(), 1219.3);
    }

    /// A file without a mean is an error that says what was expected.
    #[test]
    fn missing_mean_is_an_error() {
        let error = parse_mean_ns(r#"{"median": {"point_estimate": 1.0}}"#).unwrap_err();
        assert!(format!("{error:#}").contains("mean.point_estimate"));
    }

    /// The path follows criterion's layout: `criterion/<group>/<function>/new/estimates.json`.
    #[test]
    fn estimates_path_follows_criterion_layout() {
        let path = estimates_path(Path::new("/t"), "signing", "cosmolab_sign");
        assert_eq!(
            path,
            Path::new("/t/criterion/signing/cosmolab_sign/new/estimates.json")
        );
    }

    /// Reading from a target directory: a present file gives a measurement, a missing one an error
    /// that names the group and function.
    #[test]
    fn read_mean_from_target_dir() {
        let target =
            std::env::temp_dir().join(format!("xtask-criterion-test-{}", std::process::id()));
        let path = estimates_path(&target, "signing", "bare_hmac_sha256");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, ESTIMATES).unwrap();

        let measured = read_mean(&target, "signing", "bare_hmac_sha256").unwrap();
        let missing = read_mean(&target, "signing", "cosmolab_sign").unwrap_err();
        fs::remove_dir_all(&target).unwrap();

        assert_eq!(
            measured,
            Measurement {
                name: "bare_hmac_sha256".into(),
                mean_ns: 1219.3
            }
        );
        assert!(format!("{missing:#}").contains("function `cosmolab_sign`"));
    }
}

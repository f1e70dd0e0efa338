//! Reading test counts out of test runners' closing lines.
//!
//! `cargo xtask ci` ends with one line, `N passed, M failed`, that counts test *cases*, not steps. The
//! two test runners we use already print those numbers; this module finds them in their output:
//!
//! - **nextest** ends a run with one summary line for the whole workspace:
//!   `Summary [   1.234s] 42 tests run: 40 passed, 2 failed, 1 skipped`
//! - **libtest** (which runs the doc tests) prints one line per crate, which we add up:
//!   `test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s`
//! - **pytest** (which runs the Python SDK tests) ends with one line for the whole run:
//!   `=== 25 passed, 1 failed, 2 errors in 3.21s ===` (without the `=` when run with `-q`)
//!
//! We parse text rather than a machine-readable format on purpose: nextest's JSON reporter is still
//! experimental, libtest's JSON output needs a nightly compiler and pytest's needs a plugin, while
//! these lines have been stable for years. If a runner ever changes its wording, the parsers return `None` and the CI step is
//! reported as failed (never as "0 tests, all fine"), and the unit tests below show the expected form.

use std::ops::AddAssign;

/// How many test cases passed and failed, as counted by a test runner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TestCounts {
    /// Test cases that ran and passed.
    pub(crate) passed: u64,
    /// Test cases that ran and failed, including those that timed out or could not be started.
    pub(crate) failed: u64,
}

impl AddAssign for TestCounts {
    fn add_assign(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Finds nextest's closing `Summary […] N tests run: …` line in `output` and reads its counts.
///
/// nextest words the line according to what happened, so we read it item by item rather than
/// matching one fixed pattern:
///
/// ```text
/// Summary [   0.107s] 4 tests run: 3 passed, 1 failed, 1 skipped
/// Summary [   2.000s] 1 test run: 1 passed (1 slow), 0 skipped
/// Summary [   9.000s] 10/42 tests run: 8 passed (1 slow, 1 flaky), 1 failed, 1 timed out, 32 not run
/// ```
///
/// `failed`, `exec failed` (the test binary could not be started) and `timed out` all count as
/// failures; `skipped` and `not run` (after a cancelled run) count as neither.
pub(crate) fn parse_nextest_summary(output: &str) -> Option<TestCounts> {
    // nextest prints the summary once, near the end; status lines for failed tests may follow it, so we
    // look for the last line that starts with `Summary` rather than simply the last line.
    let line = output
        .lines()
        .rev()
        .map(|line| strip_ansi(line).trim().to_owned())
        .find(|line| line.starts_with("Summary") && line.contains(" run:"))?;
    let (_, items) = line.split_once(" run:")?;

    // Parenthesised notes such as `(1 slow, 1 flaky)` qualify the count before them and may contain
    // commas of their own, so drop them before splitting the items on commas.
    let items = remove_parenthesised(items);
    let mut counts = TestCounts::default();
    for item in items.split(',') {
        let (number, what) = item.trim().split_once(' ')?;
        let number: u64 = number.parse().ok()?;
        match what.trim() {
            "passed" => counts.passed += number,
            "failed" | "exec failed" | "timed out" => counts.failed += number,
            // `skipped`, `not run`, and anything a newer nextest adds: not a pass, not a failure.
            _ => {}
        }
    }
    Some(counts)
}

/// Adds up every libtest `test result: …` line in `output` (one per crate for `cargo test --doc`).
///
/// Returns `None` when there is no such line at all, which means the tests never ran (for example
/// because a doc test's crate did not compile) — not that zero tests passed.
pub(crate) fn parse_libtest_results(output: &str) -> Option<TestCounts> {
    let mut total: Option<TestCounts> = None;
    for line in output.lines() {
        let line = strip_ansi(line);
        let line = line.trim();
        // `test result: ok. 3 passed; 0 failed; …` or `test result: FAILED. 1 passed; 1 failed; …`
        let Some(rest) = line.strip_prefix("test result: ") else {
            continue;
        };
        let Some((_verdict, items)) = rest.split_once(". ") else {
            continue;
        };
        let mut counts = TestCounts::default();
        for item in items.split(';') {
            match item.trim().split_once(' ') {
                Some((number, "passed")) => counts.passed += number.parse().unwrap_or(0),
                Some((number, "failed")) => counts.failed += number.parse().unwrap_or(0),
                // `ignored`, `measured`, `filtered out`, `finished in …`: not counted.
                _ => {}
            }
        }
        *total.get_or_insert_with(TestCounts::default) += counts;
    }
    total
}

/// Finds pytest's closing line in `output` and reads its counts.
///
/// pytest names only what happened, in an order of its own, and pads the line with `=` unless run
/// with `-q`:
///
/// ```text
/// ============ 1 failed, 24 passed, 1 skipped, 2 warnings in 3.21s ============
/// 25 passed in 63.20s (0:01:03)
/// 1 error in 0.12s
/// no tests ran in 0.01s
/// ```
///
/// `failed` and `error`/`errors` (a fixture or a collection that failed) count as failures; `passed`
/// as passes; the rest (`skipped`, `xfailed`, `xpassed`, `deselected`, `warnings`, …) as neither.
/// "no tests ran" is read as zero and zero: the CI step, which also sees pytest's exit code, reports
/// it as a failure.
pub(crate) fn parse_pytest_summary(output: &str) -> Option<TestCounts> {
    // Test output comes before the summary, and may contain anything: take the last line that has
    // the summary's exact shape, `<items> in <seconds>s`.
    output
        .lines()
        .rev()
        .find_map(|line| parse_pytest_line(&strip_ansi(line)))
}

/// Reads one line as pytest's summary, or returns `None` if it is not one.
fn parse_pytest_line(line: &str) -> Option<TestCounts> {
    let line = line.trim().trim_matches('=').trim();
    let (items, duration) = line.rsplit_once(" in ")?;
    // `3.21s`, or `63.20s (0:01:03)` for runs over a minute.
    let seconds = duration.split(' ').next()?.strip_suffix('s')?;
    seconds.parse::<f64>().ok()?;

    if items == "no tests ran" {
        return Some(TestCounts::default());
    }
    let mut counts = TestCounts::default();
    for item in items.split(", ") {
        let (number, what) = item.split_once(' ')?;
        let number: u64 = number.parse().ok()?;
        match what {
            "passed" => counts.passed += number,
            "failed" | "error" | "errors" => counts.failed += number,
            // Every other item is a word or two of lower-case letters; anything else means this
            // line only looks like a summary (a test's own output, say).
            _ if what.chars().all(|c| c.is_ascii_lowercase() || c == ' ') => {}
            _ => return None,
        }
    }
    Some(counts)
}

/// Removes every `( … )` group from `text`, keeping what is outside the parentheses.
fn remove_parenthesised(text: &str) -> String {
    let mut depth = 0_usize;
    text.chars()
        .filter(|&c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

/// Removes ANSI colour sequences (`ESC [ … m`), which runners print when colours are forced on.
fn strip_ansi(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip the escape sequence up to and including its final letter (`m` for colours).
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shorthand for the expected counts.
    fn counts(passed: u64, failed: u64) -> TestCounts {
        TestCounts { passed, failed }
    }

    /// The tail of a real nextest run with one failure; the `FAIL` line after the summary is ignored.
    const NEXTEST_WITH_FAILURE: &str = "\
────────────
     Summary [   0.107s] 4 tests run: 3 passed, 1 failed, 1 skipped
        FAIL [   0.105s] (4/4) demo bad
error: test run failed
";

    /// A summary line with two failures is read as 40 passed and 2 failed.
    #[test]
    fn nextest_summary_with_failures() {
        let line = "Summary [ 1.2s] 42 tests run: 40 passed, 2 failed, 0 skipped";
        assert_eq!(parse_nextest_summary(line), Some(counts(40, 2)));
    }

    /// A summary followed by status lines and an error line is still found.
    #[test]
    fn nextest_summary_is_found_before_trailing_lines() {
        assert_eq!(
            parse_nextest_summary(NEXTEST_WITH_FAILURE),
            Some(counts(3, 1))
        );
    }

    /// A single test is "1 test run", and a passing run may omit `failed` entirely.
    #[test]
    fn nextest_summary_singular_and_all_passed() {
        let line = "     Summary [   2.000s] 1 test run: 1 passed, 0 skipped";
        assert_eq!(parse_nextest_summary(line), Some(counts(1, 0)));
    }

    /// Commas inside `(1 slow, 1 flaky)` do not split items; timeouts and exec failures are failures.
    #[test]
    fn nextest_summary_with_notes_timeouts_and_cancellation() {
        let line = "Summary [ 9.0s] 10/42 tests run: 7 passed (1 slow, 1 flaky), 1 failed, \
                    1 exec failed, 1 timed out, 32 not run";
        assert_eq!(parse_nextest_summary(line), Some(counts(7, 3)));
    }

    /// Colour codes around the numbers, as nextest prints them on a terminal, do not hide the counts.
    #[test]
    fn nextest_summary_with_colours() {
        // Copied from nextest 0.9 run with CARGO_TERM_COLOR=always.
        let line = "\u{1b}[31;1m     Summary\u{1b}[0m [   0.073s] \u{1b}[1m4\u{1b}[0m tests run: \
                    \u{1b}[1m3\u{1b}[0m \u{1b}[32;1mpassed\u{1b}[0m, \u{1b}[1m1\u{1b}[0m \
                    \u{1b}[31;1mfailed\u{1b}[0m, \u{1b}[1m1\u{1b}[0m \u{1b}[33;1mskipped\u{1b}[0m";
        assert_eq!(parse_nextest_summary(line), Some(counts(3, 1)));
    }

    /// Output without a summary line (the build failed before any test ran) yields no counts.
    #[test]
    fn nextest_without_summary_is_none() {
        let output =
            "error[E0425]: cannot find value `x` in this scope\nerror: could not compile `demo`";
        assert_eq!(parse_nextest_summary(output), None);
    }

    /// libtest lines of several crates, passing and failing, are added up.
    #[test]
    fn libtest_results_are_summed_over_crates() {
        let output = "\
   Doc-tests cosmolab_auth_signing

running 3 tests
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

   Doc-tests cosmolab_model

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

   Doc-tests demo
test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.08s
";
        assert_eq!(parse_libtest_results(output), Some(counts(4, 1)));
    }

    /// Output without any `test result:` line means the doc tests never ran: no counts, not zero.
    #[test]
    fn libtest_without_result_is_none() {
        assert_eq!(
            parse_libtest_results("error: could not compile `cosmolab-model`"),
            None
        );
    }

    /// The tail of a real `pytest -q` run with a failure: the summary is the last line.
    const PYTEST_QUIET_WITH_FAILURE: &str = "\
..F......................                                                 [100%]
=================================== FAILURES ===================================
__________________ test_replace_with_a_stale_etag_is_412[http] __________________
    assert raised.value.status_code == 412
E   assert 409 == 412
=========================== short test summary info ============================
FAILED tests/sdk/python/test_items.py::test_replace_with_a_stale_etag_is_412[http]
1 failed, 24 passed in 3.21s
";

    /// The quiet form, with a failure among passes, is read from the last line.
    #[test]
    fn pytest_quiet_summary_with_a_failure() {
        assert_eq!(
            parse_pytest_summary(PYTEST_QUIET_WITH_FAILURE),
            Some(counts(24, 1))
        );
    }

    /// The padded form, with every kind of item, in pytest's order.
    #[test]
    fn pytest_padded_summary_with_every_item() {
        let line = "====== 2 failed, 40 passed, 3 skipped, 1 deselected, 1 xfailed, 1 xpassed, \
                    5 warnings, 3 errors in 12.05s ======";
        assert_eq!(parse_pytest_summary(line), Some(counts(40, 5)));
    }

    /// Errors alone (a fixture that could not start the emulator), singular and plural.
    #[test]
    fn pytest_errors_count_as_failures() {
        assert_eq!(
            parse_pytest_summary("=== 1 error in 0.12s ==="),
            Some(counts(0, 1))
        );
        assert_eq!(
            parse_pytest_summary("3 passed, 196 errors in 1.50s"),
            Some(counts(3, 196))
        );
    }

    /// A run over a minute adds the clock time in parentheses; one warning is singular.
    #[test]
    fn pytest_long_run_with_clock_time() {
        let line = "===== 25 passed, 1 warning in 63.20s (0:01:03) =====";
        assert_eq!(parse_pytest_summary(line), Some(counts(25, 0)));
    }

    /// "no tests ran" is read as zero tests (the CI step turns it into a failure).
    #[test]
    fn pytest_no_tests_ran() {
        let output =
            "\n============================ no tests ran in 0.01s =============================\n";
        assert_eq!(parse_pytest_summary(output), Some(counts(0, 0)));
    }

    /// Colour codes, as pytest prints them with `--color=yes`, do not hide the counts.
    #[test]
    fn pytest_summary_with_colours() {
        let line = "\u{1b}[31m\u{1b}[1m1 failed\u{1b}[0m, \u{1b}[32m2 passed\u{1b}[0m\u{1b}[31m in 0.30s\u{1b}[0m";
        assert_eq!(parse_pytest_summary(line), Some(counts(2, 1)));
    }

    /// Output that only resembles a summary, or has none (pytest did not start), yields no counts.
    #[test]
    fn pytest_without_summary_is_none() {
        assert_eq!(
            parse_pytest_summary("/usr/bin/python: No module named pytest"),
            None
        );
        assert_eq!(
            parse_pytest_summary("retried 3 times in 2.5s\nwaited 10 seconds in 1s"),
            None
        );
    }

    /// `remove_parenthesised` keeps what is outside parentheses, nested or not.
    #[test]
    fn parentheses_are_removed() {
        assert_eq!(
            remove_parenthesised("3 passed (1 slow, 1 (x) flaky), 1 failed"),
            "3 passed , 1 failed"
        );
    }
}

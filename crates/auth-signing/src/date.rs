//! `x-ms-date`: the request time a master-key signature covers, and the window it is valid in.
//!
//! Every signed request carries its own time in `x-ms-date`, in RFC 1123 form
//! (`Mon, 23 Nov 2026 08:06:13 GMT`). Because the date is part of the string to sign, a captured
//! request can only be replayed while the server still accepts that date: the service takes a
//! signature as valid from `x-ms-date` until fifteen minutes later, and answers anything else with
//! 403 "The authorization token is not valid at the current time" (see `docs/fidelity.md` for how
//! far into the future we tolerate).
//!
//! The same 403 and message are used for an expired resource token, so the error type
//! [`NotValidAtCurrentTime`] is shared by both checks.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The last second an RFC 1123 date can show with a four-digit year (9998-12-31 23:59:59 UTC, the
/// limit of the `httpdate` crate).
const LAST_FORMATTABLE_SECOND: u64 = 253_370_764_799;

/// Formats a time as an RFC 1123 date, the form of `x-ms-date` (`Mon, 23 Nov 2026 08:06:13 GMT`).
///
/// Times after the year 9998 are shown as its last second rather than panicking: a client may send
/// any date it likes, and the server formats "date + 15 minutes" into its error message.
pub fn format_http_date(time: SystemTime) -> String {
    let last = UNIX_EPOCH + Duration::from_secs(LAST_FORMATTABLE_SECOND);
    httpdate::fmt_http_date(time.min(last))
}

/// Why an `x-ms-date` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "x-ms-date {value:?} is not an RFC 1123 date; send it like \"Mon, 23 Nov 2026 08:06:13 GMT\""
)]
pub struct DateError {
    /// The value received (dates are not secret).
    pub value: String,
}

/// Parses an RFC 1123 date such as `Mon, 23 Nov 2026 08:06:13 GMT`.
///
/// Upper and lower case are both accepted (`mon, 23 nov 2026 08:06:13 gmt`), since the string to
/// sign carries the date lower-cased and hand-written clients sometimes send that form.
pub fn parse_http_date(value: &str) -> Result<SystemTime, DateError> {
    let error = || DateError {
        value: value.to_owned(),
    };
    let trimmed = value.trim();
    if let Ok(time) = httpdate::parse_http_date(trimmed) {
        return Ok(time);
    }
    // `httpdate` insists on the canonical capitalisation: rebuild it word by word and try again.
    let canonical = trimmed
        .split(' ')
        .map(|word| {
            if word.eq_ignore_ascii_case("gmt") {
                "GMT".to_owned()
            } else {
                let mut chars = word.chars();
                match chars.next() {
                    Some(first) => {
                        first.to_ascii_uppercase().to_string()
                            + &chars.as_str().to_ascii_lowercase()
                    }
                    None => String::new(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    httpdate::parse_http_date(&canonical).map_err(|_| error())
}

/// How far a request's `x-ms-date` may be from the server's clock.
///
/// The service accepts a signature from `x-ms-date` to `x-ms-date + 15 minutes`
/// ([`max_age`](Self::max_age)). Real clocks drift, so a client slightly *ahead* of the server must
/// not fail either; how much the service tolerates is not documented, and we allow the same fifteen
/// minutes ([`max_ahead`](Self::max_ahead)). Both are configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew {
    /// How long after its `x-ms-date` a signed request is still accepted.
    pub max_age: Duration,
    /// How far in the future an `x-ms-date` may be.
    pub max_ahead: Duration,
}

impl Default for ClockSkew {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(15 * 60),
            max_ahead: Duration::from_secs(15 * 60),
        }
    }
}

impl ClockSkew {
    /// Accepts `date` if `now` lies within `[date - max_ahead, date + max_age]`.
    pub fn check(&self, date: SystemTime, now: SystemTime) -> Result<(), NotValidAtCurrentTime> {
        let too_early = date
            .checked_sub(self.max_ahead)
            .is_some_and(|start| now < start);
        let too_late = date
            .checked_add(self.max_age)
            .is_none_or(|expiry| now > expiry);
        if too_early || too_late {
            return Err(NotValidAtCurrentTime {
                start: date,
                expiry: date.checked_add(self.max_age).unwrap_or(date),
                now,
            });
        }
        Ok(())
    }
}

/// A signature or token used outside its validity window.
///
/// The service answers this with **403** and this exact message, for a stale `x-ms-date` and for
/// an expired resource token alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The authorization token is not valid at the current time. Please create another token and retry (token start time: {}, token expiry time: {}, current server time: {}).",
    format_http_date(*.start),
    format_http_date(*.expiry),
    format_http_date(*.now)
)]
pub struct NotValidAtCurrentTime {
    /// When the signature or token became valid.
    pub start: SystemTime,
    /// When it stopped being valid.
    pub expiry: SystemTime,
    /// The server's clock when the request arrived.
    pub now: SystemTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_23: &str = "Mon, 23 Nov 2026 08:06:13 GMT";

    /// Formatting and parsing are inverse for whole seconds.
    #[test]
    fn format_and_parse_round_trip() {
        let time = parse_http_date(NOV_23).unwrap();
        assert_eq!(format_http_date(time), NOV_23);
    }

    /// The lower-cased form used in the string to sign parses too.
    #[test]
    fn lower_case_dates_parse() {
        assert_eq!(
            parse_http_date("mon, 23 nov 2026 08:06:13 gmt"),
            parse_http_date(NOV_23)
        );
    }

    /// Anything that is not a date is an error quoting the value.
    #[test]
    fn garbage_is_an_error() {
        for bad in [
            "",
            "yesterday",
            "Mon, 32 Nov 2026 08:06:13 GMT",
            "1700000000",
        ] {
            let error = parse_http_date(bad).unwrap_err();
            assert!(error.to_string().contains("RFC 1123"), "{error}");
        }
    }

    /// The window is [date - 15 min, date + 15 min] by default, edges included.
    #[test]
    fn the_default_window_is_fifteen_minutes_each_way() {
        let date = parse_http_date(NOV_23).unwrap();
        let skew = ClockSkew::default();
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert!(skew.check(date, date).is_ok());
        assert!(skew.check(date, date + minutes(15)).is_ok());
        assert!(skew.check(date, date - minutes(15)).is_ok());
        assert!(
            skew.check(date, date + minutes(15) + Duration::from_secs(1))
                .is_err()
        );
        assert!(skew.check(date, date - minutes(16)).is_err());
    }

    /// A far-future date (year 9999) is refused with a message, not a panic.
    #[test]
    fn far_future_dates_are_refused_without_panicking() {
        let date = parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
        let error = ClockSkew::default()
            .check(date, SystemTime::now())
            .unwrap_err();
        assert!(error.to_string().contains("9998"), "{error}");
    }

    /// The stale-date error carries the service's wording and the three times.
    #[test]
    fn stale_dates_get_the_services_message() {
        let date = parse_http_date(NOV_23).unwrap();
        let error = ClockSkew::default()
            .check(date, date + Duration::from_secs(3600))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "The authorization token is not valid at the current time. Please create another token \
             and retry (token start time: Mon, 23 Nov 2026 08:06:13 GMT, token expiry time: Mon, 23 \
             Nov 2026 08:21:13 GMT, current server time: Mon, 23 Nov 2026 09:06:13 GMT)."
        );
    }
}

//! The emulator's clock, which tests can move forward.
//!
//! Resource tokens live for an hour by default; no test should wait that long to see one expire.
//! Every decision about *token* lifetimes therefore asks this clock, and a test (or the standalone
//! binary started with `--enable-time-travel`) can advance it.
//!
//! The `x-ms-date` check is deliberately **not** based on this clock: requests are signed by real
//! clients with real clocks, so the skew window compares `x-ms-date` with the machine's time.
//! Advancing the emulator's clock by two hours must expire tokens, not break every signed request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The machine's time plus an offset that only ever grows.
#[derive(Debug, Default)]
pub struct EmulatorClock {
    offset_seconds: AtomicU64,
}

impl EmulatorClock {
    /// The longest total jump allowed: a century is plenty to expire any token, and keeping the
    /// offset bounded means the clock can never overflow and wrap back to the present.
    pub const MAX_OFFSET: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

    /// A clock that reads the machine's time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The emulator's current time.
    pub fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        now.checked_add(self.offset()).unwrap_or(now)
    }

    /// Moves the clock forward. It never goes back, so tokens cannot come back to life; a jump
    /// that would take the total past [`MAX_OFFSET`](Self::MAX_OFFSET) is refused (`false`).
    pub fn advance(&self, by: Duration) -> bool {
        let limit = Self::MAX_OFFSET.as_secs();
        self.offset_seconds
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                offset
                    .checked_add(by.as_secs())
                    .filter(|total| *total <= limit)
            })
            .is_ok()
    }

    /// How far the clock has been moved forward in total.
    pub fn offset(&self) -> Duration {
        Duration::from_secs(self.offset_seconds.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Advancing moves `now` forward by (at least) the amount given, cumulatively.
    #[test]
    fn advancing_accumulates() {
        let clock = EmulatorClock::new();
        let before = clock.now();
        assert!(clock.advance(Duration::from_secs(3600)));
        assert!(clock.advance(Duration::from_secs(60)));
        assert_eq!(clock.offset(), Duration::from_secs(3660));
        assert!(clock.now() >= before + Duration::from_secs(3660));
    }

    /// A jump past a century, or one that would overflow, is refused and changes nothing.
    #[test]
    fn huge_jumps_are_refused() {
        let clock = EmulatorClock::new();
        assert!(!clock.advance(Duration::from_secs(u64::MAX)));
        assert!(!clock.advance(EmulatorClock::MAX_OFFSET + Duration::from_secs(1)));
        assert_eq!(clock.offset(), Duration::ZERO);
        assert!(clock.advance(EmulatorClock::MAX_OFFSET));
        assert!(!clock.advance(Duration::from_secs(1)));
    }
}

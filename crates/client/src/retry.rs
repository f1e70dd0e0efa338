//! Retries: only where the service says so, and never for long.
//!
//! Retrying is tempting and dangerous: a retried write may be applied twice, a retried 401 only
//! hammers the service with a credential it already refused, and a retry without a bound turns a
//! short outage into a hung application. So the client retries exactly two answers, the two in
//! which the service *asks* for it:
//!
//! | answer | meaning | what we do |
//! |---|---|---|
//! | **429** Too Many Requests | the request rate exceeded the provisioned throughput | wait `x-ms-retry-after-ms` (the service's own estimate), at most [`RetryPolicy::max_throttle_retries`] times and [`RetryPolicy::max_throttle_wait`] in total — the Python SDK's 9 retries and 30 s |
//! | **449** Retry With | a concurrent write to the same resource got in the way; the request was not applied | wait a short, doubling delay, at most [`RetryPolicy::max_retry_with_retries`] times |
//!
//! Nothing else is retried: not 401 or 403 (the credential will not get better by itself), not
//! 404, 409 or 412 (the answer is final), not 5xx or a lost connection (a write might have been
//! applied; the application knows whether repeating it is safe — a real one would add its own
//! policy for idempotent reads).

use std::time::Duration;

use reqwest::StatusCode;

/// 449 has no constant in `http`: it is a Cosmos DB status ("Retry With").
pub(crate) const RETRY_WITH: u16 = 449;

/// How a client retries throttled (429) and conflicting (449) requests — the only two answers in
/// which the service asks for a retry.
///
/// A 429 is retried after the service's `x-ms-retry-after-ms`, at most
/// [`max_throttle_retries`](Self::max_throttle_retries) times and
/// [`max_throttle_wait`](Self::max_throttle_wait) in total; a 449 after a short, doubling delay.
/// Nothing else is retried: not 401 or 403 (the credential will not get better by itself), not
/// 404, 409 or 412 (the answer is final), not a 5xx or a lost connection (a write might already
/// have been applied; only the application knows whether repeating it is safe).
///
/// ```
/// use std::time::Duration;
/// use cosmolab_client::RetryPolicy;
///
/// let patient = RetryPolicy { max_throttle_wait: Duration::from_secs(60), ..RetryPolicy::default() };
/// let never = RetryPolicy::none();
/// assert_eq!(never.max_throttle_retries, 0);
/// # let _ = patient;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a 429 is retried (default 9, as the Python SDK).
    pub max_throttle_retries: u32,
    /// The most time spent waiting on 429s for one request (default 30 s, as the Python SDK). A
    /// `x-ms-retry-after-ms` that would go past it ends the retries at once.
    pub max_throttle_wait: Duration,
    /// How long to wait after a 429 that carries no `x-ms-retry-after-ms` (default 100 ms).
    pub default_throttle_wait: Duration,
    /// How many times a 449 is retried (default 3).
    pub max_retry_with_retries: u32,
    /// The wait before the first 449 retry, doubled for each next one (default 10 ms).
    pub retry_with_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_throttle_retries: 9,
            max_throttle_wait: Duration::from_secs(30),
            default_throttle_wait: Duration::from_millis(100),
            max_retry_with_retries: 3,
            retry_with_backoff: Duration::from_millis(10),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries: every answer goes straight to the caller.
    pub fn none() -> Self {
        Self {
            max_throttle_retries: 0,
            max_retry_with_retries: 0,
            ..Self::default()
        }
    }
}

/// What one request has been through so far, to decide about the next attempt.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryState {
    /// 429s retried so far.
    pub(crate) throttle_retries: u32,
    /// Time waited on 429s so far.
    pub(crate) throttle_waited: Duration,
    /// 449s retried so far.
    pub(crate) retry_with_retries: u32,
}

impl RetryPolicy {
    /// Whether to retry an answer with `status` (and the service's `x-ms-retry-after-ms`), and
    /// after how long. Updates `state` when the answer is a retry.
    pub(crate) fn next_attempt(
        &self,
        status: StatusCode,
        retry_after: Option<Duration>,
        state: &mut RetryState,
    ) -> Option<Duration> {
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after.unwrap_or(self.default_throttle_wait);
            // Saturating: the service's wait may be anything up to `Duration::MAX`. The budget is
            // the cap: no wait longer than `max_throttle_wait` is ever slept.
            let within_budget =
                state.throttle_waited.saturating_add(wait) <= self.max_throttle_wait;
            if state.throttle_retries < self.max_throttle_retries && within_budget {
                state.throttle_retries += 1;
                state.throttle_waited += wait;
                return Some(wait);
            }
        } else if status.as_u16() == RETRY_WITH
            && state.retry_with_retries < self.max_retry_with_retries
        {
            // Saturating, not panicking, for a policy configured with many retries: 2^32 and
            // beyond do not fit in a `u32`, and the product may not fit in a `Duration`.
            let factor = 2_u32
                .checked_pow(state.retry_with_retries)
                .unwrap_or(u32::MAX);
            let wait = self.retry_with_backoff.saturating_mul(factor);
            state.retry_with_retries += 1;
            return Some(wait);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(
        policy: &RetryPolicy,
        status: u16,
        after_ms: Option<u64>,
        state: &mut RetryState,
    ) -> Option<u64> {
        policy
            .next_attempt(
                StatusCode::from_u16(status).unwrap(),
                after_ms.map(Duration::from_millis),
                state,
            )
            .map(|wait| wait.as_millis() as u64)
    }

    /// 429s wait what the service says, nine times at most.
    #[test]
    fn throttling_waits_what_the_service_says_nine_times() {
        let policy = RetryPolicy::default();
        let mut state = RetryState::default();
        for _ in 0..9 {
            assert_eq!(decide(&policy, 429, Some(250), &mut state), Some(250));
        }
        assert_eq!(decide(&policy, 429, Some(250), &mut state), None);
        assert_eq!(state.throttle_waited, Duration::from_millis(2250));
    }

    /// A wait that would go past the total budget ends the retries.
    #[test]
    fn throttling_stops_at_the_wait_budget() {
        let policy = RetryPolicy::default();
        let mut state = RetryState::default();
        assert_eq!(decide(&policy, 429, Some(20_000), &mut state), Some(20_000));
        assert_eq!(decide(&policy, 429, Some(20_000), &mut state), None);
        assert_eq!(decide(&policy, 429, None, &mut state), Some(100));
    }

    /// A wait too long to add up (`Duration::MAX`) ends the retries instead of overflowing.
    #[test]
    fn an_endless_wait_ends_the_retries() {
        let policy = RetryPolicy::default();
        let mut state = RetryState::default();
        assert_eq!(decide(&policy, 429, Some(10), &mut state), Some(10));
        let wait = policy.next_attempt(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::MAX),
            &mut state,
        );
        assert_eq!(wait, None);
    }

    /// 449 backs off 10, 20, 40 ms, then gives up.
    #[test]
    fn retry_with_backs_off_three_times() {
        let policy = RetryPolicy::default();
        let mut state = RetryState::default();
        let waits: Vec<_> = (0..4)
            .map(|_| decide(&policy, 449, None, &mut state))
            .collect();
        assert_eq!(waits, [Some(10), Some(20), Some(40), None]);
    }

    /// A policy with very many 449 retries saturates its backoff instead of overflowing.
    #[test]
    fn retry_with_backoff_saturates() {
        let policy = RetryPolicy {
            max_retry_with_retries: 100,
            retry_with_backoff: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        let mut state = RetryState {
            retry_with_retries: 40,
            ..RetryState::default()
        };
        let wait = policy.next_attempt(StatusCode::from_u16(RETRY_WITH).unwrap(), None, &mut state);
        assert_eq!(wait, Some(Duration::from_secs(u64::from(u32::MAX))));
        state.retry_with_retries = 31;
        let wait = policy.next_attempt(StatusCode::from_u16(RETRY_WITH).unwrap(), None, &mut state);
        assert_eq!(wait, Some(Duration::from_secs(1 << 31)));
    }

    /// Everything else is final, whatever the headers say.
    #[test]
    fn other_statuses_are_never_retried() {
        let policy = RetryPolicy::default();
        for status in [400, 401, 403, 404, 408, 409, 412, 413, 500, 503] {
            let mut state = RetryState::default();
            assert_eq!(
                decide(&policy, status, Some(10), &mut state),
                None,
                "{status}"
            );
        }
        let mut state = RetryState::default();
        assert_eq!(decide(&RetryPolicy::none(), 429, Some(1), &mut state), None);
    }
}

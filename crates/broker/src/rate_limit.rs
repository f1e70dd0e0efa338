//! A per-identity rate limit: a token bucket for each subject.
//!
//! Every token request costs the account several operations (a user upsert, a permission read or
//! upsert per policy entry), so one misbehaving app — or a stolen app token in a loop — must not
//! be able to spend the account's throughput for everyone. Each identity has a bucket of
//! `requests_per_minute` tokens that refills continuously; a request with an empty bucket is
//! answered 429 with `Retry-After`. A well-behaved client asks once per token lifetime.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle (full) ones are dropped: memory stays bounded whatever the traffic.
const MAX_TRACKED_IDENTITIES: usize = 10_000;

/// One identity's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The buckets of every identity seen recently.
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` requests per identity per minute, in bursts of up to `per_minute`.
    pub fn per_minute(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        Self {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::default(),
        }
    }

    /// Takes one request from `identity`'s bucket at `now`: `Ok`, or how long until one is left.
    pub fn check(&self, identity: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED_IDENTITIES && !buckets.contains_key(identity) {
            let (capacity, per_second) = (self.capacity, self.per_second);
            buckets.retain(|_, bucket| refilled(*bucket, now, capacity, per_second) < capacity);
        }
        let bucket = buckets.entry(identity.to_owned()).or_insert(Bucket {
            tokens: self.capacity,
            updated: now,
        });
        bucket.tokens = refilled(*bucket, now, self.capacity, self.per_second);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

/// The bucket's level at `now`.
fn refilled(bucket: Bucket, now: Instant, capacity: f64, per_second: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * per_second).min(capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_identity_has_its_own_bucket_which_refills() {
        let limiter = RateLimiter::per_minute(2);
        let start = Instant::now();
        assert!(limiter.check("alice", start).is_ok());
        assert!(limiter.check("alice", start).is_ok());
        let wait = limiter.check("alice", start).unwrap_err();
        assert_eq!(wait.as_secs(), 30, "{wait:?}");
        assert!(limiter.check("bob", start).is_ok(), "bob is not alice");
        assert!(
            limiter
                .check("alice", start + Duration::from_secs(30))
                .is_ok()
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let limiter = RateLimiter::per_minute(1);
        let start = Instant::now();
        for n in 0..MAX_TRACKED_IDENTITIES + 10 {
            let _ = limiter.check(&format!("user-{n}"), start);
        }
        // An hour later every bucket is full again, and the next newcomer clears them out.
        let later = start + Duration::from_secs(3600);
        assert!(limiter.check("newcomer", later).is_ok());
        assert_eq!(limiter.buckets.lock().unwrap().len(), 1);
    }
}

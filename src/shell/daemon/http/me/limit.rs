//! A small token bucket per person: a page's forms can be sent a few times
//! in a row, then about once every [`REFILL`] seconds. Only secrets that
//! open a page get a bucket, so wrong guesses cannot fill the map.

use std::collections::HashMap;
use std::sync::Mutex;

/// Sends in a row.
const BURST: f64 = 10.0;
/// Seconds for one more send.
const REFILL: f64 = 6.0;

/// The buckets, by person.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<String, (f64, f64)>>,
}

impl Limiter {
    /// Takes one send from `person`'s bucket at `now` (seconds, any
    /// origin); `Err` holds the seconds until one is back.
    pub fn take(&self, person: &str, now: f64) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, at) = buckets.entry(person.to_string()).or_insert((BURST, now));
        *tokens = (*tokens + (now - *at).max(0.0) / REFILL).min(BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            // Whole seconds, rounded up: a small float in a small range.
            let wait = ((1.0 - *tokens) * REFILL).ceil();
            Err(if wait.is_finite() && wait > 0.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_refill() {
        let l = Limiter::default();
        for _ in 0..10 {
            assert_eq!(l.take("a", 0.0), Ok(()));
        }
        assert!(l.take("a", 0.0).is_err());
        assert_eq!(l.take("b", 0.0), Ok(()));
        assert_eq!(l.take("a", REFILL), Ok(()));
        assert!(l.take("a", REFILL).is_err());
    }
}

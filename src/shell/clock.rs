//! The one place touchbase reads the clocks (wall and monotonic) and the
//! system's time zone.
//!
//! Everything else takes `now` as an argument, so tests are deterministic;
//! `clippy.toml` forbids the other ways of asking for the time outside
//! this module. The daemon reads the time through a [`Clock`], so that a
//! test can run it in virtual time (tokio's paused clock) and step the
//! wall clock as a suspend or an NTP correction would.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};

/// The current instant.
#[allow(clippy::disallowed_methods)]
pub fn now() -> Timestamp {
    Timestamp::now()
}

/// The current instant in the system's time zone.
#[allow(clippy::disallowed_methods)]
pub fn now_local() -> Zoned {
    Zoned::now()
}

/// The system's time zone (`TZ`, else `/etc/localtime`).
#[allow(clippy::disallowed_methods)]
pub fn local_zone() -> TimeZone {
    TimeZone::system()
}

/// A point on the monotonic clock, for measuring how long something took.
#[allow(clippy::disallowed_methods)]
pub fn instant() -> Instant {
    Instant::now()
}

/// How long ago `start` was on the monotonic clock.
#[allow(clippy::disallowed_methods)]
pub fn since(start: Instant) -> Duration {
    start.elapsed()
}

/// How long ago the wall-clock time `t` (a file's modification time) was;
/// `None` when it lies in the future.
#[allow(clippy::disallowed_methods)]
pub fn age(t: SystemTime) -> Option<Duration> {
    t.elapsed().ok()
}

/// The daemon's clocks: the wall clock its due times are written in, and
/// the monotonic clock its timers run on (tokio's, which a test can pause).
///
/// Cloning shares the clock.
#[derive(Debug, Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
enum Inner {
    /// The system's clocks.
    System,
    /// Wall time derived from tokio's clock: `base` at `start`, moving as
    /// tokio's clock moves, plus whatever [`Clock::step`] added.
    Virtual {
        base: Timestamp,
        start: tokio::time::Instant,
        stepped_ms: AtomicI64,
    },
}

impl Clock {
    /// The system's wall clock and tokio's monotonic clock.
    pub fn system() -> Clock {
        Clock {
            inner: Arc::new(Inner::System),
        }
    }

    /// A wall clock that reads `base` now and then moves with tokio's
    /// clock: with tokio's time paused (`start_paused`), days pass in
    /// milliseconds and every timer fires in order. Call it inside the
    /// runtime the daemon runs on.
    pub fn virtual_at(base: Timestamp) -> Clock {
        Clock {
            inner: Arc::new(Inner::Virtual {
                base,
                start: tokio::time::Instant::now(),
                stepped_ms: AtomicI64::new(0),
            }),
        }
    }

    /// The wall-clock time.
    pub fn now(&self) -> Timestamp {
        match &*self.inner {
            Inner::System => now(),
            Inner::Virtual {
                base,
                start,
                stepped_ms,
            } => {
                let moved =
                    SignedDuration::try_from(start.elapsed()).unwrap_or(SignedDuration::MAX);
                let stepped = SignedDuration::from_millis(stepped_ms.load(Ordering::SeqCst));
                base.saturating_add(moved)
                    .and_then(|t| t.saturating_add(stepped))
                    .unwrap_or(*base)
            }
        }
    }

    /// The monotonic clock timers run on: it does not jump when the wall
    /// clock is set, and it stands still while the machine is suspended.
    pub fn monotonic(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    /// Steps a virtual wall clock by `by` without moving the monotonic
    /// clock, as a resume from suspend or an NTP correction does. Does
    /// nothing to the system clock.
    pub fn step(&self, by: SignedDuration) {
        if let Inner::Virtual { stepped_ms, .. } = &*self.inner {
            let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            stepped_ms.fetch_add(ms, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_virtual_clock_moves_with_tokio_and_steps_alone() {
        let base: Timestamp = "2027-01-04T09:00:00Z".parse().expect("time");
        let clock = Clock::virtual_at(base);
        assert_eq!(clock.now(), base);
        tokio::time::sleep(Duration::from_secs(90)).await;
        assert_eq!(clock.now(), base + SignedDuration::from_secs(90));
        let mono = clock.monotonic();
        clock.step(SignedDuration::from_hours(2));
        assert_eq!(clock.monotonic(), mono, "a step leaves the monotonic clock");
        assert_eq!(clock.now(), base + SignedDuration::from_secs(90 + 7200));
    }
}

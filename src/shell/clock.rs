//! The one place touchbase reads the clocks (wall and monotonic) and the
//! system's time zone.
//!
//! Everything else takes `now` as an argument, so tests are deterministic;
//! `clippy.toml` forbids the other ways of asking for the time outside
//! this module.

use std::time::{Duration, Instant, SystemTime};

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

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

//! The one place touchbase reads the clock.
//!
//! Everything else takes `now` as an argument, so tests are deterministic;
//! `clippy.toml` forbids the other ways of asking for the time.

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

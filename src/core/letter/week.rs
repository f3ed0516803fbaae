//! A manager's week, in the manager's zone: it starts on Monday at 00:00,
//! and the weekly digest is due at 07:00 on its first working day.
//!
//! [`first_working_day`] is the one place that decides which day that is:
//! Monday, until the roster says when each manager works.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::core::roster::Manager;

/// The local hour the digest is due.
pub const DIGEST_HOUR: i8 = 7;

/// The Monday of the week holding `d`.
pub fn monday_of(d: Date) -> Date {
    let back = i64::from(d.weekday().to_monday_zero_offset());
    d.checked_sub(back.days()).unwrap_or(d)
}

/// The first working day of `manager`'s week starting `monday`.
pub fn first_working_day(_manager: &Manager, monday: Date) -> Date {
    debug_assert_eq!(monday.weekday(), Weekday::Monday);
    monday
}

/// When the digest of the week starting `monday` is due: [`DIGEST_HOUR`]
/// on the first working day, in `tz` (on a day when 07:00 does not exist,
/// the first instant after the gap).
pub fn digest_due(manager: &Manager, tz: &TimeZone, monday: Date) -> Option<Timestamp> {
    let day = first_working_day(manager, monday);
    day.at(DIGEST_HOUR, 0, 0, 0)
        .to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// When the week starting `monday` begins, in `tz`.
pub fn week_start(tz: &TimeZone, monday: Date) -> Option<Timestamp> {
    monday.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
}

/// When the week starting `monday` ends (the next Monday begins), in `tz`.
pub fn week_end(tz: &TimeZone, monday: Date) -> Option<Timestamp> {
    week_start(tz, monday.checked_add(7.days()).ok()?)
}

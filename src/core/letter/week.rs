//! A manager's week, in the manager's zone: it starts on Monday at 00:00,
//! and the weekly digest is due at 07:00 on its first working day.
//!
//! [`first_working_day`] is the one place that decides which day that is:
//! the first day of the manager's `hours` (Monday by default).

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

/// The first working day of `manager`'s week starting `monday`: the
/// first day their `hours` hold any time on (Monday for the default
/// `Mon-Fri 09:00-17:00`, Tuesday for `"Tue-Fri 08:00-16:00"`); Monday
/// when they hold none.
pub fn first_working_day(manager: &Manager, monday: Date) -> Date {
    debug_assert_eq!(monday.weekday(), Weekday::Monday);
    let first = (0..7).find(|&d| manager.hours.works_on(d)).unwrap_or(0);
    monday
        .checked_add(i64::try_from(first).unwrap_or(0).days())
        .unwrap_or(monday)
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

//! The meetings of one pair: dates by cadence, local times by time zone.
//!
//! A series is a sequence of occurrences numbered from 0 (the `start` date).
//! Occurrence dates come from the cadence alone; the meeting's instant is the
//! pair's wall-clock time on that date in the pair's zone. Daylight-saving
//! rules are those of RFC 5545: a time that does not exist (spring forward)
//! moves forward by the length of the gap, a time that exists twice (fall
//! back) takes the first instance, and the end is the start plus the
//! duration in elapsed time.

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::core::cadence::{week_of_month, Cadence};
use crate::core::roster::Pair;
use crate::core::series::{series_of, Series};

/// A range of local dates: `from` included, `until` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First date in the window.
    pub from: Date,
    /// First date after the window.
    pub until: Date,
}

impl Window {
    /// `weeks` weeks from `from`.
    pub fn weeks(from: Date, weeks: u32) -> Window {
        let days = i64::from(weeks) * 7;
        let until = from.checked_add(days.days()).unwrap_or(Date::MAX);
        Window { from, until }
    }

    /// Whether `d` is inside.
    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d < self.until
    }
}

/// How a wall-clock time maps onto the time line on a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// One instant, as usual.
    Normal,
    /// The time does not exist (spring forward); the meeting moved forward
    /// by the gap.
    Gap,
    /// The time exists twice (fall back); the meeting takes the first.
    Fold,
}

/// One scheduled meeting of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Position in the series, counting from the `start` date as 0.
    pub occurrence: u32,
    /// The local date.
    pub date: Date,
    /// The wall-clock time asked for on that date (before any DST shift).
    pub local: DateTime,
    /// When it starts.
    pub start: Timestamp,
    /// When it ends: start plus the duration, in elapsed time.
    pub end: Timestamp,
    /// Whether a DST change touched the local time.
    pub clock: Clock,
}

/// The date of occurrence `n` of a series from `start`, if representable.
pub fn nth_date(start: Date, cadence: Cadence, n: u32) -> Option<Date> {
    match cadence {
        Cadence::Weeks(w) => {
            let days = i64::from(n) * 7 * i64::from(w);
            start.checked_add(days.days()).ok()
        }
        Cadence::Monthly => {
            let first = start
                .first_of_month()
                .checked_add(i64::from(n).months())
                .ok()?;
            let nth = match week_of_month(start) {
                5 => -1,
                w => w,
            };
            first.nth_weekday_of_month(nth, start.weekday()).ok()
        }
    }
}

/// The number of the first occurrence on or after `d`.
pub fn first_on_or_after(start: Date, cadence: Cadence, d: Date) -> u32 {
    if d <= start {
        return 0;
    }
    let guess = match cadence {
        Cadence::Weeks(w) => {
            let days = (d - start).get_days().max(0);
            let step = 7 * i32::from(w);
            (days + step - 1) / step
        }
        Cadence::Monthly => {
            let months = (i32::from(d.year()) - i32::from(start.year())) * 12
                + i32::from(d.month())
                - i32::from(start.month());
            months.max(0)
        }
    };
    let mut n = u32::try_from(guess).unwrap_or(0);
    // The guess is exact for weeks and at most one short for months.
    while nth_date(start, cadence, n).is_some_and(|x| x < d) {
        n += 1;
    }
    n
}

/// Places a local date and time on the time line by RFC 5545's rules.
pub fn resolve(tz: &TimeZone, local: DateTime) -> Option<(Timestamp, Clock)> {
    let ambiguous = tz.to_ambiguous_timestamp(local);
    let clock = match ambiguous.offset() {
        AmbiguousOffset::Unambiguous { .. } => Clock::Normal,
        AmbiguousOffset::Gap { .. } => Clock::Gap,
        AmbiguousOffset::Fold { .. } => Clock::Fold,
    };
    // "compatible" is exactly RFC 5545: forward by the gap, first of a fold.
    let ts = ambiguous.compatible().ok()?;
    Some((ts, clock))
}

/// How many occurrences a pause removes: those dated before `paused_until`.
pub fn paused_count(pair: &Pair) -> u32 {
    pair.paused_until.map_or(0, |until| {
        first_on_or_after(pair.start, pair.cadence, until)
    })
}

/// The slots of `pair` whose local date is inside `window`, paused dates
/// left out, as if the pair had only its current series. Opted-out pairs
/// have none.
pub fn slots(pair: &Pair, window: Window) -> Slots<'_> {
    match series_of(pair, &[]).into_iter().next() {
        Some(series) => series_slots(&series, window),
        None => Slots::empty(&pair.tz),
    }
}

/// The slots of one series whose local date is inside `window`, paused
/// dates left out.
pub fn series_slots<'r>(series: &Series<'r>, window: Window) -> Slots<'r> {
    let from = window.from.max(series.paused_until.unwrap_or(window.from));
    let next = first_on_or_after(series.anchor, series.cadence, from).max(series.first);
    let until = series.until.map_or(window.until, |u| u.min(window.until));
    Slots {
        tz: series.tz,
        anchor: series.anchor,
        cadence: series.cadence,
        time: series.time,
        duration: SignedDuration::from_mins(i64::from(series.duration_minutes)),
        until,
        next,
    }
}

/// Iterator returned by [`slots`] and [`series_slots`].
#[derive(Debug, Clone)]
pub struct Slots<'a> {
    tz: &'a TimeZone,
    anchor: Date,
    cadence: Cadence,
    time: jiff::civil::Time,
    duration: SignedDuration,
    until: Date,
    next: u32,
}

impl<'a> Slots<'a> {
    fn empty(tz: &'a TimeZone) -> Self {
        Slots {
            tz,
            anchor: Date::MIN,
            cadence: Cadence::Weeks(1),
            time: jiff::civil::Time::midnight(),
            duration: SignedDuration::ZERO,
            until: Date::MIN,
            next: u32::MAX,
        }
    }
}

impl Iterator for Slots<'_> {
    type Item = Slot;

    fn next(&mut self) -> Option<Slot> {
        loop {
            let n = self.next;
            if n == u32::MAX {
                return None;
            }
            let date = nth_date(self.anchor, self.cadence, n)?;
            if date >= self.until {
                return None;
            }
            self.next += 1;
            let local = date.to_datetime(self.time);
            // Dates at the very edge of the representable range have no
            // instant; skip them rather than fail the whole schedule.
            let Some((start, clock)) = resolve(self.tz, local) else {
                continue;
            };
            let Ok(end) = start.checked_add(self.duration) else {
                continue;
            };
            return Some(Slot {
                occurrence: n,
                date,
                local,
                start,
                end,
                clock,
            });
        }
    }
}

#[cfg(test)]
mod tests;

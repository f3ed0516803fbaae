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

use crate::core::cadence::{first_on_or_after, nth_date, Cadence};
use crate::core::roster::Pair;
use crate::core::series::{series_of, Past, Series};

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
    /// The local date (where a day off moved it, with `next_day`).
    pub date: Date,
    /// The wall-clock time of the occurrence as the series places it: its
    /// `RECURRENCE-ID` (differs from `local` when a day off moved it).
    pub recurrence: DateTime,
    /// The wall-clock time asked for on that date (before any DST shift).
    pub local: DateTime,
    /// When it starts.
    pub start: Timestamp,
    /// When it ends: start plus the duration, in elapsed time.
    pub end: Timestamp,
    /// Whether a DST change touched the local time.
    pub clock: Clock,
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
    match series_of(pair, Past::default()).into_iter().next() {
        Some(series) => series_slots(&series, window),
        None => Slots::empty(&pair.tz),
    }
}

/// The slots of one series whose local date is inside `window`, paused
/// dates left out.
pub fn series_slots<'r>(series: &Series<'r>, window: Window) -> Slots<'r> {
    let mut next = first_on_or_after(series.anchor, series.cadence, window.from).max(series.first);
    let next_day =
        series.on_day_off == crate::core::roster::OnDayOff::NextDay && !series.days_off.is_empty();
    if next_day {
        // A meeting dated before the window may move into it.
        next = next.saturating_sub(1).max(series.first);
    }
    let until = series.until.map_or(window.until, |u| u.min(window.until));
    Slots {
        paused: series.paused(),
        tz: series.tz,
        anchor: series.anchor,
        cadence: series.cadence,
        time: series.time,
        duration: SignedDuration::from_mins(i64::from(series.duration_minutes)),
        until,
        next,
        days_off: series.days_off,
        work_days: series.work_days,
        move_blocked: series.move_blocked,
        next_day: next_day.then_some(window),
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
    /// Occurrence numbers `[lo, hi)` that the pause removes.
    paused: (u32, u32),
    /// Days off (sorted): meetings on them do not take place.
    days_off: &'a [Date],
    /// The weekdays a moved meeting may go to.
    work_days: u8,
    /// The dates a moved meeting may not go to.
    move_blocked: &'a [Date],
    /// With `on_day_off = "next_day"`: the window, which a moved meeting's
    /// new date must be in.
    next_day: Option<Window>,
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
            paused: (0, 0),
            days_off: &[],
            work_days: crate::core::roster::WEEKDAYS,
            move_blocked: &[],
            next_day: None,
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
            let (lo, hi) = self.paused;
            if (lo..hi).contains(&n) {
                self.next = hi;
                continue;
            }
            let date = nth_date(self.anchor, self.cadence, n)?;
            if date >= self.until {
                return None;
            }
            self.next += 1;
            let recurrence = date.to_datetime(self.time);
            let mut date = date;
            if self.days_off.binary_search(&date).is_ok() {
                let Some(window) = self.next_day else {
                    continue;
                };
                let following = nth_date(self.anchor, self.cadence, n.saturating_add(1));
                match crate::core::daysoff::next_day(
                    date,
                    self.days_off,
                    self.work_days,
                    self.move_blocked,
                    following,
                ) {
                    Some(moved) if window.contains(moved) => date = moved,
                    _ => continue,
                }
            } else if self.next_day.is_some_and(|w| date < w.from) {
                continue;
            }
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
                recurrence,
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

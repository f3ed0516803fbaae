//! A pair's recurring series: the current one and the earlier ones that a
//! change of time, cadence or duration ended ("this and following").
//!
//! SPEC.md: a change applies from the first meeting not yet held; meetings
//! already held stay as they were. In iCalendar terms the old series gets an
//! `UNTIL` before that meeting and keeps its UID, and a new series with its
//! own UID starts there. Which meetings were held is the ledger's knowledge,
//! not the roster's, so the earlier series come in as data ([`History`]) and
//! everything here stays a pure function of roster and history. With no
//! history a pair has exactly one series, whose UID is [`Pair::uid`].

use std::borrow::Cow;
use std::collections::HashMap;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use crate::core::cadence::Cadence;
use crate::core::cadence::{first_on_or_after, nth_date};
use crate::core::hash::hex128;
use crate::core::roster::{OnDayOff, Pair};

/// An earlier series of a pair, ended by a change.
#[derive(Debug, Clone)]
pub struct PastSeries {
    /// Its UID, as it went out.
    pub uid: String,
    /// The cadence anchor: the roster's `start` while this series ran.
    pub start: Date,
    /// Its first date: dates before it belong to still earlier series.
    pub from: Date,
    /// Local meeting time.
    pub time: Time,
    /// How often.
    pub cadence: Cadence,
    /// Length of each meeting.
    pub duration_minutes: u32,
    /// IANA name of its zone.
    pub timezone: String,
    /// The zone.
    pub tz: TimeZone,
    /// The date of the first meeting not yet held when it was ended: the
    /// series holds the dates before it.
    pub until: Date,
}

/// What the ledger knows of every pair beyond the roster, keyed by the
/// pair's UID ([`Pair::uid`], stable for the pair): its earlier series,
/// oldest first, and when its pause began.
#[derive(Debug, Clone, Default)]
pub struct History {
    by_pair: HashMap<String, Vec<PastSeries>>,
    paused_from: HashMap<String, Date>,
}

/// One pair's history: see [`History::of`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Past<'h> {
    /// Its earlier series, oldest first.
    pub series: &'h [PastSeries],
    /// The first date its pause removes (the first meeting not yet held
    /// when the pause was first seen); `None` when no pause was recorded,
    /// and the pause then reaches back to the first meeting.
    pub paused_from: Option<Date>,
}

impl<'h> Past<'h> {
    /// Earlier series and no recorded pause.
    pub fn series(series: &'h [PastSeries]) -> Past<'h> {
        Past {
            series,
            paused_from: None,
        }
    }
}

/// The dates a pair's pause removes: `[from, until)`, or every date before
/// `until` when `from` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// The first date removed, if the pause began after the pair's start.
    pub from: Option<Date>,
    /// The first date no longer removed: the roster's `paused_until`.
    pub until: Date,
}

impl Pause {
    /// Whether the pause removes the meeting on `date`.
    pub fn removes(&self, date: Date) -> bool {
        date < self.until && self.from.is_none_or(|f| date >= f)
    }
}

impl History {
    /// No history: every pair has one series.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `past` was a series of the pair whose UID is `pair_uid`.
    /// Series are kept in the order of their `from` dates.
    pub fn push(&mut self, pair_uid: &str, past: PastSeries) {
        let list = self.by_pair.entry(pair_uid.to_string()).or_default();
        list.push(past);
        list.sort_by_key(|s| s.from);
    }

    /// Records that the pause of the pair whose UID is `pair_uid` began
    /// on `date`: meetings before it were held and stay.
    pub fn pause_from(&mut self, pair_uid: &str, date: Date) {
        self.paused_from.insert(pair_uid.to_string(), date);
    }

    /// What is known of `pair`: its earlier series, oldest first, and when
    /// its pause began.
    pub fn of(&self, pair: &Pair) -> Past<'_> {
        Past {
            series: self.by_pair.get(&pair.uid).map_or(&[], Vec::as_slice),
            paused_from: self.paused_from.get(&pair.uid).copied(),
        }
    }
}

/// One series as the schedule and the iCalendar writer see it.
#[derive(Debug, Clone)]
pub struct Series<'r> {
    /// Its UID.
    pub uid: Cow<'r, str>,
    /// Cadence anchor: occurrence 0.
    pub anchor: Date,
    /// Number of its first occurrence (its `DTSTART`).
    pub first: u32,
    /// Dates on or after this one are not in it (`None`: open-ended).
    pub until: Option<Date>,
    /// Local meeting time.
    pub time: Time,
    /// How often.
    pub cadence: Cadence,
    /// Length of each meeting.
    pub duration_minutes: u32,
    /// IANA name of its zone.
    pub timezone: &'r str,
    /// The zone.
    pub tz: &'r TimeZone,
    /// The dates the pair's pause removes.
    pub pause: Option<Pause>,
    /// Days off of either person (sorted): meetings on them do not take
    /// place (see [`Series::skipped`]) or move (see [`Series::moved_to`]).
    pub days_off: &'r [Date],
    /// What a day off does to a meeting.
    pub on_day_off: OnDayOff,
    /// The weekdays a moved meeting may go to (see
    /// [`crate::core::roster::Placing::work_days`]).
    pub work_days: u8,
    /// Dates a moved meeting may not go to ([`Pair::move_blocked`]).
    pub move_blocked: &'r [Date],
}

impl Series<'_> {
    /// The date of its first occurrence, if representable.
    pub fn first_date(&self) -> Option<Date> {
        nth_date(self.anchor, self.cadence, self.first)
    }

    /// The number of the first occurrence not in it (`u32::MAX` when
    /// open-ended).
    pub fn end(&self) -> u32 {
        self.until.map_or(u32::MAX, |u| {
            first_on_or_after(self.anchor, self.cadence, u).max(self.first)
        })
    }

    /// The occurrences the pause removes, as numbers `[lo, hi)` inside
    /// `[first, end)` (empty, `lo == hi`, without a pause).
    pub fn paused(&self) -> (u32, u32) {
        let Some(p) = self.pause else {
            return (self.first, self.first);
        };
        let end = self.end();
        let lo = p.from.map_or(self.first, |f| {
            first_on_or_after(self.anchor, self.cadence, f).clamp(self.first, end)
        });
        let hi = first_on_or_after(self.anchor, self.cadence, p.until).clamp(lo, end);
        (lo, hi)
    }

    /// The number of its first meeting that takes place: its `DTSTART`. A
    /// pause that reaches back to the first occurrence moves it to the first
    /// one after the pause, and so do days off, so an invitation starts at a
    /// real meeting.
    pub fn first_shown(&self) -> u32 {
        let mut k = match self.paused() {
            (lo, hi) if lo == self.first => hi,
            _ => self.first,
        };
        let skipped = self.skipped();
        while skipped.binary_search(&k).is_ok() {
            k = k.saturating_add(1);
        }
        k
    }

    /// The occurrences, in `[first, end)` and not paused, that fall on a day
    /// off and do not move: they do not take place. Sorted.
    pub fn skipped(&self) -> Vec<u32> {
        if self.days_off.is_empty() {
            return Vec::new();
        }
        let end = self.end();
        let (lo, hi) = self.paused();
        let mut out: Vec<u32> = self
            .days_off
            .iter()
            .filter_map(|&d| {
                let k = first_on_or_after(self.anchor, self.cadence, d);
                (nth_date(self.anchor, self.cadence, k) == Some(d)).then_some((k, d))
            })
            .filter(|&(k, _)| k >= self.first && k < end && !(lo..hi).contains(&k))
            .filter(|&(k, d)| self.moved_to(k, d).is_none())
            .map(|(k, _)| k)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether `date` is a day off of either person.
    pub fn is_day_off(&self, date: Date) -> bool {
        self.days_off.binary_search(&date).is_ok()
    }

    /// Where occurrence `k`, dated `date`, moves (`next_day` on a day off);
    /// `None` when it stays or is skipped.
    pub fn moved_to(&self, k: u32, date: Date) -> Option<Date> {
        if self.on_day_off != OnDayOff::NextDay || !self.is_day_off(date) {
            return None;
        }
        let next = nth_date(self.anchor, self.cadence, k.saturating_add(1));
        crate::core::daysoff::next_day(date, self.days_off, self.work_days, self.move_blocked, next)
    }

    /// How many of its occurrences before occurrence `k` take place (pauses
    /// and days off removed): the prompt rotation's position within this
    /// series.
    pub fn held_before(&self, k: u32) -> u32 {
        let k = k.clamp(self.first, self.end());
        let (lo, hi) = self.paused();
        let removed = hi.min(k).saturating_sub(lo);
        let off = if self.days_off.is_empty() {
            0
        } else {
            let n = self.skipped().iter().filter(|&&s| s < k).count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        (k - self.first - removed).saturating_sub(off)
    }
}

/// The series of `pair`, oldest first: one per earlier series in `past`
/// that holds at least one date, then the current one from the roster. An
/// opted-out pair has none.
pub fn series_of<'r>(pair: &'r Pair, past: Past<'r>) -> Vec<Series<'r>> {
    if !pair.is_active() {
        return Vec::new();
    }
    let pause = pair.paused_until.map(|until| Pause {
        from: past.paused_from,
        until,
    });
    let past = past.series;
    let mut out = Vec::with_capacity(past.len() + 1);
    for p in past {
        let first = first_on_or_after(p.start, p.cadence, p.from);
        let holds_a_date = nth_date(p.start, p.cadence, first).is_some_and(|d| d < p.until);
        if !holds_a_date {
            continue;
        }
        out.push(Series {
            uid: Cow::Borrowed(&p.uid),
            anchor: p.start,
            first,
            until: Some(p.until),
            time: p.time,
            cadence: p.cadence,
            duration_minutes: p.duration_minutes,
            timezone: &p.timezone,
            tz: &p.tz,
            pause,
            days_off: &pair.days_off,
            on_day_off: pair.on_day_off,
            work_days: pair.placing.work_days,
            move_blocked: &pair.move_blocked,
        });
    }
    let from = past.iter().map(|p| p.until).max();
    let first = from.map_or(0, |f| first_on_or_after(pair.start, pair.cadence, f));
    let uid = match (from, nth_date(pair.start, pair.cadence, first)) {
        (Some(_), Some(date)) => Cow::Owned(following_uid(&pair.uid, date)),
        _ => Cow::Borrowed(pair.uid.as_str()),
    };
    out.push(Series {
        uid,
        anchor: pair.start,
        first,
        until: None,
        time: pair.time,
        cadence: pair.cadence,
        duration_minutes: pair.duration_minutes,
        timezone: &pair.timezone,
        tz: &pair.tz,
        pause,
        days_off: &pair.days_off,
        on_day_off: pair.on_day_off,
        work_days: pair.placing.work_days,
        move_blocked: &pair.move_blocked,
    });
    out
}

/// The UID of a series that a change started on `first`: derived from the
/// pair and the date, so the same change always yields the same UID, in
/// the pair UID's domain.
pub fn following_uid(pair_uid: &str, first: Date) -> String {
    let day = crate::core::ical::date(first);
    let h = hex128(&[b"touchbase-following", pair_uid.as_bytes(), day.as_bytes()]);
    let domain = pair_uid.rsplit_once('@').map_or("touchbase", |(_, d)| d);
    format!("{h}@{domain}")
}

#[cfg(test)]
mod tests;

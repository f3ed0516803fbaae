//! The calendar events of a pair, as data: which `VEVENT`s feeds and
//! invitations carry, before any `VCALENDAR` or `METHOD` is chosen.
//!
//! Each series of a pair (see [`crate::core::series`]) is one recurring master
//! (`RRULE` in the pair's zone, `EXDATE` for the dates a pause removes,
//! `UNTIL` when a change ended it) plus one override (`RECURRENCE-ID`) per
//! meeting in the window, carrying that meeting's prompts.
//!
//! Several widely used clients do not follow RFC 5545 at DST edges
//! (Thunderbird's ical.js moves a nonexistent 02:30 backwards and picks the
//! second 01:30 of a fall-back night; other libraries add durations in wall
//! time). So an override whose start or end local time is not a single
//! instant is written in UTC: every client then shows the same time.
//!
//! [`write`](mod@write) renders them as `VEVENT` lines with the `ical`
//! writer.

use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp, ToSpan};

pub mod write;

use crate::core::cadence::nth_date;
use crate::core::plan::{pair_meetings_with, Meeting};
use crate::core::prompts::Bank;
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::{resolve, Clock, Window};
use crate::core::series::{series_of, Past, Series};

/// The line of guidance every description ends with.
pub const GUIDANCE: &str = "Listen first. Sharing a time you were stuck yourself invites openness.";

/// What a meeting without its own override says: true of a meeting still
/// to come (its prompts come with its update) and of one held long ago
/// (outside a feed's window).
pub const PROMPTS_LATER: &str = "Standing 1:1. Each meeting gets its own prompts here ahead of it.";

/// The sender of everything: `mail.from`, the `ORGANIZER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Organizer<'a> {
    /// Display name, if `mail.from` has one.
    pub name: Option<&'a str>,
    /// Address.
    pub email: &'a str,
}

impl Organizer<'_> {
    /// The domain of the address (after its last `@`), lowercased: UIDs
    /// and Message-IDs end in it, as spam filters and RFC 5545 expect.
    pub fn domain(&self) -> String {
        self.email
            .rsplit_once('@')
            .map(|(_, d)| d.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "touchbase.invalid".to_string())
    }
}

/// One series as `VEVENT`s: a master and its overrides.
#[derive(Debug, Clone)]
pub struct SeriesEvents<'r> {
    /// The pair.
    pub pair: &'r Pair,
    /// The prompt bank the overrides' indices point into.
    pub bank: &'r Bank,
    /// The series.
    pub series: Series<'r>,
    /// Local start of the first occurrence (`DTSTART;TZID`).
    pub dtstart: DateTime,
    /// `dtstart` plus the duration on the wall clock (`DTEND;TZID`).
    pub dtend: DateTime,
    /// The `RRULE` value, with `UNTIL` when the series was ended.
    pub rrule: String,
    /// Occurrences a pause removes (`EXDATE;TZID`), local.
    pub exdates: Vec<DateTime>,
    /// `SEQUENCE`: 0 in feeds; invitations carry the ledger's value.
    pub sequence: u32,
    /// One per meeting of this series in the window.
    pub overrides: Vec<Override>,
}

/// One meeting, overriding its occurrence of the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The occurrence's nominal local start (`RECURRENCE-ID;TZID`): the
    /// value the `RRULE` generates, which every client matches.
    pub recurrence_id: DateTime,
    /// When it takes place.
    pub when: When,
    /// Bank indices of its prompts; the `DESCRIPTION` is these, one per
    /// line, then the guidance (see [`Override::description`]).
    pub prompts: Vec<u16>,
}

impl Override {
    /// The prompts' texts.
    pub fn prompt_texts<'b>(&self, bank: &'b Bank) -> impl Iterator<Item = &'b str> + use<'b, '_> {
        self.prompts
            .iter()
            .filter_map(|&i| bank.prompts.get(usize::from(i)))
            .map(|p| p.text.as_str())
    }

    /// Its `DESCRIPTION`, unescaped.
    pub fn description(&self, bank: &Bank) -> String {
        description(self.prompt_texts(bank))
    }
}

/// How an override's start and end are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// In the series' zone (`TZID`): the usual case.
    Local {
        /// Start.
        start: DateTime,
        /// End.
        end: DateTime,
    },
    /// In UTC, because a DST change makes the local form ambiguous or
    /// nonexistent.
    Utc {
        /// Start.
        start: Timestamp,
        /// End.
        end: Timestamp,
    },
}

/// The description of a meeting: its prompts, one per line, then the
/// guidance.
pub fn description<'a>(prompts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for p in prompts {
        out.push_str(p);
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(GUIDANCE);
    out
}

/// The description of the master: what occurrences without an override show.
pub fn master_description() -> &'static str {
    MASTER_DESCRIPTION
}

const MASTER_DESCRIPTION: &str = concat!(
    "Standing 1:1. Each meeting gets its own prompts here ahead of it.",
    "\n\n",
    "Listen first. Sharing a time you were stuck yourself invites openness."
);

/// The events of `pair` (earlier series in `past`, oldest first), with an
/// override for every meeting whose local date is in `window`. An
/// opted-out pair has none.
pub fn pair_events<'r>(
    roster: &'r Roster,
    pair: &'r Pair,
    past: Past<'r>,
    window: Window,
) -> Vec<SeriesEvents<'r>> {
    let mut meetings = pair_meetings_with(pair, past, window)
        .into_iter()
        .peekable();
    let mut out = Vec::new();
    for (index, series) in series_of(pair, past).into_iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let mut overrides = Vec::new();
        while let Some(m) = meetings.next_if(|m| m.series == index) {
            overrides.push(override_of(&series, m));
        }
        if let Some(events) = series_events(pair, &roster.bank, series, overrides) {
            out.push(events);
        }
    }
    out
}

/// The master of `series` with `overrides`; `None` when it holds no
/// meeting at all (a pause covers every date it has).
pub fn series_events<'r>(
    pair: &'r Pair,
    bank: &'r Bank,
    series: Series<'r>,
    overrides: Vec<Override>,
) -> Option<SeriesEvents<'r>> {
    let shown = series.first_shown();
    if shown >= series.end() {
        return None;
    }
    let dtstart = nth_date(series.anchor, series.cadence, shown)?.to_datetime(series.time);
    let minutes = i64::from(series.duration_minutes);
    let dtend = dtstart.checked_add(minutes.minutes()).ok()?;
    let mut rrule = series.cadence.rrule(series.anchor);
    if let Some(until) = series.until {
        // RFC 5545: with a TZID start, UNTIL must be UTC. The last second
        // before the local midnight that opens `until` keeps every earlier
        // date and none after, whatever the meeting time.
        let midnight = until.to_zoned(series.tz.clone()).ok()?.timestamp();
        let last = midnight.checked_sub(SignedDuration::from_secs(1)).ok()?;
        rrule.push_str(";UNTIL=");
        rrule.push_str(&crate::core::ical::utc_datetime(last));
    }
    let (lo, hi) = series.paused();
    let mut exdates: Vec<_> = (lo.max(shown)..hi)
        .chain(series.skipped().into_iter().filter(|&k| k > shown))
        .filter_map(|k| nth_date(series.anchor, series.cadence, k))
        .map(|d| d.to_datetime(series.time))
        .collect();
    exdates.sort_unstable();
    Some(SeriesEvents {
        pair,
        bank,
        series,
        dtstart,
        dtend,
        rrule,
        exdates,
        sequence: 0,
        overrides,
    })
}

fn override_of(series: &Series<'_>, m: Meeting<'_>) -> Override {
    let local_end = series.tz.to_datetime(m.end);
    // The end's local form must name exactly that instant, too: a meeting
    // ending inside a fall-back hour would otherwise lose an hour.
    let end_is_exact = resolve(series.tz, local_end)
        .is_some_and(|(ts, clock)| clock == Clock::Normal && ts == m.end);
    let when = if m.clock == Clock::Normal && end_is_exact {
        When::Local {
            start: m.local,
            end: local_end,
        }
    } else {
        When::Utc {
            start: m.start,
            end: m.end,
        }
    };
    Override {
        recurrence_id: m.recurrence,
        when,
        prompts: m.prompts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_description_is_the_note_then_the_guidance() {
        assert_eq!(
            master_description(),
            format!("{PROMPTS_LATER}\n\n{GUIDANCE}")
        );
    }

    #[test]
    fn description_lists_prompts_then_guidance() {
        assert_eq!(
            description(["How are things going?", "Where are you stuck?"]),
            format!("How are things going?\nWhere are you stuck?\n\n{GUIDANCE}")
        );
        assert_eq!(description([]), GUIDANCE);
    }
}

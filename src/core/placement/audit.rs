//! What `touchbase check` says about the 1:1s as scheduled, fixed times
//! and placed ones alike: one person's 1:1s that overlap on some date (a
//! manager is often someone's report too), and meetings outside either
//! person's working hours, each in their own zone.
//!
//! It looks at the real meetings in the window (daylight saving, pauses
//! and cadences as the schedule has them), so each warning names dates.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::hours::Hours;
use super::week::{CELLS, CELL_MINUTES, PER_DAY};
use crate::core::check::Warning;
use crate::core::roster::Roster;
use crate::core::schedule::{self, Window};

/// How many dates a warning lists before it only counts the rest.
const DATES_SHOWN: usize = 3;

/// One meeting, as the audit sees it.
struct Meeting {
    pair: usize,
    start: Timestamp,
    end: Timestamp,
    date: jiff::civil::Date,
}

/// The overlap and working-hours warnings for the meetings in `window`.
pub fn warnings(roster: &Roster, window: Window) -> Vec<Warning> {
    let mut by_person: HashMap<String, Vec<Meeting>> = HashMap::new();
    let mut outside: Vec<((usize, bool), Vec<jiff::civil::Date>)> = Vec::new();
    for (i, pair) in roster.pairs.iter().enumerate() {
        // Paused reports are only counted, like opted-out ones.
        if !pair.is_active() || pair.is_paused_on(window.from) {
            continue;
        }
        let manager = &roster.managers[pair.manager_index];
        let mut off = [Vec::new(), Vec::new()];
        for slot in schedule::slots(pair, window) {
            let minutes = pair.duration_minutes;
            if !inside(&manager.hours, &manager.tz, slot.start, minutes) {
                off[0].push(slot.date);
            }
            if !inside(&pair.placing.report_hours, &pair.tz, slot.start, minutes) {
                off[1].push(slot.date);
            }
            for person in [pair.manager.key(), pair.report.key()] {
                by_person.entry(person).or_default().push(Meeting {
                    pair: i,
                    start: slot.start,
                    end: slot.end,
                    date: slot.date,
                });
            }
        }
        for (side, dates) in off.into_iter().enumerate() {
            if !dates.is_empty() {
                outside.push(((i, side == 1), dates));
            }
        }
    }
    let mut out = Vec::new();
    for ((i, report_side), dates) in outside {
        let pair = &roster.pairs[i];
        let (whose, zone) = if report_side {
            (&pair.report.email, pair.timezone.as_str())
        } else {
            (
                &pair.manager.email,
                roster.managers[pair.manager_index].timezone.as_str(),
            )
        };
        out.push(Warning {
            origin: pair.origin.to_string(),
            message: format!(
                "the 1:1 of {} with {} at {} {} falls outside {}'s hours (in {}) on {}",
                pair.manager.email,
                pair.report.email,
                pair.time.strftime("%H:%M"),
                pair.timezone,
                whose,
                zone,
                list(&dates)
            ),
        });
    }
    out.extend(overlaps(roster, by_person));
    out
}

/// One warning per person and pair of pairs whose meetings overlap.
fn overlaps(roster: &Roster, by_person: HashMap<String, Vec<Meeting>>) -> Vec<Warning> {
    let mut clashes: HashMap<(String, usize, usize), Vec<jiff::civil::Date>> = HashMap::new();
    for (person, mut meetings) in by_person {
        if meetings.len() < 2 {
            continue;
        }
        meetings.sort_by_key(|m| (m.start, m.pair));
        for (a, m) in meetings.iter().enumerate() {
            for n in &meetings[a + 1..] {
                if n.start >= m.end {
                    break;
                }
                let key = (person.clone(), m.pair.min(n.pair), m.pair.max(n.pair));
                clashes.entry(key).or_default().push(m.date.min(n.date));
            }
        }
    }
    let mut keys: Vec<_> = clashes.into_iter().collect();
    keys.sort_by(|a, b| (a.0 .1, a.0 .2, &a.0 .0).cmp(&(b.0 .1, b.0 .2, &b.0 .0)));
    keys.into_iter()
        .map(|((person, a, b), mut dates)| {
            dates.sort();
            dates.dedup();
            let (pa, pb) = (&roster.pairs[a], &roster.pairs[b]);
            Warning {
                origin: pb.origin.to_string(),
                message: format!(
                    "{person} has two 1:1s at once: {} with {} ({} {}) and {} with {} ({} {}) overlap on {}",
                    pa.manager.email,
                    pa.report.email,
                    pa.time.strftime("%H:%M"),
                    pa.timezone,
                    pb.manager.email,
                    pb.report.email,
                    pb.time.strftime("%H:%M"),
                    pb.timezone,
                    list(&dates)
                ),
            }
        })
        .collect()
}

/// Whether a meeting from `start`, `minutes` long, lies inside `hours`
/// in `tz` (the cells it touches, on the person's wall clock).
pub fn inside(hours: &Hours, tz: &TimeZone, start: Timestamp, minutes: u32) -> bool {
    let local = start.to_zoned(tz.clone());
    let day = local.weekday().to_monday_zero_offset() as i32;
    let from = day * PER_DAY as i32 * CELL_MINUTES
        + i32::from(local.hour()) * 60
        + i32::from(local.minute());
    let to = from + minutes as i32;
    let (first, last) = (from / CELL_MINUTES, (to + CELL_MINUTES - 1) / CELL_MINUTES);
    (first..last).all(|c| hours.week.get(c.rem_euclid(CELLS as i32) as usize))
}

fn list(dates: &[jiff::civil::Date]) -> String {
    let shown: Vec<String> = dates
        .iter()
        .take(DATES_SHOWN)
        .map(|d| d.to_string())
        .collect();
    let rest = dates.len().saturating_sub(DATES_SHOWN);
    if rest == 0 {
        shown.join(", ")
    } else {
        format!(
            "{} and {rest} more date{}",
            shown.join(", "),
            if rest == 1 { "" } else { "s" }
        )
    }
}

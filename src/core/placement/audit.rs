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

/// Who is in which audited pairs: an id per person (lowercased
/// address), with their name and pairs. Only a person in two pairs or
/// more can have two 1:1s at once.
struct People {
    names: Vec<String>,
    pairs: Vec<Vec<usize>>,
}

impl People {
    fn of(roster: &Roster, audited: &[usize]) -> People {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut people = People {
            names: Vec::new(),
            pairs: Vec::new(),
        };
        for &i in audited {
            let pair = &roster.pairs[i];
            for person in [pair.manager.key(), pair.report.key()] {
                let id = *ids.entry(person.clone()).or_insert_with(|| {
                    people.names.push(person);
                    people.pairs.push(Vec::new());
                    people.names.len() - 1
                });
                people.pairs[id].push(i);
            }
        }
        people
    }
}

/// The meetings of the audited pairs, walked a pair at a time: each
/// pair's meetings outside either person's hours are noted the first time
/// it is walked.
struct Walk<'r> {
    roster: &'r Roster,
    window: Window,
    walked: Vec<bool>,
    outside: Vec<((usize, bool), Vec<jiff::civil::Date>)>,
}

impl Walk<'_> {
    /// Appends pair `i`'s meetings to `out`.
    fn pair(&mut self, i: usize, out: &mut Vec<Meeting>) {
        let roster = self.roster;
        let pair = &roster.pairs[i];
        let manager = &roster.managers[pair.manager_index];
        let first = !self.walked[i];
        self.walked[i] = true;
        let mut off = [Vec::new(), Vec::new()];
        for slot in schedule::slots(pair, self.window) {
            if first {
                let minutes = pair.duration_minutes;
                if !inside(&manager.hours, &manager.tz, slot.start, minutes) {
                    off[0].push(slot.date);
                }
                if !inside(&pair.placing.report_hours, &pair.tz, slot.start, minutes) {
                    off[1].push(slot.date);
                }
            }
            out.push(Meeting {
                pair: i,
                start: slot.start,
                end: slot.end,
                date: slot.date,
            });
        }
        for (side, dates) in off.into_iter().enumerate() {
            if !dates.is_empty() {
                self.outside.push(((i, side == 1), dates));
            }
        }
    }
}

/// The overlap and working-hours warnings for the meetings in `window`.
///
/// Each person's meetings are held only while that person is looked at,
/// so the audit of 100,000 pairs needs little memory beyond the roster.
pub fn warnings(roster: &Roster, window: Window) -> Vec<Warning> {
    // Paused reports are only counted, like opted-out ones.
    let audited: Vec<usize> = roster
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_active() && !p.is_paused_on(window.from))
        .map(|(i, _)| i)
        .collect();
    let people = People::of(roster, &audited);
    let mut walk = Walk {
        roster,
        window,
        walked: vec![false; roster.pairs.len()],
        outside: Vec::new(),
    };
    let mut clashes: HashMap<(usize, usize, usize), Vec<jiff::civil::Date>> = HashMap::new();
    let mut meetings = Vec::new();
    for (id, pairs) in people.pairs.iter().enumerate() {
        if pairs.len() < 2 {
            continue;
        }
        meetings.clear();
        for &i in pairs {
            walk.pair(i, &mut meetings);
        }
        clash(id, &mut meetings, &mut clashes);
    }
    for &i in &audited {
        if !walk.walked[i] {
            meetings.clear();
            walk.pair(i, &mut meetings);
        }
    }
    let mut outside = walk.outside;
    outside.sort_by_key(|(key, _)| *key);
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
    out.extend(overlaps(roster, &people.names, clashes));
    out
}

/// Notes, for person `id`, each two of `meetings` (theirs) that overlap.
fn clash(
    id: usize,
    meetings: &mut [Meeting],
    clashes: &mut HashMap<(usize, usize, usize), Vec<jiff::civil::Date>>,
) {
    meetings.sort_by_key(|m| (m.start, m.pair));
    for (a, m) in meetings.iter().enumerate() {
        for n in &meetings[a + 1..] {
            if n.start >= m.end {
                break;
            }
            let key = (id, m.pair.min(n.pair), m.pair.max(n.pair));
            clashes.entry(key).or_default().push(m.date.min(n.date));
        }
    }
}

/// One warning per person and pair of pairs whose meetings overlap.
fn overlaps(
    roster: &Roster,
    names: &[String],
    clashes: HashMap<(usize, usize, usize), Vec<jiff::civil::Date>>,
) -> Vec<Warning> {
    let mut keys: Vec<_> = clashes.into_iter().collect();
    keys.sort_by(|a, b| (a.0 .1, a.0 .2, &names[a.0 .0]).cmp(&(b.0 .1, b.0 .2, &names[b.0 .0])));
    keys.into_iter()
        .map(|((id, a, b), mut dates)| {
            let person = &names[id];
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
    let local = tz.to_datetime(start);
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

//! Placement (`time = "auto"`): the weekday and time of each such pair,
//! chosen from the roster and the ledger alone (SPEC.md, "Placement").
//!
//! Every 1:1 is a run of 15-minute cells of the UTC week, one position per
//! season (see [`seasons`]): a slot that is free in every season is free in
//! every week of the year. Each person in more than one pair keeps, per
//! cadence class (every `n` weeks, in week `p` of `n`), the cells their
//! 1:1s take; two classes clash only when their weeks can coincide
//! (`p1 ≡ p2` modulo `gcd(n1, n2)`), so a biweekly and another biweekly
//! pair may share a slot in alternate weeks, while a weekly one takes it
//! every week. Monthly pairs count as weekly, and so does a meeting that
//! crosses the start of the UTC week (Monday 00:00 UTC), which keeps the
//! week counting simple and errs on the safe side.
//!
//! The order, each step seeing what the previous ones took:
//!
//! 1. fixed pairs (`time = "HH:MM"`) are facts;
//! 2. an auto pair whose series was sent keeps the weekday and time it was
//!    sent with, as long as that slot still fits (inside both people's
//!    hours, clashing with no fixed pair nor any pair kept before it);
//! 3. every other auto pair, in roster order, gets the free slot inside
//!    both people's hours (each in their own zone) on the manager's
//!    least-loaded weekday that still has room under `max_per_day`, at the
//!    earliest such time of the manager's day.
//!
//! The cost is a few dozen word operations per pair and season, so 100,000
//! pairs place in a fraction of a second (docs/PERFORMANCE.md).

pub(crate) mod audit;
mod board;
pub mod hours;
pub mod seasons;
pub mod week;

use std::collections::HashMap;

use jiff::civil::{Date, Time, Weekday};
use jiff::ToSpan;

use crate::core::reconcile::{Sent, SeriesState};
use crate::core::roster::Roster;
use board::Board;
use week::{CELL_MINUTES, PER_DAY};

/// Why an auto pair has no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The two people's working hours never hold a whole meeting at once.
    NoCommonHours,
    /// Every slot inside both people's hours overlaps another 1:1 of one
    /// of them.
    Taken,
    /// Free slots are left only on days when the manager already has
    /// `max_per_day` 1:1s.
    WeekFull {
        /// The manager's `max_per_day`.
        max_per_day: u32,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::NoCommonHours => f.write_str(
                "the manager's and the report's working hours (`hours`, each in their own zone) never overlap for a whole meeting",
            ),
            Reason::Taken => f.write_str(
                "every slot inside both people's working hours overlaps another 1:1 of one of them",
            ),
            Reason::WeekFull { max_per_day } => write!(
                f,
                "the manager's week is full: every free slot inside both people's working hours is on a day that already has max_per_day = {max_per_day} 1:1s"
            ),
        }
    }
}

/// An auto pair that could not be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    /// Its index in [`Roster::pairs`].
    pub pair: usize,
    /// Why.
    pub reason: Reason,
}

/// What a placement found, besides the placed pairs themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placed {
    /// Per manager (as indexed in [`Roster::managers`]): their active 1:1s
    /// on each weekday of their own week, Monday first, fixed and placed.
    pub load: Vec<[u32; 7]>,
    /// Auto pairs whose sent slot no longer fits and that were placed
    /// again (indices in [`Roster::pairs`]).
    pub moved: Vec<usize>,
}

/// The weekday and time an auto pair's series was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSlot {
    /// The weekday of its meetings.
    pub weekday: Weekday,
    /// Their local time.
    pub time: Time,
    /// The zone they are in.
    pub timezone: String,
}

/// The slot of each pair's active series, by the pair's UID.
pub fn sent_slots(sent: &Sent) -> HashMap<&str, SentSlot> {
    sent.series
        .iter()
        .filter(|s| s.state == SeriesState::Active)
        .map(|s| {
            let slot = SentSlot {
                weekday: s.shape.anchor.weekday(),
                time: s.shape.time,
                timezone: s.shape.zone.name.clone(),
            };
            (s.pair_uid.as_str(), slot)
        })
        .collect()
}

/// Places every active auto pair of `roster` (setting its `start` and
/// `time`), keeping the slots `sent` records where they still fit.
/// Pairs that cannot be placed are all returned, each with its reason.
pub fn place(roster: &mut Roster, sent: &Sent) -> Result<Placed, Vec<Unplaced>> {
    let slots = sent_slots(sent);
    let mut board = Board::new(roster);
    let mut chosen: Vec<(usize, Date, Time)> = Vec::new();
    let mut unplaced = Vec::new();
    let mut moved = Vec::new();
    let mut todo = Vec::new();
    for (i, pair) in roster.pairs.iter().enumerate() {
        if !pair.is_active() {
            continue;
        }
        if !pair.placing.auto {
            let s = board.shape(i, pair, pair.time);
            board.insert(&s, cell_of(pair.start, pair.time), pair.start);
        }
    }
    for (i, pair) in roster.pairs.iter().enumerate() {
        if !pair.is_active() || !pair.placing.auto {
            continue;
        }
        let kept = slots
            .get(pair.uid.as_str())
            .filter(|s| s.timezone == pair.timezone)
            .and_then(|s| {
                let start = on_or_after(pair.placing.from, s.weekday)?;
                let shape = board.shape(i, pair, s.time);
                let l = cell_of(start, s.time);
                let fits = board.fit(&shape, pair.placing.from);
                fits.free.get(l).then(|| {
                    board.insert(&shape, l, start);
                    (start, s.time)
                })
            });
        match kept {
            Some((start, time)) => chosen.push((i, start, time)),
            None => {
                if slots.contains_key(pair.uid.as_str()) {
                    moved.push(i);
                }
                todo.push(i);
            }
        }
    }
    for i in todo {
        let pair = &roster.pairs[i];
        let shape = board.shape(i, pair, Time::midnight());
        let fits = board.fit(&shape, pair.placing.from);
        match board.choose(&shape, &fits.room) {
            Some(l) => {
                let (start, time) = slot_of(pair.placing.from, l);
                board.insert(&shape, l, start);
                chosen.push((i, start, time));
            }
            None => {
                let reason = if fits.hours.is_empty() {
                    Reason::NoCommonHours
                } else if fits.free.is_empty() {
                    Reason::Taken
                } else {
                    Reason::WeekFull {
                        max_per_day: roster.managers[pair.manager_index].max_per_day,
                    }
                };
                unplaced.push(Unplaced { pair: i, reason });
            }
        }
    }
    if !unplaced.is_empty() {
        unplaced.sort_by_key(|u| u.pair);
        return Err(unplaced);
    }
    let load = board.load.clone();
    for (i, start, time) in chosen {
        let p = &mut roster.pairs[i];
        p.start = start;
        p.time = time;
    }
    Ok(Placed { load, moved })
}

/// Each manager's active 1:1s per weekday of their own week (Monday
/// first), as the roster stands (placed pairs included), indexed as
/// [`Roster::managers`]. Only counts: no report is named.
///
/// A pair counts on the weekday its first meeting falls on in the
/// manager's zone: a count per pair, without building a placement board.
pub fn load(roster: &Roster) -> Vec<[u32; 7]> {
    let mut load = vec![[0u32; 7]; roster.managers.len()];
    for pair in roster.active_pairs() {
        let (Some(manager), Some(day)) = (
            roster.managers.get(pair.manager_index),
            crate::core::schedule::resolve(&pair.tz, pair.start.to_datetime(pair.time)),
        ) else {
            continue;
        };
        let weekday = day.0.to_zoned(manager.tz.clone()).weekday();
        if let Some(l) = load.get_mut(pair.manager_index) {
            l[weekday.to_monday_zero_offset() as usize] += 1;
        }
    }
    load
}

/// The first date on or after `from` that is a `weekday`.
fn on_or_after(from: Date, weekday: Weekday) -> Option<Date> {
    let ahead =
        (weekday.to_monday_zero_offset() - from.weekday().to_monday_zero_offset()).rem_euclid(7);
    from.checked_add(i64::from(ahead).days()).ok()
}

/// The cell of the local week where a meeting at `time` on `date` begins.
fn cell_of(date: Date, time: Time) -> usize {
    let day = date.weekday().to_monday_zero_offset() as usize;
    let minute = i32::from(time.hour()) * 60 + i32::from(time.minute());
    day * PER_DAY + (minute / CELL_MINUTES) as usize
}

/// The first date and the time of a slot starting at local cell `l`.
fn slot_of(from: Date, l: usize) -> (Date, Time) {
    let weekday = Weekday::from_monday_zero_offset((l / PER_DAY) as i8).unwrap_or(Weekday::Monday);
    let minutes = (l % PER_DAY) as i32 * CELL_MINUTES;
    let time =
        Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).unwrap_or(Time::midnight());
    (on_or_after(from, weekday).unwrap_or(from), time)
}

#[cfg(test)]
mod tests;

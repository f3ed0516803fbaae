//! Every meeting of a roster in a window, each with its prompts.
//!
//! This is what `preview` prints and what feeds and mails describe. A
//! meeting's prompts depend on its place among the pair's meetings that take
//! place (paused dates do not count), so they are the same whichever window
//! a meeting is seen through.

use std::borrow::Cow;

use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::core::prompts::{Prompt, Rotation};
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::{self, slots, Clock, Window};
use crate::core::series::{series_of, History, Past};

/// One meeting of one pair.
#[derive(Debug, Clone)]
pub struct Meeting<'r> {
    /// The pair.
    pub pair: &'r Pair,
    /// UID of the series it belongs to.
    pub uid: Cow<'r, str>,
    /// Index of that series among the pair's (see [`series_of`]).
    pub series: u32,
    /// Position in the series, counting from `start` as 0.
    pub occurrence: u32,
    /// Position among the pair's meetings that take place (pauses skipped),
    /// counted across all its series.
    pub number: u32,
    /// The wall-clock time asked for.
    pub local: DateTime,
    /// Its `RECURRENCE-ID`: the series' own date and time for it (differs
    /// from `local` when a day off moved the meeting).
    pub recurrence: DateTime,
    /// When it starts.
    pub start: Timestamp,
    /// When it ends.
    pub end: Timestamp,
    /// Whether DST moved or doubled the local time.
    pub clock: Clock,
    /// Bank indices of its prompts.
    pub prompts: Vec<u16>,
}

impl<'r> Meeting<'r> {
    /// The prompts themselves.
    pub fn prompts<'b>(
        &self,
        roster: &'b Roster,
    ) -> impl Iterator<Item = &'b Prompt> + use<'b, '_> {
        self.prompts
            .iter()
            .filter_map(|&i| roster.bank.prompts.get(usize::from(i)))
    }
}

/// The meetings of one pair inside `window`, in order, as if it had only
/// its current series.
pub fn pair_meetings(pair: &Pair, window: Window) -> Vec<Meeting<'_>> {
    let mut out = Vec::new();
    pair_meetings_into(pair, Past::default(), window, &mut out);
    out
}

/// The meetings of one pair inside `window`, in order, across its earlier
/// series (`past`, oldest first) and the current one.
pub fn pair_meetings_with<'r>(pair: &'r Pair, past: Past<'r>, window: Window) -> Vec<Meeting<'r>> {
    let mut out = Vec::new();
    pair_meetings_into(pair, past, window, &mut out);
    out
}

fn pair_meetings_into<'r>(
    pair: &'r Pair,
    past: Past<'r>,
    window: Window,
    out: &mut Vec<Meeting<'r>>,
) {
    let all = series_of(pair, past);
    let per_meeting = usize::try_from(pair.prompts_per_meeting).unwrap_or(usize::MAX);
    let mut rotation = Rotation::new(&pair.eligible, per_meeting, pair.key);
    // The prompts before a report's own choice of tags, in step with the
    // current ones: a meeting takes from the set in force on its date.
    let mut earlier = pair
        .prompts_before
        .as_ref()
        .map(|(day, eligible)| (*day, Rotation::new(eligible, per_meeting, pair.key)));
    // Where the rotation stands, in meetings held: numbering continues
    // across series, so a change does not bring the first prompts back.
    let mut position: u32 = 0;
    // Meetings held in the series before the one at hand.
    let mut before: u32 = 0;
    for (index, series) in all.iter().enumerate() {
        let mut slots = schedule::series_slots(series, window).peekable();
        if let Some(first) = slots.peek() {
            let first_number = before.saturating_add(series.held_before(first.occurrence));
            rotation.skip(u64::from(first_number.saturating_sub(position)));
            if let Some((_, r)) = &mut earlier {
                r.skip(u64::from(first_number.saturating_sub(position)));
            }
            position = first_number;
            for slot in slots {
                let mut prompts = Vec::with_capacity(pair.prompts_per_meeting as usize);
                rotation.next_into(&mut prompts);
                if let Some((day, r)) = &mut earlier {
                    let mut before = Vec::with_capacity(prompts.len());
                    r.next_into(&mut before);
                    if slot.local.date() < *day {
                        prompts = before;
                    }
                }
                out.push(Meeting {
                    pair,
                    uid: series.uid.clone(),
                    series: u32::try_from(index).unwrap_or(u32::MAX),
                    occurrence: slot.occurrence,
                    number: position,
                    local: slot.local,
                    recurrence: slot.recurrence,
                    start: slot.start,
                    end: slot.end,
                    clock: slot.clock,
                    prompts,
                });
                position = position.saturating_add(1);
            }
        }
        before = before.saturating_add(series.held_before(series.end()));
    }
}

/// Every meeting in `window` of every active pair (of one manager, when
/// `manager` is given), ordered by start, then manager, then report.
/// `history` holds the pairs' earlier series (empty: one series each).
pub fn plan<'r>(
    roster: &'r Roster,
    history: &'r History,
    window: Window,
    manager: Option<&str>,
) -> Vec<Meeting<'r>> {
    let mut out = Vec::new();
    for pair in roster.active_pairs() {
        if manager.is_some_and(|m| !pair.manager.is(m)) {
            continue;
        }
        pair_meetings_into(pair, history.of(pair), window, &mut out);
    }
    sort_by_start(&mut out);
    out
}

/// Sorts `meetings` by start, then manager, then report.
///
/// The key is total (one pair never has two meetings at one instant), so
/// an unstable sort is deterministic. Sorting the meetings themselves
/// moved 120 bytes at each of the n log n steps and read each meeting's
/// pair (elsewhere in memory) at every comparison; the keys are sorted
/// instead, a pair read only when start and manager tie, and the
/// meetings then put in place in one pass.
fn sort_by_start(meetings: &mut [Meeting<'_>]) {
    let mut keys: Vec<(Timestamp, usize, usize)> = meetings
        .iter()
        .enumerate()
        .map(|(i, m)| (m.start, m.pair.manager_index, i))
        .collect();
    keys.sort_unstable_by(|a, b| {
        (a.0, a.1).cmp(&(b.0, b.1)).then_with(|| {
            let email = |i: usize| meetings.get(i).map(|m| &m.pair.report.email);
            email(a.2).cmp(&email(b.2))
        })
    });
    let order: Vec<usize> = keys.into_iter().map(|k| k.2).collect();
    permute(meetings, &order);
}

/// Rearranges `items` so that position k holds what was at `order[k]`,
/// following each cycle of the permutation with swaps.
fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut done = vec![false; order.len()];
    for first in 0..order.len() {
        let mut at = first;
        while !done[at] {
            done[at] = true;
            let from = order[at];
            if from == first {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// When the next meeting enters its lead time (its prompts become due).
pub fn next_lead_entry(roster: &Roster, lead_days: u32, now: Timestamp) -> Option<Timestamp> {
    let lead = SignedDuration::from_hours(24 * i64::from(lead_days));
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let from = today.checked_sub(1.day()).ok()?;
    let until = today
        .checked_add(i64::from(lead_days + 7 * 13 + 2).days())
        .ok()?;
    roster
        .active_pairs()
        .filter_map(|p| {
            slots(p, Window { from, until })
                .filter_map(|s| s.start.checked_sub(lead).ok())
                .find(|t| *t > now)
        })
        .min()
}

#[cfg(test)]
mod tests;

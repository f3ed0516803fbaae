//! Every meeting of a roster in a window, each with its prompts.
//!
//! This is what `preview` prints and what feeds and mails describe. A
//! meeting's prompts depend on its place among the pair's meetings that take
//! place (paused dates do not count), so they are the same whichever window
//! a meeting is seen through.

use jiff::civil::DateTime;
use jiff::Timestamp;

use crate::prompts::{Prompt, Rotation};
use crate::roster::{Pair, Roster};
use crate::schedule::{self, Clock, Window};

/// One meeting of one pair.
#[derive(Debug, Clone)]
pub struct Meeting<'r> {
    /// The pair.
    pub pair: &'r Pair,
    /// Position in the series, counting from `start` as 0.
    pub occurrence: u32,
    /// Position among the meetings that take place (pauses skipped).
    pub number: u32,
    /// The wall-clock time asked for.
    pub local: DateTime,
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

/// The meetings of one pair inside `window`, in order.
pub fn pair_meetings(pair: &Pair, window: Window) -> Vec<Meeting<'_>> {
    let mut out = Vec::new();
    pair_meetings_into(pair, window, &mut out);
    out
}

fn pair_meetings_into<'r>(pair: &'r Pair, window: Window, out: &mut Vec<Meeting<'r>>) {
    let mut slots = schedule::slots(pair, window).peekable();
    let Some(first) = slots.peek() else {
        return;
    };
    let skipped = schedule::paused_count(pair);
    let mut rotation = Rotation::new(
        &pair.eligible,
        usize::try_from(pair.prompts_per_meeting).unwrap_or(usize::MAX),
        pair.key,
    );
    let first_number = first.occurrence.saturating_sub(skipped);
    rotation.skip(u64::from(first_number));
    for (number, slot) in (first_number..).zip(slots) {
        let mut prompts = Vec::with_capacity(pair.prompts_per_meeting as usize);
        rotation.next_into(&mut prompts);
        out.push(Meeting {
            pair,
            occurrence: slot.occurrence,
            number,
            local: slot.local,
            start: slot.start,
            end: slot.end,
            clock: slot.clock,
            prompts,
        });
    }
}

/// Every meeting in `window` of every active pair (of one manager, when
/// `manager` is given), ordered by start, then manager, then report.
pub fn plan<'r>(roster: &'r Roster, window: Window, manager: Option<&str>) -> Vec<Meeting<'r>> {
    let mut out = Vec::new();
    for pair in roster.active_pairs() {
        if manager.is_some_and(|m| !pair.manager.is(m)) {
            continue;
        }
        pair_meetings_into(pair, window, &mut out);
    }
    // The key is total (one pair never has two meetings at one instant), so
    // an unstable sort is deterministic and needs no scratch memory.
    out.sort_unstable_by(|a, b| {
        (a.start, a.pair.manager_index, &a.pair.report.email).cmp(&(
            b.start,
            b.pair.manager_index,
            &b.pair.report.email,
        ))
    });
    out
}

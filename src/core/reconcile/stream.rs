//! The reconcile as a stream: the steps run a pair at a time, and each
//! message is handed out as soon as it is made, so that a reconcile with a
//! message for each of 100,000 pairs never holds every message (about
//! 6 KB each with its calendar object and bodies) at once. The states
//! the messages leave come at the end, from [`Reconciler::finish`].

use std::collections::{HashSet, VecDeque};

use jiff::{SignedDuration, Timestamp};

use super::draft::Ctx;
use super::Settings;
use super::{ended, history, objects, stops, Index, Outgoing, Sent, SentOccurrence, SentSeries};
use crate::core::roster::{Pair, Roster};
use crate::core::series::History;

/// A reconcile in progress: an iterator of the messages due at `now`, in
/// the order they must leave.
pub struct Reconciler<'r> {
    roster: &'r Roster,
    sent: &'r Sent,
    index: Index<'r>,
    /// What was sent, as the schedule sees it, with the series that
    /// changes end added as the pairs are reached.
    history: History,
    pairs: std::slice::Iter<'r, Pair>,
    /// The end of the lead time: overrides up to it are due.
    horizon: Timestamp,
    /// The UIDs the roster still wants: the rest stop.
    desired: HashSet<String>,
    ctx: Ctx<'r>,
    ready: VecDeque<Outgoing>,
    stopped: bool,
}

impl<'r> Reconciler<'r> {
    /// The reconcile of `roster` against `sent` at `now`.
    pub fn new(roster: &'r Roster, sent: &'r Sent, settings: Settings<'r>, now: Timestamp) -> Self {
        let lead = SignedDuration::from_hours(24 * i64::from(settings.lead_days));
        Reconciler {
            roster,
            sent,
            index: Index::new(sent),
            history: history(sent),
            pairs: roster.pairs.iter(),
            horizon: now.checked_add(lead).unwrap_or(now),
            desired: HashSet::new(),
            ctx: Ctx::new(settings, now),
            ready: VecDeque::new(),
            stopped: false,
        }
    }

    /// Makes each message with only what `touchbase plan` shows: kind,
    /// UID, RECURRENCE-ID, SEQUENCE, METHOD, recipient and subject. Its
    /// `ics`, bodies, `content_hash` and `message_id` stay empty: a dry
    /// run needs none of them, and rendering them is most of the work.
    pub fn headers_only(mut self) -> Self {
        self.ctx.full = false;
        self
    }

    /// Moves the series and occurrence states decided so far into
    /// `series` and `occurrences`, in order: a caller that records them as
    /// it goes keeps memory flat (100,000 new series leave as many states,
    /// 60 MB held to the end otherwise).
    pub fn take_states(
        &mut self,
        series: &mut Vec<SentSeries>,
        occurrences: &mut Vec<SentOccurrence>,
    ) {
        series.append(&mut self.ctx.out.series);
        occurrences.append(&mut self.ctx.out.occurrences);
    }

    /// The series and occurrence states the reconcile leaves (those not
    /// taken yet), to be recorded with its messages. Messages not taken
    /// yet are made and dropped: call it once the iterator is exhausted.
    pub fn finish(mut self) -> (Vec<SentSeries>, Vec<SentOccurrence>) {
        while self.next().is_some() {}
        (self.ctx.out.series, self.ctx.out.occurrences)
    }

    /// Runs the steps for the next active pair, or the stops after the
    /// last one; `false` once everything ran.
    fn advance(&mut self) -> bool {
        if let Some(pair) = self.pairs.by_ref().find(|p| p.is_active()) {
            let now = self.ctx.now;
            let active = self.index.active_of(&pair.uid);
            ended::split_changed(pair, active, now, &mut self.history);
            ended::observe_pause(pair, now, &mut self.history);
            objects::step(
                &mut self.ctx,
                self.roster,
                pair,
                &self.history,
                &self.index,
                self.horizon,
                &mut self.desired,
            );
            // SEQUENCE numbers are per UID and no two pairs share one: the
            // counters of a pair done are not read again.
            self.ctx.forget_sequences();
        } else if !self.stopped {
            self.stopped = true;
            stops::step(
                &mut self.ctx,
                self.roster,
                self.sent,
                &self.index,
                &self.desired,
            );
        } else {
            return false;
        }
        self.ready.extend(self.ctx.out.messages.drain(..));
        true
    }
}

impl Iterator for Reconciler<'_> {
    type Item = Outgoing;

    fn next(&mut self) -> Option<Outgoing> {
        loop {
            if let Some(m) = self.ready.pop_front() {
                return Some(m);
            }
            if !self.advance() {
                return None;
            }
        }
    }
}

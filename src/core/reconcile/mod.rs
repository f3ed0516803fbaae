//! The reconciler: from the roster, `now` and what was sent (the typed
//! [`Sent`] model the ledger fills), the messages due and the state they
//! leave behind.
//!
//! It thinks in calendar objects. For each series, the object a calendar
//! should hold now is its master (`RRULE`, `EXDATE`s for a pause, `UNTIL`
//! once ended) and an override for every meeting whose prompts are due or
//! were sent before. That object is compared with what was sent (the
//! master's hash and each override's hash, with the last SEQUENCE), and
//! each difference becomes a message in the form `mail.updates` asks for
//! (SPEC.md, "Invitations by email"):
//!
//! - a new or changed master is always the whole object, in one REQUEST
//!   (engines replace the stored event with a series REQUEST, so it must
//!   carry every override the calendar should keep);
//! - otherwise, in `occurrence` mode, each new or changed override is a
//!   REQUEST of that one meeting (RECURRENCE-ID), and each override that no
//!   longer belongs (a pause, a split) a CANCEL of that one meeting; in
//!   `series` mode, any of these is the whole object again, for servers
//!   that replace the stored event with every REQUEST (sabre/vobject);
//! - every message for a UID carries a SEQUENCE higher than the last one
//!   sent for it, and a CANCEL holds exactly one VEVENT.
//!
//! The steps, in the order [`reconcile`] runs them for every active pair:
//!
//! 1. `ended`: a change of time, cadence, duration, zone or start after
//!    meetings were held ends the old series before the first meeting not
//!    yet held (UNTIL), and a new series starts there ("this and
//!    following"); a pause first seen now is recorded from the first
//!    meeting not yet held, so meetings already held stay;
//! 2. `objects`: each series' object against what was sent;
//!
//! and once for the whole ledger:
//!
//! 3. `stops`: a series no longer wanted (removal, opt-out, manager
//!    change) is ended (UNTIL) when meetings were held, so the past stays
//!    on the calendar, or cancelled when none were. No reason is given, and
//!    nothing follows.
//!
//! `draft` turns each step's message into one [`Outgoing`] per recipient
//! and hands out SEQUENCE numbers. [`Reconciler`] runs the steps a pair at
//! a time and hands each message out as soon as it is made, so a reconcile
//! that sends a message to each of 100,000 pairs never holds them all;
//! [`reconcile`] collects them.

mod draft;
mod ended;
pub mod model;
mod objects;
pub mod render;
mod stops;
mod stream;

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use crate::core::events::{Organizer, SeriesEvents, When};
use crate::core::ical::{local_datetime, Method};
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::{resolve, Window};
use crate::core::series::{History, PastSeries};
pub use model::{OccurrenceState, Sent, SentOccurrence, SentSeries, SeriesState, Shape, Who, Zone};
use render::Body;
pub use stream::Reconciler;

/// How changes reach calendars (`mail.updates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Updates {
    /// Each meeting's prompts as a REQUEST of that one occurrence; what
    /// Google, Exchange, Apple and Thunderbird merge into the series.
    #[default]
    Occurrence,
    /// Every change as the whole calendar object (the series and every
    /// override): what servers built on sabre/vobject need, since they
    /// replace the stored event with each REQUEST.
    Series,
}

impl Updates {
    /// `occurrence` or `series`; `None` for anything else.
    pub fn parse(s: &str) -> Option<Updates> {
        match s {
            "occurrence" => Some(Updates::Occurrence),
            "series" => Some(Updates::Series),
            _ => None,
        }
    }
}

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The first invitation of a series.
    NewSeries,
    /// A series changed: the whole object again.
    UpdateSeries,
    /// A series ended (UNTIL) by a change or a stop: the whole object.
    EndSeries,
    /// One meeting's prompts (RECURRENCE-ID).
    Occurrence,
    /// One meeting taken off (RECURRENCE-ID).
    CancelOccurrence,
    /// A whole series cancelled before any meeting was held.
    CancelSeries,
}

impl Kind {
    /// How `touchbase plan` names it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::NewSeries => "new series",
            Kind::UpdateSeries => "series update",
            Kind::EndSeries => "series ends",
            Kind::Occurrence => "meeting prompts",
            Kind::CancelOccurrence => "meeting cancelled",
            Kind::CancelSeries => "series cancelled",
        }
    }
}

/// One message for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Why.
    pub kind: Kind,
    /// Series UID.
    pub uid: String,
    /// RECURRENCE-ID (local, `YYYYMMDDTHHMMSS`) for a single meeting.
    pub recurrence_id: Option<String>,
    /// SEQUENCE.
    pub sequence: u32,
    /// METHOD.
    pub method: Method,
    /// Recipient.
    pub to: Who,
    /// Subject and bodies.
    pub body: Body,
    /// The VCALENDAR.
    pub ics: String,
    /// Derived Message-ID (without angle brackets).
    pub message_id: String,
    /// Hash of what the message says (DTSTAMP aside).
    pub content_hash: String,
}

/// A reconcile's outcome.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Series states to record.
    pub series: Vec<SentSeries>,
    /// Single-meeting states to record.
    pub occurrences: Vec<SentOccurrence>,
    /// Messages to queue, in the order they must leave.
    pub messages: Vec<Outgoing>,
}

/// What a reconcile needs besides the roster and the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// Sender and ORGANIZER.
    pub organizer: Organizer<'a>,
    /// How many days ahead a meeting's prompts are sent.
    pub lead_days: u32,
    /// Whether reports get the invitations too.
    pub invite_reports: bool,
    /// The form changes are sent in.
    pub updates: Updates,
}

/// What was sent, as the history the schedule needs: the ended series,
/// and when each pair's pause began.
pub fn history(sent: &Sent) -> History {
    let mut h = History::new();
    for s in &sent.series {
        match (s.state, s.until_date) {
            (SeriesState::Ended, Some(until)) => h.push(&s.pair_uid, past_series(s, until)),
            (SeriesState::Active, _) => {
                if let Some(from) = s.paused_from {
                    h.pause_from(&s.pair_uid, from);
                }
            }
            _ => {}
        }
    }
    h
}

/// `s` as an earlier series of its pair, holding the dates before `until`.
fn past_series(s: &SentSeries, until: Date) -> PastSeries {
    PastSeries {
        uid: s.uid.clone(),
        start: s.shape.anchor,
        from: s.first_date,
        time: s.shape.time,
        cadence: s.shape.cadence,
        duration_minutes: s.shape.duration_minutes,
        timezone: s.shape.zone.name.clone(),
        tz: s.shape.zone.tz.clone(),
        until,
    }
}

/// What was sent, indexed the way the steps look it up.
struct Index<'s> {
    by_uid: HashMap<&'s str, &'s SentSeries>,
    active_by_pair: HashMap<&'s str, Vec<&'s SentSeries>>,
    occurrences: HashMap<&'s str, Vec<&'s SentOccurrence>>,
}

impl<'s> Index<'s> {
    fn new(sent: &'s Sent) -> Self {
        let mut active_by_pair: HashMap<&str, Vec<&SentSeries>> = HashMap::new();
        for s in sent
            .series
            .iter()
            .filter(|s| s.state == SeriesState::Active)
        {
            active_by_pair
                .entry(s.pair_uid.as_str())
                .or_default()
                .push(s);
        }
        let mut occurrences: HashMap<&str, Vec<&SentOccurrence>> = HashMap::new();
        for o in &sent.occurrences {
            occurrences.entry(o.uid.as_str()).or_default().push(o);
        }
        Index {
            by_uid: sent.series.iter().map(|s| (s.uid.as_str(), s)).collect(),
            active_by_pair,
            occurrences,
        }
    }

    fn active_of(&self, pair_uid: &str) -> &[&'s SentSeries] {
        self.active_by_pair.get(pair_uid).map_or(&[], Vec::as_slice)
    }

    /// The single-meeting states recorded for `uid`.
    fn occurrences_of(&self, uid: &str) -> &[&'s SentOccurrence] {
        self.occurrences.get(uid).map_or(&[], Vec::as_slice)
    }
}

/// The window of a pair's meetings a reconcile looks at: from yesterday to
/// past the lead time, in the pair's zone.
fn lead_window(pair: &Pair, now: Timestamp, lead_days: u32) -> Window {
    let today = now.to_zoned(pair.tz.clone()).date();
    // Meetings a day off moves are announced up to a year ahead.
    let moves =
        pair.on_day_off == crate::core::roster::OnDayOff::NextDay && !pair.days_off.is_empty();
    let days = if moves {
        i64::from(lead_days + 2).max(MOVES_AHEAD_DAYS)
    } else {
        i64::from(lead_days + 2)
    };
    Window {
        from: today.checked_sub(1.day()).unwrap_or(today),
        until: today.checked_add(days.days()).unwrap_or(today),
    }
}

/// How far ahead a meeting moved by a day off is sent as its own override.
const MOVES_AHEAD_DAYS: i64 = 371;

/// When an override's meeting starts.
fn override_start(events: &SeriesEvents<'_>, when: When) -> Option<Timestamp> {
    match when {
        When::Local { start, .. } => resolve(events.series.tz, start).map(|(t, _)| t),
        When::Utc { start, .. } => Some(start),
    }
}

/// Keeps only the overrides of meetings not yet held and within the lead
/// time (`now` to `horizon`): the ones whose prompts are due.
///
/// A meeting a day off moved (`next_day`) is kept however far ahead it is:
/// the series alone would show it on its old date.
fn keep_due(events: &mut SeriesEvents<'_>, now: Timestamp, horizon: Timestamp) {
    let starts: Vec<bool> = events
        .overrides
        .iter()
        .map(|o| {
            override_start(events, o.when).is_some_and(|t| {
                let moved = events.series.tz.to_datetime(t).date() != o.recurrence_id.date();
                t >= now && (t <= horizon || moved)
            })
        })
        .collect();
    let mut keep = starts.into_iter();
    events.overrides.retain(|_| keep.next().unwrap_or(false));
}

/// Computes the messages due at `now` and the states they leave, all at
/// once. [`Reconciler`] yields the same messages one at a time.
pub fn reconcile(roster: &Roster, sent: &Sent, settings: Settings<'_>, now: Timestamp) -> Outcome {
    let mut r = Reconciler::new(roster, sent, settings, now);
    let messages = r.by_ref().collect();
    let (series, occurrences) = r.finish();
    Outcome {
        series,
        occurrences,
        messages,
    }
}

/// The RECURRENCE-ID of an occurrence, as the ledger and Message-IDs spell it.
fn rid_text(rid: jiff::civil::DateTime) -> String {
    local_datetime(rid)
}

#[cfg(test)]
mod tests;

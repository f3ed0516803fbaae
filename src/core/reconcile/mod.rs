//! The reconciler: from the roster, `now` and what was sent (the typed
//! [`Sent`] model the ledger fills), the messages due and the state they
//! leave behind.
//!
//! `desired = f(roster, now)`, `plan = diff(desired, sent)`: this module is
//! pure; the caller records the outcome and queues the messages in one
//! transaction.
//!
//! The rules (SPEC.md, "Invitations by email"), one step each, in the order
//! [`reconcile`] runs them for every active pair:
//!
//! 1. `ended`: a change of time, cadence, duration, zone or start after
//!    meetings were held ends the old series before the first meeting not
//!    yet held (UNTIL) and starts a new one ("this and following");
//! 2. `series`: a new pair gets one series REQUEST, carrying the meetings
//!    already within `lead_days`; any change to what a series says is a
//!    REQUEST with a higher SEQUENCE, carrying again the overrides it must
//!    not drop; a pause that grows is a CANCEL of the meetings it removes;
//! 3. `occurrences`: once a meeting is within `lead_days`, a REQUEST for
//!    that one occurrence (RECURRENCE-ID) brings its prompts, unless the
//!    series message carried it;
//!
//! and once for the whole ledger:
//!
//! 4. `stops`: removal and opt-out are a CANCEL of every series of the
//!    pair, and nothing follows.
//!
//! `draft` turns each step's message into one [`Outgoing`] per recipient.

mod draft;
mod ended;
pub mod model;
mod occurrences;
pub mod render;
mod series;
mod stops;

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::core::events::{pair_events, Organizer, SeriesEvents, When};
use crate::core::ical::Method;
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::{resolve, Window};
use crate::core::series::{History, PastSeries};
pub use model::{OccurrenceState, Sent, SentOccurrence, SentSeries, SeriesState, Shape, Who, Zone};
use render::Body;

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The first invitation of a series.
    NewSeries,
    /// A series changed (higher SEQUENCE).
    UpdateSeries,
    /// A series ended by a change, with UNTIL (higher SEQUENCE).
    EndSeries,
    /// One meeting's prompts.
    Occurrence,
    /// Meetings removed by a pause.
    CancelOccurrences,
    /// A whole series cancelled (removal, opt-out, replaced).
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
            Kind::CancelOccurrences => "meetings cancelled",
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
    /// Messages to queue.
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
}

/// The ended series of what was sent, as the history the schedule needs.
pub fn history(sent: &Sent) -> History {
    let mut h = History::new();
    for s in &sent.series {
        if let (SeriesState::Ended, Some(until)) = (s.state, s.until_date) {
            h.push(&s.pair_uid, past_series(s, until));
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
    occurrences: HashMap<(&'s str, String), &'s SentOccurrence>,
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
        Index {
            by_uid: sent.series.iter().map(|s| (s.uid.as_str(), s)).collect(),
            active_by_pair,
            occurrences: sent
                .occurrences
                .iter()
                .map(|o| {
                    let rid = crate::core::ical::local_datetime(o.recurrence_id);
                    ((o.uid.as_str(), rid), o)
                })
                .collect(),
        }
    }

    fn active_of(&self, pair_uid: &str) -> &[&'s SentSeries] {
        self.active_by_pair.get(pair_uid).map_or(&[], Vec::as_slice)
    }
}

/// The window of a pair's meetings a reconcile looks at: from yesterday to
/// past the lead time, in the pair's zone.
fn lead_window(pair: &Pair, now: Timestamp, lead_days: u32) -> Window {
    let today = now.to_zoned(pair.tz.clone()).date();
    Window {
        from: today.checked_sub(1.day()).unwrap_or(today),
        until: today
            .checked_add(i64::from(lead_days + 2).days())
            .unwrap_or(today),
    }
}

/// Keeps only the overrides of meetings not yet held and within the lead
/// time (`now` to `horizon`).
fn keep_due(events: &mut SeriesEvents<'_>, now: Timestamp, horizon: Timestamp) {
    let tz = events.series.tz;
    events.overrides.retain(|o| {
        let start = match o.when {
            When::Local { start, .. } => resolve(tz, start).map(|(t, _)| t),
            When::Utc { start, .. } => Some(start),
        };
        start.is_some_and(|t| t >= now && t <= horizon)
    });
}

/// Computes the messages due at `now` and the states they leave.
pub fn reconcile(roster: &Roster, sent: &Sent, settings: Settings<'_>, now: Timestamp) -> Outcome {
    let mut ctx = draft::Ctx::new(settings, now);
    let index = Index::new(sent);
    let mut history = history(sent);
    let lead = SignedDuration::from_hours(24 * i64::from(settings.lead_days));
    let horizon = now.checked_add(lead).unwrap_or(now);
    let mut desired: HashSet<String> = HashSet::new();

    for pair in roster.active_pairs() {
        ended::split_changed(pair, index.active_of(&pair.uid), now, &mut history);
        let window = lead_window(pair, now, settings.lead_days);
        for mut events in pair_events(roster, pair, history.of(pair), window) {
            keep_due(&mut events, now, horizon);
            let uid = events.series.uid.to_string();
            let old = index.by_uid.get(uid.as_str()).copied();
            let fingerprint = series::fingerprint(&events, settings.organizer);
            let carried = series::step(&mut ctx, roster, &mut events, old, &fingerprint);
            occurrences::step(&mut ctx, roster, &events, &index, &carried);
            ctx.out
                .series
                .push(series::record(pair, &events, fingerprint));
            desired.insert(uid);
        }
    }
    stops::step(&mut ctx, sent, &desired);
    ctx.out
}

#[cfg(test)]
mod tests;

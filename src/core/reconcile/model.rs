//! What was sent, as the reconciler reads it: every series and every
//! single-meeting update that went out, typed (dates, times, cadences, zones
//! resolved, states as enums). The ledger fills it from SQLite and refuses
//! a row it cannot read, so the diff never works from a guess.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use crate::core::cadence::Cadence;

/// One person a message is addressed to or about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// Address.
    pub email: String,
    /// Display name.
    pub name: String,
}

impl Who {
    /// `email` and `name` as a [`Who`].
    pub fn new(email: &str, name: &str) -> Who {
        Who {
            email: email.to_string(),
            name: name.to_string(),
        }
    }
}

/// Where a series stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesState {
    /// On the calendars, open-ended.
    Active,
    /// Ended by a change ("this and following"): its meetings before
    /// `until_date` stay.
    Ended,
    /// Cancelled (removal, opt-out, replaced before it began).
    Cancelled,
}

/// Where a single-meeting update stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurrenceState {
    /// Its REQUEST went out.
    Sent,
    /// Its CANCEL went out (a pause removed it).
    Cancelled,
}

macro_rules! spelled {
    ($t:ty { $($v:ident => $s:literal),+ $(,)? }) => {
        impl $t {
            /// As the ledger spells it.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }

            /// The ledger's spelling back; `None` for anything else.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)+ _ => None }
            }
        }
    };
}

spelled!(SeriesState { Active => "active", Ended => "ended", Cancelled => "cancelled" });
spelled!(OccurrenceState { Sent => "sent", Cancelled => "cancelled" });

/// A time zone with its IANA name, resolved once where it was read.
#[derive(Debug, Clone)]
pub struct Zone {
    /// IANA name.
    pub name: String,
    /// The zone.
    pub tz: TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

/// What decides the dates and times of a series: a change to any of these
/// after meetings were held splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The cadence anchor: the roster's `start` when the series was sent.
    pub anchor: Date,
    /// Local meeting time.
    pub time: Time,
    /// How often.
    pub cadence: Cadence,
    /// Length of each meeting.
    pub duration_minutes: u32,
    /// Its zone.
    pub zone: Zone,
}

/// One series as it was last sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSeries {
    /// UID.
    pub uid: String,
    /// The pair's own UID (its first series' UID), grouping a pair's series.
    pub pair_uid: String,
    /// The manager.
    pub manager: Who,
    /// The report.
    pub report: Who,
    /// The SEQUENCE last sent.
    pub sequence: u32,
    /// Where it stands.
    pub state: SeriesState,
    /// Its dates and times.
    pub shape: Shape,
    /// Its first date.
    pub first_date: Date,
    /// The first date no longer in it, once ended.
    pub until_date: Option<Date>,
    /// The pause in force when it was last sent.
    pub paused_until: Option<Date>,
    /// The first date that pause removes: the first meeting not yet held
    /// when the pause was first seen (meetings before it were held and
    /// stay).
    pub paused_from: Option<Date>,
    /// Where, as last sent.
    pub location: String,
    /// Hash of what the last series message said (its master: dates,
    /// recurrence, exceptions, people, place).
    pub fingerprint: String,
}

/// One single-meeting update as it was last sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentOccurrence {
    /// The series UID.
    pub uid: String,
    /// The occurrence's nominal local start (its RECURRENCE-ID).
    pub recurrence_id: DateTime,
    /// Hash of what it said (empty for a cancellation).
    pub fingerprint: String,
    /// Where it stands.
    pub state: OccurrenceState,
}

/// Everything sent so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// Every series ever sent, grouped by pair, oldest first.
    pub series: Vec<SentSeries>,
    /// Every single-meeting update ever sent.
    pub occurrences: Vec<SentOccurrence>,
}

impl Sent {
    /// Records `series` and `occurrences` (a reconcile's outcome) as the
    /// ledger does: each replaces the entry of the same UID (and
    /// RECURRENCE-ID), or is added.
    pub fn record(&mut self, series: &[SentSeries], occurrences: &[SentOccurrence]) {
        for s in series {
            match self.series.iter_mut().find(|r| r.uid == s.uid) {
                Some(r) => *r = s.clone(),
                None => self.series.push(s.clone()),
            }
        }
        for o in occurrences {
            let same =
                |r: &&mut SentOccurrence| r.uid == o.uid && r.recurrence_id == o.recurrence_id;
            match self.occurrences.iter_mut().find(same) {
                Some(r) => *r = o.clone(),
                None => self.occurrences.push(o.clone()),
            }
        }
    }
}

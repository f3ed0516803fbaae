//! Models of the calendar engines that apply iTIP messages (RFC 5546) to
//! a recipient's calendar, written from each engine's documented or
//! published behaviour (docs/INTEROP.md gives the evidence, rule by rule),
//! never from touchbase's code. They read iCalendar text only, so any
//! history of mails can be replayed into them and the calendar they end
//! with compared with `preview`.
//!
//! - [`Model::Merging`]: Google Calendar, Exchange/Outlook, Apple
//!   (CalendarServer, iCloud) and Thunderbird. Events are keyed by UID and
//!   each instance by RECURRENCE-ID (RFC 5546 section 2.1.5). A REQUEST
//!   holding a master replaces the stored event, master and overrides,
//!   when its revision (SEQUENCE, then DTSTAMP) is not older than the
//!   stored master's. A REQUEST holding only overrides merges them one by
//!   one: each replaces what is stored for its RECURRENCE-ID (the override,
//!   else the master's occurrence) when strictly newer, and is ignored as
//!   stale otherwise; for a UID the calendar does not hold it is kept as a
//!   lone instance. A CANCEL without RECURRENCE-ID removes the event, with
//!   a RECURRENCE-ID that instance, when its SEQUENCE is not lower than
//!   what it cancels (a CANCEL may repeat the last REQUEST's SEQUENCE, as
//!   Outlook's do). An instance a CANCEL removed stays removed until a
//!   series REQUEST that also carries an override for it: a later
//!   override-only REQUEST does not bring it back (Thunderbird turns the
//!   CANCEL into an EXDATE), nor does a series REQUEST without that
//!   override (CalendarServer keeps the cancelled instance through it).
//! - [`Model::Replacing`]: servers built on sabre/vobject (Nextcloud,
//!   Baikal, SabreDAV). A REQUEST replaces every component of the stored
//!   object with the message's, whatever its SEQUENCE, so an override-only
//!   REQUEST leaves one meeting and no series. A CANCEL marks every
//!   `VEVENT` of the stored object cancelled, whatever RECURRENCE-ID it
//!   names, so the whole object leaves the calendar.
//!
//! Both show an event without its `STATUS:CANCELLED` components and
//! ignore a CANCEL for a UID they do not hold. What a real engine would
//! refuse (no METHOD, a METHOD other than REQUEST or CANCEL, a `VEVENT`
//! without UID...) is an error, and so is what this reading cannot place
//! (a TZID that is not an IANA name, an all-day or floating time).

use std::collections::BTreeMap;

use super::calendar::{self, Component, Orphans, Series};
use super::Shown;

/// How an engine applies a message; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Merges overrides per RECURRENCE-ID; SEQUENCE, then DTSTAMP, decide.
    Merging,
    /// Replaces the whole stored object with each message (sabre/vobject).
    Replacing,
}

/// What applying one message did to the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The calendar held nothing under the message's UID; now it does.
    Created,
    /// The stored event changed.
    Updated,
    /// Ignored: older than what is stored, or naming only instances a
    /// CANCEL removed. Nothing changed.
    Stale,
    /// The whole event left the calendar.
    Cancelled,
    /// The instances the CANCEL names left the calendar.
    InstancesCancelled,
    /// A CANCEL for a UID the calendar does not hold: nothing changed.
    Unknown,
}

/// One recipient's calendar, as one engine keeps it.
#[derive(Debug)]
pub struct Engine {
    model: Model,
    merged: BTreeMap<String, Merged>,
    replaced: BTreeMap<String, Vec<Component>>,
}

impl Engine {
    /// An empty calendar applying messages as `model` does.
    pub fn new(model: Model) -> Engine {
        Engine {
            model,
            merged: BTreeMap::new(),
            replaced: BTreeMap::new(),
        }
    }

    /// Applies one iTIP message: a whole `VCALENDAR` with METHOD REQUEST
    /// or CANCEL, as found in a `text/calendar` part. Errors give the
    /// reason a real engine would reject it (no METHOD, another METHOD, a
    /// `VEVENT` without UID, several UIDs, a REQUEST without DTSTART) or
    /// this reading cannot place it; the calendar is then unchanged.
    pub fn apply(&mut self, ics: &str) -> Result<Applied, String> {
        let msg = Message::read(ics)?;
        Ok(match (self.model, msg.method) {
            (Model::Merging, Method::Request) => self.merge_request(msg),
            (Model::Merging, Method::Cancel) => self.merge_cancel(msg),
            (Model::Replacing, Method::Request) => self.replace_request(msg),
            (Model::Replacing, Method::Cancel) => self.replace_cancel(msg),
        })
    }

    /// Every meeting the calendar shows starting before `until` (Unix
    /// seconds): masters expanded, `EXDATE`s and cancelled instances
    /// removed, overrides applied, cancelled events gone. An override whose
    /// RECURRENCE-ID its master does not generate still shows, at its own
    /// time.
    pub fn meetings(&self, until: i64) -> Vec<Shown> {
        let mut out: Vec<Shown> = match self.model {
            Model::Merging => self
                .merged
                .values()
                .flat_map(|m| calendar::meetings(&m.series(), until, Orphans::Show))
                .collect(),
            Model::Replacing => self
                .replaced
                .values()
                .flat_map(|c| calendar::meetings(&replaced_series(c), until, Orphans::Show))
                .collect(),
        };
        out.sort();
        out
    }

    fn merge_request(&mut self, msg: Message) -> Applied {
        let Some(stored) = self.merged.get_mut(&msg.uid) else {
            let instances = msg
                .overrides
                .into_iter()
                .map(|(rid, c)| (rid, Instance::Override(Box::new(c))))
                .collect();
            let merged = Merged {
                master: msg.master,
                instances,
            };
            self.merged.insert(msg.uid, merged);
            return Applied::Created;
        };
        match msg.master {
            Some(master) => stored.replace(master, msg.overrides),
            None => stored.merge(msg.overrides),
        }
    }

    fn merge_cancel(&mut self, msg: Message) -> Applied {
        let Some(stored) = self.merged.get_mut(&msg.uid) else {
            return Applied::Unknown;
        };
        if let Some(master) = &msg.master {
            let current = stored.master.as_ref().map(|m| m.sequence);
            if current.is_some_and(|s| master.sequence < s) {
                return Applied::Stale;
            }
            self.merged.remove(&msg.uid);
            return Applied::Cancelled;
        }
        let changed = stored.cancel(&msg.overrides);
        if stored.master.is_none() && stored.instances.is_empty() {
            self.merged.remove(&msg.uid);
            return Applied::Cancelled;
        }
        if changed {
            Applied::InstancesCancelled
        } else {
            Applied::Stale
        }
    }

    fn replace_request(&mut self, msg: Message) -> Applied {
        let existed = self.replaced.contains_key(&msg.uid);
        let mut components: Vec<Component> = msg.master.into_iter().collect();
        components.extend(msg.overrides.into_values());
        self.replaced.insert(msg.uid, components);
        if existed {
            Applied::Updated
        } else {
            Applied::Created
        }
    }

    fn replace_cancel(&mut self, msg: Message) -> Applied {
        let Some(stored) = self.replaced.get_mut(&msg.uid) else {
            return Applied::Unknown;
        };
        // Every VEVENT, whatever RECURRENCE-ID the message names, takes
        // the message's SEQUENCE (that of its first VEVENT).
        for c in stored.iter_mut() {
            c.cancelled = true;
            c.sequence = msg.sequence;
        }
        Applied::Cancelled
    }
}

/// The revision of a component: SEQUENCE, then DTSTAMP (RFC 5546 section
/// 2.1.5); a missing DTSTAMP is older than any.
fn revision(c: &Component) -> (i64, Option<i64>) {
    (c.sequence, c.dtstamp)
}

/// One UID in a merging engine.
#[derive(Debug)]
struct Merged {
    /// None: only lone instances arrived so far.
    master: Option<Component>,
    /// By RECURRENCE-ID instant.
    instances: BTreeMap<i64, Instance>,
}

#[derive(Debug)]
enum Instance {
    Override(Box<Component>),
    /// Removed by a CANCEL with that SEQUENCE.
    Cancelled {
        sequence: i64,
    },
}

impl Merged {
    /// A series REQUEST: replaces master and overrides unless older than
    /// the stored master.
    fn replace(&mut self, master: Component, overrides: BTreeMap<i64, Component>) -> Applied {
        if let Some(old) = &self.master {
            if revision(&master) < revision(old) {
                return Applied::Stale;
            }
        }
        let mut instances: BTreeMap<i64, Instance> = self
            .instances
            .iter()
            .filter_map(|(rid, i)| match i {
                Instance::Cancelled { sequence }
                    if !overrides.contains_key(rid) && generates(&master, *rid) =>
                {
                    Some((
                        *rid,
                        Instance::Cancelled {
                            sequence: *sequence,
                        },
                    ))
                }
                _ => None,
            })
            .collect();
        instances.extend(
            overrides
                .into_iter()
                .map(|(rid, c)| (rid, Instance::Override(Box::new(c)))),
        );
        self.master = Some(master);
        self.instances = instances;
        Applied::Updated
    }

    /// An override-only REQUEST: each override replaces what is stored for
    /// its RECURRENCE-ID when strictly newer.
    fn merge(&mut self, overrides: BTreeMap<i64, Component>) -> Applied {
        let mut changed = false;
        for (rid, o) in overrides {
            let newer = match self.instances.get(&rid) {
                Some(Instance::Override(old)) => revision(&o) > revision(old),
                Some(Instance::Cancelled { .. }) => false,
                None => self
                    .master
                    .as_ref()
                    .is_none_or(|m| revision(&o) > revision(m)),
            };
            if newer {
                self.instances.insert(rid, Instance::Override(Box::new(o)));
                changed = true;
            }
        }
        if changed {
            Applied::Updated
        } else {
            Applied::Stale
        }
    }

    /// A CANCEL of instances; whether anything changed.
    fn cancel(&mut self, overrides: &BTreeMap<i64, Component>) -> bool {
        let mut changed = false;
        for (rid, o) in overrides {
            let current = match self.instances.get(rid) {
                Some(Instance::Override(c)) => Some(c.sequence),
                Some(Instance::Cancelled { sequence }) => Some(*sequence),
                None => self.master.as_ref().map(|m| m.sequence),
            };
            if current.is_some_and(|s| o.sequence < s) {
                continue;
            }
            if self.master.is_some() {
                let sequence = o.sequence;
                self.instances
                    .insert(*rid, Instance::Cancelled { sequence });
                changed = true;
            } else {
                changed |= self.instances.remove(rid).is_some();
            }
        }
        changed
    }

    fn series(&self) -> Series<'_> {
        let mut series = Series {
            master: self.master.as_ref(),
            ..Series::default()
        };
        if self.master.as_ref().is_some_and(|m| m.cancelled) {
            series.master = None;
            series.removed.extend(self.instances.keys());
            return series;
        }
        for (rid, i) in &self.instances {
            match i {
                Instance::Override(c) if !c.cancelled => series.overrides.push(c),
                _ => {
                    series.removed.insert(*rid);
                }
            }
        }
        series
    }
}

/// Whether `master` generates an occurrence at `rid`.
fn generates(master: &Component, rid: i64) -> bool {
    calendar::occurrences(master, rid + 1).contains_key(&rid)
}

/// The series a sabre-based server shows for its stored components.
fn replaced_series(components: &[Component]) -> Series<'_> {
    let mut series = Series::default();
    for c in components {
        match c.rid_instant() {
            None if c.cancelled => return Series::default(),
            None => series.master = Some(c),
            Some(rid) if c.cancelled => {
                series.removed.insert(rid);
            }
            Some(_) => series.overrides.push(c),
        }
    }
    series
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Request,
    Cancel,
}

/// An iTIP message about one UID, checked as a receiving engine would.
#[derive(Debug)]
struct Message {
    method: Method,
    uid: String,
    master: Option<Component>,
    /// By RECURRENCE-ID instant.
    overrides: BTreeMap<i64, Component>,
    /// The SEQUENCE of its first `VEVENT`.
    sequence: i64,
}

impl Message {
    fn read(ics: &str) -> Result<Message, String> {
        let doc = calendar::read(ics)?;
        let method = match doc.method.as_deref() {
            None => {
                return Err("no METHOD: a calendar snapshot, not an iTIP message \
                            (RFC 5545 section 3.7.2)"
                    .to_string())
            }
            Some("REQUEST") => Method::Request,
            Some("CANCEL") => Method::Cancel,
            Some(other) => {
                return Err(format!(
                    "METHOD:{other} does not change an attendee's calendar \
                     (only REQUEST and CANCEL are modelled)"
                ))
            }
        };
        let first = doc.events.first().ok_or("no VEVENT")?;
        let (uid, sequence) = (first.uid.clone(), first.sequence);
        let mut master = None;
        let mut overrides = BTreeMap::new();
        for e in doc.events {
            if e.uid.is_empty() {
                return Err("a VEVENT without UID (RFC 5545 section 3.8.4.7)".to_string());
            }
            if e.uid != uid {
                return Err(format!(
                    "VEVENTs with UIDs {uid:?} and {:?}: all must have the same \
                     (RFC 5546 sections 3.2.2 and 3.2.5)",
                    e.uid
                ));
            }
            if method == Method::Request {
                if e.dtstart.is_none() {
                    return Err(
                        "a REQUEST VEVENT without DTSTART (RFC 5546 section 3.2.2)".to_string()
                    );
                }
                e.check_expandable()?;
            }
            match e.rid_instant() {
                None if master.is_some() => return Err("two VEVENTs without RECURRENCE-ID".into()),
                None => master = Some(e),
                Some(rid) => {
                    if overrides.insert(rid, e).is_some() {
                        return Err(format!("two VEVENTs with RECURRENCE-ID at {rid}"));
                    }
                }
            }
        }
        Ok(Message {
            method,
            uid,
            master,
            overrides,
            sequence,
        })
    }
}

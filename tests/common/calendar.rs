//! The independent reading behind [`super::expand`] and the engine models
//! of [`super::engines`]: calcard parses a document into its `VEVENT`s,
//! rrule expands a master's rule, chrono-tz places local times. One
//! expansion serves both, so a feed and a calendar that applied mails are
//! read by the same rules.

use std::collections::{BTreeMap, BTreeSet};

use calcard::icalendar::{
    ICalendar, ICalendarComponentType, ICalendarEntry, ICalendarMethod, ICalendarParameterName,
    ICalendarProperty, ICalendarStatus, ICalendarValue,
};
use chrono::{NaiveDateTime, Offset, TimeZone};

use super::Shown;

/// A DATE-TIME value: a local time in an IANA zone, or UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct When {
    pub local: NaiveDateTime,
    /// None: UTC (`Z`).
    pub tzid: Option<String>,
}

impl When {
    /// The instant, by RFC 5545's rules (section 3.3.5): a nonexistent
    /// time moves forward by the gap, a repeated one takes the first
    /// instance.
    pub fn instant(&self) -> i64 {
        let Some(tzid) = &self.tzid else {
            return self.local.and_utc().timestamp();
        };
        let tz: chrono_tz::Tz = tzid.parse().expect("TZID is an IANA name");
        match tz.from_local_datetime(&self.local) {
            chrono::LocalResult::Single(t) => t.timestamp(),
            chrono::LocalResult::Ambiguous(first, _) => first.timestamp(),
            chrono::LocalResult::None => {
                // In a gap: read it with the offset in force before it.
                let mut probe = self.local;
                loop {
                    probe -= chrono::Duration::minutes(1);
                    if let Some(before) = tz.from_local_datetime(&probe).earliest() {
                        let secs = before.offset().fix().local_minus_utc();
                        return self.local.and_utc().timestamp() - i64::from(secs);
                    }
                }
            }
        }
    }

    /// The zone its local time is in: the TZID, or `UTC`.
    pub fn zone(&self) -> String {
        self.tzid.clone().unwrap_or_else(|| "UTC".to_string())
    }

    /// The `DTSTART` line rrule reads.
    fn dtstart_line(&self) -> String {
        let v = self.local.format("%Y%m%dT%H%M%S");
        match &self.tzid {
            Some(tz) => format!("DTSTART;TZID={tz}:{v}"),
            None => format!("DTSTART:{v}Z"),
        }
    }
}

/// One `VEVENT`, reduced to what decides which meetings a calendar shows
/// and which revision it is.
#[derive(Debug, Clone, Default)]
pub(super) struct Component {
    pub uid: String,
    pub dtstart: Option<When>,
    pub dtend: Option<When>,
    /// `DURATION`, seconds.
    pub duration: Option<i64>,
    pub rrule: Option<String>,
    pub exdates: Vec<When>,
    pub rid: Option<When>,
    pub summary: String,
    pub description: String,
    pub location: String,
    /// `SEQUENCE` (0 when absent, RFC 5545 section 3.8.7.4).
    pub sequence: i64,
    /// `DTSTAMP`, Unix seconds.
    pub dtstamp: Option<i64>,
    /// `STATUS:CANCELLED`.
    pub cancelled: bool,
}

impl Component {
    /// Its `RECURRENCE-ID` as an instant; None for a master.
    pub fn rid_instant(&self) -> Option<i64> {
        self.rid.as_ref().map(When::instant)
    }

    /// Its length, seconds: `DTEND` - `DTSTART`, else `DURATION`, else 0
    /// (RFC 5545 section 3.6.1).
    pub fn length(&self) -> Option<i64> {
        let start = self.dtstart.as_ref()?.instant();
        match (&self.dtend, self.duration) {
            (Some(end), _) => Some(end.instant() - start),
            (None, Some(d)) => Some(d),
            (None, None) => Some(0),
        }
    }

    /// The set of its rule, EXDATEs left out (they are matched by
    /// instant, whatever zone each is written in).
    fn rule_set(&self) -> Result<Option<rrule::RRuleSet>, String> {
        let Some(rule) = &self.rrule else {
            return Ok(None);
        };
        let dtstart = self
            .dtstart
            .as_ref()
            .ok_or("a master with RRULE but no DTSTART")?;
        let text = format!("{}\nRRULE:{rule}", dtstart.dtstart_line());
        text.parse()
            .map(Some)
            .map_err(|e| format!("rrule cannot expand {text:?}: {e}"))
    }

    /// Checks that [`occurrences`] can expand it.
    pub fn check_expandable(&self) -> Result<(), String> {
        self.rule_set().map(|_| ())
    }

    /// Its meeting as shown on its own (an override, or an event that
    /// does not recur), in `tzid`, lasting `fallback` seconds when it
    /// gives no end.
    fn shown(&self, tzid: &str, fallback: i64) -> Shown {
        let start = self
            .dtstart
            .as_ref()
            .expect("a VEVENT with DTSTART")
            .instant();
        let end = match (&self.dtend, self.duration) {
            (Some(end), _) => end.instant(),
            (None, Some(d)) => start + d,
            (None, None) => start + fallback,
        };
        Shown {
            start,
            end,
            uid: self.uid.clone(),
            summary: self.summary.clone(),
            description: self.description.clone(),
            location: self.location.clone(),
            tzid: tzid.to_string(),
        }
    }
}

/// A parsed document: its `METHOD` and its `VEVENT`s, in order.
#[derive(Debug)]
pub(super) struct Document {
    /// Upper case; None when the document has no `METHOD`.
    pub method: Option<String>,
    pub events: Vec<Component>,
}

/// Reads `doc`. Errors name what this reading cannot place: a document
/// calcard rejects, a DATE (all-day) or floating value, a TZID chrono-tz
/// does not know (Windows names such as `Romance Standard Time`), a
/// `RANGE` on `RECURRENCE-ID`.
pub(super) fn read(doc: &str) -> Result<Document, String> {
    let cal = ICalendar::parse(doc).map_err(|e| format!("calcard cannot parse it: {e:?}"))?;
    let mut method = None;
    let mut events = Vec::new();
    for comp in &cal.components {
        match comp.component_type {
            ICalendarComponentType::VCalendar => {
                for entry in &comp.entries {
                    if entry.name == ICalendarProperty::Method {
                        method = Some(method_name(entry));
                    }
                }
            }
            ICalendarComponentType::VEvent => events.push(component(&comp.entries)?),
            _ => {}
        }
    }
    Ok(Document { method, events })
}

fn method_name(entry: &ICalendarEntry) -> String {
    match entry.values.first() {
        Some(ICalendarValue::Method(m)) => match m {
            ICalendarMethod::Publish => "PUBLISH",
            ICalendarMethod::Request => "REQUEST",
            ICalendarMethod::Reply => "REPLY",
            ICalendarMethod::Add => "ADD",
            ICalendarMethod::Cancel => "CANCEL",
            ICalendarMethod::Refresh => "REFRESH",
            ICalendarMethod::Counter => "COUNTER",
            ICalendarMethod::Declinecounter => "DECLINECOUNTER",
        }
        .to_string(),
        _ => text(entry).to_uppercase(),
    }
}

fn component(entries: &[ICalendarEntry]) -> Result<Component, String> {
    let mut e = Component::default();
    for entry in entries {
        match &entry.name {
            ICalendarProperty::Uid => e.uid = text(entry),
            ICalendarProperty::Dtstart => e.dtstart = Some(single(entry)?),
            ICalendarProperty::Dtend => e.dtend = Some(single(entry)?),
            ICalendarProperty::RecurrenceId => {
                if entry
                    .params
                    .iter()
                    .any(|p| p.name == ICalendarParameterName::Range)
                {
                    return Err("RECURRENCE-ID with RANGE is not modelled".to_string());
                }
                e.rid = Some(single(entry)?);
            }
            ICalendarProperty::Exdate => e.exdates.extend(whens(entry)?),
            ICalendarProperty::Summary => e.summary = text(entry),
            ICalendarProperty::Description => e.description = text(entry),
            ICalendarProperty::Location => e.location = text(entry),
            ICalendarProperty::Dtstamp => e.dtstamp = Some(single(entry)?.instant()),
            ICalendarProperty::Sequence => {
                if let Some(ICalendarValue::Integer(n)) = entry.values.first() {
                    e.sequence = *n;
                }
            }
            ICalendarProperty::Status => {
                e.cancelled = matches!(
                    entry.values.first(),
                    Some(ICalendarValue::Status(ICalendarStatus::Cancelled))
                );
            }
            ICalendarProperty::Duration => {
                if let Some(ICalendarValue::Duration(d)) = entry.values.first() {
                    let secs = i64::from(d.weeks) * 7 * 86_400
                        + i64::from(d.days) * 86_400
                        + i64::from(d.hours) * 3_600
                        + i64::from(d.minutes) * 60
                        + i64::from(d.seconds);
                    e.duration = Some(if d.neg { -secs } else { secs });
                }
            }
            ICalendarProperty::Rrule => {
                if let Some(ICalendarValue::RecurrenceRule(r)) = entry.values.first() {
                    e.rrule = Some(r.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(e)
}

fn single(entry: &ICalendarEntry) -> Result<When, String> {
    whens(entry)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{:?} without a value", entry.name))
}

fn whens(entry: &ICalendarEntry) -> Result<Vec<When>, String> {
    let tzid = entry.tz_id();
    if let Some(tz) = tzid {
        tz.parse::<chrono_tz::Tz>().map_err(|_| {
            format!("TZID {tz:?} is not an IANA zone chrono-tz knows (Windows names are not read)")
        })?;
    }
    entry
        .values
        .iter()
        .map(|v| {
            let ICalendarValue::PartialDateTime(dt) = v else {
                return Err(format!("{:?} is not a date-time: {v:?}", entry.name));
            };
            if !dt.has_time() {
                return Err(format!(
                    "{:?} is a DATE (all-day), not modelled",
                    entry.name
                ));
            }
            if tzid.is_none() && !dt.has_zone() {
                return Err(format!("{:?} is a floating time, not modelled", entry.name));
            }
            let r = dt
                .to_date_time()
                .ok_or_else(|| format!("{:?} is not a valid date-time", entry.name))?;
            Ok(When {
                local: r.date_time,
                tzid: tzid.map(str::to_string),
            })
        })
        .collect()
}

fn text(entry: &ICalendarEntry) -> String {
    entry
        .values
        .iter()
        .filter_map(|v| v.as_text())
        .collect::<Vec<_>>()
        .join(",")
}

/// The occurrences of `master` starting before `until` (Unix seconds),
/// keyed by their RECURRENCE-ID instant: its rule expanded (its `DTSTART`
/// alone when it has none), `EXDATE`s removed.
pub(super) fn occurrences(master: &Component, until: i64) -> BTreeMap<i64, Shown> {
    let dtstart = master.dtstart.as_ref().expect("a master with DTSTART");
    let tzid = dtstart.zone();
    let length = master.length().unwrap_or_default();
    let excluded: BTreeSet<i64> = master.exdates.iter().map(When::instant).collect();
    let starts: Vec<i64> = match master.rule_set().unwrap_or_else(|e| panic!("{e}")) {
        Some(set) => {
            let before = rrule::Tz::UTC
                .timestamp_opt(until, 0)
                .single()
                .expect("a valid bound");
            set.before(before)
                .all(u16::MAX)
                .dates
                .iter()
                .map(|t| t.timestamp())
                .collect()
        }
        None => vec![dtstart.instant()],
    };
    starts
        .into_iter()
        .filter(|s| *s < until && !excluded.contains(s))
        .map(|start| {
            let mut shown = master.shown(&tzid, length);
            shown.start = start;
            shown.end = start + length;
            (start, shown)
        })
        .collect()
}

/// One UID's components as a calendar holds them.
#[derive(Debug, Default)]
pub(super) struct Series<'a> {
    /// The master (no RECURRENCE-ID), if any.
    pub master: Option<&'a Component>,
    /// The overrides, in any order.
    pub overrides: Vec<&'a Component>,
    /// RECURRENCE-ID instants that show nothing, whatever overrides them.
    pub removed: BTreeSet<i64>,
}

/// What [`meetings`] does with an override no occurrence of its master
/// matches (a RECURRENCE-ID off the rule, past its end, or excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Orphans {
    /// Panics: the document is inconsistent.
    Panic,
    /// Shows it at its own time unless an `EXDATE` or a removal names
    /// it, as engines that keep overrides apart from the rule do.
    Show,
}

/// The meetings `series` shows starting before `until`: the master's
/// occurrences, each replaced by the override of its RECURRENCE-ID.
/// Every meeting takes the zone of the master, or its own when there is
/// none.
pub(super) fn meetings(series: &Series<'_>, until: i64, orphans: Orphans) -> Vec<Shown> {
    let mut shown = series
        .master
        .map(|m| occurrences(m, until))
        .unwrap_or_default();
    let zone = series
        .master
        .and_then(|m| m.dtstart.as_ref())
        .map(When::zone);
    let fallback = series
        .master
        .and_then(Component::length)
        .unwrap_or_default();
    let excluded: BTreeSet<i64> = series
        .master
        .map(|m| m.exdates.iter().map(When::instant).collect())
        .unwrap_or_default();
    let mut seen = BTreeSet::new();
    for o in &series.overrides {
        let rid = o.rid_instant().expect("an override has a RECURRENCE-ID");
        assert!(seen.insert(rid), "two overrides of {} at {rid}", o.uid);
        let matched = shown.remove(&rid).is_some();
        if orphans == Orphans::Panic {
            let zone = zone.as_ref().expect("override has a master");
            assert!(
                matched || rid >= until,
                "override of {} at {rid} matches no occurrence",
                o.uid
            );
            shown.insert(rid, o.shown(zone, fallback));
            continue;
        }
        if excluded.contains(&rid) || series.removed.contains(&rid) {
            continue;
        }
        let own = o.dtstart.as_ref().or(o.rid.as_ref()).map(When::zone);
        let zone = zone.clone().or(own).unwrap_or_else(|| "UTC".to_string());
        shown.insert(rid, o.shown(&zone, fallback));
    }
    for rid in &series.removed {
        shown.remove(rid);
    }
    let mut out: Vec<Shown> = shown.into_values().filter(|s| s.start < until).collect();
    out.sort();
    out
}

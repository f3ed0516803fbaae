//! Shared test helpers: an independent reading of touchbase's iCalendar
//! output, rosters that exercise DST, cadences, pauses and changes, and
//! test folders holding a configuration and its roster (`setup`).
//!
//! The reading uses none of touchbase's code: `calcard` parses (unfolding,
//! unescaping, parameters), `rrule` expands the recurrence rules, and
//! `chrono-tz` (a second copy of the tz database) places local times.
#![allow(dead_code)]

pub mod rosters;
pub mod setup;

use std::collections::BTreeMap;

use calcard::icalendar::{
    ICalendar, ICalendarComponentType, ICalendarEntry, ICalendarProperty, ICalendarValue,
};
use chrono::{NaiveDateTime, TimeZone};

/// One meeting as a calendar client would show it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shown {
    /// Start, Unix seconds.
    pub start: i64,
    /// End, Unix seconds.
    pub end: i64,
    /// UID of its series.
    pub uid: String,
    /// SUMMARY, unescaped.
    pub summary: String,
    /// DESCRIPTION, unescaped.
    pub description: String,
    /// LOCATION, unescaped ("" when absent).
    pub location: String,
    /// TZID of its series' master.
    pub tzid: String,
}

impl Shown {
    /// Whether its local start date (in its series' zone) is in
    /// `[from, until)`: the window rule of SPEC.md.
    pub fn in_window(&self, from: chrono::NaiveDate, until: chrono::NaiveDate) -> bool {
        let tz: chrono_tz::Tz = self.tzid.parse().expect("IANA TZID");
        let local = tz
            .timestamp_opt(self.start, 0)
            .single()
            .expect("valid instant")
            .date_naive();
        from <= local && local < until
    }
}

#[derive(Debug, Default)]
struct Event {
    uid: String,
    dtstart: Option<When>,
    dtend: Option<When>,
    rrule: Option<String>,
    exdates: Vec<When>,
    rid: Option<When>,
    summary: String,
    description: String,
    location: String,
}

#[derive(Debug, Clone)]
struct When {
    local: NaiveDateTime,
    /// None: UTC (`Z`).
    tzid: Option<String>,
}

impl When {
    /// The instant, by RFC 5545's rules: a nonexistent time moves forward
    /// by the gap, a repeated one takes the first instance.
    fn instant(&self) -> i64 {
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
                        let offset = *before.offset();
                        use chrono::Offset;
                        let secs = offset.fix().local_minus_utc();
                        return self.local.and_utc().timestamp() - i64::from(secs);
                    }
                }
            }
        }
    }

    fn ical(&self) -> String {
        let v = self.local.format("%Y%m%dT%H%M%S");
        match &self.tzid {
            Some(tz) => format!(";TZID={tz}:{v}"),
            None => format!(":{v}Z"),
        }
    }
}

fn when(entry: &ICalendarEntry) -> When {
    let Some(ICalendarValue::PartialDateTime(dt)) = entry.values.first() else {
        panic!("not a date-time: {entry:?}");
    };
    let r = dt.to_date_time().expect("a full date-time");
    When {
        local: r.date_time,
        tzid: entry.tz_id().map(str::to_string),
    }
}

fn text(entry: &ICalendarEntry) -> String {
    entry
        .values
        .iter()
        .filter_map(|v| v.as_text())
        .collect::<Vec<_>>()
        .join(",")
}

fn events(doc: &str) -> Vec<Event> {
    let cal = ICalendar::parse(doc).expect("calcard parses the document");
    let mut out = Vec::new();
    for comp in &cal.components {
        if comp.component_type != ICalendarComponentType::VEvent {
            continue;
        }
        let mut e = Event::default();
        for entry in &comp.entries {
            match &entry.name {
                ICalendarProperty::Uid => e.uid = text(entry),
                ICalendarProperty::Dtstart => e.dtstart = Some(when(entry)),
                ICalendarProperty::Dtend => e.dtend = Some(when(entry)),
                ICalendarProperty::RecurrenceId => e.rid = Some(when(entry)),
                ICalendarProperty::Exdate => e.exdates.push(when(entry)),
                ICalendarProperty::Summary => e.summary = text(entry),
                ICalendarProperty::Description => e.description = text(entry),
                ICalendarProperty::Location => e.location = text(entry),
                ICalendarProperty::Rrule => {
                    if let Some(ICalendarValue::RecurrenceRule(r)) = entry.values.first() {
                        e.rrule = Some(r.to_string());
                    }
                }
                _ => {}
            }
        }
        out.push(e);
    }
    out
}

/// Every meeting `doc` shows that starts before `until` (Unix seconds):
/// masters expanded, `EXDATE`s removed, overrides applied. Panics on an
/// override that matches no occurrence, or two that match the same one.
pub fn expand(doc: &str, until: i64) -> Vec<Shown> {
    let all = events(doc);
    let mut shown: BTreeMap<(String, i64), Shown> = BTreeMap::new();
    let mut zones: BTreeMap<String, String> = BTreeMap::new();
    for e in all.iter().filter(|e| e.rrule.is_some()) {
        let dtstart = e.dtstart.as_ref().expect("master has DTSTART");
        let tzid = dtstart.tzid.clone().expect("master DTSTART has a TZID");
        zones.insert(e.uid.clone(), tzid.clone());
        let dtend = e.dtend.as_ref().expect("master has DTEND");
        let duration = dtend.instant() - dtstart.instant();
        let mut set = format!(
            "DTSTART{}\nRRULE:{}",
            dtstart.ical(),
            e.rrule.as_deref().unwrap_or_default()
        );
        for ex in &e.exdates {
            set.push_str(&format!("\nEXDATE{}", ex.ical()));
        }
        let set: rrule::RRuleSet = set.parse().expect("rrule parses the series");
        let before = rrule::Tz::UTC
            .timestamp_opt(until, 0)
            .single()
            .expect("a valid bound");
        for t in set.before(before).all(u16::MAX).dates {
            let start = t.timestamp();
            shown.insert(
                (e.uid.clone(), start),
                Shown {
                    start,
                    end: start + duration,
                    uid: e.uid.clone(),
                    summary: e.summary.clone(),
                    description: e.description.clone(),
                    location: e.location.clone(),
                    tzid: tzid.clone(),
                },
            );
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for e in all.iter().filter(|e| e.rid.is_some()) {
        let rid = e.rid.as_ref().map(When::instant).unwrap_or_default();
        assert!(
            seen.insert((e.uid.clone(), rid)),
            "two overrides of {} at {rid}",
            e.uid
        );
        assert!(
            shown.remove(&(e.uid.clone(), rid)).is_some() || rid >= until,
            "override of {} at {rid} matches no occurrence",
            e.uid
        );
        let start = e.dtstart.as_ref().expect("override has DTSTART").instant();
        let end = e.dtend.as_ref().expect("override has DTEND").instant();
        shown.insert(
            (e.uid.clone(), rid),
            Shown {
                start,
                end,
                uid: e.uid.clone(),
                summary: e.summary.clone(),
                description: e.description.clone(),
                location: e.location.clone(),
                tzid: zones.get(&e.uid).cloned().expect("override has a master"),
            },
        );
    }
    let mut out: Vec<Shown> = shown.into_values().collect();
    out.sort();
    out
}

/// Structural checks every document must pass: CRLF only, no physical
/// line over 75 octets, folds never split a character, every TZID used has
/// its VTIMEZONE, required properties present, components balanced.
pub fn assert_well_formed(doc: &str) {
    let bytes = doc.as_bytes();
    assert!(doc.ends_with("\r\n"), "document must end with CRLF");
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF at {i}");
        }
        if b == b'\r' {
            assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
    }
    let physical: Vec<&str> = doc[..doc.len() - 2].split("\r\n").collect();
    for l in &physical {
        assert!(l.len() <= 75, "{} octets: {l:?}", l.len());
        if let Some(rest) = l.strip_prefix(' ') {
            let first = rest.as_bytes().first().copied().unwrap_or(0);
            assert_ne!(first & 0xC0, 0x80, "fold splits a character: {l:?}");
        }
    }
    let unfolded = doc.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
    assert_eq!(lines.last(), Some(&"END:VCALENDAR"));
    let mut stack: Vec<&str> = Vec::new();
    let mut defined = std::collections::BTreeSet::new();
    let mut used = std::collections::BTreeSet::new();
    let mut props: Vec<Vec<&str>> = Vec::new();
    let mut top: Vec<&str> = Vec::new();
    for l in &lines {
        let (head, value) = l.split_once(':').expect("every line has a colon");
        let name = head.split(';').next().unwrap_or_default();
        match name {
            "BEGIN" => {
                stack.push(value);
                props.push(Vec::new());
            }
            "END" => {
                assert_eq!(stack.pop(), Some(value), "unbalanced END:{value}");
                let p = props.pop().unwrap_or_default();
                if value == "VEVENT" {
                    for req in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER"] {
                        assert!(p.contains(&req), "VEVENT without {req}: {p:?}");
                    }
                    assert_eq!(p.iter().filter(|n| **n == "ATTENDEE").count(), 2);
                }
                if value == "VCALENDAR" {
                    top = p;
                }
            }
            _ => {
                if let Some(p) = props.last_mut() {
                    p.push(name);
                }
                if name == "TZID" && stack.last() == Some(&"VTIMEZONE") {
                    defined.insert(value.to_string());
                }
                for param in head.split(';').skip(1) {
                    if let Some(tz) = param.strip_prefix("TZID=") {
                        used.insert(tz.trim_matches('"').to_string());
                    }
                }
            }
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    for req in [
        "PRODID",
        "VERSION",
        "CALSCALE",
        "METHOD",
        "NAME",
        "X-WR-CALNAME",
        "REFRESH-INTERVAL",
        "X-PUBLISHED-TTL",
    ] {
        assert!(top.contains(&req), "VCALENDAR without {req}");
    }
    for tz in &used {
        assert!(defined.contains(tz), "TZID {tz} has no VTIMEZONE");
    }
}

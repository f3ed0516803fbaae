//! Shared test helpers: an independent reading of touchbase's iCalendar
//! output, models of the calendar engines that apply its mails
//! (`engines`), rosters that exercise DST, cadences, pauses and changes,
//! and test folders holding a configuration and its roster (`setup`).
//!
//! The reading uses none of touchbase's code: `calcard` parses (unfolding,
//! unescaping, parameters), `rrule` expands the recurrence rules, and
//! `chrono-tz` (a second copy of the tz database) places local times.
#![allow(dead_code)]

pub mod browser;
mod calendar;
pub mod engines;
pub mod rosters;
pub mod setup;

use std::collections::BTreeMap;

use chrono::TimeZone;

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

/// Every meeting `doc` shows that starts before `until` (Unix seconds):
/// masters expanded, `EXDATE`s removed, overrides applied. Panics on an
/// override that matches no occurrence, or two that match the same one.
pub fn expand(doc: &str, until: i64) -> Vec<Shown> {
    let doc = calendar::read(doc).unwrap_or_else(|e| panic!("{e}"));
    let mut series: BTreeMap<&str, calendar::Series<'_>> = BTreeMap::new();
    for e in &doc.events {
        let s = series.entry(e.uid.as_str()).or_default();
        if e.rid.is_some() {
            s.overrides.push(e);
        } else if e.rrule.is_some() {
            let dtstart = e.dtstart.as_ref().expect("master has DTSTART");
            assert!(dtstart.tzid.is_some(), "master DTSTART has a TZID");
            s.master = Some(e);
        }
    }
    let mut out: Vec<Shown> = series
        .values()
        .flat_map(|s| calendar::meetings(s, until, calendar::Orphans::Panic))
        .collect();
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

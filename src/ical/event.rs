//! Writes the `VEVENT`s of [`SeriesEvents`]: the master, then its
//! overrides, each a complete event (clients such as Outlook drop attendees
//! and location from an override that leaves them out).

use std::collections::HashMap;

use jiff::civil::DateTime;

use super::writer::Writer;
use crate::events::{master_description, Organizer, Override, SeriesEvents, When, GUIDANCE};
use crate::prompts::Bank;

/// Writes the master and the overrides of `events`; `dtstamp` is the
/// document's `DTSTAMP` (already formatted, UTC).
pub fn write_series(w: &mut Writer, events: &SeriesEvents<'_>, org: Organizer<'_>, dtstamp: &str) {
    write_series_with(w, events, org, dtstamp, None);
}

/// [`write_series`], taking each override's `DESCRIPTION` line from
/// `descriptions` when it has been rendered before: for a caller writing
/// many series from one bank.
pub fn write_series_cached(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    org: Organizer<'_>,
    dtstamp: &str,
    descriptions: &mut Descriptions<'_>,
) {
    write_series_with(w, events, org, dtstamp, Some(descriptions));
}

fn write_series_with(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    org: Organizer<'_>,
    dtstamp: &str,
    mut descriptions: Option<&mut Descriptions<'_>>,
) {
    let shared = Shared::new(events, org, dtstamp);
    let tzid = events.series.timezone;
    w.push_lines(&shared.head);
    local(w, "DTSTART", tzid, events.dtstart);
    local(w, "DTEND", tzid, events.dtend);
    w.raw("RRULE", &events.rrule);
    for &ex in &events.exdates {
        local(w, "EXDATE", tzid, ex);
    }
    w.push_lines(&shared.common);
    w.text("DESCRIPTION", master_description());
    w.push_lines(&shared.attendees);
    w.end("VEVENT");
    for o in &events.overrides {
        write_override(w, events, o, &shared, descriptions.as_deref_mut());
    }
}

/// Rendered `DESCRIPTION` lines of overrides, by prompt indices, for one
/// bank: across a roster the same few combinations of prompts recur, and
/// escaping and folding them again was the largest part of an override.
#[derive(Debug, Clone)]
pub struct Descriptions<'b> {
    bank: &'b Bank,
    lines: HashMap<Vec<u16>, String>,
}

impl<'b> Descriptions<'b> {
    /// An empty cache for overrides whose prompts are from `bank`; series
    /// from any other bank are written without it.
    pub fn new(bank: &'b Bank) -> Self {
        Descriptions {
            bank,
            lines: HashMap::new(),
        }
    }
}

/// Writes the override `index` of `events` alone: the `VEVENT` of a
/// single-meeting update (iMIP REQUEST with RECURRENCE-ID).
pub fn write_occurrence(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    index: usize,
    org: Organizer<'_>,
    dtstamp: &str,
) {
    let Some(o) = events.overrides.get(index) else {
        return;
    };
    write_override(w, events, o, &Shared::new(events, org, dtstamp), None);
}

/// The lines every `VEVENT` of a series repeats verbatim, rendered once:
/// a feed writes them for the master and for each override, and escaping,
/// quoting and folding them again each time was most of the work.
struct Shared {
    /// `BEGIN`, `UID` and `DTSTAMP`.
    head: String,
    /// `SEQUENCE`, `SUMMARY` and `LOCATION`, before the description.
    common: String,
    /// Organizer, attendees and status, after the description.
    attendees: String,
}

impl Shared {
    fn new(events: &SeriesEvents<'_>, org: Organizer<'_>, dtstamp: &str) -> Self {
        let mut w = Writer::with_capacity(128);
        w.begin("VEVENT");
        w.raw("UID", &events.series.uid);
        w.raw("DTSTAMP", dtstamp);
        let head = w.finish();
        let mut w = Writer::with_capacity(256);
        common(&mut w, events);
        let common = w.finish();
        let mut w = Writer::with_capacity(512);
        attendees(&mut w, events, org);
        Shared {
            head,
            common,
            attendees: w.finish(),
        }
    }
}

fn write_override(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    o: &Override,
    shared: &Shared,
    descriptions: Option<&mut Descriptions<'_>>,
) {
    let tzid = events.series.timezone;
    w.push_lines(&shared.head);
    local(w, "RECURRENCE-ID", tzid, o.recurrence_id);
    match o.when {
        When::Local { start, end } => {
            local(w, "DTSTART", tzid, start);
            local(w, "DTEND", tzid, end);
        }
        When::Utc { start, end } => {
            w.prop("DTSTART").utc_datetime(start);
            w.prop("DTEND").utc_datetime(end);
        }
    }
    w.push_lines(&shared.common);
    match descriptions {
        Some(cache) if std::ptr::eq(cache.bank, events.bank) => {
            // Looked up by slice first: a hit must not allocate a key.
            if let Some(line) = cache.lines.get(o.prompts.as_slice()) {
                w.push_lines(line);
            } else {
                let mut line = Writer::with_capacity(512);
                description(&mut line, events, o);
                w.push_lines(line.as_str());
                cache.lines.insert(o.prompts.clone(), line.finish());
            }
        }
        _ => description(w, events, o),
    }
    w.push_lines(&shared.attendees);
    w.end("VEVENT");
}

/// The `DESCRIPTION` of an override, written straight from the bank.
fn description(w: &mut Writer, events: &SeriesEvents<'_>, o: &Override) {
    w.prop("DESCRIPTION").text_parts(
        o.prompt_texts(events.bank)
            .flat_map(|p| [p, "\n"])
            .chain((!o.prompts.is_empty()).then_some("\n"))
            .chain([GUIDANCE]),
    );
}

/// The properties master and overrides share.
fn common(w: &mut Writer, events: &SeriesEvents<'_>) {
    let pair = events.pair;
    w.raw("SEQUENCE", &events.sequence.to_string());
    w.text(
        "SUMMARY",
        &format!("1:1 {} / {}", pair.manager.name, pair.report.name),
    );
    if !pair.location.is_empty() {
        w.text("LOCATION", &pair.location);
    }
}

/// Organizer, attendees and status, after the description.
fn attendees(w: &mut Writer, events: &SeriesEvents<'_>, org: Organizer<'_>) {
    let pair = events.pair;
    let organizer = w.prop("ORGANIZER");
    let organizer = match org.name {
        Some(name) => organizer.param("CN", name),
        None => organizer,
    };
    organizer.value_raw(&mailto(org.email));
    w.prop("ATTENDEE")
        .param("CN", &pair.manager.name)
        .param("ROLE", "REQ-PARTICIPANT")
        .param("PARTSTAT", "NEEDS-ACTION")
        .param("RSVP", "TRUE")
        .value_raw(&mailto(&pair.manager.email));
    w.prop("ATTENDEE")
        .param("CN", &pair.report.name)
        .param("ROLE", "REQ-PARTICIPANT")
        .param("PARTSTAT", "NEEDS-ACTION")
        .param("RSVP", "FALSE")
        .value_raw(&mailto(&pair.report.email));
    w.raw("STATUS", "CONFIRMED");
    w.raw("TRANSP", "OPAQUE");
}

fn local(w: &mut Writer, name: &str, tzid: &str, dt: DateTime) {
    w.prop(name).param("TZID", tzid).local_datetime(dt);
}

fn mailto(email: &str) -> String {
    format!("mailto:{email}")
}

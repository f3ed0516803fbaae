//! Writes the `VEVENT`s of [`SeriesEvents`]: the master, then its
//! overrides, each a complete event (clients such as Outlook drop attendees
//! and location from an override that leaves them out).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use jiff::civil::DateTime;

use super::writer::Writer;
use crate::core::events::{master_description, Organizer, Override, SeriesEvents, When, GUIDANCE};
use crate::core::prompts::Bank;

/// Writes the master and the overrides of `events`; `dtstamp` is the
/// document's `DTSTAMP` (already formatted, UTC).
pub fn write_series(w: &mut Writer, events: &SeriesEvents<'_>, org: Organizer<'_>, dtstamp: &str) {
    write_series_with(w, events, org, dtstamp, None);
}

/// [`write_series`] for a caller writing many series from one bank: each
/// override's `DESCRIPTION` line comes from `cache` when it was rendered
/// before, and the per-series buffers are reused.
pub fn write_series_cached(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    org: Organizer<'_>,
    dtstamp: &str,
    cache: &mut SeriesCache<'_>,
) {
    write_series_with(w, events, org, dtstamp, Some(cache));
}

fn write_series_with(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    org: Organizer<'_>,
    dtstamp: &str,
    cache: Option<&mut SeriesCache<'_>>,
) {
    let mut own = Shared::default();
    let (shared, mut descriptions) = match cache {
        Some(c) => {
            let same_bank = std::ptr::eq(c.bank, events.bank);
            (&mut c.shared, same_bank.then_some(&mut c.descriptions))
        }
        None => (&mut own, None),
    };
    shared.fill(events, org, dtstamp);
    let shared = &*shared;
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
        write_override(w, events, o, shared, descriptions.as_deref_mut());
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
    let mut shared = Shared::default();
    shared.fill(events, org, dtstamp);
    write_override(w, events, o, &shared, None);
}

/// What a batch of series from one bank can share: rendered `DESCRIPTION`
/// lines of overrides, by prompt indices (across a roster the same few
/// combinations of prompts recur, and escaping and folding them again was
/// the largest part of an override), and the per-series buffers.
#[derive(Debug, Clone)]
pub struct SeriesCache<'b> {
    bank: &'b Bank,
    descriptions: DescriptionLines,
    shared: Shared,
}

type DescriptionLines = HashMap<Vec<u16>, String, BuildHasherDefault<Fnv>>;

impl<'b> SeriesCache<'b> {
    /// An empty cache for series whose prompts are from `bank`; the
    /// descriptions of series from any other bank are not cached.
    pub fn new(bank: &'b Bank) -> Self {
        SeriesCache {
            bank,
            descriptions: DescriptionLines::default(),
            shared: Shared::default(),
        }
    }
}

/// FNV-1a. The keys are a few prompt indices from the roster: SipHash's
/// resistance to chosen keys buys nothing there, and its cost showed on
/// every override.
#[derive(Debug, Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The lines every `VEVENT` of a series repeats verbatim, rendered once:
/// a feed writes them for the master and for each override, and escaping,
/// quoting and folding them again each time was most of the work.
#[derive(Debug, Clone, Default)]
struct Shared {
    /// `BEGIN`, `UID` and `DTSTAMP`.
    head: String,
    /// `SEQUENCE`, `SUMMARY` and `LOCATION`, before the description.
    common: String,
    /// Organizer, attendees and status, after the description.
    attendees: String,
}

impl Shared {
    /// Renders the lines of `events`' series into the buffers, replacing
    /// what they held.
    fn fill(&mut self, events: &SeriesEvents<'_>, org: Organizer<'_>, dtstamp: &str) {
        let mut w = Writer::from_buffer(cleared(&mut self.head));
        w.begin("VEVENT");
        w.raw("UID", &events.series.uid);
        w.raw("DTSTAMP", dtstamp);
        self.head = w.finish();
        let mut w = Writer::from_buffer(cleared(&mut self.common));
        common(&mut w, events);
        self.common = w.finish();
        let mut w = Writer::from_buffer(cleared(&mut self.attendees));
        attendees(&mut w, events, org);
        self.attendees = w.finish();
    }
}

/// The buffer of `s`, emptied, leaving `s` empty too.
fn cleared(s: &mut String) -> String {
    let mut buf = std::mem::take(s);
    buf.clear();
    buf
}

fn write_override(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    o: &Override,
    shared: &Shared,
    descriptions: Option<&mut DescriptionLines>,
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
        Some(lines) => {
            // Looked up by slice first: a hit must not allocate a key.
            if let Some(line) = lines.get(o.prompts.as_slice()) {
                w.push_lines(line);
            } else {
                let mut line = Writer::with_capacity(512);
                description(&mut line, events, o);
                w.push_lines(line.as_str());
                lines.insert(o.prompts.clone(), line.finish());
            }
        }
        None => description(w, events, o),
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

/// The properties master and overrides share. Values are written in
/// parts: a batch writes these for every series, and joining them first
/// cost an allocation each.
fn common(w: &mut Writer, events: &SeriesEvents<'_>) {
    let pair = events.pair;
    w.prop("SEQUENCE").integer(i64::from(events.sequence));
    // Escaping part by part gives what escaping the joined text would:
    // the fixed parts hold nothing to escape and end no CRLF.
    w.prop("SUMMARY").text_parts([
        "1:1 ",
        pair.manager.name.as_str(),
        " / ",
        pair.report.name.as_str(),
    ]);
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
    organizer.value_raw_parts(&["mailto:", org.email]);
    w.prop("ATTENDEE")
        .param("CN", &pair.manager.name)
        .param("ROLE", "REQ-PARTICIPANT")
        .param("PARTSTAT", "NEEDS-ACTION")
        .param("RSVP", "TRUE")
        .value_raw_parts(&["mailto:", &pair.manager.email]);
    w.prop("ATTENDEE")
        .param("CN", &pair.report.name)
        .param("ROLE", "REQ-PARTICIPANT")
        .param("PARTSTAT", "NEEDS-ACTION")
        .param("RSVP", "FALSE")
        .value_raw_parts(&["mailto:", &pair.report.email]);
    w.raw("STATUS", "CONFIRMED");
    w.raw("TRANSP", "OPAQUE");
}

fn local(w: &mut Writer, name: &str, tzid: &str, dt: DateTime) {
    w.prop(name).param("TZID", tzid).local_datetime(dt);
}

//! Writes the `VEVENT`s of [`SeriesEvents`]: the master, then its
//! overrides, each a complete event (clients such as Outlook drop attendees
//! and location from an override that leaves them out).

use jiff::civil::DateTime;

use super::writer::{local_datetime, utc_datetime, Writer};
use crate::events::{master_description, Organizer, Override, SeriesEvents, When};

/// Writes the master and the overrides of `events`; `dtstamp` is the
/// document's `DTSTAMP` (already formatted, UTC).
pub fn write_series(w: &mut Writer, events: &SeriesEvents<'_>, org: Organizer<'_>, dtstamp: &str) {
    let tzid = events.series.timezone;
    w.begin("VEVENT");
    w.raw("UID", &events.series.uid);
    w.raw("DTSTAMP", dtstamp);
    local(w, "DTSTART", tzid, events.dtstart);
    local(w, "DTEND", tzid, events.dtend);
    w.raw("RRULE", &events.rrule);
    for &ex in &events.exdates {
        local(w, "EXDATE", tzid, ex);
    }
    common(w, events, org, &master_description());
    w.end("VEVENT");
    for o in &events.overrides {
        write_override(w, events, o, org, dtstamp);
    }
}

/// Writes one override `VEVENT` (a single meeting, `RECURRENCE-ID`) of a series.
pub fn write_override(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    o: &Override,
    org: Organizer<'_>,
    dtstamp: &str,
) {
    let tzid = events.series.timezone;
    w.begin("VEVENT");
    w.raw("UID", &events.series.uid);
    w.raw("DTSTAMP", dtstamp);
    local(w, "RECURRENCE-ID", tzid, o.recurrence_id);
    match o.when {
        When::Local { start, end } => {
            local(w, "DTSTART", tzid, start);
            local(w, "DTEND", tzid, end);
        }
        When::Utc { start, end } => {
            w.raw("DTSTART", &utc_datetime(start));
            w.raw("DTEND", &utc_datetime(end));
        }
    }
    common(w, events, org, &o.description);
    w.end("VEVENT");
}

/// The properties master and overrides share.
fn common(w: &mut Writer, events: &SeriesEvents<'_>, org: Organizer<'_>, description: &str) {
    let pair = events.pair;
    w.raw("SEQUENCE", &events.sequence.to_string());
    w.text(
        "SUMMARY",
        &format!("1:1 {} / {}", pair.manager.name, pair.report.name),
    );
    if !pair.location.is_empty() {
        w.text("LOCATION", &pair.location);
    }
    w.text("DESCRIPTION", description);
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
    w.prop(name)
        .param("TZID", tzid)
        .value_raw(&local_datetime(dt));
}

fn mailto(email: &str) -> String {
    format!("mailto:{email}")
}

//! What each iMIP message says: the `VCALENDAR` (METHOD:REQUEST or CANCEL),
//! and the time format subjects use. What the mails say is
//! [`crate::core::letter`]'s.

use jiff::civil::DateTime;
use jiff::{Timestamp, ToSpan};

use crate::core::events::write::{write_occurrence, write_series, Audience};
use crate::core::events::{Organizer, SeriesEvents, When};
use crate::core::ical::Method;
use crate::core::ical::{local_datetime, utc_datetime, Writer};
use crate::core::schedule::Window;

use super::model::Who;
use crate::core::letter::Prompts;

/// The parts of one message for one recipient: subject, text/plain and
/// text/html (see [`crate::core::letter`]).
pub type Body = crate::core::letter::Letter;

fn begin(w: &mut Writer, method: Method) {
    crate::core::ical::begin_calendar(w, method.as_str());
}

fn zones(w: &mut Writer, events: &SeriesEvents<'_>, around: DateTime) {
    let day = around.date();
    let window = Window {
        from: day.checked_sub(1.day()).unwrap_or(day),
        until: day.checked_add(1.day()).unwrap_or(day),
    };
    crate::core::feed::write_zones(w, std::slice::from_ref(events), window);
}

/// A series REQUEST: the master and the overrides it carries; `prompts`
/// says what the master's description promises.
pub fn series_request(
    events: &SeriesEvents<'_>,
    org: Organizer<'_>,
    now: Timestamp,
    prompts: Prompts,
) -> String {
    let mut w = Writer::new();
    begin(&mut w, Method::Request);
    zones(&mut w, events, events.dtstart);
    write_series(
        &mut w,
        events,
        org,
        &utc_datetime(now),
        match prompts {
            Prompts::Updates => Audience::Invitation,
            Prompts::Digest => Audience::DigestInvitation,
        },
        None,
    );
    w.end("VCALENDAR");
    w.finish()
}

/// A REQUEST for one meeting of a series (RECURRENCE-ID).
pub fn occurrence_request(
    events: &SeriesEvents<'_>,
    index: usize,
    org: Organizer<'_>,
    now: Timestamp,
) -> String {
    let mut w = Writer::new();
    begin(&mut w, Method::Request);
    if let Some(o) = events.overrides.get(index) {
        zones(&mut w, events, o.recurrence_id);
        write_occurrence(&mut w, events, index, org, &utc_datetime(now));
    }
    w.end("VCALENDAR");
    w.finish()
}

/// What a cancellation needs to name the series.
#[derive(Debug, Clone)]
pub struct CancelOf<'a> {
    /// UID.
    pub uid: &'a str,
    /// SEQUENCE of the cancellation.
    pub sequence: u32,
    /// The series' first start, local.
    pub dtstart: DateTime,
    /// Its zone.
    pub timezone: &'a str,
    /// The zone, for the VTIMEZONE.
    pub tz: &'a jiff::tz::TimeZone,
    /// Manager.
    pub manager: &'a Who,
    /// Report.
    pub report: &'a Who,
    /// The one meeting cancelled (RECURRENCE-ID), or `None` for the whole
    /// series.
    pub occurrence: Option<DateTime>,
}

/// A CANCEL of a whole series, or of one of its meetings: exactly one
/// VEVENT either way (Exchange and others apply only the first of several).
pub fn cancel(c: &CancelOf<'_>, org: Organizer<'_>, now: Timestamp) -> String {
    let mut w = Writer::new();
    begin(&mut w, Method::Cancel);
    let at = c.occurrence.unwrap_or(c.dtstart);
    let instant = crate::core::schedule::resolve(c.tz, at).map_or(now, |(t, _)| t);
    let day = jiff::SignedDuration::from_hours(48);
    crate::core::ical::vtimezone(
        &mut w,
        c.timezone,
        c.tz,
        instant.checked_sub(day).unwrap_or(instant),
        instant.checked_add(day).unwrap_or(instant),
    );
    w.begin("VEVENT");
    w.raw("UID", c.uid);
    w.raw("DTSTAMP", &utc_datetime(now));
    if let Some(rid) = c.occurrence {
        w.prop("RECURRENCE-ID")
            .param("TZID", c.timezone)
            .value_raw(&local_datetime(rid));
    }
    w.prop("DTSTART")
        .param("TZID", c.timezone)
        .value_raw(&local_datetime(at));
    w.raw("SEQUENCE", &c.sequence.to_string());
    w.text(
        "SUMMARY",
        &format!("1:1 {} / {}", c.manager.name, c.report.name),
    );
    let organizer = w.prop("ORGANIZER");
    let organizer = match org.name {
        Some(name) => organizer.param("CN", name),
        None => organizer,
    };
    organizer.value_raw(&format!("mailto:{}", org.email));
    for (who, rsvp) in [(c.manager, "TRUE"), (c.report, "FALSE")] {
        w.prop("ATTENDEE")
            .param("CN", &who.name)
            .param("ROLE", "REQ-PARTICIPANT")
            .param("RSVP", rsvp)
            .value_raw(&format!("mailto:{}", who.email));
    }
    w.raw("STATUS", "CANCELLED");
    w.end("VEVENT");
    w.end("VCALENDAR");
    w.finish()
}

/// "Tue 5 Jan 09:30 (Europe/London)".
pub fn when(local: DateTime, timezone: &str) -> String {
    format!("{} ({timezone})", local.strftime("%a %-d %b %H:%M"))
}

/// The start of an override, for the subject line.
pub fn override_start(when: When, tz: &jiff::tz::TimeZone) -> DateTime {
    match when {
        When::Local { start, .. } => start,
        When::Utc { start, .. } => tz.to_datetime(start),
    }
}

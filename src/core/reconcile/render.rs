//! What each iMIP message says: the `VCALENDAR` (METHOD:REQUEST or CANCEL),
//! the subject, and the plain-text and HTML bodies.
//!
//! A stop gives no reason: after an opt-out it is the only message that
//! still names the report, and it must not say why.

use jiff::civil::DateTime;
use jiff::{Timestamp, ToSpan};

use crate::core::events::write::{write_occurrence, write_series, Audience};
use crate::core::events::{Organizer, SeriesEvents, When, GUIDANCE};
use crate::core::ical::Method;
use crate::core::ical::{local_datetime, utc_datetime, Writer};
use crate::core::schedule::Window;

use super::model::Who;
use super::Kind;

/// The parts of one message for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Subject line.
    pub subject: String,
    /// text/plain.
    pub text: String,
    /// text/html.
    pub html: String,
}

impl Body {
    /// A subject without bodies, for a message made with its headers only.
    pub fn subject_only(subject: String) -> Body {
        Body {
            subject,
            text: String::new(),
            html: String::new(),
        }
    }
}

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

/// A series REQUEST: the master and the overrides it carries.
pub fn series_request(events: &SeriesEvents<'_>, org: Organizer<'_>, now: Timestamp) -> String {
    let mut w = Writer::new();
    begin(&mut w, Method::Request);
    zones(&mut w, events, events.dtstart);
    write_series(
        &mut w,
        events,
        org,
        &utc_datetime(now),
        Audience::Invitation,
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

/// The subject of a message about a 1:1 with `other`.
pub fn subject(kind: Kind, other: &Who, headline: &str) -> String {
    match kind {
        Kind::CancelOccurrence | Kind::CancelSeries => {
            format!("Cancelled: 1:1 with {}, {headline}", other.name)
        }
        Kind::EndSeries => format!("Ends: 1:1 with {}, {headline}", other.name),
        _ => format!("1:1 with {}, {headline}", other.name),
    }
}

/// Subject and bodies of a message to `to` about a 1:1 with `other`.
pub fn body(
    kind: Kind,
    to: &Who,
    other: &Who,
    headline: &str,
    prompts: &[&str],
    location: &str,
) -> Body {
    let subject = subject(kind, other, headline);
    let mut text = format!("Hello {},\n\n", to.name);
    let mut html = format!(
        "<div style=\"font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#222\">\
         <p style=\"margin:0 0 12px\">Hello {},</p>",
        escape(&to.name)
    );
    match kind {
        Kind::EndSeries => {
            text.push_str(&format!(
                "The 1:1 with {} ({headline}) ends. Meetings already held stay on your calendar.\n",
                other.name
            ));
            html.push_str(&format!(
                "<p style=\"margin:0 0 12px\">The 1:1 with <strong>{}</strong> ({}) ends. Meetings already held stay on your calendar.</p>",
                escape(&other.name),
                escape(headline)
            ));
        }
        Kind::NewSeries | Kind::UpdateSeries | Kind::Occurrence => {
            invitation(&mut text, &mut html, other, headline, prompts, location);
        }
        Kind::CancelOccurrence | Kind::CancelSeries => {
            text.push_str(&format!(
                "The 1:1 with {} ({headline}) is cancelled.\n",
                other.name
            ));
            html.push_str(&format!(
                "<p style=\"margin:0 0 12px\">The 1:1 with <strong>{}</strong> ({}) is cancelled.</p>",
                escape(&other.name),
                escape(headline)
            ));
        }
    }
    html.push_str("<p style=\"margin:0;color:#888;font-size:12px\">Sent by touchbase.</p></div>");
    text.push_str("\nSent by touchbase.\n");
    Body {
        subject,
        text,
        html,
    }
}

/// The body of an invitation or a meeting's update: who, when, where, the
/// prompts, the guidance.
fn invitation(
    text: &mut String,
    html: &mut String,
    other: &Who,
    headline: &str,
    prompts: &[&str],
    location: &str,
) {
    text.push_str(&format!("Your 1:1 with {}: {headline}.\n", other.name));
    html.push_str(&format!(
        "<p style=\"margin:0 0 12px\">Your 1:1 with <strong>{}</strong>: {}.</p>",
        escape(&other.name),
        escape(headline)
    ));
    if !location.is_empty() {
        text.push_str(&format!("Where: {location}\n"));
        html.push_str(&format!(
            "<p style=\"margin:0 0 12px\">Where: {}</p>",
            escape(location)
        ));
    }
    if !prompts.is_empty() {
        text.push_str("\nPrompts for this meeting:\n");
        html.push_str("<p style=\"margin:0 0 4px\">Prompts for this meeting:</p><ul style=\"margin:0 0 12px;padding-left:20px\">");
        for p in prompts {
            text.push_str(&format!("- {p}\n"));
            html.push_str(&format!("<li>{}</li>", escape(p)));
        }
        html.push_str("</ul>");
    }
    text.push_str(&format!("\n{GUIDANCE}\n"));
    html.push_str(&format!(
        "<p style=\"margin:0 0 12px;color:#555;font-style:italic\">{}</p>",
        escape(GUIDANCE)
    ));
    text.push_str("\nAccept or decline it in your calendar like any other meeting.\n");
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The start of an override, for the subject line.
pub fn override_start(when: When, tz: &jiff::tz::TimeZone) -> DateTime {
    match when {
        When::Local { start, .. } => start,
        When::Utc { start, .. } => tz.to_datetime(start),
    }
}

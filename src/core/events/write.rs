//! Writes the `VEVENT`s of [`SeriesEvents`]: the master, then its
//! overrides, each a complete event (clients such as Outlook drop attendees
//! and location from an override that leaves them out).

use jiff::civil::DateTime;

use crate::core::events::{
    master_description, Organizer, Override, SeriesEvents, When, GUIDANCE,
    MASTER_DESCRIPTION_DIGEST,
};
use crate::core::ical::Writer;

/// Who reads the events: it decides what the attendees are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// An iTIP invitation: the manager is asked to answer (`RSVP=TRUE`,
    /// `PARTSTAT=NEEDS-ACTION`).
    Invitation,
    /// An iTIP invitation while prompts come in the weekly digest
    /// (`mail.prompts = "digest"`): as [`Audience::Invitation`], and the
    /// series' description says where the prompts are.
    DigestInvitation,
    /// A published feed (`METHOD:PUBLISH`): it asks nothing of its reader,
    /// so attendees carry neither RSVP nor PARTSTAT.
    Feed,
}

/// Writes the master and the overrides of `events`; `dtstamp` is the
/// document's `DTSTAMP` (already formatted, UTC). `page` (a report's own
/// page, in their feed) ends every description (see [`page_link`]).
pub fn write_series(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    org: Organizer<'_>,
    dtstamp: &str,
    audience: Audience,
    page: Option<&str>,
) {
    let shared = Shared::new(events, org, dtstamp, audience);
    let tzid = events.series.timezone;
    w.push_lines(&shared.head);
    local(w, "DTSTART", tzid, events.dtstart);
    local(w, "DTEND", tzid, events.dtend);
    w.raw("RRULE", &events.rrule);
    for &ex in &events.exdates {
        local(w, "EXDATE", tzid, ex);
    }
    w.push_lines(&shared.common);
    let description = match audience {
        Audience::DigestInvitation => MASTER_DESCRIPTION_DIGEST,
        _ => master_description(),
    };
    w.prop("DESCRIPTION")
        .text_parts(std::iter::once(description).chain(page_link(page)));
    w.push_lines(&shared.attendees);
    w.end("VEVENT");
    for o in &events.overrides {
        write_override(w, events, o, &shared, page);
    }
}

/// The line a report's own feed ends each description with: the address
/// of their page (pause, opt out, prompts). Nothing without one.
pub fn page_link(page: Option<&str>) -> impl Iterator<Item = &str> {
    page.into_iter()
        .flat_map(|url| ["\n\nYour own page (pause, opt out, prompts): ", url])
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
    let shared = Shared::new(events, org, dtstamp, Audience::Invitation);
    write_override(w, events, o, &shared, None);
}

/// The lines every `VEVENT` of a series repeats verbatim, rendered once:
/// a feed writes them for the master and for each override, and escaping,
/// quoting and folding them again each time was most of the work.
#[derive(Debug, Clone)]
struct Shared {
    /// `BEGIN`, `UID` and `DTSTAMP`.
    head: String,
    /// `SEQUENCE`, `SUMMARY` and `LOCATION`, before the description.
    common: String,
    /// Organizer, attendees and status, after the description.
    attendees: String,
}

impl Shared {
    /// Renders the lines of `events`' series.
    fn new(
        events: &SeriesEvents<'_>,
        org: Organizer<'_>,
        dtstamp: &str,
        audience: Audience,
    ) -> Shared {
        let mut head = Writer::new();
        head.begin("VEVENT");
        head.raw("UID", &events.series.uid);
        head.raw("DTSTAMP", dtstamp);
        let mut shared = Writer::new();
        common(&mut shared, events);
        let mut after = Writer::new();
        attendees(&mut after, events, org, audience);
        Shared {
            head: head.finish(),
            common: shared.finish(),
            attendees: after.finish(),
        }
    }
}

fn write_override(
    w: &mut Writer,
    events: &SeriesEvents<'_>,
    o: &Override,
    shared: &Shared,
    page: Option<&str>,
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
    description(w, events, o, page);
    w.push_lines(&shared.attendees);
    w.end("VEVENT");
}

/// The `DESCRIPTION` of an override, written straight from the bank.
fn description(w: &mut Writer, events: &SeriesEvents<'_>, o: &Override, page: Option<&str>) {
    w.prop("DESCRIPTION").text_parts(
        o.prompt_texts(events.bank)
            .flat_map(|p| [p, "\n"])
            .chain((!o.prompts.is_empty()).then_some("\n"))
            .chain([GUIDANCE])
            .chain(page_link(page)),
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
fn attendees(w: &mut Writer, events: &SeriesEvents<'_>, org: Organizer<'_>, audience: Audience) {
    let pair = events.pair;
    let organizer = w.prop("ORGANIZER");
    let organizer = match org.name {
        Some(name) => organizer.param("CN", name),
        None => organizer,
    };
    organizer.value_raw_parts(&["mailto:", org.email]);
    for (who, rsvp) in [(&*pair.manager, "TRUE"), (&pair.report, "FALSE")] {
        let line = w
            .prop("ATTENDEE")
            .param("CN", &who.name)
            .param("ROLE", "REQ-PARTICIPANT");
        let line = match audience {
            Audience::Invitation | Audience::DigestInvitation => {
                line.param("PARTSTAT", "NEEDS-ACTION").param("RSVP", rsvp)
            }
            Audience::Feed => line,
        };
        line.value_raw_parts(&["mailto:", &who.email]);
    }
    w.raw("STATUS", "CONFIRMED");
    w.raw("TRANSP", "OPAQUE");
}

fn local(w: &mut Writer, name: &str, tzid: &str, dt: DateTime) {
    w.prop(name).param("TZID", tzid).local_datetime(dt);
}

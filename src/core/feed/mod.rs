//! Feed documents: one `VCALENDAR` (`METHOD:PUBLISH`) per person.
//!
//! A manager's feed holds the series of all their active pairs, a report's
//! only their own (someone who is both gets both). Opted-out reports appear
//! nowhere: their pairs are skipped, and asking for their feed fails
//! exactly as asking for an address the roster does not know, so the
//! answer never tells that someone opted out.
//!
//! [`render`] writes one person's feed; a [`Directory`] indexes everyone's
//! pairs once, so a server answering many feeds never scans the roster.

mod directory;

pub use directory::Directory;

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::core::events::write::{write_series, Audience};
use crate::core::events::{pair_events, Organizer, SeriesEvents};
use crate::core::ical::{utc_datetime, vtimezone, Writer};
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::Window;
use crate::core::series::History;

/// How far back a served feed looks (SPEC.md: the last 4 weeks).
pub const PAST_WEEKS: i64 = 4;

/// The refresh hint, as an RFC 5545 duration.
pub const REFRESH: &str = "PT1H";

/// How far past the window the `VTIMEZONE`s stay exact: clients expand
/// the open-ended `RRULE` beyond the window, and a year keeps those
/// occurrences right until the next refresh moves the window on.
const ZONE_MARGIN_DAYS: i64 = 366;

/// The address is no manager and no active report of the roster. The same
/// error for an opted-out report, on purpose.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no feed for {0:?}: not a manager or report in the roster")]
pub struct UnknownPerson(pub String);

/// The window a feed URL serves on `today`: the last 4 weeks and the next
/// `horizon_weeks` weeks.
pub fn served_window(today: Date, horizon_weeks: u32) -> Window {
    let from = today
        .checked_sub((PAST_WEEKS * 7).days())
        .unwrap_or(Date::MIN);
    let until = today
        .checked_add((i64::from(horizon_weeks) * 7).days())
        .unwrap_or(Date::MAX);
    Window { from, until }
}

/// The active pairs whose feed `email` sees, and that person's display name.
pub fn person_pairs<'r>(
    roster: &'r Roster,
    email: &str,
) -> Result<(&'r str, Vec<&'r Pair>), UnknownPerson> {
    let pairs: Vec<&Pair> = roster
        .active_pairs()
        .filter(|p| p.manager.is(email) || p.report.is(email))
        .collect();
    let manager = roster.managers.iter().find(|m| m.person.is(email));
    let name = match (manager, pairs.first()) {
        (Some(m), _) => m.person.name.as_str(),
        (None, Some(p)) => p.report.name.as_str(),
        (None, None) => return Err(UnknownPerson(email.trim().to_string())),
    };
    Ok((name, pairs))
}

/// The feed of `email` for `window`: every series of the person's pairs,
/// each meeting in the window with its prompts. `now` is the `DTSTAMP`.
pub fn render(
    roster: &Roster,
    history: &History,
    email: &str,
    window: Window,
    organizer: Organizer<'_>,
    now: Timestamp,
) -> Result<String, UnknownPerson> {
    let (name, pairs) = person_pairs(roster, email)?;
    Ok(render_pairs(
        roster, history, name, &pairs, window, organizer, now, None,
    ))
}

/// A report's own page, named in their feed: the meetings of the pair
/// where `report` is the report end their description with `url`.
#[derive(Debug, Clone, Copy)]
pub struct PageLink<'a> {
    /// The report's address.
    pub report: &'a str,
    /// Their page's address.
    pub url: &'a str,
}

/// The feed named for `name` holding the series of `pairs`, with the
/// report's page (if any) named in the descriptions of their own meetings.
#[allow(clippy::too_many_arguments)]
pub fn render_pairs(
    roster: &Roster,
    history: &History,
    name: &str,
    pairs: &[&Pair],
    window: Window,
    organizer: Organizer<'_>,
    now: Timestamp,
    page: Option<PageLink<'_>>,
) -> String {
    let events: Vec<SeriesEvents<'_>> = pairs
        .iter()
        .flat_map(|p| pair_events(roster, p, history.of(p), window))
        .collect();
    document_linked(name, &events, window, organizer, now, page)
}

/// A `METHOD:PUBLISH` calendar named for `name`, holding `events`.
pub fn document(
    name: &str,
    events: &[SeriesEvents<'_>],
    window: Window,
    organizer: Organizer<'_>,
    now: Timestamp,
) -> String {
    document_linked(name, events, window, organizer, now, None)
}

/// [`document`], with the report's page named in their meetings.
pub fn document_linked(
    name: &str,
    events: &[SeriesEvents<'_>],
    window: Window,
    organizer: Organizer<'_>,
    now: Timestamp,
    page: Option<PageLink<'_>>,
) -> String {
    // About 1 KB per VEVENT and 1.5 KB for the header and a time zone.
    let vevents: usize = events.iter().map(|e| 1 + e.overrides.len()).sum();
    let mut w = Writer::with_capacity(1536 + 1024 * vevents);
    write_header(&mut w, name);
    write_zones(&mut w, events, window);
    let dtstamp = utc_datetime(now);
    for e in events {
        let link = page.filter(|l| e.pair.report.is(l.report)).map(|l| l.url);
        write_series(&mut w, e, organizer, &dtstamp, Audience::Feed, link);
    }
    w.end("VCALENDAR");
    w.finish()
}

/// Everything of a feed before its `VTIMEZONE`s.
fn write_header(w: &mut Writer, name: &str) {
    write_header_start(w);
    write_calname(w, name);
    write_header_end(w);
}

/// The header's lines before the name: the same in every feed.
fn write_header_start(w: &mut Writer) {
    crate::core::ical::begin_calendar(w, "PUBLISH");
}

/// The only lines of a feed that depend on whose it is.
fn write_calname(w: &mut Writer, name: &str) {
    // In parts rather than joined: this is written for every feed.
    for property in ["NAME", "X-WR-CALNAME"] {
        w.prop(property).text_parts(["1:1s of ", name]);
    }
}

/// The header's lines after the name: the same in every feed.
fn write_header_end(w: &mut Writer) {
    w.prop("REFRESH-INTERVAL")
        .param("VALUE", "DURATION")
        .value_raw(REFRESH);
    w.raw("X-PUBLISHED-TTL", REFRESH);
}

/// One `VTIMEZONE` per zone used, exact from the earliest series start to
/// a year past the window with explicit transitions, and beyond through
/// the zone's yearly rules (see [`crate::core::ical::vtimezone()`]).
pub(crate) fn write_zones(w: &mut Writer, events: &[SeriesEvents<'_>], window: Window) {
    let mut zones = ZoneSpans::default();
    for e in events {
        zones.add_series(e, window);
    }
    for (tzid, tz, first) in zones.iter() {
        write_zone(w, tzid, tz, first, window);
    }
}

/// The zones a set of series uses, each with the earliest date its
/// `VTIMEZONE` must cover, by `TZID` (the order they are written in). The
/// first series seen for a `TZID` supplies its rules.
#[derive(Debug, Clone, Default)]
struct ZoneSpans<'r>(BTreeMap<&'r str, (&'r TimeZone, Date)>);

impl<'r> ZoneSpans<'r> {
    fn add_series(&mut self, e: &SeriesEvents<'r>, window: Window) {
        self.add(
            e.series.timezone,
            e.series.tz,
            e.dtstart.date().min(window.from),
        );
    }

    fn add(&mut self, tzid: &'r str, tz: &'r TimeZone, first: Date) {
        self.0
            .entry(tzid)
            .and_modify(|(_, d)| *d = (*d).min(first))
            .or_insert((tz, first));
    }

    fn iter(&self) -> impl Iterator<Item = (&'r str, &'r TimeZone, Date)> + '_ {
        self.0
            .iter()
            .map(|(tzid, (tz, first))| (*tzid, *tz, *first))
    }
}

/// The `VTIMEZONE` of `tz` from `first` to a year past the window. Its
/// bytes depend only on these arguments, which is what lets a batch render
/// it once and reuse it.
fn write_zone(w: &mut Writer, tzid: &str, tz: &TimeZone, first: Date, window: Window) {
    let end = window
        .until
        .checked_add(ZONE_MARGIN_DAYS.days())
        .unwrap_or(Date::MAX);
    // A day either side absorbs any offset between local dates and UTC.
    let day = SignedDuration::from_hours(24);
    let from = instant(tz, first);
    let from = from.checked_sub(day).unwrap_or(from);
    let until = instant(tz, end);
    let until = until.checked_add(day).unwrap_or(until);
    vtimezone(w, tzid, tz, from, until);
}

fn instant(tz: &TimeZone, d: Date) -> Timestamp {
    d.to_zoned(tz.clone())
        .map_or(Timestamp::MAX, |z| z.timestamp())
}

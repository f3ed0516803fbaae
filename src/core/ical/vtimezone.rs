//! `VTIMEZONE` components (RFC 5545 3.6.5) generated from the tz database.
//!
//! A calendar that uses `TZID=Europe/London` must carry a `VTIMEZONE` for it,
//! and clients really use it: a stale or rule-based definition that
//! disagrees with the tz database moves meetings by an hour. So
//! [`vtimezone`] writes one `STANDARD` or `DAYLIGHT` sub-component per
//! actual transition that jiff reports inside the window, plus one for the
//! offset already in force when the window opens. The result is exact for
//! every instant in the window, whatever the zone's history, at the cost of
//! a few lines per year.
//!
//! Series are open-ended, though, and clients apply the definition to
//! meetings long after the window, each getting the offset of the last
//! observance before it. So the explicit transitions are followed by what
//! holds after them: the zone's yearly pair of rules (`RRULE`s) when the tz
//! database's transitions keep following it for 20 years (`rule.rs`), and
//! otherwise explicit transitions for 10 more years.

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone, TimeZoneTransition};
use jiff::{SignedDuration, Timestamp};

use super::datetime::{local_datetime, utc_offset};
use super::writer::Writer;

mod rule;

use rule::{yearly_pair, YearlyRule, YEARS_CHECKED};

/// Onset used when the offset in force has no known start, e.g. for `UTC`.
/// 1970 is what most published `VTIMEZONE`s use.
const UNBOUNDED_ONSET: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);

/// How many years past the window a zone whose transitions follow no
/// yearly rule gets explicit ones: far enough for a series to have been
/// renewed (and its zone rewritten) long before it runs out.
const IRREGULAR_YEARS: i64 = 10;

/// One `STANDARD` or `DAYLIGHT` sub-component.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    /// Local time of the onset, in `offset_from` (RFC 5545 3.8.2.4 wants
    /// `DTSTART` of an observance expressed in the offset it replaces).
    dtstart: DateTime,
    offset_from: Offset,
    offset_to: Offset,
    name: String,
    dst: bool,
    /// The yearly rule that repeats this onset, for the observances that
    /// stand for all transitions after the explicit ones.
    rule: Option<YearlyRule>,
}

impl Observance {
    fn write(&self, w: &mut Writer) {
        let kind = if self.dst { "DAYLIGHT" } else { "STANDARD" };
        w.begin(kind);
        w.raw("DTSTART", &local_datetime(self.dtstart));
        w.raw("TZOFFSETFROM", &utc_offset(self.offset_from));
        w.raw("TZOFFSETTO", &utc_offset(self.offset_to));
        // TZNAME is optional, and an empty one is useless to clients.
        if !self.name.is_empty() {
            w.text("TZNAME", &self.name);
        }
        if let Some(rule) = &self.rule {
            w.raw("RRULE", &rule.rrule());
        }
        w.end(kind);
    }
}

/// Writes a `VTIMEZONE` for `tz` under the identifier `tzid` (normally the
/// IANA name, e.g. `America/New_York`), correct for every instant in
/// `[from, until)`.
///
/// It holds one sub-component for the offset in force at `from` (dated at
/// the transition that started it, or at 1970-01-01 when the zone never
/// changes offset) and one per transition strictly after `from` and before
/// `until`, in chronological order. After those, for a zone that still
/// changes offset: when the transitions from there on follow a yearly pair
/// of rules (the nth or last weekday of a month, at a fixed local time) for
/// 20 years, that pair as two sub-components with an `RRULE`, dated at the
/// first two transitions after the explicit ones; otherwise one explicit
/// sub-component per transition in the 10 years after `until`. The output
/// depends only on the arguments.
///
/// An empty or reversed window still yields a valid component describing
/// the offset at `from`.
pub fn vtimezone(w: &mut Writer, tzid: &str, tz: &TimeZone, from: Timestamp, until: Timestamp) {
    w.begin("VTIMEZONE");
    w.text("TZID", tzid);
    // Lets libical-based clients map the definition back to their own
    // tz database entry.
    w.text("X-LIC-LOCATION", tzid);
    for observance in observances(tz, from, until) {
        observance.write(w);
    }
    w.end("VTIMEZONE");
}

fn observances(tz: &TimeZone, from: Timestamp, until: Timestamp) -> Vec<Observance> {
    let mut out = Vec::new();

    // `preceding` is strictly before its argument, so nudge past `from` to
    // also catch a transition that happens exactly at `from`.
    let just_after_from = from
        .checked_add(SignedDuration::from_nanos(1))
        .unwrap_or(from);
    let in_force = tz.to_offset_info(from);
    let offset_now = in_force.offset();
    let (dtstart, offset_from) = match tz.preceding(just_after_from).next() {
        Some(transition) => {
            let at = transition.timestamp();
            let before = offset_before(tz, at);
            (before.to_datetime(at), before)
        }
        None => {
            // The offset has held since before the tz database's horizon.
            // The onset must not be after `from`, or clients would find no
            // observance for the start of the window.
            let local_from = offset_now.to_datetime(from);
            (UNBOUNDED_ONSET.min(local_from), offset_now)
        }
    };
    // The values in force at `from` come from `to_offset_info` rather than
    // from the transition, so the first observance is right at `from` by
    // construction.
    out.push(Observance {
        dtstart,
        offset_from,
        offset_to: offset_now,
        name: in_force.abbreviation().to_owned(),
        // As for transitions below: ahead of the offset before it.
        dst: offset_now > offset_from,
        rule: None,
    });

    let mut following = tz
        .following(from)
        .map(|transition| observance(tz, &transition))
        .peekable();
    while let Some((_, o)) = following.next_if(|(at, _)| *at < until) {
        out.push(o);
    }

    // After the window: enough transitions to check a rule, and all those
    // the fallback would write (366-day years, so never short of
    // IRREGULAR_YEARS calendar years).
    let horizon = until
        .checked_add(SignedDuration::from_hours(IRREGULAR_YEARS * 24 * 366))
        .unwrap_or(Timestamp::MAX);
    let mut next: Vec<(Timestamp, Observance)> = Vec::new();
    for (at, o) in following {
        if next.len() >= 2 * YEARS_CHECKED && at >= horizon {
            break;
        }
        // Some TZif files mark the end of 32-bit time (2038-01-19) with a
        // transition that changes nothing; it would break every rule, and
        // clients need no observance for it.
        let previous = next.last().map(|(_, p)| p).or(out.last());
        if previous.is_some_and(|p| changes_nothing(p, &o)) {
            continue;
        }
        next.push((at, o));
    }
    let (ats, next): (Vec<Timestamp>, Vec<Observance>) = next.into_iter().unzip();
    match yearly_pair(&next) {
        Some(rules) => out.extend(next.into_iter().zip(rules).map(|(o, rule)| Observance {
            rule: Some(rule),
            ..o
        })),
        None => out.extend(
            next.into_iter()
                .zip(ats)
                .take_while(|(_, at)| *at < horizon)
                .map(|(o, _)| o),
        ),
    }
    out
}

/// Whether `o`, following `previous`, keeps everything as it was.
fn changes_nothing(previous: &Observance, o: &Observance) -> bool {
    o.offset_from == previous.offset_to
        && o.offset_to == previous.offset_to
        && o.name == previous.name
}

/// The observance `transition` starts, with its instant.
fn observance(tz: &TimeZone, transition: &TimeZoneTransition) -> (Timestamp, Observance) {
    let at = transition.timestamp();
    let before = offset_before(tz, at);
    let o = Observance {
        dtstart: before.to_datetime(at),
        offset_from: before,
        offset_to: transition.offset(),
        name: transition.abbreviation().to_owned(),
        // The conventional reading, not the tz database's flag: Europe/Dublin
        // is written there with a negative DST in winter, a form Exchange does
        // not recognise. A step forward starts DAYLIGHT, a step back STANDARD.
        dst: transition.offset() > before,
        rule: None,
    };
    (at, o)
}

/// The offset in force just before the instant `at`.
fn offset_before(tz: &TimeZone, at: Timestamp) -> Offset {
    let just_before = at.checked_sub(SignedDuration::from_nanos(1)).unwrap_or(at);
    tz.to_offset(just_before)
}

#[cfg(test)]
mod tests;

//! Step 2: the series message. A series not sent yet gets its invitation;
//! one whose content changed (or whose pause shrank) gets an update with a
//! higher SEQUENCE, or its end (UNTIL) when step 1 ended it; both carry the
//! overrides already due. A pause that grew instead cancels the meetings it
//! now removes.

use std::collections::HashSet;

use jiff::civil::{Date, DateTime};
use jiff::Timestamp;

use super::draft::{Ctx, Draft};
use super::model::Zone;
use super::render::{self, CancelOf};
use super::{Kind, OccurrenceState, SentOccurrence, SentSeries, SeriesState, Shape, Who};
use crate::core::cadence::{first_on_or_after, nth_date};
use crate::core::events::{Organizer, SeriesEvents};
use crate::core::hash::hex128;
use crate::core::ical::{local_datetime, Method};
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::resolve;

/// A hash of everything a series message says but its overrides and pause.
pub(super) fn fingerprint(e: &SeriesEvents<'_>, org: Organizer<'_>) -> String {
    let pair = e.pair;
    let (start, end) = (local_datetime(e.dtstart), local_datetime(e.dtend));
    let parts = [
        e.series.uid.as_bytes(),
        start.as_bytes(),
        end.as_bytes(),
        e.rrule.as_bytes(),
        pair.manager.email.as_bytes(),
        pair.manager.name.as_bytes(),
        pair.report.email.as_bytes(),
        pair.report.name.as_bytes(),
        pair.location.as_bytes(),
        org.email.as_bytes(),
        org.name.unwrap_or("").as_bytes(),
    ];
    hex128(&parts)
}

/// Sends what the series `events` needs against `old` (its state as sent)
/// and sets `events.sequence`. Returns the RECURRENCE-IDs of the overrides
/// the series message carried, which step 3 then leaves alone.
pub(super) fn step(
    ctx: &mut Ctx<'_>,
    roster: &Roster,
    events: &mut SeriesEvents<'_>,
    old: Option<&SentSeries>,
    fingerprint: &str,
) -> HashSet<String> {
    let paused = events.pair.paused_until;
    events.sequence = old.map_or(0, |r| r.sequence);
    let changed =
        old.is_none_or(|r| r.fingerprint != fingerprint || r.state == SeriesState::Cancelled);
    let pause_shrank = old.is_some_and(|r| r.paused_until > paused);
    let pause_grew = old.is_some_and(|r| r.paused_until < paused);
    if changed || pause_shrank {
        return announce(ctx, roster, events, old.is_some());
    }
    if pause_grew {
        cancel_paused(ctx, events, old.and_then(|r| r.paused_until));
    }
    HashSet::new()
}

/// The series REQUEST: new, updated, or ended by step 1.
fn announce(
    ctx: &mut Ctx<'_>,
    roster: &Roster,
    events: &mut SeriesEvents<'_>,
    was_sent: bool,
) -> HashSet<String> {
    let pair = events.pair;
    let kind = match (was_sent, events.series.until.is_some()) {
        (false, _) => Kind::NewSeries,
        (true, true) => Kind::EndSeries,
        (true, false) => Kind::UpdateSeries,
    };
    if was_sent {
        events.sequence += 1;
    }
    let (manager, report) = people(pair);
    let headline = format!(
        "{} from {}",
        events.series.cadence,
        render::when(events.dtstart, events.series.timezone)
    );
    let uid = events.series.uid.to_string();
    ctx.send(Draft {
        kind,
        uid: &uid,
        recurrence_id: None,
        sequence: events.sequence,
        method: Method::Request,
        manager: &manager,
        report: &report,
        headline: &headline,
        prompts: &[],
        location: &pair.location,
        ics: render::series_request(events, ctx.settings.organizer, ctx.now),
    });
    let mut carried = HashSet::new();
    for o in &events.overrides {
        ctx.out.occurrences.push(SentOccurrence {
            uid: uid.clone(),
            fingerprint: occurrence_fingerprint(o, &roster.bank, events.sequence),
            recurrence_id: o.recurrence_id,
            state: OccurrenceState::Sent,
        });
        carried.insert(local_datetime(o.recurrence_id));
    }
    carried
}

/// A CANCEL of the meetings a grown pause removes (from `old_pause`).
fn cancel_paused(ctx: &mut Ctx<'_>, events: &mut SeriesEvents<'_>, old_pause: Option<Date>) {
    let pair = events.pair;
    let removed = paused_meetings(events, old_pause, pair, ctx.now);
    if removed.is_empty() {
        return;
    }
    events.sequence += 1;
    let (manager, report) = people(pair);
    let uid = events.series.uid.to_string();
    let c = CancelOf {
        uid: &uid,
        sequence: events.sequence,
        dtstart: events.dtstart,
        timezone: events.series.timezone,
        tz: events.series.tz,
        manager: &manager,
        report: &report,
        occurrences: &removed,
    };
    let ics = render::cancel(&c, ctx.settings.organizer, ctx.now);
    let headline = format!(
        "{} meeting{} until {}",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" },
        pair.paused_until.map(|d| d.to_string()).unwrap_or_default()
    );
    ctx.send(Draft {
        kind: Kind::CancelOccurrences,
        uid: &uid,
        recurrence_id: None,
        sequence: events.sequence,
        method: Method::Cancel,
        manager: &manager,
        report: &report,
        headline: &headline,
        prompts: &[],
        location: "",
        ics,
    });
    for rid in removed {
        ctx.out.occurrences.push(SentOccurrence {
            uid: uid.clone(),
            recurrence_id: rid,
            fingerprint: String::new(),
            state: OccurrenceState::Cancelled,
        });
    }
}

/// The manager and the report of `pair`.
pub(super) fn people(pair: &Pair) -> (Who, Who) {
    (
        Who::new(&pair.manager.email, &pair.manager.name),
        Who::new(&pair.report.email, &pair.report.name),
    )
}

/// A hash of what one override says, at `sequence`.
pub(super) fn occurrence_fingerprint(
    o: &crate::core::events::Override,
    bank: &crate::core::prompts::Bank,
    sequence: u32,
) -> String {
    let when = format!("{:?}", o.when);
    hex128(&[
        local_datetime(o.recurrence_id).as_bytes(),
        when.as_bytes(),
        o.description(bank).as_bytes(),
        sequence.to_string().as_bytes(),
    ])
}

/// Meetings of a series that a grown pause removes: from the old pause (or
/// the series' first date) to the new one, not yet started at `now`.
fn paused_meetings(
    events: &SeriesEvents<'_>,
    old_pause: Option<Date>,
    pair: &Pair,
    now: Timestamp,
) -> Vec<DateTime> {
    let s = &events.series;
    let Some(until) = pair.paused_until else {
        return Vec::new();
    };
    let from = old_pause.map_or(s.first, |d| {
        first_on_or_after(s.anchor, s.cadence, d).max(s.first)
    });
    let end = first_on_or_after(s.anchor, s.cadence, until).min(s.end());
    (from..end)
        .filter_map(|k| nth_date(s.anchor, s.cadence, k))
        .map(|d| d.to_datetime(s.time))
        .filter(|dt| resolve(s.tz, *dt).is_some_and(|(t, _)| t >= now))
        .collect()
}

/// The state `events` leaves: what the ledger records of the series.
pub(super) fn record(pair: &Pair, events: &SeriesEvents<'_>, fingerprint: String) -> SentSeries {
    let (manager, report) = people(pair);
    let s = &events.series;
    SentSeries {
        uid: s.uid.to_string(),
        pair_uid: pair.uid.clone(),
        manager,
        report,
        sequence: events.sequence,
        state: if s.until.is_some() {
            SeriesState::Ended
        } else {
            SeriesState::Active
        },
        shape: Shape {
            anchor: s.anchor,
            time: s.time,
            cadence: s.cadence,
            duration_minutes: s.duration_minutes,
            zone: Zone {
                name: s.timezone.to_string(),
                tz: s.tz.clone(),
            },
        },
        first_date: events.dtstart.date(),
        until_date: s.until,
        paused_until: pair.paused_until,
        fingerprint,
    }
}

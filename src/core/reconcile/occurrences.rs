//! Step 3: each meeting's prompts. Once a meeting is within `lead_days`, a
//! REQUEST for that one occurrence (RECURRENCE-ID) brings its prompts to
//! the manager's calendar, unless the series message of step 2 carried it
//! or the same update went out before.

use std::collections::HashSet;

use super::draft::{Ctx, Draft};
use super::render;
use super::series::{occurrence_fingerprint, people};
use super::{Index, Kind, OccurrenceState, SentOccurrence};
use crate::core::events::SeriesEvents;
use crate::core::ical::{local_datetime, Method};
use crate::core::roster::Roster;

/// Sends the single-meeting updates `events` (overrides already due only)
/// needs; `carried` are those the series message held.
pub(super) fn step(
    ctx: &mut Ctx<'_>,
    roster: &Roster,
    events: &SeriesEvents<'_>,
    index: &Index<'_>,
    carried: &HashSet<String>,
) {
    let pair = events.pair;
    let uid = events.series.uid.as_ref();
    let (manager, report) = people(pair);
    for (i, o) in events.overrides.iter().enumerate() {
        let rid = local_datetime(o.recurrence_id);
        if carried.contains(&rid) {
            continue;
        }
        let fingerprint = occurrence_fingerprint(o, &roster.bank, events.sequence);
        let key = (uid, rid);
        if index
            .occurrences
            .get(&key)
            .is_some_and(|s| s.fingerprint == fingerprint && s.state == OccurrenceState::Sent)
        {
            continue;
        }
        let (_, rid) = key;
        let start = render::override_start(o.when, events.series.tz);
        let headline = render::when(start, events.series.timezone);
        let prompts: Vec<&str> = o.prompt_texts(&roster.bank).collect();
        ctx.send(Draft {
            kind: Kind::Occurrence,
            uid,
            recurrence_id: Some(rid),
            sequence: events.sequence,
            method: Method::Request,
            manager: &manager,
            report: &report,
            headline: &headline,
            prompts: &prompts,
            location: &pair.location,
            ics: render::occurrence_request(events, i, ctx.settings.organizer, ctx.now),
        });
        ctx.out.occurrences.push(SentOccurrence {
            uid: uid.to_string(),
            recurrence_id: o.recurrence_id,
            fingerprint,
            state: OccurrenceState::Sent,
        });
    }
}

//! Step 3: stops. A series that was sent and is no longer wanted (its pair
//! removed, its report opted out, its manager changed) stops: when meetings
//! were held, by ending it (a REQUEST whose RRULE gets an UNTIL before the
//! first meeting not yet held), so the past stays on the calendar; when
//! none were, by a CANCEL. No reason is given either way, and nothing
//! follows.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use jiff::civil::Date;

use super::draft::{Ctx, Draft};
use super::objects::{fingerprint, headline, take_off, Of};
use super::render::{self, CancelOf};
use super::{ended, Index, Kind, OccurrenceState, Sent, SentSeries, SeriesState};
use crate::core::cadence::first_on_or_after;
use crate::core::events::series_events;
use crate::core::ical::Method;
use crate::core::placement::hours::Hours;
use crate::core::roster::{Pair, Person, Placing, Roster};
use crate::core::schedule::resolve;
use crate::core::series::{Pause, Series};
use crate::core::source::Origin;

/// Stops every active series of `sent` that is not in `desired` (the UIDs
/// the roster still wants).
pub(super) fn step(
    ctx: &mut Ctx<'_>,
    roster: &Roster,
    sent: &Sent,
    index: &Index<'_>,
    desired: &HashSet<String>,
) {
    for s in &sent.series {
        if s.state != SeriesState::Active || desired.contains(&s.uid) {
            continue;
        }
        match ended::cut(s, ctx.now) {
            Some((until, true)) => end(ctx, roster, s, until, index),
            _ => cancel(ctx, s),
        }
    }
}

/// The pair of `s` as the ledger remembers it: enough to write its
/// master again (people, place, dates), with no prompts.
fn remembered_pair(s: &SentSeries) -> Pair {
    Pair {
        manager_index: 0,
        manager: Arc::new(Person {
            email: s.manager.email.clone(),
            name: s.manager.name.clone(),
        }),
        report: Person {
            email: s.report.email.clone(),
            name: s.report.name.clone(),
        },
        start: s.shape.anchor,
        time: s.shape.time,
        cadence: s.shape.cadence,
        duration_minutes: s.shape.duration_minutes,
        timezone: s.shape.zone.name.clone(),
        tz: s.shape.zone.tz.clone(),
        prompts_per_meeting: 0,
        location: s.location.clone(),
        opt_out: false,
        paused_until: s.paused_until,
        skip_tags: Vec::new(),
        eligible: Vec::new(),
        prompts_before: None,
        key: 0,
        uid: s.pair_uid.clone(),
        origin: Origin::Flag(String::new()),
        placing: Placing {
            auto: false,
            from: s.shape.anchor,
            report_hours: Arc::new(Hours::standard()),
            key: Default::default(),
            work_days: crate::core::roster::WEEKDAYS,
        },
        calendars: Vec::new(),
        manager_calendars: Vec::new(),
        report_calendars: Vec::new(),
        on_day_off: crate::core::roster::OnDayOff::Skip,
        days_off: Arc::from(Vec::new()),
        move_blocked: Arc::from(Vec::new()),
    }
}

/// Ends `s` before `until` (the first meeting not yet held): the whole
/// master again with UNTIL; then, in `occurrence` mode, each meeting
/// update already sent for a date from `until` on is taken off.
fn end(ctx: &mut Ctx<'_>, roster: &Roster, s: &SentSeries, until: Date, index: &Index<'_>) {
    let pair = remembered_pair(s);
    let zone = &s.shape.zone;
    // The pair as the roster has it now, for its days off.
    let now = roster.pairs.iter().find(|p| p.uid == s.pair_uid);
    let series = Series {
        uid: Cow::Borrowed(&s.uid),
        anchor: s.shape.anchor,
        first: first_on_or_after(s.shape.anchor, s.shape.cadence, s.first_date),
        until: Some(until),
        time: s.shape.time,
        cadence: s.shape.cadence,
        duration_minutes: s.shape.duration_minutes,
        timezone: &zone.name,
        tz: &zone.tz,
        pause: s.paused_until.map(|until| Pause {
            from: s.paused_from,
            until,
        }),
        days_off: now.map_or(&[][..], |p| &p.days_off[..]),
        on_day_off: now.map_or(crate::core::roster::OnDayOff::Skip, |p| p.on_day_off),
        work_days: now.map_or(crate::core::roster::WEEKDAYS, |p| p.placing.work_days),
        move_blocked: now.map_or(&[][..], |p| &p.move_blocked[..]),
    };
    let Some(mut events) = series_events(&pair, &roster.bank, series, Vec::new()) else {
        cancel(ctx, s);
        return;
    };
    events.sequence = ctx.next_sequence(&s.uid, Some(s));
    let headline = headline(&events);
    let (org, now, prompts) = (ctx.settings.organizer, ctx.now, ctx.settings.prompts);
    ctx.send(Draft {
        kind: Kind::EndSeries,
        uid: &s.uid,
        recurrence_id: None,
        sequence: events.sequence,
        method: Method::Request,
        manager: &s.manager,
        report: &s.report,
        headline: &headline,
        ics: &|| render::series_request(&events, org, now, prompts),
        about: &|| None,
    });
    let of = Of {
        uid: &s.uid,
        sent: Some(s),
        dtstart: events.dtstart,
        timezone: &zone.name,
        tz: &zone.tz,
        manager: &s.manager,
        report: &s.report,
    };
    let mut after: Vec<_> = index
        .occurrences_of(&s.uid)
        .iter()
        .filter(|o| o.state == OccurrenceState::Sent && o.recurrence_id.date() >= until)
        .filter(|o| resolve(&zone.tz, o.recurrence_id).is_none_or(|(t, _)| t >= ctx.now))
        .map(|o| o.recurrence_id)
        .collect();
    after.sort_unstable();
    let cancel = ctx.settings.updates == super::Updates::Occurrence;
    take_off(ctx, &of, &after, cancel);
    let mut ended = s.clone();
    ended.sequence = ctx.sequence(&s.uid, Some(s));
    ended.state = SeriesState::Ended;
    ended.until_date = Some(until);
    ended.fingerprint = fingerprint(&events, ctx.settings.organizer);
    ctx.out.series.push(ended);
}

/// Cancels the whole series `s`: no meeting of it was held.
fn cancel(ctx: &mut Ctx<'_>, s: &SentSeries) {
    let sequence = ctx.next_sequence(&s.uid, Some(s));
    let zone = &s.shape.zone;
    let dtstart = s.first_date.to_datetime(s.shape.time);
    let c = CancelOf {
        uid: &s.uid,
        sequence,
        dtstart,
        timezone: &zone.name,
        tz: &zone.tz,
        manager: &s.manager,
        report: &s.report,
        occurrence: None,
    };
    let headline = format!(
        "{} from {}",
        s.shape.cadence,
        render::when(dtstart, &zone.name)
    );
    let (org, now) = (ctx.settings.organizer, ctx.now);
    ctx.send(Draft {
        kind: Kind::CancelSeries,
        uid: &s.uid,
        recurrence_id: None,
        sequence,
        method: Method::Cancel,
        manager: &s.manager,
        report: &s.report,
        headline: &headline,
        ics: &|| render::cancel(&c, org, now),
        about: &|| None,
    });
    let mut cancelled = s.clone();
    cancelled.sequence = sequence;
    cancelled.state = SeriesState::Cancelled;
    ctx.out.series.push(cancelled);
}

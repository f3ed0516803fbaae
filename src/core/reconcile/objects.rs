//! Step 2: each series of an active pair as the calendar object it should
//! be (its master, and an override for every meeting whose prompts are due
//! or were sent before), against what was sent; each difference becomes a
//! message in the form `mail.updates` asks for.

use std::collections::{HashMap, HashSet};

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::draft::{Ctx, Draft};
use super::model::Zone;
use super::render::{self, CancelOf};
use super::{
    keep_due, lead_window, rid_text, Index, Kind, OccurrenceState, SentOccurrence, SentSeries,
    SeriesState, Shape, Updates, Who,
};
use crate::core::cadence::{first_on_or_after, nth_date};
use crate::core::events::{pair_events, Organizer, Override, SeriesEvents};
use crate::core::hash::hex128;
use crate::core::ical::{local_datetime, Method};
use crate::core::prompts::Bank;
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::{resolve, Window};
use crate::core::series::{History, Series};

/// Builds and compares the objects of `pair`'s series, sending what
/// differs; adds their UIDs to `desired`.
pub(super) fn step(
    ctx: &mut Ctx<'_>,
    roster: &Roster,
    pair: &Pair,
    history: &History,
    index: &Index<'_>,
    horizon: Timestamp,
    desired: &mut HashSet<String>,
) {
    let window = lead_window(pair, ctx.now, ctx.settings.lead_days);
    for mut events in pair_events(roster, pair, history.of(pair), window) {
        keep_due(&mut events, ctx.now, horizon);
        let uid = events.series.uid.to_string();
        desired.insert(uid.clone());
        let sent = index.by_uid.get(uid.as_str()).copied();
        let diff = Diff::of(&events, sent, index, ctx.settings.organizer, ctx.now);
        let whole = diff.master_changed
            || (ctx.settings.updates == Updates::Series
                && !(diff.changed.is_empty() && diff.stale.is_empty()));
        if whole {
            let kept = kept_overrides(roster, pair, history, &events, &diff.kept, window);
            send_whole(ctx, &mut events, sent, kept);
        } else {
            for &i in &diff.changed {
                send_one(ctx, &mut events, sent, i);
            }
        }
        let (manager, report) = people(pair);
        let of = Of {
            uid: &uid,
            sent,
            dtstart: events.dtstart,
            timezone: events.series.timezone,
            tz: events.series.tz,
            manager: &manager,
            report: &report,
        };
        let cancel = !(whole && ctx.settings.updates == Updates::Series);
        take_off(ctx, &of, &diff.stale, cancel);
        let paused_from = history.of(pair).paused_from;
        let row = record(
            pair,
            &events,
            ctx.sequence(&uid, sent),
            diff.fingerprint,
            paused_from,
        );
        if sent != Some(&row) {
            ctx.out.series.push(row);
        }
    }
}

/// How a series as wanted differs from what was sent.
struct Diff {
    /// The master's hash as wanted.
    fingerprint: String,
    /// The master is new, changed or was cancelled.
    master_changed: bool,
    /// Due overrides (indices) not sent as they are now.
    changed: Vec<usize>,
    /// Overrides sent that no longer belong to the series and whose
    /// meetings were not held: to take off.
    stale: Vec<DateTime>,
    /// Overrides sent that still belong and are not due now: a whole object
    /// carries them again.
    kept: Vec<DateTime>,
}

impl Diff {
    fn of(
        events: &SeriesEvents<'_>,
        sent: Option<&SentSeries>,
        index: &Index<'_>,
        org: Organizer<'_>,
        now: Timestamp,
    ) -> Diff {
        let fingerprint = fingerprint(events, org);
        let master_changed =
            sent.is_none_or(|s| s.fingerprint != fingerprint || s.state == SeriesState::Cancelled);
        let recorded: HashMap<DateTime, &SentOccurrence> = index
            .occurrences_of(&events.series.uid)
            .iter()
            .map(|o| (o.recurrence_id, *o))
            .collect();
        let changed = events
            .overrides
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                !recorded.get(&o.recurrence_id).is_some_and(|r| {
                    r.state == OccurrenceState::Sent
                        && r.fingerprint == override_fingerprint(o, events.bank)
                })
            })
            .map(|(i, _)| i)
            .collect();
        let due: HashSet<DateTime> = events.overrides.iter().map(|o| o.recurrence_id).collect();
        let mut sent_rids: Vec<DateTime> = recorded
            .values()
            .filter(|o| o.state == OccurrenceState::Sent && !due.contains(&o.recurrence_id))
            .map(|o| o.recurrence_id)
            .collect();
        sent_rids.sort_unstable();
        let skipped = events.series.skipped();
        let (kept, stale) = sent_rids
            .into_iter()
            .filter(|rid| {
                belongs(&events.series, &skipped, *rid) || !held(events.series.tz, *rid, now)
            })
            .partition(|rid| belongs(&events.series, &skipped, *rid));
        Diff {
            fingerprint,
            master_changed,
            changed,
            stale,
            kept,
        }
    }
}

/// A hash of everything a series' master says: its dates, recurrence and
/// exceptions, the people and the place, the organizer.
pub(super) fn fingerprint(e: &SeriesEvents<'_>, org: Organizer<'_>) -> String {
    let pair = e.pair;
    let (start, end) = (local_datetime(e.dtstart), local_datetime(e.dtend));
    let exdates: String = e.exdates.iter().map(|d| local_datetime(*d)).collect();
    let parts = [
        e.series.uid.as_bytes(),
        start.as_bytes(),
        end.as_bytes(),
        e.rrule.as_bytes(),
        exdates.as_bytes(),
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

/// A hash of what one override says beyond its master: when, and its
/// prompts.
fn override_fingerprint(o: &Override, bank: &Bank) -> String {
    let when = format!("{:?}", o.when);
    hex128(&[
        local_datetime(o.recurrence_id).as_bytes(),
        when.as_bytes(),
        o.description(bank).as_bytes(),
    ])
}

/// Whether `rid` is an occurrence of `series` that takes place: on its
/// dates, at its time, inside its range, not paused and not skipped by a
/// day off (`skipped`: [`Series::skipped`]).
fn belongs(series: &Series<'_>, skipped: &[u32], rid: DateTime) -> bool {
    if rid.time() != series.time {
        return false;
    }
    let k = first_on_or_after(series.anchor, series.cadence, rid.date());
    let (lo, hi) = series.paused();
    nth_date(series.anchor, series.cadence, k) == Some(rid.date())
        && k >= series.first
        && k < series.end()
        && !(lo..hi).contains(&k)
        && skipped.binary_search(&k).is_err()
}

/// Whether the meeting at local `rid` started before `now`.
fn held(tz: &TimeZone, rid: DateTime, now: Timestamp) -> bool {
    resolve(tz, rid).is_some_and(|(t, _)| t < now)
}

/// The overrides at `kept` (sent before, still belonging), rendered again
/// from the roster: a whole object must carry them.
fn kept_overrides(
    roster: &Roster,
    pair: &Pair,
    history: &History,
    events: &SeriesEvents<'_>,
    kept: &[DateTime],
    window: Window,
) -> Vec<Override> {
    let Some(from) = kept.iter().map(|d| d.date()).min() else {
        return Vec::new();
    };
    let wide = Window {
        from: from.min(window.from),
        until: window.until,
    };
    let wanted: HashSet<&DateTime> = kept.iter().collect();
    pair_events(roster, pair, history.of(pair), wide)
        .into_iter()
        .find(|e| e.series.uid == events.series.uid)
        .map(|e| {
            e.overrides
                .into_iter()
                .filter(|o| wanted.contains(&o.recurrence_id))
                .collect()
        })
        .unwrap_or_default()
}

/// The whole object in one REQUEST: the master, the due overrides and
/// `kept`.
fn send_whole(
    ctx: &mut Ctx<'_>,
    events: &mut SeriesEvents<'_>,
    sent: Option<&SentSeries>,
    kept: Vec<Override>,
) {
    events.overrides.extend(kept);
    events.overrides.sort_by_key(|o| o.recurrence_id);
    let uid = events.series.uid.to_string();
    let kind = match (sent, events.series.until) {
        (None, _) => Kind::NewSeries,
        (Some(_), Some(_)) => Kind::EndSeries,
        (Some(_), None) => Kind::UpdateSeries,
    };
    events.sequence = ctx.next_sequence(&uid, sent);
    let headline = headline(events);
    let (manager, report) = people(events.pair);
    let (org, now) = (ctx.settings.organizer, ctx.now);
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
        location: &events.pair.location,
        ics: &|| render::series_request(events, org, now),
    });
    for o in &events.overrides {
        ctx.out.occurrences.push(SentOccurrence {
            uid: uid.clone(),
            recurrence_id: o.recurrence_id,
            fingerprint: override_fingerprint(o, events.bank),
            state: OccurrenceState::Sent,
        });
    }
}

/// "weekly from Tue 5 Jan 09:30 (Europe/London)", and when it ends.
pub(super) fn headline(events: &SeriesEvents<'_>) -> String {
    let from = render::when(events.dtstart, events.series.timezone);
    match events.series.until {
        Some(until) => format!("{} from {from}, until {until}", events.series.cadence),
        None => format!("{} from {from}", events.series.cadence),
    }
}

/// A REQUEST of the one meeting `events.overrides[i]`, with its prompts.
fn send_one(ctx: &mut Ctx<'_>, events: &mut SeriesEvents<'_>, sent: Option<&SentSeries>, i: usize) {
    let Some(o) = events.overrides.get(i).cloned() else {
        return;
    };
    let uid = events.series.uid.to_string();
    events.sequence = ctx.next_sequence(&uid, sent);
    let start = render::override_start(o.when, events.series.tz);
    let headline = render::when(start, events.series.timezone);
    let prompts: Vec<&str> = o.prompt_texts(events.bank).collect();
    let (manager, report) = people(events.pair);
    let (org, now) = (ctx.settings.organizer, ctx.now);
    ctx.send(Draft {
        kind: Kind::Occurrence,
        uid: &uid,
        recurrence_id: Some(rid_text(o.recurrence_id)),
        sequence: events.sequence,
        method: Method::Request,
        manager: &manager,
        report: &report,
        headline: &headline,
        prompts: &prompts,
        location: &events.pair.location,
        ics: &|| render::occurrence_request(events, i, org, now),
    });
    ctx.out.occurrences.push(SentOccurrence {
        uid,
        recurrence_id: o.recurrence_id,
        fingerprint: override_fingerprint(&o, events.bank),
        state: OccurrenceState::Sent,
    });
}

/// Takes the overrides at `rids` off: a CANCEL of each when `cancel` (in
/// `occurrence` mode: engines that merge updates would keep them), nothing
/// more otherwise (after a whole object in `series` mode, which left them
/// out, and where a CANCEL would cancel the whole object). The ledger
/// forgets them either way.
pub(super) fn take_off(ctx: &mut Ctx<'_>, of: &Of<'_>, rids: &[DateTime], cancel: bool) {
    for &rid in rids {
        if cancel {
            cancel_occurrence(ctx, of, rid);
        }
        ctx.out.occurrences.push(SentOccurrence {
            uid: of.uid.to_string(),
            recurrence_id: rid,
            fingerprint: String::new(),
            state: OccurrenceState::Cancelled,
        });
    }
}

/// The series a single-meeting CANCEL is about.
pub(super) struct Of<'a> {
    pub uid: &'a str,
    pub sent: Option<&'a SentSeries>,
    pub dtstart: DateTime,
    pub timezone: &'a str,
    pub tz: &'a TimeZone,
    pub manager: &'a Who,
    pub report: &'a Who,
}

/// A CANCEL of the one meeting at `rid`: one VEVENT, with RECURRENCE-ID.
pub(super) fn cancel_occurrence(ctx: &mut Ctx<'_>, of: &Of<'_>, rid: DateTime) {
    let sequence = ctx.next_sequence(of.uid, of.sent);
    let c = CancelOf {
        uid: of.uid,
        sequence,
        dtstart: of.dtstart,
        timezone: of.timezone,
        tz: of.tz,
        manager: of.manager,
        report: of.report,
        occurrence: Some(rid),
    };
    let headline = render::when(rid, of.timezone);
    let (org, now) = (ctx.settings.organizer, ctx.now);
    ctx.send(Draft {
        kind: Kind::CancelOccurrence,
        uid: of.uid,
        recurrence_id: Some(rid_text(rid)),
        sequence,
        method: Method::Cancel,
        manager: of.manager,
        report: of.report,
        headline: &headline,
        prompts: &[],
        location: "",
        ics: &|| render::cancel(&c, org, now),
    });
}

/// The manager and the report of `pair`.
pub(super) fn people(pair: &Pair) -> (Who, Who) {
    (
        Who::new(&pair.manager.email, &pair.manager.name),
        Who::new(&pair.report.email, &pair.report.name),
    )
}

/// The state `events` leaves: what the ledger records of the series.
fn record(
    pair: &Pair,
    events: &SeriesEvents<'_>,
    sequence: u32,
    fingerprint: String,
    paused_from: Option<jiff::civil::Date>,
) -> SentSeries {
    let (manager, report) = people(pair);
    let s = &events.series;
    SentSeries {
        uid: s.uid.to_string(),
        pair_uid: pair.uid.clone(),
        manager,
        report,
        sequence,
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
        paused_from: pair.paused_until.and(paused_from),
        location: pair.location.clone(),
        fingerprint,
    }
}

//! The reconciler: from the roster, `now` and what the ledger says was
//! sent, the messages due and the ledger state they leave behind.
//!
//! `desired = f(roster, now)`, `plan = diff(desired, ledger)`: this module is
//! pure; the caller records the outcome and queues the messages in one
//! transaction.
//!
//! The rules (SPEC.md, "Invitations by email"):
//! - a new pair gets one series REQUEST, carrying the meetings already
//!   within `lead_days`;
//! - once a meeting is within `lead_days`, a REQUEST for that one occurrence
//!   (RECURRENCE-ID) brings its prompts, unless the series message carried it;
//! - any change to what a series says is a REQUEST with a higher SEQUENCE,
//!   carrying again the overrides it must not drop;
//! - a change of time, cadence, duration, zone or start after meetings were
//!   held ends the old series before the first meeting not yet held (UNTIL)
//!   and starts a new one ("this and following");
//! - a pause that grows is a CANCEL of the meetings it removes; removal and
//!   opt-out are a CANCEL of every series of the pair, and nothing follows.

pub mod render;

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::events::{pair_events, Organizer, SeriesEvents};
use crate::hash::hex128;
use crate::ical::local_datetime;
use crate::ledger::{OccurrenceRow, SeriesRow, Snapshot};
use crate::mail::message::Method;
use crate::roster::{validate::parse_time, Pair, Roster};
use crate::schedule::{first_on_or_after, nth_date, resolve, Window};
use crate::series::{History, PastSeries};
use render::{Body, CancelOf, Who};

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The first invitation of a series.
    NewSeries,
    /// A series changed (higher SEQUENCE).
    UpdateSeries,
    /// A series ended by a change, with UNTIL (higher SEQUENCE).
    EndSeries,
    /// One meeting's prompts.
    Occurrence,
    /// Meetings removed by a pause.
    CancelOccurrences,
    /// A whole series cancelled (removal, opt-out, replaced).
    CancelSeries,
}

/// One message for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Why.
    pub kind: Kind,
    /// Series UID.
    pub uid: String,
    /// RECURRENCE-ID (local, `YYYYMMDDTHHMMSS`) for a single meeting.
    pub recurrence_id: Option<String>,
    /// SEQUENCE.
    pub sequence: u32,
    /// METHOD.
    pub method: Method,
    /// Recipient.
    pub to: Who,
    /// Subject and bodies.
    pub body: Body,
    /// The VCALENDAR.
    pub ics: String,
    /// Derived Message-ID (without angle brackets).
    pub message_id: String,
    /// Hash of what the message says (DTSTAMP aside).
    pub content_hash: String,
}

/// A reconcile's outcome.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Series rows to write.
    pub series: Vec<SeriesRow>,
    /// Occurrence rows to write.
    pub occurrences: Vec<OccurrenceRow>,
    /// Messages to queue.
    pub messages: Vec<Outgoing>,
}

/// What a reconcile needs besides the roster and the ledger.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// Sender and ORGANIZER.
    pub organizer: Organizer<'a>,
    /// How many days ahead a meeting's prompts are sent.
    pub lead_days: u32,
    /// Whether reports get the invitations too.
    pub invite_reports: bool,
}

/// The ended series of the ledger, as the history the core needs.
pub fn history(snapshot: &Snapshot) -> History {
    let mut h = History::new();
    for row in snapshot.series.iter().filter(|r| r.state == "ended") {
        if let Some(p) = past_series(row) {
            h.push(&row.pair_uid, p);
        }
    }
    h
}

fn past_series(row: &SeriesRow) -> Option<PastSeries> {
    let tz = jiff::tz::db().get(&row.timezone).ok()?;
    Some(PastSeries {
        uid: row.uid.clone(),
        start: row.anchor.parse().ok()?,
        from: row.first_date.parse().ok()?,
        time: parse_time(&row.time)?,
        cadence: crate::cadence::Cadence::parse(&row.cadence)?,
        duration_minutes: row.duration_minutes,
        timezone: row.timezone.clone(),
        tz,
        until: row.until_date.as_deref()?.parse().ok()?,
    })
}

/// The parameters whose change splits a series once meetings were held.
fn shape(pair: &Pair) -> (String, String, String, u32, String) {
    (
        pair.start.to_string(),
        pair.time.strftime("%H:%M").to_string(),
        pair.cadence.to_string(),
        pair.duration_minutes,
        pair.timezone.clone(),
    )
}

fn row_shape(row: &SeriesRow) -> (String, String, String, u32, String) {
    (
        row.anchor.clone(),
        row.time.clone(),
        row.cadence.clone(),
        row.duration_minutes,
        row.timezone.clone(),
    )
}

/// The date of the first meeting of `row`'s series that starts at or after
/// `now`, and whether any meeting of it started before.
fn cut(row: &SeriesRow, now: Timestamp) -> Option<(Date, bool)> {
    let p = past_series(&SeriesRow {
        until_date: Some(Date::MAX.to_string()),
        ..row.clone()
    })?;
    let first = first_on_or_after(p.start, p.cadence, p.from);
    let today = now.to_zoned(p.tz.clone()).date();
    let mut k = first_on_or_after(p.start, p.cadence, today.checked_sub(1.day()).ok()?).max(first);
    loop {
        let date = nth_date(p.start, p.cadence, k)?;
        let (start, _) = resolve(&p.tz, date.to_datetime(p.time))?;
        if start >= now {
            return Some((date, k > first));
        }
        k += 1;
    }
}

fn fingerprint(e: &SeriesEvents<'_>, org: Organizer<'_>) -> String {
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

fn who(email: &str, name: &str) -> Who {
    Who {
        email: email.to_string(),
        name: name.to_string(),
    }
}

struct Ctx<'a> {
    settings: Settings<'a>,
    out: Outcome,
}

impl Ctx<'_> {
    /// Queues `ics` to the manager (and the report, if they are invited).
    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        kind: Kind,
        uid: &str,
        rid: Option<String>,
        sequence: u32,
        method: Method,
        manager: &Who,
        report: &Who,
        headline: &str,
        prompts: &[&str],
        location: &str,
        ics: &str,
    ) {
        let mut recipients = vec![(manager, report)];
        if self.settings.invite_reports {
            recipients.push((report, manager));
        }
        // DTSTAMP changes with every render; the hash leaves it out so the
        // same change always has the same Message-ID.
        let stable: String = ics
            .split("\r\n")
            .filter(|l| !l.starts_with("DTSTAMP:"))
            .collect::<Vec<_>>()
            .join("\n");
        let content_hash = hex128(&[stable.as_bytes()]);
        for (to, other) in recipients {
            let body = render::body(method, to, other, headline, prompts, location);
            let seq = sequence.to_string();
            let message_id = format!(
                "{}@touchbase",
                hex128(&[
                    b"touchbase-message",
                    uid.as_bytes(),
                    rid.as_deref().unwrap_or("").as_bytes(),
                    method.as_str().as_bytes(),
                    seq.as_bytes(),
                    to.email.to_ascii_lowercase().as_bytes(),
                    content_hash.as_bytes(),
                ])
            );
            self.out.messages.push(Outgoing {
                kind,
                uid: uid.to_string(),
                recurrence_id: rid.clone(),
                sequence,
                method,
                to: to.clone(),
                body,
                ics: ics.to_string(),
                message_id,
                content_hash: content_hash.clone(),
            });
        }
    }
}

/// Computes the messages due at `now` and the ledger rows they leave.
pub fn reconcile(
    roster: &Roster,
    snapshot: &Snapshot,
    settings: Settings<'_>,
    now: Timestamp,
) -> Outcome {
    let mut ctx = Ctx {
        settings,
        out: Outcome::default(),
    };
    let org = settings.organizer;
    let rows: HashMap<&str, &SeriesRow> = snapshot
        .series
        .iter()
        .map(|r| (r.uid.as_str(), r))
        .collect();
    let sent: HashMap<(&str, &str), &OccurrenceRow> = snapshot
        .occurrences
        .iter()
        .map(|o| ((o.uid.as_str(), o.recurrence_id.as_str()), o))
        .collect();
    let mut history = history(snapshot);
    let lead = SignedDuration::from_hours(24 * i64::from(settings.lead_days));
    let horizon = now.checked_add(lead).unwrap_or(now);
    let mut desired: HashSet<String> = HashSet::new();

    // Active rows by pair, to spot changes that split a series.
    let mut active_by_pair: BTreeMap<&str, Vec<&SeriesRow>> = BTreeMap::new();
    for r in snapshot.series.iter().filter(|r| r.state == "active") {
        active_by_pair
            .entry(r.pair_uid.as_str())
            .or_default()
            .push(r);
    }

    for pair in roster.active_pairs() {
        let manager = who(&pair.manager.email, &pair.manager.name);
        let report = who(&pair.report.email, &pair.report.name);
        for row in active_by_pair.get(pair.uid.as_str()).into_iter().flatten() {
            if row_shape(row) == shape(pair) {
                continue;
            }
            if let Some((until, held)) = cut(row, now) {
                if held {
                    let mut ended = (*row).clone();
                    ended.state = "ended".into();
                    ended.until_date = Some(until.to_string());
                    if let Some(p) = past_series(&ended) {
                        history.push(&pair.uid, p);
                    }
                }
            }
        }
        let zone_today = now.to_zoned(pair.tz.clone()).date();
        let window = Window {
            from: zone_today.checked_sub(1.day()).unwrap_or(zone_today),
            until: zone_today
                .checked_add(i64::from(settings.lead_days + 2).days())
                .unwrap_or(zone_today),
        };
        for mut events in pair_events(roster, pair, history.of(pair), window) {
            // Only meetings not yet held and within the lead time.
            events.overrides.retain(|o| {
                let start = match o.when {
                    crate::events::When::Local { start, .. } => {
                        resolve(events.series.tz, start).map(|(t, _)| t)
                    }
                    crate::events::When::Utc { start, .. } => Some(start),
                };
                start.is_some_and(|t| t >= now && t <= horizon)
            });
            let uid = events.series.uid.to_string();
            desired.insert(uid.clone());
            let fp = fingerprint(&events, org);
            let ended = events.series.until.is_some();
            let paused = pair.paused_until.map(|d| d.to_string());
            let old = rows.get(uid.as_str()).copied();
            let headline = format!(
                "{} from {}",
                events.series.cadence,
                render::when(events.dtstart, events.series.timezone)
            );
            let mut sequence = old.map_or(0, |r| r.sequence);
            let mut carried: HashSet<String> = HashSet::new();
            let changed = old.is_none_or(|r| r.fingerprint != fp || r.state == "cancelled");
            let pause_shrank = old.is_some_and(|r| r.paused_until > paused);
            let pause_grew = old.is_some_and(|r| r.paused_until < paused);
            if changed || pause_shrank {
                let kind = match (old, ended) {
                    (None, _) => Kind::NewSeries,
                    (Some(_), true) => Kind::EndSeries,
                    (Some(_), false) => Kind::UpdateSeries,
                };
                if old.is_some() {
                    sequence += 1;
                }
                events.sequence = sequence;
                let ics = render::series_request(&events, org, now);
                ctx.send(
                    kind,
                    &uid,
                    None,
                    sequence,
                    Method::Request,
                    &manager,
                    &report,
                    &headline,
                    &[],
                    &pair.location,
                    &ics,
                );
                for o in &events.overrides {
                    let rid = local_datetime(o.recurrence_id);
                    ctx.out.occurrences.push(OccurrenceRow {
                        uid: uid.clone(),
                        fingerprint: occurrence_fp(o, &roster.bank, sequence),
                        recurrence_id: rid.clone(),
                        state: "sent".into(),
                    });
                    carried.insert(rid);
                }
            } else if pause_grew {
                let removed = paused_meetings(
                    &events,
                    old.and_then(|r| r.paused_until.as_deref()),
                    pair,
                    now,
                );
                if !removed.is_empty() {
                    sequence += 1;
                    let c = CancelOf {
                        uid: &uid,
                        sequence,
                        dtstart: events.dtstart,
                        timezone: events.series.timezone,
                        tz: events.series.tz,
                        manager: &manager,
                        report: &report,
                        occurrences: &removed,
                    };
                    let ics = render::cancel(&c, org, now);
                    let headline = format!(
                        "{} meeting{} until {}",
                        removed.len(),
                        if removed.len() == 1 { "" } else { "s" },
                        pair.paused_until.map(|d| d.to_string()).unwrap_or_default()
                    );
                    ctx.send(
                        Kind::CancelOccurrences,
                        &uid,
                        None,
                        sequence,
                        Method::Cancel,
                        &manager,
                        &report,
                        &headline,
                        &[],
                        "",
                        &ics,
                    );
                    for rid in removed {
                        ctx.out.occurrences.push(OccurrenceRow {
                            uid: uid.clone(),
                            recurrence_id: local_datetime(rid),
                            fingerprint: String::new(),
                            state: "cancelled".into(),
                        });
                    }
                }
            }
            // Single-meeting updates for what the series message did not carry.
            events.sequence = sequence;
            for (i, o) in events.overrides.iter().enumerate() {
                let rid = local_datetime(o.recurrence_id);
                if carried.contains(&rid) {
                    continue;
                }
                let ofp = occurrence_fp(o, &roster.bank, sequence);
                if sent
                    .get(&(uid.as_str(), rid.as_str()))
                    .is_some_and(|s| s.fingerprint == ofp && s.state == "sent")
                {
                    continue;
                }
                let ics = render::occurrence_request(&events, i, org, now);
                let start = render::override_start(o.when, events.series.tz);
                let headline = render::when(start, events.series.timezone);
                let prompts: Vec<&str> = o.prompt_texts(&roster.bank).collect();
                ctx.send(
                    Kind::Occurrence,
                    &uid,
                    Some(rid.clone()),
                    sequence,
                    Method::Request,
                    &manager,
                    &report,
                    &headline,
                    &prompts,
                    &pair.location,
                    &ics,
                );
                ctx.out.occurrences.push(OccurrenceRow {
                    uid: uid.clone(),
                    recurrence_id: rid,
                    fingerprint: ofp,
                    state: "sent".into(),
                });
            }
            ctx.out.series.push(SeriesRow {
                uid: uid.clone(),
                pair_uid: pair.uid.clone(),
                manager: pair.manager.email.clone(),
                manager_name: pair.manager.name.clone(),
                report: pair.report.email.clone(),
                report_name: pair.report.name.clone(),
                sequence,
                state: if ended { "ended" } else { "active" }.into(),
                anchor: events.series.anchor.to_string(),
                first_date: events.dtstart.date().to_string(),
                until_date: events.series.until.map(|d| d.to_string()),
                time: events.series.time.strftime("%H:%M").to_string(),
                cadence: events.series.cadence.to_string(),
                duration_minutes: events.series.duration_minutes,
                timezone: events.series.timezone.to_string(),
                paused_until: paused,
                fingerprint: fp,
            });
        }
    }

    // Whatever was sent and is no longer wanted is cancelled: removed
    // pairs, opted-out reports, series replaced before they began.
    for row in snapshot.series.iter().filter(|r| r.state != "cancelled") {
        if desired.contains(&row.uid) {
            continue;
        }
        let (Ok(tz), Some(time)) = (jiff::tz::db().get(&row.timezone), parse_time(&row.time))
        else {
            continue;
        };
        let Ok(first) = row.first_date.parse::<Date>() else {
            continue;
        };
        let manager = who(&row.manager, &row.manager_name);
        let report = who(&row.report, &row.report_name);
        let sequence = row.sequence + 1;
        let dtstart: DateTime = first.to_datetime(time);
        let c = CancelOf {
            uid: &row.uid,
            sequence,
            dtstart,
            timezone: &row.timezone,
            tz: &tz,
            manager: &manager,
            report: &report,
            occurrences: &[],
        };
        let ics = render::cancel(&c, org, now);
        let headline = format!(
            "{} from {}",
            row.cadence,
            render::when(dtstart, &row.timezone)
        );
        ctx.send(
            Kind::CancelSeries,
            &row.uid,
            None,
            sequence,
            Method::Cancel,
            &manager,
            &report,
            &headline,
            &[],
            "",
            &ics,
        );
        let mut cancelled = row.clone();
        cancelled.sequence = sequence;
        cancelled.state = "cancelled".into();
        ctx.out.series.push(cancelled);
    }
    ctx.out
}

fn occurrence_fp(
    o: &crate::events::Override,
    bank: &crate::prompts::Bank,
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
    old_pause: Option<&str>,
    pair: &Pair,
    now: Timestamp,
) -> Vec<DateTime> {
    let s = &events.series;
    let Some(until) = pair.paused_until else {
        return Vec::new();
    };
    let from = old_pause
        .and_then(|d| d.parse::<Date>().ok())
        .map_or(s.first, |d| {
            first_on_or_after(s.anchor, s.cadence, d).max(s.first)
        });
    let end = first_on_or_after(s.anchor, s.cadence, until).min(s.end());
    (from..end)
        .filter_map(|k| nth_date(s.anchor, s.cadence, k))
        .map(|d| d.to_datetime(s.time))
        .filter(|dt| resolve(s.tz, *dt).is_some_and(|(t, _)| t >= now))
        .collect()
}

#[cfg(test)]
mod tests;

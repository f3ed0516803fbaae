//! `on_day_off = "next_day"` moves a meeting only to a time that is free:
//! the dates it may not move to, because another 1:1 of either person
//! takes that time there.
//!
//! Worked out once per roster and days off ([`block_moves`], called by
//! [`crate::core::roster::Roster::apply_days_off`]), so that every view
//! (previews, feeds, mail) moves a meeting to the same date. Another pair
//! counts as taking a time when one of its meetings is there as its
//! cadence, pause and skipped days off place it, or when it is a meeting
//! that an earlier pair (in roster order) moved there: two moved meetings
//! never meet either.
//! A pair that touchbase places (`time = "auto"`) moves by placement's
//! rules too: inside both people's `hours` on the new day, and not onto a
//! day that already holds the manager's `max_per_day` 1:1s.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::core::cadence::{first_on_or_after, nth_date};
use crate::core::placement::audit::inside;
use crate::core::roster::{Manager, OnDayOff, Pair, Roster};
use crate::core::schedule::resolve;

/// A meeting's time, from start to end.
type Span = (Timestamp, Timestamp);

/// The most days a meeting moves (as [`super::next_day`] looks).
const MOVE_DAYS: usize = 7;

/// Fills in each `next_day` pair's [`Pair::move_blocked`]: the dates its
/// meetings on days off would move to but may not, since another 1:1 of
/// the manager or the report overlaps that time there. Free for a roster
/// with no such pair.
pub fn block_moves(roster: &mut Roster) {
    let movers: Vec<usize> = roster
        .pairs
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.is_active() && p.on_day_off == OnDayOff::NextDay && !p.days_off.is_empty()
        })
        .map(|(i, _)| i)
        .collect();
    for p in &mut roster.pairs {
        if !p.move_blocked.is_empty() {
            p.move_blocked = Vec::new().into();
        }
    }
    if movers.is_empty() {
        return;
    }
    let mut pairs_of: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in roster.pairs.iter().enumerate() {
        if p.is_active() {
            pairs_of.entry(p.manager.key()).or_default().push(i);
            pairs_of.entry(p.report.key()).or_default().push(i);
        }
    }
    // Where earlier movers went: the times each person's moved meetings
    // take, and the dates each manager's moved meetings land on.
    let mut moved = Moved::default();
    let mut blocked_of = Vec::with_capacity(movers.len());
    for &i in &movers {
        let p = &roster.pairs[i];
        let keys = [p.manager.key(), p.report.key()];
        let mut others: Vec<usize> = keys
            .iter()
            .filter_map(|k| pairs_of.get(k))
            .flatten()
            .copied()
            .filter(|&j| j != i)
            .collect();
        others.sort_unstable();
        others.dedup();
        let others: Vec<&Pair> = others.iter().map(|&j| &roster.pairs[j]).collect();
        let manager = roster.managers.get(p.manager_index);
        let (dates, targets) = blocked(p, &keys, manager, &others, &moved);
        for at in targets {
            for k in &keys {
                moved.times.entry(k.clone()).or_default().push(at);
            }
            if let Some(m) = manager {
                let day = at.0.to_zoned(m.tz.clone()).date();
                moved.days.entry(p.manager_index).or_default().push(day);
            }
        }
        blocked_of.push((i, dates));
    }
    for (i, b) in blocked_of {
        roster.pairs[i].move_blocked = b.into();
    }
}

/// The meetings earlier pairs moved, as later ones must keep clear of them.
#[derive(Default)]
struct Moved {
    /// By person: the times their moved meetings take.
    times: HashMap<String, Vec<Span>>,
    /// By manager (index): the dates, in the manager's zone, their moved
    /// meetings land on.
    days: HashMap<usize, Vec<Date>>,
}

impl Moved {
    /// Whether a moved meeting of one of `people` overlaps `at`.
    fn takes(&self, people: &[String], at: Span) -> bool {
        people.iter().any(|k| {
            self.times
                .get(k)
                .is_some_and(|v| v.iter().any(|&(s, e)| s < at.1 && at.0 < e))
        })
    }

    /// How many moved meetings of manager `m` land on `date` (the
    /// manager's).
    fn led(&self, m: usize, date: Date) -> usize {
        self.days
            .get(&m)
            .map_or(0, |v| v.iter().filter(|&&d| d == date).count())
    }
}

/// The dates `p`'s meetings on its days off would move to but may not,
/// and the times the meetings it moves go to (`people`: the keys of its
/// manager and report).
fn blocked(
    p: &Pair,
    people: &[String],
    manager: Option<&Manager>,
    others: &[&Pair],
    moved: &Moved,
) -> (Vec<Date>, Vec<Span>) {
    let mut out = Vec::new();
    let mut targets = Vec::new();
    for &off in p.days_off.iter() {
        let k = first_on_or_after(p.start, p.cadence, off);
        if nth_date(p.start, p.cadence, k) != Some(off) {
            continue;
        }
        let before = nth_date(p.start, p.cadence, k.saturating_add(1));
        let mut d = off;
        for _ in 0..MOVE_DAYS {
            let Ok(next) = d.tomorrow() else { break };
            d = next;
            if before.is_some_and(|b| d >= b) {
                break;
            }
            let working = p.placing.work_days & (1 << d.weekday().to_monday_zero_offset()) != 0;
            if !working || p.days_off.binary_search(&d).is_ok() {
                continue;
            }
            let Some(at) = interval(p, d) else { break };
            if others.iter().any(|q| busy(q, d, at))
                || moved.takes(people, at)
                || !placeable(p, manager, others, moved, at)
            {
                out.push(d);
                continue;
            }
            if p.paused_until.is_none_or(|u| off >= u) {
                targets.push(at);
            }
            break;
        }
    }
    out.sort_unstable();
    out.dedup();
    (out, targets)
}

/// For a pair touchbase places, whether a meeting at `at` keeps
/// placement's rules: inside both people's hours, and on a day of the
/// manager's (in the manager's zone) with room under `max_per_day`.
/// Always true for a pair with a fixed time.
fn placeable(
    p: &Pair,
    manager: Option<&Manager>,
    others: &[&Pair],
    moved: &Moved,
    at: Span,
) -> bool {
    let Some(m) = manager.filter(|_| p.placing.auto) else {
        return true;
    };
    let minutes = p.duration_minutes;
    if !inside(&p.placing.report_hours, &p.tz, at.0, minutes)
        || !inside(&m.hours, &m.tz, at.0, minutes)
    {
        return false;
    }
    let day = at.0.to_zoned(m.tz.clone()).date();
    let led = others
        .iter()
        .filter(|q| q.manager_index == p.manager_index && leads_on(q, &m.tz, day))
        .count()
        + moved.led(p.manager_index, day);
    u32::try_from(led).unwrap_or(u32::MAX) < m.max_per_day
}

/// Whether a meeting of `q` starts on `day` in the zone `tz` (its
/// manager's).
fn leads_on(q: &Pair, tz: &jiff::tz::TimeZone, day: Date) -> bool {
    [day.yesterday().ok(), Some(day), day.tomorrow().ok()]
        .into_iter()
        .flatten()
        .any(|d| {
            held(q, d) && interval(q, d).is_some_and(|(s, _)| s.to_zoned(tz.clone()).date() == day)
        })
}

/// Whether `q` meets on `d` (its own zone's date): an occurrence of its
/// cadence, not paused, not a day off.
fn held(q: &Pair, d: Date) -> bool {
    let k = first_on_or_after(q.start, q.cadence, d);
    nth_date(q.start, q.cadence, k) == Some(d)
        && q.paused_until.is_none_or(|u| d >= u)
        && q.days_off.binary_search(&d).is_err()
}

/// When `p`'s meeting on `date` would be, from start to end.
fn interval(p: &Pair, date: Date) -> Option<Span> {
    let (start, _) = resolve(&p.tz, date.to_datetime(p.time))?;
    let end = start
        .checked_add(SignedDuration::from_mins(i64::from(p.duration_minutes)))
        .ok()?;
    Some((start, end))
}

/// Whether a meeting of `q` overlaps `at`, on the date `near` in `p`'s
/// zone (so on that date, the day before or the day after in `q`'s).
fn busy(q: &Pair, near: Date, at: Span) -> bool {
    [near.yesterday().ok(), Some(near), near.tomorrow().ok()]
        .into_iter()
        .flatten()
        .any(|d| held(q, d) && interval(q, d).is_some_and(|(s, e)| s < at.1 && at.0 < e))
}

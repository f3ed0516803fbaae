//! Keeping calendar sources (days off) fresh while the daemon runs.
//!
//! A task of its own: it sleeps until the next source is due (its
//! `refresh` after the last good fetch; a failed one is tried again after
//! [`RETRY`] or its `refresh`, whichever is sooner), fetches it, and when a
//! copy changed gives the roster in force the new days off and has the
//! scheduler reconcile. A failure keeps the last good copy, shows in
//! `/healthz` (the calendar's id and the reason, nothing from the roster
//! beyond the id) and `/metrics`, and never stops anything.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::state::{Metrics, Shared};
use crate::core::roster::CalendarSource;
use crate::shell::daysoff;

/// How soon a failed source is tried again (unless its `refresh` is sooner).
pub const RETRY: SignedDuration = SignedDuration::from_mins(15);

/// The longest the task sleeps before looking again (a reload may have
/// added sources).
const NAP: Duration = Duration::from_secs(60);

/// At start, before the first reconcile: fetches the sources that are due,
/// within [`START_BUDGET`] in all; returns the failures for [`run`].
pub async fn at_start(shared: &Arc<Shared>) -> HashMap<String, Timestamp> {
    let mut failed = HashMap::new();
    let _ = tokio::time::timeout(START_BUDGET, refresh_due(shared, &mut failed)).await;
    failed
}

/// How long the start waits for calendar sources before reconciling.
pub const START_BUDGET: Duration = Duration::from_secs(15);

/// Refreshes every source when due, forever (`failed`: id -> when its last
/// attempt failed).
pub async fn run(shared: Arc<Shared>, mut failed: HashMap<String, Timestamp>) {
    loop {
        let next = refresh_due(&shared, &mut failed).await;
        let now = shared.clock.now();
        let nap = next
            .map(|t| t.duration_since(now))
            .filter(|d| !d.is_negative())
            .map_or(NAP, |d| d.unsigned_abs().min(NAP));
        tokio::time::sleep(nap.max(Duration::from_millis(200))).await;
    }
}

/// Refreshes the sources that are due; returns when the next one is.
pub async fn refresh_due(
    shared: &Arc<Shared>,
    failed: &mut HashMap<String, Timestamp>,
) -> Option<Timestamp> {
    let state_dir = shared.config.state_dir.clone();
    let roster = shared.current().roster.clone();
    let mut changed = false;
    let mut next: Option<Timestamp> = None;
    let ids: Vec<&str> = roster.calendars.iter().map(|c| c.id.as_str()).collect();
    failed.retain(|id, _| ids.contains(&id.as_str()));
    shared.health(|h| h.calendars.retain(|id, _| ids.contains(&id.as_str())));
    for cal in &roster.calendars {
        if !matches!(cal.source, CalendarSource::Url(_)) {
            continue;
        }
        let now = shared.clock.now();
        let due = match failed.get(&cal.id) {
            Some(at) => at.checked_add(RETRY.min(cal.refresh)).unwrap_or(now),
            None => daysoff::next_refresh(&state_dir, cal).unwrap_or(now),
        };
        if due > now {
            next = Some(next.map_or(due, |n| n.min(due)));
            continue;
        }
        let m = &shared.metrics;
        match daysoff::refresh(&state_dir, cal, now).await {
            Ok(new) => {
                Metrics::inc(if new {
                    &m.calendar_fetched
                } else {
                    &m.calendar_not_modified
                });
                changed |= new;
                failed.remove(&cal.id);
                shared.health(|h| h.calendars.remove(&cal.id));
            }
            Err(why) => {
                Metrics::inc(&m.calendar_errors);
                tracing::warn!(
                    "calendar {}: fetch failed ({why}); its last good copy stays in use",
                    cal.id
                );
                failed.insert(cal.id.clone(), now);
                shared.health(|h| h.calendars.insert(cal.id.clone(), why));
            }
        }
        let again = shared.clock.now().checked_add(RETRY.min(cal.refresh)).ok();
        if let Some(a) = again {
            next = Some(next.map_or(a, |n| n.min(a)));
        }
    }
    if changed {
        apply(shared);
    }
    next
}

/// Gives the roster in force the days off of the stored copies, and has
/// the scheduler reconcile.
fn apply(shared: &Arc<Shared>) {
    let current = shared.current();
    let mut roster = (*current.roster).clone();
    let today = shared
        .clock
        .now()
        .to_zoned(crate::shell::clock::local_zone())
        .date();
    let range = daysoff::range(today, shared.config.dispatch.horizon_weeks);
    daysoff::load_into(&shared.config.state_dir, &mut roster, range);
    shared.set_current(Arc::new(roster), current.history.clone());
    tracing::info!("days off changed: reconciling");
    shared.days_off_changed.notify_one();
}

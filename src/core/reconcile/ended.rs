//! Step 1: what the ledger must remember before the objects are built.
//!
//! - Series that a change ends. When a pair's time, cadence, duration, zone
//!   or start changed after some of its meetings were held, the series as
//!   sent ends before the first meeting not yet held, and joins the pair's
//!   history: the schedule then starts a new series there ("this and
//!   following"). A change before any meeting was held ends nothing; the
//!   series is updated in place.
//! - Pauses. A pause first seen now removes meetings from the first one not
//!   yet held: meetings already held are never taken off a calendar.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::{past_series, SentSeries, Shape};
use crate::core::cadence::{first_on_or_after, nth_date, Cadence};
use crate::core::roster::Pair;
use crate::core::schedule::resolve;
use crate::core::series::History;

/// Adds to `history` the series of `active` (the pair's series as sent)
/// that the roster's `pair` ends at `now`.
pub(super) fn split_changed(
    pair: &Pair,
    active: &[&SentSeries],
    now: Timestamp,
    history: &mut History,
) {
    for s in active {
        if same_shape(&s.shape, pair) {
            continue;
        }
        if let Some((until, true)) = cut(s, now) {
            history.push(&pair.uid, past_series(s, until));
        }
    }
}

/// Records in `history` when the pause of `pair` began, if it has one and
/// none was recorded: from its first meeting not yet held at `now`.
pub(super) fn observe_pause(pair: &Pair, now: Timestamp, history: &mut History) {
    if pair.paused_until.is_none() || history.of(pair).paused_from.is_some() {
        return;
    }
    let first = history
        .of(pair)
        .series
        .iter()
        .map(|p| p.until)
        .max()
        .unwrap_or(pair.start);
    let found = first_not_held(pair.start, pair.cadence, pair.time, &pair.tz, first, now);
    if let Some((date, _)) = found {
        history.pause_from(&pair.uid, date);
    }
}

/// Whether `pair` still has the dates and times of `shape` (times to the
/// minute, as the ledger keeps them).
pub(super) fn same_shape(shape: &Shape, pair: &Pair) -> bool {
    shape.anchor == pair.start
        && (shape.time.hour(), shape.time.minute()) == (pair.time.hour(), pair.time.minute())
        && shape.cadence == pair.cadence
        && shape.duration_minutes == pair.duration_minutes
        && shape.zone.name == pair.timezone
}

/// The date of the first meeting of `s` that starts at or after `now`, and
/// whether any meeting of it started before.
pub(super) fn cut(s: &SentSeries, now: Timestamp) -> Option<(Date, bool)> {
    let Shape {
        anchor,
        time,
        cadence,
        ref zone,
        ..
    } = s.shape;
    first_not_held(anchor, cadence, time, &zone.tz, s.first_date, now)
}

/// The date of the first occurrence on or after `from` (of the series
/// anchored at `anchor`) that starts at or after `now`, and whether one
/// between `from` and it started before `now`.
fn first_not_held(
    anchor: Date,
    cadence: Cadence,
    time: Time,
    tz: &TimeZone,
    from: Date,
    now: Timestamp,
) -> Option<(Date, bool)> {
    let first = first_on_or_after(anchor, cadence, from);
    let today = now.to_zoned(tz.clone()).date();
    let mut k = first_on_or_after(anchor, cadence, today.checked_sub(1.day()).ok()?).max(first);
    loop {
        let date = nth_date(anchor, cadence, k)?;
        let (start, _) = resolve(tz, date.to_datetime(time))?;
        if start >= now {
            return Some((date, k > first));
        }
        k += 1;
    }
}

//! Step 1: series that a change ends. When a pair's time, cadence,
//! duration, zone or start changed after some of its meetings were held, the
//! series as sent ends before the first meeting not yet held, and joins the
//! pair's history: the schedule then starts a new series there ("this and
//! following"). A change before any meeting was held ends nothing; the
//! series is updated in place by step 2.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use super::{past_series, SentSeries, Shape};
use crate::core::cadence::{first_on_or_after, nth_date};
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
    let first = first_on_or_after(anchor, cadence, s.first_date);
    let today = now.to_zoned(zone.tz.clone()).date();
    let mut k = first_on_or_after(anchor, cadence, today.checked_sub(1.day()).ok()?).max(first);
    loop {
        let date = nth_date(anchor, cadence, k)?;
        let (start, _) = resolve(&zone.tz, date.to_datetime(time))?;
        if start >= now {
            return Some((date, k > first));
        }
        k += 1;
    }
}

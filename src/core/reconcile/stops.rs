//! Step 4: stops. Whatever was sent and is no longer wanted is cancelled:
//! removed pairs, opted-out reports, series replaced before they began.
//! The CANCEL gives no reason, and nothing follows it.

use std::collections::HashSet;

use super::draft::{Ctx, Draft};
use super::render::{self, CancelOf};
use super::{Kind, Sent, SeriesState};
use crate::core::ical::Method;

/// Cancels every series of `sent` that is neither cancelled already nor
/// in `desired` (the UIDs the roster still wants).
pub(super) fn step(ctx: &mut Ctx<'_>, sent: &Sent, desired: &HashSet<String>) {
    for s in &sent.series {
        if s.state == SeriesState::Cancelled || desired.contains(&s.uid) {
            continue;
        }
        let sequence = s.sequence + 1;
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
            occurrences: &[],
        };
        let headline = format!(
            "{} from {}",
            s.shape.cadence,
            render::when(dtstart, &zone.name)
        );
        ctx.send(Draft {
            kind: Kind::CancelSeries,
            uid: &s.uid,
            recurrence_id: None,
            sequence,
            method: Method::Cancel,
            manager: &s.manager,
            report: &s.report,
            headline: &headline,
            prompts: &[],
            location: "",
            ics: render::cancel(&c, ctx.settings.organizer, ctx.now),
        });
        let mut cancelled = s.clone();
        cancelled.sequence = sequence;
        cancelled.state = SeriesState::Cancelled;
        ctx.out.series.push(cancelled);
    }
}

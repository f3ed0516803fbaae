//! Seasons: the distinct sets of UTC offsets that the zones of a roster
//! take over a year. Within a season every zone keeps its offset, so a
//! weekly slot sits at one place of the UTC week; a slot that fits every
//! season fits every week of the year, daylight saving included.
//!
//! The year is the one from the earliest `start` of the roster. The rules
//! of the zone database repeat yearly, and a season is a set of offsets
//! rather than a date range, so the same seasons hold for later years.
//! Stretches shorter than a week are left out: they are the hours between
//! two zones switching on the same night (New York and Los Angeles switch
//! three hours apart), when working hours rarely run.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::week::CELL_MINUTES;

/// Offsets in cells (15 minutes), one row per season, one column per zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seasons {
    /// `offsets[season][zone]`.
    pub offsets: Vec<Vec<i32>>,
}

const WEEK: SignedDuration = SignedDuration::from_hours(7 * 24);

impl Seasons {
    /// The seasons of `zones` over the year from `from`.
    pub fn of(zones: &[TimeZone], from: Date) -> Seasons {
        let start = from
            .to_datetime(jiff::civil::Time::midnight())
            .to_zoned(TimeZone::UTC)
            .map_or(Timestamp::UNIX_EPOCH, |z| z.timestamp());
        let end = start
            .checked_add(SignedDuration::from_hours(24 * 371))
            .unwrap_or(start);
        let mut cuts = vec![start, end];
        for tz in zones {
            cuts.extend(
                tz.following(start)
                    .map(|t| t.timestamp())
                    .take_while(|t| *t < end)
                    .take(64),
            );
        }
        cuts.sort();
        cuts.dedup();
        let at = |t: Timestamp| -> Vec<i32> {
            zones
                .iter()
                .map(|tz| (tz.to_offset(t).seconds() / 60).div_euclid(CELL_MINUTES))
                .collect()
        };
        let mut offsets: Vec<Vec<i32>> = Vec::new();
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b.duration_since(a) < WEEK {
                continue;
            }
            let mid = a.checked_add(b.duration_since(a) / 2).unwrap_or(a);
            let row = at(mid);
            if !offsets.contains(&row) {
                offsets.push(row);
            }
        }
        if offsets.is_empty() {
            offsets.push(at(start));
        }
        Seasons { offsets }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).expect("zone")
    }

    #[test]
    fn london_and_new_york_make_three_seasons() {
        let s = Seasons::of(
            &[zone("Europe/London"), zone("America/New_York")],
            date(2027, 1, 4),
        );
        // Winter, the weeks when New York already switched, summer.
        let mut rows = s.offsets.clone();
        rows.sort();
        assert_eq!(rows, vec![vec![0, -20], vec![0, -16], vec![4, -16]]);
    }

    #[test]
    fn zones_without_daylight_saving_have_one_season() {
        let s = Seasons::of(
            &[zone("Asia/Kolkata"), zone("Asia/Kathmandu"), zone("UTC")],
            date(2027, 6, 1),
        );
        assert_eq!(s.offsets, vec![vec![22, 23, 0]]);
        let eucla = Seasons::of(&[zone("Australia/Eucla")], date(2027, 6, 1));
        assert_eq!(eucla.offsets, vec![vec![35]]);
    }
}

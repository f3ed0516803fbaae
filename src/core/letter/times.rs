//! A meeting's time as people read it: in their own zone, and in the
//! other person's when that differs ("Tue 5 Jan 09:30 (Europe/London);
//! 10:30 (Europe/Paris) for Grace Hopper").

use jiff::Timestamp;

use super::Zone;

/// "Tue 5 Jan 09:30 (Europe/London)".
pub fn local_time(t: Timestamp, zone: &Zone) -> String {
    let local = t.to_zoned(zone.tz.clone()).datetime();
    format!("{} ({})", local.strftime("%a %-d %b %H:%M"), zone.name)
}

/// `t` in `mine`, then in `theirs` for `who` when the zones differ; the
/// other date is repeated only when it is another day.
pub fn both_times(t: Timestamp, mine: &Zone, theirs: &Zone, who: &str) -> String {
    let first = local_time(t, mine);
    if mine.name == theirs.name {
        return first;
    }
    let a = t.to_zoned(mine.tz.clone()).date();
    let b = t.to_zoned(theirs.tz.clone()).datetime();
    let second = if a == b.date() {
        format!("{} ({})", b.strftime("%H:%M"), theirs.name)
    } else {
        local_time(t, theirs)
    };
    format!("{first}; {second} for {who}")
}

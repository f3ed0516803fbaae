//! Placement (`time = "auto"`): the weekday and time of each such pair,
//! chosen from the roster and the ledger alone (SPEC.md, "Placement").
//!
//! Every 1:1 is a run of 15-minute cells of the UTC week, one position per
//! season (see [`seasons`]): a slot that is free in every season is free in
//! every week of the year. Each person in more than one pair keeps, per
//! cadence class (every `n` weeks, in week `p` of `n`), the cells their
//! 1:1s take; two classes clash only when their weeks can coincide
//! (`p1 ≡ p2` modulo `gcd(n1, n2)`), so a biweekly and another biweekly
//! pair may share a slot in alternate weeks, while a weekly one takes it
//! every week. Monthly pairs count as weekly, and so does a meeting that
//! crosses the start of the UTC week (Monday 00:00 UTC), which keeps the
//! week counting simple and errs on the safe side.
//!
//! The order, each step seeing what the previous ones took:
//!
//! 1. fixed pairs (`time = "HH:MM"`) are facts;
//! 2. an auto pair whose series was sent keeps the weekday and time it was
//!    sent with, as long as that slot still fits (inside both people's
//!    hours, clashing with no fixed pair nor any pair kept before it);
//! 3. every other auto pair, in roster order, gets the free slot inside
//!    both people's hours (each in their own zone) on the manager's
//!    least-loaded weekday that still has room under `max_per_day`, at the
//!    earliest such time of the manager's day.
//!
//! The cost is a few dozen word operations per pair and season, so 100,000
//! pairs place in a fraction of a second (docs/PERFORMANCE.md).

pub(crate) mod audit;
pub mod hours;
pub mod seasons;
pub mod week;

use std::collections::HashMap;

use jiff::civil::{Date, Time, Weekday};
use jiff::ToSpan;

use crate::core::cadence::Cadence;
use crate::core::reconcile::{Sent, SeriesState};
use crate::core::roster::{Pair, Roster};
use seasons::Seasons;
use week::{Week, CELLS, CELL_MINUTES, PER_DAY};

/// Why an auto pair has no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The two people's working hours never hold a whole meeting at once.
    NoCommonHours,
    /// Every slot inside both people's hours overlaps another 1:1 of one
    /// of them.
    Taken,
    /// Free slots are left only on days when the manager already has
    /// `max_per_day` 1:1s.
    WeekFull {
        /// The manager's `max_per_day`.
        max_per_day: u32,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::NoCommonHours => f.write_str(
                "the manager's and the report's working hours (`hours`, each in their own zone) never overlap for a whole meeting",
            ),
            Reason::Taken => f.write_str(
                "every slot inside both people's working hours overlaps another 1:1 of one of them",
            ),
            Reason::WeekFull { max_per_day } => write!(
                f,
                "the manager's week is full: every free slot inside both people's working hours is on a day that already has max_per_day = {max_per_day} 1:1s"
            ),
        }
    }
}

/// An auto pair that could not be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplaced {
    /// Its index in [`Roster::pairs`].
    pub pair: usize,
    /// Why.
    pub reason: Reason,
}

/// What a placement found, besides the placed pairs themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placed {
    /// Per manager (as indexed in [`Roster::managers`]): their active 1:1s
    /// on each weekday of their own week, Monday first, fixed and placed.
    pub load: Vec<[u32; 7]>,
    /// Auto pairs whose sent slot no longer fits and that were placed
    /// again (indices in [`Roster::pairs`]).
    pub moved: Vec<usize>,
}

/// The weekday and time an auto pair's series was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSlot {
    /// The weekday of its meetings.
    pub weekday: Weekday,
    /// Their local time.
    pub time: Time,
    /// The zone they are in.
    pub timezone: String,
}

/// The slot of each pair's active series, by the pair's UID.
pub fn sent_slots(sent: &Sent) -> HashMap<&str, SentSlot> {
    sent.series
        .iter()
        .filter(|s| s.state == SeriesState::Active)
        .map(|s| {
            let slot = SentSlot {
                weekday: s.shape.anchor.weekday(),
                time: s.shape.time,
                timezone: s.shape.zone.name.clone(),
            };
            (s.pair_uid.as_str(), slot)
        })
        .collect()
}

/// Places every active auto pair of `roster` (setting its `start` and
/// `time`), keeping the slots `sent` records where they still fit.
/// Pairs that cannot be placed are all returned, each with its reason.
pub fn place(roster: &mut Roster, sent: &Sent) -> Result<Placed, Vec<Unplaced>> {
    let slots = sent_slots(sent);
    let mut board = Board::new(roster);
    let mut chosen: Vec<(usize, Date, Time)> = Vec::new();
    let mut unplaced = Vec::new();
    let mut moved = Vec::new();
    let mut todo = Vec::new();
    for pair in &roster.pairs {
        if !pair.is_active() {
            continue;
        }
        if !pair.placing.auto {
            let s = board.shape(pair, pair.time);
            board.insert(&s, cell_of(pair.start, pair.time), pair.start);
        }
    }
    for (i, pair) in roster.pairs.iter().enumerate() {
        if !pair.is_active() || !pair.placing.auto {
            continue;
        }
        let kept = slots
            .get(pair.uid.as_str())
            .filter(|s| s.timezone == pair.timezone)
            .and_then(|s| {
                let start = on_or_after(pair.placing.from, s.weekday)?;
                let shape = board.shape(pair, s.time);
                let l = cell_of(start, s.time);
                let fits = board.fit(&shape, pair.placing.from);
                fits.free.get(l).then(|| {
                    board.insert(&shape, l, start);
                    (start, s.time)
                })
            });
        match kept {
            Some((start, time)) => chosen.push((i, start, time)),
            None => {
                if slots.contains_key(pair.uid.as_str()) {
                    moved.push(i);
                }
                todo.push(i);
            }
        }
    }
    for i in todo {
        let pair = &roster.pairs[i];
        let shape = board.shape(pair, Time::midnight());
        let fits = board.fit(&shape, pair.placing.from);
        match board.choose(&shape, &fits.room) {
            Some(l) => {
                let (start, time) = slot_of(pair.placing.from, l);
                board.insert(&shape, l, start);
                chosen.push((i, start, time));
            }
            None => {
                let reason = if fits.hours.is_empty() {
                    Reason::NoCommonHours
                } else if fits.free.is_empty() {
                    Reason::Taken
                } else {
                    Reason::WeekFull {
                        max_per_day: roster.managers[pair.manager_index].max_per_day,
                    }
                };
                unplaced.push(Unplaced { pair: i, reason });
            }
        }
    }
    if !unplaced.is_empty() {
        unplaced.sort_by_key(|u| u.pair);
        return Err(unplaced);
    }
    let load = board.load.clone();
    for (i, start, time) in chosen {
        let p = &mut roster.pairs[i];
        p.start = start;
        p.time = time;
    }
    Ok(Placed { load, moved })
}

/// Each manager's active 1:1s per weekday of their own week (Monday
/// first), as the roster stands (placed pairs included), indexed as
/// [`Roster::managers`]. Only counts: no report is named.
pub fn load(roster: &Roster) -> Vec<[u32; 7]> {
    let mut board = Board::new(roster);
    for pair in roster.active_pairs() {
        let s = board.shape(pair, pair.time);
        board.insert(&s, cell_of(pair.start, pair.time), pair.start);
    }
    board.load
}

/// Monday of the week every week count starts from.
const EPOCH: Date = Date::constant(2000, 1, 3);

/// The number of the (Monday-based) week `d` is in.
fn week_number(d: Date) -> i64 {
    let days = d.since(EPOCH).map_or(0, |s| i64::from(s.get_days()));
    days.div_euclid(7)
}

/// The first date on or after `from` that is a `weekday`.
fn on_or_after(from: Date, weekday: Weekday) -> Option<Date> {
    let ahead =
        (weekday.to_monday_zero_offset() - from.weekday().to_monday_zero_offset()).rem_euclid(7);
    from.checked_add(i64::from(ahead).days()).ok()
}

/// The cell of the local week where a meeting at `time` on `date` begins.
fn cell_of(date: Date, time: Time) -> usize {
    let day = date.weekday().to_monday_zero_offset() as usize;
    let minute = i32::from(time.hour()) * 60 + i32::from(time.minute());
    day * PER_DAY + (minute / CELL_MINUTES) as usize
}

/// The first date and the time of a slot starting at local cell `l`.
fn slot_of(from: Date, l: usize) -> (Date, Time) {
    let weekday = Weekday::from_monday_zero_offset((l / PER_DAY) as i8).unwrap_or(Weekday::Monday);
    let minutes = (l % PER_DAY) as i32 * CELL_MINUTES;
    let time =
        Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).unwrap_or(Time::midnight());
    (on_or_after(from, weekday).unwrap_or(from), time)
}

fn gcd(a: u8, b: u8) -> u8 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Cells one cadence class of one person takes, per season (UTC week).
#[derive(Debug, Clone)]
struct Entry {
    n: u8,
    p: u8,
    seasons: Vec<Week>,
}

/// A pair reduced to what placement looks at.
struct Shape {
    /// Zone of the pair (the report's), as a column of the seasons.
    zr: usize,
    /// Zone of the manager.
    zm: usize,
    /// Cells a meeting takes.
    k: usize,
    /// Every `n` weeks (monthly counts as 1).
    n: u8,
    /// The people's rows in the board, when they are in several pairs.
    people: [Option<usize>; 2],
    manager: usize,
    report_hours: Week,
    manager_hours: Week,
    max_per_day: u32,
}

/// The free slots of a pair, by what rules them out.
struct Fits {
    /// Inside both people's hours in every season.
    hours: Week,
    /// ... and clashing with no other 1:1 of either.
    free: Week,
    /// ... and on a manager's day with room under `max_per_day`.
    room: Week,
}

/// What the pairs placed so far take.
struct Board {
    seasons: Seasons,
    zones: HashMap<String, usize>,
    rows: HashMap<String, usize>,
    /// Per manager: zone column, working hours, `max_per_day`.
    managers: Vec<(usize, Week, u32)>,
    occupied: Vec<Vec<Entry>>,
    /// 1:1s per manager-local weekday (the first season's), for the report.
    load: Vec<[u32; 7]>,
    /// 1:1s per manager-local weekday in any season, for `max_per_day`.
    busy: Vec<[u32; 7]>,
}

impl Board {
    fn new(roster: &Roster) -> Board {
        let mut zones: HashMap<String, usize> = HashMap::new();
        let mut tzs = Vec::new();
        let mut add = |name: &str, tz: &jiff::tz::TimeZone| {
            if !zones.contains_key(name) {
                zones.insert(name.to_string(), tzs.len());
                tzs.push(tz.clone());
            }
        };
        for m in &roster.managers {
            add(&m.timezone, &m.tz);
        }
        let mut count: HashMap<String, u32> = HashMap::new();
        let mut from: Option<Date> = None;
        for p in roster.active_pairs() {
            add(&p.timezone, &p.tz);
            *count.entry(p.manager.key()).or_default() += 1;
            *count.entry(p.report.key()).or_default() += 1;
            let f = p.placing.from.min(p.start);
            from = Some(from.map_or(f, |d| d.min(f)));
        }
        let seasons = Seasons::of(&tzs, from.unwrap_or(EPOCH));
        let mut rows = HashMap::new();
        for (person, n) in count {
            if n > 1 {
                let row = rows.len();
                rows.insert(person, row);
            }
        }
        let occupied = vec![Vec::new(); rows.len()];
        let managers = roster
            .managers
            .iter()
            .map(|m| {
                (
                    zones.get(&m.timezone).copied().unwrap_or(0),
                    m.hours.week,
                    m.max_per_day,
                )
            })
            .collect();
        Board {
            managers,
            seasons,
            zones,
            rows,
            occupied,
            load: vec![[0; 7]; roster.managers.len()],
            busy: vec![[0; 7]; roster.managers.len()],
        }
    }

    fn shape(&self, pair: &Pair, time: Time) -> Shape {
        let manager = self.managers_hint(pair);
        let into_cell = i32::from(time.minute()) % CELL_MINUTES;
        let k = (into_cell + pair.duration_minutes as i32 + CELL_MINUTES - 1) / CELL_MINUTES;
        Shape {
            zr: self.zones.get(&pair.timezone).copied().unwrap_or(0),
            zm: manager.0,
            k: (k.max(1) as usize).min(CELLS),
            n: match pair.cadence {
                Cadence::Weeks(n) => n.max(1),
                Cadence::Monthly => 1,
            },
            people: [
                self.rows.get(&pair.manager.key()).copied(),
                self.rows.get(&pair.report.key()).copied(),
            ],
            manager: pair.manager_index,
            report_hours: pair.placing.report_hours.week,
            manager_hours: manager.1,
            max_per_day: manager.2,
        }
    }

    fn managers_hint(&self, pair: &Pair) -> (usize, Week, u32) {
        self.managers
            .get(pair.manager_index)
            .copied()
            .unwrap_or((0, Week::full(), u32::MAX))
    }

    /// What person `row` takes in season `si` that clashes with a meeting
    /// every `n` weeks in week `q` of `n`; `None` for `q`: with anything.
    fn blocked(&self, row: usize, si: usize, n: u8, q: Option<u8>) -> Week {
        let mut w = Week::EMPTY;
        for e in &self.occupied[row] {
            let clash = match q {
                None => true,
                Some(q) => {
                    let g = gcd(n, e.n);
                    (i32::from(q) - i32::from(e.p)).rem_euclid(i32::from(g)) == 0
                }
            };
            if clash {
                w = w.or(&e.seasons[si]);
            }
        }
        w
    }

    fn blocked_both(&self, s: &Shape, si: usize, q: Option<u8>) -> Week {
        let mut w = Week::EMPTY;
        for row in s.people.into_iter().flatten() {
            w = w.or(&self.blocked(row, si, s.n, q));
        }
        w
    }

    /// The slots (cells of the pair's local week) open to a pair whose
    /// series starts on the first such weekday on or after `from`.
    fn fit(&self, s: &Shape, from: Date) -> Fits {
        let ws = from.weekday().to_monday_zero_offset() as usize;
        let (mut later, mut earlier) = (Week::EMPTY, Week::EMPTY);
        later.set_run(ws * PER_DAY, (7 - ws) * PER_DAY);
        earlier.set_run(0, ws * PER_DAY);
        let w0 = week_number(from);
        let n = i64::from(s.n);
        let q_later = w0.rem_euclid(n) as u8;
        let q_earlier = (w0 + 1).rem_euclid(n) as u8;
        let mut hours = s.report_hours.fit(s.k);
        let manager_fit = s.manager_hours.fit(s.k);
        let mut bad = Week::EMPTY;
        let mut full = Week::EMPTY;
        let busy = &self.busy[s.manager];
        let k = s.k as i32;
        for (si, row) in self.seasons.offsets.iter().enumerate() {
            let (or, om) = (row[s.zr], row[s.zm]);
            let delta = om - or;
            hours = hours.and(&manager_fit.rotate(-delta));
            if s.people.iter().any(Option::is_some) {
                let spread = |w: Week| w.reach(s.k).rotate(or);
                let any = spread(self.blocked_both(s, si, None));
                let mut wrapped = Week::EMPTY;
                wrapped.set_run(0, or.clamp(0, CELLS as i32) as usize);
                let tail = (CELLS as i32 + or - k + 1).max(0);
                if tail < CELLS as i32 {
                    wrapped.set_run(tail as usize, (CELLS as i32 - tail) as usize);
                }
                bad = bad.or(&wrapped.and(&any));
                if s.n == 1 {
                    bad = bad.or(&any);
                } else {
                    let a = spread(self.blocked_both(s, si, Some(q_later)));
                    let b = spread(self.blocked_both(s, si, Some(q_earlier)));
                    bad = bad.or(&later.and(&a)).or(&earlier.and(&b));
                }
            }
            for (d, &count) in busy.iter().enumerate() {
                if count >= s.max_per_day {
                    full = full.or(&Week::day(d).rotate(-delta));
                }
            }
        }
        let free = hours.minus(&bad);
        let room = free.minus(&full);
        Fits { hours, free, room }
    }

    /// The slot among `open` on the manager's least-loaded day, at the
    /// earliest time of that day.
    fn choose(&self, s: &Shape, open: &Week) -> Option<usize> {
        let row = self.seasons.offsets.first()?;
        let delta = row[s.zm] - row[s.zr];
        let load = &self.load[s.manager];
        let day = (0..7)
            .filter(|&d| open.meets(&Week::day(d).rotate(-delta)))
            .min_by_key(|&d| (load[d], d))?;
        (day * PER_DAY..(day + 1) * PER_DAY)
            .map(|m| (m as i32 - delta).rem_euclid(CELLS as i32) as usize)
            .find(|&l| open.get(l))
    }

    /// Records a meeting starting at local cell `l`, first held on `start`.
    fn insert(&mut self, s: &Shape, l: usize, start: Date) {
        let p = week_number(start).rem_euclid(i64::from(s.n)) as u8;
        let mut days = [false; 7];
        for si in 0..self.seasons.offsets.len() {
            let row = &self.seasons.offsets[si];
            let (or, om) = (row[s.zr], row[s.zm]);
            let a = l as i32 - or;
            let (n, p) = if a >= 0 && a + s.k as i32 <= CELLS as i32 {
                (s.n, p)
            } else {
                (1, 0)
            };
            let mut w = Week::EMPTY;
            w.set_run(a.rem_euclid(CELLS as i32) as usize, s.k);
            for person in s.people.into_iter().flatten() {
                let seasons = self.seasons.offsets.len();
                let entries = &mut self.occupied[person];
                let at = match entries.iter().position(|e| e.n == n && e.p == p) {
                    Some(at) => at,
                    None => {
                        entries.push(Entry {
                            n,
                            p,
                            seasons: vec![Week::EMPTY; seasons],
                        });
                        entries.len() - 1
                    }
                };
                entries[at].seasons[si] = entries[at].seasons[si].or(&w);
            }
            let day = (l as i32 + om - or).rem_euclid(CELLS as i32) as usize / PER_DAY;
            days[day] = true;
            if si == 0 {
                self.load[s.manager][day] += 1;
            }
        }
        for (d, on) in days.iter().enumerate() {
            if *on {
                self.busy[s.manager][d] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests;

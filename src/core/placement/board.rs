//! The board placement works on: what each person's 1:1s take of the
//! UTC week per season and cadence class, each manager's load per day, and
//! the free slots of a pair given all that (see the parent module).

use std::collections::HashMap;

use jiff::civil::{Date, Time};

use super::seasons::Seasons;
use super::week::{Week, CELLS, CELL_MINUTES, PER_DAY};
use crate::core::cadence::Cadence;
use crate::core::roster::{Pair, Roster};

/// Monday of the week every week count starts from.
pub(super) const EPOCH: Date = Date::constant(2000, 1, 3);

/// The number of the (Monday-based) week `d` is in.
pub(super) fn week_number(d: Date) -> i64 {
    let days = d.since(EPOCH).map_or(0, |s| i64::from(s.get_days()));
    days.div_euclid(7)
}

/// A person's identity for the board: a 64-bit FNV-1a hash of the address
/// lowercased (addresses compare case-insensitively), which spares a
/// lowercased copy of every address. Two people whose hashes collided
/// would only be kept apart as if they were one: never an overlap.
fn person_id(email: &str) -> u64 {
    email.trim().bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
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
pub(super) struct Shape {
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
    /// Where a meeting may start inside the report's hours (pair's zone).
    report_fit: Week,
    /// ... inside the manager's hours (manager's zone).
    manager_fit: Week,
    max_per_day: u32,
}

/// The free slots of a pair, by what rules them out.
pub(super) struct Fits {
    /// Inside both people's hours in every season.
    pub(super) hours: Week,
    /// ... and clashing with no other 1:1 of either.
    pub(super) free: Week,
    /// ... and on a manager's day with room under `max_per_day`.
    pub(super) room: Week,
}

/// What the pairs placed so far take.
pub(super) struct Board {
    seasons: Seasons,
    zones: HashMap<String, usize>,
    /// Per pair of the roster: the rows of its manager and report, for
    /// those in several pairs.
    pair_rows: Vec<[Option<usize>; 2]>,
    /// The cells of each day, Monday first.
    days: [Week; 7],
    /// Where a meeting of `k` cells fits in given hours, by hours and `k`.
    fits: HashMap<(Week, usize), Week>,
    /// Per manager: zone column, working hours, `max_per_day`.
    managers: Vec<(usize, Week, u32)>,
    occupied: Vec<Vec<Entry>>,
    /// 1:1s per manager-local weekday (the first season's), for the report.
    pub(super) load: Vec<[u32; 7]>,
    /// 1:1s per manager-local weekday in any season, for `max_per_day`.
    busy: Vec<[u32; 7]>,
}

impl Board {
    pub(super) fn new(roster: &Roster) -> Board {
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
        // Each person's index among everyone, and how many pairs they are in.
        let mut people: HashMap<u64, (usize, u32)> = HashMap::new();
        let mut of_pair: Vec<[usize; 2]> = Vec::with_capacity(roster.pairs.len());
        let mut from: Option<Date> = None;
        for p in &roster.pairs {
            let mut ids = [usize::MAX; 2];
            if p.is_active() {
                add(&p.timezone, &p.tz);
                for (side, key) in [person_id(&p.manager.email), person_id(&p.report.email)]
                    .into_iter()
                    .enumerate()
                {
                    let next = people.len();
                    let e = people.entry(key).or_insert((next, 0));
                    e.1 += 1;
                    ids[side] = e.0;
                }
                let f = p.placing.from.min(p.start);
                from = Some(from.map_or(f, |d| d.min(f)));
            }
            of_pair.push(ids);
        }
        let seasons = Seasons::of(&tzs, from.unwrap_or(EPOCH));
        // Only people in more than one pair can clash: they get a row.
        let mut row_of = vec![None; people.len()];
        let mut rows = 0;
        let mut by_id: Vec<(usize, u32)> = people.into_values().collect();
        by_id.sort_unstable();
        for (id, n) in by_id {
            if n > 1 {
                row_of[id] = Some(rows);
                rows += 1;
            }
        }
        let pair_rows = of_pair
            .iter()
            .map(|ids| ids.map(|id| row_of.get(id).copied().flatten()))
            .collect();
        let occupied = vec![Vec::new(); rows];
        let days = std::array::from_fn(Week::day);
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
            pair_rows,
            days,
            fits: HashMap::new(),
            occupied,
            load: vec![[0; 7]; roster.managers.len()],
            busy: vec![[0; 7]; roster.managers.len()],
        }
    }

    /// Pair `i` of the roster, meeting at `time`, as placement sees it.
    pub(super) fn shape(&mut self, i: usize, pair: &Pair, time: Time) -> Shape {
        let manager = self.managers_hint(pair);
        let into_cell = i32::from(time.minute()) % CELL_MINUTES;
        let k = (into_cell + pair.duration_minutes as i32 + CELL_MINUTES - 1) / CELL_MINUTES;
        let k = (k.max(1) as usize).min(CELLS);
        Shape {
            zr: self.zones.get(&pair.timezone).copied().unwrap_or(0),
            zm: manager.0,
            k,
            n: match pair.cadence {
                Cadence::Weeks(n) => n.max(1),
                Cadence::Monthly => 1,
            },
            people: self.pair_rows.get(i).copied().unwrap_or([None, None]),
            manager: pair.manager_index,
            report_fit: self.fit_of(pair.placing.report_hours.week, k),
            manager_fit: self.fit_of(manager.1, k),
            max_per_day: manager.2,
        }
    }

    /// `hours.fit(k)`, remembered: most people share a few `hours` lines.
    fn fit_of(&mut self, hours: Week, k: usize) -> Week {
        *self.fits.entry((hours, k)).or_insert_with(|| hours.fit(k))
    }

    fn managers_hint(&self, pair: &Pair) -> (usize, Week, u32) {
        self.managers
            .get(pair.manager_index)
            .copied()
            .unwrap_or((0, Week::full(), u32::MAX))
    }

    /// What the pair's people take in season `si`: everything, and what
    /// clashes with a meeting every `s.n` weeks in week `q[0]`, resp.
    /// `q[1]`, of `s.n` (cadence classes clash when their weeks can meet).
    fn blocked(&self, s: &Shape, si: usize, q: [u8; 2]) -> [Week; 3] {
        let mut out = [Week::EMPTY; 3];
        for row in s.people.into_iter().flatten() {
            for e in &self.occupied[row] {
                let w = &e.seasons[si];
                out[0] = out[0].or(w);
                let g = i32::from(gcd(s.n, e.n));
                for (i, q) in q.iter().enumerate() {
                    if (i32::from(*q) - i32::from(e.p)).rem_euclid(g) == 0 {
                        out[i + 1] = out[i + 1].or(w);
                    }
                }
            }
        }
        out
    }

    /// The slots (cells of the pair's local week) open to a pair whose
    /// series starts on the first such weekday on or after `from`.
    pub(super) fn fit(&self, s: &Shape, from: Date) -> Fits {
        let ws = from.weekday().to_monday_zero_offset() as usize;
        let (mut later, mut earlier) = (Week::EMPTY, Week::EMPTY);
        later.set_run(ws * PER_DAY, (7 - ws) * PER_DAY);
        earlier.set_run(0, ws * PER_DAY);
        let w0 = week_number(from);
        let n = i64::from(s.n);
        let q_later = w0.rem_euclid(n) as u8;
        let q_earlier = (w0 + 1).rem_euclid(n) as u8;
        let mut hours = s.report_fit;
        let manager_fit = s.manager_fit;
        let mut bad = Week::EMPTY;
        let mut full = Week::EMPTY;
        let busy = &self.busy[s.manager];
        let k = s.k as i32;
        for (si, row) in self.seasons.offsets.iter().enumerate() {
            let (or, om) = (row[s.zr], row[s.zm]);
            let delta = om - or;
            hours = hours.and(&manager_fit.rotate(-delta));
            if hours.is_empty() {
                break;
            }
            if s.people.iter().any(Option::is_some) {
                let spread = |w: Week| w.reach(s.k).rotate(or);
                let [any, at_later, at_earlier] = self.blocked(s, si, [q_later, q_earlier]);
                let any = spread(any);
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
                    let a = spread(at_later);
                    let b = spread(at_earlier);
                    bad = bad.or(&later.and(&a)).or(&earlier.and(&b));
                }
            }
            for (d, &count) in busy.iter().enumerate() {
                if count >= s.max_per_day {
                    full = full.or(&self.days[d].rotate(-delta));
                }
            }
        }
        let free = hours.minus(&bad);
        let room = free.minus(&full);
        Fits { hours, free, room }
    }

    /// The slot among `open` on the manager's least-loaded day, at the
    /// earliest time of that day.
    pub(super) fn choose(&self, s: &Shape, open: &Week) -> Option<usize> {
        let row = self.seasons.offsets.first()?;
        let delta = row[s.zm] - row[s.zr];
        let load = &self.load[s.manager];
        // In the manager's own week: their days, their clock.
        let theirs = open.rotate(delta);
        let (_, m) = (0..7)
            .filter_map(|d| Some((d, theirs.first_in(d * PER_DAY, (d + 1) * PER_DAY)?)))
            .min_by_key(|&(d, _)| (load[d], d))?;
        Some((m as i32 - delta).rem_euclid(CELLS as i32) as usize)
    }

    /// Records a meeting starting at local cell `l`, first held on `start`.
    pub(super) fn insert(&mut self, s: &Shape, l: usize, start: Date) {
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

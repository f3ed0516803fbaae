//! One week on a 15-minute grid as a bitset: 672 cells, Monday 00:00 is
//! cell 0. Working hours, a person's 1:1s and the free slots of a pair are
//! all such sets, so that placing a pair costs a few dozen word operations
//! per candidate week rather than one test per slot.
//!
//! The week is cyclic: rotating by a zone offset moves Sunday night into
//! Monday morning, as a wall clock does.

/// Cells of 15 minutes in a day.
pub const PER_DAY: usize = 96;
/// Cells in a week.
pub const CELLS: usize = 7 * PER_DAY;
/// Minutes per cell.
pub const CELL_MINUTES: i32 = 15;
const WORDS: usize = CELLS.div_ceil(64);

/// A set of cells of one week.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Week([u64; WORDS]);

impl std::fmt::Debug for Week {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Week({} cells)", self.count())
    }
}

impl Default for Week {
    fn default() -> Self {
        Week::EMPTY
    }
}

impl Week {
    /// No cell.
    pub const EMPTY: Week = Week([0; WORDS]);

    /// Every cell.
    pub fn full() -> Week {
        let mut w = Week([u64::MAX; WORDS]);
        w.trim();
        w
    }

    fn trim(&mut self) {
        let extra = WORDS * 64 - CELLS;
        self.0[WORDS - 1] &= u64::MAX >> extra;
    }

    /// Whether cell `c` is in the set.
    pub fn get(&self, c: usize) -> bool {
        c < CELLS && self.0[c / 64] & (1 << (c % 64)) != 0
    }

    /// Adds cell `c` (taken modulo the week).
    pub fn set(&mut self, c: usize) {
        let c = c % CELLS;
        self.0[c / 64] |= 1 << (c % 64);
    }

    /// Adds `len` cells from `start`, wrapping round the end of the week.
    pub fn set_run(&mut self, start: usize, len: usize) {
        let len = len.min(CELLS);
        let start = start % CELLS;
        let first = len.min(CELLS - start);
        self.set_span(start, start + first);
        self.set_span(0, len - first);
    }

    /// Adds the cells `from..to` (within the week), a word at a time.
    fn set_span(&mut self, from: usize, to: usize) {
        let mut c = from;
        while c < to {
            let (word, bit) = (c / 64, c % 64);
            let n = (64 - bit).min(to - c);
            let mask = if n == 64 {
                u64::MAX
            } else {
                ((1u64 << n) - 1) << bit
            };
            self.0[word] |= mask;
            c += n;
        }
    }

    /// The first cell of `from..to` that is set.
    pub fn first_in(&self, from: usize, to: usize) -> Option<usize> {
        let mut c = from;
        while c < to.min(CELLS) {
            let (word, bit) = (c / 64, c % 64);
            let bits = self.0[word] >> bit;
            if bits != 0 {
                let at = c + bits.trailing_zeros() as usize;
                return (at < to).then_some(at);
            }
            c += 64 - bit;
        }
        None
    }

    /// Whether no cell is set.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// How many cells are set.
    pub fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// Cells in both.
    pub fn and(&self, o: &Week) -> Week {
        let mut r = *self;
        for (a, b) in r.0.iter_mut().zip(o.0) {
            *a &= b;
        }
        r
    }

    /// Cells in either.
    pub fn or(&self, o: &Week) -> Week {
        let mut r = *self;
        for (a, b) in r.0.iter_mut().zip(o.0) {
            *a |= b;
        }
        r
    }

    /// Cells of `self` not in `o`.
    pub fn minus(&self, o: &Week) -> Week {
        let mut r = *self;
        for (a, b) in r.0.iter_mut().zip(o.0) {
            *a &= !b;
        }
        r
    }

    /// Whether the two share a cell.
    pub fn meets(&self, o: &Week) -> bool {
        self.0.iter().zip(o.0).any(|(a, b)| a & b != 0)
    }

    /// The set moved `by` cells later (cell `c` becomes `c + by`), cyclically.
    pub fn rotate(&self, by: i32) -> Week {
        let r = by.rem_euclid(CELLS as i32) as usize;
        if r == 0 {
            return *self;
        }
        // Cell c moves to c + r: a left shift by r, plus the cells pushed
        // past the end coming back at the start (a right shift by CELLS - r).
        let mut out = shl(&self.0, r);
        let back = shr(&self.0, CELLS - r);
        for (a, b) in out.iter_mut().zip(back) {
            *a |= b;
        }
        let mut w = Week(out);
        w.trim();
        w
    }

    /// The cells `c` whose run `c .. c + k` lies wholly in the set: where a
    /// meeting of `k` cells may start.
    pub fn fit(&self, k: usize) -> Week {
        let mut r = *self;
        for j in 1..k.min(CELLS) {
            r = r.and(&self.rotate(-(j as i32)));
        }
        r
    }

    /// The cells `c` whose run `c .. c + k` touches the set: where a
    /// meeting of `k` cells may not start.
    pub fn reach(&self, k: usize) -> Week {
        let mut r = *self;
        for j in 1..k.min(CELLS) {
            r = r.or(&self.rotate(-(j as i32)));
        }
        r
    }

    /// The cells of day `d` (0 = Monday).
    pub fn day(d: usize) -> Week {
        let mut w = Week::EMPTY;
        w.set_run((d % 7) * PER_DAY, PER_DAY);
        w
    }

    /// The cells set, in order.
    pub fn cells(&self) -> impl Iterator<Item = usize> + '_ {
        (0..CELLS).filter(|&c| self.get(c))
    }
}

fn shl(x: &[u64; WORDS], r: usize) -> [u64; WORDS] {
    let (words, bits) = (r / 64, r % 64);
    let mut out = [0; WORDS];
    for i in (words..WORDS).rev() {
        let mut v = x[i - words] << bits;
        if bits > 0 && i > words {
            v |= x[i - words - 1] >> (64 - bits);
        }
        out[i] = v;
    }
    out
}

fn shr(x: &[u64; WORDS], r: usize) -> [u64; WORDS] {
    let (words, bits) = (r / 64, r % 64);
    let mut out = [0; WORDS];
    for i in 0..WORDS.saturating_sub(words) {
        let mut v = x[i + words] >> bits;
        if bits > 0 && i + words + 1 < WORDS {
            v |= x[i + words + 1] << (64 - bits);
        }
        out[i] = v;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_rotate(w: &Week, by: i32) -> Week {
        let mut r = Week::EMPTY;
        for c in w.cells() {
            r.set((c as i32 + by).rem_euclid(CELLS as i32) as usize);
        }
        r
    }

    #[test]
    fn rotation_matches_cell_by_cell_moves() {
        let mut w = Week::EMPTY;
        for c in [0, 1, 63, 64, 65, 127, 300, 640, 670, 671] {
            w.set(c);
        }
        for by in [
            -700, -672, -671, -65, -64, -1, 0, 1, 5, 63, 64, 65, 128, 671, 672, 1000,
        ] {
            assert_eq!(w.rotate(by), naive_rotate(&w, by), "by {by}");
        }
        assert_eq!(Week::full().rotate(37), Week::full());
        assert_eq!(Week::full().count(), CELLS as u32);
    }

    #[test]
    fn runs_and_first_cells_match_cell_by_cell_ones() {
        for (start, len) in [
            (0, 0),
            (0, 1),
            (5, 64),
            (60, 70),
            (600, 100),
            (671, 672),
            (3, 700),
        ] {
            let mut w = Week::EMPTY;
            w.set_run(start, len);
            let mut naive = Week::EMPTY;
            for i in 0..len.min(CELLS) {
                naive.set(start + i);
            }
            assert_eq!(w, naive, "{start} {len}");
        }
        let mut w = Week::EMPTY;
        w.set(130);
        w.set(500);
        assert_eq!(w.first_in(0, CELLS), Some(130));
        assert_eq!(w.first_in(131, 500), None);
        assert_eq!(w.first_in(131, 501), Some(500));
        assert_eq!(Week::EMPTY.first_in(0, CELLS), None);
    }

    #[test]
    fn fit_and_reach_see_runs_across_the_week_end() {
        let mut w = Week::EMPTY;
        w.set_run(670, 4); // Sunday 23:30 to Monday 00:30
        assert_eq!(w.fit(4).cells().collect::<Vec<_>>(), vec![670]);
        assert_eq!(w.fit(2).cells().collect::<Vec<_>>(), vec![0, 670, 671]);
        let mut one = Week::EMPTY;
        one.set(1);
        assert_eq!(one.reach(3).cells().collect::<Vec<_>>(), vec![0, 1, 671]);
    }
}

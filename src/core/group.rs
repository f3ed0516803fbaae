//! Items grouped by a small index (a manager's position in the roster) in
//! one pass, each group keeping the items' order.
//!
//! `check` and `preview` list things per manager. Filtering every item once
//! per manager costs managers × items: 10,000 managers over 600,000
//! meetings is six billion comparisons, minutes of work. A counting sort
//! does it in two passes over the items.

/// `items` grouped by `key`: [`Groups::get`] lists the items of one group
/// in their order in `items`.
#[derive(Debug)]
pub struct Groups<'a, T> {
    items: &'a [T],
    /// Group `g` is `order[starts[g]..starts[g + 1]]`.
    starts: Vec<usize>,
    /// Indices into `items`, group after group.
    order: Vec<usize>,
}

impl<'a, T> Groups<'a, T> {
    /// Groups `items` by `key`, for groups `0..groups` (more when a key is
    /// larger: no item is left out).
    pub fn new(items: &'a [T], groups: usize, key: impl Fn(&T) -> usize) -> Self {
        let keys: Vec<usize> = items.iter().map(key).collect();
        let groups = keys.iter().map(|k| k + 1).max().unwrap_or(0).max(groups);
        let mut starts = vec![0; groups + 1];
        for &k in &keys {
            starts[k + 1] += 1;
        }
        for g in 0..groups {
            starts[g + 1] += starts[g];
        }
        let mut next = starts.clone();
        let mut order = vec![0; keys.len()];
        for (i, &k) in keys.iter().enumerate() {
            order[next[k]] = i;
            next[k] += 1;
        }
        Groups {
            items,
            starts,
            order,
        }
    }

    /// The items of group `g`, in their order; none for an unknown group.
    pub fn get(&self, g: usize) -> impl Iterator<Item = &'a T> + '_ {
        let range = match (self.starts.get(g), self.starts.get(g + 1)) {
            (Some(&from), Some(&to)) => from..to,
            _ => 0..0,
        };
        self.order
            .get(range)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.items.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::Groups;

    #[test]
    fn groups_keep_order_and_leave_nothing_out() {
        let items = [(2, 'a'), (0, 'b'), (2, 'c'), (1, 'd'), (0, 'e'), (4, 'f')];
        let g = Groups::new(&items, 3, |x| x.0);
        let names = |k| g.get(k).map(|x| x.1).collect::<String>();
        assert_eq!(names(0), "be");
        assert_eq!(names(1), "d");
        assert_eq!(names(2), "ac");
        assert_eq!(names(3), "");
        assert_eq!(names(4), "f");
        assert_eq!(names(9), "");
    }

    #[test]
    fn no_items() {
        let items: [usize; 0] = [];
        let g = Groups::new(&items, 2, |x| *x);
        assert_eq!(g.get(0).count(), 0);
        assert_eq!(g.get(5).count(), 0);
    }
}

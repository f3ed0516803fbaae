//! The prompt bank and the per-pair rotation.
//!
//! Each pair walks through its eligible prompts (the bank minus the tags the
//! report skips) in cycles: every cycle is a shuffle of all of them, so no
//! prompt repeats before every one was used. The shuffle is seeded by the
//! pair and the cycle number, and the prompts are ordered by id before
//! shuffling, so the choice is a pure function of the roster, the pair and
//! the meeting's position in the series: previews, feeds and mails agree,
//! and a reworded prompt keeps its place.

use crate::core::hash::{hash64, SplitMix};

/// One conversation prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Stable id; rotation follows ids, not texts.
    pub id: String,
    /// The question as shown to people.
    pub text: String,
    /// Tags a report may skip.
    pub tags: Vec<String>,
}

/// The prompts a roster draws from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bank {
    /// The prompts, in the order they were written.
    pub prompts: Vec<Prompt>,
}

/// The built-in bank: the six questions touchbase is built on, then more of
/// the same spirit. Ids are stable: rotations in people's calendars rely on them.
const BUILT_IN: &[(&str, &str, &[&str])] = &[
    ("going", "How are things going?", &["check-in"]),
    ("energy", "What's giving you energy?", &["wellbeing"]),
    ("draining", "What's draining you?", &["wellbeing"]),
    ("learned", "What have you learned?", &["growth"]),
    ("stuck", "Where are you stuck?", &["support"]),
    ("help", "How can I help you?", &["support"]),
    (
        "proud",
        "What are you proud of since we last met?",
        &["recognition"],
    ),
    (
        "on-your-mind",
        "What's on your mind for the coming weeks?",
        &["check-in"],
    ),
    (
        "obstacles",
        "Is anything slowing you down that I could remove?",
        &["support"],
    ),
    (
        "manager-feedback",
        "What should I start, stop or keep doing as your manager?",
        &["feedback"],
    ),
    (
        "next-skill",
        "Which skill would you like to grow next?",
        &["growth", "career"],
    ),
    (
        "a-year-from-now",
        "Where would you like your work to take you in a year?",
        &["career"],
    ),
    (
        "workload",
        "How does your workload feel right now?",
        &["wellbeing"],
    ),
    (
        "thanks",
        "Whose help deserves a thank-you lately?",
        &["recognition"],
    ),
    (
        "clarity",
        "Is anything about your goals or our priorities unclear?",
        &["clarity"],
    ),
    (
        "collaboration",
        "How are things with the people you work with most?",
        &["team"],
    ),
    (
        "change-one-thing",
        "If you could change one thing about how we work, what would it be?",
        &["ideas"],
    ),
    ("surprise", "What surprised you recently?", &["reflection"]),
];

impl Bank {
    /// The built-in bank.
    pub fn built_in() -> Bank {
        Bank {
            prompts: BUILT_IN
                .iter()
                .map(|(id, text, tags)| Prompt {
                    id: (*id).to_string(),
                    text: (*text).to_string(),
                    tags: tags.iter().map(|t| (*t).to_string()).collect(),
                })
                .collect(),
        }
    }

    /// Indices of the prompts that carry none of `skip_tags`, ordered by id.
    pub fn eligible(&self, skip_tags: &[String]) -> Vec<u16> {
        let mut idx: Vec<u16> = self
            .prompts
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.tags.iter().any(|t| skip_tags.contains(t)))
            .filter_map(|(i, _)| u16::try_from(i).ok())
            .collect();
        idx.sort_by(|a, b| {
            self.prompts[usize::from(*a)]
                .id
                .cmp(&self.prompts[usize::from(*b)].id)
        });
        idx
    }

    /// Every tag some prompt carries.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.prompts.iter().any(|p| p.tags.iter().any(|t| t == tag))
    }
}

/// Walks a pair's prompts meeting by meeting.
///
/// Meeting `k` of a pair (counting only meetings that take place) always gets
/// the same prompts, whatever window is asked for.
#[derive(Debug, Clone)]
pub struct Rotation<'a> {
    eligible: &'a [u16],
    per_meeting: usize,
    seed: u64,
    cycle: u64,
    /// The current cycle's order; `pos` is the next unused position.
    order: Vec<u16>,
    pos: usize,
    /// Prompts of the next cycle set aside because the meeting that opened
    /// the cycle already had them from the end of the previous one.
    deferred: Vec<u16>,
}

impl<'a> Rotation<'a> {
    /// A rotation over `eligible` (bank indices, ordered by id) for the pair
    /// whose key is `pair_key`.
    pub fn new(eligible: &'a [u16], per_meeting: usize, pair_key: u64) -> Self {
        let mut r = Rotation {
            eligible,
            per_meeting: per_meeting.min(eligible.len()),
            seed: pair_key,
            cycle: 0,
            order: Vec::new(),
            pos: 0,
            deferred: Vec::new(),
        };
        r.shuffle();
        r
    }

    fn shuffle(&mut self) {
        self.order.clear();
        self.order.extend_from_slice(self.eligible);
        let mut rng = SplitMix::new(hash64(self.seed, &[&self.cycle.to_le_bytes()]));
        for i in (1..self.order.len()).rev() {
            let j = rng.below(i + 1);
            self.order.swap(i, j);
        }
        self.pos = 0;
    }

    /// Skips `n` meetings.
    pub fn skip(&mut self, n: u64) {
        if self.per_meeting == 0 {
            return;
        }
        let mut scratch = Vec::with_capacity(self.per_meeting);
        for _ in 0..n {
            scratch.clear();
            self.next_into(&mut scratch);
        }
    }

    /// The next meeting's prompts (bank indices), appended to `out`.
    pub fn next_into(&mut self, out: &mut Vec<u16>) {
        let first = out.len();
        while out.len() - first < self.per_meeting {
            if let Some(p) = self.take_one(&out[first..]) {
                out.push(p);
            } else {
                break;
            }
        }
    }

    /// One prompt not already in `taken`: deferred ones first, then the
    /// current cycle, starting a new cycle when this one is used up.
    fn take_one(&mut self, taken: &[u16]) -> Option<u16> {
        if let Some(i) = self.deferred.iter().position(|p| !taken.contains(p)) {
            return Some(self.deferred.remove(i));
        }
        loop {
            if self.pos >= self.order.len() {
                if !self.deferred.is_empty() || self.order.is_empty() {
                    return None;
                }
                self.cycle += 1;
                self.shuffle();
            }
            let p = self.order[self.pos];
            self.pos += 1;
            if taken.contains(&p) {
                // Only possible right after a new cycle began mid-meeting:
                // keep it for the next meeting rather than repeat it here.
                self.deferred.push(p);
            } else {
                return Some(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(n: usize) -> Bank {
        Bank {
            prompts: (0..n)
                .map(|i| Prompt {
                    id: format!("p{i:02}"),
                    text: format!("Prompt {i}?"),
                    tags: vec![format!("t{}", i % 3)],
                })
                .collect(),
        }
    }

    #[test]
    fn built_in_bank_has_the_six_and_is_large_enough() {
        let b = Bank::built_in();
        assert!(b.prompts.len() >= 16);
        for text in [
            "How are things going?",
            "What's giving you energy?",
            "What's draining you?",
            "What have you learned?",
            "Where are you stuck?",
            "How can I help you?",
        ] {
            assert!(b.prompts.iter().any(|p| p.text == text), "{text}");
        }
        assert!(b.prompts.iter().all(|p| !p.tags.is_empty()));
        let mut ids: Vec<_> = b.prompts.iter().map(|p| &p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), b.prompts.len());
    }

    #[test]
    fn skip_tags_remove_prompts() {
        let b = bank(9);
        let e = b.eligible(&["t0".to_string()]);
        assert_eq!(e.len(), 6);
        assert!(e
            .iter()
            .all(|&i| !b.prompts[usize::from(i)].tags.contains(&"t0".into())));
    }

    #[test]
    fn same_pair_same_prompts_different_pair_different_order() {
        let b = bank(10);
        let e = b.eligible(&[]);
        let run = |key| {
            let mut r = Rotation::new(&e, 2, key);
            let mut v = Vec::new();
            for _ in 0..10 {
                r.next_into(&mut v);
            }
            v
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn skip_equals_walking() {
        let b = bank(7);
        let e = b.eligible(&[]);
        let mut walked = Rotation::new(&e, 3, 9);
        let mut v = Vec::new();
        for _ in 0..20 {
            v.clear();
            walked.next_into(&mut v);
        }
        let mut skipped = Rotation::new(&e, 3, 9);
        skipped.skip(19);
        let mut w = Vec::new();
        skipped.next_into(&mut w);
        assert_eq!(v, w);
    }

    #[test]
    fn fewer_eligible_than_asked_gives_all_of_them() {
        let b = bank(2);
        let e = b.eligible(&[]);
        let mut r = Rotation::new(&e, 5, 1);
        let mut v = Vec::new();
        r.next_into(&mut v);
        v.sort();
        assert_eq!(v, vec![0, 1]);
    }

    #[test]
    fn nothing_eligible_gives_nothing() {
        let mut r = Rotation::new(&[], 2, 1);
        let mut v = Vec::new();
        r.next_into(&mut v);
        assert!(v.is_empty());
    }
}

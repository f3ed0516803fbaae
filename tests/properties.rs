//! Property tests: prompt rotation over random banks and skip sets, and
//! schedule invariants over random pairs, zones and windows.

use jiff::civil::{date, Date};
use proptest::prelude::*;
use touchbase::core::plan::pair_meetings;
use touchbase::core::prompts::{Bank, Prompt, Rotation};
use touchbase::core::roster;
use touchbase::core::schedule::{slots, Clock, Window};
use touchbase::core::source::SourceText;

fn bank(n: usize, tags: &[u8]) -> Bank {
    Bank {
        prompts: (0..n)
            .map(|i| Prompt {
                id: format!("id-{i:03}"),
                text: format!("Question {i}?"),
                tags: vec![format!("tag{}", tags.get(i).copied().unwrap_or(0) % 4)],
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every cycle of n consecutive prompts is a permutation of the eligible
    /// set: nothing repeats until everything was used; no meeting holds a
    /// prompt twice; no skipped tag ever shows.
    #[test]
    fn rotation_invariants(
        n in 1usize..30,
        tags in proptest::collection::vec(any::<u8>(), 30),
        skip in proptest::collection::btree_set(0u8..4, 0..3),
        per in 1usize..8,
        key in any::<u64>(),
        meetings in 1usize..60,
    ) {
        let b = bank(n, &tags);
        let skip: Vec<String> = skip.iter().map(|t| format!("tag{t}")).collect();
        let eligible = b.eligible(&skip);
        let mut r = Rotation::new(&eligible, per, key);
        let mut flat = Vec::new();
        for _ in 0..meetings {
            let mut m = Vec::new();
            r.next_into(&mut m);
            prop_assert_eq!(m.len(), per.min(eligible.len()));
            let mut sorted = m.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), m.len(), "a prompt twice in one meeting");
            for &p in &m {
                let prompt = &b.prompts[usize::from(p)];
                prop_assert!(!prompt.tags.iter().any(|t| skip.contains(t)), "skipped tag used");
            }
            flat.extend(m);
        }
        if !eligible.is_empty() {
            let mut all = eligible.clone();
            all.sort_unstable();
            for chunk in flat.chunks(eligible.len()) {
                let mut c = chunk.to_vec();
                c.sort_unstable();
                let len = c.len();
                c.dedup();
                prop_assert_eq!(c.len(), len, "a prompt repeated before all were used");
                if len == eligible.len() {
                    prop_assert_eq!(&c, &all);
                }
            }
        }
    }

    /// Meeting k's prompts do not depend on where the walk started.
    #[test]
    fn rotation_is_a_function_of_the_meeting(n in 1usize..20, per in 1usize..5, key in any::<u64>(), k in 0u64..80) {
        let b = bank(n, &[]);
        let eligible = b.eligible(&[]);
        let mut walked = Rotation::new(&eligible, per, key);
        let mut last = Vec::new();
        for _ in 0..=k {
            last.clear();
            walked.next_into(&mut last);
        }
        let mut jumped = Rotation::new(&eligible, per, key);
        jumped.skip(k);
        let mut m = Vec::new();
        jumped.next_into(&mut m);
        prop_assert_eq!(m, last);
    }
}

const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
];

const CADENCES: &[&str] = &[
    "weekly",
    "biweekly",
    "monthly",
    "every 3 weeks",
    "every 12 weeks",
];

fn arb_date() -> impl Strategy<Value = Date> {
    (2024i16..2031, 1i8..13, 1i8..29).prop_map(|(y, m, d)| date(y, m, d))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Slots are sorted and distinct, inside the window, never before
    /// `start` or the pause, and at the wall-clock time asked for except on
    /// days where DST removes that time (then later, by the gap).
    #[test]
    fn schedule_invariants(
        zone in 0usize..ZONES.len(),
        cadence in 0usize..CADENCES.len(),
        start in arb_date(),
        from in arb_date(),
        weeks in 1u32..60,
        hour in 0u8..24,
        minute in prop::sample::select(vec![0u8, 15, 30, 45]),
        pause in proptest::option::of(arb_date()),
    ) {
        let pause_line = pause.map(|d| format!("paused_until = \"{d}\"\n")).unwrap_or_default();
        let text = format!(
            "[[managers]]\nemail = \"m@example.com\"\n[[managers.reports]]\nemail = \"r@example.com\"\n\
             start = \"{start}\"\ntime = \"{hour:02}:{minute:02}\"\ncadence = \"{}\"\ntimezone = \"{}\"\n{pause_line}",
            CADENCES[cadence], ZONES[zone]
        );
        let roster = roster::parse(&SourceText::new("p.toml", text)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let pair = &roster.pairs[0];
        let window = Window::weeks(from, weeks);
        let s: Vec<_> = slots(pair, window).collect();
        for w in s.windows(2) {
            prop_assert!(w[0].start < w[1].start, "not sorted or duplicated");
            prop_assert!(w[0].date < w[1].date);
            prop_assert!(w[0].occurrence < w[1].occurrence);
        }
        for x in &s {
            prop_assert!(window.contains(x.date));
            prop_assert!(x.date >= start, "before start");
            if let Some(p) = pause {
                prop_assert!(x.date >= p, "inside the pause");
            }
            prop_assert_eq!(x.date.weekday(), start.weekday());
            let z = x.start.to_zoned(pair.tz.clone());
            match x.clock {
                Clock::Normal | Clock::Fold => prop_assert_eq!(z.datetime(), x.local),
                Clock::Gap => prop_assert!(z.datetime() > x.local, "a gap time moves forward"),
            }
            prop_assert_eq!(x.end.duration_since(x.start).as_secs(), 30 * 60);
        }
        // Meeting numbers are consecutive and the same whatever the window.
        let meetings = pair_meetings(pair, window);
        for w in meetings.windows(2) {
            prop_assert_eq!(w[0].number + 1, w[1].number);
        }
        if let Some(m) = meetings.get(1) {
            let later = pair_meetings(pair, Window::weeks(m.local.date(), 1));
            prop_assert_eq!(&later[0].prompts, &m.prompts);
            prop_assert_eq!(later[0].number, m.number);
        }
    }
}

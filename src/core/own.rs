//! A report's own choices, made privately on their page (`/me/<secret>`):
//! a pause, an opt-out, the prompt tags they skip.
//!
//! The roster stays the input; these choices are merged into the validated
//! roster at one point ([`apply`]), which every command and the daemon go
//! through, and they win over what the roster says: whoever edits the
//! roster cannot undo them. [`apply`] is reversible: it first puts back
//! what the roster said for every pair it changed before, so applying a
//! new set of choices (one was withdrawn) to a merged roster gives what
//! applying it to the file's roster would.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use crate::core::roster::Roster;

/// One report's own choice. The default (nothing chosen) is no choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    /// Meetings stop; the series ends with its history kept.
    pub opt_out: bool,
    /// No meetings on dates before this one.
    pub paused_until: Option<Date>,
    /// Prompts with any of these tags are skipped (`None`: the roster's).
    pub skip_tags: Option<Vec<String>>,
    /// The day `skip_tags` was chosen: meetings before it keep the
    /// roster's prompts.
    pub skip_since: Option<Date>,
}

impl Choice {
    /// Whether nothing is chosen.
    pub fn is_empty(&self) -> bool {
        !self.opt_out && self.paused_until.is_none() && self.skip_tags.is_none()
    }
}

/// What a report asks for on their page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// No meetings before this date.
    Pause(Date),
    /// No meetings at all.
    OptOut,
    /// Back to what the roster says about meetings (their own pause or
    /// opt-out withdrawn).
    Resume,
    /// Skip prompts with these tags from the meetings dated on or after
    /// the given day (the day of the choice) on.
    SkipTags(Vec<String>, Date),
}

impl Choice {
    /// This choice after `action`: a pause replaces an opt-out and the
    /// other way round; the skipped tags are kept apart from both.
    pub fn after(&self, action: &Action) -> Choice {
        let mut c = self.clone();
        match action {
            Action::Pause(until) => {
                c.opt_out = false;
                c.paused_until = Some(*until);
            }
            Action::OptOut => {
                c.opt_out = true;
                c.paused_until = None;
            }
            Action::Resume => {
                c.opt_out = false;
                c.paused_until = None;
            }
            Action::SkipTags(tags, since) => {
                let mut tags = tags.clone();
                tags.sort();
                tags.dedup();
                c.skip_tags = Some(tags);
                c.skip_since = Some(*since);
            }
        }
        c
    }
}

/// Every report's own choice, by lowercased address.
pub type Choices = BTreeMap<String, Choice>;

/// What the roster said for a pair a choice changed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Base {
    pair: usize,
    opt_out: bool,
    paused_until: Option<Date>,
    skip_tags: Vec<String>,
    eligible: Vec<u16>,
    prompts_before: Option<(Date, Vec<u16>)>,
}

/// The choices merged into a roster, with what they replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The choices merged in.
    choices: Choices,
    base: Vec<Base>,
    /// Reports (lowercased) who opted out themselves: they keep their page
    /// (to opt back in) while their feed and everything else is gone.
    opted_out: BTreeSet<String>,
    /// Reports with a pause of their own still to come or in force.
    pub paused: usize,
    /// Reports who chose the prompt tags they skip.
    pub skipping: usize,
}

impl Applied {
    /// How many reports opted out on their own page.
    pub fn opted_out(&self) -> usize {
        self.opted_out.len()
    }

    /// Whether `report` (any case) opted out on their own page.
    pub fn chose_opt_out(&self, report: &str) -> bool {
        self.opted_out.contains(&report.trim().to_ascii_lowercase())
    }

    /// How many choices are in force.
    pub fn count(&self) -> usize {
        self.base.len()
    }

    /// The choices merged in (all of them, those of people who are no
    /// report of the roster included).
    pub fn choices(&self) -> &Choices {
        &self.choices
    }
}

/// Merges `choices` into `roster`, replacing the choices merged before.
/// A choice for someone who is no report of the roster is ignored (the
/// report left; the choice stays in the ledger should they come back).
pub fn apply(roster: &mut Roster, choices: &Choices) {
    let before = std::mem::take(&mut roster.own);
    for b in before.base {
        if let Some(p) = roster.pairs.get_mut(b.pair) {
            p.opt_out = b.opt_out;
            p.paused_until = b.paused_until;
            p.skip_tags = b.skip_tags;
            p.eligible = b.eligible;
            p.prompts_before = b.prompts_before;
        }
    }
    if choices.is_empty() {
        return;
    }
    let mut applied = Applied {
        choices: choices.clone(),
        ..Applied::default()
    };
    for i in 0..roster.pairs.len() {
        let key = roster.pairs[i].report.key();
        let Some(c) = choices.get(&key).filter(|c| !c.is_empty()) else {
            continue;
        };
        let eligible = c.skip_tags.as_ref().map(|tags| roster.bank.eligible(tags));
        let p = &mut roster.pairs[i];
        applied.base.push(Base {
            pair: i,
            opt_out: p.opt_out,
            paused_until: p.paused_until,
            skip_tags: p.skip_tags.clone(),
            eligible: p.eligible.clone(),
            prompts_before: p.prompts_before.clone(),
        });
        if c.opt_out {
            p.opt_out = true;
            applied.opted_out.insert(key);
        }
        if let Some(until) = c.paused_until {
            // The later of the two: a report's pause never shortens one
            // the roster set.
            p.paused_until = Some(p.paused_until.map_or(until, |r| r.max(until)));
            applied.paused += 1;
        }
        if let (Some(tags), Some(eligible)) = (&c.skip_tags, eligible) {
            p.skip_tags = tags.clone();
            let before = std::mem::replace(&mut p.eligible, eligible);
            p.prompts_before = c.skip_since.map(|day| (day, before));
            applied.skipping += 1;
        }
    }
    roster.own = applied;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::source::SourceText;

    fn roster() -> Roster {
        let text = "[[managers]]\nemail = \"ada@example.com\"\n  [[managers.reports]]\n  email = \"Grace@example.com\"\n  start = \"2027-01-05\"\n  skip_tags = [\"growth\"]\n  [[managers.reports]]\n  email = \"alan@example.com\"\n  start = \"2027-01-05\"\n  paused_until = \"2027-06-01\"\n";
        crate::core::roster::parse(&SourceText::new("roster.toml", text)).expect("valid")
    }

    #[test]
    fn choices_win_and_withdrawing_one_restores_the_roster() {
        let mut r = roster();
        let file = r.clone();
        let mut choices = Choices::new();
        choices.insert(
            "grace@example.com".into(),
            Choice {
                opt_out: true,
                skip_tags: Some(vec![]),
                ..Choice::default()
            },
        );
        choices.insert(
            "alan@example.com".into(),
            Choice {
                paused_until: Some(jiff::civil::date(2027, 3, 1)),
                ..Choice::default()
            },
        );
        apply(&mut r, &choices);
        assert!(r.pairs[0].opt_out);
        assert!(r.own.chose_opt_out("GRACE@example.com"));
        assert_eq!(r.pairs[0].eligible.len(), r.bank.prompts.len());
        // An earlier own pause does not shorten the roster's.
        assert_eq!(r.pairs[1].paused_until, Some(jiff::civil::date(2027, 6, 1)));
        assert_eq!((r.own.opted_out(), r.own.paused, r.own.skipping), (1, 1, 1));

        apply(&mut r, &Choices::new());
        assert_eq!(r.own, Applied::default());
        for (a, b) in r.pairs.iter().zip(&file.pairs) {
            assert_eq!(
                (a.opt_out, a.paused_until, &a.skip_tags, &a.eligible),
                (b.opt_out, b.paused_until, &b.skip_tags, &b.eligible)
            );
        }
    }

    #[test]
    fn actions_replace_each_other_and_keep_the_tags() {
        let d = jiff::civil::date(2027, 3, 1);
        let c = Choice::default().after(&Action::SkipTags(
            vec!["b".into(), "a".into(), "a".into()],
            d,
        ));
        assert_eq!(c.skip_since, Some(d));
        assert_eq!(c.skip_tags, Some(vec!["a".to_string(), "b".to_string()]));
        let c = c.after(&Action::OptOut).after(&Action::Pause(d));
        assert_eq!((c.opt_out, c.paused_until), (false, Some(d)));
        let c = c.after(&Action::OptOut);
        assert_eq!((c.opt_out, c.paused_until), (true, None));
        let c = c.after(&Action::Resume);
        assert!(!c.is_empty() && !c.opt_out && c.paused_until.is_none());
        assert!(Choice::default().after(&Action::Resume).is_empty());
    }

    #[test]
    fn skipped_tags_apply_from_the_day_of_the_choice_and_the_past_keeps_its_prompts() {
        use crate::core::plan::pair_meetings;
        use crate::core::schedule::Window;
        let file = roster();
        let window = Window {
            from: jiff::civil::date(2027, 1, 1),
            until: jiff::civil::date(2027, 6, 1),
        };
        let since = jiff::civil::date(2027, 3, 1);
        let tag = "wellbeing";
        let mut r = file.clone();
        let mut choices = Choices::new();
        choices.insert(
            "grace@example.com".into(),
            Choice::default().after(&Action::SkipTags(vec![tag.into()], since)),
        );
        apply(&mut r, &choices);
        let old = pair_meetings(&file.pairs[0], window);
        let new = pair_meetings(&r.pairs[0], window);
        assert_eq!(old.len(), new.len());
        let mut after = 0;
        for (a, b) in old.iter().zip(&new) {
            assert_eq!((a.occurrence, a.number), (b.occurrence, b.number));
            if b.local.date() < since {
                assert_eq!(a.prompts, b.prompts, "a meeting before the choice changed");
            } else {
                after += 1;
                for &i in &b.prompts {
                    let p = &r.bank.prompts[usize::from(i)];
                    assert!(!p.tags.iter().any(|t| t == tag), "{} on {}", p.id, b.local);
                }
            }
        }
        assert!(after > 0);
    }

    #[test]
    fn a_choice_of_someone_not_in_the_roster_is_ignored() {
        let mut r = roster();
        let mut choices = Choices::new();
        choices.insert(
            "ada@example.com".into(),
            Choice {
                opt_out: true,
                ..Choice::default()
            },
        );
        apply(&mut r, &choices);
        assert_eq!(r.own.count(), 0);
        assert!(r.pairs.iter().all(|p| !p.opt_out));
    }
}

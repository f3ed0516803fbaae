//! Everyone who has a feed, indexed by address: built once per roster, so
//! that serving a feed looks a person up instead of scanning every pair.

use std::collections::HashMap;

use super::UnknownPerson;
use crate::core::roster::{Pair, Roster};

/// Where a person's display name comes from.
#[derive(Debug, Clone, Copy)]
enum NameOf {
    /// `roster.managers[i]`.
    Manager(usize),
    /// The report of `roster.pairs[i]`.
    Report(usize),
}

/// One person with a feed.
#[derive(Debug, Clone)]
struct Entry {
    name: NameOf,
    /// Indices into `roster.pairs`, in roster order.
    pairs: Vec<usize>,
}

/// The managers and the active reports of a roster, by lowercased address,
/// with the pairs each one's feed holds. It holds indices, not references,
/// so it can live beside the roster it was built from.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    people: HashMap<String, Entry>,
}

impl Directory {
    /// Indexes the managers and the active pairs of `roster`: a manager's
    /// feed holds all their active pairs, a report's their own; opted-out
    /// reports have none.
    pub fn new(roster: &Roster) -> Self {
        let mut people: HashMap<String, Entry> = HashMap::new();
        for (i, m) in roster.managers.iter().enumerate() {
            people.insert(
                m.person.key(),
                Entry {
                    name: NameOf::Manager(i),
                    pairs: Vec::new(),
                },
            );
        }
        for (i, p) in roster.pairs.iter().enumerate() {
            if !p.is_active() {
                continue;
            }
            if let Some(e) = people.get_mut(&p.manager.key()) {
                e.pairs.push(i);
            }
            let e = people.entry(p.report.key()).or_insert(Entry {
                name: NameOf::Report(i),
                pairs: Vec::new(),
            });
            // Someone who reports to themselves is caught by validation;
            // this keeps a pair from appearing twice regardless.
            if e.pairs.last() != Some(&i) {
                e.pairs.push(i);
            }
        }
        Directory { people }
    }

    /// The addresses that have a feed, lowercased, in no particular order.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.people.keys().map(String::as_str)
    }

    /// The display name and the pairs of `email` in `roster` (the roster
    /// this directory was built from). An opted-out report gets the same
    /// error as a stranger.
    pub fn lookup<'r>(
        &self,
        roster: &'r Roster,
        email: &str,
    ) -> Result<(&'r str, Vec<&'r Pair>), UnknownPerson> {
        let unknown = || UnknownPerson(email.trim().to_string());
        let entry = self
            .people
            .get(&email.trim().to_ascii_lowercase())
            .ok_or_else(unknown)?;
        let name = match entry.name {
            NameOf::Manager(i) => roster.managers.get(i).map(|m| m.person.name.as_str()),
            NameOf::Report(i) => roster.pairs.get(i).map(|p| p.report.name.as_str()),
        }
        .ok_or_else(unknown)?;
        let pairs = entry
            .pairs
            .iter()
            .filter_map(|&i| roster.pairs.get(i))
            .collect();
        Ok((name, pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::feed::person_pairs;
    use crate::core::source::SourceText;

    const ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"
name = "Ada"
  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace"
  start = "2027-01-05"
  [[managers.reports]]
  email = "frances@example.com"
  name = "Frances"
  start = "2027-01-05"
  opt_out = true
  [[managers.reports]]
  email = "Edsger@Example.com"
  name = "Edsger"
  start = "2027-01-06"

[[managers]]
email = "edsger@example.com"
name = "Edsger as manager"
  [[managers.reports]]
  email = "barbara@example.com"
  name = "Barbara"
  start = "2027-01-07"
"#;

    #[test]
    fn lookup_agrees_with_a_scan_of_the_roster_for_everyone() {
        let roster =
            crate::core::roster::parse(&SourceText::new("r.toml", ROSTER)).expect("valid roster");
        let dir = Directory::new(&roster);
        let mut emails: Vec<&str> = dir.emails().collect();
        emails.sort_unstable();
        assert_eq!(
            emails,
            [
                "ada@example.com",
                "barbara@example.com",
                "edsger@example.com",
                "grace@example.com"
            ]
        );
        for email in emails
            .iter()
            .chain(&["EDSGER@example.com ", "frances@example.com", "x@y.z"])
        {
            let indexed = dir
                .lookup(&roster, email)
                .map(|(n, p)| (n, p.iter().map(|p| p.uid.clone()).collect::<Vec<_>>()));
            let scanned = person_pairs(&roster, email)
                .map(|(n, p)| (n, p.iter().map(|p| p.uid.clone()).collect::<Vec<_>>()));
            assert_eq!(indexed, scanned, "{email}");
        }
        let (name, pairs) = dir.lookup(&roster, "edsger@example.com").expect("known");
        assert_eq!(name, "Edsger as manager");
        assert_eq!(pairs.len(), 2, "own 1:1 with Ada and the one with Barbara");
        assert!(dir.lookup(&roster, "frances@example.com").is_err());
    }
}

//! Roster tests: which of a roster's pairs an edited roster would cancel,
//! as a table of edits.

use super::*;

/// Three active pairs under two managers, and Dan, who opted out.
const TEAM: &str = r#"
[defaults]
cadence = "weekly"
time = "09:30"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-06"

[[managers]]
email = "bob@example.com"

  [[managers.reports]]
  email = "carol@example.com"
  start = "2027-01-07"

  [[managers.reports]]
  email = "dan@example.com"
  start = "2027-01-08"
  opt_out = true
"#;

// Entries of TEAM for the edits to find, and Eve's, to add.
const GRACE: &str = "  email = \"grace@example.com\"\n  start = \"2027-01-05\"\n";
const ALAN: &str =
    "\n  [[managers.reports]]\n  email = \"alan@example.com\"\n  start = \"2027-01-06\"\n";
const CAROL: &str =
    "\n  [[managers.reports]]\n  email = \"carol@example.com\"\n  start = \"2027-01-07\"\n";
const EVE: &str =
    "\n  [[managers.reports]]\n  email = \"eve@example.com\"\n  start = \"2027-01-05\"\n";
const BOB: &str = "[[managers]]\nemail = \"bob@example.com\"\n";
const DAN: &str = "\n  [[managers.reports]]\n  email = \"dan@example.com\"\n  \
                   start = \"2027-01-08\"\n  opt_out = true\n";

fn roster(text: &str) -> Roster {
    parse(&SourceText::new("r.toml", text)).expect("valid roster")
}

/// Text replacements, `(from, to)`, each applied once.
type Edits<'a> = Vec<(&'a str, &'a str)>;

/// TEAM with each `(from, to)` replaced once.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = TEAM.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "edit does not apply: {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

#[test]
fn would_cancel_counts_the_active_pairs_an_edit_stops() {
    let grace_opts_out = format!("{GRACE}  opt_out = true\n");
    let grace_moves = format!("{GRACE}  time = \"11:00\"\n  cadence = \"monthly\"\n");
    let carol_under_ada = format!("{ALAN}{CAROL}");
    let eve_joins_bob = format!("{CAROL}{EVE}");
    // (what changes, the edits, how many of TEAM's pairs it cancels)
    let cases: &[(&str, Edits, usize)] = &[
        ("no change", vec![], 0),
        ("Grace opts out", vec![(GRACE, &grace_opts_out)], 1),
        ("Alan is removed", vec![(ALAN, "")], 1),
        (
            "Carol moves from Bob to Ada",
            vec![(CAROL, ""), (ALAN, &carol_under_ada)],
            1,
        ),
        (
            "Ada's address changes: both her pairs are new ones",
            vec![("ada@example.com", "ada.lovelace@example.com")],
            2,
        ),
        (
            "Grace's time and cadence change: the pair stays",
            vec![(GRACE, &grace_moves)],
            0,
        ),
        (
            "an address changes case only",
            vec![("grace@example.com", "Grace@Example.COM")],
            0,
        ),
        (
            "Dan, who had opted out, opts back in",
            vec![("  opt_out = true\n", "")],
            0,
        ),
        ("Eve joins Bob", vec![(CAROL, &eve_joins_bob)], 0),
        (
            "Bob leaves with Carol and Dan",
            vec![(BOB, ""), (CAROL, ""), (DAN, "")],
            1,
        ),
    ];
    let old = roster(TEAM);
    for (name, edits, cancelled) in cases {
        let new = roster(&edited(edits));
        // TEAM has three active pairs, whatever the edit.
        assert_eq!(would_cancel(&old, &new), (*cancelled, 3), "{name}");
    }
}

#[test]
fn would_cancel_of_everyone_and_of_no_one() {
    let team = roster(TEAM);
    let empty = roster("");
    assert_eq!(would_cancel(&team, &empty), (3, 3));
    assert_eq!(would_cancel(&empty, &team), (0, 0));
    assert_eq!(would_cancel(&empty, &empty), (0, 0));
}

//! One message that cannot be built fails alone: a roster forced past
//! validation (a manager's name with CR LF, which lettre cannot put in a
//! `To` header) against a real ledger and the file transport.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::*;
use crate::core::roster::{self, Person};
use crate::core::source::SourceText;
use crate::shell::config;

const ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-06"

[[managers]]
email = "edsger@example.com"
name = "Edsger Dijkstra"

  [[managers.reports]]
  email = "barbara@example.com"
  start = "2027-01-07"
"#;

fn setup(dir: &std::path::Path) -> (Config, Roster) {
    let text = format!(
        "state_dir = \"{}\"\n[mail]\ntransport = \"file\"\ndir = \"{}\"\n",
        dir.join("state").display(),
        dir.join("outbox").display()
    );
    let config = config::parse(
        &SourceText::new(dir.join("touchbase.toml"), text),
        &Default::default(),
    )
    .expect("config");
    let mut roster = roster::parse(&SourceText::new("roster.toml", ROSTER)).expect("roster");
    // What validation now refuses, forced in: the second manager's name.
    let evil = Arc::new(Person {
        email: "edsger@example.com".into(),
        name: "Edsger\r\nBcc: mallory@example.com".into(),
    });
    roster.managers[1].person = evil.clone();
    for p in roster.pairs.iter_mut().filter(|p| p.manager_index == 1) {
        p.manager = evil.clone();
    }
    (config, roster)
}

#[test]
fn a_message_that_cannot_be_built_fails_its_pair_and_the_others_go_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, roster) = setup(dir.path());
    let mut ledger = Ledger::open(&config.state_dir).expect("ledger");
    // In the past, so that the drain (on the real clock) finds it due.
    let now: Timestamp = "2025-01-01T08:00:00Z".parse().expect("now");

    let r = reconcile(&config, &roster, &mut ledger, now).expect("the reconcile goes on");
    assert_eq!(r.queued, 2, "ada's two pairs");
    assert_eq!(r.unbuilt.len(), 1, "{:?}", r.unbuilt);
    let u = &r.unbuilt[0];
    let line = ROSTER
        .lines()
        .position(|l| l.contains("barbara@"))
        .expect("line")
        + 1;
    assert!(
        u.position.starts_with(&format!("roster.toml:{line}:")),
        "{}",
        u.position
    );
    assert!(
        u.position.contains("managers[1].reports[0]"),
        "{}",
        u.position
    );
    assert!(!u.position.contains('@'), "no address: {}", u.position);
    assert!(u.reason.contains("control character"), "{}", u.reason);

    let sender = Sender::new(&config.mail.transport).expect("sender");
    let d = drain(&config, &mut ledger, &sender, &AtomicBool::new(false)).expect("drain");
    assert_eq!((d.sent, d.failed), (2, 0));
    let files: Vec<String> = std::fs::read_dir(dir.path().join("outbox"))
        .expect("outbox")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect();
    assert_eq!(files.len(), 2);
    assert!(files
        .iter()
        .all(|m| m.contains("To: \"Ada Lovelace\" <ada@example.com>")));
    assert!(files.iter().all(|m| !m.contains("mallory")));

    // Recorded as failed, with the reason, for `touchbase status`.
    let s = ledger.status(10).expect("status");
    assert_eq!((s.sent, s.queued, s.failures.len()), (2, 0, 1));
    assert_eq!(s.failures[0].1, "edsger@example.com");
    assert!(
        s.failures[0].3.contains("control character"),
        "{:?}",
        s.failures
    );

    // Not tried again, and nothing else is new.
    let again = reconcile(&config, &roster, &mut ledger, now).expect("again");
    assert_eq!((again.queued, again.unbuilt.len()), (0, 0));
}

//! Placement (`time = "auto"`) through the real binary: `check` shows the
//! placed slots and each manager's load per weekday, fails naming the pair
//! and the reason when there is no slot, `preview` uses the placed times,
//! and a slot sent by `run --once` (a real SQLite ledger) stays put when a
//! report joins.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::setup;

const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

const CONFIG: &str = r#"roster = "roster.toml"
state_dir = "state"

[mail]
from = "Touchbase <touchbase@example.org>"
transport = "file"
dir = "outbox"
"#;

const TEAM: &str = r#"[defaults]
time = "auto"
cadence = "weekly"
timezone = "Europe/London"

[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-04"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-04"

  [[managers.reports]]
  email = "hidden@example.com"
  start = "2027-01-04"
  opt_out = true

  [[managers.reports]]
  email = "edsger@example.com"
  start = "2027-01-04"
  time = "09:00"
"#;

fn run(dir: &tempfile::TempDir, args: &[&str]) -> Output {
    let config: PathBuf = dir.path().join(setup::CONFIG_FILE);
    Command::new(BIN)
        .args(args)
        .arg("--config")
        .arg(config)
        .current_dir(dir.path())
        .env_remove("TOUCHBASE_CONFIG")
        .output()
        .expect("run touchbase")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

#[test]
fn check_shows_placed_slots_and_each_manager_s_load_per_weekday() {
    let dir = setup::temp_folder(CONFIG, "roster.toml", TEAM);
    let out = stdout(&run(&dir, &["check"]));
    // Edsger's fixed Monday 09:00 is a fact: Grace gets Tuesday, Alan
    // Wednesday, the least-loaded days.
    assert!(out.contains("placed (time = \"auto\"):\n  ada@example.com with grace@example.com: Tuesday 09:00 Europe/London, weekly, from 2027-01-05\n  ada@example.com with alan@example.com: Wednesday 09:00 Europe/London, weekly, from 2027-01-06\n"), "{out}");
    assert!(
        out.contains(
            "Ada Lovelace <ada@example.com>       Mon 1  Tue 1  Wed 1  Thu 0  Fri 0  Sat 0  Sun 0"
        ),
        "{out}"
    );
    assert!(!out.contains("hidden"), "{out}");
    assert!(out.contains("ok: 0 warnings"), "{out}");
}

#[test]
fn no_slot_fails_check_naming_the_pair_and_why() {
    let roster = TEAM.replace(
        "  email = \"alan@example.com\"\n",
        "  email = \"alan@example.com\"\n  timezone = \"Australia/Sydney\"\n",
    );
    let dir = setup::temp_folder(CONFIG, "roster.toml", &roster);
    let out = run(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("roster.toml:15:11: key `managers[0].reports[1].time`: found `time = \"auto\"` for ada@example.com with alan@example.com, and no slot: the manager's and the report's working hours (`hours`, each in their own zone) never overlap for a whole meeting"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert!(!dir.path().join("state").exists(), "check wrote state");
}

#[test]
fn preview_uses_the_placed_times() {
    let dir = setup::temp_folder(CONFIG, "roster.toml", TEAM);
    let out = stdout(&run(
        &dir,
        &["preview", "--from", "2027-01-04", "--weeks", "1", "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let starts: Vec<(String, String)> = v
        .as_array()
        .expect("array")
        .iter()
        .map(|m| {
            (
                m["report"].as_str().unwrap_or_default().to_string(),
                m["start"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        starts,
        [
            (
                "edsger@example.com".into(),
                "2027-01-04T09:00:00+00:00".into()
            ),
            (
                "grace@example.com".into(),
                "2027-01-05T09:00:00+00:00".into()
            ),
            (
                "alan@example.com".into(),
                "2027-01-06T09:00:00+00:00".into()
            ),
        ]
    );
}

#[test]
fn a_sent_slot_stays_when_a_report_joins_ahead_of_it() {
    let dir = setup::temp_folder(CONFIG, "roster.toml", TEAM);
    stdout(&run(&dir, &["run", "--once"]));
    assert!(dir.path().join("state/ledger.sqlite3").exists());
    // A new report listed first, with a fixed time on Grace's slot's day
    // but not on it, and an auto one: neither moves Grace or Alan.
    let joined = TEAM.replace(
        "  [[managers.reports]]\n  email = \"grace@example.com\"",
        "  [[managers.reports]]\n  email = \"barbara@example.com\"\n  start = \"2027-01-04\"\n\n  [[managers.reports]]\n  email = \"grace@example.com\"",
    );
    std::fs::write(dir.path().join("roster.toml"), &joined).expect("write roster");
    let out = stdout(&run(&dir, &["check"]));
    assert!(out.contains("ada@example.com with grace@example.com: Tuesday 09:00 Europe/London, weekly, from 2027-01-05\n"), "{out}");
    assert!(out.contains("ada@example.com with alan@example.com: Wednesday 09:00 Europe/London, weekly, from 2027-01-06\n"), "{out}");
    assert!(out.contains("ada@example.com with barbara@example.com: Thursday 09:00 Europe/London, weekly, from 2027-01-07\n"), "{out}");
    // On a blank ledger the newcomer, listed first, would have had Tuesday.
    std::fs::remove_dir_all(dir.path().join("state")).expect("remove state");
    let out = stdout(&run(&dir, &["check"]));
    assert!(
        out.contains("ada@example.com with barbara@example.com: Tuesday 09:00"),
        "{out}"
    );
}

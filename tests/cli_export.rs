//! `touchbase export` against `touchbase preview --json`, both run as the
//! real binary on a roster in a temporary folder: every person's exported
//! feed, parsed and expanded by independent crates, shows exactly the
//! meetings, times, UIDs and prompts that preview prints.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{assert_well_formed, expand, rosters};
use serde_json::Value;
use touchbase::core::events;

fn setup(roster: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.toml"), roster).unwrap();
    std::fs::write(
        dir.path().join("touchbase.toml"),
        "roster = \"roster.toml\"\nstate_dir = \"state\"\n\n[mail]\n\
         from = \"Touchbase <touchbase@example.com>\"\ntransport = \"file\"\ndir = \"outbox\"\n",
    )
    .unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchbase"))
        .arg("--config")
        .arg(dir.join("touchbase.toml"))
        .args(args)
        .env_remove("TOUCHBASE_CONFIG")
        .output()
        .unwrap()
}

fn seconds(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .as_second()
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .to_string()
}

#[test]
fn export_expands_to_exactly_what_preview_shows() {
    for roster in [rosters::DST, rosters::ESCAPES] {
        let dir = setup(roster);
        let window = ["--from", rosters::FROM, "--weeks", "53"];
        let out = run(
            dir.path(),
            &[&["preview", "--json"][..], &window[..]].concat(),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let preview: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!preview.is_empty());

        let mut people: Vec<String> = preview
            .iter()
            .flat_map(|m| [text(m, "manager"), text(m, "report")])
            .collect();
        people.sort();
        people.dedup();
        let from = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let until = from + chrono::Duration::weeks(53);
        let bound = until.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() + 2 * 86_400;
        let mut compared = 0;
        for person in &people {
            let out = run(
                dir.path(),
                &[&["export", "--person", person.as_str()][..], &window[..]].concat(),
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let doc = String::from_utf8(out.stdout).unwrap();
            assert_well_formed(&doc);
            let got: Vec<_> = expand(&doc, bound)
                .into_iter()
                .filter(|s| s.in_window(from, until))
                .map(|s| (s.start, s.end, s.uid, s.description))
                .collect();
            let mut want: Vec<_> = preview
                .iter()
                .filter(|m| &text(m, "manager") == person || &text(m, "report") == person)
                .map(|m| {
                    let prompts: Vec<&str> = m["prompts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap())
                        .collect();
                    (
                        seconds(&text(m, "start")),
                        seconds(&text(m, "end")),
                        text(m, "uid"),
                        events::description(prompts),
                    )
                })
                .collect();
            want.sort();
            assert_eq!(got, want, "{person}");
            compared += want.len();
        }
        assert!(compared > 40, "{compared}");
    }
}

#[test]
fn opted_out_and_unknown_people_get_the_same_error() {
    let dir = setup(rosters::DST);
    let opted = run(dir.path(), &["export", "--person", "frances@example.com"]);
    let stranger = run(dir.path(), &["export", "--person", "nobody@example.com"]);
    assert!(!opted.status.success());
    assert!(!stranger.status.success());
    assert!(opted.stdout.is_empty() && stranger.stdout.is_empty());
    let opted = String::from_utf8_lossy(&opted.stderr).to_string();
    let stranger = String::from_utf8_lossy(&stranger.stderr).to_string();
    // Hints follow the spelling; they never name an opted-out report.
    assert!(!opted.contains("frances@example.com`"), "{opted}");
    let message = |s: &str, who: &str| {
        s.replace(who, "X")
            .split(" (did you mean")
            .next()
            .map(str::to_string)
    };
    assert_eq!(message(&opted, "frances"), message(&stranger, "nobody"));
    assert!(opted.contains("--person"), "{opted}");
    assert!(!opted.contains("opt"), "{opted}");
}

#[test]
fn export_window_defaults_and_flags() {
    let dir = setup(rosters::DST);
    // Without --from and --weeks: today and horizon_weeks; still a document.
    let out = run(dir.path(), &["export", "--person", "ada@example.com"]);
    assert!(out.status.success());
    assert_well_formed(&String::from_utf8(out.stdout).unwrap());
    let bad = run(
        dir.path(),
        &[
            "export",
            "--person",
            "ada@example.com",
            "--from",
            "2027-13-01",
        ],
    );
    assert!(!bad.status.success());
}

//! Byte-exact golden documents. `UPDATE_GOLDEN=1 cargo test --test golden`
//! rewrites them; review the diff before committing.

mod common;

use common::{assert_well_formed, rosters};
use jiff::Timestamp;
use touchbase::core::events::Organizer;
use touchbase::core::feed;
use touchbase::core::roster;
use touchbase::core::schedule::Window;
use touchbase::core::series::History;
use touchbase::core::source::SourceText;

fn golden(name: &str, roster_text: &str, person: &str, from: &str, weeks: u32) {
    let roster = roster::parse(&SourceText::new("roster.toml", roster_text)).unwrap();
    let now: Timestamp = "2027-02-20T12:34:56Z".parse().unwrap();
    let window = Window::weeks(from.parse().unwrap(), weeks);
    let org = Organizer {
        name: Some("Touchbase, the 1:1 keeper"),
        email: "touchbase@example.com",
    };
    let doc = feed::render(&roster, &History::new(), person, window, org, now).unwrap();
    assert_well_formed(&doc);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(doc, want, "{} differs", path.display());
}

#[test]
fn escaping_and_folding() {
    golden(
        "escapes-manager.ics",
        rosters::ESCAPES,
        "zoe@example.com",
        "2027-03-01",
        2,
    );
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/escapes-manager.ics"),
    )
    .unwrap();
    // The golden file itself holds the cases it is meant to pin down.
    for needle in ["\\;", "\\,", "\\\\", "\\n", "é", "何", "🎉", "CN=\"Zoë"] {
        assert!(doc.contains(needle), "golden lacks {needle}");
    }
    assert!(doc.contains("\r\n "), "golden has no folded line");
}

#[test]
fn dst_gap_report_feed() {
    golden(
        "dst-gap-report.ics",
        rosters::DST,
        "grace@example.com",
        "2027-03-07",
        2,
    );
}

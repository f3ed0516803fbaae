//! Check tests: the fairness report, opted-out and paused reports only
//! counted, prompt warnings, and daylight-saving traps inside the horizon.

use jiff::civil::date;

use super::*;
use crate::core::roster;
use crate::core::source::SourceText;

fn roster(text: &str) -> Roster {
    roster::parse(&SourceText::new("r.toml", text)).expect("valid roster")
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .expect("needle in text")
}

const FAIRNESS: &str = r#"
[defaults]
duration_minutes = 30

[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"
  cadence = "weekly"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-05"
  cadence = "monthly"

  [[managers.reports]]
  email = "edith@example.com"
  start = "2027-01-05"
  cadence = "biweekly"

[[managers]]
email = "bob@example.com"

  [[managers.reports]]
  email = "carol@example.com"
  start = "2027-01-05"
  cadence = "monthly"
"#;

fn unfair(report: &Report) -> Vec<&str> {
    report
        .warnings
        .iter()
        .filter(|w| w.message.contains("less than half"))
        .map(|w| w.message.as_str())
        .collect()
}

#[test]
fn fairness_lists_each_managers_reports_with_their_monthly_time() {
    let r = roster(FAIRNESS);
    let report = check(&r, date(2027, 1, 1), 12);
    let managers: Vec<&str> = report.fairness.iter().map(|f| f.manager.as_str()).collect();
    // A manager without a name is shown by address.
    assert_eq!(
        managers,
        [
            "Ada Lovelace <ada@example.com>",
            "bob@example.com <bob@example.com>"
        ]
    );
    let ada: Vec<(&str, &str)> = report.fairness[0]
        .shares
        .iter()
        .map(|s| (s.report.as_str(), s.how.as_str()))
        .collect();
    assert_eq!(
        ada,
        [
            ("grace@example.com", "weekly, 30 min"),
            ("alan@example.com", "monthly, 30 min"),
            ("edith@example.com", "biweekly, 30 min"),
        ]
    );
    let minutes: Vec<f64> = report.fairness[0]
        .shares
        .iter()
        .map(|s| s.minutes_per_month)
        .collect();
    let weeks_a_month = 365.2425 / 7.0 / 12.0;
    assert!(
        (minutes[0] - 30.0 * weeks_a_month).abs() < 1e-9,
        "{minutes:?}"
    );
    assert!((minutes[1] - 30.0).abs() < 1e-9, "{minutes:?}");
    assert!(
        (minutes[2] - 15.0 * weeks_a_month).abs() < 1e-9,
        "{minutes:?}"
    );
}

#[test]
fn a_report_with_less_than_half_of_anothers_time_is_warned_about() {
    let r = roster(FAIRNESS);
    let report = check(&r, date(2027, 1, 1), 12);
    // Alan (monthly) gets less than half of Grace's weekly time; Edith
    // (biweekly) gets exactly half, which is fair enough; Carol is Bob's
    // only report and is compared with no one else's.
    let unfair = unfair(&report);
    assert_eq!(unfair.len(), 1, "{unfair:?}");
    assert!(
        unfair[0]
            .starts_with("alan@example.com gets 30 min of 1:1 time a month with ada@example.com"),
        "{}",
        unfair[0]
    );
    let most = format!("{:.0} min", 30.0 * 365.2425 / 7.0 / 12.0);
    assert!(unfair[0].ends_with(&format!("the {most} another report gets")));
}

#[test]
fn opted_out_and_paused_reports_are_only_counted() {
    // Alan and Edith would each get a fairness warning, a skip_tags
    // warning and a daylight-saving warning if they were active.
    let text = r#"
[[managers]]
email = "ada@example.com"
timezone = "Europe/London"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-03-02"
  time = "10:00"
  cadence = "weekly"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-03-28"
  time = "01:30"
  cadence = "monthly"
  skip_tags = ["nonsense"]
  opt_out = true

  [[managers.reports]]
  email = "edith@example.com"
  start = "2027-03-28"
  time = "01:30"
  cadence = "monthly"
  skip_tags = ["nonsense"]
  paused_until = "2027-06-01"

  [[managers.reports]]
  email = "frank@example.com"
  start = "2027-03-03"
  time = "10:00"
  cadence = "weekly"
  paused_until = "2027-02-01"
"#;
    let r = roster(text);
    let report = check(&r, date(2027, 3, 1), 52);
    assert_eq!(report.managers, 1);
    // Frank's pause is over: he counts as active.
    assert_eq!((report.active, report.paused, report.opted_out), (2, 1, 1));
    let shares: Vec<&str> = report.fairness[0]
        .shares
        .iter()
        .map(|s| s.report.as_str())
        .collect();
    assert_eq!(shares, ["grace@example.com", "frank@example.com"]);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    // The same two reports, active, are warned about.
    let active = text
        .replace("  opt_out = true\n", "")
        .replace("  paused_until = \"2027-06-01\"\n", "");
    let report = check(&roster(&active), date(2027, 3, 1), 52);
    assert_eq!((report.active, report.paused, report.opted_out), (4, 0, 0));
    for who in ["alan@example.com", "edith@example.com"] {
        let about: Vec<&Warning> = report
            .warnings
            .iter()
            .filter(|w| w.message.contains(who))
            .collect();
        assert!(about.len() >= 2, "{who}: {:?}", report.warnings);
    }
}

#[test]
fn a_pause_still_to_come_counts_as_paused() {
    let alan = "  email = \"alan@example.com\"\n";
    let text = FAIRNESS.replace(alan, &format!("{alan}  paused_until = \"2027-02-01\"\n"));
    assert_ne!(text, FAIRNESS);
    let report = check(&roster(&text), date(2027, 1, 1), 12);
    assert_eq!((report.active, report.paused, report.opted_out), (3, 1, 0));
    // Alan, paused, is no longer compared: no one is warned about.
    assert!(unfair(&report).is_empty(), "{:?}", report.warnings);
}

#[test]
fn prompt_warnings_name_unknown_tags_and_too_few_prompts() {
    let text = r#"
[defaults]
prompts_per_meeting = 2

[[prompts]]
id = "a"
text = "A?"
tags = ["wellbeing"]

[[prompts]]
id = "b"
text = "B?"
tags = ["growth"]

[[prompts]]
id = "c"
text = "C?"

[[managers]]
email = "ada@example.com"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"
  skip_tags = ["wellbeing", "growth", "nonsense"]

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-01-05"
  time = "11:00"
  skip_tags = ["growth"]
"#;
    let report = check(&roster(text), date(2027, 1, 1), 12);
    assert_eq!(report.prompts, 3);
    let origin = format!("r.toml:{}:", line_of(text, "grace@example.com"));
    let messages: Vec<&str> = report
        .warnings
        .iter()
        .map(|w| {
            assert!(w.origin.starts_with(&origin), "{w}");
            w.message.as_str()
        })
        .collect();
    assert_eq!(
        messages,
        [
            "skip_tags names `nonsense`, which no prompt carries",
            "skip_tags of grace@example.com leave 1 prompt, fewer than \
             prompts_per_meeting = 2; each meeting gets 1",
        ]
    );
}

/// Ada in London; Grace meets her on Sundays at 01:30 (inside the hour the
/// clocks skip in March and repeat in October), Alan at 10:00.
const DST: &str = r#"
[[managers]]
email = "ada@example.com"
timezone = "Europe/London"
hours = "Mon-Sun 00:00-24:00"

  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-03-21"
  time = "01:30"
  cadence = "weekly"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-03-21"
  time = "10:00"
  cadence = "weekly"
"#;

#[test]
fn a_meeting_in_the_spring_forward_gap_is_warned_about() {
    let r = roster(DST);
    // 2027-03-28 is the last Sunday of March: 01:30 does not exist.
    let report = check(&r, date(2027, 3, 1), 4);
    let warnings: Vec<String> = report.warnings.iter().map(|w| w.to_string()).collect();
    let line = line_of(DST, "grace@example.com");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!("r.toml:{line}:")),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].ends_with(
            "ada@example.com with grace@example.com on 2027-03-28: 01:30 Europe/London \
             does not exist (daylight saving starts); the meeting moves to 02:30"
        ),
        "{}",
        warnings[0]
    );
    // A horizon that ends before the 28th sees no trap.
    assert!(check(&r, date(2027, 3, 1), 3).warnings.is_empty());
}

#[test]
fn a_meeting_in_the_fall_back_fold_is_warned_about() {
    let r = roster(DST);
    // 2027-10-31 is the last Sunday of October: 01:30 happens twice.
    let report = check(&r, date(2027, 10, 1), 5);
    let messages: Vec<&str> = report.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "ada@example.com with grace@example.com on 2027-10-31: 01:30 Europe/London \
          happens twice (daylight saving ends); the meeting takes the first"
        ]
    );
}

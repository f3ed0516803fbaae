use jiff::Timestamp;

use super::html::escape;
use super::week::{digest_due, monday_of};
use super::*;

fn zone(name: &str) -> Zone {
    Zone::named(name).expect("zone")
}

#[test]
fn html_escapes_every_markup_character() {
    assert_eq!(
        escape("<b>\"Tom\" & 'Jerry'</b>"),
        "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
    );
}

#[test]
fn both_times_names_the_other_zone_only_when_it_differs() {
    let t: Timestamp = "2027-01-06T05:00:00Z".parse().unwrap();
    let london = zone("Europe/London");
    let sydney = zone("Australia/Sydney");
    assert_eq!(
        both_times(t, &london, &london, "Grace"),
        "Wed 6 Jan 05:00 (Europe/London)"
    );
    assert_eq!(
        both_times(t, &london, &sydney, "Margaret"),
        "Wed 6 Jan 05:00 (Europe/London); 16:00 (Australia/Sydney) for Margaret"
    );
    let t: Timestamp = "2027-01-06T20:00:00Z".parse().unwrap();
    assert_eq!(
        both_times(t, &london, &sydney, "Margaret"),
        "Wed 6 Jan 20:00 (Europe/London); Thu 7 Jan 07:00 (Australia/Sydney) for Margaret"
    );
}

#[test]
fn the_week_starts_on_monday_and_the_digest_is_due_at_seven_local() {
    let d: jiff::civil::Date = "2027-03-31".parse().unwrap(); // a Wednesday
    assert_eq!(monday_of(d).to_string(), "2027-03-29");
    assert_eq!(monday_of(monday_of(d)), monday_of(d));
    let roster = crate::core::roster::parse(&crate::core::source::SourceText::new(
        "r.toml",
        "[[managers]]\nemail = \"a@example.com\"\ntimezone = \"Europe/London\"\n",
    ))
    .expect("roster");
    let m = &roster.managers[0];
    let tz = zone("Europe/London").tz;
    // The Monday after the clocks go forward: 07:00 BST is 06:00 UTC.
    let at = digest_due(m, &tz, "2027-03-29".parse().unwrap()).unwrap();
    assert_eq!(at.to_string(), "2027-03-29T06:00:00Z");
    let at = digest_due(m, &tz, "2027-03-22".parse().unwrap()).unwrap();
    assert_eq!(at.to_string(), "2027-03-22T07:00:00Z");
}

#[test]
fn the_digest_is_due_on_the_first_day_of_the_managers_hours() {
    let roster = crate::core::roster::parse(&crate::core::source::SourceText::new(
        "r.toml",
        "[[managers]]\nemail = \"a@example.com\"\ntimezone = \"Europe/London\"\nhours = \"Tue-Fri 08:00-16:00, Sun 10:00-12:00\"\n\n[[managers]]\nemail = \"b@example.com\"\ntimezone = \"Europe/London\"\n",
    ))
    .expect("roster");
    let tz = zone("Europe/London").tz;
    let monday = "2027-01-04".parse().unwrap();
    // Tuesday comes before Sunday in a week that starts on Monday.
    let at = digest_due(&roster.managers[0], &tz, monday).unwrap();
    assert_eq!(at.to_string(), "2027-01-05T07:00:00Z");
    let at = digest_due(&roster.managers[1], &tz, monday).unwrap();
    assert_eq!(at.to_string(), "2027-01-04T07:00:00Z");
}

#[test]
fn a_letter_says_the_same_in_both_parts() {
    let l = write(
        "S & <T>".into(),
        &[
            Block::Para("a <b> & c".into()),
            Block::List(vec!["x \"y\"".into()]),
        ],
    );
    assert!(l.text.contains("a <b> & c\n"));
    assert!(l.text.contains("- x \"y\"\n"));
    assert!(l.html.contains("a &lt;b&gt; &amp; c"));
    assert!(l.html.contains("x &quot;y&quot;"));
    assert!(l.html.contains("<title>S &amp; &lt;T&gt;</title>"));
    assert!(l.html.contains("<html lang=\"en\">"));
}

const DIGEST_ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"
name = "Ada"
timezone = "America/New_York"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace"
  start = "2027-03-02"
  time = "10:00"
  cadence = "weekly"
  timezone = "America/New_York"

  [[managers.reports]]
  email = "olive@example.com"
  name = "Olive"
  start = "2027-03-02"
  time = "11:00"
  cadence = "weekly"
  opt_out = true

  [[managers.reports]]
  email = "paula@example.com"
  name = "Paula"
  start = "2027-03-02"
  time = "12:00"
  cadence = "weekly"
  paused_until = "2027-03-20"

[[managers]]
email = "edsger@example.com"
name = "Edsger"
timezone = "Europe/Amsterdam"
"#;

fn digest_roster() -> crate::core::roster::Roster {
    crate::core::roster::parse(&crate::core::source::SourceText::new(
        "roster.toml",
        DIGEST_ROSTER,
    ))
    .expect("roster")
}

#[test]
fn a_digest_is_due_from_seven_local_while_its_week_lasts_and_once() {
    use std::collections::HashSet;

    use crate::core::series::History;

    let roster = digest_roster();
    let due = |now: &str, sent: &HashSet<(String, jiff::civil::Date)>| {
        digest::due(&roster, &History::new(), sent, now.parse().unwrap())
    };
    let none = HashSet::new();
    // Monday 8 March 2027, New York (EST, UTC-5): 07:00 is 12:00 UTC.
    assert!(due("2027-03-08T11:59:59Z", &none).is_empty());
    let d = due("2027-03-08T12:00:00Z", &none);
    assert_eq!(d.len(), 1, "edsger has no report: no digest");
    assert_eq!(d[0].manager, "ada@example.com");
    assert_eq!(d[0].week.to_string(), "2027-03-08");
    let names: Vec<&str> = d[0].entries.iter().map(|e| e.report.as_str()).collect();
    assert_eq!(
        names,
        ["Grace"],
        "the opted-out and the paused never appear"
    );
    // Late in the week, what is still ahead; once sent, nothing.
    assert_eq!(
        due("2027-03-12T12:00:00Z", &none).len(),
        0,
        "Grace's was Tuesday"
    );
    let sent = HashSet::from([("ada@example.com".to_string(), d[0].week)]);
    assert!(due("2027-03-08T13:00:00Z", &sent).is_empty());
    // The week after the clocks change in New York (14 March): 07:00 EDT
    // is 11:00 UTC, and the paused report is back from 20 March.
    let d = due("2027-03-22T11:00:00Z", &none);
    let names: Vec<&str> = d[0].entries.iter().map(|e| e.report.as_str()).collect();
    assert_eq!(names, ["Grace", "Paula"], "time order");
    assert!(due("2027-03-22T10:59:59Z", &none).is_empty());
}

#[test]
fn the_next_digest_time_follows_each_managers_zone() {
    let roster = digest_roster();
    let next = |now: &str| {
        digest::next_due(&roster, now.parse().unwrap())
            .unwrap()
            .to_string()
    };
    // Amsterdam's Monday 07:00 (CET, 06:00 UTC) comes before New York's.
    assert_eq!(next("2027-03-07T12:00:00Z"), "2027-03-08T06:00:00Z");
    assert_eq!(next("2027-03-08T06:00:00Z"), "2027-03-08T12:00:00Z");
    // Amsterdam changes on 28 March: 07:00 CEST is 05:00 UTC.
    assert_eq!(next("2027-03-27T00:00:00Z"), "2027-03-29T05:00:00Z");
}

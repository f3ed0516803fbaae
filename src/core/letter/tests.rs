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

//! The hand-written JSON must be serde_json's pretty printing, byte for
//! byte: names and prompts with quotes, backslashes and non-ASCII text,
//! meetings with and without prompts, an empty array.

use jiff::civil::date;
use serde::Serialize;

use super::*;
use crate::core::roster;
use crate::core::schedule::Window;
use crate::core::series::History;
use crate::core::source::SourceText;

/// The shape `preview --json` had as a serde struct: the reference.
#[derive(Serialize)]
struct Reference<'a> {
    manager: &'a str,
    manager_name: &'a str,
    report: &'a str,
    report_name: &'a str,
    start: String,
    end: String,
    timezone: &'a str,
    duration_minutes: u32,
    location: &'a str,
    prompts: Vec<&'a str>,
    prompt_ids: Vec<&'a str>,
    uid: &'a str,
    occurrence: u32,
}

fn reference(roster: &Roster, meetings: &[Meeting<'_>]) -> Vec<u8> {
    let all: Vec<Reference<'_>> = meetings
        .iter()
        .map(|m| {
            let pair = m.pair;
            let at =
                |ts: jiff::Timestamp| ts.display_with_offset(pair.tz.to_offset(ts)).to_string();
            Reference {
                manager: &pair.manager.email,
                manager_name: &pair.manager.name,
                report: &pair.report.email,
                report_name: &pair.report.name,
                start: at(m.start),
                end: at(m.end),
                timezone: &pair.timezone,
                duration_minutes: pair.duration_minutes,
                location: &pair.location,
                prompts: m.prompts(roster).map(|p| p.text.as_str()).collect(),
                prompt_ids: m.prompts(roster).map(|p| p.id.as_str()).collect(),
                uid: &m.uid,
                occurrence: m.occurrence,
            }
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&all).expect("serializes");
    out.push(b'\n');
    out
}

const ROSTER: &str = r#"
[[prompts]]
id = "q\"uote"
text = "Say \"why\" \\ here, naïvely? ✓"

[[prompts]]
id = "plain"
text = "How are things going?"
tags = ["t"]

[[managers]]
email = "ada@example.com"
name = "Ada \"The Countess\" Lovelace"
timezone = "Europe/London"
location = "Room \\ 1 <b>&</b>"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper, née Murray"
  start = "2027-03-22"
  cadence = "weekly"

  [[managers.reports]]
  email = "alan@example.com"
  start = "2027-03-23"
  time = "02:30"
  timezone = "America/New_York"
  skip_tags = ["t"]
  prompts_per_meeting = 1
"#;

#[test]
fn same_bytes_as_serde_json_pretty() {
    let roster = roster::parse(&SourceText::new("r.toml", ROSTER)).expect("valid");
    let history = History::new();
    for weeks in [0, 1, 6] {
        let window = Window::weeks(date(2027, 3, 20), weeks);
        let meetings = crate::core::plan::plan(&roster, &history, window, None);
        let mut ours = Vec::new();
        write(&roster, &meetings, &mut ours).expect("writes");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&reference(&roster, &meetings)),
            "{weeks} weeks"
        );
    }
}

#[test]
fn escapes_like_serde_json() {
    for s in [
        "",
        "plain",
        "q\"uote",
        "back\\slash",
        "tab\there",
        "bell\u{7}",
        "del\u{7f}",
        "ü✓",
    ] {
        let mut ours = Vec::new();
        string(&mut ours, s).expect("writes");
        assert_eq!(ours, serde_json::to_vec(s).expect("serializes"), "{s:?}");
    }
}

#[test]
fn a_meeting_read_from_its_pair_is_the_same_bytes() {
    let roster = roster::parse(&SourceText::new("r.toml", ROSTER)).expect("valid");
    let window = Window::weeks(date(2027, 3, 20), 6);
    let history = History::new();
    let meetings = crate::core::plan::plan(&roster, &history, window, None);
    let pairs = PairFields::new(&roster).expect("writes");
    for m in &meetings {
        assert!(pairs.of(&roster, m).is_some());
        let (mut shared, mut alone) = (Vec::new(), Vec::new());
        meeting(&mut shared, &roster, &pairs, m).expect("writes");
        meeting_alone(&mut alone, &roster, m).expect("writes");
        assert_eq!(
            String::from_utf8_lossy(&shared),
            String::from_utf8_lossy(&alone)
        );
    }
    // A pair that is not the roster's is written from its own fields.
    let other = roster.clone();
    let m = crate::core::plan::plan(&other, &history, window, None);
    assert!(m.first().is_some_and(|m| pairs.of(&roster, m).is_none()));
}

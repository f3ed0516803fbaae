//! What each kind of mail says, byte for byte: a series invitation, a
//! meeting's prompts, a stop (a series ended, a series cancelled) and the
//! weekly digest, in text and HTML, from a roster whose values need
//! escaping and whose people live in different zones.
//!
//! Golden files are in `tests/golden/mail/`; `UPDATE_GOLDEN=1 cargo test
//! --test mail_texts` rewrites them (review the diff before committing).
//! The two parts of every mail must carry the same facts (times, names,
//! prompts, places), and the HTML must suit mail clients (inline styles
//! only, `lang`, nothing remote, no scripts).

mod mail_render;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use touchbase::core::events::Organizer;
use touchbase::core::letter::{digest, Letter, Prompts};
use touchbase::core::reconcile::{reconcile, Kind, Sent, Settings, Updates};
use touchbase::core::roster::{self, Roster};
use touchbase::core::series::History;
use touchbase::core::source::SourceText;

const ORG: Organizer<'static> = Organizer {
    name: Some("Touchbase"),
    email: "touchbase@example.com",
};

/// A manager in London with a report in Sydney (zones differ) and one in
/// London (they do not); names and places that need escaping.
const ROSTER: &str = r#"
[defaults]
prompts_per_meeting = 2

[[managers]]
email = "ada@example.com"
name = "Ada <Countess> Lovelace"
timezone = "Europe/London"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace \"Amazing\" Hopper"
  start = "2027-01-05"
  time = "09:30"
  cadence = "weekly"
  location = "https://meet.example.com/ada-grace?room=1&lang=en-GB-with-a-rather-long-query-string-that-must-wrap"

  [[managers.reports]]
  email = "margaret@example.com"
  name = "Margaret Hamilton & Co"
  timezone = "Australia/Sydney"
  start = "2027-01-06"
  time = "16:00"
  cadence = "every 3 weeks"
  location = "Room 4.02 <east wing>"
"#;

fn roster_of(text: &str) -> Roster {
    roster::parse(&SourceText::new("roster.toml", text)).expect("roster")
}

fn settings(prompts: Prompts) -> Settings<'static> {
    Settings {
        organizer: ORG,
        lead_days: 7,
        invite_reports: true,
        updates: Updates::Occurrence,
        prompts,
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("time")
}

/// One sample mail, and the facts both parts must state.
pub struct Sample {
    pub name: &'static str,
    pub letter: Letter,
    pub facts: Vec<String>,
}

/// The first `kind` message to the manager about `about`.
fn first(kind: Kind, messages: &[touchbase::core::reconcile::Outgoing], about: &str) -> Letter {
    to(kind, messages, about, "ada@example.com")
}

/// The first `kind` message to `recipient` that names `about`.
fn to(
    kind: Kind,
    messages: &[touchbase::core::reconcile::Outgoing],
    about: &str,
    recipient: &str,
) -> Letter {
    messages
        .iter()
        .find(|m| m.kind == kind && m.to.email == recipient && m.body.subject.contains(about))
        .unwrap_or_else(|| panic!("a {kind:?} to {recipient} about {about}"))
        .body
        .clone()
}

/// Every kind of mail, made as the daemon makes it.
pub fn samples() -> Vec<Sample> {
    let roster = roster_of(ROSTER);
    // Wednesday 30 December 2026: Grace's first meeting (Tue 5 Jan) is
    // within the 7-day lead time, Margaret's (Wed 6 Jan) too.
    let mut sent = Sent::default();
    let now = at("2026-12-30T12:00:00Z");
    let out = reconcile(&roster, &sent, settings(Prompts::Updates), now);
    sent.record(&out.series, &out.occurrences);
    let series = first(Kind::NewSeries, &out.messages, "Margaret");
    // The same invitation as the report reads it (`invite_reports`).
    let series_report = to(
        Kind::NewSeries,
        &out.messages,
        "Ada",
        "margaret@example.com",
    );
    // Grace pauses over her first meeting, whose prompts were sent: that
    // one meeting is taken off.
    let paused = ROSTER.replace(
        "  cadence = \"weekly\"\n",
        "  cadence = \"weekly\"\n  paused_until = \"2027-01-07\"\n",
    );
    let out = reconcile(
        &roster_of(&paused),
        &sent,
        settings(Prompts::Updates),
        at("2026-12-31T12:00:00Z"),
    );
    let meeting_off = first(Kind::CancelOccurrence, &out.messages, "Grace");
    // A week later, Grace's second meeting enters the lead time.
    let now = at("2027-01-05T09:40:00Z");
    let out = reconcile(&roster, &sent, settings(Prompts::Updates), now);
    sent.record(&out.series, &out.occurrences);
    let update = first(Kind::Occurrence, &out.messages, "Grace");
    // Grace opts out after meetings were held: the series ends.
    let opted = ROSTER.replace(
        "  cadence = \"weekly\"\n",
        "  cadence = \"weekly\"\n  opt_out = true\n",
    );
    let out = reconcile(
        &roster_of(&opted),
        &sent,
        settings(Prompts::Updates),
        at("2027-01-20T12:00:00Z"),
    );
    let ends = first(Kind::EndSeries, &out.messages, "Grace");
    // Margaret opts out before her first meeting: the series is cancelled.
    let fresh = ROSTER.replace("2027-01-06", "2027-02-03");
    let mut before = Sent::default();
    let out = reconcile(
        &roster_of(&fresh),
        &before,
        settings(Prompts::Updates),
        at("2027-01-04T12:00:00Z"),
    );
    before.record(&out.series, &out.occurrences);
    let gone = fresh.replace(
        "  cadence = \"every 3 weeks\"\n",
        "  cadence = \"every 3 weeks\"\n  opt_out = true\n",
    );
    let out = reconcile(
        &roster_of(&gone),
        &before,
        settings(Prompts::Updates),
        at("2027-01-10T12:00:00Z"),
    );
    let cancelled = first(Kind::CancelSeries, &out.messages, "Margaret");
    // The digest of the week of Monday 25 January, at 07:00 in London.
    let digests = digest::due(
        &roster,
        &History::new(),
        &HashSet::new(),
        at("2027-01-25T07:00:00Z"),
    );
    assert_eq!(digests.len(), 1);
    let digest = &digests[0];
    let mut digest_facts = vec!["Ada <Countess> Lovelace".to_string()];
    for e in &digest.entries {
        digest_facts.push(e.report.clone());
        digest_facts.push(e.location.clone());
        digest_facts.extend(e.prompts.iter().cloned());
    }
    digest_facts.push("Tue 26 Jan 09:30 (Europe/London)".into());
    digest_facts.push(
        "Wed 27 Jan 05:00 (Europe/London); 16:00 (Australia/Sydney) for Margaret Hamilton & Co"
            .into(),
    );
    assert_eq!(digest.entries.len(), 2);
    // The digest in digest mode's invitation: prompts come weekly.
    let out = reconcile(
        &roster,
        &Sent::default(),
        settings(Prompts::Digest),
        at("2026-12-30T12:00:00Z"),
    );
    let series_digest = first(Kind::NewSeries, &out.messages, "Grace");
    vec![
        Sample {
            name: "series",
            facts: vec![
                "Ada <Countess> Lovelace".into(),
                "Margaret Hamilton & Co".into(),
                "Room 4.02 <east wing>".into(),
                "every 3 weeks".into(),
                "Wed 6 Jan 05:00 (Europe/London); 16:00 (Australia/Sydney) for Margaret Hamilton & Co".into(),
                "7 days ahead".into(),
            ],
            letter: series,
        },
        Sample {
            name: "series-to-report",
            facts: vec![
                "Margaret Hamilton & Co".into(),
                "Ada <Countess> Lovelace".into(),
                "Wed 6 Jan 16:00 (Australia/Sydney); 05:00 (Europe/London) for Ada <Countess> Lovelace".into(),
            ],
            letter: series_report,
        },
        Sample {
            name: "stop-meeting",
            facts: vec![
                "Grace \"Amazing\" Hopper".into(),
                "Tue 5 Jan 09:30 (Europe/London)".into(),
            ],
            letter: meeting_off,
        },
        Sample {
            name: "series-digest-mode",
            facts: vec![
                "Grace \"Amazing\" Hopper".into(),
                "Tue 5 Jan 09:30 (Europe/London)".into(),
                "first working day of the week".into(),
            ],
            letter: series_digest,
        },
        Sample {
            name: "update",
            facts: vec![
                "Grace \"Amazing\" Hopper".into(),
                "Tue 12 Jan 09:30 (Europe/London)".into(),
            ],
            letter: update,
        },
        Sample {
            name: "stop-ends",
            facts: vec!["Grace \"Amazing\" Hopper".into()],
            letter: ends,
        },
        Sample {
            name: "stop-cancelled",
            facts: vec!["Margaret Hamilton & Co".into()],
            letter: cancelled,
        },
        Sample {
            name: "digest",
            facts: digest_facts,
            letter: digest.letter.clone(),
        },
    ]
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/mail")
}

fn golden(path: &Path, got: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
        std::fs::write(path, got).expect("write golden");
    }
    let want = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        got,
        want,
        "{} differs (UPDATE_GOLDEN=1 rewrites it)",
        path.display()
    );
}

#[test]
fn every_kind_of_mail_matches_its_golden_files() {
    let samples = samples();
    assert_eq!(samples.len(), 8);
    for s in &samples {
        let dir = golden_dir();
        golden(
            &dir.join(format!("{}.txt", s.name)),
            &format!("Subject: {}\n\n{}", s.letter.subject, s.letter.text),
        );
        golden(&dir.join(format!("{}.html", s.name)), &s.letter.html);
    }
}

/// The words an HTML part shows: the body without tags, entities decoded.
fn html_words(html: &str) -> Vec<String> {
    let body = html.split("</head>").nth(1).unwrap_or(html);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().map(str::to_string).collect()
}

/// The words a text part shows, without its layout marks (list bullets,
/// heading underlines, the signature separator).
fn text_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t == "--" || (!t.is_empty() && t.chars().all(|c| c == '-')) {
            continue;
        }
        let t = t
            .strip_prefix("- ")
            .or_else(|| t.strip_prefix("* "))
            .unwrap_or(t);
        out.extend(t.split_whitespace().map(str::to_string));
    }
    out
}

#[test]
fn text_and_html_parts_carry_the_same_facts() {
    for s in samples() {
        let text = text_words(&s.letter.text);
        let html = html_words(&s.letter.html);
        assert_eq!(text, html, "{}: the two parts say different things", s.name);
        let text_joined = text.join(" ");
        assert!(!s.facts.is_empty());
        for fact in &s.facts {
            let fact = fact.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                text_joined.contains(&fact),
                "{}: {fact:?} missing from both parts:\n{}",
                s.name,
                s.letter.text
            );
        }
        // Escaped in the HTML source, never raw.
        for raw in ["<Countess>", "<east wing>", "\"Amazing\""] {
            assert!(!s.letter.html.contains(raw), "{}: {raw} unescaped", s.name);
        }
    }
}

#[test]
fn html_parts_suit_mail_clients() {
    for s in samples() {
        let h = &s.letter.html;
        assert!(h.contains("<html lang=\"en\">"), "{}", s.name);
        assert!(h.contains("name=\"viewport\""), "{}", s.name);
        for banned in [
            "<style", "<link", "<img", "<script", "class=", "src=", "url(", "<table",
        ] {
            assert!(!h.contains(banned), "{}: has {banned}", s.name);
        }
        // One column at most 600 px wide.
        assert!(h.contains("max-width:600px"), "{}", s.name);
        // Every colour used is dark on white (contrast of at least 7:1).
        for colour in h.split("color:#").skip(1).map(|r| &r[..6]) {
            let c = u32::from_str_radix(colour, 16).expect("hex colour");
            if colour == "ffffff" {
                continue;
            }
            let ratio = contrast(c, 0xffffff);
            assert!(
                ratio >= 7.0,
                "{}: #{colour} on white is {ratio:.1}:1",
                s.name
            );
        }
    }
}

/// WCAG contrast ratio of two sRGB colours.
fn contrast(a: u32, b: u32) -> f64 {
    fn lum(c: u32) -> f64 {
        let ch = |s: u32| {
            let v = f64::from((c >> s) & 0xff) / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(16) + 0.7152 * ch(8) + 0.0722 * ch(0)
    }
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[test]
fn mails_render_in_chromium_without_overflow_at_phone_and_desktop_widths() {
    mail_render::screenshots(&samples());
}

/// `touchbase plan` makes messages with their headers only: the subjects
/// it shows are the ones the mails carry.
#[test]
fn headers_only_subjects_match_the_mails() {
    use touchbase::core::reconcile::Reconciler;

    let roster = roster_of(ROSTER);
    let mut sent = Sent::default();
    let mut seen = 0;
    for (now, prompts) in [
        ("2026-12-30T12:00:00Z", Prompts::Updates),
        ("2027-01-05T09:40:00Z", Prompts::Updates),
        ("2026-12-30T12:00:00Z", Prompts::Digest),
    ] {
        let full = reconcile(&roster, &sent, settings(prompts), at(now));
        let headers: Vec<String> = Reconciler::new(&roster, &sent, settings(prompts), at(now))
            .headers_only()
            .map(|m| m.body.subject)
            .collect();
        let subjects: Vec<String> = full
            .messages
            .iter()
            .map(|m| m.body.subject.clone())
            .collect();
        assert_eq!(headers, subjects, "{now} {prompts:?}");
        seen += subjects.len();
        if prompts == Prompts::Updates {
            sent.record(&full.series, &full.occurrences);
        }
    }
    assert!(seen >= 6, "{seen}");
}

/// With `mail.updates = "series"` a meeting's prompts come inside the
/// whole series again; its mail is still about those prompts, and `plan`
/// shows the same subject.
#[test]
fn in_series_mode_a_prompts_update_reads_as_one() {
    use touchbase::core::reconcile::Reconciler;

    let roster = roster_of(ROSTER);
    let series_mode = |prompts| Settings {
        updates: Updates::Series,
        ..settings(prompts)
    };
    let mut sent = Sent::default();
    let out = reconcile(
        &roster,
        &sent,
        series_mode(Prompts::Updates),
        at("2026-12-30T12:00:00Z"),
    );
    sent.record(&out.series, &out.occurrences);
    let now = at("2027-01-05T09:40:00Z");
    let out = reconcile(&roster, &sent, series_mode(Prompts::Updates), now);
    let m = out
        .messages
        .iter()
        .find(|m| m.kind == Kind::UpdateSeries && m.to.email == "ada@example.com")
        .expect("the whole series again");
    assert_eq!(
        m.body.subject,
        "Prompts for your 1:1 with Grace \"Amazing\" Hopper, Tue 12 Jan"
    );
    assert!(
        m.body.text.starts_with("Prompts for your 1:1 with"),
        "{}",
        m.body.text
    );
    let headers: Vec<String> = Reconciler::new(&roster, &sent, series_mode(Prompts::Updates), now)
        .headers_only()
        .map(|m| m.body.subject)
        .collect();
    let subjects: Vec<String> = out
        .messages
        .iter()
        .map(|m| m.body.subject.clone())
        .collect();
    assert_eq!(headers, subjects);
}

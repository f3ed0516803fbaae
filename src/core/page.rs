//! A person's own page (`/me/<secret>`) as HTML: their upcoming 1:1s with
//! the prompts, and for a report, the forms that pause, opt out, opt back
//! in and choose the prompt tags to skip.
//!
//! Plain HTML and one inline style sheet (allowed by its hash in the
//! Content-Security-Policy, [`STYLE`]): no script, no image, nothing
//! loaded from elsewhere, readable on a phone. Every value from the roster
//! is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use crate::core::plan::{pair_meetings_with, Meeting};
use crate::core::roster::{Pair, Roster};
use crate::core::schedule::Window;
use crate::core::series::History;

/// The page's whole style sheet.
pub const STYLE: &str = "body{font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",sans-serif;margin:0 auto;max-width:40rem;padding:1rem;color:#1d1d1f;background:#fff}h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}ul{padding-left:1.2rem}li.m{list-style:none;margin:0 0 .9rem -1.2rem;padding:.6rem .8rem;border:1px solid #ddd;border-radius:.5rem}li.m ul{margin:.3rem 0 0}.when{font-weight:600}.who{color:#555}.done{background:#e8f5e9;border:1px solid #a5d6a7;border-radius:.5rem;padding:.5rem .8rem}.state{background:#fff8e1;border:1px solid #ffe082;border-radius:.5rem;padding:.5rem .8rem}form{margin:.6rem 0;padding:.6rem .8rem;border:1px solid #ddd;border-radius:.5rem}form p{margin:0 0 .3rem}label{display:block;margin:.2rem 0}input[type=date]{font:inherit;padding:.3rem}button{font:inherit;padding:.45rem .9rem;margin-top:.4rem;border-radius:.4rem;border:1px solid #888;background:#f5f5f5}p.small{color:#555;font-size:.9rem}";

/// What a successful form leads to, shown as one line on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// `pause`.
    Paused,
    /// `opt_out`.
    OptedOut,
    /// `resume`.
    Resumed,
    /// `skip_tags`.
    TagsSaved,
}

impl Done {
    /// The value of the page's `done` query parameter.
    pub fn key(self) -> &'static str {
        match self {
            Done::Paused => "paused",
            Done::OptedOut => "opted_out",
            Done::Resumed => "resumed",
            Done::TagsSaved => "tags",
        }
    }

    /// From the `done` query parameter (anything else shows nothing).
    pub fn from_key(key: &str) -> Option<Done> {
        [Done::Paused, Done::OptedOut, Done::Resumed, Done::TagsSaved]
            .into_iter()
            .find(|d| d.key() == key)
    }

    fn line(self) -> &'static str {
        match self {
            Done::Paused => "Done: your 1:1s are paused.",
            Done::OptedOut => "Done: you opted out. No more 1:1s are scheduled.",
            Done::Resumed => "Done: your 1:1s are back on.",
            Done::TagsSaved => "Done: your prompt choices are saved for the next meetings.",
        }
    }
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// The roster in force (the reports' own choices merged in).
    pub roster: &'a Roster,
    /// Earlier series of the pairs.
    pub history: &'a History,
    /// The person's display name.
    pub name: &'a str,
    /// The active pairs the person is in, as manager or report.
    pub pairs: Vec<&'a Pair>,
    /// The pair where the person is the report (forms are shown for it),
    /// opted out or not.
    pub own: Option<&'a Pair>,
    /// Whether the report opted out on this page.
    pub opted_out: bool,
    /// Today, local.
    pub today: Date,
    /// Now: meetings that ended are not listed.
    pub now: Timestamp,
    /// How far ahead to list.
    pub horizon_weeks: u32,
    /// The form token.
    pub token: &'a str,
    /// Where the forms post to (relative to the page).
    pub action: &'a str,
    /// The confirmation to show.
    pub done: Option<Done>,
}

/// Escapes text for HTML content and attribute values: the mails' own.
pub use crate::core::letter::html::escape;

/// The latest date a pause may run to from `today`.
pub fn latest_pause(today: Date) -> Date {
    today.checked_add(1.year()).unwrap_or(Date::MAX)
}

/// The page as HTML.
pub fn render(p: &Page<'_>) -> String {
    let mut h = String::with_capacity(8192);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>Your 1:1s</title><style>{STYLE}</style></head><body>\n\
         <h1>1:1s of {}</h1>\n",
        escape(p.name)
    );
    if let Some(d) = p.done {
        let _ = writeln!(h, "<p class=\"done\" id=\"done\">{}</p>", d.line());
    }
    // A report's choices come first: on a phone, a long list of meetings
    // would push them out of reach.
    if let Some(pair) = p.own {
        state(&mut h, p, pair);
        forms(&mut h, p, pair);
    }
    meetings(&mut h, p);
    h.push_str(
        "<p class=\"small\">This page is yours alone: its address is private, like your calendar feed's. \
         What you choose here is kept as your own choice and is not shown to anyone; \
         your manager only sees meetings stop or come back, with no reason given.</p>\n</body></html>\n",
    );
    h
}

fn state(h: &mut String, p: &Page<'_>, pair: &Pair) {
    let line = if p.opted_out || pair.opt_out {
        "You opted out: no 1:1s are scheduled.".to_string()
    } else if let Some(until) = pair.paused_until.filter(|u| *u > p.today) {
        format!(
            "Your 1:1s are paused until {}.",
            until.strftime("%A %-d %B %Y")
        )
    } else {
        return;
    };
    let _ = writeln!(h, "<p class=\"state\" id=\"state\">{}</p>", escape(&line));
}

fn meetings(h: &mut String, p: &Page<'_>) {
    let until = p
        .today
        .checked_add((i64::from(p.horizon_weeks) * 7).days())
        .unwrap_or(Date::MAX);
    let window = Window {
        from: p.today,
        until,
    };
    let mut all: Vec<Meeting<'_>> = p
        .pairs
        .iter()
        .flat_map(|pair| pair_meetings_with(pair, p.history.of(pair), window))
        .filter(|m| m.end > p.now)
        .collect();
    all.sort_by_key(|m| m.start);
    h.push_str("<h2>Coming up</h2>\n");
    if all.is_empty() {
        h.push_str("<p id=\"none\">No 1:1s in the coming weeks.</p>\n");
        return;
    }
    h.push_str("<ul id=\"meetings\">\n");
    for m in &all {
        let me_manager = p.own.is_none_or(|own| !std::ptr::eq(own, m.pair));
        let other = if me_manager {
            &m.pair.report.name
        } else {
            &m.pair.manager.name
        };
        let _ = write!(
            h,
            "<li class=\"m\"><span class=\"when\">{}</span> <span class=\"who\">({}, {} min) with {}</span>",
            escape(&m.local.strftime("%a %-d %b %Y, %H:%M").to_string()),
            escape(&m.pair.timezone),
            m.pair.duration_minutes,
            escape(other)
        );
        let prompts: Vec<&str> = m.prompts(p.roster).map(|q| q.text.as_str()).collect();
        if !prompts.is_empty() {
            h.push_str("<ul>");
            for q in prompts {
                let _ = write!(h, "<li>{}</li>", escape(q));
            }
            h.push_str("</ul>");
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ul>\n");
}

fn form_start(h: &mut String, p: &Page<'_>, id: &str, action: &str) {
    let _ = write!(
        h,
        "<form method=\"post\" action=\"{}\" id=\"{id}\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"action\" value=\"{action}\">",
        escape(p.action),
        escape(p.token)
    );
}

fn forms(h: &mut String, p: &Page<'_>, pair: &Pair) {
    h.push_str("<h2>Your choices</h2>\n");
    let stopped = p.opted_out || pair.opt_out;
    let paused = pair.paused_until.is_some_and(|u| u > p.today);
    if stopped || paused {
        form_start(h, p, "resume", "resume");
        h.push_str("<p>Have your 1:1s scheduled again.</p><button type=\"submit\">Opt back in</button></form>\n");
    }
    if !stopped {
        let tomorrow = p.today.tomorrow().unwrap_or(p.today);
        form_start(h, p, "pause", "pause");
        let _ = writeln!(
            h,
            "<label for=\"until\">Pause my 1:1s until</label>\
             <input type=\"date\" id=\"until\" name=\"until\" required min=\"{tomorrow}\" max=\"{}\">\
             <br><button type=\"submit\">Pause</button></form>",
            latest_pause(p.today)
        );
        form_start(h, p, "opt_out", "opt_out");
        h.push_str("<p>Stop my 1:1s altogether. Meetings already held stay on the calendar.</p><button type=\"submit\">Opt out</button></form>\n");
        let mut tags: BTreeMap<&str, usize> = BTreeMap::new();
        for q in &p.roster.bank.prompts {
            for t in &q.tags {
                *tags.entry(t.as_str()).or_default() += 1;
            }
        }
        if !tags.is_empty() {
            form_start(h, p, "skip_tags", "skip_tags");
            h.push_str("<p>Skip prompts with these tags, from the next meeting on:</p>");
            for (tag, n) in tags {
                let checked = if pair.skip_tags.iter().any(|t| t == tag) {
                    " checked"
                } else {
                    ""
                };
                let _ = write!(
                    h,
                    "<label><input type=\"checkbox\" name=\"tags\" value=\"{}\"{checked}> {} ({n} prompt{})</label>",
                    escape(tag),
                    escape(tag),
                    if n == 1 { "" } else { "s" }
                );
            }
            h.push_str("<button type=\"submit\">Save</button></form>\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">O'Neil & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }

    #[test]
    fn every_roster_value_is_escaped_and_a_manager_gets_no_forms() {
        let text = "[[prompts]]\nid = \"a\"\ntext = \"<img src=x> & so?\"\ntags = [\"<t>\"]\n\
                    [[managers]]\nemail = \"ada@example.com\"\nname = \"Ada <script>\"\n\
                    [[managers.reports]]\nemail = \"grace@example.com\"\nname = \"Grace \\\"Q\\\" O'Hara\"\nstart = \"2027-01-05\"\n";
        let roster =
            crate::core::roster::parse(&crate::core::source::SourceText::new("roster.toml", text))
                .expect("valid");
        let history = History::default();
        let pair = &roster.pairs[0];
        let today = jiff::civil::date(2027, 1, 1);
        let report = Page {
            roster: &roster,
            history: &history,
            name: "Grace \"Q\" O'Hara",
            pairs: vec![pair],
            own: Some(pair),
            opted_out: false,
            today,
            now: jiff::Timestamp::from_second(1_798_761_600).expect("instant"),
            horizon_weeks: 4,
            token: "1.\"x",
            action: "abc",
            done: Some(Done::Paused),
        };
        let html = render(&report);
        for raw in ["<img", "<script", "<t>", "\"Q\"", "O'Hara", "1.\"x"] {
            assert!(!html.contains(raw), "{raw} unescaped: {html}");
        }
        assert!(html.contains("&lt;img src=x&gt; &amp; so?"), "{html}");
        assert!(html.contains("with Ada &lt;script&gt;"), "{html}");
        assert!(html.contains("value=\"&lt;t&gt;\""), "{html}");
        assert!(html.contains("<form"), "{html}");
        let html = render(&Page {
            own: None,
            name: "Ada <script>",
            ..report.clone()
        });
        assert!(
            !html.contains("<form") && !html.contains("<script"),
            "{html}"
        );
        assert!(
            html.contains("with Grace &quot;Q&quot; O&#39;Hara"),
            "{html}"
        );
    }

    #[test]
    fn done_keys_round_trip() {
        for d in [Done::Paused, Done::OptedOut, Done::Resumed, Done::TagsSaved] {
            assert_eq!(Done::from_key(d.key()), Some(d));
        }
        assert_eq!(Done::from_key("<script>"), None);
    }
}

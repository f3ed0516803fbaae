//! A report's own page, `/me/<secret>`, over real HTTP on 127.0.0.1 against
//! the real binary, with the real test SMTP server: the page and its
//! private headers, every bad form refused with a 400 that changes
//! nothing, replayed and foreign tokens, the rate limit, 10,000 wrong
//! secrets answered with the feeds' exact 404, and an opt-out that leaves
//! no trace.
// The clock rule (clippy.toml) is for the library: this test waits on real processes and sockets.
#![allow(clippy::disallowed_methods)]

mod harness;
mod mailserver;
mod pages;

use std::io::BufReader;
use std::net::TcpStream;
use std::time::Duration;

use pages::{day, forge_token, own_choices, request, today, unfolded, World};

fn state(w: &World) -> std::path::PathBuf {
    w.dir.path().join("state")
}

/// The headers every page answer but the 404 carries.
fn assert_private(r: &pages::Response) {
    assert_eq!(r.header("cache-control"), Some("no-store"), "{:?}", r.head);
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let csp = r.header("content-security-policy").expect("a CSP");
    for part in [
        "default-src 'none'",
        "style-src 'sha256-",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp} lacks {part}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
}

#[test]
fn a_reports_page_has_their_meetings_and_forms_and_a_managers_only_meetings() {
    let w = World::start(false);
    let grace = w.secret("grace@example.com");
    let (r, token) = w.page(&grace);
    assert_private(&r);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let html = r.text();
    assert!(html.contains("1:1s of Grace Hopper"), "{html}");
    assert!(html.contains("with Ada Lovelace"), "{html}");
    assert!(
        !html.contains("Alan Turing"),
        "another report shows: {html}"
    );
    for action in ["pause", "opt_out", "skip_tags"] {
        assert!(
            html.contains(&format!("name=\"action\" value=\"{action}\"")),
            "{action}: {html}"
        );
    }
    // The bank's tags, each with how many prompts hold it.
    assert!(html.contains("name=\"tags\" value=\"wellbeing\""), "{html}");
    assert!(html.contains(" prompts)</label>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(token.split('.').count(), 3, "{token}");
    // Two pages served in the same second carry different tokens: a pause
    // and an opt-back-in in quick succession are not a replay.
    let (_, again) = w.page(&grace);
    assert_ne!(again, token);

    let ada = w.secret("ada@example.com");
    let r = request(w.addr(), "GET", &format!("/me/{ada}"), &[], b"");
    assert_eq!(r.status, 200);
    assert_private(&r);
    let html = r.text();
    assert!(html.contains("1:1s of Ada Lovelace"), "{html}");
    for report in ["Grace Hopper", "Alan Turing", "Katherine Johnson"] {
        assert!(html.contains(&format!("with {report}")), "{report}: {html}");
    }
    assert!(
        !html.contains("value=\"opt_out\""),
        "a manager gets no forms: {html}"
    );
    // Nor may a manager post one of a report's choices.
    let token = forge_token(&state(&w), &ada, jiff::Timestamp::now().as_second());
    let r = w.post(&ada, &format!("action=opt_out&csrf={token}"));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(own_choices(&state(&w)).is_empty());

    // HEAD gets the headers alone.
    let r = request(w.addr(), "HEAD", &format!("/me/{grace}"), &[], b"");
    assert_eq!(r.status, 200);
    assert_private(&r);
}

#[test]
fn every_bad_form_is_a_400_that_changes_nothing() {
    let w = World::start(false);
    let before = w.preview();
    let grace = w.secret("grace@example.com");
    let alan = w.secret("alan@example.com");
    let year_out = day(367);
    let cases: Vec<(String, &str)> = vec![
        ("action=dance".into(), "Unknown action"),
        ("until=2099-01-01".into(), "names no action"),
        ("action=pause".into(), "needs a date"),
        (format!("action=pause&until={}", today()), "not after today"),
        (format!("action=pause&until={}", day(-1)), "not after today"),
        (format!("action=pause&until={year_out}"), "more than a year"),
        ("action=pause&until=2027-13-01".into(), "not a date"),
        (
            "action=skip_tags&tags=wellbeing&tags=nosuchtag".into(),
            "No prompt has the tag",
        ),
        ("action=opt_out&action=resume".into(), "given twice"),
    ];
    for (form, says) in &cases {
        let (_, token) = w.page(&grace);
        let r = w.post(&grace, &format!("{form}&csrf={token}"));
        assert_eq!(r.status, 400, "{form}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert!(r.text().contains(says), "{form}: {}", r.text());
        assert_private(&r);
    }
    // Tokens: none, stale, from another person's page, forged.
    let now = jiff::Timestamp::now().as_second();
    let (_, graces_token) = w.page(&grace);
    let stale = forge_token(&state(&w), &alan, now - 3601);
    let future = forge_token(&state(&w), &alan, now + 600);
    let forged = format!("{now}.0123456789abcdef.{}", "0".repeat(64));
    for (token, says) in [
        ("", "missing"),
        (stale.as_str(), "expired"),
        (future.as_str(), "expired"),
        (graces_token.as_str(), "not valid for this page"),
        (forged.as_str(), "not valid for this page"),
    ] {
        let r = w.post(&alan, &format!("action=opt_out&csrf={token}"));
        assert_eq!(r.status, 400, "{token}: {}", r.text());
        assert!(r.text().contains(says), "{token}: {}", r.text());
    }
    // Not a form, and too large a one.
    let (_, token) = w.page(&alan);
    let r = request(
        w.addr(),
        "POST",
        &format!("/me/{alan}"),
        &[("Content-Type", "application/json")],
        format!("{{\"action\":\"opt_out\",\"csrf\":\"{token}\"}}").as_bytes(),
    );
    assert_eq!(r.status, 400, "{}", r.text());
    let big = format!("action=opt_out&csrf={token}&pad={}", "x".repeat(20_000));
    let r = w.post(&alan, &big);
    assert_eq!(r.status, 400, "{}", r.text());

    // Nothing changed.
    assert!(own_choices(&state(&w)).is_empty());
    assert_eq!(w.preview(), before);

    // A good form works once; its token replayed is refused.
    let wellbeing: Vec<String> = touchbase::core::prompts::Bank::built_in()
        .prompts
        .iter()
        .filter(|p| p.tags.iter().any(|t| t == "wellbeing"))
        .map(|p| p.id.clone())
        .collect();
    let alans_wellbeing_prompts = |preview: &str| -> usize {
        let v: serde_json::Value = serde_json::from_str(preview).expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .filter(|m| m["report"] == "alan@example.com")
            .flat_map(|m| m["prompt_ids"].as_array().cloned().unwrap_or_default())
            .filter(|id| wellbeing.iter().any(|w| id == w.as_str()))
            .count()
    };
    assert!(alans_wellbeing_prompts(&before) > 0, "{before}");
    let (_, token) = w.page(&alan);
    let form = format!("action=skip_tags&tags=wellbeing&csrf={token}");
    let r = w.post(&alan, &form);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.header("location"),
        Some(format!("{alan}?done=tags").as_str())
    );
    assert_private(&r);
    let r = w.post(&alan, &form.replace("wellbeing", "growth"));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("sent already"), "{}", r.text());
    let rows = own_choices(&state(&w));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(alans_wellbeing_prompts(&w.preview()), 0, "{}", w.preview());
    assert_eq!(rows[0].3.as_deref(), Some("[\"wellbeing\"]"));
    let (r, _) = w.page(&format!("{alan}?done=tags"));
    assert!(r.text().contains("id=\"done\""), "{}", r.text());
    assert!(
        r.text().contains("value=\"wellbeing\" checked"),
        "{}",
        r.text()
    );

    // Many sends in a row: the bucket runs dry, 429.
    let katherine = w.secret("katherine@example.com");
    let statuses: Vec<u16> = (0..12)
        .map(|_| w.post(&katherine, "action=dance").status)
        .collect();
    assert_eq!(&statuses[..10], &[400; 10], "{statuses:?}");
    assert_eq!(statuses[11], 429, "{statuses:?}");
    let r = w.post(&katherine, "action=dance");
    assert!(r.header("retry-after").is_some(), "{:?}", r.head);
}

#[test]
fn ten_thousand_wrong_secrets_get_the_feeds_exact_404() {
    let w = World::start(false);
    let alan = w.secret("alan@example.com");
    let reference = request(
        w.addr(),
        "GET",
        &format!("/feeds/{}.ics", "ab".repeat(24)),
        &[],
        b"",
    );
    assert_eq!(reference.status, 404);
    let want = reference.without_date();
    // A rotated secret is a wrong one at once.
    w.cli(&["feed-url", "--person", "alan@example.com", "--rotate"]);
    let shapes = |i: usize| -> (String, &'static str) {
        let random = format!(
            "{:048x}",
            (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
        );
        match i % 6 {
            0 => (format!("/me/{random}"), "GET"),
            1 => (format!("/me/{random}"), "POST"),
            2 => (format!("/me/{}", &random[..16]), "GET"),
            3 => (format!("/me/{random}zz"), "GET"),
            4 => (format!("/me/{alan}"), "GET"),
            _ => (format!("/me/{alan}"), "POST"),
        }
    };
    let mut conn = None;
    for i in 0..10_000 {
        if i % 500 == 0 {
            let c = TcpStream::connect(w.addr()).expect("connect");
            c.set_read_timeout(Some(Duration::from_secs(20)))
                .expect("timeout");
            let r = BufReader::new(c.try_clone().expect("clone"));
            conn = Some((c, r));
        }
        let (c, reader) = conn.as_mut().expect("connection");
        let (path, method) = shapes(i);
        pages::send(
            c,
            method,
            &path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            if method == "POST" {
                b"action=opt_out&csrf=1.00"
            } else {
                b""
            },
        );
        let r = pages::receive(reader, false);
        assert_eq!(r.without_date(), want, "request {i}: {method} {path}");
    }
    // And the rotated feed's old URL is the same 404 too.
    let r = request(w.addr(), "GET", &format!("/feeds/{alan}.ics"), &[], b"");
    assert_eq!(r.without_date(), want);
    assert!(own_choices(&state(&w)).is_empty());
}

#[test]
fn a_self_service_opt_out_leaves_no_trace_and_the_roster_cannot_undo_it() {
    let w = World::start(true);
    // Six invitations: the manager's and the report's copy of each series.
    let first = w.server.wait_for(6, Duration::from_secs(30));
    assert_eq!(first.len(), 6);
    let grace = w.secret("grace@example.com");
    let page = format!("/me/{grace}");
    for raw in &first {
        let m = pages::mail(raw);
        assert_eq!(m.method, "REQUEST");
        if m.to == "grace@example.com" {
            assert!(
                m.text.contains(&page),
                "the report's copy names her page: {}",
                m.text
            );
            assert!(m.html.contains(&page), "{}", m.html);
        } else if m.to == "ada@example.com" {
            assert!(
                !m.text.contains("/me/") && !m.html.contains("/me/"),
                "{}: {}",
                m.to,
                m.text
            );
        }
    }
    // Her feed names her page in every meeting; the manager's never.
    let feed = |secret: &str| request(w.addr(), "GET", &format!("/feeds/{secret}.ics"), &[], b"");
    let mine = unfolded(&feed(&grace).text());
    let descriptions = mine
        .lines()
        .filter(|l| l.starts_with("DESCRIPTION"))
        .count();
    assert!(descriptions > 1, "{mine}");
    assert_eq!(
        mine.matches(&format!("http://feeds.test{page}")).count(),
        descriptions,
        "{mine}"
    );
    let ada = w.secret("ada@example.com");
    assert!(!feed(&ada).text().contains("/me/"));
    // `export` writes what the feed URL serves: the link included.
    let exported = unfolded(&w.cli(&["export", "--person", "grace@example.com"]));
    assert_eq!(
        exported
            .matches(&format!("http://feeds.test{page}"))
            .count(),
        descriptions
    );
    assert!(!w
        .cli(&["export", "--person", "ada@example.com"])
        .contains("/me/"));

    // She opts out on her page.
    let since = w.last_reconcile();
    let log_before = w.log().len();
    let (_, token) = w.page(&grace);
    let r = w.post(&grace, &format!("action=opt_out&csrf={token}"));
    assert_eq!(r.status, 303, "{}", r.text());
    w.reconciled_after(&since);
    let all = w.server.wait_for(8, Duration::from_secs(30));
    let after: Vec<pages::Mail> = all[6..].iter().map(|raw| pages::mail(raw)).collect();
    assert_eq!(
        after.len(),
        2,
        "a neutral stop to each who had the invitation"
    );
    for m in &after {
        assert_eq!(m.method, "CANCEL", "{}", m.ics);
        let said = format!("{}\n{}", m.text, m.html).to_ascii_lowercase();
        for word in ["opt", "reason", "/me/", "pause"] {
            assert!(!said.contains(word), "the stop says {word:?}: {said}");
        }
    }
    assert_eq!(
        after.iter().filter(|m| m.to == "ada@example.com").count(),
        1
    );

    // Nothing after it names her: previews, the manager's feed, the log.
    let no_grace = |what: &str, text: &str| {
        let t = text.to_ascii_lowercase();
        assert!(!t.contains("grace"), "{what} names her: {text}");
        assert!(!t.contains("hopper"), "{what} names her: {text}");
    };
    no_grace("preview", &w.preview());
    no_grace("preview --json", &w.cli(&["preview"]));
    no_grace("the manager's feed", &feed(&ada).text());
    assert_eq!(feed(&grace).status, 404, "her feed is gone");
    no_grace("the log", &w.log()[log_before..]);
    let check = w.cli(&["check"]);
    no_grace("check", &check);
    assert!(
        check.contains("1 reports' own choices override the roster (1 opted out"),
        "{check}"
    );
    // Her page stays, to opt back in.
    let (r, _) = w.page(&grace);
    assert!(r.text().contains("You opted out"), "{}", r.text());
    assert!(r.text().contains("value=\"resume\""), "{}", r.text());

    // The roster's owner says opt_out = false, and reloads: it holds.
    let since = w.last_reconcile();
    std::fs::write(
        w.dir.path().join("roster.toml"),
        pages::roster("  opt_out = false\n  location = \"Room 2\"\n"),
    )
    .expect("roster");
    w.daemon.as_ref().expect("daemon").signal("HUP");
    w.reconciled_after(&since);
    no_grace("preview after a roster edit", &w.preview());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(w.server.messages().len(), 8, "nothing follows the stop");
    no_grace("the log", &w.log()[log_before..]);
}

/// The DTSTART lines of an iCalendar text, sorted.
fn starts(ics: &str) -> Vec<String> {
    let mut v: Vec<String> = unfolded(ics)
        .lines()
        .filter(|l| l.starts_with("DTSTART"))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn a_report_back_from_their_own_opt_out_is_placed_again_by_the_running_daemon() {
    // Grace and Alan placed by touchbase (`time = "auto"`); Katherine
    // fixed at 10:00 on the weekday of `start`, the time an auto pair
    // holds before it is placed.
    let auto = pages::roster("")
        .replace("time = \"09:30\"", "time = \"auto\"")
        .replace("time = \"11:00\"", "time = \"auto\"")
        .replace("time = \"14:00\"", "time = \"10:00\"");
    let mut w = World::start_with(false, &auto);
    w.server.wait_for(3, Duration::from_secs(30));
    let grace = w.secret("grace@example.com");
    let since = w.last_reconcile();
    let (_, token) = w.page(&grace);
    let r = w.post(&grace, &format!("action=opt_out&csrf={token}"));
    assert_eq!(r.status, 303, "{}", r.text());
    w.reconciled_after(&since);

    // Restarted, the daemon reads her choice at start: no slot for her.
    w.daemon = None;
    w.daemon = Some(harness::Spawned::start(&w.config()));
    w.reconciled_after("");
    let since = w.last_reconcile();
    let (_, token) = w.page(&grace);
    let r = w.post(&grace, &format!("action=resume&csrf={token}"));
    assert_eq!(r.status, 303, "{}", r.text());
    w.reconciled_after(&since);

    // Back in, she has the slot a fresh placement gives her: the feed the
    // daemon serves is the one `export` (which places anew) writes.
    let feed = request(w.addr(), "GET", &format!("/feeds/{grace}.ics"), &[], b"");
    assert_eq!(feed.status, 200);
    let served = starts(&feed.text());
    assert!(!served.is_empty(), "{}", feed.text());
    let exported = starts(&w.cli(&["export", "--person", "grace@example.com"]));
    assert_eq!(served, exported);
    // And it is no other pair's slot: no two of Ada's 1:1s start together.
    let preview: serde_json::Value = serde_json::from_str(&w.preview()).expect("json");
    let meetings = preview.as_array().expect("array");
    assert!(meetings.iter().any(|m| m["report"] == "grace@example.com"));
    let mut seen = std::collections::BTreeSet::new();
    for m in meetings {
        let start = m["start"].as_str().expect("start");
        assert!(seen.insert(start.to_string()), "two 1:1s at {start}");
    }
}

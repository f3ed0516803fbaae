//! Invitations over real SMTP: `touchbase run --once` against an aiosmtpd
//! server on 127.0.0.1, with the ledger in a temporary state folder.
//! Messages are read back with an independent MIME parser (mail-parser)
//! and an independent iCalendar parser (calcard).
// The clock rule (clippy.toml) is for the library: this test waits on real processes and sockets, and measures wall time.
#![allow(clippy::disallowed_methods)]

mod mailserver;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty};
use mail_parser::{MessageParser, MimeHeaders};
use mailserver::{Options, Server};

const BIN: &str = env!("CARGO_BIN_EXE_touchbase");

struct Setup {
    dir: tempfile::TempDir,
}

#[allow(clippy::disallowed_methods)] // the daemon runs on the real clock
fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

/// A roster with `n` reports of ada, the first meeting `days` from today.
fn roster(n: usize, days: i64, extra: &str) -> String {
    let start = today()
        .checked_add(jiff::Span::new().days(days))
        .expect("date");
    let mut s = String::from("[[managers]]\nemail = \"ada@example.com\"\nname = \"Ada Lovelace\"\ntimezone = \"Europe/London\"\n");
    for i in 0..n {
        s.push_str(&format!(
            "\n  [[managers.reports]]\n  email = \"r{i}@example.com\"\n  name = \"Report {i}\"\n  start = \"{start}\"\n  cadence = \"weekly\"\n{}",
            if i == 0 { extra } else { "" }
        ));
    }
    s
}

impl Setup {
    fn new(url: &str, roster_text: &str) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "roster = \"roster.toml\"\nstate_dir = \"state\"\n[mail]\nfrom = \"Touchbase <touchbase@example.com>\"\ntransport = \"smtp\"\nurl = \"{url}\"\n"
        );
        std::fs::write(dir.path().join("touchbase.toml"), config).expect("config");
        std::fs::write(dir.path().join("roster.toml"), roster_text).expect("roster");
        Setup { dir }
    }

    fn set_roster(&self, text: &str) {
        std::fs::write(self.dir.path().join("roster.toml"), text).expect("roster");
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .arg("--config")
            .arg(self.dir.path().join("touchbase.toml"))
            .output()
            .expect("run touchbase")
    }

    fn once(&self) -> String {
        let out = self.run(&["run", "--once"]);
        assert!(
            out.status.success(),
            "run --once failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("state/ledger.sqlite3")
    }

    /// Makes every queued message due now (the back-off time "passes").
    fn time_passes(&self) {
        let c = rusqlite::Connection::open(self.ledger()).expect("open ledger");
        c.execute(
            "UPDATE messages SET next_attempt_at = 0 WHERE state = 'queued'",
            [],
        )
        .expect("update");
    }
}

/// What a test reads out of one received message.
#[derive(Debug)]
struct Received {
    message_id: String,
    to: String,
    method: String,
    uid: String,
    sequence: u32,
    recurrence_id: bool,
    ics: String,
}

fn parse(raw: &str) -> Received {
    let m = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("MIME parses");
    let message_id = m.message_id().expect("Message-ID").to_string();
    let to = m
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .expect("To")
        .to_string();
    // Structure: multipart/mixed > multipart/alternative > text/plain,
    // text/html, text/calendar (base64); plus the .ics attachment.
    let root = m.root_part();
    let ct = root.content_type().expect("root content type");
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("mixed")));
    let mut types = Vec::new();
    let mut calendar = None;
    for part in m.parts.iter() {
        let Some(ct) = part.content_type() else {
            continue;
        };
        types.push(format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")));
        if ct.ctype() == "text" && ct.subtype() == Some("calendar") {
            assert_eq!(
                ct.attribute("charset")
                    .map(str::to_ascii_uppercase)
                    .as_deref(),
                Some("UTF-8")
            );
            let cte = part.content_transfer_encoding().expect("encoding");
            assert!(
                cte.eq_ignore_ascii_case("base64"),
                "calendar part must be base64: {cte}"
            );
            calendar = Some((
                ct.attribute("method").expect("method=").to_string(),
                part.text_contents().expect("text").to_string(),
            ));
        }
    }
    for t in [
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} missing in {types:?}");
    }
    let (method, ics) = calendar.expect("a text/calendar part");
    let cal = ICalendar::parse(&ics).expect("calendar parses");
    let head = &cal.components[0];
    let cal_method = head
        .entries
        .iter()
        .find(|e| e.name == ICalendarProperty::Method)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .expect("METHOD")
        .to_string();
    assert_eq!(
        cal_method, method,
        "METHOD of the part and of the VCALENDAR differ"
    );
    let event = cal
        .components
        .iter()
        .find(|c| c.component_type == ICalendarComponentType::VEvent)
        .expect("a VEVENT");
    let text = |p: ICalendarProperty| {
        event
            .entries
            .iter()
            .find(|e| e.name == p)
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_text())
            .map(str::to_string)
    };
    let uid = text(ICalendarProperty::Uid).expect("UID");
    let sequence = event
        .entries
        .iter()
        .find(|e| e.name == ICalendarProperty::Sequence)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_integer())
        .expect("SEQUENCE") as u32;
    let recurrence_id = event
        .entries
        .iter()
        .any(|e| e.name == ICalendarProperty::RecurrenceId);
    // ORGANIZER is mail.from, never the recipient; the manager is an attendee with RSVP.
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("ORGANIZER;CN=Touchbase:mailto:touchbase@example.com\r\n"),
        "{unfolded}"
    );
    assert!(
        unfolded.contains("RSVP=TRUE:mailto:ada@example.com"),
        "{unfolded}"
    );
    // Every TZID used has its VTIMEZONE.
    for line in unfolded.lines() {
        if let Some(i) = line.find("TZID=") {
            let tzid: String = line[i + 5..]
                .chars()
                .take_while(|c| *c != ':' && *c != ';')
                .collect();
            assert!(
                unfolded.contains(&format!("BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n")),
                "no VTIMEZONE for {tzid}"
            );
        }
    }
    Received {
        message_id,
        to,
        method,
        uid,
        sequence,
        recurrence_id,
        ics: unfolded,
    }
}

fn received(server: &Server) -> Vec<Received> {
    server.messages().iter().map(|m| parse(m)).collect()
}

#[test]
fn invitations_edits_opt_out_and_restarts() {
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(mail.path(), &Options::default());
    let setup = Setup::new(&server.url(), &roster(2, 3, ""));

    // A new pair, first meeting in 3 days: one REQUEST per series, carrying
    // that meeting's prompts.
    let out = setup.once();
    assert!(out.contains("sent 2,"), "{out}");
    let got = received(&server);
    assert_eq!(got.len(), 2);
    for r in &got {
        assert_eq!(
            (r.method.as_str(), r.sequence, r.to.as_str()),
            ("REQUEST", 0, "ada@example.com")
        );
        assert!(
            !r.recurrence_id,
            "the series message comes first, as a master"
        );
        assert!(r.ics.contains("RRULE:FREQ=WEEKLY"));
        assert!(r.ics.contains("RECURRENCE-ID;TZID=Europe/London:"));
    }

    // A restart sends nothing again.
    let out = setup.once();
    assert!(
        out.contains("queued 0 new messages") && out.contains("sent 0,"),
        "{out}"
    );
    assert_eq!(server.messages().len(), 2);

    // An edit raises SEQUENCE on the same UID.
    let uid0 = got
        .iter()
        .find(|r| r.ics.contains("Report 0"))
        .expect("r0")
        .uid
        .clone();
    setup.set_roster(&roster(2, 3, "  location = \"Room 7\"\n"));
    setup.once();
    let got = received(&server);
    assert_eq!(got.len(), 3);
    assert_eq!(
        (got[2].uid.as_str(), got[2].sequence, got[2].method.as_str()),
        (uid0.as_str(), 1, "REQUEST")
    );
    assert!(got[2].ics.contains("LOCATION:Room 7"));

    // An opt-out sends a CANCEL, and nothing after it.
    setup.set_roster(&roster(2, 3, "  opt_out = true\n"));
    setup.once();
    let got = received(&server);
    assert_eq!(got.len(), 4);
    assert_eq!(
        (got[3].uid.as_str(), got[3].method.as_str(), got[3].sequence),
        (uid0.as_str(), "CANCEL", 2)
    );
    assert!(got[3].ics.contains("STATUS:CANCELLED"));
    setup.once();
    assert_eq!(server.messages().len(), 4);
    // `plan` agrees that nothing is due.
    let plan = setup.run(&["plan"]);
    assert!(String::from_utf8_lossy(&plan.stdout).contains("Nothing to send."));
    let ids: Vec<_> = got.iter().map(|r| &r.message_id).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a Message-ID repeated");
}

#[test]
fn a_server_that_is_down_then_up_gets_everything_once() {
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: true,
            ..Options::default()
        },
    );
    let setup = Setup::new(&server.url(), &roster(5, 20, ""));
    let out = setup.once();
    assert!(out.contains("sent 0, deferred 5,"), "{out}");
    let status = String::from_utf8(setup.run(&["status"]).stdout).expect("utf-8");
    assert!(
        status.contains("queued:   5 (5 waiting to retry)"),
        "{status}"
    );
    // Still down on the next wake-up: nothing is lost, the back-off grows.
    setup.time_passes();
    setup.once();
    let c = rusqlite::Connection::open(setup.ledger()).expect("ledger");
    let attempts: i64 = c
        .query_row("SELECT MIN(attempts) FROM messages", [], |r| r.get(0))
        .expect("attempts");
    assert_eq!(attempts, 2);

    server.command("up");
    // Before the back-off runs out nothing is sent...
    setup.once();
    assert_eq!(server.messages().len(), 0);
    // ...after it, everything, once.
    setup.time_passes();
    let out = setup.once();
    assert!(out.contains("sent 5,"), "{out}");
    setup.time_passes();
    setup.once();
    let got = received(&server);
    assert_eq!(got.len(), 5);
    let mut uids: Vec<_> = got.iter().map(|r| r.uid.clone()).collect();
    uids.dedup();
    assert_eq!(uids.len(), 5);
}

#[test]
fn a_permanent_rejection_ends_as_failed_and_shows_in_status() {
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(
        mail.path(),
        &Options {
            reject: vec!["ada@example.com".into()],
            ..Options::default()
        },
    );
    let setup = Setup::new(&server.url(), &roster(1, 20, ""));
    let out = setup.once();
    assert!(out.contains("failed 1 "), "{out}");
    let status = String::from_utf8(setup.run(&["status"]).stdout).expect("utf-8");
    assert!(status.contains("failed:   1"), "{status}");
    assert!(status.contains("550"), "{status}");
    assert!(status.contains("to ada@example.com"), "{status}");
    // Not retried.
    setup.time_passes();
    setup.once();
    assert_eq!(server.messages().len(), 0);
}

#[test]
fn sigkill_mid_batch_loses_nothing_and_duplicates_only_what_was_in_flight() {
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(
        mail.path(),
        &Options {
            delay: 0.02,
            ..Options::default()
        },
    );
    let n = 120;
    let setup = Setup::new(&server.url(), &roster(n, 20, ""));
    let mut child = Command::new(BIN)
        .args(["run", "--once", "--config"])
        .arg(setup.dir.path().join("touchbase.toml"))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let before = server.wait_for(n / 3, Duration::from_secs(60)).len();
    assert!(
        before >= n / 3 && before < n,
        "the kill must land mid-batch ({before} of {n})"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    std::thread::sleep(Duration::from_millis(300));
    setup.once();
    let got = received(&server);
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &got {
        *by_id.entry(&r.message_id).or_default() += 1;
    }
    assert_eq!(by_id.len(), n, "a message was lost");
    let duplicated: usize = by_id.values().map(|c| c - 1).sum();
    // At most one message per connection was in flight when the process died.
    assert!(duplicated <= 8, "{duplicated} duplicates");
    let c = rusqlite::Connection::open(setup.ledger()).expect("ledger");
    let left: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM messages WHERE state != 'sent'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0);
}

/// Whether `wire` (what a client sent in the clear) gives away `password`:
/// as it is, or base64-encoded the ways AUTH PLAIN and LOGIN send it.
fn gives_away(wire: &str, user: &str, password: &str) -> bool {
    use base64_like::encode;
    let plain = encode(format!("\0{user}\0{password}").as_bytes());
    let login = encode(password.as_bytes());
    wire.contains(password) || wire.contains(&plain) || wire.contains(&login)
}

/// Standard base64, enough to recognise an AUTH exchange in a transcript.
mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[test]
fn credentials_never_cross_in_the_clear_to_a_server_without_starttls() {
    assert_eq!(base64_like::encode(b"\0user\0s3cr3t"), "AHVzZXIAczNjcjN0");
    // A server that offers AUTH but no STARTTLS, as a careless one would
    // (or as one does whose STARTTLS offer an attacker stripped).
    for query in ["", "?tls=opportunistic", "?tls=required"] {
        let mail = tempfile::tempdir().expect("tempdir");
        let server = Server::start(
            mail.path(),
            &Options {
                auth: true,
                ..Options::default()
            },
        );
        let url = format!("smtp://user:s3cr3t@127.0.0.1:{}{query}", server.port);
        let setup = Setup::new(&url, &roster(1, 20, ""));
        let out = setup.once();
        let wire = server.wire_log();
        assert!(
            wire.contains("EHLO"),
            "{query}: the transcript is recorded: {wire}"
        );
        assert!(!wire.contains("AUTH"), "{query}: AUTH in the clear: {wire}");
        assert!(!gives_away(&wire, "user", "s3cr3t"), "{query}: {wire}");
        assert_eq!(server.auth_log(), "", "{query}");
        assert_eq!(server.messages().len(), 0, "{query}");
        assert!(out.contains("sent 0, deferred 1,"), "{query}: {out}");
        let check = String::from_utf8(setup.run(&["check"]).stdout).expect("utf-8");
        assert!(check.contains("TLS is required"), "{query}: {check}");
        // The message waits, and `status` says why.
        let status = String::from_utf8(setup.run(&["status"]).stdout).expect("utf-8");
        assert!(
            status.contains("does not offer STARTTLS"),
            "{query}: {status}"
        );
        assert!(!status.contains("s3cr3t"), "{status}");
    }
}

#[test]
fn tls_none_is_the_explicit_way_to_authenticate_in_the_clear() {
    let mail = tempfile::tempdir().expect("tempdir");
    let server = Server::start(
        mail.path(),
        &Options {
            auth: true,
            ..Options::default()
        },
    );
    let url = format!("smtp://user:s3cr3t@127.0.0.1:{}?tls=none", server.port);
    let setup = Setup::new(&url, &roster(1, 20, ""));
    let check = String::from_utf8(setup.run(&["check"]).stdout).expect("utf-8");
    assert!(
        check.contains("credentials go in the clear (tls=none)"),
        "{check}"
    );
    assert!(!check.contains("s3cr3t"), "{check}");
    let out = setup.once();
    assert!(out.contains("sent 1,"), "{out}");
    // What the other test proves absent is recorded when it happens.
    assert!(
        server.auth_log().contains(" user s3cr3t"),
        "{}",
        server.auth_log()
    );
    assert!(gives_away(&server.wire_log(), "user", "s3cr3t"));
    assert_eq!(server.messages().len(), 1);
}

/// Messages about one calendar object leave in the order they were made,
/// one at a time: over 8 parallel connections to a slow server, every
/// recipient still receives each UID's SEQUENCE in increasing order.
#[test]
fn sequence_grows_per_recipient_and_uid_in_the_order_the_server_received_them() {
    let mail = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(
        mail.path(),
        &Options {
            down: true,
            delay: 0.02,
            ..Options::default()
        },
    );
    let setup = Setup::new(&server.url(), &roster(12, 3, ""));
    // The server is down: the invitations wait in the outbox...
    setup.once();
    // ...and so do the updates of two edits made meanwhile.
    for time in ["15:00", "16:30"] {
        setup.set_roster(&roster(12, 3, "").replace(
            "cadence = \"weekly\"",
            &format!("cadence = \"weekly\"\n  time = \"{time}\""),
        ));
        setup.once();
    }
    let c = rusqlite::Connection::open(setup.ledger()).expect("ledger");
    let queued: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM messages WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    // Per series: the invitation; then per edit, the whole series again and
    // a CANCEL of the meeting update sent at the old time.
    assert_eq!(queued, 60, "five messages per series wait");
    server.command("up");
    setup.time_passes();
    let out = setup.once();
    assert!(out.contains("sent 60,"), "{out}");
    let got = received(&server);
    assert_eq!(got.len(), 60);
    let mut last: BTreeMap<(String, String), u32> = BTreeMap::new();
    for r in &got {
        let key = (r.to.clone(), r.uid.clone());
        if let Some(prev) = last.get(&key) {
            assert!(
                r.sequence > *prev,
                "{key:?}: SEQUENCE {} arrived after {prev}",
                r.sequence
            );
        }
        last.insert(key, r.sequence);
    }
    assert_eq!(last.len(), 12);
    assert!(last.values().all(|s| *s == 4), "{last:?}");
    let cancels = got.iter().filter(|r| r.method == "CANCEL").count();
    assert_eq!(cancels, 24);
}

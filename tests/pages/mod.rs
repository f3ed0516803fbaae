//! The self-service page tests' world: a folder with a configuration and
//! a roster whose meetings start next week, the real `touchbase run`
//! binary (tests/harness) sending to the real test SMTP server, and a
//! small HTTP/1.1 client over `TcpStream` that sees the exact bytes.
//!
//! Needs `mod harness;` and `mod mailserver;` beside it in the test crate.
#![allow(dead_code)]
// The clock rule (clippy.toml) is for the library: these helpers wait on real processes and sockets.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::harness::{self, Spawned};
use crate::mailserver::{Options, Server};

/// Today, local (the daemon's "today").
pub fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

/// `today` plus `days`.
pub fn day(days: i64) -> jiff::civil::Date {
    today()
        .checked_add(jiff::Span::new().days(days))
        .expect("date")
}

/// Ada manages Grace, Alan and Katherine, weekly from 9 days ahead (out of
/// the 7 days' lead time, so only the series invitations go out at first).
pub fn roster(grace_extra: &str) -> String {
    let start = day(9);
    format!(
        r#"
[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"
timezone = "UTC"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "{start}"
  time = "09:30"
  cadence = "weekly"
{grace_extra}
  [[managers.reports]]
  email = "alan@example.com"
  name = "Alan Turing"
  start = "{start}"
  time = "11:00"
  cadence = "weekly"

  [[managers.reports]]
  email = "katherine@example.com"
  name = "Katherine Johnson"
  start = "{start}"
  time = "14:00"
  cadence = "weekly"
"#
    )
}

/// A folder, the SMTP server and the daemon.
pub struct World {
    pub dir: tempfile::TempDir,
    pub server: Server,
    pub daemon: Option<Spawned>,
}

impl World {
    /// Everything started; `invite_reports` as given.
    pub fn start(invite_reports: bool) -> World {
        World::start_with(invite_reports, &roster(""))
    }

    /// Everything started, with `roster_text` as the roster.
    pub fn start_with(invite_reports: bool, roster_text: &str) -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = Server::start(&dir.path().join("mail"), &Options::default());
        let config = format!(
            "roster = \"roster.toml\"\nstate_dir = \"state\"\n\
             [mail]\nfrom = \"Touchbase <touchbase@example.com>\"\ntransport = \"smtp\"\nurl = \"{}\"\ninvite_reports = {invite_reports}\n\
             [dispatch]\nevery = \"0 0 * * * *\"\n\
             [http]\nlisten = \"127.0.0.1:0\"\npublic_url = \"http://feeds.test\"\n",
            server.url()
        );
        std::fs::write(dir.path().join("touchbase.toml"), config).expect("config");
        std::fs::write(dir.path().join("roster.toml"), roster_text).expect("roster");
        let daemon = Spawned::start(&dir.path().join("touchbase.toml"));
        World {
            dir,
            server,
            daemon: Some(daemon),
        }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("touchbase.toml")
    }

    pub fn addr(&self) -> SocketAddr {
        self.daemon.as_ref().expect("daemon").addr
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        self.daemon.as_ref().expect("daemon").log()
    }

    /// Runs the CLI; its stdout, which must be a success.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = harness::cli(&self.config(), args);
        assert!(
            out.status.success(),
            "touchbase {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// The person's secret (made on first use).
    pub fn secret(&self, person: &str) -> String {
        let url = self.cli(&["feed-url", "--person", person]);
        url.trim()
            .rsplit('/')
            .next()
            .and_then(|s| s.strip_suffix(".ics"))
            .expect("feed URL")
            .to_string()
    }

    /// `preview --json` for the next 12 weeks.
    pub fn preview(&self) -> String {
        self.cli(&["preview", "--json"])
    }

    /// Waits until a reconcile finished after `since` (`/healthz`'s
    /// `last_reconcile`, an RFC 3339 instant).
    pub fn reconciled_after(&self, since: &str) -> String {
        let t = Instant::now();
        loop {
            let h = harness::health(self.addr());
            let last = h["last_reconcile"].as_str().unwrap_or("").to_string();
            if !last.is_empty() && last.as_str() > since && h["queue"] == 0 {
                return last;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "no reconcile after {since}: {h}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The `last_reconcile` now.
    pub fn last_reconcile(&self) -> String {
        harness::health(self.addr())["last_reconcile"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The page of `secret`, and its form token.
    pub fn page(&self, secret: &str) -> (Response, String) {
        let r = request(self.addr(), "GET", &format!("/me/{secret}"), &[], b"");
        assert_eq!(r.status, 200, "{}", r.text());
        let token = token_in(&r.text());
        (r, token)
    }

    /// Posts `form` (urlencoded) to the page of `secret`.
    pub fn post(&self, secret: &str, form: &str) -> Response {
        request(
            self.addr(),
            "POST",
            &format!("/me/{secret}"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
    }
}

/// The token a page's forms carry.
pub fn token_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a form token in the page")
        .to_string()
}

/// One response, as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The status line and header lines, as sent.
    pub head: Vec<String>,
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The head without its `Date` line: what must be identical between
    /// two 404s.
    pub fn without_date(&self) -> (Vec<String>, Vec<u8>) {
        let head = self
            .head
            .iter()
            .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
            .cloned()
            .collect();
        (head, self.body.clone())
    }
}

/// Writes one request on `conn`.
pub fn send(conn: &mut TcpStream, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    conn.write_all(&bytes).expect("write request");
}

/// Reads one response from `reader` (Content-Length framing, which is what
/// the daemon sends).
pub fn receive(reader: &mut BufReader<TcpStream>, head_only: bool) -> Response {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("read head");
        assert!(n > 0, "connection closed mid-response: {head:?}");
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let status = head
        .first()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let mut r = Response {
        status,
        head,
        body: Vec::new(),
    };
    let len: usize = r
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if !head_only {
        r.body = vec![0; len];
        reader.read_exact(&mut r.body).expect("read body");
    }
    r
}

/// One request on a fresh connection.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut conn = TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    send(&mut conn, method, path, headers, body);
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    receive(&mut reader, method == "HEAD")
}

/// A well-formed token for the page of `secret`, issued at `issued` (Unix
/// seconds), signed with the key in the ledger at `state`: what only the
/// daemon could make, for testing how it treats an old one.
pub fn forge_token(state: &std::path::Path, secret: &str, issued: i64) -> String {
    let c = rusqlite::Connection::open(state.join("ledger.sqlite3")).expect("ledger");
    let key: Vec<u8> = c
        .query_row("SELECT key FROM page_key WHERE id = 1", [], |r| r.get(0))
        .expect("the page key");
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(b"touchbase-me\0");
    ctx.update(secret.as_bytes());
    ctx.update(b"\0");
    ctx.update(issued.to_string().as_bytes());
    ctx.update(b"\0");
    ctx.update(b"0123456789abcdef");
    let mac: String = ctx
        .sign()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{issued}.0123456789abcdef.{mac}")
}

/// Rows in the ledger's `own_choices`.
pub fn own_choices(state: &std::path::Path) -> Vec<(String, bool, Option<String>, Option<String>)> {
    let c = rusqlite::Connection::open(state.join("ledger.sqlite3")).expect("ledger");
    let mut st = c
        .prepare("SELECT report, opt_out, paused_until, skip_tags FROM own_choices ORDER BY report")
        .expect("prepare");
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

/// A feed's text with its folded lines joined again.
pub fn unfolded(ics: &str) -> String {
    ics.replace("\r\n ", "")
}

/// The decoded parts of one received message: recipient, the calendar's
/// METHOD, text/plain, text/html and the calendar.
pub struct Mail {
    pub to: String,
    pub method: String,
    pub text: String,
    pub html: String,
    pub ics: String,
}

/// Reads a received message with `mail-parser` (not touchbase's code).
pub fn mail(raw: &str) -> Mail {
    use mail_parser::{MessageParser, MimeHeaders};
    let m = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("MIME parses");
    let to = m
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .expect("To")
        .to_string();
    let mut ics = String::new();
    let mut method = String::new();
    for part in m.parts.iter() {
        if let Some(ct) = part.content_type() {
            if ct.ctype() == "text" && ct.subtype() == Some("calendar") {
                ics = String::from_utf8_lossy(part.contents()).into_owned();
                method = ct.attribute("method").unwrap_or("").to_string();
            }
        }
    }
    Mail {
        to,
        method,
        text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: m.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        ics,
    }
}

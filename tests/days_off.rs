//! Days off end to end: calendar sources served by a local HTTP server
//! (127.0.0.1) and read from files; `check`, `preview` and `export` run as
//! the real binary; fetch failures (404, a timeout, a 20 MB body, garbage)
//! keep the last good copy; 304s; HTTPS through rustls against the roots
//! `SSL_CERT_FILE` names; the daemon's `/healthz` and `/metrics`.

#![allow(clippy::disallowed_methods)]

mod common;
mod harness;
mod mailserver;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use touchbase::core::daysoff::Kind;
use touchbase::core::roster::{Calendar, CalendarSource};
use touchbase::shell::daysoff;

/// A holiday calendar: Easter Monday 2027 (29 March, the day after the UK
/// changes to summer time) and a yearly 4 May, from 2026 on.
const HOLIDAYS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//holidays//EN\r\n\
BEGIN:VEVENT\r\nUID:easter-monday-2027@test\r\nDTSTART;VALUE=DATE:20270329\r\nDTEND;VALUE=DATE:20270330\r\nSUMMARY:Easter Monday\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:may@test\r\nDTSTART;VALUE=DATE:20260504\r\nDTEND;VALUE=DATE:20260505\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:May day\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

/// What the test server has seen and serves.
#[derive(Default)]
struct Server {
    requests: AtomicUsize,
    not_modified: AtomicUsize,
    /// `/flip.ics` serves garbage once this is set.
    flipped: AtomicBool,
    /// The `If-None-Match` headers received.
    conditions: Mutex<Vec<String>>,
}

fn serve() -> (SocketAddr, Arc<Server>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Arc::new(Server::default());
    let s = server.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let s = s.clone();
            std::thread::spawn(move || answer(conn, &s));
        }
    });
    (addr, server)
}

fn answer(mut conn: TcpStream, s: &Server) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut etag_in = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("if-none-match") {
                etag_in = Some(v.trim().to_string());
            }
        }
    }
    s.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(e) = &etag_in {
        s.conditions.lock().unwrap().push(e.clone());
    }
    let ok = |conn: &mut TcpStream, etag: &str, body: &[u8]| {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nETag: {etag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = conn.write_all(head.as_bytes());
        let _ = conn.write_all(body);
    };
    match path.as_str() {
        "/uk.ics" | "/flip.ics" => {
            let garbage = path == "/flip.ics" && s.flipped.load(Ordering::SeqCst);
            if garbage {
                let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
                ok(&mut conn, "\"v2\"", &bytes);
            } else if etag_in.as_deref() == Some("\"v1\"") {
                s.not_modified.fetch_add(1, Ordering::SeqCst);
                let _ = conn.write_all(
                    b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n",
                );
            } else {
                ok(&mut conn, "\"v1\"", HOLIDAYS.as_bytes());
            }
        }
        "/slow.ics" => {
            std::thread::sleep(Duration::from_secs(20));
        }
        "/huge.ics" | "/huge-unsized.ics" => {
            let sized = path == "/huge.ics";
            let head = if sized {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    20 * 1024 * 1024
                )
            } else {
                "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = conn.write_all(head.as_bytes());
            let chunk = vec![b'A'; 64 * 1024];
            for _ in 0..320 {
                if conn.write_all(&chunk).is_err() {
                    break;
                }
            }
        }
        _ => {
            let _ = conn.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
            );
        }
    }
}

const ROSTER: &str = r#"
[defaults]
timezone = "Europe/London"
calendars = ["uk"]

[[calendars]]
id = "uk"
source = "URL"
kind = "holidays"

[[calendars]]
id = "away"
source = "away.ics"
kind = "out_of_office"

[[managers]]
email = "ada@example.com"
name = "Ada Lovelace"

  [[managers.reports]]
  email = "grace@example.com"
  name = "Grace Hopper"
  start = "2027-03-01"
  time = "09:30"
  cadence = "weekly"

  [[managers.reports]]
  email = "alan@example.com"
  name = "Alan Turing"
  start = "2027-03-03"
  time = "14:00"
  cadence = "weekly"
  calendars = ["away"]
"#;

/// Alan's own calendar (his `calendars` replaces the default; his
/// manager's holidays still apply to their meetings): away from Wednesday
/// 28 April to Monday 3 May 2027, over a weekend and a month boundary, and
/// a timed lunch that is no day off.
const AWAY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//ooo//EN\r\n\
BEGIN:VEVENT\r\nUID:away@test\r\nDTSTART;VALUE=DATE:20270428\r\nDTEND;VALUE=DATE:20270504\r\nSUMMARY:Away\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:lunch@test\r\nDTSTART:20270310T120000Z\r\nDTEND:20270310T130000Z\r\nSUMMARY:Lunch\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

fn setup(url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.toml"), ROSTER.replace("URL", url)).unwrap();
    std::fs::write(dir.path().join("away.ics"), AWAY).unwrap();
    std::fs::write(
        dir.path().join("touchbase.toml"),
        "roster = \"roster.toml\"\nstate_dir = \"state\"\n\n[mail]\n\
         from = \"Touchbase <touchbase@example.com>\"\ntransport = \"file\"\ndir = \"outbox\"\n\n\
         [dispatch]\nhorizon_weeks = 12\n\n[http]\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchbase"))
        .arg("--config")
        .arg(dir.join("touchbase.toml"))
        .args(args)
        .env_remove("TOUCHBASE_CONFIG")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn dates(preview: &str, report: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(preview).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|m| m["report"] == report)
        .map(|m| m["start"].as_str().unwrap()[..10].to_string())
        .collect()
}

#[test]
fn check_preview_and_export_agree_on_days_off() {
    let (addr, server) = serve();
    let dir = setup(&format!("http://{addr}/uk.ics"));
    // `check` fetches the source once (there is no copy yet) and reports.
    let out = stdout(&run(dir.path(), &["check"]));
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    assert!(
        out.contains("calendars (days off in the next 12 weeks):"),
        "{out}"
    );
    let uk_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("uk ("))
        .unwrap();
    assert!(
        uk_line.contains("(holidays, http://127.0.0.1:"),
        "{uk_line}"
    );
    let away_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("away ("))
        .unwrap();
    assert!(away_line.contains("out_of_office"), "{away_line}");
    // The copy is private.
    let state = dir.path().join("state/calendars");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("uk.ics")), 0o600);
    assert_eq!(mode(&state.join("uk.json")), 0o600);

    let window = ["--from", "2027-03-01", "--weeks", "12"];
    let preview = stdout(&run(
        dir.path(),
        &[&["preview", "--json"][..], &window[..]].concat(),
    ));
    // A second command uses the stored copy: no new request.
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    let grace = dates(&preview, "grace@example.com");
    let alan = dates(&preview, "alan@example.com");
    // Grace meets on Mondays and loses Easter Monday (29 March, the day
    // after the change to summer time); Alan meets on Wednesdays and loses
    // 28 April, the first day he is away.
    assert!(!grace.contains(&"2027-03-29".to_string()), "{grace:?}");
    assert!(grace.contains(&"2027-03-22".to_string()) && grace.contains(&"2027-04-05".to_string()));
    assert_eq!(grace.len(), 11, "{grace:?}");
    assert!(!alan.contains(&"2027-04-28".to_string()), "{alan:?}");
    assert!(
        alan.contains(&"2027-03-10".to_string()),
        "a timed busy event is no day off: {alan:?}"
    );
    assert_eq!(alan.len(), 11, "{alan:?}");
    // check counts what each source skips in its horizon (from today, so
    // only the shape of the line is fixed here).
    assert!(
        uk_line.contains(" meetings, moves ") || uk_line.contains(" meeting, moves "),
        "{uk_line}"
    );

    // Every prompt number is used: numbers in preview run without a gap.
    let v: Value = serde_json::from_str(&preview).unwrap();
    let occ: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["report"] == "grace@example.com")
        .map(|m| m["occurrence"].as_u64().unwrap())
        .collect();
    assert!(
        !occ.contains(&4),
        "occurrence 4 (29 March) is skipped: {occ:?}"
    );

    // The feed, expanded by an independent parser, has the same meetings.
    let feed = stdout(&run(
        dir.path(),
        &[
            &["export", "--person", "grace@example.com"][..],
            &window[..],
        ]
        .concat(),
    ));
    common::assert_well_formed(&feed);
    let from = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let until = chrono::NaiveDate::from_ymd_opt(2027, 5, 24).unwrap();
    let london: chrono_tz::Tz = "Europe/London".parse().unwrap();
    let mut shown_sorted: Vec<String> = common::expand(&feed, 1_900_000_000)
        .iter()
        .filter(|s| s.in_window(from, until))
        .map(|s| {
            use chrono::TimeZone;
            london
                .timestamp_opt(s.start, 0)
                .unwrap()
                .date_naive()
                .to_string()
        })
        .collect();
    shown_sorted.sort();
    assert_eq!(shown_sorted, grace, "feed {feed}");
}

#[test]
fn failures_keep_the_last_good_copy_and_304_costs_nothing() {
    let (addr, server) = serve();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path();
    let cal = |id: &str, path: &str| Calendar {
        id: id.to_string(),
        source: CalendarSource::Url(format!("http://{addr}{path}")),
        kind: Kind::Holidays,
        refresh: jiff::SignedDuration::from_hours(12),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    rt.block_on(async {
        // First fetch, then a conditional one: 304.
        let flip = cal("flip", "/flip.ics");
        assert_eq!(daysoff::refresh(state, &flip, now).await, Ok(true));
        assert_eq!(daysoff::refresh(state, &flip, now).await, Ok(false));
        assert_eq!(server.not_modified.load(Ordering::SeqCst), 1);
        assert_eq!(server.conditions.lock().unwrap().as_slice(), ["\"v1\""]);
        let good = std::fs::read(state.join("calendars/flip.ics")).unwrap();
        // Garbage: refused, the good copy stays.
        server.flipped.store(true, Ordering::SeqCst);
        let err = daysoff::refresh(state, &flip, now).await.unwrap_err();
        assert!(err.contains("not an iCalendar"), "{err}");
        assert_eq!(
            std::fs::read(state.join("calendars/flip.ics")).unwrap(),
            good
        );

        let err = daysoff::refresh(state, &cal("gone", "/missing.ics"), now)
            .await
            .unwrap_err();
        assert_eq!(err, "HTTP status 404");
        for path in ["/huge.ics", "/huge-unsized.ics"] {
            let err = daysoff::refresh(state, &cal("huge", path), now)
                .await
                .unwrap_err();
            assert!(err.contains("larger than"), "{path}: {err}");
        }
        assert!(!state.join("calendars/huge.ics").exists());
        let started = Instant::now();
        let err = daysoff::refresh(state, &cal("slow", "/slow.ics"), now)
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(err, "timed out after 10s");
        assert!(
            took >= Duration::from_secs(9) && took < Duration::from_secs(14),
            "{took:?}"
        );
    });
    // What was stored reads as days off.
    let body = std::fs::read(state.join("calendars/flip.ics")).unwrap();
    let d = touchbase::core::daysoff::read(
        &body,
        Kind::Holidays,
        daysoff::range(jiff::civil::date(2027, 6, 1), 12),
    )
    .unwrap();
    assert!(
        d.contains(jiff::civil::date(2027, 3, 29)) && d.contains(jiff::civil::date(2028, 5, 4))
    );
}

#[test]
fn roster_errors_name_the_calendar_key() {
    let dir = setup("ftp://example.org/x.ics");
    let roster = ROSTER
        .replace("URL", "ftp://example.org/x.ics")
        .replace("kind = \"holidays\"", "kind = \"holiday\"")
        .replace("calendars = [\"away\"]", "calendars = [\"awya\"]")
        .replace(
            "calendars = [\"uk\"]",
            "calendars = [\"uk\"]\non_day_off = \"later\"",
        );
    std::fs::write(dir.path().join("roster.toml"), roster).unwrap();
    let out = run(dir.path(), &["check"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("roster.toml:"), "{err}");
    assert!(err.contains("key `calendars[0].source`"), "{err}");
    assert!(
        err.contains("key `calendars[0].kind`: found \"holiday\""),
        "{err}"
    );
    assert!(
        err.contains("key `defaults.on_day_off`: found \"later\""),
        "{err}"
    );
    assert!(
        err.contains("key `managers[0].reports[1].calendars[0]`: found unknown calendar \"awya\""),
        "{err}"
    );
    assert!(err.contains("did you mean `away`?"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_degrades_health_and_counts_in_metrics() {
    let (addr, _server) = serve();
    let dir = setup(&format!("http://{addr}/missing.ics"));
    let daemon = harness::InProcess::start(
        &dir.path().join("touchbase.toml"),
        touchbase::shell::clock::Clock::system(),
    )
    .await;
    let h = daemon.first_reconcile().await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert_eq!(h["calendars"]["uk"], "HTTP status 404", "{h}");
    let text = h.to_string();
    assert!(
        !text.contains("127.0.0.1") && !text.contains("example.com"),
        "{text}"
    );
    let at = daemon.addr;
    let metrics = tokio::task::spawn_blocking(move || harness::get(at, "/metrics").2)
        .await
        .unwrap();
    assert!(
        metrics.contains("touchbase_calendar_fetches_total{result=\"error\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("touchbase_calendar_sources_failing 1"),
        "{metrics}"
    );
    // It keeps working: the reconcile ran and mail went out.
    assert!(h["last_reconcile"].is_string());
    assert!(h["last_error"].is_null(), "{h}");
    daemon.stop().await;
}

#[test]
fn next_day_moves_the_meeting_in_preview_and_feed_alike() {
    let (addr, _server) = serve();
    let dir = setup(&format!("http://{addr}/uk.ics"));
    let roster = ROSTER
        .replace("URL", &format!("http://{addr}/uk.ics"))
        .replace(
            "calendars = [\"uk\"]",
            "calendars = [\"uk\"]\non_day_off = \"next_day\"",
        );
    std::fs::write(dir.path().join("roster.toml"), roster).unwrap();
    let window = ["--from", "2027-03-01", "--weeks", "12"];
    let preview = stdout(&run(
        dir.path(),
        &[&["preview", "--json"][..], &window[..]].concat(),
    ));
    let v: Value = serde_json::from_str(&preview).unwrap();
    let grace: Vec<&Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["report"] == "grace@example.com")
        .collect();
    assert_eq!(grace.len(), 12);
    // Easter Monday's meeting is on Tuesday at the same time.
    let moved = grace
        .iter()
        .find(|m| m["start"].as_str().unwrap().starts_with("2027-03-30"))
        .unwrap_or_else(|| panic!("{preview}"));
    assert_eq!(moved["start"], "2027-03-30T09:30:00+01:00");
    assert_eq!(moved["occurrence"], 4);
    let feed = stdout(&run(
        dir.path(),
        &[
            &["export", "--person", "grace@example.com"][..],
            &window[..],
        ]
        .concat(),
    ));
    common::assert_well_formed(&feed);
    let from = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let until = chrono::NaiveDate::from_ymd_opt(2027, 5, 24).unwrap();
    let starts: Vec<i64> = common::expand(&feed, 1_900_000_000)
        .iter()
        .filter(|s| s.in_window(from, until))
        .map(|s| s.start)
        .collect();
    let wanted: Vec<i64> = grace
        .iter()
        .map(|m| {
            m["start"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_second()
        })
        .collect();
    assert_eq!(starts, wanted, "{feed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_fetches_before_its_first_reconcile_and_mails_the_exdate() {
    let (addr, server) = serve();
    let dir = setup(&format!("http://{addr}/uk.ics"));
    let daemon = harness::InProcess::start(
        &dir.path().join("touchbase.toml"),
        touchbase::shell::clock::Clock::system(),
    )
    .await;
    let h = daemon.first_reconcile().await;
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    let at = daemon.addr;
    let metrics = tokio::task::spawn_blocking(move || harness::get(at, "/metrics").2)
        .await
        .unwrap();
    assert!(
        metrics.contains("touchbase_calendar_fetches_total{result=\"fetched\"} 1"),
        "{metrics}"
    );
    daemon.stop().await;
    // Grace's invitation already leaves Easter Monday out.
    let mut found = false;
    for entry in std::fs::read_dir(dir.path().join("outbox")).unwrap() {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        for part in msg.parts.iter() {
            let Some(text) = part.text_contents() else {
                continue;
            };
            if text.contains("BEGIN:VCALENDAR") && text.contains("grace@example.com") {
                let unfolded = text.replace("\r\n ", "");
                assert!(
                    unfolded.contains("EXDATE;TZID=Europe/London:20270329T093000"),
                    "{unfolded}"
                );
                found = true;
            }
        }
    }
    assert!(found, "no invitation for Grace in the outbox");
}

/// Makes a test CA and a certificate for 127.0.0.1 signed by it, with the
/// openssl command (installed by `scripts/test` when missing); returns the
/// CA's PEM path, the server's chain and key paths.
fn make_certificates(
    dir: &Path,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ca = format!("{name}-ca.pem");
    let ca_key = format!("{name}-ca.key");
    let key = format!("{name}-server.key");
    let csr = format!("{name}-server.csr");
    let cert = format!("{name}-server.pem");
    let ext = format!("{name}-ext.cnf");
    std::fs::write(
        dir.join(&ext),
        "basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let curve = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &curve[..],
            &[
                "-keyout",
                &ca_key,
                "-out",
                &ca,
                "-days",
                "2",
                "-subj",
                &format!("/CN={name} test CA"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign",
            ][..],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &curve[..],
            &["-keyout", &key, "-out", &csr, "-subj", "/CN=127.0.0.1"][..],
        ]
        .concat(),
    );
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-out",
        &cert,
        "-days",
        "2",
        "-extfile",
        &ext,
    ]);
    (dir.join(ca), dir.join(cert), dir.join(key))
}

/// An HTTPS server on 127.0.0.1 (rustls) that answers every request with
/// the holiday calendar; returns its address and a count of requests.
fn serve_tls(cert: &Path, key: &Path) -> (SocketAddr, Arc<AtomicUsize>) {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            let count = count.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match std::io::Read::read(&mut tls, &mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                count.fetch_add(1, Ordering::SeqCst);
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{HOLIDAYS}",
                    HOLIDAYS.len()
                );
                let _ = tls.write_all(reply.as_bytes());
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    (addr, served)
}

#[test]
fn https_sources_are_read_through_rustls_and_checked_against_the_roots() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_certificates(certs.path(), "trusted");
    let (other_ca, _, _) = make_certificates(certs.path(), "other");
    let (addr, served) = serve_tls(&cert, &key);
    let dir = setup(&format!("https://{addr}/uk.ics"));
    let check = |roots: &Path| {
        Command::new(env!("CARGO_BIN_EXE_touchbase"))
            .arg("--config")
            .arg(dir.path().join("touchbase.toml"))
            .arg("check")
            .env_remove("TOUCHBASE_CONFIG")
            .env("SSL_CERT_FILE", roots)
            .env_remove("SSL_CERT_DIR")
            .output()
            .unwrap()
    };

    // A certificate from a CA the roots do not hold: refused, said once on
    // stderr, no copy stored, and check still answers.
    let out = check(&other_ca);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("calendar uk: cannot fetch (TLS: invalid peer certificate: UnknownIssuer)"),
        "{err}"
    );
    assert!(out.status.success(), "{err}");
    assert!(!dir.path().join("state/calendars/uk.ics").exists());

    // Trusted: fetched over TLS once, stored, and its holidays apply.
    let out = check(&ca);
    let text = stdout(&out);
    assert_eq!(served.load(Ordering::SeqCst), 1, "one request over TLS");
    let uk = text
        .lines()
        .find(|l| l.trim_start().starts_with("uk ("))
        .unwrap();
    assert!(uk.contains("(holidays, https://127.0.0.1:"), "{uk}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("state/calendars/uk.ics")).unwrap(),
        HOLIDAYS
    );
    let preview = stdout(&run(
        dir.path(),
        &["preview", "--json", "--from", "2027-03-01", "--weeks", "12"],
    ));
    let grace = dates(&preview, "grace@example.com");
    assert!(grace.contains(&"2027-03-22".to_string()), "{grace:?}");
    assert!(
        !grace.contains(&"2027-03-29".to_string()),
        "Easter Monday: {grace:?}"
    );
}

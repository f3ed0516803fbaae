//! HTTP under a flood, against the real binary: 1,000 connections held
//! open and idle, and slow clients sending their request heads a byte at
//! a time, while a calendar client fetches its feed. Feeds keep answering
//! (the p99 is printed and bounded), and the idle and slow connections are
//! closed once the header timeout (10 s) passes.
//!
//! Its own test binary, so that nothing else runs beside it.
// The clock rule (clippy.toml) is for the library: this test measures wall time.
#![allow(clippy::disallowed_methods)]

mod harness;
mod mailserver;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::Spawned;

const IDLE: usize = 1000;
const SLOW: usize = 50;
const FETCHES: usize = 300;

/// One feed fetch on a new connection: status and how long it took.
fn fetch(addr: SocketAddr, path: &str) -> (u16, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: feeds.test\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let head = String::from_utf8_lossy(&resp[..resp.len().min(64)]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, t.elapsed())
}

/// Keeps `SLOW` connections sending a request head a byte every 100 ms,
/// opening a new one whenever the server closes one, until `stop`.
fn slow_clients(addr: SocketAddr, stop: Arc<AtomicBool>, closed: Arc<AtomicUsize>) {
    let head =
        b"GET /feeds/0123456789abcdef0123456789abcdef.ics HTTP/1.1\r\nHost: feeds.test\r\nX-Slow: ";
    let open = || {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).expect("nodelay");
        (s, 0usize)
    };
    let mut conns: Vec<(TcpStream, usize)> = (0..SLOW).map(|_| open()).collect();
    while !stop.load(Ordering::SeqCst) {
        for c in conns.iter_mut() {
            let byte = head.get(c.1).copied().unwrap_or(b'a');
            if c.0.write_all(&[byte]).is_err() {
                closed.fetch_add(1, Ordering::SeqCst);
                *c = open();
            } else {
                c.1 += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn feeds_keep_answering_while_idle_and_slow_connections_are_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = "roster = \"roster.toml\"\nstate_dir = \"state\"\n[mail]\ntransport = \"file\"\ndir = \"outbox\"\n[http]\nlisten = \"127.0.0.1:0\"\npublic_url = \"http://feeds.test\"\n";
    std::fs::write(dir.path().join("touchbase.toml"), config).expect("config");
    std::fs::write(
        dir.path().join("roster.toml"),
        harness::roster(20, "2027-01-05", ""),
    )
    .expect("roster");
    let config = dir.path().join("touchbase.toml");
    let daemon = Spawned::start(&config);
    let addr = daemon.addr;
    let url = String::from_utf8(
        harness::cli(&config, &["feed-url", "--person", "ada@example.com"]).stdout,
    )
    .expect("utf-8");
    let path = url
        .trim()
        .strip_prefix("http://feeds.test")
        .expect("feed path")
        .to_string();
    assert_eq!(fetch(addr, &path).0, 200);

    // Each with the time it was opened: the server closes it 10 s after.
    let t0 = Instant::now();
    let mut idle: Vec<(TcpStream, Instant)> = (0..IDLE)
        .map(|_| {
            (
                TcpStream::connect(addr).expect("idle connection"),
                Instant::now(),
            )
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let closed = Arc::new(AtomicUsize::new(0));
    let slow = std::thread::spawn({
        let (stop, closed) = (stop.clone(), closed.clone());
        move || slow_clients(addr, stop, closed)
    });

    let mut times = Vec::with_capacity(FETCHES);
    for _ in 0..FETCHES {
        let (status, took) = fetch(addr, &path);
        assert_eq!(status, 200);
        times.push(took);
        std::thread::sleep(Duration::from_millis(2));
    }
    let held_for = t0.elapsed();
    assert!(
        held_for < Duration::from_millis(9500),
        "the fetches must run while every idle connection is held ({held_for:?})"
    );
    times.sort();
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let (p50, p99, max) = (p(0.50), p(0.99), times[times.len() - 1]);
    println!(
        "feeds under {IDLE} idle and {SLOW} slow-header connections: {FETCHES} fetches, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
    assert!(p99 < Duration::from_millis(250), "p99 {p99:?}");

    // The header timeout (10 s) closes the idle connections, and the slow
    // ones however many bytes they sent.
    for (s, opened) in idle.iter_mut().step_by(50) {
        let deadline = *opened + Duration::from_secs(13);
        let left = deadline.saturating_duration_since(Instant::now());
        s.set_read_timeout(Some(left.max(Duration::from_millis(10))))
            .expect("timeout");
        let mut buf = [0u8; 16];
        match s.read(&mut buf) {
            Ok(0) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            other => panic!("an idle connection still open 13 s after it was opened: {other:?}"),
        }
        assert!(
            opened.elapsed() >= Duration::from_millis(9900),
            "closed before the timeout"
        );
    }
    let t = Instant::now();
    while closed.load(Ordering::SeqCst) < SLOW {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "slow connections still open: {} of {SLOW} closed",
            closed.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::SeqCst);
    slow.join().expect("slow clients");
    assert_eq!(fetch(addr, &path).0, 200);
    let h = daemon.health();
    assert_eq!(h["status"], "ok", "{h}");
    assert!(daemon.stop().0.success());
}

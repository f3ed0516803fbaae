//! The server's limits over real TCP on 127.0.0.1, with small limits so
//! that each shows in well under a second.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::*;
use crate::shell::clock;
use crate::shell::daemon::tests::{get, shared_for_test};

fn small() -> Limits {
    Limits {
        connections: 2,
        header_timeout: Duration::from_millis(400),
        lifetime: Duration::from_secs(5),
        max_head: 8192,
        max_headers: 16,
        handlers: 1,
    }
}

async fn start(limits: Limits) -> (SocketAddr, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(serve(
        listener,
        Arc::new(shared_for_test()),
        limits,
        stopped,
    ));
    (addr, stop)
}

/// Whether the server closed `s` (EOF or reset) within `within`.
fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    s.set_read_timeout(Some(within)).expect("timeout");
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_the_header_timeout_frees_a_slot() {
    let (addr, _stop) = start(small()).await;
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(addr).expect("idle connection"))
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = clock::instant();
    let (status, resp) = get(addr, "/healthz").await;
    let waited = clock::since(t);
    assert_eq!(status, 200, "{resp}");
    assert!(
        waited >= Duration::from_millis(250),
        "answered after {waited:?}, while both slots were taken"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_or_idle_client_is_closed_after_the_header_timeout() {
    let (addr, _stop) = start(small()).await;
    let t = clock::instant();
    let closed = tokio::task::spawn_blocking(move || {
        let mut slow = TcpStream::connect(addr).expect("connect");
        slow.write_all(b"GET /healthz HTTP/1.1\r\nHo")
            .expect("write");
        closed_within(&mut slow, Duration::from_secs(3))
    })
    .await
    .expect("client");
    assert!(closed, "still open");
    let took = clock::since(t);
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_request_head_is_refused() {
    let (addr, _stop) = start(small()).await;
    let status = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let big = "a".repeat(20_000);
        let _ = write!(
            s,
            "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n"
        );
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        resp
    })
    .await
    .expect("client");
    assert!(
        status.is_empty() || status.starts_with("HTTP/1.1 431"),
        "{status}"
    );
    // The server is none the worse.
    assert_eq!(get(addr, "/healthz").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_says_nosniff_and_no_referrer() {
    let (addr, _stop) = start(Limits::default()).await;
    for path in ["/healthz", "/metrics", "/feeds/nothing.ics", "/"] {
        let (status, resp) = get(addr, path).await;
        let head = resp.to_ascii_lowercase();
        assert!(status == 200 || status == 404, "{path}: {resp}");
        assert!(
            head.contains("\r\nx-content-type-options: nosniff\r\n"),
            "{path}: {resp}"
        );
        assert!(
            head.contains("\r\nreferrer-policy: no-referrer\r\n"),
            "{path}: {resp}"
        );
    }
}

#[test]
fn the_connection_cap_stays_under_the_open_files_limit() {
    let text = "Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            1024                 524288               files     \n";
    assert_eq!(open_files_limit(text), Some(1024));
    assert_eq!(
        open_files_limit("Max open files unlimited unlimited files"),
        Some(usize::MAX)
    );
    assert_eq!(open_files_limit("nothing"), None);
    let l = Limits::for_this_process();
    assert!(l.connections >= 16 && l.connections <= MAX_CONNECTIONS);
}

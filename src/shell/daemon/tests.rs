//! The daemon in-process: [`run`] on a listener bound to port 0, with a
//! test-only hook that makes a job panic.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use super::*;
use crate::core::roster;
use crate::core::series::History;
use crate::core::source::SourceText;

const ROSTER: &str = r#"
[[managers]]
email = "ada@example.com"
  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-01-05"
"#;

/// A configuration whose relative paths land in `dir`.
fn config_in(dir: &std::path::Path) -> Config {
    let text = "roster = \"roster.toml\"\nstate_dir = \"state\"\n[mail]\ntransport = \"file\"\ndir = \"outbox\"\n[http]\nlisten = \"127.0.0.1:0\"\n";
    let source = SourceText::new(dir.join("touchbase.toml"), text.to_string());
    crate::shell::config::parse(&source, &BTreeMap::new()).expect("config")
}

/// Shared state over a configuration that points nowhere, for tests that
/// need no files.
pub fn shared_for_test() -> Shared {
    let config = config_in(std::path::Path::new("/nonexistent"));
    let roster = roster::parse(&SourceText::new("roster.toml", ROSTER)).expect("roster");
    Shared::new(
        config,
        roster,
        History::new(),
        secrets::Secrets::default(),
        Clock::system(),
    )
}

/// `GET path` on `addr`, from a blocking thread: status and the whole
/// response.
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let path = path.to_string();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        let status = resp
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, resp)
    })
    .await
    .expect("client thread")
}

async fn health(addr: SocketAddr) -> serde_json::Value {
    let (status, resp) = get(addr, "/healthz").await;
    assert_eq!(status, 200, "{resp}");
    let body = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).expect("health json")
}

async fn wait_for(
    addr: SocketAddr,
    what: &str,
    f: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..500 {
        let h = health(addr).await;
        if f(&h) {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_reconcile_marks_health_degraded_and_the_daemon_carries_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("roster.toml"), ROSTER).expect("roster");
    let config = config_in(dir.path());
    let lock = StateLock::acquire(&config.state_dir).expect("lock");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let ctx = Context::new(lock);
    let reload = ctx.reload.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(run(
        config,
        listener,
        async {
            let _ = stopped.await;
        },
        ctx,
    ));

    let h = wait_for(addr, "the first reconcile", |h| {
        h["last_reconcile"].is_string()
    })
    .await;
    assert_eq!(h["status"], "ok", "{h}");

    job::PANIC_IN_NEXT_JOB.store(true, std::sync::atomic::Ordering::SeqCst);
    reload.notify_one();
    let h = wait_for(addr, "the panic in health", |h| h["panics"] == 1).await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(
        h["last_panic"]
            .as_str()
            .is_some_and(|s| s.starts_with("reconcile at ")),
        "{h}"
    );
    let (_, metrics) = get(addr, "/metrics").await;
    assert!(
        metrics.contains("\ntouchbase_task_panics_total 1\n"),
        "{metrics}"
    );

    // It still serves, and reconciles again (after the wait that follows a
    // failed job).
    let before = h["last_reconcile"].clone();
    reload.notify_one();
    let h = wait_for(addr, "a reconcile after the panic", |h| {
        h["last_reconcile"] != before
    })
    .await;
    assert_eq!(
        h["status"], "degraded",
        "a panic stays visible until a restart: {h}"
    );

    let _ = stop.send(());
    let result = tokio::time::timeout(Duration::from_secs(10), daemon)
        .await
        .expect("stops in time")
        .expect("no panic");
    assert!(result.is_ok(), "{result:?}");
}

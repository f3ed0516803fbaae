//! The daemon in the test process ([`InProcess`]), on a clock the test
//! chooses (tokio's paused one, for virtual time), and the waits such
//! tests need: on tokio's clock ([`wait_until`]) and, since tokio's clock
//! stands still while a blocking task hangs, on the real one ([`deadline`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use touchbase::shell::clock::Clock;
use touchbase::shell::daemon::{self, Context};
use touchbase::shell::lock::StateLock;

use super::{get, health};

/// The daemon in this process, on `clock`.
pub struct InProcess {
    /// Where it serves HTTP.
    pub addr: SocketAddr,
    /// Notify for an explicit reload (what SIGHUP does).
    pub reload: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl InProcess {
    /// Starts the daemon of the configuration at `config` on `clock`.
    pub async fn start(config: &Path, clock: Clock) -> InProcess {
        let config = touchbase::shell::load::load_config(config, &BTreeMap::new()).expect("config");
        let lock = StateLock::acquire(&config.state_dir).expect("state lock");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut ctx = Context::new(lock);
        ctx.clock = clock;
        let reload = ctx.reload.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let handle = tokio::spawn(daemon::run(config, listener, shutdown, ctx));
        InProcess {
            addr,
            reload,
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    /// `/healthz`, fetched from a blocking thread (which keeps tokio's
    /// paused clock from moving meanwhile).
    pub async fn health(&self) -> serde_json::Value {
        let addr = self.addr;
        tokio::task::spawn_blocking(move || health(addr))
            .await
            .expect("health")
    }

    /// The value of a metric without labels, from `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let addr = self.addr;
        let text = tokio::task::spawn_blocking(move || get(addr, "/metrics").2)
            .await
            .expect("metrics");
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }

    /// `/healthz` once the first reconcile (and its drain) is over.
    pub async fn first_reconcile(&self) -> serde_json::Value {
        for _ in 0..200 {
            let h = self.health().await;
            if h["last_reconcile"].is_string() {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no reconcile within 10 s");
    }

    /// Stops it as SIGTERM does and waits (at most 10 s of real time) for
    /// it to return. Real time, not tokio's: with the clock paused, a
    /// timeout on tokio's clock fires as soon as the runtime has nothing to
    /// do but wait on blocking work (a job on the blocking pool), however
    /// little real time has passed.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(h) = self.handle.take() {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !h.is_finished() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the daemon stops within 10 s"
                );
                tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)))
                    .await
                    .expect("a short sleep");
            }
            let r = h.await.expect("no panic");
            r.expect("the daemon stops without an error");
        }
    }
}

/// Sleeps on tokio's clock until `f` holds, checking every `step`, for at
/// most `limit`; returns how long it took.
pub async fn wait_until(
    what: &str,
    step: Duration,
    limit: Duration,
    mut f: impl FnMut() -> bool,
) -> Duration {
    let t = tokio::time::Instant::now();
    while !f() {
        assert!(t.elapsed() <= limit, "timed out waiting for {what}");
        tokio::time::sleep(step).await;
    }
    t.elapsed()
}

/// Ends the test process if the test is still running after `limit` of
/// real time. A virtual-time test cannot time itself out while a blocking
/// task hangs (tokio's clock stands still meanwhile); this bounds it.
pub struct Deadline(Option<std::sync::mpsc::Sender<()>>);

/// A [`Deadline`] for `what`.
pub fn deadline(what: &'static str, limit: Duration) -> Deadline {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!(
                "{what}: still running after {limit:?} of real time; stopping the test process"
            );
            std::process::exit(101);
        }
    });
    Deadline(Some(tx))
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

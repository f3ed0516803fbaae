//! The HTTP server: feeds, `/healthz` and `/metrics` on the listener the
//! caller bound, within [`Limits`].
//!
//! Feeds are fetched by calendar clients on the open network, so nothing a
//! client does may exhaust the daemon: connections are capped (beyond the
//! cap they wait in the kernel's backlog), a request head must arrive
//! within a timeout that also closes idle keep-alive connections, a
//! connection lives a bounded time (a client that stops reading its
//! response lets go of its slot), and a request head has a size limit.
//! Accept errors (out of file descriptors) back off instead of spinning.
//! Requests are answered on the blocking pool, a few at a time, since a
//! feed lookup may read SQLite and render a calendar.
//!
//! - `routes`: what each request gets.
//! - `metrics`: `/metrics`.
//! - `me`: a person's own page, `/me/<secret>`.

pub(crate) mod me;
mod metrics;
mod routes;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::state::Shared;
use super::supervise;

/// A response.
type Resp = Response<Full<Bytes>>;

/// Bounds on what clients can make the server hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections open at once; more wait in the listen backlog.
    pub connections: usize,
    /// Time for a request head to arrive, counted from when the server is
    /// ready for it: a slow sender, and a keep-alive connection left idle,
    /// are closed after it.
    pub header_timeout: Duration,
    /// A connection's whole life, however busy.
    pub lifetime: Duration,
    /// Bytes of request line and headers (hyper's floor is 8 KiB).
    pub max_head: usize,
    /// Header fields in a request.
    pub max_headers: usize,
    /// Requests answered at once on the blocking pool; more wait their turn.
    pub handlers: usize,
}

/// Descriptors kept free for everything but HTTP connections: the ledger
/// (three per open connection), SMTP connections, the roster watch, logs.
const RESERVED_FDS: usize = 256;

/// The most connections, whatever the descriptor limit allows.
const MAX_CONNECTIONS: usize = 4096;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: MAX_CONNECTIONS,
            header_timeout: Duration::from_secs(10),
            lifetime: Duration::from_secs(60),
            max_head: 16 * 1024,
            max_headers: 64,
            handlers: 4,
        }
    }
}

impl Limits {
    /// The defaults, with the connection cap kept under this process's
    /// limit on open files (so a flood of connections cannot leave the
    /// ledger or SMTP without a descriptor).
    pub fn for_this_process() -> Limits {
        let soft = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|text| open_files_limit(&text))
            .unwrap_or(1024);
        Limits {
            connections: soft.saturating_sub(RESERVED_FDS).clamp(16, MAX_CONNECTIONS),
            ..Limits::default()
        }
    }
}

/// The soft "Max open files" limit from the text of `/proc/self/limits`.
fn open_files_limit(text: &str) -> Option<usize> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    match soft {
        "unlimited" => Some(usize::MAX),
        n => n.parse().ok(),
    }
}

/// The first wait after an accept error, doubled up to [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// The longest wait after accept errors.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// How long a connection may finish its response once asked to close.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Serves until `shutdown` turns true.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.connections.max(1)));
    let handlers = Arc::new(Semaphore::new(limits.handlers.max(1)));
    let limits = Arc::new(limits);
    let mut backoff: Option<Duration> = None;
    loop {
        let accepted = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => tokio::select! {
                    a = listener.accept() => a.map(|(stream, _)| (stream, slot)),
                    _ = shutdown.changed() => break,
                },
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        match accepted {
            Ok((stream, slot)) => {
                backoff = None;
                let conn = Connection {
                    shared: shared.clone(),
                    handlers: handlers.clone(),
                    limits: limits.clone(),
                    shutdown: shutdown.clone(),
                    _slot: slot,
                };
                supervise::spawn(shared.clone(), "HTTP connection", conn.serve(stream));
            }
            Err(e) => {
                // Out of descriptors, most likely: retrying at once would
                // spin. Logged once per run of errors.
                let wait = backoff.map_or(ACCEPT_BACKOFF, |b| (b * 2).min(ACCEPT_BACKOFF_MAX));
                if backoff.is_none() {
                    tracing::warn!("cannot accept HTTP connections ({e}); retrying, backing off up to {ACCEPT_BACKOFF_MAX:?}");
                }
                backoff = Some(wait);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => break,
                }
            }
        }
    }
}

/// One accepted connection and what it needs.
struct Connection {
    shared: Arc<Shared>,
    handlers: Arc<Semaphore>,
    limits: Arc<Limits>,
    shutdown: watch::Receiver<bool>,
    /// Its place under the connection cap, freed when it closes.
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    /// Serves HTTP/1.1 on `stream` until the client closes, a limit is
    /// reached, or the daemon stops.
    async fn serve(mut self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let (shared, handlers) = (self.shared.clone(), self.handlers.clone());
        let svc = hyper::service::service_fn(move |req| {
            let (shared, handlers) = (shared.clone(), handlers.clone());
            async move { Ok::<_, Infallible>(respond(shared, handlers, req).await) }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout)
            .max_buf_size(self.limits.max_head.max(8192))
            .max_headers(self.limits.max_headers);
        let conn = builder.serve_connection(TokioIo::new(stream), svc);
        let mut conn = std::pin::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => return,
            () = tokio::time::sleep(self.limits.lifetime) => {}
            _ = self.shutdown.changed() => {}
        }
        conn.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(CLOSE_GRACE, conn).await;
    }
}

/// Answers `req` on the blocking pool, at most `handlers` at once, and
/// adds the headers every response carries.
async fn respond(shared: Arc<Shared>, handlers: Arc<Semaphore>, req: Request<Incoming>) -> Resp {
    let mut resp = if me::is_page(req.uri().path()) {
        me::respond(shared, handlers, req).await
    } else {
        other(shared, handlers, req).await
    };
    let h = resp.headers_mut();
    // No client may guess another type than the one given, and no page a
    // feed URL is opened from may learn it (the path is the secret).
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// Every request but a page's: the body is never read, no route takes one.
async fn other(shared: Arc<Shared>, handlers: Arc<Semaphore>, req: Request<Incoming>) -> Resp {
    let (parts, _body) = req.into_parts();
    match handlers.acquire().await {
        Ok(_turn) => {
            let s = shared.clone();
            let task = tokio::task::spawn_blocking(move || {
                routes::handle(&s, &parts.method, parts.uri.path(), &parts.headers)
            });
            match task.await {
                Ok(r) => r,
                Err(e) => {
                    supervise::panicked(&shared, "HTTP request", e);
                    routes::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal error\n")
                }
            }
        }
        Err(_) => routes::text(StatusCode::SERVICE_UNAVAILABLE, "Stopping\n"),
    }
}

#[cfg(test)]
mod tests;

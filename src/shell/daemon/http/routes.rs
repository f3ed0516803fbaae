//! What each request gets: `GET`/`HEAD /feeds/<secret>.ics`, `/healthz`,
//! `/metrics`. Runs on the blocking pool (a feed lookup may read SQLite).
//!
//! Feeds are rendered once per person and cached until the roster, the
//! history or the day changes; the ETag is a hash of the bytes, so a client
//! that sends it back gets 304. A wrong, rotated or unknown secret, an
//! opted-out report and a malformed path all get the same 404.

use std::sync::atomic::Ordering;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Response, StatusCode};

use super::super::state::{Feed, Metrics, Shared};
use super::Resp;
use crate::core::feed;
use crate::core::hash::hex128;

/// A plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The one 404: for a wrong secret, a page's as a feed's.
pub fn not_found() -> Resp {
    text(StatusCode::NOT_FOUND, "Not found\n")
}

/// Answers one request (pure but for the shared state).
pub fn handle(shared: &Shared, method: &Method, path: &str, headers: &hyper::HeaderMap) -> Resp {
    let m = &shared.metrics;
    let head = method == Method::HEAD;
    if method != Method::GET && !head {
        Metrics::inc(&m.feed_other);
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let resp = match path {
        "/healthz" => healthz(shared),
        "/metrics" => super::metrics::metrics(shared),
        p => match p
            .strip_prefix("/feeds/")
            .and_then(|s| s.strip_suffix(".ics"))
        {
            Some(secret) => feed_response(shared, secret, headers),
            None => not_found(),
        },
    };
    if head {
        let (parts, _) = resp.into_parts();
        return Response::from_parts(parts, Full::new(Bytes::new()));
    }
    resp
}

fn feed_response(shared: &Shared, secret: &str, headers: &hyper::HeaderMap) -> Resp {
    let m = &shared.metrics;
    let valid = secret.len() >= 32 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    let feed = valid
        .then(|| shared.person_for(secret))
        .flatten()
        .and_then(|p| feed_for(shared, &p, secret));
    let Some(feed) = feed else {
        Metrics::inc(&m.feed_404);
        return not_found();
    };
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/").as_bytes() == feed.etag.as_bytes()
        });
    let mut r = if matches {
        Metrics::inc(&m.feed_304);
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Metrics::inc(&m.feed_200);
        let mut r = Response::new(Full::new(feed.body.clone()));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        );
        r
    };
    let h = r.headers_mut();
    h.insert(header::ETAG, feed.etag);
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    r
}

/// The feed of `person`, from the cache or rendered now. The cache is
/// keyed by the secret: a report's feed names their page, whose address
/// holds it, so a rotated secret never gets a feed rendered for the old one.
fn feed_for(shared: &Shared, person: &str, secret: &str) -> Option<Feed> {
    let now = shared.clock.now();
    let today = shared.today(now)?;
    let key = (shared.generation.load(Ordering::Acquire), Some(today));
    if let Ok(cache) = shared.feeds.read() {
        if cache.key == key {
            if let Some(f) = cache.feeds.get(secret) {
                return Some(f.clone());
            }
        }
    }
    let current = shared.current();
    let key = (current.generation, Some(today));
    // Rendered outside the lock; two requests racing render twice, which
    // is harmless (same bytes but for DTSTAMP) and rare.
    let config = &shared.config;
    let window = feed::served_window(today, config.dispatch.horizon_weeks);
    let org = crate::shell::service::organizer(config);
    let (name, pairs) = current.directory.lookup(&current.roster, person).ok()?;
    let page = crate::shell::daemon::secrets::page_url(&config.http.public_url, secret);
    let body = feed::render_pairs(
        &current.roster,
        &current.history,
        name,
        &pairs,
        window,
        org,
        now,
        Some(feed::PageLink {
            report: person,
            url: &page,
        }),
    );
    let etag = format!("\"{}\"", hex128(&[body.as_bytes()]));
    let feed = Feed {
        etag: HeaderValue::from_str(&etag).ok()?,
        body: Bytes::from(body.into_bytes()),
    };
    if let Ok(mut cache) = shared.feeds.write() {
        if cache.key != key {
            cache.key = key;
            cache.feeds.clear();
        }
        cache.feeds.insert(secret.to_string(), feed.clone());
    }
    Some(feed)
}

fn healthz(shared: &Shared) -> Resp {
    let h = shared.health(|h| h.clone());
    let degraded = h.degraded();
    let body = serde_json::json!({
        "status": if degraded { "degraded" } else { "ok" },
        "reload_error": h.reload_error,
        "held_back": h.held_back,
        "last_error": h.last_error,
        "last_reconcile": h.last_reconcile.map(|t| t.to_string()),
        "next_wake": h.next_wake.map(|t| t.to_string()),
        "queue": h.queued,
        "panics": h.panics,
        "last_panic": h.last_panic,
        "calendars": h.calendars,
    });
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if degraded {
        // Still 200: the daemon serves and sends; "degraded" is for people.
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

//! A person's own page: `GET /me/<secret>` and `POST /me/<secret>`.
//!
//! The secret is the person's feed secret, so a wrong, rotated or unknown
//! one, or an opted-out report's (unless they opted out here, and may opt
//! back in), gets exactly the feeds' 404. A POST carries a form
//! (`application/x-www-form-urlencoded`, its size bounded): `action` =
//! `pause` (with `until`) | `opt_out` | `resume` | `skip_tags` (with
//! `tags`, repeated), and the page's `csrf` token ([`token`]). It is
//! read (`form`) and checked whole before anything changes; then the choice and the used
//! token go into the ledger in one transaction, merged into the roster in
//! force, and the daemon reconciles at once. The answer is a 303 back to
//! the page, whose one-line confirmation says what was done; bad input is
//! a 400 with a plain message; too many sends a 429 ([`limit`]).
//!
//! Every answer but the 404 is private: `Cache-Control: no-store`, a
//! Content-Security-Policy that allows only the page's own style sheet
//! and forms posting back to it, and no framing. Nothing logged names the
//! person.

mod form;
mod limit;
pub mod token;

use std::sync::{Arc, OnceLock};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use ring::digest;

use super::super::state::Shared;
use super::routes;
use super::Resp;
use crate::core::own::{self, Action};
use crate::core::page::{self, Done, Page};
use crate::core::roster::Pair;
use crate::shell::ledger::{Ledger, Recorded};

/// The largest form accepted, in bytes.
const MAX_FORM: usize = 16 * 1024;

/// What the pages need beyond the shared state.
#[derive(Debug, Default)]
pub struct PageState {
    /// The form-token key, read from the ledger once.
    key: OnceLock<Vec<u8>>,
    /// Sends per person.
    limiter: limit::Limiter,
    /// Notified after a choice is recorded: the scheduler reconciles.
    pub nudge: tokio::sync::Notify,
}

/// Whether `path` is a page's.
pub fn is_page(path: &str) -> bool {
    path.starts_with("/me/")
}

/// Answers a request for a page (the body is read here, bounded, before
/// the blocking pool takes over).
pub async fn respond(
    shared: Arc<Shared>,
    handlers: Arc<tokio::sync::Semaphore>,
    req: Request<Incoming>,
) -> Resp {
    let (parts, body) = req.into_parts();
    let form = if parts.method == Method::POST {
        match Limited::new(body, MAX_FORM).collect().await {
            Ok(b) => Some(Ok(b.to_bytes())),
            Err(_) => Some(Err(())),
        }
    } else {
        None
    };
    let Ok(_turn) = handlers.acquire().await else {
        return routes::text(StatusCode::SERVICE_UNAVAILABLE, "Stopping\n");
    };
    let s = shared.clone();
    let task = tokio::task::spawn_blocking(move || handle(&s, &parts, form));
    match task.await {
        Ok(r) => r,
        Err(e) => {
            super::super::supervise::panicked(&shared, "HTTP request", e);
            routes::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal error\n")
        }
    }
}

/// Who a secret opens the page of.
struct Visitor<'r> {
    secret: &'r str,
    person: String,
}

fn handle(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    form: Option<Result<Bytes, ()>>,
) -> Resp {
    let method = &parts.method;
    if method != Method::GET && method != Method::HEAD && method != Method::POST {
        let mut r = routes::text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, POST"));
        return r;
    }
    let secret = parts.uri.path().trim_start_matches("/me/");
    let valid = secret.len() >= 32 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(person) = valid.then(|| shared.person_for(secret)).flatten() else {
        return routes::not_found();
    };
    let current = shared.current();
    let roster = &current.roster;
    let own = own_pair(roster, &person);
    let is_manager = roster.managers.iter().any(|m| m.person.is(&person));
    if own.is_none() && !is_manager {
        return routes::not_found();
    }
    let v = Visitor { secret, person };
    let mut resp = match form {
        None => get(shared, &v, parts.uri.query()),
        Some(Err(())) => bad("The form is too large.\n"),
        Some(Ok(body)) => post(shared, &v, &parts.headers, &body),
    };
    private(&mut resp);
    if method == Method::HEAD {
        let (parts, _) = resp.into_parts();
        return Response::from_parts(parts, Full::new(Bytes::new()));
    }
    resp
}

/// The pair where `person` is the report, if they may see its forms:
/// active, or stopped by their own choice (so they can opt back in).
fn own_pair<'r>(roster: &'r crate::core::roster::Roster, person: &str) -> Option<&'r Pair> {
    roster
        .pairs
        .iter()
        .find(|p| p.report.is(person))
        .filter(|p| p.is_active() || roster.own.chose_opt_out(person))
}

/// The headers of a private page.
fn private(r: &mut Resp) {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    if let Ok(v) = HeaderValue::from_str(csp()) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The Content-Security-Policy: nothing but the page's own style sheet
/// (by its hash) and forms that post back to this origin.
fn csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let hash = digest::digest(&digest::SHA256, page::STYLE.as_bytes());
        format!(
            "default-src 'none'; style-src 'sha256-{}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            base64(hash.as_ref())
        )
    })
}

/// Standard base64 with padding (for the CSP hash).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
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

fn bad(msg: &str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(msg.to_string())));
    *r.status_mut() = StatusCode::BAD_REQUEST;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The form-token key, from the ledger on first use.
fn key(shared: &Shared) -> Option<Vec<u8>> {
    if let Some(k) = shared.page.key.get() {
        return Some(k.clone());
    }
    let k = Ledger::open(&shared.config.state_dir)
        .and_then(|mut l| l.page_key())
        .map_err(|e| tracing::warn!("self-service pages: cannot read the form key: {e}"))
        .ok()?;
    Some(shared.page.key.get_or_init(|| k).clone())
}

fn unavailable() -> Resp {
    routes::text(
        StatusCode::SERVICE_UNAVAILABLE,
        "The page cannot be served right now; try again later.\n",
    )
}

fn get(shared: &Shared, v: &Visitor<'_>, query: Option<&str>) -> Resp {
    let now = shared.clock.now();
    let (Some(today), Some(key), Some(nonce)) = (shared.today(now), key(shared), token::nonce())
    else {
        return unavailable();
    };
    let done = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "done")
            .and_then(|(_, v)| Done::from_key(&v))
    });
    let current = shared.current();
    let roster = &current.roster;
    let own = own_pair(roster, &v.person);
    let pairs: Vec<&Pair> = roster
        .active_pairs()
        .filter(|p| p.manager.is(&v.person) || p.report.is(&v.person))
        .collect();
    let name = roster
        .managers
        .iter()
        .find(|m| m.person.is(&v.person))
        .map(|m| m.person.name.as_str())
        .or(own.map(|p| p.report.name.as_str()))
        .unwrap_or("");
    let token = token::issue(&key, v.secret, now.as_second(), &nonce);
    let html = page::render(&Page {
        roster,
        history: &current.history,
        name,
        pairs,
        own,
        opted_out: roster.own.chose_opt_out(&v.person),
        today,
        now,
        horizon_weeks: shared.config.dispatch.horizon_weeks,
        token: &token,
        action: v.secret,
        done,
    });
    let mut r = Response::new(Full::new(Bytes::from(html)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn post(shared: &Shared, v: &Visitor<'_>, headers: &hyper::HeaderMap, body: &[u8]) -> Resp {
    let now = shared.clock.now();
    let secs = now.as_second();
    // Seconds as a float, for the bucket: fine for any date touchbase sees.
    #[allow(clippy::cast_precision_loss)]
    let at = secs as f64 + f64::from(now.subsec_millisecond()) / 1000.0;
    if let Err(wait) = shared.page.limiter.take(&v.person, at) {
        let mut r = routes::text(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many changes in a short time: wait a minute and try again.\n",
        );
        if let Ok(h) = HeaderValue::from_str(&wait.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, h);
        }
        return r;
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if form_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return bad("The form must be sent as application/x-www-form-urlencoded.\n");
    }
    let (Some(today), Some(key)) = (shared.today(now), key(shared)) else {
        return unavailable();
    };
    let current = shared.current();
    if own_pair(&current.roster, &v.person).is_none() {
        return bad("Only a report can make these choices; this page lists your 1:1s.\n");
    }
    let (action, csrf) = match form::read(body, today, |t| current.roster.bank.has_tag(t)) {
        Ok(x) => x,
        Err(msg) => return bad(&msg),
    };
    let expires = match token::check(&key, v.secret, csrf.as_deref(), secs) {
        Ok(e) => e,
        Err(e) => return bad(&format!("{e}\n")),
    };
    let recorded = Ledger::open(&shared.config.state_dir).and_then(|mut l| {
        let r = l.record_choice(
            &v.person,
            &action,
            csrf.as_deref().unwrap_or(""),
            expires,
            secs,
        )?;
        Ok((r, l.own_choices()?))
    });
    let choices = match recorded {
        Ok((Recorded::Replayed, _)) => {
            return bad("This form was sent already: reload the page to make another change.\n")
        }
        Ok((Recorded::Done, c)) => c,
        Err(e) => {
            tracing::error!("self-service choice not recorded: {e}");
            return unavailable();
        }
    };
    apply(shared, &choices);
    let done = match action {
        Action::Pause(_) => Done::Paused,
        Action::OptOut => Done::OptedOut,
        Action::Resume => Done::Resumed,
        Action::SkipTags(..) => Done::TagsSaved,
    };
    tracing::info!(
        "a report changed their own choice ({}); reconciling",
        done.key()
    );
    let mut r = Response::new(Full::new(Bytes::from_static(b"Done.\n")));
    *r.status_mut() = StatusCode::SEE_OTHER;
    // Relative to the page's own address, so a proxy's path prefix holds.
    let to = format!("{}?done={}", v.secret, done.key());
    if let Ok(h) = HeaderValue::from_str(&to) {
        r.headers_mut().insert(header::LOCATION, h);
    }
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Merges `choices` into the roster in force and asks for a reconcile.
fn apply(shared: &Shared, choices: &own::Choices) {
    shared.set_roster_choices(choices);
    shared.page.nudge.notify_one();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}

//! `/metrics`: Prometheus text format.

use std::sync::atomic::{AtomicU64, Ordering};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::Response;

use super::super::state::Shared;
use super::Resp;

/// One metric in Prometheus text format: HELP, TYPE and its samples.
fn put_metric(s: &mut String, name: &str, kind: &str, help: &str, lines: &[(&str, u64)]) {
    s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    for (labels, v) in lines {
        s.push_str(&format!("{name}{labels} {v}\n"));
    }
}

/// The metrics without labels: name, type, help, value.
fn plain(shared: &Shared) -> [(&'static str, &'static str, &'static str, u64); 8] {
    let m = &shared.metrics;
    let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let (queued, panics) = shared.health(|h| (h.queued, h.panics));
    [
        (
            "touchbase_messages_sent_total",
            "counter",
            "Messages accepted by the mail server.",
            g(&m.sent),
        ),
        (
            "touchbase_messages_failed_total",
            "counter",
            "Messages refused for good.",
            g(&m.failed),
        ),
        (
            "touchbase_messages_deferred_total",
            "counter",
            "Transient delivery failures, retried later.",
            g(&m.deferred),
        ),
        (
            "touchbase_messages_queued",
            "gauge",
            "Messages waiting in the outbox.",
            queued,
        ),
        (
            "touchbase_reconciles_total",
            "counter",
            "Reconciles run.",
            g(&m.reconciles),
        ),
        (
            "touchbase_roster_reloads_total",
            "counter",
            "Roster reloads applied.",
            g(&m.reloads),
        ),
        (
            "touchbase_roster_reload_errors_total",
            "counter",
            "Roster reloads refused or held back.",
            g(&m.reload_errors),
        ),
        (
            "touchbase_task_panics_total",
            "counter",
            "Panics in the daemon's tasks (each a bug; /healthz says degraded).",
            panics,
        ),
    ]
}

/// `/metrics`.
pub fn metrics(shared: &Shared) -> Resp {
    let m = &shared.metrics;
    let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut s = String::new();
    for (name, kind, help, v) in plain(shared) {
        put_metric(&mut s, name, kind, help, &[("", v)]);
    }
    s.push_str(&format!(
        "# HELP touchbase_reconcile_duration_seconds Time spent reconciling (and sending).\n# TYPE touchbase_reconcile_duration_seconds summary\ntouchbase_reconcile_duration_seconds_sum {:.6}\ntouchbase_reconcile_duration_seconds_count {}\n",
        g(&m.reconcile_micros) as f64 / 1e6,
        g(&m.reconciles)
    ));
    s.push_str(&format!(
        "# HELP touchbase_last_reconcile_duration_seconds Duration of the last reconcile.\n# TYPE touchbase_last_reconcile_duration_seconds gauge\ntouchbase_last_reconcile_duration_seconds {:.6}\n",
        g(&m.last_reconcile_micros) as f64 / 1e6
    ));
    put_metric(
        &mut s,
        "touchbase_feed_requests_total",
        "counter",
        "Feed requests by response status.",
        &[
            ("{status=\"200\"}", g(&m.feed_200)),
            ("{status=\"304\"}", g(&m.feed_304)),
            ("{status=\"404\"}", g(&m.feed_404)),
            ("{status=\"other\"}", g(&m.feed_other)),
        ],
    );
    put_metric(
        &mut s,
        "touchbase_calendar_fetches_total",
        "counter",
        "Calendar source fetches (days off) by result.",
        &[
            ("{result=\"fetched\"}", g(&m.calendar_fetched)),
            ("{result=\"not_modified\"}", g(&m.calendar_not_modified)),
            ("{result=\"error\"}", g(&m.calendar_errors)),
        ],
    );
    let failing = shared.health(|h| h.calendars.len() as u64);
    put_metric(
        &mut s,
        "touchbase_calendar_sources_failing",
        "gauge",
        "Calendar sources whose last fetch failed (their last good copy stays in use).",
        &[("", failing)],
    );
    let mut r = Response::new(Full::new(Bytes::from(s)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

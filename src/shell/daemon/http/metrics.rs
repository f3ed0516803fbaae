//! `/metrics`: Prometheus text format.

use std::sync::atomic::Ordering;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::Response;

use super::super::state::Shared;
use super::Resp;

/// One metric in Prometheus text format: HELP, TYPE and its samples.
fn put_metric(s: &mut String, name: &str, kind: &str, help: &str, lines: &[(String, u64)]) {
    s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    for (labels, v) in lines {
        s.push_str(&format!("{name}{labels} {v}\n"));
    }
}

/// `/metrics`. Long only because it is a list: one `put_metric` per
/// metric, in the order Prometheus shows them.
pub fn metrics(shared: &Shared) -> Resp {
    let m = &shared.metrics;
    let g = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let queued = shared.health(|h| h.queued);
    let reconciles = g(&m.reconciles);
    let mut s = String::new();
    put_metric(
        &mut s,
        "touchbase_messages_sent_total",
        "counter",
        "Messages accepted by the mail server.",
        &[(String::new(), g(&m.sent))],
    );
    put_metric(
        &mut s,
        "touchbase_messages_failed_total",
        "counter",
        "Messages refused for good.",
        &[(String::new(), g(&m.failed))],
    );
    put_metric(
        &mut s,
        "touchbase_messages_deferred_total",
        "counter",
        "Transient delivery failures, retried later.",
        &[(String::new(), g(&m.deferred))],
    );
    put_metric(
        &mut s,
        "touchbase_messages_queued",
        "gauge",
        "Messages waiting in the outbox.",
        &[(String::new(), queued)],
    );
    put_metric(
        &mut s,
        "touchbase_reconciles_total",
        "counter",
        "Reconciles run.",
        &[(String::new(), reconciles)],
    );
    s.push_str(&format!(
        "# HELP touchbase_reconcile_duration_seconds Time spent reconciling (and sending).\n# TYPE touchbase_reconcile_duration_seconds summary\ntouchbase_reconcile_duration_seconds_sum {:.6}\ntouchbase_reconcile_duration_seconds_count {reconciles}\n",
        g(&m.reconcile_micros) as f64 / 1e6
    ));
    s.push_str(&format!(
        "# HELP touchbase_last_reconcile_duration_seconds Duration of the last reconcile.\n# TYPE touchbase_last_reconcile_duration_seconds gauge\ntouchbase_last_reconcile_duration_seconds {:.6}\n",
        g(&m.last_reconcile_micros) as f64 / 1e6
    ));
    put_metric(
        &mut s,
        "touchbase_roster_reloads_total",
        "counter",
        "Roster reloads applied.",
        &[(String::new(), g(&m.reloads))],
    );
    put_metric(
        &mut s,
        "touchbase_roster_reload_errors_total",
        "counter",
        "Roster reloads refused or held back.",
        &[(String::new(), g(&m.reload_errors))],
    );
    put_metric(
        &mut s,
        "touchbase_task_panics_total",
        "counter",
        "Panics in the daemon's tasks (each a bug; /healthz says degraded).",
        &[(String::new(), shared.health(|h| h.panics))],
    );
    put_metric(
        &mut s,
        "touchbase_feed_requests_total",
        "counter",
        "Feed requests by response status.",
        &[
            ("{status=\"200\"}".into(), g(&m.feed_200)),
            ("{status=\"304\"}".into(), g(&m.feed_304)),
            ("{status=\"404\"}".into(), g(&m.feed_404)),
            ("{status=\"other\"}".into(), g(&m.feed_other)),
        ],
    );
    let mut r = Response::new(Full::new(Bytes::from(s)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

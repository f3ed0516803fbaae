//! The wake-up rules as a table of situations.

use super::*;
use crate::core::roster;
use crate::core::source::SourceText;

fn t(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn every(s: &str) -> cron::Schedule {
    s.parse().expect("cron")
}

fn state(reconciled_at: &str) -> WakeState {
    WakeState::new(t(reconciled_at))
}

#[test]
fn each_source_of_wake_ups_wins_when_it_is_first() {
    let ten = every("0 */10 * * * *");
    let now = t("2027-01-04T10:03:20Z");
    // (lead, retry, expected time, expected reason)
    let cases = [
        (None, None, "2027-01-04T10:10:00Z", Reason::Cron),
        (
            Some("2027-01-04T10:05:00Z"),
            None,
            "2027-01-04T10:05:00Z",
            Reason::Lead,
        ),
        (
            Some("2027-01-04T10:05:00Z"),
            Some("2027-01-04T10:04:00Z"),
            "2027-01-04T10:04:00Z",
            Reason::Retry,
        ),
        // A retry that is already due: at once.
        (
            None,
            Some("2027-01-04T10:01:00Z"),
            "2027-01-04T10:03:20Z",
            Reason::Retry,
        ),
        // The same instant: the reconcile, which drains too.
        (
            None,
            Some("2027-01-04T10:10:00Z"),
            "2027-01-04T10:10:00Z",
            Reason::Cron,
        ),
    ];
    for (lead, retry, at, reason) in cases {
        let mut s = state("2027-01-04T10:03:20Z");
        s.lead = lead.map(t);
        s.retry = retry.map(t);
        let w = next_wake(&s, &ten, now);
        assert_eq!(
            (w.at, w.reason),
            (t(at), reason),
            "lead {lead:?} retry {retry:?}"
        );
    }
    assert_eq!(Reason::Retry.job(), Job::Drain);
    assert_eq!(Reason::Lead.job(), Job::Reconcile);
}

#[test]
fn cron_ticks_count_from_the_last_reconcile_so_a_late_wake_up_still_runs_one() {
    let ten = every("0 */10 * * * *");
    let s = state("2027-01-04T10:03:20Z");
    // Woken a little after the tick: the tick is still due, now.
    let w = next_wake(&s, &ten, t("2027-01-04T10:10:00.300Z"));
    assert_eq!(
        (w.at, w.reason),
        (t("2027-01-04T10:10:00.300Z"), Reason::Cron)
    );
    let mut s = s;
    s.reconciled(t("2027-01-04T10:10:00.300Z"), None);
    let w = next_wake(&s, &ten, t("2027-01-04T10:10:01Z"));
    assert_eq!(w.at, t("2027-01-04T10:20:00Z"));
}

#[test]
fn with_nothing_in_the_lead_lookup_the_daemon_looks_again_later() {
    let yearly = every("0 0 0 1 1 *");
    let s = state("2027-03-01T00:00:00Z");
    let w = next_wake(&s, &yearly, t("2027-03-01T00:00:00Z"));
    assert_eq!(w.reason, Reason::LookAgain);
    assert_eq!(w.at, t("2027-03-01T00:00:00Z") + LOOKAHEAD);
}

/// A pair whose first meeting is months away: the lookup finds nothing
/// at first, the second look (or a later one) finds the exact instant.
#[test]
fn a_pair_far_out_is_found_by_looking_again() {
    let text = r#"
[[managers]]
email = "ada@example.com"
  [[managers.reports]]
  email = "grace@example.com"
  start = "2027-11-02"
  time = "09:30"
"#;
    let roster = roster::parse(&SourceText::new("roster.toml", text)).expect("roster");
    let yearly = every("0 0 0 1 1 *");
    let lead_days = 7;
    let entry = t("2027-10-26T09:30:00Z");
    let mut now = t("2027-03-01T00:00:00Z");
    let mut s = WakeState::new(now);
    for _ in 0..10 {
        let lead = crate::core::plan::next_lead_entry(&roster, lead_days, now);
        s.reconciled(now, lead);
        let w = next_wake(&s, &yearly, now);
        assert!(w.at > now && w.at <= entry, "{w:?}");
        now = w.at;
        if w.reason == Reason::Lead {
            break;
        }
    }
    assert_eq!(now, entry, "the lead-time entry itself");
}

#[test]
fn a_server_that_fails_every_attempt_backs_off_like_a_message() {
    let ten = every("0 0 * * * *");
    let at = t("2027-01-04T10:00:00Z");
    let mut s = state("2027-01-04T10:00:00Z");
    s.lead = Some(t("2027-02-01T00:00:00Z"));
    // The ledger would allow a retry at once (messages not tried yet).
    s.drained(at, false, true, Some(at));
    assert!(!s.may_drain(at));
    let w = next_wake(&s, &ten, at);
    assert_eq!(
        (w.at, w.reason),
        (at + SignedDuration::from_secs(30), Reason::Retry)
    );
    let later = w.at;
    s.drained(later, false, true, Some(later));
    let w = next_wake(&s, &ten, later);
    assert_eq!(w.at, later + SignedDuration::from_secs(60));
    // One acceptance and the server is trusted again.
    s.drained(w.at, true, true, Some(w.at + SignedDuration::from_secs(30)));
    assert!(s.may_drain(w.at));
    assert_eq!(
        next_wake(&s, &ten, w.at).at,
        w.at + SignedDuration::from_secs(30)
    );
    // Nothing tried at all (nothing due) is no sign of a server down.
    s.drained(w.at, false, false, None);
    assert_eq!(s.server_down, None);
}

#[test]
fn failed_jobs_wait_5_s_doubling_up_to_5_min() {
    let ten = every("0 */10 * * * *");
    let at = t("2027-01-04T10:00:00Z");
    let mut s = state("2027-01-04T10:00:00Z");
    s.lead = Some(at);
    let mut waits = Vec::new();
    for _ in 0..9 {
        s.failed(at);
        let w = next_wake(&s, &ten, at);
        assert_eq!(w.reason, Reason::AfterError);
        assert_eq!(w.reason.job(), Job::Reconcile);
        waits.push(w.at.duration_since(at).as_secs());
    }
    assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
    s.succeeded();
    assert_eq!(next_wake(&s, &ten, at).reason, Reason::Lead);
    // Whatever else is due, before or after: a reconcile once the wait is
    // over, since the failed job may have been one.
    s.failed(at);
    s.retry = Some(at);
    s.lead = Some(at + SignedDuration::from_mins(7));
    let w = next_wake(&s, &ten, at);
    assert_eq!(
        (w.at, w.reason),
        (at + SignedDuration::from_secs(5), Reason::AfterError)
    );
}

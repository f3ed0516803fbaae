//! Ledger tests against a real SQLite file.

use super::outbox::backoff;
use super::*;

fn msg(id: &str) -> NewMessage {
    NewMessage {
        message_id: id.to_string(),
        uid: format!("{id}@example.com"),
        recurrence_id: None,
        sequence: 0,
        method: "REQUEST".into(),
        recipient: "ada@example.com".into(),
        subject: "1:1".into(),
        content_hash: "h".into(),
        body: b"body".to_vec(),
        failed: None,
    }
}

fn series(uid: &str, sequence: u32) -> SentSeries {
    use crate::core::reconcile::{SeriesState, Shape, Who, Zone};
    SentSeries {
        uid: uid.into(),
        pair_uid: uid.into(),
        manager: Who::new("ada@example.com", "Ada"),
        report: Who::new("grace@example.com", "Grace"),
        sequence,
        state: SeriesState::Active,
        shape: Shape {
            anchor: jiff::civil::date(2027, 1, 5),
            time: jiff::civil::time(9, 30, 0, 0),
            cadence: crate::core::cadence::Cadence::Weeks(1),
            duration_minutes: 30,
            zone: Zone {
                name: "Europe/London".into(),
                tz: jiff::tz::TimeZone::get("Europe/London").expect("zone"),
            },
        },
        first_date: jiff::civil::date(2027, 1, 5),
        until_date: None,
        paused_until: None,
        paused_from: None,
        location: "Room 1".into(),
        fingerprint: "f".into(),
    }
}

#[test]
fn migrates_once_and_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    {
        let mut l = Ledger::open(&state).expect("open");
        l.apply(&[series("u1", 0)], &[], &[msg("m1")], 100)
            .expect("apply");
    }
    let l = Ledger::open(&state).expect("reopen");
    assert_eq!(l.sent().expect("sent").series, vec![series("u1", 0)]);
    assert_eq!(l.queue_len().expect("len"), 1);
    let version: i64 = l
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, MIGRATIONS.len() as i64);
    let mode: String = l
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let l = Ledger::open(dir.path()).expect("open");
        l.conn
            .pragma_update(None, "user_version", 99)
            .expect("bump");
    }
    assert!(matches!(
        Ledger::open(dir.path()),
        Err(LedgerError::TooNew { found: 99, .. })
    ));
}

#[test]
fn enqueue_is_idempotent_by_message_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    assert_eq!(
        l.apply(&[], &[], &[msg("m1"), msg("m2")], 10)
            .expect("apply"),
        2
    );
    assert_eq!(l.apply(&[], &[], &[msg("m1")], 11).expect("apply"), 0);
    assert_eq!(l.queue_len().expect("len"), 2);
}

#[test]
fn retry_backs_off_and_failure_is_final() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    l.apply(&[], &[], &[msg("m1"), msg("m2")], 1000)
        .expect("apply");
    let due = l.due(1000, 10).expect("due");
    assert_eq!(due.len(), 2);
    l.mark_retry(due[0].id, 1000, "421 try later")
        .expect("retry");
    l.mark_failed(due[1].id, 1000, "550 no such user")
        .expect("fail");
    assert!(l.due(1029, 10).expect("due").is_empty());
    assert_eq!(l.due(1030, 10).expect("due").len(), 1);
    l.mark_retry(due[0].id, 1030, "421 again").expect("retry");
    assert_eq!(l.next_due().expect("next"), Some(1090));
    let s = l.status(5).expect("status");
    assert_eq!((s.queued, s.retrying, s.sent), (1, 1, 0));
    assert_eq!(s.failures.len(), 1);
    assert!(s.failures[0].3.contains("550"));
    assert!(s.retries[0].3.contains("421 again"));
    l.mark_sent(&[due[0].id], 1100).expect("sent");
    let s = l.status(5).expect("status");
    assert_eq!((s.queued, s.sent), (0, 1));
    assert_eq!(s.last_sent.map(|x| x.0), Some(1100));
}

#[test]
fn a_message_that_could_not_be_built_is_recorded_failed_and_never_due() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    let mut bad = msg("m2");
    bad.body = Vec::new();
    bad.failed = Some("the display name holds a control character".into());
    let queued = l
        .apply(&[], &[], &[msg("m1"), bad.clone()], 1000)
        .expect("apply");
    assert_eq!(queued, 1);
    let due = l.due(2000, 10).expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].message_id, "m1");
    let s = l.status(5).expect("status");
    assert_eq!(s.queued, 1);
    assert_eq!(s.failures.len(), 1);
    assert_eq!(s.failures[0].0, 1000);
    assert!(s.failures[0].3.contains("control character"));
    // The same message again changes nothing.
    assert_eq!(l.apply(&[], &[], &[bad], 1001).expect("apply"), 0);
    assert_eq!(l.status(5).expect("status").failures.len(), 1);
}

#[test]
fn backoff_starts_within_30s_and_caps_at_an_hour() {
    assert_eq!(backoff(1), 30);
    assert_eq!(backoff(2), 60);
    assert_eq!(backoff(3), 120);
    assert_eq!(backoff(8), 3600);
    assert_eq!(backoff(1000), 3600);
}

#[test]
fn feed_secrets_of_people_who_left_are_forgotten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    l.set_feed_secret("ada@example.com", "s1", 1).expect("set");
    l.set_feed_secret("grace@example.com", "s2", 1)
        .expect("set");
    assert_eq!(l.forget_feed_secrets(|_| true).expect("keep all"), 0);
    let n = l
        .forget_feed_secrets(|p| p == "ada@example.com")
        .expect("forget");
    assert_eq!(n, 1);
    assert_eq!(
        l.feed_secrets().expect("all"),
        vec![("ada@example.com".to_string(), "s1".to_string())]
    );
}

#[test]
fn feed_secrets_replace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    assert_eq!(l.feed_secret("ada@example.com").expect("get"), None);
    l.set_feed_secret("ada@example.com", "s1", 1).expect("set");
    l.set_feed_secret("ada@example.com", "s2", 2).expect("set");
    assert_eq!(
        l.feed_secret("ada@example.com").expect("get").as_deref(),
        Some("s2")
    );
    assert_eq!(l.feed_secrets().expect("all").len(), 1);
}

#[test]
fn a_message_that_cannot_be_made_rolls_the_whole_reconcile_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    let messages = vec![Ok(msg("m1")), Err("no such address"), Ok(msg("m2"))];
    let r = l
        .apply_stream(&[series("u1", 0)], &[], messages, 10)
        .expect("ledger works");
    assert_eq!(r, Err("no such address"));
    assert_eq!(l.queue_len().expect("len"), 0);
    assert!(l.sent().expect("sent").series.is_empty());
}

#[test]
fn a_row_that_cannot_be_read_stops_the_reconcile_instead_of_being_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    l.apply(&[series("u1", 0), series("u2", 0)], &[], &[], 100)
        .expect("apply");
    // (column, value written by hand, what the error must name); `state`
    // has a CHECK constraint, so SQLite itself refuses a bad one.
    let table = [
        ("timezone", "Mars/Olympus", "timezone"),
        ("first_date", "2027-13-01", "first_date"),
        ("time", "9h30", "time"),
        ("cadence", "daily", "cadence"),
    ];
    for (column, value, named) in table {
        let l = Ledger::open(dir.path()).expect("reopen");
        l.conn
            .execute(
                &format!("UPDATE series SET {column} = ?1 WHERE uid = 'u2'"),
                [value],
            )
            .expect("corrupt");
        let err = l.sent().expect_err("an unreadable row is an error");
        let text = err.to_string();
        assert!(matches!(err, LedgerError::Corrupt { .. }), "{text}");
        assert!(
            text.contains("u2") && text.contains(named) && text.contains(value),
            "{text}"
        );
        // Put it back for the next row of the table.
        let good = series("u2", 0);
        l.conn
            .execute("DELETE FROM series WHERE uid = 'u2'", [])
            .expect("delete");
        drop(l);
        let mut l = Ledger::open(dir.path()).expect("reopen");
        l.apply(&[good], &[], &[], 100).expect("restore");
        assert_eq!(l.sent().expect("readable again").series.len(), 2);
    }
    // An ended series must say where it ended.
    let l = Ledger::open(dir.path()).expect("reopen");
    l.conn
        .execute(
            "UPDATE series SET state = 'ended', until_date = NULL WHERE uid = 'u1'",
            [],
        )
        .expect("corrupt");
    assert!(l
        .sent()
        .expect_err("ended without an end")
        .to_string()
        .contains("until_date"));
}

/// A message about `uid` for `to`.
fn about(id: &str, uid: &str, to: &str) -> NewMessage {
    NewMessage {
        uid: uid.to_string(),
        recipient: to.to_string(),
        ..msg(id)
    }
}

#[test]
fn messages_about_one_calendar_object_leave_one_at_a_time_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    let (ada, edsger) = ("ada@example.com", "edsger@example.com");
    l.apply(
        &[],
        &[],
        &[
            about("s1", "u1", ada),
            about("o1", "u1", ada),
            about("o2", "u1", ada),
            about("s2", "u2", ada),
            about("s1e", "u1", edsger),
        ],
        1000,
    )
    .expect("apply");
    let ids = |q: Vec<Queued>| q.into_iter().map(|m| m.message_id).collect::<Vec<_>>();
    // One per (recipient, UID): the oldest.
    let first = l.due(1000, 10).expect("due");
    assert_eq!(ids(first.clone()), ["s1", "s2", "s1e"]);
    // While the head waits for a retry, the ones behind it wait too, and
    // the next wake-up is the head's retry, not theirs.
    l.mark_retry(first[0].id, 1000, "421 later").expect("retry");
    l.mark_sent(&[first[1].id, first[2].id], 1000)
        .expect("sent");
    assert!(l.due(1010, 10).expect("due").is_empty());
    assert_eq!(l.next_due().expect("next"), Some(1030));
    let again = l.due(1030, 10).expect("due");
    assert_eq!(ids(again.clone()), ["s1"]);
    // A head that fails for good lets the next one go.
    l.mark_failed(again[0].id, 1030, "550 no").expect("fail");
    assert_eq!(ids(l.due(1030, 10).expect("due")), ["o1"]);
}

#[test]
fn a_new_ledger_appears_whole_and_an_emptied_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    drop(Ledger::open(&state).expect("create"));
    let names: Vec<_> = std::fs::read_dir(&state)
        .expect("state")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, [FILE], "nothing left beside it");
    std::fs::write(state.join(FILE), b"").expect("empty it");
    let e = Ledger::open(&state).expect_err("an empty ledger");
    assert!(matches!(e, LedgerError::Damaged { .. }), "{e}");
    assert!(e.to_string().contains("restore it from a backup"), "{e}");
}

#[test]
fn check_finds_an_overwritten_page_and_a_write_probe_passes_on_a_good_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    {
        let mut l = Ledger::open(&state).expect("open");
        let many: Vec<NewMessage> = (0..50).map(|i| msg(&format!("m{i}"))).collect();
        l.apply(&[series("u1", 0)], &[], &many, 100).expect("apply");
        l.check().expect("a good ledger passes");
    }
    let path = state.join(FILE);
    let mut bytes = std::fs::read(&path).expect("read");
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    bytes[page..page + 64].fill(0xff);
    std::fs::write(&path, bytes).expect("overwrite");
    let found = Ledger::open(&state).and_then(|mut l| l.check());
    assert!(
        matches!(found, Err(LedgerError::Damaged { .. })),
        "{found:?}"
    );
}

#[test]
fn history_reads_the_ended_paused_and_stopped_series_only() {
    use crate::core::reconcile::SeriesState;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut l = Ledger::open(dir.path()).expect("open");
    let mut ended = series("u2", 3);
    ended.state = SeriesState::Ended;
    ended.until_date = Some(jiff::civil::date(2027, 2, 1));
    let mut paused = series("u3", 1);
    paused.paused_until = Some(jiff::civil::date(2027, 3, 1));
    paused.paused_from = Some(jiff::civil::date(2027, 2, 2));
    let mut stopped = series("u4", 2);
    stopped.state = SeriesState::Cancelled;
    let all = [series("u1", 0), ended, paused, stopped];
    l.apply(&all, &[], &[], 100).expect("apply");
    let read = rows::read_where(&l.conn, HISTORY_ROWS)
        .expect("reads")
        .into_sent()
        .expect("parses");
    let uids: Vec<&str> = read.series.iter().map(|s| s.uid.as_str()).collect();
    assert_eq!(uids, ["u2", "u3", "u4"]);
    assert_eq!(read.series.as_slice(), &all[1..]);
    l.history().expect("history");
}

//! Validator tests for the small checks: e-mail addresses, dates, times.

use super::*;

#[test]
fn emails() {
    for ok in [
        "a@b.c",
        "grace.hopper+1@example.com",
        "x@localhost",
        "é@exämple.org",
    ] {
        assert!(is_email(ok), "{ok}");
    }
    for bad in [
        "", "a", "@b.c", "a@", "a@@b.c", "a b@c.d", ".a@b.c", "a..b@c.d", "a@b..c", "a@-b.c",
        "<a@b.c>",
    ] {
        assert!(!is_email(bad), "{bad}");
    }
}

#[test]
fn times() {
    assert_eq!(parse_time("09:30"), Some(Time::constant(9, 30, 0, 0)));
    assert_eq!(parse_time("9:30"), Some(Time::constant(9, 30, 0, 0)));
    assert_eq!(parse_time("23:59:00"), Some(Time::constant(23, 59, 0, 0)));
    for bad in [
        "24:00",
        "12:60",
        "12",
        "12:3",
        "noon",
        "12:30:00:00",
        "-1:30",
        "12:30pm",
    ] {
        assert_eq!(parse_time(bad), None, "{bad}");
    }
}

#[test]
fn dates() {
    assert_eq!(
        parse_date("2027-01-05"),
        Some(jiff::civil::date(2027, 1, 5))
    );
    for bad in [
        "2027-02-30",
        "2027-1-5",
        "05/01/2027",
        "2027-01-05T10:00:00",
        "",
    ] {
        assert_eq!(parse_date(bad), None, "{bad}");
    }
}

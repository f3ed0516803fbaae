//! iCalendar value formats for dates and times (RFC 5545 3.3.4, 3.3.5,
//! 3.3.14): `DATE`, local and UTC `DATE-TIME`, and `UTC-OFFSET`.

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;

/// Formats a UTC DATE-TIME, e.g. `20270105T093000Z`. Sub-second precision
/// is truncated: iCalendar has none.
#[must_use]
pub fn utc_datetime(ts: Timestamp) -> String {
    let mut out = local_datetime(Offset::UTC.to_datetime(ts));
    out.push('Z');
    out
}

/// Formats a floating or TZID-relative DATE-TIME, e.g. `20270105T093000`.
/// Sub-second precision is truncated: iCalendar has none.
///
/// iCalendar cannot represent years before 0000; such years are formatted
/// with a minus sign, which no consumer will accept, so callers should keep
/// to real-world dates.
#[must_use]
pub fn local_datetime(dt: DateTime) -> String {
    let mut out = String::with_capacity(15);
    push_datetime(&mut out, dt);
    out
}

/// Appends `YYYYMMDDTHHMMSS` without going through `format!`: feeds write
/// several per event, so the digits are laid out in one array and pushed
/// at once.
pub(super) fn push_datetime(out: &mut String, dt: DateTime) {
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        out.push_str(&format!("{year:04}"));
    }
    let mut text = *b"0000MMDDTHHMMSS";
    let fields = [
        (0, 4, u32::from(year.unsigned_abs())),
        (4, 2, u32::from(dt.month().unsigned_abs())),
        (6, 2, u32::from(dt.day().unsigned_abs())),
        (9, 2, u32::from(dt.hour().unsigned_abs())),
        (11, 2, u32::from(dt.minute().unsigned_abs())),
        (13, 2, u32::from(dt.second().unsigned_abs())),
    ];
    for (at, width, mut value) in fields {
        for slot in text.iter_mut().skip(at).take(width).rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    // Years outside 0..=9999 were written in full above.
    let from = if (0..=9999).contains(&year) { 0 } else { 4 };
    out.push_str(std::str::from_utf8(text.get(from..).unwrap_or_default()).unwrap_or_default());
}

/// Formats a DATE, e.g. `20270105`.
#[must_use]
pub fn date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// Formats a UTC-OFFSET (RFC 5545 3.3.14), e.g. `-0500`, `+0530`, or
/// `+001932` when the offset has seconds. Zero is `+0000`: the RFC forbids
/// `-0000`.
#[must_use]
pub fn utc_offset(offset: Offset) -> String {
    let total = offset.seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let abs = total.unsigned_abs();
    let (hours, minutes, seconds) = (abs / 3600, abs / 60 % 60, abs % 60);
    if seconds == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{seconds:02}")
    }
}

//! iCalendar (RFC 5545) output.
//!
//! This is the low-level, pure layer: it turns values into iCalendar text and
//! never does I/O or reads the clock. Feeds and iMIP invitations are rendered
//! on top of it.
//!
//! - [`writer`]: [`Writer`], which builds a document line by line with CRLF
//!   line endings, 75-octet folding that never splits a UTF-8 character,
//!   TEXT escaping and parameter quoting.
//! - [`datetime`]: the date, date-time and UTC-offset value formats.
//! - [`vtimezone`](mod@vtimezone): [`vtimezone()`], a `VTIMEZONE` generated
//!   from the tz database's actual transitions, exact over a given window,
//!   then the zone's yearly rules (or 10 more years of transitions) for
//!   what open-ended series meet after it.

pub mod datetime;
pub mod vtimezone;
pub mod writer;

pub use datetime::{date, local_datetime, utc_datetime};
pub use vtimezone::vtimezone;
pub use writer::Writer;

/// The iTIP (RFC 5546) method of an invitation message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// An invitation or an update.
    Request,
    /// A cancellation.
    Cancel,
}

impl Method {
    /// As iCalendar spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// Opens a `VCALENDAR` with touchbase's PRODID, VERSION, CALSCALE and
/// `METHOD` (PUBLISH for feeds, REQUEST or CANCEL for invitations).
pub fn begin_calendar(w: &mut Writer, method: &str) {
    w.begin("VCALENDAR");
    w.raw(
        "PRODID",
        concat!(
            "-//touchbase//touchbase ",
            env!("CARGO_PKG_VERSION"),
            "//EN"
        ),
    );
    w.raw("VERSION", "2.0");
    w.raw("CALSCALE", "GREGORIAN");
    w.raw("METHOD", method);
}

//! Content-line writer for iCalendar (RFC 5545) documents.
//!
//! [`Writer`] appends content lines to a `String` and takes care of the
//! parts of the format that are easy to get subtly wrong:
//!
//! - every line ends with CRLF, never a bare LF;
//! - lines longer than 75 octets are folded (RFC 5545 3.1), always between
//!   two UTF-8 characters, never inside one;
//! - TEXT values are escaped (RFC 5545 3.3.11) by [`PropBuilder::text`];
//! - parameter values are quoted when needed (RFC 5545 3.2).
//!
//! It is pure: no I/O, no clock. It only knows about syntax, so it does not
//! check that components nest properly or that required properties are
//! present; that is the job of the code that renders feeds and invitations.
//!
//! ```
//! # use touchbase::core::ical::Writer;
//! let mut w = Writer::new();
//! w.begin("VEVENT");
//! w.prop("ATTENDEE")
//!     .param("CN", "Grace Hopper")
//!     .param("RSVP", "TRUE")
//!     .value_raw("mailto:grace@example.com");
//! w.text("SUMMARY", "1:1, Ada / Grace");
//! w.end("VEVENT");
//! assert_eq!(
//!     w.finish(),
//!     "BEGIN:VEVENT\r\n\
//!      ATTENDEE;CN=Grace Hopper;RSVP=TRUE:mailto:grace@example.com\r\n\
//!      SUMMARY:1:1\\, Ada / Grace\r\n\
//!      END:VEVENT\r\n",
//! );
//! ```

use std::fmt::Write as _;

use jiff::civil::{Date, DateTime};
use jiff::tz::Offset;
use jiff::Timestamp;

/// RFC 5545 3.1: "Lines of text SHOULD NOT be longer than 75 octets,
/// excluding the line break."
const MAX_LINE_OCTETS: usize = 75;

/// Builds an iCalendar document, one content line at a time.
///
/// Names (of components, properties and parameters) are expected to be
/// iana-tokens or x-names such as `VEVENT`, `DTSTART` or `X-LIC-LOCATION`;
/// any other character is dropped (and letters are upper-cased) so that a
/// bad name can never break the line structure of the document. A line
/// whose name is left empty by this is not written at all.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// An empty document.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty document with room for `bytes` octets, so that a large
    /// document grows without repeated copying.
    #[must_use]
    pub fn with_capacity(bytes: usize) -> Self {
        Writer {
            out: String::with_capacity(bytes),
        }
    }

    /// Continues the document in `out`, which must be empty or end with a
    /// complete line: lets a caller render many documents into one reused
    /// buffer instead of allocating each.
    #[must_use]
    pub fn from_buffer(out: String) -> Self {
        Writer { out }
    }

    /// Appends `lines` as they are. They must be complete content lines
    /// (CRLF-terminated, already folded) produced by another `Writer`:
    /// folding depends only on the line itself, so lines rendered once can
    /// be repeated byte for byte wherever they recur.
    pub(crate) fn push_lines(&mut self, lines: &str) {
        self.out.push_str(lines);
    }

    /// Writes `BEGIN:<component>`.
    pub fn begin(&mut self, component: &str) {
        self.delimiter("BEGIN", component);
    }

    /// Writes `END:<component>`.
    pub fn end(&mut self, component: &str) {
        self.delimiter("END", component);
    }

    /// Starts a property line; add parameters with [`PropBuilder::param`],
    /// then write it with one of the value methods
    /// ([`PropBuilder::text`], [`PropBuilder::value_raw`], ...).
    pub fn prop(&mut self, name: &str) -> PropBuilder<'_> {
        // The line is built in place at the end of the document, and
        // folded only if it turns out long: no allocation per line.
        let start = self.out.len();
        push_name(&mut self.out, name);
        let valid = self.out.len() > start;
        PropBuilder {
            writer: self,
            start,
            valid,
            done: false,
        }
    }

    /// Writes a property with a TEXT value and no parameters; the value is
    /// escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        self.prop(name).text(value);
    }

    /// Writes a property whose value is written as is (dates, URIs,
    /// `RRULE`, offsets...), with no parameters. Control characters other
    /// than tab are dropped, because they would break the line structure.
    pub fn raw(&mut self, name: &str, value: &str) {
        self.prop(name).value_raw(value);
    }

    /// The document written so far.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// Returns the document.
    #[must_use]
    pub fn finish(self) -> String {
        self.out
    }

    fn delimiter(&mut self, keyword: &str, component: &str) {
        let start = self.out.len();
        self.out.push_str(keyword);
        self.out.push(':');
        let before = self.out.len();
        push_name(&mut self.out, component);
        if self.out.len() == before {
            self.out.truncate(start);
            return;
        }
        end_line(&mut self.out, start);
    }
}

/// One property line being built; see [`Writer::prop`].
///
/// Nothing is written until a value method consumes the builder.
#[derive(Debug)]
#[must_use = "a property is only written once one of its value methods is called"]
pub struct PropBuilder<'w> {
    writer: &'w mut Writer,
    /// Where this line starts in the document; nothing before it changes.
    start: usize,
    /// Set once the line is complete; a builder dropped before that takes
    /// its half-written line back out of the document.
    done: bool,
    /// False when the property name was empty after sanitizing: such a line
    /// cannot be represented, so it is skipped rather than written broken.
    valid: bool,
}

impl PropBuilder<'_> {
    /// Adds a parameter, quoting its value when needed (see
    /// [`param_value`]).
    pub fn param(self, name: &str, value: &str) -> Self {
        let out = &mut self.writer.out;
        if push_param_name(out, name) {
            push_param_value(out, value);
        }
        self
    }

    /// Adds a multi-valued parameter such as `DELEGATED-TO` or `MEMBER`:
    /// the values are separated by commas, each quoted when needed.
    pub fn param_list(self, name: &str, values: &[&str]) -> Self {
        let out = &mut self.writer.out;
        if push_param_name(out, name) {
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_param_value(out, value);
            }
        }
        self
    }

    /// Writes the line with a TEXT value, escaped (see [`escape_text`]).
    pub fn text(self, value: &str) {
        self.write(|out| push_escaped(out, value));
    }

    /// Writes the line with one TEXT value given in parts, each escaped,
    /// written one after the other (no separator).
    pub fn text_parts<'a>(self, parts: impl IntoIterator<Item = &'a str>) {
        self.write(|out| {
            for part in parts {
                push_escaped(out, part);
            }
        });
    }

    /// Writes the line with a list of TEXT values (e.g. `CATEGORIES`), each
    /// escaped, separated by unescaped commas.
    pub fn text_list(self, values: &[&str]) {
        self.write(|out| {
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_escaped(out, v);
            }
        });
    }

    /// Writes the line with a value written as is: dates, date-times, URIs,
    /// `RRULE`... Control characters other than tab are dropped, because they
    /// would break the line structure.
    pub fn value_raw(self, value: &str) {
        self.write(|out| {
            if value.bytes().any(needs_care) {
                out.extend(value.chars().filter(|&c| !is_dropped_control(c)));
            } else {
                out.push_str(value);
            }
        });
    }

    /// Writes the line with a value given in parts, written one after the
    /// other as [`PropBuilder::value_raw`] writes one value: saves the
    /// caller from allocating to join them.
    pub fn value_raw_parts(self, parts: &[&str]) {
        self.write(|out| {
            for value in parts {
                if value.bytes().any(needs_care) {
                    out.extend(value.chars().filter(|&c| !is_dropped_control(c)));
                } else {
                    out.push_str(value);
                }
            }
        });
    }

    /// Writes the line with an INTEGER value, e.g. `SEQUENCE:2`.
    pub fn integer(self, value: i64) {
        self.write(|out| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{value}");
        });
    }

    /// Writes the line with a DATE-TIME in local form, e.g.
    /// `20270105T093000` (see [`local_datetime`]).
    pub fn local_datetime(self, dt: DateTime) {
        self.write(|out| push_datetime(out, dt));
    }

    /// Writes the line with a UTC DATE-TIME, e.g. `20270105T093000Z`.
    pub fn utc_datetime(self, ts: Timestamp) {
        self.write(|out| {
            push_datetime(out, Offset::UTC.to_datetime(ts));
            out.push('Z');
        });
    }

    fn write(mut self, value: impl FnOnce(&mut String)) {
        if !self.valid {
            return;
        }
        self.done = true;
        let out = &mut self.writer.out;
        out.push(':');
        value(out);
        end_line(out, self.start);
    }
}

impl Drop for PropBuilder<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.writer.out.truncate(self.start);
        }
    }
}

/// Escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma
/// are backslash-escaped, and line breaks (LF, or CRLF taken as one) become
/// `\n`. Other control characters except tab have no representation in
/// TEXT, so they are dropped (a lone CR included).
#[must_use]
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_escaped(&mut out, value);
    out
}

fn push_escaped(out: &mut String, value: &str) {
    let bytes = value.as_bytes();
    // Copy runs of ordinary text whole and stop only at the few bytes that
    // need work: feeds escape every description and name.
    let mut from = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if !needs_care(b) && b != b'\\' && b != b';' && b != b',' {
            i += 1;
            continue;
        }
        out.push_str(value.get(from..i).unwrap_or_default());
        i += 1;
        match b {
            b'\\' => out.push_str("\\\\"),
            b';' => out.push_str("\\;"),
            b',' => out.push_str("\\,"),
            b'\n' => out.push_str("\\n"),
            b'\r' if bytes.get(i) == Some(&b'\n') => {
                i += 1;
                out.push_str("\\n");
            }
            b'\t' => out.push('\t'),
            0xC2 => {
                // U+0080 to U+00BF: C1 controls (up to U+009F) are dropped.
                let next = bytes.get(i).copied().unwrap_or(0);
                if !(0x80..=0x9F).contains(&next) {
                    out.push_str(value.get(i - 1..i + 1).unwrap_or_default());
                }
                i += 1;
            }
            _ => {}
        }
        from = i;
    }
    out.push_str(value.get(from..).unwrap_or_default());
}

/// Bytes that may start a control character (C0, DEL, or the first byte
/// of a C1 control) or are tab: the slow paths look at these.
fn needs_care(b: u8) -> bool {
    b < 0x20 || b == 0x7F || b == 0xC2
}

/// Formats a parameter value (RFC 5545 3.2): quoted with DQUOTE when it
/// contains `:`, `;` or `,`. A DQUOTE inside a value cannot be represented
/// at all, so it becomes `'`; control characters other than tab are dropped.
#[must_use]
pub fn param_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_param_value(&mut out, value);
    out
}

fn push_param_value(out: &mut String, value: &str) {
    let plain = |b: u8| !matches!(b, b':' | b';' | b',' | b'"') && !needs_care(b);
    if value.bytes().all(plain) {
        out.push_str(value);
        return;
    }
    // Cleaned in place behind an opening quote, which is taken back out
    // if the cleaned value turns out not to need it: no allocation.
    let quote = out.len();
    out.push('"');
    let body = out.len();
    out.extend(value.chars().filter(|&c| !is_dropped_control(c)).map(|c| {
        if c == '"' {
            '\''
        } else {
            c
        }
    }));
    if out
        .get(body..)
        .is_some_and(|cleaned| cleaned.contains([':', ';', ',']))
    {
        out.push('"');
    } else {
        out.remove(quote);
    }
}

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
fn push_datetime(out: &mut String, dt: DateTime) {
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

/// Tab is allowed in values (it is WSP in the grammar); every other control
/// character either breaks the line structure or has no representation.
fn is_dropped_control(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Appends `;NAME=` when the sanitized name is not empty; tells whether
/// it did.
fn push_param_name(out: &mut String, name: &str) -> bool {
    let start = out.len();
    out.push(';');
    push_name(out, name);
    if out.len() == start + 1 {
        out.truncate(start);
        return false;
    }
    out.push('=');
    true
}

/// Appends `name` upper-cased, keeping only letters, digits and `-`.
fn push_name(out: &mut String, name: &str) {
    if name
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
    {
        out.push_str(name);
        return;
    }
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c.to_ascii_uppercase());
        }
    }
}

/// Ends the line that starts at `start` (and runs to the end of `out`):
/// folds it if it is longer than 75 octets, then adds CRLF.
fn end_line(out: &mut String, start: usize) {
    // Folds are inserted in place: the line is the tail of the document,
    // so each insertion moves at most one line's bytes.
    let mut pos = start;
    let mut limit = MAX_LINE_OCTETS;
    while out.len() - pos > limit {
        // Back off to a character boundary: a fold inside a multi-byte
        // character would leave invalid UTF-8 on both physical lines.
        let mut cut = pos + limit;
        while cut > pos && !out.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut == pos {
            // Unreachable with a 74-octet budget and 4-octet characters,
            // but an over-long line beats looping forever.
            break;
        }
        out.insert_str(cut, "\r\n ");
        // The continuation's leading space counts towards its 75 octets.
        pos = cut + 2;
        limit = MAX_LINE_OCTETS;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The physical lines of a document, without their CRLF.
    fn physical_lines(doc: &str) -> Vec<&str> {
        assert!(doc.ends_with("\r\n"), "document must end with CRLF");
        doc[..doc.len() - 2].split("\r\n").collect()
    }

    fn unfold(doc: &str) -> String {
        doc.replace("\r\n ", "")
    }

    fn assert_crlf_only(doc: &str) {
        let bytes = doc.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF at {i}: {doc:?}");
            }
            if b == b'\r' {
                assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}: {doc:?}");
            }
        }
    }

    /// Checks folding invariants for a single logical `line` written through
    /// the writer, and returns the physical lines.
    fn check_folded(line_value: &str) -> Vec<String> {
        let mut w = Writer::new();
        w.raw("X-TEST", line_value);
        let doc = w.finish();
        assert_crlf_only(&doc);
        let lines = physical_lines(&doc);
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} is {} octets: {l:?}", l.len());
            if i > 0 {
                assert!(l.starts_with(' '), "continuation without space: {l:?}");
                assert!(l.len() > 1, "empty continuation line");
                // A continuation that begins with a UTF-8 continuation byte
                // (after the folding space) means a character was split.
                let first = l.as_bytes()[1];
                assert_ne!(first & 0xC0, 0x80, "line {i} starts mid-character");
            }
        }
        let expected = format!("X-TEST:{line_value}\r\n");
        assert_eq!(unfold(&doc), expected);
        lines.into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn escapes_each_special_character() {
        assert_eq!(escape_text("a\\b"), "a\\\\b");
        assert_eq!(escape_text("a;b"), "a\\;b");
        assert_eq!(escape_text("a,b"), "a\\,b");
        assert_eq!(escape_text("a\nb"), "a\\nb");
        assert_eq!(escape_text("a\r\nb"), "a\\nb");
        assert_eq!(escape_text("a\r\n\r\nb"), "a\\n\\nb");
        // Colon and double quote need no escaping in TEXT.
        assert_eq!(escape_text("a:b\"c"), "a:b\"c");
        // Tab survives; other controls, lone CR included, are dropped.
        assert_eq!(escape_text("a\tb"), "a\tb");
        assert_eq!(
            escape_text("a\rb\u{0}c\u{7}d\u{1b}e\u{7f}f\u{85}g"),
            "abcdefg"
        );
        assert_eq!(escape_text("\\;,\n"), "\\\\\\;\\,\\n");
        assert_eq!(escape_text("naïve 日本 🎉"), "naïve 日本 🎉");
        assert_eq!(escape_text(""), "");
    }

    #[test]
    fn text_property_is_escaped_and_raw_is_not() {
        let mut w = Writer::new();
        w.text("SUMMARY", "1:1; Ada, Grace\\Bob\nnext");
        w.raw("RRULE", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE");
        w.raw("URL", "https://example.com/a;b,c\r\nX-INJECTED:1");
        assert_eq!(
            w.finish(),
            "SUMMARY:1:1\\; Ada\\, Grace\\\\Bob\\nnext\r\n\
             RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE\r\n\
             URL:https://example.com/a;b,cX-INJECTED:1\r\n"
        );
    }

    #[test]
    fn text_list_escapes_each_item() {
        let mut w = Writer::new();
        w.prop("CATEGORIES")
            .text_list(&["one-on-one", "a,b", "c;d"]);
        assert_eq!(w.finish(), "CATEGORIES:one-on-one,a\\,b,c\\;d\r\n");
    }

    #[test]
    fn param_values_are_quoted_when_needed() {
        assert_eq!(param_value("Grace Hopper"), "Grace Hopper");
        assert_eq!(param_value("TRUE"), "TRUE");
        assert_eq!(
            param_value("mailto:a@example.com"),
            "\"mailto:a@example.com\""
        );
        assert_eq!(param_value("Hopper; Grace"), "\"Hopper; Grace\"");
        assert_eq!(param_value("Hopper, Grace"), "\"Hopper, Grace\"");
        assert_eq!(
            param_value("Grace \"Amazing\" Hopper"),
            "Grace 'Amazing' Hopper"
        );
        assert_eq!(param_value("a\"b:c"), "\"a'b:c\"");
        assert_eq!(param_value("a\r\nb\u{0}c\td"), "abc\td");
        assert_eq!(param_value(""), "");
        assert_eq!(param_value("Zoë 日本"), "Zoë 日本");

        let mut w = Writer::new();
        w.prop("ATTENDEE")
            .param("CN", "Grace Hopper")
            .param("RSVP", "TRUE")
            .param("SENT-BY", "mailto:assistant@example.com")
            .value_raw("mailto:grace@example.com");
        w.prop("ATTENDEE")
            .param_list("DELEGATED-TO", &["mailto:a@example.com", "b"])
            .value_raw("mailto:c@example.com");
        assert_eq!(
            w.finish(),
            "ATTENDEE;CN=Grace Hopper;RSVP=TRUE;SENT-BY=\"mailto:assistant@example.com\":m\r\n \
             ailto:grace@example.com\r\n\
             ATTENDEE;DELEGATED-TO=\"mailto:a@example.com\",b:mailto:c@example.com\r\n"
        );
    }

    #[test]
    fn names_are_sanitized() {
        let mut w = Writer::new();
        w.begin("vevent");
        w.prop("x-foo\r\nBAR").param("x-p:q", "v").text("t");
        w.text("", "dropped");
        w.prop("SUMMARY").param("", "dropped").text("kept");
        w.begin("\r\n");
        w.end("vevent");
        assert_eq!(
            w.finish(),
            "BEGIN:VEVENT\r\nX-FOOBAR;X-PQ=v:t\r\nSUMMARY:kept\r\nEND:VEVENT\r\n"
        );
    }

    #[test]
    fn short_lines_are_not_folded() {
        let value = "a".repeat(75 - "X-TEST:".len());
        let lines = check_folded(&value);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].len(), 75);
    }

    #[test]
    fn folds_ascii_at_exactly_75_octets() {
        let value = "a".repeat(75 - "X-TEST:".len() + 1);
        let lines = check_folded(&value);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 75);
        assert_eq!(lines[1], " a");

        // 75 + 74 + 74 + 1 octets of logical line.
        let value = "b".repeat(75 + 74 + 74 + 1 - "X-TEST:".len());
        let lines = check_folded(&value);
        assert_eq!(
            lines.iter().map(String::len).collect::<Vec<_>>(),
            [75, 75, 75, 2]
        );
    }

    #[test]
    fn folds_multibyte_characters_whole() {
        let prefix = "X-TEST:".len();
        for ch in ['é', '日', '🎉'] {
            let width = ch.len_utf8();
            // Slide the character across the first and the second fold
            // boundaries, at every possible offset.
            for pad in 0..=(75 + 74) {
                if pad < prefix {
                    continue;
                }
                let mut value = "x".repeat(pad - prefix);
                for _ in 0..4 {
                    value.push(ch);
                }
                value.push_str("tail");
                check_folded(&value);
            }
            // A line made only of that character, long enough for many folds.
            let value: String = ch.to_string().repeat(300 / width);
            let lines = check_folded(&value);
            assert!(lines.len() > 3);
        }
        // Mixed widths.
        let value = "aé日🎉".repeat(40);
        check_folded(&value);
    }

    #[test]
    fn fold_backs_off_to_character_boundary() {
        // 'X-TEST:' + 67 ASCII = 74 octets, then a 4-byte char straddles 75.
        let value = format!("{}🎉z", "a".repeat(67));
        let lines = check_folded(&value);
        assert_eq!(lines[0].len(), 74);
        assert_eq!(lines[1], " 🎉z");
    }

    #[test]
    fn output_uses_crlf_only() {
        let mut w = Writer::new();
        w.begin("VCALENDAR");
        w.text(
            "DESCRIPTION",
            &"line one\nline two\r\nline three\r".repeat(20),
        );
        w.raw("X-RAW", "a\nb\rc");
        w.prop("ATTENDEE")
            .param("CN", "a\nb")
            .value_raw("mailto:x@example.com");
        w.end("VCALENDAR");
        let doc = w.finish();
        assert_crlf_only(&doc);
        assert!(physical_lines(&doc).iter().all(|l| l.len() <= 75));
    }

    #[test]
    fn datetime_helpers() {
        let ts: Timestamp = "2027-01-05T09:30:00.999Z".parse().unwrap();
        assert_eq!(utc_datetime(ts), "20270105T093000Z");
        let dt = jiff::civil::date(2027, 1, 5).at(9, 30, 0, 0);
        assert_eq!(local_datetime(dt), "20270105T093000");
        assert_eq!(date(jiff::civil::date(2027, 1, 5)), "20270105");
        assert_eq!(date(jiff::civil::date(987, 12, 31)), "09871231");
        // Offsets east of UTC with a seconds part render as +HHMMSS.
        let ts: Timestamp = "2027-06-30T23:59:59+05:30".parse().unwrap();
        assert_eq!(utc_datetime(ts), "20270630T182959Z");
    }

    #[test]
    fn utc_offsets() {
        let off = |s| Offset::from_seconds(s).unwrap();
        assert_eq!(utc_offset(Offset::UTC), "+0000");
        assert_eq!(utc_offset(off(-5 * 3600)), "-0500");
        assert_eq!(utc_offset(off(5 * 3600 + 30 * 60)), "+0530");
        assert_eq!(utc_offset(off(12 * 3600 + 45 * 60)), "+1245");
        assert_eq!(utc_offset(off(-(3 * 3600 + 30 * 60))), "-0330");
        assert_eq!(utc_offset(off(19 * 60 + 32)), "+001932");
        assert_eq!(utc_offset(off(-(4 * 3600 + 56 * 60 + 2))), "-045602");
    }

    #[test]
    fn golden_vevent() {
        let start: Timestamp = "2027-01-05T14:30:00Z".parse().unwrap();
        let mut w = Writer::new();
        w.begin("VEVENT");
        w.raw("UID", "pair-ada-grace-20270105@touchbase.example");
        w.raw("DTSTAMP", &utc_datetime(start));
        w.prop("DTSTART")
            .param("TZID", "America/New_York")
            .value_raw(&local_datetime(
                jiff::civil::date(2027, 1, 5).at(9, 30, 0, 0),
            ));
        w.raw("DURATION", "PT30M");
        w.text("SUMMARY", "1:1 Ada / Grace");
        w.text(
            "DESCRIPTION",
            "Prompts:\n- What is one thing, big or small, that got in your way; and why?",
        );
        w.prop("ORGANIZER")
            .param("CN", "Lovelace, Ada")
            .value_raw("mailto:ada@example.com");
        w.prop("ATTENDEE")
            .param("CN", "Grace Hopper")
            .param("RSVP", "TRUE")
            .value_raw("mailto:grace@example.com");
        w.end("VEVENT");
        // The fold falls just before the space of "your way": the
        // continuation line is the folding space followed by that space.
        let expected = "BEGIN:VEVENT\r\n\
UID:pair-ada-grace-20270105@touchbase.example\r\n\
DTSTAMP:20270105T143000Z\r\n\
DTSTART;TZID=America/New_York:20270105T093000\r\n\
DURATION:PT30M\r\n\
SUMMARY:1:1 Ada / Grace\r\n\
DESCRIPTION:Prompts:\\n- What is one thing\\, big or small\\, that got in your\r\n\
\x20\x20way\\; and why?\r\n\
ORGANIZER;CN=\"Lovelace, Ada\":mailto:ada@example.com\r\n\
ATTENDEE;CN=Grace Hopper;RSVP=TRUE:mailto:grace@example.com\r\n\
END:VEVENT\r\n";
        let got = w.finish();
        assert_eq!(got.as_bytes(), expected.as_bytes(), "\n{got}");
    }

    #[test]
    fn builder_dropped_without_value_writes_nothing() {
        let mut w = Writer::new();
        #[allow(unused_must_use)]
        {
            w.prop("SUMMARY").param("LANGUAGE", "en");
        }
        assert_eq!(w.as_str(), "");
        assert_eq!(Writer::new(), Writer::default());
    }
}

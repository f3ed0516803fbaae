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
//! ```text
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
//!
//! (`the_module_example_holds` in the tests runs this example.)

use std::fmt::Write as _;

use jiff::civil::DateTime;
use jiff::tz::Offset;
use jiff::Timestamp;

use super::datetime::push_datetime;

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
    /// `20270105T093000` (see [`super::local_datetime`]).
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
#[cfg(test)]
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
#[cfg(test)]
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
mod tests;

//! Content-line writer tests: CRLF, folding at 75 octets between UTF-8
//! characters, TEXT escaping, parameter quoting, and a golden event.

use super::*;
use crate::core::ical::datetime::{date, local_datetime, utc_datetime, utc_offset};

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

#[test]
fn the_module_example_holds() {
    let mut w = Writer::new();
    w.begin("VEVENT");
    w.prop("ATTENDEE")
        .param("CN", "Grace Hopper")
        .param("RSVP", "TRUE")
        .value_raw("mailto:grace@example.com");
    w.text("SUMMARY", "1:1, Ada / Grace");
    w.end("VEVENT");
    assert_eq!(
        w.finish(),
        "BEGIN:VEVENT\r\n\
         ATTENDEE;CN=Grace Hopper;RSVP=TRUE:mailto:grace@example.com\r\n\
         SUMMARY:1:1\\, Ada / Grace\r\n\
         END:VEVENT\r\n",
    );
}

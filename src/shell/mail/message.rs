//! One iMIP message: `multipart/mixed` holding a `multipart/alternative`
//! (text/plain, text/html, and the `text/calendar; method=...` part in
//! base64, since some providers reject a quoted-printable calendar part) and
//! the same calendar as an `invite.ics` attachment, as Google sends it.
//!
//! Everything that would otherwise be random is derived: the MIME
//! boundaries from the Message-ID, the Date from the injected clock.

use std::time::{Duration, SystemTime};

use lettre::message::header::{
    ContentDisposition, ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::core::hash::hex128;
use crate::core::ical::Method;

/// Everything one message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Sender display name.
    pub from_name: Option<String>,
    /// Sender address (also the ORGANIZER).
    pub from_email: String,
    /// Recipient display name.
    pub to_name: String,
    /// Recipient address.
    pub to_email: String,
    /// Subject line.
    pub subject: String,
    /// The text/plain body.
    pub text: String,
    /// The text/html body.
    pub html: String,
    /// REQUEST or CANCEL; must match the calendar's METHOD.
    pub method: Method,
    /// The VCALENDAR.
    pub ics: String,
    /// The Message-ID, without angle brackets.
    pub message_id: String,
    /// The Date header, unix seconds.
    pub date: i64,
}

/// Why a message could not be built.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// An address lettre cannot put in a header.
    #[error("invalid address {0:?}: {1}")]
    Address(String, lettre::address::AddressError),
    /// A display name with a control character: lettre cannot write it
    /// (a line break would end the header), and panics trying.
    #[error("the display name {0:?} holds a control character")]
    Name(String),
    /// lettre refused the message.
    #[error("cannot build message: {0}")]
    Build(#[from] lettre::error::Error),
}

/// A Content-Type written exactly as given: lettre's own type lowercases
/// parameter values, and SPEC.md spells the calendar part
/// `text/calendar; method=...; charset=UTF-8`.
#[derive(Debug, Clone)]
struct RawContentType(String);

impl Header for RawContentType {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Type")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(RawContentType(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

pub(super) fn mailbox(name: Option<&str>, email: &str) -> Result<Mailbox, MessageError> {
    // Checked here, not left to lettre: its `Display` of such a mailbox
    // fails, and `to_string` turns that into a panic.
    // A tab is fine: lettre encodes it.
    if let Some(n) = name.filter(|n| n.chars().any(|c| c.is_control() && c != '\t')) {
        return Err(MessageError::Name(n.to_string()));
    }
    let address = email
        .parse()
        .map_err(|e| MessageError::Address(email.to_string(), e))?;
    Ok(Mailbox::new(name.map(str::to_string), address))
}

/// The Date header of `unix` seconds (the epoch for a date before it).
pub(super) fn date_header(unix: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(unix).unwrap_or(0))
}

/// A `multipart/alternative` of `text` and `html`, its boundary derived
/// from `seed`: every mail's readable parts, to which an invitation adds
/// its calendar part.
pub(super) fn text_and_html(seed: &str, text: &str, html: &str) -> MultiPart {
    MultiPart::alternative()
        .boundary(format!("alt-{}", &seed[..24]))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .header(ContentTransferEncoding::QuotedPrintable)
                .body(text.to_string()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .header(ContentTransferEncoding::QuotedPrintable)
                .body(html.to_string()),
        )
}

/// The message's bytes, ready for SMTP.
pub fn build(inv: &Invitation) -> Result<Vec<u8>, MessageError> {
    let seed = hex128(&[b"touchbase-boundary", inv.message_id.as_bytes()]);
    let calendar_type = RawContentType(format!(
        "text/calendar; method={}; charset=UTF-8",
        inv.method.as_str()
    ));
    let date = date_header(inv.date);
    let alternative = text_and_html(&seed, &inv.text, &inv.html).singlepart(
        SinglePart::builder()
            .header(calendar_type)
            .header(ContentTransferEncoding::Base64)
            .body(inv.ics.clone()),
    );
    let attachment = SinglePart::builder()
        .header(RawContentType(
            "application/ics; name=\"invite.ics\"".into(),
        ))
        .header(ContentDisposition::attachment("invite.ics"))
        .header(ContentTransferEncoding::Base64)
        .body(inv.ics.clone().into_bytes());
    let message = Message::builder()
        .from(mailbox(inv.from_name.as_deref(), &inv.from_email)?)
        .to(mailbox(Some(&inv.to_name), &inv.to_email)?)
        .subject(inv.subject.clone())
        .message_id(Some(format!("<{}>", inv.message_id)))
        .date(date)
        .multipart(
            MultiPart::mixed()
                .boundary(format!("mix-{}", &seed[..24]))
                .multipart(alternative)
                .singlepart(attachment),
        )?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv() -> Invitation {
        Invitation {
            from_name: Some("Touchbase".into()),
            from_email: "touchbase@example.com".into(),
            to_name: "Ada Lovelace".into(),
            to_email: "ada@example.com".into(),
            subject: "1:1 with Grace Hopper, Tue 5 Jan 09:30 (Europe/London)".into(),
            text: "Hello, Ada.\n- Where are you stuck?\n".into(),
            html: "<p>Hello, Ada.</p>".into(),
            method: Method::Request,
            ics: "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into(),
            message_id: "abc.0@touchbase".into(),
            date: 1_800_000_000,
        }
    }

    #[test]
    fn deterministic_bytes() {
        let a = build(&inv()).expect("build");
        let b = build(&inv()).expect("build");
        assert_eq!(a, b);
        let text = String::from_utf8(a).expect("ascii");
        assert!(text.contains("Message-ID: <abc.0@touchbase>\r\n"), "{text}");
        assert!(
            text.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"),
            "{text}"
        );
        assert!(text.contains("Content-Type: multipart/mixed;"), "{text}");
        assert!(
            text.contains("Content-Type: multipart/alternative;"),
            "{text}"
        );
        assert!(text.contains("Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\nContent-Transfer-Encoding: base64"), "{text}");
        assert!(
            text.split('\n').all(|l| l.is_empty() || l.ends_with('\r')),
            "CRLF only"
        );
        assert!(text.contains("Content-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\nContent-Transfer-Encoding: base64"), "{text}");
    }

    #[test]
    fn a_name_with_a_control_character_is_an_error_not_a_panic() {
        for name in [
            "Evil\r\nBcc: mallory@example.com",
            "Nul\0",
            "Next\u{85}line",
        ] {
            let mut i = inv();
            i.to_name = name.into();
            let built = std::panic::catch_unwind(|| build(&i)).expect("no panic");
            assert!(matches!(built, Err(MessageError::Name(_))), "{name:?}");
            let mut i = inv();
            i.from_name = Some(name.into());
            let built = std::panic::catch_unwind(|| build(&i)).expect("no panic");
            assert!(matches!(built, Err(MessageError::Name(_))), "{name:?}");
        }
        let mut i = inv();
        i.to_name = "Tab\there".into();
        assert!(build(&i).is_ok());
    }

    #[test]
    fn cancel_method_in_the_part() {
        let mut i = inv();
        i.method = Method::Cancel;
        let text = String::from_utf8(build(&i).expect("build")).expect("ascii");
        assert!(text.contains("method=CANCEL"));
    }
}

//! One iMIP message: `multipart/mixed` holding a `multipart/alternative`
//! (text/plain, text/html, and the `text/calendar; method=...` part in
//! base64, since some providers reject a quoted-printable calendar part) and
//! the same calendar as an `invite.ics` attachment, as Google sends it.
//!
//! Everything that would otherwise be random is derived: the MIME
//! boundaries from the Message-ID, the Date from the injected clock.

use lettre::message::header::{
    ContentDisposition, ContentTransferEncoding, Header, HeaderName, HeaderValue,
};
use lettre::message::{MultiPart, SinglePart};

pub use super::plain::MessageError;
use super::plain::{boundary_seed, formatted, text_and_html, Plain};

use crate::core::ical::Method;

/// Everything one message says: a plain mail (sender, recipient,
/// subject, text and HTML, Message-ID, date) and its calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// What every mail says; `mail.from_email` is also the ORGANIZER.
    pub mail: Plain,
    /// REQUEST or CANCEL; must match the calendar's METHOD.
    pub method: Method,
    /// The VCALENDAR.
    pub ics: String,
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

/// The message's bytes, ready for SMTP.
pub fn build(inv: &Invitation) -> Result<Vec<u8>, MessageError> {
    let mail = &inv.mail;
    let seed = boundary_seed(mail);
    let calendar_type = RawContentType(format!(
        "text/calendar; method={}; charset=UTF-8",
        inv.method.as_str()
    ));
    let alternative = text_and_html(&seed, &mail.text, &mail.html).singlepart(
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
    formatted(
        mail,
        MultiPart::mixed()
            .boundary(format!("mix-{}", &seed[..24]))
            .multipart(alternative)
            .singlepart(attachment),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv() -> Invitation {
        Invitation {
            mail: Plain {
                from_name: Some("Touchbase".into()),
                from_email: "touchbase@example.com".into(),
                to_name: "Ada Lovelace".into(),
                to_email: "ada@example.com".into(),
                subject: "1:1 with Grace Hopper, Tue 5 Jan 09:30 (Europe/London)".into(),
                text: "Hello, Ada.\n- Where are you stuck?\n".into(),
                html: "<p>Hello, Ada.</p>".into(),
                message_id: "abc.0@touchbase".into(),
                date: 1_800_000_000,
            },
            method: Method::Request,
            ics: "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".into(),
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
            i.mail.to_name = name.into();
            let built = std::panic::catch_unwind(|| build(&i)).expect("no panic");
            assert!(matches!(built, Err(MessageError::Name(_))), "{name:?}");
            let mut i = inv();
            i.mail.from_name = Some(name.into());
            let built = std::panic::catch_unwind(|| build(&i)).expect("no panic");
            assert!(matches!(built, Err(MessageError::Name(_))), "{name:?}");
        }
        let mut i = inv();
        i.mail.to_name = "Tab\there".into();
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

//! A plain mail (the weekly digest): a `multipart/alternative` of
//! text/plain and text/html and nothing else, so no calendar engine takes
//! it for an invitation. Also what every mail shares: its headers and its
//! readable parts, to which [`super::message`] adds an invitation's
//! calendar. Byte for byte the same for the same input: the boundaries
//! come from the Message-ID, the Date from the injected clock.

use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::core::hash::hex128;

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

/// Everything a plain mail says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// Sender display name.
    pub from_name: Option<String>,
    /// Sender address.
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
    /// The Message-ID, without angle brackets.
    pub message_id: String,
    /// The Date header, unix seconds.
    pub date: i64,
}

/// The message's bytes, ready for SMTP.
pub fn build(p: &Plain) -> Result<Vec<u8>, MessageError> {
    formatted(p, text_and_html(&boundary_seed(p), &p.text, &p.html))
}

/// What the MIME boundaries of `p` derive from: its Message-ID.
pub(super) fn boundary_seed(p: &Plain) -> String {
    hex128(&[b"touchbase-boundary", p.message_id.as_bytes()])
}

/// `body` under the headers of `p`, as bytes.
pub(super) fn formatted(p: &Plain, body: MultiPart) -> Result<Vec<u8>, MessageError> {
    let message = Message::builder()
        .from(mailbox(p.from_name.as_deref(), &p.from_email)?)
        .to(mailbox(Some(&p.to_name), &p.to_email)?)
        .subject(p.subject.clone())
        .message_id(Some(format!("<{}>", p.message_id)))
        .date(date_header(p.date))
        .multipart(body)?;
    Ok(message.formatted())
}

fn mailbox(name: Option<&str>, email: &str) -> Result<Mailbox, MessageError> {
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
fn date_header(unix: i64) -> SystemTime {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_mail_is_an_alternative_of_text_and_html_only() {
        let p = Plain {
            from_name: Some("Touchbase".into()),
            from_email: "touchbase@example.com".into(),
            to_name: "Ada Lovelace".into(),
            to_email: "ada@example.com".into(),
            subject: "Your 1:1s in the week of Mon 4 Jan: 2 meetings".into(),
            text: "Hello Ada Lovelace,\n".into(),
            html: "<p>Hello</p>".into(),
            message_id: "d1@example.com".into(),
            date: 1_800_000_000,
        };
        let a = build(&p).expect("build");
        assert_eq!(a, build(&p).expect("build"));
        let text = String::from_utf8(a).expect("ascii");
        assert!(
            text.contains("Content-Type: multipart/alternative;"),
            "{text}"
        );
        assert!(!text.contains("multipart/mixed"), "{text}");
        assert!(
            !text.to_ascii_lowercase().contains("text/calendar"),
            "{text}"
        );
        assert!(!text.contains(".ics"), "{text}");
        assert!(text.contains("Content-Type: text/plain"), "{text}");
        assert!(text.contains("Content-Type: text/html"), "{text}");
        assert!(text.contains("Message-ID: <d1@example.com>\r\n"), "{text}");
    }
}

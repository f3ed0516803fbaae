//! A plain mail (the weekly digest): a `multipart/alternative` of
//! text/plain and text/html and nothing else, so no calendar engine takes
//! it for an invitation. Like [`super::message`], byte for byte the same
//! for the same input: the boundary comes from the Message-ID, the Date
//! from the injected clock.

use lettre::Message;

use super::message::{date_header, mailbox, text_and_html, MessageError};
use crate::core::hash::hex128;

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
    let seed = hex128(&[b"touchbase-boundary", p.message_id.as_bytes()]);
    let date = date_header(p.date);
    let alternative = text_and_html(&seed, &p.text, &p.html);
    let message = Message::builder()
        .from(mailbox(p.from_name.as_deref(), &p.from_email)?)
        .to(mailbox(Some(&p.to_name), &p.to_email)?)
        .subject(p.subject.clone())
        .message_id(Some(format!("<{}>", p.message_id)))
        .date(date)
        .multipart(alternative)?;
    Ok(message.formatted())
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

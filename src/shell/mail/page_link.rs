//! The line that gives a report the address of their own page (pause,
//! opt out, prompts), added to their copy of an invitation when
//! `invite_reports` is on. The manager's copy never carries it.

use super::plain::Plain;
use crate::core::page::escape;

/// What the line says before the address.
const LABEL: &str = "Your own page (pause, opt out, prompts; private to you):";

/// Adds the page at `url` to the end of both bodies of `mail` (the
/// report's copy of an invitation).
pub fn with_page_link(mail: &mut Plain, url: &str) {
    if !mail.text.ends_with('\n') {
        mail.text.push('\n');
    }
    mail.text.push_str(&format!("\n{LABEL} {url}\n"));
    let url = escape(url);
    let p = format!(
        "<p style=\"margin:16px 0 0;font-size:13px\">{LABEL} <a href=\"{url}\">{url}</a></p>"
    );
    // Inside the body's last element (the letter's column), when it has one.
    match mail.html.rfind("</div>") {
        Some(at) if matches!(mail.html[at..].trim(), "</div>" | "</div></body></html>") => {
            mail.html.insert_str(at, &p)
        }
        _ => mail.html.push_str(&p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(text: &str, html: &str) -> Plain {
        Plain {
            from_name: None,
            from_email: "touchbase@example.com".into(),
            to_name: "Grace".into(),
            to_email: "grace@example.com".into(),
            subject: "1:1".into(),
            text: text.into(),
            html: html.into(),
            message_id: "a@example.com".into(),
            date: 0,
        }
    }

    #[test]
    fn the_link_ends_both_bodies() {
        let mut inv = invitation("Hello Grace,\n", "<div><p>Hello Grace,</p></div>");
        with_page_link(&mut inv, "http://h/me/ab&c");
        assert!(
            inv.text.ends_with(&format!("{LABEL} http://h/me/ab&c\n")),
            "{}",
            inv.text
        );
        assert!(
            inv.html
                .ends_with("<a href=\"http://h/me/ab&amp;c\">http://h/me/ab&amp;c</a></p></div>"),
            "{}",
            inv.html
        );
    }

    #[test]
    fn the_link_goes_inside_a_whole_documents_column() {
        let mut inv = invitation(
            "Hello Grace,",
            "<!DOCTYPE html><html lang=\"en\"><body><div><p>Hello</p></div></body></html>",
        );
        with_page_link(&mut inv, "http://h/me/x");
        assert!(
            inv.html
                .ends_with("<a href=\"http://h/me/x\">http://h/me/x</a></p></div></body></html>"),
            "{}",
            inv.html
        );
        assert!(inv.text.starts_with("Hello Grace,\n\n"), "{}", inv.text);
    }
}

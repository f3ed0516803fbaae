//! The HTML of every mail: one centred column of at most 600 pixels that
//! narrows to the screen, inline styles only (mail clients drop `<style>`
//! blocks and never load stylesheets), `lang` set, dark grey on white
//! (every colour here contrasts at least 7:1 with the white background),
//! no images and nothing fetched from anywhere, so nothing can tell when
//! a mail was opened.
//!
//! Every roster value goes through [`escape`]; the builders below escape
//! what they are given, so a caller cannot forget.

/// `s` safe inside HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const TEXT: &str = "#1a1a1a";
const MUTED: &str = "#4a4a4a";
const RULE: &str = "#d0d0d0";

/// An HTML mail body, built paragraph by paragraph.
#[derive(Debug, Default)]
pub struct Html {
    body: String,
}

impl Html {
    /// An empty body.
    pub fn new() -> Html {
        Html::default()
    }

    /// A paragraph of plain text.
    pub fn p(&mut self, text: &str) {
        self.p_raw(&escape(text));
    }

    /// A paragraph whose content is already HTML.
    fn p_raw(&mut self, inner: &str) {
        self.body.push_str("<p style=\"margin:0 0 14px\">");
        self.body.push_str(inner);
        self.body.push_str("</p>");
    }

    /// A paragraph starting with a bold label: "**Where:** Room 4.02".
    pub fn labelled(&mut self, label: &str, text: &str) {
        self.p_raw(&format!(
            "<strong>{}</strong> {}",
            escape(label),
            escape(text)
        ));
    }

    /// A section heading.
    pub fn h2(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<h2 style=\"margin:22px 0 8px;font-size:17px;line-height:1.3;color:{TEXT}\">{}</h2>",
            escape(text)
        ));
    }

    /// A bulleted list.
    pub fn list<'a>(&mut self, items: impl IntoIterator<Item = &'a str>) {
        self.body
            .push_str("<ul style=\"margin:0 0 14px;padding:0 0 0 22px\">");
        for item in items {
            self.body.push_str(&format!(
                "<li style=\"margin:0 0 4px\">{}</li>",
                escape(item)
            ));
        }
        self.body.push_str("</ul>");
    }

    /// One meeting as a block: a bold line (when), then details, then its
    /// prompts as a list.
    pub fn meeting(&mut self, title: &str, details: &[String], prompts: &[String]) {
        self.body.push_str(&format!(
            "<div style=\"margin:0 0 16px;padding:10px 12px;border-left:4px solid {RULE}\">\
             <p style=\"margin:0 0 4px;font-weight:bold\">{}</p>",
            escape(title)
        ));
        for d in details {
            self.body.push_str(&format!(
                "<p style=\"margin:0 0 4px;color:{MUTED}\">{}</p>",
                escape(d)
            ));
        }
        if !prompts.is_empty() {
            self.body
                .push_str("<ul style=\"margin:6px 0 0;padding:0 0 0 22px\">");
            for p in prompts {
                self.body
                    .push_str(&format!("<li style=\"margin:0 0 4px\">{}</li>", escape(p)));
            }
            self.body.push_str("</ul>");
        }
        self.body.push_str("</div>");
    }

    /// A quieter paragraph (guidance, notes).
    pub fn note(&mut self, text: &str) {
        self.body.push_str(&format!(
            "<p style=\"margin:0 0 14px;color:{MUTED};font-style:italic\">{}</p>",
            escape(text)
        ));
    }

    /// The whole document: `title` is the subject.
    pub fn finish(self, title: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head>\
             <body style=\"margin:0;padding:0;background-color:#ffffff;color:{TEXT}\">\
             <div style=\"max-width:600px;margin:0 auto;padding:16px;\
             font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:{TEXT};\
             overflow-wrap:break-word;word-wrap:break-word;word-break:break-word\">\
             {body}\
             <p style=\"margin:24px 0 0;padding-top:10px;border-top:1px solid {RULE};font-size:13px;color:{MUTED}\">Sent by touchbase.</p>\
             </div></body></html>\n",
            title = escape(title),
            body = self.body,
        )
    }
}

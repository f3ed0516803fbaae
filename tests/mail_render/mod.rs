//! Every sample mail rendered by headless Chromium (Debian's `chromium`,
//! which `scripts/test` installs when missing), at 375 pixels wide (a
//! phone) and 800 (a desktop mail client). Headless Chromium lays a page
//! out at least 500 pixels wide whatever `--window-size` says, so the mail
//! is shown in an iframe of the exact width (`srcdoc`, so that its script
//! may write to the page around it). A copy of the HTML part with a
//! measuring script appended is loaded with `--dump-dom`, and the test
//! fails when the mail is wider than its frame or any element reaches
//! past the frame's right edge; then `--screenshot` takes the frame at the
//! mail's full height. `UPDATE_SCREENSHOTS=1` writes the PNGs to `docs/mail/` (the
//! README shows one); otherwise they go to a temporary folder and are
//! only checked.
// The clock rule (clippy.toml) is for the library: this bounds a child process in real time.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Sample;

/// The widths rendered, in CSS pixels.
pub const WIDTHS: [u32; 2] = [375, 800];

#[path = "../common/browser.rs"]
mod browser;

const MEASURE: &str = r#"<script>
(function () {
  var w = window.innerWidth;
  var over = [];
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > w + 0.5) { over.push(e.tagName + ' ' + Math.round(r.right)); }
  });
  var o = document.createElement('pre');
  o.id = 'tb-measure';
  o.textContent = JSON.stringify({
    scroll_width: document.documentElement.scrollWidth,
    inner_width: w,
    height: document.documentElement.scrollHeight,
    over: over
  });
  parent.document.body.appendChild(o);
})();
</script>"#;

/// Runs chromium with `args` in a fresh profile; its stdout. Killed after
/// a minute, so that a hang fails the test rather than stalling it.
fn chromium(args: &[String]) -> String {
    let profile = tempfile::tempdir().expect("profile");
    let mut child = Command::new(browser::CHROMIUM)
        .args(browser::HEADLESS)
        .arg("--force-device-scale-factor=1")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium runs (scripts/test installs Debian's chromium)");
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => break,
            None if start.elapsed() > Duration::from_secs(60) => {
                let _ = child.kill();
                panic!("chromium {args:?} did not finish within a minute");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let out = child.wait_with_output().expect("output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the measuring script found.
#[derive(Debug)]
struct Measure {
    scroll_width: u64,
    inner_width: u64,
    height: u64,
    over: Vec<String>,
}

/// A page showing `html` in a frame `width` × `height` pixels.
fn framed(html: &str, width: u32, height: u64) -> String {
    let doc = html.replace('&', "&amp;").replace('"', "&quot;");
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\
         <iframe style=\"display:block;border:0;width:{width}px;height:{height}px\" srcdoc=\"{doc}\"></iframe>\
         </body></html>"
    )
}

fn measure(page: &Path, width: u32) -> Measure {
    let dom = chromium(&[
        format!("--window-size={width},900"),
        "--dump-dom".into(),
        format!("file://{}", page.display()),
    ]);
    let json = dom
        .split("<pre id=\"tb-measure\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_else(|| panic!("no measurement in the DOM:\n{dom}"))
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let v: serde_json::Value = serde_json::from_str(&json).expect("measurement JSON");
    Measure {
        scroll_width: v["scroll_width"].as_u64().expect("scroll_width"),
        inner_width: v["inner_width"].as_u64().expect("inner_width"),
        height: v["height"].as_u64().expect("height"),
        over: v["over"]
            .as_array()
            .expect("over")
            .iter()
            .map(|s| s.as_str().unwrap_or("").to_string())
            .collect(),
    }
}

/// The width and height a PNG file declares.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("png");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is a PNG",
        path.display()
    );
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

/// Renders every sample at every width: fails on overflow, and leaves the
/// screenshots in `docs/mail/` when asked to.
pub fn screenshots(samples: &[Sample]) {
    let work = tempfile::tempdir().expect("tempdir");
    let out_dir: PathBuf = if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mail")
    } else {
        work.path().join("shots")
    };
    std::fs::create_dir_all(&out_dir).expect("screenshot folder");
    let mut rendered = 0;
    for s in samples {
        let with_script = s
            .letter
            .html
            .replace("</body>", &format!("{MEASURE}</body>"));
        assert_ne!(with_script, s.letter.html, "{}: no </body>", s.name);
        for width in WIDTHS {
            let measured = work.path().join(format!("{}-{width}-measure.html", s.name));
            std::fs::write(&measured, framed(&with_script, width, 900)).expect("page");
            let m = measure(&measured, width);
            assert_eq!(m.inner_width, u64::from(width), "{}: {m:?}", s.name);
            assert!(
                m.scroll_width <= m.inner_width && m.over.is_empty(),
                "{} at {width} px: text overflows: {m:?}",
                s.name
            );
            let png = out_dir.join(format!("{}-{width}.png", s.name));
            let height = m.height.clamp(200, 4000);
            let page = work.path().join(format!("{}-{width}.html", s.name));
            std::fs::write(&page, framed(&s.letter.html, width, height)).expect("page");
            chromium(&[
                format!("--window-size={width},{height}"),
                format!("--screenshot={}", png.display()),
                format!("file://{}", page.display()),
            ]);
            let (w, h) = png_size(&png);
            assert_eq!((w, u64::from(h)), (width, height), "{}", png.display());
            rendered += 1;
        }
    }
    assert_eq!(rendered, samples.len() * WIDTHS.len());
}

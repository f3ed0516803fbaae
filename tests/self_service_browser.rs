//! A report's own page in a real browser: headless Chromium driven over
//! WebDriver (chromedriver, from the Debian packages `chromium` and
//! `chromium-driver`, which `scripts/test` installs), against the real
//! binary. The report pauses, sees the confirmation and her meetings gone
//! from the page, her feed and `preview`, opts back in and sees them
//! again; the page's headers are the private ones, and its style sheet
//! is applied under its Content-Security-Policy (by its hash).
//!
//! The test takes a screenshot at phone width (375 px) and checks it is
//! one; `scripts/screenshot` runs it with `TOUCHBASE_SCREENSHOT` set, to
//! write the README's `docs/self-service.png`.
// The clock rule (clippy.toml) is for the library: this test waits on real processes and sockets.
#![allow(clippy::disallowed_methods)]

mod common;
mod harness;
mod mailserver;
mod pages;

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use pages::{day, request, World};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
use common::browser::CHROMIUM;

/// chromedriver on a free port of 127.0.0.1; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        for bin in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                std::path::Path::new(bin).exists(),
                "{bin} is missing: install the Debian packages chromium and chromium-driver (scripts/test does)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let args = common::browser::HEADLESS
        .iter()
        .chain(&["--window-size=375,812"])
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": CHROMIUM, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

/// The meetings the page lists.
async fn meetings(c: &Client) -> usize {
    c.find_all(Locator::Css("li.m")).await.expect("find").len()
}

/// Grace's meetings in her feed and in `preview --json`.
fn elsewhere(w: &World, secret: &str) -> (usize, usize) {
    let feed = request(w.addr(), "GET", &format!("/feeds/{secret}.ics"), &[], b"");
    assert_eq!(feed.status, 200, "{}", feed.text());
    let until = jiff::Timestamp::now().as_second() + 12 * 7 * 86_400;
    let now = jiff::Timestamp::now().as_second();
    let in_feed = common::expand(&feed.text(), until)
        .iter()
        .filter(|m| m.start > now)
        .count();
    let preview: serde_json::Value = serde_json::from_str(&w.preview()).expect("json");
    let in_preview = preview
        .as_array()
        .expect("array")
        .iter()
        .filter(|m| m["report"] == "grace@example.com")
        .count();
    (in_feed, in_preview)
}

/// The width and height in a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (be(16), be(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_pauses_and_opts_back_in_from_a_phone() {
    let w = World::start(false);
    let grace = w.secret("grace@example.com");
    let driver = Driver::start();
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&driver, profile.path()).await;
    c.set_window_size(375, 812).await.expect("window size");
    let url = format!("http://{}/me/{grace}", w.addr());
    c.goto(&url).await.expect("open the page");

    let before = meetings(&c).await;
    assert!(before > 1, "{}", c.source().await.unwrap_or_default());
    let (feed, preview) = elsewhere(&w, &grace);
    assert!(feed > 1 && preview > 1, "{feed} {preview}");
    // The style sheet applies: its hash is what the CSP allows.
    let width = c
        .execute(
            "return getComputedStyle(document.body).maxWidth;",
            Vec::new(),
        )
        .await
        .expect("style");
    assert_eq!(width, "640px", "the page's style was blocked");

    // Pause past the horizon.
    let until = day(100).to_string();
    c.execute(
        "document.getElementById('until').value = arguments[0];",
        vec![until.clone().into()],
    )
    .await
    .expect("set the date");
    c.find(Locator::Css("#pause button"))
        .await
        .expect("the pause button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_element(Locator::Css("#done"))
        .await
        .expect("a confirmation");
    let done = c
        .find(Locator::Css("#done"))
        .await
        .expect("done")
        .text()
        .await
        .expect("text");
    assert!(done.contains("paused"), "{done}");
    assert!(c
        .current_url()
        .await
        .expect("url")
        .as_str()
        .ends_with("?done=paused"));
    let state = c
        .find(Locator::Css("#state"))
        .await
        .expect("the state line")
        .text()
        .await
        .expect("text");
    assert!(state.contains("paused until"), "{state}");
    assert_eq!(meetings(&c).await, 0);
    // The daemon reconciles at once: the feed and preview agree.
    let t = Instant::now();
    while elsewhere(&w, &grace) != (0, 0) {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{:?}",
            elsewhere(&w, &grace)
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Back in.
    c.find(Locator::Css("#resume button"))
        .await
        .expect("the opt-back-in button")
        .click()
        .await
        .expect("click");
    c.wait()
        .for_url(&url::Url::parse(&format!("{url}?done=resumed")).expect("url"))
        .await
        .expect("back on the page");
    assert_eq!(meetings(&c).await, before);
    assert_eq!(elsewhere(&w, &grace), (feed, preview));

    // The headers, as the browser got them.
    let r = request(w.addr(), "GET", &format!("/me/{grace}"), &[], b"");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let csp = r.header("content-security-policy").expect("CSP");
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));

    // At phone width, for the README: tall enough to show the forms.
    c.set_window_size(375, 1700).await.expect("window size");
    c.goto(&url).await.expect("reload");
    let png = c.screenshot().await.expect("screenshot");
    let (width, _) = png_size(&png);
    assert!(width <= 375 * 2, "phone width: {width}");
    if let Ok(path) = std::env::var("TOUCHBASE_SCREENSHOT") {
        std::fs::write(&path, &png).expect("write the screenshot");
    }
    c.close().await.expect("close the session");
}

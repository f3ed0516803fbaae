//! Headless Chromium as the tests start it: Debian's `chromium`, on a
//! machine without a display, a GPU or a network it should use.

/// The browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Flags for every headless run (a fresh `--user-data-dir` and the window
/// size are the caller's).
pub const HEADLESS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

//! Resolution of `touchbase.toml`: every bad value gives an error located at
//! its origin, and good values come out typed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::smtp::SmtpCredentials;
use super::*;
use crate::core::source::Origin;

fn source(text: &str) -> SourceText {
    SourceText::new("/etc/touchbase/touchbase.toml", text)
}

fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn smtp(url: &str) -> String {
    format!("[mail]\ntransport = \"smtp\"\nurl = \"{url}\"\n")
}

/// 1-based line and column of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle in text");
    SourceText::new("x", text).line_col(at)
}

#[test]
fn defaults_resolve() {
    let c = parse(&source(""), &no_env()).expect("defaults");
    assert_eq!(c.roster, Path::new("/etc/touchbase/roster.toml"));
    assert_eq!(c.state_dir, Path::new("/var/lib/touchbase"));
    assert_eq!(c.dispatch.every.source(), "0 */10 * * * *");
    assert_eq!((c.dispatch.lead_days, c.dispatch.horizon_weeks), (7, 12));
    assert_eq!(c.http.listen, SocketAddr::from(([127, 0, 0, 1], 8787)));
    assert_eq!(c.http.public_url, "http://127.0.0.1:8787");
    assert_eq!(c.log_level, "info");
    assert_eq!(c.mail.from_email, "touchbase@example.com");
    assert_eq!(c.mail.from_name.as_deref(), Some("Touchbase"));
    assert_eq!((c.mail.connections, c.mail.invite_reports), (8, false));
    let Transport::Smtp(t) = &c.mail.transport else {
        panic!("smtp by default: {:?}", c.mail.transport)
    };
    assert_eq!(
        (t.host.as_str(), t.port, t.tls),
        ("127.0.0.1", 25, Tls::None)
    );
    assert_eq!(t.masked_url(), "\"smtp://127.0.0.1:25\"");
}

#[test]
fn the_example_configuration_resolves() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/touchbase.toml");
    let text = std::fs::read_to_string(&path).expect("example config");
    let c = parse(&SourceText::new(&path, text), &no_env()).expect("example");
    assert_eq!(
        c.mail.transport,
        Transport::File {
            dir: path.parent().expect("folder").join("outbox")
        }
    );
    assert_eq!(c.dispatch.every.source(), "0 */10 * * * *");
}

#[test]
fn bad_values_are_located() {
    // (file text, the text at the bad value, key, part of `found`, part of
    // `expected`)
    let cases: Vec<(String, &str, &str, &str, &str)> = vec![
        (
            smtp("smtp://host?tls=maybe"),
            "\"smtp://host?tls",
            "mail.url",
            "\"smtp://host?tls=maybe\"",
            "`tls` is `required`, `opportunistic` or `none`",
        ),
        (
            smtp("smtps://mail.example.com?tls=nope"),
            "\"smtps://",
            "mail.url",
            "tls=nope",
            "`tls` is",
        ),
        (
            smtp("ftp://x"),
            "\"ftp://",
            "mail.url",
            "\"ftp://x\"",
            "smtp:// or smtps://",
        ),
        (
            smtp("localhost:25"),
            "\"localhost",
            "mail.url",
            "localhost:25",
            "such as \"smtp://127.0.0.1:25\"",
        ),
        (
            smtp("smtp://"),
            "\"smtp://\"",
            "mail.url",
            "\"smtp://\"",
            "with a host",
        ),
        (
            smtp("smtp://bob@"),
            "\"smtp://bob",
            "mail.url",
            "MASKED",
            "with a host",
        ),
        (
            smtp("smtp://h:0"),
            "\"smtp://h:0",
            "mail.url",
            "h:0",
            "port is a number",
        ),
        (
            smtp("smtp://h:99999"),
            "\"smtp://h:9",
            "mail.url",
            "h:99999",
            "port is a number",
        ),
        (
            smtp("smtp://bob:hunter2@[::1"),
            "\"smtp://bob",
            "mail.url",
            "bob:MASKED@[::1",
            "smtp:// or smtps://",
        ),
        (
            "[mail]\nfrom = \"Evil\\r\\nBcc: x@example.com <a@example.com>\"\n".into(),
            "\"Evil",
            "mail.from",
            "\"Evil\\r\\nBcc: x@example.com <a@example.com>\"",
            "a sender such as",
        ),
        (
            "[dispatch]\nevery = \"every ten minutes\"\n".into(),
            "\"every ten",
            "dispatch.every",
            "\"every ten minutes\"",
            "a cron line",
        ),
        (
            "[dispatch]\nevery = \"0 */10 * * *\"\n".into(),
            "\"0 */10",
            "dispatch.every",
            "\"0 */10 * * *\"",
            "a cron line",
        ),
        (
            "[http]\nlisten = \"localhost:8787\"\n".into(),
            "\"localhost",
            "http.listen",
            "\"localhost:8787\"",
            "an address and port",
        ),
        (
            "[http]\nlisten = \"127.0.0.1\"\n".into(),
            "\"127.0.0.1\"",
            "http.listen",
            "\"127.0.0.1\"",
            "an address and port",
        ),
        (
            "[http]\npublic_url = \"ftp://x\"\n".into(),
            "\"ftp://x\"",
            "http.public_url",
            "\"ftp://x\"",
            "an http:// or https:// URL",
        ),
        (
            "[mail]\ntransport = \"smpt\"\n".into(),
            "\"smpt\"",
            "mail.transport",
            "\"smpt\"",
            "one of `smtp`",
        ),
        (
            "[mail]\nfrom = \"Touchbase <nowhere>\"\n".into(),
            "\"Touchbase",
            "mail.from",
            "nowhere",
            "a sender",
        ),
        (
            "[mail]\nconnections = 0\n".into(),
            "0\n",
            "mail.connections",
            "0",
            "from 1 to 64",
        ),
        (
            "[dispatch]\nlead_days = 366\n".into(),
            "366",
            "dispatch.lead_days",
            "366",
            "from 0 to 365",
        ),
        (
            "roster = \" \"\n".into(),
            "\" \"",
            "roster",
            "\" \"",
            "a path",
        ),
        (
            "log_level = \"loud\"\n".into(),
            "\"loud\"",
            "log_level",
            "\"loud\"",
            "one of `error`",
        ),
    ];
    for (text, at, key, found, expected) in &cases {
        let errors = parse(&source(text), &no_env()).expect_err(text).0;
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        let e = &errors[0];
        let (line, column) = position(text, at);
        assert_eq!(
            e.origin,
            Origin::File {
                path: PathBuf::from("/etc/touchbase/touchbase.toml"),
                line,
                column
            },
            "{text}"
        );
        assert_eq!(e.key, *key, "{text}");
        assert!(e.found.contains(found), "{text}: found {}", e.found);
        assert!(
            e.expected.contains(expected),
            "{text}: expected {}",
            e.expected
        );
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}

#[test]
fn a_bad_tls_mode_gets_a_suggestion() {
    let errors = parse(&source(&smtp("smtp://h?tls=requird")), &no_env())
        .expect_err("bad tls")
        .0;
    assert_eq!(errors[0].hint.as_deref(), Some("did you mean `required`?"));
}

#[test]
fn every_bad_value_is_reported_at_once() {
    let text =
        "[mail]\nurl = \"smtp://h?tls=maybe\"\n[dispatch]\nevery = \"x\"\n[http]\nlisten = \"x\"\n";
    let errors = parse(&source(text), &no_env()).expect_err("three").0;
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["mail.url", "dispatch.every", "http.listen"]);
}

#[test]
fn overrides_are_resolved_and_located_too() {
    let env = BTreeMap::from([(
        "TOUCHBASE_MAIL__URL".to_string(),
        "smtp://bob:hunter2@h?tls=maybe".to_string(),
    )]);
    let e = &parse(&source(""), &env).expect_err("bad override").0[0];
    assert_eq!(e.origin, Origin::Env("TOUCHBASE_MAIL__URL".into()));
    assert_eq!(e.found, "\"smtp://bob:MASKED@h?tls=maybe\"");

    let credential = Credential {
        key: "mail.url",
        path: PathBuf::from("/run/credentials/touchbase.service/smtp-url"),
        value: "smtp://h:0".into(),
    };
    let e = &parse_with(&source(""), &no_env(), &[credential])
        .expect_err("bad credential")
        .0[0];
    assert_eq!(
        e.origin,
        Origin::File {
            path: PathBuf::from("/run/credentials/touchbase.service/smtp-url"),
            line: 0,
            column: 0
        }
    );
    assert_eq!(e.key, "mail.url");

    let env = BTreeMap::from([(
        "TOUCHBASE_DISPATCH__EVERY".to_string(),
        "0 0 * * * *".into(),
    )]);
    let c = parse(&source(""), &env).expect("good override");
    assert_eq!(c.dispatch.every.source(), "0 0 * * * *");
}

#[test]
fn smtp_urls_resolve_to_targets() {
    fn creds(user: &str, password: &str) -> Option<SmtpCredentials> {
        Some(SmtpCredentials {
            user: user.into(),
            password: password.into(),
        })
    }
    // (URL, host, port, TLS, credentials)
    let cases = [
        ("smtp://127.0.0.1:2525", "127.0.0.1", 2525, Tls::None, None),
        (
            "smtp://mail.example.com",
            "mail.example.com",
            587,
            Tls::None,
            None,
        ),
        (
            "smtps://mail.example.com",
            "mail.example.com",
            465,
            Tls::Implicit,
            None,
        ),
        (
            "SMTP://mail.example.com:25",
            "mail.example.com",
            25,
            Tls::None,
            None,
        ),
        ("  smtp://h:25  ", "h", 25, Tls::None, None),
        ("smtp://h?tls=required", "h", 587, Tls::Required, None),
        (
            "smtp://h?tls=opportunistic",
            "h",
            587,
            Tls::Opportunistic,
            None,
        ),
        ("smtp://h?tls=none", "h", 587, Tls::None, None),
        (
            "smtps://h:2465?tls=required",
            "h",
            2465,
            Tls::Implicit,
            None,
        ),
        ("smtp://[::1]:25", "::1", 25, Tls::None, None),
        (
            "smtps://bob:p%40ss@mail.example.com",
            "mail.example.com",
            465,
            Tls::Implicit,
            creds("bob", "p@ss"),
        ),
        (
            "smtp://a%40b.example:p%3As%2F%25@h:587?tls=required",
            "h",
            587,
            Tls::Required,
            creds("a@b.example", "p:s/%"),
        ),
        // Credentials go only over TLS: STARTTLS required unless the URL
        // says tls=none.
        ("smtp://bob@h", "h", 587, Tls::Required, creds("bob", "")),
        (
            "smtp://bob:pw@h:25?tls=opportunistic",
            "h",
            25,
            Tls::Required,
            creds("bob", "pw"),
        ),
        (
            "smtp://bob:pw@127.0.0.1:25?tls=none",
            "127.0.0.1",
            25,
            Tls::None,
            creds("bob", "pw"),
        ),
    ];
    for (url, host, port, tls, credentials) in cases {
        let t = SmtpTarget::parse(url).expect(url);
        assert_eq!(
            (t.host.as_str(), t.port, t.tls, &t.credentials),
            (host, port, tls, &credentials),
            "{url}"
        );
        // The whole configuration resolves to the same target.
        let c = parse(&source(&smtp(url)), &no_env()).expect(url);
        assert_eq!(c.mail.transport, Transport::Smtp(t), "{url}");
    }
}

#[test]
fn secrets_never_print() {
    let t = SmtpTarget::parse("smtps://bob:p%40ss@mail.example.com").expect("url");
    let shown = format!("{t:?}");
    assert!(
        !shown.contains("p@ss") && !shown.contains("p%40ss"),
        "{shown}"
    );
    assert!(shown.contains("MASKED"), "{shown}");
    assert_eq!(t.masked_url(), "\"smtps://bob:MASKED@mail.example.com\"");
    let c = parse(&source(&smtp("smtp://bob:hunter2@h")), &no_env()).expect("config");
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn credentials_require_tls_and_check_says_so() {
    let t = SmtpTarget::parse("smtp://bob:hunter2@mail.example.com:587").expect("url");
    assert_eq!(t.tls, Tls::Required);
    assert!(t.security().contains("TLS is required"), "{}", t.security());
    assert!(!t.clear_password_off_host());
    let t = SmtpTarget::parse("smtp://bob:hunter2@mail.example.com?tls=none").expect("url");
    assert!(t.security().contains("in the clear"), "{}", t.security());
    assert!(t.clear_password_off_host());
    let t = SmtpTarget::parse("smtp://bob:hunter2@localhost?tls=none").expect("url");
    assert!(!t.clear_password_off_host());
    let t = SmtpTarget::parse("smtp://127.0.0.1:25").expect("url");
    assert_eq!((t.tls, t.security()), (Tls::None, "no TLS"));
}

#[test]
fn urls_that_do_not_parse_are_masked_too() {
    // (as written, as echoed)
    let cases = [
        ("smtp:user:s3cr3t@host", "\"smtp:MASKED@host\""),
        ("smtp:/user:s3cr3t@host", "\"smtp:MASKED@host\""),
        ("user:s3cr3t@host", "\"user:MASKED@host\""),
        ("s3cr3t@host", "\"MASKED@host\""),
        ("smtp//user:s3cr3t@host", "\"MASKED@host\""),
        ("smtp://user:s3cr3t", "\"smtp://user:MASKED\""),
        ("smtp://user:s3cr3t/x", "\"smtp://user:MASKED/x\""),
        ("smtp://h:99999", "\"smtp://h:99999\""),
        ("smtp://[::1]:25", "\"smtp://[::1]:25\""),
        ("smtp://[fe80::1]", "\"smtp://[fe80::1]\""),
        ("smtp://bob:s3cr3t@h", "\"smtp://bob:MASKED@h\""),
    ];
    for (url, shown) in cases {
        assert_eq!(smtp::masked_url(url), shown, "{url}");
    }
    // Through the whole configuration, from the environment.
    for url in ["smtp:user:s3cr3t@host", "smtp://user:s3cr3t"] {
        let env = BTreeMap::from([("TOUCHBASE_MAIL__URL".to_string(), url.to_string())]);
        let e = parse(&source(""), &env).expect_err(url);
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        assert!(e.to_string().contains("MASKED"), "{e}");
    }
}

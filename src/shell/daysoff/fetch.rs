//! One conditional GET of a calendar source: HTTP/1.1 over TCP, or over
//! TLS (rustls, the system's roots) for `https://`, with a timeout for the
//! whole exchange and a cap on the body. `ETag` and `Last-Modified` from
//! the last good copy go out as `If-None-Match` and `If-Modified-Since`,
//! so an unchanged calendar costs a 304. Redirects are followed (up to 5).

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, USER_AGENT};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// How long one fetch may take, connection to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The most bytes a calendar body may have.
pub const MAX_BODY: usize = crate::core::daysoff::MAX_BYTES;
const MAX_REDIRECTS: usize = 5;

/// What the last good copy was sent with.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    /// Its `ETag`.
    pub etag: Option<String>,
    /// Its `Last-Modified`.
    pub last_modified: Option<String>,
}

/// What a fetch brought.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the last good copy is current.
    NotModified,
    /// 200: a new body, with its validators.
    Body(Vec<u8>, Validators),
}

/// Why a fetch failed (no URL or roster value in it: it goes to /healthz).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No answer within [`TIMEOUT`].
    #[error("timed out after {}s", TIMEOUT.as_secs())]
    Timeout,
    /// The server answered with an error status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The body is bigger than [`MAX_BODY`].
    #[error("body larger than {MAX_BODY} bytes")]
    TooLarge,
    /// Connection, TLS or protocol failure.
    #[error("{0}")]
    Transport(String),
}

/// Fetches `url` once, conditionally on `previous`.
pub async fn fetch(url: &str, previous: &Validators) -> Result<Fetched, FetchError> {
    match tokio::time::timeout(TIMEOUT, fetch_following(url, previous)).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::Timeout),
    }
}

async fn fetch_following(url: &str, previous: &Validators) -> Result<Fetched, FetchError> {
    let mut url =
        url::Url::parse(url).map_err(|e| FetchError::Transport(format!("bad URL ({e})")))?;
    for _ in 0..=MAX_REDIRECTS {
        match get(&url, previous).await? {
            Step::Done(f) => return Ok(f),
            Step::Redirect(to) => {
                url = url
                    .join(&to)
                    .map_err(|e| FetchError::Transport(format!("bad redirect ({e})")))?;
            }
        }
    }
    Err(FetchError::Transport("too many redirects".into()))
}

enum Step {
    Done(Fetched),
    Redirect(String),
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

async fn connect(url: &url::Url) -> Result<Box<dyn Io>, FetchError> {
    let host = url
        .host_str()
        .ok_or_else(|| FetchError::Transport("URL without a host".into()))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| FetchError::Transport("URL without a port".into()))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let tcp = TcpStream::connect((bare, port))
        .await
        .map_err(|e| FetchError::Transport(format!("cannot connect ({})", e.kind())))?;
    match url.scheme() {
        "http" => Ok(Box::new(tcp)),
        "https" => {
            let name = ServerName::try_from(bare.to_string())
                .map_err(|_| FetchError::Transport("bad TLS server name".into()))?;
            let tls = TlsConnector::from(tls_config()).connect(name, tcp).await;
            let tls = tls.map_err(|e| FetchError::Transport(format!("TLS: {e}")))?;
            Ok(Box::new(tls))
        }
        other => Err(FetchError::Transport(format!("unsupported scheme {other}"))),
    }
}

fn tls_config() -> Arc<ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<ClientConfig>> = std::sync::OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| b.with_root_certificates(roots).with_no_client_auth());
            match config {
                Ok(c) => Arc::new(c),
                // ring supports the default versions; this is unreachable
                // in practice, and an empty config only makes TLS fail.
                Err(_) => Arc::new(
                    ClientConfig::builder()
                        .with_root_certificates(RootCertStore::empty())
                        .with_no_client_auth(),
                ),
            }
        })
        .clone()
}

async fn get(url: &url::Url, previous: &Validators) -> Result<Step, FetchError> {
    let io = connect(url).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| FetchError::Transport(format!("HTTP: {e}")))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let authority = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let mut req = Request::get(path)
        .header(hyper::header::HOST, authority)
        .header(USER_AGENT, concat!("touchbase/", env!("CARGO_PKG_VERSION")))
        .header(hyper::header::ACCEPT, "text/calendar, */*;q=0.5");
    if let Some(etag) = &previous.etag {
        req = req.header(IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &previous.last_modified {
        req = req.header(IF_MODIFIED_SINCE, lm);
    }
    let req = req
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchError::Transport(format!("request: {e}")))?;
    let result = exchange(&mut sender, req).await;
    driver.abort();
    result
}

async fn exchange(
    sender: &mut hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
    req: Request<Empty<Bytes>>,
) -> Result<Step, FetchError> {
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| FetchError::Transport(format!("HTTP: {e}")))?;
    let status = resp.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(Step::Done(Fetched::NotModified));
    }
    if status.is_redirection() {
        if let Some(to) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) {
            return Ok(Step::Redirect(to.to_string()));
        }
    }
    if !status.is_success() {
        return Err(FetchError::Status(status.as_u16()));
    }
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v: &hyper::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };
    let declared = resp
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(FetchError::TooLarge);
    }
    let mut body = resp.into_body();
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| FetchError::Transport(format!("body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > MAX_BODY {
                return Err(FetchError::TooLarge);
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(Step::Done(Fetched::Body(out, validators)))
}

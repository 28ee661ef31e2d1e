//! The one HTTP stack of the library (ureq, rustls): agents configured from Helm's TLS options, and
//! the chart repository getter (`getter.HTTPGetter`) with Helm's credential scoping.
//!
//! The OCI client sends its requests through [`Transport`] too, so proxies (HTTP(S)_PROXY, NO_PROXY),
//! timeouts and TLS settings behave the same for repositories and registries.

use std::time::Duration;

use ureq::http;
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use super::url::GoUrl;
use super::Error;

/// Helm's user agent (`version.GetUserAgent`), so servers see what they see from Helm.
pub const USER_AGENT: &str = "Helm/4.1.4";

/// Helm's default HTTP timeout for getters (`getter.DefaultHTTPTimeout`, 120 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The cap on one response body, in MiB: what Helm accepts is far smaller (a chart archive inflates to
/// at most 100 MiB; the largest public index.yaml files are tens of MB), so a server sending more is
/// refused before it fills memory. `KUBEHELM_MAX_DOWNLOAD_MIB` raises it.
const DEFAULT_MAX_BODY_MIB: u64 = 256;

fn max_body() -> u64 {
    std::env::var("KUBEHELM_MAX_DOWNLOAD_MIB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&m| m > 0)
        .unwrap_or(DEFAULT_MAX_BODY_MIB)
        .saturating_mul(1 << 20)
}

/// Helm's TLS client options (`--ca-file`, `--cert-file`, `--key-file`, `--insecure-skip-tls-verify`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsOptions {
    pub ca_file: String,
    pub cert_file: String,
    pub key_file: String,
    pub insecure_skip_tls_verify: bool,
}

impl TlsOptions {
    /// ureq's TLS configuration, with `tlsutil.NewTLSConfig`'s error texts. A CA file replaces the
    /// default roots, as Go's `RootCAs` pool does.
    pub fn to_tls_config(&self) -> Result<TlsConfig, Error> {
        let mut b = TlsConfig::builder().disable_verification(self.insecure_skip_tls_verify);
        if !self.cert_file.is_empty() && !self.key_file.is_empty() {
            let cert_pem = std::fs::read(&self.cert_file).map_err(|e| {
                Error::new(format!("unable to read cert file: {}: {}", quote(&self.cert_file), io_text(&self.cert_file, &e)))
            })?;
            let key_pem = std::fs::read(&self.key_file).map_err(|e| {
                Error::new(format!("unable to read key file: {}: {}", quote(&self.key_file), io_text(&self.key_file, &e)))
            })?;
            let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&cert_pem)
                .filter_map(|i| match i {
                    Ok(PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            let key = PrivateKey::from_pem(&key_pem)
                .map_err(|e| Error::new(format!("unable to load cert from key pair: {e}")))?;
            if certs.is_empty() {
                return Err(Error::new("unable to load cert from key pair: tls: failed to find any PEM data in certificate input"));
            }
            b = b.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
        }
        if !self.ca_file.is_empty() {
            let pem = std::fs::read(&self.ca_file).map_err(|e| {
                Error::new(format!("can't read CA file: {}: {}", quote(&self.ca_file), io_text(&self.ca_file, &e)))
            })?;
            let roots: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|i| match i {
                    Ok(PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if roots.is_empty() {
                return Err(Error::new("failed to append certificates from pem block"));
            }
            b = b.root_certs(RootCerts::new_with_certs(&roots));
        }
        Ok(b.build())
    }
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

fn io_text(path: &str, e: &std::io::Error) -> String {
    super::fsutil::os_error("open", std::path::Path::new(path), e)
}

/// A configured ureq agent. Status codes come back as responses, not errors; redirects keep the
/// `Authorization` header only on the same host (Go's client does the same).
#[derive(Clone)]
pub struct Transport {
    agent: ureq::Agent,
}

/// A response read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Go's `resp.Status`: `404 Not Found`.
    pub fn status_text(&self) -> String {
        let reason = http::StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("");
        format!("{} {}", self.status, reason).trim_end().to_string()
    }
}

impl Transport {
    pub fn new(tls: &TlsOptions, timeout: Option<Duration>) -> Result<Transport, Error> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.to_tls_config()?)
            .timeout_global(timeout)
            .user_agent(USER_AGENT)
            .accept_encoding("identity")
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .max_redirects(10)
            .build();
        Ok(Transport { agent: config.new_agent() })
    }

    /// Sends one request and reads the whole body. `Err` is a transport failure, in Go's shape:
    /// `GET "URL": reason`.
    pub fn send(&self, method: &str, url: &str, headers: &[(&str, String)], body: Option<&[u8]>) -> Result<Reply, Error> {
        let fail = |why: String| Error::new(format!("{} {}: {why}", go_method(method), quote(url)));
        let mut req = http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let result = match body {
            Some(b) => req.body(b.to_vec()).map_err(|e| fail(e.to_string())).map(|r| self.agent.run(r)),
            None => req.body(()).map_err(|e| fail(e.to_string())).map(|r| self.agent.run(r)),
        }?;
        let mut resp = result.map_err(|e| fail(describe(&e, url)))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let limit = max_body();
        let body = resp.body_mut().with_config().limit(limit).read_to_vec().map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => fail(format!(
                "the response is larger than {} MiB, more than any chart or index Helm accepts (KUBEHELM_MAX_DOWNLOAD_MIB raises the limit)",
                limit >> 20
            )),
            e => fail(describe(&e, url)),
        })?;
        Ok(Reply { status, headers, body })
    }
}

fn go_method(m: &str) -> &str {
    match m {
        "GET" => "Get",
        "POST" => "Post",
        "PUT" => "Put",
        "HEAD" => "Head",
        _ => m,
    }
}

/// A transport failure as Go's net/http words it: `dial tcp 127.0.0.1:1: connect: connection refused`,
/// `dial tcp: lookup HOST on 10.0.0.53:53: no such host`.
fn describe(e: &ureq::Error, url: &str) -> String {
    let refused = || match dial_address(url) {
        Some(addr) => format!("dial tcp {addr}: connect: connection refused"),
        None => "connect: connection refused".into(),
    };
    match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => refused(),
        // The system resolver's failure (getaddrinfo) reaches us as an I/O error.
        ureq::Error::Io(io) if !io.to_string().starts_with("failed to lookup address information") => io.to_string(),
        ureq::Error::Io(_) | ureq::Error::HostNotFound => {
            let host = GoUrl::parse(url).map(|u| u.hostname().to_string()).unwrap_or_default();
            match resolv_conf_nameserver() {
                Some(ns) => format!("dial tcp: lookup {host} on {ns}: no such host"),
                None => format!("dial tcp: lookup {host}: no such host"),
            }
        }
        ureq::Error::ConnectionFailed => refused(),
        other => other.to_string(),
    }
}

/// The address Go's dialer names: the URL's host resolved (IPv4 first) with its port or the scheme's.
fn dial_address(url: &str) -> Option<String> {
    use std::net::ToSocketAddrs;
    let u = GoUrl::parse(url).ok()?;
    let host = u.hostname().to_string();
    let explicit = u.host.rsplit_once(':').filter(|(_, p)| !p.contains(']')).map(|(_, p)| p.to_string());
    let port: u16 = match explicit.filter(|p| !p.is_empty()) {
        Some(p) => p.parse().ok()?,
        None if u.scheme == "https" => 443,
        None => 80,
    };
    let addrs: Vec<std::net::SocketAddr> = (host.as_str(), port).to_socket_addrs().ok()?.collect();
    addrs.iter().find(|a| a.is_ipv4()).or(addrs.first()).map(|a| a.to_string())
}

/// The first `nameserver` of /etc/resolv.conf as `IP:53`, which Go's resolver names in lookup errors.
fn resolv_conf_nameserver() -> Option<String> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    let ns = text.lines().find_map(|l| l.trim().strip_prefix("nameserver").map(str::trim))?;
    let ip: std::net::IpAddr = ns.parse().ok()?;
    Some(std::net::SocketAddr::new(ip, 53).to_string())
}

/// What Helm's `getter.Option`s carry for an HTTP download.
#[derive(Debug, Clone, Default)]
pub struct GetOptions {
    /// The repository URL the credentials belong to (`getter.WithURL`).
    pub url: String,
    pub username: String,
    pub password: String,
    /// Send the credentials to every host, not only the repository's (`pass_credentials_all`).
    pub pass_credentials_all: bool,
    pub tls: TlsOptions,
    /// `Accept` header (`getter.WithAcceptHeader`).
    pub accept: String,
    pub timeout: Option<Duration>,
}

/// `HTTPGetter.Get`: the body of `href`, or `failed to fetch HREF : 404 Not Found`. Basic auth is sent
/// only when `href` has the scheme and host:port of `opts.url`, unless `pass_credentials_all`.
pub fn http_get(href: &str, opts: &GetOptions) -> Result<Vec<u8>, Error> {
    let reply = http_get_reply(href, opts, &[])?;
    if reply.status != 200 {
        return Err(Error::new(format!("failed to fetch {href} : {}", reply.status_text())));
    }
    Ok(reply.body)
}

/// [`http_get`] with extra request headers (conditional requests: `If-None-Match`,
/// `If-Modified-Since`), returning the reply whatever its status.
pub fn http_get_reply(href: &str, opts: &GetOptions, extra: &[(&str, String)]) -> Result<Reply, Error> {
    let owner = GoUrl::parse(&opts.url).map_err(|e| Error::new(format!("unable to parse getter URL: {e}")))?;
    let target = GoUrl::parse(href).map_err(|e| Error::new(format!("unable to parse URL getting from: {e}")))?;
    let mut headers: Vec<(&str, String)> = Vec::new();
    if !opts.accept.is_empty() {
        headers.push(("Accept", opts.accept.clone()));
    }
    let same_origin = owner.scheme == target.scheme && owner.host == target.host;
    if (opts.pass_credentials_all || same_origin) && !opts.username.is_empty() && !opts.password.is_empty() {
        headers.push(("Authorization", basic_auth(&opts.username, &opts.password)));
    }
    let transport = Transport::new(&opts.tls, Some(opts.timeout.unwrap_or(DEFAULT_TIMEOUT)))
        .map_err(|e| Error::new(format!("can't create TLS config for client: {e}")))?;
    headers.extend(extra.iter().cloned());
    transport.send("GET", href, &headers, None)
}

/// `Basic base64(user:password)`.
pub fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

//! What the plugins' end-to-end tests share: temp folders, a small static HTTP(S) chart repository on
//! 127.0.0.1 (basic auth, TLS with a client certificate, ETag/If-None-Match, and misbehaving modes: never
//! answering, cutting the body short), Helm's file locations inside a test folder, running a binary (ours
//! or the reference Helm) in them, chart archives made with `tar`, and a real OCI registry (Debian's
//! `docker-registry`, optionally behind htpasswd; `None`, with a message, when it is not installed).
//! Each test binary's `tests/common` re-exports this and adds how to run its own binary.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const REFERENCE_HELM: &str = "/root/.cache/reference-helm/v4.1.4/helm";

/// A folder under the system temp folder, removed when dropped.
pub struct Tmp(pub PathBuf);

impl Tmp {
    pub fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("kubehelm-test-{}-{}", tag, std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The repository's own folder (for tests/charts).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

// ---- a tiny static HTTP(S) server -------------------------------------------------------------------

/// Server-side TLS: the server's certificate and key, and the CA whose client certificates it requires
/// (none: no client certificate asked for).
pub struct ServerTls {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: Option<PathBuf>,
}

/// How the server misbehaves (for the fault tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Accepts connections and reads the request, then never answers.
    Silent,
    /// Announces the full length but sends half the body, then closes.
    Truncate,
}

pub struct HttpServer {
    pub port: u16,
    pub tls: bool,
    stop: Arc<AtomicBool>,
    /// Every request: (path, Authorization header).
    pub log: Arc<Mutex<Vec<(String, String)>>>,
}

impl HttpServer {
    /// Serves the files under `root`; with `auth`, every request needs that `Authorization` value.
    pub fn start(root: &Path, auth: Option<String>) -> HttpServer {
        Self::start_with(root, auth, None)
    }

    /// As [`HttpServer::start`], over TLS when `tls` is given.
    pub fn start_with(root: &Path, auth: Option<String>, tls: Option<ServerTls>) -> HttpServer {
        Self::start_mode(root, auth, tls, Mode::Normal)
    }

    /// As [`HttpServer::start_with`], misbehaving as `mode` says.
    pub fn start_mode(
        root: &Path,
        auth: Option<String>,
        tls: Option<ServerTls>,
        mode: Mode,
    ) -> HttpServer {
        let config = tls.as_ref().map(server_config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (root, s2, l2) = (root.to_path_buf(), stop.clone(), log.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            while !s2.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (root, auth, l2, config) =
                            (root.clone(), auth.clone(), l2.clone(), config.clone());
                        std::thread::spawn(move || {
                            let _ = handle(stream, &root, auth.as_deref(), &l2, config, mode);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        HttpServer {
            port,
            tls: tls.is_some(),
            stop,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}{path}", self.port)
    }

    /// The Authorization headers the server saw for a path.
    pub fn auth_for(&self, path: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, a)| a.clone())
            .collect()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn server_config(t: &ServerTls) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&std::fs::read(&t.cert).unwrap())
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_slice(&std::fs::read(&t.key).unwrap()).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let config = match &t.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(&std::fs::read(ca).unwrap()) {
                roots.add(c.unwrap()).unwrap();
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder
                .with_client_cert_verifier(verifier)
                .with_single_cert(certs, key)
                .unwrap()
        }
        None => builder
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    };
    Arc::new(config)
}

fn handle(
    stream: TcpStream,
    root: &Path,
    auth: Option<&str>,
    log: &Mutex<Vec<(String, String)>>,
    tls: Option<Arc<rustls::ServerConfig>>,
    mode: Mode,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    match tls {
        None => {
            let mut s = stream;
            serve(&mut s, root, auth, log, mode)
        }
        Some(cfg) => {
            let conn = rustls::ServerConnection::new(cfg).map_err(std::io::Error::other)?;
            let mut s = rustls::StreamOwned::new(conn, stream);
            serve(&mut s, root, auth, log, mode)?;
            s.conn.send_close_notify();
            s.flush()
        }
    }
}

/// A weak validator for a file's bytes (FNV-1a), as a quoted ETag.
pub fn etag_of(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in body {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("\"{h:016x}\"")
}

fn serve<S: Read + Write>(
    s: &mut S,
    root: &Path,
    auth: Option<&str>,
    log: &Mutex<Vec<(String, String)>>,
    mode: Mode,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        if s.read(&mut byte)? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.lines();
    let path = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|h| h.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let authorization = header("authorization");
    log.lock()
        .unwrap()
        .push((path.clone(), authorization.clone()));
    if mode == Mode::Silent {
        std::thread::sleep(Duration::from_secs(60));
        return Ok(());
    }
    let (status, body) = if auth.is_some_and(|a| a != authorization) {
        ("401 Unauthorized", b"unauthorized".to_vec())
    } else {
        let rel = path.split('?').next().unwrap_or("").trim_start_matches('/');
        match std::fs::read(root.join(rel)) {
            Ok(b) if !rel.contains("..") => ("200 OK", b),
            _ => ("404 Not Found", b"not found".to_vec()),
        }
    };
    if status.starts_with("200") {
        let tag = etag_of(&body);
        if header("if-none-match") == tag {
            write!(s, "HTTP/1.1 304 Not Modified\r\nETag: {tag}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
            return s.flush();
        }
        write!(
            s,
            "HTTP/1.1 {status}\r\nETag: {tag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
    } else {
        write!(
            s,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
    }
    if mode == Mode::Truncate {
        s.write_all(&body[..body.len() / 2])?;
        return s.flush();
    }
    s.write_all(&body)?;
    s.flush()
}

/// Certificates made with the `openssl` command: a CA, a server certificate for 127.0.0.1 and a
/// client certificate, both signed by the CA. `None` (with a message) without openssl.
pub struct TlsFiles {
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

pub fn make_tls_files(dir: &Path) -> Option<TlsFiles> {
    let have = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        eprintln!("SKIP: openssl is not installed; the TLS tests are skipped");
        return None;
    }
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "2",
        "-subj",
        "/CN=kubehelm test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ];
    ca.extend(ec);
    ca.extend([
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&ca);
    for (name, usage, san) in [
        (
            "server",
            "serverAuth",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        ),
        ("client", "clientAuth", ""),
    ] {
        let mut req = vec!["req", "-subj"];
        let subj = format!("/CN=kubehelm test {name}");
        let (key, csr, pem, ext) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
            format!("{name}.ext"),
        );
        req.extend([subj.as_str(), "-keyout", &key, "-out", &csr]);
        req.extend(ec);
        run(&req);
        write(
            &dir.join(&ext),
            &format!("{san}extendedKeyUsage={usage}\nbasicConstraints=CA:FALSE\n"),
        );
        run(&[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &pem,
            "-extfile",
            &ext,
        ]);
    }
    Some(TlsFiles {
        ca: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    })
}

// ---- running the commands ---------------------------------------------------------------------------

/// Helm's locations inside the test folder, for both binaries (the content cache is `cache/content`).
pub fn helm_env(home: &Path) -> Vec<(String, PathBuf)> {
    vec![
        ("HELM_CONFIG_HOME".into(), home.join("config")),
        ("HELM_CACHE_HOME".into(), home.join("cache")),
        ("HELM_DATA_HOME".into(), home.join("data")),
        (
            "HELM_REPOSITORY_CONFIG".into(),
            home.join("config/repositories.yaml"),
        ),
        (
            "HELM_REPOSITORY_CACHE".into(),
            home.join("cache/repository"),
        ),
        (
            "HELM_REGISTRY_CONFIG".into(),
            home.join("config/registry/config.json"),
        ),
        ("DOCKER_CONFIG".into(), home.join("docker")),
        ("GNUPGHOME".into(), home.join("gnupg")),
    ]
}

/// `bin` run in `dir` with Helm's files under `home`, stdin closed: the variables a developer's shell may
/// set are cleared, loopback bypasses any proxy.
pub fn command(bin: &str, dir: &Path, home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin);
    c.current_dir(dir).args(args).stdin(Stdio::null());
    c.env_remove("HELM_DEBUG")
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("HELM_CONTENT_CACHE")
        .env_remove("HELM_NAMESPACE");
    c.env("NO_PROXY", "127.0.0.1").env("no_proxy", "127.0.0.1");
    for (k, v) in helm_env(home) {
        c.env(k, v);
    }
    c
}

pub fn run_bin(bin: &str, dir: &Path, home: &Path, args: &[&str]) -> Output {
    command(bin, dir, home, args).output().unwrap()
}

pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed:\nstdout: {}\nstderr: {}",
        text(o),
        stderr(o)
    );
    text(o)
}

pub fn err(o: &Output) -> String {
    assert!(!o.status.success(), "unexpectedly succeeded: {}", text(o));
    stderr(o)
}

pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every file under `dir`, relative, sorted (empty when `dir` does not exist).
pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

pub fn reference_helm() -> Option<&'static str> {
    if Path::new(REFERENCE_HELM).exists() {
        Some(REFERENCE_HELM)
    } else {
        eprintln!("note: the reference Helm is not installed; comparisons with it are skipped");
        None
    }
}

/// A repositories.yaml with these (name, url, username, password) entries.
pub fn repositories_yaml(home: &Path, entries: &[(&str, &str, &str, &str)]) {
    let mut s =
        String::from("apiVersion: \"\"\ngenerated: \"0001-01-01T00:00:00Z\"\nrepositories:\n");
    for (name, url, user, pass) in entries {
        s.push_str(&format!(
            "- caFile: \"\"\n  certFile: \"\"\n  insecure_skip_tls_verify: false\n  keyFile: \"\"\n  name: {name}\n  pass_credentials_all: false\n  password: \"{pass}\"\n  url: {url}\n  username: \"{user}\"\n"
        ));
    }
    write(&home.join("config/repositories.yaml"), &s);
}

// ---- OCI registry -----------------------------------------------------------------------------------

pub struct Registry {
    child: Child,
    pub port: u16,
    _dir: Tmp,
}

impl Registry {
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_registry_binary() -> Option<PathBuf> {
    ["/usr/bin/docker-registry", "/usr/sbin/docker-registry"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A registry on a free loopback port, storing into a temp folder; stopped when dropped.
pub fn start_registry(tag: &str) -> Option<Registry> {
    start_registry_auth(tag, None)
}

/// As [`start_registry`], with htpasswd basic auth for `(user, password)` when given (made with
/// apache2-utils' `htpasswd -B`).
pub fn start_registry_auth(tag: &str, user: Option<(&str, &str)>) -> Option<Registry> {
    let Some(bin) = find_registry_binary() else {
        eprintln!("SKIP: docker-registry is not installed (apt-get install -y docker-registry); OCI tests skipped");
        return None;
    };
    let dir = Tmp::new(&format!("registry-{tag}"));
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.0.join("config.yml");
    let mut auth = String::new();
    if let Some((u, p)) = user {
        let htpasswd = dir.0.join("htpasswd");
        let o = Command::new("htpasswd").args(["-Bbn", u, p]).output();
        match o {
            Ok(o) if o.status.success() => std::fs::write(&htpasswd, &o.stdout).unwrap(),
            _ => {
                eprintln!(
                    "SKIP: htpasswd (apache2-utils) is not installed; registry login tests skipped"
                );
                return None;
            }
        }
        auth = format!(
            "auth:\n  htpasswd:\n    realm: kubehelm-test\n    path: {}\n",
            htpasswd.display()
        );
    }
    write(
        &config,
        &format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: kubehelm-test\n{auth}",
            dir.0.join("data").display()
        ),
    );
    let child = Command::new(bin)
        .arg("serve")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let reg = Registry {
        child,
        port,
        _dir: dir,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = write!(
                s,
                "GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            );
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") || buf.starts_with("HTTP/1.1 401") {
                return Some(reg);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("SKIP: docker-registry did not start on 127.0.0.1:{port}");
    None
}

// ---- charts -----------------------------------------------------------------------------------------

/// A chart archive `NAME-VERSION.tgz` in `dir`, made with `tar` from a minimal chart.
pub fn make_chart(dir: &Path, name: &str, version: &str, extra_chart_yaml: &str) -> PathBuf {
    let src = dir.join(format!(".src-{name}-{version}"));
    let _ = std::fs::remove_dir_all(&src);
    write(
        &src.join(name).join("Chart.yaml"),
        &format!("apiVersion: v2\nname: {name}\nversion: {version}\ndescription: The {name} chart\nappVersion: \"1.0\"\n{extra_chart_yaml}"),
    );
    write(&src.join(name).join("values.yaml"), "replicas: 1\n");
    write(
        &src.join(name).join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let out = dir.join(format!("{name}-{version}.tgz"));
    let st = Command::new("tar")
        .arg("-czf")
        .arg(&out)
        .arg("-C")
        .arg(&src)
        .arg(name)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::remove_dir_all(&src).unwrap();
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    let o = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(data)?;
            c.wait_with_output()
        });
    String::from_utf8_lossy(&o.unwrap().stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

pub fn run_stdin(bin: &str, dir: &Path, home: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut c = Command::new(bin);
    c.current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.env_remove("HELM_DEBUG").env_remove("HELM_CONTENT_CACHE");
    c.env("NO_PROXY", "127.0.0.1").env("no_proxy", "127.0.0.1");
    for (k, v) in helm_env(home) {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn helm(dir: &Path, home: &Path, args: &[&str]) -> Option<Output> {
    reference_helm().map(|h| run_bin(h, dir, home, args))
}

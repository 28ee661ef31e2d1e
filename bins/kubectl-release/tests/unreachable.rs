//! An API server that cannot be reached: the message names the server and the cause in kubectl's words,
//! and a server that accepts connections but never completes the TLS handshake is given up on after
//! 10 s (as Helm does), not kube-rs' 30 s or forever.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn kubeconfig(dir: &std::path::Path, server: &str) -> PathBuf {
    let path = dir.join(format!("kubeconfig-{}", server.replace(['/', ':', '.'], "_")));
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster: {{server: \"{server}\", insecure-skip-tls-verify: true}}\n  name: c\n\
         contexts:\n- context: {{cluster: c, user: u}}\n  name: c\ncurrent-context: c\nusers:\n- name: u\n  user: {{token: t}}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn list(kubeconfig: &std::path::Path) -> (i32, String, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-release"))
        .args(["list", "--kubeconfig"])
        .arg(kubeconfig)
        .env_remove("KUBECONFIG")
        .output()
        .expect("kubectl-release runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned(), started.elapsed())
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubehelm-unreachable-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_refused_connection_names_the_server() {
    // a port nobody listens on: bind one, then close it
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = format!("https://127.0.0.1:{port}");
    let (code, stderr, _) = list(&kubeconfig(&temp_dir("refused"), &server));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("The connection to the server {server} was refused - did you specify the right host or port?")),
        "{stderr}"
    );
}

#[test]
fn a_name_that_does_not_resolve_is_said_so() {
    let server = "https://api.cluster.invalid:6443";
    let (code, stderr, elapsed) = list(&kubeconfig(&temp_dir("dns"), server));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("Unable to connect to the server {server}: ")), "{stderr}");
    assert!(stderr.contains("api.cluster.invalid"), "{stderr}");
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[test]
fn a_stalled_tls_handshake_gives_up_after_ten_seconds() {
    // accepts TCP connections and never says a word
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("https://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming().take(8) {
            conns.push(c);
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    let (code, stderr, elapsed) = list(&kubeconfig(&temp_dir("stall"), &server));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("Unable to connect to the server {server}: net/http: TLS handshake timeout")), "{stderr}");
    assert!(elapsed >= Duration::from_secs(9) && elapsed < Duration::from_secs(25), "{elapsed:?}");
    drop(held);
}

/// A TLS server on loopback that completes every handshake and never answers a request (Python's ssl
/// module, a certificate made by openssl); `None` when python3 or openssl is missing.
fn silent_tls_server(dir: &std::path::Path) -> Option<(String, std::process::Child)> {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIP: openssl is missing");
        return None;
    }
    let script = r#"
import socket, ssl, sys, threading
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
def serve(c):
    try:
        t = ctx.wrap_socket(c, server_side=True); held.append(t)
        while t.recv(65536): pass
    except Exception: pass
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&cert)
        .arg(&key)
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => {
            eprintln!("SKIP: python3 is missing");
            return None;
        }
    };
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    Some((format!("https://127.0.0.1:{}", line.trim()), child))
}

#[test]
fn a_server_that_never_answers_is_bounded_by_the_timeouts() {
    let dir = temp_dir("silent");
    let Some((server, mut child)) = silent_tls_server(&dir) else { return };
    let kc = kubeconfig(&dir, &server);
    let bin = env!("CARGO_BIN_EXE_kubectl-release");
    // one request: --request-timeout
    let started = Instant::now();
    let out = Command::new(bin).args(["list", "--request-timeout", "2s", "--kubeconfig"]).arg(&kc).output().unwrap();
    let (elapsed, stderr) = (started.elapsed(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("The server {server} did not answer")), "{stderr}");
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
    // a whole operation: --timeout (plus 10 s to record the outcome), even with no --request-timeout
    let chart = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/charts/release-list");
    let started = Instant::now();
    let out = Command::new(bin).args(["install", "silent", chart, "--timeout", "3s", "--kubeconfig"]).arg(&kc).output().unwrap();
    let (elapsed, stderr) = (started.elapsed(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the operation ran out of time (--timeout)") && stderr.contains(&server), "{stderr}");
    assert!(elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(30), "{elapsed:?}");
    let _ = child.kill();
    let _ = child.wait();
}

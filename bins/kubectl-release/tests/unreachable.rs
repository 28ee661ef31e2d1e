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

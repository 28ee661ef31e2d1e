//! The end-to-end harness shared by the test files: the cluster from `tests/cluster`, fresh namespaces,
//! running our binary and the reference Helm, and a client for checking objects.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use kubehelm::kube::{Cluster, KubeOptions};
use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

pub fn chart(name: &str) -> String {
    repo()
        .join("tests/charts")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Starts (or reuses) the cluster once per test binary; `None` = skip.
pub fn kubeconfig(workloads: bool) -> Option<PathBuf> {
    static PLAIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    static FULL: OnceLock<Option<PathBuf>> = OnceLock::new();
    let cell = if workloads { &FULL } else { &PLAIN };
    cell.get_or_init(|| {
        if std::env::var("KUBEHELM_E2E").as_deref() == Ok("0") {
            eprintln!("SKIP: KUBEHELM_E2E=0");
            return None;
        }
        let mut cmd = Command::new(repo().join("tests/cluster"));
        cmd.arg("up");
        if workloads {
            cmd.arg("--workloads");
        }
        let out = cmd.stderr(Stdio::inherit()).output().expect("tests/cluster runs");
        match out.status.code() {
            Some(0) => {}
            Some(3) => {
                eprintln!("SKIP: the Kubernetes test binaries cannot be built here (tests/cluster exit 3)");
                return None;
            }
            other => panic!("tests/cluster up failed ({other:?}); see its log above"),
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let last = text.lines().last().expect("tests/cluster prints the kubeconfig path last");
        Some(PathBuf::from(last.trim()))
    })
    .clone()
}

/// A fresh namespace name for one test.
pub fn namespace(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "e2e-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(
    program: &Path,
    kubeconfig: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env("KUBECONFIG", kubeconfig)
        .env_remove("HELM_DRIVER")
        .env_remove("HELM_NAMESPACE")
        // ours renders as Helm v4.1 does: the tests compare it with the reference Helm v4.1.4
        .env("KUBEHELM_COMPAT", "v4.1");
    // Helm's own state stays inside the test's folders
    let home = std::env::temp_dir().join(format!("kubehelm-e2e-home-{}", std::process::id()));
    cmd.env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_DATA_HOME", home.join("data"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    if let Some(bytes) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(bytes)
            .expect("writing stdin");
    }
    let out = child.wait_with_output().expect("waiting for the command");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-release"))
}

pub fn kr(kc: &Path, args: &[&str]) -> Run {
    run(&ours(), kc, args, &[], None)
}

/// Ours must succeed: returns stdout.
pub fn ok(kc: &Path, args: &[&str]) -> String {
    let r = kr(kc, args);
    assert_eq!(
        r.code, 0,
        "kubectl release {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r.stdout
}

pub fn reference_helm() -> Option<PathBuf> {
    let p = std::env::var_os("HELM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.cache/reference-helm/v4.1.4/helm"));
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIP (interop part): no reference Helm at {} (set HELM)",
            p.display()
        );
        None
    }
}

pub fn helm_ok(helm: &Path, kc: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let r = run(helm, kc, args, env, None);
    assert_eq!(
        r.code, 0,
        "helm {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r.stdout
}

pub fn client(kc: &Path, ns: &str) -> Cluster {
    Cluster::connect(&KubeOptions {
        kubeconfig: Some(kc.to_path_buf()),
        namespace: Some(ns.into()),
        ..Default::default()
    })
    .expect("connecting to the test cluster")
}

pub fn get(c: &Cluster, api_version: &str, kind: &str, name: &str, ns: &str) -> Option<Value> {
    c.get(api_version, kind, name, ns).expect("GET works")
}

//! End-to-end, with workloads (kube-controller-manager, kube-scheduler and kwok's fake node): `--wait`,
//! `--wait-for-jobs`, `--rollback-on-failure`, `test`, live `lookup`, and the reliability cases: two
//! upgrades at once, a client killed mid-upgrade. Skips as e2e.rs does.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// `(revision, status)` of every stored revision, oldest first.
fn history(kc: &std::path::Path, name: &str, ns: &str) -> Vec<(i64, String)> {
    let out = ok(kc, &["history", name, "-n", ns, "-o", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    v.as_array().unwrap().iter().map(|r| (r["revision"].as_i64().unwrap(), r["status"].as_str().unwrap().to_string())).collect()
}

fn config_data(kc: &std::path::Path, ns: &str, name: &str, key: &str) -> Option<String> {
    let c = client(kc, ns);
    get(&c, "v1", "ConfigMap", name, ns).and_then(|cm| cm["data"][key].as_str().map(str::to_string))
}

#[test]
fn wait_and_rollback_on_failure() {
    let Some(kc) = kubeconfig(true) else { return };
    let ns = namespace("wait");
    let chart = chart("release-wait");
    ok(&kc, &["install", "w", &chart, "-n", &ns, "--create-namespace", "--wait", "--timeout", "2m"]);
    let c = client(&kc, &ns);
    let dep = get(&c, "apps/v1", "Deployment", "w-web", &ns).expect("deployment");
    assert_eq!(dep["status"]["readyReplicas"], 1, "--wait returned before the Deployment was ready: {}", dep["status"]);
    assert_eq!(config_data(&kc, &ns, "w-config", "lookup-live").as_deref(), Some("true"), "lookup reaches the cluster");
    // status shows the objects and the Deployment's pods as kubectl tables, as Helm v4 does
    let status = ok(&kc, &["status", "w", "-n", &ns]);
    assert!(status.contains("RESOURCES:\n==> v1/ConfigMap\nNAME       DATA   AGE\nw-config   2      "), "{status}");
    assert!(status.contains("\n==> v1/Pod(related)\nNAME                     READY   STATUS    RESTARTS   AGE\nw-web-"), "{status}");
    if let Some(helm) = reference_helm() {
        // Helm's order of the kinds is Go's map order, and an age may tick between the two calls; the
        // lines must be the same otherwise
        let theirs = helm_ok(&helm, &kc, &["status", "w", "-n", &ns], &[]);
        let status = ok(&kc, &["status", "w", "-n", &ns]);
        let no_age = |l: &str| -> String {
            match l.rsplit_once(' ') {
                Some((head, age)) if age.ends_with('s') && age[..age.len() - 1].chars().all(|c| c.is_ascii_digit()) => head.to_string(),
                _ => l.to_string(),
            }
        };
        let (mut a, mut b): (Vec<String>, Vec<String>) = (theirs.lines().map(no_age).collect(), status.lines().map(no_age).collect());
        a.sort();
        b.sort();
        assert_eq!(a, b, "helm:\n{theirs}\nours:\n{status}");
    }

    // the new pods fit no node: the wait times out, and the release goes back to revision 1
    let r = kr(&kc, &["upgrade", "w", &chart, "-n", &ns, "--set", "schedulable=false,message=two", "--rollback-on-failure", "--timeout", "6s"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("UPGRADE FAILED: release w failed, and has been rolled back due to rollback-on-failure being set: resource Deployment/"), "{}", r.stderr);
    assert!(r.stderr.contains("not ready. status: InProgress") && r.stderr.contains("context deadline exceeded"), "{}", r.stderr);
    let h = history(&kc, "w", &ns);
    assert_eq!(h, [(1, "superseded".into()), (2, "failed".into()), (3, "deployed".into())]);
    assert_eq!(config_data(&kc, &ns, "w-config", "message").as_deref(), Some("one"));

    // a failed atomic install leaves nothing behind
    let r = kr(&kc, &["install", "x", &chart, "-n", &ns, "--set", "schedulable=false", "--atomic", "--timeout", "4s"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("INSTALLATION FAILED: release x failed, and has been uninstalled due to rollback-on-failure being set"), "{}", r.stderr);
    assert!(get(&c, "v1", "ConfigMap", "x-config", &ns).is_none());
    assert!(kr(&kc, &["status", "x", "-n", &ns]).code != 0, "no revision of x is stored");
}

#[test]
fn wait_for_jobs_and_test_hooks() {
    let Some(kc) = kubeconfig(true) else { return };
    let ns = namespace("jobs");
    let chart = chart("release-wait");
    ok(&kc, &["install", "j", &chart, "-n", &ns, "--create-namespace", "--set", "job=true", "--wait", "--wait-for-jobs", "--timeout", "2m"]);
    let c = client(&kc, &ns);
    let job = get(&c, "batch/v1", "Job", "j-once", &ns).expect("job");
    let complete = job["status"]["conditions"].as_array().into_iter().flatten().any(|c| c["type"] == "Complete" && c["status"] == "True");
    assert!(complete, "--wait-for-jobs returned before the Job completed: {}", job["status"]);

    let out = ok(&kc, &["test", "j", "-n", &ns, "--timeout", "1m"]);
    assert!(out.contains("TEST SUITE:     j-smoke\n"), "{out}");
    assert!(out.contains("Phase:          Succeeded\n"), "{out}");
    assert!(!out.contains("NOTES:"), "{out}");
    // --logs: the test pods' logs (kwok serves one log for every fake container, see tests/cluster)
    let out = ok(&kc, &["test", "j", "-n", &ns, "--logs", "--timeout", "1m"]);
    assert!(out.ends_with("Phase:          Succeeded\n\nPOD LOGS: j-smoke\nhello from a kwok container\n\n"), "{out}");
    if let Some(helm) = reference_helm() {
        let theirs = helm_ok(&helm, &kc, &["test", "j", "-n", &ns, "--logs", "--timeout", "1m"], &[]);
        let times = |t: &str| t.lines().filter(|l| !l.starts_with("Last ")).map(|l| format!("{l}\n")).collect::<String>();
        assert_eq!(times(&out), times(&theirs));
    }

    ok(&kc, &["upgrade", "j", &chart, "-n", &ns, "--reuse-values", "--set", "failingTest=true"]);
    let r = kr(&kc, &["test", "j", "-n", &ns, "--timeout", "1m"]);
    assert_ne!(r.code, 0, "a failing test fails the command");
    assert!(r.stdout.contains("TEST SUITE:     j-flaky\n") && r.stdout.contains("Phase:          Failed\n"), "{}", r.stdout);
    assert!(r.stderr.contains("j-flaky"), "{}", r.stderr);
    let out = ok(&kc, &["test", "j", "-n", &ns, "--filter", "name=j-smoke", "--timeout", "1m"]);
    assert!(out.contains("TEST SUITE:     j-smoke\n"), "{out}");
    // the stored hooks keep every test, run or not
    let rel: Value = serde_json::from_str(&ok(&kc, &["status", "j", "-n", &ns, "-o", "json"])).unwrap();
    assert_eq!(rel["hooks"].as_array().unwrap().len(), 2);
}

#[test]
fn two_upgrades_at_once_one_wins() {
    let Some(kc) = kubeconfig(true) else { return };
    let ns = namespace("race");
    let chart = chart("release-wait");
    ok(&kc, &["install", "r", &chart, "-n", &ns, "--create-namespace"]);
    // A's pre-upgrade hook takes 3 s, so B certainly runs while A works
    let spawn = |msg: &str| {
        let set = format!("message={msg},slowHook=3s");
        Command::new(ours())
            .args(["upgrade", "r", &chart, "-n", &ns, "--set", &set, "--wait", "--timeout", "2m"])
            .env("KUBECONFIG", &kc)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn upgrade")
    };
    let a = spawn("a");
    std::thread::sleep(Duration::from_millis(150));
    let b = spawn("b");
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let wins = [a.status.success(), b.status.success()];
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "exactly one upgrade wins:\nA: {}\nB: {}", String::from_utf8_lossy(&a.stderr), String::from_utf8_lossy(&b.stderr));
    let loser = if wins[0] { &b } else { &a };
    let e = String::from_utf8_lossy(&loser.stderr);
    assert!(e.contains("UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"), "{e}");
    assert_eq!(history(&kc, "r", &ns), [(1, "superseded".into()), (2, "deployed".into())], "no gap, no duplicate");
}

#[test]
fn a_client_killed_mid_upgrade_is_explained_and_recovered() {
    let Some(kc) = kubeconfig(true) else { return };
    let ns = namespace("killed");
    let chart = chart("release-wait");
    ok(&kc, &["install", "k", &chart, "-n", &ns, "--create-namespace"]);
    // an upgrade that would wait for pods that never fit a node, killed while it waits
    let mut victim = Command::new(ours())
        .args(["upgrade", "k", &chart, "-n", &ns, "--set", "schedulable=false", "--wait", "--timeout", "6s"])
        .env("KUBECONFIG", &kc)
        .env("KUBECTL_RELEASE_LEASE_GRACE", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while history(&kc, "k", &ns).last().map(|(_, s)| s.as_str()) != Some("pending-upgrade") {
        assert!(started.elapsed() < Duration::from_secs(20), "the upgrade never got under way");
        std::thread::sleep(Duration::from_millis(50));
    }
    victim.kill().unwrap();
    victim.wait().unwrap();

    let r = kr(&kc, &["upgrade", "k", &chart, "-n", &ns]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("another operation (install/upgrade/rollback) is in progress: revision 2 of \"k\" is pending-upgrade, worked on by"), "{}", r.stderr);
    assert!(r.stderr.contains("kubectl release recover k --force"), "{}", r.stderr);

    // once the dead client's lease has run out, the next upgrade takes over
    std::thread::sleep(Duration::from_secs(7));
    let r = kr(&kc, &["upgrade", "k", &chart, "-n", &ns, "--wait", "--timeout", "2m"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("was left pending-upgrade by") && r.stderr.contains("now marked failed"), "{}", r.stderr);
    assert_eq!(history(&kc, "k", &ns), [(1, "superseded".into()), (2, "failed".into()), (3, "deployed".into())]);
}

#[test]
fn server_dry_run_reads_the_cluster_and_changes_nothing() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("srvdry");
    let chart = chart("release-wait");
    ok(&kc, &["install", "d", &chart, "-n", &ns, "--create-namespace", "--set", "replicas=0"]);
    let out = ok(&kc, &["upgrade", "d", &chart, "-n", &ns, "--dry-run=server", "--set", "message=two", "-o", "json"]);
    let rel: Value = serde_json::from_str(&out).unwrap();
    assert!(rel["manifest"].as_str().unwrap().contains("lookup-live: \"true\""));
    let out = ok(&kc, &["upgrade", "d", &chart, "-n", &ns, "--dry-run", "--set", "message=two", "-o", "json"]);
    let rel: Value = serde_json::from_str(&out).unwrap();
    assert!(rel["manifest"].as_str().unwrap().contains("lookup-live: \"false\""), "a client dry run does not look up");
    assert_eq!(history(&kc, "d", &ns), [(1, "deployed".into())]);
    assert_eq!(config_data(&kc, &ns, "d-config", "message").as_deref(), Some("one"));
    // an object of another owner is found by a server dry run, not by a client one
    let c = client(&kc, &ns);
    c.apply(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "o-config", "namespace": ns}}), &ns, false).unwrap();
    let r = kr(&kc, &["install", "o", &chart, "-n", &ns, "--dry-run=server"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("unable to continue with install: ConfigMap \"o-config\" in namespace"), "{}", r.stderr);
    ok(&kc, &["install", "o", &chart, "-n", &ns, "--dry-run"]);
    assert!(kr(&kc, &["status", "o", "-n", &ns]).code != 0, "dry runs store nothing");
}

/// A chart repository: `index.yaml` and the packaged chart served over HTTP by python3's http.server.
struct Repo {
    child: std::process::Child,
    url: String,
    dir: std::path::PathBuf,
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn serve_chart(name: &str) -> Option<Repo> {
    let dir = std::env::temp_dir().join(format!("kubehelm-e2e-repo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let chart = kubehelm::chart::load(std::path::Path::new(&common::chart(name))).unwrap();
    let (archive, _) = kubehelm::chart::save::save(&chart, &dir, &Default::default()).unwrap();
    let file = archive.file_name().unwrap().to_string_lossy().into_owned();
    let version = chart.metadata.version.clone();
    std::fs::write(
        dir.join("index.yaml"),
        format!("apiVersion: v1\nentries:\n  {name}:\n  - apiVersion: v2\n    name: {name}\n    version: {version}\n    urls:\n    - {file}\ngenerated: \"2026-01-01T00:00:00Z\"\n"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            eprintln!("SKIP: python3 http.server did not start");
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Repo { child, url, dir })
}

#[test]
fn charts_from_repositories() {
    let Some(kc) = kubeconfig(false) else { return };
    let Some(repo) = serve_chart("release-wait") else { return };
    let ns = namespace("repo");
    // --repo URL NAME, with a version constraint
    ok(&kc, &["install", "web", "release-wait", "--repo", &repo.url, "--version", "^0.1", "-n", &ns, "--create-namespace", "--set", "replicas=0"]);
    assert_eq!(config_data(&kc, &ns, "web-config", "message").as_deref(), Some("one"));
    let r = kr(&kc, &["install", "nope", "release-wait", "--repo", &repo.url, "--version", "9.9.9", "-n", &ns]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("chart \"release-wait\" version \"9.9.9\" not found in") , "{}", r.stderr);

    // repo/name through repositories.yaml and the cached index, as `helm repo add` leaves them
    let home = repo.dir.join("home");
    std::fs::create_dir_all(home.join("cache")).unwrap();
    let config = home.join("repositories.yaml");
    std::fs::write(&config, format!("apiVersion: \"\"\ngenerated: \"0001-01-01T00:00:00Z\"\nrepositories:\n- name: local\n  url: {}\n", repo.url)).unwrap();
    std::fs::copy(repo.dir.join("index.yaml"), home.join("cache/local-index.yaml")).unwrap();
    let cache = home.join("cache");
    let env = [("HELM_REPOSITORY_CONFIG", config.to_str().unwrap()), ("HELM_REPOSITORY_CACHE", cache.to_str().unwrap())];
    let r = run(&ours(), &kc, &["upgrade", "web", "local/release-wait", "-n", &ns, "--set", "replicas=0,message=two"], &env, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(config_data(&kc, &ns, "web-config", "message").as_deref(), Some("two"));
    let r = run(&ours(), &kc, &["install", "other", "missing/release-wait", "-n", &ns], &env, None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("repo missing not found"), "{}", r.stderr);
}

#[test]
fn a_client_side_applied_release_moves_to_server_side_apply() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("csa");
    let chart = chart("release-wait");
    ok(&kc, &["install", "m", &chart, "-n", &ns, "--create-namespace", "--set", "replicas=0,extra=x"]);
    // make it what Helm 3 leaves: the ConfigMap created client-side by field manager `helm`, the release
    // recorded without an apply method
    let c = client(&kc, &ns);
    let mut cm = get(&c, "v1", "ConfigMap", "m-config", &ns).unwrap();
    c.delete("v1", "ConfigMap", "m-config", &ns).unwrap();
    let meta = cm["metadata"].as_object_mut().unwrap();
    meta.retain(|k, _| ["name", "namespace", "labels", "annotations"].contains(&k.as_str()));
    let pki = kc.parent().unwrap().join("pki");
    let server = String::from_utf8_lossy(&std::fs::read(&kc).unwrap())
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: ").map(str::to_string))
        .unwrap();
    let posted = Command::new("curl")
        .args(["-sf", "--cacert"])
        .arg(pki.join("ca.crt"))
        .arg("--cert")
        .arg(pki.join("admin.crt"))
        .arg("--key")
        .arg(pki.join("admin.key"))
        .args(["-H", "Content-Type: application/json", "-X", "POST", "--data-binary", &cm.to_string()])
        .arg(format!("{server}/api/v1/namespaces/{ns}/configmaps?fieldManager=helm"))
        .output()
        .unwrap();
    assert!(posted.status.success(), "{}", String::from_utf8_lossy(&posted.stderr));
    let cluster = std::sync::Arc::new(client(&kc, &ns));
    let driver = kubehelm::release::kubedriver::KubeDriver::new(cluster, &ns, kubehelm::release::kubedriver::Kind::Secret);
    let storage = kubehelm::release::Storage::new(Box::new(driver));
    let mut rel = storage.get("m", 1).unwrap();
    rel.apply_method = String::new();
    storage.update(&rel).unwrap();

    // the upgrade drops `extra`: only after the field managers are moved does server-side apply remove it
    ok(&kc, &["upgrade", "m", &chart, "-n", &ns, "--set", "replicas=0"]);
    let live = get(&c, "v1", "ConfigMap", "m-config", &ns).unwrap();
    assert!(live["data"].get("extra").is_none(), "the dropped key is gone: {}", live["data"]);
    let managers: Vec<(String, String)> = live["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["manager"].as_str().unwrap_or("").to_string(), m["operation"].as_str().unwrap_or("").to_string()))
        .collect();
    assert!(managers.contains(&("helm".into(), "Apply".into())), "{managers:?}");
    assert!(!managers.contains(&("helm".into(), "Update".into())), "{managers:?}");
    let stored: Value = serde_json::from_str(&ok(&kc, &["status", "m", "-n", &ns, "-o", "json"])).unwrap();
    assert_eq!(stored["apply_method"], "ssa");
}

//! End-to-end: Helm v4.3's release-side additions on the local cluster (`rollback --description`,
//! `history --show-rollback-revision` and the stored `rollback_revision`, the ownership check of
//! `uninstall`, `--helm-compat`), and interop with the reference Helm v4.3.2 both ways where it is
//! installed. Skips as e2e.rs does.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// The reference Helm v4.3.2 (`HELM_V43`, else where `../shared/tools/reference-helm v4.3.2` puts it).
fn helm43() -> Option<PathBuf> {
    let p = std::env::var_os("HELM_V43")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.cache/reference-helm/v4.3.2/helm"));
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIP (interop part): no reference Helm v4.3.2 at {} (set HELM_V43)",
            p.display()
        );
        None
    }
}

/// Ours as Helm v4.3 (the harness pins v4.1 through KUBEHELM_COMPAT; the flag wins).
fn ok43(kc: &Path, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--helm-compat", "v4.3"]);
    ok(kc, &all)
}

fn kr43(kc: &Path, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    all.extend(["--helm-compat", "v4.3"]);
    kr(kc, &all)
}

fn history_json(kc: &Path, name: &str, ns: &str) -> Vec<Value> {
    let out = ok43(kc, &["history", name, "-n", ns, "-o", "json"]);
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn rollback_description_and_rollback_revision_both_ways() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("v43rb");
    let chart = chart("release-wait");
    ok43(
        &kc,
        &[
            "install",
            "r",
            &chart,
            "-n",
            &ns,
            "--create-namespace",
            "--set",
            "replicas=0",
        ],
    );
    ok43(
        &kc,
        &[
            "upgrade",
            "r",
            &chart,
            "-n",
            &ns,
            "--set",
            "replicas=0,message=two",
        ],
    );
    let out = ok43(
        &kc,
        &[
            "rollback",
            "r",
            "1",
            "-n",
            &ns,
            "--description",
            "back to one",
        ],
    );
    assert_eq!(out, "Rollback was a success! Happy Helming!\n");

    let h = history_json(&kc, "r", &ns);
    assert_eq!(h.len(), 3);
    assert_eq!(
        (
            h[2]["rollback_revision"].as_i64(),
            h[2]["description"].as_str()
        ),
        (Some(1), Some("back to one"))
    );
    assert!(
        h[0].get("rollback_revision").is_none() && h[1].get("rollback_revision").is_none(),
        "{h:?}"
    );
    // Helm's field order: rollback_revision between app_version and description
    let line = ok43(&kc, &["history", "r", "-n", &ns, "-o", "json"]);
    assert!(
        line.contains(
            "\"app_version\":\"1.0\",\"rollback_revision\":1,\"description\":\"back to one\"}]"
        ),
        "{line}"
    );
    // the stored record carries it where Helm v4.3 puts it
    let rel: Value =
        serde_json::from_str(&ok43(&kc, &["status", "r", "-n", &ns, "-o", "json"])).unwrap();
    assert_eq!(rel["info"]["rollback_revision"], 1);
    // the table: the ROLLBACK column only when asked for
    let table = ok43(
        &kc,
        &["history", "r", "-n", &ns, "--show-rollback-revision"],
    );
    let rows: Vec<Vec<String>> = table
        .lines()
        .map(|l| l.split('\t').map(|c| c.trim_end().to_string()).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
            "ROLLBACK",
            "DESCRIPTION"
        ]
    );
    assert_eq!(
        (
            rows[2][5].as_str(),
            rows[3][5].as_str(),
            rows[3][6].as_str()
        ),
        ("", "1", "back to one")
    );
    assert!(!ok43(&kc, &["history", "r", "-n", &ns]).contains("ROLLBACK"));

    // Helm's limit, before anything is done
    let r = kr43(
        &kc,
        &[
            "rollback",
            "r",
            "1",
            "-n",
            &ns,
            "--description",
            &"x".repeat(257),
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "Error: description must be 256 characters or less, got 257\n"
    );
    assert_eq!(history_json(&kc, "r", &ns).len(), 3);

    // as Helm v4.1: the default description and no rollback_revision
    ok(
        &kc,
        &["rollback", "r", "2", "-n", &ns, "--helm-compat", "v4.1"],
    );
    let h = history_json(&kc, "r", &ns);
    assert_eq!(
        (h[3]["description"].as_str(), h[3].get("rollback_revision")),
        (Some("Rollback to 2"), None)
    );

    let Some(helm) = helm43() else { return };
    // Helm v4.3.2 reads ours: the same JSON and table
    let theirs = helm_ok(&helm, &kc, &["history", "r", "-n", &ns, "-o", "json"], &[]);
    assert_eq!(
        theirs,
        ok43(&kc, &["history", "r", "-n", &ns, "-o", "json"])
    );
    let theirs = helm_ok(
        &helm,
        &kc,
        &["history", "r", "-n", &ns, "--show-rollback-revision"],
        &[],
    );
    assert_eq!(
        theirs,
        ok43(
            &kc,
            &["history", "r", "-n", &ns, "--show-rollback-revision"]
        )
    );
    // and we read Helm's rollback
    helm_ok(
        &helm,
        &kc,
        &[
            "rollback",
            "r",
            "2",
            "-n",
            &ns,
            "--description",
            "helm went back",
        ],
        &[],
    );
    let h = history_json(&kc, "r", &ns);
    assert_eq!(
        (
            h[4]["rollback_revision"].as_i64(),
            h[4]["description"].as_str()
        ),
        (Some(2), Some("helm went back"))
    );
    let theirs = helm_ok(&helm, &kc, &["history", "r", "-n", &ns, "-o", "json"], &[]);
    assert_eq!(
        theirs,
        ok43(&kc, &["history", "r", "-n", &ns, "-o", "json"])
    );
    let theirs = helm_ok(
        &helm,
        &kc,
        &["history", "r", "-n", &ns, "--show-rollback-revision"],
        &[],
    );
    assert_eq!(
        theirs,
        ok43(
            &kc,
            &["history", "r", "-n", &ns, "--show-rollback-revision"]
        )
    );
    // Helm's own limit text matches ours
    let r = run(
        &helm,
        &kc,
        &[
            "rollback",
            "r",
            "1",
            "-n",
            &ns,
            "--description",
            &"x".repeat(257),
        ],
        &[],
        None,
    );
    assert_eq!(
        r.stderr,
        "Error: description must be 256 characters or less, got 257\n"
    );
    // ours rolls back Helm's revision again and Helm sees it
    ok43(
        &kc,
        &[
            "rollback",
            "r",
            "5",
            "-n",
            &ns,
            "--description",
            "ours again",
        ],
    );
    let theirs: Value = serde_json::from_str(&helm_ok(
        &helm,
        &kc,
        &["history", "r", "-n", &ns, "-o", "json"],
        &[],
    ))
    .unwrap();
    assert_eq!(
        (
            theirs[5]["rollback_revision"].as_i64(),
            theirs[5]["description"].as_str()
        ),
        (Some(5), Some("ours again"))
    );
}

/// Give the live ConfigMap `NAME-config` to release `other` (server-side apply by the same manager).
fn steal_config(kc: &Path, ns: &str, name: &str) {
    let c = client(kc, ns);
    let live = get(&c, "v1", "ConfigMap", &format!("{name}-config"), ns).expect("installed");
    let mut meta = serde_json::Map::new();
    for k in ["name", "namespace", "labels", "annotations"] {
        meta.insert(k.into(), live["metadata"][k].clone());
    }
    meta["annotations"]["meta.helm.sh/release-name"] = "other".into();
    let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": live["data"]});
    c.apply(&obj, ns, true)
        .expect("re-annotating the ConfigMap");
}

#[test]
fn uninstall_leaves_objects_of_other_owners() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("v43un");
    let chart = chart("release-wait");
    let c = client(&kc, &ns);
    ok43(
        &kc,
        &[
            "install",
            "u",
            &chart,
            "-n",
            &ns,
            "--create-namespace",
            "--set",
            "replicas=0",
        ],
    );
    steal_config(&kc, &ns, "u");

    // a dry run says what it would skip and changes nothing
    let r = kr43(&kc, &["uninstall", "u", "-n", &ns, "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "release \"u\" uninstalled\n");
    assert!(r.stderr.contains(&format!("level=WARN msg=\"dry-run: would skip resource\" kind=ConfigMap name=u-config namespace={ns}")), "{}", r.stderr);
    assert!(get(&c, "apps/v1", "Deployment", "u-web", &ns).is_some());

    let r = kr43(&kc, &["uninstall", "u", "-n", &ns]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "1 resource(s) were not deleted because they are not owned by this release:\n[ConfigMap] u-config\n\nrelease \"u\" uninstalled\n"
    );
    let warning = format!("level=WARN msg=\"skipping delete of resource not owned by this release\" kind=ConfigMap name=u-config namespace={ns} release=u");
    assert!(r.stderr.contains(&warning), "{}", r.stderr);
    assert!(
        get(&c, "v1", "ConfigMap", "u-config", &ns).is_some(),
        "another owner's object stays"
    );
    assert!(
        get(&c, "apps/v1", "Deployment", "u-web", &ns).is_none(),
        "the release's own objects go"
    );
    assert_ne!(
        kr(&kc, &["status", "u", "-n", &ns]).code,
        0,
        "the history is gone"
    );

    // as Helm v4.1: everything in the manifest is deleted
    ok(
        &kc,
        &["install", "w", &chart, "-n", &ns, "--set", "replicas=0"],
    );
    steal_config(&kc, &ns, "w");
    let out = ok(&kc, &["uninstall", "w", "-n", &ns, "--helm-compat", "v4.1"]);
    assert_eq!(out, "release \"w\" uninstalled\n");
    assert!(get(&c, "v1", "ConfigMap", "w-config", &ns).is_none());

    // Helm v4.3.2 prints the same and leaves the same objects
    let Some(helm) = helm43() else { return };
    ok43(
        &kc,
        &["install", "h", &chart, "-n", &ns, "--set", "replicas=0"],
    );
    steal_config(&kc, &ns, "h");
    let r = run(&helm, &kc, &["uninstall", "h", "-n", &ns], &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "1 resource(s) were not deleted because they are not owned by this release:\n[ConfigMap] h-config\n\nrelease \"h\" uninstalled\n");
    assert!(
        r.stderr.contains(
            &warning
                .replace("u-config", "h-config")
                .replace("release=u", "release=h")
        ),
        "{}",
        r.stderr
    );
    assert!(get(&c, "v1", "ConfigMap", "h-config", &ns).is_some());
    assert!(get(&c, "apps/v1", "Deployment", "h-web", &ns).is_none());
}

#[test]
fn helm_compat_flag_selects_rendering() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("v43cmp");
    // a chart whose output names the Helm version it renders as
    let dir = std::env::temp_dir().join(format!("kubehelm-v43-compat-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: compat\nversion: 0.1.0\n",
    )
    .unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: compat\ndata:\n  helm: {{ .Capabilities.HelmVersion.Version }}\n";
    std::fs::write(dir.join("templates/cm.yaml"), cm).unwrap();
    let chart = dir.to_string_lossy().into_owned();
    let install = |compat: &str| -> Run {
        kr(
            &kc,
            &[
                "install",
                "c",
                chart.as_str(),
                "-n",
                ns.as_str(),
                "--dry-run",
                "-o",
                "json",
                "--helm-compat",
                compat,
            ],
        )
    };
    let manifest = |r: Run| -> String {
        assert_eq!(r.code, 0, "{}", r.stderr);
        let rel: Value = serde_json::from_str(&r.stdout).unwrap();
        rel["manifest"].as_str().unwrap().to_string()
    };
    assert!(manifest(install("v4.3")).contains("helm: v4.3.2\n"));
    assert!(manifest(install("v4.1")).contains("helm: v4.1.4\n"));
    // a v4.3 function: defined only as v4.3
    std::fs::write(
        dir.join("templates/toml.yaml"),
        "# {{ mustToToml (dict \"a\" 1) }}\n",
    )
    .unwrap();
    manifest(install("v4.3"));
    let r = install("v4.1");
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("function \"mustToToml\" not defined"),
        "{}",
        r.stderr
    );
    let r = install("v4.2");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("--helm-compat: unknown Helm compatibility \"v4.2\": use v4.1 or v4.3"),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

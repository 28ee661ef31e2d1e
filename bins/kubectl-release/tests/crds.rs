//! End-to-end on the local cluster: `--crds skip|create|create-replace` on install, upgrade and rollback.
//! A CRD gaining a version (v1 -> v1 + v2, storage moved to v2) and a field is upgraded with
//! `create-replace` and the objects stored at v1 survive; Helm's default and `create` leave an existing
//! CRD alone; a change that would strand stored objects is refused before anything is applied or
//! recorded; `diff upgrade` shows CRD changes. The charts are written by the test, each with its own
//! API group (CRDs are cluster-wide), and the CRDs are deleted at the end. Skips as e2e.rs does.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use kubehelm::kube::Cluster;
use serde_json::{json, Value};

const CRD_API: &str = "apiextensions.k8s.io/v1";
const CRD: &str = "CustomResourceDefinition";

/// A version of the Widget CRD: `(name, served, storage, has the v2 field color)`.
type Version = (&'static str, bool, bool, bool);

/// A unique API group, and the CRD deleted when the test ends (passed or not).
struct Group {
    group: String,
    kc: PathBuf,
}

impl Group {
    fn new(kc: &Path) -> Group {
        static N: AtomicUsize = AtomicUsize::new(0);
        let group = format!(
            "t{}n{}.crds.kubehelm.test",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        Group {
            group,
            kc: kc.to_path_buf(),
        }
    }
    fn crd_name(&self) -> String {
        format!("widgets.{}", self.group)
    }
    fn crd(&self) -> Option<Value> {
        let c = client(&self.kc, "default");
        get(&c, CRD_API, CRD, &self.crd_name(), "")
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let c = client(&self.kc, "default");
        let _ = c.delete(CRD_API, CRD, &self.crd_name(), "");
    }
}

fn crd_yaml(group: &str, versions: &[Version]) -> String {
    let mut out = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.{group}\nspec:\n  group: {group}\n  scope: Namespaced\n  names:\n    kind: Widget\n    plural: widgets\n    singular: widget\n    listKind: WidgetList\n  versions:\n"
    );
    for (name, served, storage, color) in versions {
        out.push_str(&format!(
            "  - name: {name}\n    served: {served}\n    storage: {storage}\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size:\n                type: integer\n"
        ));
        if *color {
            out.push_str("              color:\n                type: string\n");
        }
    }
    out
}

/// A chart `name` with the Widget CRD in crds/, a ConfigMap saying `rev`, and a Widget at the newest
/// version the cluster serves (none when the CRD is missing), with `color` at v2.
fn write_chart(dir: &Path, name: &str, group: &str, versions: &[Version], rev: &str) -> String {
    let root = dir.join(name);
    std::fs::create_dir_all(root.join("crds")).unwrap();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("Chart.yaml"),
        format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n"),
    )
    .unwrap();
    std::fs::write(root.join("crds/widgets.yaml"), crd_yaml(group, versions)).unwrap();
    std::fs::write(
        root.join("templates/configmap.yaml"),
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{{{ .Release.Name }}}}-cm\ndata:\n  rev: {rev:?}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("templates/widget.yaml"),
        format!(
            "{{{{- if .Capabilities.APIVersions.Has \"{group}/v2\" }}}}\napiVersion: {group}/v2\nkind: Widget\nmetadata:\n  name: {{{{ .Release.Name }}}}-w\nspec:\n  size: 2\n  color: blue\n\
             {{{{- else if .Capabilities.APIVersions.Has \"{group}/v1\" }}}}\napiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: {{{{ .Release.Name }}}}-w\nspec:\n  size: 1\n{{{{- end }}}}\n"
        ),
    )
    .unwrap();
    root.to_string_lossy().into_owned()
}

fn work_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubehelm-e2e-crds-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn versions_of(crd: &Value) -> Vec<(String, bool, bool)> {
    crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["served"] == true,
                v["storage"] == true,
            )
        })
        .collect()
}

fn stored_versions(crd: &Value) -> Vec<String> {
    crd["status"]["storedVersions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn revisions(kc: &Path, name: &str, ns: &str) -> Vec<(i64, String)> {
    let v: Value =
        serde_json::from_str(&ok(kc, &["history", name, "-n", ns, "-o", "json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn cm_rev(c: &Cluster, name: &str, ns: &str) -> String {
    get(c, "v1", "ConfigMap", &format!("{name}-cm"), ns).expect("the release's ConfigMap")["data"]
        ["rev"]
        .as_str()
        .unwrap()
        .to_string()
}

const V1: &[Version] = &[("v1", true, true, false)];
/// v2 adds `color`, to v1's schema too: without a conversion webhook both versions hold the same
/// fields (and server-side apply checks an object against the version it was last applied at).
const V1_V2: &[Version] = &[("v1", true, false, true), ("v2", true, true, true)];

#[test]
fn create_replace_upgrades_a_crd_and_its_objects_survive() {
    let Some(kc) = kubeconfig(false) else { return };
    let g = Group::new(&kc);
    let ns = namespace("crds");
    let dir = work_dir("upgrade");
    let one = write_chart(&dir, "crd-upgrade-v1", &g.group, V1, "one");
    let two = write_chart(&dir, "crd-upgrade-v2", &g.group, V1_V2, "two");

    // install creates the CRD (Helm's default), then the Widget at v1
    ok(
        &kc,
        &["install", "w", &one, "-n", &ns, "--create-namespace"],
    );
    let crd = g.crd().expect("install created the CRD");
    assert_eq!(versions_of(&crd), [("v1".to_string(), true, true)]);
    let c = client(&kc, &ns);
    let w1 = format!("{}/v1", g.group);
    assert_eq!(
        get(&c, &w1, "Widget", "w-w", &ns).expect("the chart's Widget")["spec"]["size"],
        1
    );
    // an object made by hand at v1, stored at v1
    c.create(&json!({"apiVersion": w1, "kind": "Widget", "metadata": {"name": "by-hand"}, "spec": {"size": 7}}), &ns).unwrap();
    let rv = crd["metadata"]["resourceVersion"].clone();

    // Helm's default upgrade and `create` leave the existing CRD exactly as it is
    ok(&kc, &["upgrade", "w", &two, "-n", &ns]);
    assert_eq!(
        g.crd().unwrap()["metadata"]["resourceVersion"],
        rv,
        "the default upgrade changed the CRD"
    );
    ok(&kc, &["upgrade", "w", &two, "-n", &ns, "--crds", "create"]);
    assert_eq!(
        g.crd().unwrap()["metadata"]["resourceVersion"],
        rv,
        "--crds create changed an existing CRD"
    );
    assert_eq!(cm_rev(&c, "w", &ns), "two");

    // diff upgrade shows the CRD change only when the upgrade would make it
    let plain = ok(&kc, &["diff", "upgrade", "w", &two, "-n", &ns]);
    assert!(!plain.contains(CRD), "{plain}");
    let diff = ok(
        &kc,
        &[
            "diff",
            "upgrade",
            "w",
            &two,
            "-n",
            &ns,
            "--crds",
            "create-replace",
            "--no-color",
        ],
    );
    let head = format!(
        "{ns}, widgets.{}, CustomResourceDefinition (apiextensions.k8s.io) has changed:",
        g.group
    );
    assert!(diff.contains(&head), "{diff}");
    assert!(
        diff.contains("# Source: crd-upgrade-v2/crds/widgets.yaml (CRD)"),
        "{diff}"
    );
    assert!(
        diff.contains("+     storage: false\n") && diff.contains("+   - name: v2\n"),
        "{diff}"
    );
    assert!(diff.contains("+               color:\n"), "{diff}");
    // and nothing else about the CRD: the server's defaults are not changes
    let detail = kr(
        &kc,
        &[
            "diff",
            "upgrade",
            "w",
            &two,
            "-n",
            &ns,
            "--crds",
            "create-replace",
            "-o",
            "json",
        ],
    );
    let changes: Value = serde_json::from_str(&detail.stdout).unwrap();
    let crd_changes: Vec<&Value> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == CRD)
        .collect();
    assert_eq!(crd_changes.len(), 1, "{}", detail.stdout);

    // create-replace applies the new CRD before the templates: the Widget is now at v2, with color
    ok(
        &kc,
        &["upgrade", "w", &two, "-n", &ns, "--crds", "create-replace"],
    );
    let crd = g.crd().unwrap();
    assert_eq!(
        versions_of(&crd),
        [
            ("v1".to_string(), true, false),
            ("v2".to_string(), true, true)
        ]
    );
    let stored = stored_versions(&crd);
    assert!(
        stored.contains(&"v1".to_string()) && stored.contains(&"v2".to_string()),
        "{stored:?}"
    );
    let c = client(&kc, &ns);
    let w2 = format!("{}/v2", g.group);
    let w = get(&c, &w2, "Widget", "w-w", &ns).expect("the chart's Widget at v2");
    assert_eq!(
        (w["spec"]["size"].clone(), w["spec"]["color"].clone()),
        (json!(2), json!("blue"))
    );
    // the object stored at v1 survives, readable at both versions
    assert_eq!(
        get(&c, &w2, "Widget", "by-hand", &ns).expect("by-hand at v2")["spec"]["size"],
        7
    );
    assert_eq!(
        get(&c, &w1, "Widget", "by-hand", &ns).expect("by-hand at v1")["spec"]["size"],
        7
    );
    assert_eq!(
        revisions(&kc, "w", &ns).last().unwrap(),
        &(4, "deployed".to_string())
    );
    let diff = ok(
        &kc,
        &[
            "diff",
            "upgrade",
            "w",
            &two,
            "-n",
            &ns,
            "--crds",
            "create-replace",
        ],
    );
    assert!(!diff.contains(CRD), "an applied CRD still differs:\n{diff}");

    // breaking changes are refused, naming the CRD and the version; nothing is applied or recorded
    let rv = g.crd().unwrap()["metadata"]["resourceVersion"].clone();
    let removed = write_chart(
        &dir,
        "crd-upgrade-v3",
        &g.group,
        &[("v2", true, true, true)],
        "three",
    );
    let unserved = write_chart(
        &dir,
        "crd-upgrade-v3b",
        &g.group,
        &[("v1", false, false, false), ("v2", true, true, true)],
        "three",
    );
    for (chart, why) in [
        (&removed, "the chart removes it from spec.versions"),
        (&unserved, "the chart no longer serves it (served: false)"),
    ] {
        let r = kr(
            &kc,
            &["upgrade", "w", chart, "-n", &ns, "--crds", "create-replace"],
        );
        assert_eq!(r.code, 1, "{}", r.stderr);
        let want = format!("CRD widgets.{}: version \"v1\" is still in status.storedVersions (objects are stored at it) and {why}", g.group);
        assert!(r.stderr.contains(&want), "{}", r.stderr);
        assert!(r.stderr.contains("nothing was applied"), "{}", r.stderr);
        assert_eq!(
            g.crd().unwrap()["metadata"]["resourceVersion"],
            rv,
            "a refused CRD was applied"
        );
        assert_eq!(
            cm_rev(&c, "w", &ns),
            "two",
            "the templates of a refused upgrade were applied"
        );
        assert_eq!(
            revisions(&kc, "w", &ns).len(),
            4,
            "a refused upgrade recorded a revision"
        );
        // a server-side dry run checks the same, and diff warns
        let r = kr(
            &kc,
            &[
                "upgrade",
                "w",
                chart,
                "-n",
                &ns,
                "--crds",
                "create-replace",
                "--dry-run=server",
            ],
        );
        assert!(r.code == 1 && r.stderr.contains(&want), "{}", r.stderr);
        let d = kr(
            &kc,
            &[
                "diff",
                "upgrade",
                "w",
                chart,
                "-n",
                &ns,
                "--crds",
                "create-replace",
            ],
        );
        assert!(d.code == 0 && d.stderr.contains(&want), "{}", d.stderr);
    }
    // the default upgrade of the same chart goes ahead: the CRDs are not its business
    ok(&kc, &["upgrade", "w", &removed, "-n", &ns]);
    assert_eq!(g.crd().unwrap()["metadata"]["resourceVersion"], rv);
    assert_eq!(cm_rev(&c, "w", &ns), "three");

    // rollback with create-replace checks the CRDs of the revision rolled back to: revision 1's CRD
    // drops v2, where objects are now stored
    let r = kr(
        &kc,
        &["rollback", "w", "1", "-n", &ns, "--crds", "create-replace"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "CRD widgets.{}: version \"v2\" is still in status.storedVersions",
            g.group
        )),
        "{}",
        r.stderr
    );
    assert_eq!(revisions(&kc, "w", &ns).len(), 5);
    assert_eq!(cm_rev(&c, "w", &ns), "three");
}

#[test]
fn rollback_applies_the_crds_of_the_revision_rolled_back_to() {
    let Some(kc) = kubeconfig(false) else { return };
    let g = Group::new(&kc);
    let ns = namespace("crdsrb");
    let dir = work_dir("rollback");
    let one = write_chart(&dir, "crd-rollback-v1", &g.group, V1, "one");
    let two = write_chart(&dir, "crd-rollback-v2", &g.group, V1_V2, "two");
    ok(
        &kc,
        &["install", "r", &one, "-n", &ns, "--create-namespace"],
    );
    ok(&kc, &["upgrade", "r", &two, "-n", &ns]);
    assert_eq!(
        versions_of(&g.crd().unwrap()).len(),
        1,
        "the default upgrade left the CRD alone"
    );
    // a plain rollback to revision 2 does not touch CRDs either
    ok(&kc, &["rollback", "r", "2", "-n", &ns]);
    assert_eq!(versions_of(&g.crd().unwrap()).len(), 1);
    // with create-replace, revision 2's chart brings v2
    ok(
        &kc,
        &["rollback", "r", "2", "-n", &ns, "--crds", "create-replace"],
    );
    let crd = g.crd().unwrap();
    assert_eq!(
        versions_of(&crd),
        [
            ("v1".to_string(), true, false),
            ("v2".to_string(), true, true)
        ]
    );
    assert_eq!(
        revisions(&kc, "r", &ns).last().unwrap(),
        &(4, "deployed".to_string())
    );
    // --crds create on install never modifies an existing CRD
    let rv = crd["metadata"]["resourceVersion"].clone();
    ok(&kc, &["install", "r2", &one, "-n", &ns, "--crds", "create"]);
    assert_eq!(g.crd().unwrap()["metadata"]["resourceVersion"], rv);
}

#[test]
fn skip_installs_no_crds() {
    let Some(kc) = kubeconfig(false) else { return };
    let g = Group::new(&kc);
    let ns = namespace("crdskip");
    let dir = work_dir("skip");
    let one = write_chart(&dir, "crd-skip", &g.group, V1, "one");
    for (name, flag) in [("s1", vec!["--crds", "skip"]), ("s2", vec!["--skip-crds"])] {
        let mut args = vec![
            "install",
            name,
            one.as_str(),
            "-n",
            &ns,
            "--create-namespace",
        ];
        args.extend(flag);
        ok(&kc, &args);
        assert!(g.crd().is_none(), "{args:?} installed the CRD");
        let c = client(&kc, &ns);
        assert_eq!(cm_rev(&c, name, &ns), "one");
    }
    // the flags do not go together, and a policy must be one of the three
    let r = kr(
        &kc,
        &[
            "install",
            "s3",
            &one,
            "-n",
            &ns,
            "--crds",
            "create",
            "--skip-crds",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = kr(
        &kc,
        &["install", "s3", &one, "-n", &ns, "--crds", "replace"],
    );
    assert!(
        r.code != 0 && r.stderr.contains("create-replace"),
        "{}",
        r.stderr
    );
    // an upgrade with create installs the missing CRD, and the Widget comes with it
    ok(&kc, &["upgrade", "s1", &one, "-n", &ns, "--crds", "create"]);
    assert_eq!(
        versions_of(&g.crd().expect("upgrade --crds create made the CRD")).len(),
        1
    );
    let c = client(&kc, &ns);
    assert!(get(&c, &format!("{}/v1", g.group), "Widget", "s1-w", &ns).is_some());
}

#[test]
fn helm_installs_and_we_replace_its_crds() {
    let Some(kc) = kubeconfig(false) else { return };
    let Some(helm) = reference_helm() else { return };
    let g = Group::new(&kc);
    let ns = namespace("crdhelm");
    let dir = work_dir("helm");
    let one = write_chart(&dir, "crd-helm-v1", &g.group, V1, "one");
    let two = write_chart(&dir, "crd-helm-v2", &g.group, V1_V2, "two");
    helm_ok(
        &helm,
        &kc,
        &["install", "h", &one, "-n", &ns, "--create-namespace"],
        &[],
    );
    let rv = g.crd().expect("Helm created the CRD")["metadata"]["resourceVersion"].clone();
    // the oracle for the default: Helm's upgrade leaves the CRD alone, and so does ours
    helm_ok(&helm, &kc, &["upgrade", "h", &two, "-n", &ns], &[]);
    assert_eq!(g.crd().unwrap()["metadata"]["resourceVersion"], rv);
    ok(&kc, &["upgrade", "h", &two, "-n", &ns]);
    assert_eq!(g.crd().unwrap()["metadata"]["resourceVersion"], rv);
    // ours replaces the CRD Helm made, and Helm reads the release afterwards
    ok(
        &kc,
        &["upgrade", "h", &two, "-n", &ns, "--crds", "create-replace"],
    );
    assert_eq!(versions_of(&g.crd().unwrap()).len(), 2);
    let c = client(&kc, &ns);
    assert!(get(&c, &format!("{}/v2", g.group), "Widget", "h-w", &ns).is_some());
    let hist = helm_ok(&helm, &kc, &["history", "h", "-n", &ns], &[]);
    assert!(hist.lines().last().unwrap().contains("deployed"), "{hist}");
}

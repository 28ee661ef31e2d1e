//! End-to-end, on the local cluster with workloads: drift (`diff live`, `status --drift`, ignore rules
//! and the kubehelm.io/drift-ignore annotation), `diff upgrade --three-way` and `--find-renames`. Objects
//! are edited by hand through the API (a GET and a PUT, as `kubectl edit` does) or with `kubectl scale`
//! when kubectl is on PATH. Skips as e2e.rs does.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::{json, Value};

/// A chart written for these tests: a Deployment with an env var, a ConfigMap whose name is a value
/// (for renames), and another ConfigMap.
fn drift_chart() -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("kubehelm-drift-chart-{}-{n}", std::process::id()));
    let t = dir.join("templates");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: drift\nversion: 0.1.0\nappVersion: \"1.0\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("values.yaml"),
        "greeting: hello\nreplicas: 1\nsettings: settings\nother: hi\ndriftIgnore: \"\"\n",
    )
    .unwrap();
    std::fs::write(
        t.join("deployment.yaml"),
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  {{- with .Values.driftIgnore }}
  annotations:
    kubehelm.io/drift-ignore: {{ . | quote }}
  {{- end }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app: {{ .Release.Name }}
    spec:
      containers:
        - name: web
          image: registry.invalid/web:{{ .Chart.AppVersion }}
          env:
            - name: GREETING
              value: {{ .Values.greeting | quote }}
"#,
    )
    .unwrap();
    std::fs::write(
        t.join("settings.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Values.settings }}\ndata:\n  a: \"1\"\n  b: \"2\"\n  c: \"3\"\n  d: \"4\"\n  e: \"5\"\n  f: \"6\"\n",
    )
    .unwrap();
    std::fs::write(t.join("other.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-other\ndata:\n  greeting: {{ .Values.other | quote }}\n").unwrap();
    dir
}

fn installed(kc: &Path, tag: &str, chart: &str, extra: &[&str]) -> String {
    let ns = namespace(tag);
    let mut args = vec![
        "install",
        "r",
        chart,
        "-n",
        ns.as_str(),
        "--create-namespace",
    ];
    args.extend_from_slice(extra);
    ok(kc, &args);
    ns
}

/// A hand edit: GET the Deployment, change it, PUT it back (another field manager now owns the field).
fn edit_deployment(kc: &Path, ns: &str, change: impl FnOnce(&mut Value)) {
    let c = client(kc, ns);
    let mut dep = get(&c, "apps/v1", "Deployment", "r-web", ns).expect("the Deployment exists");
    change(&mut dep);
    c.replace(&dep, ns).expect("the edit is accepted");
}

fn set_greeting(v: &mut Value, to: &str) {
    v["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = json!(to);
}

/// `kubectl scale` (the scale subresource) when kubectl is there, else an edit of spec.replicas.
fn scale(kc: &Path, ns: &str, replicas: u32) {
    let done = Command::new("kubectl")
        .args([
            "--kubeconfig",
            &kc.to_string_lossy(),
            "-n",
            ns,
            "scale",
            "deployment",
            "r-web",
            &format!("--replicas={replicas}"),
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !done {
        eprintln!("(no working kubectl: replicas changed by an edit instead of kubectl scale)");
        edit_deployment(kc, ns, |d| d["spec"]["replicas"] = json!(replicas));
    }
    let c = client(kc, ns);
    assert_eq!(
        get(&c, "apps/v1", "Deployment", "r-web", ns).unwrap()["spec"]["replicas"],
        json!(replicas)
    );
}

/// Does a diff text take the env var GREETING back from `from` to `to` (a `-` line, then a `+` line)?
fn reverts(text: &str, from: &str, to: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    lines.windows(2).any(|w| {
        w[0].starts_with('-')
            && w[0].ends_with(&format!("value: {from}"))
            && w[1].starts_with('+')
            && w[1].ends_with(&format!("value: {to}"))
    })
}

/// The DRIFT cell of an object's row in `status --drift`.
fn drift_cell(status: &str, name: &str) -> String {
    let line = status
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{status}"));
    line.split_whitespace().last().unwrap().to_string()
}

#[test]
fn hand_edits_show_as_drift_until_upgrade() {
    let Some(kc) = kubeconfig(true) else { return };
    let chart = drift_chart();
    let c = chart.to_string_lossy().into_owned();
    let ns = installed(&kc, "drift", &c, &[]);

    // freshly installed: defaults and the controllers' fields are not drift
    let r = kr(
        &kc,
        &["diff", "live", "r", "-n", &ns, "--detailed-exitcode"],
    );
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let status = ok(&kc, &["status", "r", "-n", &ns, "--drift"]);
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("NAME") && l.ends_with("DRIFT")),
        "{status}"
    );
    for name in ["r-web", "r-settings", "r-other"] {
        assert_eq!(drift_cell(&status, name), "-", "{status}");
    }
    assert!(
        !ok(&kc, &["status", "r", "-n", &ns]).contains("DRIFT"),
        "only with --drift"
    );

    // an env var edited by hand, a ConfigMap deleted by hand
    edit_deployment(&kc, &ns, |d| set_greeting(d, "hacked"));
    assert!(client(&kc, &ns)
        .delete("v1", "ConfigMap", "r-other", &ns)
        .unwrap());
    let r = kr(
        &kc,
        &["diff", "live", "r", "-n", &ns, "--detailed-exitcode"],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with(&format!("{ns}, r-web, Deployment (apps) has drifted:\n")),
        "{}",
        r.stdout
    );
    assert!(reverts(&r.stdout, "hacked", "hello"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("managedFields")
            && !r.stdout.contains("resourceVersion")
            && !r.stdout.contains("status:"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("\n{ns}, r-other, ConfigMap (v1) is missing:\n")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\n+   greeting: hi\n"), "{}", r.stdout);
    assert!(!r.stdout.contains("r-settings"), "{}", r.stdout);
    let simple = ok(&kc, &["diff", "live", "r", "-n", &ns, "-o", "simple"]);
    assert_eq!(simple, format!("{ns}, r-web, Deployment (apps) has drifted.\n{ns}, r-other, ConfigMap (v1) is missing.\nDrift: 1 drifted, 1 missing.\n"));
    let js: Value = serde_json::from_str(&ok(
        &kc,
        &["diff", "live", "r", "-n", &ns, "-o", "json", "-U", "0"],
    ))
    .unwrap();
    assert_eq!(
        (&js[0]["name"], &js[0]["change"]),
        (&json!("r-web"), &json!("modified"))
    );
    let hunk = js[0]["diff"].as_str().unwrap();
    assert!(
        hunk.starts_with("@@ -") && hunk.lines().count() == 3 && reverts(hunk, "hacked", "hello"),
        "{hunk}"
    );
    assert_eq!(
        (&js[1]["name"], &js[1]["change"], &js[1]["old"]),
        (&json!("r-other"), &json!("missing"), &Value::Null)
    );

    // status --drift: the column, and a row for the missing object; -o json lists every object
    let status = ok(&kc, &["status", "r", "-n", &ns, "--drift"]);
    assert_eq!(
        (
            drift_cell(&status, "r-web"),
            drift_cell(&status, "r-other"),
            drift_cell(&status, "r-settings")
        ),
        ("drifted".into(), "missing".into(), "-".into()),
        "{status}"
    );
    let js: Value = serde_json::from_str(&ok(
        &kc,
        &["status", "r", "-n", &ns, "--drift", "-o", "json"],
    ))
    .unwrap();
    assert_eq!(js["name"], "r");
    let states: Vec<(&str, &str)> = js["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap(), d["drift"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("r-other", "missing"),
            ("r-settings", "none"),
            ("r-web", "drifted")
        ]
    );
    let yaml = ok(&kc, &["status", "r", "-n", &ns, "--drift", "-o", "yaml"]);
    assert!(
        yaml.contains("drift:\n- api: v1\n  drift: missing\n  kind: ConfigMap\n"),
        "{yaml}"
    );

    // the upgrade (taking the field back from the hand edit's manager) ends the drift
    ok(&kc, &["upgrade", "r", &c, "-n", &ns, "--force-conflicts"]);
    let r = kr(
        &kc,
        &["diff", "live", "r", "-n", &ns, "--detailed-exitcode"],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    let status = ok(&kc, &["status", "r", "-n", &ns, "--drift"]);
    assert_eq!(
        (drift_cell(&status, "r-web"), drift_cell(&status, "r-other")),
        ("-".into(), "-".into()),
        "{status}"
    );

    // shell completion offers the release names
    let comp = ok(&kc, &["__complete", "diff", "live", "-n", &ns, ""]);
    assert!(comp.starts_with("r\trevision 2, deployed\n"), "{comp}");

    // bad rules and unknown releases are errors
    let bad = kr(
        &kc,
        &["diff", "live", "r", "-n", &ns, "--ignore", "Deployment"],
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .starts_with("Error: invalid ignore rule \"Deployment\": no ':'"),
        "{}",
        bad.stderr
    );
    let none = kr(&kc, &["diff", "live", "nope", "-n", &ns]);
    assert_eq!(
        (none.code, none.stderr.as_str()),
        (1, "Error: \"nope\" has no deployed releases\n")
    );
}

#[test]
fn scaled_replicas_are_ignored_by_rule_or_annotation() {
    let Some(kc) = kubeconfig(true) else { return };
    let chart = drift_chart();
    let c = chart.to_string_lossy().into_owned();
    let ns = installed(&kc, "driftscale", &c, &[]);
    scale(&kc, &ns, 3);
    let r = kr(
        &kc,
        &[
            "diff",
            "live",
            "r",
            "-n",
            &ns,
            "--detailed-exitcode",
            "-U",
            "0",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (2, format!("{ns}, r-web, Deployment (apps) has drifted:\n...\n-   replicas: 3\n+   replicas: 1\n...\n").as_str()), "{}", r.stderr);
    for rule in [
        "Deployment:/spec/replicas",
        "deployment/r-web:/spec/replicas",
        "*:/spec/replicas",
    ] {
        let r = kr(
            &kc,
            &[
                "diff",
                "live",
                "r",
                "-n",
                &ns,
                "--detailed-exitcode",
                "--ignore",
                rule,
            ],
        );
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{rule}: {}", r.stderr);
    }
    // a rule for another name does not hide it
    let r = kr(
        &kc,
        &[
            "diff",
            "live",
            "r",
            "-n",
            &ns,
            "--detailed-exitcode",
            "--ignore",
            "Deployment/api:/spec/replicas",
        ],
    );
    assert_eq!(r.code, 2);
    let status = ok(
        &kc,
        &[
            "status",
            "r",
            "-n",
            &ns,
            "--drift",
            "--ignore",
            "Deployment:/spec/replicas",
        ],
    );
    assert_eq!(drift_cell(&status, "r-web"), "-", "{status}");
    assert_eq!(
        drift_cell(&ok(&kc, &["status", "r", "-n", &ns, "--drift"]), "r-web"),
        "drifted"
    );

    // the annotation does the same, for the object that carries it
    let ns2 = installed(
        &kc,
        "driftannot",
        &c,
        &["--set", "driftIgnore=/spec/replicas"],
    );
    scale(&kc, &ns2, 4);
    let r = kr(
        &kc,
        &["diff", "live", "r", "-n", &ns2, "--detailed-exitcode"],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    // ... and only the fields it names
    edit_deployment(&kc, &ns2, |d| set_greeting(d, "hacked"));
    let r = kr(
        &kc,
        &[
            "diff",
            "live",
            "r",
            "-n",
            &ns2,
            "-o",
            "simple",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(r.code, 2);
    let text = ok(&kc, &["diff", "live", "r", "-n", &ns2]);
    assert!(
        text.contains("value: hacked") && !text.contains("replicas: 4"),
        "{text}"
    );
}

#[test]
fn three_way_shows_what_two_way_misses() {
    let Some(kc) = kubeconfig(true) else { return };
    let chart = drift_chart();
    let c = chart.to_string_lossy().into_owned();
    let ns = installed(&kc, "threeway", &c, &[]);
    // nothing changed anywhere: neither shows anything
    for extra in [&[][..], &["--three-way"][..]] {
        let mut args = vec![
            "diff",
            "upgrade",
            "r",
            c.as_str(),
            "-n",
            ns.as_str(),
            "--detailed-exitcode",
        ];
        args.extend_from_slice(extra);
        let r = kr(&kc, &args);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (0, ""),
            "{extra:?}: {}",
            r.stderr
        );
    }

    edit_deployment(&kc, &ns, |d| set_greeting(d, "hacked"));
    let two = ok(
        &kc,
        &[
            "diff",
            "upgrade",
            "r",
            &c,
            "-n",
            &ns,
            "--set",
            "other=bye",
            "-o",
            "simple",
        ],
    );
    assert_eq!(two, format!("{ns}, r-other, ConfigMap (v1) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy.\n"));
    let three = ok(
        &kc,
        &[
            "diff",
            "upgrade",
            "r",
            &c,
            "-n",
            &ns,
            "--set",
            "other=bye",
            "-o",
            "simple",
            "--three-way",
        ],
    );
    assert_eq!(
        three,
        format!("{ns}, r-other, ConfigMap (v1) to be changed.\n{ns}, r-web, Deployment (apps) to be changed.\nPlan: 0 to add, 2 to change, 0 to destroy.\n")
    );
    let text = ok(
        &kc,
        &[
            "diff",
            "upgrade",
            "r",
            &c,
            "-n",
            &ns,
            "--set",
            "other=bye",
            "--three-way-merge",
            "-U",
            "0",
        ],
    );
    assert!(reverts(&text, "hacked", "hello"), "{text}");
    assert!(
        text.contains("\n-   greeting: hi\n+   greeting: bye\n"),
        "{text}"
    );
    let r = kr(
        &kc,
        &[
            "diff",
            "upgrade",
            "r",
            &c,
            "-n",
            &ns,
            "--three-way",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(r.code, 2, "the revert alone is a change: {}", r.stdout);
    // ignored fields are left out of the three-way diff too
    let r = kr(
        &kc,
        &[
            "diff",
            "upgrade",
            "r",
            &c,
            "-n",
            &ns,
            "--three-way",
            "--detailed-exitcode",
            "--ignore",
            "Deployment:/spec/template/spec/containers/*/env",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    // a removed object is removed from what is live
    assert!(client(&kc, &ns)
        .delete("v1", "ConfigMap", "r-other", &ns)
        .unwrap());
    let gone = ok(
        &kc,
        &[
            "diff",
            "upgrade",
            "r",
            &c,
            "-n",
            &ns,
            "--three-way",
            "-o",
            "simple",
            "--set",
            "other=bye",
        ],
    );
    assert!(
        gone.contains(&format!("{ns}, r-other, ConfigMap (v1) to be added.\n")),
        "{gone}"
    );

    // the diff did not change anything
    let dep = get(&client(&kc, &ns), "apps/v1", "Deployment", "r-web", &ns).unwrap();
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "hacked"
    );
}

#[test]
fn find_renames_pairs_a_renamed_config_map() {
    let Some(kc) = kubeconfig(true) else { return };
    let chart = drift_chart();
    let c = chart.to_string_lossy().into_owned();
    let ns = installed(&kc, "renames", &c, &[]);
    let base = [
        "diff",
        "upgrade",
        "r",
        c.as_str(),
        "-n",
        ns.as_str(),
        "--set",
        "settings=config",
    ];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        ok(&kc, &args)
    };
    assert_eq!(
        with(&["-o", "simple"]),
        format!("{ns}, r-settings, ConfigMap (v1) to be removed.\n{ns}, r-config, ConfigMap (v1) to be added.\nPlan: 1 to add, 0 to change, 1 to destroy.\n")
    );
    assert_eq!(with(&["-o", "simple", "--find-renames", "0.5"]), format!("{ns}, r-settings, ConfigMap (v1) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy.\n"));
    let text = with(&["-D", "0.5", "-U", "0"]);
    assert_eq!(text, format!("{ns}, r-settings, ConfigMap (v1) has changed:\n...\n-   name: r-settings\n+   name: r-config\n...\n"));
    let js: Value = serde_json::from_str(&with(&["--find-renames", "0.5", "-o", "json"])).unwrap();
    assert_eq!(
        js[0]["renamedTo"],
        json!({"namespace": ns, "name": "r-config"})
    );
    assert_eq!(
        (
            &js[0]["old"]["metadata"]["name"],
            &js[0]["new"]["metadata"]["name"]
        ),
        (&json!("r-settings"), &json!("r-config"))
    );
    // too different for the fraction asked: removed and added
    assert!(with(&["-o", "simple", "--find-renames", "0.05"]).contains("to be removed."));
    // three-way: the live object and the dry run of the renamed one
    let three = with(&["-o", "simple", "--find-renames", "0.5", "--three-way"]);
    assert_eq!(three, format!("{ns}, r-settings, ConfigMap (v1) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy.\n"));
}

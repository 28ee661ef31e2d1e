//! End-to-end: `kubectl release diff upgrade|rollback` against a real kube-apiserver (`tests/cluster`),
//! on tests/charts/release-diff. Skips like the other end-to-end tests (see e2e.rs).

mod common;

use common::*;
use serde_json::Value;

const CHART: &str = "release-diff";

/// Installs `web` from the diff chart into a fresh namespace.
fn installed(kc: &std::path::Path, tag: &str, extra: &[&str]) -> String {
    let ns = namespace(tag);
    let c = chart(CHART);
    let mut args = vec!["install", "web", c.as_str(), "-n", ns.as_str(), "--create-namespace"];
    args.extend_from_slice(extra);
    ok(kc, &args);
    ns
}

#[test]
fn diff_upgrade_shows_each_change() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = installed(&kc, "diffup", &[]);
    let c = chart(CHART);
    let changed = ["--set", "greeting=hi,replicas=2,password=other,extra=true"];
    let mut args = vec!["diff", "upgrade", "web", &c, "-n", &ns];
    args.extend_from_slice(&changed);
    let out = ok(&kc, &args);
    assert_eq!(
        out,
        format!(
            "{ns}, web-auth, Secret (v1) has changed:
  # Source: release-diff/templates/secret.yaml
  apiVersion: v1
  data:
-   password: '-------- # (6 bytes)'
+   password: '++++++++ # (5 bytes)'
    user: 'REDACTED # (5 bytes)'
  kind: Secret
  metadata:
    name: web-auth
  type: Opaque
{ns}, web-config, ConfigMap (v1) has changed:
  # Source: release-diff/templates/configmap.yaml
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web-config
  data:
-   greeting: \"hello\"
+   greeting: \"hi\"
    mode: plain
{ns}, web-hook, ConfigMap (v1) has changed:
  # Source: release-diff/templates/hook.yaml
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web-hook
    annotations:
      helm.sh/hook: pre-upgrade
  data:
-   replicas: \"1\"
+   replicas: \"2\"
{ns}, web-web, Deployment (apps) has changed:
  # Source: release-diff/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web-web
  spec:
-   replicas: 1
+   replicas: 2
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: web
            image: registry.invalid/web:1.0
{ns}, web-extra, ConfigMap (v1) has been added:
+ # Source: release-diff/templates/extra.yaml
+ apiVersion: v1
+ kind: ConfigMap
+ metadata:
+   name: web-extra
+ data:
+   greeting: \"hi\"
"
        )
    );
    assert!(!out.contains("s3cret") && !out.contains("czNjcmV0"), "secret data is masked");

    // --detailed-exitcode: 2 with changes (the same output), 0 without; nothing printed without changes
    args.push("--detailed-exitcode");
    let r = kr(&kc, &args);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (2, out.as_str(), ""));
    let same = kr(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--detailed-exitcode"]);
    assert_eq!((same.code, same.stdout.as_str()), (0, ""), "{}", same.stderr);

    // nothing was changed by diffing: still one revision, the old values
    assert!(!ok(&kc, &["history", "web", "-n", &ns]).contains("\n2\t"));
    assert_eq!(get(&client(&kc, &ns), "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"], "hello");
    assert!(get(&client(&kc, &ns), "v1", "ConfigMap", "web-extra", &ns).is_none());

    // context lines, simple output, suppressed kinds, test hooks only on request
    let ctx = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "greeting=hi", "-U", "1"]);
    assert_eq!(ctx, format!("{ns}, web-config, ConfigMap (v1) has changed:\n...\n  data:\n-   greeting: \"hello\"\n+   greeting: \"hi\"\n    mode: plain\n"));
    let simple = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "greeting=hi,extra=true", "-o", "simple"]);
    assert_eq!(
        simple,
        format!("{ns}, web-config, ConfigMap (v1) to be changed.\n{ns}, web-extra, ConfigMap (v1) to be added.\nPlan: 1 to add, 1 to change, 0 to destroy.\n")
    );
    let suppressed = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "password=x", "--suppress-secrets"]);
    assert_eq!(suppressed, format!("{ns}, web-auth, Secret (v1) has changed:\n+ Changes suppressed on sensitive content of type Secret\n"));
    let tests = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "greeting=hi", "-o", "simple", "--include-tests"]);
    assert!(tests.contains(&format!("{ns}, web-test, Pod (v1) to be changed.\n")), "{tests}");
    let no_hooks = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "replicas=3", "-o", "simple", "--no-hooks"]);
    assert_eq!(no_hooks, format!("{ns}, web-web, Deployment (apps) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy.\n"));

    // colour only on request when stdout is not a terminal; --no-color wins when last
    let plain = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "greeting=hi"]);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    let coloured = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "greeting=hi", "--color"]);
    assert!(coloured.contains("\x1b[31m-   greeting: \"hello\"\x1b[0m\n\x1b[32m+   greeting: \"hi\"\x1b[0m\n"), "{coloured:?}");
    let off = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "greeting=hi", "--color", "--no-color"]);
    assert_eq!(off, plain);
}

#[test]
fn diff_upgrade_of_a_missing_release() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("diffnew");
    let c = chart(CHART);
    ok(&kc, &["install", "other", &c, "-n", &ns, "--create-namespace"]);
    let r = kr(&kc, &["diff", "upgrade", "web", &c, "-n", &ns]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (1, "", "Error: \"web\" has no deployed releases\n"));
    // with --install (--allow-unreleased) everything is added; hooks too, as the install would run them
    let added = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--allow-unreleased", "-o", "simple"]);
    assert_eq!(
        added,
        format!(
            "{ns}, web-auth, Secret (v1) to be added.\n{ns}, web-config, ConfigMap (v1) to be added.\n{ns}, web-hook, ConfigMap (v1) to be added.\n\
             {ns}, web-web, Deployment (apps) to be added.\nPlan: 4 to add, 0 to change, 0 to destroy.\n"
        )
    );
    assert!(ok(&kc, &["list", "-n", &ns, "-q"]).lines().all(|l| l != "web"), "diff installs nothing");
}

#[test]
fn diff_rollback_after_upgrade() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = installed(&kc, "diffrb", &[]);
    let c = chart(CHART);
    ok(&kc, &["upgrade", "web", &c, "-n", &ns, "--set", "greeting=hi,extra=true"]);
    let expected = format!(
        "{ns}, web-config, ConfigMap (v1) has changed:
  # Source: release-diff/templates/configmap.yaml
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web-config
  data:
-   greeting: \"hi\"
+   greeting: \"hello\"
    mode: plain
{ns}, web-extra, ConfigMap (v1) has been removed:
- # Source: release-diff/templates/extra.yaml
- apiVersion: v1
- kind: ConfigMap
- metadata:
-   name: web-extra
- data:
-   greeting: \"hi\"
"
    );
    // the previous revision by default, or named
    assert_eq!(ok(&kc, &["diff", "rollback", "web", "-n", &ns]), expected);
    assert_eq!(ok(&kc, &["diff", "rollback", "web", "1", "-n", &ns]), expected);
    let r = kr(&kc, &["diff", "rollback", "web", "1", "-n", &ns, "--detailed-exitcode"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, expected.as_str()));
    // to the deployed revision itself: nothing
    let same = kr(&kc, &["diff", "rollback", "web", "2", "-n", &ns, "--detailed-exitcode"]);
    assert_eq!((same.code, same.stdout.as_str()), (0, ""), "{}", same.stderr);
    let missing = kr(&kc, &["diff", "rollback", "web", "7", "-n", &ns]);
    assert_eq!((missing.code, missing.stderr.as_str()), (1, "Error: release has no 7 version\n"));

    // the diff matches what the rollback does
    ok(&kc, &["rollback", "web", "1", "-n", &ns]);
    let cl = client(&kc, &ns);
    assert_eq!(get(&cl, "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"], "hello");
    assert!(get(&cl, "v1", "ConfigMap", "web-extra", &ns).is_none());
    // now revision 3 (= 1) is deployed: rolling back to 2 brings the upgrade's changes back
    let back = ok(&kc, &["diff", "rollback", "web", "-n", &ns, "-o", "simple"]);
    assert_eq!(back, format!("{ns}, web-config, ConfigMap (v1) to be changed.\n{ns}, web-extra, ConfigMap (v1) to be added.\nPlan: 1 to add, 1 to change, 0 to destroy.\n"));
}

#[test]
fn diff_json_names_the_changes() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = installed(&kc, "diffjson", &["--set", "extra=true"]);
    let c = chart(CHART);
    let out = ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "replicas=3,password=other", "-o", "json", "--no-hooks"]);
    let js: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
    let entries = js.as_array().expect("an array");
    let summary: Vec<(&str, &str, &str, &str, &str)> = entries
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["name"].as_str().unwrap(), e["api"].as_str().unwrap(), e["change"].as_str().unwrap(), e["namespace"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [("Secret", "web-auth", "v1", "modified", ns.as_str()), ("Deployment", "web-web", "apps", "modified", &ns), ("ConfigMap", "web-extra", "v1", "removed", &ns)]
    );
    let deploy = &entries[1];
    assert_eq!(deploy["apiVersion"], "apps/v1");
    assert_eq!((&deploy["old"]["spec"]["replicas"], &deploy["new"]["spec"]["replicas"]), (&Value::from(1), &Value::from(3)));
    let diff = deploy["diff"].as_str().unwrap();
    assert!(diff.starts_with("@@ -1,18 +1,18 @@\n # Source: release-diff/templates/deployment.yaml\n"), "{diff}");
    assert!(diff.contains("\n-  replicas: 1\n+  replicas: 3\n"), "{diff}");
    let secret = &entries[0];
    assert_eq!(secret["new"]["data"]["password"], "++++++++ # (5 bytes)");
    assert_eq!(secret["old"]["data"]["user"], "REDACTED # (5 bytes)");
    assert_eq!(entries[2]["new"], Value::Null);
    assert_eq!(entries[2]["old"]["data"]["greeting"], "hello");

    // with context lines the hunks are cut; nothing to change is an empty array
    let short: Value = serde_json::from_str(&ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "replicas=3,extra=true", "-o", "json", "-U", "0", "--no-hooks"])).unwrap();
    assert_eq!(short.as_array().unwrap().len(), 1);
    assert_eq!(short[0]["diff"], "@@ -7 +7 @@\n-  replicas: 1\n+  replicas: 3\n");
    assert_eq!(ok(&kc, &["diff", "upgrade", "web", &c, "-n", &ns, "--set", "extra=true", "-o", "json"]), "[]\n");
}

//! End-to-end: `kubectl release` against a real kube-apiserver started by `tests/cluster`, and side by side
//! with the reference Helm when it is there (`HELM`, else /root/.cache/reference-helm/v4.1.4/helm).
//!
//! Skips (passing, with a message on stderr) when the cluster binaries cannot be had (`tests/cluster`
//! exits 3) or when `KUBEHELM_E2E=0`. The cluster is left running for the next test binary; stop it with
//! `tests/cluster down` (tests/run-all does).

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use base64::Engine as _;

#[test]
fn install_inspect_upgrade_rollback_uninstall() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("life");
    let out = ok(&kc, &["install", "web", &chart("release-basic"), "-n", &ns, "--create-namespace", "--set", "greeting=hi"]);
    assert!(out.starts_with("NAME: web\nLAST DEPLOYED: "), "{out}");
    assert!(out.contains("STATUS: deployed\nREVISION: 1\nDESCRIPTION: Install complete\n"), "{out}");
    assert!(out.ends_with("NOTES:\nweb is installed in ".to_string().as_str()) || out.contains("NOTES:\nweb is installed in"), "{out}");

    let c = client(&kc, &ns);
    // the objects, with Helm's ownership metadata
    for (av, kind, name) in [("v1", "ConfigMap", "web-config"), ("v1", "Service", "web-svc"), ("apps/v1", "Deployment", "web-web"),
        ("e2e.kubehelm.dev/v1", "Widget", "web-widget")]
    {
        let o = get(&c, av, kind, name, &ns).unwrap_or_else(|| panic!("{kind} {name} was not created"));
        assert_eq!(o["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm", "{kind} {name}");
        assert_eq!(o["metadata"]["annotations"]["meta.helm.sh/release-name"], "web");
        assert_eq!(o["metadata"]["annotations"]["meta.helm.sh/release-namespace"], ns.as_str());
        let managers: Vec<&str> = o["metadata"]["managedFields"].as_array().into_iter().flatten().filter_map(|m| m["manager"].as_str()).collect();
        assert!(managers.contains(&"helm"), "{kind} {name}: field managers {managers:?}");
    }
    assert_eq!(get(&c, "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"], "hi");
    // the pre-install hook ran; the post-install hook (hook-succeeded) is gone again
    assert!(get(&c, "v1", "ConfigMap", "web-pre", &ns).is_some());
    assert!(get(&c, "v1", "ConfigMap", "web-post", &ns).is_none());

    // the storage Secret, exactly as Helm writes it
    let s = get(&c, "v1", "Secret", "sh.helm.release.v1.web.v1", &ns).expect("release secret");
    assert_eq!(s["type"], "helm.sh/release.v1");
    for (k, v) in [("name", "web"), ("owner", "helm"), ("status", "deployed"), ("version", "1")] {
        assert_eq!(s["metadata"]["labels"][k], v, "label {k}");
    }
    let once = base64::engine::general_purpose::STANDARD.decode(s["data"]["release"].as_str().unwrap()).unwrap();
    let gz = base64::engine::general_purpose::STANDARD.decode(&once).unwrap();
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 0x08], "payload is gzip inside base64");
    let rel = kubehelm::release::record::decode(std::str::from_utf8(&once).unwrap()).unwrap();
    assert_eq!((rel.name.as_str(), rel.version, rel.namespace.as_str()), ("web", 1, ns.as_str()));
    assert_eq!(rel.apply_method, "ssa");
    assert_eq!(rel.config["greeting"], "hi");
    assert!(rel.manifest.starts_with("---\n# Source: release-basic/templates/configmap.yaml\n"), "{}", rel.manifest);

    assert_eq!(ok(&kc, &["get", "values", "web", "-n", &ns]), "USER-SUPPLIED VALUES:\ngreeting: hi\n");
    assert!(ok(&kc, &["get", "values", "web", "-n", &ns, "--all"]).contains("replicas: 1\n"));
    assert_eq!(ok(&kc, &["get", "manifest", "web", "-n", &ns]), format!("{}\n", rel.manifest));
    assert!(ok(&kc, &["get", "notes", "web", "-n", &ns]).starts_with("NOTES:\nweb is installed in"));
    assert!(ok(&kc, &["get", "hooks", "web", "-n", &ns]).contains("# Source: release-basic/templates/hooks.yaml\n"));
    let list = ok(&kc, &["list", "-n", &ns]);
    assert!(list.starts_with("NAME\tNAMESPACE"), "{list}");
    assert!(list.contains("deployed\trelease-basic-0.3.1\t2.0"), "{list}");
    let js: Value = serde_json::from_str(&ok(&kc, &["list", "-n", &ns, "-o", "json"])).unwrap();
    assert_eq!(js[0]["name"], "web");

    // a second install under the same name is refused
    let again = kr(&kc, &["install", "web", &chart("release-basic"), "-n", &ns]);
    assert_eq!(again.code, 1);
    assert_eq!(again.stderr, "Error: INSTALLATION FAILED: cannot reuse a name that is still in use\n");

    // upgrade: new values, revision 2; the old revision is superseded
    ok(&kc, &["upgrade", "web", &chart("release-basic"), "-n", &ns, "--set", "greeting=again", "--set", "widget.size=large"]);
    assert_eq!(get(&c, "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"], "again");
    assert_eq!(get(&c, "e2e.kubehelm.dev/v1", "Widget", "web-widget", &ns).unwrap()["spec"]["size"], "large");
    let hist = ok(&kc, &["history", "web", "-n", &ns]);
    assert!(hist.contains("superseded") && hist.contains("Upgrade complete"), "{hist}");

    // rollback to 1: revision 3 with revision 1's values
    ok(&kc, &["rollback", "web", "1", "-n", &ns]);
    assert_eq!(get(&c, "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"], "hi");
    let st = ok(&kc, &["status", "web", "-n", &ns]);
    assert!(st.contains("REVISION: 3\nDESCRIPTION: Rollback to 1\n"), "{st}");

    // uninstall: objects and history gone (hooks stay, as in Helm)
    assert_eq!(ok(&kc, &["uninstall", "web", "-n", &ns]), "release \"web\" uninstalled\n");
    for (av, kind, name) in [("v1", "ConfigMap", "web-config"), ("v1", "Service", "web-svc"), ("e2e.kubehelm.dev/v1", "Widget", "web-widget")] {
        assert!(get(&c, av, kind, name, &ns).is_none(), "{kind} {name} survived uninstall");
    }
    assert!(get(&c, "v1", "Secret", "sh.helm.release.v1.web.v1", &ns).is_none());
    let gone = kr(&kc, &["status", "web", "-n", &ns]);
    assert_eq!((gone.code, gone.stderr.as_str()), (1, "Error: release: not found\n"));
}

#[test]
fn keep_history_and_configmap_driver() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("keep");
    let env = [("HELM_DRIVER", "configmap")];
    let r = run(&ours(), &kc, &["install", "kept", &chart("release-basic"), "-n", &ns, "--create-namespace", "--description", "first"], &env, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = client(&kc, &ns);
    let cm = get(&c, "v1", "ConfigMap", "sh.helm.release.v1.kept.v1", &ns).expect("configmap driver object");
    assert_eq!(cm["metadata"]["labels"]["owner"], "helm");
    assert!(get(&c, "v1", "Secret", "sh.helm.release.v1.kept.v1", &ns).is_none());
    let r = run(&ours(), &kc, &["uninstall", "kept", "-n", &ns, "--keep-history"], &env, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&ours(), &kc, &["history", "kept", "-n", &ns], &env, None);
    assert!(r.stdout.contains("uninstalled") && r.stdout.contains("Uninstallation complete"), "{}", r.stdout);
    let r = run(&ours(), &kc, &["list", "-n", &ns, "--uninstalled", "-q"], &env, None);
    assert_eq!(r.stdout, "kept\n");
}

#[test]
fn failures_are_recorded_as_helm_records_them() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("fail");
    // a template error stores nothing
    let r = kr(&kc, &["install", "broken", &chart("release-broken"), "-n", &ns, "--create-namespace"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("Error: INSTALLATION FAILED: execution error at (release-broken/templates/cm.yaml"), "{}", r.stderr);
    assert!(r.stderr.contains("set needed to install this chart"), "{}", r.stderr);
    assert!(ok(&kc, &["list", "-n", &ns, "-q"]).is_empty());
    // an object the server rejects records a failed revision with the server's message
    let r = kr(&kc, &["install", "bad", &chart("release-invalid"), "-n", &ns, "--create-namespace"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("Error: INSTALLATION FAILED: Service \"bad-svc\" is invalid: "), "{}", r.stderr);
    let hist = ok(&kc, &["history", "bad", "-n", &ns]);
    assert!(hist.contains("\tfailed\t") && hist.contains("Release \"bad\" failed: Service \"bad-svc\" is invalid"), "{hist}");
    // an object owned by someone else is not adopted
    let c = client(&kc, &ns);
    c.apply(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "taken-config"}}), &ns, false).unwrap();
    let r = kr(&kc, &["install", "taken", &chart("release-basic"), "-n", &ns]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("ConfigMap \"taken-config\" in namespace") && r.stderr.contains("exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\""),
        "{}",
        r.stderr
    );
}

#[test]
fn dry_run_and_chart_from_stdin() {
    // --dry-run needs no cluster at all
    let missing = Path::new("/nonexistent/kubeconfig");
    let r = run(&ours(), missing, &["install", "dry", &chart("release-basic"), "--dry-run"], &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("DESCRIPTION: Dry run complete\n") && r.stdout.contains("MANIFEST:\n---\n# Source: release-basic/templates/configmap.yaml"), "{}", r.stdout);
    // a ChartArchive document on stdin, no release name: the chart's name is used
    let tgz = {
        let c = kubehelm::chart::load(Path::new(&chart("release-basic"))).unwrap();
        kubehelm::chart::save::save_archive(&c, &Default::default()).unwrap()
    };
    let doc = kubehelm::stream::encode(&kubehelm::stream::ChartArchive::new("release-basic", "0.3.1", tgz));
    let r = run(&ours(), missing, &["install", "--dry-run", "-o", "json"], &[], Some(doc.as_bytes()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rel: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rel["name"], "release-basic");
    assert_eq!(rel["info"]["description"], "Dry run complete");
}

#[test]
fn hooks_wait_for_jobs() {
    let Some(kc) = kubeconfig(true) else { return };
    let ns = namespace("hooks");
    let out = ok(&kc, &["install", "h", &chart("release-hooks"), "-n", &ns, "--create-namespace", "-o", "json", "--timeout", "2m"]);
    let rel: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rel["info"]["status"], "deployed");
    let hooks = rel["hooks"].as_array().unwrap();
    let job = hooks.iter().find(|h| h["kind"] == "Job").unwrap();
    assert_eq!(job["last_run"]["phase"], "Succeeded", "{job}");
    let c = client(&kc, &ns);
    assert!(get(&c, "batch/v1", "Job", "h-migrate", &ns).is_none(), "hook-succeeded deletes the Job");
    assert!(get(&c, "v1", "ConfigMap", "h-after-migrate", &ns).is_some());
}

#[test]
fn interop_with_reference_helm() {
    let Some(kc) = kubeconfig(false) else { return };
    let Some(helm) = reference_helm() else { return };
    let ns = namespace("interop");
    // we install: Helm lists it and reads the same manifest and values
    ok(&kc, &["install", "ours", &chart("release-basic"), "-n", &ns, "--create-namespace", "--set", "greeting=from-us"]);
    let hl = helm_ok(&helm, &kc, &["list", "-n", &ns], &[]);
    assert!(hl.contains("ours\t") && hl.contains("deployed\trelease-basic-0.3.1"), "{hl}");
    for args in [
        vec!["get", "manifest", "ours", "-n", &ns],
        vec!["get", "values", "ours", "-n", &ns],
        vec!["get", "values", "ours", "-n", &ns, "--all", "-o", "json"],
        vec!["get", "notes", "ours", "-n", &ns],
        vec!["get", "hooks", "ours", "-n", &ns],
        vec!["get", "metadata", "ours", "-n", &ns, "-o", "json"],
        vec!["list", "-n", &ns],
        vec!["history", "ours", "-n", &ns],
    ] {
        assert_eq!(ok(&kc, &args), helm_ok(&helm, &kc, &args, &[]), "ours vs helm: {args:?}");
    }
    // Helm installs: we list, status and get it exactly as Helm prints it
    helm_ok(&helm, &kc, &["install", "theirs", &chart("release-basic"), "-n", &ns, "--set", "greeting=from-helm"], &[]);
    for args in [
        vec!["list", "-n", &ns],
        vec!["list", "-n", &ns, "-o", "json"],
        vec!["get", "values", "theirs", "-n", &ns],
        vec!["get", "manifest", "theirs", "-n", &ns],
        vec!["get", "all", "theirs", "-n", &ns],
        vec!["get", "metadata", "theirs", "-n", &ns],
        vec!["history", "theirs", "-n", &ns, "-o", "yaml"],
    ] {
        assert_eq!(ok(&kc, &args), helm_ok(&helm, &kc, &args, &[]), "ours vs helm: {args:?}");
    }
    let st = ok(&kc, &["status", "theirs", "-n", &ns]);
    assert!(st.starts_with("NAME: theirs\n") && st.contains("STATUS: deployed\n"), "{st}");
    // we upgrade Helm's release, Helm upgrades ours; both read the result
    ok(&kc, &["upgrade", "theirs", &chart("release-basic"), "-n", &ns, "--set", "greeting=upgraded-by-us"]);
    let hv = helm_ok(&helm, &kc, &["get", "values", "theirs", "-n", &ns], &[]);
    assert_eq!(hv, "USER-SUPPLIED VALUES:\ngreeting: upgraded-by-us\n");
    helm_ok(&helm, &kc, &["upgrade", "ours", &chart("release-basic"), "-n", &ns, "--set", "greeting=upgraded-by-helm"], &[]);
    assert_eq!(ok(&kc, &["get", "values", "ours", "-n", &ns]), "USER-SUPPLIED VALUES:\ngreeting: upgraded-by-helm\n");
    let args = ["history", "ours", "-n", &ns];
    assert_eq!(ok(&kc, &args), helm_ok(&helm, &kc, &args, &[]));
    // we roll back Helm's release, Helm rolls back ours; both read the result
    ok(&kc, &["rollback", "theirs", "1", "-n", &ns]);
    let hv = helm_ok(&helm, &kc, &["get", "values", "theirs", "-n", &ns], &[]);
    assert_eq!(hv, "USER-SUPPLIED VALUES:\ngreeting: from-helm\n");
    helm_ok(&helm, &kc, &["rollback", "ours", "1", "-n", &ns], &[]);
    assert_eq!(ok(&kc, &["get", "values", "ours", "-n", &ns]), "USER-SUPPLIED VALUES:\ngreeting: from-us\n");
    for rel in ["ours", "theirs"] {
        let args = ["history", rel, "-n", &ns];
        assert_eq!(ok(&kc, &args), helm_ok(&helm, &kc, &args, &[]), "history of {rel}");
        let args = ["get", "manifest", rel, "-n", &ns];
        assert_eq!(ok(&kc, &args), helm_ok(&helm, &kc, &args, &[]), "manifest of {rel}");
    }
    let c = client(&kc, &ns);
    assert_eq!(get(&c, "v1", "ConfigMap", "theirs-config", &ns).unwrap()["data"]["greeting"], "from-helm");
    // a chart with dependencies (imports, globals, null overrides): Helm computes the same values from
    // what we stored, and both record the server's rejection (if any) the same way
    let ours_u = kr(&kc, &["install", "uo", &chart("umbrella"), "-n", &ns]);
    let helm_u = run(&helm, &kc, &["install", "uh", &chart("umbrella"), "-n", &ns], &[], None);
    assert_eq!(ours_u.code, helm_u.code, "ours:\n{}\nhelm:\n{}", ours_u.stderr, helm_u.stderr);
    let all = |rel: &str| helm_ok(&helm, &kc, &["get", "values", rel, "-n", &ns, "--all", "-o", "json"], &[]);
    assert_eq!(all("uo"), all("uh"));
    let meta = |rel: &str| {
        let mut v: Value = serde_json::from_str(&ok(&kc, &["get", "metadata", rel, "-n", &ns, "-o", "json"]).replace(rel, "REL")).unwrap();
        let m = v.as_object_mut().unwrap();
        m.remove("deployedAt");
        m.get_mut("labels").and_then(Value::as_object_mut).map(|l| l.remove("modifiedAt"));
        v
    };
    assert_eq!(meta("uo"), meta("uh"));
    // Helm uninstalls ours, we uninstall Helm's
    helm_ok(&helm, &kc, &["uninstall", "ours", "uo", "-n", &ns], &[]);
    ok(&kc, &["uninstall", "theirs", "uh", "-n", &ns]);
    assert_eq!(helm_ok(&helm, &kc, &["list", "-n", &ns, "-q"], &[]), "");
    // nothing is left behind: no release storage, no object the releases owned
    assert!(c.list("v1", "Secret", &ns, "owner=helm").unwrap().is_empty(), "release storage left");
    for (api, kind) in [("v1", "ConfigMap"), ("v1", "Service"), ("apps/v1", "Deployment")] {
        let left = c.list(api, kind, &ns, "app.kubernetes.io/managed-by=Helm").unwrap();
        assert!(left.is_empty(), "{kind} left behind: {left:?}");
    }
}

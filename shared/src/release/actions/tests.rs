//! The operations against the memory driver and a recording cluster: values and label rules, leases,
//! conflicts, failure handling.

use super::*;
use crate::render::manifest::INSTALL_ORDER;

#[test]
fn release_names() {
    assert!(validate_release_name("web-1.a").is_ok());
    let e = validate_release_name("Bad_Name").unwrap_err().message;
    assert!(e.starts_with("release name \"Bad_Name\": invalid release name, must match regex"), "{e}");
    assert!(validate_release_name(&"a".repeat(54)).is_err());
}

#[test]
fn ownership_messages_match_helm() {
    let live = serde_json::json!({"metadata": {"labels": {MANAGED_BY_LABEL: "Helm"},
        "annotations": {RELEASE_NAME_ANNOTATION: "other"}}});
    let e = check_ownership(&live, "web", "ns").unwrap_err();
    assert_eq!(
        e,
        "invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"web\": current value is \"other\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"ns\""
    );
}

use crate::release::cluster::MemoryCluster;
use crate::release::storage::Memory;

fn test_chart(name: &str) -> Chart {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/charts").join(name);
    crate::chart::load(&dir).expect("test chart loads")
}

fn opts(name: &str) -> InstallOptions {
    InstallOptions { name: name.into(), namespace: "ns".into(), ..Default::default() }
}

fn values(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[test]
fn install_runs_crds_hooks_and_kinds_in_helms_order() {
    let c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    let rel = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("web")).unwrap();
    assert_eq!((rel.info.status.as_str(), rel.info.description.as_str()), ("deployed", "Install complete"));
    let log = c.log();
    let pos = |what: &str| log.iter().position(|l| l == what).unwrap_or_else(|| panic!("{what} not in {log:?}"));
    assert!(pos("create CustomResourceDefinition//widgets.e2e.kubehelm.dev") < pos("apply ConfigMap/ns/web-pre"));
    assert!(pos("apply ConfigMap/ns/web-pre") < pos("apply ConfigMap/ns/web-config"));
    assert!(pos("apply ConfigMap/ns/web-config") < pos("apply Service/ns/web-svc"));
    assert!(pos("apply Service/ns/web-svc") < pos("apply Deployment/ns/web-web"));
    // the CRD was established before rendering: the Widget template saw its kind
    assert!(pos("apply Deployment/ns/web-web") < pos("apply Widget/ns/web-widget"));
    assert!(pos("apply Widget/ns/web-widget") < pos("apply ConfigMap/ns/web-post"));
    assert!(pos("apply ConfigMap/ns/web-post") < pos("delete ConfigMap/ns/web-post"), "hook-succeeded deletes");
    let cm = c.get("v1", "ConfigMap", "web-config", "ns").unwrap().unwrap();
    assert_eq!(cm["metadata"]["labels"][MANAGED_BY_LABEL], "Helm");
    assert_eq!(cm["metadata"]["annotations"][RELEASE_NAMESPACE_ANNOTATION], "ns");
    let hook = c.get("v1", "ConfigMap", "web-pre", "ns").unwrap().unwrap();
    assert!(hook["metadata"].get("labels").is_none(), "hooks get no ownership metadata");
    let stored = st.last("web").unwrap();
    assert_eq!(stored.version, 1);
    assert!(stored.hooks.iter().all(|h| h.last_run.phase == "Succeeded"), "{:?}", stored.hooks);
    // the name is taken now
    let again = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("web")).unwrap_err();
    assert_eq!(again.message, "cannot reuse a name that is still in use");
}

#[test]
fn template_errors_store_nothing_and_apply_errors_record_a_failed_revision() {
    let mut c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    let e = install(Some(&c), &st, test_chart("release-broken"), &Map::new(), &opts("b")).unwrap_err();
    assert!(e.message.contains("set needed to install this chart"), "{}", e.message);
    assert!(st.history_entries("b").unwrap().is_empty());

    c.reject.insert("x-svc".into(), "Service \"x-svc\" is invalid: nope".into());
    c.reject.insert("x-web".into(), "Deployment.apps \"x-web\" is invalid: no".into());
    let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("x")).unwrap_err();
    assert_eq!(e.message, "Service \"x-svc\" is invalid: nope\nDeployment.apps \"x-web\" is invalid: no");
    let rel = st.last("x").unwrap();
    assert_eq!(rel.info.status, "failed");
    assert_eq!(rel.info.description, format!("Release \"x\" failed: {}", e.message));
    // --replace reuses a failed name
    c.reject.clear();
    let o = InstallOptions { replace: true, ..opts("x") };
    let rel = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).unwrap();
    assert_eq!(rel.version, 2);
    assert_eq!(st.get("x", 1).unwrap().info.status, "superseded");
}

#[test]
fn foreign_objects_are_not_adopted() {
    let c = MemoryCluster::new();
    c.apply(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "t-config"}}), "ns", false).unwrap();
    let st = Storage::new(Box::new(Memory::new("ns")));
    let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("t")).unwrap_err();
    assert_eq!(
        e.message,
        "unable to continue with install: ConfigMap \"t-config\" in namespace \"ns\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"t\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"ns\""
    );
    assert!(st.history_entries("t").unwrap().is_empty());
    let o = InstallOptions { take_ownership: true, ..opts("t") };
    assert!(install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).is_ok());
}

#[test]
fn upgrade_rollback_uninstall() {
    let c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    install(Some(&c), &st, test_chart("release-basic"), &values(&[("greeting", "one".into())]), &opts("u")).unwrap();
    let up = UpgradeOptions { namespace: "ns".into(), timeout: Duration::from_secs(1), max_history: 10, ..Default::default() };
    // no values given: the previous ones are reused
    let r2 = upgrade(&c, &st, "u", test_chart("release-basic"), &Map::new(), &up).unwrap();
    assert_eq!((r2.version, r2.config["greeting"].as_str()), (2, Some("one")));
    let r3 = upgrade(&c, &st, "u", test_chart("release-basic"), &values(&[("greeting", "two".into())]), &up).unwrap();
    assert_eq!(r3.info.description, "Upgrade complete");
    assert_eq!(c.get("v1", "ConfigMap", "u-config", "ns").unwrap().unwrap()["data"]["greeting"], "two");
    let r1 = st.get("u", 1).unwrap();
    assert_eq!((r1.info.status.as_str(), r1.info.description.as_str()), ("superseded", "Install complete"));
    let r4 = rollback(&c, &st, "u", &RollbackOptions { timeout: Duration::from_secs(1), ..Default::default() }).unwrap();
    assert_eq!((r4.version, r4.info.description.as_str()), (4, "Rollback to 2"));
    assert_eq!(c.get("v1", "ConfigMap", "u-config", "ns").unwrap().unwrap()["data"]["greeting"], "one");
    assert_eq!(st.get("u", 3).unwrap().info.status, "superseded");

    let keep = UninstallOptions { keep_history: true, timeout: Duration::from_secs(1), ..Default::default() };
    let report = uninstall(&c, &st, "u", &keep).unwrap();
    assert_eq!(report.release.info.status, "uninstalled");
    let deletes: Vec<String> = c.log().into_iter().filter(|l| l.starts_with("delete ") && !l.contains("-post")).collect();
    assert_eq!(
        deletes[deletes.len() - 4..],
        // kinds Helm does not know come last in either order
        ["delete Deployment/ns/u-web", "delete Service/ns/u-svc", "delete ConfigMap/ns/u-config", "delete Widget/ns/u-widget"]
    );
    assert_eq!(list(&st, &ListOptions { statuses: vec!["uninstalled".into()], ..Default::default() }).unwrap().len(), 1);
    let e = uninstall(&c, &st, "u", &keep).unwrap_err();
    assert_eq!(e.message, "the release named \"u\" is already deleted");
    uninstall(&c, &st, "u", &UninstallOptions::default()).unwrap();
    assert!(st.history_entries("u").unwrap().is_empty());
}

#[test]
fn a_pending_revision_blocks_until_its_lease_expires_then_is_taken_over() {
    let c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("p")).unwrap();
    // a client that died while upgrading to revision 2
    let mut dead = st.last("p").unwrap();
    dead.version = 2;
    dead.set_status(record::STATUS_PENDING_UPGRADE, "Preparing upgrade");
    dead.lease = Some(record::Lease { holder: "gone/1".into(), expires: record::now_unix() + 600 });
    st.create(&dead).unwrap();
    let up = UpgradeOptions { namespace: "ns".into(), timeout: Duration::from_secs(1), ..Default::default() };
    let e = upgrade(&c, &st, "p", test_chart("release-basic"), &Map::new(), &up).unwrap_err();
    assert!(e.message.starts_with("another operation (install/upgrade/rollback) is in progress: revision 2 of \"p\" is pending-upgrade, worked on by gone/1 until"), "{}", e.message);
    assert!(e.message.contains("kubectl release recover p --force"), "{}", e.message);
    let e = recover(&st, "p", false).unwrap_err();
    assert!(e.message.contains("pass --force"), "{}", e.message);
    // once the lease has run out, the next upgrade takes over
    dead.lease = Some(record::Lease { holder: "gone/1".into(), expires: record::now_unix() - 1 });
    st.update(&dead).unwrap();
    let r3 = upgrade(&c, &st, "p", test_chart("release-basic"), &Map::new(), &up).unwrap();
    assert_eq!(r3.version, 3);
    let r2 = st.get("p", 2).unwrap();
    assert_eq!(r2.info.status, "failed");
    assert!(r2.info.description.starts_with("Interrupted: revision 2 of \"p\" was left pending-upgrade by gone/1"), "{}", r2.info.description);
    let revs: Vec<i64> = st.history_entries("p").unwrap().iter().map(|e| e.revision).collect();
    assert_eq!(revs, [1, 2, 3]);
    // a pending revision without a lease (Helm's) needs recover
    let mut helms = st.last("p").unwrap();
    helms.version = 4;
    helms.lease = None;
    helms.set_status(record::STATUS_PENDING_ROLLBACK, "Rollback to 1");
    st.create(&helms).unwrap();
    let e = rollback(&c, &st, "p", &RollbackOptions::default()).unwrap_err();
    assert!(e.message.contains("carries no lease") && e.message.contains("kubectl release recover p"), "{}", e.message);
    let fixed = recover(&st, "p", false).unwrap();
    assert_eq!((fixed.version, fixed.info.status.as_str()), (4, "failed"));
    assert!(recover(&st, "p", false).unwrap_err().message.contains("needs no recovery"));
    assert_eq!(rollback(&c, &st, "p", &RollbackOptions { revision: 1, ..Default::default() }).unwrap().version, 5);
}

#[test]
fn a_revision_created_by_someone_else_first_is_a_conflict() {
    let st = Storage::new(Box::new(Memory::new("ns")));
    let mut rel = Release { name: "c".into(), version: 2, namespace: "ns".into(), ..Default::default() };
    rel.set_status(record::STATUS_PENDING_UPGRADE, "Preparing upgrade");
    create_revision(&st, &rel).unwrap();
    let e = create_revision(&st, &rel).unwrap_err();
    assert_eq!(
        e.message,
        "another operation (install/upgrade/rollback) is in progress: revision 2 of \"c\" was just created by another client; nothing was changed"
    );
}

#[test]
fn rollback_on_failure_uninstalls_a_failed_install_and_rolls_back_a_failed_upgrade() {
    let mut c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    c.reject.insert("a-svc".into(), "Service \"a-svc\" is invalid: nope".into());
    let o = InstallOptions { rollback_on_failure: true, wait: WaitStrategy::HookOnly, ..opts("a") };
    let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).unwrap_err();
    assert_eq!(e.message, "release a failed, and has been uninstalled due to rollback-on-failure being set: Service \"a-svc\" is invalid: nope");
    assert!(st.history_entries("a").unwrap().is_empty());
    assert!(c.get("v1", "ConfigMap", "a-config", "ns").unwrap().is_none(), "what was applied is gone again");

    c.reject.clear();
    install(Some(&c), &st, test_chart("release-basic"), &values(&[("greeting", "one".into())]), &opts("a")).unwrap();
    c.reject.insert("a-svc".into(), "Service \"a-svc\" is invalid: nope".into());
    let up = UpgradeOptions { namespace: "ns".into(), rollback_on_failure: true, timeout: Duration::from_secs(1), ..Default::default() };
    // the rollback's apply fails too: the memory cluster still rejects the Service
    let e = upgrade(&c, &st, "a", test_chart("release-basic"), &values(&[("greeting", "two".into())]), &up).unwrap_err();
    assert!(e.message.starts_with("an error occurred while rolling back the release. original upgrade error: Service"), "{}", e.message);
    let statuses: Vec<String> = st.history("a").unwrap().into_iter().map(|r| r.info.status).collect();
    assert_eq!(statuses, ["deployed", "failed", "failed"]);
}

#[test]
fn cleanup_on_fail_deletes_only_what_the_upgrade_created() {
    let mut c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &InstallOptions { no_hooks: true, ..opts("k") }).unwrap();
    c.apply(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "k-config"}}), "ns", false).unwrap();
    // pretend the Deployment is new in this upgrade
    c.delete("apps/v1", "Deployment", "k-web", "ns").unwrap();
    c.reject.insert("k-widget".into(), "Widget \"k-widget\" is invalid".into());
    let up = UpgradeOptions { namespace: "ns".into(), cleanup_on_fail: true, no_hooks: true, ..Default::default() };
    let e = upgrade(&c, &st, "k", test_chart("release-basic"), &Map::new(), &up).unwrap_err();
    assert_eq!(e.message, "Widget \"k-widget\" is invalid");
    assert!(c.get("apps/v1", "Deployment", "k-web", "ns").unwrap().is_none(), "created by the upgrade: deleted");
    assert!(c.get("v1", "ConfigMap", "k-config", "ns").unwrap().is_some(), "existed before: kept");
}

#[test]
fn upgrade_values_and_labels_follow_helms_rules() {
    let c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    let o = InstallOptions { labels: BTreeMap::from([("team".into(), "a".into()), ("tier".into(), "web".into())]), ..opts("v") };
    install(Some(&c), &st, test_chart("release-basic"), &values(&[("greeting", "one".into())]), &o).unwrap();
    let up = UpgradeOptions {
        namespace: "ns".into(),
        reset_then_reuse_values: true,
        labels: BTreeMap::from([("tier".into(), "null".into()), ("env".into(), "prod".into())]),
        ..Default::default()
    };
    let r = upgrade(&c, &st, "v", test_chart("release-basic"), &values(&[("replicas", 3.into())]), &up).unwrap();
    assert_eq!((r.config["greeting"].as_str(), r.config["replicas"].as_i64()), (Some("one"), Some(3)));
    let stored = st.last("v").unwrap();
    assert_eq!(crate::release::storage::user_labels(&stored.labels), BTreeMap::from([("env".into(), "prod".into()), ("team".into(), "a".into())]));
    let reset = UpgradeOptions { namespace: "ns".into(), reset_values: true, ..Default::default() };
    let r = upgrade(&c, &st, "v", test_chart("release-basic"), &values(&[("replicas", 2.into())]), &reset).unwrap();
    assert!(r.config.get("greeting").is_none());
}

#[test]
fn wait_reports_what_is_not_ready_in_helms_words() {
    let c = MemoryCluster::new();
    let st = Storage::new(Box::new(Memory::new("ns")));
    let o = InstallOptions { wait: WaitStrategy::Watcher, timeout: Duration::from_millis(600), no_hooks: true, ..opts("w") };
    let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).unwrap_err();
    // the memory cluster runs no controllers: the Deployment never gets replicas
    assert_eq!(e.message, "resource Deployment/ns/w-web not ready. status: InProgress, message: Replicas: 0/1\ncontext deadline exceeded");
    assert_eq!(st.last("w").unwrap().info.status, "failed");
}

#[test]
fn dry_run_touches_nothing() {
    let st = Storage::new(Box::new(Memory::new("ns")));
    let o = InstallOptions { dry_run: DryRun::Client, ..opts("d") };
    let rel = install(None, &st, test_chart("release-basic"), &Map::new(), &o).unwrap();
    assert_eq!(rel.info.description, "Dry run complete");
    assert!(rel.manifest.contains("# Source: release-basic/templates/deployment.yaml"));
    assert!(st.history_entries("d").unwrap().is_empty());
}

#[test]
fn uninstall_order_reverses_kinds() {
    let m = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n# Source: c/templates/b.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let kinds: Vec<String> = sorted_objects(m, &crate::render::manifest::uninstall_order()).unwrap().into_iter().map(|o| o.kind).collect();
    assert_eq!(kinds, ["Deployment", "Service", "ConfigMap"]);
    let kinds: Vec<String> = sorted_objects(m, INSTALL_ORDER).unwrap().into_iter().map(|o| o.kind).collect();
    assert_eq!(kinds, ["ConfigMap", "Service", "Deployment"]);
}

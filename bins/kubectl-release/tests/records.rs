//! Release storage records that are broken, hand-edited or hostile, on the real API server: `list`
//! skips what does not decode (naming it), a record without its `version` label is still found (Helm
//! reads the revision from the payload), a record that inflates past the bound is refused by name,
//! and a `kind: List` template installs its items.

mod common;

use std::io::Write;

use base64::Engine as _;
use common::*;
use serde_json::json;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A Secret as Helm's driver writes it, with the given labels and `release` payload (already base64 of
/// the driver's own base64 text, as the Secret's data holds it).
fn record_secret(name: &str, labels: serde_json::Value, payload: &str) -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": name, "labels": labels},
        "data": {"release": b64(payload.as_bytes())},
    })
}

#[test]
fn list_skips_a_record_that_does_not_decode_and_names_it() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("badrec");
    ok(&kc, &["install", "good", &chart("release-list"), "-n", &ns, "--create-namespace"]);
    let c = client(&kc, &ns);
    let labels = json!({"owner": "helm", "name": "garbage", "version": "1", "status": "deployed"});
    c.create(&record_secret("sh.helm.release.v1.garbage.v1", labels, "bm90IGd6aXAgYW5kIG5vdCBqc29u"), &ns).unwrap();
    let r = kr(&kc, &["list", "-n", &ns, "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "good\n");
    assert!(r.stderr.contains(&format!("skipping release record {ns}/sh.helm.release.v1.garbage.v1")), "{}", r.stderr);
    // the whole cluster too
    let r = kr(&kc, &["list", "-A", "-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.lines().any(|l| l == "good"), "{}", r.stdout);
}

#[test]
fn a_record_without_its_version_label_is_still_a_revision() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("nover");
    ok(&kc, &["install", "nolabel", &chart("release-list"), "-n", &ns, "--create-namespace"]);
    let c = client(&kc, &ns);
    let key = "sh.helm.release.v1.nolabel.v1";
    let mut secret = get(&c, "v1", "Secret", key, &ns).expect("the release's record");
    secret["metadata"]["labels"].as_object_mut().unwrap().remove("version");
    c.replace(&secret, &ns).unwrap();
    let hist = ok(&kc, &["history", "nolabel", "-n", &ns]);
    assert!(hist.lines().nth(1).is_some_and(|l| l.starts_with('1') && l.contains("deployed")), "{hist}");
    assert!(ok(&kc, &["status", "nolabel", "-n", &ns]).contains("REVISION: 1"));
    assert!(ok(&kc, &["get", "manifest", "nolabel", "-n", &ns]).contains("nolabel-one"));
    assert_eq!(ok(&kc, &["list", "-n", &ns, "-q"]), "nolabel\n");
    // and the next upgrade is revision 2
    ok(&kc, &["upgrade", "nolabel", &chart("release-list"), "-n", &ns]);
    assert!(ok(&kc, &["status", "nolabel", "-n", &ns]).contains("REVISION: 2"));
}

#[test]
fn a_record_that_inflates_without_bound_is_refused_by_name() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("bomb");
    ok(&kc, &["install", "small", &chart("release-list"), "-n", &ns, "--create-namespace"]);
    // 40 MiB of spaces inside a JSON object gzip to ~40 KiB; the bound is lowered to 16 MiB so the test
    // stays light (the default, 256 MiB, is the same code path)
    let mut gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
    gz.write_all(b"{\"name\":\"bomb\",\"version\":1,\"info\":{\"status\":\"deployed\"},").unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..40 {
        gz.write_all(&spaces).unwrap();
    }
    gz.write_all(b"}").unwrap();
    let inner = b64(&gz.finish().unwrap());
    assert!(inner.len() < 1 << 20, "the bomb fits a Secret");
    let labels = json!({"owner": "helm", "name": "bomb", "version": "1", "status": "deployed"});
    let c = client(&kc, &ns);
    c.create(&record_secret("sh.helm.release.v1.bomb.v1", labels, &inner), &ns).unwrap();
    let started = std::time::Instant::now();
    let bound = [("KUBECTL_RELEASE_MAX_RECORD_MIB", "16")];
    let r = run(&ours(), &kc, &["status", "bomb", "-n", &ns], &bound, None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("sh.helm.release.v1.bomb.v1") && r.stderr.contains("inflates to more than 16 MiB"), "{}", r.stderr);
    // list names it and lists the rest
    let r = run(&ours(), &kc, &["list", "-n", &ns, "-q"], &bound, None);
    assert_eq!((r.code, r.stdout.as_str()), (0, "small\n"), "{}", r.stderr);
    assert!(r.stderr.contains("sh.helm.release.v1.bomb.v1"), "{}", r.stderr);
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn a_kind_list_template_installs_its_items() {
    let Some(kc) = kubeconfig(false) else { return };
    let ns = namespace("kindlist");
    ok(&kc, &["install", "items", &chart("release-list"), "-n", &ns, "--create-namespace"]);
    let c = client(&kc, &ns);
    for name in ["items-one", "items-two"] {
        let cm = get(&c, "v1", "ConfigMap", name, &ns).unwrap_or_else(|| panic!("{name} installed"));
        assert_eq!(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
        assert_eq!(cm["metadata"]["annotations"]["meta.helm.sh/release-name"], "items");
    }
    ok(&kc, &["uninstall", "items", "-n", &ns]);
    assert!(get(&c, "v1", "ConfigMap", "items-one", &ns).is_none());
    assert!(get(&c, "v1", "ConfigMap", "items-two", &ns).is_none());
}

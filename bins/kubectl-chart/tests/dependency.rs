//! `kubectl chart dependency list|update|build` end to end, against real servers on 127.0.0.1: a small
//! HTTP chart repository served from a thread of this test (optionally behind basic auth), and a real
//! OCI registry (Debian's `docker-registry`, CNCF Distribution; the OCI tests skip with a message when
//! it is not installed). Where the reference Helm is on disk, the same commands run through it and the
//! Chart.lock files must agree apart from `generated`.

mod common;

use std::path::Path;

use common::*;
use kubehelm::oci;

/// A chart folder with a Chart.yaml and one template.
fn make_chart(dir: &Path, name: &str, version: &str, deps: &str) {
    write(&dir.join("Chart.yaml"), &format!("apiVersion: v2\nname: {name}\nversion: {version}\n{deps}"));
    write(&dir.join("values.yaml"), "replicas: 1\n");
    write(&dir.join("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n");
}

/// The packaged bytes of a chart made on the fly.
fn package(work: &Path, name: &str, version: &str) -> Vec<u8> {
    let d = work.join(format!("src-{name}-{version}"));
    make_chart(&d, name, version, "");
    let c = kubehelm::chart::load_dir(&d).unwrap();
    kubehelm::chart::save::save_archive(&c, &Default::default()).unwrap()
}

/// A repository folder with `index.yaml` (relative URLs) and the archives.
fn make_repo(root: &Path, charts: &[(&str, &str)]) {
    std::fs::create_dir_all(root).unwrap();
    let mut entries: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (name, version) in charts {
        let bytes = package(&root.join("../work"), name, version);
        let file = format!("{name}-{version}.tgz");
        std::fs::write(root.join(&file), &bytes).unwrap();
        let digest = oci::sha256_digest(&bytes);
        entries.entry(name).or_default().push(format!(
            "  - apiVersion: v2\n    name: {name}\n    version: {version}\n    digest: {}\n    urls:\n    - {file}\n",
            &digest[7..]
        ));
    }
    let mut idx = String::from("apiVersion: v1\nentries:\n");
    for (name, vs) in entries {
        idx.push_str(&format!("  {name}:\n"));
        for v in vs {
            idx.push_str(&v);
        }
    }
    idx.push_str("generated: \"2024-01-01T00:00:00Z\"\n");
    std::fs::write(root.join("index.yaml"), idx).unwrap();
}

fn lock_without_generated(chart: &Path) -> String {
    std::fs::read_to_string(chart.join("Chart.lock"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("generated:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

// ---- HTTP repositories ------------------------------------------------------------------------------

#[test]
fn update_and_build_from_an_http_repository() {
    let t = Tmp::new("http");
    let repo_root = t.0.join("srv/charts");
    make_repo(&repo_root, &[("sub", "1.0.0"), ("sub", "1.1.0"), ("sub", "2.0.0"), ("tool", "0.3.0")]);
    let server = HttpServer::start(&t.0.join("srv"), None);
    let home = t.0.join("home");
    repositories_yaml(&home, &[("local", &server.url("/charts"), "", "")]);
    let url = server.url("/charts");
    let deps = format!(
        "dependencies:\n- name: sub\n  version: \"^1.0\"\n  repository: \"@local\"\n- name: tool\n  version: \">=0.1\"\n  repository: {url}/\n- name: local\n  version: 0.1.0\n  repository: file://../local\n"
    );
    make_chart(&t.0.join("local"), "local", "0.1.0", "");
    let app = t.0.join("app");
    make_chart(&app, "app", "1.0.0", &deps);

    let out = ok(&ours(&t.0, &home, &["dependency", "update", "app"]));
    assert_eq!(
        out,
        "Hang tight while we grab the latest from your chart repositories...\n\
         ...Successfully got an update from the \"local\" chart repository\n\
         Update Complete. ⎈Happy Helming!⎈\n\
         Saving 3 charts\n\
         Downloading sub from repo {URL}\n\
         Downloading tool from repo {URL}/\n\
         Deleting outdated charts\n"
            .replace("{URL}", &url)
    );
    assert_eq!(listing(&app.join("charts")), vec!["local-0.1.0.tgz", "sub-1.1.0.tgz", "tool-0.3.0.tgz"]);
    let lock = lock_without_generated(&app);
    assert!(lock.contains("- name: sub\n  repository: http://127.0.0.1:"), "{lock}");
    assert!(lock.contains("  version: 1.1.0\n"), "{lock}");
    assert!(home.join("cache/repository/local-index.yaml").exists());
    assert_eq!(std::fs::read_to_string(home.join("cache/repository/local-charts.txt")).unwrap(), "sub\ntool\n");
    // The archive downloaded is the one the repository serves.
    assert_eq!(std::fs::read(app.join("charts/sub-1.1.0.tgz")).unwrap(), std::fs::read(repo_root.join("sub-1.1.0.tgz")).unwrap());

    let list = ok(&ours(&t.0, &home, &["dependency", "list", "app"]));
    assert!(list.starts_with("NAME \tVERSION\tREPOSITORY"), "{list}");
    assert!(list.contains("\tok     \n") || list.contains("\tok\n") || list.contains("ok"), "{list}");

    // A second update with nothing changed leaves Chart.lock alone.
    let before = std::fs::read_to_string(app.join("Chart.lock")).unwrap();
    ok(&ours(&t.0, &home, &["dependency", "update", "app", "--skip-refresh"]));
    assert_eq!(std::fs::read_to_string(app.join("Chart.lock")).unwrap(), before);

    // build restores charts/ from the lock.
    std::fs::remove_dir_all(app.join("charts")).unwrap();
    let out = ok(&ours(&t.0, &home, &["dependency", "build", "app", "--skip-refresh"]));
    assert!(out.starts_with("Saving 3 charts\n"), "{out}");
    assert_eq!(listing(&app.join("charts")), vec!["local-0.1.0.tgz", "sub-1.1.0.tgz", "tool-0.3.0.tgz"]);

    // The reference Helm writes the same Chart.lock against the same server.
    if let Some(helm) = reference_helm() {
        let theirs = t.0.join("theirs");
        std::fs::create_dir_all(&theirs).unwrap();
        make_chart(&theirs.join("app"), "app", "1.0.0", &deps);
        make_chart(&theirs.join("local"), "local", "0.1.0", "");
        let o = run_bin(helm, &theirs, &home, &["dependency", "update", "app"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(lock_without_generated(&theirs.join("app")), lock);
        assert_eq!(listing(&theirs.join("app/charts")), listing(&app.join("charts")));
        let theirs_list = run_bin(helm, &theirs, &home, &["dependency", "list", "app"]);
        assert_eq!(text(&theirs_list), list);
    }

    // Chart.yaml changed: build refuses the stale lock.
    make_chart(&app, "app", "1.0.0", &deps.replace("^1.0", "~2.0"));
    let e = err(&ours(&t.0, &home, &["dependency", "build", "app", "--skip-refresh"]));
    assert!(e.contains("the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)"), "{e}");
    // update moves to 2.0.0 and removes the outdated archive, keeping the others.
    ok(&ours(&t.0, &home, &["dependency", "update", "app", "--skip-refresh"]));
    assert_eq!(listing(&app.join("charts")), vec!["local-0.1.0.tgz", "sub-2.0.0.tgz", "tool-0.3.0.tgz"]);
}

#[test]
fn failures_leave_charts_untouched() {
    let t = Tmp::new("fail");
    make_repo(&t.0.join("srv/charts"), &[("sub", "1.0.0")]);
    let server = HttpServer::start(&t.0.join("srv"), None);
    let home = t.0.join("home");
    repositories_yaml(&home, &[("local", &server.url("/charts"), "", "")]);
    let app = t.0.join("app");
    make_chart(&app, "app", "1.0.0", "dependencies:\n- name: sub\n  version: 1.0.0\n  repository: \"@local\"\n");
    ok(&ours(&t.0, &home, &["dependency", "update", "app"]));
    write(&app.join("charts/keep/Chart.yaml"), "apiVersion: v2\nname: keep\nversion: 1.0.0\n");
    let before = listing(&app.join("charts"));

    // A version that does not exist.
    make_chart(&app, "app", "1.0.0", "dependencies:\n- name: sub\n  version: 9.9.9\n  repository: \"@local\"\n");
    let e = err(&ours(&t.0, &home, &["dependency", "update", "app"]));
    assert!(e.contains("can't get a valid version for 1 subchart(s): \"sub\" (repository"), "{e}");
    assert_eq!(listing(&app.join("charts")), before);

    // A download that fails half way (the second archive is gone from the server).
    make_repo(&t.0.join("srv/charts"), &[("sub", "1.0.0"), ("zed", "1.0.0")]);
    std::fs::remove_file(t.0.join("srv/charts/zed-1.0.0.tgz")).unwrap();
    make_chart(
        &app,
        "app",
        "1.0.0",
        "dependencies:\n- name: sub\n  version: 1.0.0\n  repository: \"@local\"\n- name: zed\n  version: 1.0.0\n  repository: \"@local\"\n",
    );
    let o = ours(&t.0, &home, &["dependency", "update", "app"]);
    let e = err(&o);
    assert!(e.contains("could not download http://127.0.0.1:"), "{e}");
    assert!(e.contains("zed-1.0.0.tgz : 404 Not Found"), "{e}");
    assert!(text(&o).contains("Save error occurred:  could not download"), "{}", text(&o));
    assert_eq!(listing(&app.join("charts")), before);
    assert!(!listing(&app).iter().any(|n| n.starts_with("tmpcharts") || n.starts_with(".charts")), "{:?}", listing(&app));

    // Unknown repository names get Helm's hint.
    make_chart(&app, "app", "1.0.0", "dependencies:\n- name: sub\n  version: 1.0.0\n  repository: stable\n");
    let e = err(&ours(&t.0, &home, &["dependency", "update", "app"]));
    assert!(e.contains("no repository definition for stable. Please add them via 'helm repo add'\nNote that repositories must be URLs or aliases."), "{e}");
}

#[test]
fn basic_auth_from_repositories_yaml() {
    let t = Tmp::new("auth");
    make_repo(&t.0.join("srv/charts"), &[("sub", "1.0.0")]);
    let server = HttpServer::start(&t.0.join("srv"), Some(kubehelm::repo::http::basic_auth("me", "s3cret")));
    let home = t.0.join("home");
    let app = t.0.join("app");
    make_chart(&app, "app", "1.0.0", "dependencies:\n- name: sub\n  version: ^1\n  repository: \"@private\"\n");

    repositories_yaml(&home, &[("private", &server.url("/charts"), "me", "wrong")]);
    let o = ours(&t.0, &home, &["dependency", "update", "app"]);
    assert!(text(&o).contains("...Unable to get an update from the \"private\" chart repository"), "{}", text(&o));
    assert!(text(&o).contains("index.yaml : 401 Unauthorized"), "{}", text(&o));
    err(&o);

    repositories_yaml(&home, &[("private", &server.url("/charts"), "me", "s3cret")]);
    ok(&ours(&t.0, &home, &["dependency", "update", "app"]));
    assert_eq!(listing(&app.join("charts")), vec!["sub-1.0.0.tgz"]);
    let log = server.log.lock().unwrap().clone();
    assert!(log.iter().any(|(p, a)| p == "/charts/sub-1.0.0.tgz" && a.starts_with("Basic ")), "{log:?}");
}

// ---- OCI registry -----------------------------------------------------------------------------------

#[test]
fn oci_push_pull_and_dependency_update() {
    let Some(reg) = start_registry("dep") else { return };
    let t = Tmp::new("oci");
    let home = t.0.join("home");
    let client = oci::Client::new(oci::ClientOptions {
        plain_http: true,
        credentials_file: home.join("config/registry/config.json"),
        ..Default::default()
    })
    .unwrap();
    let host = format!("127.0.0.1:{}", reg.port);
    for v in ["1.0.0", "1.2.0", "1.3.0+build.7", "2.0.0"] {
        let data = package(&t.0, "sub", v);
        let pushed = client.push(&data, &format!("oci://{host}/charts/sub:{v}"), &oci::PushOptions {
            creation_time: Some("2024-01-01T00:00:00Z".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(pushed.chart.digest, oci::sha256_digest(&data));
        if v.contains('+') {
            assert!(pushed.reference.ends_with(":1.3.0_build.7"), "{}", pushed.reference);
            assert!(pushed.messages.iter().any(|m| m.contains("contains an underscore")));
        }
    }
    let tags = client.tags(&format!("{host}/charts/sub")).unwrap();
    assert_eq!(tags, vec!["2.0.0", "1.3.0+build.7", "1.2.0", "1.0.0"]);
    let pulled = client.pull(&format!("{host}/charts/sub:1.2.0"), oci::PullOptions::default()).unwrap();
    assert_eq!(pulled.metadata.version, "1.2.0");
    assert_eq!(pulled.chart.as_ref().unwrap().data, package(&t.0, "sub", "1.2.0"));
    let by_digest = client.pull(&format!("{host}/charts/sub@{}", pulled.manifest.digest), oci::PullOptions::default()).unwrap();
    assert_eq!(by_digest.chart.unwrap().data, pulled.chart.unwrap().data);
    let e = client.pull(&format!("{host}/charts/sub:9.9.9"), oci::PullOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), format!("failed to perform \"FetchReference\" on source: {host}/charts/sub:9.9.9: not found"));

    let deps = format!(
        "dependencies:\n- name: sub\n  version: \"~1\"\n  repository: oci://{host}/charts\n- name: sub\n  alias: pinned\n  version: 1.0.0\n  repository: oci://{host}/charts\n"
    );
    let app = t.0.join("app");
    make_chart(&app, "app", "1.0.0", &deps);
    let o = ours(&t.0, &home, &["dependency", "update", "app", "--plain-http"]);
    let out = ok(&o);
    assert_eq!(
        out,
        format!("Saving 2 charts\nDownloading sub from repo oci://{host}/charts\nDownloading sub from repo oci://{host}/charts\nDeleting outdated charts\n")
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains(&format!("Pulled: {host}/charts/sub:1.3.0_build.7\nDigest: sha256:")), "{stderr}");
    assert_eq!(listing(&app.join("charts")), vec!["sub-1.0.0.tgz", "sub-1.3.0+build.7.tgz"]);
    let lock = lock_without_generated(&app);
    assert!(lock.contains("  version: 1.3.0+build.7\n"), "{lock}");

    if let Some(helm) = reference_helm() {
        let theirs = t.0.join("theirs/app");
        make_chart(&theirs, "app", "1.0.0", &deps);
        let o = run_bin(helm, &t.0.join("theirs"), &home, &["dependency", "update", "app", "--plain-http"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(text(&o), out);
        assert_eq!(lock_without_generated(&theirs), lock);
        assert_eq!(listing(&theirs.join("charts")), listing(&app.join("charts")));
    }

    std::fs::remove_dir_all(app.join("charts")).unwrap();
    ok(&ours(&t.0, &home, &["dependency", "build", "app", "--plain-http"]));
    assert_eq!(listing(&app.join("charts")), vec!["sub-1.0.0.tgz", "sub-1.3.0+build.7.tgz"]);
}

#[test]
fn oci_manifest_matches_helm_push() {
    // Helm's `helm push` of the same archive must give the same manifest digest as ours: same config
    // JSON, same layer order, same annotations.
    let Some(helm) = reference_helm() else { return };
    let Some(reg) = start_registry("push") else { return };
    let t = Tmp::new("ocipush");
    let home = t.0.join("home");
    let host = format!("127.0.0.1:{}", reg.port);
    let d = t.0.join("web");
    make_chart(&d, "web", "0.1.0", "description: A <web> & app\nhome: https://example.com\nsources: [https://src]\nmaintainers:\n- name: Ann\n  email: a@x\nannotations:\n  team: blue\n");
    let c = kubehelm::chart::load_dir(&d).unwrap();
    let data = kubehelm::chart::save::save_archive(&c, &Default::default()).unwrap();
    std::fs::write(t.0.join("web-0.1.0.tgz"), &data).unwrap();
    let o = run_bin(helm, &t.0, &home, &["push", "web-0.1.0.tgz", &format!("oci://{host}/theirs"), "--plain-http"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let client = oci::Client::new(oci::ClientOptions { plain_http: true, ..Default::default() }).unwrap();
    let theirs = client.pull(&format!("{host}/theirs/web:0.1.0"), oci::PullOptions::default()).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&theirs.manifest.data).unwrap();
    let created = v["annotations"]["org.opencontainers.image.created"].as_str().unwrap().to_string();
    let ours = client
        .push(&data, &format!("oci://{host}/ours/web:0.1.0"), &oci::PushOptions { creation_time: Some(created), ..Default::default() })
        .unwrap();
    assert_eq!(ours.config.digest, theirs.config.digest, "config JSON differs");
    let mine = client.pull(&format!("{host}/ours/web:0.1.0"), oci::PullOptions::default()).unwrap();
    assert_eq!(String::from_utf8_lossy(&mine.manifest.data), String::from_utf8_lossy(&theirs.manifest.data));
    assert_eq!(ours.manifest.digest, theirs.manifest.digest);
}

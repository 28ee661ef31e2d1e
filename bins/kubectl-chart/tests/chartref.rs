//! Chart references end to end (`kubectl chart template|show` with `repo/name`, `--repo URL`, chart URLs
//! and `oci://…`): real servers on 127.0.0.1 (a static HTTP(S) server thread of this test, with basic
//! auth or a client certificate where a test needs them; Debian's `docker-registry` for OCI), the
//! project's `tests/charts/basic` packaged at several versions. Where the reference Helm is installed,
//! every command also runs through it, with its own identical Helm home, and the outputs must agree.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use kubehelm::oci;
use kubehelm::repo::{Entry, RepoFile};

/// `tests/charts/basic` packaged as `version`.
fn basic_archive(version: &str) -> Vec<u8> {
    let mut c = kubehelm::chart::load_dir(&repo_root().join("tests/charts/basic")).unwrap();
    c.metadata.version = version.into();
    kubehelm::chart::save::save_archive(&c, &Default::default()).unwrap()
}

fn sha256_hex(data: &[u8]) -> String {
    oci::sha256_digest(data)[7..].to_string()
}

/// A chart repository folder: `basic-<v>.tgz` for each version and an index.yaml listing them with their
/// digests, by relative URL or, with `base`, by absolute URL under `base`. Returns the digests (hex).
fn make_repo(root: &Path, versions: &[&str], base: Option<&str>) -> Vec<String> {
    // archives packaged as the binary under test packages them (KUBEHELM_COMPAT=v4.1, see common::run_bin)
    kubehelm::compat::set(kubehelm::compat::HelmCompat::V4_1);
    std::fs::create_dir_all(root).unwrap();
    let mut idx = String::from("apiVersion: v1\nentries:\n  basic:\n");
    let mut digests = Vec::new();
    for v in versions {
        let data = basic_archive(v);
        let file = format!("basic-{v}.tgz");
        std::fs::write(root.join(&file), &data).unwrap();
        let url = match base {
            Some(b) => format!("{b}/{file}"),
            None => file.clone(),
        };
        let digest = sha256_hex(&data);
        idx.push_str(&format!(
            "  - apiVersion: v2\n    appVersion: \"4.5\"\n    name: basic\n    version: {v}\n    digest: {digest}\n    urls:\n    - {url}\n"
        ));
        digests.push(digest);
    }
    idx.push_str("generated: \"2024-01-01T00:00:00Z\"\n");
    std::fs::write(root.join("index.yaml"), idx).unwrap();
    digests
}

/// A Helm home with these repositories configured and their indexes in the cache, as `helm repo add`
/// leaves them.
fn home_with_repos(home: &Path, repos: &[(Entry, &Path)]) {
    let mut f = RepoFile::new();
    for (e, index) in repos {
        f.update(e.clone());
        let cache = home.join("cache/repository");
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::copy(index, cache.join(format!("{}-index.yaml", e.name))).unwrap();
    }
    f.write(&home.join("config/repositories.yaml"), 0o644).unwrap();
}

fn entry(name: &str, url: &str) -> Entry {
    Entry { name: name.into(), url: url.into(), ..Default::default() }
}

/// Our result for `args` (run in `dir` with Helm home `home`), checked against the reference Helm run
/// with its own home `helm_home` when Helm is installed: same exit status, stdout and stderr.
fn both(dir: &Path, home: &Path, helm_home: &Path, args: &[&str]) -> Output {
    let o = ours(dir, home, args);
    if let Some(helm) = reference_helm() {
        let h = run_bin(helm, dir, helm_home, args);
        assert_eq!(
            (h.status.success(), text(&h), stderr(&h)),
            (o.status.success(), text(&o), stderr(&o)),
            "kubectl chart {args:?} differs from helm (left: helm, right: ours)"
        );
    }
    o
}

/// The `version:` line of `show chart` output.
fn shown_version(out: &str) -> &str {
    out.lines().find_map(|l| l.strip_prefix("version: ")).unwrap_or("")
}

/// The content cache's files, relative (`ab/abcd….chart`).
fn content(home: &Path) -> Vec<String> {
    files_under(&home.join("cache/content"))
}

fn cache_name(digest_hex: &str, suffix: &str) -> String {
    format!("{}/{digest_hex}{suffix}", &digest_hex[..2])
}

const WARN_FALLBACK: &str = "level=WARN msg=\"unable to find exact version requested; falling back to closest available version\"";

#[test]
fn repo_name_references_resolve_and_cache_like_helm() {
    let t = Tmp::new("ref-repo");
    let srv = t.path("srv");
    let digests = make_repo(&srv, &["0.1.0", "0.2.0", "0.3.0-beta.1"], None);
    let server = HttpServer::start(&srv, None);
    let (home, helm_home) = (t.path("home"), t.path("helm-home"));
    for h in [&home, &helm_home] {
        home_with_repos(h, &[(entry("exp", &server.url("")), &srv.join("index.yaml"))]);
    }
    let dir = &t.0;

    // The newest stable version, rendered exactly as the archive itself renders.
    let rendered = ok(&both(dir, &home, &helm_home, &["template", "exp/basic"]));
    let local = ok(&ours(dir, &home, &["template", s(&srv.join("basic-0.2.0.tgz"))]));
    assert_eq!(rendered, local);
    assert!(rendered.contains("helm.sh/chart: basic-0.2.0"), "{rendered}");
    assert_eq!(content(&home), vec![cache_name(&digests[1], ".chart")]);

    // Constraints: the highest match, with Helm's warning when the match is not exact.
    let o = both(dir, &home, &helm_home, &["show", "chart", "exp/basic", "--version", "^0.1"]);
    assert_eq!(shown_version(&ok(&o)), "0.1.0");
    assert_eq!(stderr(&o), format!("{WARN_FALLBACK} chart=basic requested=^0.1 selected=0.1.0\n"));
    let o = both(dir, &home, &helm_home, &["show", "chart", "exp/basic", "--version", "0.1.0"]);
    assert_eq!(shown_version(&ok(&o)), "0.1.0");
    assert_eq!(stderr(&o), "", "an exact version gives no warning");
    let o = both(dir, &home, &helm_home, &["show", "chart", "exp/basic", "--devel"]);
    assert_eq!(shown_version(&ok(&o)), "0.3.0-beta.1");
    assert_eq!(stderr(&o), format!("{WARN_FALLBACK} chart=basic requested=>0.0.0-0 selected=0.3.0-beta.1\n"));
    // --version wins over --devel.
    let o = both(dir, &home, &helm_home, &["show", "chart", "exp/basic", "--devel", "--version", "<0.2"]);
    assert_eq!(shown_version(&ok(&o)), "0.1.0");

    // Helm's cache layout: one file per archive, named by its digest, nothing else left behind.
    let mut want: Vec<String> = digests.iter().map(|d| cache_name(d, ".chart")).collect();
    want.sort();
    assert_eq!(content(&home), want);
    if reference_helm().is_some() {
        assert_eq!(content(&helm_home), want, "Helm caches the same files");
    }
    for d in &digests {
        let file = home.join("cache/content").join(cache_name(d, ".chart"));
        assert_eq!(sha256_hex(&std::fs::read(file).unwrap()), *d);
    }

    // Helm's words for what cannot be found.
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["show", "chart", "exp/nope"], "Error: chart \"nope\" matching  not found in exp index. (try 'helm repo update'): no chart name found\n"),
        (vec!["show", "chart", "nope/basic"], "Error: repo nope not found\n"),
        (
            vec!["template", "exp/basic", "--version", "9.9.9"],
            "Error: chart \"basic\" matching 9.9.9 not found in exp index. (try 'helm repo update'): no chart version found for basic-9.9.9\n",
        ),
        (vec!["show", "chart", "basic"], "Error: non-absolute URLs should be in form of repo_name/path_to_chart, got: basic\n"),
        (vec!["show", "chart", "./basic"], "Error: path \"./basic\" not found\n"),
    ];
    for (args, want) in cases {
        assert_eq!(err(&both(dir, &home, &helm_home, &args)), want, "{args:?}");
    }

    // The server gone: cached archives (known by their index digest) still serve, a new lookup fails.
    let url = server.url("");
    let port = server.port;
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(ok(&ours(dir, &home, &["template", "exp/basic"])), rendered);
    let e = err(&both(dir, &home, &helm_home, &["show", "chart", "basic", "--repo", &url]));
    assert_eq!(
        e,
        format!("Error: looks like \"{url}\" is not a valid chart repository or cannot be reached: Get \"{url}/index.yaml\": dial tcp 127.0.0.1:{port}: connect: connection refused\n")
    );
}

#[test]
fn repo_url_flag_with_credentials_sent_only_where_they_belong() {
    let t = Tmp::new("ref-creds");
    // B serves the archives without auth; A serves an index (behind basic auth) pointing at B.
    let files = t.path("files");
    make_repo(&files, &["0.1.0", "0.2.0"], None);
    let b = HttpServer::start(&files, None);
    let idx = t.path("idx");
    make_repo(&idx, &["0.1.0", "0.2.0"], Some(&b.url("")));
    let a = HttpServer::start(&idx, Some(kubehelm::repo::http::basic_auth("me", "s3cret")));
    let (home, helm_home) = (t.path("home"), t.path("helm-home"));
    let dir = &t.0;
    let repo_url = a.url("");
    let with = |extra: &[&str]| {
        let mut v = vec!["show", "chart", "basic", "--repo", repo_url.as_str()];
        v.extend_from_slice(extra);
        v.into_iter().map(str::to_string).collect::<Vec<String>>()
    };
    let run = |args: &[String]| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        both(dir, &home, &helm_home, &a)
    };

    let e = err(&run(&with(&["--username", "me", "--password", "wrong"])));
    assert_eq!(
        e,
        format!("Error: looks like \"{repo_url}\" is not a valid chart repository or cannot be reached: failed to fetch {repo_url}/index.yaml : 401 Unauthorized\n")
    );

    // The archive lives on another host:port, so the credentials stay with the repository ...
    let out = ok(&run(&with(&["--username", "me", "--password", "s3cret", "--version", "0.2.0"])));
    assert_eq!(shown_version(&out), "0.2.0");
    let sent = b.auth_for("/basic-0.2.0.tgz");
    assert!(!sent.is_empty() && sent.iter().all(String::is_empty), "credentials leaked to another host: {sent:?}");
    assert!(a.auth_for("/index.yaml").iter().any(|h| h == &kubehelm::repo::http::basic_auth("me", "s3cret")));

    // ... unless --pass-credentials.
    let out = ok(&run(&with(&["--username", "me", "--password", "s3cret", "--version", "0.1.0", "--pass-credentials"])));
    assert_eq!(shown_version(&out), "0.1.0");
    let sent = b.auth_for("/basic-0.1.0.tgz");
    assert!(!sent.is_empty() && sent.iter().all(|h| h == &kubehelm::repo::http::basic_auth("me", "s3cret")), "{sent:?}");

    // The same rules for a configured repository's credentials (and its pass_credentials_all).
    for (tag, pass_all) in [("plain", false), ("all", true)] {
        let (home, helm_home) = (t.path(&format!("home-{tag}")), t.path(&format!("helm-home-{tag}")));
        let e = Entry {
            name: "private".into(),
            url: repo_url.clone(),
            username: "me".into(),
            password: "s3cret".into(),
            pass_credentials_all: pass_all,
            ..Default::default()
        };
        for h in [&home, &helm_home] {
            home_with_repos(h, &[(e.clone(), &idx.join("index.yaml"))]);
        }
        let before = b.auth_for("/basic-0.2.0.tgz").len();
        let out = ok(&both(dir, &home, &helm_home, &["template", "private/basic"]));
        assert!(out.contains("helm.sh/chart: basic-0.2.0"), "{out}");
        let sent = b.auth_for("/basic-0.2.0.tgz");
        assert!(sent.len() > before);
        let want = if pass_all { kubehelm::repo::http::basic_auth("me", "s3cret") } else { String::new() };
        assert!(sent[before..].iter().all(|h| *h == want), "pass_credentials_all={pass_all}: {sent:?}");
    }
}

#[test]
fn https_repository_with_ca_and_client_certificate() {
    let t = Tmp::new("ref-tls");
    let Some(tls) = make_tls_files(&t.path("tls")) else { return };
    let srv = t.path("srv");
    make_repo(&srv, &["0.1.0", "0.2.0"], None);
    let server = HttpServer::start_with(
        &srv,
        None,
        Some(ServerTls { cert: tls.server_cert.clone(), key: tls.server_key.clone(), client_ca: Some(tls.ca.clone()) }),
    );
    let url = server.url("");
    assert!(url.starts_with("https://"));
    let (home, helm_home) = (t.path("home"), t.path("helm-home"));
    let dir = &t.0;
    let (ca, cert, key) = (s(&tls.ca), s(&tls.client_cert), s(&tls.client_key));

    let out = ok(&both(dir, &home, &helm_home, &["show", "chart", "basic", "--repo", &url, "--ca-file", ca, "--cert-file", cert, "--key-file", key]));
    assert_eq!(shown_version(&out), "0.2.0");
    let out = ok(&both(
        dir,
        &home,
        &helm_home,
        &["show", "chart", "basic", "--repo", &url, "--version", "0.1.0", "--insecure-skip-tls-verify", "--cert-file", cert, "--key-file", key],
    ));
    assert_eq!(shown_version(&out), "0.1.0");

    // Without the client certificate, or without trusting the server's CA, the index cannot be read
    // (the TLS library's words differ from Go's, so only the frame is compared).
    let frame = format!("Error: looks like \"{url}\" is not a valid chart repository or cannot be reached: Get \"{url}/index.yaml\": ");
    for args in [
        vec!["show", "chart", "basic", "--repo", url.as_str(), "--ca-file", ca],
        vec!["show", "chart", "basic", "--repo", url.as_str(), "--cert-file", cert, "--key-file", key],
    ] {
        let e = err(&ours(dir, &home, &args));
        assert!(e.starts_with(&frame), "{args:?}: {e}");
    }
    // A CA file that does not exist fails before any request, as in Helm (the registry client is made first).
    let e = err(&both(dir, &home, &helm_home, &["show", "chart", "basic", "--repo", &url, "--ca-file", "/no/such/ca.pem"]));
    assert_eq!(
        e,
        "Error: missing registry client: can't create TLS config for client: can't read CA file: \"/no/such/ca.pem\": open /no/such/ca.pem: no such file or directory\n"
    );

    // A configured repository's TLS files are used for `repo/name`.
    let e = Entry {
        name: "secure".into(),
        url: url.clone(),
        ca_file: ca.into(),
        cert_file: cert.into(),
        key_file: key.into(),
        ..Default::default()
    };
    let (home, helm_home) = (t.path("home2"), t.path("helm-home2"));
    for h in [&home, &helm_home] {
        home_with_repos(h, &[(e.clone(), &srv.join("index.yaml"))]);
    }
    let out = ok(&both(dir, &home, &helm_home, &["template", "secure/basic"]));
    assert_eq!(out, ok(&ours(dir, &home, &["template", s(&srv.join("basic-0.2.0.tgz"))])));
}

#[test]
fn bad_downloads_leave_no_file_behind() {
    let t = Tmp::new("ref-bad");
    let srv = t.path("srv");
    let digests = make_repo(&srv, &["0.1.0", "0.2.0"], None);
    let server = HttpServer::start(&srv, None);
    let (home, helm_home) = (t.path("home"), t.path("helm-home"));
    for h in [&home, &helm_home] {
        home_with_repos(h, &[(entry("exp", &server.url("")), &srv.join("index.yaml"))]);
    }
    let dir = &t.0;

    // The archive is missing on the server.
    std::fs::remove_file(srv.join("basic-0.1.0.tgz")).unwrap();
    let e = err(&both(dir, &home, &helm_home, &["show", "chart", "exp/basic", "--version", "0.1.0"]));
    assert_eq!(e, format!("Error: failed to fetch {}/basic-0.1.0.tgz : 404 Not Found\n", server.url("")));
    assert_eq!(content(&home), Vec::<String>::new());

    // The archive is not what the index says it is: refused, and nothing is cached under that digest
    // (Helm stores it under the index's digest unchecked; we do not).
    std::fs::write(srv.join("basic-0.2.0.tgz"), basic_archive("0.2.1")).unwrap();
    let got = sha256_hex(&basic_archive("0.2.1"));
    let e = err(&ours(dir, &home, &["template", "exp/basic"]));
    assert_eq!(
        e,
        format!(
            "Error: digest mismatch for {}/basic-0.2.0.tgz: the repository index says sha256:{}, the download is sha256:{got}\n",
            server.url(""),
            digests[1]
        )
    );
    assert_eq!(content(&home), Vec::<String>::new(), "no partial or unverified file in the cache");
    // A corrupt cache file under a digest is not trusted either: fetched again (and refused again).
    let poisoned = home.join("cache/content").join(cache_name(&digests[1], ".chart"));
    write(&poisoned, "not the chart");
    assert!(err(&ours(dir, &home, &["template", "exp/basic"])).contains("digest mismatch"));
    assert_eq!(std::fs::read_to_string(&poisoned).unwrap(), "not the chart");
}

#[test]
fn oci_references_resolve_like_helm() {
    let Some(reg) = start_registry("ref") else { return };
    let t = Tmp::new("ref-oci");
    let (home, helm_home) = (t.path("home"), t.path("helm-home"));
    let dir = &t.0;
    let host = reg.host();
    let client = oci::Client::new(oci::ClientOptions { plain_http: true, ..Default::default() }).unwrap();
    let mut manifests = std::collections::BTreeMap::new();
    for v in ["0.1.0", "0.2.0", "0.3.0-beta.1"] {
        let pushed = client
            .push(&basic_archive(v), &format!("oci://{host}/charts/basic:{v}"), &oci::PushOptions {
                creation_time: Some("2024-01-01T00:00:00Z".into()),
                ..Default::default()
            })
            .unwrap();
        manifests.insert(v, pushed.manifest.digest);
    }
    let base = format!("oci://{host}/charts/basic");
    let show = |extra: &[&str], reference: &str| {
        let mut v = vec!["show", "chart", reference, "--plain-http"];
        v.extend_from_slice(extra);
        both(dir, &home, &helm_home, &v)
    };

    let o = show(&[], &base);
    assert_eq!(shown_version(&ok(&o)), "0.2.0");
    assert_eq!(stderr(&o), format!("Pulled: {host}/charts/basic:0.2.0\nDigest: {}\n", manifests["0.2.0"]));
    assert_eq!(shown_version(&ok(&show(&["--version", "~0.1"], &base))), "0.1.0");
    assert_eq!(shown_version(&ok(&show(&["--devel"], &base))), "0.3.0-beta.1");
    assert_eq!(shown_version(&ok(&show(&[], &format!("{base}:0.1.0")))), "0.1.0");
    let by_digest = format!("{base}@{}", manifests["0.1.0"]);
    let o = show(&[], &by_digest);
    assert_eq!(shown_version(&ok(&o)), "0.1.0");
    assert_eq!(stderr(&o), format!("Pulled: {host}/charts/basic@{}\nDigest: {}\n", manifests["0.1.0"], manifests["0.1.0"]));
    // Tag and digest must agree.
    assert_eq!(shown_version(&ok(&show(&[], &format!("{base}:0.1.0@{}", manifests["0.1.0"])))), "0.1.0");
    let e = err(&show(&[], &format!("{base}:0.2.0@{}", manifests["0.1.0"])));
    assert_eq!(e, format!("Error: chart reference digest mismatch: {} is not {}\n", manifests["0.2.0"], manifests["0.1.0"]));
    let e = err(&show(&["--version", "0.2.0"], &format!("{base}:0.1.0")));
    assert_eq!(e, "Error: chart reference and version mismatch: 0.2.0 is not 0.1.0\n");
    let e = err(&show(&["--version", "9.9.9"], &base));
    assert_eq!(e, format!("Error: failed to perform \"FetchReference\" on source: {host}/charts/basic:9.9.9: not found\n"));
    let e = err(&show(&["--version", "^9"], &base));
    assert_eq!(e, "Error: could not locate a version matching provided version string ^9\n");
    let e = err(&show(&[], &format!("oci://{host}/charts/nope")));
    assert_eq!(
        e,
        format!("Error: GET \"http://{host}/v2/charts/nope/tags/list\": response status code 404: name unknown: repository name not known to registry: map[name:charts/nope]\n")
    );

    // template renders the pulled chart as the archive itself renders.
    let rendered = ok(&both(dir, &home, &helm_home, &["template", "web", &base, "--version", "0.1.0", "--plain-http"]));
    let archive = t.path("basic-0.1.0.tgz");
    std::fs::write(&archive, basic_archive("0.1.0")).unwrap();
    assert_eq!(rendered, ok(&ours(dir, &home, &["template", "web", s(&archive)])));

    // The content cache holds each pulled archive once, under its own digest; a reference with tag and
    // digest is kept under the manifest digest it pinned, as Helm keys it.
    let mut want: Vec<String> =
        ["0.1.0", "0.2.0", "0.3.0-beta.1"].iter().map(|v| cache_name(&sha256_hex(&basic_archive(v)), ".chart")).collect();
    want.push(cache_name(&manifests["0.1.0"][7..], ".chart"));
    want.sort();
    assert_eq!(content(&home), want);
    if reference_helm().is_some() {
        assert_eq!(content(&helm_home), want, "Helm caches the same files");
    }
}

// ---- provenance -------------------------------------------------------------------------------------

fn have_gpg() -> bool {
    let ok = std::process::Command::new("gpg")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIP: gpg is not installed (apt-get install -y gnupg); the --verify tests are skipped");
    }
    ok
}

/// An Ed25519 key made in a throwaway GNUPGHOME; returns (public keyring, secret keyring).
fn make_key(t: &Tmp, name: &str, email: &str) -> (PathBuf, PathBuf) {
    let home = t.path(&format!("gnupg-{name}"));
    std::fs::create_dir_all(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let gpg = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut c = std::process::Command::new("gpg");
        c.arg("--homedir").arg(&home).arg("--batch").args(args);
        c.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "gpg {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    let params = format!(
        "Key-Type: EDDSA\nKey-Curve: ed25519\nKey-Usage: sign\n%no-protection\nName-Real: {name}\nName-Email: {email}\nExpire-Date: 0\n%commit\n"
    );
    gpg(&["--gen-key"], Some(&params));
    let public = t.path(&format!("{name}-pubring.gpg"));
    let secret = t.path(&format!("{name}-secring.gpg"));
    std::fs::write(&public, gpg(&["--export", email], None)).unwrap();
    std::fs::write(&secret, gpg(&["--pinentry-mode", "loopback", "--export-secret-keys", email], None)).unwrap();
    let _ = std::process::Command::new("gpgconf").args(["--kill", "gpg-agent"]).env("GNUPGHOME", &home).status();
    (public, secret)
}

#[test]
fn verify_checks_provenance_of_downloads_and_local_archives() {
    if !have_gpg() {
        return;
    }
    let t = Tmp::new("ref-verify");
    let (public, secret) = make_key(&t, "Signer", "signer@example.invalid");
    let (other_public, _) = make_key(&t, "Other", "other@example.invalid");
    let srv = t.path("srv");
    // 0.2.0 unsigned, 0.1.0 signed by our `package --sign`.
    let digests = make_repo(&srv, &["0.1.0", "0.2.0"], None);
    let signed = t.path("signed");
    let o = ours(
        &t.0,
        &t.path("home"),
        &["package", s(&repo_root().join("tests/charts/basic")), "--version", "0.1.0", "-d", s(&signed), "--sign", "--key", "Signer", "--keyring", s(&secret)],
    );
    ok(&o);
    let archive = std::fs::read(signed.join("basic-0.1.0.tgz")).unwrap();
    assert_eq!(sha256_hex(&archive), digests[0], "package writes the same bytes as the library");
    std::fs::copy(signed.join("basic-0.1.0.tgz.prov"), srv.join("basic-0.1.0.tgz.prov")).unwrap();
    let server = HttpServer::start(&srv, None);
    let (home, helm_home) = (t.path("home"), t.path("helm-home"));
    for h in [&home, &helm_home] {
        home_with_repos(h, &[(entry("exp", &server.url("")), &srv.join("index.yaml"))]);
    }
    let dir = &t.0;

    let o = both(dir, &home, &helm_home, &["show", "chart", "exp/basic", "--version", "0.1.0", "--verify", "--keyring", s(&public)]);
    assert_eq!(shown_version(&ok(&o)), "0.1.0");
    // The .prov is cached beside the archive, under the same digest.
    assert_eq!(content(&home), vec![cache_name(&digests[0], ".chart"), cache_name(&digests[0], ".prov")]);
    assert!(server.auth_for("/basic-0.1.0.tgz.prov").len() == 1 + usize::from(reference_helm().is_some()));

    // A keyring without the signer's key.
    let (home2, helm_home2) = (t.path("home2"), t.path("helm-home2"));
    for h in [&home2, &helm_home2] {
        home_with_repos(h, &[(entry("exp", &server.url("")), &srv.join("index.yaml"))]);
    }
    let e = err(&both(dir, &home2, &helm_home2, &["template", "exp/basic", "--version", "0.1.0", "--verify", "--keyring", s(&other_public)]));
    assert_eq!(e, "Error: openpgp: signature made by unknown entity\n");
    // No .prov on the server.
    let e = err(&both(dir, &home, &helm_home, &["show", "chart", "exp/basic", "--verify", "--keyring", s(&public)]));
    assert_eq!(e, format!("Error: failed to fetch provenance \"{}/basic-0.2.0.tgz.prov\"\n", server.url("")));

    // Local archives and folders, as Helm's VerifyChart sees them.
    let local = signed.join("basic-0.1.0.tgz");
    let o = both(dir, &home, &helm_home, &["show", "chart", s(&local), "--verify", "--keyring", s(&public)]);
    assert_eq!(shown_version(&ok(&o)), "0.1.0");
    let folder = repo_root().join("tests/charts/basic");
    let e = err(&both(dir, &home, &helm_home, &["show", "chart", s(&folder), "--verify", "--keyring", s(&public)]));
    assert_eq!(e, "Error: unpacked charts cannot be verified\n");
    // A tampered .prov next to the archive.
    let prov = signed.join("basic-0.1.0.tgz.prov");
    let text = std::fs::read_to_string(&prov).unwrap();
    std::fs::write(&prov, text.replacen("\nversion: 0.1.0\n", "\nversion: 0.1.9\n", 1)).unwrap();
    let e = err(&both(dir, &home, &helm_home, &["show", "chart", s(&local), "--verify", "--keyring", s(&public)]));
    assert_eq!(e, "Error: openpgp: invalid signature: EdDSA verification failure\n");
}

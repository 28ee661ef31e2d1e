//! `kubectl repo` end to end against real servers on loopback (a static HTTP(S) chart repository, Debian's
//! docker-registry) and, where installed, the reference Helm as the oracle: same files, same output.

mod common;

use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// A served chart repository: charts `nginx` 0.1.0, 0.2.0, 1.0.0-rc.1 and `redis` 0.1.0 (keywords
/// database, cache), indexed by our `index` with `--url`.
fn repository(t: &Tmp) -> (HttpServer, std::path::PathBuf) {
    let root = t.path("served");
    std::fs::create_dir_all(&root).unwrap();
    for v in ["0.1.0", "0.2.0", "1.0.0-rc.1"] {
        make_chart(&root, "nginx", v, "keywords:\n- web\n- proxy\n");
    }
    make_chart(&root, "redis", "0.1.0", "keywords:\n- database\n- cache\n");
    let srv = HttpServer::start(&root, None);
    let o = ours(&t.0, &t.0, &["index", s(&root), "--url", &srv.url("/")]);
    ok(&o);
    (srv, root)
}

#[test]
fn add_list_update_remove() {
    let t = Tmp::new("crud");
    let home = t.path("home");
    let (srv, _root) = repository(&t);
    let url = srv.url("/");
    let out = ok(&ours(&t.0, &home, &["add", "local", &url]));
    assert_eq!(out, "\"local\" has been added to your repositories\n");
    let cache = home.join("cache/repository");
    assert_eq!(
        listing(&cache),
        ["local-charts.txt", "local-index.search", "local-index.yaml"]
    );
    assert_eq!(
        std::fs::read_to_string(cache.join("local-charts.txt")).unwrap(),
        "nginx\nredis\n"
    );
    let yaml = std::fs::read_to_string(home.join("config/repositories.yaml")).unwrap();
    assert!(
        yaml.contains(&format!("  name: local\n")) && yaml.contains(&format!("  url: {url}\n")),
        "{yaml}"
    );
    // The lock file Helm uses sits beside it.
    assert!(home.join("config/repositories.lock").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join("config/repositories.yaml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    assert_eq!(
        ok(&ours(&t.0, &home, &["add", "local", &url])),
        "\"local\" already exists with the same configuration, skipping\n"
    );
    let e = err(&ours(&t.0, &home, &["add", "local", &srv.url("/other/")]));
    assert_eq!(
        e,
        "Error: repository name (local) already exists, please specify a different name\n"
    );
    let e = err(&ours(&t.0, &home, &["add", "a/b", &url]));
    assert_eq!(
        e,
        "Error: repository name (a/b) contains '/', please specify a different name without '/'\n"
    );
    let e = err(&ours(
        &t.0,
        &home,
        &[
            "add",
            "old",
            "https://kubernetes-charts.storage.googleapis.com",
        ],
    ));
    assert!(
        e.contains("is no longer available; try \"https://charts.helm.sh/stable\" instead"),
        "{e}"
    );

    let table = ok(&ours(&t.0, &home, &["list"]));
    assert_eq!(
        table,
        format!("NAME \tURL{}\nlocal\t{url}\n", " ".repeat(url.len() - 3))
    );
    assert_eq!(
        ok(&ours(&t.0, &home, &["list", "-o", "json"])),
        format!("[{{\"name\":\"local\",\"url\":\"{url}\"}}]\n")
    );
    assert_eq!(
        ok(&ours(&t.0, &home, &["list", "-o", "yaml"])),
        format!("- name: local\n  url: {url}\n")
    );

    // update: a conditional request; the unchanged index is not written again.
    let index = cache.join("local-index.yaml");
    let before = std::fs::metadata(&index).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let out = ok(&ours(&t.0, &home, &["update"]));
    assert_eq!(
        out,
        "Hang tight while we grab the latest from your chart repositories...\n...Successfully got an update from the \"local\" chart repository\nUpdate Complete. ⎈Happy Helming!⎈\n"
    );
    assert_eq!(
        std::fs::metadata(&index).unwrap().modified().unwrap(),
        before,
        "a 304 must leave the index alone"
    );
    let e = err(&ours(&t.0, &home, &["update", "nope"]));
    assert_eq!(
        e,
        "Error: no repositories found matching 'nope'.  Nothing will be updated\n"
    );

    assert_eq!(
        ok(&ours(&t.0, &home, &["remove", "local"])),
        "\"local\" has been removed from your repositories\n"
    );
    assert!(listing(&cache).is_empty(), "{:?}", listing(&cache));
    assert_eq!(
        err(&ours(&t.0, &home, &["remove", "local"])),
        "Error: no repositories configured\n"
    );
    let o = ours(&t.0, &home, &["list"]);
    assert!(o.status.success());
    assert_eq!(
        (text(&o).as_str(), stderr(&o).as_str()),
        ("", "no repositories to show\n")
    );
    assert_eq!(ok(&ours(&t.0, &home, &["list", "-o", "json"])), "[]\n");
    assert_eq!(
        err(&ours(&t.0, &home, &["update"])),
        "Error: no repositories found. You must add one before updating\n"
    );
    assert_eq!(
        err(&ours(&t.0, &home, &["search", "x"])),
        "Error: no repositories configured\n"
    );
}

/// The queries of `search` compared with `helm search repo`, row for row.
#[test]
fn search_is_helms_search() {
    let t = Tmp::new("search");
    let home = t.path("home");
    let (srv, _root) = repository(&t);
    ok(&ours(&t.0, &home, &["add", "local", &srv.url("/")]));
    let queries: Vec<Vec<&str>> = vec![
        vec!["nginx"],
        vec!["NGINX", "--devel"],
        vec!["nginx", "-l"],
        vec!["nginx", "-l", "--devel", "-o", "json"],
        vec!["cache"],
        vec!["-r", "n.*x", "-o", "yaml"],
        vec!["nginx", "--version", "~0.1"],
        vec![],
        vec!["nothing-like-this"],
        vec!["database", "--max-col-width", "12"],
        vec!["nginx", "-l", "--version", ">=0.1.0-0"],
    ];
    let first = ok(&ours(&t.0, &home, &["search", "nginx"]));
    assert_eq!(
        first,
        "NAME       \tCHART VERSION\tAPP VERSION\tDESCRIPTION    \nlocal/nginx\t0.2.0        \t1.0        \tThe nginx chart\n"
    );
    assert_eq!(
        ok(&ours(&t.0, &home, &["search", "nothing-like-this"])),
        "No results found\n"
    );
    assert_eq!(
        err(&ours(
            &t.0,
            &home,
            &["search", "nothing-like-this", "--fail-on-no-result"]
        )),
        "Error: no results found\n"
    );
    let e = err(&ours(&t.0, &home, &["search", "-r", "("]));
    assert_eq!(e, "Error: error parsing regexp: missing closing ): `(`\n");
    let devel = ok(&ours(&t.0, &home, &["search", "nginx", "--devel"]));
    assert!(devel.contains("1.0.0-rc.1"), "{devel}");
    let Some(_) = reference_helm() else { return };
    for q in &queries {
        let mut ha = vec!["search", "repo"];
        ha.extend(q.iter().copied());
        let mut oa = vec!["search"];
        oa.extend(q.iter().copied());
        let h = helm(&t.0, &home, &ha).unwrap();
        let o = ours(&t.0, &home, &oa);
        assert_eq!(
            text(&o),
            text(&h),
            "search {q:?}: stderr ours {} helm {}",
            stderr(&o),
            stderr(&h)
        );
        assert_eq!(o.status.success(), h.status.success(), "{q:?}");
    }
}

/// Our search cache follows Helm's index file: a new index (written by Helm or anyone) is seen at once,
/// a damaged cache is rebuilt, and Helm's files are never touched by it.
#[test]
fn search_cache_follows_the_index() {
    let t = Tmp::new("cache");
    let home = t.path("home");
    let (srv, root) = repository(&t);
    ok(&ours(&t.0, &home, &["add", "local", &srv.url("/")]));
    let cache = home.join("cache/repository");
    let index = cache.join("local-index.yaml");
    let helm_bytes = std::fs::read(&index).unwrap();
    assert!(ok(&ours(&t.0, &home, &["search", "mysql"])).starts_with("No results"));
    // Someone else (Helm) refreshes the index with a new chart.
    make_chart(&root, "mysql", "8.0.0", "");
    ok(&ours(
        &t.0,
        &root,
        &["index", s(&root), "--url", &srv.url("/")],
    ));
    std::fs::copy(root.join("index.yaml"), &index).unwrap();
    let out = ok(&ours(&t.0, &home, &["search", "mysql"]));
    assert!(out.contains("local/mysql\t8.0.0"), "{out}");
    // A damaged cache file is not trusted.
    std::fs::write(
        cache.join("local-index.search"),
        b"kubectl-repo search cache v1\ngarbage",
    )
    .unwrap();
    let out = ok(&ours(&t.0, &home, &["search", "mysql"]));
    assert!(out.contains("local/mysql"), "{out}");
    // Same size and content, new mtime: kept (digest compared), results unchanged.
    let again = std::fs::read(&index).unwrap();
    std::fs::write(&index, &again).unwrap();
    assert!(ok(&ours(&t.0, &home, &["search", "mysql"])).contains("local/mysql"));
    assert_ne!(helm_bytes, again);
    // A corrupt index is skipped with Helm's warning.
    std::fs::write(&index, "entries: [\n").unwrap();
    let o = ours(&t.0, &home, &["search", "nginx"]);
    assert!(o.status.success());
    assert!(
        stderr(&o).starts_with("level=WARN msg=\"repo is corrupt or missing\" repo=local error="),
        "{}",
        stderr(&o)
    );
    assert_eq!(text(&o), "No results found\n");
}

fn without_times(s: &str) -> String {
    s.lines()
        .filter(|l| !l.contains("created") && !l.contains("generated"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn index_matches_helm_and_merges() {
    let t = Tmp::new("index");
    let d = t.path("charts");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    make_chart(&d, "a", "1.0.0", "");
    make_chart(&d.join("sub"), "b", "0.1.0", "");
    std::fs::write(d.join("not-a-chart.tgz"), b"junk").unwrap();
    ok(&ours(&t.0, &t.0, &["index", s(&d)]));
    let plain = std::fs::read_to_string(d.join("index.yaml")).unwrap();
    assert!(
        plain.contains("    - a-1.0.0.tgz\n") && plain.contains("    - sub/b-0.1.0.tgz\n"),
        "{plain}"
    );
    let digest = sha256_hex(&std::fs::read(d.join("a-1.0.0.tgz")).unwrap());
    assert!(
        plain.contains(&format!("    digest: {digest}\n")),
        "{plain}"
    );
    ok(&ours(
        &t.0,
        &t.0,
        &["index", s(&d), "--url", "https://charts.example.com/x"],
    ));
    let ours_url = std::fs::read_to_string(d.join("index.yaml")).unwrap();
    assert!(
        ours_url.contains("    - https://charts.example.com/x/sub/b-0.1.0.tgz\n"),
        "{ours_url}"
    );
    // --merge: entries of the old index that the folder lacks are kept.
    let old = t.path("old.yaml");
    std::fs::write(&old, "apiVersion: v1\nentries:\n  c:\n  - apiVersion: v2\n    name: c\n    version: 3.0.0\n    urls: [c-3.0.0.tgz]\n").unwrap();
    ok(&ours(&t.0, &t.0, &["index", s(&d), "--merge", s(&old)]));
    let merged = std::fs::read_to_string(d.join("index.yaml")).unwrap();
    assert!(
        merged.contains("  c:\n") && merged.contains("  a:\n"),
        "{merged}"
    );
    let e = err(&ours(
        &t.0,
        &t.0,
        &["index", s(&d), "--merge", s(&d.join("a-1.0.0.tgz"))],
    ));
    assert!(e.starts_with("Error: merge failed: error loading "), "{e}");
    ok(&ours(&t.0, &t.0, &["index", s(&d), "--json"]));
    let json = std::fs::read_to_string(d.join("index.yaml")).unwrap();
    assert!(
        json.starts_with("{\n  \"apiVersion\": \"v1\",\n  \"generated\": "),
        "{json}"
    );
    if let Some(h) = reference_helm() {
        for args in [
            vec!["--url", "https://charts.example.com/x"],
            vec!["--json"],
        ] {
            let mut oa = vec!["index", s(&d)];
            oa.extend(args.iter().copied());
            ok(&ours(&t.0, &t.0, &oa));
            let mine = std::fs::read_to_string(d.join("index.yaml")).unwrap();
            let mut ha = vec!["repo", "index", s(&d)];
            ha.extend(args.iter().copied());
            ok(&run_bin(h, &t.0, &t.0, &ha));
            let theirs = std::fs::read_to_string(d.join("index.yaml")).unwrap();
            assert_eq!(
                without_times(&mine),
                without_times(&theirs),
                "index {args:?}"
            );
        }
    }
}

/// Helm reads what we write and we read what Helm writes: repositories.yaml, the cached index, and
/// downloads through each other's configuration.
#[test]
fn helm_and_us_share_repositories() {
    let Some(_) = reference_helm() else { return };
    let t = Tmp::new("interop");
    let home = t.path("home");
    let (srv, root) = repository(&t);
    let url = srv.url("/");
    ok(&ours(&t.0, &home, &["add", "ours", &url]));
    ok(&helm(&t.0, &home, &["repo", "add", "theirs", &url]).unwrap());
    let h_list = text(&helm(&t.0, &home, &["repo", "list", "-o", "json"]).unwrap());
    assert_eq!(ok(&ours(&t.0, &home, &["list", "-o", "json"])), h_list);
    assert!(h_list.contains("\"ours\"") && h_list.contains("\"theirs\""));
    assert_eq!(ok(&ours(&t.0, &home, &["list"])), text(&helm(&t.0, &home, &["repo", "list"]).unwrap()));
    assert_eq!(ok(&ours(&t.0, &home, &["search", "-l"])), text(&helm(&t.0, &home, &["search", "repo", "-l"]).unwrap()));
    // Helm pulls through our entry and index; we pull through Helm's.
    let (d1, d2) = (t.path("d1"), t.path("d2"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    ok(&helm(&t.0, &home, &["pull", "ours/nginx", "-d", s(&d1)]).unwrap());
    ok(&ours(&t.0, &home, &["pull", "theirs/nginx", "-d", s(&d2)]));
    let a = std::fs::read(d1.join("nginx-0.2.0.tgz")).unwrap();
    assert_eq!(a, std::fs::read(d2.join("nginx-0.2.0.tgz")).unwrap());
    assert_eq!(a, std::fs::read(root.join("nginx-0.2.0.tgz")).unwrap());
    // Helm removes our repository and its cache files; we remove Helm's.
    ok(&helm(&t.0, &home, &["repo", "remove", "ours"]).unwrap());
    ok(&ours(&t.0, &home, &["remove", "theirs"]));
    assert_eq!(ok(&ours(&t.0, &home, &["list", "-o", "json"])), "[]\n");
}

#[test]
fn pull_forms_and_stream() {
    let t = Tmp::new("pull");
    let home = t.path("home");
    let (srv, root) = repository(&t);
    ok(&ours(&t.0, &home, &["add", "local", &srv.url("/")]));
    let d = t.path("dest");
    std::fs::create_dir_all(&d).unwrap();
    let o = ours(
        &t.0,
        &home,
        &[
            "pull",
            "local/nginx",
            "--version",
            "0.1.0",
            "-d",
            s(&d),
            "-o",
            "yaml",
        ],
    );
    ok(&o);
    let src = std::fs::read(root.join("nginx-0.1.0.tgz")).unwrap();
    assert_eq!(std::fs::read(d.join("nginx-0.1.0.tgz")).unwrap(), src);
    // stdout is a pipe: the ChartArchive document, with the archive's digest.
    let doc = text(&o);
    assert!(
        doc.contains("kind: ChartArchive")
            && doc.contains(&format!("digest: sha256:{}", sha256_hex(&src))),
        "{doc}"
    );
    // In a pipe without -d nothing lands in the working folder.
    let cwd = t.path("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let o = ours(&cwd, &home, &["pull", "local/redis"]);
    assert!(text(&o).contains("  name: redis\n"), "{}", text(&o));
    assert!(listing(&cwd).is_empty());
    // --devel, --repo URL, a chart URL.
    ok(&ours(
        &t.0,
        &home,
        &["pull", "local/nginx", "--devel", "-d", s(&d)],
    ));
    assert!(d.join("nginx-1.0.0-rc.1.tgz").exists());
    ok(&ours(
        &t.0,
        &home,
        &["pull", "--repo", &srv.url("/"), "redis", "-d", s(&d)],
    ));
    assert!(d.join("redis-0.1.0.tgz").exists());
    ok(&ours(
        &t.0,
        &home,
        &["pull", &srv.url("/nginx-0.2.0.tgz"), "-d", s(&d)],
    ));
    assert!(d.join("nginx-0.2.0.tgz").exists());
    // --untar (twice: the second finds the folder there).
    ok(&ours(
        &t.0,
        &home,
        &["pull", "local/redis", "--untar", "-d", s(&d)],
    ));
    assert!(d.join("redis/Chart.yaml").exists() && d.join("redis/templates/cm.yaml").exists());
    let e = err(&ours(
        &t.0,
        &home,
        &["pull", "local/redis", "--untar", "-d", s(&d)],
    ));
    assert!(
        e.contains("failed to untar: a file or directory with the name")
            && e.contains("already exists"),
        "{e}"
    );
    let e = err(&ours(&t.0, &home, &["pull", "local/nope", "-d", s(&d)]));
    assert!(
        e.contains("chart \"nope\" matching  not found in local index"),
        "{e}"
    );
}

/// Every fault: a clear error naming the URL, non-zero exit, no password in the output, and nothing
/// half-written in the cache or repositories.yaml.
#[test]
fn faults_leave_nothing_half_written() {
    let t = Tmp::new("faults");
    let home = t.path("home");
    let cache = home.join("cache/repository");
    let repo_yaml = home.join("config/repositories.yaml");
    // Unreachable.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let e = err(&ours(&t.0, &home, &["add", "gone", &url]));
    assert_eq!(
        e,
        format!("Error: looks like \"{url}\" is not a valid chart repository or cannot be reached: Get \"{url}/index.yaml\": dial tcp 127.0.0.1:{port}: connect: connection refused\n")
    );
    assert!(!repo_yaml.exists());
    let e = err(&ours(&t.0, &home, &["add", "withpw", &format!("http://me:hunter2@127.0.0.1:{port}/")]));
    assert!(!e.contains("hunter2") && e.contains("me:xxxxx@127.0.0.1"), "{e}");
    // A server that accepts and never answers: the timeout ends it.
    let root = t.path("served");
    std::fs::create_dir_all(&root).unwrap();
    make_chart(&root, "web", "1.0.0", "");
    ok(&ours(&t.0, &t.0, &["index", s(&root)]));
    let silent = HttpServer::start_mode(&root, None, None, Mode::Silent);
    let start = Instant::now();
    let e = err(&ours(
        &t.0,
        &home,
        &["add", "silent", &silent.url("/"), "--timeout", "1s"],
    ));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        e.contains(&silent.url("/index.yaml")) && e.to_lowercase().contains("timeout"),
        "{e}"
    );
    // Basic auth: a wrong password names the URL and status, never the password.
    let auth = HttpServer::start(&root, Some(format!("Basic {}", b64("me:right"))));
    let e = err(&ours(
        &t.0,
        &home,
        &[
            "add",
            "private",
            &auth.url("/"),
            "--username",
            "me",
            "--password",
            "s3cr3t-wrong",
        ],
    ));
    assert!(
        e.contains(&format!(
            "failed to fetch {} : 401 Unauthorized",
            auth.url("/index.yaml")
        )),
        "{e}"
    );
    assert!(!e.contains("s3cr3t-wrong"));
    let o = ours(
        &t.0,
        &home,
        &[
            "add",
            "private",
            &auth.url("/"),
            "--username",
            "me",
            "--password-stdin",
        ],
    );
    assert!(!o.status.success());
    let o = run_stdin(
        env!("CARGO_BIN_EXE_kubectl-repo"),
        &t.0,
        &home,
        &[
            "add",
            "private",
            &auth.url("/"),
            "--username",
            "me",
            "--password-stdin",
        ],
        b"right\n",
    );
    ok(&o);
    assert!(std::fs::read_to_string(&repo_yaml)
        .unwrap()
        .contains("  password: right\n"));
    // 404.
    let plain = HttpServer::start(&t.path("empty"), None);
    let e = err(&ours(&t.0, &home, &["add", "missing", &plain.url("/")]));
    assert!(
        e.contains(&format!(
            "failed to fetch {} : 404 Not Found",
            plain.url("/index.yaml")
        )),
        "{e}"
    );
    // Malformed and hostile indexes.
    let bad = t.path("bad");
    write(
        &bad.join("index.yaml"),
        "apiVersion: v1\nentries:\n  x: [\n",
    );
    let badsrv = HttpServer::start(&bad, None);
    let e = err(&ours(&t.0, &home, &["add", "bad", &badsrv.url("/")]));
    assert!(e.contains("line"), "the YAML error names the line: {e}");
    let hostile = t.path("hostile");
    write(
        &hostile.join("index.yaml"),
        "apiVersion: v1\nentries:\n  ../../evil:\n  - apiVersion: v2\n    name: evil\n    version: 1.0.0\n    urls: [../../../../tmp/evil-1.0.0.tgz]\n  a/b:\n  - apiVersion: v2\n    name: ../b\n    version: 1.0.0\n    urls: [b.tgz]\n",
    );
    let hsrv = HttpServer::start(&hostile, None);
    ok(&ours(&t.0, &home, &["add", "hostile", &hsrv.url("/")]));
    let files_before = files_under(&home);
    assert!(
        files_before.iter().all(|f| !f.contains("evil")),
        "{files_before:?}"
    );
    let d = t.path("dest");
    std::fs::create_dir_all(&d).unwrap();
    let _ = ours(&t.0, &home, &["pull", "hostile/../../evil", "-d", s(&d)]);
    assert!(!t.0.join("evil-1.0.0.tgz").exists() && !Path::new("/tmp/evil-1.0.0.tgz").exists());
    // A truncated download: the update fails and the cached index stays as it was.
    ok(&ours(
        &t.0,
        &home,
        &["add", "web", &HttpServer::start(&root, None).url("/")],
    ));
    let cached = std::fs::read(cache.join("web-index.yaml")).unwrap();
    let cut = HttpServer::start_mode(&root, None, None, Mode::Truncate);
    let yaml_before = std::fs::read_to_string(&repo_yaml).unwrap();
    let e = err(&ours(&t.0, &home, &["add", "cut", &cut.url("/")]));
    assert!(e.contains(&cut.url("/index.yaml")), "{e}");
    assert_eq!(std::fs::read_to_string(&repo_yaml).unwrap(), yaml_before);
    assert!(!cache.join("cut-index.yaml").exists() && !cache.join("cut-charts.txt").exists());
    assert_eq!(std::fs::read(cache.join("web-index.yaml")).unwrap(), cached);
    // No temp files left anywhere.
    assert!(
        files_under(&home).iter().all(|f| !f.contains(".tmp-")),
        "{:?}",
        files_under(&home)
    );
    // Digest mismatch on pull: refused, nothing in the destination.
    let tampered = t.path("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    std::fs::copy(root.join("web-1.0.0.tgz"), tampered.join("web-1.0.0.tgz")).unwrap();
    ok(&ours(&t.0, &t.0, &["index", s(&tampered)]));
    let tsrv = HttpServer::start(&tampered, None);
    ok(&ours(&t.0, &home, &["add", "tampered", &tsrv.url("/")]));
    make_chart(&tampered, "web", "1.0.0", "# changed\n");
    let d2 = t.path("dest2");
    std::fs::create_dir_all(&d2).unwrap();
    let e = err(&ours(&t.0, &home, &["pull", "tampered/web", "-d", s(&d2)]));
    assert!(e.contains("digest mismatch"), "{e}");
    assert!(listing(&d2).is_empty());
}

fn b64(s: &str) -> String {
    b64_bytes(s.as_bytes())
}

#[test]
fn update_reports_each_repository_and_fails_on_one() {
    let t = Tmp::new("update");
    let home = t.path("home");
    let (srv, _root) = repository(&t);
    let (srv2, _r2) = {
        let t2 = t.path("second");
        std::fs::create_dir_all(&t2).unwrap();
        make_chart(&t2, "x", "1.0.0", "");
        let s2 = HttpServer::start(&t2, None);
        ok(&ours(&t.0, &t.0, &["index", s(&t2)]));
        (s2, t2)
    };
    ok(&ours(&t.0, &home, &["add", "one", &srv.url("/")]));
    ok(&ours(&t.0, &home, &["add", "two", &srv2.url("/")]));
    let out = ok(&ours(&t.0, &home, &["update"]));
    assert!(
        out.contains("from the \"one\" chart") && out.contains("from the \"two\" chart"),
        "{out}"
    );
    // One repository goes away: the others still update, and the command fails naming it.
    let broken = format!(
        "http://127.0.0.1:{}/",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    let yaml = std::fs::read_to_string(home.join("config/repositories.yaml"))
        .unwrap()
        .replace(&srv2.url("/"), &broken);
    std::fs::write(home.join("config/repositories.yaml"), yaml).unwrap();
    let o = ours(&t.0, &home, &["update", "--fail-on-repo-update-fail"]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("...Successfully got an update from the \"one\" chart repository"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "...Unable to get an update from the \"two\" chart repository ({broken}):\n\t"
        )),
        "{out}"
    );
    assert_eq!(
        stderr(&o),
        format!("Error: failed to update the following repositories: [{broken}]\n")
    );
    if let Some(_) = reference_helm() {
        let h = helm(&t.0, &home, &["repo", "update", "one"]).unwrap();
        assert_eq!(text(&h), ok(&ours(&t.0, &home, &["update", "one"])));
    }
}

#[test]
fn tls_repository_with_client_certificate() {
    let t = Tmp::new("tls");
    let home = t.path("home");
    let Some(files) = make_tls_files(&t.path("pki")) else {
        return;
    };
    let root = t.path("served");
    std::fs::create_dir_all(&root).unwrap();
    make_chart(&root, "secure", "1.0.0", "");
    ok(&ours(&t.0, &t.0, &["index", s(&root)]));
    let srv = HttpServer::start_with(
        &root,
        None,
        Some(ServerTls {
            cert: files.server_cert.clone(),
            key: files.server_key.clone(),
            client_ca: Some(files.ca.clone()),
        }),
    );
    let e = err(&ours(&t.0, &home, &["add", "secure", &srv.url("/")]));
    assert!(e.contains(&srv.url("/index.yaml")), "{e}");
    ok(&ours(
        &t.0,
        &home,
        &[
            "add",
            "secure",
            &srv.url("/"),
            "--ca-file",
            s(&files.ca),
            "--cert-file",
            s(&files.client_cert),
            "--key-file",
            s(&files.client_key),
        ],
    ));
    let d = t.path("d");
    std::fs::create_dir_all(&d).unwrap();
    ok(&ours(&t.0, &home, &["pull", "secure/secure", "-d", s(&d)]));
    assert!(d.join("secure-1.0.0.tgz").exists());
    assert!(ok(&ours(&t.0, &home, &["search", "secure"])).contains("secure/secure"));
}

fn digest_line(o: &std::process::Output) -> String {
    stderr(o)
        .lines()
        .chain(text(o).lines().map(|l| l))
        .find(|l| l.starts_with("Digest: "))
        .unwrap_or_default()
        .to_string()
}

/// Login with htpasswd, push, search versions from tags, pull; and the same archives and manifest
/// digests as the reference Helm both ways.
#[test]
fn oci_login_push_search_pull_and_helm_interop() {
    let Some(reg) = start_registry_auth("oci", Some(("user", "pa55"))) else {
        return;
    };
    let t = Tmp::new("oci");
    let home = t.path("home");
    let host = reg.host();
    let e = err(&ours(
        &t.0,
        &home,
        &["login", &host, "--plain-http", "-u", "user", "-p", "wrong"],
    ));
    assert!(
        e.contains(&format!("authenticating to \"{host}\"")) && e.contains("401"),
        "{e}"
    );
    assert!(!e.contains("wrong\"") && !e.contains(":wrong"));
    assert!(!home.join("config/registry/config.json").exists());
    let o = run_stdin(
        env!("CARGO_BIN_EXE_kubectl-repo"),
        &t.0,
        &home,
        &[
            "login",
            &host,
            "--plain-http",
            "-u",
            "user",
            "--password-stdin",
        ],
        b"pa55\n",
    );
    assert_eq!(ok(&o), "Login Succeeded\n");
    let config = std::fs::read_to_string(home.join("config/registry/config.json")).unwrap();
    assert!(
        config.contains(&host) && config.contains(&b64("user:pa55")),
        "{config}"
    );

    let charts = t.path("charts");
    std::fs::create_dir_all(&charts).unwrap();
    for v in ["0.1.0", "0.10.0", "0.9.0", "1.0.0-beta.1"] {
        let a = make_chart(&charts, "demo", v, "");
        ok(&ours(
            &t.0,
            &home,
            &[
                "push",
                s(&a),
                &format!("oci://{host}/charts"),
                "--plain-http",
            ],
        ));
    }
    let out = ok(&ours(
        &t.0,
        &home,
        &[
            "search",
            &format!("oci://{host}/charts/demo"),
            "--versions",
            "--plain-http",
            "-o",
            "json",
        ],
    ));
    let versions: Vec<String> = serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(versions, ["0.10.0", "0.9.0", "0.1.0"]);
    let out = ok(&ours(
        &t.0,
        &home,
        &[
            "search",
            &format!("oci://{host}/charts/demo"),
            "--plain-http",
            "--devel",
        ],
    ));
    assert!(
        out.contains(&format!("oci://{host}/charts/demo\t1.0.0-beta.1")),
        "{out}"
    );
    let out = ok(&ours(
        &t.0,
        &home,
        &[
            "search",
            &format!("oci://{host}/charts/demo"),
            "-l",
            "--version",
            "~0.9",
            "--plain-http",
        ],
    ));
    assert!(out.contains("0.9.0") && !out.contains("0.10.0"), "{out}");

    // A ChartArchive document through stdin.
    let src = std::fs::read(make_chart(&charts, "piped", "2.0.0", "")).unwrap();
    let doc = format!(
        "apiVersion: kubectl-helm.dev/v1alpha1\nkind: ChartArchive\nmetadata:\n  name: piped\n  version: 2.0.0\ndigest: sha256:{}\narchive: {}\n",
        sha256_hex(&src),
        b64_bytes(&src)
    );
    let o = run_stdin(
        env!("CARGO_BIN_EXE_kubectl-repo"),
        &t.0,
        &home,
        &["push", "-", &format!("oci://{host}/charts"), "--plain-http"],
        doc.as_bytes(),
    );
    ok(&o);
    assert!(
        stderr(&o).contains(&format!("Pushed: {host}/charts/piped:2.0.0")),
        "{}",
        stderr(&o)
    );

    let d = t.path("pulled");
    std::fs::create_dir_all(&d).unwrap();
    ok(&ours(
        &t.0,
        &home,
        &[
            "pull",
            &format!("oci://{host}/charts/demo"),
            "--version",
            "0.9.0",
            "-d",
            s(&d),
            "--plain-http",
        ],
    ));
    assert_eq!(
        std::fs::read(d.join("demo-0.9.0.tgz")).unwrap(),
        std::fs::read(charts.join("demo-0.9.0.tgz")).unwrap()
    );

    if reference_helm().is_some() {
        // Helm pushes, we pull; we push, Helm pulls: same bytes, same manifest digest.
        let h = make_chart(&charts, "fromhelm", "1.2.3", "");
        let hp = helm(
            &t.0,
            &home,
            &[
                "push",
                s(&h),
                &format!("oci://{host}/charts"),
                "--plain-http",
            ],
        )
        .unwrap();
        ok(&hp);
        let (hd, od) = (t.path("hd"), t.path("od"));
        std::fs::create_dir_all(&hd).unwrap();
        std::fs::create_dir_all(&od).unwrap();
        let op = ours(
            &t.0,
            &home,
            &[
                "pull",
                &format!("oci://{host}/charts/fromhelm"),
                "--version",
                "1.2.3",
                "-d",
                s(&od),
                "--plain-http",
            ],
        );
        ok(&op);
        assert_eq!(
            std::fs::read(od.join("fromhelm-1.2.3.tgz")).unwrap(),
            std::fs::read(&h).unwrap()
        );
        assert_eq!(digest_line(&op), digest_line(&hp));
        // The same archive pushed by us under another name gets the manifest Helm would make.
        let mine = make_chart(&charts, "fromus", "3.2.1", "");
        let pushed = ours(
            &t.0,
            &home,
            &[
                "push",
                s(&mine),
                &format!("oci://{host}/ours"),
                "--plain-http",
            ],
        );
        ok(&pushed);
        let hpull = helm(
            &t.0,
            &home,
            &[
                "pull",
                &format!("oci://{host}/ours/fromus"),
                "--version",
                "3.2.1",
                "-d",
                s(&hd),
                "--plain-http",
            ],
        )
        .unwrap();
        ok(&hpull);
        assert_eq!(
            std::fs::read(hd.join("fromus-3.2.1.tgz")).unwrap(),
            std::fs::read(&mine).unwrap()
        );
        assert_eq!(digest_line(&pushed), digest_line(&hpull));
        let hpush2 = helm(
            &t.0,
            &home,
            &[
                "push",
                s(&mine),
                &format!("oci://{host}/helm"),
                "--plain-http",
            ],
        )
        .unwrap();
        assert_eq!(
            digest_line(&pushed),
            digest_line(&hpush2),
            "our push and Helm's give the same manifest"
        );
    }

    assert_eq!(
        ok(&ours(&t.0, &home, &["logout", &host])),
        format!("Removing login credentials for {host}\n")
    );
    let config = std::fs::read_to_string(home.join("config/registry/config.json")).unwrap();
    assert!(!config.contains(&b64("user:pa55")), "{config}");
    let e = err(&ours(
        &t.0,
        &home,
        &[
            "pull",
            &format!("oci://{host}/charts/demo"),
            "--version",
            "0.9.0",
            "-d",
            s(&d),
            "--plain-http",
        ],
    ));
    assert!(e.contains("401") || e.contains("credential"), "{e}");
}

fn b64_bytes(b: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

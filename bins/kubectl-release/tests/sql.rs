//! End-to-end, Helm's SQL storage driver (`HELM_DRIVER=sql`) on a real PostgreSQL: each test starts a
//! throw-away server (Debian's `postgresql` binaries, a temporary data folder, a free loopback port,
//! trust authentication) and stops it afterwards. Covers the lifecycle on the local cluster, the rows as
//! Helm writes them, interop with the reference Helm both ways on one database (and the schema each side
//! creates on an empty one), and the faults: a server down, restarted mid-upgrade, stopped mid-upgrade,
//! tables of another schema version.
//!
//! Skips (passing, with a message) without the PostgreSQL binaries or the cluster, as e2e.rs does.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The newest `/usr/lib/postgresql/N/bin` with the server binaries.
fn pg_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file()
                && bin.join("pg_ctl").is_file()
                && bin.join("psql").is_file())
            .then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A PostgreSQL server of this test: stopped (`-m immediate`) and its folder removed on drop.
struct Pg {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Pg {
    fn start() -> Option<Pg> {
        let Some(bin) = pg_bin() else {
            eprintln!("SKIP: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
            return None;
        };
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kubehelm-pg-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .unwrap()
            .port();
        let pg = Pg { bin, dir, port };
        if is_root() {
            // initdb and postgres refuse to run as root
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&pg.dir)
                .status()
                .expect("chown");
            assert!(
                st.success(),
                "chown {} to postgres (is there a postgres user?)",
                pg.dir.display()
            );
        }
        let out = pg.as_postgres(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pg.start_server();
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    fn as_postgres(&self, tool: &str, args: &[&str]) -> std::process::Output {
        let exe = self.bin.join(tool);
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running {tool}: {e}"))
    }

    fn start_server(&self) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").to_string_lossy().into_owned();
        let out = self.as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn stop_server(&self, mode: &str) {
        let out = self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", mode, "-w", "stop"]);
        assert!(
            out.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// psql's unaligned output of one statement.
    fn sql(&self, db: &str, statement: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                db,
                "-X",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                statement,
            ])
            .stdin(Stdio::null())
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {statement:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn create_db(&self, db: &str) {
        self.sql("postgres", &format!("CREATE DATABASE {db}"));
    }

    /// The schema of a database as pg_dump prints it (comments and settings left out).
    fn schema(&self, db: &str) -> String {
        let out = Command::new(self.bin.join("pg_dump"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "--schema-only",
                "--no-owner",
                db,
            ])
            .output()
            .expect("pg_dump runs");
        assert!(
            out.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| {
                !l.starts_with("--")
                    && !l.starts_with("SET ")
                    && !l.starts_with('\\')
                    && !l.is_empty()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn sql_env(url: &str) -> [(&'static str, String); 2] {
    [
        ("HELM_DRIVER", "sql".to_string()),
        ("HELM_DRIVER_SQL_CONNECTION_STRING", url.to_string()),
    ]
}

/// Ours with the SQL driver on `url`.
fn kr_sql(kc: &Path, url: &str, args: &[&str]) -> Run {
    let env = sql_env(url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(&ours(), kc, args, &env, None)
}

fn ok_sql(kc: &Path, url: &str, args: &[&str]) -> String {
    let r = kr_sql(kc, url, args);
    assert_eq!(
        r.code, 0,
        "kubectl release {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r.stdout
}

fn helm_sql(helm: &Path, kc: &Path, url: &str, args: &[&str]) -> String {
    let env = sql_env(url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    helm_ok(helm, kc, args, &env)
}

/// `(revision, status)` of every revision, from `history -o json`.
fn history(out: &str) -> Vec<(i64, String)> {
    let v: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
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

fn h(pairs: &[(i64, &str)]) -> Vec<(i64, String)> {
    pairs.iter().map(|(r, s)| (*r, s.to_string())).collect()
}

/// Every row of `releases_v1` decodes, and its columns say what its body says.
fn rows_are_whole(pg: &Pg, db: &str) -> usize {
    let rows = pg.sql(db, "SELECT key, namespace, name, version, status, owner, type, body FROM releases_v1 ORDER BY name, version");
    let mut n = 0;
    for line in rows.lines() {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f.len(), 8, "{line}");
        let rel = kubehelm::release::record::decode(f[7])
            .unwrap_or_else(|e| panic!("row {} does not decode: {e}", f[0]));
        assert_eq!(
            f[0],
            format!("sh.helm.release.v1.{}.v{}", rel.name, rel.version)
        );
        assert_eq!(
            (f[1], f[2], f[3], f[4]),
            (
                rel.namespace.as_str(),
                rel.name.as_str(),
                rel.version.to_string().as_str(),
                rel.info.status.as_str()
            ),
            "columns of {}",
            f[0]
        );
        assert_eq!((f[5], f[6]), ("helm", "helm.sh/release.v1"));
        n += 1;
    }
    n
}

#[test]
fn lifecycle_through_sql() {
    let Some(kc) = kubeconfig(false) else { return };
    let Some(pg) = Pg::start() else { return };
    pg.create_db("ours");
    let url = pg.url("ours");
    let ns = namespace("sql");
    let chart = chart("release-basic");
    let out = ok_sql(
        &kc,
        &url,
        &[
            "install",
            "web",
            &chart,
            "-n",
            &ns,
            "--create-namespace",
            "--set",
            "greeting=hi",
            "--labels",
            "team=a,tier=web",
        ],
    );
    assert!(out.contains("STATUS: deployed\nREVISION: 1\n"), "{out}");
    // no storage Secret: the revision is a row
    let c = client(&kc, &ns);
    assert!(get(&c, "v1", "Secret", "sh.helm.release.v1.web.v1", &ns).is_none());
    assert_eq!(
        get(&c, "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"],
        "hi"
    );
    // Helm's migrations, and the row as Helm writes it
    assert_eq!(
        pg.sql("ours", "SELECT id FROM gorp_migrations ORDER BY id"),
        "custom_labels\ninit\n"
    );
    let row = pg.sql("ours", "SELECT key, type, name, namespace, version, status, owner, createdat > 0, modifiedat > 0 FROM releases_v1");
    assert_eq!(
        row,
        format!("sh.helm.release.v1.web.v1|helm.sh/release.v1|web|{ns}|1|deployed|helm|t|t\n")
    );
    let body = pg.sql("ours", "SELECT body FROM releases_v1");
    let gz =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body.trim()).unwrap();
    assert_eq!(
        &gz[..3],
        &[0x1f, 0x8b, 0x08],
        "the body is base64 of gzip, as Helm's"
    );
    let rel = kubehelm::release::record::decode(body.trim()).unwrap();
    assert_eq!(
        (
            rel.name.as_str(),
            rel.version,
            rel.config["greeting"].as_str()
        ),
        ("web", 1, Some("hi"))
    );
    assert_eq!(
        pg.sql(
            "ours",
            "SELECT releasekey, releasenamespace, key, value FROM custom_labels_v1 ORDER BY key"
        ),
        format!("sh.helm.release.v1.web.v1|{ns}|team|a\nsh.helm.release.v1.web.v1|{ns}|tier|web\n")
    );

    ok_sql(
        &kc,
        &url,
        &[
            "upgrade",
            "web",
            &chart,
            "-n",
            &ns,
            "--set",
            "greeting=again",
        ],
    );
    assert_eq!(
        get(&c, "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"],
        "again"
    );
    ok_sql(&kc, &url, &["rollback", "web", "1", "-n", &ns]);
    assert_eq!(
        get(&c, "v1", "ConfigMap", "web-config", &ns).unwrap()["data"]["greeting"],
        "hi"
    );
    assert_eq!(
        history(&ok_sql(
            &kc,
            &url,
            &["history", "web", "-n", &ns, "-o", "json"]
        )),
        h(&[(1, "superseded"), (2, "superseded"), (3, "deployed")])
    );
    let st = ok_sql(&kc, &url, &["status", "web", "-n", &ns]);
    assert!(
        st.contains("REVISION: 3\nDESCRIPTION: Rollback to 1\n"),
        "{st}"
    );
    let meta: Value = serde_json::from_str(&ok_sql(
        &kc,
        &url,
        &["get", "metadata", "web", "-n", &ns, "-o", "json"],
    ))
    .unwrap();
    assert_eq!(
        meta["labels"],
        serde_json::json!({"team": "a", "tier": "web"}),
        "{meta}"
    );
    assert_eq!(
        ok_sql(&kc, &url, &["get", "values", "web", "-n", &ns]),
        "USER-SUPPLIED VALUES:\ngreeting: hi\n"
    );
    assert_eq!(rows_are_whole(&pg, "ours"), 3);

    // a second release, and list in the namespace and across namespaces
    ok_sql(
        &kc,
        &url,
        &["install", "two", &chart, "-n", &ns, "--set", "greeting=two"],
    );
    let list: Value =
        serde_json::from_str(&ok_sql(&kc, &url, &["list", "-n", &ns, "-o", "json"])).unwrap();
    let names: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["revision"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("two", "1"), ("web", "3")]);
    assert!(
        ok_sql(&kc, &url, &["list", "-A"]).contains(&format!("web \t{ns}\t3 ")),
        "list -A"
    );
    assert!(
        ok_sql(&kc, &url, &["list", "-n", "elsewhere"])
            .lines()
            .count()
            <= 1,
        "another namespace sees no release"
    );
    // --history-max prunes rows and their labels
    ok_sql(
        &kc,
        &url,
        &["upgrade", "web", &chart, "-n", &ns, "--history-max", "2"],
    );
    assert_eq!(
        history(&ok_sql(
            &kc,
            &url,
            &["history", "web", "-n", &ns, "-o", "json"]
        )),
        h(&[(3, "superseded"), (4, "deployed")])
    );
    assert_eq!(pg.sql("ours", "SELECT count(*) FROM custom_labels_v1 WHERE releasekey LIKE 'sh.helm.release.v1.web.%'"), "4\n");

    // uninstall: the rows and their labels are gone
    assert_eq!(
        ok_sql(&kc, &url, &["uninstall", "web", "-n", &ns]),
        "release \"web\" uninstalled\n"
    );
    assert_eq!(
        pg.sql(
            "ours",
            "SELECT count(*) FROM releases_v1 WHERE name = 'web'"
        ),
        "0\n"
    );
    assert_eq!(pg.sql("ours", "SELECT count(*) FROM custom_labels_v1 WHERE releasekey LIKE 'sh.helm.release.v1.web.%'"), "0\n");
    let gone = kr_sql(&kc, &url, &["status", "web", "-n", &ns]);
    assert_eq!(
        (gone.code, gone.stderr.as_str()),
        (1, "Error: release: not found\n")
    );
    // --keep-history keeps the rows, marked uninstalled
    ok_sql(
        &kc,
        &url,
        &["uninstall", "two", "-n", &ns, "--keep-history"],
    );
    assert_eq!(
        pg.sql("ours", "SELECT status FROM releases_v1 WHERE name = 'two'"),
        "uninstalled\n"
    );
    assert_eq!(rows_are_whole(&pg, "ours"), 1);
}

#[test]
fn interop_with_reference_helm() {
    let Some(kc) = kubeconfig(false) else { return };
    let Some(helm) = reference_helm() else { return };
    let Some(pg) = Pg::start() else { return };
    let chart = chart("release-basic");

    // on an empty database, each side creates the same schema, and takes the other's
    pg.create_db("helmfirst");
    pg.create_db("oursfirst");
    let (helm_url, ours_url) = (pg.url("helmfirst"), pg.url("oursfirst"));
    let ns = namespace("sqlh");
    helm_sql(
        &helm,
        &kc,
        &helm_url,
        &[
            "install",
            "hh",
            &chart,
            "-n",
            &ns,
            "--create-namespace",
            "--set",
            "greeting=helm",
            "--labels",
            "team=h",
        ],
    );
    ok_sql(
        &kc,
        &ours_url,
        &[
            "install",
            "oo",
            &chart,
            "-n",
            &ns,
            "--set",
            "greeting=ours,widget.size=small",
            "--labels",
            "team=o",
        ],
    );
    assert_eq!(
        pg.schema("helmfirst"),
        pg.schema("oursfirst"),
        "the schema we create is Helm's"
    );
    assert_eq!(
        pg.sql("helmfirst", "SELECT id FROM gorp_migrations ORDER BY id"),
        pg.sql("oursfirst", "SELECT id FROM gorp_migrations ORDER BY id")
    );

    // Helm installed: we list, upgrade, roll back
    let url = helm_url;
    let list = ok_sql(&kc, &url, &["list", "-n", &ns]);
    assert!(
        list.contains("hh  \t") && list.contains("\t1       \t") && list.contains("deployed"),
        "{list}"
    );
    ok_sql(
        &kc,
        &url,
        &[
            "upgrade",
            "hh",
            &chart,
            "-n",
            &ns,
            "--reuse-values",
            "--set",
            "widget.size=large",
        ],
    );
    ok_sql(&kc, &url, &["rollback", "hh", "1", "-n", &ns]);
    let c = client(&kc, &ns);
    assert_eq!(
        get(&c, "v1", "ConfigMap", "hh-config", &ns).unwrap()["data"]["greeting"],
        "helm"
    );
    let want = h(&[(1, "superseded"), (2, "superseded"), (3, "deployed")]);
    assert_eq!(
        history(&ok_sql(
            &kc,
            &url,
            &["history", "hh", "-n", &ns, "-o", "json"]
        )),
        want
    );
    assert_eq!(
        history(&helm_sql(
            &helm,
            &kc,
            &url,
            &["history", "hh", "-n", &ns, "-o", "json"]
        )),
        want,
        "Helm reads our revisions"
    );
    let theirs = helm_sql(
        &helm,
        &kc,
        &url,
        &["get", "metadata", "hh", "-n", &ns, "-o", "json"],
    );
    let mine = ok_sql(
        &kc,
        &url,
        &["get", "metadata", "hh", "-n", &ns, "-o", "json"],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&theirs).unwrap(),
        serde_json::from_str::<Value>(&mine).unwrap(),
        "helm: {theirs}\nours: {mine}"
    );
    assert!(mine.contains("\"team\":\"h\""), "{mine}");
    assert_eq!(
        helm_sql(
            &helm,
            &kc,
            &url,
            &["get", "values", "hh", "-n", &ns, "--revision", "2"]
        ),
        ok_sql(
            &kc,
            &url,
            &["get", "values", "hh", "-n", &ns, "--revision", "2"]
        )
    );

    // we installed: Helm (and the current Helm when it is there) lists, shows the history, upgrades
    let url = ours_url;
    let current = PathBuf::from("/root/.cache/reference-helm/v4.3.2/helm");
    let helms: Vec<PathBuf> = if current.is_file() {
        vec![helm.clone(), current]
    } else {
        vec![helm.clone()]
    };
    for (i, h2) in helms.iter().enumerate() {
        let list = helm_sql(h2, &kc, &url, &["list", "-n", &ns, "-o", "json"]);
        let v: Value = serde_json::from_str(&list).unwrap();
        assert_eq!(v[0]["name"], "oo", "{}: {list}", h2.display());
        assert_eq!(v[0]["revision"], (i + 1).to_string(), "{list}");
        assert_eq!(v[0]["status"], "deployed");
        helm_sql(
            h2,
            &kc,
            &url,
            &[
                "upgrade",
                "oo",
                &chart,
                "-n",
                &ns,
                "--reuse-values",
                "--set",
                &format!("greeting=helm{i}"),
            ],
        );
    }
    let n = helms.len() as i64 + 1;
    let mut want: Vec<(i64, String)> = (1..n).map(|r| (r, "superseded".to_string())).collect();
    want.push((n, "deployed".into()));
    assert_eq!(
        history(&helm_sql(
            &helm,
            &kc,
            &url,
            &["history", "oo", "-n", &ns, "-o", "json"]
        )),
        want
    );
    assert_eq!(
        history(&ok_sql(
            &kc,
            &url,
            &["history", "oo", "-n", &ns, "-o", "json"]
        )),
        want,
        "we read Helm's revisions"
    );
    let vals = ok_sql(&kc, &url, &["get", "values", "oo", "-n", &ns, "-o", "json"]);
    let vals: Value = serde_json::from_str(&vals).unwrap();
    assert_eq!(
        (vals["greeting"].as_str(), vals["widget"]["size"].as_str()),
        (Some(format!("helm{}", n - 2).as_str()), Some("small"))
    );
    // Helm's revisions carry the custom labels of the first one, as ours do
    assert_eq!(pg.sql("oursfirst", &format!("SELECT count(*) FROM custom_labels_v1 WHERE key = 'team' AND value = 'o' AND releasenamespace = '{ns}'")), format!("{n}\n"));
    // Helm uninstalls what we installed
    helm_sql(&helm, &kc, &url, &["uninstall", "oo", "-n", &ns]);
    assert_eq!(
        pg.sql("oursfirst", "SELECT count(*) FROM releases_v1"),
        "0\n"
    );
    assert_eq!(rows_are_whole(&pg, "helmfirst"), 3);
}

#[test]
fn faults_down_foreign_schema_and_bad_settings() {
    let Some(kc) = kubeconfig(false) else { return };
    let Some(pg) = Pg::start() else { return };
    let ns = namespace("sqlf");
    let chart = chart("release-basic");
    let c = client(&kc, &ns);
    let target = format!("127.0.0.1:{}", pg.port);

    // a migration id we do not know (a newer schema): refused, nothing written, nothing applied
    pg.create_db("newer");
    ok_sql(&kc, &pg.url("newer"), &["list", "-n", &ns]);
    pg.sql(
        "newer",
        "INSERT INTO gorp_migrations (id, applied_at) VALUES ('20300101-helm-v5', now())",
    );
    let r = kr_sql(
        &kc,
        &pg.url("newer"),
        &["install", "web", &chart, "-n", &ns, "--create-namespace"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "PostgreSQL at {target}: gorp_migrations records migration \"20300101-helm-v5\""
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("another schema version") && r.stderr.contains("nothing was written"),
        "{}",
        r.stderr
    );
    assert_eq!(pg.sql("newer", "SELECT count(*) FROM releases_v1"), "0\n");
    assert!(
        get(&c, "v1", "ConfigMap", "web-config", &ns).is_none(),
        "nothing was applied to the cluster"
    );

    // a table missing a column
    pg.create_db("oldcols");
    pg.sql(
        "oldcols",
        "CREATE TABLE gorp_migrations (id text PRIMARY KEY, applied_at timestamptz); \
         INSERT INTO gorp_migrations VALUES ('init', now()), ('custom_labels', now()); \
         CREATE TABLE releases_v1 (key VARCHAR(90), type VARCHAR(64), body TEXT, name VARCHAR(64), namespace VARCHAR(64), version INTEGER, status TEXT, owner TEXT, createdAt INTEGER, PRIMARY KEY(key, namespace)); \
         CREATE TABLE custom_labels_v1 (releaseKey VARCHAR(64), releaseNamespace VARCHAR(67), key VARCHAR(317), value VARCHAR(63));",
    );
    let r = kr_sql(
        &kc,
        &pg.url("oldcols"),
        &["install", "web", &chart, "-n", &ns, "--create-namespace"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("table releases_v1 has no column \"modifiedat\""),
        "{}",
        r.stderr
    );
    assert_eq!(pg.sql("oldcols", "SELECT count(*) FROM releases_v1"), "0\n");
    assert!(get(&c, "v1", "ConfigMap", "web-config", &ns).is_none());

    // Helm's table without its migration record (made by hand, or by something else): not touched
    pg.create_db("unrecorded");
    pg.sql(
        "unrecorded",
        "CREATE TABLE releases_v1 (key text, note text)",
    );
    let r = kr_sql(&kc, &pg.url("unrecorded"), &["list", "-n", &ns]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("table releases_v1 exists, but gorp_migrations does not record Helm's migration \"init\""), "{}", r.stderr);
    assert_eq!(pg.sql("unrecorded", "SELECT to_regclass('gorp_migrations') IS NULL AND to_regclass('custom_labels_v1') IS NULL"), "t\n", "the refused migration left nothing behind");

    // settings: no connection string; lib/pq's default sslmode=require (TLS) is refused, not weakened
    let r = run(
        &ours(),
        &kc,
        &["list", "-n", &ns],
        &[("HELM_DRIVER", "sql")],
        None,
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("HELM_DRIVER=sql needs HELM_DRIVER_SQL_CONNECTION_STRING"),
        "{}",
        r.stderr
    );
    let r = kr_sql(
        &kc,
        &format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port),
        &["list", "-n", &ns],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("sslmode \"require\" (lib/pq's default, which Helm uses) needs TLS"),
        "{}",
        r.stderr
    );
    // the key=value form Helm also takes
    let dsn = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=disable",
        pg.port
    );
    ok_sql(&kc, &dsn, &["list", "-n", &ns]);
    assert_eq!(
        pg.sql("postgres", "SELECT id FROM gorp_migrations ORDER BY id"),
        "custom_labels\ninit\n"
    );

    // the server down: a clear error naming host:port, non-zero exit, nothing applied
    pg.stop_server("fast");
    let started = Instant::now();
    let r = kr_sql(
        &kc,
        &dsn,
        &["install", "web", &chart, "-n", &ns, "--create-namespace"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "unable to instantiate SQL driver: cannot connect to PostgreSQL at {target}: "
        )),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.to_lowercase().contains("connection refused"),
        "{}",
        r.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "gave up in {:?}",
        started.elapsed()
    );
    assert!(get(&c, "v1", "ConfigMap", "web-config", &ns).is_none());
    let r = kr_sql(&kc, &dsn, &["list", "-n", &ns]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains(&target), "{}", r.stderr);
    pg.start_server();
    ok_sql(&kc, &dsn, &["list", "-n", &ns]);
}

/// Waits until `query` prints `want` (polling), panicking after `limit`.
fn wait_for_row(pg: &Pg, db: &str, query: &str, want: &str, limit: Duration) {
    let start = Instant::now();
    while pg.sql(db, query) != want {
        assert!(start.elapsed() < limit, "{query} never gave {want:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn restarted_and_stopped_mid_upgrade() {
    let Some(kc) = kubeconfig(true) else { return };
    let Some(pg) = Pg::start() else { return };
    pg.create_db("mid");
    let url = pg.url("mid");
    let ns = namespace("sqlm");
    let chart = chart("release-wait");
    ok_sql(
        &kc,
        &url,
        &["install", "w", &chart, "-n", &ns, "--create-namespace"],
    );
    let env = sql_env(&url);
    let spawn_upgrade = |set: &str| {
        let mut cmd = Command::new(ours());
        cmd.args([
            "upgrade",
            "w",
            &chart,
            "-n",
            &ns,
            "--set",
            set,
            "--timeout",
            "60s",
        ])
        .env("KUBECONFIG", &kc)
        .env("KUBEHELM_COMPAT", "v4.1")
        .env_remove("HELM_NAMESPACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.spawn().expect("upgrade starts")
    };

    // restarted while the pre-upgrade hook runs: the connection is opened again and the upgrade completes
    let child = spawn_upgrade("message=two,slowHook=10s");
    wait_for_row(
        &pg,
        "mid",
        "SELECT status FROM releases_v1 WHERE name = 'w' AND version = 2",
        "pending-upgrade\n",
        Duration::from_secs(30),
    );
    pg.stop_server("fast");
    pg.start_server();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the upgrade survives a restart: {stderr}"
    );
    assert_eq!(
        history(&ok_sql(
            &kc,
            &url,
            &["history", "w", "-n", &ns, "-o", "json"]
        )),
        h(&[(1, "superseded"), (2, "deployed")])
    );
    assert_eq!(rows_are_whole(&pg, "mid"), 2);

    // stopped while the hook runs, and not back when the upgrade records its outcome: a clear error, and
    // revision 3 stays whole as it was last written (pending-upgrade); recover marks it failed
    let child = spawn_upgrade("message=three,slowHook=5s");
    wait_for_row(
        &pg,
        "mid",
        "SELECT status FROM releases_v1 WHERE name = 'w' AND version = 3",
        "pending-upgrade\n",
        Duration::from_secs(30),
    );
    pg.stop_server("fast");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("PostgreSQL at 127.0.0.1:{}", pg.port)),
        "{stderr}"
    );
    pg.start_server();
    assert_eq!(rows_are_whole(&pg, "mid"), 3);
    assert_eq!(
        pg.sql(
            "mid",
            "SELECT version, status FROM releases_v1 WHERE name = 'w' ORDER BY version"
        ),
        "1|superseded\n2|deployed\n3|pending-upgrade\n"
    );
    let r = kr_sql(
        &kc,
        &url,
        &["upgrade", "w", &chart, "-n", &ns, "--set", "message=four"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("another operation (install/upgrade/rollback) is in progress"),
        "{}",
        r.stderr
    );
    ok_sql(&kc, &url, &["recover", "w", "-n", &ns]);
    ok_sql(
        &kc,
        &url,
        &["upgrade", "w", &chart, "-n", &ns, "--set", "message=four"],
    );
    assert_eq!(
        history(&ok_sql(
            &kc,
            &url,
            &["history", "w", "-n", &ns, "-o", "json"]
        )),
        h(&[
            (1, "superseded"),
            (2, "superseded"),
            (3, "failed"),
            (4, "deployed")
        ])
    );
    assert_eq!(rows_are_whole(&pg, "mid"), 4);
}

/// The driver through the library's `Storage`, on PostgreSQL alone (no cluster): conflicts, not-found,
/// namespaces, label queries, a revision whose labels do not fit Helm's columns (nothing of it stored),
/// a row that does not decode.
#[test]
fn driver_api_on_postgres() {
    use kubehelm::release::sqldriver::SqlDriver;
    use kubehelm::release::storage::{Driver, Storage, StorageError};
    use kubehelm::release::Release;
    let Some(pg) = Pg::start() else { return };
    pg.create_db("api");
    let url = pg.url("api");
    let rel = |name: &str, ns: &str, version: i64, status: &str, labels: &[(&str, &str)]| {
        let mut r = Release {
            name: name.into(),
            namespace: ns.into(),
            version,
            ..Default::default()
        };
        r.info.status = status.into();
        r.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        r
    };
    let a = Storage::new(Box::new(SqlDriver::open(&url, "a").expect("driver on a")));
    let b = Storage::new(Box::new(SqlDriver::open(&url, "b").expect("driver on b")));
    let all = SqlDriver::open(&url, "").expect("driver on every namespace");
    assert_eq!(a.driver.name(), "sql");

    a.create(&rel("x", "a", 1, "superseded", &[("team", "one")]))
        .unwrap();
    a.create(&rel("x", "a", 2, "deployed", &[("team", "one")]))
        .unwrap();
    assert!(
        matches!(
            a.create(&rel("x", "a", 2, "failed", &[])),
            Err(StorageError::Exists)
        ),
        "a revision is created once"
    );
    b.create(&rel("y", "b", 1, "deployed", &[])).unwrap();
    assert!(matches!(a.get("x", 9), Err(StorageError::NotFound)));
    assert!(matches!(
        a.update(&rel("x", "a", 9, "deployed", &[])),
        Err(StorageError::NotFound)
    ));
    assert!(matches!(a.delete("x", 9), Err(StorageError::NotFound)));
    assert!(
        matches!(a.get("y", 1), Err(StorageError::NotFound)),
        "namespace a does not see b's release"
    );

    let got = a.get("x", 2).unwrap();
    assert_eq!((got.version, got.info.status.as_str()), (2, "deployed"));
    assert_eq!(got.labels.get("team").map(String::as_str), Some("one"));
    assert_eq!(a.deployed("x").unwrap().version, 2);
    assert_eq!(a.history("x").unwrap().len(), 2);
    let revs = |s: &Storage, sel: &[(&str, &str)]| -> Vec<i64> {
        let mut v: Vec<i64> = s
            .driver
            .entries(sel)
            .unwrap()
            .iter()
            .map(|e| e.revision)
            .collect();
        v.sort();
        v
    };
    assert_eq!(revs(&a, &[("team", "one")]), [1, 2]);
    assert_eq!(revs(&a, &[("team", "two")]), Vec::<i64>::new());
    assert_eq!(revs(&a, &[("version", "2")]), [2]);
    assert_eq!(revs(&a, &[("version", "two")]), Vec::<i64>::new());
    assert_eq!(revs(&a, &[("status", "superseded")]), [1]);
    let mut newest: Vec<(String, i64)> = all
        .newest_each()
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.version))
        .collect();
    newest.sort();
    assert_eq!(newest, [("x".to_string(), 2), ("y".to_string(), 1)]);

    // update: the body and the label columns, modifiedAt; the custom labels stay those of creation
    let mut two = a.get("x", 2).unwrap();
    two.info.status = "superseded".into();
    a.update(&two).unwrap();
    assert_eq!(
        pg.sql(
            "api",
            "SELECT status, modifiedat > 0 FROM releases_v1 WHERE key = 'sh.helm.release.v1.x.v2'"
        ),
        "superseded|t\n"
    );

    // Helm's custom_labels_v1.releaseKey is VARCHAR(64): a long name with labels does not fit, and the
    // revision is not stored at all (one transaction)
    let long = "l".repeat(53);
    let e = a
        .create(&rel(&long, "a", 1, "deployed", &[("team", "one")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("PostgreSQL at 127.0.0.1:{}", pg.port)) && e.contains("value too long"),
        "{e}"
    );
    assert_eq!(
        pg.sql(
            "api",
            &format!("SELECT count(*) FROM releases_v1 WHERE name = '{long}'")
        ),
        "0\n"
    );

    // a row that does not decode: get says so, list skips it
    pg.sql(
        "api",
        "UPDATE releases_v1 SET body = 'not a release' WHERE key = 'sh.helm.release.v1.y.v1'",
    );
    let e = b.get("y", 1).unwrap_err().to_string();
    assert!(
        e.starts_with("get: failed to decode data \"sh.helm.release.v1.y.v1\""),
        "{e}"
    );
    let names: Vec<String> = all
        .newest_each()
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["x"]);
    a.delete("x", 1).unwrap();
    assert_eq!(
        pg.sql(
            "api",
            "SELECT count(*) FROM custom_labels_v1 WHERE releasekey = 'sh.helm.release.v1.x.v1'"
        ),
        "0\n"
    );
}

//! The subcommands of `kubectl repo`: each reads its flags, calls the library and prints what Helm
//! prints (stdout for results, stderr for warnings and progress).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kubehelm::chartref::{ChartDownloader, Verify};
use kubehelm::oci;
use kubehelm::repo::http::TlsOptions;
use kubehelm::repo::paths::{cache_charts_file, cache_index_file, Settings};
use kubehelm::repo::search::{self, Query};
use kubehelm::repo::{self, lock::RepoFileLock, Entry, IndexFile, RepoFile, Updated};
use kubehelm::stream::{self, ChartArchive};
use serde_json::{json, Value};

use crate::{
    AddArgs, Cli, Command, Format, IndexArgs, ListArgs, LoginArgs, LogoutArgs, PullArgs, PushArgs,
    RemoveArgs, SearchArgs, UpdateArgs,
};

pub type Res = Result<(), String>;

pub fn run(cli: Cli) -> Res {
    match cli.command {
        Command::Add(a) => add(a),
        Command::Remove(a) => remove(a),
        Command::List(a) => list(a),
        Command::Update(a) => update(a),
        Command::Index(a) => index(a),
        Command::Search(a) => search_cmd(a),
        Command::Pull(a) => pull(a),
        Command::Push(a) => push(a),
        Command::Login(a) => login(a),
        Command::Logout(a) => logout(a),
        Command::Completion(a) => kubehelm::cli::complete::run_completion("repo", &a),
    }
}

fn e2s<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn quote(s: &str) -> String {
    // Go's %q for the text these messages carry (printable UTF-8 kept, quotes and controls escaped).
    serde_json::to_string(s).unwrap_or_default()
}

/// Go's time.ParseDuration for the usual forms: `300s`, `5m`, `2m0s`, `1h30m`, `1.5s`, `250ms`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(format!("invalid duration {}", quote(s)));
    }
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or(format!("time: missing unit in duration {}", quote(s)))?;
        let n: f64 = rest[..n_end]
            .parse()
            .map_err(|_| format!("time: invalid duration {}", quote(s)))?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            u => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(u),
                    quote(s)
                ))
            }
        };
        total += n * unit;
        rest = &rest[u_end..];
    }
    Ok(Duration::from_secs_f64(total))
}

/// A password typed at the terminal without echo (`stty -echo` around the read).
fn read_password(prompt: &str) -> Result<String, String> {
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let tty = std::io::stdin().is_terminal();
    let stty = |arg: &str| {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    if tty {
        stty("-echo");
    }
    let mut line = String::new();
    let r = std::io::stdin().read_line(&mut line);
    if tty {
        stty("echo");
    }
    println!();
    r.map_err(e2s)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn read_stdin_password() -> Result<String, String> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(e2s)?;
    let s = s.strip_suffix('\n').unwrap_or(&s);
    Ok(s.strip_suffix('\r').unwrap_or(s).to_string())
}

const DEPRECATED_REPOS: [(&str, &str); 2] = [
    (
        "//kubernetes-charts.storage.googleapis.com",
        "https://charts.helm.sh/stable",
    ),
    (
        "//kubernetes-charts-incubator.storage.googleapis.com",
        "https://charts.helm.sh/incubator",
    ),
];

fn add(a: AddArgs) -> Res {
    let settings = a.location.settings();
    if !a.allow_deprecated_repos {
        for (old, new) in DEPRECATED_REPOS {
            if a.url.contains(old) {
                return Err(format!(
                    "repo {} is no longer available; try {} instead",
                    quote(&a.url),
                    quote(new)
                ));
            }
        }
    }
    let timeout = parse_duration(&a.timeout).map_err(|e| {
        format!(
            "invalid argument {} for \"--timeout\" flag: {e}",
            quote(&a.timeout)
        )
    })?;
    let repo_file = &settings.repository_config;
    let _lock = RepoFileLock::acquire(repo_file, Duration::from_secs(30)).map_err(e2s)?;
    let mut f = match std::fs::read(repo_file) {
        Ok(b) => RepoFile::parse(&b).map_err(e2s)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => RepoFile::default(),
        Err(e) => return Err(repo::fsutil::os_error("open", repo_file, &e)),
    };
    let mut password = a.password.clone();
    if !a.username.is_empty() && password.is_empty() {
        password = if a.password_stdin {
            read_stdin_password()?
        } else {
            read_password("Password: ")?
        };
    }
    let entry = Entry {
        name: a.name.clone(),
        url: a.url.clone(),
        username: a.username.clone(),
        password,
        cert_file: a.cert_file.clone(),
        key_file: a.key_file.clone(),
        ca_file: a.ca_file.clone(),
        insecure_skip_tls_verify: a.insecure_skip_tls_verify,
        pass_credentials_all: a.pass_credentials,
    };
    if a.name.contains('/') {
        return Err(format!(
            "repository name ({}) contains '/', please specify a different name without '/'",
            a.name
        ));
    }
    if !a.force_update {
        if let Some(existing) = f.get(&a.name) {
            if *existing != entry {
                return Err(format!(
                    "repository name ({}) already exists, please specify a different name",
                    a.name
                ));
            }
            println!(
                "{} already exists with the same configuration, skipping",
                quote(&a.name)
            );
            return Ok(());
        }
    }
    repo::update_index_file(&entry, &settings.repository_cache, Some(timeout)).map_err(|e| {
        format!(
            "looks like {} is not a valid chart repository or cannot be reached: {e}",
            quote(&a.url)
        )
    })?;
    f.update(entry);
    f.write(repo_file, 0o600).map_err(e2s)?;
    println!("{} has been added to your repositories", quote(&a.name));
    Ok(())
}

fn remove(a: RemoveArgs) -> Res {
    let settings = a.location.settings();
    let repo_file = &settings.repository_config;
    let _lock = RepoFileLock::acquire(repo_file, Duration::from_secs(30)).map_err(e2s)?;
    let mut r = match RepoFile::load(repo_file) {
        Ok(r) if !r.repositories.is_empty() => r,
        Err(e) if !e.not_found => return Err(e.to_string()),
        _ => return Err("no repositories configured".into()),
    };
    for name in &a.names {
        if !r.remove(name) {
            return Err(format!("no repo named {} found", quote(name)));
        }
        r.write(repo_file, 0o600).map_err(e2s)?;
        let cache = &settings.repository_cache;
        let _ = std::fs::remove_file(cache.join(cache_charts_file(name)));
        search::remove_cache(cache, name);
        let idx = cache.join(cache_index_file(name));
        match std::fs::remove_file(&idx) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(format!(
                    "can't remove index file {}: {}",
                    idx.display(),
                    repo::fsutil::os_error("remove", &idx, &e)
                ))
            }
        }
        println!("{} has been removed from your repositories", quote(name));
    }
    Ok(())
}

/// Go's `json.NewEncoder(out).Encode(v)`: compact, HTML-escaped, a newline after.
fn go_json_line(v: &Value) -> String {
    kubehelm::release::print::go_json_line(v)
}

fn list(a: ListArgs) -> Res {
    let settings = a.location.settings();
    let f = RepoFile::load(&settings.repository_config).unwrap_or_default();
    if f.repositories.is_empty() && a.output == Format::Table {
        eprintln!("no repositories to show");
        return Ok(());
    }
    let out = match a.output {
        Format::Table => {
            let mut rows: Vec<Vec<&str>> = Vec::new();
            if !a.no_headers {
                rows.push(vec!["NAME", "URL"]);
            }
            for e in &f.repositories {
                rows.push(vec![&e.name, &e.url]);
            }
            search::table(&rows, 0)
        }
        Format::Json | Format::Yaml => {
            let v = Value::Array(
                f.repositories
                    .iter()
                    .map(|e| json!({"name": e.name, "url": e.url}))
                    .collect(),
            );
            if a.output == Format::Json {
                go_json_line(&v)
            } else {
                kubehelm::yaml::to_string(&v)
            }
        }
    };
    print!("{out}");
    Ok(())
}

fn update(a: UpdateArgs) -> Res {
    let settings = a.location.settings();
    let timeout = parse_duration(&a.timeout).map_err(|e| {
        format!(
            "invalid argument {} for \"--timeout\" flag: {e}",
            quote(&a.timeout)
        )
    })?;
    const NO_REPOS: &str = "no repositories found. You must add one before updating";
    let f = match RepoFile::load(&settings.repository_config) {
        Err(e) if e.not_found => return Err(NO_REPOS.into()),
        Err(e) => {
            return Err(format!(
                "failed loading file: {}: {e}",
                settings.repository_config.display()
            ))
        }
        Ok(f) if f.repositories.is_empty() => return Err(NO_REPOS.into()),
        Ok(f) => f,
    };
    for n in &a.names {
        if !f.has(n) {
            return Err(format!(
                "no repositories found matching '{n}'.  Nothing will be updated"
            ));
        }
    }
    let repos: Vec<Entry> = f
        .repositories
        .into_iter()
        .filter(|e| a.names.is_empty() || a.names.contains(&e.name))
        .collect();
    println!("Hang tight while we grab the latest from your chart repositories...");
    let progress = std::io::stderr().is_terminal();
    let (tx, rx) = mpsc::channel();
    let cache = settings.repository_cache.clone();
    for (i, e) in repos.iter().enumerate() {
        let (tx, e, cache) = (tx.clone(), e.clone(), cache.clone());
        if progress {
            eprintln!("  {}: fetching {}", e.name, e.url);
        }
        std::thread::spawn(move || {
            let start = Instant::now();
            let r = repo::update_index_file(&e, &cache, Some(timeout));
            let _ = tx.send((i, r, start.elapsed()));
        });
    }
    drop(tx);
    let mut failed: Vec<usize> = Vec::new();
    let mut stdout = std::io::stdout();
    for (i, r, took) in rx {
        let e = &repos[i];
        match r {
            Ok(u) => {
                let _ = writeln!(
                    stdout,
                    "...Successfully got an update from the {} chart repository",
                    quote(&e.name)
                );
                if progress {
                    let what = match u {
                        Updated::NotModified(_) => "not modified".to_string(),
                        Updated::Downloaded(p) => {
                            format!(
                                "{} bytes",
                                std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
                            )
                        }
                    };
                    eprintln!("  {}: {what} in {:.1}s", e.name, took.as_secs_f64());
                }
            }
            Err(err) => {
                let _ = writeln!(
                    stdout,
                    "...Unable to get an update from the {} chart repository ({}):\n\t{err}",
                    quote(&e.name),
                    e.url
                );
                failed.push(i);
            }
        }
        let _ = stdout.flush();
    }
    if !failed.is_empty() {
        let urls: Vec<&str> = failed.iter().map(|&i| repos[i].url.as_str()).collect();
        return Err(format!(
            "failed to update the following repositories: [{}]",
            urls.join(" ")
        ));
    }
    println!("Update Complete. ⎈Happy Helming!⎈");
    Ok(())
}

fn write_index(i: &IndexFile, out: &Path, json: bool) -> Result<(), String> {
    let text = if json { i.to_json() } else { i.to_yaml() };
    repo::fsutil::write_atomic(out, text.as_bytes(), 0o644)
        .map_err(|e| repo::fsutil::os_error("open", out, &e))
}

fn index(a: IndexArgs) -> Res {
    let dir = absolute(Path::new(&a.dir));
    let out = dir.join("index.yaml");
    let mut i = repo::index_directory(&dir, &a.url).map_err(e2s)?;
    if !a.merge.is_empty() {
        let merge_to = Path::new(&a.merge);
        let other = if std::fs::metadata(merge_to).is_err() {
            let fresh = IndexFile::new();
            // Helm writes the new, empty index to the --merge path and ignores a failure to do so.
            let _ = write_index(&fresh, merge_to, a.json);
            fresh
        } else {
            IndexFile::load_file(merge_to).map_err(|e| format!("merge failed: {e}"))?
        };
        i.merge(&other);
    }
    i.sort_entries();
    write_index(&i, &out, a.json)
}

fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    PathBuf::from(repo::url::go_clean(&joined.to_string_lossy()))
}

// ---- search -----------------------------------------------------------------------------------------

struct Row {
    name: String,
    version: String,
    app_version: String,
    description: String,
}

fn print_rows(rows: &[Row], format: Format, max_col_width: usize, fail_on_no_result: bool) -> Res {
    if rows.is_empty() && fail_on_no_result {
        return Err("no results found".into());
    }
    let out = match format {
        Format::Table => {
            if rows.is_empty() {
                "No results found\n".to_string()
            } else {
                let mut t: Vec<Vec<&str>> =
                    vec![vec!["NAME", "CHART VERSION", "APP VERSION", "DESCRIPTION"]];
                for r in rows {
                    t.push(vec![&r.name, &r.version, &r.app_version, &r.description]);
                }
                search::table(&t, max_col_width)
            }
        }
        Format::Json | Format::Yaml => {
            let v = Value::Array(
                rows.iter()
                    .map(|r| json!({"name": r.name, "version": r.version, "app_version": r.app_version, "description": r.description}))
                    .collect(),
            );
            if format == Format::Json {
                // Struct field order: name, version, app_version, description.
                let items: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        kubehelm::release::print::ordered_json(&[
                            ("name", json!(r.name)),
                            ("version", json!(r.version)),
                            ("app_version", json!(r.app_version)),
                            ("description", json!(r.description)),
                        ])
                    })
                    .collect();
                format!("[{}]\n", items.join(","))
            } else {
                kubehelm::yaml::to_string(&v)
            }
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes()).map_err(e2s)?;
    stdout.flush().map_err(e2s)
}

fn search_cmd(a: SearchArgs) -> Res {
    if a.keyword.len() == 1 && oci::is_oci(&a.keyword[0]) {
        return search_oci(&a);
    }
    let settings = a.location.settings();
    let rf = match RepoFile::load(&settings.repository_config) {
        Ok(f) if !f.repositories.is_empty() => f,
        _ => return Err("no repositories configured".into()),
    };
    let mut all = Vec::with_capacity(rf.repositories.len());
    for e in &rf.repositories {
        match search::load_records(&settings.repository_cache, &e.name) {
            Ok(r) => all.push(r),
            Err(err) => {
                let w = kubehelm::values::Warning {
                    level: "WARN",
                    message: "repo is corrupt or missing".into(),
                    attrs: vec![
                        ("repo".into(), e.name.clone()),
                        ("error".into(), err.to_string()),
                    ],
                };
                eprintln!("{w}");
            }
        }
    }
    let q = Query {
        keyword: if a.keyword.is_empty() {
            None
        } else {
            Some(a.keyword.join(" "))
        },
        regexp: a.regexp,
        version: a.version.clone(),
        devel: a.devel,
        versions: a.versions,
    };
    let hits = search::search(&all, &q).map_err(e2s)?;
    let rows: Vec<Row> = hits
        .iter()
        .map(|h| Row {
            name: h.name.to_string(),
            version: h.version.to_string(),
            app_version: h.app_version.to_string(),
            description: h.description.to_string(),
        })
        .collect();
    print_rows(&rows, a.output, a.max_col_width, a.fail_on_no_result)
}

fn registry_client(
    settings: &Settings,
    tls: TlsOptions,
    plain_http: bool,
    username: &str,
    password: &str,
) -> Result<oci::Client, String> {
    let custom_tls = (!tls.cert_file.is_empty() && !tls.key_file.is_empty())
        || !tls.ca_file.is_empty()
        || tls.insecure_skip_tls_verify;
    oci::Client::new(oci::ClientOptions {
        plain_http: plain_http && !custom_tls,
        tls,
        username: username.to_string(),
        password: password.to_string(),
        credentials_file: settings.registry_config.clone(),
    })
    .map_err(|e| format!("missing registry client: {e}"))
}

/// Versions of a chart in an OCI registry, from its tags (helm/helm#11000): semver-sorted, newest
/// first, filtered by `--version` (`>0.0.0`, or `>0.0.0-0` with `--devel`); app version and
/// description from each shown version's config.
fn search_oci(a: &SearchArgs) -> Res {
    let settings = a.location.settings();
    let tls = TlsOptions {
        ca_file: a.ca_file.clone(),
        insecure_skip_tls_verify: a.insecure_skip_tls_verify,
        ..Default::default()
    };
    let client = registry_client(&settings, tls, a.plain_http, &a.username, &a.password)?;
    let raw = &a.keyword[0];
    let repo_ref = raw
        .strip_prefix("oci://")
        .unwrap_or(raw)
        .trim_end_matches('/');
    let r = oci::Reference::parse(repo_ref).map_err(e2s)?;
    if !r.tag.is_empty() || !r.digest.is_empty() {
        return Err(format!(
            "{raw}: search takes a chart repository without a tag or digest"
        ));
    }
    let tags = client.tags(repo_ref).map_err(e2s)?;
    let version = if !a.version.is_empty() {
        a.version.clone()
    } else if a.devel {
        ">0.0.0-0".into()
    } else {
        ">0.0.0".into()
    };
    let c = gosemver::Constraints::parse(&version)
        .map_err(|e| format!("an invalid version/constraint format: {e}"))?;
    let mut rows = Vec::new();
    for t in &tags {
        let Ok(v) = gosemver::Version::parse(t) else {
            continue;
        };
        if !c.check(&v) {
            continue;
        }
        let pulled = client
            .pull(
                &format!("{repo_ref}:{t}"),
                oci::PullOptions {
                    with_chart: false,
                    with_prov: true,
                    ignore_missing_prov: true,
                },
            )
            .map_err(e2s)?;
        rows.push(Row {
            name: format!("oci://{repo_ref}"),
            version: t.clone(),
            app_version: pulled.metadata.app_version.clone(),
            description: pulled.metadata.description.clone(),
        });
        if !a.versions {
            break;
        }
    }
    print_rows(&rows, a.output, a.max_col_width, a.fail_on_no_result)
}

// ---- pull -------------------------------------------------------------------------------------------

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new_in(parent: &Path, tag: &str) -> Result<TempDir, String> {
        let p = repo::fsutil::temp_sibling(&parent.join(tag), "dir");
        std::fs::create_dir_all(&p).map_err(|e| repo::fsutil::os_error("mkdir", &p, &e))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One path element of a chart file made safe (securejoin: `..` cannot climb above the root).
fn safe_join(root: &Path, rel: &str) -> PathBuf {
    let mut parts: Vec<&str> = Vec::new();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.iter().fold(root.to_path_buf(), |p, s| p.join(s))
}

/// `chartutil.ExpandFile`: the archive's files under `dir/<chart name>/`, written into a temporary
/// folder first and moved into place whole.
fn expand(dir: &Path, archive: &[u8]) -> Res {
    let files = kubehelm::chart::load_archive_files(archive).map_err(e2s)?;
    let chart = files
        .iter()
        .find(|f| f.name == "Chart.yaml")
        .ok_or_else(|| "chart name not specified".to_string())
        .and_then(|f| kubehelm::chart::chartfile::load_chartfile(&f.data).map_err(e2s))?;
    if chart.name.is_empty() {
        return Err("chart name not specified".into());
    }
    let target = safe_join(dir, &chart.name);
    std::fs::create_dir_all(dir).map_err(|e| repo::fsutil::os_error("mkdir", dir, &e))?;
    let tmp = TempDir::new_in(dir, &chart.name)?;
    for f in &files {
        let out = safe_join(&tmp.0, &f.name);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| repo::fsutil::os_error("mkdir", parent, &e))?;
        }
        std::fs::write(&out, &f.data).map_err(|e| repo::fsutil::os_error("open", &out, &e))?;
    }
    // Helm makes the target folder before expanding; an empty one is replaced.
    let _ = std::fs::remove_dir(&target);
    std::fs::rename(&tmp.0, &target).map_err(|e| repo::fsutil::os_error("rename", &target, &e))
}

fn pull(a: PullArgs) -> Res {
    let settings = a.location.settings();
    let opts = a.chart.options();
    let version = opts.effective_version();
    let format = match a.output.as_deref() {
        Some("yaml") | Some("json") => a.output.clone(),
        Some(other) => {
            return Err(format!(
                "invalid argument {} for \"-o, --output\" flag: yaml or json",
                quote(other)
            ))
        }
        None if !std::io::stdout().is_terminal() => Some("yaml".to_string()),
        None => None,
    };
    let registry = opts.registry_client(&settings).map_err(e2s)?;
    let mut stdout = std::io::stdout().lock();
    for chart_ref in &a.charts {
        let mut out: Vec<u8> = Vec::new();
        let mut err = std::io::stderr();
        let streaming = format.is_some();
        // In a pipe the archive goes out as a document; it is saved only where asked (-d, --untar).
        let keep_file = !streaming || a.destination != "." || a.untar;
        let tmp = if a.untar || !keep_file {
            Some(TempDir::new_in(&std::env::temp_dir(), "kubectl-repo-pull")?)
        } else {
            None
        };
        let dest = match &tmp {
            Some(t) => t.0.clone(),
            None => PathBuf::from(&a.destination),
        };
        let mut reference = chart_ref.clone();
        if !opts.repo_url.is_empty() {
            let creds = Entry {
                username: opts.username.clone(),
                password: opts.password.clone(),
                pass_credentials_all: opts.pass_credentials_all,
                cert_file: opts.cert_file.clone(),
                key_file: opts.key_file.clone(),
                ca_file: opts.ca_file.clone(),
                insecure_skip_tls_verify: opts.insecure_skip_tls_verify,
                ..Default::default()
            };
            reference = repo::find_chart_in_repo_url(&opts.repo_url, chart_ref, &version, &creds)
                .map_err(e2s)?;
        }
        let (saved, verification) = {
            let mut dl = ChartDownloader::new(&settings, &mut out, &mut err);
            dl.options = kubehelm::repo::http::GetOptions {
                username: opts.username.clone(),
                password: opts.password.clone(),
                pass_credentials_all: opts.pass_credentials_all,
                tls: TlsOptions {
                    ca_file: opts.ca_file.clone(),
                    cert_file: opts.cert_file.clone(),
                    key_file: opts.key_file.clone(),
                    insecure_skip_tls_verify: opts.insecure_skip_tls_verify,
                },
                ..Default::default()
            };
            if !opts.keyring.is_empty() {
                dl.keyring = PathBuf::from(&opts.keyring);
            }
            dl.registry = Some(&registry);
            dl.verify = if opts.verify {
                Verify::Always
            } else if a.prov {
                Verify::Later
            } else {
                Verify::Never
            };
            dl.download_to(&reference, &version, &dest).map_err(e2s)?
        };
        let mut report = String::from_utf8_lossy(&out).into_owned();
        if let Some(v) = &verification {
            report.push_str(&v.report());
        }
        let archive =
            std::fs::read(&saved).map_err(|e| repo::fsutil::os_error("open", &saved, &e))?;
        if a.untar {
            let ud = if Path::new(&a.untardir).is_absolute() {
                PathBuf::from(&a.untardir)
            } else {
                Path::new(&a.destination).join(&a.untardir)
            };
            let base = |s: &str| {
                s.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(s)
                    .to_string()
            };
            let ud_check = if a.untardir == "." && a.destination == "." {
                PathBuf::from(base(chart_ref))
            } else {
                ud.join(base(chart_ref))
            };
            if std::fs::metadata(&ud_check).is_ok() {
                return Err(format!(
                    "failed to untar: a file or directory with the name {} already exists",
                    ud_check.display()
                ));
            }
            expand(&ud, &archive).map_err(|e| format!("failed to untar: {e}"))?;
        }
        match &format {
            None => stdout.write_all(report.as_bytes()).map_err(e2s)?,
            Some(f) => {
                eprint!("{report}");
                let chart = kubehelm::chart::load_archive(&archive).map_err(e2s)?;
                let doc = ChartArchive::new(
                    chart.metadata.name.clone(),
                    chart.metadata.version.clone(),
                    archive,
                );
                let text = if f == "json" {
                    stream::encode_json(&doc)
                } else {
                    stream::encode(&doc)
                };
                stdout.write_all(text.as_bytes()).map_err(e2s)?;
            }
        }
    }
    stdout.flush().map_err(e2s)
}

// ---- push, login, logout ----------------------------------------------------------------------------

fn push(a: PushArgs) -> Res {
    let settings = a.location.settings();
    if !a.remote.contains("://") {
        return Err(format!(
            "scheme prefix missing from remote (e.g. \"{}://\")",
            oci::OCI_SCHEME
        ));
    }
    let scheme = a.remote.split("://").next().unwrap_or_default();
    if scheme != oci::OCI_SCHEME {
        return Err(format!("scheme {} not supported", quote(scheme)));
    }
    let (data, prov, created) = if a.chart == "-" {
        let text = stream::read_all(std::io::stdin().lock()).map_err(e2s)?;
        let text = String::from_utf8(text)
            .map_err(|_| "the ChartArchive stream is not UTF-8".to_string())?;
        let doc = stream::decode(&text).map_err(e2s)?;
        (doc.archive, None, None)
    } else {
        let p = Path::new(&a.chart);
        let md = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("{}: no such file", a.chart))
            }
            Err(e) => return Err(repo::fsutil::os_error("stat", p, &e)),
        };
        if md.is_dir() {
            return Err("cannot push directory, must provide chart archive (.tgz)".into());
        }
        let data = std::fs::read(p).map_err(|e| repo::fsutil::os_error("open", p, &e))?;
        let prov_path = PathBuf::from(format!("{}.prov", a.chart));
        let prov = match std::fs::metadata(&prov_path) {
            Ok(_) => Some(
                std::fs::read(&prov_path)
                    .map_err(|e| repo::fsutil::os_error("open", &prov_path, &e))?,
            ),
            Err(_) => None,
        };
        let mtime = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        (data, prov, mtime.map(|s| repo::format_rfc3339_nano(s, 0)))
    };
    let chart = kubehelm::chart::load_archive(&data).map_err(e2s)?;
    let base = a.remote.strip_prefix("oci://").unwrap_or(&a.remote);
    let reference = format!(
        "{}:{}",
        repo::url::go_clean(&format!("{base}/{}", chart.metadata.name)),
        chart.metadata.version
    );
    let tls = TlsOptions {
        ca_file: a.ca_file.clone(),
        cert_file: a.cert_file.clone(),
        key_file: a.key_file.clone(),
        insecure_skip_tls_verify: a.insecure_skip_tls_verify,
    };
    let client = registry_client(&settings, tls, a.plain_http, &a.username, &a.password)?;
    let opts = oci::PushOptions {
        prov,
        strict: true,
        creation_time: created,
    };
    let result = client.push(&data, &reference, &opts).map_err(e2s)?;
    for m in &result.messages {
        eprintln!("{m}");
    }
    Ok(())
}

fn login(a: LoginArgs) -> Res {
    let settings = a.location.settings();
    let mut username = a.username.clone();
    let mut password = a.password.clone();
    if a.password_stdin {
        password = read_stdin_password()?;
    } else if password.is_empty() {
        if username.is_empty() {
            print!("Username: ");
            let _ = std::io::stdout().flush();
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(e2s)?;
            username = line.trim().to_string();
        }
        if username.is_empty() {
            password = read_password("Token: ")?;
            if password.is_empty() {
                return Err("token required".into());
            }
        } else {
            password = read_password("Password: ")?;
            if password.is_empty() {
                return Err("password required".into());
            }
        }
    } else {
        eprintln!(
            "level=WARN msg=\"using --password via the CLI is insecure. Use --password-stdin\""
        );
    }
    let tls = TlsOptions {
        ca_file: a.ca_file.clone(),
        cert_file: a.cert_file.clone(),
        key_file: a.key_file.clone(),
        insecure_skip_tls_verify: a.insecure,
    };
    let opts = oci::ClientOptions {
        plain_http: a.plain_http,
        tls,
        username: String::new(),
        password: String::new(),
        credentials_file: settings.registry_config.clone(),
    };
    let warnings = oci::login::login(&a.host, &username, &password, opts).map_err(e2s)?;
    for w in warnings {
        eprintln!("{w}");
    }
    println!("Login Succeeded");
    Ok(())
}

fn logout(a: LogoutArgs) -> Res {
    let settings = a.location.settings();
    oci::login::logout(&a.host, &settings.registry_config).map_err(e2s)?;
    println!("Removing login credentials for {}", a.host);
    Ok(())
}

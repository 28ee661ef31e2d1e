//! A chart's dependencies, as Helm's `pkg/downloader.Manager`, `internal/resolver` and
//! `action.Dependency` handle them: `update` (resolve Chart.yaml's constraints against repository
//! indexes, OCI tags and `file://` folders, download, write Chart.lock), `build` (download exactly what
//! Chart.lock says) and `list`.
//!
//! Output goes to `out` with Helm's texts (`Hang tight while we grab the latest from your chart
//! repositories...`, `Saving N charts`, `Downloading NAME from repo URL`, `Deleting outdated charts`).
//! Unlike Helm, which moves files into `charts/` one by one, the new `charts/` is assembled beside the
//! old one and swapped in with renames, so a failure never leaves it half-updated.

mod list;
pub mod lock;

pub use list::{list, table};
pub use lock::{hash_req, hash_v2_req, write_lock};

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gosemver::{Constraints, Version};

use crate::chart::{self, Chart, Dependency, Lock};
use crate::oci;
use crate::chartref::ChartDownloader;
use crate::repo::http::GetOptions;
use crate::repo::paths::{cache_index_file, Settings};
use crate::repo::url::{resolve_reference_url, urls_equal, GoUrl};
use crate::repo::{self, fsutil, Entry, IndexFile, RepoFile};

/// A dependency error, in Helm's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    /// `downloader.ErrRepoNotFound`: the binaries add `. Please add the missing repos via 'helm repo add'`.
    pub repo_not_found: bool,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into(), repo_not_found: false }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<repo::Error> for Error {
    fn from(e: repo::Error) -> Error {
        Error::new(e.message)
    }
}

impl From<oci::Error> for Error {
    fn from(e: oci::Error) -> Error {
        Error::new(e.message)
    }
}

/// Helm's `VerificationStrategy` for downloaded charts.
pub use crate::chartref::Verify;

/// The prefix of cache names for repositories that are not configured (`helm-manager-<sha256 of URL>`).
pub const MANAGER_KEY_PREFIX: &str = "helm-manager-";

/// Helm's `downloader.Manager`.
pub struct Manager<'a> {
    /// The unpacked chart to work on.
    pub chart_path: PathBuf,
    pub settings: Settings,
    /// `--skip-refresh`: use the cached indexes.
    pub skip_update: bool,
    pub verify: Verify,
    pub keyring: String,
    /// Registry client settings (`--plain-http`, TLS flags, `--username/--password`); the credentials
    /// file defaults to `settings.registry_config`.
    pub registry: oci::ClientOptions,
    /// Helm's `Out` (stdout).
    pub out: &'a mut dyn Write,
    /// Where the registry client's `Pulled:`/`Digest:` lines go (stderr).
    pub err: &'a mut dyn Write,
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

/// The resolver's `GetLocalPath`: a `file://` path (absolute, or relative to the chart) that must exist.
pub fn local_path(repository: &str, chart_path: &Path) -> Result<PathBuf, Error> {
    let p = repository.strip_prefix("file://").unwrap_or(repository);
    let dep = if p.starts_with('/') { PathBuf::from(p) } else { chart_path.join(p) };
    match std::fs::metadata(&dep) {
        Ok(_) => Ok(dep),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::new(format!("directory {} not found", go_clean_path(&dep))))
        }
        Err(e) => Err(Error::new(fsutil::os_error("stat", &dep, &e))),
    }
}

fn go_clean_path(p: &Path) -> String {
    crate::repo::url::go_clean(&p.to_string_lossy())
}

fn key(name: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(name.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn constraint(d: &Dependency) -> Result<Constraints, Error> {
    Constraints::parse(&d.version)
        .map_err(|e| Error::new(format!("dependency {} has an invalid version/constraint format: {e}", quote(&d.name))))
}

/// What `findChartURL` found for a repository dependency.
struct ChartUrl {
    url: String,
    entry: Entry,
}

impl<'a> Manager<'a> {
    fn say(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    fn load_chart_dir(&self) -> Result<Chart, Error> {
        let p = &self.chart_path;
        match std::fs::metadata(p) {
            Err(e) => Err(Error::new(format!("could not find {}: {}", p.display(), fsutil::os_error("stat", p, &e)))),
            Ok(m) if !m.is_dir() => Err(Error::new("only unpacked charts can be updated")),
            Ok(_) => chart::load_dir(p).map_err(|e| Error::new(e.to_string())),
        }
    }

    fn repo_file(&self) -> Result<RepoFile, Error> {
        Ok(RepoFile::load_or_empty(&self.settings.repository_config)?)
    }

    fn registry_client(&self) -> Result<oci::Client, Error> {
        let mut o = self.registry.clone();
        if o.credentials_file.as_os_str().is_empty() {
            o.credentials_file = self.settings.registry_config.clone();
        }
        Ok(oci::Client::new(o).map_err(|e| Error::new(format!("missing registry client: {e}")))?)
    }

    /// `Manager.Update`.
    pub fn update(&mut self) -> Result<(), Error> {
        self.check_verify()?;
        let c = self.load_chart_dir()?;
        let mut req = c.metadata.dependencies.clone();
        if req.is_empty() {
            return Ok(());
        }
        let repo_names = self.resolve_repo_names(&mut req)?;
        let repo_names = self.ensure_missing_repos(repo_names, &req)?;
        if !self.skip_update {
            self.update_repositories()?;
        }
        let client = self.registry_client()?;
        let mut lock = self.resolve(&req, &repo_names, &client)?;
        self.download_all(&mut lock.dependencies, &client)?;
        lock.digest = hash_req(Some(&req), Some(&lock.dependencies));
        if c.lock.as_ref().is_some_and(|old| old.digest == lock.digest) {
            return Ok(());
        }
        write_lock(&self.chart_path, &lock, c.metadata.api_version == chart::API_VERSION_V1)
    }

    /// `Manager.Build`: Chart.lock's exact versions (an `update` when there is no lock).
    pub fn build(&mut self) -> Result<(), Error> {
        self.check_verify()?;
        let c = self.load_chart_dir()?;
        let Some(lock) = c.lock.clone() else { return self.update() };
        let mut req = c.metadata.dependencies.clone();
        let v1 = c.metadata.api_version == chart::API_VERSION_V1;
        let v2_sum = hash_v2_req(Some(&req));
        self.resolve_repo_names(&mut req)?;
        if hash_req(Some(&req), Some(&lock.dependencies)) != lock.digest {
            if v1 {
                eprintln!("warning: a valid Helm v3 hash was not found. Checking against Helm v2 hash...");
                if v2_sum != lock.digest {
                    return Err(Error::new("the lock file (requirements.lock) is out of sync with the dependencies file (requirements.yaml). Please update the dependencies"));
                }
            } else {
                return Err(Error::new(
                    "the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies",
                ));
            }
        }
        self.has_all_repos(&lock.dependencies)?;
        if !self.skip_update {
            self.update_repositories()?;
        }
        let client = self.registry_client()?;
        let mut deps = lock.dependencies.clone();
        self.download_all(&mut deps, &client)
    }

    fn check_verify(&self) -> Result<(), Error> {
        if self.verify != Verify::Never {
            return Err(Error::new(
                "--verify is not supported by kubectl chart dependency yet (provenance checking is not implemented); run without --verify",
            ));
        }
        Ok(())
    }

    /// `resolveRepoNames`: maps each dependency to the cache name of its repository, replacing
    /// `@name`/`alias:name` with the configured URL.
    fn resolve_repo_names(&mut self, deps: &mut [Dependency]) -> Result<BTreeMap<String, String>, Error> {
        let rf = match RepoFile::load(&self.settings.repository_config) {
            Ok(f) => f,
            Err(e) if e.not_found => RepoFile::default(),
            Err(e) => return Err(e.into()),
        };
        let mut map = BTreeMap::new();
        let mut missing = Vec::new();
        for dd in deps.iter_mut() {
            if dd.repository.is_empty() {
                continue;
            }
            if dd.repository.starts_with("file://") {
                local_path(&dd.repository, &self.chart_path)?;
                if self.settings.debug {
                    let line = format!("Repository from local path: {}", dd.repository);
                    self.say(&line);
                }
                map.insert(dd.name.clone(), dd.repository.clone());
                continue;
            }
            if oci::is_oci(&dd.repository) {
                map.insert(dd.name.clone(), dd.repository.clone());
                continue;
            }
            let mut found = false;
            for r in &rf.repositories {
                let alias = dd.repository.strip_prefix('@').or_else(|| dd.repository.strip_prefix("alias:"));
                if alias == Some(r.name.as_str()) {
                    dd.repository = r.url.clone();
                    map.insert(dd.name.clone(), r.name.clone());
                    found = true;
                    break;
                } else if urls_equal(&r.url, &dd.repository) {
                    map.insert(dd.name.clone(), r.name.clone());
                    found = true;
                    break;
                }
            }
            if !found {
                if GoUrl::parse_request_uri(&dd.repository).is_ok() {
                    map.insert(dd.repository.clone(), dd.repository.clone());
                    continue;
                }
                missing.push(dd.repository.clone());
            }
        }
        if !missing.is_empty() {
            let mut msg =
                format!("no repository definition for {}. Please add them via 'helm repo add'", missing.join(", "));
            if missing.iter().any(|r| !r.contains("//") && !r.starts_with('@') && !r.starts_with("alias:")) {
                msg.push_str("\nNote that repositories must be URLs or aliases. For example, to refer to the \"example\"\nrepository, use \"https://charts.example.com/\" or \"@example\" instead of\n\"example\". Don't forget to add the repo, too ('helm repo add').");
            }
            return Err(Error::new(msg));
        }
        Ok(map)
    }

    /// `ensureMissingRepos`: repositories given by URL but not configured get a `helm-manager-…`
    /// cache name, and their index is fetched unless `skip_update`.
    fn ensure_missing_repos(
        &mut self,
        mut names: BTreeMap<String, String>,
        deps: &[Dependency],
    ) -> Result<BTreeMap<String, String>, Error> {
        let mut unmanaged = Vec::new();
        for dd in deps {
            if dd.repository.is_empty() || names.contains_key(&dd.name) {
                continue;
            }
            let rn = format!("{MANAGER_KEY_PREFIX}{}", key(&dd.repository));
            names.insert(dd.name.clone(), rn.clone());
            unmanaged.push(Entry { name: rn, url: dd.repository.clone(), ..Default::default() });
        }
        if !self.skip_update && !unmanaged.is_empty() {
            self.say("Getting updates for unmanaged Helm repositories...");
            self.parallel_repo_update(&unmanaged)?;
        }
        Ok(names)
    }

    /// `UpdateRepositories`: refreshes every configured repository's cached index.
    pub fn update_repositories(&mut self) -> Result<(), Error> {
        let rf = self.repo_file()?;
        if rf.repositories.is_empty() {
            return Ok(());
        }
        self.say("Hang tight while we grab the latest from your chart repositories...");
        self.parallel_repo_update(&rf.repositories)?;
        self.say("Update Complete. ⎈Happy Helming!⎈");
        Ok(())
    }

    /// `parallelRepoUpdate`: one download per distinct URL, concurrently; failures are reported, not fatal.
    fn parallel_repo_update(&mut self, repos: &[Entry]) -> Result<(), Error> {
        let mut seen: BTreeMap<String, &Entry> = BTreeMap::new();
        for r in repos {
            seen.insert(r.url.trim_end_matches('/').to_string(), r);
        }
        let unique: Vec<Entry> = seen.into_values().cloned().collect();
        for r in &unique {
            repo::check_repository_url(&r.url)?;
        }
        let cache = self.settings.repository_cache.clone();
        let results: Vec<(Entry, Result<PathBuf, repo::Error>)> = std::thread::scope(|s| {
            let handles: Vec<_> = unique
                .iter()
                .map(|r| {
                    let cache = &cache;
                    s.spawn(move || (r.clone(), repo::download_index_file(r, cache)))
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        for (r, res) in results {
            let managed = r.name.starts_with(MANAGER_KEY_PREFIX);
            let line = match (res, managed) {
                (Err(e), true) => format!("...Unable to get an update from the {} chart repository:\n\t{e}", quote(&r.url)),
                (Err(e), false) => {
                    format!("...Unable to get an update from the {} chart repository ({}):\n\t{e}", quote(&r.name), r.url)
                }
                (Ok(_), true) => format!("...Successfully got an update from the {} chart repository", quote(&r.url)),
                (Ok(_), false) => format!("...Successfully got an update from the {} chart repository", quote(&r.name)),
            };
            self.say(&line);
        }
        Ok(())
    }

    /// `hasAllRepos`: every HTTP repository in the lock must be configured.
    fn has_all_repos(&self, deps: &[Dependency]) -> Result<(), Error> {
        let rf = self.repo_file()?;
        let missing: Vec<String> = deps
            .iter()
            .filter(|d| !d.repository.is_empty() && !d.repository.starts_with("file://") && !oci::is_oci(&d.repository))
            .filter(|d| !rf.repositories.iter().any(|r| urls_equal(&r.url, d.repository.trim_end_matches('/'))))
            .map(|d| d.repository.clone())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error { message: format!("no repository definition for {}", missing.join(", ")), repo_not_found: true })
        }
    }

    /// The resolver: each dependency's constraint turned into an exact version.
    fn resolve(&self, reqs: &[Dependency], repo_names: &BTreeMap<String, String>, client: &oci::Client) -> Result<Lock, Error> {
        let mut locked = Vec::with_capacity(reqs.len());
        let mut missing = Vec::new();
        let miss = |d: &Dependency| {
            format!("{} (repository {}, version {})", quote(&d.name), quote(&d.repository), quote(&d.version))
        };
        for d in reqs {
            let c = constraint(d)?;
            let lock_of = |version: &str| Dependency {
                name: d.name.clone(),
                repository: d.repository.clone(),
                version: version.to_string(),
                ..Default::default()
            };
            if d.repository.is_empty() {
                local_path(&format!("charts/{}", d.name), &self.chart_path)?;
                locked.push(lock_of(&d.version));
                continue;
            }
            if d.repository.starts_with("file://") {
                let p = local_path(&d.repository, &self.chart_path)?;
                let ch = chart::load_dir(&p).map_err(|e| Error::new(e.to_string()))?;
                let Ok(v) = Version::parse(&ch.metadata.version) else { continue };
                if !c.check(&v) {
                    missing.push(miss(d));
                    continue;
                }
                locked.push(lock_of(&ch.metadata.version));
                continue;
            }
            let repo_name = repo_names.get(&d.name).cloned().unwrap_or_default();
            if repo_name.is_empty() {
                locked.push(lock_of(&d.version));
                continue;
            }
            let is_oci = oci::is_oci(&d.repository);
            let candidates: Vec<(String, bool)> = if !is_oci {
                let path = self.settings.repository_cache.join(cache_index_file(&repo_name));
                let index = IndexFile::load_file(&path).map_err(|e| {
                    Error::new(format!("no cached repository for {repo_name} found. (try 'helm repo update'): {e}"))
                })?;
                let vs = index
                    .entries
                    .get(&d.name)
                    .ok_or_else(|| Error::new(format!("{} chart not found in repo {}", d.name, d.repository)))?;
                vs.iter().map(|v| (v.version().to_string(), !v.urls.is_empty())).collect()
            } else if Version::parse(&d.version).is_ok() {
                vec![(d.version.clone(), true)]
            } else {
                let r = format!("{}/{}", d.repository.trim_start_matches("oci://"), d.name);
                let tags = client.tags(&r).map_err(|e| {
                    Error::new(format!("could not retrieve list of tags for repository {}: {e}", d.repository))
                })?;
                tags.into_iter().map(|t| (t, true)).collect()
            };
            let mut entry = lock_of(if is_oci { &d.version } else { "" });
            let mut found = false;
            for (ver, has_urls) in &candidates {
                let Ok(v) = Version::parse(ver) else { continue };
                if !has_urls {
                    continue;
                }
                if c.check(&v) {
                    entry.version = v.original().to_string();
                    found = true;
                    break;
                }
            }
            if !found {
                missing.push(miss(d));
            }
            locked.push(entry);
        }
        if !missing.is_empty() {
            return Err(Error::new(format!(
                "can't get a valid version for {} subchart(s): {}. Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml",
                missing.len(),
                missing.join(", ")
            )));
        }
        Ok(Lock { generated: repo::now_rfc3339(), digest: hash_req(Some(reqs), Some(&locked)), dependencies: locked })
    }

    /// `loadChartRepositories`: every configured repository with its cached index.
    fn chart_repositories(&self) -> Result<Vec<(Entry, Arc<IndexFile>)>, Error> {
        let rf = RepoFile::load_or_empty(&self.settings.repository_config)
            .map_err(|e| Error::new(format!("failed to load {}: {e}", self.settings.repository_config.display())))?;
        let mut out = Vec::new();
        for e in rf.repositories {
            let path = self.settings.repository_cache.join(cache_index_file(&e.name));
            let index = IndexFile::load_file(&path)?;
            out.push((e, Arc::new(index)));
        }
        Ok(out)
    }

    /// `findChartURL`: the download URL and the credentials that go with it.
    fn find_chart_url(&self, d: &Dependency, repos: &[(Entry, Arc<IndexFile>)]) -> Result<ChartUrl, Error> {
        if oci::is_oci(&d.repository) {
            return Ok(ChartUrl { url: format!("{}/{}:{}", d.repository, d.name, d.version), entry: Entry::default() });
        }
        for (e, index) in repos {
            if !urls_equal(&d.repository, &e.url) {
                continue;
            }
            let versions = index.entries.get(&d.name).ok_or_else(|| Error::new("entry not found"))?;
            let ve = versions
                .iter()
                .filter(|v| !v.urls.is_empty())
                .find(|v| d.version.is_empty() || version_equals(&d.version, v.version()))
                .ok_or_else(|| Error::new("no matching version"))?;
            let url = resolve_reference_url(&d.repository, &ve.urls[0]).map_err(Error::new)?;
            return Ok(ChartUrl { url, entry: e.clone() });
        }
        let url = repo::find_chart_in_repo_url(&d.repository, &d.name, &d.version, &Entry::default())
            .map_err(|e| Error::new(format!("chart {} not found in {}: {e}", d.name, d.repository)))?;
        Ok(ChartUrl { url, entry: Entry::default() })
    }

    /// One dependency downloaded into `dest` through Helm's `ChartDownloader.DownloadTo`, with the
    /// credentials and TLS settings of the repository it was found in (an OCI reference is split into
    /// repository and tag first). Returns the reference as Helm names it in errors.
    fn download(&mut self, found: &ChartUrl, client: &oci::Client, repos: &[(Entry, Arc<IndexFile>)], dest: &Path) -> Result<(), (String, Error)> {
        let (reference, version) = if oci::is_oci(&found.url) {
            parse_oci_ref(&found.url).map_err(|e| (found.url.clone(), Error::new(format!("could not parse OCI reference: {e}"))))?
        } else {
            (found.url.clone(), String::new())
        };
        let e = &found.entry;
        let options = GetOptions {
            username: e.username.clone(),
            password: e.password.clone(),
            pass_credentials_all: e.pass_credentials_all,
            tls: repo::entry_get_options(e).tls,
            ..Default::default()
        };
        let mut dl = ChartDownloader::new(&self.settings, &mut *self.out, &mut *self.err);
        dl.verify = self.verify;
        if !self.keyring.is_empty() {
            dl.keyring = PathBuf::from(&self.keyring);
        }
        dl.options = options;
        dl.registry = Some(client);
        for (entry, index) in repos {
            dl.preload_index(&entry.name, index.clone());
        }
        dl.download_to(&reference, &version, dest).map(|_| ()).map_err(|e| (reference, Error::new(e.message)))
    }

    /// `downloadAll`: every dependency fetched into a work folder, then `charts/` replaced.
    fn download_all(&mut self, deps: &mut [Dependency], client: &oci::Client) -> Result<(), Error> {
        let repos = self.chart_repositories()?;
        let dest = self.chart_path.join("charts");
        match std::fs::metadata(&dest) {
            Ok(m) if !m.is_dir() => return Err(Error::new(format!("{} is not a directory", quote(&dest.display().to_string())))),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::new(format!("unable to retrieve file info for '{}': {}", dest.display(), fsutil::os_error("stat", &dest, &e))))
            }
        }
        let work = self.chart_path.join(format!("tmpcharts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).map_err(|e| Error::new(fsutil::os_error("mkdir", &work, &e)))?;
        let result = self.fetch_into(deps, client, &repos, &dest, &work);
        let result = result.and_then(|_| self.swap_in(deps, &work, &dest));
        let _ = std::fs::remove_dir_all(&work);
        result
    }

    fn fetch_into(
        &mut self,
        deps: &mut [Dependency],
        client: &oci::Client,
        repos: &[(Entry, Arc<IndexFile>)],
        dest: &Path,
        work: &Path,
    ) -> Result<(), Error> {
        let line = format!("Saving {} charts", deps.len());
        self.say(&line);
        let mut fetched: HashSet<String> = HashSet::new();
        let mut save_error: Option<Error> = None;
        for dep in deps.iter_mut() {
            if dep.repository.is_empty() {
                let line = format!(
                    "Dependency {} did not declare a repository. Assuming it exists in the charts directory",
                    dep.name
                );
                self.say(&line);
                let p = dest.join(&dep.name);
                let ch = chart::load_dir(&p).map_err(|e| Error::new(format!("unable to load chart '{}': {e}", p.display())))?;
                let c = constraint(dep)?;
                let v = Version::parse(&ch.metadata.version)
                    .map_err(|e| Error::new(format!("invalid version {} for dependency {}: {e}", dep.version, dep.name)))?;
                if !c.check(&v) {
                    save_error = Some(Error::new(format!(
                        "dependency {} at version {} does not satisfy the constraint {}",
                        dep.name, ch.metadata.version, dep.version
                    )));
                    break;
                }
                continue;
            }
            if dep.repository.starts_with("file://") {
                if self.settings.debug {
                    let line = format!("Archiving {} from repo {}", dep.name, dep.repository);
                    self.say(&line);
                }
                match self.tar_from_local_dir(dep, work) {
                    Ok(v) => dep.version = v,
                    Err(e) => {
                        save_error = Some(e);
                        break;
                    }
                }
                continue;
            }
            let found = match self.find_chart_url(dep, repos) {
                Ok(f) => f,
                Err(e) => {
                    save_error = Some(Error::new(format!("could not find : {e}")));
                    break;
                }
            };
            if fetched.contains(&found.url) {
                let line = format!("Already downloaded {} from repo {}", dep.name, dep.repository);
                self.say(&line);
                continue;
            }
            let line = format!("Downloading {} from repo {}", dep.name, dep.repository);
            self.say(&line);
            if let Err((shown, e)) = self.download(&found, client, repos, work) {
                save_error = Some(Error::new(format!("could not download {shown}: {e}")));
                break;
            }
            fetched.insert(found.url);
        }
        if let Some(e) = save_error {
            let line = format!("Save error occurred:  {e}");
            self.say(&line);
            return Err(e);
        }
        Ok(())
    }

    /// `tarFromLocalDir`: a `file://` dependency packaged into `work`; returns its version.
    fn tar_from_local_dir(&self, dep: &Dependency, work: &Path) -> Result<String, Error> {
        let p = local_path(&dep.repository, &self.chart_path)?;
        let ch = chart::load_dir(&p).map_err(|e| Error::new(e.to_string()))?;
        let c = Constraints::parse(&dep.version)
            .map_err(|e| Error::new(format!("dependency {} has an invalid version/constraint format: {e}", dep.name)))?;
        let v = Version::parse(&ch.metadata.version).map_err(|e| Error::new(e.to_string()))?;
        if !c.check(&v) {
            return Err(Error::new(format!("can't get a valid version for dependency {}", dep.name)));
        }
        let opts = chart::save::SaveOptions::from_env().map_err(|e| Error::new(e.to_string()))?;
        chart::save::save(&ch, work, &opts).map_err(|e| Error::new(e.to_string()))?;
        Ok(ch.metadata.version.clone())
    }

    /// `safeMoveDeps`, made atomic: the new `charts/` is the old one without outdated archives plus the
    /// downloaded ones, assembled beside it and swapped in.
    fn swap_in(&mut self, deps: &[Dependency], work: &Path, dest: &Path) -> Result<(), Error> {
        let next = fsutil::temp_sibling(dest, "next");
        let result = self.assemble(deps, work, dest, &next).and_then(|_| swap_dirs(&next, dest));
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&next);
        }
        result
    }

    fn assemble(&mut self, deps: &[Dependency], work: &Path, dest: &Path, next: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(next).map_err(|e| Error::new(fsutil::os_error("mkdir", next, &e)))?;
        let local: HashSet<&str> = deps.iter().filter(|d| d.repository.is_empty()).map(|d| d.name.as_str()).collect();
        let mut fresh: HashSet<String> = HashSet::new();
        let mut moved: HashSet<String> = HashSet::new();
        for name in sorted_entries(work)? {
            let src = work.join(&name);
            if src.is_dir() {
                continue;
            }
            fresh.insert(name.clone());
            if let Err(e) = chart::load_file(&src) {
                let line = format!("Could not verify {} for moving: {e} (Skipping)", src.display());
                let _ = write!(self.out, "{line}");
                continue;
            }
            std::fs::rename(&src, next.join(&name))
                .map_err(|e| Error::new(format!("Unable to move {} to charts dir {e}", src.display())))?;
            moved.insert(name);
        }
        self.say("Deleting outdated charts");
        if std::fs::metadata(dest).is_err() {
            return Ok(());
        }
        for name in sorted_entries(dest)? {
            let old = dest.join(&name);
            if moved.contains(&name) && !old.is_dir() {
                continue;
            }
            if !old.is_dir() && !fresh.contains(&name) {
                match chart::load_file(&old) {
                    Err(e) => {
                        let line = format!("Could not verify {} for deletion: {e} (Skipping)", old.display());
                        self.say(&line);
                    }
                    Ok(ch) if !local.contains(ch.name()) => continue, // outdated: left out of the new charts/
                    Ok(_) => {}
                }
            }
            copy_tree(&old, &next.join(&name))?;
        }
        Ok(())
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<String>, Error> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::new(fsutil::os_error("open", dir, &e)))?;
    let mut names: Vec<String> = rd.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    Ok(names)
}

/// Copies a file or folder (hard links where the file system allows, else copies); symlinks stay symlinks.
fn copy_tree(from: &Path, to: &Path) -> Result<(), Error> {
    let meta = std::fs::symlink_metadata(from).map_err(|e| Error::new(fsutil::os_error("lstat", from, &e)))?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from).map_err(|e| Error::new(fsutil::os_error("readlink", from, &e)))?;
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, to).map_err(|e| Error::new(fsutil::os_error("symlink", to, &e)))?;
        #[cfg(not(unix))]
        let _ = target;
        return Ok(());
    }
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| Error::new(fsutil::os_error("mkdir", to, &e)))?;
        for name in sorted_entries(from)? {
            copy_tree(&from.join(&name), &to.join(&name))?;
        }
        return Ok(());
    }
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).map_err(|e| Error::new(fsutil::os_error("open", to, &e)))?;
    }
    Ok(())
}

/// Replaces `dest` with `next`: `dest` moves aside, `next` takes its place, the old one is removed;
/// if the second rename fails the old folder is put back.
fn swap_dirs(next: &Path, dest: &Path) -> Result<(), Error> {
    let old = fsutil::temp_sibling(dest, "old");
    let had_old = std::fs::symlink_metadata(dest).is_ok();
    if had_old {
        std::fs::rename(dest, &old).map_err(|e| Error::new(fsutil::os_error("rename", dest, &e)))?;
    }
    if let Err(e) = std::fs::rename(next, dest) {
        if had_old {
            let _ = std::fs::rename(&old, dest);
        }
        return Err(Error::new(fsutil::os_error("rename", next, &e)));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
}

/// The downloader's `versionEquals`: semver equality, or string equality when `v1` is not a version.
fn version_equals(v1: &str, v2: &str) -> bool {
    match Version::parse(v1) {
        Err(_) => v1 == v2,
        Ok(a) => Version::parse(v2).is_ok_and(|b| a == b),
    }
}

/// The downloader's `parseOCIRef`: `oci://host[:port]/path:tag` split into reference and tag.
pub fn parse_oci_ref(chart_ref: &str) -> Result<(String, String), Error> {
    let bad = || Error::new(format!("improperly formatted oci chart reference: {chart_ref}"));
    let rest = chart_ref.strip_prefix("oci://").ok_or_else(bad)?;
    // `^(oci://[^:]+(:[0-9]{1,5})?[^:]+):(.*)$`: the tag follows the first ':' after the host (and port).
    let host_end = rest.find(':').ok_or_else(bad)?;
    let after = &rest[host_end + 1..];
    let port_len = after.bytes().take_while(u8::is_ascii_digit).count();
    let split_at = if (1..=5).contains(&port_len) && after[port_len..].contains(':') {
        let tail = &after[port_len..];
        match tail.find(':') {
            Some(i) if i > 0 => host_end + 1 + port_len + i,
            _ => return Err(bad()),
        }
    } else {
        host_end
    };
    if split_at < 2 {
        return Err(bad());
    }
    Ok((format!("oci://{}", &rest[..split_at]), rest[split_at + 1..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_refs() {
        assert_eq!(
            parse_oci_ref("oci://localhost:5000/charts/sub:1.2.3").unwrap(),
            ("oci://localhost:5000/charts/sub".to_string(), "1.2.3".to_string())
        );
        assert_eq!(parse_oci_ref("oci://reg.io/a/b:1.0.0+x").unwrap(), ("oci://reg.io/a/b".to_string(), "1.0.0+x".to_string()));
        assert!(parse_oci_ref("oci://reg.io/a/b").is_err());
        assert!(parse_oci_ref("https://x").is_err());
    }

    #[test]
    fn versions_and_paths() {
        assert!(version_equals("1.0", "1.0.0"));
        assert!(!version_equals("1.0", "1.0.1"));
        assert!(version_equals("x", "x"));
        assert!(local_path("file://does/not/exist", Path::new("/nonexistent")).unwrap_err().message.starts_with("directory /nonexistent/does/not/exist not found"));
    }
}

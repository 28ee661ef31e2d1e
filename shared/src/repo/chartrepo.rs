//! A chart repository as Helm talks to it (`repo.ChartRepository`): downloading `index.yaml` into the
//! cache (`<name>-index.yaml` and `<name>-charts.txt`, each written atomically), finding a chart's
//! download URL in a repository that is not configured (`FindChartInRepoURL`), and downloading archives.

use std::path::{Path, PathBuf};

use super::http::{http_get, GetOptions, TlsOptions};
use super::index::IndexFile;
use super::paths::{cache_charts_file, cache_index_file};
use super::repofile::Entry;
use super::url::{resolve_reference_url, GoUrl};
use super::{fsutil, Error};

/// The getter options for requests to a configured repository.
pub fn entry_get_options(e: &Entry) -> GetOptions {
    GetOptions {
        url: e.url.clone(),
        username: e.username.clone(),
        password: e.password.clone(),
        pass_credentials_all: e.pass_credentials_all,
        tls: TlsOptions {
            ca_file: e.ca_file.clone(),
            cert_file: e.cert_file.clone(),
            key_file: e.key_file.clone(),
            insecure_skip_tls_verify: e.insecure_skip_tls_verify,
        },
        ..Default::default()
    }
}

/// Checks the URL as `NewChartRepository` does: parseable, and http or https.
pub fn check_repository_url(url: &str) -> Result<(), Error> {
    let u = GoUrl::parse(url).map_err(|_| Error::new(format!("invalid chart URL format: {url}")))?;
    match u.scheme.as_str() {
        "http" | "https" => Ok(()),
        s => Err(Error::new(format!("could not find protocol handler for: {s}"))),
    }
}

/// The index downloaded and parsed, without touching the cache.
pub fn fetch_index(e: &Entry) -> Result<(Vec<u8>, IndexFile), Error> {
    check_repository_url(&e.url)?;
    let index_url = resolve_reference_url(&e.url, "index.yaml").map_err(Error::new)?;
    let data = http_get(&index_url, &entry_get_options(e))?;
    let index = IndexFile::load(&data, &e.url)?;
    Ok((data, index))
}

/// `ChartRepository.DownloadIndexFile`: fetches `<url>/index.yaml`, checks it, and stores it with the
/// chart list in `cache_dir`. Returns the path of the cached index.
pub fn download_index_file(e: &Entry, cache_dir: &Path) -> Result<PathBuf, Error> {
    let (data, index) = fetch_index(e)?;
    std::fs::create_dir_all(cache_dir).map_err(|err| Error::new(fsutil::os_error("mkdir", cache_dir, &err)))?;
    let charts = cache_dir.join(cache_charts_file(&e.name));
    fsutil::write_atomic(&charts, index.charts_txt().as_bytes(), 0o644)
        .map_err(|err| Error::new(fsutil::os_error("open", &charts, &err)))?;
    let fname = cache_dir.join(cache_index_file(&e.name));
    fsutil::write_atomic(&fname, &data, 0o644).map_err(|err| Error::new(fsutil::os_error("open", &fname, &err)))?;
    Ok(fname)
}

/// `repo.FindChartInRepoURL`: the absolute download URL of `chart` (at `version`, a constraint or
/// empty for the newest) in the repository at `repo_url`, which need not be configured. Nothing is
/// left in the cache.
pub fn find_chart_in_repo_url(repo_url: &str, chart: &str, version: &str, creds: &Entry) -> Result<String, Error> {
    let e = Entry { url: repo_url.to_string(), name: String::new(), ..creds.clone() };
    // A URL Helm cannot make a repository of fails as itself, before any request.
    check_repository_url(repo_url)?;
    let (_, index) = fetch_index(&e).map_err(|err| {
        Error::new(format!("looks like {} is not a valid chart repository or cannot be reached: {err}", quote(repo_url)))
    })?;
    let mut what = format!("chart {}", quote(chart));
    if !version.is_empty() {
        what = format!("{what} version {}", quote(version));
    }
    let cv = index
        .get(chart, version)
        .map_err(|_| Error::new(format!("{what} not found in {repo_url} repository")))?;
    let first = cv.urls.first().ok_or_else(|| Error::new(format!("{what} has no downloadable URLs")))?;
    resolve_reference_url(repo_url, first).map_err(|err| Error::new(format!("failed to make chart URL absolute: {err}")))
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

/// What [`update_index_file`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    /// A new index was downloaded and cached.
    Downloaded(PathBuf),
    /// The server answered 304 Not Modified to the conditional request: the cached index stays.
    NotModified(PathBuf),
}

/// `DownloadIndexFile` with conditional requests: when the cached index is still the one our search
/// cache recorded, the request carries its `ETag` (`If-None-Match`) and `Last-Modified`
/// (`If-Modified-Since`), and a 304 leaves the cache untouched. A new index is checked (parsed as
/// Helm does) before anything is written; then `<name>-charts.txt`, `<name>-index.yaml` and the
/// search cache are each replaced atomically.
pub fn update_index_file(e: &Entry, cache_dir: &Path, timeout: Option<std::time::Duration>) -> Result<Updated, Error> {
    check_repository_url(&e.url)?;
    let index_url = resolve_reference_url(&e.url, "index.yaml").map_err(Error::new)?;
    let fname = cache_dir.join(cache_index_file(&e.name));
    let cache_file = super::search::cache_path(cache_dir, &e.name);
    let mut conditional: Vec<(&str, String)> = Vec::new();
    if let Some(mut c) = super::search::SearchCache::read(&cache_file) {
        if c.matches(&fname, &cache_file) {
            if !c.etag.is_empty() {
                conditional.push(("If-None-Match", c.etag.clone()));
            }
            if !c.last_modified.is_empty() {
                conditional.push(("If-Modified-Since", c.last_modified.clone()));
            }
        }
    }
    let mut opts = entry_get_options(e);
    opts.timeout = timeout;
    let reply = super::http::http_get_reply(&index_url, &opts, &conditional)?;
    if reply.status == 304 && !conditional.is_empty() {
        return Ok(Updated::NotModified(fname));
    }
    if reply.status != 200 {
        return Err(Error::new(format!("failed to fetch {index_url} : {}", reply.status_text())));
    }
    let index = IndexFile::load(&reply.body, &e.url)?;
    std::fs::create_dir_all(cache_dir).map_err(|err| Error::new(fsutil::os_error("mkdir", cache_dir, &err)))?;
    let charts = cache_dir.join(cache_charts_file(&e.name));
    fsutil::write_atomic(&charts, index.charts_txt().as_bytes(), 0o644)
        .map_err(|err| Error::new(fsutil::os_error("open", &charts, &err)))?;
    fsutil::write_atomic(&fname, &reply.body, 0o644).map_err(|err| Error::new(fsutil::os_error("open", &fname, &err)))?;
    let etag = reply.header("etag").unwrap_or_default().to_string();
    let last_modified = reply.header("last-modified").unwrap_or_default().to_string();
    // The search cache is ours: failing to write it must not fail the update (search rebuilds it).
    if super::search::build_cache(cache_dir, &e.name, &index, &reply.body, &etag, &last_modified).is_err() {
        let _ = std::fs::remove_file(&cache_file);
    }
    Ok(Updated::Downloaded(fname))
}

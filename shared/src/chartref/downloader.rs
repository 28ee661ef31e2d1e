//! Helm's `downloader.ChartDownloader`: a chart reference (`repo/name`, an absolute URL, `oci://…`)
//! resolved to a download URL and the credentials that go with it, fetched over HTTP or from a
//! registry, kept in the content cache (`download_to_cache`) or written to a folder (`download_to`),
//! and checked against its `.prov` when asked.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::cache::{self, DiskCache, Key, Kind, Miss};
use super::{Error, Verify};
use crate::oci;
use crate::provenance::{self, Keyring, Verification};
use crate::repo::http::{http_get, GetOptions};
use crate::repo::paths::{cache_index_file, Settings};
use crate::repo::url::{resolve_reference_url, urls_equal, GoUrl};
use crate::repo::{self, fsutil, Entry, IndexFile, RepoFile};

/// The `Accept` header Helm sends for chart archives.
const ARCHIVE_ACCEPT: &str = "application/gzip,application/octet-stream";

/// Where a reference points (`ResolveChartVersion`'s results).
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The digest that keys the content cache (`sha256:<hex>` or bare hex); empty when unknown.
    pub digest: String,
    /// `digest` is the archive's own (an index entry's), so a download can be checked against it. An
    /// OCI manifest digest is not.
    pub content_digest: bool,
    /// The absolute download URL (`http(s)://…` or `oci://host/repo:tag` / `@digest`).
    pub url: GoUrl,
    /// The getter options for the download: the downloader's, with the owning repository's
    /// credentials and TLS files where it has them.
    pub options: GetOptions,
}

/// Helm's `ChartDownloader`. One downloader can serve many downloads: the cached indexes it reads to
/// resolve references are parsed once.
pub struct ChartDownloader<'a> {
    pub verify: Verify,
    pub keyring: PathBuf,
    /// Helm's `Options`: credentials, TLS files, pass-credentials for the downloads.
    pub options: GetOptions,
    pub repository_config: PathBuf,
    pub repository_cache: PathBuf,
    /// Where `download_to_cache` keeps archives (`HELM_CONTENT_CACHE`).
    pub content_cache: PathBuf,
    /// The registry client for `oci://` references.
    pub registry: Option<&'a oci::Client>,
    /// Helm's `Out`: the `WARNING: Verification not found …` line of `Verify::IfPossible`.
    pub out: &'a mut dyn Write,
    /// The registry client's writer: `Pulled:` / `Digest:` lines (stderr in the binaries).
    pub err: &'a mut dyn Write,
    indexes: HashMap<String, Result<Arc<IndexFile>, Error>>,
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

impl<'a> ChartDownloader<'a> {
    /// A downloader with Helm's file locations from `settings`, no verification, no registry client.
    pub fn new(settings: &Settings, out: &'a mut dyn Write, err: &'a mut dyn Write) -> ChartDownloader<'a> {
        ChartDownloader {
            verify: Verify::Never,
            keyring: provenance::default_keyring(),
            options: GetOptions::default(),
            repository_config: settings.repository_config.clone(),
            repository_cache: settings.repository_cache.clone(),
            content_cache: settings.content_cache.clone(),
            registry: None,
            out,
            err,
            indexes: HashMap::new(),
        }
    }

    /// Hands over an index already loaded from `<repository_cache>/<name>-index.yaml`, so it is not
    /// parsed again.
    pub fn preload_index(&mut self, repo_name: &str, index: Arc<IndexFile>) {
        self.indexes.insert(repo_name.to_string(), Ok(index));
    }

    /// The cached index of a configured repository, parsed once.
    fn cached_index(&mut self, repo_name: &str) -> Result<Arc<IndexFile>, Error> {
        if let Some(r) = self.indexes.get(repo_name) {
            return r.clone();
        }
        let path = self.repository_cache.join(cache_index_file(repo_name));
        let r = IndexFile::load_file(&path)
            .map(Arc::new)
            .map_err(|e| Error::new(format!("no cached repo found. (try 'helm repo update'): {e}")));
        self.indexes.insert(repo_name.to_string(), r.clone());
        r
    }

    /// `ResolveChartVersion`: the download URL of `reference` at `version` (a constraint; ignored for
    /// absolute URLs), with the digest the index gives and the getter options to use.
    pub fn resolve_chart_version(&mut self, reference: &str, version: &str) -> Result<Resolved, Error> {
        let u = GoUrl::parse(reference).map_err(|_| Error::new(format!("invalid chart URL format: {reference}")))?;
        let mut opts = self.options.clone();
        if oci::is_oci(&u.to_string()) {
            let (digest, url) = self.validate_oci_reference(reference, version, &u)?;
            return Ok(Resolved { digest, content_digest: false, url, options: opts });
        }
        let rf = RepoFile::load_or_empty(&self.repository_config)?;

        if u.is_abs() && !u.host.is_empty() && !u.path.is_empty() {
            // An absolute URL: the repository whose index lists it (if any) lends its TLS files and
            // credentials.
            match self.scan_repos_for_url(reference, &rf)? {
                None => opts.url = reference.to_string(),
                Some(rc) => apply_repo_entry(&mut opts, &rc),
            }
            return Ok(Resolved { digest: String::new(), content_digest: false, url: u, options: opts });
        }

        let mut parts = u.path.splitn(2, '/');
        let (repo_name, chart_name) = match (parts.next(), parts.next()) {
            (Some(r), Some(c)) => (r.to_string(), c.to_string()),
            _ => {
                return Err(Error::new(format!(
                    "non-absolute URLs should be in form of repo_name/path_to_chart, got: {u}"
                )))
            }
        };
        let rc = pick_repository(&repo_name, &rf.repositories)?;
        repo::check_repository_url(&rc.url)?;
        apply_repo_entry(&mut opts, &rc);
        let index = self.cached_index(&rc.name)?;
        let cv = index.get(&chart_name, version).map_err(|e| {
            Error::new(format!(
                "chart {} matching {version} not found in {} index. (try 'helm repo update'): {e}",
                quote(&chart_name),
                rc.name
            ))
        })?;
        let first = cv
            .urls
            .first()
            .ok_or_else(|| Error::new(format!("chart {} has no downloadable URLs", quote(reference))))?;
        let resolved = resolve_reference_url(&rc.url, first)
            .map_err(|_| Error::new(format!("invalid chart URL format: {reference}")))?;
        let loc = GoUrl::parse(&resolved).map_err(|e| Error::new(e.to_string()))?;
        Ok(Resolved { digest: cv.digest.clone(), content_digest: true, url: loc, options: opts })
    }

    /// `scanReposForURL`: the first configured repository whose cached index lists `url`.
    fn scan_repos_for_url(&mut self, url: &str, rf: &RepoFile) -> Result<Option<Entry>, Error> {
        for rc in &rf.repositories {
            repo::check_repository_url(&rc.url)?;
            let index = self.cached_index(&rc.name)?;
            if index.entries.values().flatten().flat_map(|v| v.urls.iter()).any(|dl| urls_equal(url, dl)) {
                return Ok(Some(rc.clone()));
            }
        }
        Ok(None)
    }

    /// The registry client's `ValidateReference`: an OCI reference and `--version` made into the
    /// reference to pull (`oci://host/repo:tag`, or `@digest`), and the digest when one was pinned.
    fn validate_oci_reference(&self, reference: &str, version: &str, u: &GoUrl) -> Result<(String, GoUrl), Error> {
        let client = self.registry.ok_or_else(|| {
            Error::new(format!("unable to lookup ref {reference} at version '{version}', missing registry client"))
        })?;
        let r = oci::Reference::parse(&format!("{}{}", u.host, u.path))?;
        let mut version = version.to_string();
        if version.is_empty() {
            version = r.tag.clone();
        } else if !r.tag.is_empty() && r.tag != version {
            return Err(Error::new(format!("chart reference and version mismatch: {version} is not {}", r.tag)));
        }
        let mut url = u.clone();
        if !r.digest.is_empty() {
            if version.is_empty() {
                // By digest only.
                return Ok((String::new(), url));
            }
            url.path = format!("/{}@{}", r.repository, r.digest);
            // The tag, when given, must point at the same manifest; an untagged digest is fine.
            let Ok(desc) = client.resolve(&format!("{}/{}:{version}", r.registry, r.repository)) else {
                return Ok((String::new(), url));
            };
            if desc.digest != r.digest {
                return Err(Error::new(format!("chart reference digest mismatch: {} is not {}", desc.digest, r.digest)));
            }
            return Ok((r.digest.clone(), url));
        }
        let tag = if gosemver::Version::parse(&version).is_ok() {
            version
        } else {
            let tags = client.tags(reference.strip_prefix("oci://").unwrap_or(reference))?;
            if tags.is_empty() {
                return Err(Error::new(format!("unable to locate any tags in provided repository: {reference}")));
            }
            oci::tag_matching(&tags, &version)?
        };
        url.path = format!("/{}:{tag}", r.repository);
        Ok((String::new(), url))
    }

    /// `Getters.ByScheme`: http, https and oci are served.
    fn check_scheme(url: &GoUrl) -> Result<(), Error> {
        match url.scheme.as_str() {
            "http" | "https" | oci::OCI_SCHEME => Ok(()),
            s => Err(Error::new(format!("scheme {} not supported", quote(s)))),
        }
    }

    /// The getter's `Get`: the archive (or, with `prov`, its `.prov`) from `url`.
    fn fetch(&mut self, url: &GoUrl, opts: &GetOptions, prov: bool) -> Result<Vec<u8>, Error> {
        let href = url.to_string();
        if url.scheme != oci::OCI_SCHEME {
            let href = if prov { format!("{href}.prov") } else { href };
            return Ok(http_get(&href, opts)?);
        }
        let client = self.registry.ok_or_else(|| Error::new(format!("unable to pull {href}: missing registry client")))?;
        let reference = href.strip_prefix("oci://").unwrap_or(&href);
        let pull = if prov {
            oci::PullOptions { with_chart: false, with_prov: true, ignore_missing_prov: false }
        } else {
            oci::PullOptions::default()
        };
        let pulled = client.pull(reference, pull)?;
        for m in &pulled.messages {
            let _ = writeln!(self.err, "{m}");
        }
        let blob = if prov { pulled.prov } else { pulled.chart };
        Ok(blob.map(|b| b.data).unwrap_or_default())
    }

    /// `DownloadToCache`: the archive's path in the content cache, downloaded unless a file for the
    /// index's digest is already there; with `verify`, its `.prov` is fetched (and cached) and checked.
    /// A download whose SHA-256 differs from the digest its repository index gives is refused.
    pub fn download_to_cache(&mut self, reference: &str, version: &str) -> Result<(PathBuf, Option<Verification>), Error> {
        if self.content_cache.as_os_str().is_empty() {
            return Err(Error::new("content cache must be set"));
        }
        let res = self.resolve_chart_version(reference, version)?;
        Self::check_scheme(&res.url)?;
        let mut opts = res.options.clone();
        opts.accept = ARCHIVE_ACCEPT.into();
        let digest = decode_hex(strip_digest_algorithm(&res.digest))
            .map_err(|e| Error::new(format!("unable to decode digest: {e}")))?;
        if !res.digest.is_empty() && digest.len() != 32 {
            return Err(Error::new(format!("invalid digest length: {}", digest.len())));
        }
        let mut key: Key = [0; 32];
        key.copy_from_slice(if digest.len() == 32 { &digest } else { &[0; 32] });
        let store = DiskCache::new(&self.content_cache);

        let mut path = None;
        if !digest.is_empty() {
            match store.get(&key, Kind::Chart) {
                Ok(p) if !res.content_digest || file_has_digest(&p, &key) => path = Some(p),
                Ok(_) | Err(Miss::NotFound) => {}
                Err(Miss::Failed(e)) => return Err(e),
            }
        }
        let path = match path {
            Some(p) => p,
            None => {
                let data = self.fetch(&res.url, &opts, false)?;
                if digest.is_empty() {
                    key = cache::sha256(&data);
                } else if res.content_digest {
                    check_digest(&res.url, &key, &data)?;
                }
                store.put(&key, &data, Kind::Chart)?
            }
        };

        if self.verify == Verify::Never {
            return Ok((path, None));
        }
        let prov_path = match store.get(&key, Kind::Prov) {
            Ok(p) => p,
            Err(Miss::Failed(e)) => return Err(e),
            Err(Miss::NotFound) => match self.fetch(&res.url, &opts, true) {
                Ok(body) => store.put(&key, &body, Kind::Prov)?,
                Err(e) => return self.missing_provenance(reference, &res.url, e, path),
            },
        };
        if self.verify == Verify::Later {
            return Ok((path, None));
        }
        // The .prov names the archive as `NAME-VERSION.tgz`, not by its cache name.
        let v = verify_archive_file(&path, &archive_name(&res.url), &prov_path, &self.keyring)?;
        Ok((path, Some(v)))
    }

    /// `DownloadTo`: the archive written to `dest` under its URL's file name (`NAME-TAG.tgz` for OCI),
    /// and with `verify` its `.prov` beside it, checked unless `Verify::Later`.
    pub fn download_to(&mut self, reference: &str, version: &str, dest: &Path) -> Result<(PathBuf, Option<Verification>), Error> {
        if self.content_cache.as_os_str().is_empty() {
            return Err(Error::new("content cache must be set"));
        }
        let res = self.resolve_chart_version(reference, version)?;
        Self::check_scheme(&res.url)?;
        let store = DiskCache::new(&self.content_cache);
        let mut key: Option<Key> = None;
        let mut data = None;
        if !res.digest.is_empty() {
            let digest = decode_hex(strip_digest_algorithm(&res.digest)).map_err(Error::new)?;
            if digest.len() != 32 {
                return Err(Error::new(format!("invalid digest length: {}", digest.len())));
            }
            let mut k: Key = [0; 32];
            k.copy_from_slice(&digest);
            key = Some(k);
            if let Ok(p) = store.get(&k, Kind::Chart) {
                data = std::fs::read(&p).ok().filter(|d| !res.content_digest || cache::sha256(d) == k);
            }
        }
        let data = match data {
            Some(d) => d,
            None => {
                let mut opts = res.options.clone();
                opts.accept = ARCHIVE_ACCEPT.into();
                let d = self.fetch(&res.url, &opts, false)?;
                if let (Some(k), true) = (&key, res.content_digest) {
                    check_digest(&res.url, k, &d)?;
                }
                d
            }
        };
        let destfile = dest.join(archive_name(&res.url));
        fsutil::write_atomic(&destfile, &data, 0o644).map_err(|e| Error::new(fsutil::os_error("open", &destfile, &e)))?;

        if self.verify == Verify::Never {
            return Ok((destfile, None));
        }
        let cached_prov = key.and_then(|k| store.get(&k, Kind::Prov).ok()).and_then(|p| std::fs::read(p).ok());
        let body = match cached_prov {
            Some(b) => b,
            None => {
                let mut opts = res.options.clone();
                opts.accept = ARCHIVE_ACCEPT.into();
                match self.fetch(&res.url, &opts, true) {
                    Ok(b) => b,
                    Err(e) => return self.missing_provenance(reference, &res.url, e, destfile),
                }
            }
        };
        let provfile = PathBuf::from(format!("{}.prov", destfile.display()));
        fsutil::write_atomic(&provfile, &body, 0o644).map_err(|e| Error::new(fsutil::os_error("open", &provfile, &e)))?;
        if self.verify == Verify::Later {
            return Ok((destfile, None));
        }
        let v = provenance::verify_chart(&destfile, &provfile, &self.keyring)?;
        Ok((destfile, Some(v)))
    }

    /// A `.prov` that could not be fetched: fatal for `Verify::Always`, a warning otherwise.
    fn missing_provenance(
        &mut self,
        reference: &str,
        url: &GoUrl,
        e: Error,
        path: PathBuf,
    ) -> Result<(PathBuf, Option<Verification>), Error> {
        if self.verify == Verify::Always {
            return Err(Error::new(format!("failed to fetch provenance {}", quote(&format!("{url}.prov")))));
        }
        let _ = writeln!(self.out, "WARNING: Verification not found for {reference}: {e}");
        Ok((path, None))
    }
}

/// Helm's getter options after `WithURL(rc.URL)`, the entry's TLS files when it has any, and its
/// credentials (with its pass-credentials setting) when it has both.
fn apply_repo_entry(opts: &mut GetOptions, rc: &Entry) {
    opts.url = rc.url.clone();
    if !rc.cert_file.is_empty() || !rc.key_file.is_empty() || !rc.ca_file.is_empty() {
        opts.tls.cert_file = rc.cert_file.clone();
        opts.tls.key_file = rc.key_file.clone();
        opts.tls.ca_file = rc.ca_file.clone();
    }
    if !rc.username.is_empty() && !rc.password.is_empty() {
        opts.username = rc.username.clone();
        opts.password = rc.password.clone();
        opts.pass_credentials_all = rc.pass_credentials_all;
    }
}

/// `pickChartRepositoryConfigByName`.
fn pick_repository(name: &str, repos: &[Entry]) -> Result<Entry, Error> {
    match repos.iter().find(|r| r.name == name) {
        Some(r) if r.url.is_empty() => Err(Error::new(format!("no URL found for repository {name}"))),
        Some(r) => Ok(r.clone()),
        None => Err(Error::new(format!("repo {name} not found"))),
    }
}

/// The file name a download gets: the URL path's last element, `NAME-TAG.tgz` for `oci://…/NAME:TAG`.
pub fn archive_name(url: &GoUrl) -> String {
    let path = percent_decode(&url.path);
    let base = go_base(&path);
    if url.scheme == oci::OCI_SCHEME {
        if let Some(i) = base.rfind(':') {
            return format!("{}-{}.tgz", &base[..i], &base[i + 1..]);
        }
    }
    base
}

/// Go's `filepath.Base`.
fn go_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Percent-decoding of a URL path (Go keeps `Path` unescaped).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `stripDigestAlgorithm`: `sha256:abc` → `abc`.
fn strip_digest_algorithm(d: &str) -> &str {
    d.split_once(':').map(|(_, h)| h).unwrap_or(d)
}

/// Go's `hex.DecodeString`, with its error texts.
fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    let val = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    // Go reports the offending byte as a rune: `encoding/hex: invalid byte: U+007A 'z'`.
    let invalid = |c: u8| {
        let ch = c as char;
        let shown = if ch.is_control() { format!("'\\x{c:02x}'") } else { format!("'{ch}'") };
        format!("encoding/hex: invalid byte: U+{:04X} {shown}", c)
    };
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 2);
    for pair in b.chunks(2) {
        let hi = val(pair[0]).ok_or_else(|| invalid(pair[0]))?;
        let Some(&second) = pair.get(1) else {
            return Err("encoding/hex: odd length hex string".into());
        };
        let lo = val(second).ok_or_else(|| invalid(second))?;
        out.push(hi << 4 | lo);
    }
    Ok(out)
}

fn file_has_digest(p: &Path, key: &Key) -> bool {
    std::fs::read(p).is_ok_and(|d| cache::sha256(&d) == *key)
}

/// A download must be what the repository index says it is.
fn check_digest(url: &GoUrl, key: &Key, data: &[u8]) -> Result<(), Error> {
    let got = cache::sha256(data);
    if got == *key {
        return Ok(());
    }
    Err(Error::new(format!(
        "digest mismatch for {url}: the repository index says sha256:{}, the download is sha256:{}",
        cache::hex(key),
        cache::hex(&got)
    )))
}

/// `VerifyChart` for an archive kept under another name (the content cache's): `name` must be a
/// `.tgz`, and the `.prov` must sign that name and the archive's digest.
fn verify_archive_file(path: &Path, name: &str, prov: &Path, keyring: &Path) -> Result<Verification, Error> {
    let is_tgz = name.rfind('.').is_some_and(|i| name[i..].eq_ignore_ascii_case(".tgz"));
    if !is_tgz {
        return Err(Error::new("chart must be a tgz file"));
    }
    let ring = Keyring::load(keyring).map_err(|e| Error::new(format!("failed to load keyring: {e}")))?;
    let archive = std::fs::read(path)
        .map_err(|e| Error::new(format!("failed to read chart archive: {}", fsutil::os_error("open", path, &e))))?;
    let prov_data = std::fs::read(prov)
        .map_err(|e| Error::new(format!("failed to read provenance file: {}", fsutil::os_error("open", prov, &e))))?;
    Ok(provenance::verify(&ring, &archive, &prov_data, name)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_downloads() {
        let u = |s: &str| GoUrl::parse(s).unwrap();
        assert_eq!(archive_name(&u("https://x/charts/nginx-1.2.3.tgz")), "nginx-1.2.3.tgz");
        assert_eq!(archive_name(&u("https://x/charts/a%20b.tgz?token=1")), "a b.tgz");
        assert_eq!(archive_name(&u("oci://reg.io/charts/nginx:1.2.3+b")), "nginx-1.2.3+b.tgz");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(archive_name(&u(&format!("oci://reg.io/charts/nginx@{d}"))), format!("nginx@sha256-{}.tgz", "a".repeat(64)));
    }

    #[test]
    fn digests_decode_as_go_does() {
        assert_eq!(decode_hex("00ff").unwrap(), vec![0, 255]);
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
        assert_eq!(decode_hex("abc").unwrap_err(), "encoding/hex: odd length hex string");
        assert_eq!(decode_hex("zz").unwrap_err(), "encoding/hex: invalid byte: U+007A 'z'");
        assert_eq!(strip_digest_algorithm("sha256:ab"), "ab");
        assert_eq!(strip_digest_algorithm("ab"), "ab");
    }

    #[test]
    fn repo_entry_lends_tls_and_credentials() {
        let mut o = GetOptions { username: "flag".into(), password: "pw".into(), ..Default::default() };
        o.tls.insecure_skip_tls_verify = true;
        let e = Entry { url: "https://r".into(), ca_file: "/ca".into(), ..Default::default() };
        apply_repo_entry(&mut o, &e);
        // Only the TLS files change; the entry has no full credential pair, so the flags' stay.
        assert_eq!((o.url.as_str(), o.tls.ca_file.as_str(), o.username.as_str()), ("https://r", "/ca", "flag"));
        assert!(o.tls.insecure_skip_tls_verify);
        let e = Entry { url: "https://r".into(), username: "u".into(), password: "p".into(), pass_credentials_all: true, ..Default::default() };
        apply_repo_entry(&mut o, &e);
        assert_eq!((o.username.as_str(), o.password.as_str(), o.pass_credentials_all), ("u", "p", true));
        assert_eq!(pick_repository("x", &[]).unwrap_err().to_string(), "repo x not found");
        let blank = Entry { name: "x".into(), ..Default::default() };
        assert_eq!(pick_repository("x", &[blank]).unwrap_err().to_string(), "no URL found for repository x");
    }
}

//! Chart references made into local chart files, as Helm's `ChartPathOptions.LocateChart` does it:
//! a local folder or archive as it is; `repo/name` through `repositories.yaml` and the cached index;
//! `--repo URL name` through that repository's index; an absolute chart URL; `oci://registry/path/name`
//! with a tag, `--version` or `@sha256:` digest. Downloads land in Helm's content cache
//! (`$HELM_CONTENT_CACHE/<xx>/<sha256>.chart`), written whole or not at all; `--verify` checks the
//! `.prov` against a keyring.
//!
//! ```no_run
//! use kubehelm::chartref::ChartPathOptions;
//! use kubehelm::repo::paths::Settings;
//! let settings = Settings::from_env();
//! let opts = ChartPathOptions { version: "^1.2".into(), ..Default::default() };
//! let registry = opts.registry_client(&settings).unwrap();
//! let path = opts.locate("bitnami/nginx", &settings, Some(&registry), &mut std::io::stderr()).unwrap();
//! let chart = kubehelm::chart::load(&path).unwrap();
//! ```

mod cache;
mod downloader;

pub use cache::DiskCache;
pub use downloader::{archive_name, ChartDownloader, Resolved};

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::oci;
use crate::provenance;
use crate::repo::http::{GetOptions, TlsOptions};
use crate::repo::paths::Settings;
use crate::repo::url::GoUrl;
use crate::repo::{self, fsutil, Entry};

/// A failure to locate or download a chart, in Helm's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into() }
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

impl From<provenance::Error> for Error {
    fn from(e: provenance::Error) -> Error {
        Error::new(e.to_string())
    }
}

/// Helm's `VerificationStrategy` for downloaded charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verify {
    #[default]
    Never,
    /// Verify when a `.prov` exists; warn when it does not.
    IfPossible,
    /// A missing or bad `.prov` is an error.
    Always,
    /// Fetch the `.prov` but leave checking it to the caller.
    Later,
}

/// The version `--devel` stands for: any version, pre-releases included.
pub const DEVEL_VERSION: &str = ">0.0.0-0";

/// Helm's chart path flags (`action.ChartPathOptions`) plus `--devel`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartPathOptions {
    /// `--version`: a version or constraint; empty for the newest stable one.
    pub version: String,
    /// `--devel`: pre-releases too (`>0.0.0-0`) when no `--version` is given.
    pub devel: bool,
    /// `--repo`: the chart repository URL to find the chart in.
    pub repo_url: String,
    pub username: String,
    pub password: String,
    pub ca_file: String,
    pub cert_file: String,
    pub key_file: String,
    pub insecure_skip_tls_verify: bool,
    /// `--plain-http`: talk HTTP to the OCI registry.
    pub plain_http: bool,
    /// `--pass-credentials`: send the credentials to every host, not only the repository's.
    pub pass_credentials_all: bool,
    /// `--verify`: the chart's `.prov` must verify against the keyring.
    pub verify: bool,
    /// `--keyring`; empty for Helm's default (`$GNUPGHOME/pubring.gpg` or `~/.gnupg/pubring.gpg`).
    pub keyring: String,
}

impl ChartPathOptions {
    /// The version constraint to resolve with: `--version`, else `>0.0.0-0` with `--devel`.
    pub fn effective_version(&self) -> String {
        if self.version.is_empty() && self.devel {
            DEVEL_VERSION.to_string()
        } else {
            self.version.trim().to_string()
        }
    }

    fn keyring_path(&self) -> PathBuf {
        if self.keyring.is_empty() {
            provenance::default_keyring()
        } else {
            PathBuf::from(&self.keyring)
        }
    }

    fn tls(&self) -> TlsOptions {
        TlsOptions {
            ca_file: self.ca_file.clone(),
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
        }
    }

    /// The registry client Helm's commands make from these flags (`newRegistryClient`): credentials
    /// from `settings.registry_config`, `--username/--password` for every registry; TLS files or
    /// `--insecure-skip-tls-verify` give an HTTPS client (then `--plain-http` is not used, as in Helm).
    pub fn registry_client(&self, settings: &Settings) -> Result<oci::Client, Error> {
        let tls = self.tls();
        let custom_tls = (!tls.cert_file.is_empty() && !tls.key_file.is_empty())
            || !tls.ca_file.is_empty()
            || tls.insecure_skip_tls_verify;
        oci::Client::new(oci::ClientOptions {
            plain_http: self.plain_http && !custom_tls,
            tls,
            username: self.username.clone(),
            password: self.password.clone(),
            credentials_file: settings.registry_config.clone(),
        })
        .map_err(|e| Error::new(format!("missing registry client: {e}")))
    }

    /// `LocateChart`: the absolute path of the chart `name` refers to, downloading it into the
    /// content cache when it is not local. `registry` serves `oci://` references; `err` receives the
    /// registry client's `Pulled:`/`Digest:` lines.
    pub fn locate(
        &self,
        name: &str,
        settings: &Settings,
        registry: Option<&oci::Client>,
        err: &mut dyn Write,
    ) -> Result<PathBuf, Error> {
        if oci::is_oci(name) && registry.is_none() {
            return Err(Error::new(format!("unable to lookup chart {}, missing registry client", quote(name))));
        }
        let name = name.trim();
        let version = self.effective_version();

        if self.repo_url.is_empty() {
            if std::fs::metadata(name).is_ok() {
                let abs = absolute(Path::new(name));
                if self.verify {
                    let prov = PathBuf::from(format!("{}.prov", abs.display()));
                    provenance::verify_chart(&abs, &prov, &self.keyring_path())?;
                }
                return Ok(abs);
            }
            if name.starts_with('/') || name.starts_with('.') {
                return Err(Error::new(format!("path {} not found", quote(name))));
            }
        }

        let mut options = GetOptions {
            username: self.username.clone(),
            password: self.password.clone(),
            pass_credentials_all: self.pass_credentials_all,
            tls: self.tls(),
            ..Default::default()
        };
        let mut reference = name.to_string();
        if !self.repo_url.is_empty() {
            let creds = Entry {
                username: self.username.clone(),
                password: self.password.clone(),
                pass_credentials_all: self.pass_credentials_all,
                cert_file: self.cert_file.clone(),
                key_file: self.key_file.clone(),
                ca_file: self.ca_file.clone(),
                insecure_skip_tls_verify: self.insecure_skip_tls_verify,
                ..Default::default()
            };
            let chart_url = repo::find_chart_in_repo_url(&self.repo_url, name, &version, &creds)?;
            // The credentials go along only to the repository's own scheme, host and port, unless
            // `--pass-credentials`.
            let u1 = GoUrl::parse(&self.repo_url).map_err(|e| Error::new(e.to_string()))?;
            let u2 = GoUrl::parse(&chart_url).map_err(|e| Error::new(e.to_string()))?;
            if !(self.pass_credentials_all || same_origin(&u1, &u2)) {
                options.username.clear();
                options.password.clear();
            }
            reference = chart_url;
        }

        let cache = &settings.repository_cache;
        std::fs::create_dir_all(cache).map_err(|e| Error::new(fsutil::os_error("mkdir", cache, &e)))?;

        let mut out = std::io::sink();
        let mut dl = ChartDownloader::new(settings, &mut out, err);
        dl.keyring = self.keyring_path();
        dl.options = options;
        dl.registry = registry;
        if self.verify {
            dl.verify = Verify::Always;
        }
        let (file, _) = dl.download_to_cache(&reference, &version)?;
        Ok(absolute(&file))
    }
}

/// `LocateChart` as Helm's commands run it: the registry client made from the flags first (so a bad
/// `--ca-file` fails even for a local chart, as in Helm), then the chart located.
pub fn locate_chart(name: &str, opts: &ChartPathOptions, settings: &Settings, err: &mut dyn Write) -> Result<PathBuf, Error> {
    let registry = opts.registry_client(settings)?;
    opts.locate(name, settings, Some(&registry), err)
}

/// install.go's `urlEqual`: scheme, host name and port (the scheme's default when none is given).
fn same_origin(a: &GoUrl, b: &GoUrl) -> bool {
    let port = |u: &GoUrl| -> String {
        let h = &u.host;
        let explicit = match h.rfind(':') {
            Some(i) if !h[i..].contains(']') => h[i + 1..].to_string(),
            _ => String::new(),
        };
        if !explicit.is_empty() {
            return explicit;
        }
        match u.scheme.as_str() {
            "http" => "80".into(),
            "https" => "443".into(),
            _ => String::new(),
        }
    };
    a.scheme == b.scheme && a.hostname() == b.hostname() && port(a) == port(b)
}

/// Go's `filepath.Abs`: joined to the working folder and cleaned.
fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    };
    PathBuf::from(crate::repo::url::go_clean(&joined.to_string_lossy()))
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devel_and_version() {
        let mut o = ChartPathOptions { devel: true, ..Default::default() };
        assert_eq!(o.effective_version(), ">0.0.0-0");
        o.version = " ^1.2 ".into();
        assert_eq!(o.effective_version(), "^1.2");
    }

    #[test]
    fn origins() {
        let u = |s: &str| GoUrl::parse(s).unwrap();
        assert!(same_origin(&u("https://a.io/charts"), &u("https://a.io:443/x.tgz")));
        assert!(same_origin(&u("http://a.io"), &u("http://a.io:80/x.tgz")));
        assert!(!same_origin(&u("https://a.io"), &u("https://cdn.a.io/x.tgz")));
        assert!(!same_origin(&u("http://a.io:8080"), &u("http://a.io:8081/x.tgz")));
        assert!(!same_origin(&u("http://a.io"), &u("https://a.io/x.tgz")));
    }

    #[test]
    fn local_paths_and_their_errors() {
        let s = Settings::from_env();
        let o = ChartPathOptions::default();
        let mut err = Vec::new();
        let e = o.locate("./no/such/chart", &s, None, &mut err).unwrap_err();
        assert_eq!(e.to_string(), "path \"./no/such/chart\" not found");
        let e = o.locate("oci://reg.io/charts/x", &s, None, &mut err).unwrap_err();
        assert_eq!(e.to_string(), "unable to lookup chart \"oci://reg.io/charts/x\", missing registry client");
        let here = o.locate(".", &s, None, &mut err).unwrap();
        assert!(here.is_absolute() && !here.to_string_lossy().ends_with("/."), "{}", here.display());
    }
}

//! Flag groups the plugin binaries share (clap), defined once: Helm's values flags and chart path flags,
//! kubectl's global flags; argument parsing with the suite's exit codes; shell completion (`complete`).

pub mod complete;

use std::path::PathBuf;

use crate::chartref::{self, ChartPathOptions};
use crate::repo::paths::Settings;
use crate::values::ValueOptions;
use clap::Args;

/// The values flags Helm shares between template, lint, install and upgrade.
#[derive(Args, Debug, Default, Clone)]
pub struct ValuesFlags {
    /// Values from a YAML file or `-` for stdin (repeatable).
    #[arg(short = 'f', long = "values")]
    pub values: Vec<String>,
    /// Set values on the command line (`a.b=c,d=e`).
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// Set STRING values on the command line.
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// Set JSON values on the command line (`a={"b":1}` or a whole JSON object).
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// Set values from files (`key=path`).
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// Set a literal STRING value.
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
}

impl ValuesFlags {
    /// The library's view of the flags.
    pub fn options(&self) -> ValueOptions {
        ValueOptions {
            value_files: self.values.clone(),
            values: self.set.clone(),
            string_values: self.set_string.clone(),
            json_values: self.set_json.clone(),
            file_values: self.set_file.clone(),
            literal_values: self.set_literal.clone(),
        }
    }

    /// No values flag was given (upgrade then reuses the previous values, as Helm does).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
            && self.set.is_empty()
            && self.set_string.is_empty()
            && self.set_json.is_empty()
            && self.set_file.is_empty()
            && self.set_literal.is_empty()
    }
}

/// Helm's chart path flags (`addChartPathOptionsFlags` plus `--devel`), shared by `chart template`,
/// `chart show`, `release install` and `release upgrade`: where a `repo/name`, `--repo URL name` or
/// `oci://…` chart comes from and how it is checked.
///
/// ```ignore
/// #[derive(clap::Args)]
/// struct InstallArgs {
///     chart: String,
///     #[command(flatten)]
///     chart_path: kubehelm::cli::ChartPathFlags,
/// }
/// let path = args.chart_path.locate(&args.chart)?;   // local folder/.tgz, or downloaded into the cache
/// let chart = kubehelm::chart::load(&path)?;
/// ```
#[derive(Args, Debug, Default, Clone)]
pub struct ChartPathFlags {
    /// Version constraint for the chart (an exact version such as 1.1.1 or a range such as ^2.0.0);
    /// the newest version when not given.
    #[arg(long)]
    pub version: Option<String>,
    /// Use development versions, too (equivalent to version '>0.0.0-0'); ignored with --version.
    #[arg(long)]
    pub devel: bool,
    /// Chart repository URL where to locate the requested chart.
    #[arg(long = "repo")]
    pub repo: Option<String>,
    /// Chart repository (or registry) username.
    #[arg(long)]
    pub username: Option<String>,
    /// Chart repository (or registry) password.
    #[arg(long)]
    pub password: Option<String>,
    /// Verify certificates of HTTPS servers with this CA bundle.
    #[arg(long)]
    pub ca_file: Option<String>,
    /// Identify the HTTPS client with this certificate file.
    #[arg(long)]
    pub cert_file: Option<String>,
    /// Identify the HTTPS client with this key file.
    #[arg(long)]
    pub key_file: Option<String>,
    /// Skip TLS certificate checks for the chart download.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Use insecure HTTP connections for the chart download (OCI registries).
    #[arg(long)]
    pub plain_http: bool,
    /// Pass credentials to all domains.
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
    /// Verify the package (its .prov against the keyring) before using it.
    #[arg(long)]
    pub verify: bool,
    /// Public keys used for verification; default $GNUPGHOME/pubring.gpg or ~/.gnupg/pubring.gpg.
    #[arg(long)]
    pub keyring: Option<String>,
}

impl ChartPathFlags {
    /// The library's view of the flags.
    pub fn options(&self) -> ChartPathOptions {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        ChartPathOptions {
            version: s(&self.version),
            devel: self.devel,
            repo_url: s(&self.repo),
            username: s(&self.username),
            password: s(&self.password),
            ca_file: s(&self.ca_file),
            cert_file: s(&self.cert_file),
            key_file: s(&self.key_file),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            plain_http: self.plain_http,
            pass_credentials_all: self.pass_credentials,
            verify: self.verify,
            keyring: s(&self.keyring),
        }
    }

    /// Helm's `LocateChart` for `chart` with Helm's settings from the environment (`HELM_*`): the
    /// absolute path of a local chart, or of the archive downloaded into the content cache. The
    /// registry's `Pulled:`/`Digest:` lines go to stderr, as Helm prints them.
    pub fn locate(&self, chart: &str) -> Result<PathBuf, chartref::Error> {
        self.locate_with(chart, &Settings::from_env())
    }

    /// [`ChartPathFlags::locate`] with explicit settings (the binaries' `--repository-config` etc.).
    pub fn locate_with(&self, chart: &str, settings: &Settings) -> Result<PathBuf, chartref::Error> {
        chartref::locate_chart(chart, &self.options(), settings, &mut std::io::stderr())
    }
}

/// Helm's file location flags (global in Helm): `--repository-config`, `--repository-cache`,
/// `--registry-config`, `--content-cache`, each over its `HELM_*` variable and Helm's default.
#[derive(Args, Debug, Default, Clone)]
pub struct LocationFlags {
    /// Path to the file with repository names and URLs (default $HELM_REPOSITORY_CONFIG or ~/.config/helm/repositories.yaml).
    #[arg(long)]
    pub repository_config: Option<PathBuf>,
    /// Path to the folder of cached repository indexes (default $HELM_REPOSITORY_CACHE or ~/.cache/helm/repository).
    #[arg(long)]
    pub repository_cache: Option<PathBuf>,
    /// Path to the registry config file (default $HELM_REGISTRY_CONFIG or ~/.config/helm/registry/config.json).
    #[arg(long)]
    pub registry_config: Option<PathBuf>,
    /// Path to the folder of cached content (default $HELM_CONTENT_CACHE or ~/.cache/helm/content).
    #[arg(long)]
    pub content_cache: Option<PathBuf>,
}

impl LocationFlags {
    /// Helm's settings from the environment, with these flags applied.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::from_env();
        if let Some(p) = &self.repository_config {
            s.repository_config = p.clone();
        }
        if let Some(p) = &self.repository_cache {
            s.repository_cache = p.clone();
        }
        if let Some(p) = &self.registry_config {
            s.registry_config = p.clone();
        }
        if let Some(p) = &self.content_cache {
            s.content_cache = p.clone();
        }
        s
    }
}

/// kubectl's global flags, which kubectl passes to a plugin untouched (`kubectl release list --context x`):
/// each plugin accepts them, with kubectl's meaning. `-n/--namespace` is declared by each binary (a global
/// flag of `kubectl release`, a flag of `kubectl chart template/lint`).
#[derive(Args, Debug, Default, Clone)]
pub struct KubectlFlags {
    /// Path to the kubeconfig file to use.
    #[arg(long, global = true, value_hint = clap::ValueHint::FilePath)]
    pub kubeconfig: Option<PathBuf>,
    /// The name of the kubeconfig context to use.
    #[arg(long, alias = "kube-context", global = true)]
    pub context: Option<String>,
    /// The name of the kubeconfig cluster to use.
    #[arg(long, global = true)]
    pub cluster: Option<String>,
    /// The name of the kubeconfig user to use.
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// Username to impersonate for the operation.
    #[arg(long = "as", global = true)]
    pub as_user: Option<String>,
    /// Group to impersonate for the operation (repeatable).
    #[arg(long = "as-group", global = true)]
    pub as_group: Vec<String>,
    /// How long to wait for a single server request (`30s`, `1m`, a number of seconds; 0 = no limit).
    #[arg(long = "request-timeout", global = true)]
    pub request_timeout: Option<String>,
    /// Log verbosity (kubectl's -v): 6 or more prints where operations spend their time on stderr.
    #[arg(short = 'v', long = "v", global = true, value_name = "LEVEL")]
    pub verbosity: Option<u32>,
}

impl KubectlFlags {
    /// `--request-timeout` as kubectl reads it: a bare number of seconds or a Go duration; `None` for
    /// no limit (absent or 0).
    pub fn request_timeout(&self) -> Result<Option<std::time::Duration>, String> {
        let Some(v) = self.request_timeout.as_deref().map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
        let d = if let Ok(secs) = v.parse::<u64>() {
            std::time::Duration::from_secs(secs)
        } else {
            go_duration(v).map_err(|_| {
                format!("invalid --request-timeout {v:?}: use a number of seconds or a duration such as 30s or 1m")
            })?
        };
        Ok(if d.is_zero() { None } else { Some(d) })
    }

    /// The connection options of the kube client, with the namespace `-n` gave.
    #[cfg(feature = "cluster")]
    pub fn options(&self, namespace: Option<String>) -> Result<crate::kube::KubeOptions, String> {
        Ok(crate::kube::KubeOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace,
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            impersonate: self.as_user.clone(),
            impersonate_groups: self.as_group.clone(),
            request_timeout: self.request_timeout()?,
        })
    }
}

/// Go's `time.ParseDuration` for the forms people type: `300s`, `5m`, `5m0s`, `1h30m`, `1.5s`, `250ms`.
pub fn go_duration(s: &str) -> Result<std::time::Duration, String> {
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(format!("invalid duration {s:?}"));
    }
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or(format!("missing unit in duration {s:?}"))?;
        let n: f64 = rest[..n_end].parse().map_err(|_| format!("invalid duration {s:?}"))?;
        rest = &rest[n_end..];
        let u_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = match &rest[..u_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            u => return Err(format!("unknown unit {u:?} in duration {s:?}")),
        };
        total += n * unit;
        rest = &rest[u_end..];
    }
    Ok(std::time::Duration::from_secs_f64(total))
}

/// Parses the command line with the suite's exit codes: help and `--version` exit 0, a usage error exits 1
/// (as kubectl's and Helm's do), so that exit status 2 keeps its one meaning, "differences found"
/// (`diff --detailed-exitcode`).
pub fn parse<P: clap::Parser>() -> P {
    match P::try_parse() {
        Ok(p) => p,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    }
}

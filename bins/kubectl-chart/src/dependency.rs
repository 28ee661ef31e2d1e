//! `kubectl chart dependency list|build|update [CHART]`: argument parsing and output for Helm's
//! `dependency` commands; the work is in `kubehelm::dependency`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use kubehelm::cli::LocationFlags;
use kubehelm::dependency::{self, Manager, Verify};
use kubehelm::oci::ClientOptions;
use kubehelm::repo::http::TlsOptions;
use kubehelm::repo::paths::Settings;

/// Manage a chart's dependencies (Chart.yaml `dependencies`, `charts/`, Chart.lock), as `helm dependency` does.
#[derive(Args, Debug)]
pub struct DependencyArgs {
    #[command(subcommand)]
    what: DependencyCommand,
}

#[derive(Subcommand, Debug)]
enum DependencyCommand {
    /// List the dependencies of a chart (folder or archive) and their status.
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Rebuild charts/ from Chart.lock (as update when there is no lock).
    Build(ManagerArgs),
    /// Update charts/ from Chart.yaml: resolve versions, download, write Chart.lock.
    #[command(visible_alias = "up")]
    Update(ManagerArgs),
}

#[derive(Args, Debug)]
struct ListArgs {
    /// The chart (default: the current folder).
    chart: Option<String>,
    /// Maximum column width of the table.
    #[arg(long, default_value_t = 80)]
    max_col_width: usize,
}

/// Helm's repository and registry locations, shared by the commands that download.
#[derive(Args, Debug, Default)]
pub struct RepoLocations {
    #[command(flatten)]
    locations: LocationFlags,
    /// Print debug output (e.g. local-path dependencies).
    #[arg(long)]
    debug: bool,
}

impl RepoLocations {
    pub fn settings(&self) -> Settings {
        let mut s = self.locations.settings();
        s.debug |= self.debug;
        s
    }
}

#[derive(Args, Debug)]
struct ManagerArgs {
    /// The chart folder (default: the current folder).
    chart: Option<String>,
    /// Verify the packages against signatures (not yet supported).
    #[arg(long)]
    verify: bool,
    /// Keyring containing public keys (for --verify).
    #[arg(long)]
    keyring: Option<String>,
    /// Do not refresh the local repository cache.
    #[arg(long)]
    skip_refresh: bool,
    /// Registry username (OCI dependencies).
    #[arg(long)]
    username: Option<String>,
    /// Registry password (OCI dependencies).
    #[arg(long)]
    password: Option<String>,
    /// Identify HTTPS client using this SSL certificate file (registry).
    #[arg(long)]
    cert_file: Option<String>,
    /// Identify HTTPS client using this SSL key file (registry).
    #[arg(long)]
    key_file: Option<String>,
    /// Skip TLS certificate checks for the chart download (registry).
    #[arg(long)]
    insecure_skip_tls_verify: bool,
    /// Use insecure HTTP connections for the chart download (registry).
    #[arg(long)]
    plain_http: bool,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle (registry).
    #[arg(long)]
    ca_file: Option<String>,
    #[command(flatten)]
    locations: RepoLocations,
}

/// Go's `filepath.Clean` of the chart argument, `.` without one.
fn chart_path(arg: &Option<String>) -> PathBuf {
    match arg {
        Some(a) => PathBuf::from(kubehelm::repo::url::go_clean(a)),
        None => PathBuf::from("."),
    }
}

fn default_keyring() -> String {
    match std::env::var("GNUPGHOME") {
        Ok(v) => format!("{v}/pubring.gpg"),
        Err(_) => format!("{}/.gnupg/pubring.gpg", std::env::var("HOME").unwrap_or_default()),
    }
}

fn run_manager(a: &ManagerArgs, build: bool) -> Result<(), (String, bool)> {
    let plain = |e: String| (e, false);
    let tls = TlsOptions {
        ca_file: a.ca_file.clone().unwrap_or_default(),
        cert_file: a.cert_file.clone().unwrap_or_default(),
        key_file: a.key_file.clone().unwrap_or_default(),
        insecure_skip_tls_verify: a.insecure_skip_tls_verify,
    };
    let settings = a.locations.settings();
    // Helm's newRegistryClient: with TLS options set, --plain-http is not applied.
    let tls_set = !tls.cert_file.is_empty() && !tls.key_file.is_empty() || !tls.ca_file.is_empty() || tls.insecure_skip_tls_verify;
    let registry = ClientOptions {
        plain_http: a.plain_http && !tls_set,
        tls,
        username: a.username.clone().unwrap_or_default(),
        password: a.password.clone().unwrap_or_default(),
        credentials_file: settings.registry_config.clone(),
    };
    let verify = match (a.verify, build) {
        (false, _) => Verify::Never,
        (true, true) => Verify::IfPossible,
        (true, false) => Verify::Always,
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let mut m = Manager {
        chart_path: chart_path(&a.chart),
        settings,
        skip_update: a.skip_refresh,
        verify,
        keyring: a.keyring.clone().unwrap_or_else(default_keyring),
        registry,
        out: &mut out,
        err: &mut err,
    };
    let r = if build { m.build() } else { m.update() };
    r.map_err(|e| {
        if e.repo_not_found {
            plain(format!("{}. Please add the missing repos via 'helm repo add'", e.message))
        } else {
            plain(e.message)
        }
    })
}

pub fn run(a: DependencyArgs) -> Result<(), (String, bool)> {
    match &a.what {
        DependencyCommand::List(l) => {
            let out = dependency::list(&chart_path(&l.chart), l.max_col_width).map_err(|e| (e.message, false))?;
            std::io::stdout().write_all(out.as_bytes()).map_err(|e| (e.to_string(), false))
        }
        DependencyCommand::Build(m) => run_manager(m, true),
        DependencyCommand::Update(m) => run_manager(m, false),
    }
}

/// `package -u`: Helm runs a dependency update (output discarded) on the chart folder before packaging.
pub fn update_before_package(chart: &std::path::Path) -> Result<(), String> {
    let settings = Settings::from_env();
    let registry = ClientOptions { credentials_file: settings.registry_config.clone(), ..Default::default() };
    let mut out = std::io::sink();
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let mut m = Manager {
        chart_path: chart.to_path_buf(),
        settings,
        skip_update: false,
        verify: Verify::Never,
        keyring: default_keyring(),
        registry,
        out: &mut out,
        err: &mut err,
    };
    m.update().map_err(|e| e.message)
}

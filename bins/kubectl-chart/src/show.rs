//! `kubectl chart show chart|values|readme|crds|all CHART`: argument parsing and output for Helm's `show`.

use clap::{Args, Subcommand};
use kubehelm::chart::{self, show::ShowFormat};
use std::io::Write;
use kubehelm::render::funcs::go_quote;
use std::path::Path;

/// Show information about a chart, as `helm show` does.
#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(subcommand)]
    what: ShowCommand,
}

#[derive(Subcommand, Debug)]
enum ShowCommand {
    /// Show all information of the chart (Chart.yaml, values, README, CRDs).
    All(ShowTarget),
    /// Show the chart's definition (Chart.yaml).
    Chart(ShowTarget),
    /// Show the chart's values.
    Values(ShowValuesTarget),
    /// Show the chart's README.
    Readme(ShowTarget),
    /// Show the chart's CRDs.
    Crds(ShowTarget),
}

/// Where the chart comes from (Helm's chart path options).
#[derive(Args, Debug)]
struct ShowTarget {
    /// A chart folder, a packaged chart (.tgz), or `-` for a ChartArchive document or .tgz on stdin.
    chart: String,
    /// Chart version constraint (for charts from repositories).
    #[arg(long)]
    version: Option<String>,
    /// Chart repository URL to locate the chart in.
    #[arg(long)]
    repo: Option<String>,
    /// Use development versions, too.
    #[arg(long)]
    devel: bool,
    /// Verify the package before using it.
    #[arg(long)]
    verify: bool,
    /// Keyring for --verify.
    #[arg(long)]
    keyring: Option<String>,
    /// Repository username.
    #[arg(long)]
    username: Option<String>,
    /// Repository password.
    #[arg(long)]
    password: Option<String>,
    /// Client certificate for the repository.
    #[arg(long)]
    cert_file: Option<String>,
    /// Client key for the repository.
    #[arg(long)]
    key_file: Option<String>,
    /// CA bundle for the repository.
    #[arg(long)]
    ca_file: Option<String>,
    /// Skip TLS verification of the repository.
    #[arg(long)]
    insecure_skip_tls_verify: bool,
    /// Use plain HTTP for the registry.
    #[arg(long)]
    plain_http: bool,
    /// Pass credentials to every domain.
    #[arg(long)]
    pass_credentials: bool,
}

#[derive(Args, Debug)]
struct ShowValuesTarget {
    #[command(flatten)]
    target: ShowTarget,
    /// A JSONPath expression to filter the output.
    #[arg(long)]
    jsonpath: Option<String>,
}

/// Helm's `LocateChart` for local charts: the path made absolute, or Helm's error for what is not one.
fn locate(t: &ShowTarget) -> Result<std::path::PathBuf, String> {
    let name = t.chart.trim();
    if t.repo.is_none() {
        if std::fs::metadata(name).is_ok() {
            let p = Path::new(name);
            return Ok(if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
            });
        }
        if name.starts_with('/') || name.starts_with('.') {
            return Err(format!("path {} not found", go_quote(name)));
        }
    }
    if name.starts_with("oci://") {
        return Err(format!("unable to lookup chart {}: OCI registries are not supported by kubectl chart show yet", go_quote(name)));
    }
    match name.split_once('/') {
        Some((repo, _)) => Err(format!("repo {repo} not found")),
        None => Err(format!("non-absolute URLs should be in form of repo_name/path_to_chart, got: {name}")),
    }
}

pub fn run(a: ShowArgs) -> Result<(), (String, bool)> {
    let plain = |e: String| (e, false);
    let (format, target, jsonpath) = match &a.what {
        ShowCommand::All(t) => (ShowFormat::All, t, None),
        ShowCommand::Chart(t) => (ShowFormat::Chart, t, None),
        ShowCommand::Values(v) => (ShowFormat::Values, &v.target, v.jsonpath.as_deref()),
        ShowCommand::Readme(t) => (ShowFormat::Readme, t, None),
        ShowCommand::Crds(t) => (ShowFormat::Crds, t, None),
    };
    if jsonpath.is_some_and(|j| !j.is_empty()) {
        return Err(plain("--jsonpath is not supported by kubectl chart show yet".into()));
    }
    let chart = if target.chart == "-" {
        kubehelm::stream::load_chart_from_stdin().map_err(|e| plain(e.to_string()))?
    } else {
        let path = locate(target).map_err(plain)?;
        chart::load(&path).map_err(|e| plain(e.to_string()))?
    };
    let out = chart::show::show(&chart, format);
    std::io::stdout().write_all(&out).map_err(|e| plain(e.to_string()))
}

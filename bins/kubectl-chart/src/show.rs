//! `kubectl chart show chart|values|readme|crds|all CHART`: argument parsing and output for Helm's `show`.

use clap::{Args, Subcommand};
use kubehelm::chart::{self, show::ShowFormat};
use kubehelm::cli::{ChartPathFlags, LocationFlags};
use std::io::Write;

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
    /// A chart folder or .tgz, `repo/name`, a chart URL, `oci://registry/path/name`, or `-` (or
    /// nothing, with a pipe on stdin) for a ChartArchive document or .tgz on stdin.
    chart: Option<String>,
    #[command(flatten)]
    chart_path: ChartPathFlags,
    #[command(flatten)]
    locations: LocationFlags,
}

#[derive(Args, Debug)]
struct ShowValuesTarget {
    #[command(flatten)]
    target: ShowTarget,
    /// A JSONPath expression to filter the output.
    #[arg(long)]
    jsonpath: Option<String>,
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
    let reference = match target.chart.as_deref() {
        Some(r) => r,
        None if !std::io::IsTerminal::is_terminal(&std::io::stdin()) => "-",
        None => return Err(plain("\"kubectl chart show\" requires a chart: a folder, a .tgz, repo/name, a URL, oci://…, or `-` for stdin".into())),
    };
    let chart = if reference == "-" {
        kubehelm::stream::load_chart_from_stdin().map_err(|e| plain(e.to_string()))?
    } else {
        let path = target.chart_path.locate_with(reference, &target.locations.settings()).map_err(|e| plain(e.message))?;
        chart::load(&path).map_err(|e| plain(e.to_string()))?
    };
    let out = chart::show::show(&chart, format);
    std::io::stdout().write_all(&out).map_err(|e| plain(e.to_string()))
}

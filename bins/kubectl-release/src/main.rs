//! `kubectl release`: argument parsing and output only; the work happens in the kubehelm library.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kubehelm::cli::complete;
use kubehelm::kube::{Cluster, KubeOptions};
use kubehelm::release::actions::{self, DryRun, InstallOptions, ListOptions, RollbackOptions, UpgradeOptions, WaitStrategy};
use kubehelm::release::cluster::ClusterApi;
use kubehelm::release::kubedriver;
use kubehelm::release::print::{self, StatusView};
use kubehelm::release::{Release, Storage};
use kubehelm::render::pipeline::RenderOptions;

mod diff;

#[derive(Parser)]
#[command(name = "kubectl release", about = "Install, upgrade, roll back and inspect Helm releases", version)]
struct Cli {
    #[command(flatten)]
    kube: KubeFlags,
    #[command(subcommand)]
    command: Command,
    /// Behave as this Helm release does: v4.3 (default) or v4.1 (also KUBEHELM_COMPAT); affects how
    /// install/upgrade render, and rollback records and uninstall ownership checks.
    #[arg(long, global = true, value_name = "VERSION")]
    helm_compat: Option<String>,
}

/// kubectl's global flags (kubectl passes them through to plugins untouched) and `-n`.
#[derive(Args, Debug, Clone, Default)]
struct KubeFlags {
    /// The namespace of the release.
    #[arg(short = 'n', long, global = true)]
    namespace: Option<String>,
    #[command(flatten)]
    kubectl: kubehelm::cli::KubectlFlags,
}

impl KubeFlags {
    fn options(&self) -> Result<KubeOptions, Failure> {
        self.kubectl.options(self.namespace.clone()).map_err(Failure)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Install a chart as a new release (`helm install [NAME] [CHART]`).
    Install(InstallArgs),
    /// Upgrade a release to a new chart or new values (`helm upgrade RELEASE CHART`).
    Upgrade(UpgradeArgs),
    /// Roll a release back to an earlier revision (`helm rollback RELEASE [REVISION]`).
    Rollback(RollbackArgs),
    /// Uninstall releases (`helm uninstall RELEASE...`).
    #[command(visible_aliases = ["del", "delete", "un"])]
    Uninstall(UninstallArgs),
    /// List releases (`helm list`).
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show the status of a release (`helm status RELEASE`).
    Status(StatusArgs),
    /// Show a release's revisions (`helm history RELEASE`).
    #[command(visible_alias = "hist")]
    History(HistoryArgs),
    /// Show a release's values, manifest, notes, hooks or metadata (`helm get`).
    #[command(subcommand)]
    Get(GetCommand),
    /// Run a release's tests (`helm test RELEASE`).
    Test(TestArgs),
    /// Mark a release's unfinished (pending) newest revision failed, so that it can be upgraded or rolled
    /// back again.
    Recover(RecoverArgs),
    /// Show what an upgrade or a rollback would change, object by object (the helm-diff plugin, built in).
    #[command(subcommand)]
    Diff(diff::DiffCommand),
    /// Shell completion: scripts for bash, zsh and fish, and the kubectl_complete-release executable.
    Completion(kubehelm::cli::complete::CompletionArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
enum Output {
    #[default]
    Table,
    Json,
    Yaml,
}

use kubehelm::cli::{ChartPathFlags, LocationFlags, ValuesFlags};

/// `--wait` and `--wait-for-jobs`, as Helm v4 spells them.
#[derive(Args, Debug, Clone, Default)]
struct WaitFlags {
    /// Wait until the release's objects are ready (up to --timeout): `watcher` (bare --wait), `legacy`, or
    /// `hookOnly` (the default: wait for hooks only).
    #[arg(long, num_args = 0..=1, default_missing_value = "watcher", require_equals = true, value_name = "STRATEGY")]
    wait: Option<String>,
    /// With --wait, also wait until the release's Jobs have completed.
    #[arg(long)]
    wait_for_jobs: bool,
}

impl WaitFlags {
    fn strategy(&self) -> Result<WaitStrategy, Failure> {
        match self.wait.as_deref() {
            None | Some("hookOnly") => Ok(WaitStrategy::HookOnly),
            Some("watcher") | Some("true") => Ok(WaitStrategy::Watcher),
            Some("legacy") => Ok(WaitStrategy::Legacy),
            Some("false") => Ok(WaitStrategy::HookOnly),
            Some(other) => Err(Failure(format!(
                "invalid wait strategy {other:?}: valid values are \"watcher\", \"hookOnly\" and \"legacy\""
            ))),
        }
    }
}

/// `--crds` and Helm's `--skip-crds`: what install, upgrade and rollback do with the chart's `crds/`.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct CrdFlags {
    /// The chart's crds/ (subcharts' too): `skip`; `create` (the missing CRDs; existing ones are never
    /// modified); `create-replace` (every CRD applied server-side before the templates, after refusing a
    /// change that would strand stored objects). Default: Helm's, create on install, nothing on upgrade
    /// and rollback.
    #[arg(long, value_name = "POLICY", value_parser = ["skip", "create", "create-replace"])]
    crds: Option<String>,
    /// Helm's flag: the same as --crds skip.
    #[arg(long, conflicts_with = "crds")]
    skip_crds: bool,
}

impl CrdFlags {
    pub(crate) fn policy(&self) -> Result<kubehelm::release::crds::CrdPolicy, Failure> {
        use kubehelm::release::crds::CrdPolicy;
        if self.skip_crds {
            return Ok(CrdPolicy::Skip);
        }
        self.crds.as_deref().map_or(Ok(CrdPolicy::Default), |s| s.parse().map_err(Failure))
    }
}

/// `--server-side`: kubectl release always applies server-side; `false` is refused rather than ignored.
fn check_server_side(v: &str) -> Res {
    match v {
        "auto" | "true" => Ok(()),
        "false" => Err(Failure(
            "--server-side=false: kubectl release applies server-side only (releases made with client-side apply are moved to server-side apply on upgrade, as Helm v4 does with --server-side=true)".into(),
        )),
        other => Err(Failure(format!("invalid/unknown release server-side apply method: {other}"))),
    }
}

#[derive(Args, Debug)]
struct InstallArgs {
    /// [NAME] [CHART]: the chart is a folder, a .tgz, or `-` (a ChartArchive document on stdin); without a
    /// chart and with stdin not a terminal, stdin is read. NAME defaults to the chart's name.
    args: Vec<String>,
    /// Generate the release name.
    #[arg(short = 'g', long)]
    generate_name: bool,
    /// Create the release namespace if it is missing.
    #[arg(long)]
    create_namespace: bool,
    /// Render and validate only; install nothing. `client` (bare --dry-run) needs no cluster; `server`
    /// reads the cluster (capabilities, lookup, name and ownership checks).
    #[arg(long, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    dry_run: Option<String>,
    /// A custom description for the revision.
    #[arg(long, default_value = "")]
    description: String,
    #[command(flatten)]
    wait: WaitFlags,
    /// Uninstall again when the install fails (implies --wait).
    #[arg(long, alias = "atomic")]
    rollback_on_failure: bool,
    /// Do not run hooks.
    #[arg(long)]
    no_hooks: bool,
    #[command(flatten)]
    crds: CrdFlags,
    /// Take over fields other field managers own (server-side apply).
    #[arg(long)]
    force_conflicts: bool,
    /// Adopt existing objects without the ownership check.
    #[arg(long)]
    take_ownership: bool,
    /// Reuse the name of an uninstalled or failed release.
    #[arg(long)]
    replace: bool,
    /// How long to wait for each hook (Go duration, e.g. 5m0s).
    #[arg(long, default_value = "5m0s", value_parser = parse_duration)]
    timeout: Duration,
    /// Labels for the release's storage objects (k=v, comma separated, repeatable).
    #[arg(short = 'l', long = "labels", value_delimiter = ',')]
    labels: Vec<String>,
    /// Do not print NOTES.
    #[arg(long)]
    hide_notes: bool,
    /// Skip values.schema.json validation.
    #[arg(long)]
    skip_schema_validation: bool,
    /// Render subchart NOTES.txt too.
    #[arg(long)]
    render_subchart_notes: bool,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Output,
    #[command(flatten)]
    values: ValuesFlags,
    #[command(flatten)]
    source: ChartSource,
}

#[derive(Args, Debug)]
struct UpgradeArgs {
    release: String,
    /// The chart: a folder, a .tgz, or `-` for a ChartArchive document on stdin (the default when stdin
    /// is not a terminal).
    chart: Option<String>,
    /// Install when the release does not exist.
    #[arg(short = 'i', long)]
    install: bool,
    #[arg(long, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    dry_run: Option<String>,
    #[command(flatten)]
    crds: CrdFlags,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long)]
    no_hooks: bool,
    #[arg(long)]
    force_conflicts: bool,
    /// Use the chart's values only, forgetting the previous revision's.
    #[arg(long)]
    reset_values: bool,
    /// Merge the previous revision's values under the new ones (and keep its chart defaults).
    #[arg(long)]
    reuse_values: bool,
    /// The new chart's defaults, the previous revision's values over them, the new values over both.
    #[arg(long)]
    reset_then_reuse_values: bool,
    #[command(flatten)]
    wait: WaitFlags,
    /// Roll back to the last successful revision when the upgrade fails (implies --wait).
    #[arg(long, alias = "atomic")]
    rollback_on_failure: bool,
    /// Delete the objects this upgrade created when it fails.
    #[arg(long)]
    cleanup_on_fail: bool,
    /// Labels for the storage objects, merged over the previous revision's; `key=null` removes one.
    #[arg(short = 'l', long = "labels", value_delimiter = ',')]
    labels: Vec<String>,
    /// Server-side apply: `auto` and `true` (the only method kubectl release uses).
    #[arg(long, default_value = "auto")]
    server_side: String,
    #[arg(long, default_value = "5m0s", value_parser = parse_duration)]
    timeout: Duration,
    /// Revisions kept (0 = no limit).
    #[arg(long, default_value_t = 10, env = "HELM_MAX_HISTORY", hide_env = true)]
    history_max: usize,
    #[arg(long)]
    create_namespace: bool,
    #[arg(long)]
    hide_notes: bool,
    #[arg(long)]
    skip_schema_validation: bool,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Output,
    #[command(flatten)]
    values: ValuesFlags,
    #[command(flatten)]
    source: ChartSource,
}

#[derive(Args, Debug)]
struct RollbackArgs {
    release: String,
    /// The revision (0 or none = the previous one).
    revision: Option<i64>,
    #[command(flatten)]
    crds: CrdFlags,
    #[arg(long)]
    no_hooks: bool,
    #[arg(long)]
    force_conflicts: bool,
    #[arg(long, default_value = "5m0s", value_parser = parse_duration)]
    timeout: Duration,
    #[command(flatten)]
    wait: WaitFlags,
    /// Delete the objects this rollback created when it fails.
    #[arg(long)]
    cleanup_on_fail: bool,
    /// Show what would be rolled back; change nothing.
    #[arg(long, num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    dry_run: Option<String>,
    /// Revisions kept (0 = no limit).
    #[arg(long, default_value_t = 10, env = "HELM_MAX_HISTORY", hide_env = true)]
    history_max: usize,
    /// Server-side apply: `auto` and `true` (the only method kubectl release uses).
    #[arg(long, default_value = "auto")]
    server_side: String,
    /// The new revision's description (at most 256 characters) instead of "Rollback to N" (Helm v4.3).
    #[arg(long, default_value = "")]
    description: String,
}

#[derive(Args, Debug)]
struct TestArgs {
    release: String,
    /// How long to wait for each test (Go duration).
    #[arg(long, default_value = "5m0s", value_parser = parse_duration)]
    timeout: Duration,
    /// Print the test pods' logs.
    #[arg(long)]
    logs: bool,
    /// Run only the tests `name=NAME`, or all but `!name=NAME` (repeatable).
    #[arg(long)]
    filter: Vec<String>,
    /// Do not print NOTES (always hidden, as in Helm; accepted for compatibility).
    #[arg(long, hide = true)]
    hide_notes: bool,
}

#[derive(Args, Debug)]
struct RecoverArgs {
    release: String,
    /// Also when the revision's lease has not expired (its client is known to be gone).
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct UninstallArgs {
    #[arg(required = true)]
    releases: Vec<String>,
    /// Keep the history: the release stays as `uninstalled`.
    #[arg(long)]
    keep_history: bool,
    #[arg(long)]
    no_hooks: bool,
    /// Succeed when the release does not exist.
    #[arg(long)]
    ignore_not_found: bool,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long, default_value = "5m0s", value_parser = parse_duration)]
    timeout: Duration,
    /// Wait until every deleted object is gone (up to --timeout).
    #[arg(long, num_args = 0..=1, default_missing_value = "watcher", require_equals = true, value_name = "STRATEGY")]
    wait: Option<String>,
    /// How dependents are deleted: background, foreground or orphan.
    #[arg(long, default_value = "background", value_parser = ["background", "foreground", "orphan"])]
    cascade: String,
    /// Check what would be uninstalled; delete nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Releases of every namespace.
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// Sort by release date.
    #[arg(short = 'd', long)]
    date: bool,
    #[arg(short = 'r', long)]
    reverse: bool,
    #[arg(short = 'm', long, default_value_t = 256)]
    max: usize,
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// A regular expression release names must match.
    #[arg(short = 'f', long)]
    filter: Option<String>,
    /// Names only.
    #[arg(short = 'q', long)]
    short: bool,
    #[arg(long)]
    no_headers: bool,
    #[arg(long)]
    deployed: bool,
    #[arg(long)]
    failed: bool,
    #[arg(long)]
    pending: bool,
    #[arg(long)]
    superseded: bool,
    #[arg(long)]
    uninstalled: bool,
    #[arg(long)]
    uninstalling: bool,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Output,
}

#[derive(Args, Debug)]
struct StatusArgs {
    release: String,
    #[arg(long, default_value_t = 0)]
    revision: i64,
    /// Helm 3's flag: the RESOURCES section is always shown now, as in Helm v4.
    #[arg(long, hide = true)]
    show_resources: bool,
    /// Compare each object with what applying the release again would make of it (a server-side apply
    /// dry run): a DRIFT column in RESOURCES (`-`, `drifted`, `missing`), a `drift` list in -o json|yaml.
    #[arg(long)]
    drift: bool,
    #[command(flatten)]
    ignore: diff::IgnoreFlags,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Output,
}

#[derive(Args, Debug)]
struct HistoryArgs {
    release: String,
    #[arg(long, default_value_t = 256)]
    max: usize,
    /// Add the ROLLBACK column (the revision a rollback went back to) to the table (Helm v4.3).
    #[arg(long)]
    show_rollback_revision: bool,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Output,
}

#[derive(Subcommand)]
enum GetCommand {
    /// User-supplied (or, with --all, computed) values.
    Values(GetValuesArgs),
    /// The rendered manifest.
    Manifest(GetArgs),
    /// The rendered NOTES.txt.
    Notes(GetArgs),
    /// The hooks.
    Hooks(GetArgs),
    /// Chart and release metadata.
    Metadata(GetOutputArgs),
    /// Everything: status, values, hooks, manifest, notes.
    All(GetOutputArgs),
}

#[derive(Args, Debug)]
struct GetArgs {
    release: String,
    #[arg(long, default_value_t = 0)]
    revision: i64,
}

#[derive(Args, Debug)]
struct GetOutputArgs {
    release: String,
    #[arg(long, default_value_t = 0)]
    revision: i64,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Output,
}

#[derive(Args, Debug)]
struct GetValuesArgs {
    release: String,
    #[arg(long, default_value_t = 0)]
    revision: i64,
    /// All (computed) values.
    #[arg(short = 'a', long)]
    all: bool,
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: Output,
}

/// Go's time.ParseDuration, shared with the kubectl flags (`--request-timeout`).
fn parse_duration(s: &str) -> Result<Duration, String> {
    kubehelm::cli::go_duration(s)
}

/// A failure to report: the text after `Error: `.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

type Res = Result<(), Failure>;

fn main() -> ExitCode {
    kubehelm::cli::complete::run_if_requested(<Cli as clap::CommandFactory>::command, &complete_values);
    let cli: Cli = kubehelm::cli::parse();
    if let Err(e) = kubehelm::compat::init(cli.helm_compat.as_deref()) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    if cli.kube.kubectl.verbosity.is_some_and(|v| v >= 6) {
        // kubectl's -v=6 and up: say where the time goes (see actions::trace)
        std::env::set_var("KUBECTL_RELEASE_TRACE", "1");
    }
    let result = match &cli.command {
        Command::Install(a) => install(&cli.kube, a),
        Command::Upgrade(a) => upgrade(&cli.kube, a),
        Command::Rollback(a) => rollback(&cli.kube, a),
        Command::Uninstall(a) => uninstall(&cli.kube, a),
        Command::List(a) => list(&cli.kube, a),
        Command::Status(a) => status(&cli.kube, a),
        Command::History(a) => history(&cli.kube, a),
        Command::Get(g) => get(&cli.kube, g),
        Command::Test(a) => test(&cli.kube, a),
        Command::Recover(a) => recover(&cli.kube, a),
        Command::Diff(d) => diff::run(&cli.kube, d),
        Command::Completion(a) => kubehelm::cli::complete::run_completion("release", a).map_err(Failure),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) => {
            let _ = std::io::stdout().flush();
            eprintln!("Error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Dynamic completion values: release names (and revisions) from the cluster, charts from the repository
/// cache; namespaces, contexts, flag values and files come from the command tree.
fn complete_values(pos: &complete::Position) -> Option<complete::Completions> {
    if pos.flag.is_some() {
        return None;
    }
    let settings = complete::settings(pos);
    let chart = || Some(complete::charts(&settings, &pos.to_complete, true));
    let n = pos.positionals.len();
    match (pos.command().as_str(), n) {
        ("install", 0 | 1) => chart(),
        ("upgrade" | "diff upgrade", 1) => chart(),
        ("rollback" | "diff rollback", 1) => Some(complete_revisions(pos)),
        ("upgrade" | "rollback" | "status" | "history" | "test" | "recover" | "diff upgrade" | "diff rollback" | "diff live", 0)
        | ("get values" | "get manifest" | "get notes" | "get hooks" | "get metadata" | "get all", 0) => {
            Some(complete_releases(pos, &[]))
        }
        ("uninstall", _) => Some(complete_releases(pos, &pos.positionals)),
        _ => None,
    }
}

/// The release storage entries (labels only) of the namespace on the line, within a few seconds.
fn completion_entries(pos: &complete::Position, selector: &[(&str, &str)]) -> Vec<kubehelm::release::storage::Entry> {
    let opts = KubeOptions {
        kubeconfig: pos.flag_value("kubeconfig").map(PathBuf::from),
        context: pos.flag_value("context").map(str::to_string),
        namespace: pos.flag_value("namespace").map(str::to_string),
        cluster: pos.flag_value("cluster").map(str::to_string),
        user: pos.flag_value("user").map(str::to_string),
        impersonate: pos.flag_value("as").map(str::to_string),
        request_timeout: Some(Duration::from_secs(5)),
        ..Default::default()
    };
    let Ok(cluster) = Cluster::connect(&opts) else { return Vec::new() };
    let cluster = Arc::new(cluster);
    let ns = cluster.namespace().to_string();
    match kubedriver::driver_from_env(cluster, &ns).and_then(|d| d.entries(selector)) {
        Ok(e) => e,
        Err(_) => Vec::new(),
    }
}

fn complete_releases(pos: &complete::Position, exclude: &[String]) -> complete::Completions {
    let mut c = complete::Completions::new(complete::directive::NO_FILE_COMP);
    for e in kubehelm::release::storage::newest_entries(completion_entries(pos, &[])) {
        if e.name.starts_with(&pos.to_complete) && !exclude.contains(&e.name) {
            c.push(e.name.clone(), format!("revision {}, {}", e.revision, e.status));
        }
    }
    c
}

fn complete_revisions(pos: &complete::Position) -> complete::Completions {
    let mut c = complete::Completions::new(complete::directive::NO_FILE_COMP | complete::directive::KEEP_ORDER);
    let mut entries = completion_entries(pos, &[("name", pos.positionals[0].as_str())]);
    entries.sort_by_key(|e| std::cmp::Reverse(e.revision));
    for e in entries {
        let rev = e.revision.to_string();
        if rev.starts_with(&pos.to_complete) {
            c.push(rev, e.status.clone());
        }
    }
    c
}

fn out(text: &str) -> Res {
    let mut so = std::io::stdout().lock();
    so.write_all(text.as_bytes()).map_err(|e| Failure(format!("writing output: {e}")))?;
    Ok(())
}

/// The cluster connection, and the release storage (`HELM_DRIVER`) in the namespace commands act in.
fn connect(k: &KubeFlags) -> Result<(Arc<Cluster>, Storage), Failure> {
    let cluster = Arc::new(Cluster::connect(&k.options()?)?);
    let ns = cluster.namespace().to_string();
    let driver = kubedriver::driver_from_env(cluster.clone(), &ns)?;
    Ok((cluster, Storage::new(driver)))
}

/// Does this argument name a chart (rather than a release)?
fn looks_like_chart(arg: &str) -> bool {
    arg == "-" || arg.contains('/') || arg.ends_with(".tgz") || Path::new(arg).exists()
}

/// Where a chart argument comes from: Helm's chart-path flags (`--version`, `--repo`, credentials, TLS,
/// `--verify`) and file locations, for folders, archives, `repo/name`, chart URLs and `oci://` references.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct ChartSource {
    #[command(flatten)]
    path: ChartPathFlags,
    #[command(flatten)]
    locations: LocationFlags,
}

impl ChartSource {
    /// The chart `reference` names; `-` or none reads a ChartArchive document from stdin.
    pub(crate) fn load(&self, reference: Option<&str>) -> Result<kubehelm::chart::Chart, Failure> {
        match reference {
            None | Some("-") => {
                if reference.is_none() && std::io::stdin().is_terminal() {
                    return Err(Failure(
                        "a chart is required: a folder, a .tgz, repo/name, a URL, oci://…, or `-` for a ChartArchive on stdin".into(),
                    ));
                }
                Ok(kubehelm::stream::load_chart_from_stdin()?)
            }
            Some(r) => {
                let path = self.path.locate_with(r, &self.locations.settings()).map_err(|e| Failure(e.message))?;
                Ok(kubehelm::chart::load(&path)?)
            }
        }
    }
}

fn parse_labels(items: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    items
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| Failure(format!("invalid label {s:?}: expected key=value")))
        })
        .collect()
}

fn print_release(rel: &Release, output: Output, hide_notes: bool) -> Res {
    match output {
        Output::Json => out(&print::release_json(rel)),
        Output::Yaml => out(&print::release_yaml(rel)),
        Output::Table => out(&print::status_text(rel, StatusView { hide_notes, ..Default::default() }, None)),
    }
}

fn dry_run(v: &Option<String>) -> Result<DryRun, Failure> {
    match v.as_deref() {
        None | Some("none") | Some("false") => Ok(DryRun::None),
        Some("client") | Some("true") => Ok(DryRun::Client),
        Some("server") => Ok(DryRun::Server),
        Some(other) => Err(Failure(format!("invalid dry-run value {other:?}: use none, client or server"))),
    }
}

/// Render options with `lookup` on the live cluster.
fn render_options(cluster: Option<&Arc<Cluster>>, skip_schema_validation: bool, render_subchart_notes: bool) -> RenderOptions {
    RenderOptions {
        skip_schema_validation,
        render_subchart_notes,
        lookup: cluster.map(|c| kubedriver::lookup_fn(c.clone())),
        ..Default::default()
    }
}

fn install(k: &KubeFlags, a: &InstallArgs) -> Res {
    let dry = dry_run(&a.dry_run)?;
    if a.args.len() > 2 {
        return Err(Failure(format!(
            "INSTALLATION FAILED: expected at most two arguments, unexpected arguments: {}",
            a.args[2..].join(", ")
        )));
    }
    let (name, chart_ref) = match a.args.as_slice() {
        [name, chart] => (Some(name.clone()), Some(chart.as_str())),
        [one] if a.generate_name || looks_like_chart(one) => (None, Some(one.as_str())),
        [one] => (Some(one.clone()), None),
        _ => (None, None),
    };
    if a.generate_name && name.is_some() {
        return Err(Failure("INSTALLATION FAILED: cannot set --generate-name and also specify a name".into()));
    }
    let user_values = kubehelm::values::merge_values(&a.values.options())?;
    let chart = a.source.load(chart_ref)?;
    let name = match name {
        Some(n) => n,
        None if a.generate_name => {
            let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            format!("{}-{secs}", chart.name())
        }
        None => chart.name().to_string(),
    };
    let client_only = dry == DryRun::Client;
    let connected = Cluster::connect(&k.options()?);
    let (cluster, storage) = match connected {
        Ok(c) => {
            let c = Arc::new(c);
            let ns = c.namespace().to_string();
            let driver = if client_only { Box::new(kubehelm::release::storage::Memory::new(&ns)) as _ } else { kubedriver::driver_from_env(c.clone(), &ns)? };
            (Some(c), Storage::new(driver))
        }
        Err(e) if client_only => {
            let _ = e;
            (None, Storage::new(Box::new(kubehelm::release::storage::Memory::new("default"))))
        }
        Err(e) => return Err(Failure(format!("INSTALLATION FAILED: {e}"))),
    };
    let namespace = match &cluster {
        Some(c) => c.namespace().to_string(),
        None => k.namespace.clone().unwrap_or_else(|| "default".into()),
    };
    let live = if client_only { None } else { cluster.as_ref() };
    let opts = InstallOptions {
        name,
        namespace,
        create_namespace: a.create_namespace,
        dry_run: dry,
        description: a.description.clone(),
        no_hooks: a.no_hooks,
        crds: a.crds.policy()?,
        force_conflicts: a.force_conflicts,
        take_ownership: a.take_ownership,
        replace: a.replace,
        timeout: a.timeout,
        wait: a.wait.strategy()?,
        wait_for_jobs: a.wait.wait_for_jobs,
        rollback_on_failure: a.rollback_on_failure,
        labels: parse_labels(&a.labels)?,
        render: render_options(live, a.skip_schema_validation, a.render_subchart_notes),
    };
    let target = if client_only { None } else { cluster.as_deref().map(|c| c as &dyn ClusterApi) };
    match actions::install(target, &storage, chart, &user_values, &opts) {
        Ok(rel) => print_release(&rel, a.output, a.hide_notes),
        Err(e) => Err(Failure(format!("INSTALLATION FAILED: {}", e.message))),
    }
}

fn upgrade(k: &KubeFlags, a: &UpgradeArgs) -> Res {
    let dry = dry_run(&a.dry_run)?;
    check_server_side(&a.server_side)?;
    let (cluster, storage) = connect(k)?;
    let user_values = kubehelm::values::merge_values(&a.values.options())?;
    let chart = a.source.load(a.chart.as_deref())?;
    let live = if dry == DryRun::Client { None } else { Some(&cluster) };
    let render = render_options(live, a.skip_schema_validation, false);
    let exists = storage.history_entries(&a.release)?.iter().any(|e| e.status != "uninstalled");
    if a.install && !exists {
        let opts = InstallOptions {
            name: a.release.clone(),
            namespace: cluster.namespace().to_string(),
            create_namespace: a.create_namespace,
            dry_run: dry,
            description: a.description.clone(),
            no_hooks: a.no_hooks,
            crds: a.crds.policy()?,
            force_conflicts: a.force_conflicts,
            replace: true,
            timeout: a.timeout,
            wait: a.wait.strategy()?,
            wait_for_jobs: a.wait.wait_for_jobs,
            rollback_on_failure: a.rollback_on_failure,
            labels: parse_labels(&a.labels)?,
            render,
            ..Default::default()
        };
        return match actions::install(Some(&*cluster as &dyn ClusterApi), &storage, chart, &user_values, &opts) {
            Ok(rel) => {
                eprintln!("Release {:?} does not exist. Installing it now.", a.release);
                print_release(&rel, a.output, a.hide_notes)
            }
            Err(e) => Err(Failure(format!("INSTALLATION FAILED: {}", e.message))),
        };
    }
    let opts = UpgradeOptions {
        namespace: cluster.namespace().to_string(),
        dry_run: dry,
        description: a.description.clone(),
        no_hooks: a.no_hooks,
        crds: a.crds.policy()?,
        force_conflicts: a.force_conflicts,
        reset_values: a.reset_values,
        reuse_values: a.reuse_values,
        reset_then_reuse_values: a.reset_then_reuse_values,
        timeout: a.timeout,
        wait: a.wait.strategy()?,
        wait_for_jobs: a.wait.wait_for_jobs,
        rollback_on_failure: a.rollback_on_failure,
        cleanup_on_fail: a.cleanup_on_fail,
        max_history: a.history_max,
        labels: parse_labels(&a.labels)?,
        render,
    };
    let values = if a.values.is_empty() { serde_json::Map::new() } else { user_values };
    match actions::upgrade(&*cluster, &storage, &a.release, chart, &values, &opts) {
        Ok(rel) => {
            if a.output == Output::Table {
                out(&format!("Release {:?} has been upgraded. Happy Helming!\n", a.release))?;
            }
            print_release(&rel, a.output, a.hide_notes)
        }
        Err(e) => Err(Failure(format!("UPGRADE FAILED: {}", e.message))),
    }
}

fn rollback(k: &KubeFlags, a: &RollbackArgs) -> Res {
    check_server_side(&a.server_side)?;
    actions::check_rollback_description(&a.description).map_err(|e| Failure(e.message))?;
    let (cluster, storage) = connect(k)?;
    let opts = RollbackOptions {
        revision: a.revision.unwrap_or(0),
        no_hooks: a.no_hooks,
        force_conflicts: a.force_conflicts,
        timeout: a.timeout,
        wait: a.wait.strategy()?,
        wait_for_jobs: a.wait.wait_for_jobs,
        cleanup_on_fail: a.cleanup_on_fail,
        dry_run: dry_run(&a.dry_run)?.is_dry(),
        max_history: a.history_max,
        crds: a.crds.policy()?,
        description: a.description.clone(),
        compat: None,
    };
    actions::rollback(&*cluster, &storage, &a.release, &opts).map_err(|e| Failure(e.message))?;
    out("Rollback was a success! Happy Helming!\n")
}

fn test(k: &KubeFlags, a: &TestArgs) -> Res {
    let (cluster, storage) = connect(k)?;
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for f in &a.filter {
        if let Some(n) = f.strip_prefix("name=") {
            include.push(n.to_string());
        } else if let Some(n) = f.strip_prefix('!').map(str::trim_start).and_then(|r| r.strip_prefix("name=")) {
            exclude.push(n.to_string());
        }
    }
    // the pods' logs are read before the hook-succeeded policy deletes them
    let mut logs = String::new();
    let mut log_error = None;
    let mut read_logs = |rel: &Release| {
        if !a.logs {
            return;
        }
        let mut hooks: Vec<&kubehelm::release::record::Hook> =
            rel.hooks.iter().filter(|h| h.events.iter().any(|e| e == "test") && h.kind == "Pod").collect();
        hooks.sort_by_key(|h| h.weight);
        for h in hooks {
            match cluster.pod_logs(&h.name, &rel.namespace) {
                Ok(text) => logs.push_str(&format!("POD LOGS: {}\n{text}\n", h.name)),
                Err(e) => {
                    log_error = Some(format!("unable to get pod logs for {}: {e}", h.name));
                    return;
                }
            }
        }
    };
    let result = actions::run_tests(&*cluster, &storage, &a.release, &include, &exclude, a.timeout, &mut read_logs);
    let rel = match &result {
        Ok(rel) => Some(rel.clone()),
        Err(e) => e.release.clone(),
    };
    if let Some(rel) = &rel {
        out(&print::status_text(rel, StatusView { hide_notes: true, ..Default::default() }, None))?;
        if a.logs {
            out(&format!("\n{logs}"))?;
        }
    }
    if let Some(e) = log_error {
        return Err(Failure(e));
    }
    result.map(|_| ()).map_err(|e| Failure(e.message))
}

fn recover(k: &KubeFlags, a: &RecoverArgs) -> Res {
    let (_, storage) = connect(k)?;
    let rel = actions::recover(&storage, &a.release, a.force).map_err(|e| Failure(e.message))?;
    out(&format!(
        "Release {:?}: revision {} is marked failed. Upgrade or roll back to continue.\n",
        rel.name, rel.version
    ))
}

fn uninstall(k: &KubeFlags, a: &UninstallArgs) -> Res {
    let (cluster, storage) = connect(k)?;
    for name in &a.releases {
        let opts = actions::UninstallOptions {
            keep_history: a.keep_history,
            no_hooks: a.no_hooks,
            description: a.description.clone(),
            timeout: a.timeout,
            wait: !matches!(a.wait.as_deref(), None | Some("hookOnly") | Some("false")),
            cascade: a.cascade.clone(),
            dry_run: a.dry_run,
            compat: None,
        };
        match actions::uninstall(&*cluster, &storage, name, &opts) {
            Ok(report) => {
                let info = report.info();
                if !info.is_empty() {
                    out(&format!("{info}\n"))?;
                }
                out(&format!("release \"{name}\" uninstalled\n"))?;
            }
            Err(e) if a.ignore_not_found && e.message.contains("not found") => {}
            Err(e) => return Err(Failure(e.message)),
        }
    }
    Ok(())
}

fn list(k: &KubeFlags, a: &ListArgs) -> Res {
    let cluster = Arc::new(Cluster::connect(&k.options()?)?);
    let ns = if a.all_namespaces { String::new() } else { cluster.namespace().to_string() };
    let storage = Storage::new(kubedriver::driver_from_env(cluster.clone(), &ns)?);
    let mut statuses = Vec::new();
    for (on, st) in [
        (a.deployed, &["deployed"][..]),
        (a.failed, &["failed"][..]),
        (a.pending, &["pending-install", "pending-upgrade", "pending-rollback"][..]),
        (a.superseded, &["superseded"][..]),
        (a.uninstalled, &["uninstalled"][..]),
        (a.uninstalling, &["uninstalling"][..]),
    ] {
        if on {
            statuses.extend(st.iter().map(|s| s.to_string()));
        }
    }
    let opts = ListOptions {
        statuses,
        filter: a.filter.clone(),
        sort_by_date: a.date,
        reverse: a.reverse,
        max: a.max,
        offset: a.offset,
    };
    let rels = actions::list(&storage, &opts).map_err(|e| Failure(e.message))?;
    if a.short {
        return out(&print::list_short(&rels));
    }
    match a.output {
        Output::Json => out(&print::list_json(&rels)),
        Output::Yaml => out(&print::go_yaml(&print::list_elements(&rels))),
        Output::Table => out(&print::list_table(&rels, a.no_headers)),
    }
}

fn status(k: &KubeFlags, a: &StatusArgs) -> Res {
    let (cluster, storage) = connect(k)?;
    let rel = actions::get(&storage, &a.release, a.revision).map_err(|e| Failure(e.message))?;
    let drift = if a.drift { Some(diff::status_drift(&cluster, &rel, &a.ignore)?) } else { None };
    if a.output != Output::Table {
        if let Some(d) = &drift {
            return out(&d.release_text(&rel, a.output == Output::Json));
        }
        return print_release(&rel, a.output, false);
    }
    // Helm v4 shows the release's objects (and their workloads' pods) as kubectl tables
    let mut groups: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    let mut selectors = Vec::new();
    for r in actions::resource_refs(&*cluster, &rel).map_err(|e| Failure(e.message))? {
        let version = r.api_version.rsplit('/').next().unwrap_or("");
        let table = cluster.get_table(&r.api_version, &r.kind, &r.name, &r.namespace, "")?;
        if let Some(table) = match &drift {
            Some(d) => Some(d.with_column(table, &r.api_version, &r.kind, &r.name, &r.namespace)),
            None => table,
        } {
            groups.entry(format!("{version}/{}", r.kind)).or_default().push(table);
        }
        if let Some(sel) = r.pod_selector.filter(|s| !selectors.contains(&(r.namespace.clone(), s.clone()))) {
            selectors.push((r.namespace.clone(), sel.clone()));
            // the key shows even when no pod matches, as in Helm
            let pods = groups.entry("v1/Pod(related)".into()).or_default();
            pods.extend(cluster.get_table("v1", "Pod", "", &r.namespace, &sel)?);
        }
    }
    let groups: Vec<(String, Vec<serde_json::Value>)> = groups.into_iter().collect();
    let resources = print::resources_text(&groups);
    out(&print::status_text_with_resources(&rel, StatusView::default(), None, &resources))
}

fn history(k: &KubeFlags, a: &HistoryArgs) -> Res {
    let (_, storage) = connect(k)?;
    let rels = actions::history(&storage, &a.release, a.max).map_err(|e| Failure(e.message))?;
    match a.output {
        Output::Json => out(&print::history_json(&rels)),
        Output::Yaml => out(&print::go_yaml(&print::history_elements(&rels))),
        Output::Table => out(&print::history_table(&rels, a.show_rollback_revision)),
    }
}

fn get(k: &KubeFlags, g: &GetCommand) -> Res {
    let (_, storage) = connect(k)?;
    let fetch = |name: &str, rev: i64| actions::get(&storage, name, rev).map_err(|e| Failure(e.message));
    match g {
        GetCommand::Values(a) => {
            let rel = fetch(&a.release, a.revision)?;
            let vals = if a.all { actions::computed_values(&rel) } else { rel.config.clone() };
            let value = if vals.is_empty() && !a.all { serde_json::Value::Null } else { serde_json::Value::Object(vals.clone()) };
            match a.output {
                Output::Json => out(&print::go_json_line(&value)),
                Output::Yaml => out(&print::go_yaml(&value)),
                Output::Table => {
                    let head = if a.all { "COMPUTED VALUES:\n" } else { "USER-SUPPLIED VALUES:\n" };
                    out(&format!("{head}{}", if a.all { print::go_yaml(&value) } else { print::values_yaml(&vals) }))
                }
            }
        }
        GetCommand::Manifest(a) => out(&format!("{}\n", fetch(&a.release, a.revision)?.manifest)),
        GetCommand::Notes(a) => {
            let rel = fetch(&a.release, a.revision)?;
            if rel.info.notes.is_empty() {
                Ok(())
            } else {
                out(&format!("NOTES:\n{}\n", rel.info.notes))
            }
        }
        GetCommand::Hooks(a) => out(&print::hooks_text(&fetch(&a.release, a.revision)?)),
        GetCommand::Metadata(a) => {
            let rel = fetch(&a.release, a.revision)?;
            match a.output {
                Output::Json => out(&print::metadata_json(&rel)),
                Output::Yaml => out(&print::go_yaml(&print::metadata_value(&rel))),
                Output::Table => out(&print::metadata_text(&rel)),
            }
        }
        GetCommand::All(a) => {
            let rel = fetch(&a.release, a.revision)?;
            match a.output {
                Output::Json => out(&print::release_json(&rel)),
                Output::Yaml => out(&print::release_yaml(&rel)),
                Output::Table => {
                    let computed = actions::computed_values(&rel);
                    let view = StatusView { show_metadata: true, debug: true, hide_notes: false };
                    out(&print::status_text(&rel, view, Some(&computed)))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("5m0s").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("5").is_err());
    }
}

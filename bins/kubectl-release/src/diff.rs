//! `kubectl release diff upgrade|rollback`: what an upgrade or a rollback would change, object by object,
//! as the helm-diff plugin shows it. The comparison is `kubehelm::release::diff`; this is flags and I/O.

use std::io::{IsTerminal, Write};

use clap::{Args, Subcommand, ValueEnum};
use kubehelm::cli::ValuesFlags;
use kubehelm::release::actions::{self, DryRun, InstallOptions, UpgradeOptions};
use kubehelm::release::cluster::ClusterApi;
use kubehelm::release::diff::{self as rdiff, DiffOptions};
use kubehelm::release::{record, Release, Storage, StorageError};

use super::{connect, out, render_options, ChartSource, Failure, KubeFlags, Res};

#[derive(Subcommand)]
pub(crate) enum DiffCommand {
    /// What `upgrade RELEASE CHART` would change: the deployed release against the upgrade rendered as
    /// `upgrade --dry-run` renders it (`helm diff upgrade`).
    Upgrade(DiffUpgradeArgs),
    /// What `rollback RELEASE [REVISION]` would change: the deployed release against the revision
    /// (default: the one before the newest) (`helm diff rollback`).
    Rollback(DiffRollbackArgs),
}

#[derive(Args, Debug)]
pub(crate) struct DiffUpgradeArgs {
    /// The release name.
    release: String,
    /// The chart: a folder, a .tgz, or `-` for a ChartArchive document on stdin (the default when stdin
    /// is not a terminal).
    chart: Option<String>,
    /// When the release does not exist, show the install (everything added), as `upgrade --install`.
    #[arg(short = 'i', long, visible_alias = "allow-unreleased")]
    install: bool,
    /// Use the chart's values only, forgetting the previous revision's.
    #[arg(long)]
    reset_values: bool,
    /// Merge the previous revision's values under the new ones (and keep its chart defaults).
    #[arg(long)]
    reuse_values: bool,
    /// The new chart's defaults, the previous revision's values over them, the new values over both.
    #[arg(long)]
    reset_then_reuse_values: bool,
    #[arg(long)]
    skip_schema_validation: bool,
    #[command(flatten)]
    values: ValuesFlags,
    #[command(flatten)]
    source: ChartSource,
    #[command(flatten)]
    diff: DiffFlags,
}

#[derive(Args, Debug)]
pub(crate) struct DiffRollbackArgs {
    /// The release name.
    release: String,
    /// The revision to roll back to (0 or none = the one before the newest).
    revision: Option<i64>,
    #[command(flatten)]
    diff: DiffFlags,
}

/// How changes are found and shown (helm-diff's flags; `--context` is kubectl's, so the context lines
/// are `-U/--context-lines`).
#[derive(Args, Debug)]
struct DiffFlags {
    /// Unchanged lines shown around each change; -1 shows whole objects.
    #[arg(short = 'U', long, default_value_t = -1, allow_negative_numbers = true, value_name = "N")]
    context_lines: i64,
    /// `diff` (helm-diff's text), `simple` (one line per change and a plan), `json` (an array of changes).
    #[arg(short = 'o', long, value_enum, default_value_t)]
    output: DiffOutput,
    /// Exit with 2 when there are changes (0: none; 1: an error).
    #[arg(long)]
    detailed_exitcode: bool,
    /// Show Secret data as stored (base64) instead of masked.
    #[arg(long)]
    show_secrets: bool,
    /// Show Secret data decoded (as stringData).
    #[arg(long)]
    show_secrets_decoded: bool,
    /// Report changes of this kind without their content (repeatable: --suppress Secret --suppress ConfigMap).
    #[arg(long = "suppress", value_name = "KIND")]
    suppress: Vec<String>,
    /// The same as --suppress Secret.
    #[arg(long)]
    suppress_secrets: bool,
    /// Leave hooks out of the comparison.
    #[arg(long)]
    no_hooks: bool,
    /// Compare `helm test` hooks too.
    #[arg(long)]
    include_tests: bool,
    /// Re-serialize objects before comparing, so that formatting and key order do not count.
    #[arg(long)]
    normalize_manifests: bool,
    /// Ignore carriage returns at line ends.
    #[arg(long)]
    strip_trailing_cr: bool,
    /// Colour the output even when stdout is not a terminal.
    #[arg(long, overrides_with = "no_color")]
    color: bool,
    /// Never colour the output (NO_COLOR in the environment does the same).
    #[arg(long, overrides_with = "color")]
    no_color: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
enum DiffOutput {
    #[default]
    Diff,
    Simple,
    Json,
}

impl DiffFlags {
    fn options(&self, namespace: &str) -> DiffOptions {
        let mut suppress_kinds = self.suppress.clone();
        if self.suppress_secrets {
            suppress_kinds.push("Secret".into());
        }
        DiffOptions {
            include_hooks: !self.no_hooks,
            include_tests: self.include_tests,
            normalize: self.normalize_manifests,
            show_secrets: self.show_secrets,
            show_secrets_decoded: self.show_secrets_decoded,
            suppress_kinds,
            strip_trailing_cr: self.strip_trailing_cr,
            ..DiffOptions::new(namespace)
        }
    }

    /// `--color`/`--no-color` (the last one given), else none when NO_COLOR is set, else when stdout is a
    /// terminal.
    fn colour(&self) -> bool {
        if self.no_color {
            return false;
        }
        if self.color {
            return true;
        }
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return false;
        }
        std::io::stdout().is_terminal()
    }
}

pub(crate) fn run(k: &KubeFlags, cmd: &DiffCommand) -> Res {
    match cmd {
        DiffCommand::Upgrade(a) => upgrade(k, a),
        DiffCommand::Rollback(a) => rollback(k, a),
    }
}

/// Prints the comparison of two manifests; with `--detailed-exitcode` and changes, exits with 2.
fn report(f: &DiffFlags, old: &str, new: &str, namespace: &str) -> Res {
    let report = rdiff::diff_manifests(old, new, &f.options(namespace))?;
    for w in &report.warnings {
        eprintln!("WARNING: {w}");
    }
    let context = usize::try_from(f.context_lines).ok();
    out(&match f.output {
        DiffOutput::Diff => report.to_text(context, f.colour()),
        DiffOutput::Simple => report.to_simple(f.colour()),
        DiffOutput::Json => report.to_json(context),
    })?;
    if f.detailed_exitcode && report.has_changes() {
        let _ = std::io::stdout().flush();
        std::process::exit(2);
    }
    Ok(())
}

/// The revision an upgrade or rollback starts from: the newest when it is deployed, else the deployed
/// one, else the newest (as `actions::upgrade` chooses it).
fn current(storage: &Storage, name: &str) -> Result<Release, Failure> {
    let last = storage.last(name).map_err(|e| match e {
        StorageError::NotFound => Failure(format!("{name:?} has no deployed releases")),
        e => Failure(e.to_string()),
    })?;
    if last.info.status == record::STATUS_DEPLOYED {
        return Ok(last);
    }
    Ok(storage.deployed(name).unwrap_or(last))
}

fn upgrade(k: &KubeFlags, a: &DiffUpgradeArgs) -> Res {
    let (cluster, storage) = connect(k)?;
    let user_values = kubehelm::values::merge_values(&a.values.options())?;
    let chart = a.source.load(a.chart.as_deref())?;
    let render = render_options(None, a.skip_schema_validation, false);
    let exists = storage.history_entries(&a.release)?.iter().any(|e| e.status != "uninstalled");
    if a.install && !exists {
        let opts = InstallOptions {
            name: a.release.clone(),
            namespace: cluster.namespace().to_string(),
            dry_run: DryRun::Client,
            replace: true,
            render,
            ..Default::default()
        };
        let new = actions::install(Some(&*cluster as &dyn ClusterApi), &storage, chart, &user_values, &opts)
            .map_err(|e| Failure(e.message))?;
        return report(&a.diff, "", &rdiff::release_manifest(&new), &new.namespace);
    }
    let opts = UpgradeOptions {
        namespace: cluster.namespace().to_string(),
        dry_run: DryRun::Client,
        reset_values: a.reset_values,
        reuse_values: a.reuse_values,
        reset_then_reuse_values: a.reset_then_reuse_values,
        render,
        ..Default::default()
    };
    let values = if a.values.is_empty() { serde_json::Map::new() } else { user_values };
    let new = actions::upgrade(&*cluster, &storage, &a.release, chart, &values, &opts).map_err(|e| Failure(e.message))?;
    let old = current(&storage, &a.release)?;
    report(&a.diff, &rdiff::release_manifest(&old), &rdiff::release_manifest(&new), &new.namespace)
}

fn rollback(k: &KubeFlags, a: &DiffRollbackArgs) -> Res {
    let (_, storage) = connect(k)?;
    actions::validate_release_name(&a.release).map_err(|e| Failure(e.message))?;
    let last = storage.last(&a.release)?;
    let target_rev = match a.revision {
        Some(r) if r > 0 => r,
        _ => last.version - 1,
    };
    if target_rev < 1 {
        return Err(Failure("release has no previous revision to roll back to".into()));
    }
    let target = storage.get(&a.release, target_rev).map_err(|e| match e {
        StorageError::NotFound => Failure(format!("release has no {target_rev} version")),
        e => Failure(e.to_string()),
    })?;
    let old = storage.deployed(&a.release).unwrap_or(last);
    report(&a.diff, &rdiff::release_manifest(&old), &rdiff::release_manifest(&target), &old.namespace)
}

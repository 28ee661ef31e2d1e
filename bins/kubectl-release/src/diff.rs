//! `kubectl release diff upgrade|rollback`: what an upgrade or a rollback would change, object by object,
//! as the helm-diff plugin shows it. The comparison is `kubehelm::release::diff`; this is flags and I/O.

use std::io::{IsTerminal, Write};

use clap::{Args, Subcommand, ValueEnum};
use kubehelm::cli::ValuesFlags;
use kubehelm::release::actions::{self, DryRun, InstallOptions, UpgradeOptions};
use kubehelm::release::cluster::ClusterApi;
use kubehelm::release::crds::{self, CrdPolicy};
use kubehelm::release::diff::{self as rdiff, DiffOptions};
use kubehelm::kube::Cluster;
use kubehelm::release::drift::{self, IgnoreRule, LiveObject};
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
    /// What drifted: each object of the deployed release as the cluster holds it against what applying
    /// the release again would make of it (a server-side apply dry run, so defaults and other field
    /// managers' fields do not count); objects deleted by hand are reported missing.
    Live(DiffLiveArgs),
}

#[derive(Args, Debug)]
pub(crate) struct DiffLiveArgs {
    /// The release name.
    release: String,
    #[command(flatten)]
    ignore: IgnoreFlags,
    #[command(flatten)]
    diff: DiffFlags,
}

/// Fields that may change without counting as drift.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct IgnoreFlags {
    /// A field that may change: KIND[/NAME]:JSON-POINTER, repeatable (e.g. Deployment:/spec/replicas;
    /// `*` matches any kind, key or item). An object's kubehelm.io/drift-ignore annotation lists more
    /// (pointers separated by commas).
    #[arg(long = "ignore", value_name = "KIND[/NAME]:POINTER")]
    ignore: Vec<String>,
}

impl IgnoreFlags {
    pub(crate) fn rules(&self) -> Result<Vec<IgnoreRule>, Failure> {
        self.ignore.iter().map(|r| IgnoreRule::parse(r).map_err(|e| Failure(e.0))).collect()
    }
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
    /// Compare the live objects with a server-side dry run of the upgrade's (helm-diff's
    /// --three-way-merge): changes made by hand that the upgrade reverts show too.
    #[arg(long, visible_alias = "three-way-merge")]
    three_way: bool,
    /// With --three-way: fields that may change (see `diff live --ignore`).
    #[command(flatten)]
    ignore: IgnoreFlags,
    /// With `--crds create-replace`, the chart's CRDs that would change are compared with the live ones
    /// too (`create`: the missing ones); by default an upgrade leaves CRDs alone, so none are shown.
    #[command(flatten)]
    crds: super::CrdFlags,
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
    /// Pair a removed and an added object of the same kind as a rename when their line diff changes
    /// less than this fraction of the lines (helm-diff's -D; 0 = off).
    #[arg(short = 'D', long, default_value_t = 0.0, value_name = "FRACTION")]
    find_renames: f32,
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
            find_renames: self.find_renames,
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
        DiffCommand::Live(a) => live(k, a),
    }
}

/// Prints the comparison of two manifests; with `--detailed-exitcode` and changes, exits with 2.
fn report(f: &DiffFlags, old: &str, new: &str, namespace: &str) -> Res {
    show(f, rdiff::diff_manifests(old, new, &f.options(namespace))?)
}

/// Prints a report; with `--detailed-exitcode` and changes, exits with 2.
fn show(f: &DiffFlags, report: rdiff::Report) -> Res {
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
    let crd_files = crds::chart_files(&chart);
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
        let (crds_old, crds_new) = crd_manifests(&*cluster, &crd_files, a.crds.policy()?.on_install())?;
        return report(&a.diff, &crds_old, &(crds_new + &rdiff::release_manifest(&new)), &new.namespace);
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
    let (crds_old, crds_new) = crd_manifests(&*cluster, &crd_files, a.crds.policy()?.on_change())?;
    if a.three_way {
        return three_way(&cluster, a, &old, &new, (&crds_old, &crds_new));
    }
    report(&a.diff, &(crds_old + &rdiff::release_manifest(&old)), &(crds_new + &rdiff::release_manifest(&new)), &new.namespace)
}

/// The chart's CRDs as `--crds` would handle them, live and new (see `kubehelm::release::crds`); a
/// change the upgrade would refuse is a warning here, so that the diff still shows it.
fn crd_manifests(cluster: &dyn ClusterApi, files: &[(String, String)], policy: CrdPolicy) -> Result<(String, String), Failure> {
    if policy == CrdPolicy::CreateReplace {
        if let Err(e) = crds::parse(files).and_then(|docs| crds::check_all(cluster, &docs)) {
            eprintln!("WARNING: {e}");
        }
    }
    crds::diff_manifests(cluster, files, policy).map_err(Failure)
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

/// Where each object goes, for GETs: `None` for a kind the server does not know (its CRD is gone), so
/// that it has no live object.
fn refs_of(cluster: &Cluster, objs: &[serde_json::Value], namespace: &str) -> Result<Vec<Option<(String, String, String, String)>>, Failure> {
    let s = |o: &serde_json::Value, p: &str| o.pointer(p).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    objs.iter()
        .map(|o| match cluster.object_namespace(o, namespace) {
            Ok(ns) => Ok(Some((s(o, "/apiVersion"), s(o, "/kind"), s(o, "/metadata/name"), ns.unwrap_or_default()))),
            Err(e) if e.message.starts_with("resource mapping not found") => Ok(None),
            Err(e) => Err(Failure(format!("{} {}: {e}", s(o, "/kind"), s(o, "/metadata/name")))),
        })
        .collect()
}

/// The live copies of objects (`None`: not there).
fn live_copies(cluster: &Cluster, objs: &[serde_json::Value], namespace: &str) -> Result<Vec<Option<serde_json::Value>>, Failure> {
    let refs = refs_of(cluster, objs, namespace)?;
    let known: Vec<(String, String, String, String)> = refs.iter().flatten().cloned().collect();
    let mut got = cluster.get_all(&known).into_iter();
    let mut out = Vec::with_capacity(objs.len());
    for r in &refs {
        out.push(match r {
            None => None,
            Some((_, kind, name, _)) => got.next().transpose().map_err(|e| Failure(format!("getting {kind} {name}: {e}")))?.flatten(),
        });
    }
    Ok(out)
}

/// Each object's live copy (`None`: not there) and a server-side apply dry run of it (field manager
/// `helm`, forced, as `upgrade --force-conflicts`): for an object that exists, against exactly that copy
/// (its resourceVersion is the dry run's precondition; when a controller wrote in between, both are
/// taken again, up to 5 times), so that such a write is not taken for drift; for one that does not,
/// what creating it would give (`with_absent`) or nothing.
fn snapshot(cluster: &Cluster, objs: &[serde_json::Value], namespace: &str, with_absent: bool) -> Result<Vec<(Option<serde_json::Value>, Option<serde_json::Value>)>, Failure> {
    let s = |o: &serde_json::Value, p: &str| o.pointer(p).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
    let mut attempt = 0;
    loop {
        let lives = live_copies(cluster, objs, namespace)?;
        let (mut bodies, mut which) = (Vec::new(), Vec::new());
        for (i, (o, l)) in objs.iter().zip(&lives).enumerate() {
            let mut body = o.clone();
            match l {
                Some(l) => body["metadata"]["resourceVersion"] = l["metadata"]["resourceVersion"].clone(),
                None if with_absent => {}
                None => continue,
            }
            bodies.push(body);
            which.push(i);
        }
        let results = cluster.apply_all_dry_run(&bodies, namespace, true);
        if attempt < 5 && results.iter().any(|r| matches!(r, Err(e) if e.is_conflict())) {
            attempt += 1;
            std::thread::sleep(std::time::Duration::from_millis(200));
            continue;
        }
        let mut applied: Vec<Option<serde_json::Value>> = vec![None; objs.len()];
        for (i, r) in which.into_iter().zip(results) {
            let o = &objs[i];
            applied[i] = Some(r.map_err(|e| Failure(format!("server-side dry run of {} {}: {e}", s(o, "/kind"), s(o, "/metadata/name"))))?);
        }
        return Ok(lives.into_iter().zip(applied).collect());
    }
}

/// The objects of a release, live and as applying the release again would make them.
pub(crate) fn observe(cluster: &Cluster, rel: &Release) -> Result<Vec<LiveObject>, Failure> {
    let objs = drift::objects_to_apply(&rel.manifest, &rel.name, &rel.namespace)?;
    let snap = snapshot(cluster, &objs, &rel.namespace, false)?;
    Ok(objs
        .into_iter()
        .zip(snap)
        .map(|(o, (live, applied))| match live {
            Some(l) => LiveObject { applied: applied.unwrap_or(o), live: Some(l) },
            None => LiveObject { live: None, applied: o },
        })
        .collect())
}

/// The deployed release's drift.
pub(crate) fn drift_of(cluster: &Cluster, storage: &Storage, name: &str, rules: &[IgnoreRule], opts: &DiffOptions) -> Result<(Vec<LiveObject>, rdiff::Report), Failure> {
    let rel = current(storage, name)?;
    drift_of_release(cluster, &rel, rules, opts)
}

/// A revision's drift.
pub(crate) fn drift_of_release(cluster: &Cluster, rel: &Release, rules: &[IgnoreRule], opts: &DiffOptions) -> Result<(Vec<LiveObject>, rdiff::Report), Failure> {
    let objs = observe(cluster, rel)?;
    let report = drift::live_report(&objs, rules, &DiffOptions { namespace: rel.namespace.clone(), ..opts.clone() })?;
    Ok((objs, report))
}

fn live(k: &KubeFlags, a: &DiffLiveArgs) -> Res {
    let rules = a.ignore.rules()?;
    let (cluster, storage) = connect(k)?;
    actions::validate_release_name(&a.release).map_err(|e| Failure(e.message))?;
    let (_, report) = drift_of(&cluster, &storage, &a.release, &rules, &a.diff.options(cluster.namespace()))?;
    show(&a.diff, report)
}

/// `diff upgrade --three-way`: old = the live objects of both revisions, new = the server-side dry run
/// of the upgrade's objects; hooks (never applied as objects) and `crds` (live and new, as `--crds`
/// handles them) are compared as in the two-way diff.
fn three_way(cluster: &Cluster, a: &DiffUpgradeArgs, old: &Release, new: &Release, crds: (&str, &str)) -> Res {
    let rules = a.ignore.rules()?;
    let ns = &new.namespace;
    let new_objs = drift::objects_to_apply(&new.manifest, &new.name, ns)?;
    let old_objs = drift::objects_to_apply(&old.manifest, &old.name, &old.namespace)?;
    // every object of either revision, once
    let ident = |o: &serde_json::Value| {
        let s = |p: &str| o.pointer(p).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
        let group = s("/apiVersion").rsplit_once('/').map(|(g, _)| g.to_string()).unwrap_or_default();
        (group, s("/kind"), s("/metadata/namespace"), s("/metadata/name"))
    };
    let old_only: Vec<serde_json::Value> = old_objs.into_iter().filter(|o| !new_objs.iter().any(|n| ident(n) == ident(o))).collect();
    let snap = snapshot(cluster, &new_objs, ns, true)?;
    let mut lives: Vec<serde_json::Value> = snap.iter().filter_map(|(l, _)| l.clone()).collect();
    lives.extend(live_copies(cluster, &old_only, ns)?.into_iter().flatten());
    let applied: Vec<serde_json::Value> = snap.into_iter().filter_map(|(_, a)| a).collect();
    let mut warnings = Vec::new();
    let hooks = |r: &Release| {
        let mut h = r.clone();
        h.manifest.clear();
        rdiff::release_manifest(&h)
    };
    let old_text = format!("{}\n{}{}", crds.0, drift::comparable_stream(&lives, &rules, &mut |w| warnings.push(w)), hooks(old));
    let new_text = format!("{}\n{}{}", crds.1, drift::comparable_stream(&applied, &rules, &mut |w| warnings.push(w)), hooks(new));
    let mut report = rdiff::diff_manifests(&old_text, &new_text, &a.diff.options(ns))?;
    report.warnings.extend(warnings);
    show(&a.diff, report)
}

/// `status --drift`: each object's drift state (`-`, `drifted`, `missing`).
pub(crate) struct StatusDrift {
    states: Vec<(rdiff::ObjectKey, &'static str)>,
}

/// The drift of the revision `status` shows (warnings to stderr).
pub(crate) fn status_drift(cluster: &Cluster, rel: &Release, ignore: &IgnoreFlags) -> Result<StatusDrift, Failure> {
    let rules = ignore.rules()?;
    let (objs, report) = drift_of_release(cluster, rel, &rules, &DiffOptions::new(&rel.namespace))?;
    for w in &report.warnings {
        eprintln!("WARNING: {w}");
    }
    Ok(StatusDrift { states: drift::states(&report, &objs, &rel.namespace) })
}

impl StatusDrift {
    /// The state of one object (`-` when unknown: not one of the release's).
    fn state(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> &'static str {
        let api = api_version.rsplit_once('/').map_or(api_version, |(g, _)| g);
        self.states
            .iter()
            .find(|(k, _)| k.kind == kind && k.name == name && k.api == api && (namespace.is_empty() || k.namespace == namespace))
            .map_or("-", |(_, s)| *s)
    }

    /// A kubectl Table (`None`: the object is gone) with a DRIFT column; a missing object gets a table of
    /// its own with only NAME and DRIFT.
    pub(crate) fn with_column(&self, table: Option<serde_json::Value>, api_version: &str, kind: &str, name: &str, namespace: &str) -> serde_json::Value {
        use serde_json::json;
        let state = self.state(api_version, kind, name, namespace);
        let mut t = table.unwrap_or_else(|| {
            json!({"columnDefinitions": [{"name": "Name", "priority": 0}], "rows": [{"cells": [name]}]})
        });
        if let Some(cols) = t.get_mut("columnDefinitions").and_then(serde_json::Value::as_array_mut) {
            cols.push(json!({"name": "Drift", "type": "string", "priority": 0}));
        }
        for row in t.get_mut("rows").and_then(serde_json::Value::as_array_mut).into_iter().flatten() {
            if let Some(cells) = row.get_mut("cells").and_then(serde_json::Value::as_array_mut) {
                cells.push(json!(state));
            }
        }
        t
    }

    /// The release as `-o json|yaml` prints it, with `drift`: one entry per object (apiVersion, kind,
    /// namespace, name, and `drift`: `none`, `drifted` or `missing`).
    pub(crate) fn release_text(&self, rel: &Release, json: bool) -> String {
        let list: Vec<serde_json::Value> = self
            .states
            .iter()
            .map(|(k, s)| {
                serde_json::json!({"api": k.api, "kind": k.kind, "namespace": k.namespace, "name": k.name,
                                   "drift": if *s == "-" { "none" } else { s }})
            })
            .collect();
        if json {
            // Helm's field order kept: the list goes last
            let text = kubehelm::release::print::release_json(rel);
            let body = text.trim_end().strip_suffix('}').unwrap_or(text.trim_end());
            let list = kubehelm::release::print::go_json_line(&serde_json::Value::Array(list));
            format!("{body},\"drift\":{}}}\n", list.trim_end())
        } else {
            let mut v = serde_json::to_value(rel).unwrap_or(serde_json::Value::Null);
            if let Some(m) = v.as_object_mut() {
                m.insert("drift".into(), serde_json::Value::Array(list));
            }
            kubehelm::release::print::go_yaml(&v)
        }
    }
}

//! `install`: render, check names and ownership, create the revision, apply CRDs, hooks and objects.

use super::*;
use crate::release::crds::{self, CrdPolicy};

/// Options of `install` (Helm's `action.Install`).
#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub name: String,
    pub namespace: String,
    pub create_namespace: bool,
    pub dry_run: DryRun,
    pub description: String,
    pub no_hooks: bool,
    /// `--crds` (`--skip-crds` is `CrdPolicy::Skip`); the default creates the missing CRDs, as Helm does.
    pub crds: CrdPolicy,
    pub force_conflicts: bool,
    pub take_ownership: bool,
    /// Reuse the name of an uninstalled or failed release.
    pub replace: bool,
    pub timeout: Duration,
    pub wait: WaitStrategy,
    pub wait_for_jobs: bool,
    /// `--rollback-on-failure` (`--atomic`): a failed install is uninstalled again.
    pub rollback_on_failure: bool,
    /// User labels for the storage objects.
    pub labels: BTreeMap<String, String>,
    pub render: RenderOptions,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            name: String::new(),
            namespace: "default".into(),
            create_namespace: false,
            dry_run: DryRun::None,
            description: String::new(),
            no_hooks: false,
            crds: CrdPolicy::Default,
            force_conflicts: false,
            take_ownership: false,
            replace: false,
            timeout: Duration::from_secs(300),
            wait: WaitStrategy::HookOnly,
            wait_for_jobs: false,
            rollback_on_failure: false,
            labels: BTreeMap::new(),
            render: RenderOptions::default(),
        }
    }
}

/// The chart as Helm stores it in the release: its values are the ones Helm's rendering left in the
/// chart (dependencies processed, imports and globals coalesced in), not the bare values.yaml.
pub(super) fn stored_chart(chart: &Chart, user_values: &Map<String, Value>) -> record::ChartJson {
    let mut c = chart.clone();
    if crate::values::process_dependencies(&mut c, user_values).is_ok() {
        if let Ok(mut v) = crate::values::coalesce(&c, &Map::new()) {
            // Helm coalesces into the chart's own maps, so the chart's `key: null` entries survive there
            keep_nulls(&mut v, &c.values);
            c.values = v;
        }
    }
    record::chart_json(&c)
}

pub(super) fn keep_nulls(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (k, sv) in src {
        match (sv, dst.get_mut(k)) {
            (Value::Null, None) => {
                dst.insert(k.clone(), Value::Null);
            }
            (Value::Object(so), Some(Value::Object(dobj))) => keep_nulls(dobj, so),
            _ => {}
        }
    }
}

/// `--crds` for one operation, before anything else changes: `create` creates the missing CRDs (existing
/// ones are left alone); `create-replace` checks every CRD against the live one (`crds::check_all`)
/// and, only when all pass, applies them server-side. Both wait until the CRDs are served. A dry run
/// only checks.
pub(super) fn chart_crds(
    cluster: &dyn ClusterApi,
    files: &[(String, String)],
    policy: CrdPolicy,
    dry_run: DryRun,
    timeout: Duration,
) -> Result<(), ActionError> {
    if files.is_empty() {
        return Ok(());
    }
    match policy {
        CrdPolicy::Default | CrdPolicy::Skip => Ok(()),
        CrdPolicy::Create if dry_run.is_dry() => Ok(()),
        CrdPolicy::Create => install_crds(cluster, files, timeout),
        CrdPolicy::CreateReplace => {
            let docs = crds::parse(files).map_err(err)?;
            crds::check_all(cluster, &docs).map_err(err)?;
            trace("crds: checked");
            if dry_run.is_dry() {
                return Ok(());
            }
            crds::replace_all(cluster, &docs, timeout).map_err(err)?;
            trace("crds: applied");
            Ok(())
        }
    }
}

/// `helm install`: render, CRDs (first install only), pre-install hooks, the manifest in Helm's kind order
/// with ownership metadata, post-install hooks, then the revision recorded `deployed`. A rendering error
/// stores nothing; an apply or hook error records a `failed` revision with the server's message.
pub fn install(
    cluster: Option<&dyn ClusterApi>,
    storage: &Storage,
    chart: Chart,
    user_values: &Map<String, Value>,
    opts: &InstallOptions,
) -> Result<Release, ActionError> {
    if let Some(c) = cluster {
        bound(c, opts.timeout);
    }
    pipeline::check_installable(&chart).map_err(err)?;
    validate_release_name(&opts.name)?;
    trace("install: start");
    if let Some(bad) = opts.labels.keys().find(|k| crate::release::storage::SYSTEM_LABELS.contains(&k.as_str())) {
        return Err(err(format!(
            "user supplied labels contains system reserved label name {bad:?}. System labels: {:?}",
            crate::release::storage::SYSTEM_LABELS
        )));
    }
    // a client dry run never talks to the cluster; a server dry run reads it but changes nothing
    let live = if opts.dry_run == DryRun::Client { None } else { cluster };
    if live.is_some() {
        if let Ok(mut last) = storage.last(&opts.name) {
            if !opts.dry_run.is_dry() && opts.replace {
                take_over_pending(storage, &mut last)?;
            }
            let reusable = opts.replace
                && (last.info.status == record::STATUS_UNINSTALLED || last.info.status == record::STATUS_FAILED);
            if !reusable {
                return Err(err("cannot reuse a name that is still in use"));
            }
        }
    }
    pipeline::check_dependencies(&chart).map_err(err)?;
    let crd_files = crds::chart_files(&chart);
    if let Some(c) = live {
        if !crd_files.is_empty() && opts.crds.on_install() != CrdPolicy::Skip {
            if opts.dry_run.is_dry() {
                eprintln!("WARNING: This chart or one of its subcharts contains CRDs. Rendering may fail or contain inaccuracies.");
            }
            chart_crds(c, &crd_files, opts.crds.on_install(), opts.dry_run, opts.timeout)?;
        }
    }
    // after the CRDs, so that templates see their kinds in .Capabilities.APIVersions
    let caps = match live {
        Some(c) => cluster_capabilities(c)?,
        None => CapabilitiesInput::default(),
    };
    trace("install: capabilities");
    let chart_record = stored_chart(&chart, user_values);
    let ropts = ReleaseOptions {
        name: opts.name.clone(),
        namespace: opts.namespace.clone(),
        revision: 1,
        is_install: true,
        is_upgrade: false,
    };
    let mut render = opts.render.clone();
    if live.is_none() {
        render.lookup = None;
    }
    let rendered = pipeline::render_release(chart, user_values, &ropts, &caps, &render).map_err(err)?;
    trace("install: rendered");

    let now = record::now_rfc3339();
    let mut rel = Release {
        name: opts.name.clone(),
        info: record::Info {
            first_deployed: now.clone(),
            last_deployed: now,
            notes: rendered.notes.clone(),
            ..Default::default()
        },
        chart: chart_record,
        config: user_values.clone(),
        manifest: pipeline::manifest_text(&rendered, false),
        hooks: to_record_hooks(&rendered.hooks),
        version: 1,
        namespace: opts.namespace.clone(),
        apply_method: "ssa".into(),
        labels: opts.labels.clone(),
        ..Default::default()
    };
    rel.set_status(record::STATUS_PENDING_INSTALL, "Initial install underway");
    let mut objs = objects_of(&rel.manifest)?;
    for o in objs.iter_mut() {
        o.set_owner(&rel.name, &rel.namespace);
    }

    let Some(cluster) = live else {
        rel.info.description = "Dry run complete".into();
        return Ok(rel);
    };
    if !opts.take_ownership {
        let mut refs = Vec::with_capacity(objs.len());
        for o in &objs {
            refs.push((o.api_version.clone(), o.kind.clone(), o.name.clone(), o.namespace_in(cluster, &rel.namespace)?));
        }
        for ((o, r), existing) in objs.iter().zip(&refs).zip(cluster.get_all(&refs)) {
            let ns = &r.3;
            let existing = existing
                .map_err(|e| err(format!("unable to continue with install: could not get information about the resource {}: {e}", o.describe(ns))))?;
            if let Some(existing) = existing {
                check_ownership(&existing, &rel.name, &rel.namespace).map_err(|e| {
                    err(format!(
                        "unable to continue with install: {} exists and cannot be imported into the current release: {e}",
                        o.describe(ns)
                    ))
                })?;
            }
        }
    }
    trace("install: ownership checked");
    if opts.dry_run.is_dry() {
        rel.info.description = "Dry run complete".into();
        return Ok(rel);
    }
    if opts.create_namespace {
        let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": rel.namespace, "labels": {"name": rel.namespace}}});
        if cluster.get("v1", "Namespace", &rel.namespace, "")?.is_none() {
            cluster.create(&ns, "")?;
        }
    }
    let mut superseded = None;
    if opts.replace {
        if let Ok(last) = storage.last(&rel.name) {
            rel.version = last.version + 1;
            superseded = Some(last);
        }
    }
    rel.lease = Some(new_lease(opts.timeout));
    create_revision(storage, &rel)?;
    trace("install: revision created");
    if let Some(mut last) = superseded {
        last.set_status(record::STATUS_SUPERSEDED, "superseded by new release");
        storage.update(&last)?;
    }

    let wait = if opts.rollback_on_failure && opts.wait == WaitStrategy::HookOnly { WaitStrategy::Watcher } else { opts.wait };
    let outcome = (|| -> Result<(), String> {
        if !opts.no_hooks {
            run_hooks(cluster, storage, &mut rel, "pre-install", opts.timeout).map_err(|e| format!("failed pre-install: {e}"))?;
        }
        save_progress(storage, &mut rel, opts.timeout);
        trace("install: progress saved");
        apply_objects(cluster, &mut objs, &rel, opts.force_conflicts)?;
        trace("install: applied");
        if wait != WaitStrategy::HookOnly {
            save_progress(storage, &mut rel, opts.timeout);
            wait_ready(cluster, &objs, &rel.namespace, opts.timeout, opts.wait_for_jobs)?;
        }
        if !opts.no_hooks {
            run_hooks(cluster, storage, &mut rel, "post-install", opts.timeout).map_err(|e| format!("failed post-install: {e}"))?;
        }
        Ok(())
    })();
    rel.lease = None;
    match outcome {
        Ok(()) => {
            let d = if opts.description.is_empty() { "Install complete" } else { opts.description.as_str() };
            rel.set_status(record::STATUS_DEPLOYED, d);
            storage.update(&rel)?;
            trace("install: done");
            Ok(rel)
        }
        Err(e) => {
            rel.set_status(record::STATUS_FAILED, format!("Release {:?} failed: {e}", rel.name));
            if opts.rollback_on_failure {
                let _ = storage.update(&rel);
                let uopts = UninstallOptions { no_hooks: opts.no_hooks, timeout: opts.timeout, ..Default::default() };
                let removed = uninstall(cluster, storage, &rel.name, &uopts);
                let message = match removed {
                    Ok(_) => format!("release {} failed, and has been uninstalled due to rollback-on-failure being set: {e}", rel.name),
                    Err(u) => format!("an error occurred while uninstalling the release. original install error: {e}: {}", u.message),
                };
                return Err(ActionError { message, release: Some(rel) });
            }
            let _ = storage.update(&rel);
            Err(ActionError { message: e, release: Some(rel) })
        }
    }
}

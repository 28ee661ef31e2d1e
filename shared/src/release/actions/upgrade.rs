//! `upgrade`: the values rules (`--reuse-values`, `--reset-then-reuse-values`), render, apply the
//! difference with the deployed revision, and roll back on failure when asked.

use super::*;
use crate::release::crds::{self, CrdPolicy};

/// Options of `upgrade` (Helm's `action.Upgrade`, the parts we support).
#[derive(Debug, Clone, Default)]
pub struct UpgradeOptions {
    pub namespace: String,
    pub dry_run: DryRun,
    pub description: String,
    pub no_hooks: bool,
    /// `--crds`: the default leaves CRDs alone, as Helm does; `create` and `create-replace` handle
    /// them before the templates (see `install::chart_crds`).
    pub crds: CrdPolicy,
    pub force_conflicts: bool,
    pub reset_values: bool,
    pub reuse_values: bool,
    /// The new chart's defaults, with the last release's user values over them, then the new ones.
    pub reset_then_reuse_values: bool,
    pub timeout: Duration,
    pub wait: WaitStrategy,
    pub wait_for_jobs: bool,
    /// `--rollback-on-failure` (`--atomic`): a failed upgrade rolls back to the last good revision.
    pub rollback_on_failure: bool,
    /// `--cleanup-on-fail`: a failed upgrade deletes the objects it created.
    pub cleanup_on_fail: bool,
    /// `--history-max` (0 = unlimited).
    pub max_history: usize,
    /// `--labels`: merged over the last revision's; a value of `null` removes a label.
    pub labels: BTreeMap<String, String>,
    pub render: RenderOptions,
}

/// Helm's value rules of upgrade: `--reset-values` takes only the new values; `--reuse-values` merges
/// the new over the last release's and renders with the last release's chart defaults;
/// `--reset-then-reuse-values` merges the same way over the new chart's defaults; with none of these,
/// no new values means the last release's.
pub(super) fn upgrade_values(chart: &mut Chart, current: &Release, user_values: &Map<String, Value>, opts: &UpgradeOptions) -> Map<String, Value> {
    if opts.reset_values {
        return user_values.clone();
    }
    if opts.reuse_values {
        chart.values = crate::values::coalesce_tables(current.config.clone(), current.chart_values());
        return crate::values::coalesce_tables(user_values.clone(), current.config.clone());
    }
    if opts.reset_then_reuse_values {
        return crate::values::coalesce_tables(user_values.clone(), current.config.clone());
    }
    if user_values.is_empty() && !current.config.is_empty() {
        return current.config.clone();
    }
    user_values.clone()
}

/// `helm upgrade`: a new revision from the chart; the old deployed one becomes `superseded`.
pub fn upgrade(
    cluster: &dyn ClusterApi,
    storage: &Storage,
    name: &str,
    mut chart: Chart,
    user_values: &Map<String, Value>,
    opts: &UpgradeOptions,
) -> Result<Release, ActionError> {
    bound(cluster, opts.timeout);
    validate_release_name(name)?;
    trace("upgrade: start");
    if let Some(bad) = opts.labels.keys().find(|k| crate::release::storage::SYSTEM_LABELS.contains(&k.as_str())) {
        let _ = bad;
        return Err(err(format!(
            "user supplied labels contains system reserved label name. System labels: {:?}",
            crate::release::storage::SYSTEM_LABELS
        )));
    }
    let mut last = storage.last(name).map_err(|e| match e {
        StorageError::NotFound => err(format!("{name:?} has no deployed releases")),
        e => err(e),
    })?;
    if opts.dry_run.is_dry() {
        if record::is_pending(&last.info.status) {
            return Err(err("another operation (install/upgrade/rollback) is in progress"));
        }
    } else if let Some(note) = take_over_pending(storage, &mut last)? {
        eprintln!("WARNING: {note}");
    }
    let current = if last.info.status == record::STATUS_DEPLOYED {
        last.clone()
    } else {
        storage.deployed(name).unwrap_or_else(|_| last.clone())
    };
    trace("upgrade: last revision read");
    let values = upgrade_values(&mut chart, &current, user_values, opts);
    // the CRDs first (checked all before any is applied), so that templates see their new versions
    if opts.crds.on_change() != CrdPolicy::Skip {
        install::chart_crds(cluster, &crds::chart_files(&chart), opts.crds.on_change(), opts.dry_run, opts.timeout)?;
    }
    let caps = cluster_capabilities(cluster)?;
    pipeline::check_installable(&chart).map_err(err)?;
    trace("upgrade: capabilities");
    pipeline::check_dependencies(&chart).map_err(err)?;
    let chart_record = stored_chart(&chart, &values);
    let revision = last.version + 1;
    let ropts = ReleaseOptions {
        name: name.to_string(),
        namespace: current.namespace.clone(),
        revision,
        is_install: false,
        is_upgrade: true,
    };
    let mut render = opts.render.clone();
    if opts.dry_run == DryRun::Client {
        render.lookup = None;
    }
    let rendered = pipeline::render_release(chart, &values, &ropts, &caps, &render).map_err(err)?;
    trace("upgrade: rendered");
    let mut labels = crate::release::storage::user_labels(&current.labels);
    labels.extend(opts.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels.retain(|_, v| v != "null");
    let mut rel = Release {
        name: name.to_string(),
        info: record::Info {
            first_deployed: current.info.first_deployed.clone(),
            last_deployed: record::now_rfc3339(),
            notes: rendered.notes.clone(),
            ..Default::default()
        },
        chart: chart_record,
        config: values,
        manifest: pipeline::manifest_text(&rendered, false),
        hooks: to_record_hooks(&rendered.hooks),
        version: revision,
        namespace: current.namespace.clone(),
        apply_method: "ssa".into(),
        labels,
        ..Default::default()
    };
    rel.set_status(record::STATUS_PENDING_UPGRADE, "Preparing upgrade");
    if opts.dry_run.is_dry() {
        rel.info.description = "Dry run complete".into();
        return Ok(rel);
    }
    let mut objs = objects_of(&rel.manifest)?;
    let created = if opts.cleanup_on_fail { not_yet_existing(cluster, &objs, &rel.namespace)? } else { Vec::new() };
    rel.lease = Some(new_lease(opts.timeout));
    create_revision(storage, &rel)?;
    trace("upgrade: revision created");
    if opts.max_history > 0 {
        storage.prune(name, opts.max_history)?;
    }
    trace("upgrade: history pruned");
    let wait = if opts.rollback_on_failure && opts.wait == WaitStrategy::HookOnly { WaitStrategy::Watcher } else { opts.wait };
    let outcome = (|| -> Result<(), String> {
        if !opts.no_hooks {
            run_hooks(cluster, storage, &mut rel, "pre-upgrade", opts.timeout).map_err(|e| format!("pre-upgrade hooks failed: {e}"))?;
        }
        save_progress(storage, &mut rel, opts.timeout);
        migrate_field_managers(cluster, &current, &objs, &rel.namespace)?;
        trace("upgrade: progress saved");
        apply_objects(cluster, &mut objs, &rel, opts.force_conflicts)?;
        trace("upgrade: applied");
        delete_removed(cluster, &current.manifest, &objs, &rel.namespace)?;
        if wait != WaitStrategy::HookOnly {
            save_progress(storage, &mut rel, opts.timeout);
            wait_ready(cluster, &objs, &rel.namespace, opts.timeout, opts.wait_for_jobs)?;
        }
        if !opts.no_hooks {
            run_hooks(cluster, storage, &mut rel, "post-upgrade", opts.timeout).map_err(|e| format!("post-upgrade hooks failed: {e}"))?;
        }
        Ok(())
    })();
    let outcome = outcome.map_err(|e| if created.is_empty() { e } else { cleanup_created(cluster, &created, &rel.namespace, "upgrade", e) });
    let description = if opts.description.is_empty() { "Upgrade complete" } else { &opts.description };
    let result = finish_change(storage, rel, &current, outcome, description, "Upgrade");
    match result {
        Err(e) if opts.rollback_on_failure && e.release.is_some() => {
            let good = storage
                .history(name)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.info.status == record::STATUS_SUPERSEDED || r.info.status == record::STATUS_DEPLOYED)
                .map(|r| r.version)
                .max();
            let Some(good) = good else {
                return Err(ActionError {
                    message: format!("unable to find a previously successful release when attempting to rollback. original upgrade error: {}", e.message),
                    release: e.release,
                });
            };
            let ropts = RollbackOptions {
                revision: good,
                no_hooks: opts.no_hooks,
                force_conflicts: opts.force_conflicts,
                timeout: opts.timeout,
                wait,
                wait_for_jobs: opts.wait_for_jobs,
                ..Default::default()
            };
            let message = match rollback(cluster, storage, name, &ropts) {
                Ok(_) => format!("release {name} failed, and has been rolled back due to rollback-on-failure being set: {}", e.message),
                Err(r) => format!("an error occurred while rolling back the release. original upgrade error: {}: {}", e.message, r.message),
            };
            Err(ActionError { message, release: e.release })
        }
        other => other,
    }
}

//! `rollback`: re-apply an earlier revision's manifest as a new revision.

use super::*;

/// Options of `rollback` (Helm's `action.Rollback`).
#[derive(Debug, Clone, Default)]
pub struct RollbackOptions {
    /// The revision to go back to; 0 = the one before the newest.
    pub revision: i64,
    pub no_hooks: bool,
    pub force_conflicts: bool,
    pub timeout: Duration,
    pub wait: WaitStrategy,
    pub wait_for_jobs: bool,
    /// `--cleanup-on-fail`: a failed rollback deletes the objects it created.
    pub cleanup_on_fail: bool,
    /// Show what would happen; change nothing.
    pub dry_run: bool,
    /// `--history-max` (0 = unlimited).
    pub max_history: usize,
    /// `--crds`: `create`/`create-replace` handle the CRDs of the chart rolled back to (its own
    /// `crds/`: Helm stores no subcharts); the default leaves CRDs alone, as Helm does.
    pub crds: crate::release::crds::CrdPolicy,
}

/// `helm rollback NAME [REVISION]`: a new revision copying the target's chart, values and manifest.
pub fn rollback(cluster: &dyn ClusterApi, storage: &Storage, name: &str, opts: &RollbackOptions) -> Result<Release, ActionError> {
    bound(cluster, opts.timeout);
    validate_release_name(name)?;
    let mut last = storage.last(name)?;
    if opts.dry_run {
        if record::is_pending(&last.info.status) {
            return Err(err("another operation (install/upgrade/rollback) is in progress"));
        }
    } else if let Some(note) = take_over_pending(storage, &mut last)? {
        eprintln!("WARNING: {note}");
    }
    let target_rev = if opts.revision > 0 { opts.revision } else { last.version - 1 };
    if target_rev < 1 {
        return Err(err("release has no previous revision to roll back to"));
    }
    let target = storage.get(name, target_rev).map_err(|e| match e {
        StorageError::NotFound => err(format!("release has no {target_rev} version")),
        e => err(e),
    })?;
    let current = storage.deployed(name).unwrap_or_else(|_| last.clone());
    let crd_policy = opts.crds.on_change();
    if crd_policy != crate::release::crds::CrdPolicy::Skip {
        let files = crate::release::crds::record_files(&target.chart);
        let dry = if opts.dry_run { DryRun::Server } else { DryRun::None };
        install::chart_crds(cluster, &files, crd_policy, dry, opts.timeout)?;
    }
    let mut rel = Release {
        name: name.to_string(),
        info: record::Info {
            first_deployed: last.info.first_deployed.clone(),
            last_deployed: record::now_rfc3339(),
            notes: target.info.notes.clone(),
            ..Default::default()
        },
        chart: target.chart.clone(),
        config: target.config.clone(),
        manifest: target.manifest.clone(),
        hooks: target.hooks.clone(),
        version: last.version + 1,
        namespace: last.namespace.clone(),
        apply_method: "ssa".into(),
        labels: crate::release::storage::user_labels(&last.labels),
        ..Default::default()
    };
    rel.set_status(record::STATUS_PENDING_ROLLBACK, format!("Rollback to {target_rev}"));
    if opts.dry_run {
        return Ok(rel);
    }
    let mut objs = objects_of(&rel.manifest)?;
    let created = if opts.cleanup_on_fail { not_yet_existing(cluster, &objs, &rel.namespace)? } else { Vec::new() };
    rel.lease = Some(new_lease(opts.timeout));
    create_revision(storage, &rel)?;
    if opts.max_history > 0 {
        storage.prune(name, opts.max_history)?;
    }
    let timeout = opts.timeout;
    let outcome = (|| -> Result<(), String> {
        if !opts.no_hooks {
            run_hooks(cluster, storage, &mut rel, "pre-rollback", timeout)?;
        }
        save_progress(storage, &mut rel, timeout);
        migrate_field_managers(cluster, &current, &objs, &rel.namespace)?;
        apply_objects(cluster, &mut objs, &rel, opts.force_conflicts)?;
        // what the deployed revision and a failed newest one had, and the target does not
        delete_removed(cluster, &current.manifest, &objs, &rel.namespace)?;
        if last.version != current.version {
            delete_removed(cluster, &last.manifest, &objs, &rel.namespace)?;
        }
        if opts.wait != WaitStrategy::HookOnly {
            save_progress(storage, &mut rel, timeout);
            wait_ready(cluster, &objs, &rel.namespace, timeout, opts.wait_for_jobs)?;
        }
        if !opts.no_hooks {
            run_hooks(cluster, storage, &mut rel, "post-rollback", timeout)?;
        }
        Ok(())
    })();
    let outcome = outcome.map_err(|e| if created.is_empty() { e } else { cleanup_created(cluster, &created, &rel.namespace, "rollback", e) });
    let description = format!("Rollback to {target_rev}");
    finish_change(storage, rel, &current, outcome, &description, "Rollback")
}

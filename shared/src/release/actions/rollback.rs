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
    /// `--description` (Helm v4.3): the new revision's description instead of "Rollback to N".
    pub description: String,
    /// The Helm version to behave as; `None` = the process's (`compat::current`).
    pub compat: Option<crate::compat::HelmCompat>,
    /// `--crds`: `create`/`create-replace` handle the CRDs of the chart rolled back to (its own
    /// `crds/`: Helm stores no subcharts); the default leaves CRDs alone, as Helm does.
    pub crds: crate::release::crds::CrdPolicy,
}

/// `helm rollback NAME [REVISION]`: a new revision copying the target's chart, values and manifest.
pub fn rollback(cluster: &dyn ClusterApi, storage: &Storage, name: &str, opts: &RollbackOptions) -> Result<Release, ActionError> {
    check_rollback_description(&opts.description)?;
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
    let description = if opts.description.is_empty() { format!("Rollback to {target_rev}") } else { opts.description.clone() };
    rel.set_status(record::STATUS_PENDING_ROLLBACK, description.clone());
    if opts.compat.unwrap_or_else(crate::compat::current).records_rollback_revision() {
        rel.info.rollback_revision = target_rev;
    }
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
    finish_change(storage, rel, &current, outcome, &description, "Rollback")
}

/// Helm v4.3's limit on `--description`: 256 characters (runes, not bytes).
pub const MAX_DESCRIPTION_LENGTH: usize = 256;

/// `--description` longer than [`MAX_DESCRIPTION_LENGTH`] is refused before anything else, in Helm's words.
pub fn check_rollback_description(description: &str) -> Result<(), ActionError> {
    let n = description.chars().count();
    if n > MAX_DESCRIPTION_LENGTH {
        return Err(err(format!("description must be {MAX_DESCRIPTION_LENGTH} characters or less, got {n}")));
    }
    Ok(())
}

#[cfg(test)]
mod v43_tests {
    use super::*;
    use crate::compat::HelmCompat;
    use crate::release::cluster::MemoryCluster;
    use crate::release::storage::Memory;

    fn chart() -> Chart {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/charts/release-basic");
        crate::chart::load(&dir).expect("test chart loads")
    }

    /// Three revisions of release `r` in namespace `ns`.
    fn three_revisions(c: &MemoryCluster, st: &Storage) {
        let o = InstallOptions { name: "r".into(), namespace: "ns".into(), ..Default::default() };
        install(Some(c), st, chart(), &Map::new(), &o).unwrap();
        let up = UpgradeOptions { namespace: "ns".into(), timeout: Duration::from_secs(1), ..Default::default() };
        upgrade(c, st, "r", chart(), &Map::new(), &up).unwrap();
        upgrade(c, st, "r", chart(), &Map::new(), &up).unwrap();
    }

    /// Helm v4.3's `rollback --description` and `info.rollback_revision` (pkg/action/rollback.go).
    #[test]
    fn description_and_rollback_revision() {
        let (c, st) = (MemoryCluster::new(), Storage::new(Box::new(Memory::new("ns"))));
        three_revisions(&c, &st);
        let v43 = RollbackOptions { revision: 1, description: "back to the first".into(), compat: Some(HelmCompat::V4_3), ..Default::default() };
        let r4 = rollback(&c, &st, "r", &v43).unwrap();
        assert_eq!((r4.version, r4.info.status.as_str()), (4, "deployed"));
        assert_eq!((r4.info.description.as_str(), r4.info.rollback_revision), ("back to the first", 1));
        let stored = st.get("r", 4).unwrap();
        assert_eq!((stored.info.description.as_str(), stored.info.rollback_revision), ("back to the first", 1));
        // the stored JSON: Helm's field name, after status and before notes
        let json = crate::release::record::to_go_json(&stored);
        let (status, rb, notes) = (json.find("\"status\":").unwrap(), json.find("\"rollback_revision\":1,").unwrap(), json.find("\"notes\":").unwrap());
        assert!(status < rb && rb < notes, "{json}");
        // no description: Helm's text; the other revisions carry no rollback_revision
        let r5 = rollback(&c, &st, "r", &RollbackOptions { compat: Some(HelmCompat::V4_3), ..Default::default() }).unwrap();
        assert_eq!((r5.info.description.as_str(), r5.info.rollback_revision), ("Rollback to 3", 3));
        assert_eq!(st.get("r", 2).unwrap().info.rollback_revision, 0);
        assert!(!crate::release::record::to_go_json(&st.get("r", 2).unwrap()).contains("rollback_revision"));
        // Helm v4.1 writes no rollback_revision
        let v41 = RollbackOptions { compat: Some(HelmCompat::V4_1), ..Default::default() };
        let r6 = rollback(&c, &st, "r", &v41).unwrap();
        assert_eq!((r6.info.description.as_str(), r6.info.rollback_revision), ("Rollback to 4", 0));
    }

    #[test]
    fn description_limit_is_helms() {
        assert!(check_rollback_description(&"é".repeat(256)).is_ok(), "counted in characters, not bytes");
        let e = check_rollback_description(&"x".repeat(257)).unwrap_err();
        assert_eq!(e.message, "description must be 256 characters or less, got 257");
        // refused before the release is looked at
        let (c, st) = (MemoryCluster::new(), Storage::new(Box::new(Memory::new("ns"))));
        let e = rollback(&c, &st, "nope", &RollbackOptions { description: "y".repeat(300), ..Default::default() }).unwrap_err();
        assert_eq!(e.message, "description must be 256 characters or less, got 300");
    }

    /// A record Helm v4.1 wrote (no `rollback_revision`) reads as 0; Helm v4.3's field is read and
    /// written back unchanged; `null` is 0.
    #[test]
    fn records_with_and_without_rollback_revision() {
        let old = r#"{"name":"r","info":{"description":"Rollback to 1","status":"deployed"},"version":3,"namespace":"ns"}"#;
        let rel: Release = serde_json::from_str(old).unwrap();
        assert_eq!(rel.info.rollback_revision, 0);
        assert_eq!(crate::release::record::to_go_json(&rel), old);
        let new = r#"{"name":"r","info":{"description":"x","status":"deployed","rollback_revision":2,"notes":"n"},"version":3}"#;
        let rel: Release = serde_json::from_str(new).unwrap();
        assert_eq!(rel.info.rollback_revision, 2);
        assert!(rel.info.extra.is_empty());
        assert_eq!(crate::release::record::to_go_json(&rel), new);
        let rel: Release = serde_json::from_str(r#"{"info":{"rollback_revision":null}}"#).unwrap();
        assert_eq!(rel.info.rollback_revision, 0);
        let encoded = crate::release::record::encode(&serde_json::from_str::<Release>(new).unwrap()).unwrap();
        assert_eq!(crate::release::record::decode_summary(&encoded).unwrap().info.rollback_revision, 2);
    }
}

//! `uninstall`: delete a release's objects (hooks, kept resources, `--cascade`, `--wait`) and its history.

use super::*;

/// What `uninstall` did.
#[derive(Debug, Clone, Default)]
pub struct UninstallReport {
    pub release: Release,
    /// Objects left in place by `helm.sh/resource-policy: keep`, as `[Kind] name`.
    pub kept: Vec<String>,
}

/// Options of `uninstall` (Helm's `action.Uninstall`).
#[derive(Debug, Clone)]
pub struct UninstallOptions {
    /// Keep the history: the release stays as `uninstalled`.
    pub keep_history: bool,
    pub no_hooks: bool,
    pub description: String,
    pub timeout: Duration,
    /// `--wait`: until every deleted object is gone.
    pub wait: bool,
    /// `--cascade`: `background` (the default), `foreground` or `orphan`.
    pub cascade: String,
    /// Check only; delete nothing.
    pub dry_run: bool,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        UninstallOptions {
            keep_history: false,
            no_hooks: false,
            description: String::new(),
            timeout: Duration::from_secs(300),
            wait: false,
            cascade: "background".into(),
            dry_run: false,
        }
    }
}

/// `helm uninstall`: pre-delete hooks, the manifest's objects deleted in reverse kind order (keeping
/// `resource-policy: keep`), post-delete hooks, then the history removed or kept as `uninstalled`.
pub fn uninstall(cluster: &dyn ClusterApi, storage: &Storage, name: &str, opts: &UninstallOptions) -> Result<UninstallReport, ActionError> {
    bound(cluster, opts.timeout);
    let (keep_history, no_hooks, description, timeout) = (opts.keep_history, opts.no_hooks, opts.description.as_str(), opts.timeout);
    validate_release_name(name)?;
    let entries = storage.history_entries(name)?;
    let Some(last_entry) = entries.last() else {
        return Err(err(format!("uninstall: Release not loaded: {name}: release: not found")));
    };
    let mut rel = storage.driver.get(&crate::release::storage::entry_key(last_entry))?;
    if rel.info.status == record::STATUS_UNINSTALLED {
        if !keep_history {
            for e in &entries {
                storage.driver.delete(&crate::release::storage::entry_key(e))?;
            }
            return Ok(UninstallReport { release: rel, kept: vec![] });
        }
        return Err(err(format!("the release named {name:?} is already deleted")));
    }
    if opts.dry_run {
        return Ok(UninstallReport { release: rel, kept: vec![] });
    }
    rel.info.status = record::STATUS_UNINSTALLING.into();
    rel.info.deleted = record::now_rfc3339();
    rel.info.description = "Deletion in progress (or silently failed)".into();
    storage.update(&rel)?;
    if !no_hooks {
        run_hooks(cluster, storage, &mut rel, "pre-delete", timeout).map_err(|e| err(format!("failed pre-delete: {e}")))?;
    }
    let mut kept = Vec::new();
    let mut errors = Vec::new();
    let mut deleted = Vec::new();
    for o in sorted_objects(&rel.manifest, &crate::render::manifest::uninstall_order())? {
        if o.annotation(RESOURCE_POLICY_ANNOTATION) == Some("keep") {
            kept.push(format!("[{}] {}", o.kind, o.name));
            continue;
        }
        let ns = match o.namespace_in(cluster, &rel.namespace) {
            Ok(ns) => ns,
            Err(e) => {
                errors.push(e.message);
                continue;
            }
        };
        match cluster.delete_cascade(&o.api_version, &o.kind, &o.name, &ns, &opts.cascade) {
            Ok(true) => deleted.push((o, ns)),
            Ok(false) => {}
            Err(e) => errors.push(e.message),
        }
    }
    if opts.wait && errors.is_empty() {
        for (o, ns) in &deleted {
            if let Err(e) = cluster.wait_for(&o.api_version, &o.kind, &o.name, ns, timeout, &mut |live| Ok(live.is_none())) {
                errors.push(format!("resource {}/{ns}/{} still exists: {e}", o.kind, o.name));
            }
        }
    }
    if !no_hooks {
        run_hooks(cluster, storage, &mut rel, "post-delete", timeout).map_err(|e| err(format!("failed post-delete: {e}")))?;
    }
    rel.info.status = record::STATUS_UNINSTALLED.into();
    rel.info.description = if description.is_empty() { "Uninstallation complete".into() } else { description.into() };
    if keep_history {
        storage.update(&rel)?;
    } else {
        for e in &entries {
            storage.driver.delete(&crate::release::storage::entry_key(e))?;
        }
    }
    if !errors.is_empty() {
        return Err(ActionError {
            message: format!("uninstallation completed with {} error(s): {}", errors.len(), errors.join("; ")),
            release: Some(rel),
        });
    }
    Ok(UninstallReport { release: rel, kept })
}

//! `uninstall`: delete a release's objects (hooks, kept resources, `--cascade`, `--wait`) and its history.

use super::*;

/// What `uninstall` did.
#[derive(Debug, Clone, Default)]
pub struct UninstallReport {
    pub release: Release,
    /// Objects left in place by `helm.sh/resource-policy: keep`, as `[Kind] name`.
    pub kept: Vec<String>,
    /// Live objects left in place because this release does not own them (Helm v4.3), as `[Kind] name`.
    pub not_owned: Vec<String>,
    /// Objects left in place because reading them failed, as `[Kind] name: error` (Helm v4.3).
    pub unverifiable: Vec<String>,
}

impl UninstallReport {
    /// Helm's `UninstallReleaseResponse.Info`: the kept and skipped objects, each section's lines ending
    /// in a newline, sections apart by a blank line ("" when nothing was left in place).
    pub fn info(&self) -> String {
        let mut out = String::new();
        let mut section = |head: String, lines: &[String]| {
            if lines.is_empty() {
                return;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&head);
            for l in lines {
                out.push_str(l);
                out.push('\n');
            }
        };
        section("These resources were kept due to the resource policy:\n".into(), &self.kept);
        let n = self.not_owned.len();
        section(format!("{n} resource(s) were not deleted because they are not owned by this release:\n"), &self.not_owned);
        let n = self.unverifiable.len();
        section(format!("{n} resource(s) were not deleted because their ownership could not be verified:\n"), &self.unverifiable);
        out
    }
}

/// A line of Helm's slog output on stderr (`level=WARN msg="…" kind=… name=…`).
fn log_warn(message: &str, attrs: &[(&str, &str)]) {
    let w = crate::values::Warning {
        level: "WARN",
        message: message.to_string(),
        attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    eprintln!("{w}");
}

/// How Helm v4.3 sorts the objects it is about to delete: owned by this release (deleted), owned by
/// someone else or no one (left, with a warning), unreadable (left, with the error); objects already
/// gone are in none of them.
struct Ownership {
    owned: Vec<(Object, String)>,
    not_owned: Vec<(Object, String)>,
    unverifiable: Vec<(Object, String, String)>,
}

fn sort_by_ownership(cluster: &dyn ClusterApi, objs: Vec<(Object, String)>, release: &str, namespace: &str) -> Ownership {
    let refs: Vec<(String, String, String, String)> =
        objs.iter().map(|(o, ns)| (o.api_version.clone(), o.kind.clone(), o.name.clone(), ns.clone())).collect();
    let mut out = Ownership { owned: Vec::new(), not_owned: Vec::new(), unverifiable: Vec::new() };
    for ((o, ns), live) in objs.into_iter().zip(cluster.get_all(&refs)) {
        match live {
            Ok(None) => {}
            Ok(Some(live)) if check_ownership(&live, release, namespace).is_ok() => out.owned.push((o, ns)),
            Ok(Some(_)) => out.not_owned.push((o, ns)),
            Err(e) => out.unverifiable.push((o, ns, e.message)),
        }
    }
    out
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
    /// The Helm version to behave as; `None` = the process's (`compat::current`).
    pub compat: Option<crate::compat::HelmCompat>,
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
            compat: None,
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
            return Ok(UninstallReport { release: rel, ..Default::default() });
        }
        return Err(err(format!("the release named {name:?} is already deleted")));
    }
    let check_owners = opts.compat.unwrap_or_else(crate::compat::current).checks_uninstall_ownership();
    if opts.dry_run {
        let mut report = UninstallReport { release: rel, ..Default::default() };
        if check_owners {
            // Helm v4.3 says which objects a real run would skip, and lists the kept ones
            let rel = &report.release;
            let mut candidates = Vec::new();
            for o in sorted_objects(&rel.manifest, &crate::render::manifest::uninstall_order()).unwrap_or_default() {
                if o.annotation(RESOURCE_POLICY_ANNOTATION) == Some("keep") {
                    report.kept.push(format!("[{}] {}", o.kind, o.name));
                } else if let Ok(ns) = o.namespace_in(cluster, &rel.namespace) {
                    candidates.push((o, ns));
                }
            }
            let owners = sort_by_ownership(cluster, candidates, &rel.name, &rel.namespace);
            if !owners.not_owned.is_empty() {
                let count = owners.not_owned.len().to_string();
                let msg = "dry-run: resources would be skipped because they are not owned by this release";
                log_warn(msg, &[("release", &rel.name), ("count", &count)]);
                for (o, ns) in &owners.not_owned {
                    log_warn("dry-run: would skip resource", &[("kind", &o.kind), ("name", &o.name), ("namespace", ns)]);
                }
            }
            if !owners.unverifiable.is_empty() {
                let count = owners.unverifiable.len().to_string();
                let msg = "dry-run: resources would be skipped because their ownership could not be verified";
                log_warn(msg, &[("release", &rel.name), ("count", &count)]);
                for (o, ns, e) in &owners.unverifiable {
                    let msg = "dry-run: would skip resource (ownership could not be verified)";
                    log_warn(msg, &[("kind", &o.kind), ("name", &o.name), ("namespace", ns), ("error", e)]);
                }
            }
        }
        return Ok(report);
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
    let mut candidates = Vec::new();
    for o in sorted_objects(&rel.manifest, &crate::render::manifest::uninstall_order())? {
        if o.annotation(RESOURCE_POLICY_ANNOTATION) == Some("keep") {
            kept.push(format!("[{}] {}", o.kind, o.name));
            continue;
        }
        match o.namespace_in(cluster, &rel.namespace) {
            Ok(ns) => candidates.push((o, ns)),
            Err(e) => errors.push(e.message),
        }
    }
    let (mut not_owned, mut unverifiable) = (Vec::new(), Vec::new());
    if check_owners {
        let owners = sort_by_ownership(cluster, candidates, &rel.name, &rel.namespace);
        for (o, ns) in &owners.not_owned {
            let msg = "skipping delete of resource not owned by this release";
            log_warn(msg, &[("kind", &o.kind), ("name", &o.name), ("namespace", ns), ("release", &rel.name)]);
            not_owned.push(format!("[{}] {}", o.kind, o.name));
        }
        for (o, ns, e) in &owners.unverifiable {
            let msg = "skipping delete of resource because ownership could not be verified";
            log_warn(msg, &[("kind", &o.kind), ("name", &o.name), ("namespace", ns), ("release", &rel.name), ("error", e)]);
            unverifiable.push(format!("[{}] {}: {e}", o.kind, o.name));
        }
        candidates = owners.owned;
    }
    for (o, ns) in candidates {
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
    Ok(UninstallReport { release: rel, kept, not_owned, unverifiable })
}

#[cfg(test)]
mod v43_tests {
    use super::*;
    use crate::compat::HelmCompat;
    use crate::release::cluster::MemoryCluster;
    use crate::release::storage::Memory;

    fn installed() -> (MemoryCluster, Storage) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/charts/release-basic");
        let chart = crate::chart::load(&dir).expect("test chart loads");
        let (c, st) = (MemoryCluster::new(), Storage::new(Box::new(Memory::new("ns"))));
        let o = InstallOptions { name: "r".into(), namespace: "ns".into(), ..Default::default() };
        install(Some(&c), &st, chart, &Map::new(), &o).unwrap();
        (c, st)
    }

    /// Give the live ConfigMap `r-config` another owner, as another release or a person would.
    fn steal_config(c: &MemoryCluster) {
        let mut cm = c.get("v1", "ConfigMap", "r-config", "ns").unwrap().expect("installed");
        cm["metadata"]["annotations"][RELEASE_NAME_ANNOTATION] = "other".into();
        c.apply(&cm, "ns", true).unwrap();
    }

    /// Helm v4.3 (pkg/action/uninstall.go, validate.go): an object the release does not own is left in
    /// place and listed; the others are deleted.
    #[test]
    fn objects_owned_by_others_are_left() {
        let (c, st) = installed();
        steal_config(&c);
        let o = UninstallOptions { compat: Some(HelmCompat::V4_3), timeout: Duration::from_secs(1), ..Default::default() };
        let report = uninstall(&c, &st, "r", &o).unwrap();
        assert_eq!(report.not_owned, vec!["[ConfigMap] r-config"]);
        assert!(c.get("v1", "ConfigMap", "r-config", "ns").unwrap().is_some(), "not owned: kept");
        assert!(c.get("v1", "Service", "r-svc", "ns").unwrap().is_none(), "owned: deleted");
        assert_eq!(
            report.info(),
            "1 resource(s) were not deleted because they are not owned by this release:\n[ConfigMap] r-config\n"
        );
        assert!(st.history_entries("r").unwrap().is_empty());
    }

    /// Helm v4.1 deletes whatever the manifest lists.
    #[test]
    fn v41_deletes_regardless_of_owner() {
        let (c, st) = installed();
        steal_config(&c);
        let o = UninstallOptions { compat: Some(HelmCompat::V4_1), timeout: Duration::from_secs(1), ..Default::default() };
        let report = uninstall(&c, &st, "r", &o).unwrap();
        assert!(report.not_owned.is_empty());
        assert!(c.get("v1", "ConfigMap", "r-config", "ns").unwrap().is_none());
    }

    /// A dry run changes nothing (the warnings go to stderr).
    #[test]
    fn dry_run_deletes_nothing() {
        let (c, st) = installed();
        steal_config(&c);
        let o = UninstallOptions { compat: Some(HelmCompat::V4_3), dry_run: true, ..Default::default() };
        let report = uninstall(&c, &st, "r", &o).unwrap();
        assert_eq!(report.info(), "");
        assert!(c.get("v1", "ConfigMap", "r-config", "ns").unwrap().is_some());
        assert!(c.get("v1", "Service", "r-svc", "ns").unwrap().is_some());
        assert_eq!(st.history_entries("r").unwrap().len(), 1);
    }

    /// The sections of Helm's `UninstallReleaseResponse.Info`, apart by a blank line.
    #[test]
    fn info_text_is_helms() {
        let report = UninstallReport {
            kept: vec!["[Secret] s".into()],
            not_owned: vec!["[ConfigMap] a".into(), "[Service] b".into()],
            unverifiable: vec!["[Role] c: forbidden".into()],
            ..Default::default()
        };
        assert_eq!(
            report.info(),
            "These resources were kept due to the resource policy:\n[Secret] s\n\n\
             2 resource(s) were not deleted because they are not owned by this release:\n[ConfigMap] a\n[Service] b\n\n\
             1 resource(s) were not deleted because their ownership could not be verified:\n[Role] c: forbidden\n"
        );
        assert_eq!(UninstallReport::default().info(), "");
    }
}

//! Reading releases: `get`, `status` resources, `history` and `list`, from storage alone.

use super::*;

/// An object of a release as `status` shows it.
#[derive(Debug, Clone)]
pub struct ResourceRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// The label selector of its pods (workloads only, as Helm finds "related" pods), e.g. `app=web`.
    pub pod_selector: Option<String>,
}

/// The objects of a release's manifest (`status` RESOURCES). Objects whose kind the server no longer
/// serves (a removed CRD) are left out rather than failing the whole status, unlike Helm.
pub fn resource_refs(cluster: &dyn ClusterApi, rel: &Release) -> Result<Vec<ResourceRef>, ActionError> {
    let mut out = Vec::new();
    for o in objects_of(&rel.manifest)? {
        let Ok(namespace) = o.namespace_in(cluster, &rel.namespace) else { continue };
        let labels = match o.kind.as_str() {
            "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => o.value.pointer("/spec/selector/matchLabels"),
            "ReplicationController" => o.value.pointer("/spec/selector"),
            _ => None,
        };
        // labels.Set.AsSelector().String(): keys sorted, k=v joined by commas
        let pod_selector = labels.and_then(Value::as_object).map(|m| {
            let sorted: BTreeMap<&String, &Value> = m.iter().collect();
            sorted.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(",")
        });
        out.push(ResourceRef { api_version: o.api_version, kind: o.kind, name: o.name, namespace, pod_selector });
    }
    Ok(out)
}

/// `helm status` / `helm get`: one revision (0 = the newest).
pub fn get(storage: &Storage, name: &str, revision: i64) -> Result<Release, ActionError> {
    validate_release_name(name)?;
    if revision > 0 {
        Ok(storage.get(name, revision)?)
    } else {
        Ok(storage.last(name)?)
    }
}

/// `helm get values --all`: the chart's stored defaults coalesced with the user values.
pub fn computed_values(rel: &Release) -> Map<String, Value> {
    crate::values::coalesce_tables(rel.config.clone(), rel.chart_values())
}

/// `helm history`: every revision, oldest first, at most `max` (the newest ones).
pub fn history(storage: &Storage, name: &str, max: usize) -> Result<Vec<Release>, ActionError> {
    validate_release_name(name)?;
    let mut h = storage.history(name)?;
    if max > 0 && h.len() > max {
        h = h.split_off(h.len() - max);
    }
    Ok(h)
}

/// Options of `list`.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Statuses to show; empty = every status (Helm 4's default).
    pub statuses: Vec<String>,
    pub filter: Option<String>,
    pub sort_by_date: bool,
    pub reverse: bool,
    pub max: usize,
    pub offset: usize,
}

/// `helm list`: the newest revision of each release, by name (or date), filtered.
pub fn list(storage: &Storage, opts: &ListOptions) -> Result<Vec<Release>, ActionError> {
    let filter = match &opts.filter {
        Some(f) if !f.is_empty() => Some(regex::Regex::new(f).map_err(|e| err(format!("invalid filter: {e}")))?),
        _ => None,
    };
    let mut rels: Vec<Release> = storage
        .latest_of_each()?
        .into_iter()
        .filter(|r| opts.statuses.is_empty() || opts.statuses.contains(&r.info.status))
        .filter(|r| filter.as_ref().is_none_or(|re| re.is_match(&r.name)))
        .collect();
    if opts.sort_by_date {
        rels.sort_by(|a, b| a.info.last_deployed.cmp(&b.info.last_deployed));
    } else {
        rels.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if opts.reverse {
        rels.reverse();
    }
    let rels: Vec<Release> = rels.into_iter().skip(opts.offset).collect();
    Ok(if opts.max > 0 { rels.into_iter().take(opts.max).collect() } else { rels })
}

//! The objects of a release's manifest: parsing (lists flattened), Helm's ownership rules, CRDs, applying a
//! kind group at once, waiting for readiness, and the clean-up helpers of a failed change.

use super::*;

/// One object of a manifest, parsed, with where it goes.
#[derive(Debug, Clone)]
pub(super) struct Object {
    pub(super) value: Value,
    pub(super) api_version: String,
    pub(super) kind: String,
    pub(super) name: String,
}

impl Object {
    pub(super) fn parse(doc: &str) -> Result<Option<Object>, ActionError> {
        let value = goyaml::from_str(doc).map_err(|e| err(format!("unable to build kubernetes objects from release manifest: {e}")))?;
        if value.is_null() {
            return Ok(None);
        }
        Self::from_value(value, doc).map(Some)
    }

    /// The objects of one manifest document: one, none for an empty document, or the items of a list
    /// (any object whose `items` is an array, as kubectl's resource builder flattens `kind: List`).
    pub(super) fn parse_all(doc: &str) -> Result<Vec<Object>, ActionError> {
        let value = goyaml::from_str(doc).map_err(|e| err(format!("unable to build kubernetes objects from release manifest: {e}")))?;
        let mut out = Vec::new();
        Self::flatten(value, doc, 0, &mut out)?;
        Ok(out)
    }

    pub(super) fn flatten(value: Value, doc: &str, depth: usize, out: &mut Vec<Object>) -> Result<(), ActionError> {
        if value.is_null() {
            return Ok(());
        }
        if let Some(items) = value.get("items").and_then(Value::as_array) {
            if depth >= 8 {
                return Err(err("unable to build kubernetes objects from release manifest: lists nested more than 8 deep".to_string()));
            }
            for item in items {
                Self::flatten(item.clone(), doc, depth + 1, out)?;
            }
            return Ok(());
        }
        out.push(Self::from_value(value, doc)?);
        Ok(())
    }

    pub(super) fn from_value(value: Value, doc: &str) -> Result<Object, ActionError> {
        let s = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
        let (api_version, kind, name) = (s("/apiVersion"), s("/kind"), s("/metadata/name"));
        if kind.is_empty() || api_version.is_empty() {
            return Err(err(format!(
                "unable to build kubernetes objects from release manifest: error validating data: apiVersion or kind not set in {doc:?}"
            )));
        }
        Ok(Object { value, api_version, kind, name })
    }

    pub(super) fn namespace_in(&self, cluster: &dyn ClusterApi, release_ns: &str) -> Result<String, ActionError> {
        Ok(cluster.object_namespace(&self.value, release_ns)?.unwrap_or_default())
    }

    pub(super) fn describe(&self, ns: &str) -> String {
        format!("{} {:?} in namespace {:?}", self.kind, self.name, ns)
    }

    pub(super) fn annotation(&self, key: &str) -> Option<&str> {
        self.value.pointer("/metadata/annotations").and_then(|a| a.get(key)).and_then(Value::as_str)
    }

    /// Helm's setMetadataVisitor: the ownership label and annotations.
    pub(super) fn set_owner(&mut self, release: &str, namespace: &str) {
        let Some(obj) = self.value.as_object_mut() else { return };
        let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        let Some(meta) = meta.as_object_mut() else { return };
        for (field, key, val) in [
            ("labels", MANAGED_BY_LABEL, "Helm"),
            ("annotations", RELEASE_NAME_ANNOTATION, release),
            ("annotations", RELEASE_NAMESPACE_ANNOTATION, namespace),
        ] {
            let m = meta.entry(field).or_insert_with(|| Value::Object(Map::new()));
            if !m.is_object() {
                *m = Value::Object(Map::new());
            }
            if let Some(m) = m.as_object_mut() {
                m.insert(key.to_string(), Value::String(val.to_string()));
            }
        }
    }
}

/// The objects of a stored manifest, in the order given.
pub(super) fn objects_of(manifest_text: &str) -> Result<Vec<Object>, ActionError> {
    let mut out = Vec::new();
    for doc in manifest::split_manifests(manifest_text) {
        out.extend(Object::parse_all(&doc)?);
    }
    Ok(out)
}

/// A stored manifest's objects in `order` (Helm splits it into `manifest-N` files and sorts by kind).
pub(super) fn sorted_objects(manifest_text: &str, order: &[&str]) -> Result<Vec<Object>, ActionError> {
    let files: BTreeMap<String, String> = manifest::split_manifests(manifest_text)
        .into_iter()
        .enumerate()
        .map(|(i, d)| (format!("manifest-{i}"), d))
        .collect();
    let (_, sorted) = manifest::sort_manifests(&files, order).map_err(|(m, _, _)| err(m))?;
    let mut out = Vec::new();
    for m in sorted {
        out.extend(Object::parse_all(&m.content)?);
    }
    Ok(out)
}

/// Helm's checkOwnership: the live object must carry this release's label and annotations.
pub(super) fn check_ownership(live: &Value, release: &str, namespace: &str) -> Result<(), String> {
    let get = |field: &str, key: &str| -> Option<String> {
        live.pointer(&format!("/metadata/{field}")).and_then(|m| m.get(key)).and_then(Value::as_str).map(str::to_string)
    };
    let require = |field: &str, key: &str, want: &str| -> Option<String> {
        match get(field, key) {
            None => Some(format!("missing key {key:?}: must be set to {want:?}")),
            Some(actual) if actual != want => {
                Some(format!("key {key:?} must equal {want:?}: current value is {actual:?}"))
            }
            _ => None,
        }
    };
    let mut errs = Vec::new();
    if let Some(e) = require("labels", MANAGED_BY_LABEL, "Helm") {
        errs.push(format!("label validation error: {e}"));
    }
    if let Some(e) = require("annotations", RELEASE_NAME_ANNOTATION, release) {
        errs.push(format!("annotation validation error: {e}"));
    }
    if let Some(e) = require("annotations", RELEASE_NAMESPACE_ANNOTATION, namespace) {
        errs.push(format!("annotation validation error: {e}"));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!("invalid ownership metadata; {}", errs.join("; ")))
    }
}

/// Install the chart's `crds/` files (create only: existing CRDs are left alone), then wait until they
/// are established and refresh discovery.
pub(super) fn install_crds(cluster: &dyn ClusterApi, crds: &[(String, String)], timeout: Duration) -> Result<(), ActionError> {
    let mut created = Vec::new();
    for (name, content) in crds {
        for doc in manifest::split_manifests(content) {
            let Some(obj) = Object::parse(&doc).map_err(|e| err(format!("failed to install CRD {name}: {e}")))? else {
                continue;
            };
            cluster.create(&obj.value, "").map_err(|e| err(format!("failed to install CRD {name}: {e}")))?;
            created.push(obj);
        }
    }
    for obj in &created {
        cluster.wait_for(&obj.api_version, &obj.kind, &obj.name, "", timeout, &mut |live| {
            Ok(crate::release::crds::is_established(live))
        })?;
    }
    if !created.is_empty() {
        cluster.invalidate_discovery();
    }
    Ok(())
}

/// Applies the objects with the ownership metadata (server-side apply, field manager `helm`), one kind
/// group after the other and the objects of a group concurrently. As Helm, every object is tried; the
/// failures are reported together, one per line.
pub(super) fn apply_objects(cluster: &dyn ClusterApi, objs: &mut [Object], rel: &Release, force: bool) -> Result<(), String> {
    let mut errors = Vec::new();
    for o in objs.iter_mut() {
        o.set_owner(&rel.name, &rel.namespace);
    }
    let mut start = 0;
    while start < objs.len() {
        let end = start + objs[start..].iter().take_while(|o| o.kind == objs[start].kind).count();
        let group: Vec<Value> = objs[start..end].iter().map(|o| o.value.clone()).collect();
        errors.extend(cluster.apply_all(&group, &rel.namespace, force).into_iter().filter_map(|r| r.err()).map(|e| e.message));
        start = end;
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// `--wait`: polls the objects until kstatus calls every one current (Jobs must complete with
/// `wait_for_jobs`). A failed object stops the wait for itself only; paused Deployments are skipped.
/// The error is Helm's: one `resource KIND/NS/NAME not ready. status: …, message: …` line per object,
/// then `context deadline exceeded` when time ran out.
pub(super) fn wait_ready(cluster: &dyn ClusterApi, objs: &[Object], release_ns: &str, timeout: Duration, wait_for_jobs: bool) -> Result<(), String> {
    let mode = if wait_for_jobs { ready::Mode::WaitWithJobs } else { ready::Mode::Wait };
    let mut pending: Vec<(String, String, String, String)> = Vec::new();
    for o in objs {
        if o.kind == "Deployment" && o.value.pointer("/spec/paused") == Some(&Value::Bool(true)) {
            continue;
        }
        let ns = o.namespace_in(cluster, release_ns).map_err(|e| e.message)?;
        pending.push((o.api_version.clone(), o.kind.clone(), o.name.clone(), ns));
    }
    let deadline = Instant::now() + timeout;
    let mut failed: Vec<String> = Vec::new();
    loop {
        let mut waiting = Vec::new();
        let mut reasons = Vec::new();
        for (r, got) in pending.iter().zip(cluster.get_all(&pending)) {
            let (status, message) = match got {
                Ok(live) => ready::compute(live.as_ref(), mode),
                Err(e) => (ready::Status::InProgress, e.message),
            };
            let line = format!("resource {}/{}/{} not ready. status: {}, message: {message}", r.1, r.3, r.2, status.as_str());
            match status {
                ready::Status::Current => {}
                ready::Status::Failed => failed.push(line),
                _ => {
                    waiting.push(r.clone());
                    reasons.push(line);
                }
            }
        }
        if waiting.is_empty() {
            return if failed.is_empty() { Ok(()) } else { Err(failed.join("\n")) };
        }
        let now = Instant::now();
        if now >= deadline {
            failed.extend(reasons);
            failed.push("context deadline exceeded".into());
            return Err(failed.join("\n"));
        }
        pending = waiting;
        std::thread::sleep(Duration::from_millis(500).min(deadline - now));
    }
}

/// `--cleanup-on-fail`: the objects of `objs` that do not exist yet (so that a failure can delete
/// exactly what this operation created).
pub(super) fn not_yet_existing(cluster: &dyn ClusterApi, objs: &[Object], release_ns: &str) -> Result<Vec<Object>, ActionError> {
    let mut refs = Vec::new();
    for o in objs {
        refs.push((o.api_version.clone(), o.kind.clone(), o.name.clone(), o.namespace_in(cluster, release_ns)?));
    }
    let mut out = Vec::new();
    for (o, got) in objs.iter().zip(cluster.get_all(&refs)) {
        if got?.is_none() {
            out.push(o.clone());
        }
    }
    Ok(out)
}

/// Deletes what a failed operation created; Helm's message when that fails too.
pub(super) fn cleanup_created(cluster: &dyn ClusterApi, created: &[Object], release_ns: &str, verb: &str, e: String) -> String {
    let mut errors = Vec::new();
    for o in created {
        let ns = match o.namespace_in(cluster, release_ns) {
            Ok(ns) => ns,
            Err(x) => {
                errors.push(x.message);
                continue;
            }
        };
        if let Err(x) = cluster.delete(&o.api_version, &o.kind, &o.name, &ns) {
            errors.push(x.message);
        }
    }
    if errors.is_empty() {
        e
    } else {
        format!("an error occurred while cleaning up resources. original {verb} error: {e}: unable to cleanup resources: {}", errors.join(", "))
    }
}

/// A release made with client-side apply (Helm 3, or `--server-side=false`) moving to server-side apply:
/// the fields its objects' client-side manager owns are handed over first (Helm v4 does the same).
pub(super) fn migrate_field_managers(cluster: &dyn ClusterApi, previous: &Release, objs: &[Object], release_ns: &str) -> Result<(), String> {
    if !(previous.apply_method.is_empty() || previous.apply_method == "csa") {
        return Ok(());
    }
    let before = objects_of(&previous.manifest).map_err(|e| e.message)?;
    for o in objs.iter().filter(|o| before.iter().any(|b| b.kind == o.kind && b.name == o.name)) {
        let ns = o.namespace_in(cluster, release_ns).map_err(|e| e.message)?;
        cluster
            .upgrade_field_manager(&o.api_version, &o.kind, &o.name, &ns)
            .map_err(|e| format!("failed to upgrade the field managers of {}: {e}", o.describe(&ns)))?;
    }
    Ok(())
}

/// Deletes objects of `old` that `new` no longer has (upgrade, rollback), keeping `resource-policy: keep`.
pub(super) fn delete_removed(cluster: &dyn ClusterApi, old: &str, new: &[Object], release_ns: &str) -> Result<(), String> {
    let olds = sorted_objects(old, &crate::render::manifest::uninstall_order()).map_err(|e| e.message)?;
    for o in olds {
        let gone = !new.iter().any(|n| n.kind == o.kind && n.name == o.name && n.api_version.split('/').next() == o.api_version.split('/').next()
            && n.value.pointer("/metadata/namespace") == o.value.pointer("/metadata/namespace"));
        if gone && o.annotation(RESOURCE_POLICY_ANNOTATION) != Some("keep") {
            let ns = o.namespace_in(cluster, release_ns).map_err(|e| e.message)?;
            cluster.delete(&o.api_version, &o.kind, &o.name, &ns).map_err(|e| e.message)?;
        }
    }
    Ok(())
}

//! The release operations the binaries call (Helm's `pkg/action`): install, upgrade, rollback, uninstall,
//! status/get, list and history, on a [`Cluster`] and a [`Storage`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::record::{self, Hook, Release};
use super::storage::{Storage, StorageError};
use crate::chart::Chart;
use super::cluster::{ClusterApi, ClusterError};
use super::ready;
use crate::render::manifest;
use crate::render::pipeline::{self, RenderOptions};
use crate::render::{CapabilitiesInput, ReleaseOptions};

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";

/// A failed operation: Helm's message, and the release as far as it got (for `-o` and debugging).
#[derive(Debug)]
pub struct ActionError {
    pub message: String,
    pub release: Option<Release>,
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ActionError {}

fn err(message: impl std::fmt::Display) -> ActionError {
    ActionError { message: message.to_string(), release: None }
}

impl From<StorageError> for ActionError {
    fn from(e: StorageError) -> Self {
        err(e)
    }
}

impl From<ClusterError> for ActionError {
    fn from(e: ClusterError) -> Self {
        err(e)
    }
}

/// With `KUBECTL_RELEASE_TRACE` set, a line on stderr per step of an operation, with the time since the
/// first one (where the time goes, without a profiler).
fn trace(step: &str) {
    static START: std::sync::OnceLock<Option<Instant>> = std::sync::OnceLock::new();
    if let Some(start) = START.get_or_init(|| std::env::var_os("KUBECTL_RELEASE_TRACE").map(|_| Instant::now())) {
        eprintln!("[trace {:7.1} ms] {step}", start.elapsed().as_secs_f64() * 1000.0);
    }
}

/// Helm's release name rule: DNS-1123 subdomain-ish, at most 53 characters.
pub fn validate_release_name(name: &str) -> Result<(), ActionError> {
    const RE: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    if name.is_empty() {
        return Err(err("release name \"\": no name provided"));
    }
    let ok = regex::Regex::new(RE).map(|re| re.is_match(name)).unwrap_or(false);
    if !ok || name.len() > 53 {
        return Err(err(format!(
            "release name {name:?}: invalid release name, must match regex {RE} and the length must not be longer than 53"
        )));
    }
    Ok(())
}

/// `.Capabilities` from the cluster: its version and every served API version.
pub fn cluster_capabilities(cluster: &dyn ClusterApi) -> Result<CapabilitiesInput, ActionError> {
    Ok(CapabilitiesInput { kube_version: Some(cluster.server_version()?), api_versions: cluster.api_versions()? })
}

/// `--dry-run`: `Client` needs no cluster; `Server` reads the cluster (capabilities, `lookup`, the name
/// and ownership checks) but changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DryRun {
    #[default]
    None,
    Client,
    Server,
}

impl DryRun {
    pub fn is_dry(self) -> bool {
        self != DryRun::None
    }
}

/// `--wait`, Helm v4's strategies: `HookOnly` (no `--wait`) waits for hooks only; `Watcher` (bare `--wait`)
/// and `Legacy` also wait until every object of the release is ready (kstatus rules, `ready`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitStrategy {
    #[default]
    HookOnly,
    Watcher,
    Legacy,
}

/// Options of `install` (Helm's `action.Install`).
#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub name: String,
    pub namespace: String,
    pub create_namespace: bool,
    pub dry_run: DryRun,
    pub description: String,
    pub no_hooks: bool,
    pub skip_crds: bool,
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
            skip_crds: false,
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

/// One object of a manifest, parsed, with where it goes.
#[derive(Debug, Clone)]
struct Object {
    value: Value,
    api_version: String,
    kind: String,
    name: String,
}

impl Object {
    fn parse(doc: &str) -> Result<Option<Object>, ActionError> {
        let value = goyaml::from_str(doc).map_err(|e| err(format!("unable to build kubernetes objects from release manifest: {e}")))?;
        if value.is_null() {
            return Ok(None);
        }
        let s = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
        let (api_version, kind, name) = (s("/apiVersion"), s("/kind"), s("/metadata/name"));
        if kind.is_empty() || api_version.is_empty() {
            return Err(err(format!(
                "unable to build kubernetes objects from release manifest: error validating data: apiVersion or kind not set in {doc:?}"
            )));
        }
        Ok(Some(Object { value, api_version, kind, name }))
    }

    fn namespace_in(&self, cluster: &dyn ClusterApi, release_ns: &str) -> Result<String, ActionError> {
        Ok(cluster.object_namespace(&self.value, release_ns)?.unwrap_or_default())
    }

    fn describe(&self, ns: &str) -> String {
        format!("{} {:?} in namespace {:?}", self.kind, self.name, ns)
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.value.pointer("/metadata/annotations").and_then(|a| a.get(key)).and_then(Value::as_str)
    }

    /// Helm's setMetadataVisitor: the ownership label and annotations.
    fn set_owner(&mut self, release: &str, namespace: &str) {
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
fn objects_of(manifest_text: &str) -> Result<Vec<Object>, ActionError> {
    let mut out = Vec::new();
    for doc in manifest::split_manifests(manifest_text) {
        if let Some(o) = Object::parse(&doc)? {
            out.push(o);
        }
    }
    Ok(out)
}

/// A stored manifest's objects in `order` (Helm splits it into `manifest-N` files and sorts by kind).
fn sorted_objects(manifest_text: &str, order: &[&str]) -> Result<Vec<Object>, ActionError> {
    let files: BTreeMap<String, String> = manifest::split_manifests(manifest_text)
        .into_iter()
        .enumerate()
        .map(|(i, d)| (format!("manifest-{i}"), d))
        .collect();
    let (_, sorted) = manifest::sort_manifests(&files, order).map_err(|(m, _, _)| err(m))?;
    let mut out = Vec::new();
    for m in sorted {
        if let Some(o) = Object::parse(&m.content)? {
            out.push(o);
        }
    }
    Ok(out)
}

fn to_record_hooks(hooks: &[manifest::Hook]) -> Vec<Hook> {
    hooks
        .iter()
        .map(|h| Hook {
            name: h.name.clone(),
            kind: h.kind.clone(),
            path: h.path.clone(),
            manifest: h.manifest.clone(),
            events: h.events.clone(),
            last_run: Default::default(),
            weight: h.weight,
            delete_policies: h.delete_policies.clone(),
            output_log_policies: h.output_log_policies.clone(),
        })
        .collect()
}

/// Helm's checkOwnership: the live object must carry this release's label and annotations.
fn check_ownership(live: &Value, release: &str, namespace: &str) -> Result<(), String> {
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
fn install_crds(cluster: &dyn ClusterApi, crds: &[(String, String)], timeout: Duration) -> Result<(), ActionError> {
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
            Ok(live.and_then(|l| l.pointer("/status/conditions")).and_then(Value::as_array).is_some_and(|c| {
                c.iter().any(|c| c["type"] == "Established" && c["status"] == "True")
            }))
        })?;
    }
    if !created.is_empty() {
        cluster.invalidate_discovery();
    }
    Ok(())
}

/// Runs the hooks of one event: kind order, then weight, then name; each created and waited for (Jobs
/// complete, Pods succeed), with the delete policies applied.
fn run_hooks(
    cluster: &dyn ClusterApi,
    storage: &Storage,
    rel: &mut Release,
    event: &str,
    timeout: Duration,
) -> Result<(), String> {
    let succeeded = run_hooks_keeping(cluster, storage, rel, event, timeout)?;
    delete_succeeded_hooks(cluster, rel, succeeded, timeout)
}

/// The hooks that ran and succeeded, with their objects, for their `hook-succeeded` policy.
type Succeeded = Vec<(usize, Vec<Object>)>;

/// `hook-succeeded`: deletes the objects of the hooks that succeeded, the last one first.
fn delete_succeeded_hooks(cluster: &dyn ClusterApi, rel: &Release, done: Succeeded, timeout: Duration) -> Result<(), String> {
    for (i, objs) in done.into_iter().rev() {
        if has_policy(&rel.hooks[i], "hook-succeeded") {
            delete_and_wait(cluster, &objs, &rel.namespace, timeout)?;
        }
    }
    Ok(())
}

/// [`run_hooks`] without the `hook-succeeded` deletions, which the caller does later (`test` reads
/// the pods' logs first).
fn run_hooks_keeping(
    cluster: &dyn ClusterApi,
    storage: &Storage,
    rel: &mut Release,
    event: &str,
    timeout: Duration,
) -> Result<Succeeded, String> {
    let mut idx: Vec<usize> = (0..rel.hooks.len()).filter(|&i| rel.hooks[i].events.iter().any(|e| e == event)).collect();
    idx.sort_by(|&a, &b| {
        let (x, y) = (&rel.hooks[a], &rel.hooks[b]);
        x.weight.cmp(&y.weight).then_with(|| x.name.cmp(&y.name))
    });
    let ns = rel.namespace.clone();
    let mut done = Vec::new();
    for i in idx {
        if rel.hooks[i].delete_policies.is_empty() {
            rel.hooks[i].delete_policies.push("before-hook-creation".into());
        }
        let objs = objects_of(&rel.hooks[i].manifest).map_err(|e| {
            format!("unable to build kubernetes object for {event} hook {}: {e}", rel.hooks[i].path)
        })?;
        if has_policy(&rel.hooks[i], "before-hook-creation") {
            delete_and_wait(cluster, &objs, &ns, timeout)?;
        }
        rel.hooks[i].last_run = record::HookExecution {
            started_at: record::now_rfc3339(),
            completed_at: String::new(),
            phase: "Running".into(),
        };
        save_progress(storage, rel, timeout);
        rel.hooks[i].last_run.phase = "Unknown".into();
        for o in &objs {
            if let Err(e) = cluster.apply(&o.value, &ns, false) {
                rel.hooks[i].last_run.completed_at = record::now_rfc3339();
                rel.hooks[i].last_run.phase = "Failed".into();
                return Err(format!("warning: Hook {event} {} failed: {e}", rel.hooks[i].path));
            }
        }
        let waited = objs.iter().try_for_each(|o| wait_hook_ready(cluster, o, &ns, timeout));
        rel.hooks[i].last_run.completed_at = record::now_rfc3339();
        if let Err(e) = waited {
            rel.hooks[i].last_run.phase = "Failed".into();
            if has_policy(&rel.hooks[i], "hook-failed") {
                let _ = delete_and_wait(cluster, &objs, &ns, timeout);
            }
            return Err(e);
        }
        rel.hooks[i].last_run.phase = "Succeeded".into();
        done.push((i, objs));
    }
    Ok(done)
}

fn has_policy(h: &Hook, p: &str) -> bool {
    h.kind != "CustomResourceDefinition" && h.delete_policies.iter().any(|x| x == p)
}

fn delete_and_wait(cluster: &dyn ClusterApi, objs: &[Object], release_ns: &str, timeout: Duration) -> Result<(), String> {
    for o in objs {
        let ns = o.namespace_in(cluster, release_ns).map_err(|e| e.message)?;
        let existed = cluster.delete(&o.api_version, &o.kind, &o.name, &ns).map_err(|e| e.message)?;
        if existed {
            cluster
                .wait_for(&o.api_version, &o.kind, &o.name, &ns, timeout, &mut |live| Ok(live.is_none()))
                .map_err(|e| e.message)?;
        }
    }
    Ok(())
}

/// Helm's WatchUntilReady for hooks: Jobs must complete, Pods must succeed, other kinds just exist.
fn wait_hook_ready(cluster: &dyn ClusterApi, o: &Object, release_ns: &str, timeout: Duration) -> Result<(), String> {
    let ns = o.namespace_in(cluster, release_ns).map_err(|e| e.message)?;
    match o.kind.as_str() {
        "Job" => cluster
            .wait_for(&o.api_version, &o.kind, &o.name, &ns, timeout, &mut |live| {
                let conds = live.and_then(|l| l.pointer("/status/conditions")).and_then(Value::as_array);
                for c in conds.into_iter().flatten() {
                    if c["status"] == "True" && c["type"] == "Complete" {
                        return Ok(true);
                    }
                    if c["status"] == "True" && c["type"] == "Failed" {
                        return Err(format!("job {} failed: {}", o.name, c["reason"].as_str().unwrap_or("")));
                    }
                }
                Ok(false)
            })
            .map_err(|e| e.message),
        "Pod" => cluster
            .wait_for(&o.api_version, &o.kind, &o.name, &ns, timeout, &mut |live| {
                match live.and_then(|l| l.pointer("/status/phase")).and_then(Value::as_str) {
                    Some("Succeeded") => Ok(true),
                    Some("Failed") => Err(format!("pod {} failed", o.name)),
                    _ => Ok(false),
                }
            })
            .map_err(|e| e.message),
        _ => Ok(()),
    }
}

/// Applies the objects with the ownership metadata (server-side apply, field manager `helm`), one kind
/// group after the other and the objects of a group concurrently. As Helm, every object is tried; the
/// failures are reported together, one per line.
fn apply_objects(cluster: &dyn ClusterApi, objs: &mut [Object], rel: &Release, force: bool) -> Result<(), String> {
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
fn wait_ready(cluster: &dyn ClusterApi, objs: &[Object], release_ns: &str, timeout: Duration, wait_for_jobs: bool) -> Result<(), String> {
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

/// How long a dead client's pending revision stays claimed beyond its own timeout
/// (`KUBECTL_RELEASE_LEASE_GRACE`, seconds; 60 by default).
fn lease_grace() -> i64 {
    std::env::var("KUBECTL_RELEASE_LEASE_GRACE").ok().and_then(|s| s.parse().ok()).unwrap_or(60)
}

/// A claim on a pending revision for this process, long enough for one step bounded by `timeout`; it is
/// renewed at every step (each hook, the apply, the wait).
fn new_lease(timeout: Duration) -> record::Lease {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    record::Lease {
        holder: format!("{host}/{}", std::process::id()),
        expires: record::now_unix() + timeout.as_secs() as i64 + lease_grace(),
    }
}

/// Renews the lease and stores the revision's progress.
fn save_progress(storage: &Storage, rel: &mut Release, timeout: Duration) {
    if rel.lease.is_some() {
        rel.lease = Some(new_lease(timeout));
    }
    let _ = storage.update(rel);
}

fn lease_time(unix: i64) -> String {
    record::go_time_string(&record::rfc3339(unix, 0))
}

/// The release's newest revision must not be pending. One left by a client whose lease has expired is
/// taken over: marked `failed` (saying so), and the caller goes on. A live lease, or a pending revision
/// with no lease at all (Helm's own, or one from before leases), is an error that explains what to do.
pub fn take_over_pending(storage: &Storage, last: &mut Release) -> Result<Option<String>, ActionError> {
    if !record::is_pending(&last.info.status) {
        return Ok(None);
    }
    let (name, rev, status) = (last.name.clone(), last.version, last.info.status.clone());
    match last.lease.clone() {
        Some(lease) if lease.expires > record::now_unix() => Err(err(format!(
            "another operation (install/upgrade/rollback) is in progress: revision {rev} of {name:?} is {status}, worked on by {} until {} at the latest. Wait for it, or if that client is gone, run `kubectl release recover {name} --force`",
            lease.holder,
            lease_time(lease.expires)
        ))),
        Some(lease) => {
            let note = format!(
                "revision {rev} of {name:?} was left {status} by {}, whose lease expired at {}; it is now marked failed",
                lease.holder,
                lease_time(lease.expires)
            );
            last.lease = None;
            last.set_status(record::STATUS_FAILED, format!("Interrupted: {note}"));
            storage.update(last)?;
            Ok(Some(note))
        }
        None => Err(err(format!(
            "another operation (install/upgrade/rollback) is in progress: revision {rev} of {name:?} is {status} and carries no lease (Helm, or a client without leases, wrote it). If no client is working on it any more, run `kubectl release recover {name}` to mark it failed"
        ))),
    }
}

/// `kubectl release recover NAME`: marks a pending newest revision `failed` so that upgrade and rollback
/// work again. A revision whose lease is still running needs `force`.
pub fn recover(storage: &Storage, name: &str, force: bool) -> Result<Release, ActionError> {
    validate_release_name(name)?;
    let mut last = storage.last(name).map_err(|e| match e {
        StorageError::NotFound => err(format!("release: not found: {name}")),
        e => err(e),
    })?;
    if !record::is_pending(&last.info.status) {
        return Err(err(format!(
            "release {name:?} needs no recovery: its newest revision {} is {}",
            last.version, last.info.status
        )));
    }
    if let Some(lease) = &last.lease {
        if lease.expires > record::now_unix() && !force {
            return Err(err(format!(
                "revision {} of {name:?} is claimed by {} until {}; pass --force if that client is gone",
                last.version,
                lease.holder,
                lease_time(lease.expires)
            )));
        }
    }
    let was = last.info.status.clone();
    last.lease = None;
    last.set_status(record::STATUS_FAILED, format!("Marked failed by recover: the {was} operation did not finish"));
    storage.update(&last)?;
    Ok(last)
}

/// The revision a conflicting writer got to first: creating it failed because it exists.
fn create_revision(storage: &Storage, rel: &Release) -> Result<(), ActionError> {
    storage.create(rel).map_err(|e| match e {
        StorageError::Exists => err(format!(
            "another operation (install/upgrade/rollback) is in progress: revision {} of {:?} was just created by another client; nothing was changed",
            rel.version, rel.name
        )),
        e => err(e),
    })
}

/// `--cleanup-on-fail`: the objects of `objs` that do not exist yet (so that a failure can delete
/// exactly what this operation created).
fn not_yet_existing(cluster: &dyn ClusterApi, objs: &[Object], release_ns: &str) -> Result<Vec<Object>, ActionError> {
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
fn cleanup_created(cluster: &dyn ClusterApi, created: &[Object], release_ns: &str, verb: &str, e: String) -> String {
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
fn migrate_field_managers(cluster: &dyn ClusterApi, previous: &Release, objs: &[Object], release_ns: &str) -> Result<(), String> {
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
fn delete_removed(cluster: &dyn ClusterApi, old: &str, new: &[Object], release_ns: &str) -> Result<(), String> {
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

/// The chart as Helm stores it in the release: its values are the ones Helm's rendering left in the
/// chart (dependencies processed, imports and globals coalesced in), not the bare values.yaml.
fn stored_chart(chart: &Chart, user_values: &Map<String, Value>) -> record::ChartJson {
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

fn keep_nulls(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
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
    pipeline::check_installable(&chart).map_err(err)?;
    validate_release_name(&opts.name)?;
    trace("install: start");
    if let Some(bad) = opts.labels.keys().find(|k| super::storage::SYSTEM_LABELS.contains(&k.as_str())) {
        return Err(err(format!(
            "user supplied labels contains system reserved label name {bad:?}. System labels: {:?}",
            super::storage::SYSTEM_LABELS
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
    let crds: Vec<(String, String)> = chart
        .crd_files()
        .into_iter()
        .map(|(n, f)| (n, String::from_utf8_lossy(&f.data).into_owned()))
        .collect();
    if let (Some(c), false) = (live, opts.skip_crds) {
        if !crds.is_empty() {
            if opts.dry_run.is_dry() {
                eprintln!("WARNING: This chart or one of its subcharts contains CRDs. Rendering may fail or contain inaccuracies.");
            } else {
                install_crds(c, &crds, opts.timeout)?;
            }
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

/// Options of `upgrade` (Helm's `action.Upgrade`, the parts we support).
#[derive(Debug, Clone, Default)]
pub struct UpgradeOptions {
    pub namespace: String,
    pub dry_run: DryRun,
    pub description: String,
    pub no_hooks: bool,
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
fn upgrade_values(chart: &mut Chart, current: &Release, user_values: &Map<String, Value>, opts: &UpgradeOptions) -> Map<String, Value> {
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
    validate_release_name(name)?;
    trace("upgrade: start");
    if let Some(bad) = opts.labels.keys().find(|k| super::storage::SYSTEM_LABELS.contains(&k.as_str())) {
        let _ = bad;
        return Err(err(format!(
            "user supplied labels contains system reserved label name. System labels: {:?}",
            super::storage::SYSTEM_LABELS
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
    let mut labels = super::storage::user_labels(&current.labels);
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

/// Marks the new revision deployed and the previous deployed one superseded, or the new one failed.
fn finish_change(
    storage: &Storage,
    mut rel: Release,
    previous: &Release,
    outcome: Result<(), String>,
    description: &str,
    verb: &str,
) -> Result<Release, ActionError> {
    rel.lease = None;
    trace("finishing");
    match outcome {
        Ok(()) => {
            if previous.info.status == record::STATUS_DEPLOYED {
                // Helm changes only the status here (the description stays "Install complete" etc.)
                let mut prev = storage.get(&previous.name, previous.version)?;
                prev.info.status = record::STATUS_SUPERSEDED.into();
                storage.update(&prev)?;
            }
            rel.set_status(record::STATUS_DEPLOYED, description);
            storage.update(&rel)?;
            trace("done");
            Ok(rel)
        }
        Err(e) => {
            rel.set_status(record::STATUS_FAILED, format!("{verb} {:?} failed: {e}", rel.name));
            let _ = storage.update(&rel);
            Err(ActionError { message: e, release: Some(rel) })
        }
    }
}

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
}

/// `helm rollback NAME [REVISION]`: a new revision copying the target's chart, values and manifest.
pub fn rollback(cluster: &dyn ClusterApi, storage: &Storage, name: &str, opts: &RollbackOptions) -> Result<Release, ActionError> {
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
        labels: super::storage::user_labels(&last.labels),
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

/// `helm test NAME`: runs the newest revision's `test` hooks (only those named by `include`, none named
/// by `exclude`), records how they went, and calls `before_cleanup` (to read the pods' logs) before the
/// `hook-succeeded` policy deletes them. The release is returned with the error when a test fails.
pub fn run_tests(
    cluster: &dyn ClusterApi,
    storage: &Storage,
    name: &str,
    include: &[String],
    exclude: &[String],
    timeout: Duration,
    before_cleanup: &mut dyn FnMut(&Release),
) -> Result<Release, ActionError> {
    if validate_release_name(name).is_err() {
        return Err(err(format!("releaseTest: Release name is invalid: {name}")));
    }
    let mut rel = storage.last(name)?;
    let all = std::mem::take(&mut rel.hooks);
    let (run, skipped): (Vec<Hook>, Vec<Hook>) = all.into_iter().partition(|h| {
        !exclude.contains(&h.name) && (include.is_empty() || include.contains(&h.name))
    });
    rel.hooks = run;
    let outcome = run_hooks_keeping(cluster, storage, &mut rel, "test", timeout);
    before_cleanup(&rel);
    let outcome = outcome.and_then(|done| delete_succeeded_hooks(cluster, &rel, done, timeout));
    let mut hooks = skipped;
    hooks.append(&mut rel.hooks);
    rel.hooks = hooks;
    let stored = storage.update(&rel);
    match outcome {
        Ok(()) => {
            stored?;
            Ok(rel)
        }
        Err(e) => Err(ActionError { message: e, release: Some(rel) }),
    }
}

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
    let (keep_history, no_hooks, description, timeout) = (opts.keep_history, opts.no_hooks, opts.description.as_str(), opts.timeout);
    validate_release_name(name)?;
    let entries = storage.history_entries(name)?;
    let Some(last_entry) = entries.last() else {
        return Err(err(format!("uninstall: Release not loaded: {name}: release: not found")));
    };
    let mut rel = storage.driver.get(&super::storage::entry_key(last_entry))?;
    if rel.info.status == record::STATUS_UNINSTALLED {
        if !keep_history {
            for e in &entries {
                storage.driver.delete(&super::storage::entry_key(e))?;
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
            storage.driver.delete(&super::storage::entry_key(e))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::manifest::INSTALL_ORDER;

    #[test]
    fn release_names() {
        assert!(validate_release_name("web-1.a").is_ok());
        let e = validate_release_name("Bad_Name").unwrap_err().message;
        assert!(e.starts_with("release name \"Bad_Name\": invalid release name, must match regex"), "{e}");
        assert!(validate_release_name(&"a".repeat(54)).is_err());
    }

    #[test]
    fn ownership_messages_match_helm() {
        let live = serde_json::json!({"metadata": {"labels": {MANAGED_BY_LABEL: "Helm"},
            "annotations": {RELEASE_NAME_ANNOTATION: "other"}}});
        let e = check_ownership(&live, "web", "ns").unwrap_err();
        assert_eq!(
            e,
            "invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"web\": current value is \"other\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"ns\""
        );
    }

    use crate::release::cluster::MemoryCluster;
    use crate::release::storage::Memory;

    fn test_chart(name: &str) -> Chart {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/charts").join(name);
        crate::chart::load(&dir).expect("test chart loads")
    }

    fn opts(name: &str) -> InstallOptions {
        InstallOptions { name: name.into(), namespace: "ns".into(), ..Default::default() }
    }

    fn values(pairs: &[(&str, Value)]) -> Map<String, Value> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn install_runs_crds_hooks_and_kinds_in_helms_order() {
        let c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        let rel = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("web")).unwrap();
        assert_eq!((rel.info.status.as_str(), rel.info.description.as_str()), ("deployed", "Install complete"));
        let log = c.log();
        let pos = |what: &str| log.iter().position(|l| l == what).unwrap_or_else(|| panic!("{what} not in {log:?}"));
        assert!(pos("create CustomResourceDefinition//widgets.e2e.kubehelm.dev") < pos("apply ConfigMap/ns/web-pre"));
        assert!(pos("apply ConfigMap/ns/web-pre") < pos("apply ConfigMap/ns/web-config"));
        assert!(pos("apply ConfigMap/ns/web-config") < pos("apply Service/ns/web-svc"));
        assert!(pos("apply Service/ns/web-svc") < pos("apply Deployment/ns/web-web"));
        // the CRD was established before rendering: the Widget template saw its kind
        assert!(pos("apply Deployment/ns/web-web") < pos("apply Widget/ns/web-widget"));
        assert!(pos("apply Widget/ns/web-widget") < pos("apply ConfigMap/ns/web-post"));
        assert!(pos("apply ConfigMap/ns/web-post") < pos("delete ConfigMap/ns/web-post"), "hook-succeeded deletes");
        let cm = c.get("v1", "ConfigMap", "web-config", "ns").unwrap().unwrap();
        assert_eq!(cm["metadata"]["labels"][MANAGED_BY_LABEL], "Helm");
        assert_eq!(cm["metadata"]["annotations"][RELEASE_NAMESPACE_ANNOTATION], "ns");
        let hook = c.get("v1", "ConfigMap", "web-pre", "ns").unwrap().unwrap();
        assert!(hook["metadata"].get("labels").is_none(), "hooks get no ownership metadata");
        let stored = st.last("web").unwrap();
        assert_eq!(stored.version, 1);
        assert!(stored.hooks.iter().all(|h| h.last_run.phase == "Succeeded"), "{:?}", stored.hooks);
        // the name is taken now
        let again = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("web")).unwrap_err();
        assert_eq!(again.message, "cannot reuse a name that is still in use");
    }

    #[test]
    fn template_errors_store_nothing_and_apply_errors_record_a_failed_revision() {
        let mut c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        let e = install(Some(&c), &st, test_chart("release-broken"), &Map::new(), &opts("b")).unwrap_err();
        assert!(e.message.contains("set needed to install this chart"), "{}", e.message);
        assert!(st.history_entries("b").unwrap().is_empty());

        c.reject.insert("x-svc".into(), "Service \"x-svc\" is invalid: nope".into());
        c.reject.insert("x-web".into(), "Deployment.apps \"x-web\" is invalid: no".into());
        let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("x")).unwrap_err();
        assert_eq!(e.message, "Service \"x-svc\" is invalid: nope\nDeployment.apps \"x-web\" is invalid: no");
        let rel = st.last("x").unwrap();
        assert_eq!(rel.info.status, "failed");
        assert_eq!(rel.info.description, format!("Release \"x\" failed: {}", e.message));
        // --replace reuses a failed name
        c.reject.clear();
        let o = InstallOptions { replace: true, ..opts("x") };
        let rel = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).unwrap();
        assert_eq!(rel.version, 2);
        assert_eq!(st.get("x", 1).unwrap().info.status, "superseded");
    }

    #[test]
    fn foreign_objects_are_not_adopted() {
        let c = MemoryCluster::new();
        c.apply(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "t-config"}}), "ns", false).unwrap();
        let st = Storage::new(Box::new(Memory::new("ns")));
        let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("t")).unwrap_err();
        assert_eq!(
            e.message,
            "unable to continue with install: ConfigMap \"t-config\" in namespace \"ns\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"t\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"ns\""
        );
        assert!(st.history_entries("t").unwrap().is_empty());
        let o = InstallOptions { take_ownership: true, ..opts("t") };
        assert!(install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).is_ok());
    }

    #[test]
    fn upgrade_rollback_uninstall() {
        let c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        install(Some(&c), &st, test_chart("release-basic"), &values(&[("greeting", "one".into())]), &opts("u")).unwrap();
        let up = UpgradeOptions { namespace: "ns".into(), timeout: Duration::from_secs(1), max_history: 10, ..Default::default() };
        // no values given: the previous ones are reused
        let r2 = upgrade(&c, &st, "u", test_chart("release-basic"), &Map::new(), &up).unwrap();
        assert_eq!((r2.version, r2.config["greeting"].as_str()), (2, Some("one")));
        let r3 = upgrade(&c, &st, "u", test_chart("release-basic"), &values(&[("greeting", "two".into())]), &up).unwrap();
        assert_eq!(r3.info.description, "Upgrade complete");
        assert_eq!(c.get("v1", "ConfigMap", "u-config", "ns").unwrap().unwrap()["data"]["greeting"], "two");
        let r1 = st.get("u", 1).unwrap();
        assert_eq!((r1.info.status.as_str(), r1.info.description.as_str()), ("superseded", "Install complete"));
        let r4 = rollback(&c, &st, "u", &RollbackOptions { timeout: Duration::from_secs(1), ..Default::default() }).unwrap();
        assert_eq!((r4.version, r4.info.description.as_str()), (4, "Rollback to 2"));
        assert_eq!(c.get("v1", "ConfigMap", "u-config", "ns").unwrap().unwrap()["data"]["greeting"], "one");
        assert_eq!(st.get("u", 3).unwrap().info.status, "superseded");

        let keep = UninstallOptions { keep_history: true, timeout: Duration::from_secs(1), ..Default::default() };
        let report = uninstall(&c, &st, "u", &keep).unwrap();
        assert_eq!(report.release.info.status, "uninstalled");
        let deletes: Vec<String> = c.log().into_iter().filter(|l| l.starts_with("delete ") && !l.contains("-post")).collect();
        assert_eq!(
            deletes[deletes.len() - 4..],
            // kinds Helm does not know come last in either order
            ["delete Deployment/ns/u-web", "delete Service/ns/u-svc", "delete ConfigMap/ns/u-config", "delete Widget/ns/u-widget"]
        );
        assert_eq!(list(&st, &ListOptions { statuses: vec!["uninstalled".into()], ..Default::default() }).unwrap().len(), 1);
        let e = uninstall(&c, &st, "u", &keep).unwrap_err();
        assert_eq!(e.message, "the release named \"u\" is already deleted");
        uninstall(&c, &st, "u", &UninstallOptions::default()).unwrap();
        assert!(st.history_entries("u").unwrap().is_empty());
    }

    #[test]
    fn a_pending_revision_blocks_until_its_lease_expires_then_is_taken_over() {
        let c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &opts("p")).unwrap();
        // a client that died while upgrading to revision 2
        let mut dead = st.last("p").unwrap();
        dead.version = 2;
        dead.set_status(record::STATUS_PENDING_UPGRADE, "Preparing upgrade");
        dead.lease = Some(record::Lease { holder: "gone/1".into(), expires: record::now_unix() + 600 });
        st.create(&dead).unwrap();
        let up = UpgradeOptions { namespace: "ns".into(), timeout: Duration::from_secs(1), ..Default::default() };
        let e = upgrade(&c, &st, "p", test_chart("release-basic"), &Map::new(), &up).unwrap_err();
        assert!(e.message.starts_with("another operation (install/upgrade/rollback) is in progress: revision 2 of \"p\" is pending-upgrade, worked on by gone/1 until"), "{}", e.message);
        assert!(e.message.contains("kubectl release recover p --force"), "{}", e.message);
        let e = recover(&st, "p", false).unwrap_err();
        assert!(e.message.contains("pass --force"), "{}", e.message);
        // once the lease has run out, the next upgrade takes over
        dead.lease = Some(record::Lease { holder: "gone/1".into(), expires: record::now_unix() - 1 });
        st.update(&dead).unwrap();
        let r3 = upgrade(&c, &st, "p", test_chart("release-basic"), &Map::new(), &up).unwrap();
        assert_eq!(r3.version, 3);
        let r2 = st.get("p", 2).unwrap();
        assert_eq!(r2.info.status, "failed");
        assert!(r2.info.description.starts_with("Interrupted: revision 2 of \"p\" was left pending-upgrade by gone/1"), "{}", r2.info.description);
        let revs: Vec<i64> = st.history_entries("p").unwrap().iter().map(|e| e.revision).collect();
        assert_eq!(revs, [1, 2, 3]);
        // a pending revision without a lease (Helm's) needs recover
        let mut helms = st.last("p").unwrap();
        helms.version = 4;
        helms.lease = None;
        helms.set_status(record::STATUS_PENDING_ROLLBACK, "Rollback to 1");
        st.create(&helms).unwrap();
        let e = rollback(&c, &st, "p", &RollbackOptions::default()).unwrap_err();
        assert!(e.message.contains("carries no lease") && e.message.contains("kubectl release recover p"), "{}", e.message);
        let fixed = recover(&st, "p", false).unwrap();
        assert_eq!((fixed.version, fixed.info.status.as_str()), (4, "failed"));
        assert!(recover(&st, "p", false).unwrap_err().message.contains("needs no recovery"));
        assert_eq!(rollback(&c, &st, "p", &RollbackOptions { revision: 1, ..Default::default() }).unwrap().version, 5);
    }

    #[test]
    fn a_revision_created_by_someone_else_first_is_a_conflict() {
        let st = Storage::new(Box::new(Memory::new("ns")));
        let mut rel = Release { name: "c".into(), version: 2, namespace: "ns".into(), ..Default::default() };
        rel.set_status(record::STATUS_PENDING_UPGRADE, "Preparing upgrade");
        create_revision(&st, &rel).unwrap();
        let e = create_revision(&st, &rel).unwrap_err();
        assert_eq!(
            e.message,
            "another operation (install/upgrade/rollback) is in progress: revision 2 of \"c\" was just created by another client; nothing was changed"
        );
    }

    #[test]
    fn rollback_on_failure_uninstalls_a_failed_install_and_rolls_back_a_failed_upgrade() {
        let mut c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        c.reject.insert("a-svc".into(), "Service \"a-svc\" is invalid: nope".into());
        let o = InstallOptions { rollback_on_failure: true, wait: WaitStrategy::HookOnly, ..opts("a") };
        let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).unwrap_err();
        assert_eq!(e.message, "release a failed, and has been uninstalled due to rollback-on-failure being set: Service \"a-svc\" is invalid: nope");
        assert!(st.history_entries("a").unwrap().is_empty());
        assert!(c.get("v1", "ConfigMap", "a-config", "ns").unwrap().is_none(), "what was applied is gone again");

        c.reject.clear();
        install(Some(&c), &st, test_chart("release-basic"), &values(&[("greeting", "one".into())]), &opts("a")).unwrap();
        c.reject.insert("a-svc".into(), "Service \"a-svc\" is invalid: nope".into());
        let up = UpgradeOptions { namespace: "ns".into(), rollback_on_failure: true, timeout: Duration::from_secs(1), ..Default::default() };
        // the rollback's apply fails too: the memory cluster still rejects the Service
        let e = upgrade(&c, &st, "a", test_chart("release-basic"), &values(&[("greeting", "two".into())]), &up).unwrap_err();
        assert!(e.message.starts_with("an error occurred while rolling back the release. original upgrade error: Service"), "{}", e.message);
        let statuses: Vec<String> = st.history("a").unwrap().into_iter().map(|r| r.info.status).collect();
        assert_eq!(statuses, ["deployed", "failed", "failed"]);
    }

    #[test]
    fn cleanup_on_fail_deletes_only_what_the_upgrade_created() {
        let mut c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &InstallOptions { no_hooks: true, ..opts("k") }).unwrap();
        c.apply(&serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "k-config"}}), "ns", false).unwrap();
        // pretend the Deployment is new in this upgrade
        c.delete("apps/v1", "Deployment", "k-web", "ns").unwrap();
        c.reject.insert("k-widget".into(), "Widget \"k-widget\" is invalid".into());
        let up = UpgradeOptions { namespace: "ns".into(), cleanup_on_fail: true, no_hooks: true, ..Default::default() };
        let e = upgrade(&c, &st, "k", test_chart("release-basic"), &Map::new(), &up).unwrap_err();
        assert_eq!(e.message, "Widget \"k-widget\" is invalid");
        assert!(c.get("apps/v1", "Deployment", "k-web", "ns").unwrap().is_none(), "created by the upgrade: deleted");
        assert!(c.get("v1", "ConfigMap", "k-config", "ns").unwrap().is_some(), "existed before: kept");
    }

    #[test]
    fn upgrade_values_and_labels_follow_helms_rules() {
        let c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        let o = InstallOptions { labels: BTreeMap::from([("team".into(), "a".into()), ("tier".into(), "web".into())]), ..opts("v") };
        install(Some(&c), &st, test_chart("release-basic"), &values(&[("greeting", "one".into())]), &o).unwrap();
        let up = UpgradeOptions {
            namespace: "ns".into(),
            reset_then_reuse_values: true,
            labels: BTreeMap::from([("tier".into(), "null".into()), ("env".into(), "prod".into())]),
            ..Default::default()
        };
        let r = upgrade(&c, &st, "v", test_chart("release-basic"), &values(&[("replicas", 3.into())]), &up).unwrap();
        assert_eq!((r.config["greeting"].as_str(), r.config["replicas"].as_i64()), (Some("one"), Some(3)));
        let stored = st.last("v").unwrap();
        assert_eq!(crate::release::storage::user_labels(&stored.labels), BTreeMap::from([("env".into(), "prod".into()), ("team".into(), "a".into())]));
        let reset = UpgradeOptions { namespace: "ns".into(), reset_values: true, ..Default::default() };
        let r = upgrade(&c, &st, "v", test_chart("release-basic"), &values(&[("replicas", 2.into())]), &reset).unwrap();
        assert!(r.config.get("greeting").is_none());
    }

    #[test]
    fn wait_reports_what_is_not_ready_in_helms_words() {
        let c = MemoryCluster::new();
        let st = Storage::new(Box::new(Memory::new("ns")));
        let o = InstallOptions { wait: WaitStrategy::Watcher, timeout: Duration::from_millis(600), no_hooks: true, ..opts("w") };
        let e = install(Some(&c), &st, test_chart("release-basic"), &Map::new(), &o).unwrap_err();
        // the memory cluster runs no controllers: the Deployment never gets replicas
        assert_eq!(e.message, "resource Deployment/ns/w-web not ready. status: InProgress, message: Replicas: 0/1\ncontext deadline exceeded");
        assert_eq!(st.last("w").unwrap().info.status, "failed");
    }

    #[test]
    fn dry_run_touches_nothing() {
        let st = Storage::new(Box::new(Memory::new("ns")));
        let o = InstallOptions { dry_run: DryRun::Client, ..opts("d") };
        let rel = install(None, &st, test_chart("release-basic"), &Map::new(), &o).unwrap();
        assert_eq!(rel.info.description, "Dry run complete");
        assert!(rel.manifest.contains("# Source: release-basic/templates/deployment.yaml"));
        assert!(st.history_entries("d").unwrap().is_empty());
    }

    #[test]
    fn uninstall_order_reverses_kinds() {
        let m = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n# Source: c/templates/b.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        let kinds: Vec<String> = sorted_objects(m, &crate::render::manifest::uninstall_order()).unwrap().into_iter().map(|o| o.kind).collect();
        assert_eq!(kinds, ["Deployment", "Service", "ConfigMap"]);
        let kinds: Vec<String> = sorted_objects(m, INSTALL_ORDER).unwrap().into_iter().map(|o| o.kind).collect();
        assert_eq!(kinds, ["ConfigMap", "Service", "Deployment"]);
    }
}

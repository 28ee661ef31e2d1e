//! What the release actions need from a cluster, as one small trait (`ClusterApi`): the live cluster
//! implements it (`kubedriver`, feature `cluster`), and `MemoryCluster` does in this process, so the
//! actions' logic is tested without a server.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

/// A failure of a cluster operation: the server's message, and its HTTP status (0 when not an API error).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ClusterError {
    pub message: String,
    pub code: u16,
}

impl ClusterError {
    pub fn new(message: impl Into<String>) -> Self {
        ClusterError { message: message.into(), code: 0 }
    }
}

/// A readiness check on a live object (`None` = absent): `Ok(true)` done, `Ok(false)` not yet, `Err` failed.
pub type Check<'a> = &'a mut dyn FnMut(Option<&Value>) -> Result<bool, String>;

/// The cluster operations of install, upgrade, rollback and uninstall.
pub trait ClusterApi {
    /// The server's `gitVersion`.
    fn server_version(&self) -> Result<String, ClusterError>;
    /// Every served `group/version` and `group/version/Kind`.
    fn api_versions(&self) -> Result<Vec<String>, ClusterError>;
    /// Forget cached discovery (CRDs were just created).
    fn invalidate_discovery(&self);
    /// Bounds every later request of the operation: none runs past `deadline`.
    fn set_deadline(&self, _deadline: Option<std::time::Instant>) {}
    /// The namespace an object goes to: its own, else `default_ns`; `None` for cluster-scoped kinds.
    fn object_namespace(&self, obj: &Value, default_ns: &str) -> Result<Option<String>, ClusterError>;
    /// Server-side apply as field manager `helm`.
    fn apply(&self, obj: &Value, default_ns: &str, force: bool) -> Result<Value, ClusterError>;
    /// Create; `Ok(false)` when it exists already.
    fn create(&self, obj: &Value, default_ns: &str) -> Result<bool, ClusterError>;
    fn get(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<Option<Value>, ClusterError>;
    /// Delete; `Ok(false)` when it was not there.
    fn delete(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<bool, ClusterError>;
    /// Server-side apply of several objects (one kind group); one result per object, in order.
    fn apply_all(&self, objs: &[Value], default_ns: &str, force: bool) -> Vec<Result<Value, ClusterError>> {
        objs.iter().map(|o| self.apply(o, default_ns, force)).collect()
    }
    /// Several GETs: `(apiVersion, kind, name, namespace)` each; one result per object, in order.
    fn get_all(&self, refs: &[(String, String, String, String)]) -> Vec<Result<Option<Value>, ClusterError>> {
        refs.iter().map(|(a, k, n, ns)| self.get(a, k, n, ns)).collect()
    }
    /// Delete with a `--cascade` propagation (`background`, `foreground`, `orphan`).
    fn delete_cascade(&self, api_version: &str, kind: &str, name: &str, namespace: &str, _cascade: &str) -> Result<bool, ClusterError> {
        self.delete(api_version, kind, name, namespace)
    }
    /// Hands the fields of the client-side manager `helm` to the apply manager `helm` (a release made by
    /// Helm 3 moving to server-side apply).
    fn upgrade_field_manager(&self, _api_version: &str, _kind: &str, _name: &str, _namespace: &str) -> Result<(), ClusterError> {
        Ok(())
    }
    /// Wait until `check` says done, fails, or `timeout` passes.
    fn wait_for(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: &str,
        timeout: Duration,
        check: Check<'_>,
    ) -> Result<(), ClusterError>;
}

/// Kinds without a namespace, for the in-memory cluster.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace", "Node", "PersistentVolume", "StorageClass", "PriorityClass", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleBinding", "IngressClass", "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
];

/// A cluster in this process: objects in a map, every operation logged. Jobs complete, Pods succeed and
/// CRDs are established as soon as they are applied; `reject` makes applies of a name fail.
#[derive(Default)]
pub struct MemoryCluster {
    objects: Mutex<BTreeMap<(String, String, String), Value>>,
    log: Mutex<Vec<String>>,
    /// `metadata.name`s whose apply fails with the message given.
    pub reject: BTreeMap<String, String>,
}

fn field<'a>(obj: &'a Value, ptr: &str) -> &'a str {
    obj.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

impl MemoryCluster {
    pub fn new() -> Self {
        Self::default()
    }

    /// What happened, in order: `apply Kind/ns/name`, `create …`, `delete …`.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    fn key(kind: &str, ns: &str, name: &str) -> (String, String, String) {
        (kind.to_string(), ns.to_string(), name.to_string())
    }

    fn record(&self, what: String) {
        if let Ok(mut l) = self.log.lock() {
            l.push(what);
        }
    }

    fn settle(mut obj: Value) -> Value {
        let status = match field(&obj, "/kind") {
            "Job" => Some(serde_json::json!({"conditions": [{"type": "Complete", "status": "True"}]})),
            "Pod" => Some(serde_json::json!({"phase": "Succeeded"})),
            "CustomResourceDefinition" => Some(serde_json::json!({"conditions": [{"type": "Established", "status": "True"}]})),
            _ => None,
        };
        if let (Some(s), Some(m)) = (status, obj.as_object_mut()) {
            m.insert("status".into(), s);
        }
        obj
    }
}

impl ClusterApi for MemoryCluster {
    fn server_version(&self) -> Result<String, ClusterError> {
        Ok("v1.36.3".into())
    }

    fn api_versions(&self) -> Result<Vec<String>, ClusterError> {
        let mut v: Vec<String> = ["v1", "apps/v1", "batch/v1", "v1/ConfigMap", "v1/Service", "apps/v1/Deployment", "batch/v1/Job"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if let Ok(objects) = self.objects.lock() {
            for ((kind, _, _), o) in objects.iter() {
                if kind == "CustomResourceDefinition" {
                    let group = field(o, "/spec/group");
                    let k = field(o, "/spec/names/kind");
                    for ver in o.pointer("/spec/versions").and_then(Value::as_array).into_iter().flatten() {
                        let name = field(ver, "/name");
                        v.push(format!("{group}/{name}"));
                        v.push(format!("{group}/{name}/{k}"));
                    }
                }
            }
        }
        Ok(v)
    }

    fn invalidate_discovery(&self) {}

    fn object_namespace(&self, obj: &Value, default_ns: &str) -> Result<Option<String>, ClusterError> {
        if CLUSTER_SCOPED.contains(&field(obj, "/kind")) {
            return Ok(None);
        }
        let own = field(obj, "/metadata/namespace");
        Ok(Some(if own.is_empty() { default_ns } else { own }.to_string()))
    }

    fn apply(&self, obj: &Value, default_ns: &str, _force: bool) -> Result<Value, ClusterError> {
        let (kind, name) = (field(obj, "/kind"), field(obj, "/metadata/name"));
        let ns = self.object_namespace(obj, default_ns)?.unwrap_or_default();
        self.record(format!("apply {kind}/{ns}/{name}"));
        if let Some(msg) = self.reject.get(name) {
            return Err(ClusterError { message: msg.clone(), code: 422 });
        }
        let settled = Self::settle(obj.clone());
        let mut objects = self.objects.lock().map_err(|_| ClusterError::new("memory cluster poisoned"))?;
        objects.insert(Self::key(kind, &ns, name), settled.clone());
        Ok(settled)
    }

    fn create(&self, obj: &Value, default_ns: &str) -> Result<bool, ClusterError> {
        let (kind, name) = (field(obj, "/kind"), field(obj, "/metadata/name"));
        let ns = self.object_namespace(obj, default_ns)?.unwrap_or_default();
        self.record(format!("create {kind}/{ns}/{name}"));
        let mut objects = self.objects.lock().map_err(|_| ClusterError::new("memory cluster poisoned"))?;
        let key = Self::key(kind, &ns, name);
        if objects.contains_key(&key) {
            return Ok(false);
        }
        objects.insert(key, Self::settle(obj.clone()));
        Ok(true)
    }

    fn get(&self, _api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<Option<Value>, ClusterError> {
        let objects = self.objects.lock().map_err(|_| ClusterError::new("memory cluster poisoned"))?;
        let ns = if CLUSTER_SCOPED.contains(&kind) { "" } else { namespace };
        Ok(objects.get(&Self::key(kind, ns, name)).cloned())
    }

    fn delete(&self, _api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<bool, ClusterError> {
        let ns = if CLUSTER_SCOPED.contains(&kind) { "" } else { namespace };
        self.record(format!("delete {kind}/{ns}/{name}"));
        let mut objects = self.objects.lock().map_err(|_| ClusterError::new("memory cluster poisoned"))?;
        Ok(objects.remove(&Self::key(kind, ns, name)).is_some())
    }

    fn wait_for(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: &str,
        _timeout: Duration,
        check: Check<'_>,
    ) -> Result<(), ClusterError> {
        let live = self.get(api_version, kind, name, namespace)?;
        match check(live.as_ref()) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ClusterError::new(format!("timed out waiting for the condition on {kind} {name}"))),
            Err(e) => Err(ClusterError::new(e)),
        }
    }
}

//! Helm's Secret and ConfigMap storage drivers on a live cluster: one object per revision named
//! `sh.helm.release.v1.NAME.vREV` in the release namespace, Helm's labels, payload `data.release`
//! (Secret type `helm.sh/release.v1`). Lists read labels only (metadata lists, no payloads).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{json, Value};

use super::cluster::{Check, ClusterApi, ClusterError};
use super::record::{self, Release};
use super::storage::{self, Driver, Entry, StorageError};
use crate::kube::{Cluster, KubeError};

/// Which object kind holds the releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Secret,
    ConfigMap,
}

/// The Secret (`HELM_DRIVER=secret`, the default) or ConfigMap driver, bound to a namespace ("" = all,
/// for listing only).
pub struct KubeDriver {
    cluster: Arc<Cluster>,
    namespace: String,
    kind: Kind,
}

impl KubeDriver {
    pub fn new(cluster: Arc<Cluster>, namespace: &str, kind: Kind) -> Self {
        KubeDriver { cluster, namespace: namespace.to_string(), kind }
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Secret => "Secret",
            Kind::ConfigMap => "ConfigMap",
        }
    }

    fn locate<'k>(&'k self, key: &'k str) -> (&'k str, &'k str) {
        let (ns, k) = storage::split_key(key);
        (ns.unwrap_or(&self.namespace), k)
    }

    fn object(&self, key: &str, namespace: &str, rel: &Release, labels: BTreeMap<String, String>) -> Result<Value, StorageError> {
        let payload = record::encode(rel).map_err(|e| StorageError::Other(format!("failed to encode release {:?}: {e}", rel.name)))?;
        let mut meta = json!({"name": key, "namespace": namespace, "labels": labels});
        if let (Some(lease), true) = (&rel.lease, record::is_pending(&rel.info.status)) {
            meta["annotations"] = json!({
                record::LEASE_HOLDER_ANNOTATION: lease.holder,
                record::LEASE_EXPIRES_ANNOTATION: lease.expires.to_string(),
            });
        }
        Ok(match self.kind {
            Kind::Secret => json!({
                "apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": storage::SECRET_TYPE,
                // Secret data is bytes, shown base64: Helm's base64 payload is base64-encoded again.
                "data": {"release": base64::engine::general_purpose::STANDARD.encode(payload.as_bytes())},
            }),
            Kind::ConfigMap => json!({
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"release": payload},
            }),
        })
    }

    fn payload(&self, obj: &Value) -> Result<String, StorageError> {
        self.payload_of(obj.pointer("/data/release").and_then(Value::as_str).unwrap_or(""))
    }

    /// The Helm payload in `data.release`: a Secret's data is base64 once more.
    fn payload_of(&self, data: &str) -> Result<String, StorageError> {
        match self.kind {
            Kind::Secret => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|e| StorageError::Other(format!("illegal base64 data in secret: {e}")))?;
                String::from_utf8(bytes).map_err(|e| StorageError::Other(e.to_string()))
            }
            Kind::ConfigMap => Ok(data.to_string()),
        }
    }
}

/// The entry of a record whose `version` label is missing or not a number: Helm reads the revision
/// (and, without labels, the name and status) from the payload. None when the payload does not decode.
fn entry_from_payload(key: &str, namespace: &str, mut labels: BTreeMap<String, String>, payload: &str) -> Option<Entry> {
    let rel = match record::decode_summary(payload) {
        Ok(r) => r,
        Err(e) => {
            storage::warn(&format!("skipping release record {namespace}/{key}: it has no version label and does not decode: {e}"));
            return None;
        }
    };
    if !labels.contains_key("name") {
        labels.insert("name".into(), rel.name.clone());
    }
    if !labels.contains_key("status") {
        labels.insert("status".into(), rel.info.status.clone());
    }
    labels.insert("version".into(), rel.version.to_string());
    storage::entry_from_labels(key, namespace, labels)
}

fn kerr(context: &str, e: KubeError) -> StorageError {
    StorageError::Other(format!("{context}: {e}"))
}

fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    obj.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default()
}

/// A label selector from `key=value` pairs, `owner=helm` always included.
fn selector(pairs: &[(&str, &str)]) -> String {
    let mut parts = vec!["owner=helm".to_string()];
    parts.extend(pairs.iter().map(|(k, v)| format!("{k}={v}")));
    parts.join(",")
}

impl Driver for KubeDriver {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Secret => "secret",
            Kind::ConfigMap => "configmap",
        }
    }

    fn get(&self, key: &str) -> Result<Release, StorageError> {
        let (ns, k) = self.locate(key);
        let obj = self
            .cluster
            .get("v1", self.kind_name(), k, ns)
            .map_err(|e| kerr(&format!("get: failed to get {k:?}"), e))?
            .ok_or(StorageError::NotFound)?;
        let payload = self.payload(&obj)?;
        let mut rel =
            record::decode(&payload).map_err(|e| StorageError::Other(format!("get: failed to decode data {k:?}: {e}")))?;
        rel.labels = storage::user_labels(&labels_of(&obj));
        let annotation = |k: &str| obj.pointer("/metadata/annotations").and_then(|a| a.get(k)).and_then(Value::as_str);
        if let (Some(holder), Some(expires)) = (annotation(record::LEASE_HOLDER_ANNOTATION), annotation(record::LEASE_EXPIRES_ANNOTATION)) {
            rel.lease = Some(record::Lease { holder: holder.to_string(), expires: expires.parse().unwrap_or(0) });
        }
        Ok(rel)
    }

    fn entries(&self, pairs: &[(&str, &str)]) -> Result<Vec<Entry>, StorageError> {
        let items = self
            .cluster
            .list_labels("v1", self.kind_name(), &self.namespace, &selector(pairs))
            .map_err(|e| kerr("list: failed to list", e))?;
        let mut out = Vec::with_capacity(items.len());
        for (name, ns, labels) in items {
            match storage::entry_from_labels(&name, &ns, labels.clone()) {
                Some(e) => out.push(e),
                // Helm takes the revision from the payload, not the `version` label: read the record
                // (rare: only records whose labels were edited or lost)
                None => {
                    let payload = match self.cluster.get("v1", self.kind_name(), &name, &ns) {
                        Ok(Some(obj)) => self.payload(&obj).unwrap_or_default(),
                        _ => continue,
                    };
                    if let Some(e) = entry_from_payload(&name, &ns, labels, &payload) {
                        out.push(e);
                    }
                }
            }
        }
        Ok(out)
    }

    /// One list of every storage object with its payload, read straight from the server's JSON; only
    /// the newest revision of each release is decoded, and only what `list` shows of it
    /// (`record::decode_summary`), on two threads when there are many.
    fn newest_each(&self) -> Result<Vec<Release>, StorageError> {
        #[derive(serde::Deserialize)]
        struct List {
            #[serde(default)]
            items: Vec<Item>,
        }
        #[derive(serde::Deserialize)]
        struct Item {
            metadata: Meta,
            #[serde(default)]
            data: BTreeMap<String, String>,
        }
        #[derive(serde::Deserialize)]
        struct Meta {
            #[serde(default)]
            name: String,
            #[serde(default)]
            namespace: String,
            #[serde(default)]
            labels: BTreeMap<String, String>,
        }
        let plural = match self.kind {
            Kind::Secret => "secrets",
            Kind::ConfigMap => "configmaps",
        };
        let text = self
            .cluster
            .list_core_raw(plural, &self.namespace, &selector(&[]))
            .map_err(|e| kerr("list: failed to list", e))?;
        let list: List = serde_json::from_str(&text).map_err(|e| StorageError::Other(format!("list: reading the list: {e}")))?;
        drop(text);
        let mut by_key: BTreeMap<String, Item> = BTreeMap::new();
        let mut entries = Vec::new();
        for item in list.items {
            let (name, ns) = (&item.metadata.name, &item.metadata.namespace);
            let entry = match storage::entry_from_labels(name, ns, item.metadata.labels.clone()) {
                Some(e) => Some(e),
                None => {
                    let payload = self.payload_of(item.data.get("release").map(String::as_str).unwrap_or("")).unwrap_or_default();
                    entry_from_payload(name, ns, item.metadata.labels.clone(), &payload)
                }
            };
            if let Some(e) = entry {
                by_key.insert(storage::entry_key(&e), item);
                entries.push(e);
            }
        }
        let newest: Vec<Item> = storage::newest_entries(entries).iter().filter_map(|e| by_key.remove(&storage::entry_key(e))).collect();
        drop(by_key);
        // As Helm's drivers do, a record that does not decode is skipped, not fatal for the whole list;
        // unlike Helm (a debug log), we say so on stderr.
        let decode = |item: &Item| -> Option<Release> {
            let decoded = self
                .payload_of(item.data.get("release").map(String::as_str).unwrap_or(""))
                .and_then(|p| record::decode_summary(&p).map_err(|e| StorageError::Other(e.to_string())));
            match decoded {
                Ok(mut rel) => {
                    rel.labels = storage::user_labels(&item.metadata.labels);
                    Some(rel)
                }
                Err(e) => {
                    storage::warn(&format!(
                        "skipping release record {}/{}: it does not decode: {}",
                        item.metadata.namespace,
                        item.metadata.name,
                        e
                    ));
                    None
                }
            }
        };
        if newest.len() < 64 {
            return Ok(newest.iter().filter_map(decode).collect());
        }
        let (first, second) = newest.split_at(newest.len() / 2);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| second.iter().filter_map(decode).collect::<Vec<_>>());
            let mut out = first.iter().filter_map(decode).collect::<Vec<_>>();
            out.extend(other.join().map_err(|_| StorageError::Other("list: decoding failed".into()))?);
            Ok(out)
        })
    }

    fn create(&self, key: &str, rel: &Release) -> Result<(), StorageError> {
        let (ns, k) = self.locate(key);
        let mut labels = storage::storage_labels(rel);
        labels.insert("createdAt".into(), record::now_unix().to_string());
        let obj = self.object(k, ns, rel, labels)?;
        match self.cluster.create(&obj, ns) {
            Ok(true) => Ok(()),
            Ok(false) => Err(StorageError::Exists),
            Err(e) => Err(kerr("create: failed to create", e)),
        }
    }

    fn update(&self, key: &str, rel: &Release) -> Result<(), StorageError> {
        let (ns, k) = self.locate(key);
        let mut labels = storage::storage_labels(rel);
        labels.insert("modifiedAt".into(), record::now_unix().to_string());
        let obj = self.object(k, ns, rel, labels)?;
        self.cluster.replace(&obj, ns).map(|_| ()).map_err(|e| kerr("update: failed to update", e))
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (ns, k) = self.locate(key);
        match self.cluster.delete("v1", self.kind_name(), k, ns) {
            Ok(true) => Ok(()),
            Ok(false) => Err(StorageError::NotFound),
            Err(e) => Err(kerr(&format!("delete: failed to delete {k:?}"), e)),
        }
    }
}

/// The driver `HELM_DRIVER` names (`secret` by default, `configmap`, `memory`, `sql` with
/// `HELM_DRIVER_SQL_CONNECTION_STRING`).
pub fn driver_from_env(cluster: Arc<Cluster>, namespace: &str) -> Result<Box<dyn Driver>, StorageError> {
    let name = std::env::var("HELM_DRIVER").unwrap_or_default();
    match name.as_str() {
        "" | "secret" | "secrets" => Ok(Box::new(KubeDriver::new(cluster, namespace, Kind::Secret))),
        "configmap" | "configmaps" => Ok(Box::new(KubeDriver::new(cluster, namespace, Kind::ConfigMap))),
        "memory" => Ok(Box::new(storage::Memory::new(namespace))),
        "sql" => Ok(Box::new(super::sqldriver::SqlDriver::from_env(namespace)?)),
        other => Err(StorageError::Other(format!("unknown driver {other:?}: HELM_DRIVER may be secret, configmap, memory or sql"))),
    }
}

impl From<KubeError> for ClusterError {
    fn from(e: KubeError) -> Self {
        ClusterError { message: e.message, code: e.code }
    }
}

/// The live cluster behind the actions.
impl ClusterApi for Cluster {
    fn server_version(&self) -> Result<String, ClusterError> {
        Ok(Cluster::server_version(self)?)
    }

    fn api_versions(&self) -> Result<Vec<String>, ClusterError> {
        Ok(Cluster::api_versions(self)?)
    }

    fn set_deadline(&self, deadline: Option<std::time::Instant>) {
        Cluster::set_deadline(self, deadline)
    }

    fn invalidate_discovery(&self) {
        Cluster::invalidate_discovery(self)
    }

    fn object_namespace(&self, obj: &Value, default_ns: &str) -> Result<Option<String>, ClusterError> {
        Ok(Cluster::object_namespace(self, obj, default_ns)?)
    }

    fn apply(&self, obj: &Value, default_ns: &str, force: bool) -> Result<Value, ClusterError> {
        Ok(Cluster::apply(self, obj, default_ns, force)?)
    }

    fn apply_all(&self, objs: &[Value], default_ns: &str, force: bool) -> Vec<Result<Value, ClusterError>> {
        Cluster::apply_all(self, objs, default_ns, force).into_iter().map(|r| r.map_err(ClusterError::from)).collect()
    }

    fn get_all(&self, refs: &[(String, String, String, String)]) -> Vec<Result<Option<Value>, ClusterError>> {
        Cluster::get_all(self, refs).into_iter().map(|r| r.map_err(ClusterError::from)).collect()
    }

    fn delete_cascade(&self, api_version: &str, kind: &str, name: &str, namespace: &str, cascade: &str) -> Result<bool, ClusterError> {
        Ok(Cluster::delete_cascade(self, api_version, kind, name, namespace, cascade)?)
    }

    fn upgrade_field_manager(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<(), ClusterError> {
        Ok(Cluster::upgrade_field_manager(self, api_version, kind, name, namespace)?)
    }

    fn create(&self, obj: &Value, default_ns: &str) -> Result<bool, ClusterError> {
        Ok(Cluster::create(self, obj, default_ns)?)
    }

    fn get(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<Option<Value>, ClusterError> {
        Ok(Cluster::get(self, api_version, kind, name, namespace)?)
    }

    fn delete(&self, api_version: &str, kind: &str, name: &str, namespace: &str) -> Result<bool, ClusterError> {
        Ok(Cluster::delete(self, api_version, kind, name, namespace)?)
    }

    fn wait_for(
        &self,
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: &str,
        timeout: std::time::Duration,
        check: Check<'_>,
    ) -> Result<(), ClusterError> {
        Ok(Cluster::wait_for(self, api_version, kind, name, namespace, timeout, check)?)
    }
}

/// Helm's live `lookup` on this cluster: GET by name, or LIST (in `namespace`, "" = all) when the name is
/// empty; a missing object or an unknown kind gives an empty map, as in Helm.
#[cfg(feature = "render")]
pub fn lookup_fn(cluster: Arc<Cluster>) -> crate::render::LookupFn {
    crate::render::LookupFn(std::rc::Rc::new(move |api_version: &str, kind: &str, namespace: &str, name: &str| {
        let empty = || Value::Object(serde_json::Map::new());
        let unknown_kind = |e: &KubeError| e.message.starts_with("resource mapping not found");
        if name.is_empty() {
            return match cluster.list(api_version, kind, namespace, "") {
                Ok(items) => Ok(json!({"apiVersion": api_version, "kind": format!("{kind}List"), "metadata": {}, "items": items})),
                Err(e) if e.is_not_found() || unknown_kind(&e) => Ok(empty()),
                Err(e) => Err(e.message),
            };
        }
        match cluster.get(api_version, kind, name, namespace) {
            Ok(Some(obj)) => Ok(obj),
            Ok(None) => Ok(empty()),
            Err(e) if e.is_not_found() || unknown_kind(&e) => Ok(empty()),
            Err(e) => Err(e.message),
        }
    }))
}

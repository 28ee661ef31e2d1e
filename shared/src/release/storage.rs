//! Release storage (Helm's `pkg/storage`): one small driver trait (Secret, ConfigMap and memory drivers
//! implement it), object keys `sh.helm.release.v1.NAME.vREV`, Helm's system labels, and the queries the
//! actions need. Lists and histories come from labels; payloads are decoded only for the revisions asked for.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::record::{self, Release};

/// Helm's storage object name prefix.
pub const STORAGE_PREFIX: &str = "sh.helm.release.v1";
/// The Secret type Helm's Secret driver writes.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// Labels Helm manages itself; user labels may not use these names.
pub const SYSTEM_LABELS: &[&str] = &["name", "owner", "status", "version", "createdAt", "modifiedAt"];

/// `sh.helm.release.v1.NAME.vREV`.
pub fn make_key(name: &str, revision: i64) -> String {
    format!("{STORAGE_PREFIX}.{name}.v{revision}")
}

/// A storage failure. `NotFound` prints Helm's `release: not found`.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("release: not found")]
    NotFound,
    #[error("release: already exists")]
    Exists,
    #[error("{0}")]
    Other(String),
}

/// Tells the user, on stderr, about a stored record a query skipped and why.
pub fn warn(message: &str) {
    eprintln!("WARNING: {message}");
}

/// What the labels of one stored revision say, without decoding its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub status: String,
    /// Every label of the storage object.
    pub labels: BTreeMap<String, String>,
}

/// A storage driver (Helm's `driver.Driver`), bound to one namespace or to all of them.
pub trait Driver {
    /// `secret`, `configmap`, `memory` or `sql`, as `HELM_DRIVER` names them.
    fn name(&self) -> &'static str;
    /// One revision by key, decoded.
    fn get(&self, key: &str) -> Result<Release, StorageError>;
    /// The revisions whose labels match every `key=value` given (plus `owner=helm`), from labels only.
    fn entries(&self, selector: &[(&str, &str)]) -> Result<Vec<Entry>, StorageError>;
    fn create(&self, key: &str, rel: &Release) -> Result<(), StorageError>;
    fn update(&self, key: &str, rel: &Release) -> Result<(), StorageError>;
    fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// The newest revision of every release, decoded (only those are), for `list`: a driver may fill
    /// in only what `list` shows (`record::decode_summary`). The default reads the labels, then each
    /// newest revision; a driver with a cheaper way (one list) overrides it.
    fn newest_each(&self) -> Result<Vec<Release>, StorageError> {
        let mut out = Vec::new();
        for e in newest_entries(self.entries(&[])?) {
            match self.get(&entry_key(&e)) {
                Ok(r) => out.push(r),
                Err(StorageError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(out)
    }
}

/// The newest entry of each release (namespace and name).
pub fn newest_entries(entries: Vec<Entry>) -> Vec<Entry> {
    let mut newest: BTreeMap<(String, String), Entry> = BTreeMap::new();
    for e in entries {
        let k = (e.namespace.clone(), e.name.clone());
        if newest.get(&k).is_none_or(|cur| cur.revision < e.revision) {
            newest.insert(k, e);
        }
    }
    newest.into_values().collect()
}

/// The labels Helm writes on a storage object: the release's labels, then name/owner/status/version.
pub fn storage_labels(rel: &Release) -> BTreeMap<String, String> {
    // As Helm: every label the release carries (createdAt survives an update of a queried release), the
    // four identifying ones set afresh.
    let mut labels = rel.labels.clone();
    labels.insert("name".into(), rel.name.clone());
    labels.insert("owner".into(), "helm".into());
    labels.insert("status".into(), rel.info.status.clone());
    labels.insert("version".into(), rel.version.to_string());
    labels
}

/// Storage entries into their user labels (system labels removed), as Helm's `Get` fills `Labels`.
pub fn user_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels.iter().filter(|(k, _)| !SYSTEM_LABELS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Entry from an object's name, namespace and labels; `None` when the labels are not Helm's.
pub fn entry_from_labels(key: &str, namespace: &str, labels: BTreeMap<String, String>) -> Option<Entry> {
    let name = labels.get("name")?.clone();
    let revision = labels.get("version")?.parse().ok()?;
    let status = labels.get("status").cloned().unwrap_or_default();
    Some(Entry { key: key.to_string(), name, namespace: namespace.to_string(), revision, status, labels })
}

/// Helm's `Storage`: the driver plus the queries actions ask.
pub struct Storage {
    pub driver: Box<dyn Driver>,
}

impl Storage {
    pub fn new(driver: Box<dyn Driver>) -> Self {
        Storage { driver }
    }

    pub fn get(&self, name: &str, revision: i64) -> Result<Release, StorageError> {
        self.driver.get(&make_key(name, revision))
    }

    pub fn create(&self, rel: &Release) -> Result<(), StorageError> {
        self.driver.create(&make_key(&rel.name, rel.version), rel)
    }

    pub fn update(&self, rel: &Release) -> Result<(), StorageError> {
        self.driver.update(&make_key(&rel.name, rel.version), rel)
    }

    pub fn delete(&self, name: &str, revision: i64) -> Result<(), StorageError> {
        self.driver.delete(&make_key(name, revision))
    }

    /// Every revision of a release, by labels, oldest first.
    pub fn history_entries(&self, name: &str) -> Result<Vec<Entry>, StorageError> {
        let mut e = self.driver.entries(&[("name", name)])?;
        e.sort_by_key(|e| e.revision);
        Ok(e)
    }

    /// Every revision of a release, decoded, oldest first; `NotFound` when there is none.
    pub fn history(&self, name: &str) -> Result<Vec<Release>, StorageError> {
        let entries = self.history_entries(name)?;
        if entries.is_empty() {
            return Err(StorageError::NotFound);
        }
        entries.iter().map(|e| with_all_labels(self.driver.get(&entry_key(e)), e)).collect()
    }

    /// The newest revision of a release (any status).
    pub fn last(&self, name: &str) -> Result<Release, StorageError> {
        let entries = self.history_entries(name)?;
        let last = entries.last().ok_or(StorageError::NotFound)?;
        with_all_labels(self.driver.get(&entry_key(last)), last)
    }

    /// The newest deployed revision.
    pub fn deployed(&self, name: &str) -> Result<Release, StorageError> {
        let entries = self.driver.entries(&[("name", name), ("status", record::STATUS_DEPLOYED)])?;
        let last = entries.iter().max_by_key(|e| e.revision).ok_or(StorageError::NotFound)?;
        with_all_labels(self.driver.get(&entry_key(last)), last)
    }

    /// The newest revision of every release (by labels), decoded.
    pub fn latest_of_each(&self) -> Result<Vec<Release>, StorageError> {
        self.driver.newest_each()
    }

    /// Helm's `removeLeastRecent`: keep at most `max` revisions (0 = all), never the last deployed one.
    pub fn prune(&self, name: &str, max: usize) -> Result<(), StorageError> {
        if max == 0 {
            return Ok(());
        }
        let entries = self.history_entries(name)?;
        if entries.len() <= max {
            return Ok(());
        }
        let last_deployed = entries.iter().filter(|e| e.status == record::STATUS_DEPLOYED).map(|e| e.revision).max();
        let mut to_delete = entries.len() - max;
        for e in &entries {
            if to_delete == 0 {
                break;
            }
            if Some(e.revision) == last_deployed {
                continue;
            }
            self.driver.delete(&entry_key(e))?;
            to_delete -= 1;
        }
        Ok(())
    }
}

/// Helm's label queries (history, last, deployed) hand back every label of the storage object, system
/// labels included (`Get` by key filters them); `get metadata` shows the difference.
fn with_all_labels(rel: Result<Release, StorageError>, e: &Entry) -> Result<Release, StorageError> {
    rel.map(|mut r| {
        r.labels = e.labels.clone();
        r
    })
}

/// The key that reaches an [`Entry`] from a driver bound to any namespace: `namespace/key`.
pub fn entry_key(e: &Entry) -> String {
    if e.namespace.is_empty() { e.key.clone() } else { format!("{}/{}", e.namespace, e.key) }
}

/// Splits `namespace/key` (all-namespace drivers) from a plain key.
pub fn split_key(key: &str) -> (Option<&str>, &str) {
    match key.split_once('/') {
        Some((ns, k)) => (Some(ns), k),
        None => (None, key),
    }
}

/// The memory driver: releases kept in this process (tests, `--dry-run`, `HELM_DRIVER=memory`).
/// Bound to a namespace; an empty namespace sees every namespace.
#[derive(Default)]
pub struct Memory {
    namespace: String,
    objects: Mutex<BTreeMap<(String, String), (BTreeMap<String, String>, Release)>>,
}

impl Memory {
    pub fn new(namespace: &str) -> Self {
        Memory { namespace: namespace.to_string(), objects: Mutex::new(BTreeMap::new()) }
    }

    fn ns_key(&self, key: &str) -> (String, String) {
        let (ns, k) = split_key(key);
        (ns.unwrap_or(&self.namespace).to_string(), k.to_string())
    }
}

impl Driver for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn get(&self, key: &str) -> Result<Release, StorageError> {
        let objects = self.objects.lock().map_err(|_| StorageError::Other("memory driver poisoned".into()))?;
        let (labels, rel) = objects.get(&self.ns_key(key)).ok_or(StorageError::NotFound)?;
        let mut rel = rel.clone();
        rel.labels = user_labels(labels);
        Ok(rel)
    }

    fn entries(&self, selector: &[(&str, &str)]) -> Result<Vec<Entry>, StorageError> {
        let objects = self.objects.lock().map_err(|_| StorageError::Other("memory driver poisoned".into()))?;
        Ok(objects
            .iter()
            .filter(|((ns, _), _)| self.namespace.is_empty() || *ns == self.namespace)
            .filter(|(_, (labels, _))| selector.iter().all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v)))
            .filter_map(|((ns, key), (labels, _))| entry_from_labels(key, ns, labels.clone()))
            .collect())
    }

    fn create(&self, key: &str, rel: &Release) -> Result<(), StorageError> {
        let mut objects = self.objects.lock().map_err(|_| StorageError::Other("memory driver poisoned".into()))?;
        let k = self.ns_key(key);
        if objects.contains_key(&k) {
            return Err(StorageError::Exists);
        }
        let mut labels = storage_labels(rel);
        labels.insert("createdAt".into(), record::now_unix().to_string());
        objects.insert(k, (labels, rel.clone()));
        Ok(())
    }

    fn update(&self, key: &str, rel: &Release) -> Result<(), StorageError> {
        let mut objects = self.objects.lock().map_err(|_| StorageError::Other("memory driver poisoned".into()))?;
        let k = self.ns_key(key);
        if !objects.contains_key(&k) {
            return Err(StorageError::NotFound);
        }
        let mut labels = storage_labels(rel);
        labels.insert("modifiedAt".into(), record::now_unix().to_string());
        objects.insert(k, (labels, rel.clone()));
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        let mut objects = self.objects.lock().map_err(|_| StorageError::Other("memory driver poisoned".into()))?;
        objects.remove(&self.ns_key(key)).map(|_| ()).ok_or(StorageError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(name: &str, v: i64, status: &str) -> Release {
        let mut r = Release { name: name.into(), version: v, namespace: "ns".into(), ..Default::default() };
        r.info.status = status.into();
        r
    }

    #[test]
    fn keys_history_and_pruning() {
        let s = Storage::new(Box::new(Memory::new("ns")));
        assert_eq!(make_key("a", 3), "sh.helm.release.v1.a.v3");
        for (v, st) in [(1, "superseded"), (2, "deployed"), (3, "failed"), (4, "failed")] {
            s.create(&rel("a", v, st)).unwrap();
        }
        s.create(&rel("b", 1, "deployed")).unwrap();
        assert!(matches!(s.create(&rel("b", 1, "deployed")), Err(StorageError::Exists)));
        assert_eq!(s.last("a").unwrap().version, 4);
        assert_eq!(s.deployed("a").unwrap().version, 2);
        assert_eq!(s.history("a").unwrap().len(), 4);
        assert!(matches!(s.last("zz"), Err(StorageError::NotFound)));
        let latest: Vec<_> = s.latest_of_each().unwrap().into_iter().map(|r| (r.name, r.version)).collect();
        assert_eq!(latest, [("a".to_string(), 4), ("b".to_string(), 1)]);
        s.prune("a", 2).unwrap();
        let left: Vec<i64> = s.history_entries("a").unwrap().iter().map(|e| e.revision).collect();
        assert_eq!(left, [2, 4]);
    }
}

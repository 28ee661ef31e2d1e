//! The chart's `crds/` on install, upgrade and rollback (`--crds skip|create|create-replace`): which
//! CRD files a chart or a stored revision carries, the safety check that refuses a CRD change which
//! would strand stored custom objects, the server-side apply of `create-replace`, and the CRD part of
//! `diff upgrade`.
//!
//! ```
//! use kubehelm::release::crds::check_change;
//! use serde_json::json;
//! let live = json!({"metadata": {"name": "widgets.example.com"},
//!     "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget"},
//!              "versions": [{"name": "v1", "served": true, "storage": true}]},
//!     "status": {"storedVersions": ["v1"]}});
//! let mut new = live.clone();
//! new["spec"]["versions"] = json!([{"name": "v2", "served": true, "storage": true}]);
//! let e = check_change(&live, &new).unwrap_err();
//! assert!(e.contains("widgets.example.com") && e.contains("\"v1\""), "{e}");
//! ```

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::cluster::ClusterApi;
use super::record::ChartJson;
use crate::chart::{Chart, File};
use crate::render::manifest;

/// `--crds`: what install, upgrade and rollback do with the chart's `crds/` folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrdPolicy {
    /// Helm's behaviour: create the missing CRDs on install; nothing on upgrade and rollback.
    #[default]
    Default,
    /// Never touch CRDs (`--skip-crds`).
    Skip,
    /// Create the CRDs that do not exist yet; existing ones are never modified.
    Create,
    /// Apply every CRD server-side (created or updated) after the safety check.
    CreateReplace,
}

impl std::str::FromStr for CrdPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "skip" | "Skip" => Ok(CrdPolicy::Skip),
            "create" | "Create" => Ok(CrdPolicy::Create),
            "create-replace" | "CreateReplace" => Ok(CrdPolicy::CreateReplace),
            other => Err(format!(
                "invalid --crds value {other:?}: use skip, create or create-replace"
            )),
        }
    }
}

impl CrdPolicy {
    /// What an install does: the default creates the missing CRDs, as Helm does.
    pub fn on_install(self) -> CrdPolicy {
        if self == CrdPolicy::Default {
            CrdPolicy::Create
        } else {
            self
        }
    }

    /// What an upgrade or a rollback does: the default leaves CRDs alone, as Helm does.
    pub fn on_change(self) -> CrdPolicy {
        if self == CrdPolicy::Default {
            CrdPolicy::Skip
        } else {
            self
        }
    }
}

/// A chart's CRD files, subcharts included (`chart/charts/sub/crds/x.yaml`), as text.
pub fn chart_files(chart: &Chart) -> Vec<(String, String)> {
    chart
        .crd_files()
        .into_iter()
        .map(|(n, f)| (n, String::from_utf8_lossy(&f.data).into_owned()))
        .collect()
}

/// The CRD files of a stored revision's chart. Helm stores a chart without its subcharts, so these are
/// the top chart's own `crds/` files.
pub fn record_files(chart: &ChartJson) -> Vec<(String, String)> {
    let v = chart.value();
    let mut c = Chart::default();
    c.metadata.name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    for f in v
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = f.get("name").and_then(Value::as_str).unwrap_or("");
        if !name.starts_with("crds/") {
            continue;
        }
        use base64::Engine;
        let data = f.get("data").and_then(Value::as_str).unwrap_or("");
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(data) else {
            continue;
        };
        c.files.push(File {
            name: name.to_string(),
            data: bytes.into(),
        });
    }
    chart_files(&c)
}

/// One document of a `crds/` file.
#[derive(Debug, Clone)]
pub struct CrdDoc {
    /// The file it came from (`chart/crds/x.yaml`).
    pub file: String,
    pub value: Value,
}

impl CrdDoc {
    fn field(&self, ptr: &str) -> &str {
        self.value
            .pointer(ptr)
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    pub fn api_version(&self) -> &str {
        self.field("/apiVersion")
    }
    pub fn kind(&self) -> &str {
        self.field("/kind")
    }
    pub fn name(&self) -> &str {
        self.field("/metadata/name")
    }
    pub fn is_crd(&self) -> bool {
        self.kind() == "CustomResourceDefinition"
    }
}

/// The objects of the CRD files, in order; an unreadable document names its file.
pub fn parse(files: &[(String, String)]) -> Result<Vec<CrdDoc>, String> {
    let mut out = Vec::new();
    for (file, content) in files {
        for doc in manifest::split_manifests(content) {
            let value = goyaml::from_str(&doc)
                .map_err(|e| format!("failed to read CRD file {file}: {e}"))?;
            if value.is_null() {
                continue;
            }
            let d = CrdDoc {
                file: file.clone(),
                value,
            };
            if d.kind().is_empty() || d.api_version().is_empty() || d.name().is_empty() {
                return Err(format!(
                    "failed to read CRD file {file}: apiVersion, kind or metadata.name not set"
                ));
            }
            out.push(d);
        }
    }
    Ok(out)
}

fn text<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// The safety check of `--crds create-replace`: may the live CRD `live` be replaced by `new`?
/// Refused, with every reason named: a version listed in the live `status.storedVersions` that `new`
/// removes from `spec.versions` or no longer serves (the objects stored at it could no longer be read),
/// and a change of `spec.scope`, `spec.group` or `spec.names.kind` (existing objects would belong to
/// another API). Anything else (new versions, a new storage version, schema changes) is allowed.
pub fn check_change(live: &Value, new: &Value) -> Result<(), String> {
    let name = text(new, "/metadata/name");
    let mut problems = Vec::new();
    let versions = new
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for stored in live
        .pointer("/status/storedVersions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(stored) = stored.as_str() else {
            continue;
        };
        match versions.iter().find(|v| text(v, "/name") == stored) {
            None => problems.push(format!(
                "version {stored:?} is still in status.storedVersions (objects are stored at it) and the chart removes it from spec.versions"
            )),
            Some(v) if v.get("served") != Some(&Value::Bool(true)) => problems.push(format!(
                "version {stored:?} is still in status.storedVersions (objects are stored at it) and the chart no longer serves it (served: false)"
            )),
            _ => {}
        }
    }
    for (field, ptr) in [
        ("spec.scope", "/spec/scope"),
        ("spec.group", "/spec/group"),
        ("spec.names.kind", "/spec/names/kind"),
    ] {
        let (was, will) = (text(live, ptr), text(new, ptr));
        if was != will {
            problems.push(format!("{field} would change from {was:?} to {will:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems
            .into_iter()
            .map(|p| format!("CRD {name}: {p}"))
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// The check for every CRD of `docs` against the cluster, all of them before anything is applied:
/// one error listing each refused change, with how to go on.
pub fn check_all(cluster: &dyn ClusterApi, docs: &[CrdDoc]) -> Result<(), String> {
    let mut refused = Vec::new();
    for d in docs.iter().filter(|d| d.is_crd()) {
        let live = cluster
            .get(d.api_version(), d.kind(), d.name(), "")
            .map_err(|e| format!("could not read CRD {} to check the change: {e}", d.name()))?;
        if let Some(live) = live {
            if let Err(e) = check_change(&live, &d.value) {
                refused.push(e);
            }
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to replace the chart's CRDs (--crds create-replace); nothing was applied:\n{}\n\
         (migrate the stored objects to a version the chart keeps and remove the old one from the CRD's status.storedVersions first, or use --crds create or skip)",
        refused.join("\n")
    ))
}

/// `create-replace`: server-side applies every document (field manager `helm`, conflicts forced, as
/// Helm's server-side apply does), then waits until each CRD is established and discovery lists each
/// of its served versions. Call [`check_all`] first.
pub fn replace_all(
    cluster: &dyn ClusterApi,
    docs: &[CrdDoc],
    timeout: Duration,
) -> Result<(), String> {
    for d in docs {
        cluster
            .apply(&d.value, "", true)
            .map_err(|e| format!("failed to apply CRD {} ({}): {e}", d.name(), d.file))?;
    }
    wait_served(cluster, docs, timeout)
}

/// Whether a live CRD's `Established` condition is `True` (`None`: not there yet).
pub fn is_established(live: Option<&Value>) -> bool {
    live.and_then(|l| l.pointer("/status/conditions"))
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Established" && c["status"] == "True"))
}

/// Waits until every CRD of `docs` is `Established` and discovery serves every version it serves.
pub fn wait_served(
    cluster: &dyn ClusterApi,
    docs: &[CrdDoc],
    timeout: Duration,
) -> Result<(), String> {
    let crds: Vec<&CrdDoc> = docs.iter().filter(|d| d.is_crd()).collect();
    for d in &crds {
        cluster
            .wait_for(
                d.api_version(),
                d.kind(),
                d.name(),
                "",
                timeout,
                &mut |live| Ok(is_established(live)),
            )
            .map_err(|e| format!("waiting for CRD {} to be established: {e}", d.name()))?;
    }
    let mut wanted = BTreeSet::new();
    for d in &crds {
        let group = text(&d.value, "/spec/group");
        for v in d
            .value
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if v.get("served") == Some(&Value::Bool(true)) {
                wanted.insert(format!("{group}/{}", text(v, "/name")));
            }
        }
    }
    let deadline = Instant::now() + timeout;
    loop {
        cluster.invalidate_discovery();
        let served: BTreeSet<String> = cluster
            .api_versions()
            .map_err(|e| e.message)?
            .into_iter()
            .collect();
        let missing: Vec<&String> = wanted.iter().filter(|w| !served.contains(*w)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "timed out waiting for the API server to serve {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Keys sorted at every level, so that two renderings of the same object print the same.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// What the comparison shows of a CRD: apiVersion, kind, name, labels, annotations and spec (the
/// server's own metadata and the status left out), with the API server's defaults filled in so that a
/// chart CRD that equals the live one compares equal.
fn comparable(v: &Value) -> Value {
    let mut out = Map::new();
    for k in ["apiVersion", "kind"] {
        if let Some(x) = v.get(k) {
            out.insert(k.into(), x.clone());
        }
    }
    let mut meta = Map::new();
    for k in ["name", "labels", "annotations"] {
        if let Some(x) = v
            .pointer(&format!("/metadata/{k}"))
            .filter(|x| !x.is_null())
        {
            meta.insert(k.into(), x.clone());
        }
    }
    if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
        if a.is_empty() {
            meta.remove("annotations");
        }
    }
    out.insert("metadata".into(), Value::Object(meta));
    if let Some(mut spec) = v.get("spec").cloned() {
        if text(v, "/kind") == "CustomResourceDefinition" {
            if let Some(s) = spec.as_object_mut() {
                // apiextensions/v1 SetDefaults_CustomResourceDefinitionSpec
                s.entry("conversion")
                    .or_insert_with(|| serde_json::json!({"strategy": "None"}));
                if let Some(names) = s.get_mut("names").and_then(Value::as_object_mut) {
                    let kind = names
                        .get("kind")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    if !kind.is_empty() {
                        names
                            .entry("singular")
                            .or_insert_with(|| Value::String(kind.to_lowercase()));
                        names
                            .entry("listKind")
                            .or_insert_with(|| Value::String(format!("{kind}List")));
                    }
                }
            }
        }
        out.insert("spec".into(), spec);
    }
    sorted(&Value::Object(out))
}

/// The CRD part of `diff upgrade`: two manifests (live, what the upgrade applies) of the chart's CRDs,
/// each under a `# Source: chart/crds/file (CRD)` line. `create-replace` shows every CRD that would
/// change; `create` only the missing ones (as added); skip and the default show none, as those
/// upgrades leave CRDs alone.
pub fn diff_manifests(
    cluster: &dyn ClusterApi,
    files: &[(String, String)],
    policy: CrdPolicy,
) -> Result<(String, String), String> {
    let policy = policy.on_change();
    if policy == CrdPolicy::Skip || files.is_empty() {
        return Ok((String::new(), String::new()));
    }
    let docs = parse(files)?;
    let (mut old, mut new) = (String::new(), String::new());
    for d in &docs {
        let live = cluster
            .get(d.api_version(), d.kind(), d.name(), "")
            .map_err(|e| format!("could not read CRD {}: {e}", d.name()))?;
        if live.is_some() && policy == CrdPolicy::Create {
            continue;
        }
        let head = format!("---\n# Source: {} (CRD)\n", d.file);
        if let Some(l) = &live {
            old.push_str(&head);
            old.push_str(&goyaml::to_string(&comparable(l)));
        }
        new.push_str(&head);
        new.push_str(&goyaml::to_string(&comparable(&d.value)));
    }
    Ok((old, new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd(versions: Value, stored: &[&str]) -> Value {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"},
                     "versions": versions},
            "status": {"storedVersions": stored}})
    }

    #[test]
    fn adding_a_version_and_moving_storage_is_allowed() {
        let live = crd(
            json!([{"name": "v1", "served": true, "storage": true}]),
            &["v1"],
        );
        let new = crd(
            json!([{"name": "v1", "served": true, "storage": false}, {"name": "v2", "served": true, "storage": true}]),
            &[],
        );
        assert_eq!(check_change(&live, &new), Ok(()));
    }

    #[test]
    fn stored_versions_must_stay_served() {
        let live = crd(
            json!([{"name": "v1", "served": true, "storage": false}, {"name": "v2", "served": true, "storage": true}]),
            &["v1", "v2"],
        );
        let removed = crd(
            json!([{"name": "v2", "served": true, "storage": true}]),
            &[],
        );
        assert_eq!(
            check_change(&live, &removed),
            Err("CRD widgets.example.com: version \"v1\" is still in status.storedVersions (objects are stored at it) and the chart removes it from spec.versions".into())
        );
        let unserved = crd(
            json!([{"name": "v1", "served": false, "storage": false}, {"name": "v2", "served": true, "storage": true}]),
            &[],
        );
        assert!(check_change(&live, &unserved).unwrap_err().contains("version \"v1\" is still in status.storedVersions (objects are stored at it) and the chart no longer serves it (served: false)"));
        // a version nothing is stored at may go
        let live = crd(
            json!([{"name": "v1", "served": true, "storage": false}, {"name": "v2", "served": true, "storage": true}]),
            &["v2"],
        );
        assert_eq!(check_change(&live, &removed), Ok(()));
    }

    #[test]
    fn scope_group_and_kind_changes_are_named() {
        let live = crd(
            json!([{"name": "v1", "served": true, "storage": true}]),
            &["v1"],
        );
        let mut new = live.clone();
        new["spec"]["scope"] = json!("Cluster");
        new["spec"]["names"]["kind"] = json!("Gadget");
        let e = check_change(&live, &new).unwrap_err();
        assert_eq!(
            e,
            "CRD widgets.example.com: spec.scope would change from \"Namespaced\" to \"Cluster\"\n\
             CRD widgets.example.com: spec.names.kind would change from \"Widget\" to \"Gadget\""
        );
    }

    #[test]
    fn policies_parse_and_default_as_helm() {
        assert_eq!(
            "create-replace".parse::<CrdPolicy>(),
            Ok(CrdPolicy::CreateReplace)
        );
        assert!("replace"
            .parse::<CrdPolicy>()
            .unwrap_err()
            .contains("skip, create or create-replace"));
        assert_eq!(CrdPolicy::Default.on_install(), CrdPolicy::Create);
        assert_eq!(CrdPolicy::Default.on_change(), CrdPolicy::Skip);
        assert_eq!(
            CrdPolicy::CreateReplace.on_change(),
            CrdPolicy::CreateReplace
        );
    }

    #[test]
    fn stored_revision_crd_files() {
        let mut c = Chart::default();
        c.metadata.name = "top".into();
        c.files.push(File {
            name: "crds/w.yaml".into(),
            data: b"kind: X\n".to_vec().into(),
        });
        c.files.push(File {
            name: "crds/readme.md".into(),
            data: b"no".to_vec().into(),
        });
        c.files.push(File {
            name: "other.yaml".into(),
            data: b"no".to_vec().into(),
        });
        let stored = crate::release::record::chart_json(&c);
        assert_eq!(
            record_files(&stored),
            vec![("top/crds/w.yaml".to_string(), "kind: X\n".to_string())]
        );
    }

    #[test]
    fn server_defaults_do_not_count_as_changes() {
        let chart = crd(
            json!([{"name": "v1", "served": true, "storage": true}]),
            &[],
        );
        let mut live = chart.clone();
        live["spec"]["conversion"] = json!({"strategy": "None"});
        live["spec"]["names"]["singular"] = json!("widget");
        live["spec"]["names"]["listKind"] = json!("WidgetList");
        live["metadata"]["uid"] = json!("u");
        live["status"] = json!({"storedVersions": ["v1"]});
        assert_eq!(comparable(&live), comparable(&chart));
    }
}

//! The Go objects templates see besides plain maps: `.Files` (with its methods) and `.Capabilities`.

use super::glob::Glob;
use crate::chart::Content;
use crate::template::value::base64_std;
use crate::template::{Object, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Helm's `engine.files`: a `map[string][]byte` of the chart's non-template files, with methods. The
/// contents are the chart's own (shared, not copied).
pub struct Files {
    pub entries: BTreeMap<String, Content>,
}

impl Files {
    pub fn new(entries: BTreeMap<String, Content>) -> Value {
        Value::Object(Rc::new(Files { entries }))
    }

    fn get(&self, name: &str) -> &[u8] {
        self.entries.get(name).map_or(&[], |c| c.as_bytes())
    }

    fn glob(&self, pattern: &str) -> Value {
        let glob = Glob::new(pattern).or_else(|| Glob::new("**")).expect("** always compiles");
        let entries = self.entries.iter().filter(|(k, _)| glob.matches(k)).map(|(k, v)| (k.clone(), v.clone()));
        Files::new(entries.collect())
    }

    fn as_yaml_map(&self, encode: impl Fn(&[u8]) -> String) -> String {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.entries {
            let base = k.rsplit('/').next().unwrap_or(k);
            m.insert(base.to_string(), serde_json::Value::String(encode(v)));
        }
        let out = goyaml::to_string(&serde_json::Value::Object(m));
        out.strip_suffix('\n').unwrap_or(&out).to_string()
    }

    fn lines(&self, name: &str) -> Value {
        match self.entries.get(name) {
            None => Value::list(Vec::new()),
            Some(data) => {
                let s = String::from_utf8_lossy(data);
                let s = s.strip_suffix('\n').unwrap_or(&s);
                Value::list(s.split('\n').map(Value::str).collect())
            }
        }
    }
}

fn one_string(args: &[Value]) -> Result<&str, String> {
    match args {
        [Value::String(s)] => Ok(s),
        [other] => Err(format!("wrong type for value; expected string; got {}", other.type_name())),
        _ => Err(format!("wrong number of args: got {} want 1", args.len())),
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn kind(&self) -> &'static str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" => Some(Value::string(self.as_yaml_map(|b| String::from_utf8_lossy(b).into_owned()))),
            "AsSecrets" => Some(Value::string(self.as_yaml_map(base64_std))),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Get" | "GetBytes" | "Glob" | "Lines" | "AsConfig" | "AsSecrets")
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let result = match name {
            "Get" => one_string(args).map(|n| Value::string(String::from_utf8_lossy(self.get(n)).into_owned())),
            "GetBytes" => one_string(args).map(|n| Value::Bytes(Rc::from(self.get(n)))),
            "Glob" => one_string(args).map(|p| self.glob(p)),
            "Lines" => one_string(args).map(|n| self.lines(n)),
            "AsConfig" | "AsSecrets" if args.is_empty() => Ok(self.field(name).unwrap_or_default()),
            _ => return None,
        };
        Some(result)
    }
    fn display(&self) -> String {
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(|b| b.to_string()).collect();
                format!("{}:[{}]", k, bytes.join(" "))
            })
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::map(self.entries.iter().map(|(k, v)| (k.clone(), Value::Bytes(Rc::from(v.as_bytes())))).collect()))
    }
}

/// `.Capabilities.KubeVersion`: a Stringer whose `String()` is the normalised version.
pub struct KubeVersion {
    pub version: String,
    pub normalized: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parse as Helm's `ParseKubeVersion` (k8s.io/apimachinery ParseGeneric): `v`-prefix optional,
    /// `MAJOR.MINOR[.PATCH]` with anything after the numbers kept only in `Version`.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let body = text.trim_start_matches('v');
        let numeric_end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
        let numbers: Vec<&str> = body[..numeric_end].split('.').collect();
        let valid = (2..=3).contains(&numbers.len())
            && numbers.iter().all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            && numbers.iter().all(|n| n.len() == 1 || !n.starts_with('0'));
        if !valid || (numeric_end < body.len() && !matches!(body.as_bytes()[numeric_end], b'-' | b'+')) {
            return Err(format!("could not parse {text:?} as version"));
        }
        let n: Vec<u64> = numbers.iter().map(|n| n.parse().unwrap_or(0)).collect();
        let patch = n.get(2).copied().unwrap_or(0);
        let version = if text.starts_with('v') { text.to_string() } else { format!("v{text}") };
        Ok(KubeVersion {
            version,
            normalized: format!("v{}.{}.{}", n[0], n[1], patch),
            major: n[0].to_string(),
            minor: n[1].to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" | "GitVersion" => Some(Value::str(&self.version)),
            "Major" => Some(Value::str(&self.major)),
            "Minor" => Some(Value::str(&self.minor)),
            "String" => Some(Value::str(&self.normalized)),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "String" | "GitVersion")
    }
    fn display(&self) -> String {
        self.normalized.clone()
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({"Version": self.version, "Major": self.major, "Minor": self.minor}))
    }
}

/// `.Capabilities.APIVersions`: a `[]string` with a `Has` method.
pub struct VersionSet(pub Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "common.VersionSet".into()
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        (name == "Has").then(|| one_string(args).map(|v| Value::Bool(self.0.iter().any(|x| x == v))))
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(self.0.iter().map(|s| Value::str(s)).collect()))
    }
}

/// The Helm version whose behaviour this project reproduces, as `.Capabilities.HelmVersion` reports it.
pub struct HelmVersion;

const HELM_VERSION: [(&str, &str, &str); 5] = [
    ("Version", "version", "v4.1.4"),
    ("GitCommit", "git_commit", "05fa37973dc9e42b76e1d2883494c87174b6074f"),
    ("GitTreeState", "git_tree_state", "clean"),
    ("GoVersion", "go_version", "go1.25.9"),
    ("KubeClientVersion", "kube_client_version", "v1.35"),
];

impl Object for HelmVersion {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        HELM_VERSION.iter().find(|(f, _, _)| *f == name).map(|(_, _, v)| Value::str(v))
    }
    fn display(&self) -> String {
        let vals: Vec<&str> = HELM_VERSION.iter().map(|(_, _, v)| *v).collect();
        format!("{{{}}}", vals.join(" "))
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::Object(
            HELM_VERSION.iter().map(|(_, j, v)| (j.to_string(), serde_json::Value::from(*v))).collect(),
        ))
    }
}

/// `.Capabilities`.
pub struct Capabilities {
    pub kube_version: Rc<KubeVersion>,
    pub api_versions: Rc<VersionSet>,
}

/// The API versions Helm v4.1.4 reports when it does not ask a cluster (client-go v1.35's scheme).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1", "internal.apiserver.k8s.io/v1alpha1", "apps/v1", "apps/v1beta1",
    "apps/v1beta2", "authentication.k8s.io/v1", "authentication.k8s.io/v1alpha1", "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1", "authorization.k8s.io/v1beta1", "autoscaling/v1", "autoscaling/v2",
    "autoscaling/v2beta1", "autoscaling/v2beta2", "batch/v1", "batch/v1beta1", "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1", "certificates.k8s.io/v1alpha1", "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1", "events.k8s.io/v1beta1", "extensions/v1beta1", "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1", "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3", "networking.k8s.io/v1", "networking.k8s.io/v1beta1", "node.k8s.io/v1",
    "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1", "policy/v1", "policy/v1beta1", "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1", "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2", "resource.k8s.io/v1beta1", "resource.k8s.io/v1alpha3", "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1", "storage.k8s.io/v1beta1", "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1", "storagemigration.k8s.io/v1beta1", "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// The Kubernetes version Helm v4.1.4 assumes without a cluster.
pub const DEFAULT_KUBE_VERSION: &str = "v1.35.0";

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(self.kube_version.clone())),
            "APIVersions" => Some(Value::Object(self.api_versions.clone())),
            "HelmVersion" => Some(Value::Object(Rc::new(HelmVersion))),
            _ => None,
        }
    }
    fn display(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            KubeVersionDisplay(&self.kube_version),
            self.api_versions.display(),
            HelmVersion.display()
        )
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("KubeVersion".into(), self.kube_version.to_json()?);
        m.insert("APIVersions".into(), serde_json::Value::from(self.api_versions.0.clone()));
        m.insert("HelmVersion".into(), HelmVersion.to_json()?);
        Some(serde_json::Value::Object(m))
    }
}

/// Go's `%v` of the KubeVersion struct inside Capabilities (not a pointer there, so no Stringer).
struct KubeVersionDisplay<'a>(&'a KubeVersion);

impl std::fmt::Display for KubeVersionDisplay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{} {} {} {}}}", self.0.version, self.0.normalized, self.0.major, self.0.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_parse() {
        let v = KubeVersion::parse("1.29.3-gke.1001").unwrap();
        assert_eq!(v.version, "v1.29.3-gke.1001");
        assert_eq!(v.normalized, "v1.29.3");
        assert_eq!((v.major.as_str(), v.minor.as_str()), ("1", "29"));
        let v = KubeVersion::parse("v1.20").unwrap();
        assert_eq!(v.normalized, "v1.20.0");
        assert!(KubeVersion::parse("banana").is_err());
        assert!(KubeVersion::parse("1").is_err());
    }

    #[test]
    fn files_methods() {
        let mut entries = BTreeMap::new();
        entries.insert("config/a.txt".to_string(), Content::from(&b"x\ny\n"[..]));
        entries.insert("config/sub/b.txt".to_string(), Content::from(&b"z"[..]));
        let files = Files { entries };
        let got = files.call_method("Lines", &[Value::str("config/a.txt")]).unwrap().unwrap();
        assert_eq!(format!("{got:?}"), r#"[String("x"), String("y")]"#);
        let Value::Object(g) = files.call_method("Glob", &[Value::str("config/*")]).unwrap().unwrap() else {
            panic!("Glob returns Files")
        };
        assert_eq!(g.display(), "map[config/a.txt:[120 10 121 10]]");
        let Value::String(s) = files.call_method("Get", &[Value::str("missing")]).unwrap().unwrap() else {
            panic!("Get returns a string")
        };
        assert_eq!(&*s, "");
    }
}

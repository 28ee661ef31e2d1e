//! Rendered files into manifests: Helm's `---` splitting, the head parse (apiVersion, kind, name,
//! annotations), hooks split from plain manifests, and Helm's install/uninstall kind order.

use std::collections::BTreeMap;

/// The kinds Helm installs first, in order; unknown kinds come after, sorted by name.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
    "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
    "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
    "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The reverse: what uninstall deletes first.
pub fn uninstall_order() -> Vec<&'static str> {
    INSTALL_ORDER.iter().rev().copied().collect()
}

pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

/// The part of a manifest Helm reads before applying it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Head {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub annotations: Option<BTreeMap<String, String>>,
}

/// One object of the release manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The template it came from, e.g. `mychart/templates/service.yaml`.
    pub name: String,
    pub content: String,
    pub head: Head,
}

/// One hook object, with the events it runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub name: String,
    pub kind: String,
    pub path: String,
    pub manifest: String,
    pub events: Vec<String>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
    pub output_log_policies: Vec<String>,
}

const HOOK_EVENTS: &[&str] = &[
    "pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade", "pre-rollback",
    "post-rollback", "test",
];

/// Helm's SplitManifests for the Helm version in effect ([`split_manifests_as`]).
pub fn split_manifests(big: &str) -> Vec<String> {
    split_manifests_as(big, crate::compat::current())
}

/// Helm's SplitManifests, in order, white-space-only documents dropped:
/// - v4.1: documents separated by regex `(?:^|\s*\n)---\s*`, each trimmed on both sides;
/// - v4.3: separated by `---` (and the spaces/tabs after it) at a line start, regex `(?m)^---[ \t]*`,
///   each trimmed on the left only, so a document keeps the blank lines it ended with.
pub fn split_manifests_as(big: &str, compat: crate::compat::HelmCompat) -> Vec<String> {
    if compat.keeps_document_trailing_space() {
        split_at_line_separators(big)
    } else {
        split_trimmed(big)
    }
}

fn split_at_line_separators(big: &str) -> Vec<String> {
    let text = big.trim_start();
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut start = 0;
    let mut line = 0;
    while line < bytes.len() {
        let next_line = memchr_newline(bytes, line).map_or(bytes.len(), |i| i + 1);
        if bytes[line..].starts_with(b"---") {
            docs.push(&text[start..line]);
            let mut end = line + 3;
            while end < bytes.len() && (bytes[end] == b' ' || bytes[end] == b'\t') {
                end += 1;
            }
            start = end;
            // `---` then text on the same line: the text starts the next document, and the next
            // separator can only begin after the line's end.
        }
        line = next_line;
    }
    docs.push(&text[start..]);
    docs.into_iter().filter(|d| !d.trim().is_empty()).map(|d| d.trim_start().to_string()).collect()
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..].iter().position(|&b| b == b'\n').map(|i| from + i)
}

fn split_trimmed(big: &str) -> Vec<String> {
    let text = big.trim();
    let bytes = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut docs = Vec::new();
    // `start` begins the current document; `search` is where the previous separator ended (separators
    // never overlap, so the whitespace a separator swallowed cannot start the next one).
    let (mut start, mut search) = (0, 0);
    if text.starts_with("---") {
        start = skip_ws(3);
        search = start;
    }
    while let Some(rel) = text[search..].find("\n---") {
        let newline = search + rel;
        let mut sep_start = newline;
        while sep_start > search && bytes[sep_start - 1].is_ascii_whitespace() {
            sep_start -= 1;
        }
        docs.push(&text[start..sep_start]);
        start = skip_ws(newline + 4);
        search = start;
    }
    docs.push(&text[start..]);
    docs.into_iter().filter(|d| !d.is_empty()).map(|d| d.trim().to_string()).collect()
}

/// Parse the head of one manifest as Helm's `yaml.Unmarshal(m, &SimpleHead)` does.
pub fn parse_head(doc: &str) -> Result<Head, String> {
    // Only apiVersion, kind, metadata.name and metadata.annotations are read: goyaml::read_head gives
    // from_str's value (and errors) reduced to those paths without building the rest.
    let value = goyaml::read_head(doc).map_err(|e| e.to_string())?;
    let obj = match value {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Null => return Ok(Head::default()),
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type util.SimpleHead",
                json_kind(&other)
            ))
        }
    };
    let string_field = |v: Option<&serde_json::Value>, field: &str| -> Result<String, String> {
        match v {
            None | Some(serde_json::Value::Null) => Ok(String::new()),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.{field} of type string",
                json_kind(other)
            )),
        }
    };
    let mut head = Head {
        api_version: string_field(obj.get("apiVersion"), "apiVersion")?,
        kind: string_field(obj.get("kind"), "kind")?,
        ..Head::default()
    };
    match obj.get("metadata") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(meta)) => {
            head.name = string_field(meta.get("name"), "metadata.name")?;
            match meta.get("annotations") {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::Object(a)) => {
                    let mut annotations = BTreeMap::new();
                    for (k, v) in a {
                        annotations.insert(k.clone(), string_field(Some(v), "metadata.annotations")?);
                    }
                    head.annotations = Some(annotations);
                }
                Some(other) => {
                    return Err(format!(
                        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field .metadata.annotations of type map[string]string",
                        json_kind(other)
                    ))
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.metadata of type struct {{ Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }}",
                json_kind(other)
            ))
        }
    }
    Ok(head)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Helm's SortManifests: files in name order (partials and blank files skipped), each split into
/// documents, hooks separated from plain manifests, both stably sorted by kind.
/// Errors name the file: `YAML parse error on chart/templates/x.yaml: …`.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
    order: &[&str],
) -> Result<(Vec<Hook>, Vec<Manifest>), (String, Vec<Hook>, Vec<Manifest>)> {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = match parse_head(&doc) {
                Ok(h) => h,
                Err(e) => return Err((format!("YAML parse error on {path}: {e}"), hooks, generic)),
            };
            let hook_types = head.annotations.as_ref().and_then(|a| a.get(HOOK_ANNOTATION)).cloned();
            let Some(hook_types) = hook_types else {
                generic.push(Manifest { name: path.clone(), content: doc, head });
                continue;
            };
            let annotations = head.annotations.clone().unwrap_or_default();
            let weight = annotations.get(HOOK_WEIGHT_ANNOTATION).and_then(|w| go_atoi(w)).unwrap_or(0);
            let mut events = Vec::new();
            let mut unknown = false;
            for t in hook_types.split(',') {
                let t = t.trim().to_lowercase();
                let t = if t == "test-success" { "test".to_string() } else { t };
                if HOOK_EVENTS.contains(&t.as_str()) {
                    events.push(t);
                } else {
                    unknown = true;
                    break;
                }
            }
            if unknown {
                continue;
            }
            let list = |key: &str| -> Vec<String> {
                annotations
                    .get(key)
                    .map(|v| v.split(',').map(|p| p.trim().to_lowercase()).collect())
                    .unwrap_or_default()
            };
            hooks.push(Hook {
                name: head.name.clone(),
                kind: head.kind.clone(),
                path: path.clone(),
                manifest: doc,
                events,
                weight,
                delete_policies: list(HOOK_DELETE_ANNOTATION),
                output_log_policies: list(HOOK_OUTPUT_LOG_ANNOTATION),
            });
        }
    }
    let rank = |kind: &str| order.iter().position(|k| *k == kind);
    let less = |a: &str, b: &str| -> std::cmp::Ordering {
        match (rank(a), rank(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.cmp(b),
        }
    };
    generic.sort_by(|a, b| less(&a.head.kind, &b.head.kind));
    hooks.sort_by(|a, b| less(&a.kind, &b.kind));
    Ok((hooks, generic))
}

/// Go's strconv.Atoi: optional sign, decimal digits only, no spaces.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_helm() {
        assert_eq!(split_manifests_as("a: 1\n---\nb: 2\n", crate::compat::HelmCompat::V4_1), vec!["a: 1", "b: 2"]);
        // The whitespace after a separator is part of it, so a `---` right after cannot separate
        // again (Helm prints that document with its `---`).
        assert_eq!(split_manifests_as("---\na: 1\n---   \n\n---\nb: 2", crate::compat::HelmCompat::V4_1), vec!["a: 1", "---\nb: 2"]);
        assert_eq!(split_manifests_as("a: '---'\n", crate::compat::HelmCompat::V4_1), vec!["a: '---'"]);
        // `---` glued to text after a newline still separates (the regex needs no line end)
        assert_eq!(split_manifests_as("a: 1\n---b: 2", crate::compat::HelmCompat::V4_1), vec!["a: 1", "b: 2"]);
        assert_eq!(split_manifests_as("  \n", crate::compat::HelmCompat::V4_1), Vec::<String>::new());
    }

    #[test]
    fn split_like_helm_v4_1_and_v4_3() {
        use crate::compat::HelmCompat::{V4_1, V4_3};
        let split = split_manifests_as;
        assert_eq!(split("a: 1\n---\nb: 2\n", V4_1), vec!["a: 1", "b: 2"]);
        assert_eq!(split("---\na: 1\n---   \n\n---\nb: 2", V4_1), vec!["a: 1", "---\nb: 2"]);
        assert_eq!(split("a: 1\n---b: 2", V4_1), vec!["a: 1", "b: 2"]);
        // v4.3 keeps what a document ends with (the newline before `---` included) and splits at
        // every `---` that starts a line; `---` lines with nothing between them give nothing.
        assert_eq!(split("\n a: 1\n\n---\nb: 2\n  \n", V4_3), vec!["a: 1\n\n", "b: 2\n  \n"]);
        assert_eq!(split("---\na: 1\n---   \n\n---\nb: 2", V4_3), vec!["a: 1\n", "b: 2"]);
        assert_eq!(split("a: 1\n---b: 2", V4_3), vec!["a: 1\n", "b: 2"]);
        assert_eq!(split("a: 1\n----\nb: 2", V4_3), vec!["a: 1\n", "-\nb: 2"]);
        assert_eq!(split("a: '---'\n  ---\n", V4_3), vec!["a: '---'\n  ---\n"]);
        assert_eq!(split("a: 1 ---\n", V4_3), vec!["a: 1 ---\n"]);
        assert_eq!(split(" \n---\n \n", V4_3), Vec::<String>::new());
    }

    #[test]
    fn kind_order_is_stable_and_unknown_last() {
        let mut files = BTreeMap::new();
        files.insert(
            "c/templates/a.yaml".to_string(),
            "kind: Foo\n---\nkind: Deployment\n---\nkind: Bar\n---\nkind: Service\n---\nkind: Namespace".to_string(),
        );
        let (_, m) = sort_manifests(&files, INSTALL_ORDER).unwrap();
        let kinds: Vec<_> = m.iter().map(|m| m.head.kind.as_str()).collect();
        assert_eq!(kinds, ["Namespace", "Service", "Deployment", "Bar", "Foo"]);
    }

    #[test]
    fn hooks_are_split_out() {
        let mut files = BTreeMap::new();
        files.insert(
            "c/templates/job.yaml".to_string(),
            "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install, Post-Upgrade\n    helm.sh/hook-weight: \"-5\"\n".to_string(),
        );
        files.insert("c/templates/_h.tpl".to_string(), "kind: Secret".to_string());
        let (hooks, m) = sort_manifests(&files, INSTALL_ORDER).unwrap();
        assert!(m.is_empty());
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].events, ["pre-install", "post-upgrade"]);
        assert_eq!(hooks[0].weight, -5);
    }
}

//! Drift: a release's objects as the cluster holds them against what applying the release would make of
//! them (a server-side apply dry run, done by the caller), compared with `diff`'s object-by-object report.
//! Here are the pure parts: the objects to apply (with Helm's ownership metadata), the noise a live
//! object carries (managedFields, resourceVersion, status, ...), ignore rules (`--ignore
//! 'Deployment:/spec/replicas'` and the `kubehelm.io/drift-ignore` annotation), and the report.
//!
//! ```
//! use kubehelm::release::diff::DiffOptions;
//! use kubehelm::release::drift::{live_report, IgnoreRule, LiveObject};
//! use serde_json::json;
//! let live = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "uid": "1"},
//!                   "spec": {"replicas": 5}, "status": {"replicas": 5}});
//! let applied = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "uid": "1"},
//!                      "spec": {"replicas": 1}, "status": {"replicas": 5}});
//! let objs = [LiveObject { live: Some(live), applied }];
//! let report = live_report(&objs, &[], &DiffOptions::new("default")).unwrap();
//! assert_eq!(report.to_simple(false), "default, web, Deployment (apps) has drifted.\nDrift: 1 drifted, 0 missing.\n");
//! let ignore = [IgnoreRule::parse("Deployment:/spec/replicas").unwrap()];
//! assert!(!live_report(&objs, &ignore, &DiffOptions::new("default")).unwrap().has_changes());
//! ```

use std::fmt;

use serde_json::{Map, Value};

use super::diff::{self, Change, DiffError, DiffOptions, ObjectKey, Report};

/// The annotation listing an object's fields that may change without counting as drift: JSON pointers
/// separated by commas (`/spec/replicas, /metadata/labels/foo`).
pub const IGNORE_ANNOTATION: &str = "kubehelm.io/drift-ignore";

const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";

/// Metadata the server keeps for itself: never drift.
const NOISE: [&str; 7] = [
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
    "deletionGracePeriodSeconds",
];

/// A field that may change: `KIND[/NAME]:POINTER`. The kind matches regardless of case (`*` = any kind),
/// the name exactly; the pointer is RFC 6901's (`~1` for `/`, `~0` for `~`) where a `*` step matches
/// every key or item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    pub kind: String,
    pub name: Option<String>,
    pub pointer: Pointer,
}

impl IgnoreRule {
    /// Reads `KIND[/NAME]:POINTER`.
    pub fn parse(rule: &str) -> Result<IgnoreRule, DiffError> {
        let bad = |why: &str| {
            DiffError(format!("invalid ignore rule {rule:?}: {why} (expected KIND[/NAME]:/json/pointer, e.g. Deployment:/spec/replicas)"))
        };
        let (target, pointer) = rule.split_once(':').ok_or_else(|| bad("no ':'"))?;
        let (kind, name) = match target.split_once('/') {
            Some((k, n)) if !n.is_empty() => (k, Some(n.to_string())),
            Some(_) => return Err(bad("an empty name")),
            None => (target, None),
        };
        if kind.trim().is_empty() {
            return Err(bad("no kind"));
        }
        let pointer = Pointer::parse(pointer.trim()).map_err(|e| bad(&e))?;
        Ok(IgnoreRule {
            kind: kind.trim().to_string(),
            name,
            pointer,
        })
    }

    fn matches(&self, kind: &str, name: &str) -> bool {
        (self.kind == "*" || self.kind.eq_ignore_ascii_case(kind))
            && self.name.as_deref().is_none_or(|n| n == name)
    }
}

impl fmt::Display for IgnoreRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}/{n}:{}", self.kind, self.pointer),
            None => write!(f, "{}:{}", self.kind, self.pointer),
        }
    }
}

/// A JSON pointer (RFC 6901), unescaped steps; `*` matches any key or item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer(pub Vec<String>);

impl Pointer {
    pub fn parse(text: &str) -> Result<Pointer, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("the pointer {text:?} does not start with '/'"));
        };
        let mut steps = Vec::new();
        for raw in rest.split('/') {
            if raw.contains('~') && raw.replace("~0", "").replace("~1", "").contains('~') {
                return Err(format!(
                    "the pointer {text:?} has a '~' that is not ~0 or ~1"
                ));
            }
            steps.push(raw.replace("~1", "/").replace("~0", "~"));
        }
        Ok(Pointer(steps))
    }

    /// Takes the field(s) it names out of `v`; absent fields are no error.
    pub fn remove_from(&self, v: &mut Value) {
        remove_at(v, &self.0);
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.0 {
            write!(f, "/{}", s.replace('~', "~0").replace('/', "~1"))?;
        }
        Ok(())
    }
}

fn remove_at(v: &mut Value, steps: &[String]) {
    let Some((first, rest)) = steps.split_first() else {
        return;
    };
    match v {
        Value::Object(m) => {
            if first == "*" {
                if rest.is_empty() {
                    m.clear();
                } else {
                    m.values_mut().for_each(|c| remove_at(c, rest));
                }
            } else if rest.is_empty() {
                m.remove(first);
            } else if let Some(c) = m.get_mut(first) {
                remove_at(c, rest);
            }
        }
        Value::Array(a) => {
            if first == "*" {
                if rest.is_empty() {
                    a.clear();
                } else {
                    a.iter_mut().for_each(|c| remove_at(c, rest));
                }
            } else if let Ok(i) = first.parse::<usize>() {
                if rest.is_empty() {
                    if i < a.len() {
                        a.remove(i);
                    }
                } else if let Some(c) = a.get_mut(i) {
                    remove_at(c, rest);
                }
            }
        }
        _ => {}
    }
}

/// The pointers of an object's `kubehelm.io/drift-ignore` annotation (unreadable ones are left out:
/// `bad` gets a warning for each).
pub fn annotation_pointers(obj: &Value, bad: &mut dyn FnMut(String)) -> Vec<Pointer> {
    let Some(text) = obj
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(IGNORE_ANNOTATION))
        .and_then(Value::as_str)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match Pointer::parse(p) {
            Ok(p) => out.push(p),
            Err(e) => bad(format!(
                "{} {}: annotation {IGNORE_ANNOTATION}: {e}",
                str_at(obj, "/kind"),
                str_at(obj, "/metadata/name")
            )),
        }
    }
    out
}

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

/// The objects of a stored manifest as an upgrade applies them: `List`s flattened, empty documents
/// left out, and Helm's ownership label and annotations set (without them a dry run would report
/// them removed).
pub fn objects_to_apply(
    manifest: &str,
    release: &str,
    namespace: &str,
) -> Result<Vec<Value>, DiffError> {
    let mut out = Vec::new();
    for doc in diff::split_documents(manifest) {
        let value = goyaml::from_str(doc)
            .map_err(|e| DiffError(format!("reading the release manifest: {e}\n{doc}")))?;
        flatten(value, &mut out, 0);
    }
    for o in &mut out {
        set_owner(o, release, namespace);
    }
    Ok(out)
}

fn flatten(v: Value, out: &mut Vec<Value>, depth: usize) {
    if !v.is_object() {
        return;
    }
    if let (Some(items), true) = (v.get("items").and_then(Value::as_array), depth < 8) {
        for i in items.clone() {
            flatten(i, out, depth + 1);
        }
        return;
    }
    if str_at(&v, "/kind").is_empty() && str_at(&v, "/apiVersion").is_empty() {
        return;
    }
    out.push(v);
}

/// Helm's setMetadataVisitor, as `actions` applies it.
fn set_owner(obj: &mut Value, release: &str, namespace: &str) {
    let Some(o) = obj.as_object_mut() else { return };
    let meta = o
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    for (field, key, val) in [
        ("labels", MANAGED_BY_LABEL, "Helm"),
        ("annotations", RELEASE_NAME_ANNOTATION, release),
        ("annotations", RELEASE_NAMESPACE_ANNOTATION, namespace),
    ] {
        let m = meta
            .entry(field)
            .or_insert_with(|| Value::Object(Map::new()));
        if !m.is_object() {
            *m = Value::Object(Map::new());
        }
        if let Some(m) = m.as_object_mut() {
            m.insert(key.to_string(), Value::String(val.to_string()));
        }
    }
}

/// An object without what the server keeps for itself (`status`, and in `metadata` managedFields,
/// resourceVersion, generation, uid, creationTimestamp, selfLink) and without the fields the rules
/// and its own `kubehelm.io/drift-ignore` annotation name. `warn` hears of unreadable annotations.
pub fn comparable(obj: &Value, rules: &[IgnoreRule], warn: &mut dyn FnMut(String)) -> Value {
    let mut v = obj.clone();
    let (kind, name) = (
        str_at(obj, "/kind").to_string(),
        str_at(obj, "/metadata/name").to_string(),
    );
    let pointers = annotation_pointers(obj, warn);
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in NOISE {
                meta.remove(k);
            }
        }
    }
    for r in rules.iter().filter(|r| r.matches(&kind, &name)) {
        r.pointer.remove_from(&mut v);
    }
    for p in &pointers {
        p.remove_from(&mut v);
    }
    // what the rules emptied is gone on both sides alike
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|_, f| !matches!(f, Value::Object(m) if m.is_empty()));
    }
    v
}

/// Objects as one YAML stream, each made [`comparable`].
pub fn comparable_stream(
    objs: &[Value],
    rules: &[IgnoreRule],
    warn: &mut dyn FnMut(String),
) -> String {
    let mut out = String::new();
    for o in objs {
        out.push_str("---\n");
        out.push_str(&goyaml::to_string(&comparable(o, rules, warn)));
    }
    out
}

/// One object of a deployed release.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveObject {
    /// The object as the cluster holds it; `None` when it was deleted by hand (missing).
    pub live: Option<Value>,
    /// What a server-side apply dry run of the release's object returns; for a missing object, the
    /// release's object itself.
    pub applied: Value,
}

/// The drift of a release's objects: an object whose live state differs from what applying the release
/// gives is `Modified` (old: live, new: applied), one that is gone is `Missing` (its whole object as
/// added lines). The report is in live mode (`Report::live`): text and simple output speak of drift.
pub fn live_report(
    objs: &[LiveObject],
    rules: &[IgnoreRule],
    opts: &DiffOptions,
) -> Result<Report, DiffError> {
    let mut warnings = Vec::new();
    let mut warn = |w: String| warnings.push(w);
    let (mut old, mut new, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    for o in objs {
        match &o.live {
            Some(live) => {
                old.push(live.clone());
                new.push(o.applied.clone());
            }
            None => missing.push(o.applied.clone()),
        }
    }
    let old = comparable_stream(&old, rules, &mut warn);
    let new = comparable_stream(&new, rules, &mut warn);
    let gone = comparable_stream(&missing, rules, &mut warn);
    let opts = DiffOptions {
        include_hooks: true,
        include_tests: true,
        find_renames: 0.0,
        ..opts.clone()
    };
    let mut report = diff::diff_manifests(&old, &new, &opts)?;
    let mut absent = diff::diff_manifests("", &gone, &opts)?;
    for e in &mut absent.entries {
        e.change = Change::Missing;
    }
    report.entries.extend(absent.entries);
    report.warnings.extend(absent.warnings);
    report.warnings.extend(warnings);
    report.live = true;
    Ok(report)
}

/// Each object's drift state, by key: `-` (none), `drifted` or `missing`, as `status --drift` shows it.
pub fn states(
    report: &Report,
    objs: &[LiveObject],
    namespace: &str,
) -> Vec<(ObjectKey, &'static str)> {
    let opts = DiffOptions::new(namespace);
    let mut out = Vec::new();
    for o in objs {
        let text = goyaml::to_string(&o.applied);
        let Ok((parsed, _)) = diff::parse_manifest(
            &text,
            &DiffOptions {
                include_hooks: true,
                include_tests: true,
                ..opts.clone()
            },
        ) else {
            continue;
        };
        for obj in parsed.into_values() {
            let state = match report.entries.iter().find(|e| e.key == obj.key) {
                Some(e) if e.change == Change::Missing => "missing",
                Some(_) => "drifted",
                None => "-",
            };
            out.push((obj.key, state));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(image: &str, replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "ns", "uid": "u", "resourceVersion": "7", "generation": 3,
                            "creationTimestamp": "2026-01-01T00:00:00Z", "managedFields": [{"manager": "helm"}],
                            "annotations": {"deployment.kubernetes.io/revision": "1"}},
               "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
               "status": {"replicas": replicas}})
    }

    fn opts() -> DiffOptions {
        DiffOptions::new("ns")
    }

    #[test]
    fn rules_parse_and_print() {
        let r = IgnoreRule::parse("Deployment/web:/spec/replicas").unwrap();
        assert_eq!(
            (r.kind.as_str(), r.name.as_deref(), r.pointer.0.clone()),
            (
                "Deployment",
                Some("web"),
                vec!["spec".to_string(), "replicas".into()]
            )
        );
        assert_eq!(r.to_string(), "Deployment/web:/spec/replicas");
        let esc = IgnoreRule::parse("ConfigMap:/metadata/annotations/a.io~1b~0c").unwrap();
        assert_eq!(esc.pointer.0.last().unwrap(), "a.io/b~c");
        assert_eq!(
            esc.to_string(),
            "ConfigMap:/metadata/annotations/a.io~1b~0c"
        );
        for bad in [
            "Deployment",
            "Deployment:spec/replicas",
            ":/spec",
            "Deployment/:/spec",
            "X:/a~2",
        ] {
            let e = IgnoreRule::parse(bad).unwrap_err();
            assert!(
                e.0.starts_with(&format!("invalid ignore rule {bad:?}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn noise_is_not_drift() {
        let live = deploy("web:1", 1);
        let mut applied = deploy("web:1", 1);
        applied["metadata"]["resourceVersion"] = json!("8");
        applied["metadata"]["generation"] = json!(4);
        applied["metadata"]["managedFields"] = json!([{"manager": "helm"}, {"manager": "kubectl"}]);
        applied["status"] = json!({"replicas": 0});
        let objs = [LiveObject {
            live: Some(live),
            applied,
        }];
        let r = live_report(&objs, &[], &opts()).unwrap();
        assert!(!r.has_changes(), "{}", r.to_text(None, false));
        assert_eq!(
            states(&r, &objs, "ns"),
            [(
                ObjectKey {
                    namespace: "ns".into(),
                    name: "web".into(),
                    kind: "Deployment".into(),
                    api: "apps".into()
                },
                "-"
            )]
        );
    }

    #[test]
    fn a_hand_edit_is_drift_and_rules_hide_it() {
        let objs = [LiveObject {
            live: Some(deploy("web:hacked", 3)),
            applied: deploy("web:1", 1),
        }];
        let r = live_report(&objs, &[], &opts()).unwrap();
        let text = r.to_text(Some(0), false);
        assert_eq!(
            text,
            "ns, web, Deployment (apps) has drifted:\n...\n-   replicas: 3\n+   replicas: 1\n...\n-       - image: web:hacked\n+       - image: web:1\n...\n"
        );
        assert_eq!(states(&r, &objs, "ns")[0].1, "drifted");
        // replicas ignored: the image still drifts
        let rules = [IgnoreRule::parse("deployment:/spec/replicas").unwrap()];
        let r = live_report(&objs, &rules, &opts()).unwrap();
        assert!(!r.to_text(None, false).contains("replicas"));
        assert!(r.has_changes());
        // every container's image, by wildcard, and the other name's rule does not count
        let rules = [
            IgnoreRule::parse("Deployment/web:/spec/replicas").unwrap(),
            IgnoreRule::parse("*:/spec/template/spec/containers/*/image").unwrap(),
        ];
        assert!(!live_report(&objs, &rules, &opts()).unwrap().has_changes());
        let other = [
            IgnoreRule::parse("Deployment/api:/spec/replicas").unwrap(),
            rules[1].clone(),
        ];
        assert!(live_report(&objs, &other, &opts()).unwrap().has_changes());
    }

    #[test]
    fn the_annotation_names_fields_to_ignore() {
        let mut live = deploy("web:1", 4);
        let mut applied = deploy("web:1", 1);
        for o in [&mut live, &mut applied] {
            o["metadata"]["annotations"][IGNORE_ANNOTATION] =
                json!("/spec/replicas, /metadata/labels/x");
        }
        live["metadata"]["labels"] = json!({"x": "1"});
        let r = live_report(
            &[LiveObject {
                live: Some(live.clone()),
                applied: applied.clone(),
            }],
            &[],
            &opts(),
        )
        .unwrap();
        assert!(!r.has_changes(), "{}", r.to_text(None, false));
        // an unreadable pointer is a warning, the rest still counts
        for o in [&mut live, &mut applied] {
            o["metadata"]["annotations"][IGNORE_ANNOTATION] =
                json!("spec/replicas,/metadata/labels/x");
        }
        let r = live_report(
            &[LiveObject {
                live: Some(live),
                applied,
            }],
            &[],
            &opts(),
        )
        .unwrap();
        assert!(r.has_changes());
        assert!(r.warnings.iter().any(|w| w.contains("Deployment web: annotation kubehelm.io/drift-ignore: the pointer \"spec/replicas\"")), "{:?}", r.warnings);
    }

    #[test]
    fn missing_objects_are_reported_not_errors() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
        let objs = [
            LiveObject {
                live: None,
                applied: cm,
            },
            LiveObject {
                live: Some(deploy("web:1", 1)),
                applied: deploy("web:1", 1),
            },
        ];
        let r = live_report(&objs, &[], &opts()).unwrap();
        assert_eq!(r.to_text(None, false), "ns, c, ConfigMap (v1) is missing:\n+ apiVersion: v1\n+ data:\n+   a: \"1\"\n+ kind: ConfigMap\n+ metadata:\n+   name: c\n");
        assert_eq!(
            r.to_simple(false),
            "ns, c, ConfigMap (v1) is missing.\nDrift: 0 drifted, 1 missing.\n"
        );
        let js: Value = serde_json::from_str(&r.to_json(None)).unwrap();
        assert_eq!(
            (&js[0]["change"], &js[0]["old"], &js[0]["new"]["data"]["a"]),
            (&json!("missing"), &Value::Null, &json!("1"))
        );
        let st: Vec<&str> = states(&r, &objs, "ns")
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(st, ["missing", "-"]);
    }

    #[test]
    fn objects_to_apply_carry_ownership() {
        let m = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    x: z\n---\n# empty\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s\n";
        let objs = objects_to_apply(m, "rel", "ns").unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(
            objs[0]["metadata"]["labels"],
            json!({"x": "z", "app.kubernetes.io/managed-by": "Helm"})
        );
        assert_eq!(
            objs[1]["metadata"]["annotations"],
            json!({"meta.helm.sh/release-name": "rel", "meta.helm.sh/release-namespace": "ns"})
        );
        assert!(objects_to_apply("a: [", "r", "n")
            .unwrap_err()
            .0
            .starts_with("reading the release manifest: "));
    }
}

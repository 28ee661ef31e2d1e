//! Chart rendering: the template context, Helm's own functions, NOTES, hooks and kind order.
//!
//! Mirrors Helm's `pkg/engine` (context per chart, parse order, partials, `<no value>` removal, error
//! reformatting) and the rendering half of `pkg/action` (NOTES, hook split, kind-sorted manifests).

pub mod duration;
pub mod funcs;
pub mod glob;
pub mod manifest;
pub mod objects;
pub mod pipeline;
pub mod toml;

use crate::chart::{Chart, Content, Metadata};
use crate::template::{Map, MissingKey, Templates, Value};
use objects::{Capabilities, Files, KubeVersion, VersionSet};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

/// `.Release` as Helm fills it.
#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_install: bool,
    pub is_upgrade: bool,
}

/// What `.Capabilities` reports: defaults for `chart template`, discovery for `release install`.
#[derive(Debug, Clone)]
pub struct CapabilitiesInput {
    /// `--kube-version` or the cluster's version; `None` = Helm's default (`compat::HelmCompat::default_kube_version`).
    pub kube_version: Option<String>,
    /// The API versions; Helm's defaults plus `--api-versions` for offline rendering.
    pub api_versions: Vec<String>,
}

impl Default for CapabilitiesInput {
    fn default() -> Self {
        CapabilitiesInput {
            kube_version: None,
            api_versions: crate::compat::current().default_api_versions().iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl CapabilitiesInput {
    pub fn kube_version(&self) -> Result<KubeVersion, String> {
        KubeVersion::parse(self.kube_version.as_deref().unwrap_or(crate::compat::current().default_kube_version()))
    }
}

/// How the engine runs: Helm's `Strict` (missingkey=error) and `LintMode` (`required` and `fail` only
/// log, as `helm lint` wants). Log lines are Helm's slog text lines (`level=WARN msg=… message=…`).
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    pub strict: bool,
    pub lint_mode: bool,
    pub log: Rc<std::cell::RefCell<Vec<String>>>,
    /// `lookup` against a live cluster; `None` = Helm's offline stub (an empty map).
    pub lookup: Option<LookupFn>,
}

/// Helm's `lookup apiVersion kind namespace name`: the live object (or, with an empty name, the list) as
/// JSON, an empty map when it does not exist, `Err` with the cluster's message otherwise.
#[derive(Clone)]
pub struct LookupFn(pub Rc<dyn Fn(&str, &str, &str, &str) -> Result<serde_json::Value, String>>);

impl fmt::Debug for LookupFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LookupFn")
    }
}

/// A rendering failure, with Helm's text.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderError(pub String);

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenderError {}

/// `.Chart`: Helm v4 hands templates the metadata as a map with Go field names, plus `IsRoot`.
pub fn metadata_map(m: &Metadata, is_root: bool) -> Value {
    let s = |x: &str| Value::str(x);
    let strings = |v: &[String]| Value::list(v.iter().map(|x| Value::str(x)).collect());
    let mut map = Map::new();
    map.insert("Name".into(), s(&m.name));
    map.insert("Home".into(), s(&m.home));
    map.insert("Sources".into(), strings(&m.sources));
    map.insert("Version".into(), s(&m.version));
    map.insert("Description".into(), s(&m.description));
    map.insert("Keywords".into(), strings(&m.keywords));
    map.insert(
        "Maintainers".into(),
        Value::list(
            m.maintainers
                .iter()
                .map(|x| {
                    Value::map(Map::from([
                        ("Name".into(), s(&x.name)),
                        ("Email".into(), s(&x.email)),
                        ("URL".into(), s(&x.url)),
                    ]))
                })
                .collect(),
        ),
    );
    map.insert("Icon".into(), s(&m.icon));
    map.insert("APIVersion".into(), s(&m.api_version));
    map.insert("Condition".into(), s(&m.condition));
    map.insert("Tags".into(), s(&m.tags));
    map.insert("AppVersion".into(), s(&m.app_version));
    map.insert("Deprecated".into(), Value::Bool(m.deprecated));
    map.insert(
        "Annotations".into(),
        Value::map(m.annotations.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
    );
    map.insert("KubeVersion".into(), s(&m.kube_version));
    map.insert(
        "Dependencies".into(),
        Value::list(
            m.dependencies
                .iter()
                .map(|d| {
                    Value::map(Map::from([
                        ("Name".into(), s(&d.name)),
                        ("Version".into(), s(&d.version)),
                        ("Repository".into(), s(&d.repository)),
                        ("Condition".into(), s(&d.condition)),
                        ("Tags".into(), strings(&d.tags)),
                        ("Enabled".into(), Value::Bool(d.enabled)),
                        (
                            "ImportValues".into(),
                            Value::list(d.import_values.iter().map(Value::from_json).collect()),
                        ),
                        ("Alias".into(), s(&d.alias)),
                    ]))
                })
                .collect(),
        ),
    );
    map.insert("Type".into(), s(&m.r#type));
    map.insert("IsRoot".into(), Value::Bool(is_root));
    Value::map(map)
}

/// One template file to execute, with the context it sees.
struct Renderable {
    /// The chart file's own text when it is valid UTF-8 (the usual case), else a lossy copy.
    text: Arc<str>,
    context: Value,
    base_path: String,
}

/// Walk the chart tree as Helm's recAllTpls does: each chart gets a context map whose `.Values` is its
/// slice of the parent's values; returns that context (it becomes the parent's `.Subcharts.NAME`).
fn collect_templates(
    chart: &Chart,
    full_path: &str,
    is_root: bool,
    parent: &Map,
    out: &mut BTreeMap<String, Renderable>,
) -> Value {
    let files: BTreeMap<String, Content> = chart.files.iter().map(|f| (f.name.clone(), f.data.clone())).collect();
    // `.Values` is a `common.Values` (a map with methods): the root's own, a subchart's the table of
    // its name in the parent's (`values.Table("Values." + name)`), else empty.
    let values = if is_root {
        parent.get("Values").cloned().unwrap_or_else(|| objects::Values::new(Default::default()))
    } else {
        let sub = match parent.get("Values").map(Value::underlying) {
            Some(Value::Map(m)) => match m.borrow().get(chart.name()).map(Value::underlying) {
                Some(Value::Map(sub)) => Some(sub),
                _ => None,
            },
            _ => None,
        };
        objects::Values::new(sub.unwrap_or_default())
    };
    let subcharts = Value::empty_map();
    let mut next = Map::new();
    next.insert("Chart".into(), metadata_map(&chart.metadata, is_root));
    next.insert("Files".into(), Files::new(files));
    next.insert("Release".into(), parent.get("Release").cloned().unwrap_or_default());
    next.insert("Capabilities".into(), parent.get("Capabilities").cloned().unwrap_or_default());
    next.insert("Values".into(), values);
    next.insert("Subcharts".into(), subcharts.clone());

    for child in &chart.dependencies {
        let child_path = format!("{full_path}/charts/{}", child.name());
        let child_ctx = collect_templates(child, &child_path, false, &next, out);
        if let Value::Map(m) = &subcharts {
            m.borrow_mut().insert(child.name().to_string(), child_ctx);
        }
    }

    let context = Value::map(next);
    let library = chart.is_library();
    for t in &chart.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if library && !base.starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full_path}/{}", t.name),
            Renderable {
                text: match t.data.shared_text() {
                    Some(text) => text.clone(),
                    None => Arc::from(String::from_utf8_lossy(&t.data)),
                },
                context: context.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    context
}

/// Helm's parse order: deeper paths first, and within one depth reverse lexical order (so a parent
/// chart's `define` parsed last wins over a subchart's).
fn sort_templates(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut keys: Vec<String> = names.collect();
    keys.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
    keys
}

/// Render every template of the chart and its subcharts with the coalesced `values`
/// (Helm's `engine.Render`). Partials are parsed but not in the result; `<no value>` is removed.
pub fn render(
    chart: &Chart,
    values: &serde_json::Map<String, serde_json::Value>,
    release: &ReleaseOptions,
    caps: &CapabilitiesInput,
    opts: &EngineOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let mut rendered = BTreeMap::new();
    render_each(chart, values, release, caps, opts, &mut |name, out| {
        rendered.insert(name, out);
    })?;
    Ok(rendered)
}

/// [`render`] handing each file's output to `sink` (template name, text) as soon as it is executed,
/// in Helm's execution order, so a caller can work on it while the rest renders.
pub fn render_each(
    chart: &Chart,
    values: &serde_json::Map<String, serde_json::Value>,
    release: &ReleaseOptions,
    caps: &CapabilitiesInput,
    opts: &EngineOptions,
    sink: &mut dyn FnMut(String, String),
) -> Result<(), RenderError> {
    let kube_version = caps.kube_version().map_err(RenderError)?;
    let capabilities = Value::Object(Rc::new(Capabilities {
        kube_version: Rc::new(kube_version),
        api_versions: Rc::new(VersionSet(caps.api_versions.clone())),
    }));
    let mut top = Map::new();
    top.insert("Capabilities".into(), capabilities);
    top.insert(
        "Release".into(),
        Value::map(Map::from([
            ("Name".into(), Value::str(&release.name)),
            ("Namespace".into(), Value::str(&release.namespace)),
            ("IsUpgrade".into(), Value::Bool(release.is_upgrade)),
            ("IsInstall".into(), Value::Bool(release.is_install)),
            ("Revision".into(), Value::Int(release.revision)),
            ("Service".into(), Value::str("Helm")),
        ])),
    );
    let values = match Value::from_json(&serde_json::Value::Object(values.clone())) {
        Value::Map(m) => m,
        _ => Default::default(),
    };
    top.insert("Values".into(), objects::Values::new(values));

    let mut tpls = BTreeMap::new();
    collect_templates(chart, chart.name(), true, &top, &mut tpls);

    let mut set = Templates::new(funcs::helm_funcs(opts));
    set.set_missing_key(if opts.strict { MissingKey::Error } else { MissingKey::Zero });
    let keys = sort_templates(tpls.keys().cloned());
    for name in &keys {
        set.add_shared(name, tpls[name].text.clone()).map_err(|e| RenderError(cleanup_parse_error(name, &e.to_string())))?;
    }

    for name in &keys {
        let base = name.rsplit('/').next().unwrap_or(name);
        if base.starts_with('_') {
            continue;
        }
        let r = &tpls[name];
        if let Value::Map(ctx) = &r.context {
            ctx.borrow_mut().insert(
                "Template".into(),
                Value::map(Map::from([
                    ("Name".into(), Value::str(name)),
                    ("BasePath".into(), Value::str(&r.base_path)),
                ])),
            );
        }
        match set.execute(name, &r.context) {
            Ok(out) => {
                let mut out = if out.contains("<no value>") { out.replace("<no value>", "") } else { out };
                // Rendered text is kept until the manifests are sorted: drop the growth slack.
                out.shrink_to_fit();
                sink(name.clone(), out);
            }
            Err(e) => return Err(RenderError(reformat_exec_error(&e))),
        }
    }
    Ok(())
}

/// Helm's TemplateName: render `--name-template` with Sprig's functions and no data.
pub fn name_template(text: &str) -> Result<String, String> {
    let mut set = Templates::new(gosprig::funcs());
    set.add("name-template", text).map_err(|e| e.to_string())?;
    set.execute("name-template", &Value::Nil).map_err(|e| e.to_string())
}

/// Helm's ValidateReleaseName: DNS-1123 subdomain-like, at most 53 characters.
pub fn validate_release_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("no name provided".into());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.len() > 53 || !name.split('.').all(label_ok) {
        return Err("invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53".into());
    }
    Ok(())
}

/// Helm's cleanupParseError: `parse error at (FILE:LINE): MESSAGE`.
fn cleanup_parse_error(filename: &str, err: &str) -> String {
    let tokens: Vec<&str> = err.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({filename}): {err}");
    }
    format!("parse error at ({}): {}", tokens[1], tokens[tokens.len() - 1])
}

/// Helm's reformatExecErrorMsg: `required`/`fail` messages shown alone with their location; chains of
/// template errors shown one location per block; anything else as Go printed it.
fn reformat_exec_error(err: &crate::template::Error) -> String {
    let text = err.to_string();
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return text;
    }
    if let Some(start) = tokens[2].find(funcs::WARN_START) {
        let rest = &tokens[2][start + funcs::WARN_START.len()..];
        if let Some(end) = rest.rfind(funcs::WARN_END) {
            return format!("execution error at ({}): {}", tokens[1], &rest[..end]);
        }
    }
    let chain = err.chain_heads();
    let mut blocks: Vec<(String, String, String)> = Vec::new();
    for level in &chain {
        match parse_traceable(level) {
            Some(t) => {
                if blocks.last() != Some(&t) {
                    blocks.push(t);
                }
            }
            None => return text,
        }
    }
    let mut out = String::new();
    for (location, executed, message) in &blocks {
        if !location.is_empty() {
            out.push_str(location);
            out.push_str("\n  ");
        }
        if !executed.is_empty() {
            out.push_str(executed);
            out.push_str("\n    ");
        }
        if !message.is_empty() {
            out.push_str(message);
            out.push('\n');
        }
    }
    out.trim().to_string()
}

/// One link of Go's error chain parsed as Helm's parseTemplateExecErrorString does:
/// (location, `executing "NAME" at <NODE>:`, message).
fn parse_traceable(s: &str) -> Option<(String, String, String)> {
    let rest = s.strip_prefix("template: ")?;
    if rest.starts_with("no template ") {
        return Some((String::new(), String::new(), s.to_string()));
    }
    let cut = |m: &str| m.find(" template:").map(|i| m[..i].to_string()).unwrap_or_else(|| m.to_string());
    if let Some(idx) = rest.find(": executing ") {
        let location = &rest[..idx];
        let after = &rest[idx + ": executing ".len()..];
        let after = after.strip_prefix('"')?;
        let end_quote = after.find('"')?;
        let function = &after[..end_quote];
        let after_func = after[end_quote + 1..].strip_prefix(" at <")?;
        let end_loc = after_func.find(">: ")?;
        let node = &after_func[..end_loc];
        let message = &after_func[end_loc + 3..];
        return Some((location.to_string(), format!("executing \"{function}\" at <{node}>:"), cut(message)));
    }
    let sep = rest.rfind(": ")?;
    Some((rest[..sep].to_string(), String::new(), cut(&rest[sep + 2..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_order_matches_helm() {
        let keys = sort_templates(
            ["c/templates/a.yaml", "c/templates/b.yaml", "c/charts/s/templates/x.yaml", "c/templates/_h.tpl"]
                .into_iter()
                .map(String::from),
        );
        assert_eq!(
            keys,
            ["c/charts/s/templates/x.yaml", "c/templates/b.yaml", "c/templates/a.yaml", "c/templates/_h.tpl"]
        );
    }

    #[test]
    fn parse_errors_are_shortened() {
        assert_eq!(
            cleanup_parse_error("c/templates/x.yaml", "template: c/templates/x.yaml:1: unexpected {{end}}"),
            "parse error at (c/templates/x.yaml:1): unexpected {{end}}"
        );
    }

    #[test]
    fn traceable_links() {
        let t = parse_traceable(
            "template: c/x.yaml:1:6: executing \"c/x.yaml\" at <include \"inner\" .>: error calling include: template: c/_h.tpl:1:31: executing \"inner\" at <.Values.a.b.c>: can't evaluate field b in type interface {}",
        )
        .unwrap();
        assert_eq!(t.0, "c/x.yaml:1:6");
        assert_eq!(t.1, "executing \"c/x.yaml\" at <include \"inner\" .>:");
        assert_eq!(t.2, "error calling include:");
    }

    /// Render one template of a one-chart tree with `values` and return its output or error.
    pub(crate) fn render_one(text: &str, values: serde_json::Value) -> Result<String, String> {
        let mut chart = Chart::default();
        chart.metadata.name = "c".into();
        chart.templates = vec![crate::chart::File { name: "templates/t.yaml".into(), data: text.as_bytes().into() }];
        let release = ReleaseOptions {
            name: "r".into(),
            namespace: "ns".into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
        };
        let values = values.as_object().cloned().unwrap_or_default();
        render(&chart, &values, &release, &CapabilitiesInput::default(), &EngineOptions::default())
            .map(|mut m| m.remove("c/templates/t.yaml").unwrap_or_default())
            .map_err(|e| e.0)
    }

    /// `.Values` is Helm's `common.Values`: its methods as Go calls them (expectations from Helm's
    /// pkg/chart/common/values.go and values_test.go).
    #[test]
    fn values_methods() {
        let v = serde_json::json!({"a": {"b": {"c": 1}}, "name": "x"});
        let r = |t: &str| render_one(t, v.clone());
        assert_eq!(r("{{ typeOf .Values }} {{ kindOf .Values }}").unwrap(), "common.Values map");
        assert_eq!(r(r#"{{ dig "a" "b" "c" 0 .Values.AsMap }}"#).unwrap(), "1");
        assert_eq!(r("{{ typeOf .Values.AsMap }}").unwrap(), "map[string]interface {}");
        assert_eq!(r(r#"{{ (.Values.Table "a.b").c }} {{ typeOf (.Values.Table "a") }}"#).unwrap(), "1 common.Values");
        assert_eq!(r(r#"{{ .Values.PathValue "a.b.c" }} {{ .Values.PathValue "name" }}"#).unwrap(), "1 x");
        assert_eq!(r("{{ .Values.YAML }}").unwrap(), "a:\n  b:\n    c: 1\nname: x\n");
        assert_eq!(r("{{ .Values.name }} {{ len .Values }}").unwrap(), "x 2");
        let e = r(r#"{{ .Values.Table "a.x" }}"#).unwrap_err();
        assert!(e.ends_with("error calling Table: \"x\" is not a table"), "{e}");
        let e = r(r#"{{ .Values.PathValue "a.b" }}"#).unwrap_err();
        assert!(e.ends_with("error calling PathValue: \"b\" is not a value"), "{e}");
        let e = r(r#"{{ .Values.PathValue "" }}"#).unwrap_err();
        assert!(e.ends_with("error calling PathValue: YAML path cannot be empty"), "{e}");
        let e = r("{{ .Values.Table }}").unwrap_err();
        assert!(e.ends_with("wrong number of args for Table: want 1 got 0"), "{e}");
        let e = r("{{ .Files.Get }}").unwrap_err();
        assert!(e.ends_with("wrong number of args for Get: want 1 got 0"), "{e}");
    }

    #[test]
    fn capabilities_methods() {
        let r = |t: &str| render_one(t, serde_json::json!({}));
        assert_eq!(r(r#"{{ .Capabilities.APIVersions.Has "apps/v1" }}"#).unwrap(), "true");
        assert_eq!(r("{{ .Capabilities.KubeVersion.GitVersion }}").unwrap(), r("{{ .Capabilities.KubeVersion }}").unwrap());
        assert_eq!(r("{{ .Capabilities.Copy.KubeVersion.Major }}").unwrap(), "1");
        // A constant is checked against the parameter type at evaluation, as Go's evalArg does.
        let e = r("{{ .Capabilities.APIVersions.Has 1 }}").unwrap_err();
        assert!(e.ends_with("expected string; found 1"), "{e}");
    }

    /// Helm v4.3's duration functions and mustToToml (pkg/engine/funcs_test.go).
    #[test]
    fn v4_3_functions() {
        if crate::compat::current() != crate::compat::HelmCompat::V4_3 {
            return;
        }
        let r = |t: &str| render_one(t, serde_json::json!({}));
        assert_eq!(r(r#"{{ durationSeconds "1m30s" }} {{ durationMilliseconds "1.5s" }}"#).unwrap(), "90 1500");
        assert_eq!(r(r#"{{ mustToDuration "90" }} {{ durationRoundTo "2h13m" "1h" }}"#).unwrap(), "1m30s 2h0m0s");
        assert_eq!(r(r#"{{ durationHours 5400 }} {{ durationDays "36h" }} {{ durationSeconds "bad" }}"#).unwrap(), "1.5 1.5 0");
        assert_eq!(r(r#"{{ mustToDuration "1h" | toJson }}"#).unwrap(), "3600000000000");
        let e = r(r#"{{ mustToDuration "bad" }}"#).unwrap_err();
        assert!(e.ends_with("error calling mustToDuration: could not parse duration \"bad\""), "{e}");
        assert_eq!(r(r#"{{ dict "a" 1 | mustToToml }}"#).unwrap(), "a = 1\n");
        let e = r(r#"{{ list 1 | mustToToml }}"#).unwrap_err();
        assert!(e.contains("error calling mustToToml: toml: top-level values must be Go maps or structs"), "{e}");
    }
}

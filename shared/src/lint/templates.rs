//! The template rules (Helm's `rules.Templates`): the chart renders in lint mode, and each rendered
//! YAML file parses into objects with valid names, current APIs and selectors.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value;

use super::k8s::{decode_documents, validate_metadata_name, K8sObject};
use super::{deprecations, LintOptions, Linter, Severity};
use crate::chart::{go_ext, metadata_quote};
use crate::render::{self, CapabilitiesInput, EngineOptions, ReleaseOptions, RenderError};
use crate::values::{self, Values};

pub(super) fn templates(l: &mut Linter, user: &Values, opts: &LintOptions) {
    let dir = "templates/";
    let path = l.chart_dir.join("templates");
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            l.rule(Severity::Warning, dir, Err("directory does not exist".into()));
            return;
        }
        Err(e) => {
            l.rule(Severity::Error, dir, Err(crate::chart::go_os_error("stat", &path, &e)));
            return;
        }
        Ok(md) if !md.is_dir() => {
            l.rule(Severity::Error, dir, Err("not a directory".into()));
            return;
        }
        Ok(_) => {}
    }

    let mut chart = match crate::chart::load(&l.chart_dir) {
        Ok(c) => {
            super::loader_log(&c, &mut l.log);
            c
        }
        Err(e) => {
            l.rule(Severity::Error, dir, Err(e.to_string()));
            return;
        }
    };
    let release = ReleaseOptions {
        name: "test-release".into(),
        namespace: opts.namespace.clone(),
        revision: 0,
        is_install: false,
        is_upgrade: false,
    };
    let caps = CapabilitiesInput { kube_version: opts.kube_version.clone(), ..Default::default() };

    // Failures here are silent in Helm: lint only reports what rendering itself says.
    match values::process_dependencies_with_warnings(&mut chart, user) {
        Ok(ws) => l.log.extend(ws.iter().map(|w| w.to_string())),
        Err(_) => return,
    }
    let cvals = match values::coalesce_with_warnings(&chart, user) {
        Ok((v, ws)) => {
            l.log.extend(ws.iter().map(|w| w.to_string()));
            v
        }
        Err(_) => return,
    };
    // ToRenderValuesWithSchemaValidation coalesces once more, then checks the schemas.
    let vals = match values::coalesce_with_warnings(&chart, &cvals) {
        Ok((v, ws)) => {
            l.log.extend(ws.iter().map(|w| w.to_string()));
            v
        }
        Err(e) => {
            l.rule(Severity::Error, dir, Err(e.to_string()));
            return;
        }
    };
    if !opts.skip_schema_validation {
        if let Err(e) = values::validate_schema(&chart, &vals) {
            l.rule(
                Severity::Error,
                dir,
                Err(format!("values don't meet the specifications of the schema(s) in the following chart(s):\n{e}")),
            );
            return;
        }
    }

    let log = Rc::new(RefCell::new(Vec::new()));
    let engine = EngineOptions { strict: false, lint_mode: true, log: log.clone(), lookup: None };
    let rendered = render::render(&chart, &vals, &release, &caps, &engine);
    l.log.extend(log.borrow().iter().cloned());
    let rendered = match rendered {
        Ok(r) => r,
        Err(RenderError(e)) => {
            l.rule(Severity::Error, dir, Err(e));
            return;
        }
    };

    let (major, minor) = match caps.kube_version() {
        Ok(kv) => (kv.major, kv.minor),
        Err(_) => ("1".to_string(), "35".to_string()),
    };
    for t in &chart.templates {
        let name = t.name.as_str();
        l.rule(Severity::Error, name, allowed_extension(name));
        let ext = go_ext(name).to_ascii_lowercase();
        if ext != ".yaml" && ext != ".yml" {
            continue;
        }
        let key = format!("{}/{}", chart.name(), name);
        let content = rendered.get(&key).map(String::as_str).unwrap_or("");
        if content.trim().is_empty() {
            continue;
        }
        l.rule(Severity::Warning, name, top_indent_level(content));
        for doc in decode_documents(content.as_bytes()) {
            let obj = match doc {
                Err(e) => {
                    l.rule(Severity::Error, name, Err(format!("unable to parse YAML: {e}")));
                    return;
                }
                Ok(None) => continue,
                Ok(Some(o)) => o,
            };
            l.rule(Severity::Warning, name, validate_metadata_name(&obj));
            l.rule(Severity::Warning, name, deprecations::check(&obj.api_version, &obj.kind, &major, &minor));
            l.rule(Severity::Error, name, match_selector(&obj, content));
            l.rule(Severity::Error, name, list_annotations(&obj, content));
        }
    }
}

fn allowed_extension(name: &str) -> Result<(), String> {
    let ext = go_ext(name);
    if [".yaml", ".yml", ".tpl", ".txt"].contains(&ext) {
        return Ok(());
    }
    Err(format!("file extension '{ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"))
}

/// Helm's `validateTopIndentLevel`: the first non-blank line must not be indented.
fn top_indent_level(content: &str) -> Result<(), String> {
    for line in content.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() >= 64 * 1024 {
            return Err("bufio.Scanner: token too long".into());
        }
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            return Err(format!(
                "document starts with an illegal indent: {}, which may cause parsing problems",
                metadata_quote(line)
            ));
        }
        return Ok(());
    }
    Ok(())
}

fn match_selector(obj: &K8sObject, manifest: &str) -> Result<(), String> {
    match obj.kind.as_str() {
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
            if !manifest.contains("matchLabels") && !manifest.contains("matchExpressions") {
                return Err(format!(
                    "a {} must contain matchLabels or matchExpressions, and {} does not",
                    obj.kind,
                    metadata_quote(&obj.name)
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A case-insensitive field of a JSON object, as encoding/json matches struct fields.
fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(name).or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// Helm's `validateListAnnotations`: `helm.sh/resource-policy` has no effect inside a List.
fn list_annotations(obj: &K8sObject, manifest: &str) -> Result<(), String> {
    if obj.kind != "List" {
        return Ok(());
    }
    let v = goyaml::from_str(manifest).map_err(|e| format!("unable to parse YAML: {e}"))?;
    let Some(Value::Array(items)) = field(&v, "items") else { return Ok(()) };
    for item in items {
        let ann = field(item, "metadata").and_then(|m| field(m, "annotations"));
        if let Some(Value::Object(a)) = ann {
            if a.contains_key("helm.sh/resource-policy") {
                return Err("annotation 'helm.sh/resource-policy' within List objects are ignored".into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_and_extension() {
        assert!(top_indent_level("\n\napiVersion: v1\n").is_ok());
        assert_eq!(
            top_indent_level("\n  kind: x\n").unwrap_err(),
            "document starts with an illegal indent: \"  kind: x\", which may cause parsing problems"
        );
        assert!(allowed_extension("templates/a.tpl").is_ok());
        assert_eq!(
            allowed_extension("templates/a.YAML").unwrap_err(),
            "file extension '.YAML' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"
        );
    }
}

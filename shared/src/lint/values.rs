//! The values.yaml rule (Helm's `rules.ValuesWithOverrides`): well-formed, and valid against
//! values.schema.json once the user's values are laid over it.

use std::path::Path;

use serde_json::{Map, Value};

use super::{chartfile::read_file, Linter, Severity};
use crate::values::{coalesce_tables, validate_single_schema, Values, Warning};

pub(super) fn values_with_overrides(l: &mut Linter, overrides: &Values, skip_schema_validation: bool) {
    let file = "values.yaml";
    let path = l.chart_dir.join(file);
    if std::fs::metadata(&path).is_err() {
        l.rule(Severity::Info, file, Err("file does not exist".into()));
        return;
    }
    let r = validate_values_file(&path, overrides, skip_schema_validation, &mut l.log);
    l.rule(Severity::Error, file, r);
}

/// The lines `CoalesceTables(overrides, values)` logs when a user value and a chart default disagree
/// about being a table (Helm prints them as `level=INFO msg="warning: …"`).
fn table_conflicts(dst: &Values, src: &Values, prefix: &str, log: &mut Vec<String>) {
    let go_v = |v: &Value| gotemplate::fmt::display(&gotemplate::Value::from_json(v));
    for (key, val) in src {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        let Some(dv) = dst.get(key) else { continue };
        if dv.is_null() {
            continue;
        }
        let message = match (val, dv) {
            (Value::Object(sv), Value::Object(dm)) => {
                table_conflicts(dm, sv, &full, log);
                continue;
            }
            (Value::Object(_), _) => format!("warning: cannot overwrite table with non table for {full} ({})", go_v(val)),
            (v, Value::Object(_)) if !v.is_null() => {
                format!("warning: destination for {full} is a table. Ignoring non-table value ({})", go_v(val))
            }
            _ => continue,
        };
        log.push(Warning { level: "INFO", message, attrs: Vec::new() }.to_string());
    }
}

/// `common.ReadValues`: the first YAML document as a map (`common.Values`).
fn read_values(data: &[u8]) -> Result<Values, String> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(data)
        .map_err(|_| "error converting YAML to JSON: yaml: invalid leading UTF-8 octet".to_string())?;
    match goyaml::from_str(text).map_err(|e| e.to_string())? {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        other => {
            let kind = match other {
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                _ => "array",
            };
            Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type common.Values"
            ))
        }
    }
}

fn validate_values_file(
    path: &Path,
    overrides: &Values,
    skip_schema_validation: bool,
    log: &mut Vec<String>,
) -> Result<(), String> {
    let values = read_file(path)
        .and_then(|d| read_values(&d))
        .map_err(|e| format!("unable to parse YAML: {e}"))?;
    table_conflicts(overrides, &values, "", log);
    // Only the top-level chart's values are checked, with the overrides laid over them as tables.
    let coalesced = coalesce_tables(overrides.clone(), values);
    let schema_path = path.with_file_name("values.schema.json");
    let schema = std::fs::read(&schema_path).unwrap_or_default();
    if schema.is_empty() || skip_schema_validation {
        return Ok(());
    }
    validate_single_schema(&coalesced, &schema).map_err(|e| e.to_string())
}

//! The values.yaml rule (Helm's `rules.ValuesWithOverrides`): well-formed, and valid against
//! values.schema.json once the user's values are laid over it.

use std::path::Path;

use serde_json::{Map, Value};

use super::{chartfile::read_file, Linter, Severity};
use crate::values::{coalesce_tables, validate_single_schema, Values};

pub(super) fn values_with_overrides(l: &mut Linter, overrides: &Values, skip_schema_validation: bool) {
    let file = "values.yaml";
    let path = l.chart_dir.join(file);
    if std::fs::metadata(&path).is_err() {
        l.rule(Severity::Info, file, Err("file does not exist".into()));
        return;
    }
    let r = validate_values_file(&path, overrides, skip_schema_validation);
    l.rule(Severity::Error, file, r);
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

fn validate_values_file(path: &Path, overrides: &Values, skip_schema_validation: bool) -> Result<(), String> {
    let values = read_file(path)
        .and_then(|d| read_values(&d))
        .map_err(|e| format!("unable to parse YAML: {e}"))?;
    // Only the top-level chart's values are checked, with the overrides laid over them as tables.
    let coalesced = coalesce_tables(overrides.clone(), values);
    let schema_path = path.with_file_name("values.schema.json");
    let schema = std::fs::read(&schema_path).unwrap_or_default();
    if schema.is_empty() || skip_schema_validation {
        return Ok(());
    }
    validate_single_schema(&coalesced, &schema).map_err(|e| e.to_string())
}

//! Chart.yaml read on its own, as Helm's `chartutil.LoadChartfile` and `StrictLoadChartfile` read it
//! (used by lint): decoded without validation, and strictly (unknown fields are errors).

use serde_json::Value;

use super::metadata::decode_metadata;
use super::{Error, Metadata};

const METADATA_KEYS: &[&str] = &[
    "name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion",
    "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type",
];
const MAINTAINER_KEYS: &[&str] = &["name", "email", "url"];
const DEPENDENCY_KEYS: &[&str] =
    &["name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias"];

/// Chart.yaml parsed as sigs.k8s.io/yaml reads it into `interface{}` (BOM dropped).
pub fn parse_chartfile_yaml(data: &[u8]) -> Result<Value, Error> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(data)
        .map_err(|_| Error::msg("error converting YAML to JSON: yaml: invalid leading UTF-8 octet"))?;
    goyaml::from_str(text).map_err(|e| Error::msg(e.to_string()))
}

/// `chartutil.LoadChartfile` on bytes: `yaml.Unmarshal` into `Metadata`, no validation, no defaults.
pub fn load_chartfile(data: &[u8]) -> Result<Metadata, Error> {
    let v = parse_chartfile_yaml(data)?;
    let mut md = Metadata::default();
    decode_metadata(&v, &mut md)?;
    Ok(md)
}

/// `chartutil.StrictLoadChartfile` on bytes: as [`load_chartfile`], and a field Metadata does not
/// know is an error (`json: unknown field "x"`), found in the order Go's JSON decoder meets it.
pub fn strict_load_chartfile(data: &[u8]) -> Result<Metadata, Error> {
    let v = parse_chartfile_yaml(data)?;
    let mut md = Metadata::default();
    decode_metadata(&v, &mut md)?;
    if let Some(field) = first_unknown_field(&v) {
        return Err(Error::msg(format!(
            "error unmarshaling JSON: while decoding JSON: json: unknown field {}",
            super::metadata_quote(&field)
        )));
    }
    Ok(md)
}

/// Go's field matching: exact, else ASCII case-insensitive.
fn known(key: &str, names: &[&str]) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(key))
}

/// The first key, walking the document in JSON key order (sorted), that Metadata, Maintainer or
/// Dependency has no field for.
fn first_unknown_field(v: &Value) -> Option<String> {
    let Value::Object(top) = v else { return None };
    for (k, val) in top {
        if !known(k, METADATA_KEYS) {
            return Some(k.clone());
        }
        let nested = if k.eq_ignore_ascii_case("maintainers") {
            MAINTAINER_KEYS
        } else if k.eq_ignore_ascii_case("dependencies") {
            DEPENDENCY_KEYS
        } else {
            continue;
        };
        if let Value::Array(items) = val {
            for item in items {
                if let Value::Object(m) = item {
                    if let Some(bad) = m.keys().find(|mk| !known(mk, nested)) {
                        return Some(bad.clone());
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_in_order() {
        assert_eq!(first_unknown_field(&json!({"name": "a", "Version": "1"})), None);
        assert_eq!(first_unknown_field(&json!({"zz": 1, "aa": 2})).as_deref(), Some("aa"));
        assert_eq!(
            first_unknown_field(&json!({"maintainers": [{"name": "x", "github": "y"}], "zzz": 1})).as_deref(),
            Some("github")
        );
        assert_eq!(first_unknown_field(&json!({"dependencies": [{"name": "x", "import-values": []}]})), None);
    }
}

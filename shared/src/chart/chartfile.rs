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
    let dups = duplicate_top_level_keys(data);
    if !dups.is_empty() {
        let lines: Vec<String> = dups
            .iter()
            .map(|(line, key)| format!("\n  line {line}: key {} already set in map", super::metadata_quote(key)))
            .collect();
        return Err(Error::msg(format!("error converting YAML to JSON: yaml: unmarshal errors:{}", lines.concat())));
    }
    if let Some(field) = first_unknown_field(&v) {
        return Err(Error::msg(format!(
            "error unmarshaling JSON: while decoding JSON: json: unknown field {}",
            super::metadata_quote(&field)
        )));
    }
    Ok(md)
}

/// yaml.v2's strict mode rejects a key set twice in one mapping. This finds the simple, common case:
/// plain or quoted keys repeated at the top level of a block mapping (the first document only), with
/// their 1-based lines.
fn duplicate_top_level_keys(data: &[u8]) -> Vec<(usize, String)> {
    let text = String::from_utf8_lossy(data);
    let mut seen: Vec<String> = Vec::new();
    let mut dups = Vec::new();
    let mut started = false;
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with("---") || line.starts_with("...") {
            if started {
                break;
            }
            continue;
        }
        if line.is_empty() || line.starts_with([' ', '\t', '#']) {
            continue;
        }
        if line.starts_with(['-', '[', '{', '&', '*', '!', '?', '|', '>', '%', '@', '`']) {
            return Vec::new();
        }
        started = true;
        let Some(key) = top_level_key(line) else { continue };
        if seen.contains(&key) {
            dups.push((i + 1, key));
        } else {
            seen.push(key);
        }
    }
    dups
}

/// The key of a `key: value` line (quotes removed), when it is a plain string key.
fn top_level_key(line: &str) -> Option<String> {
    for q in ['"', '\''] {
        if let Some(rest) = line.strip_prefix(q) {
            let end = rest.find(q)?;
            return rest[end + 1..].trim_start().starts_with(':').then(|| rest[..end].to_string());
        }
    }
    let idx = line.match_indices(':').map(|(i, _)| i).find(|&i| {
        let after = &line[i + 1..];
        after.is_empty() || after.starts_with([' ', '\t'])
    })?;
    let raw = line[..idx].trim_end();
    // Numbers, booleans and null are not string keys; leave them to the decoder.
    let plain_scalar = raw.parse::<f64>().is_err()
        && !matches!(raw.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~" | "");
    plain_scalar.then(|| raw.to_string())
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

    #[test]
    fn duplicate_keys() {
        let d = duplicate_top_level_keys(b"apiVersion: v2\nname: a\n# c\nmaintainers:\n  - name: x\n  - name: y\n\"name\": b\n");
        assert_eq!(d, vec![(7, "name".to_string())]);
        assert!(duplicate_top_level_keys(b"a: 1\n---\na: 2\n").is_empty());
        assert!(duplicate_top_level_keys(b"- a\n- a\n").is_empty());
    }
}

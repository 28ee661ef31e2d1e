//! YAML exactly as Helm reads and writes it: sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1 scalars, merge
//! keys, numbers as float64, alias-bomb protection) and yaml.v2's emitter for `toYaml`.
//!
//! STUB: signatures only; the real implementation replaces these bodies.

use std::fmt;

/// A YAML error with Go's text, e.g. `yaml: line 3: mapping values are not allowed in this context`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `sigs.k8s.io/yaml.Unmarshal` into `interface{}`: one document; numbers become float64 (serde_json
/// f64), keys are stringified, merge keys applied. The error text is sigs.k8s.io/yaml's
/// (`error converting YAML to JSON: yaml: line 2: …`). An empty document is `null`.
pub fn from_str(text: &str) -> Result<serde_json::Value, Error> {
    let _ = text;
    Ok(serde_json::Value::Null)
}

/// Every document of a multi-document stream, as `from_str` reads each one.
pub fn from_str_all(text: &str) -> Result<Vec<serde_json::Value>, Error> {
    Ok(vec![from_str(text)?])
}

/// `sigs.k8s.io/yaml.Marshal`: json.Marshal → yaml.v2 Unmarshal → yaml.v2 Marshal. Ends with a newline
/// (Helm's `toYaml` trims it). `{}` for an empty map, `null` for null.
pub fn to_string(value: &serde_json::Value) -> String {
    let _ = value;
    String::new()
}

/// yaml.v3's encoder with `SetIndent(2)` (Helm's `toYamlPretty`).
pub fn to_string_pretty(value: &serde_json::Value) -> String {
    to_string(value)
}

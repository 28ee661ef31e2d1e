//! YAML exactly as Helm reads and writes it: sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1 scalars, merge
//! keys, numbers as float64, alias-bomb protection) and yaml.v2's emitter for `toYaml`.
//!
//! ```
//! let v = goyaml::from_str("replicas: 3\nenabled: yes\n").unwrap();
//! assert_eq!(v["enabled"], serde_json::json!(true));
//! assert_eq!(goyaml::to_string(&v), "enabled: true\nreplicas: 3\n");
//! ```
//!
//! Layers, each a port-in-spirit of go-yaml v2: `scanner` (tokens, read from the UTF-8 bytes in place)
//! → `parser` (events) → `decode` (node tree, Go values, JSON view); `head` (the same JSON view
//! reduced to a few paths, building nothing else: `read_head`); `resolve` (implicit tags); `encode`
//! (Go values → text through yaml.v2's emitter); `pretty` (yaml.v3's encoder for `toYamlPretty`);
//! `gonum` (Go number text).

mod decode;
mod encode;
mod gonum;
mod head;
mod parser;
mod pretty;
mod resolve;
mod scanner;

use std::fmt;

pub use decode::GoValue;

/// A YAML error with Go's text, e.g. `error converting YAML to JSON: yaml: line 3: mapping values are
/// not allowed in this context`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// The full text sigs.k8s.io/yaml returns (what Helm prints).
    pub message: String,
    /// The inner text without sigs.k8s.io/yaml's prefix: yaml.v2's own error (`yaml: line 3: …`), or
    /// the JSON stage's (`json: unsupported value: +Inf`, `unsupported map key of type: …`).
    pub yaml_message: String,
    /// The line yaml.v2 names in the message, when it names one.
    pub line: Option<usize>,
}

impl Error {
    fn from_failure(f: decode::Failure) -> Error {
        Error { message: format!("error converting YAML to JSON: {}", f.text), yaml_message: f.text, line: f.line }
    }
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
    let v = decode::unmarshal_first(text).map_err(Error::from_failure)?;
    decode::to_json(&v).map_err(Error::from_failure)
}

/// `from_str` reduced to what Helm reads of a rendered manifest (releaseutil.SimpleHead): when the
/// document is an object, only its `apiVersion`, `kind` and `metadata` keys, and of `metadata` (when
/// an object) only `name` and `annotations`. Same result and same error as `from_str` followed by that
/// reduction, but values are only built for those paths (the whole document is still parsed, so every
/// syntax error is still reported; documents using aliases, tags, merge keys, NaN/Inf, … take the
/// full decode).
pub fn read_head(text: &str) -> Result<serde_json::Value, Error> {
    from_str_keep(text, head::HEAD)
}

pub use head::{Keep, HEAD};

/// `from_str` with objects on the `keep` paths reduced to the kept keys (see `read_head`).
pub fn from_str_keep(text: &str, keep: &[Keep]) -> Result<serde_json::Value, Error> {
    head::from_str_keep(text, keep).map_err(Error::from_failure)
}

/// Test support: the reduction `from_str_keep` applies to a full `from_str` value.
#[doc(hidden)]
pub fn prune(value: serde_json::Value, keep: &[Keep]) -> serde_json::Value {
    head::prune(value, keep)
}

/// Test support: `from_str_keep`'s cheap pass alone (None when it hands over to the full decode).
#[doc(hidden)]
pub fn from_str_keep_cheap(text: &str, keep: &[Keep]) -> Option<Result<serde_json::Value, Error>> {
    head::cheap_only(text, keep).map(|r| r.map_err(Error::from_failure))
}

/// Every document of a multi-document stream (yaml.v2's Decoder), each converted as `from_str` does.
/// An empty stream gives no documents; `---` with nothing after it gives a `null` document.
pub fn from_str_all(text: &str) -> Result<Vec<serde_json::Value>, Error> {
    let docs = decode::unmarshal_all(text).map_err(Error::from_failure)?;
    docs.iter().map(|d| decode::to_json(d).map_err(Error::from_failure)).collect()
}

/// yaml.v2 `Unmarshal` into `interface{}` without the JSON step: ints stay ints, keys keep their
/// types. Errors carry yaml.v2's own text (`yaml: line 3: …`) in both `message` and `yaml_message`.
pub fn from_str_go(text: &str) -> Result<GoValue, Error> {
    decode::unmarshal_first(text)
        .map_err(|f| Error { message: f.text.clone(), yaml_message: f.text, line: f.line })
}

/// `sigs.k8s.io/yaml.Marshal`: json.Marshal → yaml.v2 Unmarshal → yaml.v2 Marshal. Ends with a newline
/// (Helm's `toYaml` trims it). `{}` for an empty map, `null` for null. Where Go's Marshal fails (the
/// JSON text is re-read by yaml.v2, which rejects e.g. a DEL character or a key over 1024 characters)
/// this returns `""`, as Helm's `toYaml` does; `try_to_string` gives the error.
pub fn to_string(value: &serde_json::Value) -> String {
    try_to_string(value).unwrap_or_default()
}

/// `sigs.k8s.io/yaml.Marshal` with its error (unwrapped yaml.v2 text, e.g.
/// `yaml: control characters are not allowed`).
pub fn try_to_string(value: &serde_json::Value) -> Result<String, Error> {
    encode::try_to_string(value).map_err(|f| Error { message: f.text.clone(), yaml_message: f.text, line: f.line })
}

/// yaml.v3's encoder with `SetIndent(2)` (Helm's `toYamlPretty`).
pub fn to_string_pretty(value: &serde_json::Value) -> String {
    pretty::to_string(value)
}

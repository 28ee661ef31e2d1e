//! The text Helm clear-signs in a .prov file: the chart's metadata YAML, `\n...\n`, then the YAML
//! `files:` map of archive names to `sha256:<hex>` (Helm's `messageBlock` / `ParseMessageBlock`).

use std::collections::BTreeMap;

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use super::Error;
use crate::chart::Metadata;

/// The separator between the metadata and the checksums. YAML's `---` may not start a line inside a
/// clear-signed block, so Helm uses the document end marker.
pub const SEPARATOR: &str = "\n...\n";

/// Helm's `provenance.Digest`: the lowercase hex SHA-256 of the bytes.
pub fn digest(data: &[u8]) -> String {
    let sum = Sha256::digest(data);
    sum.iter().map(|b| format!("{b:02x}")).collect()
}

/// The chart metadata as `yaml.Marshal(chart.Metadata)` (sigs.k8s.io/yaml) writes it: the JSON form
/// with its omitempty rules, then YAML with sorted keys. Unlike Chart.yaml in an archive, a v1 chart's
/// dependencies stay in: Helm marshals the loaded metadata as it is.
pub fn metadata_yaml(md: &Metadata) -> Result<String, Error> {
    let v = serde_json::to_value(md).map_err(|e| Error::new(format!("failed to marshal chart metadata: {e}")))?;
    goyaml::try_to_string(&v).map_err(|e| Error::new(format!("failed to marshal chart metadata: {}", e.message)))
}

/// The checksum part: `SumCollection{Files: {filename: "sha256:<hex>"}}` through sigs.k8s.io/yaml.
pub fn sums_yaml(filename: &str, sha256_hex: &str) -> Result<String, Error> {
    let v = json!({ "files": { filename: format!("sha256:{sha256_hex}") } });
    goyaml::try_to_string(&v).map_err(|e| Error::new(e.message))
}

/// Helm's `messageBlock`: metadata YAML, `\n...\n`, the checksum YAML of `archive` named `filename`.
pub fn message_block(metadata_yaml: &str, archive: &[u8], filename: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(metadata_yaml.len() + 128);
    out.push_str(metadata_yaml);
    out.push_str(SEPARATOR);
    out.push_str(&sums_yaml(filename, &digest(archive))?);
    Ok(out)
}

/// Helm's `SumCollection`: file and image checksums, each `sha256:<hex>` (or `sha512:`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SumCollection {
    pub files: BTreeMap<String, String>,
    pub images: BTreeMap<String, String>,
}

/// Helm's `ParseMessageBlock` for the checksums: the part after the first `\n...\n`, read as
/// sigs.k8s.io/yaml reads it into a `SumCollection` (unknown keys ignored, values must be strings).
pub fn parse_message_block(text: &str) -> Result<SumCollection, Error> {
    let mut parts = text.split(SEPARATOR);
    let _metadata = parts.next();
    let sums = match parts.next() {
        Some(p) => p,
        None => return Err(Error::new("message block must have at least two parts")),
    };
    let value = goyaml::from_str(sums).map_err(|e| Error::new(format!("error converting YAML to JSON: {}", e.message)))?;
    let mut sc = SumCollection::default();
    match value {
        Value::Null => {}
        Value::Object(m) => {
            for (key, target) in [("files", &mut sc.files), ("images", &mut sc.images)] {
                match m.get(key) {
                    None | Some(Value::Null) => {}
                    Some(Value::Object(entries)) => {
                        for (name, sum) in entries {
                            match sum {
                                Value::String(s) => {
                                    target.insert(name.clone(), s.clone());
                                }
                                Value::Null => {
                                    target.insert(name.clone(), String::new());
                                }
                                other => {
                                    return Err(unmarshal_error(other, &format!("SumCollection.{key}"), "string"))
                                }
                            }
                        }
                    }
                    Some(other) => {
                        return Err(unmarshal_error(other, &format!("SumCollection.{key}"), "map[string]string"))
                    }
                }
            }
        }
        other => return Err(unmarshal_error(&other, "", "provenance.SumCollection")),
    }
    Ok(sc)
}

/// encoding/json's `UnmarshalTypeError` as sigs.k8s.io/yaml wraps it.
fn unmarshal_error(v: &Value, field: &str, go_type: &str) -> Error {
    let kind = match v {
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    };
    let place = if field.is_empty() {
        format!("Go value of type {go_type}")
    } else {
        format!("Go struct field {field} of type {go_type}")
    };
    Error::new(format!("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into {place}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md() -> Metadata {
        let mut m = Metadata::default();
        m.api_version = "v2".into();
        m.name = "mychart".into();
        m.version = "0.1.0".into();
        m.app_version = "1.16.0".into();
        m.description = "A Helm chart for Kubernetes".into();
        m.r#type = "application".into();
        m.keywords = vec!["web".into(), "-dash".into()];
        m
    }

    #[test]
    fn body_is_helms_bytes() {
        let y = metadata_yaml(&md()).unwrap();
        assert_eq!(
            y,
            "apiVersion: v2\nappVersion: 1.16.0\ndescription: A Helm chart for Kubernetes\nkeywords:\n- web\n- -dash\nname: mychart\ntype: application\nversion: 0.1.0\n"
        );
        let body = message_block(&y, b"abc", "mychart-0.1.0.tgz").unwrap();
        assert!(body.starts_with(&y));
        assert!(body.ends_with(
            "version: 0.1.0\n\n...\nfiles:\n  mychart-0.1.0.tgz: sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
        ));
    }

    #[test]
    fn odd_file_names_are_quoted_as_yaml_does() {
        let s = sums_yaml("a: b.tgz", "00").unwrap();
        assert_eq!(s, "files:\n  'a: b.tgz': sha256:00\n");
        let sc = parse_message_block(&format!("x\n...\n{s}")).unwrap();
        assert_eq!(sc.files.get("a: b.tgz").map(String::as_str), Some("sha256:00"));
    }

    #[test]
    fn parses_what_it_writes() {
        let body = message_block("name: x\n", b"", "x-1.tgz").unwrap();
        let sc = parse_message_block(&body).unwrap();
        assert_eq!(sc.files.len(), 1);
        assert_eq!(sc.files["x-1.tgz"], format!("sha256:{}", digest(b"")));
    }

    #[test]
    fn malformed_blocks_are_errors_not_panics() {
        assert_eq!(parse_message_block("no separator").unwrap_err().to_string(), "message block must have at least two parts");
        assert_eq!(parse_message_block("").unwrap_err().to_string(), "message block must have at least two parts");
        assert!(parse_message_block("a\n...\nfiles: [1, 2]\n").unwrap_err().to_string().contains("cannot unmarshal array"));
        assert!(parse_message_block("a\n...\nfiles:\n  x: 3\n").unwrap_err().to_string().contains("cannot unmarshal number"));
        assert!(parse_message_block("a\n...\n- 1\n").unwrap_err().to_string().contains("SumCollection"));
        assert!(parse_message_block("a\n...\nfiles: {\n").is_err());
        // Nothing after the separator: no files, which verification reports by name.
        assert!(parse_message_block("a\n...\n").unwrap().files.is_empty());
        // Only the part between the first and second separator counts, as bytes.Split gives it.
        let sc = parse_message_block("a\n...\nfiles:\n  a: sha256:1\n...\nfiles:\n  b: sha256:2\n").unwrap();
        assert!(sc.files.contains_key("a") && !sc.files.contains_key("b"));
    }
}

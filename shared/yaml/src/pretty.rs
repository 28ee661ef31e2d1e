//! `toYamlPretty`: yaml.v3's encoder with SetIndent(2) on the Go value (no JSON round trip).

pub fn to_string(v: &serde_json::Value) -> String {
    crate::encode::try_to_string(v).unwrap_or_default()
}

//! `toYamlPretty`: yaml.v3's encoder with SetIndent(2) on the Go value (no JSON round trip): float64
//! numbers as strconv 'g' (`1e+06`), sequences indented under their key, no folding at 80 columns.

pub fn to_string(v: &serde_json::Value) -> String {
    crate::encode::encode_go_v3(&crate::encode::json_to_go(v))
}

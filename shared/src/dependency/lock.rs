//! Chart.lock digests and writing, as Helm's `resolver.HashReq` / `HashV2Req` and the downloader's
//! `writeLock` do them: SHA-256 of Go's `json.Marshal` text of the dependency lists.

use std::path::Path;

use serde_json::Value;

use super::Error;
use crate::chart::{Dependency, Lock};
use crate::repo::fsutil;

/// Go's `json.Marshal` of one `chart.Dependency` (field order and `omitempty` as Helm's struct tags).
pub fn dependency_json(d: &Dependency) -> String {
    let mut s = String::from("{\"name\":");
    s.push_str(&go_json(&Value::String(d.name.clone())));
    if !d.version.is_empty() {
        s.push_str(",\"version\":");
        s.push_str(&go_json(&Value::String(d.version.clone())));
    }
    s.push_str(",\"repository\":");
    s.push_str(&go_json(&Value::String(d.repository.clone())));
    if !d.condition.is_empty() {
        s.push_str(",\"condition\":");
        s.push_str(&go_json(&Value::String(d.condition.clone())));
    }
    if !d.tags.is_empty() {
        s.push_str(",\"tags\":");
        s.push_str(&go_json(&Value::from(d.tags.clone())));
    }
    if d.enabled {
        s.push_str(",\"enabled\":true");
    }
    if !d.import_values.is_empty() {
        s.push_str(",\"import-values\":");
        s.push_str(&go_json(&Value::Array(d.import_values.clone())));
    }
    if !d.alias.is_empty() {
        s.push_str(",\"alias\":");
        s.push_str(&go_json(&Value::String(d.alias.clone())));
    }
    s.push('}');
    s
}

fn list_json(deps: Option<&[Dependency]>) -> String {
    match deps {
        None => "null".into(),
        Some(ds) => format!("[{}]", ds.iter().map(dependency_json).collect::<Vec<_>>().join(",")),
    }
}

/// Go's `encoding/json` text of a JSON value: keys sorted, HTML characters escaped, float64 numbers
/// printed as Go prints them (`1`, not `1.0`).
pub fn go_json(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::Array(a) => format!("[{}]", a.iter().map(go_json).collect::<Vec<_>>().join(",")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            let body: Vec<String> =
                keys.iter().map(|k| format!("{}:{}", go_json(&Value::String((*k).clone())), go_json(&m[k.as_str()]))).collect();
            format!("{{{}}}", body.join(","))
        }
        other => html_escape(&other.to_string()),
    }
}

fn html_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// `resolver.HashReq(req, lock)`: `sha256:` + hex SHA-256 of `[req, lock]` as Go's JSON.
pub fn hash_req(req: Option<&[Dependency]>, lock: Option<&[Dependency]>) -> String {
    let text = format!("[{},{}]", list_json(req), list_json(lock));
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}

/// `resolver.HashV2Req(req)`: Helm 2's digest of `{"dependencies": req}`.
pub fn hash_v2_req(req: Option<&[Dependency]>) -> String {
    let text = format!("{{\"dependencies\":{}}}", list_json(req));
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}

/// The downloader's `writeLock`: Chart.lock (requirements.lock for v1 charts) as `yaml.Marshal` writes
/// it, refused when the file is a symlink, written atomically.
pub fn write_lock(chart_path: &Path, lock: &Lock, legacy: bool) -> Result<(), Error> {
    let data = crate::chart::save::lock_yaml(lock).map_err(|e| Error::new(e.to_string()))?;
    let name = if legacy { "requirements.lock" } else { "Chart.lock" };
    let dest = chart_path.join(name);
    match std::fs::symlink_metadata(&dest) {
        Ok(m) if m.file_type().is_symlink() => {
            let link = std::fs::read_link(&dest)
                .map_err(|e| Error::new(format!("error reading symlink for {}: {e}", quote(&dest.display().to_string()))))?;
            return Err(Error::new(format!("the {name} file is a symlink to {}", quote(&link.display().to_string()))));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::new(format!(
                "error getting info for {}: {}",
                quote(&dest.display().to_string()),
                fsutil::os_error("lstat", &dest, &e)
            )))
        }
    }
    fsutil::write_atomic(&dest, data.as_bytes(), 0o644).map_err(|e| Error::new(fsutil::os_error("open", &dest, &e)))
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str, version: &str, repo: &str) -> Dependency {
        Dependency { name: name.into(), version: version.into(), repository: repo.into(), ..Default::default() }
    }

    #[test]
    fn json_matches_go() {
        let mut d = dep("a", "", "https://x/<y>");
        d.tags = vec!["t".into()];
        d.import_values = vec![serde_json::json!({"child": "c", "parent": 1.0}), serde_json::json!("s")];
        d.enabled = true;
        assert_eq!(
            dependency_json(&d),
            r#"{"name":"a","repository":"https://x/\u003cy\u003e","tags":["t"],"enabled":true,"import-values":[{"child":"c","parent":1},"s"]}"#
        );
    }

    #[test]
    fn digest_of_helm_lock() {
        // `helm dependency update` (v4.1.4) of a chart with one file:// dependency wrote this digest.
        let req = vec![dep("sub", "~1.0", "file://../sub")];
        let lock = vec![dep("sub", "1.0.3", "file://../sub")];
        assert_eq!(
            hash_req(Some(&req), Some(&lock)),
            "sha256:a77aa305babdda997537fea74beec09d9429e760cbae08b15e4c685548f71d6d"
        );
        assert_eq!(hash_req(None, None), format!("sha256:{}", sha256_hex(b"[null,null]")));
    }
}

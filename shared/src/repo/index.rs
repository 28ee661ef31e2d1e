//! A chart repository's `index.yaml` (Helm's `repo.IndexFile`): loading (JSON or YAML), skipping
//! invalid entries as Helm does, versions sorted newest first by Masterminds semver, and `Get`
//! (exact version first, then the highest version a constraint accepts).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;

use gosemver::{Constraints, Version};
use serde_json::{Map, Value};

use super::repofile::{bool_field, field, str_field};
use super::{fsutil, Error};
use crate::chart::Metadata;

/// One version of a chart in an index (`repo.ChartVersion`): the chart's metadata plus where to get it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartVersion {
    pub metadata: Metadata,
    pub urls: Vec<String>,
    /// As written (RFC 3339); empty when absent.
    pub created: String,
    pub removed: bool,
    /// `sha256:<hex>` or bare hex, as the index gives it.
    pub digest: String,
}

impl ChartVersion {
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn version(&self) -> &str {
        &self.metadata.version
    }
}

/// A repository index (`repo.IndexFile`). Each entry's versions are sorted newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexFile {
    pub api_version: String,
    pub generated: String,
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    pub public_keys: Vec<String>,
    pub annotations: BTreeMap<String, String>,
}

/// `ChartVersions.Less` reversed: newest first; versions that do not parse go last.
fn newest_first(a: &ChartVersion, b: &ChartVersion) -> Ordering {
    match (Version::parse(a.version()), Version::parse(b.version())) {
        (Ok(x), Ok(y)) => y.compare(&x),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => Ordering::Equal,
    }
}

impl IndexFile {
    /// `repo.NewIndexFile`.
    pub fn new() -> IndexFile {
        IndexFile { api_version: "v1".into(), generated: super::now_rfc3339(), ..Default::default() }
    }

    /// `repo.LoadIndexFile`: `error loading PATH: …` when the content is bad.
    pub fn load_file(path: &Path) -> Result<IndexFile, Error> {
        let data = std::fs::read(path).map_err(|e| {
            Error::new(fsutil::os_error("open", path, &e)).with_not_found(e.kind() == std::io::ErrorKind::NotFound)
        })?;
        Self::load(&data, &path.display().to_string())
            .map_err(|e| Error::new(format!("error loading {}: {e}", path.display())))
    }

    /// Helm's `loadIndex`: `source` names the file or URL in warnings about skipped entries.
    pub fn load(data: &[u8], source: &str) -> Result<IndexFile, Error> {
        if data.is_empty() {
            return Err(Error::new("empty index.yaml file"));
        }
        let v: Value = match serde_json::from_slice(data) {
            Ok(v) => v,
            Err(_) => {
                let text = std::str::from_utf8(data)
                    .map_err(|_| Error::new("error converting YAML to JSON: yaml: invalid leading UTF-8 octet"))?;
                goyaml::from_str(text).map_err(|e| Error::new(e.to_string()))?
            }
        };
        let mut idx = IndexFile::default();
        let m = match &v {
            Value::Object(m) => m,
            Value::Null => return Err(Error::new("no API version specified")),
            _ => {
                return Err(Error::new(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type repo.IndexFile",
                ))
            }
        };
        idx.api_version = str_field(m, "apiVersion");
        idx.generated = str_field(m, "generated");
        if let Some(Value::Array(keys)) = field(m, "publicKeys") {
            idx.public_keys = keys.iter().filter_map(|k| k.as_str().map(str::to_string)).collect();
        }
        if let Some(Value::Object(a)) = field(m, "annotations") {
            idx.annotations = a.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect();
        }
        match field(m, "entries") {
            Some(Value::Object(entries)) => {
                for (name, versions) in entries {
                    let list = match versions {
                        Value::Array(a) => a,
                        Value::Null => {
                            idx.entries.insert(name.clone(), Vec::new());
                            continue;
                        }
                        _ => {
                            return Err(Error::new(format!(
                                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field IndexFile.entries of type repo.ChartVersions",
                                json_kind(versions)
                            )))
                        }
                    };
                    let mut out = Vec::with_capacity(list.len());
                    for item in list {
                        let Some(obj) = item.as_object() else {
                            if item.is_null() {
                                warn(&format!(
                                    "skipping loading invalid entry for chart {} from {source}: empty entry",
                                    quote(name)
                                ));
                                continue;
                            }
                            return Err(Error::new(format!(
                                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field IndexFile.entries of type repo.ChartVersion",
                                json_kind(item)
                            )));
                        };
                        let mut cv = decode_chart_version(obj)?;
                        if cv.metadata.api_version.is_empty() {
                            cv.metadata.api_version = "v1".into();
                        }
                        if let Err(e) = cv.metadata.validate() {
                            let text = e.to_string();
                            // helm/helm#12748: repositories that strip `alias` produce duplicate names.
                            if !text.starts_with("validation: more than one dependency with name or alias") {
                                warn(&format!(
                                    "skipping loading invalid entry for chart {} {} from {source}: {text}",
                                    quote(name),
                                    quote(cv.version())
                                ));
                                continue;
                            }
                        }
                        out.push(cv);
                    }
                    idx.entries.insert(name.clone(), out);
                }
            }
            Some(Value::Null) | None => {}
            Some(other) => {
                return Err(Error::new(format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field IndexFile.entries of type map[string]repo.ChartVersions",
                    json_kind(other)
                )))
            }
        }
        idx.sort_entries();
        if idx.api_version.is_empty() {
            return Err(Error::new("no API version specified"));
        }
        Ok(idx)
    }

    /// `SortEntries`: newest version first in every entry.
    pub fn sort_entries(&mut self) {
        for versions in self.entries.values_mut() {
            versions.sort_by(newest_first);
        }
    }

    /// `IndexFile.Get`: with a version, an exact string match first, then the first (newest) version
    /// the constraint accepts; without one, the newest stable version.
    pub fn get(&self, name: &str, version: &str) -> Result<&ChartVersion, Error> {
        let vs = self.entries.get(name).ok_or_else(|| Error::new("no chart name found"))?;
        if vs.is_empty() {
            return Err(Error::new("no chart version found"));
        }
        let constraint = Constraints::parse(if version.is_empty() { "*" } else { version })
            .map_err(|e| Error::new(e.to_string()))?;
        if !version.is_empty() {
            if let Some(v) = vs.iter().find(|v| v.version() == version) {
                return Ok(v);
            }
        }
        for v in vs {
            if let Ok(test) = Version::parse(v.version()) {
                if constraint.check(&test) {
                    if !version.is_empty() {
                        let w = crate::values::Warning {
                            level: "WARN",
                            message: "unable to find exact version requested; falling back to closest available version".into(),
                            attrs: vec![
                                ("chart".into(), name.to_string()),
                                ("requested".into(), version.to_string()),
                                ("selected".into(), v.version().to_string()),
                            ],
                        };
                        eprintln!("{w}");
                    }
                    return Ok(v);
                }
            }
        }
        Err(Error::new(format!("no chart version found for {name}-{version}")))
    }

    /// `IndexFile.Has`.
    pub fn has(&self, name: &str, version: &str) -> bool {
        self.get(name, version).is_ok()
    }

    /// The chart names, one a line, as the `<name>-charts.txt` cache file holds them.
    pub fn charts_txt(&self) -> String {
        self.entries.keys().map(|k| format!("{k}\n")).collect()
    }

    /// The index as sigs.k8s.io/yaml writes Helm's `IndexFile`.
    pub fn to_yaml(&self) -> String {
        let zero = |s: &str| if s.is_empty() { "0001-01-01T00:00:00Z".to_string() } else { s.to_string() };
        let mut entries = Map::new();
        for (name, versions) in &self.entries {
            let list = versions
                .iter()
                .map(|cv| {
                    let mut m = match serde_json::to_value(&cv.metadata) {
                        Ok(Value::Object(m)) => m,
                        _ => Map::new(),
                    };
                    m.insert("urls".into(), Value::from(cv.urls.clone()));
                    m.insert("created".into(), Value::String(zero(&cv.created)));
                    if cv.removed {
                        m.insert("removed".into(), Value::Bool(true));
                    }
                    if !cv.digest.is_empty() {
                        m.insert("digest".into(), Value::String(cv.digest.clone()));
                    }
                    Value::Object(m)
                })
                .collect();
            entries.insert(name.clone(), Value::Array(list));
        }
        let mut top = Map::new();
        top.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        top.insert("generated".into(), Value::String(zero(&self.generated)));
        top.insert("entries".into(), Value::Object(entries));
        if !self.public_keys.is_empty() {
            top.insert("publicKeys".into(), Value::from(self.public_keys.clone()));
        }
        if !self.annotations.is_empty() {
            let a = self.annotations.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
            top.insert("annotations".into(), Value::Object(a));
        }
        goyaml::to_string(&Value::Object(top))
    }
}

/// `IndexFile.Merge`: the versions of `other` this index does not have (by `Has`) are appended.
impl IndexFile {
    pub fn merge(&mut self, other: &IndexFile) {
        for versions in other.entries.values() {
            for cv in versions {
                if !self.has_quiet(cv.name(), cv.version()) {
                    self.entries.entry(cv.name().to_string()).or_default().push(cv.clone());
                }
            }
        }
    }

    /// `Has` without the fallback warning `Get` prints.
    fn has_quiet(&self, name: &str, version: &str) -> bool {
        let Some(vs) = self.entries.get(name).filter(|v| !v.is_empty()) else { return false };
        if vs.iter().any(|v| v.version() == version) {
            return true;
        }
        let Ok(c) = Constraints::parse(if version.is_empty() { "*" } else { version }) else { return false };
        vs.iter().any(|v| Version::parse(v.version()).is_ok_and(|t| c.check(&t)))
    }

    /// `MustAdd`: a chart version with its download URL (`base_url` joined with the file name when
    /// given) and digest, created now.
    pub fn must_add(&mut self, mut md: Metadata, filename: &str, base_url: &str, digest: &str) -> Result<(), Error> {
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        md.validate().map_err(|e| Error::new(format!("validate failed for {filename}: {e}")))?;
        let mut u = filename.to_string();
        if !base_url.is_empty() {
            let file = filename.rsplit('/').next().unwrap_or(filename);
            u = super::url::url_join(base_url, &[file])
                .unwrap_or_else(|_| super::url::go_clean(&format!("{base_url}/{file}")));
        }
        let cv = ChartVersion { metadata: md, urls: vec![u], created: super::now_rfc3339(), removed: false, digest: digest.to_string() };
        self.entries.entry(cv.metadata.name.clone()).or_default().push(cv);
        Ok(())
    }

    /// The index as Helm's `WriteJSONFile` writes it (`json.MarshalIndent`, two spaces, struct field
    /// order, HTML-escaped, no final newline).
    pub fn to_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Cv<'a> {
            #[serde(flatten)]
            metadata: &'a Metadata,
            urls: &'a [String],
            created: String,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            removed: bool,
            #[serde(skip_serializing_if = "str::is_empty")]
            digest: &'a str,
        }
        #[derive(serde::Serialize)]
        struct Idx<'a> {
            #[serde(rename = "apiVersion")]
            api_version: &'a str,
            generated: String,
            entries: BTreeMap<&'a str, Vec<Cv<'a>>>,
            #[serde(rename = "publicKeys", skip_serializing_if = "<[String]>::is_empty")]
            public_keys: &'a [String],
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            annotations: &'a BTreeMap<String, String>,
        }
        let zero = |s: &str| if s.is_empty() { "0001-01-01T00:00:00Z".to_string() } else { s.to_string() };
        let idx = Idx {
            api_version: &self.api_version,
            generated: zero(&self.generated),
            entries: self
                .entries
                .iter()
                .map(|(k, vs)| {
                    let list = vs
                        .iter()
                        .map(|cv| Cv { metadata: &cv.metadata, urls: &cv.urls, created: zero(&cv.created), removed: cv.removed, digest: &cv.digest })
                        .collect();
                    (k.as_str(), list)
                })
                .collect(),
            public_keys: &self.public_keys,
            annotations: &self.annotations,
        };
        crate::release::record::go_json_escape(&serde_json::to_string_pretty(&idx).unwrap_or_default())
    }
}

/// Go's `filepath.Glob` of one pattern level: the names in `dir` ending `.tgz`, sorted.
fn tgz_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().ends_with(".tgz"))).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// `repo.IndexDirectory`: every chart archive in `dir` and its direct subfolders (`*.tgz`,
/// `**/*.tgz` as Go's Glob reads them) added with its SHA-256 digest; files that do not load as
/// charts are skipped, a chart that fails validation is an error.
pub fn index_directory(dir: &Path, base_url: &str) -> Result<IndexFile, Error> {
    let mut archives = tgz_in(dir);
    let mut subdirs: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect(),
        Err(e) => return Err(Error::new(fsutil::os_error("open", dir, &e))),
    };
    subdirs.sort();
    for d in subdirs {
        archives.extend(tgz_in(&d));
    }
    let mut index = IndexFile::new();
    for arch in archives {
        let rel = arch.strip_prefix(dir).unwrap_or(&arch).to_string_lossy().into_owned();
        let (parent, fname) = match rel.rsplit_once('/') {
            Some((p, f)) => (p.to_string(), f.to_string()),
            None => (String::new(), rel.clone()),
        };
        let parent_url = super::url::url_join(base_url, &[parent.as_str()])
            .unwrap_or_else(|_| super::url::go_clean(&format!("{base_url}/{parent}")));
        let Ok(data) = std::fs::read(&arch) else { continue };
        let Ok(chart) = crate::chart::load_archive(&data) else { continue };
        let digest: String = {
            use sha2::Digest as _;
            sha2::Sha256::digest(&data).iter().map(|b| format!("{b:02x}")).collect()
        };
        index
            .must_add(chart.metadata.clone(), &fname, &parent_url, &digest)
            .map_err(|e| Error::new(format!("failed adding to {fname} to index: {e}")))?;
    }
    Ok(index)
}

fn decode_chart_version(obj: &Map<String, Value>) -> Result<ChartVersion, Error> {
    let mut md = Metadata::default();
    crate::chart::decode_metadata(&Value::Object(obj.clone()), &mut md).map_err(|e| Error::new(e.to_string()))?;
    let urls = match field(obj, "urls") {
        Some(Value::Array(a)) => a.iter().filter_map(|u| u.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    Ok(ChartVersion {
        metadata: md,
        urls,
        created: str_field(obj, "created"),
        removed: bool_field(obj, "removed"),
        digest: str_field(obj, "digest"),
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

fn warn(msg: &str) {
    eprintln!("level=WARN msg={}", quote(msg));
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"apiVersion: v1
entries:
  nginx:
  - apiVersion: v2
    name: nginx
    version: 1.2.0
    urls: [nginx-1.2.0.tgz]
    digest: abc
  - apiVersion: v2
    name: nginx
    version: 1.10.0
    urls: [https://cdn/nginx-1.10.0.tgz]
  - apiVersion: v2
    name: nginx
    version: 2.0.0-beta.1
    urls: [nginx-2.0.0-beta.1.tgz]
  - apiVersion: v2
    name: nginx
    version: not-semver
    urls: [x.tgz]
  - name: nginx
    urls: [broken.tgz]
  - null
generated: "2024-01-01T00:00:00Z"
"#;

    #[test]
    fn loads_sorts_and_skips_invalid() {
        let idx = IndexFile::load(INDEX.as_bytes(), "test").unwrap();
        let vs: Vec<&str> = idx.entries["nginx"].iter().map(|v| v.version()).collect();
        // The entry without a version fails validation and is skipped; "not-semver" is invalid too.
        assert_eq!(vs, vec!["2.0.0-beta.1", "1.10.0", "1.2.0"]);
        assert_eq!(idx.charts_txt(), "nginx\n");
    }

    #[test]
    fn get_prefers_exact_then_constraint() {
        let idx = IndexFile::load(INDEX.as_bytes(), "test").unwrap();
        assert_eq!(idx.get("nginx", "").unwrap().version(), "1.10.0");
        assert_eq!(idx.get("nginx", "1.2.0").unwrap().version(), "1.2.0");
        assert_eq!(idx.get("nginx", "~1.2").unwrap().version(), "1.2.0");
        assert_eq!(idx.get("nginx", ">=2.0.0-0").unwrap().version(), "2.0.0-beta.1");
        assert_eq!(idx.get("nginx", "^3").unwrap_err().to_string(), "no chart version found for nginx-^3");
        assert_eq!(idx.get("redis", "").unwrap_err().to_string(), "no chart name found");
        assert!(idx.get("nginx", "!!").is_err());
    }

    #[test]
    fn json_index_and_errors() {
        let idx = IndexFile::load(br#"{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"1.0.0","urls":["a.tgz"]}]}}"#, "j")
            .unwrap();
        assert_eq!(idx.get("a", "").unwrap().urls, vec!["a.tgz"]);
        assert_eq!(IndexFile::load(b"", "x").unwrap_err().to_string(), "empty index.yaml file");
        assert_eq!(IndexFile::load(b"entries: {}\n", "x").unwrap_err().to_string(), "no API version specified");
        assert!(IndexFile::load(b"apiVersion: v1\nentries: [1]\n", "x").is_err());
        assert!(IndexFile::load(b"\xff\xfe", "x").is_err());
    }

    #[test]
    fn round_trips_through_yaml() {
        let idx = IndexFile::load(INDEX.as_bytes(), "test").unwrap();
        let again = IndexFile::load(idx.to_yaml().as_bytes(), "again").unwrap();
        assert_eq!(again.entries["nginx"].len(), 3);
        assert_eq!(again.entries["nginx"][2].digest, "abc");
    }
}

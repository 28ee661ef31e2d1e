//! Charts: the model, loading from folders and archives, .helmignore, Chart.yaml checks.
//!
//! Mirrors Helm's `pkg/chart/v2` (model), `pkg/chart/v2/loader` + `pkg/chart/loader` (loading) and
//! `pkg/ignore` (.helmignore). Errors print Helm's exact texts.

mod archive;
pub mod chartfile;
pub mod ignore;
mod load;
mod metadata;
pub(crate) mod semver_shim;
pub mod create;
pub mod save;
pub mod show;

pub use archive::{
    load_archive_files, BufferedFile, LoadLimits, DEFAULT_MAX_DEPTH, DEFAULT_MAX_FILES, DEFAULT_MAX_TOTAL_BYTES,
    MAX_DECOMPRESSED_CHART_SIZE, MAX_DECOMPRESSED_FILE_SIZE,
};
pub use load::{load, load_archive, load_dir, load_file, load_files, load_values, merge_maps};
pub(crate) use load::go_os_error;
pub(crate) use metadata::go_quote as metadata_quote;
pub(crate) use metadata::decode_metadata;
pub use metadata::{Dependency, Lock, Maintainer, Metadata};

use std::sync::Arc;

use serde_json::{Map, Value};

/// `v1`: Helm 2 charts (dependencies in requirements.yaml).
pub const API_VERSION_V1: &str = "v1";
/// `v2`: Helm 3+ charts.
pub const API_VERSION_V2: &str = "v2";

/// One file of a chart: its path relative to the chart root (always with `/`) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct File {
    pub name: String,
    pub data: Content,
}

/// A chart file's bytes, held once: `.Files` and the template parser share this allocation instead of
/// copying it. Valid UTF-8 (nearly every chart file) is kept as `str`, so that a template is parsed
/// without being converted or copied.
#[derive(Clone)]
pub struct Content(Repr);

#[derive(Clone)]
enum Repr {
    Text(Arc<str>),
    Binary(Arc<[u8]>),
}

impl Content {
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Text(s) => s.as_bytes(),
            Repr::Binary(b) => b,
        }
    }

    /// The content as shared text, when it is valid UTF-8.
    pub fn shared_text(&self) -> Option<&Arc<str>> {
        match &self.0 {
            Repr::Text(s) => Some(s),
            Repr::Binary(_) => None,
        }
    }
}

impl From<Vec<u8>> for Content {
    fn from(data: Vec<u8>) -> Self {
        match String::from_utf8(data) {
            Ok(s) => Content(Repr::Text(Arc::from(s))),
            Err(e) => Content(Repr::Binary(Arc::from(e.into_bytes()))),
        }
    }
}

impl From<&[u8]> for Content {
    fn from(data: &[u8]) -> Self {
        match std::str::from_utf8(data) {
            Ok(s) => Content(Repr::Text(Arc::from(s))),
            Err(_) => Content(Repr::Binary(Arc::from(data))),
        }
    }
}

impl Default for Content {
    fn default() -> Self {
        Content(Repr::Text(Arc::from("")))
    }
}

impl std::ops::Deref for Content {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Content {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Content {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Content {}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Repr::Text(s) => s.fmt(f),
            Repr::Binary(b) => b.fmt(f),
        }
    }
}

/// A loaded chart (Helm's `chart.Chart`): metadata, default values, templates, other files and the
/// subcharts found under `charts/`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chart {
    /// Chart.yaml (plus requirements.yaml dependencies for v1 charts).
    pub metadata: Metadata,
    /// Chart.lock (or requirements.lock).
    pub lock: Option<Lock>,
    /// values.yaml, parsed (all documents merged). Empty when the chart has none.
    pub values: Map<String, Value>,
    /// values.yaml as read (BOM stripped), for `show values`.
    pub raw_values: Option<Vec<u8>>,
    /// values.schema.json as read.
    pub schema: Option<Vec<u8>>,
    /// Everything under `templates/`, in load order (lexical for folders, archive order for .tgz).
    pub templates: Vec<File>,
    /// Every other file (`.Files`): not Chart.yaml, values.yaml, values.schema.json, Chart.lock,
    /// templates/ or charts/ (except `charts/*.prov`). crds/ files are here.
    pub files: Vec<File>,
    /// The name of every file as loaded (Helm's `Raw`), in load order. Only values.yaml's content is
    /// ever read back from Helm's Raw, and that is `raw_values`; keeping the names alone saves a copy
    /// of the whole chart.
    pub raw_names: Vec<String>,
    /// The subcharts, loaded from `charts/` (sorted by their entry name under charts/).
    pub dependencies: Vec<Chart>,
}

impl Chart {
    /// `Chart.Name()`.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// `Chart.AppVersion()`.
    pub fn app_version(&self) -> &str {
        &self.metadata.app_version
    }

    /// Library charts (`type: library`) render only partials and cannot be installed.
    pub fn is_library(&self) -> bool {
        self.metadata.r#type == "library"
    }

    /// This chart's own `crds/*.yaml|yml|json` files (not the subcharts'), as Helm's `CRDs()` filters them.
    pub fn own_crd_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| f.name.starts_with("crds/") && has_manifest_extension(&f.name))
    }

    /// `Chart.CRDObjects()`: every CRD file of this chart and, depth first, of its subcharts, with the
    /// full file name (`parent/charts/sub/crds/x.yaml`). `prefix` is this chart's full path (its name
    /// for the root chart).
    pub fn crd_files(&self) -> Vec<(String, &File)> {
        let mut out = Vec::new();
        self.collect_crds(self.name(), &mut out);
        out
    }

    fn collect_crds<'a>(&'a self, path: &str, out: &mut Vec<(String, &'a File)>) {
        for f in self.own_crd_files() {
            out.push((format!("{}/{}", path, f.name), f));
        }
        for dep in &self.dependencies {
            dep.collect_crds(&format!("{}/charts/{}", path, dep.name()), out);
        }
    }
}

/// Helm's `hasManifestExtension`: .yaml, .yml or .json, case-insensitively.
fn has_manifest_extension(name: &str) -> bool {
    let ext = go_ext(name).to_ascii_lowercase();
    ext == ".yaml" || ext == ".yml" || ext == ".json"
}

/// Go's `filepath.Ext`: the suffix from the last `.` of the last path element, or "".
pub(crate) fn go_ext(path: &str) -> &str {
    for (i, b) in path.bytes().enumerate().rev() {
        if b == b'/' {
            break;
        }
        if b == b'.' {
            return &path[i..];
        }
    }
    ""
}

/// Go's `filepath.Base` for `/`-separated paths.
pub(crate) fn go_base(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// A chart loading error, printed as Helm prints it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// `chart.ValidationError`: "validation: …".
    #[error("validation: {0}")]
    Validation(String),
    /// Any other failure, already in Helm's words.
    #[error("{0}")]
    Message(String),
    /// A failure inside a wider operation: "context: cause" (Go's `fmt.Errorf("…: %w")`).
    #[error("{context}: {source}")]
    Wrapped { context: String, source: Box<Error> },
}

impl Error {
    pub(crate) fn msg(text: impl Into<String>) -> Self {
        Error::Message(text.into())
    }

    pub(crate) fn wrap(self, context: impl Into<String>) -> Self {
        Error::Wrapped { context: context.into(), source: Box::new(self) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_helpers() {
        assert_eq!(go_ext("a/b.tgz"), ".tgz");
        assert_eq!(go_ext("a.b/c"), "");
        assert_eq!(go_ext("x.prov"), ".prov");
        assert_eq!(go_base("a/b/"), "b");
        assert_eq!(go_base(""), ".");
        assert_eq!(go_base("/"), "/");
        assert_eq!(go_base("abc"), "abc");
    }

    #[test]
    fn crd_paths_follow_subcharts() {
        let sub = Chart {
            metadata: Metadata { name: "sub".into(), ..Default::default() },
            files: vec![File { name: "crds/b.YML".into(), data: Content::default() }],
            ..Default::default()
        };
        let top = Chart {
            metadata: Metadata { name: "top".into(), ..Default::default() },
            files: vec![
                File { name: "crds/a.yaml".into(), data: Content::default() },
                File { name: "crds/readme.md".into(), data: Content::default() },
                File { name: "other/c.yaml".into(), data: Content::default() },
            ],
            dependencies: vec![sub],
            ..Default::default()
        };
        let names: Vec<String> = top.crd_files().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["top/crds/a.yaml", "top/charts/sub/crds/b.YML"]);
    }
}

/// Test helper for other modules: decodes Chart.yaml-shaped JSON into metadata.
#[cfg(test)]
pub(crate) fn decode_metadata_for_tests(v: &serde_json::Value, md: &mut Metadata) {
    metadata::decode_metadata(v, md).expect("test metadata decodes");
}

//! The stream contract between the plugins: the YAML documents they pass through pipes, in the
//! project's own API group ([`API_VERSION`]). Today: `ChartArchive` (a packaged chart, its exact .tgz
//! bytes in base64 with their sha256 digest); later `Release`.
//!
//! ```
//! use kubehelm::stream::{self, ChartArchive};
//! let doc = ChartArchive::new("demo", "1.0.0", vec![1, 2, 3]);
//! let text = stream::encode(&doc);
//! assert!(text.contains("kind: ChartArchive"));
//! assert_eq!(stream::decode(&text).unwrap(), doc);
//! ```

use std::io::Read;

use base64::Engine;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::chart::{self, Chart};

/// The API group of every document the plugins exchange.
pub const API_GROUP: &str = "kubectl-helm.dev";
/// The apiVersion of the documents, until the contract is stable.
pub const API_VERSION: &str = "kubectl-helm.dev/v1alpha1";
/// The kind of a packaged chart travelling through a pipe.
pub const KIND_CHART_ARCHIVE: &str = "ChartArchive";
/// The most a chart stream may hold (a chart archive decompresses to at most 100 MiB; its base64
/// text is a third larger than the archive).
pub const MAX_STREAM_SIZE: u64 = 256 * 1024 * 1024;

/// A stream error, printed once at the edge.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The stream or a document in it is not what the contract says.
    #[error("{0}")]
    Invalid(String),
    /// The chart inside could not be loaded (Helm's loader texts).
    #[error("{0}")]
    Chart(#[from] chart::Error),
}

fn invalid(text: impl Into<String>) -> Error {
    Error::Invalid(text.into())
}

/// A packaged chart as a document: `metadata: {name, version}`, `digest: sha256:<hex>`, `archive:
/// <base64>`. Holds the archive bytes; the digest is computed from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartArchive {
    pub name: String,
    pub version: String,
    /// The exact .tgz bytes.
    pub archive: Vec<u8>,
}

impl ChartArchive {
    pub fn new(name: impl Into<String>, version: impl Into<String>, archive: Vec<u8>) -> Self {
        ChartArchive { name: name.into(), version: version.into(), archive }
    }

    /// `sha256:<hex>` of the archive bytes (the form Helm and OCI registries use).
    pub fn digest(&self) -> String {
        sha256_digest(&self.archive)
    }

    /// The document as a JSON object, in the field order of the YAML form.
    pub fn to_value(&self) -> Value {
        let mut meta = Map::new();
        meta.insert("name".into(), self.name.clone().into());
        meta.insert("version".into(), self.version.clone().into());
        let mut m = Map::new();
        m.insert("apiVersion".into(), API_VERSION.into());
        m.insert("kind".into(), KIND_CHART_ARCHIVE.into());
        m.insert("metadata".into(), Value::Object(meta));
        m.insert("digest".into(), self.digest().into());
        m.insert("archive".into(), base64::engine::general_purpose::STANDARD.encode(&self.archive).into());
        Value::Object(m)
    }

    /// Reads a document (already parsed) and checks it: apiVersion, kind, base64, and that the digest
    /// is the archive's. A mismatch is refused.
    pub fn from_value(v: &Value) -> Result<Self, Error> {
        let m = v.as_object().ok_or_else(|| invalid("a ChartArchive document must be a mapping"))?;
        let text = |k: &str| m.get(k).and_then(Value::as_str);
        let kind = text("kind").unwrap_or("");
        if kind != KIND_CHART_ARCHIVE {
            return Err(invalid(format!("expected a {} document, got kind {:?}", KIND_CHART_ARCHIVE, kind)));
        }
        let api = text("apiVersion").unwrap_or("");
        if api != API_VERSION {
            return Err(invalid(format!(
                "unsupported apiVersion {:?} for {} (this build reads {})",
                api, KIND_CHART_ARCHIVE, API_VERSION
            )));
        }
        let meta = m.get("metadata").and_then(Value::as_object);
        let field = |k: &str| meta.and_then(|x| x.get(k)).and_then(Value::as_str).unwrap_or("").to_string();
        let (name, version) = (field("name"), field("version"));
        let what = format!("ChartArchive {}-{}", name, version);
        let encoded = text("archive").ok_or_else(|| invalid(format!("{}: no archive", what)))?;
        let compact: Vec<u8> = encoded.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let archive = base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .map_err(|e| invalid(format!("{}: archive is not valid base64: {}", what, e)))?;
        let want = text("digest").ok_or_else(|| invalid(format!("{}: no digest", what)))?;
        let doc = ChartArchive { name, version, archive };
        let got = doc.digest();
        if !want.eq_ignore_ascii_case(&got) {
            return Err(invalid(format!(
                "{}: digest mismatch: the document says {}, the archive is {}; refusing it",
                what, want, got
            )));
        }
        Ok(doc)
    }

    /// The chart inside, loaded as Helm loads an archive stream; its name and version must be the
    /// ones the document states.
    pub fn load_chart(&self) -> Result<Chart, Error> {
        let c = chart::load_archive(&self.archive)?;
        if c.name() != self.name || c.metadata.version != self.version {
            return Err(invalid(format!(
                "ChartArchive {}-{} holds chart {}-{}",
                self.name,
                self.version,
                c.name(),
                c.metadata.version
            )));
        }
        Ok(c)
    }
}

/// `sha256:<lowercase hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let sum = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in sum {
        out.push_str(&format!("{:02x}", b));
    }
    out
}

/// One YAML scalar as sigs.k8s.io/yaml writes it (quoted when it would read back as something else).
fn scalar(s: &str) -> String {
    let text = goyaml::to_string(&Value::String(s.to_string()));
    text.trim_end_matches('\n').to_string()
}

/// A ChartArchive document as YAML, starting with `---` so that documents concatenate into a stream.
pub fn encode(doc: &ChartArchive) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(&doc.archive);
    format!(
        "---\napiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n  version: {}\ndigest: {}\narchive: {}\n",
        API_VERSION,
        KIND_CHART_ARCHIVE,
        scalar(&doc.name),
        scalar(&doc.version),
        doc.digest(),
        b64
    )
}

/// A ChartArchive document as indented JSON (`-o json`).
pub fn encode_json(doc: &ChartArchive) -> String {
    let mut s = serde_json::to_string_pretty(&doc.to_value()).unwrap_or_default();
    s.push('\n');
    s
}

/// One ChartArchive document from YAML (or JSON) text, checked as [`ChartArchive::from_value`] does.
pub fn decode(text: &str) -> Result<ChartArchive, Error> {
    let mut found = Vec::new();
    for d in decode_stream(text)? {
        if let Document::ChartArchive(a) = d {
            found.push(a);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(invalid("no ChartArchive document found")),
        n => Err(invalid(format!("expected one ChartArchive document, found {}", n))),
    }
}

/// A document of a stream: one of ours, or anything else (Kubernetes manifests pass through).
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    ChartArchive(ChartArchive),
    Other(Value),
}

/// Every document of a YAML stream (split on `---` lines as Kubernetes' YAMLReader splits them; empty
/// documents dropped). Documents of our kinds are checked; a bad one fails the whole stream.
pub fn decode_stream(text: &str) -> Result<Vec<Document>, Error> {
    let mut out = Vec::new();
    for (i, doc) in split_documents(text).into_iter().enumerate() {
        let v = parse_document(&doc).map_err(|e| invalid(format!("document {}: {}", i + 1, e)))?;
        if v.is_null() {
            continue;
        }
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let ours = api.split('/').next() == Some(API_GROUP);
        if kind == KIND_CHART_ARCHIVE && (ours || api.is_empty()) {
            out.push(Document::ChartArchive(ChartArchive::from_value(&v)?));
        } else {
            out.push(Document::Other(v));
        }
    }
    Ok(out)
}

/// A document: JSON when it looks like JSON, else YAML as Helm reads it. A top-level `archive:` line of
/// plain base64 (what `encode` writes, megabytes long) is lifted out first and put back as a string,
/// so the YAML reader only sees the small rest.
fn parse_document(doc: &str) -> Result<Value, String> {
    let t = doc.trim_start();
    if t.starts_with('{') {
        if let Ok(v) = serde_json::from_str(t) {
            return Ok(v);
        }
    }
    let is_b64 = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    let mut rest = String::with_capacity(256);
    let mut archive = None;
    for line in doc.split_inclusive('\n') {
        if archive.is_none() {
            if let Some(v) = line.strip_prefix("archive:") {
                let v = v.trim();
                if is_b64(v) {
                    archive = Some(v.to_string());
                    continue;
                }
            }
        }
        rest.push_str(line);
    }
    let mut v = goyaml::from_str(&rest).map_err(|e| e.message)?;
    if let Some(a) = archive {
        match v.as_object_mut() {
            Some(m) if !m.contains_key("archive") => {
                m.insert("archive".into(), Value::String(a));
            }
            _ => return goyaml::from_str(doc).map_err(|e| e.message),
        }
    }
    Ok(v)
}

/// k8s.io/apimachinery's YAMLReader split: a line starting with `---` ends a document.
fn split_documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                if !cur.trim().is_empty() {
                    docs.push(std::mem::take(&mut cur));
                }
                cur.clear();
                continue;
            }
        }
        cur.push_str(line);
    }
    if !cur.trim().is_empty() {
        docs.push(cur);
    }
    docs
}

/// A chart from stream bytes: a raw .tgz (gzip), or a YAML stream holding exactly one ChartArchive
/// document (its digest checked before anything is loaded).
pub fn load_chart(bytes: &[u8]) -> Result<Chart, Error> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(chart::load_archive(bytes)?);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| invalid("the chart stream is neither a gzipped chart archive nor YAML text"))?;
    if text.trim().is_empty() {
        return Err(invalid("no chart on the stream: expected a ChartArchive document or a chart archive (.tgz)"));
    }
    decode(text).and_then(|doc| doc.load_chart())
}

/// Reads a whole stream (at most [`MAX_STREAM_SIZE`] bytes).
pub fn read_all(r: impl Read) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    r.take(MAX_STREAM_SIZE + 1).read_to_end(&mut buf).map_err(|e| invalid(format!("reading the stream: {}", e)))?;
    if buf.len() as u64 > MAX_STREAM_SIZE {
        return Err(invalid(format!("the chart stream is larger than {} bytes", MAX_STREAM_SIZE)));
    }
    Ok(buf)
}

/// A chart from standard input (`-` as the chart argument).
pub fn load_chart_from_stdin() -> Result<Chart, Error> {
    load_chart(&read_all(std::io::stdin().lock())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_digest() {
        let doc = ChartArchive::new("yes", "1.0", b"\x1f\x8bxyz".to_vec());
        let text = encode(&doc);
        assert!(text.contains("  name: \"yes\"\n") || text.contains("  name: 'yes'\n"), "{text}");
        assert!(text.contains("  version: \"1.0\"\n") || text.contains("  version: '1.0'\n"), "{text}");
        assert_eq!(decode(&text).unwrap(), doc);
        assert_eq!(decode(&encode_json(&doc)).unwrap(), doc);
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn tampering_is_refused() {
        let doc = ChartArchive::new("demo", "1.0.0", b"original".to_vec());
        let text = encode(&doc);
        let other = base64::engine::general_purpose::STANDARD.encode(b"tampered");
        let bad = text.replace(&base64::engine::general_purpose::STANDARD.encode(b"original"), &other);
        let e = decode(&bad).unwrap_err().to_string();
        assert!(e.contains("digest mismatch"), "{e}");
        let bad = text.replace("kubectl-helm.dev/v1alpha1", "kubectl-helm.dev/v9");
        assert!(decode(&bad).unwrap_err().to_string().contains("unsupported apiVersion"));
        let no_digest: String = text.lines().filter(|l| !l.starts_with("digest")).map(|l| format!("{l}\n")).collect();
        assert!(decode(&no_digest).unwrap_err().to_string().contains("no digest"));
    }

    #[test]
    fn streams_mix_documents() {
        let a = ChartArchive::new("a", "1.0.0", b"a".to_vec());
        let text = format!("apiVersion: v1\nkind: ConfigMap\n{}--- # comment\n\n", encode(&a));
        let docs = decode_stream(&text).unwrap();
        assert_eq!(docs.len(), 2);
        assert!(matches!(&docs[0], Document::Other(v) if v["kind"] == "ConfigMap"));
        assert_eq!(docs[1], Document::ChartArchive(a.clone()));
        let two = format!("{}{}", encode(&a), encode(&a));
        assert!(decode(&two).unwrap_err().to_string().contains("found 2"));
        // A block-folded archive (someone re-wrote the YAML) reads too.
        let b64 = base64::engine::general_purpose::STANDARD.encode(b"abcdefghijkl");
        let folded = format!(
            "apiVersion: {API_VERSION}\nkind: ChartArchive\nmetadata: {{name: x, version: 1.0.0}}\ndigest: {}\narchive: |\n  {}\n  {}\n",
            sha256_digest(b"abcdefghijkl"),
            &b64[..8],
            &b64[8..]
        );
        assert_eq!(decode(&folded).unwrap().archive, b"abcdefghijkl");
    }

    #[test]
    fn load_chart_refuses_garbage() {
        assert!(load_chart(b"").is_err());
        assert!(load_chart(b"\xff\xfe").is_err());
        assert!(load_chart(b"kind: ConfigMap\n").unwrap_err().to_string().contains("no ChartArchive"));
        assert!(load_chart(b"\x1f\x8b\x08garbage").is_err());
    }
}

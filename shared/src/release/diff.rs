//! Release diffs, as the helm-diff plugin shows them: two manifests compared object by object (keyed by
//! namespace, name, kind and API group), each change a line diff, reported as text, one line per change,
//! or JSON. Pure functions: the binaries fetch the manifests (a stored revision, a dry-run upgrade).
//!
//! ```
//! use kubehelm::release::diff::{diff_manifests, DiffOptions};
//! let old = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n";
//! let new = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"2\"\n";
//! let report = diff_manifests(old, new, &DiffOptions::new("default")).unwrap();
//! assert_eq!(report.to_text(None, false), "default, c, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  \
//!     metadata:\n    name: c\n  data:\n-   a: \"1\"\n+   a: \"2\"\n");
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use super::record::Release;

const HOOK_ANNOTATION: &str = "helm.sh/hook";
const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";
/// Hook events of `helm test` (Helm 3+ `test`, Helm 2's `test-success`/`test-failure`).
const TEST_EVENTS: [&str; 3] = ["test", "test-success", "test-failure"];

/// What is compared and how objects are shown.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// The release namespace: objects that name none are in it.
    pub namespace: String,
    /// Compare hook objects (helm-diff's default; `--no-hooks` turns it off).
    pub include_hooks: bool,
    /// Compare `helm test` hooks too (`--include-tests`).
    pub include_tests: bool,
    /// Re-serialize every object before comparing, so that formatting and key order do not count.
    pub normalize: bool,
    /// Show Secret data as it is (base64) instead of masked.
    pub show_secrets: bool,
    /// Show Secret data decoded, as `stringData`.
    pub show_secrets_decoded: bool,
    /// Kinds whose changes are reported without their content (`--suppress KIND`).
    pub suppress_kinds: Vec<String>,
    /// Ignore a `\r` at line ends.
    pub strip_trailing_cr: bool,
    /// helm-diff's `--find-renames`: above 0, a removed and an added object of the same kind whose line
    /// diff changes less than this fraction of its lines are shown as one change (a rename).
    pub find_renames: f32,
}

impl DiffOptions {
    /// helm-diff's defaults for a release in `namespace`.
    pub fn new(namespace: &str) -> Self {
        DiffOptions {
            namespace: namespace.to_string(),
            include_hooks: true,
            include_tests: false,
            normalize: false,
            show_secrets: false,
            show_secrets_decoded: false,
            suppress_kinds: Vec::new(),
            strip_trailing_cr: false,
            find_renames: 0.0,
        }
    }
}

/// A manifest that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffError(pub String);

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DiffError {}

/// A release's whole manifest as helm-diff compares it: the manifest, then each hook under its own
/// `# Source:` line. Which hooks count is decided by `DiffOptions` when the text is parsed.
pub fn release_manifest(rel: &Release) -> String {
    let mut text = rel.manifest.clone();
    for h in &rel.hooks {
        text.push_str(&format!("\n---\n# Source: {}\n{}", h.path, h.manifest));
    }
    text
}

/// Which object: the parts of helm-diff's key `namespace, name, Kind (api)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    /// The API group, or the whole apiVersion for the core group (`apps` for `apps/v1`, `v1` for `v1`).
    pub api: String,
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}, {} ({})", self.namespace, self.name, self.kind, self.api)
    }
}

/// One object of a manifest: its text (trimmed, with its `# Source:` comment) and what is needed of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub key: ObjectKey,
    pub api_version: String,
    pub content: String,
    /// `helm.sh/resource-policy`: a `keep` object is not removed by an upgrade, so not reported removed.
    pub resource_policy: String,
}

/// The objects of a manifest by key (helm-diff's key text, which is also the report order), and a
/// warning per duplicate object (the first one is kept).
pub fn parse_manifest(manifest: &str, opts: &DiffOptions) -> Result<(BTreeMap<String, Object>, Vec<String>), DiffError> {
    let mut objects = BTreeMap::new();
    let mut warnings = Vec::new();
    for doc in split_documents(manifest) {
        let value = goyaml::from_str(doc).map_err(|e| DiffError(format!("reading a manifest document: {e}\n{doc}")))?;
        let mut found = Vec::new();
        collect_objects(doc, &value, opts, &mut found);
        for o in found {
            match objects.entry(o.key.to_string()) {
                std::collections::btree_map::Entry::Occupied(e) => {
                    warnings.push(format!("the manifest has {} more than once; the first one is compared", e.key()))
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(o);
                }
            }
        }
    }
    Ok((objects, warnings))
}

/// The documents of a YAML stream, trimmed: split at lines that are `---` (with optional trailing
/// space), empty ones left out.
pub(crate) fn split_documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if bare == "---" || (bare.starts_with("--- ") && bare[4..].trim().is_empty()) {
            docs.push(&text[start..pos]);
            start = pos + line.len();
        }
        pos += line.len();
    }
    docs.push(&text[start..]);
    docs.into_iter().map(str::trim).filter(|d| !d.is_empty()).collect()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// The object(s) of one document: none for comment-only documents and excluded hooks, the items of
/// a `List`.
fn collect_objects(content: &str, value: &Value, opts: &DiffOptions, out: &mut Vec<Object>) {
    if !value.is_object() {
        return;
    }
    let (api_version, kind) = (str_at(value, "/apiVersion"), str_at(value, "/kind"));
    if api_version.is_empty() && kind.is_empty() {
        return;
    }
    if kind == "List" {
        for item in value.get("items").and_then(Value::as_array).into_iter().flatten() {
            let text = goyaml::to_string(item);
            collect_objects(text.trim(), item, opts, out);
        }
        return;
    }
    let annotations = value.pointer("/metadata/annotations");
    let annotation = |k: &str| annotations.and_then(|a| a.get(k)).and_then(Value::as_str).unwrap_or("");
    let hook = annotation(HOOK_ANNOTATION);
    if !hook.is_empty() {
        let test = hook.split(',').any(|e| TEST_EVENTS.contains(&e.trim()));
        if !opts.include_hooks || (test && !opts.include_tests) {
            return;
        }
    }
    let namespace = match str_at(value, "/metadata/namespace") {
        "" => opts.namespace.as_str(),
        ns => ns,
    };
    let name = match value.pointer("/metadata/name") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let api = match api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None => api_version,
    };
    let content = if opts.normalize { goyaml::to_string(value).trim_end().to_string() } else { content.to_string() };
    out.push(Object {
        key: ObjectKey { namespace: namespace.to_string(), name, kind: kind.to_string(), api: api.to_string() },
        api_version: api_version.to_string(),
        content,
        resource_policy: annotation(RESOURCE_POLICY_ANNOTATION).to_string(),
    });
}

/// How an object changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Modified,
    /// Drift only: the object was deleted by hand.
    Missing,
}

/// One line of a line diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equal,
    Delete,
    Insert,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub op: Op,
    pub text: String,
}

/// One changed object.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: ObjectKey,
    /// The new object's apiVersion (the old one's when it is removed).
    pub api_version: String,
    pub change: Change,
    /// Its kind is suppressed: the change is reported, its content is not (`lines`, `old`, `new` are empty).
    pub suppressed: bool,
    /// The whole object's line diff (added: every line inserted; removed: every line deleted).
    pub lines: Vec<Line>,
    /// The object's text before and after, Secret data masked as shown.
    pub old: Option<String>,
    pub new: Option<String>,
    /// `--find-renames` paired this removed object (`key`) with an added one: its key.
    pub renamed_to: Option<ObjectKey>,
}

/// Every change between two manifests, in helm-diff's order: changed objects, then removed ones,
/// then added ones, each group sorted by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub entries: Vec<Entry>,
    /// Oddities of the input worth telling (duplicate objects).
    pub warnings: Vec<String>,
    /// A drift report (`drift::live_report`): old is live, new is what the release applies; the text
    /// and simple outputs speak of drift.
    pub live: bool,
}

/// Compares two manifests (as `release_manifest` gives them, or any YAML stream of objects).
pub fn diff_manifests(old: &str, new: &str, opts: &DiffOptions) -> Result<Report, DiffError> {
    let (old_objs, mut warnings) = parse_manifest(old, opts)?;
    let (new_objs, w) = parse_manifest(new, opts)?;
    warnings.extend(w);
    let mut report = Report { entries: Vec::new(), warnings, live: false };
    let mut removed = Vec::new();
    for (key, o) in &old_objs {
        match new_objs.get(key) {
            Some(n) => report.entries.extend(entry(Some(o), Some(n), opts)),
            None => removed.push(o),
        }
    }
    let mut added: Vec<&Object> = new_objs.iter().filter(|(k, _)| !old_objs.contains_key(*k)).map(|(_, n)| n).collect();
    let mut renamed = Vec::new();
    if opts.find_renames > 0.0 {
        removed.retain(|o| match find_rename(o, &added, opts) {
            Some(i) => {
                renamed.push((*o, added.remove(i)));
                false
            }
            None => true,
        });
    }
    for (o, n) in renamed {
        report.entries.extend(entry(Some(o), Some(n), opts).map(|e| Entry { key: o.key.clone(), renamed_to: Some(n.key.clone()), ..e }));
    }
    for o in removed.into_iter().filter(|o| o.resource_policy != "keep") {
        report.entries.extend(entry(Some(o), None, opts));
    }
    for n in added {
        report.entries.extend(entry(None, Some(n), opts));
    }
    Ok(report)
}

/// helm-diff's rename search for one removed object: among the added objects of the same kind (whose
/// text is not over ten times longer or shorter, Secrets aside), the one whose line diff changes the
/// smallest fraction of lines, if that fraction is below `find_renames`. Secrets are compared as shown.
fn find_rename(old: &Object, added: &[&Object], opts: &DiffOptions) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, n) in added.iter().enumerate() {
        if n.key.kind != old.key.kind || old.content.is_empty() || n.content.is_empty() {
            continue;
        }
        let ratio = old.content.len() as f32 / n.content.len() as f32;
        if old.key.kind != "Secret" && !(0.1..=10.0).contains(&ratio) {
            continue;
        }
        let (a, b) = if old.key.kind == "Secret" && !opts.show_secrets {
            secret_view(Some(&old.content), Some(&n.content), opts.show_secrets_decoded)
        } else {
            (Some(old.content.clone()), Some(n.content.clone()))
        };
        let split = |t: &Option<String>| -> Vec<String> {
            t.as_deref().unwrap_or("").split('\n').map(|l| if opts.strip_trailing_cr { l.strip_suffix('\r').unwrap_or(l) } else { l }.to_string()).collect()
        };
        let lines = line_diff(&split(&a), &split(&b));
        let changed = lines.iter().filter(|l| l.op != Op::Equal).count();
        if changed == 0 || lines.is_empty() {
            continue;
        }
        let fraction = changed as f32 / lines.len() as f32;
        if best.is_none_or(|(_, f)| fraction < f) {
            best = Some((i, fraction));
        }
    }
    best.filter(|(_, f)| *f < opts.find_renames).map(|(i, _)| i)
}

/// The change of one object, if it changed.
fn entry(old: Option<&Object>, new: Option<&Object>, opts: &DiffOptions) -> Option<Entry> {
    let subject = new.or(old)?;
    let mut old_text = old.map(|o| o.content.clone());
    let mut new_text = new.map(|o| o.content.clone());
    if old_text.is_some() && old_text == new_text {
        return None;
    }
    if subject.key.kind == "Secret" && !opts.show_secrets {
        (old_text, new_text) = secret_view(old_text.as_deref(), new_text.as_deref(), opts.show_secrets_decoded);
    }
    let split = |t: &Option<String>| -> Vec<String> {
        match t {
            None => Vec::new(),
            Some(t) => t
                .split('\n')
                .map(|l| if opts.strip_trailing_cr { l.strip_suffix('\r').unwrap_or(l) } else { l }.to_string())
                .collect(),
        }
    };
    let (a, b) = (split(&old_text), split(&new_text));
    let lines = line_diff(&a, &b);
    let change = match (old, new) {
        (None, _) => Change::Added,
        (_, None) => Change::Removed,
        _ => Change::Modified,
    };
    if change == Change::Modified && lines.iter().all(|l| l.op == Op::Equal) {
        return None;
    }
    let suppressed = opts.suppress_kinds.contains(&subject.key.kind);
    let (lines, old_text, new_text) = if suppressed { (Vec::new(), None, None) } else { (lines, old_text, new_text) };
    Some(Entry {
        key: subject.key.clone(),
        api_version: subject.api_version.clone(),
        change,
        suppressed,
        lines,
        old: old_text,
        new: new_text,
        renamed_to: None,
    })
}

/// Secrets as helm-diff shows them: `stringData` folded into `data`, and each value replaced by
/// `REDACTED # (N bytes)` when both sides have it equal, else `-------- # (N bytes)` (old) and
/// `++++++++ # (N bytes)` (new); or, `decoded`, every value decoded under `stringData`. The
/// `# Source:` comment stays; a Secret that cannot be read is shown as the error.
fn secret_view(old: Option<&str>, new: Option<&str>, decoded: bool) -> (Option<String>, Option<String>) {
    type Parsed = Result<(Value, BTreeMap<String, Vec<u8>>), String>;
    let read = |text: Option<&str>, side: &str| -> Option<Parsed> {
        let text = text?;
        Some(read_secret(text).map_err(|e| format!("Error parsing {side} secret: {e}")))
    };
    let (o, n) = (read(old, "old"), read(new, "new"));
    let data_of = |s: &Option<Parsed>| match s {
        Some(Ok((_, d))) => Some(d.clone()),
        _ => None,
    };
    let (od, nd) = (data_of(&o), data_of(&n));
    let show = |text: Option<&str>,
                parsed: Option<Parsed>,
                other: &Option<BTreeMap<String, Vec<u8>>>,
                mark: &str|
     -> Option<String> {
        let text = text?;
        let (mut obj, data) = match parsed? {
            Ok(p) => p,
            Err(e) => return Some(e),
        };
        let shown: Map<String, Value> = data
            .iter()
            .map(|(k, v)| {
                let s = if decoded {
                    String::from_utf8_lossy(v).into_owned()
                } else if other.as_ref().and_then(|d| d.get(k)) == Some(v) {
                    format!("REDACTED # ({} bytes)", v.len())
                } else {
                    format!("{mark} # ({} bytes)", v.len())
                };
                (k.clone(), Value::String(s))
            })
            .collect();
        if let Some(m) = obj.as_object_mut() {
            m.remove("data");
            m.remove("stringData");
            if !shown.is_empty() {
                m.insert(if decoded { "stringData" } else { "data" }.into(), Value::Object(shown));
            }
        }
        let comment = match text.split_once('\n') {
            Some((first, _)) if first.starts_with('#') => format!("{first}\n"),
            _ => String::new(),
        };
        Some(format!("{comment}{}", goyaml::to_string(&obj).trim_end()))
    };
    (show(old, o, &nd, "--------"), show(new, n, &od, "++++++++"))
}

/// A Secret's object and its data as bytes (`data` decoded from base64, `stringData` over it).
fn read_secret(text: &str) -> Result<(Value, BTreeMap<String, Vec<u8>>), String> {
    let obj = goyaml::from_str(text).map_err(|e| e.to_string())?;
    let mut data = BTreeMap::new();
    for (k, v) in obj.get("data").and_then(Value::as_object).into_iter().flatten() {
        let bytes = match v {
            Value::Null => Vec::new(),
            Value::String(s) => base64::engine::general_purpose::STANDARD
                .decode(s.as_bytes())
                .map_err(|e| format!("illegal base64 data in key {k:?}: {e}"))?,
            other => return Err(format!("data[{k:?}]: expected a base64 string, got {other}")),
        };
        data.insert(k.clone(), bytes);
    }
    for (k, v) in obj.get("stringData").and_then(Value::as_object).into_iter().flatten() {
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        data.insert(k.clone(), s.into_bytes());
    }
    Ok((obj, data))
}

/// The line diff of `a` and `b` (Myers' O(ND) algorithm in linear space): every line once, and in
/// each run of changes the deleted lines before the inserted ones.
pub fn line_diff<'a, S: AsRef<str>>(a: &'a [S], b: &'a [S]) -> Vec<Line> {
    // lines as numbers: comparing them is cheap
    let mut ids: HashMap<&'a str, u32> = HashMap::new();
    let mut numbered = |lines: &'a [S]| -> Vec<u32> {
        let mut out = Vec::with_capacity(lines.len());
        for s in lines {
            let n = ids.len() as u32;
            out.push(*ids.entry(s.as_ref()).or_insert(n));
        }
        out
    };
    let ai = numbered(a);
    let bi = numbered(b);
    let mut edits = Vec::with_capacity(a.len().max(b.len()));
    diff_range(&ai, &bi, 0, ai.len(), 0, bi.len(), &mut edits);
    let mut out = Vec::with_capacity(edits.len());
    let mut inserts = Vec::new();
    let mut i = 0;
    while i < edits.len() {
        match edits[i] {
            Edit::Equal(x) => {
                out.push(Line { op: Op::Equal, text: a[x].as_ref().to_string() });
                i += 1;
            }
            _ => {
                while let Some(e) = edits.get(i).filter(|e| !matches!(e, Edit::Equal(_))) {
                    match *e {
                        Edit::Delete(x) => out.push(Line { op: Op::Delete, text: a[x].as_ref().to_string() }),
                        Edit::Insert(y) => inserts.push(Line { op: Op::Insert, text: b[y].as_ref().to_string() }),
                        Edit::Equal(_) => unreachable!(),
                    }
                    i += 1;
                }
                out.append(&mut inserts);
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
enum Edit {
    /// Index into `a` (the `b` line is the same).
    Equal(usize),
    Delete(usize),
    Insert(usize),
}

/// Edits turning `a[a_lo..a_hi]` into `b[b_lo..b_hi]`: common ends first, then split at the middle
/// snake and recurse.
fn diff_range(a: &[u32], b: &[u32], mut a_lo: usize, mut a_hi: usize, mut b_lo: usize, mut b_hi: usize, out: &mut Vec<Edit>) {
    while a_lo < a_hi && b_lo < b_hi && a[a_lo] == b[b_lo] {
        out.push(Edit::Equal(a_lo));
        a_lo += 1;
        b_lo += 1;
    }
    let mut suffix = 0;
    while a_hi > a_lo && b_hi > b_lo && a[a_hi - 1] == b[b_hi - 1] {
        a_hi -= 1;
        b_hi -= 1;
        suffix += 1;
    }
    if a_lo == a_hi {
        out.extend((b_lo..b_hi).map(Edit::Insert));
    } else if b_lo == b_hi {
        out.extend((a_lo..a_hi).map(Edit::Delete));
    } else if let Some((x, y)) = middle_snake(&a[a_lo..a_hi], &b[b_lo..b_hi]) {
        diff_range(a, b, a_lo, a_lo + x, b_lo, b_lo + y, out);
        diff_range(a, b, a_lo + x, a_hi, b_lo + y, b_hi, out);
    } else {
        out.extend((a_lo..a_hi).map(Edit::Delete));
        out.extend((b_lo..b_hi).map(Edit::Insert));
    }
    out.extend((a_hi..a_hi + suffix).map(Edit::Equal));
}

/// Where the forward and backward searches for the shortest edit script of `a` → `b` meet (both
/// non-empty, first and last lines differing): a split point `(x, y)` strictly inside, so that both
/// halves are smaller. Diagonals that run off the edit graph are dropped from the search.
fn middle_snake(a: &[u32], b: &[u32]) -> Option<(usize, usize)> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max_d = (n + m + 1) / 2;
    let offset = max_d + 1;
    let len = (2 * max_d + 3) as usize;
    // furthest x reached on each diagonal k (at index offset + k), -1 = not reached yet
    let mut vf = vec![-1isize; len];
    let mut vb = vec![-1isize; len];
    vf[(offset + 1) as usize] = 0;
    vb[(offset + 1) as usize] = 0;
    let delta = n - m;
    let front = delta % 2 != 0;
    let (mut f_start, mut f_end, mut b_start, mut b_end) = (0, 0, 0, 0);
    for d in 0..=max_d {
        let mut k = -d + f_start;
        while k <= d - f_end {
            let i = (offset + k) as usize;
            let mut x = if k == -d || (k != d && vf[i - 1] < vf[i + 1]) { vf[i + 1] } else { vf[i - 1] + 1 };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            vf[i] = x;
            if x > n {
                f_end += 2;
            } else if y > m {
                f_start += 2;
            } else if front {
                let j = offset + delta - k;
                if j >= 0 && (j as usize) < len && vb[j as usize] != -1 && x >= n - vb[j as usize] {
                    return Some((x as usize, y as usize));
                }
            }
            k += 2;
        }
        let mut k = -d + b_start;
        while k <= d - b_end {
            let i = (offset + k) as usize;
            let mut x = if k == -d || (k != d && vb[i - 1] < vb[i + 1]) { vb[i + 1] } else { vb[i - 1] + 1 };
            let mut y = x - k;
            while x < n && y < m && a[(n - x - 1) as usize] == b[(m - y - 1) as usize] {
                x += 1;
                y += 1;
            }
            vb[i] = x;
            if x > n {
                b_end += 2;
            } else if y > m {
                b_start += 2;
            } else if !front {
                let j = offset + delta - k;
                if j >= 0 && (j as usize) < len && vf[j as usize] != -1 {
                    let fx = vf[j as usize];
                    let fy = fx - (j - offset);
                    if fx >= n - x {
                        return Some((fx as usize, fy as usize));
                    }
                }
            }
            k += 2;
        }
    }
    None
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

fn paint(out: &mut String, text: &str, color: Option<&str>) {
    match color {
        Some(c) => {
            out.push_str(c);
            out.push_str(text);
            out.push_str(RESET);
        }
        None => out.push_str(text),
    }
    out.push('\n');
}

/// For each line, how far the nearest change is.
fn distances(lines: &[Line]) -> Vec<usize> {
    let mut dist = vec![usize::MAX; lines.len()];
    let mut last = None;
    for (i, l) in lines.iter().enumerate() {
        if l.op != Op::Equal {
            last = Some(i);
        }
        if let Some(c) = last {
            dist[i] = i - c;
        }
    }
    let mut next = None;
    for (i, l) in lines.iter().enumerate().rev() {
        if l.op != Op::Equal {
            next = Some(i);
        }
        if let Some(c) = next {
            dist[i] = dist[i].min(c - i);
        }
    }
    dist
}

impl Report {
    pub fn has_changes(&self) -> bool {
        !self.entries.is_empty()
    }

    /// helm-diff's default output: per change a header (`ns, name, Kind (api) has changed:`) and the
    /// object's lines prefixed `+ `, `- ` or two spaces; with `context`, only that many unchanged
    /// lines around each change, `...` for the lines left out. `color`: ANSI colours (header by
    /// change, added lines green, removed ones red).
    pub fn to_text(&self, context: Option<usize>, color: bool) -> String {
        let c = |code: &'static str| if color { Some(code) } else { None };
        let mut out = String::new();
        for e in &self.entries {
            let (msg, code) = match e.change {
                Change::Added => ("has been added:", GREEN),
                Change::Removed => ("has been removed:", RED),
                Change::Modified if self.live => ("has drifted:", YELLOW),
                Change::Modified => ("has changed:", YELLOW),
                Change::Missing => ("is missing:", RED),
            };
            paint(&mut out, &format!("{} {msg}", e.key), c(code));
            if e.suppressed {
                paint(&mut out, &format!("+ Changes suppressed on sensitive content of type {}", e.key.kind), c(YELLOW));
                continue;
            }
            let dist = context.map(|_| distances(&e.lines));
            let mut omitting = false;
            for (i, l) in e.lines.iter().enumerate() {
                if let (Some(n), Some(d)) = (context, &dist) {
                    if d[i] > n {
                        if !omitting {
                            out.push_str("...\n");
                            omitting = true;
                        }
                        continue;
                    }
                    omitting = false;
                }
                match l.op {
                    Op::Insert => paint(&mut out, &format!("+ {}", l.text), c(GREEN)),
                    Op::Delete => paint(&mut out, &format!("- {}", l.text), c(RED)),
                    Op::Equal if l.text.is_empty() => out.push('\n'),
                    Op::Equal => {
                        out.push_str("  ");
                        out.push_str(&l.text);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }

    /// helm-diff's `simple` output: one line per change and a plan summary; nothing when nothing changes.
    /// A drift report: `has drifted.` / `is missing.` lines and `Drift: N drifted, M missing.`.
    pub fn to_simple(&self, color: bool) -> String {
        if self.entries.is_empty() {
            return String::new();
        }
        let mut out = String::new();
        let mut counts = [0usize; 4];
        for e in &self.entries {
            let (msg, code, n) = match e.change {
                Change::Added => ("to be added.", GREEN, 0),
                Change::Modified if self.live => ("has drifted.", YELLOW, 1),
                Change::Modified => ("to be changed.", YELLOW, 1),
                Change::Removed => ("to be removed.", RED, 2),
                Change::Missing => ("is missing.", RED, 3),
            };
            counts[n] += 1;
            paint(&mut out, &format!("{} {msg}", e.key), color.then_some(code));
        }
        if self.live {
            out.push_str(&format!("Drift: {} drifted, {} missing.\n", counts[1], counts[3]));
        } else {
            out.push_str(&format!("Plan: {} to add, {} to change, {} to destroy.\n", counts[0], counts[1], counts[2]));
        }
        out
    }

    /// The JSON report: an array of [`JsonEntry`], pretty-printed, `[]` when nothing changes. `context`
    /// as for `to_text`, for the unified diff (`None`: the whole object in one hunk).
    pub fn to_json(&self, context: Option<usize>) -> String {
        let entries: Vec<JsonEntry> = self.entries.iter().map(|e| JsonEntry::of(e, context)).collect();
        let mut s = serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into());
        s.push('\n');
        s
    }
}

/// One change in the JSON report (`-o json`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonEntry {
    /// API group, or the apiVersion for the core group: `apps`, `v1` (as in the text header).
    pub api: String,
    /// Full apiVersion of the new object (of the old one when removed).
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `added`, `removed` or `modified`; in a drift report `modified` (drifted) or `missing`.
    pub change: Change,
    /// `--find-renames` took this removed object and an added one for a rename: the added one's
    /// namespace and name (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<Value>,
    /// The kind is suppressed (`--suppress`): `diff`, `old` and `new` are null.
    pub suppressed: bool,
    /// The change as a unified diff of the object's YAML: `@@ -l,n +l,n @@` hunks, lines prefixed
    /// with ` `, `-` or `+`; no file header.
    pub diff: Option<String>,
    /// The object before (null when added) and after (null when removed), Secret data masked as shown.
    pub old: Option<Value>,
    pub new: Option<Value>,
}

impl JsonEntry {
    fn of(e: &Entry, context: Option<usize>) -> JsonEntry {
        let object = |t: &Option<String>| t.as_deref().map(|t| goyaml::from_str(t).map(integers).unwrap_or_else(|_| Value::String(t.into())));
        JsonEntry {
            api: e.key.api.clone(),
            api_version: e.api_version.clone(),
            kind: e.key.kind.clone(),
            namespace: e.key.namespace.clone(),
            name: e.key.name.clone(),
            change: e.change,
            renamed_to: e.renamed_to.as_ref().map(|k| serde_json::json!({"namespace": k.namespace, "name": k.name})),
            suppressed: e.suppressed,
            diff: (!e.suppressed).then(|| unified(&e.lines, context)),
            old: object(&e.old),
            new: object(&e.new),
        }
    }
}

/// YAML numbers arrive as float64 (as in Go); whole ones are written back as integers.
fn integers(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(integers).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, integers(v))).collect()),
        other => other,
    }
}

/// A line diff as unified-diff hunks with `context` unchanged lines around changes (`None`: one hunk
/// with every line). GNU diff's header form: a count of 1 is left out, an empty range starts at the
/// line before it.
pub fn unified(lines: &[Line], context: Option<usize>) -> String {
    let changes: Vec<usize> = lines.iter().enumerate().filter(|(_, l)| l.op != Op::Equal).map(|(i, _)| i).collect();
    if changes.is_empty() {
        return String::new();
    }
    // hunks as ranges of `lines`
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    match context {
        None => hunks.push((0, lines.len())),
        Some(c) => {
            for &i in &changes {
                let (lo, hi) = (i.saturating_sub(c), (i + c + 1).min(lines.len()));
                match hunks.last_mut() {
                    Some(h) if lo <= h.1 => h.1 = hi,
                    _ => hunks.push((lo, hi)),
                }
            }
        }
    }
    // line numbers at the start of each index
    let mut old_no = Vec::with_capacity(lines.len() + 1);
    let mut new_no = Vec::with_capacity(lines.len() + 1);
    let (mut o, mut n) = (0usize, 0usize);
    for l in lines {
        old_no.push(o);
        new_no.push(n);
        o += usize::from(l.op != Op::Insert);
        n += usize::from(l.op != Op::Delete);
    }
    let range = |start: usize, count: usize| match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{count}", start + 1),
    };
    let mut out = String::new();
    for (lo, hi) in hunks {
        let part = &lines[lo..hi];
        let olen = part.iter().filter(|l| l.op != Op::Insert).count();
        let nlen = part.iter().filter(|l| l.op != Op::Delete).count();
        out.push_str(&format!("@@ -{} +{} @@\n", range(old_no[lo], olen), range(new_no[lo], nlen)));
        for l in part {
            out.push(match l.op {
                Op::Equal => ' ',
                Op::Delete => '-',
                Op::Insert => '+',
            });
            out.push_str(&l.text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(name: &str, value: &str) -> String {
        format!("---\n# Source: chart/templates/{name}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: {value}\n")
    }

    fn deploy(name: &str, image: &str) -> String {
        format!(
            "---\n# Source: chart/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: {image}\n"
        )
    }

    fn opts() -> DiffOptions {
        DiffOptions::new("default")
    }

    fn text(old: &str, new: &str, o: &DiffOptions, context: Option<usize>) -> String {
        diff_manifests(old, new, o).unwrap().to_text(context, false)
    }

    fn render(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| format!("{}{}\n", match l.op { Op::Equal => ' ', Op::Delete => '-', Op::Insert => '+' }, l.text))
            .collect()
    }

    #[test]
    fn unchanged_objects_give_nothing() {
        let m = format!("{}{}", cm("a", "x"), deploy("web", "nginx:1"));
        let r = diff_manifests(&m, &m, &opts()).unwrap();
        assert!(!r.has_changes());
        assert_eq!(r.to_text(None, true), "");
        assert_eq!(r.to_simple(true), "");
        assert_eq!(r.to_json(None), "[]\n");
        // the same objects in another order, with other document separators, are unchanged too
        let swapped = format!("{}--- \n{}", deploy("web", "nginx:1"), cm("a", "x").trim_start_matches("---\n"));
        assert!(!diff_manifests(&m, &swapped, &opts()).unwrap().has_changes());
    }

    #[test]
    fn modified_object_whole() {
        let out = text(&deploy("web", "nginx:1"), &deploy("web", "nginx:2"), &opts(), None);
        assert_eq!(
            out,
            "default, web, Deployment (apps) has changed:\n  # Source: chart/templates/deploy.yaml\n  apiVersion: apps/v1\n  kind: Deployment\n  \
             metadata:\n    name: web\n  spec:\n    replicas: 1\n    template:\n      spec:\n        containers:\n          - name: web\n\
             -           image: nginx:1\n+           image: nginx:2\n"
        );
    }

    #[test]
    fn added_and_removed_objects() {
        let old = format!("{}{}", cm("gone", "1"), cm("same", "1"));
        let new = format!("{}{}", cm("same", "1"), cm("fresh", "2"));
        let out = text(&old, &new, &opts(), None);
        assert_eq!(
            out,
            "default, gone, ConfigMap (v1) has been removed:\n- # Source: chart/templates/gone.yaml\n- apiVersion: v1\n- kind: ConfigMap\n\
             - metadata:\n-   name: gone\n- data:\n-   key: 1\n\
             default, fresh, ConfigMap (v1) has been added:\n+ # Source: chart/templates/fresh.yaml\n+ apiVersion: v1\n+ kind: ConfigMap\n\
             + metadata:\n+   name: fresh\n+ data:\n+   key: 2\n"
        );
        let r = diff_manifests(&old, &new, &opts()).unwrap();
        assert_eq!(r.to_simple(false), "default, gone, ConfigMap (v1) to be removed.\ndefault, fresh, ConfigMap (v1) to be added.\nPlan: 1 to add, 0 to change, 1 to destroy.\n");
    }

    #[test]
    fn order_is_modified_removed_added_each_by_key() {
        let old = format!("{}{}{}{}", cm("z-mod", "1"), cm("b-gone", "1"), cm("a-mod", "1"), cm("a-gone", "1"));
        let new = format!("{}{}{}{}", cm("z-mod", "2"), cm("b-new", "1"), cm("a-mod", "2"), cm("a-new", "1"));
        let r = diff_manifests(&old, &new, &opts()).unwrap();
        let order: Vec<(String, Change)> = r.entries.iter().map(|e| (e.key.name.clone(), e.change)).collect();
        assert_eq!(
            order,
            [
                ("a-mod".to_string(), Change::Modified),
                ("z-mod".into(), Change::Modified),
                ("a-gone".into(), Change::Removed),
                ("b-gone".into(), Change::Removed),
                ("a-new".into(), Change::Added),
                ("b-new".into(), Change::Added),
            ]
        );
    }

    #[test]
    fn keys_name_namespace_kind_and_group() {
        let m = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: other\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n";
        let (objs, warnings) = parse_manifest(m, &opts()).unwrap();
        assert!(warnings.is_empty());
        let keys: Vec<&String> = objs.keys().collect();
        assert_eq!(keys, ["default, s, Service (v1)", "other, r, Role (rbac.authorization.k8s.io)"]);
        // the same name as another kind or group is another object
        let svc2 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n";
        let r = diff_manifests(m, &format!("{m}\n---\n{svc2}"), &opts()).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].key.to_string(), "default, s, ConfigMap (v1)");
    }

    #[test]
    fn duplicates_warn_and_the_first_counts() {
        let m = format!("{}{}", cm("a", "1"), cm("a", "2"));
        let (objs, warnings) = parse_manifest(&m, &opts()).unwrap();
        assert_eq!(warnings, ["the manifest has default, a, ConfigMap (v1) more than once; the first one is compared"]);
        assert!(objs["default, a, ConfigMap (v1)"].content.ends_with("key: 1"));
    }

    #[test]
    fn lists_are_their_items_and_comment_only_documents_nothing() {
        let m = "# Source: x/templates/empty.yaml\n# nothing here\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: one\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: two\n";
        let (objs, _) = parse_manifest(m, &opts()).unwrap();
        assert_eq!(objs.keys().collect::<Vec<_>>(), ["default, one, ConfigMap (v1)", "default, two, ConfigMap (v1)"]);
        assert_eq!(objs["default, one, ConfigMap (v1)"].content, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one");
    }

    #[test]
    fn hooks_count_tests_only_on_request() {
        let hook = |name: &str, events: &str| {
            format!("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: {events}\n")
        };
        let new = format!("{}{}{}", hook("pre", "pre-install,pre-upgrade"), hook("t", "test"), hook("t2", "post-install, test-success"));
        let names = |o: &DiffOptions| -> Vec<String> { diff_manifests("", &new, o).unwrap().entries.iter().map(|e| e.key.name.clone()).collect() };
        assert_eq!(names(&opts()), ["pre"]);
        assert_eq!(names(&DiffOptions { include_tests: true, ..opts() }), ["pre", "t", "t2"]);
        assert!(names(&DiffOptions { include_hooks: false, include_tests: true, ..opts() }).is_empty());
    }

    #[test]
    fn release_manifest_appends_hooks_with_their_source() {
        let rel = Release {
            manifest: cm("a", "1"),
            hooks: vec![crate::release::record::Hook {
                path: "chart/templates/hook.yaml".into(),
                manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let text = release_manifest(&rel);
        assert!(text.ends_with("key: 1\n\n---\n# Source: chart/templates/hook.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h"), "{text}");
        let (objs, _) = parse_manifest(&text, &opts()).unwrap();
        assert_eq!(objs.len(), 2);
    }

    // helm-diff's contentSearch: the changed fraction of the lines, below the limit, same kind only
    #[test]
    fn renames_pair_removed_and_added_objects() {
        let four = |name: &str, d: &str| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: \"1\"\n  b: \"2\"\n  c: \"3\"\n  d: \"{d}\"\n");
        let (old, new) = (four("old", "4"), four("new", "4"));
        let changes = |o: &DiffOptions| -> Vec<(String, Change)> {
            diff_manifests(&old, &new, o).unwrap().entries.iter().map(|e| (e.key.name.clone(), e.change)).collect()
        };
        assert_eq!(changes(&opts()), [("old".into(), Change::Removed), ("new".into(), Change::Added)]);
        // 2 of 10 lines change: 0.2 is not below 0.2
        assert_eq!(changes(&DiffOptions { find_renames: 0.2, ..opts() }).len(), 2);
        let o = DiffOptions { find_renames: 0.25, ..opts() };
        assert_eq!(changes(&o), [("old".into(), Change::Modified)]);
        let r = diff_manifests(&old, &new, &o).unwrap();
        assert_eq!(r.entries[0].renamed_to.as_ref().map(|k| k.name.as_str()), Some("new"));
        assert_eq!(r.to_text(Some(0), false), "default, old, ConfigMap (v1) has changed:\n...\n-   name: old\n+   name: new\n...\n");
        assert_eq!(r.to_simple(false), "default, old, ConfigMap (v1) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy.\n");
        let js: Value = serde_json::from_str(&r.to_json(None)).unwrap();
        assert_eq!(js[0]["renamedTo"], serde_json::json!({"namespace": "default", "name": "new"}));
        // the closest candidate wins; another kind never pairs
        let cands = format!("{}{}{}", four("far", "x"), four("near", "4"), deploy("web", "a"));
        let r = diff_manifests(&format!("{old}{}", deploy("api", "a")), &cands, &DiffOptions { find_renames: 0.5, ..opts() }).unwrap();
        let got: Vec<(String, Change, Option<String>)> = r.entries.iter().map(|e| (e.key.name.clone(), e.change, e.renamed_to.as_ref().map(|k| k.name.clone()))).collect();
        assert_eq!(
            got,
            [
                ("api".into(), Change::Modified, Some("web".into())),
                ("old".into(), Change::Modified, Some("near".into())),
                ("far".into(), Change::Added, None),
            ]
        );
        // without renames the JSON has no renamedTo
        let plain: Value = serde_json::from_str(&diff_manifests(&old, &new, &opts()).unwrap().to_json(None)).unwrap();
        assert!(plain[0].get("renamedTo").is_none());
    }

    #[test]
    fn kept_objects_are_not_removed() {
        let kept = "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  annotations:\n    helm.sh/resource-policy: keep\n";
        let r = diff_manifests(&format!("{kept}{}", cm("a", "1")), "", &opts()).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.entries[0].key.name, "a");
    }

    #[test]
    fn secrets_are_masked() {
        // "c2VjcmV0" = "secret" (6 bytes), "c2FtZQ==" = "same" (4 bytes)
        let s = |pw: &str, extra: &str| {
            format!("---\n# Source: chart/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: Opaque\ndata:\n  keep: c2FtZQ==\n  pw: {pw}\n{extra}")
        };
        let old = s("c2VjcmV0", "");
        let new = s("bmV3LXNlY3JldA==", "stringData:\n  token: abc\n");
        let out = text(&old, &new, &opts(), None);
        assert_eq!(
            out,
            "default, s, Secret (v1) has changed:\n  # Source: chart/templates/secret.yaml\n  apiVersion: v1\n  data:\n    keep: 'REDACTED # (4 bytes)'\n\
             -   pw: '-------- # (6 bytes)'\n+   pw: '++++++++ # (10 bytes)'\n+   token: '++++++++ # (3 bytes)'\n  kind: Secret\n  metadata:\n    name: s\n  type: Opaque\n"
        );
        assert!(!out.contains("c2VjcmV0") && !out.contains("abc"));
        // shown as they are, or decoded
        let shown = text(&old, &new, &DiffOptions { show_secrets: true, ..opts() }, None);
        assert!(shown.contains("-   pw: c2VjcmV0\n+   pw: bmV3LXNlY3JldA==\n"), "{shown}");
        let decoded = text(&old, &new, &DiffOptions { show_secrets_decoded: true, ..opts() }, None);
        assert!(decoded.contains("  stringData:\n    keep: same\n-   pw: secret\n+   pw: new-secret\n+   token: abc\n"), "{decoded}");
        // an added secret shows sizes only
        let added = text("", &old, &opts(), None);
        assert!(added.contains("+   pw: '++++++++ # (6 bytes)'\n"), "{added}");
        // a change that keeps the size still shows
        let same_len = s("c2VjcmV1", "");
        assert!(text(&old, &same_len, &opts(), None).contains("-   pw: '-------- # (6 bytes)'\n+   pw: '++++++++ # (6 bytes)'\n"));
        // unreadable data is reported, not shown
        let bad = text(&old, &s("\"%%%\"", ""), &opts(), None);
        assert!(bad.contains("+ Error parsing new secret: illegal base64 data in key \"pw\""), "{bad}");
    }

    #[test]
    fn suppressed_kinds_report_the_change_only() {
        let o = DiffOptions { suppress_kinds: vec!["Deployment".into()], ..opts() };
        let r = diff_manifests(&deploy("web", "a"), &deploy("web", "b"), &o).unwrap();
        assert_eq!(r.to_text(Some(3), false), "default, web, Deployment (apps) has changed:\n+ Changes suppressed on sensitive content of type Deployment\n");
        let js: Value = serde_json::from_str(&r.to_json(None)).unwrap();
        assert_eq!(js[0]["suppressed"], true);
        assert!(js[0]["diff"].is_null() && js[0]["old"].is_null() && js[0]["new"].is_null());
    }

    // helm-diff's own context table (diff_test.go, TestPrintDiffWithContext)
    #[test]
    fn context_lines() {
        // helm-diff's lines, as YAML keys of one object
        let t1 = "apiVersion: v1\nkind: X\nl1: line1\nl2: line2\nl3: line3\nl4: line4\nl5: line5\nl6: line6\nl7: line7\nl8: line8\nl9: line9\nl10: line10";
        let t2 = t1.replace("line1\n", "line1 - different!\n").replace("line2\n", "line2 - different!\n").replace("line8\n", "line8 - different!\n");
        let body = |context: Option<usize>| {
            let r = diff_manifests(t1, &t2, &opts()).unwrap();
            r.to_text(context, false).split_once('\n').unwrap().1.to_string()
        };
        assert_eq!(
            body(None),
            "  apiVersion: v1\n  kind: X\n- l1: line1\n- l2: line2\n+ l1: line1 - different!\n+ l2: line2 - different!\n  l3: line3\n  l4: line4\n  l5: line5\n  l6: line6\n  l7: line7\n- l8: line8\n+ l8: line8 - different!\n  l9: line9\n  l10: line10\n"
        );
        assert_eq!(body(Some(0)), "...\n- l1: line1\n- l2: line2\n+ l1: line1 - different!\n+ l2: line2 - different!\n...\n- l8: line8\n+ l8: line8 - different!\n...\n");
        assert_eq!(
            body(Some(1)),
            "...\n  kind: X\n- l1: line1\n- l2: line2\n+ l1: line1 - different!\n+ l2: line2 - different!\n  l3: line3\n...\n  l7: line7\n- l8: line8\n+ l8: line8 - different!\n  l9: line9\n...\n"
        );
        assert_eq!(
            body(Some(2)),
            "  apiVersion: v1\n  kind: X\n- l1: line1\n- l2: line2\n+ l1: line1 - different!\n+ l2: line2 - different!\n  l3: line3\n  l4: line4\n...\n  l6: line6\n  l7: line7\n- l8: line8\n+ l8: line8 - different!\n  l9: line9\n  l10: line10\n"
        );
        assert_eq!(body(Some(3)), body(None));
    }

    #[test]
    fn colour_only_when_asked() {
        let r = diff_manifests(&cm("a", "1"), &cm("a", "2"), &opts()).unwrap();
        let plain = r.to_text(None, false);
        assert!(!plain.contains('\x1b'));
        let coloured = r.to_text(None, true);
        assert!(coloured.starts_with("\x1b[33mdefault, a, ConfigMap (v1) has changed:\x1b[0m\n"), "{coloured:?}");
        assert!(coloured.contains("\x1b[31m-   key: 1\x1b[0m\n\x1b[32m+   key: 2\x1b[0m\n"), "{coloured:?}");
        assert!(coloured.contains("\n  kind: ConfigMap\n"), "unchanged lines stay plain: {coloured:?}");
    }

    #[test]
    fn json_schema() {
        let old = format!("{}{}", deploy("web", "nginx:1"), cm("gone", "1"));
        let new = format!("{}{}", deploy("web", "nginx:2"), cm("fresh", "2"));
        let r = diff_manifests(&old, &new, &opts()).unwrap();
        let js: Value = serde_json::from_str(&r.to_json(Some(1))).unwrap();
        let arr = js.as_array().unwrap();
        assert_eq!(arr.len(), 3);
        let keys: Vec<&String> = arr[0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["api", "apiVersion", "change", "diff", "kind", "name", "namespace", "new", "old", "suppressed"]);
        assert_eq!(
            (&arr[0]["api"], &arr[0]["apiVersion"], &arr[0]["kind"], &arr[0]["namespace"], &arr[0]["name"], &arr[0]["change"]),
            (&Value::from("apps"), &Value::from("apps/v1"), &Value::from("Deployment"), &Value::from("default"), &Value::from("web"), &Value::from("modified"))
        );
        assert_eq!(arr[0]["diff"], "@@ -11,2 +11,2 @@\n         - name: web\n-          image: nginx:1\n+          image: nginx:2\n");
        assert_eq!(arr[0]["old"]["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1");
        assert_eq!(arr[0]["new"]["spec"]["replicas"], serde_json::json!(1), "whole numbers stay integers");
        assert_eq!((&arr[1]["name"], &arr[1]["change"]), (&Value::from("gone"), &Value::from("removed")));
        assert!(arr[1]["new"].is_null());
        assert_eq!(arr[1]["diff"].as_str().unwrap().lines().next(), Some("@@ -1,7 +0,0 @@"));
        assert_eq!((&arr[2]["name"], &arr[2]["change"], &arr[2]["suppressed"]), (&Value::from("fresh"), &Value::from("added"), &Value::Bool(false)));
        assert!(arr[2]["old"].is_null());
        assert_eq!(arr[2]["new"]["data"]["key"], serde_json::json!(2));
        // without context the whole object is one hunk
        let whole: Value = serde_json::from_str(&r.to_json(None)).unwrap();
        assert!(whole[0]["diff"].as_str().unwrap().starts_with("@@ -1,12 +1,12 @@\n # Source: chart/templates/deploy.yaml\n"));
    }

    #[test]
    fn unified_hunks() {
        let a: Vec<String> = (1..=20).map(|i| format!("l{i}")).collect();
        let mut b = a.clone();
        b[2] = "changed".into();
        b.remove(15);
        let lines = line_diff(&a, &b);
        assert_eq!(
            unified(&lines, Some(2)),
            "@@ -1,5 +1,5 @@\n l1\n l2\n-l3\n+changed\n l4\n l5\n@@ -14,5 +14,4 @@\n l14\n l15\n-l16\n l17\n l18\n"
        );
        assert_eq!(unified(&lines, Some(7)).matches("@@ -").count(), 1, "close hunks merge");
        assert_eq!(unified(&line_diff(&["x"], &[] as &[&str]), Some(3)), "@@ -1 +0,0 @@\n-x\n");
        assert_eq!(unified(&line_diff(&a, &a), None), "");
    }

    #[test]
    fn line_diff_is_minimal_and_complete() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("a", "b"),
            ("abc", "abc"),
            ("abcabba", "cbabac"),
            ("xaxbxcx", "abc"),
            ("abc", "xaxbxcx"),
            ("aaaa", "aa"),
            ("abcdefgh", "hgfedcba"),
            ("a b c d e f", "a c e f g"),
        ];
        for (x, y) in cases {
            let a: Vec<String> = x.chars().map(String::from).collect();
            let b: Vec<String> = y.chars().map(String::from).collect();
            let lines = line_diff(&a, &b);
            let old: String = lines.iter().filter(|l| l.op != Op::Insert).map(|l| l.text.as_str()).collect();
            let new: String = lines.iter().filter(|l| l.op != Op::Delete).map(|l| l.text.as_str()).collect();
            assert_eq!((old.as_str(), new.as_str()), (*x, *y), "{}", render(&lines));
            let equal = lines.iter().filter(|l| l.op == Op::Equal).count();
            assert_eq!(equal, lcs(&a, &b), "{x} → {y}: not a longest common subsequence\n{}", render(&lines));
        }
        // a pseudo-random soak against the quadratic LCS
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..300 {
            let a: Vec<String> = (0..next() % 30).map(|_| ((next() % 4) as u8 + b'a').to_string()).collect();
            let b: Vec<String> = (0..next() % 30).map(|_| ((next() % 4) as u8 + b'a').to_string()).collect();
            let lines = line_diff(&a, &b);
            let old: Vec<&str> = lines.iter().filter(|l| l.op != Op::Insert).map(|l| l.text.as_str()).collect();
            let new: Vec<&str> = lines.iter().filter(|l| l.op != Op::Delete).map(|l| l.text.as_str()).collect();
            assert_eq!(old, a);
            assert_eq!(new, b);
            assert_eq!(lines.iter().filter(|l| l.op == Op::Equal).count(), lcs(&a, &b), "{a:?} → {b:?}");
        }
    }

    fn lcs(a: &[String], b: &[String]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for x in a {
            let mut prev = 0;
            for (j, y) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = if x == y { prev + 1 } else { row[j + 1].max(row[j]) };
                prev = cur;
            }
        }
        row[b.len()]
    }

    #[test]
    fn normalize_ignores_formatting() {
        let a = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  b: \"2\"\n  a: '1'\n";
        let b = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n  b: \"2\"\n";
        assert!(diff_manifests(a, b, &opts()).unwrap().has_changes());
        assert!(!diff_manifests(a, b, &DiffOptions { normalize: true, ..opts() }).unwrap().has_changes());
    }

    #[test]
    fn trailing_carriage_returns() {
        let a = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n";
        let b = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        assert!(diff_manifests(a, b, &opts()).unwrap().has_changes());
        assert!(!diff_manifests(a, b, &DiffOptions { strip_trailing_cr: true, ..opts() }).unwrap().has_changes());
    }

    #[test]
    fn unreadable_manifest_is_an_error() {
        let e = diff_manifests("apiVersion: v1\nkind: [\n", "", &opts()).unwrap_err();
        assert!(e.0.starts_with("reading a manifest document: "), "{e}");
    }
}

//! Rendered files into manifests: Helm's `---` splitting, the head parse (apiVersion, kind, name,
//! annotations), hooks split from plain manifests, and Helm's install/uninstall kind order.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::sync::{Arc, Condvar, Mutex};

/// The kinds Helm installs first, in order; unknown kinds come after, sorted by name.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
    "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
    "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
    "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The reverse: what uninstall deletes first.
pub fn uninstall_order() -> Vec<&'static str> {
    INSTALL_ORDER.iter().rev().copied().collect()
}

pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

/// The part of a manifest Helm reads before applying it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Head {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub annotations: Option<BTreeMap<String, String>>,
}

/// One object of the release manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The template it came from, e.g. `mychart/templates/service.yaml`.
    pub name: String,
    pub content: String,
    pub head: Head,
}

/// One hook object, with the events it runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub name: String,
    pub kind: String,
    pub path: String,
    pub manifest: String,
    pub events: Vec<String>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
    pub output_log_policies: Vec<String>,
}

const HOOK_EVENTS: &[&str] = &[
    "pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade", "pre-rollback",
    "post-rollback", "test",
];

/// Helm's SplitManifests for the Helm version in effect ([`split_manifests_as`]).
pub fn split_manifests(big: &str) -> Vec<String> {
    split_manifests_as(big, crate::compat::current())
}

/// Helm's SplitManifests, in order, white-space-only documents dropped:
/// - v4.1: documents separated by regex `(?:^|\s*\n)---\s*`, each trimmed on both sides;
/// - v4.3: separated by `---` (and the spaces/tabs after it) at a line start, regex `(?m)^---[ \t]*`,
///   each trimmed on the left only, so a document keeps the blank lines it ended with.
pub fn split_manifests_as(big: &str, compat: crate::compat::HelmCompat) -> Vec<String> {
    split_ranges(big, compat)
        .into_iter()
        .map(|r| big[r].to_string())
        .collect()
}

/// [`split_manifests_as`] as byte ranges of `big`, so a caller can keep (or reuse) the text.
pub fn split_ranges(big: &str, compat: crate::compat::HelmCompat) -> Vec<Range<usize>> {
    if compat.keeps_document_trailing_space() {
        split_at_line_separators(big)
    } else {
        split_trimmed(big)
    }
}

fn split_at_line_separators(big: &str) -> Vec<Range<usize>> {
    let text = big.trim_start();
    let offset = big.len() - text.len();
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut start = 0;
    let mut line = 0;
    while line < bytes.len() {
        // `str::find` of a one-byte char is core's memchr; `line` always starts a line.
        let next_line = text[line..]
            .find('\n')
            .map_or(bytes.len(), |i| line + i + 1);
        if bytes[line..].starts_with(b"---") {
            docs.push(start..line);
            let mut end = line + 3;
            while end < bytes.len() && (bytes[end] == b' ' || bytes[end] == b'\t') {
                end += 1;
            }
            start = end;
            // `---` then text on the same line: the text starts the next document, and the next
            // separator can only begin after the line's end.
        }
        line = next_line;
    }
    docs.push(start..bytes.len());
    docs.into_iter()
        .filter(|r| !text[r.clone()].trim().is_empty())
        .map(|r| {
            let kept = text[r.clone()].trim_start().len();
            offset + r.end - kept..offset + r.end
        })
        .collect()
}

fn split_trimmed(big: &str) -> Vec<Range<usize>> {
    let offset = big.len() - big.trim_start().len();
    let text = big.trim();
    let bytes = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut docs = Vec::new();
    // `start` begins the current document; `search` is where the previous separator ended (separators
    // never overlap, so the whitespace a separator swallowed cannot start the next one).
    let (mut start, mut search) = (0, 0);
    if text.starts_with("---") {
        start = skip_ws(3);
        search = start;
    }
    while let Some(rel) = text[search..].find("\n---") {
        let newline = search + rel;
        let mut sep_start = newline;
        while sep_start > search && bytes[sep_start - 1].is_ascii_whitespace() {
            sep_start -= 1;
        }
        docs.push(start..sep_start);
        start = skip_ws(newline + 4);
        search = start;
    }
    docs.push(start..bytes.len());
    docs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            let doc = &text[r.clone()];
            let lead = doc.len() - doc.trim_start().len();
            offset + r.start + lead..offset + r.start + lead + doc.trim().len()
        })
        .collect()
}

/// Parse the head of one manifest as Helm's `yaml.Unmarshal(m, &SimpleHead)` does.
pub fn parse_head(doc: &str) -> Result<Head, String> {
    // Only apiVersion, kind, metadata.name and metadata.annotations are read: goyaml::read_head gives
    // from_str's value (and errors) reduced to those paths without building the rest.
    let value = goyaml::read_head(doc).map_err(|e| e.to_string())?;
    let obj = match value {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Null => return Ok(Head::default()),
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type util.SimpleHead",
                json_kind(&other)
            ))
        }
    };
    let string_field = |v: Option<&serde_json::Value>, field: &str| -> Result<String, String> {
        match v {
            None | Some(serde_json::Value::Null) => Ok(String::new()),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.{field} of type string",
                json_kind(other)
            )),
        }
    };
    let mut head = Head {
        api_version: string_field(obj.get("apiVersion"), "apiVersion")?,
        kind: string_field(obj.get("kind"), "kind")?,
        ..Head::default()
    };
    match obj.get("metadata") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(meta)) => {
            head.name = string_field(meta.get("name"), "metadata.name")?;
            match meta.get("annotations") {
                None | Some(serde_json::Value::Null) => {}
                Some(serde_json::Value::Object(a)) => {
                    let mut annotations = BTreeMap::new();
                    for (k, v) in a {
                        annotations.insert(k.clone(), string_field(Some(v), "metadata.annotations")?);
                    }
                    head.annotations = Some(annotations);
                }
                Some(other) => {
                    return Err(format!(
                        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field .metadata.annotations of type map[string]string",
                        json_kind(other)
                    ))
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.metadata of type struct {{ Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }}",
                json_kind(other)
            ))
        }
    }
    Ok(head)
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Helm's SortManifests: files in name order (partials and blank files skipped), each split into
/// documents, hooks separated from plain manifests, both stably sorted by kind.
/// Errors name the file: `YAML parse error on chart/templates/x.yaml: …`.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
    order: &[&str],
) -> Result<(Vec<Hook>, Vec<Manifest>), (String, Vec<Hook>, Vec<Manifest>)> {
    let compat = crate::compat::current();
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, content) in files {
        if skipped(path, content) {
            continue;
        }
        for range in split_ranges(content, compat) {
            let doc = &content[range];
            match parse_head(doc) {
                Ok(head) => place(path, doc.to_string(), head, &mut hooks, &mut generic),
                Err(e) => return Err((format!("YAML parse error on {path}: {e}"), hooks, generic)),
            }
        }
    }
    sort_by_kind(&mut hooks, &mut generic, order);
    Ok((hooks, generic))
}

/// Partials and blank files hold no manifests.
fn skipped(path: &str, content: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.starts_with('_') || content.trim().is_empty()
}

/// One document with its head: a hook (when it names known hook events) or a plain manifest.
fn place(path: &str, doc: String, head: Head, hooks: &mut Vec<Hook>, generic: &mut Vec<Manifest>) {
    let hook_types = head
        .annotations
        .as_ref()
        .and_then(|a| a.get(HOOK_ANNOTATION))
        .cloned();
    let Some(hook_types) = hook_types else {
        generic.push(Manifest {
            name: path.to_string(),
            content: doc,
            head,
        });
        return;
    };
    let annotations = head.annotations.clone().unwrap_or_default();
    let weight = annotations
        .get(HOOK_WEIGHT_ANNOTATION)
        .and_then(|w| go_atoi(w))
        .unwrap_or(0);
    let mut events = Vec::new();
    for t in hook_types.split(',') {
        let t = t.trim().to_lowercase();
        let t = if t == "test-success" {
            "test".to_string()
        } else {
            t
        };
        if !HOOK_EVENTS.contains(&t.as_str()) {
            return;
        }
        events.push(t);
    }
    let list = |key: &str| -> Vec<String> {
        annotations
            .get(key)
            .map(|v| v.split(',').map(|p| p.trim().to_lowercase()).collect())
            .unwrap_or_default()
    };
    hooks.push(Hook {
        name: head.name.clone(),
        kind: head.kind.clone(),
        path: path.to_string(),
        manifest: doc,
        events,
        weight,
        delete_policies: list(HOOK_DELETE_ANNOTATION),
        output_log_policies: list(HOOK_OUTPUT_LOG_ANNOTATION),
    });
}

/// Stable sort by the kinds' rank in `order`, unknown kinds after, by name.
fn sort_by_kind(hooks: &mut [Hook], generic: &mut [Manifest], order: &[&str]) {
    let rank = |kind: &str| order.iter().position(|k| *k == kind);
    let less = |a: &str, b: &str| -> std::cmp::Ordering {
        match (rank(a), rank(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.cmp(b),
        }
    };
    generic.sort_by(|a, b| less(&a.head.kind, &b.head.kind));
    hooks.sort_by(|a, b| less(&a.kind, &b.kind));
}

/// [`sort_manifests`] for files that arrive one by one while the engine renders: each file is split
/// and its documents' heads are read on a helper thread as soon as it is added, so that work (the
/// YAML pass over every rendered byte) overlaps rendering; [`Splitter::finish`] helps with what is
/// left and assembles the result in file-name order, exactly as `sort_manifests` would.
pub struct Splitter {
    compat: crate::compat::HelmCompat,
    /// Files by name; the text is shared with the helper while its job is pending.
    files: BTreeMap<String, (Arc<String>, usize)>,
    queue: Arc<Queue>,
    helper: Option<std::thread::JoinHandle<()>>,
}

/// One file's documents: their ranges in the text and heads, or the first head error.
type Split = Vec<(Range<usize>, Result<Head, String>)>;

#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    wake: Condvar,
}

#[derive(Default)]
struct QueueState {
    jobs: VecDeque<(usize, Arc<String>)>,
    done: Vec<Option<Split>>,
    closed: bool,
}

impl Queue {
    /// Take jobs until none is left (and, for the helper, until the queue is closed).
    fn work(&self, compat: crate::compat::HelmCompat, wait: bool) {
        loop {
            let (id, text) = {
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(job) = st.jobs.pop_front() {
                        break job;
                    }
                    if st.closed || !wait {
                        return;
                    }
                    st = self.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                }
            };
            let split = split_file(&text, compat);
            drop(text);
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.done[id] = Some(split);
        }
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.wake.notify_all();
    }
}

/// Split one file and read its documents' heads, stopping at the first error (as Helm stops there).
fn split_file(text: &str, compat: crate::compat::HelmCompat) -> Split {
    let mut out = Vec::new();
    for range in split_ranges(text, compat) {
        let head = parse_head(&text[range.clone()]);
        let failed = head.is_err();
        out.push((range, head));
        if failed {
            break;
        }
    }
    out
}

/// A failed [`Splitter::finish`]: Helm's message, and the rendered files as `--debug` shows them.
#[derive(Debug, Clone)]
pub struct SortError {
    pub message: String,
    pub partial: String,
}

impl Splitter {
    /// A splitter with a helper thread when the machine has a second core.
    pub fn new(compat: crate::compat::HelmCompat) -> Splitter {
        let queue = Arc::new(Queue::default());
        let helper = if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            let q = queue.clone();
            // YAML nesting is bounded (goyaml's depth limit), so a modest stack is plenty.
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || q.work(compat, true))
                .ok()
        } else {
            None
        };
        Splitter {
            compat,
            files: BTreeMap::new(),
            queue,
            helper,
        }
    }

    /// Queue one rendered file (by its template name).
    pub fn add(&mut self, name: String, text: String) {
        let text = Arc::new(text);
        let id = {
            let mut st = self.queue.state.lock().unwrap_or_else(|e| e.into_inner());
            let id = st.done.len();
            st.done.push(None);
            if !skipped(&name, &text) {
                st.jobs.push_back((id, text.clone()));
            }
            id
        };
        self.queue.wake.notify_one();
        if let Some((_, old)) = self.files.insert(name, (text, id)) {
            // A name rendered twice keeps its last text, as a map insert does.
            let mut st = self.queue.state.lock().unwrap_or_else(|e| e.into_inner());
            st.jobs.retain(|(j, _)| *j != old);
        }
    }

    /// Wait for the heads (reading the rest on this thread too) and sort the manifests as
    /// [`sort_manifests`] does.
    pub fn finish(mut self, order: &[&str]) -> Result<(Vec<Hook>, Vec<Manifest>), SortError> {
        self.queue.close();
        self.queue.work(self.compat, false);
        if let Some(h) = self.helper.take() {
            let _ = h.join();
        }
        let mut done = std::mem::take(
            &mut self
                .queue
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .done,
        );
        let files = std::mem::take(&mut self.files);
        let mut hooks = Vec::new();
        let mut generic = Vec::new();
        for (path, (_, id)) in &files {
            let failed = done[*id]
                .iter()
                .flatten()
                .find_map(|(_, head)| head.as_ref().err());
            if let Some(e) = failed {
                let mut partial = String::new();
                for (name, (content, _)) in &files {
                    if !content.trim().is_empty() {
                        partial.push_str(&format!("---\n# Source: {name}\n{content}\n"));
                    }
                }
                return Err(SortError {
                    message: format!("YAML parse error on {path}: {e}"),
                    partial,
                });
            }
        }
        // Every head read: hand the texts over as the manifests' content, reusing a file's buffer
        // when it holds one document.
        for (path, (text, id)) in files {
            let split = done[id].take().unwrap_or_default();
            let mut text = Arc::try_unwrap(text).unwrap_or_else(|shared| shared.as_ref().clone());
            if let [(range, _)] = split.as_slice() {
                let range = range.clone();
                text.truncate(range.end);
                text.drain(..range.start);
                text.shrink_to_fit();
                if let Some((_, Ok(head))) = split.into_iter().next() {
                    place(&path, text, head, &mut hooks, &mut generic);
                }
                continue;
            }
            for (range, head) in split {
                if let Ok(head) = head {
                    place(
                        &path,
                        text[range].to_string(),
                        head,
                        &mut hooks,
                        &mut generic,
                    );
                }
            }
        }
        sort_by_kind(&mut hooks, &mut generic, order);
        Ok((hooks, generic))
    }
}

impl Drop for Splitter {
    fn drop(&mut self) {
        if let Some(h) = self.helper.take() {
            self.queue
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .jobs
                .clear();
            self.queue.close();
            let _ = h.join();
        }
    }
}

/// Go's strconv.Atoi: optional sign, decimal digits only, no spaces.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_helm() {
        assert_eq!(split_manifests_as("a: 1\n---\nb: 2\n", crate::compat::HelmCompat::V4_1), vec!["a: 1", "b: 2"]);
        // The whitespace after a separator is part of it, so a `---` right after cannot separate
        // again (Helm prints that document with its `---`).
        assert_eq!(split_manifests_as("---\na: 1\n---   \n\n---\nb: 2", crate::compat::HelmCompat::V4_1), vec!["a: 1", "---\nb: 2"]);
        assert_eq!(split_manifests_as("a: '---'\n", crate::compat::HelmCompat::V4_1), vec!["a: '---'"]);
        // `---` glued to text after a newline still separates (the regex needs no line end)
        assert_eq!(split_manifests_as("a: 1\n---b: 2", crate::compat::HelmCompat::V4_1), vec!["a: 1", "b: 2"]);
        assert_eq!(split_manifests_as("  \n", crate::compat::HelmCompat::V4_1), Vec::<String>::new());
    }

    #[test]
    fn split_like_helm_v4_1_and_v4_3() {
        use crate::compat::HelmCompat::{V4_1, V4_3};
        let split = split_manifests_as;
        assert_eq!(split("a: 1\n---\nb: 2\n", V4_1), vec!["a: 1", "b: 2"]);
        assert_eq!(split("---\na: 1\n---   \n\n---\nb: 2", V4_1), vec!["a: 1", "---\nb: 2"]);
        assert_eq!(split("a: 1\n---b: 2", V4_1), vec!["a: 1", "b: 2"]);
        // v4.3 keeps what a document ends with (the newline before `---` included) and splits at
        // every `---` that starts a line; `---` lines with nothing between them give nothing.
        assert_eq!(split("\n a: 1\n\n---\nb: 2\n  \n", V4_3), vec!["a: 1\n\n", "b: 2\n  \n"]);
        assert_eq!(split("---\na: 1\n---   \n\n---\nb: 2", V4_3), vec!["a: 1\n", "b: 2"]);
        assert_eq!(split("a: 1\n---b: 2", V4_3), vec!["a: 1\n", "b: 2"]);
        assert_eq!(split("a: 1\n----\nb: 2", V4_3), vec!["a: 1\n", "-\nb: 2"]);
        assert_eq!(split("a: '---'\n  ---\n", V4_3), vec!["a: '---'\n  ---\n"]);
        assert_eq!(split("a: 1 ---\n", V4_3), vec!["a: 1 ---\n"]);
        assert_eq!(split(" \n---\n \n", V4_3), Vec::<String>::new());
    }

    #[test]
    fn kind_order_is_stable_and_unknown_last() {
        let mut files = BTreeMap::new();
        files.insert(
            "c/templates/a.yaml".to_string(),
            "kind: Foo\n---\nkind: Deployment\n---\nkind: Bar\n---\nkind: Service\n---\nkind: Namespace".to_string(),
        );
        let (_, m) = sort_manifests(&files, INSTALL_ORDER).unwrap();
        let kinds: Vec<_> = m.iter().map(|m| m.head.kind.as_str()).collect();
        assert_eq!(kinds, ["Namespace", "Service", "Deployment", "Bar", "Foo"]);
    }

    #[test]
    fn hooks_are_split_out() {
        let mut files = BTreeMap::new();
        files.insert(
            "c/templates/job.yaml".to_string(),
            "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install, Post-Upgrade\n    helm.sh/hook-weight: \"-5\"\n".to_string(),
        );
        files.insert("c/templates/_h.tpl".to_string(), "kind: Secret".to_string());
        let (hooks, m) = sort_manifests(&files, INSTALL_ORDER).unwrap();
        assert!(m.is_empty());
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].events, ["pre-install", "post-upgrade"]);
        assert_eq!(hooks[0].weight, -5);
    }

    fn split_with_splitter(
        files: &BTreeMap<String, String>,
    ) -> Result<(Vec<Hook>, Vec<Manifest>), SortError> {
        let mut s = Splitter::new(crate::compat::current());
        for (k, v) in files {
            s.add(k.clone(), v.clone());
        }
        s.finish(INSTALL_ORDER)
    }

    /// The streaming splitter (helper thread) gives exactly what sort_manifests gives.
    #[test]
    fn splitter_matches_sort_manifests() {
        let files: BTreeMap<String, String> = [
            ("c/templates/a.yaml", "kind: Foo\n---\nkind: Deployment\n---\n\nkind: Service\n\n"),
            ("c/templates/blank.yaml", "  \n"),
            ("c/templates/one.yaml", "\n\nkind: Namespace\nmetadata:\n  name: ns1\n\n"),
            ("c/templates/_h.tpl", "kind: Secret"),
            (
                "c/templates/job.yaml",
                "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install\n---\nkind: Pod\nmetadata:\n  annotations:\n    helm.sh/hook: nope\n",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (hooks, manifests) = sort_manifests(&files, INSTALL_ORDER).unwrap();
        let (h2, m2) = split_with_splitter(&files).unwrap();
        assert_eq!(hooks, h2);
        assert_eq!(manifests, m2);
        assert_eq!(
            m2.iter().map(|m| m.head.kind.as_str()).collect::<Vec<_>>(),
            ["Namespace", "Service", "Deployment", "Foo"]
        );
        assert_eq!(h2.len(), 1);
    }

    /// The first file (by name) with a bad document is named, and every rendered file is in the partial.
    #[test]
    fn splitter_error_names_the_first_bad_file() {
        let files: BTreeMap<String, String> = [
            ("c/templates/a.yaml", "kind: A\n"),
            ("c/templates/c.yaml", "x: {\n"),
            ("c/templates/b.yaml", "kind: B\n---\nx: [\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (message, _, _) = sort_manifests(&files, INSTALL_ORDER).unwrap_err();
        let e = split_with_splitter(&files).unwrap_err();
        assert_eq!(e.message, message);
        assert!(
            e.message
                .starts_with("YAML parse error on c/templates/b.yaml: "),
            "{}",
            e.message
        );
        assert_eq!(
            e.partial,
            "---\n# Source: c/templates/a.yaml\nkind: A\n\n---\n# Source: c/templates/b.yaml\nkind: B\n---\nx: [\n\n---\n# Source: c/templates/c.yaml\nx: {\n\n"
        );
    }
}

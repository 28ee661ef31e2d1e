//! Reading: events → node tree (yaml.v2 decode.go's parser) → Go values as yaml.v2 decodes into
//! `interface{}` (merge keys, aliases with the excessive-aliasing rule) → sigs.k8s.io/yaml's JSON view.

use std::collections::HashMap;

use crate::parser::{Event, EventKind, Parser};
use crate::resolve::{self, resolve, Resolved};
use crate::scanner::{ErrorKind, Mark, YamlError};

/// Nesting bound for documents (yaml.v2 allows 10000; deeper trees here would risk the Rust stack).
pub const MAX_DEPTH: usize = 1000;

/// Where a read failed: yaml.v2's own text (`yaml: line 3: …`) or a later sigs.k8s.io/yaml stage.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Text without the `error converting YAML to JSON: ` prefix.
    pub text: String,
    pub line: Option<usize>,
}

impl Failure {
    fn yaml(msg: String) -> Failure {
        Failure { text: format!("yaml: {}", msg), line: None }
    }
    pub(crate) fn from_parser(e: &YamlError) -> Failure {
        let (t, line) = e.v2_text();
        Failure { text: format!("yaml: {}", t), line }
    }
}

// ---- node tree ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Document,
    Mapping,
    Sequence,
    Scalar,
    Alias,
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    line: usize,
    tag: String,
    value: String,
    implicit: bool,
    children: Vec<usize>,
    /// For an alias: the node it refers to.
    alias: usize,
}

struct Tree {
    nodes: Vec<Node>,
}

fn lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => go_lossy(b),
    }
}

/// Go's encoding/json coercion of invalid UTF-8: every invalid byte becomes U+FFFD.
pub fn go_lossy(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let w = crate::scanner::utf8_width(b[i]);
        if w > 0 && i + w <= b.len() {
            if let Ok(s) = std::str::from_utf8(&b[i..i + w]) {
                out.push_str(s);
                i += w;
                continue;
            }
        }
        out.push('\u{FFFD}');
        i += 1;
    }
    out
}

/// Builds one document's node tree from the event stream (None at the end of the stream).
fn compose_document(p: &mut Parser) -> Result<Option<Tree>, Failure> {
    let ev = p.next_event().map_err(|e| Failure::from_parser(&e))?;
    match ev.kind {
        EventKind::StreamEnd => return Ok(None),
        EventKind::DocumentStart => {}
        _ => return Err(Failure::yaml(format!("expected DOCUMENT_START event but got {:?}", ev.kind))),
    }
    let mut tree = Tree { nodes: Vec::new() };
    let mut anchors: HashMap<Vec<u8>, usize> = HashMap::new();
    tree.nodes.push(Node {
        kind: Kind::Document,
        line: ev.start.line,
        tag: String::new(),
        value: String::new(),
        implicit: false,
        children: Vec::new(),
        alias: 0,
    });
    // Stack of open collections (node ids); the document node is the root.
    let mut stack: Vec<usize> = vec![0];
    loop {
        let ev: Event = p.next_event().map_err(|e| Failure::from_parser(&e))?;
        let parent = *stack.last().unwrap_or(&0);
        match ev.kind {
            EventKind::Scalar => {
                let id = tree.nodes.len();
                tree.nodes.push(Node {
                    kind: Kind::Scalar,
                    line: ev.start.line,
                    tag: lossy(&ev.tag),
                    value: lossy(&ev.value),
                    implicit: ev.implicit,
                    children: Vec::new(),
                    alias: 0,
                });
                if let Some(a) = ev.anchor {
                    anchors.insert(a, id);
                }
                tree.nodes[parent].children.push(id);
            }
            EventKind::Alias => {
                let name = ev.anchor.unwrap_or_default();
                let target = match anchors.get(&name) {
                    Some(&t) => t,
                    None => return Err(Failure::yaml(format!("unknown anchor '{}' referenced", lossy(&name)))),
                };
                let id = tree.nodes.len();
                tree.nodes.push(Node {
                    kind: Kind::Alias,
                    line: ev.start.line,
                    tag: String::new(),
                    value: lossy(&name),
                    implicit: false,
                    children: Vec::new(),
                    alias: target,
                });
                tree.nodes[parent].children.push(id);
            }
            EventKind::SequenceStart | EventKind::MappingStart => {
                if stack.len() > MAX_DEPTH {
                    return Err(depth_failure(ev.start));
                }
                let id = tree.nodes.len();
                tree.nodes.push(Node {
                    kind: if ev.kind == EventKind::SequenceStart { Kind::Sequence } else { Kind::Mapping },
                    line: ev.start.line,
                    tag: lossy(&ev.tag),
                    value: String::new(),
                    implicit: ev.implicit,
                    children: Vec::new(),
                    alias: 0,
                });
                if let Some(a) = ev.anchor {
                    anchors.insert(a, id);
                }
                tree.nodes[parent].children.push(id);
                stack.push(id);
            }
            EventKind::SequenceEnd | EventKind::MappingEnd => {
                stack.pop();
            }
            EventKind::DocumentEnd => break,
            EventKind::StreamStart | EventKind::DocumentStart | EventKind::StreamEnd => {
                return Err(Failure::yaml("attempted to go past the end of stream; corrupted value?".into()));
            }
        }
    }
    Ok(Some(tree))
}

fn depth_failure(m: Mark) -> Failure {
    let e = YamlError {
        kind: ErrorKind::Scanner,
        problem: format!("exceeded max depth of {}", MAX_DEPTH),
        problem_mark: m,
        context: String::new(),
        context_mark: m,
    };
    Failure::from_parser(&e)
}

// ---- Go values --------------------------------------------------------------------------------------

/// A value as yaml.v2 decodes it into `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<GoValue>),
    Map(GoMap),
}

/// map[interface{}]interface{}: insertion order kept, a repeated key overwrites in place.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GoMap {
    pub entries: Vec<(GoValue, GoValue)>,
    index: HashMap<KeyRepr, usize>,
}


/// A map key as Go compares it (floats by bits, with the two zeros made one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyRepr {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(String),
    /// NaN never equals itself in Go, so each NaN key is its own entry.
    Unique(usize),
}

impl GoMap {
    pub fn insert(&mut self, k: GoValue, v: GoValue) {
        let repr = match &k {
            GoValue::Null => KeyRepr::Null,
            GoValue::Bool(b) => KeyRepr::Bool(*b),
            GoValue::Int(i) => KeyRepr::Int(*i),
            GoValue::Uint(u) => KeyRepr::Uint(*u),
            GoValue::Float(f) => {
                if f.is_nan() {
                    KeyRepr::Unique(self.entries.len())
                } else if *f == 0.0 {
                    KeyRepr::Float(0)
                } else {
                    KeyRepr::Float(f.to_bits())
                }
            }
            GoValue::Str(s) => KeyRepr::Str(s.clone()),
            GoValue::Seq(_) | GoValue::Map(_) => KeyRepr::Unique(self.entries.len()),
        };
        if let Some(&i) = self.index.get(&repr) {
            self.entries[i].1 = v;
        } else {
            self.index.insert(repr, self.entries.len());
            self.entries.push((k, v));
        }
    }
}

// ---- decoder ----------------------------------------------------------------------------------------

struct Decoder<'t> {
    tree: &'t Tree,
    aliases: Vec<bool>,
    decode_count: u64,
    alias_count: u64,
    alias_depth: usize,
    depth: usize,
}

fn allowed_alias_ratio(decode_count: u64) -> f64 {
    const LOW: u64 = 400_000;
    const HIGH: u64 = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

type DRes<T> = Result<T, Failure>;

impl<'t> Decoder<'t> {
    fn count(&mut self) -> DRes<()> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && (self.alias_count as f64 / self.decode_count as f64) > allowed_alias_ratio(self.decode_count)
        {
            return Err(Failure::yaml("document contains excessive aliasing".into()));
        }
        Ok(())
    }

    fn enter(&mut self, n: &Node) -> DRes<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let m = Mark { index: 0, line: n.line, column: 0 };
            return Err(depth_failure(m));
        }
        Ok(())
    }

    /// d.unmarshal(n, out) with `out` an empty interface{}.
    fn value(&mut self, id: usize) -> DRes<GoValue> {
        self.count()?;
        let n = &self.tree.nodes[id];
        match n.kind {
            Kind::Document => {
                if n.children.len() == 1 {
                    return self.value(n.children[0]);
                }
                Ok(GoValue::Null)
            }
            Kind::Alias => {
                if self.aliases[id] {
                    return Err(Failure::yaml(format!("anchor '{}' value contains itself", n.value)));
                }
                self.aliases[id] = true;
                self.alias_depth += 1;
                let r = self.value(n.alias);
                self.alias_depth -= 1;
                self.aliases[id] = false;
                r
            }
            _ => {
                // yaml.v2's prepare() only matters for pointers and Unmarshalers; nulls come from resolve.
                match n.kind {
                    Kind::Scalar => self.scalar(n),
                    Kind::Sequence => {
                        self.enter(n)?;
                        let mut out = Vec::with_capacity(n.children.len());
                        for &c in &n.children {
                            out.push(self.value(c)?);
                        }
                        self.depth -= 1;
                        Ok(GoValue::Seq(out))
                    }
                    Kind::Mapping => {
                        self.enter(n)?;
                        let mut m = GoMap::default();
                        self.mapping_into(id, &mut m)?;
                        self.depth -= 1;
                        Ok(GoValue::Map(m))
                    }
                    _ => Ok(GoValue::Null),
                }
            }
        }
    }

    fn scalar(&mut self, n: &Node) -> DRes<GoValue> {
        if n.tag.is_empty() && !n.implicit {
            return Ok(GoValue::Str(n.value.clone()));
        }
        if n.tag == resolve::BINARY {
            return match go_base64_decode(&n.value) {
                Some(bytes) => Ok(GoValue::Str(go_lossy(&bytes))),
                None => Err(Failure::yaml("!!binary value contains invalid base64 data".into())),
            };
        }
        let (_, r) = resolve(&n.tag, &n.value).map_err(Failure::yaml)?;
        Ok(match r {
            Resolved::Null => GoValue::Null,
            Resolved::Bool(b) => GoValue::Bool(b),
            Resolved::Int(i) => GoValue::Int(i),
            Resolved::Uint(u) => GoValue::Uint(u),
            Resolved::Float(f) => GoValue::Float(f),
            Resolved::Str | Resolved::Timestamp | Resolved::Merge => GoValue::Str(n.value.clone()),
        })
    }

    fn is_merge(&self, id: usize) -> bool {
        let n = &self.tree.nodes[id];
        n.kind == Kind::Scalar && n.value == "<<" && (n.implicit || n.tag == resolve::MERGE)
    }

    /// d.mapping(n, out) into an existing map.
    fn mapping_into(&mut self, id: usize, out: &mut GoMap) -> DRes<()> {
        let tree = self.tree;
        let n = &tree.nodes[id];
        let mut i = 0;
        while i + 1 < n.children.len() + 1 && i < n.children.len() {
            let kid = n.children[i];
            let vid = match n.children.get(i + 1) {
                Some(&v) => v,
                None => break,
            };
            i += 2;
            if self.is_merge(kid) {
                self.merge(vid, out)?;
                continue;
            }
            let k = self.value(kid)?;
            if matches!(k, GoValue::Map(_) | GoValue::Seq(_)) {
                return Err(Failure::yaml(format!("invalid map key: {}", go_sharp_v(&k))));
            }
            let v = self.value(vid)?;
            out.insert(k, v);
        }
        Ok(())
    }

    /// d.unmarshal(n, out) where out is the map being filled (merge sources).
    fn merge_unmarshal(&mut self, id: usize, out: &mut GoMap) -> DRes<()> {
        self.count()?;
        let n = &self.tree.nodes[id];
        match n.kind {
            Kind::Alias => {
                if self.aliases[id] {
                    return Err(Failure::yaml(format!("anchor '{}' value contains itself", n.value)));
                }
                self.aliases[id] = true;
                self.alias_depth += 1;
                let r = self.merge_unmarshal(n.alias, out);
                self.alias_depth -= 1;
                self.aliases[id] = false;
                r
            }
            Kind::Mapping => {
                self.enter(n)?;
                self.mapping_into(id, out)?;
                self.depth -= 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn merge(&mut self, id: usize, out: &mut GoMap) -> DRes<()> {
        let want_map = || Failure::yaml("map merge requires map or sequence of maps as the value".into());
        let n = &self.tree.nodes[id];
        match n.kind {
            Kind::Mapping => self.merge_unmarshal(id, out),
            Kind::Alias => {
                if self.tree.nodes[n.alias].kind != Kind::Mapping {
                    return Err(want_map());
                }
                self.merge_unmarshal(id, out)
            }
            Kind::Sequence => {
                for &c in n.children.iter().rev() {
                    let cn = &self.tree.nodes[c];
                    if cn.kind == Kind::Alias {
                        if self.tree.nodes[cn.alias].kind != Kind::Mapping {
                            return Err(want_map());
                        }
                    } else if cn.kind != Kind::Mapping {
                        return Err(want_map());
                    }
                    self.merge_unmarshal(c, out)?;
                }
                Ok(())
            }
            _ => Err(want_map()),
        }
    }
}

/// Go's base64.StdEncoding.DecodeString (padding required, \r and \n ignored).
fn go_base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut vals = Vec::with_capacity(s.len());
    let mut pad = 0;
    for c in s.bytes() {
        if c == b'\r' || c == b'\n' {
            continue;
        }
        if pad > 0 && c != b'=' {
            return None;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            _ => return None,
        };
        vals.push(v);
    }
    if (vals.len() + pad) % 4 != 0 || pad > 2 {
        return None;
    }
    let rem = vals.len() % 4;
    if (pad > 0 && rem + pad != 4) || rem == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for chunk in vals.chunks(4) {
        let mut acc: u32 = 0;
        for (i, &v) in chunk.iter().enumerate() {
            acc |= (v as u32) << (18 - 6 * i);
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 => {
                if acc & 0xFF != 0 {
                    return None;
                }
                out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8])
            }
            2 => {
                if acc & 0xFFFF != 0 {
                    return None;
                }
                out.push((acc >> 16) as u8)
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Go's `%#v` for the values a key can hold (used in yaml.v2's "invalid map key" text).
pub fn go_sharp_v(v: &GoValue) -> String {
    match v {
        GoValue::Null => "interface {}(nil)".into(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Uint(u) => format!("0x{:x}", u),
        GoValue::Float(f) => crate::gonum::format_g(*f, false),
        GoValue::Str(s) => go_quote(s),
        GoValue::Seq(items) => {
            let parts: Vec<String> = items.iter().map(go_sharp_v_elem).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        GoValue::Map(m) => {
            let mut parts: Vec<(String, String)> =
                m.entries.iter().map(|(k, v)| (go_sharp_v_elem(k), go_sharp_v_elem(v))).collect();
            parts.sort();
            let s: Vec<String> = parts.into_iter().map(|(k, v)| format!("{}:{}", k, v)).collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", s.join(", "))
        }
    }
}

fn go_sharp_v_elem(v: &GoValue) -> String {
    match v {
        GoValue::Null => "interface {}(nil)".into(),
        _ => go_sharp_v(v),
    }
}

/// strconv.Quote.
pub fn go_quote(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            '\u{7}' => o.push_str("\\a"),
            '\u{8}' => o.push_str("\\b"),
            '\u{c}' => o.push_str("\\f"),
            '\u{b}' => o.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => o.push_str(&format!("\\x{:02x}", c as u32)),
            c if !c.is_control() || (c as u32) >= 0xA0 => o.push(c),
            c => o.push_str(&format!("\\u{:04x}", c as u32)),
        }
    }
    o.push('"');
    o
}

// ---- public reading entry points -------------------------------------------------------------------

/// yaml.v2 Unmarshal into interface{}: the first document only (Null for an empty stream).
pub fn unmarshal_first(text: &str) -> Result<GoValue, Failure> {
    let input = if text.is_empty() { "\n" } else { text };
    let mut p = Parser::new(input);
    // STREAM-START
    let ev = p.next_event().map_err(|e| Failure::from_parser(&e))?;
    if ev.kind != EventKind::StreamStart {
        return Err(Failure::yaml("expected STREAM_START".into()));
    }
    match compose_document(&mut p)? {
        None => Ok(GoValue::Null),
        Some(tree) => decode_tree(&tree),
    }
}

/// yaml.v2 Decoder: every document of the stream.
pub fn unmarshal_all(text: &str) -> Result<Vec<GoValue>, Failure> {
    let mut p = Parser::new(text);
    let ev = p.next_event().map_err(|e| Failure::from_parser(&e))?;
    if ev.kind != EventKind::StreamStart {
        return Err(Failure::yaml("expected STREAM_START".into()));
    }
    let mut out = Vec::new();
    while let Some(tree) = compose_document(&mut p)? {
        out.push(decode_tree(&tree)?);
    }
    Ok(out)
}

fn decode_tree(tree: &Tree) -> Result<GoValue, Failure> {
    let mut d = Decoder { tree, aliases: vec![false; tree.nodes.len()], decode_count: 0, alias_count: 0, alias_depth: 0, depth: 0 };
    d.value(0)
}

// ---- sigs.k8s.io/yaml: Go value → JSON --------------------------------------------------------------

pub(crate) fn sigs_key(k: &GoValue, v: &GoValue) -> Result<String, Failure> {
    Ok(match k {
        GoValue::Str(s) => s.clone(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Float(f) => {
            let s = crate::gonum::format_g(*f, true);
            match s.as_str() {
                "+Inf" => ".inf".into(),
                "-Inf" => "-.inf".into(),
                "NaN" => ".nan".into(),
                _ => s,
            }
        }
        GoValue::Bool(b) => b.to_string(),
        GoValue::Null => {
            return Err(Failure {
                text: format!("unsupported map key of type: %!s(<nil>), key: <nil>, value: {}", go_plus_sharp_v(v)),
                line: None,
            })
        }
        GoValue::Uint(u) => {
            return Err(Failure {
                text: format!("unsupported map key of type: uint64, key: 0x{:x}, value: {}", u, go_plus_sharp_v(v)),
                line: None,
            })
        }
        GoValue::Seq(_) | GoValue::Map(_) => {
            return Err(Failure { text: "unsupported map key".into(), line: None });
        }
    })
}

fn go_plus_sharp_v(v: &GoValue) -> String {
    match v {
        GoValue::Null => "<nil>".into(),
        _ => go_sharp_v(v),
    }
}

/// convertToJSONableObject + json.Marshal + json.Unmarshal into interface{}.
pub fn to_json(v: &GoValue) -> Result<serde_json::Value, Failure> {
    let mut nonfinite = false;
    let converted = convert(v, &mut nonfinite)?;
    if nonfinite {
        if let Some(f) = first_nonfinite(v) {
            let s = crate::gonum::format_g(f, false);
            return Err(Failure { text: format!("json: unsupported value: {}", s), line: None });
        }
    }
    Ok(converted)
}

/// The first NaN/Inf json.Marshal meets: map entries in sorted (stringified) key order.
fn first_nonfinite(v: &GoValue) -> Option<f64> {
    match v {
        GoValue::Float(f) if !f.is_finite() => Some(*f),
        GoValue::Seq(items) => items.iter().find_map(first_nonfinite),
        GoValue::Map(m) => {
            let mut entries: Vec<(String, &GoValue)> =
                m.entries.iter().map(|(k, val)| (sigs_key(k, val).unwrap_or_default(), val)).collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            entries.into_iter().find_map(|(_, val)| first_nonfinite(val))
        }
        _ => None,
    }
}

fn convert(v: &GoValue, nonfinite: &mut bool) -> Result<serde_json::Value, Failure> {
    use serde_json::Value;
    Ok(match v {
        GoValue::Null => Value::Null,
        GoValue::Bool(b) => Value::Bool(*b),
        GoValue::Int(i) => num(*i as f64),
        GoValue::Uint(u) => num(*u as f64),
        GoValue::Float(f) => {
            if !f.is_finite() {
                *nonfinite = true;
            }
            num(*f)
        }
        GoValue::Str(s) => Value::String(s.clone()),
        GoValue::Seq(items) => {
            let mut a = Vec::with_capacity(items.len());
            for it in items {
                a.push(convert(it, nonfinite)?);
            }
            Value::Array(a)
        }
        GoValue::Map(m) => {
            let mut pairs: Vec<(String, serde_json::Value)> = Vec::with_capacity(m.entries.len());
            let mut pos: HashMap<String, usize> = HashMap::new();
            for (k, val) in &m.entries {
                let ks = sigs_key(k, val)?;
                let cv = convert(val, nonfinite)?;
                if let Some(&i) = pos.get(&ks) {
                    pairs[i].1 = cv;
                } else {
                    pos.insert(ks.clone(), pairs.len());
                    pairs.push((ks, cv));
                }
            }
            // json.Marshal writes keys sorted; insert in that order so either Map flavour iterates sorted.
            pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            let mut obj = serde_json::Map::new();
            for (k, v) in pairs {
                obj.insert(k, v);
            }
            Value::Object(obj)
        }
    })
}

fn num(f: f64) -> serde_json::Value {
    match serde_json::Number::from_f64(f) {
        Some(n) => serde_json::Value::Number(n),
        None => serde_json::Value::Null,
    }
}

//! values.schema.json validation (Helm's `util.ValidateAgainstSchema`): each chart's schema checks
//! its own slice of the coalesced values; errors are worded and nested as santhosh-tekuri/jsonschema
//! v6 (Helm's validator) prints them, numbers formatted as golang.org/x/text's English printer does.
//! Validation is bounded: a walk counts the work before the validator runs, and stops `$ref` cycles.

use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;

use super::fmt::go_fmt_v;
use super::{Error, Values};
use crate::chart::Chart;

/// `util.ValidateAgainstSchema`: the body of Helm's error (one `name:` block per failing chart,
/// subcharts included); the caller prefixes "values don't meet the specifications of the schema(s)
/// in the following chart(s):\n" as Helm's `ToRenderValues` does.
pub fn validate_schema(chart: &Chart, values: &Values) -> Result<(), Error> {
    let mut sb = String::new();
    collect(chart, values, &mut sb);
    if sb.is_empty() {
        Ok(())
    } else {
        Err(Error(sb))
    }
}

fn collect(chart: &Chart, values: &Values, sb: &mut String) {
    if let Some(schema) = &chart.schema {
        if let Err(e) = validate_single_schema(values, schema) {
            sb.push_str(&format!("{}:\n", chart.name()));
            sb.push_str(&e.0);
        }
    }
    for sub in &chart.dependencies {
        match values.get(sub.name()) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(m)) => collect(sub, m, sb),
            Some(other) => sb.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                super::fmt::go_type(other)
            )),
        }
    }
}

fn draft_year(schema: &Value) -> u32 {
    let s = schema.get("$schema").and_then(Value::as_str).unwrap_or("");
    if s.contains("draft-04") {
        4
    } else if s.contains("draft-06") {
        6
    } else if s.contains("draft-07") {
        7
    } else if s.contains("2019-09") {
        2019
    } else {
        2020
    }
}

/// `util.ValidateAgainstSingleSchema`: one schema document against one values map. The error text
/// is santhosh's listing (`- at '/x': …` lines) followed by a newline.
///
/// The work is bounded first (see [`DEFAULT_SCHEMA_MAX_STEPS`]), `$ref` cycles are Helm's `reference
/// cycle` error, references to other documents are refused unless [`FETCH_REFS_ENV`] allows them, and
/// at most [`MAX_SCHEMA_ERRORS`] errors are listed.
pub fn validate_single_schema(values: &Values, schema: &[u8]) -> Result<(), Error> {
    let schema: Value = serde_json::from_slice(schema).map_err(|e| Error(e.to_string()))?;
    let year = draft_year(&schema);
    let instance = Value::Object(values.clone());
    bounded_walk(&schema, &instance, year == 4)?;
    let options = jsonschema::options().should_validate_formats(year <= 7);
    let options =
        if fetch_refs_allowed() { options.with_base_uri(SCHEMA_URL).with_retriever(FetchRefs) } else { options };
    let validator = options.build(&schema).map_err(|e| Error(format!("jsonschema: invalid schema: {}", e)))?;
    let mut errors: Vec<ValidationError> = validator.iter_errors(&instance).take(MAX_SCHEMA_ERRORS + 1).collect();
    if errors.is_empty() {
        return Ok(());
    }
    let more = errors.len() > MAX_SCHEMA_ERRORS;
    errors.truncate(MAX_SCHEMA_ERRORS);
    let items: Vec<Item> = errors.iter().map(|e| to_item(e, &instance)).collect();
    let items = merge_required(items);
    let mut out = String::new();
    render_level(&items, &[], 1, &mut out);
    if more {
        out.push_str(&format!("\n(only the first {MAX_SCHEMA_ERRORS} errors are listed)"));
    }
    Ok(()).and(Err(Error(format!("{}\n", out.trim_start_matches('\n')))))
}

/// The most evaluation steps (one schema applied at one place of the values) a schema may need,
/// counting every branch of `anyOf`/`oneOf` and every `$ref` followed; `KUBECTL_CHART_SCHEMA_MAX_STEPS`
/// overrides it. A tiny schema of nested `anyOf`s and `$ref`s would otherwise need exponential work.
pub const DEFAULT_SCHEMA_MAX_STEPS: u64 = 1_000_000;
/// The most errors listed for one schema.
pub const MAX_SCHEMA_ERRORS: usize = 1_000;
/// The deepest nesting of evaluation (places in the values plus `$ref`s followed on the way).
const MAX_EVAL_DEPTH: usize = 1_000;
/// The address Helm gives a chart's schema document (relative `$ref`s resolve against it).
const SCHEMA_URL: &str = "file:///values.schema.json";
/// The opt-in to fetch `$ref`d schema documents from the network or disk, as Helm does.
pub const FETCH_REFS_ENV: &str = "KUBECTL_CHART_SCHEMA_FETCH_REFS";

fn max_steps() -> u64 {
    std::env::var("KUBECTL_CHART_SCHEMA_MAX_STEPS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_SCHEMA_MAX_STEPS)
}

fn fetch_refs_allowed() -> bool {
    std::env::var(FETCH_REFS_ENV).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
}

/// RFC 3986 reference resolution, enough for `$id` and `$ref` values.
fn join_uri(base: &str, r: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    let has_scheme = |s: &str| {
        let end = s.find([':', '/', '?', '#']);
        end.is_some_and(|i| {
            i > 0 && s.as_bytes()[i] == b':' && s[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
    };
    if has_scheme(r) {
        return r.to_string();
    }
    if r.is_empty() {
        return base.to_string();
    }
    if r.starts_with('#') {
        return format!("{base}{r}");
    }
    let scheme_end = base.find(':').map_or(0, |i| i + 1);
    if r.starts_with("//") {
        return format!("{}{}", &base[..scheme_end], r);
    }
    let after_scheme = &base[scheme_end..];
    let authority_end = if let Some(rest) = after_scheme.strip_prefix("//") {
        scheme_end + 2 + rest.find('/').unwrap_or(rest.len())
    } else {
        scheme_end
    };
    let (prefix, path) = base.split_at(authority_end);
    let merged = if r.starts_with('/') {
        r.to_string()
    } else {
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        format!("{dir}{r}")
    };
    // remove_dot_segments
    let (path_part, tail) = match merged.find(['?', '#']) {
        Some(i) => merged.split_at(i),
        None => (merged.as_str(), ""),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path_part.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == segments.len() - 1 {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == segments.len() - 1 {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("{}{}{}", prefix, out.join("/"), tail)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where each schema resource and anchor of one document is, by absolute address.
struct Index<'s> {
    resources: std::collections::HashMap<String, &'s Value>,
    anchors: std::collections::HashMap<String, &'s Value>,
    /// The base address inside each schema that sets `$id`.
    bases: std::collections::HashMap<*const Value, String>,
    /// Every `$ref` in the document with the base address it resolves against.
    refs: Vec<(String, String)>,
}

impl<'s> Index<'s> {
    fn build(root: &'s Value, draft4: bool) -> Self {
        let mut ix = Index {
            resources: Default::default(),
            anchors: Default::default(),
            bases: Default::default(),
            refs: Vec::new(),
        };
        ix.resources.insert(SCHEMA_URL.to_string(), root);
        ix.walk(root, SCHEMA_URL.to_string(), draft4);
        ix
    }

    fn walk(&mut self, v: &'s Value, mut base: String, draft4: bool) {
        match v {
            Value::Object(m) => {
                let id = m.get(if draft4 { "id" } else { "$id" }).and_then(Value::as_str);
                if let Some(id) = id {
                    if let Some(name) = id.strip_prefix('#') {
                        self.anchors.insert(format!("{base}#{name}"), v);
                    } else {
                        base = join_uri(&base, id.split('#').next().unwrap_or(id));
                        self.resources.insert(base.clone(), v);
                        self.bases.insert(v as *const Value, base.clone());
                    }
                }
                for key in ["$anchor", "$dynamicAnchor"] {
                    if let Some(a) = m.get(key).and_then(Value::as_str) {
                        self.anchors.insert(format!("{base}#{a}"), v);
                    }
                }
                for key in ["$ref", "$dynamicRef"] {
                    if let Some(r) = m.get(key).and_then(Value::as_str) {
                        self.refs.push((r.to_string(), base.clone()));
                    }
                }
                for (k, child) in m {
                    if matches!(k.as_str(), "enum" | "const" | "default" | "examples") {
                        continue;
                    }
                    self.walk(child, base.clone(), draft4);
                }
            }
            Value::Array(a) => {
                for child in a {
                    self.walk(child, base.clone(), draft4);
                }
            }
            _ => {}
        }
    }

    /// The schema `r` refers to from `base`, with the base address in effect there; `Err` holds the
    /// address of a document this one does not contain.
    fn resolve(&self, r: &str, base: &str) -> Result<Option<(&'s Value, String)>, String> {
        let abs = join_uri(base, r);
        let (doc, frag) = abs.split_once('#').unwrap_or((&abs, ""));
        let Some(root) = self.resources.get(doc).copied() else {
            return Err(doc.to_string());
        };
        let frag = percent_decode(frag);
        if frag.is_empty() {
            return Ok(Some((root, doc.to_string())));
        }
        if let Some(ptr) = frag.strip_prefix('/') {
            let mut cur = root;
            let mut cur_base = doc.to_string();
            for tok in ptr.split('/') {
                let tok = tok.replace("~1", "/").replace("~0", "~");
                cur = match cur {
                    Value::Object(m) => match m.get(&tok) {
                        Some(c) => c,
                        None => return Ok(None),
                    },
                    Value::Array(a) => match tok.parse::<usize>().ok().and_then(|i| a.get(i)) {
                        Some(c) => c,
                        None => return Ok(None),
                    },
                    _ => return Ok(None),
                };
                if let Some(b) = self.bases.get(&(cur as *const Value)) {
                    cur_base = b.clone();
                }
            }
            return Ok(Some((cur, cur_base)));
        }
        Ok(self.anchors.get(&format!("{doc}#{frag}")).map(|v| (*v, doc.to_string())))
    }

    /// `URL#/pointer` of a schema of this document (for messages).
    fn location(&self, target: *const Value) -> String {
        fn find(v: &Value, target: *const Value, path: &mut Vec<String>) -> bool {
            if std::ptr::eq(v, target) {
                return true;
            }
            match v {
                Value::Object(m) => {
                    for (k, c) in m {
                        path.push(k.replace('~', "~0").replace('/', "~1"));
                        if find(c, target, path) {
                            return true;
                        }
                        path.pop();
                    }
                }
                Value::Array(a) => {
                    for (i, c) in a.iter().enumerate() {
                        path.push(i.to_string());
                        if find(c, target, path) {
                            return true;
                        }
                        path.pop();
                    }
                }
                _ => {}
            }
            false
        }
        let mut best: Option<String> = None;
        for (uri, root) in &self.resources {
            let mut path = Vec::new();
            if find(root, target, &mut path) {
                let loc = format!("{}#{}", uri, path.iter().map(|t| format!("/{t}")).collect::<String>());
                if best.as_ref().is_none_or(|b| loc.len() < b.len()) {
                    best = Some(loc);
                }
            }
        }
        best.unwrap_or_else(|| format!("{SCHEMA_URL}#"))
    }
}

/// Why the bounded walk stopped.
enum Stop {
    /// santhosh's `InfiniteLoopError`: the same schema again at the same place, through `$ref`s.
    Cycle {
        at: Vec<String>,
        message: String,
    },
    Steps(u64),
    Depth,
}

/// A walk over every (schema, place in the values) pair validation could evaluate (every branch of every
/// applicator, every `$ref`), counted and stopped at the limit, before the validator runs.
struct Walk<'s> {
    index: Index<'s>,
    steps: u64,
    max_steps: u64,
    /// (schema, depth in the values, length of the keyword path) of each schema being evaluated.
    stack: Vec<(*const Value, usize, usize)>,
    keyword_path: Vec<String>,
    instance_path: Vec<String>,
}

impl<'s> Walk<'s> {
    fn visit(&mut self, schema: &'s Value, base: &str, inst: &Value) -> Result<(), Stop> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(Stop::Steps(self.max_steps));
        }
        let ptr = schema as *const Value;
        let depth = self.instance_path.len();
        for (s, d, keyword_len) in self.stack.iter().rev() {
            if *d != depth {
                break;
            }
            if *s == ptr {
                let join = |p: &[String]| p.iter().map(|t| format!("/{}", escape(t))).collect::<String>();
                return Err(Stop::Cycle {
                    at: self.instance_path.clone(),
                    message: format!(
                        "both {} and {} resolve to {} causing reference cycle",
                        join(&self.keyword_path),
                        join(&self.keyword_path[..*keyword_len]),
                        crate::chart::metadata_quote(&self.index.location(ptr))
                    ),
                });
            }
        }
        if self.stack.len() >= MAX_EVAL_DEPTH {
            return Err(Stop::Depth);
        }
        let Value::Object(m) = schema else { return Ok(()) };
        let own_base = self.index.bases.get(&ptr).cloned();
        let base = own_base.as_deref().unwrap_or(base);
        self.stack.push((ptr, depth, self.keyword_path.len()));
        let r = self.keywords(m, base, inst);
        self.stack.pop();
        r
    }

    fn sub(&mut self, keys: &[&str], schema: &'s Value, base: &str, inst: &Value) -> Result<(), Stop> {
        let n = self.keyword_path.len();
        self.keyword_path.extend(keys.iter().map(|k| k.to_string()));
        let r = self.visit(schema, base, inst);
        self.keyword_path.truncate(n);
        r
    }

    fn child(&mut self, keys: &[&str], place: String, schema: &'s Value, base: &str, inst: &Value) -> Result<(), Stop> {
        self.instance_path.push(place);
        let r = self.sub(keys, schema, base, inst);
        self.instance_path.pop();
        r
    }

    fn keywords(&mut self, m: &'s serde_json::Map<String, Value>, base: &str, inst: &Value) -> Result<(), Stop> {
        for (k, v) in m {
            match k.as_str() {
                "$ref" | "$dynamicRef" | "$recursiveRef" => {
                    let Some(r) = v.as_str() else { continue };
                    if let Ok(Some((target, tbase))) = self.index.resolve(r, base) {
                        self.sub(&[k], target, &tbase, inst)?;
                    }
                }
                "allOf" | "anyOf" | "oneOf" => {
                    for (i, s) in v.as_array().into_iter().flatten().enumerate() {
                        self.sub(&[k, &i.to_string()], s, base, inst)?;
                    }
                }
                "not" | "if" | "then" | "else" => self.sub(&[k], v, base, inst)?,
                "dependentSchemas" | "dependencies" => {
                    for (name, s) in v.as_object().into_iter().flatten() {
                        if s.is_object() || s.is_boolean() {
                            self.sub(&[k, name], s, base, inst)?;
                        }
                    }
                }
                "properties" => {
                    let (Some(props), Some(obj)) = (v.as_object(), inst.as_object()) else { continue };
                    for (name, s) in props {
                        if let Some(c) = obj.get(name) {
                            self.child(&[k, name], name.clone(), s, base, c)?;
                        }
                    }
                }
                "patternProperties" => {
                    let (Some(pats), Some(obj)) = (v.as_object(), inst.as_object()) else { continue };
                    for (p, s) in pats {
                        for (name, c) in obj {
                            self.child(&[k, p], name.clone(), s, base, c)?;
                        }
                    }
                }
                "additionalProperties" | "unevaluatedProperties" => {
                    let Some(obj) = inst.as_object() else { continue };
                    for (name, c) in obj {
                        self.child(&[k], name.clone(), v, base, c)?;
                    }
                }
                "propertyNames" => {
                    let Some(obj) = inst.as_object() else { continue };
                    for name in obj.keys() {
                        self.sub(&[k], v, base, &Value::String(name.clone()))?;
                    }
                }
                "items" | "prefixItems" | "additionalItems" | "unevaluatedItems" | "contains" => {
                    let Some(arr) = inst.as_array() else { continue };
                    match v.as_array() {
                        Some(tuple) => {
                            for (i, (s, c)) in tuple.iter().zip(arr).enumerate() {
                                self.child(&[k, &i.to_string()], i.to_string(), s, base, c)?;
                            }
                        }
                        None => {
                            for (i, c) in arr.iter().enumerate() {
                                self.child(&[k], i.to_string(), v, base, c)?;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Walks `schema` over `instance` within the step and depth limits, finds `$ref` cycles as Helm's
/// validator does, and refuses references to other documents unless fetching them was asked for.
fn bounded_walk(schema: &Value, instance: &Value, draft4: bool) -> Result<(), Error> {
    let index = Index::build(schema, draft4);
    if !fetch_refs_allowed() {
        for (r, base) in &index.refs {
            if let Err(doc) = index.resolve(r, base) {
                return Err(Error(format!(
                    "values.schema.json refers to another schema document, {} (\"$ref\": {}); schema documents \
                     are not downloaded or read from disk unless {}=1 is set (Helm fetches them)\n",
                    crate::chart::metadata_quote(&doc),
                    crate::chart::metadata_quote(r),
                    FETCH_REFS_ENV
                )));
            }
        }
    }
    let mut walk = Walk {
        index,
        steps: 0,
        max_steps: max_steps(),
        stack: Vec::new(),
        keyword_path: Vec::new(),
        instance_path: Vec::new(),
    };
    match walk.visit(schema, SCHEMA_URL, instance) {
        Ok(()) => Ok(()),
        Err(Stop::Cycle { at, message }) => {
            let mut out = String::new();
            line(&mut out, 1, &at, &message);
            Err(Error(format!("{}\n", out.trim_start_matches('\n'))))
        }
        Err(Stop::Steps(limit)) => Err(Error(format!(
            "values.schema.json: validating the values would take more than {limit} evaluation steps (nested \
             anyOf/oneOf/allOf and $ref multiply the work); refused (KUBECTL_CHART_SCHEMA_MAX_STEPS raises the limit)\n"
        ))),
        Err(Stop::Depth) => Err(Error(format!(
            "values.schema.json: validation nests more than {MAX_EVAL_DEPTH} levels deep (values and $ref chains); \
             refused\n"
        ))),
    }
}

/// Fetches `$ref`d documents when the user opted in: `file://` from disk, `http(s)://` over the
/// network, 5 MiB at most each.
struct FetchRefs;

impl jsonschema::Retrieve for FetchRefs {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        const MAX: u64 = 5 * 1024 * 1024;
        let s = uri.as_str();
        let bytes = if let Some(path) = s.strip_prefix("file://") {
            let path = percent_decode(path.split(['?', '#']).next().unwrap_or(path));
            let f = std::fs::File::open(&path).map_err(|e| format!("open {path}: {e}"))?;
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX + 1), &mut data)?;
            if data.len() as u64 > MAX {
                return Err(format!("{path} is larger than {MAX} bytes").into());
            }
            data
        } else if s.starts_with("http://") || s.starts_with("https://") {
            let opts = crate::repo::http::GetOptions { url: s.to_string(), ..Default::default() };
            let data = crate::repo::http::http_get(s, &opts).map_err(|e| e.to_string())?;
            if data.len() as u64 > MAX {
                return Err(format!("{s} is larger than {MAX} bytes").into());
            }
            data
        } else {
            return Err(format!("cannot fetch {s}: only file, http and https addresses are supported").into());
        };
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// One santhosh error: where, what, and the nested causes (anyOf/oneOf/allOf branches).
#[derive(Debug, Clone)]
struct Item {
    path: Vec<String>,
    message: String,
    /// Printed after the errors of deeper locations (additionalProperties and friends).
    late: bool,
    /// Required errors are merged per location.
    required: Option<String>,
    causes: Vec<Vec<Item>>,
    /// santhosh's keyword order within one schema.
    rank: u32,
}

fn tokens(loc: &jsonschema::paths::Location) -> Vec<String> {
    let s = loc.as_str();
    if s.is_empty() {
        return vec![];
    }
    s.trim_start_matches('/').split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

fn escape(t: &str) -> String {
    t.replace('~', "~0").replace('/', "~1")
}

fn pointer(path: &[String]) -> String {
    path.iter().map(|t| format!("/{}", escape(t))).collect()
}

/// santhosh's `quote`: Go %q with `"` unescaped and `'` escaped, in single quotes.
fn squote(s: &str) -> String {
    let q = crate::chart::metadata_quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

/// santhosh's `display` for enum/const values (plain fmt, not the localised printer).
fn display(v: &Value) -> String {
    match v {
        Value::String(s) => squote(s),
        Value::Array(_) | Value::Object(_) => "value".into(),
        other => go_fmt_v(other),
    }
}

fn group_digits(int: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", int));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{}", sign, out)
}

/// `%d` through x/text's English printer: digit grouping.
fn xint(n: u64) -> String {
    group_digits(&n.to_string())
}

/// `%v` of a float64 through x/text's English printer: %g's choice of notation, grouping, and
/// `×10ⁿ` exponents.
fn xfloat(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if f < 0.0 { "-" } else { "" };
    if exp < -4 || exp >= 6 {
        let sup = |c: char| match c {
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            _ => '⁻',
        };
        let digits = format!("{}{:02}", if exp < 0 { "-" } else { "" }, exp.abs());
        return format!("{}{}×10{}", sign, mant, digits.chars().map(sup).collect::<String>());
    }
    let plain = super::fmt::go_float(f.abs(), 21);
    let (int, frac) = plain.split_once('.').map(|(a, b)| (a, Some(b))).unwrap_or((&plain, None));
    match frac {
        Some(fr) => format!("{}{}.{}", sign, group_digits(int), fr),
        None => format!("{}{}", sign, group_digits(int)),
    }
}

fn num(v: &Value) -> String {
    xfloat(v.as_f64().unwrap_or(0.0))
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn to_item(e: &ValidationError, root: &Value) -> Item {
    let path = tokens(e.instance_path());
    let inst: &Value = e.instance();
    let mut late = false;
    let mut required = None;
    let mut causes = Vec::new();
    let count = |v: &Value| match v {
        Value::Array(a) => a.len() as u64,
        Value::Object(m) => m.len() as u64,
        Value::String(s) => s.chars().count() as u64,
        _ => 0,
    };
    let message = match e.kind() {
        ValidationErrorKind::Type { kind } => {
            let dbg = format!("{:?}", kind).to_lowercase();
            let want: Vec<&str> = ["null", "boolean", "number", "integer", "string", "array", "object"]
                .into_iter()
                .filter(|t| dbg.contains(t))
                .collect();
            format!("got {}, want {}", json_type(inst), want.join(" or "))
        }
        ValidationErrorKind::Required { property } => {
            required = Some(property.as_str().unwrap_or_default().to_string());
            String::new()
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            late = true;
            format!(
                "additional properties {} not allowed",
                unexpected.iter().map(|s| squote(s)).collect::<Vec<_>>().join(", ")
            )
        }
        ValidationErrorKind::Minimum { limit } => format!("minimum: got {}, want {}", num(inst), num(limit)),
        ValidationErrorKind::Maximum { limit } => format!("maximum: got {}, want {}", num(inst), num(limit)),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("exclusiveMinimum: got {}, want {}", num(inst), num(limit))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("exclusiveMaximum: got {}, want {}", num(inst), num(limit))
        }
        ValidationErrorKind::MultipleOf { multiple_of, .. } => {
            format!("multipleOf: got {}, want {}", num(inst), xfloat(format!("{}", multiple_of).parse().unwrap_or(0.0)))
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("minLength: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("maxLength: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("minItems: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("maxItems: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::MinProperties { limit } => {
            format!("minProperties: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("maxProperties: got {}, want {}", xint(count(inst)), xint(*limit))
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} does not match pattern {}", squote(inst.as_str().unwrap_or_default()), squote(pattern))
        }
        ValidationErrorKind::Constant { expected_value } => match &**expected_value {
            Value::Array(_) | Value::Object(_) => "'const' failed".into(),
            v => format!("value must be {}", display(v)),
        },
        ValidationErrorKind::Enum { options } => {
            let opts = options.as_array().cloned().unwrap_or_default();
            if opts.iter().any(|o| o.is_array() || o.is_object()) {
                "'enum' failed".into()
            } else if opts.len() == 1 {
                format!("value must be {}", display(&opts[0]))
            } else {
                format!("value must be one of {}", opts.iter().map(display).collect::<Vec<_>>().join(", "))
            }
        }
        ValidationErrorKind::UniqueItems => {
            let arr = inst.as_array().cloned().unwrap_or_default();
            let mut dup = (0, 0);
            'outer: for i in 1..arr.len() {
                for j in 0..i {
                    if arr[i] == arr[j] {
                        dup = (j, i);
                        break 'outer;
                    }
                }
            }
            format!("items at {} and {} are equal", xint(dup.0 as u64), xint(dup.1 as u64))
        }
        ValidationErrorKind::Contains => "no items match contains schema".into(),
        ValidationErrorKind::Not { .. } => "'not' failed".into(),
        ValidationErrorKind::FalseSchema => "false schema".into(),
        ValidationErrorKind::Format { format } => {
            let got = display(inst);
            let reason = if format == "email" && !inst.as_str().unwrap_or_default().contains('@') {
                "missing @".to_string()
            } else {
                format!("invalid {}", format)
            };
            format!("{} is not valid {}: {}", got, format, reason)
        }
        ValidationErrorKind::AdditionalItems { limit } => {
            late = true;
            format!("last {} additionalItem(s) not allowed", xint((count(inst)).saturating_sub(*limit as u64)))
        }
        ValidationErrorKind::PropertyNames { error } => {
            format!("invalid propertyName {}", squote(error.instance().as_str().unwrap_or_default()))
        }
        ValidationErrorKind::AnyOf { context } => {
            causes = context
                .iter()
                .map(|branch| merge_required(branch.iter().map(|x| to_item(x, root)).collect()))
                .collect();
            "'anyOf' failed".into()
        }
        ValidationErrorKind::OneOfNotValid { context } => {
            causes = context
                .iter()
                .map(|branch| merge_required(branch.iter().map(|x| to_item(x, root)).collect()))
                .collect();
            "'oneOf' failed, none matched".into()
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => "'oneOf' failed, subschemas 0, 1 matched".into(),
        ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            late = true;
            format!(
                "unevaluated properties {} not allowed",
                unexpected.iter().map(|s| squote(s)).collect::<Vec<_>>().join(", ")
            )
        }
        ValidationErrorKind::UnevaluatedItems { unexpected } => {
            late = true;
            format!("unevaluated items {} not allowed", unexpected.join(", "))
        }
        _ => e.to_string(),
    };
    let rank = match e.kind() {
        ValidationErrorKind::Type { .. } => 0,
        ValidationErrorKind::Constant { .. } => 1,
        ValidationErrorKind::Enum { .. } => 2,
        ValidationErrorKind::Format { .. } => 3,
        ValidationErrorKind::MinProperties { .. } => 10,
        ValidationErrorKind::MaxProperties { .. } => 11,
        ValidationErrorKind::Required { .. } => 12,
        ValidationErrorKind::MinItems { .. } => 20,
        ValidationErrorKind::MaxItems { .. } => 21,
        ValidationErrorKind::UniqueItems => 22,
        ValidationErrorKind::Contains => 24,
        ValidationErrorKind::MinLength { .. } => 30,
        ValidationErrorKind::MaxLength { .. } => 31,
        ValidationErrorKind::Pattern { .. } => 32,
        ValidationErrorKind::Minimum { .. } => 40,
        ValidationErrorKind::Maximum { .. } => 41,
        ValidationErrorKind::ExclusiveMinimum { .. } => 42,
        ValidationErrorKind::ExclusiveMaximum { .. } => 43,
        ValidationErrorKind::MultipleOf { .. } => 44,
        ValidationErrorKind::Not { .. } => 50,
        _ => 60,
    };
    Item { path, message, late, required, causes, rank }
}

/// santhosh reports every missing property of one `required` in a single error.
fn merge_required(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut missing: Vec<(Vec<String>, Vec<String>, usize)> = Vec::new();
    for it in items {
        if let Some(p) = &it.required {
            if let Some(m) = missing.iter_mut().find(|m| m.0 == it.path) {
                m.1.push(p.clone());
                continue;
            }
            missing.push((it.path.clone(), vec![p.clone()], out.len()));
            out.push(it);
            continue;
        }
        out.push(it);
    }
    for (_, props, idx) in missing {
        out[idx].message = if props.len() == 1 {
            format!("missing property {}", squote(&props[0]))
        } else {
            format!("missing properties {}", props.iter().map(|p| squote(p)).collect::<Vec<_>>().join(", "))
        };
        out[idx].required = None;
    }
    out
}

fn line(out: &mut String, indent: usize, path: &[String], message: &str) {
    out.push('\n');
    for _ in 0..indent.saturating_sub(1) {
        out.push_str("  ");
    }
    out.push_str(&format!("- at {}: {}", squote(&pointer(path)), message));
}

fn render_item(it: &Item, indent: usize, out: &mut String) {
    line(out, indent, &it.path, &it.message);
    for branch in &it.causes {
        if branch.len() == 1 {
            render_item(&branch[0], indent + 1, out);
        } else if !branch.is_empty() {
            line(out, indent + 1, &it.path, "validation failed");
            render_level(branch, &it.path, indent + 2, out);
        }
    }
}

/// The errors of one schema evaluation at `loc`: its own first, then one entry per child location
/// (a single error flat, several under "validation failed"), then the late keywords.
fn render_level(items: &[Item], loc: &[String], indent: usize, out: &mut String) {
    let here = |it: &&Item| it.path.len() == loc.len();
    // type, const, enum and format failures end santhosh's evaluation of a schema.
    if let Some(first) = items.iter().filter(here).filter(|i| i.rank <= 3).min_by_key(|i| i.rank) {
        render_item(first, indent, out);
        return;
    }
    let mut own: Vec<&Item> = items.iter().filter(here).filter(|i| !i.late).collect();
    own.sort_by_key(|i| i.rank);
    for it in own {
        render_item(it, indent, out);
    }
    let mut children: Vec<String> =
        items.iter().filter(|i| i.path.len() > loc.len()).map(|i| i.path[loc.len()].clone()).collect();
    children.sort_by(|a, b| match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    });
    children.dedup();
    for child in children {
        let sub: Vec<Item> =
            items.iter().filter(|i| i.path.len() > loc.len() && i.path[loc.len()] == child).cloned().collect();
        let mut child_loc = loc.to_vec();
        child_loc.push(child);
        let early = sub.iter().filter(|i| i.path == child_loc && i.rank <= 3).min_by_key(|i| i.rank).cloned();
        let sub = match early {
            Some(e) => vec![e],
            None => sub,
        };
        if sub.len() == 1 {
            render_item(&sub[0], indent, out);
        } else {
            line(out, indent, &child_loc, "validation failed");
            render_level(&sub, &child_loc, indent + 1, out);
        }
    }
    for it in items.iter().filter(here).filter(|i| i.late) {
        render_item(it, indent, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(schema: Value, values: Value) -> String {
        let v = values.as_object().cloned().unwrap_or_default();
        match validate_single_schema(&v, schema.to_string().as_bytes()) {
            Ok(()) => String::new(),
            Err(e) => e.0,
        }
    }

    #[test]
    fn helm_golden_texts() {
        // helm__chart-with-schema-negative (observed with Helm 4.1.4).
        let schema = json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "required": ["employmentInfo"], "properties": {"age": {"type": "integer", "minimum": 0}}});
        assert_eq!(
            check(schema, json!({"age": -5.0})),
            "- at '': missing property 'employmentInfo'\n- at '/age': minimum: got -5, want 0\n"
        );
    }

    #[test]
    fn nesting_and_numbers_like_santhosh() {
        let schema = json!({"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
            "required": ["zz", "yy"],
            "properties": {"a": {"minimum": 1000}, "b": {"maximum": 1000.5, "multipleOf": 7},
                "c": {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": false},
                "d": {"uniqueItems": true, "maxItems": 1, "items": {"const": 2}},
                "e": {"pattern": "^x", "format": "email"}}});
        let got =
            check(schema, json!({"a": 5.0, "b": 1234567.0, "c": {"x": 1.0, "true": "s"}, "d": [1.0, 1.0], "e": "abc"}));
        let want = "- at '': missing properties 'zz', 'yy'
- at '/a': minimum: got 5, want 1,000
- at '/b': validation failed
  - at '/b': maximum: got 1.234567×10⁰⁶, want 1,000.5
  - at '/b': multipleOf: got 1.234567×10⁰⁶, want 7
- at '/c': validation failed
  - at '/c/x': got number, want string
  - at '/c': additional properties 'true' not allowed
- at '/d': validation failed
  - at '/d': maxItems: got 2, want 1
  - at '/d': items at 0 and 1 are equal
  - at '/d/0': value must be 2
  - at '/d/1': value must be 2
- at '/e': 'abc' is not valid email: missing @
";
        assert_eq!(got, want);
    }

    #[test]
    fn reference_cycles_as_helm() {
        let v = json!({"a": 1.0});
        assert_eq!(
            check(json!({"$ref": "#"}), v.clone()),
            "- at '': both /$ref and  resolve to \"file:///values.schema.json#\" causing reference cycle\n"
        );
        assert_eq!(
            check(json!({"properties": {"a": {"$ref": "#/properties/a"}}}), v.clone()),
            "- at '/a': both /properties/a/$ref and /properties/a resolve to \"file:///values.schema.json#/properties/a\" causing reference cycle\n"
        );
        assert_eq!(
            check(json!({"$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"$ref": "#/$defs/x"}}, "$ref": "#/$defs/x"}), v.clone()),
            "- at '': both /$ref/$ref/$ref and /$ref resolve to \"file:///values.schema.json#/$defs/x\" causing reference cycle\n"
        );
        // Recursion that moves down the values is no cycle.
        assert_eq!(check(json!({"properties": {"a": {"$ref": "#"}}}), v), "");
    }

    #[test]
    fn exponential_schemas_are_refused_quickly() {
        let mut defs = serde_json::Map::new();
        for i in 0..40 {
            let next = format!("#/$defs/d{}", i + 1);
            defs.insert(format!("d{i}"), json!({"anyOf": [{"$ref": next}, {"$ref": next}, {"type": "string"}]}));
        }
        defs.insert("d40".into(), json!({"type": "string"}));
        let schema = json!({"$defs": defs, "properties": {"a": {"$ref": "#/$defs/d0"}}});
        let start = std::time::Instant::now();
        let got = check(schema, json!({"a": 1.0}));
        assert!(got.contains("evaluation steps"), "{got}");
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "took {:?}", start.elapsed());
    }

    #[test]
    fn other_documents_are_refused_in_words() {
        let got = check(json!({"properties": {"a": {"$ref": "https://example.com/s.json"}}}), json!({}));
        assert!(got.contains("\"https://example.com/s.json\"") && got.contains(FETCH_REFS_ENV), "{got}");
        let got = check(json!({"$ref": "other.json"}), json!({}));
        assert!(got.contains("\"file:///other.json\""), "{got}");
        // The meta-schemas too: the validator does not carry them for `$ref`.
        let got = check(json!({"$ref": "http://json-schema.org/draft-07/schema#"}), json!({}));
        assert!(got.contains("\"http://json-schema.org/draft-07/schema\""), "{got}");
    }

    #[test]
    fn uri_joins() {
        assert_eq!(join_uri("file:///values.schema.json", "other.json"), "file:///other.json");
        assert_eq!(join_uri("https://x.io/a/b.json", "../c.json#/d"), "https://x.io/c.json#/d");
        assert_eq!(join_uri("https://x.io/a/b.json", "#x"), "https://x.io/a/b.json#x");
        assert_eq!(join_uri("https://x.io/a/b.json", "urn:x"), "urn:x");
        assert_eq!(join_uri("https://x.io/a/b.json", "/z"), "https://x.io/z");
    }

    #[test]
    fn subcharts_are_validated_on_their_slice() {
        let mut sub = Chart::default();
        sub.metadata.name = "sub".into();
        sub.schema = Some(br#"{"required": ["age"]}"#.to_vec());
        let mut top = Chart::default();
        top.metadata.name = "top".into();
        top.schema = Some(br#"{"required": ["lastname"]}"#.to_vec());
        top.dependencies = vec![sub];
        let v = json!({"sub": {"x": 1}}).as_object().cloned().unwrap();
        assert_eq!(
            validate_schema(&top, &v).unwrap_err().0,
            "top:\n- at '': missing property 'lastname'\nsub:\n- at '': missing property 'age'\n"
        );
        let v = json!({"lastname": "x", "sub": "oops"}).as_object().cloned().unwrap();
        assert_eq!(
            validate_schema(&top, &v).unwrap_err().0,
            "sub:\ninvalid type for values: expected object (map), got string\n"
        );
        let v = json!({"lastname": "x"}).as_object().cloned().unwrap();
        assert!(validate_schema(&top, &v).is_ok());
    }
}

//! Chart.yaml, Chart.lock and requirements.yaml as Helm reads them: decoding with Go's encoding/json
//! rules (case-insensitive field names, sigs.k8s.io/yaml's number→string conversion, Go's type error
//! texts) and `Metadata.Validate` with its sanitising and messages.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{go_base, semver_shim, Error};

/// A chart maintainer (`chart.Maintainer`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Maintainer {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// One entry of Chart.yaml `dependencies` (`chart.Dependency`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dependency {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    pub repository: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub enabled: bool,
    #[serde(rename = "import-values", skip_serializing_if = "Vec::is_empty")]
    pub import_values: Vec<Value>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub alias: String,
}

/// Chart.lock / requirements.lock (`chart.Lock`). `generated` is kept as written (RFC 3339).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lock {
    pub generated: String,
    pub digest: String,
    pub dependencies: Vec<Dependency>,
}

/// Chart.yaml (`chart.Metadata`), serialised with Helm's JSON names and `omitempty`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metadata {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Maintainer>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon: String,
    #[serde(rename = "apiVersion", skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Deprecated top-level condition (v1 charts).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Deprecated top-level tags, a string (v1 charts).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tags: String,
    #[serde(rename = "appVersion", skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    #[serde(skip_serializing_if = "is_false")]
    pub deprecated: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(rename = "kubeVersion", skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub r#type: String,
    /// A `null` entry was found in `maintainers` (Validate rejects it).
    #[serde(skip)]
    pub(crate) null_maintainer: bool,
    /// A `null` entry was found in `dependencies` (Validate rejects it).
    #[serde(skip)]
    pub(crate) null_dependency: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Metadata {
    /// `chart.Metadata.Validate`: sanitises strings in place and checks the required fields.
    pub fn validate(&mut self) -> Result<(), Error> {
        self.name = sanitize(&self.name);
        self.description = sanitize(&self.description);
        self.home = sanitize(&self.home);
        self.icon = sanitize(&self.icon);
        self.condition = sanitize(&self.condition);
        self.tags = sanitize(&self.tags);
        self.app_version = sanitize(&self.app_version);
        self.kube_version = sanitize(&self.kube_version);
        for s in self.sources.iter_mut().chain(self.keywords.iter_mut()) {
            *s = sanitize(s);
        }
        let v = |s: &str| Err(Error::Validation(s.to_string()));
        if self.api_version.is_empty() {
            return v("chart.metadata.apiVersion is required");
        }
        if self.name.is_empty() {
            return v("chart.metadata.name is required");
        }
        if self.name == "." || self.name == ".." {
            return v(&format!("chart.metadata.name {} is not allowed", go_quote(&self.name)));
        }
        if self.name != go_base(&self.name) {
            return v(&format!("chart.metadata.name {} is invalid", go_quote(&self.name)));
        }
        if self.version.is_empty() {
            return v("chart.metadata.version is required");
        }
        if !semver_shim::is_valid_version(&self.version) {
            return v(&format!("chart.metadata.version {} is invalid", go_quote(&self.version)));
        }
        if !matches!(self.r#type.as_str(), "" | "application" | "library") {
            return v("chart.metadata.type must be application or library");
        }
        if self.null_maintainer {
            return v("maintainers must not contain empty or null nodes");
        }
        for m in &mut self.maintainers {
            m.name = sanitize(&m.name);
            m.email = sanitize(&m.email);
            m.url = sanitize(&m.url);
        }
        if self.null_dependency {
            return v("dependencies must not contain empty or null nodes");
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in &mut self.dependencies {
            d.name = sanitize(&d.name);
            d.version = sanitize(&d.version);
            d.repository = sanitize(&d.repository);
            d.condition = sanitize(&d.condition);
            for t in &mut d.tags {
                *t = sanitize(t);
            }
            if !d.alias.is_empty() && !d.alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return v(&format!("dependency {} has disallowed characters in the alias", go_quote(&d.name)));
            }
            let key = if d.alias.is_empty() { d.name.clone() } else { d.alias.clone() };
            if !seen.insert(key.clone()) {
                return v(&format!("more than one dependency with name or alias {}", go_quote(&key)));
            }
        }
        Ok(())
    }

    /// The metadata as Helm's `MetadataAsMap` gives it to templates (`.Chart`): Go field names
    /// (`Name`, `Version`, `AppVersion`, …), every field present, zero values included.
    pub fn to_template_map(&self) -> Map<String, Value> {
        let strs = |v: &[String]| Value::Array(v.iter().map(|s| Value::String(s.clone())).collect());
        let mut m = Map::new();
        m.insert("Name".into(), self.name.clone().into());
        m.insert("Home".into(), self.home.clone().into());
        m.insert("Sources".into(), strs(&self.sources));
        m.insert("Version".into(), self.version.clone().into());
        m.insert("Description".into(), self.description.clone().into());
        m.insert("Keywords".into(), strs(&self.keywords));
        let maintainers = self
            .maintainers
            .iter()
            .map(|x| {
                let mut mm = Map::new();
                mm.insert("Name".into(), x.name.clone().into());
                mm.insert("Email".into(), x.email.clone().into());
                mm.insert("URL".into(), x.url.clone().into());
                Value::Object(mm)
            })
            .collect();
        m.insert("Maintainers".into(), Value::Array(maintainers));
        m.insert("Icon".into(), self.icon.clone().into());
        m.insert("APIVersion".into(), self.api_version.clone().into());
        m.insert("Condition".into(), self.condition.clone().into());
        m.insert("Tags".into(), self.tags.clone().into());
        m.insert("AppVersion".into(), self.app_version.clone().into());
        m.insert("Deprecated".into(), self.deprecated.into());
        let ann = self.annotations.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        m.insert("Annotations".into(), Value::Object(ann));
        m.insert("KubeVersion".into(), self.kube_version.clone().into());
        let deps = self
            .dependencies
            .iter()
            .map(|d| {
                let mut dm = Map::new();
                dm.insert("Name".into(), d.name.clone().into());
                dm.insert("Version".into(), d.version.clone().into());
                dm.insert("Repository".into(), d.repository.clone().into());
                dm.insert("Condition".into(), d.condition.clone().into());
                dm.insert("Tags".into(), strs(&d.tags));
                dm.insert("Enabled".into(), d.enabled.into());
                dm.insert("ImportValues".into(), Value::Array(d.import_values.clone()));
                dm.insert("Alias".into(), d.alias.clone().into());
                Value::Object(dm)
            })
            .collect();
        m.insert("Dependencies".into(), Value::Array(deps));
        m.insert("Type".into(), self.r#type.clone().into());
        m
    }
}

/// Go's `%q` for the simple strings in Helm's messages.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Helm's `sanitizeString`: white space becomes a plain space, non-printable characters are dropped.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() || c == '\u{85}' || c == '\u{a0}' {
                Some(' ')
            } else if is_go_printable(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

/// An approximation of Go's `unicode.IsPrint` for non-space characters: not control, not format, not
/// private use.
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if c.is_control() {
        return false;
    }
    let format = matches!(u, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
    let noncharacter = matches!(u, 0xFFFE | 0xFFFF);
    !(format || private || noncharacter)
}

// ---------------------------------------------------------------------------------------------
// Decoding with encoding/json's rules.

/// Records the first type error, as encoding/json does (it keeps decoding and reports the first).
pub(crate) struct Decoder {
    first_error: Option<String>,
}

/// The JSON kind name Go uses in `cannot unmarshal <kind>`.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// sigs.k8s.io/yaml turns YAML numbers into strings when the Go target is a string: ints with
/// FormatInt, floats with FormatFloat(f, 'g', -1, 32). We only see float64s, so integral values are
/// printed as integers.
pub(crate) fn scalar_to_go_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Some(i.to_string());
            }
            if let Some(u) = n.as_u64() {
                return Some(u.to_string());
            }
            let f = n.as_f64()?;
            if f.fract() == 0.0 && f.abs() < 1e15 {
                return Some(format!("{}", f as i64));
            }
            Some(format_float32_g(f))
        }
        _ => None,
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`.
pub(crate) fn format_float32_g(f: f64) -> String {
    let f32v = f as f32;
    if f32v.is_nan() {
        return "NaN".into();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f32v == 0.0 {
        return if f32v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Shortest digits via Rust's exponent formatting of f32 (shortest round-trip).
    let e = format!("{:e}", f32v); // e.g. "1.1e0", "-1e6"
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    if exp < -4 || exp >= 6 {
        let (first, rest) = digits.split_at(1);
        let mut s = format!("{}{}", sign, first);
        if !rest.is_empty() {
            s.push('.');
            s.push_str(rest);
        }
        let es = if exp < 0 { '-' } else { '+' };
        s.push_str(&format!("e{}{:02}", es, exp.abs()));
        s
    } else if exp < 0 {
        format!("{}0.{}{}", sign, "0".repeat((-exp - 1) as usize), digits)
    } else {
        let point = (exp + 1) as usize;
        if digits.len() <= point {
            format!("{}{}{}", sign, digits, "0".repeat(point - digits.len()))
        } else {
            format!("{}{}.{}", sign, &digits[..point], &digits[point..])
        }
    }
}

impl Decoder {
    pub(crate) fn new() -> Self {
        Decoder { first_error: None }
    }

    pub(crate) fn finish(self) -> Result<(), Error> {
        match self.first_error {
            Some(e) => Err(Error::msg(format!("error unmarshaling JSON: while decoding JSON: {}", e))),
            None => Ok(()),
        }
    }

    fn type_error(&mut self, v: &Value, strukt: &str, field: &str, ty: &str) {
        if self.first_error.is_none() {
            self.first_error =
                Some(format!("json: cannot unmarshal {} into Go struct field {}.{} of type {}", kind(v), strukt, field, ty));
        }
    }

    /// A top-level value that is not an object.
    pub(crate) fn top_error(&mut self, v: &Value, ty: &str) {
        if self.first_error.is_none() {
            self.first_error = Some(format!("json: cannot unmarshal {} into Go value of type {}", kind(v), ty));
        }
    }

    pub(crate) fn string(&mut self, v: &Value, s: &str, f: &str, out: &mut String) {
        match v {
            Value::Null => {}
            Value::Array(_) | Value::Object(_) => self.type_error(v, s, f, "string"),
            other => {
                if let Some(x) = scalar_to_go_string(other) {
                    *out = x;
                }
            }
        }
    }

    fn boolean(&mut self, v: &Value, s: &str, f: &str, out: &mut bool) {
        match v {
            Value::Null => {}
            Value::Bool(b) => *out = *b,
            _ => self.type_error(v, s, f, "bool"),
        }
    }

    fn strings(&mut self, v: &Value, s: &str, f: &str, out: &mut Vec<String>) {
        match v {
            Value::Null => out.clear(),
            Value::Array(items) => {
                out.clear();
                for it in items {
                    let mut x = String::new();
                    self.string(it, s, f, &mut x);
                    out.push(x);
                }
            }
            _ => self.type_error(v, s, f, "[]string"),
        }
    }

    fn string_map(&mut self, v: &Value, s: &str, f: &str, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Null => out.clear(),
            Value::Object(m) => {
                for (k, it) in m {
                    let mut x = String::new();
                    self.string(it, s, f, &mut x);
                    out.insert(k.clone(), x);
                }
            }
            _ => self.type_error(v, s, f, "map[string]string"),
        }
    }

    fn any_list(&mut self, v: &Value, s: &str, f: &str, out: &mut Vec<Value>) {
        match v {
            Value::Null => out.clear(),
            Value::Array(items) => *out = items.clone(),
            _ => self.type_error(v, s, f, "[]interface {}"),
        }
    }
}

/// Go's case-insensitive field lookup: an exact match wins, else the first ASCII-case-insensitive one.
fn field_of<'a>(key: &str, names: &[&'a str]) -> Option<&'a str> {
    names.iter().find(|n| **n == key).or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(key))).copied()
}

const METADATA_FIELDS: &[&str] = &[
    "name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion",
    "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type",
];

const DEPENDENCY_FIELDS: &[&str] =
    &["name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias"];

/// Decodes a Chart.yaml (or requirements.yaml) document into `md`, like `yaml.Unmarshal(data, md)`:
/// fields present overwrite, absent ones stay.
pub(crate) fn decode_metadata(v: &Value, md: &mut Metadata) -> Result<(), Error> {
    let mut d = Decoder::new();
    match v {
        Value::Null => {}
        Value::Object(m) => {
            for (k, val) in m {
                let Some(f) = field_of(k, METADATA_FIELDS) else { continue };
                let s = "Metadata";
                match f {
                    "name" => d.string(val, s, f, &mut md.name),
                    "home" => d.string(val, s, f, &mut md.home),
                    "sources" => d.strings(val, s, f, &mut md.sources),
                    "version" => d.string(val, s, f, &mut md.version),
                    "description" => d.string(val, s, f, &mut md.description),
                    "keywords" => d.strings(val, s, f, &mut md.keywords),
                    "maintainers" => match val {
                        Value::Null => md.maintainers.clear(),
                        Value::Array(items) => {
                            md.maintainers.clear();
                            md.null_maintainer = false;
                            for it in items {
                                match it {
                                    Value::Null => md.null_maintainer = true,
                                    Value::Object(mm) => {
                                        let mut x = Maintainer::default();
                                        for (mk, mv) in mm {
                                            let Some(mf) = field_of(mk, &["name", "email", "url"]) else { continue };
                                            let path = format!("maintainers.{}", mf);
                                            match mf {
                                                "name" => d.string(mv, "Maintainer", &path, &mut x.name),
                                                "email" => d.string(mv, "Maintainer", &path, &mut x.email),
                                                _ => d.string(mv, "Maintainer", &path, &mut x.url),
                                            }
                                        }
                                        md.maintainers.push(x);
                                    }
                                    other => d.type_error(other, s, f, "v2.Maintainer"),
                                }
                            }
                        }
                        _ => d.type_error(val, s, f, "[]*v2.Maintainer"),
                    },
                    "icon" => d.string(val, s, f, &mut md.icon),
                    "apiVersion" => d.string(val, s, f, &mut md.api_version),
                    "condition" => d.string(val, s, f, &mut md.condition),
                    "tags" => d.string(val, s, f, &mut md.tags),
                    "appVersion" => d.string(val, s, f, &mut md.app_version),
                    "deprecated" => d.boolean(val, s, f, &mut md.deprecated),
                    "annotations" => d.string_map(val, s, f, &mut md.annotations),
                    "kubeVersion" => d.string(val, s, f, &mut md.kube_version),
                    "dependencies" => {
                        let (deps, has_null) = decode_dependencies(&mut d, val, "Metadata");
                        md.dependencies = deps;
                        md.null_dependency = has_null;
                    }
                    _ => d.string(val, s, f, &mut md.r#type),
                }
            }
        }
        other => d.top_error(other, "v2.Metadata"),
    }
    d.finish()
}

fn decode_dependencies(d: &mut Decoder, v: &Value, strukt: &str) -> (Vec<Dependency>, bool) {
    let mut out = Vec::new();
    let mut has_null = false;
    match v {
        Value::Null => {}
        Value::Array(items) => {
            for it in items {
                match it {
                    Value::Null => has_null = true,
                    Value::Object(m) => out.push(decode_dependency(d, m)),
                    other => d.type_error(other, strukt, "dependencies", "v2.Dependency"),
                }
            }
        }
        other => d.type_error(other, strukt, "dependencies", "[]*v2.Dependency"),
    }
    (out, has_null)
}

fn decode_dependency(d: &mut Decoder, m: &Map<String, Value>) -> Dependency {
    let mut x = Dependency::default();
    for (k, v) in m {
        let Some(f) = field_of(k, DEPENDENCY_FIELDS) else { continue };
        let p = format!("dependencies.{}", f);
        let s = "Dependency";
        match f {
            "name" => d.string(v, s, &p, &mut x.name),
            "version" => d.string(v, s, &p, &mut x.version),
            "repository" => d.string(v, s, &p, &mut x.repository),
            "condition" => d.string(v, s, &p, &mut x.condition),
            "tags" => d.strings(v, s, &p, &mut x.tags),
            "enabled" => d.boolean(v, s, &p, &mut x.enabled),
            "import-values" => d.any_list(v, s, &p, &mut x.import_values),
            _ => d.string(v, s, &p, &mut x.alias),
        }
    }
    x
}

/// Decodes Chart.lock / requirements.lock.
pub(crate) fn decode_lock(v: &Value) -> Result<Lock, Error> {
    let mut d = Decoder::new();
    let mut lock = Lock::default();
    match v {
        Value::Null => {}
        Value::Object(m) => {
            for (k, val) in m {
                match field_of(k, &["generated", "digest", "dependencies"]) {
                    Some("generated") => d.string(val, "Lock", "generated", &mut lock.generated),
                    Some("digest") => d.string(val, "Lock", "digest", &mut lock.digest),
                    Some(_) => lock.dependencies = decode_dependencies(&mut d, val, "Lock").0,
                    None => {}
                }
            }
        }
        other => d.top_error(other, "v2.Lock"),
    }
    d.finish().map(|_| lock)
}

/// The version-detection pass of Helm's top-level loader (`chartBase`: only apiVersion).
pub(crate) fn decode_chart_base(v: &Value) -> Result<String, Error> {
    let mut d = Decoder::new();
    let mut api = String::new();
    match v {
        Value::Null => {}
        Value::Object(m) => {
            for (k, val) in m {
                if field_of(k, &["apiVersion"]).is_some() {
                    d.string(val, "chartBase", "apiVersion", &mut api);
                }
            }
        }
        other => d.top_error(other, "loader.chartBase"),
    }
    d.finish().map(|_| api)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn md(v: Value) -> Result<Metadata, Error> {
        let mut m = Metadata::default();
        decode_metadata(&v, &mut m)?;
        Ok(m)
    }

    #[test]
    fn numbers_become_strings() {
        let m = md(json!({"name": "x", "version": 1.0, "appVersion": 1.1, "keywords": [1, true, 1.5],
            "annotations": {"a": 1}})).unwrap();
        assert_eq!(m.version, "1");
        assert_eq!(m.app_version, "1.1");
        assert_eq!(m.keywords, vec!["1", "true", "1.5"]);
        assert_eq!(m.annotations["a"], "1");
        assert_eq!(format_float32_g(1e6), "1e+06");
        assert_eq!(format_float32_g(1.10), "1.1");
        assert_eq!(format_float32_g(0.0001), "0.0001");
        assert_eq!(format_float32_g(0.00001), "1e-05");
        assert_eq!(format_float32_g(123456.5), "123456.5");
        assert_eq!(format_float32_g(1.23456789), "1.2345679");
    }

    #[test]
    fn case_insensitive_fields() {
        let m = md(json!({"NAME": "x", "ApiVersion": "v2"})).unwrap();
        assert_eq!(m.name, "x");
        assert_eq!(m.api_version, "v2");
    }

    #[test]
    fn go_type_errors() {
        let e = md(json!({"deprecated": "yes"})).unwrap_err().to_string();
        assert_eq!(e, "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field Metadata.deprecated of type bool");
        let e = md(json!({"maintainers": [{"name": [1]}]})).unwrap_err().to_string();
        assert!(e.ends_with("cannot unmarshal array into Go struct field Maintainer.maintainers.name of type string"), "{e}");
        let e = md(json!({"dependencies": [{"name": "a", "tags": "a"}]})).unwrap_err().to_string();
        assert!(e.ends_with("cannot unmarshal string into Go struct field Dependency.dependencies.tags of type []string"), "{e}");
        let e = decode_chart_base(&json!(["a"])).unwrap_err().to_string();
        assert!(e.ends_with("cannot unmarshal array into Go value of type loader.chartBase"), "{e}");
    }

    fn valid() -> Metadata {
        Metadata { api_version: "v2".into(), name: "x".into(), version: "1.0.0".into(), ..Default::default() }
    }

    #[test]
    fn validation_texts() {
        let check = |f: &dyn Fn(&mut Metadata), want: &str| {
            let mut m = valid();
            f(&mut m);
            assert_eq!(m.validate().unwrap_err().to_string(), want);
        };
        check(&|m| m.api_version.clear(), "validation: chart.metadata.apiVersion is required");
        check(&|m| m.name.clear(), "validation: chart.metadata.name is required");
        check(&|m| m.name = "..".into(), "validation: chart.metadata.name \"..\" is not allowed");
        check(&|m| m.name = "a/b".into(), "validation: chart.metadata.name \"a/b\" is invalid");
        check(&|m| m.version.clear(), "validation: chart.metadata.version is required");
        check(&|m| m.version = "one".into(), "validation: chart.metadata.version \"one\" is invalid");
        check(&|m| m.r#type = "app".into(), "validation: chart.metadata.type must be application or library");
        check(&|m| m.null_maintainer = true, "validation: maintainers must not contain empty or null nodes");
        check(
            &|m| m.dependencies = vec![Dependency { name: "a".into(), alias: "b c".into(), ..Default::default() }],
            "validation: dependency \"a\" has disallowed characters in the alias",
        );
        check(
            &|m| {
                m.dependencies = vec![
                    Dependency { name: "a".into(), ..Default::default() },
                    Dependency { name: "b".into(), alias: "a".into(), ..Default::default() },
                ]
            },
            "validation: more than one dependency with name or alias \"a\"",
        );
        let mut m = valid();
        m.description = "a\tb\u{200b}c".into();
        m.validate().unwrap();
        assert_eq!(m.description, "a bc");
    }
}

//! The Go objects templates see besides plain maps: `.Values` (Helm's `common.Values` and its
//! methods), `.Files` (with its methods) and `.Capabilities`.

use super::glob::Glob;
use crate::chart::Content;
use crate::template::value::base64_std;
use crate::template::value::MapRef;
use crate::template::{ArgType, Object, Signature, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// `.Values`: Helm's `common.Values`, a `map[string]interface{}` with the methods `YAML`, `Table`,
/// `AsMap`, `PathValue` and `Encode` (a method wins over a key of the same name, as in Go).
pub struct Values(pub MapRef);

impl Values {
    pub fn new(m: MapRef) -> Value {
        Value::Object(Rc::new(Values(m)))
    }

    fn yaml(&self) -> String {
        goyaml::to_string(&Value::Map(self.0.clone()).to_json())
    }

    /// `Table`: the table at a dotted path; on a missing or non-table step, what was reached and the error.
    fn table(&self, path: &str) -> (MapRef, Option<String>) {
        let mut table = self.0.clone();
        for step in path.split('.') {
            let next = match table.borrow().get(step) {
                None => Err(None),
                Some(v) => match v.underlying() {
                    Value::Map(m) => Ok(m),
                    _ => Err(Some(Rc::default())),
                },
            };
            match next {
                Ok(m) => table = m,
                Err(reached) => {
                    let err = format!("{} is not a table", super::funcs::go_quote(step));
                    return (reached.unwrap_or(table), Some(err));
                }
            }
        }
        (table, None)
    }

    fn path_value(&self, path: &str) -> Result<Value, String> {
        if path.is_empty() {
            return Err("YAML path cannot be empty".into());
        }
        let no_value = |k: &str| format!("{} is not a value", super::funcs::go_quote(k));
        let (table, key) = match path.rsplit_once('.') {
            None => (self.0.clone(), path),
            Some((head, key)) => match self.table(head) {
                (t, None) => (t, key),
                (_, Some(_)) => return Err(no_value(key)),
            },
        };
        let found = table.borrow().get(key).cloned();
        match found {
            Some(v) if !matches!(v.underlying(), Value::Map(_)) => Ok(v),
            _ => Err(no_value(key)),
        }
    }
}

impl Object for Values {
    fn type_name(&self) -> String {
        "common.Values".into()
    }
    fn kind(&self) -> &'static str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsMap" => Some(Value::Map(self.0.clone())),
            "YAML" => Some(Value::string(self.yaml())),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "YAML" | "Table" | "AsMap" | "PathValue" | "Encode")
    }
    fn method_signature(&self, name: &str) -> Option<Signature> {
        match name {
            "YAML" | "AsMap" => Some(Signature::new(&[])),
            "Table" | "PathValue" => Some(Signature::new(&[ArgType::String])),
            // `Encode(io.Writer) error`: no template value is a writer, so only nil gets through
            "Encode" => Some(Signature::new(&[ArgType::Writer])),
            _ => None,
        }
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let arg = || args.first().and_then(Value::as_str).unwrap_or("");
        Some(match name {
            "AsMap" => Ok(if self.0.borrow().is_empty() {
                Value::empty_map()
            } else {
                Value::Map(self.0.clone())
            }),
            "YAML" => Ok(Value::string(self.yaml())),
            "Table" => match self.table(arg()) {
                (t, None) => Ok(Values::new(t)),
                (_, Some(e)) => Err(e),
            },
            "PathValue" => self.path_value(arg()),
            // Go writes to the nil writer and the call panics, recovered as the call's error
            "Encode" => {
                Err("runtime error: invalid memory address or nil pointer dereference".into())
            }
            _ => return None,
        })
    }
    fn display(&self) -> String {
        crate::template::fmt::display(&Value::Map(self.0.clone()))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::Map(self.0.clone()))
    }
}

/// Helm's `engine.files`: a `map[string][]byte` of the chart's non-template files, with methods. The
/// contents are the chart's own (shared, not copied).
pub struct Files {
    pub entries: BTreeMap<String, Content>,
}

impl Files {
    pub fn new(entries: BTreeMap<String, Content>) -> Value {
        Value::Object(Rc::new(Files { entries }))
    }

    fn get(&self, name: &str) -> &[u8] {
        self.entries.get(name).map_or(&[], |c| c.as_bytes())
    }

    fn glob(&self, pattern: &str) -> Value {
        let glob = Glob::new(pattern)
            .or_else(|| Glob::new("**"))
            .expect("** always compiles");
        let entries = self
            .entries
            .iter()
            .filter(|(k, _)| glob.matches(k))
            .map(|(k, v)| (k.clone(), v.clone()));
        Files::new(entries.collect())
    }

    fn as_yaml_map(&self, encode: impl Fn(&[u8]) -> String) -> String {
        let mut m = serde_json::Map::new();
        for (k, v) in &self.entries {
            let base = k.rsplit('/').next().unwrap_or(k);
            m.insert(base.to_string(), serde_json::Value::String(encode(v)));
        }
        let out = goyaml::to_string(&serde_json::Value::Object(m));
        out.strip_suffix('\n').unwrap_or(&out).to_string()
    }

    fn lines(&self, name: &str) -> Value {
        match self.entries.get(name) {
            None => Value::list(Vec::new()),
            Some(data) => {
                let s = String::from_utf8_lossy(data);
                let s = s.strip_suffix('\n').unwrap_or(&s);
                Value::list(s.split('\n').map(Value::str).collect())
            }
        }
    }
}

fn one_string(args: &[Value]) -> Result<&str, String> {
    match args {
        [Value::String(s)] => Ok(s),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        )),
        _ => Err(format!("wrong number of args: got {} want 1", args.len())),
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".into()
    }
    fn kind(&self) -> &'static str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" => Some(Value::string(
                self.as_yaml_map(|b| String::from_utf8_lossy(b).into_owned()),
            )),
            "AsSecrets" => Some(Value::string(self.as_yaml_map(base64_std))),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Get" | "GetBytes" | "Glob" | "Lines" | "AsConfig" | "AsSecrets"
        )
    }
    fn method_signature(&self, name: &str) -> Option<Signature> {
        match name {
            "Get" | "GetBytes" | "Glob" | "Lines" => Some(Signature::new(&[ArgType::String])),
            "AsConfig" | "AsSecrets" => Some(Signature::new(&[])),
            _ => None,
        }
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let result = match name {
            // a Go string of the file's bytes: binary content stays bytes for b64enc and the checksums
            "Get" => one_string(args)
                .map(|n| crate::template::value::ByteString::value(self.get(n).to_vec())),
            "GetBytes" => one_string(args).map(|n| Value::Bytes(Rc::from(self.get(n)))),
            "Glob" => one_string(args).map(|p| self.glob(p)),
            "Lines" => one_string(args).map(|n| self.lines(n)),
            "AsConfig" | "AsSecrets" if args.is_empty() => Ok(self.field(name).unwrap_or_default()),
            _ => return None,
        };
        Some(result)
    }
    fn display(&self) -> String {
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(|b| b.to_string()).collect();
                format!("{}:[{}]", k, bytes.join(" "))
            })
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::map(
            self.entries
                .iter()
                .map(|(k, v)| (k.clone(), Value::Bytes(Rc::from(v.as_bytes()))))
                .collect(),
        ))
    }
}

/// `.Capabilities.KubeVersion`: a Stringer whose `String()` is the normalised version.
pub struct KubeVersion {
    pub version: String,
    pub normalized: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Parse as Helm's `ParseKubeVersion` (k8s.io/apimachinery ParseGeneric): `v`-prefix optional,
    /// `MAJOR.MINOR[.PATCH]` with anything after the numbers kept only in `Version`.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        let body = text.trim_start_matches('v');
        let numeric_end = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let numbers: Vec<&str> = body[..numeric_end].split('.').collect();
        let valid = (2..=3).contains(&numbers.len())
            && numbers
                .iter()
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            && numbers.iter().all(|n| n.len() == 1 || !n.starts_with('0'));
        if !valid
            || (numeric_end < body.len() && !matches!(body.as_bytes()[numeric_end], b'-' | b'+'))
        {
            return Err(format!("could not parse {text:?} as version"));
        }
        let n: Vec<u64> = numbers.iter().map(|n| n.parse().unwrap_or(0)).collect();
        let patch = n.get(2).copied().unwrap_or(0);
        let version = if text.starts_with('v') {
            text.to_string()
        } else {
            format!("v{text}")
        };
        Ok(KubeVersion {
            version,
            normalized: format!("v{}.{}.{}", n[0], n[1], patch),
            major: n[0].to_string(),
            minor: n[1].to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" | "GitVersion" => Some(Value::str(&self.version)),
            "Major" => Some(Value::str(&self.major)),
            "Minor" => Some(Value::str(&self.minor)),
            "String" => Some(Value::str(&self.normalized)),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "String" | "GitVersion")
    }
    fn method_signature(&self, name: &str) -> Option<Signature> {
        matches!(name, "String" | "GitVersion").then(|| Signature::new(&[]))
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        (args.is_empty() && self.has_method(name)).then(|| Ok(self.field(name).unwrap_or_default()))
    }
    fn display(&self) -> String {
        self.normalized.clone()
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({"Version": self.version, "Major": self.major, "Minor": self.minor}))
    }
}

/// `.Capabilities.APIVersions`: a `[]string` with a `Has` method.
pub struct VersionSet(pub Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "common.VersionSet".into()
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn method_signature(&self, name: &str) -> Option<Signature> {
        (name == "Has").then(|| Signature::new(&[ArgType::String]))
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        (name == "Has")
            .then(|| one_string(args).map(|v| Value::Bool(self.0.iter().any(|x| x == v))))
    }
    fn display(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(self.0.iter().map(|s| Value::str(s)).collect()))
    }
}

/// The Helm version whose behaviour this project reproduces, as `.Capabilities.HelmVersion` reports it.
pub struct HelmVersion;

impl Object for HelmVersion {
    fn type_name(&self) -> String {
        "version.BuildInfo".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        crate::compat::current()
            .helm_version()
            .iter()
            .find(|(f, _, _)| *f == name)
            .map(|(_, _, v)| Value::str(v))
    }
    fn display(&self) -> String {
        let vals: Vec<&str> = crate::compat::current()
            .helm_version()
            .iter()
            .map(|(_, _, v)| *v)
            .collect();
        format!("{{{}}}", vals.join(" "))
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::Object(
            // Every field but Version is `omitempty`.
            crate::compat::current()
                .helm_version()
                .iter()
                .filter(|(f, _, v)| *f == "Version" || !v.is_empty())
                .map(|(_, j, v)| (j.to_string(), serde_json::Value::from(*v)))
                .collect(),
        ))
    }
}

/// `.Capabilities`.
pub struct Capabilities {
    pub kube_version: Rc<KubeVersion>,
    pub api_versions: Rc<VersionSet>,
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".into()
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(self.kube_version.clone())),
            "APIVersions" => Some(Value::Object(self.api_versions.clone())),
            "HelmVersion" => Some(Value::Object(Rc::new(HelmVersion))),
            "Copy" => Some(Value::Object(Rc::new(Capabilities {
                kube_version: self.kube_version.clone(),
                api_versions: self.api_versions.clone(),
            }))),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Copy"
    }
    fn method_signature(&self, name: &str) -> Option<Signature> {
        (name == "Copy").then(|| Signature::new(&[]))
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        (name == "Copy" && args.is_empty()).then(|| Ok(self.field(name).unwrap_or_default()))
    }
    fn display(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            KubeVersionDisplay(&self.kube_version),
            self.api_versions.display(),
            HelmVersion.display()
        )
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("KubeVersion".into(), self.kube_version.to_json()?);
        m.insert(
            "APIVersions".into(),
            serde_json::Value::from(self.api_versions.0.clone()),
        );
        m.insert("HelmVersion".into(), HelmVersion.to_json()?);
        Some(serde_json::Value::Object(m))
    }
}

/// Go's `%v` of the KubeVersion struct inside Capabilities (not a pointer there, so no Stringer).
struct KubeVersionDisplay<'a>(&'a KubeVersion);

impl std::fmt::Display for KubeVersionDisplay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{{{} {} {} {}}}",
            self.0.version, self.0.normalized, self.0.major, self.0.minor
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_parse() {
        let v = KubeVersion::parse("1.29.3-gke.1001").unwrap();
        assert_eq!(v.version, "v1.29.3-gke.1001");
        assert_eq!(v.normalized, "v1.29.3");
        assert_eq!((v.major.as_str(), v.minor.as_str()), ("1", "29"));
        let v = KubeVersion::parse("v1.20").unwrap();
        assert_eq!(v.normalized, "v1.20.0");
        assert!(KubeVersion::parse("banana").is_err());
        assert!(KubeVersion::parse("1").is_err());
    }

    #[test]
    fn files_methods() {
        let mut entries = BTreeMap::new();
        entries.insert("config/a.txt".to_string(), Content::from(&b"x\ny\n"[..]));
        entries.insert("config/sub/b.txt".to_string(), Content::from(&b"z"[..]));
        let files = Files { entries };
        let got = files
            .call_method("Lines", &[Value::str("config/a.txt")])
            .unwrap()
            .unwrap();
        assert_eq!(format!("{got:?}"), r#"[String("x"), String("y")]"#);
        let Value::Object(g) = files
            .call_method("Glob", &[Value::str("config/*")])
            .unwrap()
            .unwrap()
        else {
            panic!("Glob returns Files")
        };
        assert_eq!(g.display(), "map[config/a.txt:[120 10 121 10]]");
        let Value::String(s) = files
            .call_method("Get", &[Value::str("missing")])
            .unwrap()
            .unwrap()
        else {
            panic!("Get returns a string")
        };
        assert_eq!(&*s, "");
    }
}

#[cfg(test)]
mod helm_tests {
    use super::super::tests::render_one;
    use super::super::*;

    /// Render `templates/t.yaml` of a chart that also holds `files` (name, bytes).
    fn render_with_files(text: &str, files: &[(&str, &[u8])]) -> Result<String, String> {
        let mut chart = Chart::default();
        chart.metadata.name = "c".into();
        chart.templates = vec![crate::chart::File {
            name: "templates/t.yaml".into(),
            data: text.as_bytes().into(),
        }];
        chart.files = files
            .iter()
            .map(|(n, d)| crate::chart::File {
                name: n.to_string(),
                data: d.to_vec().into(),
            })
            .collect();
        let release = ReleaseOptions {
            name: "r".into(),
            namespace: "ns".into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
        };
        render(
            &chart,
            &Default::default(),
            &release,
            &CapabilitiesInput::default(),
            &EngineOptions::default(),
        )
        .map(|mut m| m.remove("c/templates/t.yaml").unwrap_or_default())
        .map_err(|e| e.0)
    }

    /// `Values.Encode(io.Writer) error`: expectations from Helm v4.3.2 (`helm template`).
    #[test]
    fn values_encode_as_go_calls_it() {
        let r = |t: &str| render_one(t, serde_json::json!({"a": 1}));
        let e = r("{{ .Values.Encode }}").unwrap_err();
        assert!(
            e.ends_with("at <.Values.Encode>:\n    wrong number of args for Encode: want 1 got 0"),
            "{e}"
        );
        let e = r("{{ .Values.Encode nil 1 }}").unwrap_err();
        assert!(
            e.ends_with("wrong number of args for Encode: want 1 got 2"),
            "{e}"
        );
        let e = r("{{ .Values.Encode 1 }}").unwrap_err();
        assert!(
            e.ends_with("at <1>:\n    can't handle 1 for arg of type io.Writer"),
            "{e}"
        );
        let e = r(r#"{{ .Values.Encode "x" }}"#).unwrap_err();
        assert!(
            e.ends_with("can't handle \"x\" for arg of type io.Writer"),
            "{e}"
        );
        let e = r("{{ .Values.Encode .Values }}").unwrap_err();
        assert!(
            e.ends_with(
                "at <.Values>:\n    wrong type for value; expected io.Writer; got common.Values"
            ),
            "{e}"
        );
        let e = r("{{ .Values.Encode .Values.missing }}").unwrap_err();
        assert!(
            e.ends_with("wrong type for value; expected io.Writer; got interface {}"),
            "{e}"
        );
        // nil is a valid io.Writer: Go calls Encode and the write panics, recovered as the call's error
        let e = r("{{ $x := .Values }}{{ $x.Encode nil }}").unwrap_err();
        assert_eq!(
            e,
            "template: c/templates/t.yaml:1:24: executing \"c/templates/t.yaml\" at <$x.Encode>: error calling Encode: runtime error: invalid memory address or nil pointer dereference"
        );
        // a plain map has no methods: a missing key, which Helm prints as nothing
        assert_eq!(r("{{ .Values.AsMap.Encode }}").unwrap(), "");
    }

    /// `.Files.Get` of a binary file is a Go string of its bytes: `b64enc` and the checksums see the
    /// bytes (base64 of `00 ff fe 80 61 62 63 c3` is what Helm v4.3.2 prints), `len` counts them.
    #[test]
    fn binary_files_keep_their_bytes() {
        let bin: &[u8] = b"\x00\xff\xfe\x80abc\xc3";
        let r = |t: &str| render_with_files(t, &[("small.bin", bin)]).unwrap();
        assert_eq!(
            r(r#"{{ .Files.Get "small.bin" | b64enc }}"#),
            "AP/+gGFiY8M="
        );
        assert_eq!(
            r(r#"{{ .Files.Get "small.bin" | b64enc | b64dec | b64enc }}"#),
            "AP/+gGFiY8M="
        );
        assert_eq!(r(r#"{{ .Files.Get "small.bin" | len }}"#), "8");
        assert_eq!(
            r(r#"{{ .Files.Get "small.bin" | b32enc }}"#),
            "AD775ADBMJR4G==="
        );
        assert_eq!(
            r(r#"{{ .Files.Get "small.bin" | sha256sum }}"#),
            "590d046025cf350e8f1e202ee938e9e0abb46cd63dae9457062b1af9c69e1476"
        );
        let sha1 = "eba6e78b024638878c349cbf17f410252b6de99d";
        assert_eq!(
            r(r#"{{ .Files.Get "small.bin" | b64enc | b64dec | sha1sum }}"#),
            sha1
        );
        assert_eq!(
            r(r#"{{ .Files.GetBytes "small.bin" | toString | sha1sum }}"#),
            sha1
        );
        assert_eq!(r(r#"{{ .Files.Get "missing" | b64enc }}"#), "");
        assert_eq!(r(r#"{{ .Files.Get "small.bin" | typeOf }}"#), "string");
    }

    /// Go complex constants: zero is false (`if`, `with`, `not`, `and`/`or`, `default`, `empty`), they
    /// print as Go prints them, and JSON/YAML encoders refuse them (expectations from Helm v4.3.2).
    #[test]
    fn complex_constants() {
        let r = |t: &str| render_one(t, serde_json::json!({}));
        assert_eq!(r("{{ if 0i }}y{{ else }}n{{ end }} {{ if -0i }}y{{ else }}n{{ end }} {{ if 0.0i }}y{{ else }}n{{ end }}").unwrap(), "n n n");
        assert_eq!(r("{{ if 1i }}y{{ else }}n{{ end }} {{ if 1+0i }}y{{ else }}n{{ end }} {{ with 0i }}y{{ else }}n{{ end }}").unwrap(), "y y n");
        assert_eq!(
            r("{{ not 0i }} {{ and 0i 1 }} {{ or 0i 5 }} {{ and 1 0i }}").unwrap(),
            "true (0+0i) 5 (0+0i)"
        );
        assert_eq!(
            r("{{ 0i | default 3 }} {{ 1i | default 3 }} {{ empty 0i }} {{ empty 2i }}").unwrap(),
            "3 (0+1i) true false"
        );
        assert_eq!(
            r("{{ 0i }} {{ 1+2i }} {{ -2i }} {{ printf \"%v\" 1.5i }} {{ 1e3i }}").unwrap(),
            "(0+0i) (1+2i) (0-2i) (0+1.5i) (0+1000i)"
        );
        assert_eq!(
            r("[{{ toJson 1i }}] [{{ toYaml (list 1i) }}] [{{ toPrettyJson (dict \"a\" 0i) }}]")
                .unwrap(),
            "[] [] []"
        );
        let e = r("{{ mustToJson 1i }}").unwrap_err();
        assert!(
            e.ends_with("error calling mustToJson: json: unsupported type: complex128"),
            "{e}"
        );
        let e = r("{{ mustToYaml 1i }}").unwrap_err();
        assert!(e.ends_with("error calling mustToYaml: error marshaling into JSON: json: unsupported type: complex128"), "{e}");
        let e = r("{{ toYamlPretty 1i }}").unwrap_err();
        assert!(
            e.ends_with("error calling toYamlPretty: cannot marshal type: complex128"),
            "{e}"
        );
        let e = r("{{ 1i | b64enc }}").unwrap_err();
        assert!(
            e.ends_with("wrong type for value; expected string; got complex128"),
            "{e}"
        );
    }
}

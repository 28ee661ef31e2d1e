//! Reading rendered manifests as lint does: k8s.io/apimachinery's YAML-or-JSON document decoder into
//! Helm's `k8sYamlStruct` (apiVersion, kind, metadata name/namespace), and apimachinery's name checks.

use serde_json::Value;

/// Helm's `k8sYamlStruct`: the few fields lint looks at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct K8sObject {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// One step of the decoder: a document (None for an empty one) or the error that stops decoding.
pub type Decoded = Result<Option<K8sObject>, String>;

/// Every document of `content` as `yaml.NewYAMLOrJSONDecoder(r, 4096)` decodes them, stopping after
/// the first error (lint stops there too).
pub fn decode_documents(content: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    if looks_like_json(content) {
        let mut count = 0;
        loop {
            let rest = &content[pos..];
            if rest.iter().all(|b| is_json_space(*b)) {
                return out;
            }
            let first_err = match scan_json_value(rest, pos) {
                Ok(len) => match serde_json::from_slice::<Value>(&rest[..len]) {
                    Ok(v) => match object_from_json(&v) {
                        Ok(obj) => {
                            count += 1;
                            pos += len;
                            out.push(Ok(obj));
                            continue;
                        }
                        Err(e) => e,
                    },
                    Err(_) => "unexpected EOF".to_string(),
                },
                Err(JsonError::Syntax { offset, msg }) => {
                    if count > 1 {
                        out.push(Err(msg));
                        return out;
                    }
                    format!("json: offset {offset}: {msg}")
                }
                Err(JsonError::Eof) => "unexpected EOF".to_string(),
            };
            if count > 1 {
                out.push(Err(first_err));
                return out;
            }
            // Ambiguous: fall back to YAML from here, after the whitespace up to the first newline.
            pos += skip_line_space(&content[pos..]);
            let docs = yaml_documents(&content[pos..]);
            let mut first = true;
            for d in docs {
                match d {
                    Err(e) => {
                        out.push(Err(if first { first_err } else { e }));
                        return out;
                    }
                    Ok(obj) => out.push(Ok(obj)),
                }
                first = false;
            }
            return out;
        }
    }
    for d in yaml_documents(&content[pos..]) {
        let stop = d.is_err();
        out.push(d);
        if stop {
            break;
        }
    }
    out
}

/// `GuessJSONStream`: the first non-space byte within the first 4096 is `{`.
fn looks_like_json(content: &[u8]) -> bool {
    let head = &content[..content.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.trim_start_matches(char::is_whitespace).starts_with('{')
}

fn is_json_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The decoder's `consumeWhitespace`: Unicode spaces up to and including the first newline.
fn skip_line_space(rest: &[u8]) -> usize {
    let text = String::from_utf8_lossy(rest);
    let mut n = 0;
    for c in text.chars() {
        if !c.is_whitespace() {
            return n;
        }
        n += c.len_utf8();
        if c == '\n' {
            return n;
        }
    }
    rest.len()
}

/// The YAML half: k8s' YAMLReader splits documents, each goes through sigs.k8s.io/yaml into the struct.
fn yaml_documents(content: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    match split_yaml_documents(content) {
        Ok(docs) => {
            for doc in docs {
                let parsed = match std::str::from_utf8(&doc) {
                    Ok(text) => goyaml::from_str(text).map_err(|e| e.to_string()),
                    Err(_) => Err("error converting YAML to JSON: yaml: invalid leading UTF-8 octet".to_string()),
                };
                let r = parsed.and_then(|v| object_from_yaml(&v));
                let stop = r.is_err();
                out.push(r);
                if stop {
                    return out;
                }
            }
        }
        Err((docs, e)) => {
            for doc in docs {
                let parsed = std::str::from_utf8(&doc)
                    .map_err(|_| "error converting YAML to JSON: yaml: invalid leading UTF-8 octet".to_string())
                    .and_then(|t| goyaml::from_str(t).map_err(|e| e.to_string()));
                let r = parsed.and_then(|v| object_from_yaml(&v));
                let stop = r.is_err();
                out.push(r);
                if stop {
                    return out;
                }
            }
            out.push(Err(e));
        }
    }
    out
}

/// k8s.io/apimachinery's `YAMLReader`: a line starting with `---` ends a document (only spaces or a
/// comment may follow); documents of zero bytes are skipped. On a bad separator, the documents
/// before it and the error.
pub fn split_yaml_documents(data: &[u8]) -> Result<Vec<Vec<u8>>, (Vec<Vec<u8>>, String)> {
    let mut docs = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(after) = line.strip_prefix(b"---") {
            let text = String::from_utf8_lossy(after);
            let trimmed = text.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err((docs, format!("invalid Yaml document separator: {trimmed}")));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.extend_from_slice(line);
        buf.push(b'\n');
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// The Go type names in encoding/json's errors for a JSON value.
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

/// sigs.k8s.io/yaml turns scalars into strings when the target field is a string.
fn yaml_scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            Some(f) => format!("{}", f as f32),
            None => n.to_string(),
        }),
        _ => None,
    }
}

/// Decode one document into `k8sYamlStruct`. `yaml` says whether sigs.k8s.io/yaml's scalar-to-string
/// conversion applies (the YAML path) or plain encoding/json (the JSON path).
fn decode_object(v: &Value, yaml: bool) -> Result<Option<K8sObject>, String> {
    let prefix = if yaml { "error unmarshaling JSON: while decoding JSON: " } else { "" };
    let m = match v {
        Value::Null => return Ok(None),
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "{prefix}json: cannot unmarshal {} into Go value of type rules.k8sYamlStruct",
                json_kind(other)
            ))
        }
    };
    let mut first_err: Option<String> = None;
    let mut obj = K8sObject::default();
    let string_field = |val: &Value, field: &str, out: &mut String, first_err: &mut Option<String>| match val {
        Value::Null => {}
        Value::String(s) => *out = s.clone(),
        other => {
            let converted = if yaml && !matches!(other, Value::Array(_) | Value::Object(_)) {
                yaml_scalar_string(other)
            } else {
                None
            };
            match converted {
                Some(s) => *out = s,
                None => {
                    if first_err.is_none() {
                        *first_err = Some(format!(
                            "{prefix}json: cannot unmarshal {} into Go struct field k8sYamlStruct.{field} of type string",
                            json_kind(other)
                        ));
                    }
                }
            }
        }
    };
    // Keys in sorted order, as in the JSON text sigs.k8s.io/yaml produces; every key matching a field
    // case-insensitively is decoded in turn and the last one wins, as in encoding/json.
    for (k, val) in m {
        if k.eq_ignore_ascii_case("apiVersion") {
            string_field(val, "apiVersion", &mut obj.api_version, &mut first_err);
        } else if k.eq_ignore_ascii_case("kind") {
            string_field(val, "Kind", &mut obj.kind, &mut first_err);
        } else if k.eq_ignore_ascii_case("metadata") {
            match val {
                Value::Null => {}
                Value::Object(mm) => {
                    for (mk, mv) in mm {
                        if mk.eq_ignore_ascii_case("namespace") {
                            string_field(mv, "Metadata.Namespace", &mut obj.namespace, &mut first_err);
                        } else if mk.eq_ignore_ascii_case("name") {
                            string_field(mv, "Metadata.Name", &mut obj.name, &mut first_err);
                        }
                    }
                }
                other => {
                    if first_err.is_none() {
                        first_err = Some(format!(
                            "{prefix}json: cannot unmarshal {} into Go struct field k8sYamlStruct.Metadata of type rules.k8sYamlMetadata",
                            json_kind(other)
                        ));
                    }
                }
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(Some(obj)),
    }
}

fn object_from_yaml(v: &Value) -> Decoded {
    decode_object(v, true)
}

fn object_from_json(v: &Value) -> Decoded {
    decode_object(v, false)
}

/// A JSON scanning failure, with encoding/json's texts.
enum JsonError {
    /// `*json.SyntaxError`: the message and the 1-based offset of the offending byte in the stream.
    Syntax { offset: usize, msg: String },
    /// The value is cut short: `io.ErrUnexpectedEOF`.
    Eof,
}

/// Go's `quoteChar`.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = crate::chart::metadata_quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// encoding/json's scanner over one top-level value at the start of `s` (`base` is where `s` starts in
/// the stream): the length consumed, or the error Go's Decoder reports.
fn scan_json_value(s: &[u8], base: usize) -> Result<usize, JsonError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ctx {
        ObjKey,
        ObjValue,
        Array,
    }
    let mut stack: Vec<Ctx> = Vec::new();
    let mut i = 0;
    let err = |i: usize, c: u8, what: &str| JsonError::Syntax {
        offset: base + i + 1,
        msg: format!("invalid character {} {}", quote_char(c), what),
    };
    // Skip leading space.
    while i < s.len() && is_json_space(s[i]) {
        i += 1;
    }
    // States: expecting a value (with context for the error text), or after a value.
    let mut expect_value = true;
    let mut value_ctx = "looking for beginning of value";
    loop {
        if expect_value {
            if i >= s.len() {
                return Err(JsonError::Eof);
            }
            let c = s[i];
            match c {
                b'{' => {
                    i += 1;
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    if i >= s.len() {
                        return Err(JsonError::Eof);
                    }
                    if s[i] == b'}' {
                        i += 1;
                        expect_value = false;
                        continue;
                    }
                    if s[i] != b'"' {
                        return Err(err(i, s[i], "looking for beginning of object key string"));
                    }
                    stack.push(Ctx::ObjKey);
                    i = scan_string(s, i, base)?;
                    // After the key.
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    if i >= s.len() {
                        return Err(JsonError::Eof);
                    }
                    if s[i] != b':' {
                        return Err(err(i, s[i], "after object key"));
                    }
                    i += 1;
                    if let Some(top) = stack.last_mut() {
                        *top = Ctx::ObjValue;
                    }
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    value_ctx = "looking for beginning of value";
                    continue;
                }
                b'[' => {
                    i += 1;
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    if i >= s.len() {
                        return Err(JsonError::Eof);
                    }
                    if s[i] == b']' {
                        i += 1;
                        expect_value = false;
                        continue;
                    }
                    stack.push(Ctx::Array);
                    value_ctx = "looking for beginning of value";
                    continue;
                }
                b'"' => {
                    i = scan_string(s, i, base)?;
                }
                b'-' | b'0'..=b'9' => {
                    i = scan_number(s, i, base, stack.is_empty())?;
                }
                b't' | b'f' | b'n' => {
                    let word: &[u8] = match c {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    for (k, want) in word.iter().enumerate().skip(1) {
                        if i + k >= s.len() {
                            return Err(JsonError::Eof);
                        }
                        if s[i + k] != *want {
                            let lit = String::from_utf8_lossy(word).into_owned();
                            return Err(err(
                                i + k,
                                s[i + k],
                                &format!("in literal {lit} (expecting {})", quote_char(*want)),
                            ));
                        }
                    }
                    i += word.len();
                }
                _ => return Err(err(i, c, value_ctx)),
            }
            expect_value = false;
            continue;
        }
        // After a value.
        let Some(top) = stack.last().copied() else {
            return Ok(i);
        };
        while i < s.len() && is_json_space(s[i]) {
            i += 1;
        }
        if i >= s.len() {
            return Err(JsonError::Eof);
        }
        let c = s[i];
        match top {
            Ctx::ObjValue | Ctx::ObjKey => match c {
                b',' => {
                    i += 1;
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    if i >= s.len() {
                        return Err(JsonError::Eof);
                    }
                    if s[i] != b'"' {
                        return Err(err(i, s[i], "looking for beginning of object key string"));
                    }
                    i = scan_string(s, i, base)?;
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    if i >= s.len() {
                        return Err(JsonError::Eof);
                    }
                    if s[i] != b':' {
                        return Err(err(i, s[i], "after object key"));
                    }
                    i += 1;
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    expect_value = true;
                    value_ctx = "looking for beginning of value";
                }
                b'}' => {
                    i += 1;
                    stack.pop();
                }
                _ => return Err(err(i, c, "after object key:value pair")),
            },
            Ctx::Array => match c {
                b',' => {
                    i += 1;
                    while i < s.len() && is_json_space(s[i]) {
                        i += 1;
                    }
                    expect_value = true;
                    value_ctx = "looking for beginning of value";
                }
                b']' => {
                    i += 1;
                    stack.pop();
                }
                _ => return Err(err(i, c, "after array element")),
            },
        }
    }
}

fn scan_string(s: &[u8], start: usize, base: usize) -> Result<usize, JsonError> {
    let err = |i: usize, c: u8, what: &str| JsonError::Syntax {
        offset: base + i + 1,
        msg: format!("invalid character {} {}", quote_char(c), what),
    };
    let mut i = start + 1;
    while i < s.len() {
        match s[i] {
            b'"' => return Ok(i + 1),
            b'\\' => {
                i += 1;
                if i >= s.len() {
                    return Err(JsonError::Eof);
                }
                match s[i] {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => i += 1,
                    b'u' => {
                        i += 1;
                        for _ in 0..4 {
                            if i >= s.len() {
                                return Err(JsonError::Eof);
                            }
                            if !s[i].is_ascii_hexdigit() {
                                return Err(err(i, s[i], "in \\u hexadecimal character escape"));
                            }
                            i += 1;
                        }
                    }
                    c => return Err(err(i, c, "in string escape code")),
                }
            }
            c if c < 0x20 => return Err(err(i, c, "in string literal")),
            _ => i += 1,
        }
    }
    Err(JsonError::Eof)
}

fn scan_number(s: &[u8], start: usize, base: usize, top_level: bool) -> Result<usize, JsonError> {
    let err = |i: usize, c: u8, what: &str| JsonError::Syntax {
        offset: base + i + 1,
        msg: format!("invalid character {} {}", quote_char(c), what),
    };
    let mut i = start;
    let at_end = |i: usize| i >= s.len();
    if s[i] == b'-' {
        i += 1;
        if at_end(i) {
            return Err(JsonError::Eof);
        }
        if !s[i].is_ascii_digit() {
            return Err(err(i, s[i], "in numeric literal"));
        }
    }
    if s[i] == b'0' {
        i += 1;
    } else {
        while !at_end(i) && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    if !at_end(i) && s[i] == b'.' {
        i += 1;
        if at_end(i) {
            return Err(JsonError::Eof);
        }
        if !s[i].is_ascii_digit() {
            return Err(err(i, s[i], "after decimal point in numeric literal"));
        }
        while !at_end(i) && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    if !at_end(i) && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        if !at_end(i) && (s[i] == b'+' || s[i] == b'-') {
            i += 1;
        }
        if at_end(i) {
            return Err(JsonError::Eof);
        }
        if !s[i].is_ascii_digit() {
            return Err(err(i, s[i], "in exponent of numeric literal"));
        }
        while !at_end(i) && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    // A top-level number needs a following byte to end; at EOF Go's Decoder still accepts it.
    let _ = top_level;
    Ok(i)
}

// ---- apimachinery's name validation ----

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";

fn is_label(s: &str, first_alpha: bool) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let inner = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-';
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let first_ok = if first_alpha { b[0].is_ascii_lowercase() } else { edge(b[0]) };
    first_ok && edge(b[b.len() - 1]) && b.iter().all(|c| inner(*c))
}

fn is_subdomain(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|l| is_label(l, false))
}

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{e}', "));
    }
    out.push_str(&format!("regex used for validation is '{fmt}')"));
    out
}

fn dns1123_subdomain(v: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if v.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    if !is_subdomain(v) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

fn dns1123_label(v: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if v.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !is_label(v, false) {
        if is_subdomain(v) {
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

fn dns1035_label(v: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if v.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !is_label(v, true) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

fn path_segment_name(v: &str) -> Vec<String> {
    for bad in [".", ".."] {
        if v == bad {
            return vec![format!("may not be '{bad}'")];
        }
    }
    ["/", "%"].iter().filter(|c| v.contains(*c)).map(|c| format!("may not contain '{c}'")).collect()
}

/// Helm's `validateMetadataName`: the name rule for the object's kind, reported as apimachinery's
/// field errors aggregate.
pub fn validate_metadata_name(obj: &K8sObject) -> Result<(), String> {
    let name = obj.name.as_str();
    let msgs = match obj.kind.to_lowercase().as_str() {
        "service" => dns1035_label(name),
        "namespace" => dns1123_label(name),
        "certificatesigningrequest" => Vec::new(),
        "role" | "clusterrole" | "rolebinding" | "clusterrolebinding" => path_segment_name(name),
        _ => dns1123_subdomain(name),
    };
    if msgs.is_empty() {
        return Ok(());
    }
    let quoted = crate::chart::metadata_quote(name);
    let mut seen: Vec<String> = Vec::new();
    for m in &msgs {
        let e = format!("metadata.name: Invalid value: {quoted}: {m}");
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    let agg = if seen.len() == 1 { seen.remove(0) } else { format!("[{}]", seen.join(", ")) };
    Err(format!("object name does not conform to Kubernetes naming requirements: {quoted}: {agg}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &str, name: &str) -> K8sObject {
        K8sObject { kind: kind.into(), name: name.into(), ..Default::default() }
    }

    #[test]
    fn names() {
        assert!(validate_metadata_name(&obj("Deployment", "my-app.v1")).is_ok());
        assert!(validate_metadata_name(&obj("Service", "1abc")).is_err());
        assert!(validate_metadata_name(&obj("Role", "system:admin")).is_ok());
        assert_eq!(
            validate_metadata_name(&obj("ConfigMap", "-this:name-is-not_valid$")).unwrap_err(),
            "object name does not conform to Kubernetes naming requirements: \"-this:name-is-not_valid$\": metadata.name: Invalid value: \"-this:name-is-not_valid$\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        );
        assert_eq!(
            validate_metadata_name(&obj("Namespace", "a.b")).unwrap_err(),
            "object name does not conform to Kubernetes naming requirements: \"a.b\": metadata.name: Invalid value: \"a.b\": must not contain dots"
        );
    }

    #[test]
    fn json_errors() {
        let d = decode_documents(b"{ {- $relname := .Release.Name -}}\napiVersion: v1\nkind: ConfigMap\n");
        assert_eq!(
            d,
            vec![Err("json: offset 3: invalid character '{' looking for beginning of object key string".to_string())]
        );
        let d = decode_documents(b"{\"kind\": \"Pod\", \"metadata\": {\"name\": \"x\"}}\n");
        assert_eq!(d, vec![Ok(Some(K8sObject { kind: "Pod".into(), name: "x".into(), ..Default::default() }))]);
    }

    #[test]
    fn yaml_splitting() {
        assert_eq!(split_yaml_documents(b"a: 1\n---\n---\nb: 2\n").unwrap().len(), 2);
        assert!(split_yaml_documents(b"a: 1\n--- x\n").is_err());
    }
}

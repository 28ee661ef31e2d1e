//! Helm's own template functions on top of Sprig: include, tpl, required, fail, lookup, the YAML/JSON/TOML
//! converters, and the offline stubs Helm installs for `template` (lookup → empty, getHostByName → "").

use crate::template::{ArgType, FuncMap, Function, Runtime, Signature, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Markers Helm wraps around `required`/`fail` messages so the final error shows only the message.
pub const WARN_START: &str = "HELM_ERR_START";
pub const WARN_END: &str = "HELM_ERR_END";
/// How deep one template name may be nested through `include` (Helm's recursionMaxNums).
const RECURSION_MAX: usize = 1000;
/// The name Helm's root template set carries; `tpl` parses its text under this name.
pub const ROOT_TEMPLATE_NAME: &str = "gotpl";

fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

fn value_to_json(v: &Value) -> serde_json::Value {
    v.to_json()
}

/// `toYaml`: sigs.k8s.io/yaml.Marshal without the final newline ("" when marshalling fails).
pub fn to_yaml(v: &Value) -> String {
    must_to_yaml(v).unwrap_or_default()
}

/// `mustToYaml`: as `toYaml`, with encoding/json's error for what JSON cannot hold (Go complex numbers).
fn must_to_yaml(v: &Value) -> Result<String, String> {
    if has_complex(v, 0) {
        return Err("error marshaling into JSON: json: unsupported type: complex128".into());
    }
    let out = goyaml::to_string(&value_to_json(v));
    Ok(out.strip_suffix('\n').map(str::to_string).unwrap_or(out))
}

/// Whether a Go complex number (`1i`) sits anywhere in `v`: JSON and YAML encoders refuse those.
fn has_complex(v: &Value, depth: usize) -> bool {
    match v {
        _ if depth > 10_000 => false,
        Value::List(l) => l.borrow().iter().any(|x| has_complex(x, depth + 1)),
        Value::Map(m) => m.borrow().values().any(|x| has_complex(x, depth + 1)),
        Value::Object(o) => {
            o.complex_parts().is_some() || o.as_value().is_some_and(|x| has_complex(&x, depth + 1))
        }
        _ => false,
    }
}

fn go_json_type_error(found: &serde_json::Value, want: &str) -> String {
    let kind = match found {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    };
    format!("json: cannot unmarshal {kind} into Go value of type {want}")
}

fn from_yaml(text: &str) -> Value {
    match goyaml::from_str(text) {
        Ok(serde_json::Value::Object(m)) => Value::from_json(&serde_json::Value::Object(m)),
        Ok(serde_json::Value::Null) => Value::empty_map(),
        Ok(other) => {
            let msg = format!(
                "error unmarshaling JSON: while decoding JSON: {}",
                go_json_type_error(&other, "map[string]interface {}")
            );
            Value::map(
                [("Error".to_string(), Value::string(msg))]
                    .into_iter()
                    .collect(),
            )
        }
        Err(e) => Value::map(
            [("Error".to_string(), Value::string(e.to_string()))]
                .into_iter()
                .collect(),
        ),
    }
}

fn from_yaml_array(text: &str) -> Value {
    match goyaml::from_str(text) {
        Ok(serde_json::Value::Array(a)) => Value::from_json(&serde_json::Value::Array(a)),
        Ok(serde_json::Value::Null) => Value::list(Vec::new()),
        Ok(other) => Value::list(vec![Value::string(format!(
            "error unmarshaling JSON: while decoding JSON: {}",
            go_json_type_error(&other, "[]interface {}")
        ))]),
        Err(e) => Value::list(vec![Value::string(e.to_string())]),
    }
}

fn from_json(text: &str) -> Value {
    match gosprig::json::unmarshal(text) {
        Ok(v @ Value::Map(_)) => v,
        Ok(Value::Nil) => Value::empty_map(),
        Ok(other) => error_map(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind_of(&other)
        )),
        Err(e) => error_map(e),
    }
}

fn from_json_array(text: &str) -> Value {
    match gosprig::json::unmarshal(text) {
        Ok(v @ Value::List(_)) => v,
        Ok(Value::Nil) => Value::list(Vec::new()),
        Ok(other) => Value::list(vec![Value::string(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind_of(&other)
        ))]),
        Err(e) => Value::list(vec![Value::string(e)]),
    }
}

fn error_map(msg: String) -> Value {
    Value::map(
        [("Error".to_string(), Value::string(msg))]
            .into_iter()
            .collect(),
    )
}

/// The JSON kind Go's decoder names in type errors.
fn json_kind_of(v: &Value) -> &'static str {
    match v {
        Value::Nil | Value::Invalid => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

fn str_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Helm's function map: Sprig (minus env/expandenv) overlaid with Helm's functions.
/// `include_depth` is shared by every `include` of one render, as Helm's includedNames map is.
pub fn helm_funcs(opts: &super::EngineOptions) -> FuncMap {
    let mut map = gosprig::funcs();
    map.remove("env");
    map.remove("expandenv");
    let any1 = Signature::new(&[ArgType::Any]);
    let str1 = Signature::new(&[ArgType::String]);

    map.insert(
        "toYaml".into(),
        Function::pure(any1.clone(), |a| Ok(Value::string(to_yaml(&a[0])))),
    );
    map.insert(
        "mustToYaml".into(),
        Function::pure(any1.clone(), |a| must_to_yaml(&a[0]).map(Value::string)),
    );
    map.insert(
        "toYamlPretty".into(),
        Function::pure(any1.clone(), |a| {
            if has_complex(&a[0], 0) {
                return Err("cannot marshal type: complex128".into());
            }
            let out = goyaml::to_string_pretty(&value_to_json(&a[0]));
            Ok(Value::string(
                out.strip_suffix('\n').map(str::to_string).unwrap_or(out),
            ))
        }),
    );
    map.insert(
        "fromYaml".into(),
        Function::pure(str1.clone(), |a| Ok(from_yaml(str_arg(a, 0)))),
    );
    map.insert(
        "fromYamlArray".into(),
        Function::pure(str1.clone(), |a| Ok(from_yaml_array(str_arg(a, 0)))),
    );
    map.insert(
        "fromJson".into(),
        Function::pure(str1.clone(), |a| Ok(from_json(str_arg(a, 0)))),
    );
    map.insert(
        "fromJsonArray".into(),
        Function::pure(str1.clone(), |a| Ok(from_json_array(str_arg(a, 0)))),
    );
    map.insert(
        "toToml".into(),
        Function::pure(any1.clone(), |a| {
            Ok(Value::string(super::toml::to_toml(&a[0])))
        }),
    );
    map.insert(
        "fromToml".into(),
        Function::pure(str1.clone(), |a| Ok(super::toml::from_toml(str_arg(a, 0)))),
    );
    // Helm v4.3's additions: mustToToml and the duration family.
    map.insert(
        "mustToToml".into(),
        Function::pure(any1.clone(), |a| {
            super::toml::try_to_toml(&a[0]).map(Value::string)
        }),
    );
    super::duration::register(&mut map);
    let compat = crate::compat::current();
    for name in crate::compat::HelmCompat::added_functions() {
        if !compat.has_function(name) {
            map.remove(*name);
        }
    }
    if !compat.quotes_semver_errors() {
        // Masterminds/semver before v3.5 printed the constraint unquoted.
        if let Some(f) = map.get("semverCompare").cloned() {
            let body = f.body.clone();
            map.insert(
                "semverCompare".into(),
                Function::with_runtime(f.sig.clone(), move |rt, a| {
                    body(rt, a).map_err(|e| unquote_constraint_error(&e))
                }),
            );
        }
    }

    let included: Rc<RefCell<HashMap<String, usize>>> = Rc::default();
    map.insert(
        "include".into(),
        Function::with_runtime(Signature::new(&[ArgType::String, ArgType::Any]), move |rt: &mut dyn Runtime, a| {
            let name = str_arg(a, 0).to_string();
            {
                let mut counts = included.borrow_mut();
                let n = counts.entry(name.clone()).or_insert(0);
                if *n > RECURSION_MAX {
                    return Err(format!(
                        "rendering template has a nested reference name: {name}: unable to execute template"
                    ));
                }
                *n += 1;
            }
            let result = rt.execute_named(&name, a[1].clone());
            if let Some(n) = included.borrow_mut().get_mut(&name) {
                *n = n.saturating_sub(1);
            }
            result.map(Value::string)
        }),
    );
    map.insert(
        "tpl".into(),
        Function::with_runtime(
            Signature::new(&[ArgType::String, ArgType::Any]),
            |rt: &mut dyn Runtime, a| {
                let text = str_arg(a, 0);
                match rt.execute_text(ROOT_TEMPLATE_NAME, text, a[1].clone()) {
                    Ok(out) => Ok(Value::string(out.replace("<no value>", ""))),
                    Err(e) if is_parse_error(&e) => {
                        Err(format!("cannot parse template {}: {e}", go_quote(text)))
                    }
                    Err(e) => Err(format!(
                        "error during tpl function execution for {}: {e}",
                        go_quote(text)
                    )),
                }
            },
        ),
    );
    let (lint, log) = (opts.lint_mode, opts.log.clone());
    map.insert(
        "required".into(),
        Function::pure(Signature::new(&[ArgType::String, ArgType::Any]), move |a| {
            let missing = match &a[1] {
                Value::Nil | Value::Invalid => Some("missing required value"),
                Value::String(s) if s.is_empty() => Some("missing required values"),
                _ => None,
            };
            match missing {
                None => Ok(a[1].clone()),
                Some(what) if lint => {
                    log.borrow_mut()
                        .push(slog_line("WARN", what, str_arg(a, 0)));
                    Ok(Value::str(""))
                }
                Some(_) => Err(warn_wrap(str_arg(a, 0))),
            }
        }),
    );
    let log = opts.log.clone();
    map.insert(
        "fail".into(),
        Function::pure(str1.clone(), move |a| {
            if lint {
                log.borrow_mut()
                    .push(slog_line("INFO", "funcMap fail", str_arg(a, 0)));
                return Ok(Value::str(""));
            }
            Err(warn_wrap(str_arg(a, 0)))
        }),
    );
    let lookup = opts.lookup.clone();
    map.insert(
        "lookup".into(),
        Function::pure(
            Signature::new(&[ArgType::String; 4]),
            move |a| match &lookup {
                None => Ok(Value::empty_map()),
                Some(f) => (f.0)(str_arg(a, 0), str_arg(a, 1), str_arg(a, 2), str_arg(a, 3))
                    .map(|j| Value::from_json(&j)),
            },
        ),
    );
    map.insert(
        "getHostByName".into(),
        Function::pure(str1, |_| Ok(Value::str(""))),
    );
    map
}

/// `improper constraint: "x"` (semver v3.5) as semver v3.4 printed it: `improper constraint: x`.
fn unquote_constraint_error(e: &str) -> String {
    const PREFIX: &str = "improper constraint: ";
    match e.strip_prefix(PREFIX).and_then(go_unquote) {
        Some(inner) => format!("{PREFIX}{inner}"),
        None => e.to_string(),
    }
}

/// Undo Go's `strconv.Quote` for the escapes it writes (`None` if `s` is not a quoted string).
fn go_unquote(s: &str) -> Option<String> {
    let body = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&hex, 16).ok()?));
            }
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'U' => {
                let hex: String = chars.by_ref().take(8).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// One line of Helm's default slog text handler: `level=WARN msg="…" message="…"`.
pub fn slog_line(level: &str, msg: &str, message: &str) -> String {
    format!(
        "level={level} msg={} message={}",
        slog_quote(msg),
        slog_quote(message)
    )
}

/// slog's text handler quotes a value when it has spaces, quotes, `=` or non-printable characters.
fn slog_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '=');
    if plain {
        s.to_string()
    } else {
        go_quote(s)
    }
}

/// Parse errors of text/template have the form `template: NAME:LINE: …` with no column and no
/// `executing`; execution errors always say `executing`.
fn is_parse_error(e: &str) -> bool {
    let Some(rest) = e.strip_prefix("template: ") else {
        return false;
    };
    let head = rest.split(": ").next().unwrap_or("");
    !rest.contains(": executing \"")
        && head
            .rsplit(':')
            .next()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

/// Go's `%q` of a string (strconv.Quote).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_detection() {
        assert!(is_parse_error("template: gotpl:1: unexpected {{end}}"));
        assert!(!is_parse_error(
            "template: gotpl:1:10: executing \"gotpl\" at <.Values.nope.x>: nil pointer evaluating interface {}.x"
        ));
    }

    #[test]
    fn semver_constraint_errors_unquoted_for_v4_1() {
        assert_eq!(
            unquote_constraint_error(r#"improper constraint: "badConstraint""#),
            "improper constraint: badConstraint"
        );
        assert_eq!(
            unquote_constraint_error(r#"improper constraint: " a\"b""#),
            r#"improper constraint:  a"b"#
        );
        assert_eq!(unquote_constraint_error("other"), "other");
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(go_quote("{{ end }}\n\"x\""), r#""{{ end }}\n\"x\"""#);
    }

    #[test]
    fn from_json_numbers_are_floats() {
        let v = from_json(r#"{"a": 1, "b": [2]}"#);
        assert_eq!(format!("{v:?}"), r#"{"a": Float(1), "b": [Float(2)]}"#);
        let v = from_json("[1]");
        assert_eq!(
            format!("{v:?}"),
            r#"{"Error": String("json: cannot unmarshal array into Go value of type map[string]interface {}")}"#
        );
    }
}

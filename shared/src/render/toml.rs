//! `toToml` and `fromToml` as Helm provides them (BurntSushi/toml's encoder layout: plain keys first,
//! then `[tables]`, keys sorted).

use crate::template::Value;

/// `toToml`: BurntSushi/toml `Encode` of a map; the error's text for values TOML cannot hold.
pub fn to_toml(v: &Value) -> String {
    try_to_toml(v).unwrap_or_else(|e| e)
}

/// BurntSushi/toml `Encode` of a map (`mustToToml` fails with the error).
pub fn try_to_toml(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    match v.underlying() {
        Value::Map(m) => write_table(&mut out, &[], &m.borrow())?,
        other => return Err(format!("toml: top-level values must be Go maps or structs; got {}", other.type_name())),
    }
    Ok(out)
}

fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        quote(k)
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar(v: &Value) -> Result<Option<String>, String> {
    Ok(Some(match v.underlying() {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e16 {
                format!("{f:.1}")
            } else {
                crate::template::fmt::format_float_v(f)
            }
        }
        Value::String(s) => quote(&s),
        Value::List(l) => {
            let items = l.borrow();
            if items.iter().any(|i| matches!(i.underlying(), Value::Map(_))) {
                return Ok(None);
            }
            let mut parts = Vec::new();
            if items.iter().any(|i| matches!(i, Value::Nil | Value::Invalid)) {
                return Err("toml: cannot encode array with nil element".into());
            }
            for item in items.iter() {
                match scalar(item)? {
                    Some(s) => parts.push(s),
                    None => return Err("toml: cannot encode nested tables in arrays".into()),
                }
            }
            format!("[{}]", parts.join(", "))
        }
        Value::Map(_) => return Ok(None),
        Value::Nil | Value::Invalid => return Ok(None),
        other => quote(&crate::template::fmt::display(&other)),
    }))
}

fn write_table(out: &mut String, path: &[String], m: &crate::template::Map) -> Result<(), String> {
    let mut tables = Vec::new();
    for (k, v) in m {
        if matches!(v, Value::Nil | Value::Invalid) {
            continue;
        }
        match scalar(v)? {
            Some(s) => {
                out.push_str(&"  ".repeat(path.len()));
                out.push_str(&format!("{} = {}\n", key(k), s));
            }
            None => tables.push((k, v)),
        }
    }
    for (k, v) in tables {
        let mut sub = path.to_vec();
        sub.push(key(k));
        match v.underlying() {
            Value::Map(inner) => {
                // BurntSushi's eTable: a blank line only before a top-level table, and only when
                // something was written before it.
                if path.is_empty() && !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&"  ".repeat(path.len()));
                out.push_str(&format!("[{}]\n", sub.join(".")));
                write_table(out, &sub, &inner.borrow())?;
            }
            Value::List(items) => {
                for item in items.borrow().iter() {
                    if let Value::Map(inner) = item.underlying() {
                        // eArrayOfTables: a blank line before each entry once anything was written.
                        if !out.is_empty() {
                            out.push('\n');
                        }
                        out.push_str(&"  ".repeat(path.len()));
                        out.push_str(&format!("[[{}]]\n", sub.join(".")));
                        write_table(out, &sub, &inner.borrow())?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `fromToml`: a map, or `{Error: msg}` when the text is not TOML.
pub fn from_toml(text: &str) -> Value {
    match text.parse::<toml::Table>() {
        Ok(t) => Value::from_json(&toml_to_json(toml::Value::Table(t))),
        Err(e) => Value::map([("Error".to_string(), Value::string(parse_error_text(text, &e)))].into_iter().collect()),
    }
}

/// BurntSushi/toml's text (`toml: line N: …`) for the parse errors whose wording is known; the toml
/// crate's own message otherwise.
fn parse_error_text(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message();
    let start = e.span().map_or(text.len(), |s| s.start.min(text.len()));
    let line = |at: usize| text[..at].matches('\n').count() + 1;
    if msg.contains("expected `=`") {
        // lexKeyEnd: the first character after the key that is not a space or tab.
        let rest = &text[start..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        return match rest[skipped..].chars().next() {
            None => format!("toml: line {}: unexpected EOF; expected key separator '='", line(text.len())),
            Some(c) => format!(
                "toml: line {}: expected key separator '=', but got {} instead",
                line(start + skipped),
                go_rune_quote(c)
            ),
        };
    }
    msg.to_string()
}

/// Go's `%q` of a rune.
fn go_rune_quote(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '\\' => "'\\\\'".into(),
        '\n' => "'\\n'".into(),
        '\t' => "'\\t'".into(),
        '\r' => "'\\r'".into(),
        c if c.is_control() => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

fn toml_to_json(v: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map(J::Number).unwrap_or(J::Null),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Layout as Helm v4.1.4's toToml prints it (BurntSushi/toml v1.6.0, checked with the reference Helm);
    /// numbers are float64 as values files give them.
    #[test]
    fn table_layout_like_burntsushi() {
        let v = Value::from_json(&serde_json::json!({
            "a": {"x": 1.0, "b": {"c": 1.0}, "l": [{"e": 1.0}, {"e": 2.0}]}, "z": 1.0
        }));
        assert_eq!(
            to_toml(&v),
            "z = 1.0\n\n[a]\n  x = 1.0\n  [a.b]\n    c = 1.0\n\n  [[a.l]]\n    e = 1.0\n\n  [[a.l]]\n    e = 2.0\n"
        );
        let v = Value::from_json(&serde_json::json!({"mast": {"sail": "white"}}));
        assert_eq!(to_toml(&v), "[mast]\n  sail = \"white\"\n");
        assert!(try_to_toml(&Value::list(vec![])).is_err());
    }

    /// BurntSushi/toml's lexer errors (Helm's fromToml test: `one` gives this Error text).
    #[test]
    fn from_toml_errors_like_burntsushi() {
        let err = |t: &str| match from_toml(t) {
            Value::Map(m) => m.borrow().get("Error").and_then(Value::as_str).map(str::to_string).unwrap_or_default(),
            _ => String::new(),
        };
        assert_eq!(err("one"), "toml: line 1: unexpected EOF; expected key separator '='");
        assert_eq!(err("a = 1\nkey x"), "toml: line 2: expected key separator '=', but got 'x' instead");
    }
}

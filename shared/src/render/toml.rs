//! `toToml` and `fromToml` as Helm provides them (BurntSushi/toml's encoder layout: plain keys first,
//! then `[tables]`, keys sorted).

use crate::template::Value;

/// BurntSushi/toml `Encode` of a map; an error's text for values TOML cannot hold.
pub fn to_toml(v: &Value) -> String {
    let mut out = String::new();
    match v.underlying() {
        Value::Map(m) => {
            if let Err(e) = write_table(&mut out, &[], &m.borrow()) {
                return e;
            }
        }
        other => return format!("toml: top-level values must be Go maps or structs; got {}", other.type_name()),
    }
    out
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
                out.push('\n');
                out.push_str(&"  ".repeat(path.len()));
                out.push_str(&format!("[{}]\n", sub.join(".")));
                write_table(out, &sub, &inner.borrow())?;
            }
            Value::List(items) => {
                for item in items.borrow().iter() {
                    if let Value::Map(inner) = item.underlying() {
                        out.push('\n');
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
        Err(e) => Value::map([("Error".to_string(), Value::string(e.message().to_string()))].into_iter().collect()),
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

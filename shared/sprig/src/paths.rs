//! Sprig's path functions (Go's `path` and, on Linux, identical `path/filepath`) and network.go.

use crate::util::*;
use gotemplate::ArgType::String as Str;
use gotemplate::{FuncMap, Value};

pub fn register(m: &mut FuncMap) {
    for (name, f) in [("base", base as fn(&str) -> String), ("dir", dir), ("clean", clean), ("ext", ext)] {
        reg(m, name, &[Str], move |a| Ok(Value::string(f(&s(a, 0)))));
        let os = format!("os{}{}", name[..1].to_uppercase(), &name[1..]);
        reg(m, &os, &[Str], move |a| Ok(Value::string(f(&s(a, 0)))));
    }
    reg(m, "isAbs", &[Str], |a| Ok(Value::Bool(s(a, 0).starts_with('/'))));
    reg(m, "osIsAbs", &[Str], |a| Ok(Value::Bool(s(a, 0).starts_with('/'))));
    reg(m, "getHostByName", &[Str], |a| {
        use std::net::ToSocketAddrs;
        let name = s(a, 0);
        let addrs: Vec<String> = match (name.as_str(), 0).to_socket_addrs() {
            Ok(it) => it.map(|sa| sa.ip().to_string()).collect(),
            Err(_) => Vec::new(),
        };
        match addrs.first() {
            Some(first) => Ok(Value::string(first.clone())),
            None => Err("invalid argument to Intn".into()),
        }
    });
}

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    match t.rfind('/') {
        Some(i) => t[i + 1..].to_string(),
        None => t.to_string(),
    }
}

/// Go's `path.Dir`.
pub fn dir(p: &str) -> String {
    let i = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    clean(&p[..i])
}

/// Go's `path.Ext`.
pub fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

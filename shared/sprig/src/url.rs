//! Sprig's url.go: `urlParse` and `urlJoin` over a port of Go's net/url parsing and printing.

use crate::util::*;
use gotemplate::ArgType::{Map, String as Str};
use gotemplate::{FuncMap, Value};

#[derive(Default, Debug)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    fragment: String,
}

pub fn register(m: &mut FuncMap) {
    reg(m, "urlParse", &[Str], |a| {
        let u = parse(&s(a, 0)).map_err(|e| format!("unable to parse url: {e}"))?;
        let mut d = gotemplate::Map::new();
        let hostname = hostname(&u.host);
        d.insert("scheme".into(), Value::string(u.scheme.clone()));
        d.insert("host".into(), Value::string(u.host.clone()));
        d.insert("hostname".into(), Value::string(hostname));
        d.insert("path".into(), Value::string(u.path.clone()));
        d.insert("query".into(), Value::string(u.raw_query.clone()));
        d.insert("opaque".into(), Value::string(u.opaque.clone()));
        d.insert("fragment".into(), Value::string(u.fragment.clone()));
        d.insert("userinfo".into(), Value::string(u.user.as_ref().map(userinfo_string).unwrap_or_default()));
        Ok(Value::map(d))
    });
    reg(m, "urlJoin", &[Map], |a| {
        let d = map_arg(arg(a, 0)).unwrap_or_default();
        let d = d.borrow();
        let get = |k: &str| -> Result<String, String> {
            match d.get(k) {
                None => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.to_string()),
                Some(v) => {
                    let kind = kind_of(v)?;
                    Err(format!("unable to parse {k} key, must be of type string, but {kind} found"))
                }
            }
        };
        let mut u = Url {
            scheme: get("scheme")?,
            host: get("host")?,
            path: get("path")?,
            raw_query: get("query")?,
            opaque: get("opaque")?,
            fragment: get("fragment")?,
            user: None,
        };
        let userinfo = get("userinfo")?;
        if !userinfo.is_empty() {
            let t = parse(&format!("proto://{userinfo}@host")).map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
            u.user = t.user;
        }
        Ok(Value::string(to_string(&u)))
    });
}

fn hostname(host: &str) -> String {
    let (h, _) = split_host_port(host);
    if h.starts_with('[') {
        return h.trim_start_matches('[').split(']').next().unwrap_or("").to_string();
    }
    h.to_string()
}

fn split_host_port(host: &str) -> (&str, &str) {
    let colon = host.rfind(':');
    match colon {
        Some(i) if valid_port(&host[i..]) && !host[i..].contains(']') => {
            let h = &host[..i];
            (h, &host[i + 1..])
        }
        _ => (host, ""),
    }
}

fn valid_port(p: &str) -> bool {
    p.starts_with(':') && p[1..].bytes().all(|b| b.is_ascii_digit())
}

fn userinfo_string(u: &(String, Option<String>)) -> String {
    let mut s = escape(&u.0, Mode::UserPassword);
    if let Some(p) = &u.1 {
        s.push(':');
        s.push_str(&escape(p, Mode::UserPassword));
    }
    s
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if (mode == Mode::Host || mode == Mode::Zone)
        && matches!(c, b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'[' | b']' | b'<' | b'>' | b'"')
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => c == b'@' || c == b'/' || c == b'?' || c == b':',
                Mode::QueryComponent => true,
                Mode::Fragment => false,
                _ => true,
            }
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn escape(s: &str, mode: Mode) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::new();
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            if c == b' ' && mode == Mode::QueryComponent {
                out.push('+');
            } else {
                out.push('%');
                out.push(HEX[(c >> 4) as usize] as char);
                out.push(HEX[(c & 15) as usize] as char);
            }
        } else {
            out.push(c as char);
        }
    }
    out
}

fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                if i + 2 >= b.len() {
                    let rest = &s[i..];
                    return Err(format!("invalid URL escape {}", gotemplate::fmt::quote(&rest[..rest.len().min(3)])));
                }
                match (b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c))) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => {
                        let end = (i + 3).min(b.len());
                        return Err(format!("invalid URL escape {}", gotemplate::fmt::quote(&String::from_utf8_lossy(&b[i..end]))));
                    }
                }
            }
            b'+' if mode == Mode::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                if (mode == Mode::Host || mode == Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(format!("invalid character {} in host name", gotemplate::fmt::quote(&(c as char).to_string())));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `url.Parse`.
fn parse(raw: &str) -> Result<Url, String> {
    let wrap = |e: String| format!("parse {}: {e}", gotemplate::fmt::quote(raw));
    let (rest, frag) = match raw.find('#') {
        Some(i) => (&raw[..i], Some(&raw[i + 1..])),
        None => (raw, None),
    };
    let mut u = parse_no_frag(rest).map_err(wrap)?;
    if let Some(f) = frag {
        u.fragment = unescape(f, Mode::Fragment).map_err(wrap)?;
    }
    Ok(u)
}

fn parse_no_frag(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut u = Url::default();
    if raw.is_empty() {
        return Ok(u);
    }
    if raw == "*" {
        u.path = "*".into();
        return Ok(u);
    }
    // Scheme.
    let mut rest = raw;
    for (i, c) in raw.char_indices() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || c == '+' || c == '-' || c == '.' {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == ':' {
            if i == 0 {
                return Err("missing protocol scheme".into());
            }
            u.scheme = raw[..i].to_ascii_lowercase();
            rest = &raw[i + 1..];
        }
        break;
    }
    if let Some(q) = rest.find('?') {
        u.raw_query = rest[q + 1..].to_string();
        rest = &rest[..q];
    } else if rest.ends_with('?') {
        rest = &rest[..rest.len() - 1];
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            u.opaque = rest.to_string();
            return Ok(u);
        }
        if let Some(colon) = rest.find(':') {
            if rest.find('/').is_none_or(|sl| colon < sl) {
                return Err("first path segment in URL cannot contain colon".into());
            }
        }
    }
    if (!u.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let (user, host) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        if let Some(ui) = user {
            let (name, pass) = match ui.find(':') {
                Some(i) => (&ui[..i], Some(&ui[i + 1..])),
                None => (ui, None),
            };
            u.user = Some((
                unescape(name, Mode::UserPassword)?,
                pass.map(|p| unescape(p, Mode::UserPassword)).transpose()?,
            ));
        }
        u.host = parse_host(host)?;
        rest = path;
    }
    u.path = unescape(rest, Mode::Path)?;
    Ok(u)
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else { return Err("missing ']' in host".into()) };
        let port = &host[i + 1..];
        if !port.is_empty() && !valid_port(port) {
            return Err(format!("invalid port {} after host", gotemplate::fmt::quote(port)));
        }
        return unescape(host, Mode::Zone);
    }
    if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_port(port) {
            return Err(format!("invalid port {} after host", gotemplate::fmt::quote(port)));
        }
    }
    unescape(host, Mode::Host)
}

/// Go's `URL.String()`.
fn to_string(u: &Url) -> String {
    let mut out = String::new();
    if !u.scheme.is_empty() {
        out.push_str(&u.scheme);
        out.push(':');
    }
    if !u.opaque.is_empty() {
        out.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                out.push_str("//");
            }
            if let Some(ui) = &u.user {
                out.push_str(&userinfo_string(ui));
                out.push('@');
            }
            if !u.host.is_empty() {
                out.push_str(&escape(&u.host, Mode::Host));
            }
        }
        let path = escape(&u.path, Mode::Path);
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            out.push('/');
        }
        if out.is_empty() {
            if let Some(seg_end) = path.find('/').or(Some(path.len())) {
                if path[..seg_end].contains(':') {
                    out.push_str("./");
                }
            }
        }
        out.push_str(&path);
    }
    if !u.raw_query.is_empty() {
        out.push('?');
        out.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        out.push('#');
        out.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    out
}

//! The few pieces of Go's `net/url` that chart repositories depend on: parsing, `ResolveReference`,
//! `String`, and Helm's `urlutil.Equal` / `URLJoin` / `ResolveReferenceURL`.
//!
//! Paths are kept in their escaped (raw) form, as Go's `EscapedPath` gives them back, so a URL
//! written in an index.yaml comes out as it went in.

use std::fmt;

/// A parsed URL, shaped like Go's `url.URL` (scheme lower-cased, userinfo and host kept raw).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoUrl {
    pub scheme: String,
    /// Set for `scheme:opaque` URLs (no `//` after the scheme).
    pub opaque: String,
    /// Raw `user[:password]`, without the `@`; `None` when the URL has no userinfo.
    pub user: Option<String>,
    /// `host[:port]` as written.
    pub host: String,
    /// The escaped path.
    pub path: String,
    pub raw_query: String,
    pub force_query: bool,
    pub fragment: Option<String>,
}

/// A URL that Go's `url.Parse` would reject, with Go's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError(pub String);

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_err(op_url: &str, why: &str) -> UrlError {
    UrlError(format!("parse {}: {}", go_quote(op_url), why))
}

fn go_quote(s: &str) -> String {
    crate::chart::metadata_quote(s)
}

fn valid_percent(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
            if !ok {
                let end = (i + 3).min(b.len());
                return Err(format!("invalid URL escape {}", go_quote(&s[i..end])));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

impl GoUrl {
    /// Go's `url.Parse`.
    pub fn parse(raw: &str) -> Result<GoUrl, UrlError> {
        let (rest, fragment) = match raw.split_once('#') {
            Some((a, f)) => (a, Some(f.to_string())),
            None => (raw, None),
        };
        if let Some(f) = &fragment {
            valid_percent(f).map_err(|e| parse_err(raw, &e))?;
        }
        let mut u = Self::parse_no_fragment(rest, true).map_err(|e| parse_err(raw, &e))?;
        u.fragment = fragment;
        Ok(u)
    }

    /// Go's `url.ParseRequestURI`: an absolute URL or an absolute path, no fragment.
    pub fn parse_request_uri(raw: &str) -> Result<GoUrl, UrlError> {
        Self::parse_no_fragment(raw, false).map_err(|e| parse_err(raw, &e))
    }

    fn parse_no_fragment(raw: &str, via_request: bool) -> Result<GoUrl, String> {
        if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err("net/url: invalid control character in URL".into());
        }
        if raw.is_empty() && !via_request {
            return Err("empty url".into());
        }
        let mut u = GoUrl::default();
        if raw == "*" {
            u.path = "*".into();
            return Ok(u);
        }
        let (scheme, mut rest) = get_scheme(raw)?;
        u.scheme = scheme.to_ascii_lowercase();
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            u.force_query = true;
            rest = &rest[..rest.len() - 1];
        } else if let Some((a, q)) = rest.split_once('?') {
            u.raw_query = q.to_string();
            rest = a;
        }
        if !rest.starts_with('/') {
            if !u.scheme.is_empty() {
                u.opaque = rest.to_string();
                return Ok(u);
            }
            if !via_request {
                return Err("invalid URI for request".into());
            }
            if let Some(colon) = rest.find(':') {
                if rest.find('/').is_none_or(|slash| colon < slash) {
                    return Err("first path segment in URL cannot contain colon".into());
                }
            }
        }
        if (!u.scheme.is_empty() || !via_request && !rest.starts_with("///")) && rest.starts_with("//") {
            let after = &rest[2..];
            let (authority, path) = match after.find('/') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            };
            let (user, host) = match authority.rfind('@') {
                Some(i) => (Some(authority[..i].to_string()), &authority[i + 1..]),
                None => (None, authority),
            };
            check_host(host)?;
            u.user = user;
            u.host = host.to_string();
            rest = path;
        } else if !u.scheme.is_empty() && rest.starts_with("//") {
            let after = &rest[2..];
            let (authority, path) = match after.find('/') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            };
            check_host(authority)?;
            u.host = authority.to_string();
            rest = path;
        }
        valid_percent(rest)?;
        u.path = rest.to_string();
        Ok(u)
    }

    /// Go's `IsAbs`: has a scheme.
    pub fn is_abs(&self) -> bool {
        !self.scheme.is_empty()
    }

    /// Go's `Hostname()`: the host without port or IPv6 brackets.
    pub fn hostname(&self) -> &str {
        let h = &self.host;
        if let Some(rest) = h.strip_prefix('[') {
            return rest.split(']').next().unwrap_or("");
        }
        match h.rfind(':') {
            Some(i) => &h[..i],
            None => h,
        }
    }

    /// Go's `ResolveReference` (RFC 3986 §5.2, Go's dot-segment removal).
    pub fn resolve_reference(&self, r: &GoUrl) -> GoUrl {
        let mut url = r.clone();
        if r.scheme.is_empty() {
            url.scheme = self.scheme.clone();
        }
        if !r.scheme.is_empty() || !r.host.is_empty() || r.user.is_some() {
            url.path = resolve_path(&r.escaped_path(), "");
            return url;
        }
        if !r.opaque.is_empty() {
            url.user = None;
            url.host.clear();
            url.path.clear();
            return url;
        }
        if r.path.is_empty() && !r.force_query && r.raw_query.is_empty() {
            url.raw_query = self.raw_query.clone();
            if r.fragment.is_none() {
                url.fragment = self.fragment.clone();
            }
        }
        if r.path.is_empty() && !self.opaque.is_empty() {
            url.opaque = self.opaque.clone();
            url.user = None;
            url.host.clear();
            url.path.clear();
            return url;
        }
        url.host = self.host.clone();
        url.user = self.user.clone();
        url.path = resolve_path(&self.escaped_path(), &r.escaped_path());
        url
    }

    /// Go's `EscapedPath`: the raw path when it is a valid encoding, else the path re-escaped.
    pub fn escaped_path(&self) -> String {
        let mut out = String::with_capacity(self.path.len());
        for c in self.path.chars() {
            if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@[]/%".contains(c) {
                out.push(c);
            } else {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
        out
    }
}

impl fmt::Display for GoUrl {
    /// Go's `URL.String`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.scheme.is_empty() {
            write!(f, "{}:", self.scheme)?;
        }
        if !self.opaque.is_empty() {
            f.write_str(&self.opaque)?;
        } else {
            let path = self.escaped_path();
            if !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some() {
                if !self.host.is_empty() || !path.is_empty() || self.user.is_some() {
                    f.write_str("//")?;
                }
                if let Some(u) = &self.user {
                    write!(f, "{u}@")?;
                }
                f.write_str(&self.host)?;
            }
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                f.write_str("/")?;
            }
            if self.host.is_empty() && self.scheme.is_empty() {
                // A relative path whose first segment has a colon gets "./" (Go does the same).
                if let Some(colon) = path.find(':') {
                    if path.find('/').is_none_or(|s| colon < s) {
                        f.write_str("./")?;
                    }
                }
            }
            f.write_str(&path)?;
        }
        if self.force_query || !self.raw_query.is_empty() {
            write!(f, "?{}", self.raw_query)?;
        }
        if let Some(fr) = &self.fragment {
            write!(f, "#{fr}")?;
        }
        Ok(())
    }
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || c == b'+' || c == b'-' || c == b'.' {
            if i == 0 {
                return Ok(("", raw));
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err("missing protocol scheme".into());
            }
            return Ok((&raw[..i], &raw[i + 1..]));
        }
        return Ok(("", raw));
    }
    Ok(("", raw))
}

fn check_host(host: &str) -> Result<(), String> {
    if host.starts_with('[') {
        if !host.contains(']') {
            return Err("missing ']' in host".into());
        }
        return Ok(());
    }
    if let Some(i) = host.rfind(':') {
        let port = &host[i + 1..];
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("invalid port {} after host", go_quote(&host[i..])));
        }
    }
    valid_percent(host)
}

/// Go's `resolvePath`: merge `r` onto `base` and remove dot segments.
pub fn resolve_path(base: &str, r: &str) -> String {
    let full = if r.is_empty() {
        base.to_string()
    } else if !r.starts_with('/') {
        let i = base.rfind('/').map(|i| i + 1).unwrap_or(0);
        format!("{}{}", &base[..i], r)
    } else {
        r.to_string()
    };
    if full.is_empty() {
        return String::new();
    }
    let mut dst = String::with_capacity(full.len() + 1);
    dst.push('/');
    let mut first = true;
    let mut last = "";
    for elem in full.split('/') {
        last = elem;
        match elem {
            "." => first = false,
            ".." => {
                match dst[1..].rfind('/') {
                    Some(i) => dst.truncate(i + 1),
                    None => dst.truncate(1),
                }
                first = dst.len() == 1;
            }
            _ => {
                if !first {
                    dst.push('/');
                }
                dst.push_str(elem);
                first = false;
            }
        }
    }
    if last == "." || last == ".." {
        dst.push('/');
    }
    if dst.len() > 1 && dst.as_bytes()[1] == b'/' {
        dst.remove(0);
    }
    dst
}

/// Helm's `repo.ResolveReferenceURL`: `ref` as is when absolute, else resolved against `base` taken as a
/// folder (a trailing `/` added), keeping `base`'s query.
pub fn resolve_reference_url(base: &str, reference: &str) -> Result<String, String> {
    let r = GoUrl::parse(reference).map_err(|e| format!("failed to parse {reference} as URL: {e}"))?;
    if r.is_abs() {
        return Ok(reference.to_string());
    }
    let mut b = GoUrl::parse(base).map_err(|e| format!("failed to parse {base} as URL: {e}"))?;
    // Go trims one trailing slash, then adds one: the base is always a folder.
    let p = b.path.strip_suffix('/').unwrap_or(&b.path).to_string();
    b.path = format!("{p}/");
    let mut resolved = b.resolve_reference(&r);
    resolved.raw_query = b.raw_query.clone();
    Ok(resolved.to_string())
}

/// Helm's `urlutil.Equal`: both parsed, an empty path read as `/`, paths cleaned, then compared.
pub fn urls_equal(a: &str, b: &str) -> bool {
    let au = match GoUrl::parse(a) {
        Ok(u) => u,
        Err(_) => return go_clean(a) == go_clean(b),
    };
    let bu = match GoUrl::parse(b) {
        Ok(u) => u,
        Err(_) => return false,
    };
    let norm = |mut u: GoUrl| {
        if u.path.is_empty() {
            u.path = "/".into();
        }
        u.path = go_clean(&u.path);
        u.to_string()
    };
    norm(au) == norm(bu)
}

/// Helm's `urlutil.URLJoin`: `path.Join` of the base URL's path and the parts.
pub fn url_join(base: &str, parts: &[&str]) -> Result<String, UrlError> {
    let mut u = GoUrl::parse(base)?;
    let mut all = vec![u.path.as_str()];
    all.extend_from_slice(parts);
    let joined: Vec<&str> = all.into_iter().filter(|s| !s.is_empty()).collect();
    u.path = if joined.is_empty() { String::new() } else { go_clean(&joined.join("/")) };
    Ok(u.to_string())
}

/// Go's `path.Clean`: lexical clean-up of a `/`-separated path.
pub fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_helm() {
        let r = |b: &str, x: &str| resolve_reference_url(b, x).unwrap();
        assert_eq!(r("http://h/charts", "foo-1.0.0.tgz"), "http://h/charts/foo-1.0.0.tgz");
        assert_eq!(r("http://h/charts/", "foo-1.0.0.tgz"), "http://h/charts/foo-1.0.0.tgz");
        assert_eq!(r("http://h/charts/", "../x/foo.tgz"), "http://h/x/foo.tgz");
        assert_eq!(r("http://h/charts/", "/abs/foo.tgz"), "http://h/abs/foo.tgz");
        assert_eq!(r("http://h/charts?token=1", "foo.tgz"), "http://h/charts/foo.tgz?token=1");
        assert_eq!(r("http://h:8080", "foo.tgz"), "http://h:8080/foo.tgz");
        assert_eq!(r("http://h/charts", "https://other/foo.tgz"), "https://other/foo.tgz");
        assert_eq!(r("http://h/a b/", "c d.tgz"), "http://h/a%20b/c%20d.tgz");
        assert_eq!(r("http://u:p@h/charts", "x.tgz"), "http://u:p@h/charts/x.tgz");
    }

    #[test]
    fn equal_normalises_paths() {
        assert!(urls_equal("http://h/charts", "http://h/charts/"));
        assert!(urls_equal("http://h", "http://h/"));
        assert!(urls_equal("http://h/a/../charts", "http://h/charts"));
        assert!(!urls_equal("http://h/charts", "https://h/charts"));
        assert!(!urls_equal("http://h/charts", "http://h/charts2"));
    }

    #[test]
    fn parse_errors() {
        assert!(GoUrl::parse("http://h:xx/").is_err());
        assert!(GoUrl::parse(":foo").is_err());
        assert!(GoUrl::parse("http://h/%zz").is_err());
        assert!(GoUrl::parse("http://h/\n").is_err());
        assert!(GoUrl::parse_request_uri("stable").is_err());
        assert!(GoUrl::parse_request_uri("https://x/y").is_ok());
        assert!(GoUrl::parse_request_uri("/abs/path").is_ok());
        assert_eq!(GoUrl::parse("http://[::1]:80/x").unwrap().hostname(), "::1");
        assert_eq!(GoUrl::parse("http://h:80/x").unwrap().hostname(), "h");
    }

    #[test]
    fn joins() {
        assert_eq!(url_join("http://h/a/", &["b.tgz"]).unwrap(), "http://h/a/b.tgz");
        assert_eq!(url_join("http://h", &["b.tgz"]).unwrap(), "http://h/b.tgz");
    }
}

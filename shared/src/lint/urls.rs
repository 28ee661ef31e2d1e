//! The URL and e-mail checks lint applies to Chart.yaml: govalidator's `IsRequestURL`, `IsURL` and
//! `IsEmail`, over a port of the parts of Go's `net/url` parser they depend on.

use regex::Regex;
use std::sync::OnceLock;

/// What Go's `url.Parse` found, as far as the validators look.
struct GoUrl {
    scheme: String,
    host: String,
    path: String,
}

/// `govalidator.IsRequestURL`: `url.ParseRequestURI` succeeds and finds a scheme.
pub fn is_request_url(raw: &str) -> bool {
    matches!(parse(raw, true), Ok(u) if !u.scheme.is_empty())
}

/// `govalidator.IsURL`.
pub fn is_url(s: &str) -> bool {
    let runes = s.chars().count();
    if s.is_empty() || runes >= 2083 || s.len() <= 3 || s.starts_with('.') {
        return false;
    }
    let mut tmp = s.to_string();
    if s.contains(':') && !s.contains("://") {
        tmp = format!("http://{s}");
    }
    // url.Parse (not the request form): the fragment is cut off first.
    let (before, frag) = match tmp.split_once('#') {
        Some((a, b)) => (a.to_string(), Some(b.to_string())),
        None => (tmp.clone(), None),
    };
    let u = match parse(&before, false) {
        Ok(u) => u,
        Err(()) => return false,
    };
    if let Some(f) = frag {
        if unescape(&f, Mode::Fragment).is_err() {
            return false;
        }
    }
    if u.host.starts_with('.') {
        return false;
    }
    if u.host.is_empty() && !u.path.is_empty() && !u.path.contains('.') {
        return false;
    }
    url_regex().is_match(s)
}

/// `govalidator.IsEmail`.
pub fn is_email(s: &str) -> bool {
    email_regex().is_match(s)
}

/// govalidator's `Email` pattern (Go's ASCII `\d` spelled out).
const EMAIL_PATTERN: &str = r#"^(((([a-zA-Z]|[0-9]|[!#\$%&'\*\+\-\/=\?\^_`{\|}~]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])+(\.([a-zA-Z]|[0-9]|[!#\$%&'\*\+\-\/=\?\^_`{\|}~]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])+)*)|((\x22)((((\x20|\x09)*(\x0d\x0a))?(\x20|\x09)+)?(([\x01-\x08\x0b\x0c\x0e-\x1f\x7f]|\x21|[\x23-\x5b]|[\x5d-\x7e]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])|(\([\x01-\x09\x0b\x0c\x0d-\x7f]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}]))))*(((\x20|\x09)*(\x0d\x0a))?(\x20|\x09)+)?(\x22)))@((([a-zA-Z]|[0-9]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])|(([a-zA-Z]|[0-9]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])([a-zA-Z]|[0-9]|-|\.|_|~|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])*([a-zA-Z]|[0-9]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])))\.)+(([a-zA-Z]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])|(([a-zA-Z]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])([a-zA-Z]|[0-9]|-|_|~|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])*([a-zA-Z]|[\x{00A0}-\x{D7FF}\x{F900}-\x{FDCF}\x{FDF0}-\x{FFEF}])))\.?$"#;

/// govalidator's `URL` pattern, assembled as in patterns.go (Go's ASCII `\d`, `\s`, `\S` spelled out).
const URL_PATTERN: &str = r#"^((ftp|tcp|udp|wss?|https?):\/\/)?([^\t\n\f\r ]+(:[^\t\n\f\r ]*)?@)?((([1-9][0-9]?|1[0-9][0-9]|2[01][0-9]|22[0-3]|24[0-9]|25[0-5])(\.([0-9]{1,2}|1[0-9][0-9]|2[0-4][0-9]|25[0-5])){2}(?:\.([0-9][0-9]?|1[0-9][0-9]|2[0-4][0-9]|25[0-5]))|(\[(([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))\])|(([a-zA-Z0-9]([a-zA-Z0-9-_]+)?[a-zA-Z0-9]([-\.][a-zA-Z0-9]+)*)|(((www\.)|([a-zA-Z0-9]+([-_\.]?[a-zA-Z0-9])*[a-zA-Z0-9]\.[a-zA-Z0-9]+))?))?(([a-zA-Z\x{00a1}-\x{ffff}0-9]+-?-?)*[a-zA-Z\x{00a1}-\x{ffff}0-9]+)(?:\.([a-zA-Z\x{00a1}-\x{ffff}]{1,}))?))\.?(:([0-9]{1,5}))?((\/|\?|#)[^\t\n\f\r ]*)?$"#;

fn url_regex() -> &'static Regex {
    static RX: OnceLock<Regex> = OnceLock::new();
    RX.get_or_init(|| Regex::new(URL_PATTERN).unwrap_or_else(|_| Regex::new("^$").expect("empty regex")))
}

fn email_regex() -> &'static Regex {
    static RX: OnceLock<Regex> = OnceLock::new();
    RX.get_or_init(|| Regex::new(EMAIL_PATTERN).unwrap_or_else(|_| Regex::new("^$").expect("empty regex")))
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// Go's `url.parse(rawURL, viaRequest)`, reduced to success or failure plus scheme, host and path.
fn parse(raw: &str, via_request: bool) -> Result<GoUrl, ()> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(());
    }
    if raw.is_empty() && via_request {
        return Err(());
    }
    if raw == "*" {
        return Ok(GoUrl { scheme: String::new(), host: String::new(), path: "*".into() });
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    let scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((before, _query)) = rest.split_once('?') {
        rest = before;
    }
    if !rest.starts_with('/') {
        if !scheme.is_empty() {
            // A rootless path: opaque.
            return Ok(GoUrl { scheme, host: String::new(), path: String::new() });
        }
        if via_request {
            return Err(());
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err(());
        }
    }
    let mut host = String::new();
    if (!scheme.is_empty() || !via_request && !rest.starts_with("///")) && rest.starts_with("//") {
        let authority_and_rest = &rest[2..];
        let (authority, after) = match authority_and_rest.find('/') {
            Some(i) => (&authority_and_rest[..i], &authority_and_rest[i..]),
            None => (authority_and_rest, ""),
        };
        host = parse_authority(authority)?;
        rest = after;
    }
    let path = unescape(rest, Mode::Path)?;
    Ok(GoUrl { scheme, host, path })
}

fn get_scheme(raw: &str) -> Result<(&str, &str), ()> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err(());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(authority: &str) -> Result<String, ()> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let host = parse_host(host)?;
    if let Some(u) = userinfo {
        if !valid_userinfo(u) {
            return Err(());
        }
        match u.split_once(':') {
            Some((user, pass)) => {
                unescape(user, Mode::UserPassword)?;
                unescape(pass, Mode::UserPassword)?;
            }
            None => {
                unescape(u, Mode::UserPassword)?;
            }
        }
    }
    Ok(host)
}

fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|r| {
        r.is_ascii_alphanumeric()
            || matches!(r, '-' | '.' | '_' | ':' | '~' | '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '=' | '%' | '@')
            || !r.is_ascii()
    })
}

fn parse_host(host: &str) -> Result<String, ()> {
    if host.starts_with('[') {
        let i = host.rfind(']').ok_or(())?;
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(());
        }
        let inner = &host[..=i];
        if let Some(zone) = inner.find("%25") {
            let h1 = unescape(&inner[..zone], Mode::Host)?;
            let h2 = unescape(&inner[zone..i], Mode::Zone)?;
            let h3 = unescape(&inner[i..], Mode::Host)?;
            return Ok(h1 + &h2 + &h3 + colon_port);
        }
        // Go also checks the bracketed text is an IPv6 address.
        let addr = &inner[1..inner.len() - 1];
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(());
        }
    } else if let Some(i) = host.rfind(':') {
        if !valid_optional_port(&host[i..]) {
            return Err(());
        }
    }
    unescape(host, Mode::Host)
}

fn valid_optional_port(port: &str) -> bool {
    if port.is_empty() {
        return true;
    }
    match port.strip_prefix(':') {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn unhex(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Go's `shouldEscape` for the modes unescape consults.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host || mode == Mode::Zone {
        if matches!(c, b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'[' | b']' | b'<' | b'>' | b'"') {
            return false;
        }
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => c == b'?',
            Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => false,
            _ => true,
        },
        _ => {
            if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
                return false;
            }
            true
        }
    }
}

/// Go's `unescape`: validates percent escapes (and host characters); returns the decoded text.
fn unescape(s: &str, mode: Mode) -> Result<String, ()> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                if i + 2 >= b.len() || !is_hex(b[i + 1]) || !is_hex(b[i + 2]) {
                    return Err(());
                }
                if mode == Mode::Host && unhex(b[i + 1]) < 8 && &s[i..i + 3] != "%25" {
                    return Err(());
                }
                if mode == Mode::Zone {
                    let v = unhex(b[i + 1]) << 4 | unhex(b[i + 2]);
                    if &s[i..i + 3] != "%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(());
                    }
                }
                i += 3;
            }
            c => {
                if (mode == Mode::Host || mode == Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(());
                }
                i += 1;
            }
        }
    }
    // The decoded text only matters for emptiness and '.'-checks, where escapes rarely appear.
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls() {
        assert!(is_request_url("https://example.com/icon.png"));
        assert!(is_request_url("http://a"));
        assert!(is_request_url("mailto:x@y"));
        assert!(!is_request_url("example.com/icon.png"));
        assert!(!is_request_url(""));
        assert!(!is_request_url("://x"));
        assert!(!is_request_url("http://exa mple.com"));
        assert!(!is_request_url("http://host:port/"));
        assert!(is_request_url("file:///etc"));
    }

    #[test]
    fn urls_and_emails() {
        assert!(is_url("https://github.com/helm"));
        assert!(is_url("example.com"));
        assert!(!is_url("not a url"));
        assert!(!is_url("abc"));
        assert!(is_email("maintainer@example.com"));
        assert!(!is_email("maintainer"));
        assert!(!is_email("a@b"));
        assert!(is_email("helm@example.com"));
    }

    #[test]
    fn patterns_compile() {
        assert!(Regex::new(URL_PATTERN).is_ok());
        assert!(Regex::new(EMAIL_PATTERN).is_ok());
    }
}

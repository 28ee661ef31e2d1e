//! The two semver questions the loader asks (Masterminds/semver v3 semantics), kept small and private
//! until the workspace's `gosemver` crate is complete: is a chart version valid (`NewVersion` with
//! coercion), and does a version satisfy a dependency's range (`IsCompatibleRange`).

#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

fn ident_ok(s: &str) -> bool {
    all(s, |b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Masterminds `NewVersion` (CoerceNewVersion = true): the loose regex, u64 segments, prerelease and
/// metadata identifiers checked.
fn parse_version(v: &str) -> Option<Version> {
    let s = v.strip_prefix('v').unwrap_or(v);
    let (s, meta) = match s.split_once('+') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let (core, pre) = match s.split_once('-') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let mut nums = core.split('.');
    let mut seg = || -> Option<Option<u64>> {
        match nums.next() {
            None => Some(None),
            Some(x) if all(x, |b| b.is_ascii_digit()) => x.parse::<u64>().ok().map(Some),
            Some(_) => None,
        }
    };
    let major = seg()??;
    let minor = seg()?.unwrap_or(0);
    let patch = seg()?.unwrap_or(0);
    if nums.next().is_some() {
        return None;
    }
    if let Some(p) = pre {
        for part in p.split('.') {
            if !ident_ok(part) {
                return None;
            }
            if all(part, |b| b.is_ascii_digit()) && part.len() > 1 && part.starts_with('0') {
                return None;
            }
        }
    }
    if let Some(m) = meta {
        if !m.split('.').all(ident_ok) {
            return None;
        }
    }
    Some(Version { major, minor, patch, pre: pre.unwrap_or("").to_string() })
}

/// Whether `v` parses as Masterminds' `semver.NewVersion` accepts it.
pub(crate) fn is_valid_version(v: &str) -> bool {
    parse_version(v).is_some()
}

fn cmp_pre(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Equal,
        (true, false) => return Greater,
        (false, true) => return Less,
        _ => {}
    }
    let (mut x, mut y) = (a.split('.'), b.split('.'));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Equal,
            (None, Some(_)) => return Less,
            (Some(_), None) => return Greater,
            (Some(p), Some(q)) => {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(i), Ok(j)) => i.cmp(&j),
                    (Ok(_), Err(_)) => Less,
                    (Err(_), Ok(_)) => Greater,
                    _ => p.cmp(q),
                };
                if o != Equal {
                    return o;
                }
            }
        }
    }
}

fn cmp(a: &Version, b: &Version) -> std::cmp::Ordering {
    (a.major, a.minor, a.patch).cmp(&(b.major, b.minor, b.patch)).then_with(|| cmp_pre(&a.pre, &b.pre))
}

/// One constraint version with wildcard information.
struct Bound {
    v: Version,
    /// Number of segments given without a wildcard (0..=3).
    exact: usize,
}

fn parse_bound(s: &str) -> Option<Bound> {
    let s = s.strip_prefix('v').unwrap_or(s);
    if s.is_empty() {
        return None;
    }
    let (core, rest) = match s.find(['-', '+']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return None;
    }
    let mut nums = [0u64; 3];
    let mut exact = 0;
    for (i, p) in parts.iter().enumerate() {
        if matches!(*p, "x" | "X" | "*") {
            break;
        }
        nums[i] = p.parse().ok()?;
        exact = i + 1;
    }
    let pre = rest.strip_prefix('-').map(|p| p.split('+').next().unwrap_or("")).unwrap_or("");
    Some(Bound { v: Version { major: nums[0], minor: nums[1], patch: nums[2], pre: pre.to_string() }, exact })
}

fn bump(b: &Bound, at: usize) -> Version {
    let v = &b.v;
    match at {
        0 => Version { major: v.major + 1, minor: 0, patch: 0, pre: String::new() },
        1 => Version { major: v.major, minor: v.minor + 1, patch: 0, pre: String::new() },
        _ => Version { major: v.major, minor: v.minor, patch: v.patch + 1, pre: String::new() },
    }
}

fn check_one(op: &str, b: &Bound, v: &Version) -> bool {
    use std::cmp::Ordering::*;
    // A prerelease version only satisfies constraints that name a prerelease.
    if !v.pre.is_empty() && b.v.pre.is_empty() {
        return false;
    }
    let c = cmp(v, &b.v);
    let in_wild = |b: &Bound| b.exact == 0 || (b.exact < 3 && c != Less && cmp(v, &bump(b, b.exact - 1)) == Less);
    match op {
        "" | "=" => {
            if b.exact < 3 {
                in_wild(b)
            } else {
                c == Equal
            }
        }
        "!=" => {
            if b.exact < 3 {
                !in_wild(b)
            } else {
                c != Equal
            }
        }
        ">" => {
            if b.exact == 0 {
                false
            } else if b.exact < 3 {
                cmp(v, &bump(b, b.exact - 1)) != Less
            } else {
                c == Greater
            }
        }
        ">=" | "=>" => c != Less,
        "<" => c == Less,
        "<=" | "=<" => {
            if b.exact == 0 {
                true
            } else if b.exact < 3 {
                cmp(v, &bump(b, b.exact - 1)) == Less
            } else {
                c != Greater
            }
        }
        "~" | "~>" => c != Less && cmp(v, &bump(b, if b.exact <= 1 { 0 } else { 1 })) == Less,
        "^" => {
            let at = if b.v.major > 0 || b.exact <= 1 {
                0
            } else if b.v.minor > 0 || b.exact == 2 {
                1
            } else {
                2
            };
            c != Less && cmp(v, &bump(b, at)) == Less
        }
        _ => false,
    }
}

fn split_op(s: &str) -> (&str, &str) {
    for op in ["!=", ">=", "=>", "<=", "=<", "~>", ">", "<", "=", "~", "^"] {
        if let Some(rest) = s.strip_prefix(op) {
            return (op, rest.trim());
        }
    }
    ("", s)
}

/// Helm's `IsCompatibleRange(constraint, version)`: false when either does not parse.
pub(crate) fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Some(v) = parse_version(version) else { return false };
    if constraint.trim().is_empty() {
        return false;
    }
    'or: for group in constraint.split("||") {
        // Join operators with their versions, then split on commas and spaces.
        let mut tokens: Vec<String> = Vec::new();
        let mut pending = String::new();
        for t in group.split([',', ' ']).filter(|t| !t.is_empty()) {
            if matches!(t, "!=" | ">=" | "=>" | "<=" | "=<" | "~>" | ">" | "<" | "=" | "~" | "^") {
                pending.push_str(t);
                continue;
            }
            tokens.push(format!("{}{}", pending, t));
            pending.clear();
        }
        if !pending.is_empty() || tokens.is_empty() {
            return false;
        }
        let mut i = 0;
        while i < tokens.len() {
            // Hyphen range "a - b".
            if i + 2 < tokens.len() && tokens[i + 1] == "-" {
                let (Some(lo), Some(hi)) = (parse_bound(&tokens[i]), parse_bound(&tokens[i + 2])) else { return false };
                if !(check_one(">=", &lo, &v) && check_one("<=", &hi, &v)) {
                    continue 'or;
                }
                i += 3;
                continue;
            }
            let (op, rest) = split_op(&tokens[i]);
            let Some(b) = parse_bound(rest) else { return false };
            if !check_one(op, &b, &v) {
                continue 'or;
            }
            i += 1;
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        for ok in ["1.0.0", "v1", "1.2", "0.1.0-alpha.1+b", "1.0.0-0a", "01.2.3"] {
            assert!(is_valid_version(ok), "{ok}");
        }
        for bad in ["", "one", "1.0.0-01", "1.0.0.0", "1.0.0+", "1..0"] {
            assert!(!is_valid_version(bad), "{bad}");
        }
    }

    #[test]
    fn ranges() {
        let t = |c, v| is_compatible_range(c, v);
        assert!(t("1.2.3", "1.2.3"));
        assert!(t("^1.2.0", "1.9.0"));
        assert!(!t("^1.2.0", "2.0.0"));
        assert!(t("~1.2.0", "1.2.9"));
        assert!(!t("~1.2.0", "1.3.0"));
        assert!(t(">=1.0.0 <2.0.0", "1.5.0"));
        assert!(t(">= 1.0.0, < 2.0.0", "1.5.0"));
        assert!(t("1.x", "1.5.0"));
        assert!(t("*", "3.0.0"));
        assert!(!t("*", "3.0.0-beta"));
        assert!(t("1.0 - 2.0", "1.5.0"));
        assert!(t("<1.0.0 || >=2.0.0", "2.1.0"));
        assert!(!t("", "1.0.0"));
        assert!(t("^0.1.0", "0.1.5"));
        assert!(!t("^0.1.0", "0.2.0"));
    }
}

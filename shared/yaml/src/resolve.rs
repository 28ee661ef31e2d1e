//! yaml.v2's implicit tag resolution (resolve.go): YAML 1.1 bools, nulls, ints (Go ParseInt base 0),
//! floats, timestamps and merge keys, plus the base-60 check the encoder quotes for.

use crate::gonum::{parse_float, parse_int0, parse_uint0};

pub const STR: &str = "tag:yaml.org,2002:str";
pub const BOOL: &str = "tag:yaml.org,2002:bool";
pub const INT: &str = "tag:yaml.org,2002:int";
pub const FLOAT: &str = "tag:yaml.org,2002:float";
pub const NULL: &str = "tag:yaml.org,2002:null";
pub const TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
pub const BINARY: &str = "tag:yaml.org,2002:binary";
pub const MERGE: &str = "tag:yaml.org,2002:merge";

/// A resolved plain scalar, as the Go value yaml.v2 produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str,
    Timestamp,
    Merge,
}

pub fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(r) => format!("!!{}", r),
        None => tag.to_string(),
    }
}

fn resolvable(tag: &str) -> bool {
    matches!(tag, "" | STR | BOOL | INT | FLOAT | NULL | TIMESTAMP)
}

fn lookup(s: &str) -> Option<(&'static str, Resolved)> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => (BOOL, Resolved::Bool(true)),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            (BOOL, Resolved::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => (NULL, Resolved::Null),
        ".nan" | ".NaN" | ".NAN" => (FLOAT, Resolved::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => (FLOAT, Resolved::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => (FLOAT, Resolved::Float(f64::NEG_INFINITY)),
        "<<" => (MERGE, Resolved::Merge),
        _ => return None,
    })
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// resolve(tag, in): the resolved tag and value, or yaml.v2's "cannot decode" failure text.
pub fn resolve(tag: &str, s: &str) -> Result<(&'static str, Resolved), String> {
    if !resolvable(tag) {
        // Not resolvable: yaml.v2 returns the tag itself with the string; callers treat it as a string.
        return Ok(("", Resolved::Str));
    }
    let (rtag, out) = resolve_inner(tag, s);
    match tag {
        "" | STR | BINARY => return Ok((rtag, out)),
        _ => {}
    }
    if tag == rtag {
        return Ok((rtag, out));
    }
    if tag == FLOAT && rtag == INT {
        match out {
            Resolved::Int(v) => return Ok((FLOAT, Resolved::Float(v as f64))),
            // yaml.v2 only converts int and int64; a uint64 falls through to the failure.
            _ => {}
        }
    }
    Err(format!("cannot decode {} `{}` as a {}", short_tag(rtag), s, short_tag(tag)))
}

fn resolve_inner(tag: &str, s: &str) -> (&'static str, Resolved) {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+') | Some(b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint != 0 && tag != STR && tag != BINARY {
        if let Some(r) = lookup(s) {
            return r;
        }
        match hint {
            b'.' => {
                if let Some(f) = parse_float(s) {
                    return (FLOAT, Resolved::Float(f));
                }
            }
            b'D' | b'S' => {
                if (tag.is_empty() || tag == TIMESTAMP) && parse_timestamp(s) {
                    return (TIMESTAMP, Resolved::Timestamp);
                }
                let plain: String = s.chars().filter(|&c| c != '_').collect();
                if let Ok(i) = parse_int0(&plain) {
                    return (INT, Resolved::Int(i));
                }
                if let Ok(u) = parse_uint0(&plain) {
                    return (INT, Resolved::Uint(u));
                }
                if yaml_style_float(&plain) {
                    if let Some(f) = parse_float(&plain) {
                        return (FLOAT, Resolved::Float(f));
                    }
                }
                // The explicit 0b / -0b branches of yaml.v2 only accept what ParseInt base 0 already did.
            }
            _ => {}
        }
    }
    (STR, Resolved::Str)
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`, with yaml.v2's fast path.
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let c = b[0];
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    let mut i = 0;
    if b[i] == b'+' || b[i] == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // [0-5]?[0-9]: one or two digits, the first of two being 0-5.
        if i + 1 < b.len() && (b'0'..=b'5').contains(&b[i]) && b[i + 1].is_ascii_digit() {
            i += 2;
        } else if i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        } else {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
    // Go time's getnum(s, false): one or two digits.
    if *i >= b.len() || !b[*i].is_ascii_digit() {
        return None;
    }
    let mut v = (b[*i] - b'0') as u32;
    *i += 1;
    if *i < b.len() && b[*i].is_ascii_digit() {
        v = v * 10 + (b[*i] - b'0') as u32;
        *i += 1;
    }
    Some(v)
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// yaml.v2's parseTimestamp: time.Parse with "2006-1-2T15:4:5.999999999Z07:00", the same with a
/// lower-case t, "2006-1-2 15:4:5.999999999" and "2006-1-2".
pub fn parse_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i != 4 || i == b.len() || b[i] != b'-' {
        return false;
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    i += 1;
    let month = match getnum(b, &mut i) {
        Some(m) => m,
        None => return false,
    };
    if i >= b.len() || b[i] != b'-' {
        return false;
    }
    i += 1;
    let day = match getnum(b, &mut i) {
        Some(d) => d,
        None => return false,
    };
    let date_ok = (1..=12).contains(&month) && day >= 1 && day <= days_in(month, year);
    if i == b.len() {
        return date_ok;
    }
    // Time part: 'T' / 't' (then a zone is required) or spaces (no zone).
    let zone_required;
    if b[i] == b'T' || b[i] == b't' {
        zone_required = true;
        i += 1;
    } else if b[i] == b' ' {
        zone_required = false;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
    } else {
        return false;
    }
    let hour = match getnum(b, &mut i) {
        Some(v) => v,
        None => return false,
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let min = match getnum(b, &mut i) {
        Some(v) => v,
        None => return false,
    };
    if i >= b.len() || b[i] != b':' {
        return false;
    }
    i += 1;
    let sec = match getnum(b, &mut i) {
        Some(v) => v,
        None => return false,
    };
    if hour >= 24 || min >= 60 || sec >= 60 {
        return false;
    }
    // Optional fraction: '.' or ',' followed by digits.
    if i + 1 < b.len() && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if zone_required {
        if i >= b.len() {
            return false;
        }
        if b[i] == b'Z' {
            i += 1;
        } else {
            if b.len() - i < 6 || b[i + 3] != b':' || !(b[i] == b'+' || b[i] == b'-') {
                return false;
            }
            let ok = b[i + 1].is_ascii_digit() && b[i + 2].is_ascii_digit() && b[i + 4].is_ascii_digit() && b[i + 5].is_ascii_digit();
            if !ok {
                return false;
            }
            let hr = (b[i + 1] - b'0') as u32 * 10 + (b[i + 2] - b'0') as u32;
            let mm = (b[i + 4] - b'0') as u32 * 10 + (b[i + 5] - b'0') as u32;
            if hr > 24 || mm > 60 {
                return false;
            }
            i += 6;
        }
    }
    i == b.len() && date_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert_eq!(resolve("", "yes").unwrap().1, Resolved::Bool(true));
        assert_eq!(resolve("", "nO").unwrap().1, Resolved::Str);
        assert_eq!(resolve("", "0755").unwrap().1, Resolved::Int(493));
        assert_eq!(resolve("", "08").unwrap().1, Resolved::Float(8.0));
        assert_eq!(resolve("", "1_000").unwrap().1, Resolved::Int(1000));
        assert_eq!(resolve("", "1e400").unwrap().1, Resolved::Str);
        assert_eq!(resolve("", "2001-12-14").unwrap().1, Resolved::Timestamp);
        assert_eq!(resolve("", "2001-12-14t21:59:43.10-05:00").unwrap().1, Resolved::Timestamp);
        assert_eq!(resolve("", "2001-12-14 21:59:43.10").unwrap().1, Resolved::Timestamp);
        assert_eq!(resolve("", "2001-02-30").unwrap().1, Resolved::Str);
        assert!(is_base60_float("1:20"));
        assert!(is_base60_float("190:20:30.15"));
        assert!(!is_base60_float("1:2a"));
    }
}

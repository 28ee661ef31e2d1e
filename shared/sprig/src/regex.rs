//! Sprig's regex.go on the `regex` crate, with Go's RE2 dialect differences bridged: ASCII-only
//! `\d \w \s \b`, `\Q…\E`, Go's `$name` expansion, Go's empty-match rules and Go's error texts.

use crate::util::*;
use gotemplate::ArgType::{Int, String as Str};
use gotemplate::{FuncMap, Value};
use regex::{Captures, Regex};

pub fn register(m: &mut FuncMap) {
    reg(m, "regexMatch", &[Str, Str], |a| Ok(Value::Bool(compile(&s(a, 0)).map(|r| r.is_match(&s(a, 1))).unwrap_or(false))));
    reg(m, "mustRegexMatch", &[Str, Str], |a| Ok(Value::Bool(compile(&s(a, 0))?.is_match(&s(a, 1)))));
    for (name, must) in [("regexFindAll", false), ("mustRegexFindAll", true)] {
        reg(m, name, &[Str, Str, Int], move |a| {
            let re = compile_for(&s(a, 0), must)?;
            let text = s(a, 1);
            Ok(strings_or_nil(find_all(&re, &text, int(a, 2)).into_iter().map(|(b, e)| text[b..e].to_string()).collect()))
        });
    }
    for (name, must) in [("regexFind", false), ("mustRegexFind", true)] {
        reg(m, name, &[Str, Str], move |a| {
            let re = compile_for(&s(a, 0), must)?;
            Ok(Value::str(re.find(&s(a, 1)).map(|x| x.as_str()).unwrap_or("")))
        });
    }
    for (name, must, literal) in [
        ("regexReplaceAll", false, false),
        ("mustRegexReplaceAll", true, false),
        ("regexReplaceAllLiteral", false, true),
        ("mustRegexReplaceAllLiteral", true, true),
    ] {
        reg(m, name, &[Str, Str, Str], move |a| {
            let re = compile_for(&s(a, 0), must)?;
            Ok(Value::string(replace_all(&re, &s(a, 1), &s(a, 2), literal)))
        });
    }
    for (name, must) in [("regexSplit", false), ("mustRegexSplit", true)] {
        reg(m, name, &[Str, Str, Int], move |a| {
            let pattern = s(a, 0);
            let re = compile_for(&pattern, must)?;
            let parts = split(&re, &pattern, &s(a, 1), int(a, 2));
            // Go's Split returns nil only for n = 0; otherwise an empty result is still a slice.
            Ok(if int(a, 2) == 0 { strings_or_nil(parts) } else { str_list(parts) })
        });
    }
    reg(m, "regexQuoteMeta", &[Str], |a| Ok(Value::string(quote_meta(&s(a, 0)))));
}

/// Compile for a plain function (`regexp.MustCompile` panics) or a `must` one (returns the error):
/// both surface as the function's error, with Go's panic wording for the plain form.
fn compile_for(pattern: &str, must: bool) -> Result<Regex, String> {
    compile(pattern).map_err(|e| if must { e } else { format!("regexp: Compile({}): {e}", go_quote(pattern)) })
}

/// How many compiled patterns (or their errors) one thread keeps: a template calling `regexReplaceAll`
/// in a loop compiles its pattern once.
const CACHE_SIZE: usize = 256;

thread_local! {
    static CACHE: std::cell::RefCell<std::collections::HashMap<String, Result<Regex, String>>> =
        Default::default();
}

/// Go's `regexp.Compile`, translated to the regex crate's syntax; each pattern is compiled once per
/// thread (a `Regex` clone shares the compiled program).
pub fn compile(pattern: &str) -> Result<Regex, String> {
    if let Some(hit) = CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return hit;
    }
    let compiled = translate(pattern).and_then(|t| Regex::new(&t).map_err(|e| go_error(pattern, &e)));
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_SIZE {
            c.clear();
        }
        c.insert(pattern.to_string(), compiled.clone());
    });
    compiled
}

/// A nil `[]string` (what Go's `FindAllString` and `Split` return for no matches or n = 0): prints
/// `[]` and has no items, but marshals as JSON `null`.
struct NilStrings;

impl gotemplate::Object for NilStrings {
    fn type_name(&self) -> String {
        "[]string".into()
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn display(&self) -> String {
        "[]".into()
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::list(Vec::new()))
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::Null)
    }
}

/// A `[]string` result: Go's nil slice when there is nothing in it.
fn strings_or_nil(items: Vec<String>) -> Value {
    if items.is_empty() {
        Value::Object(std::rc::Rc::new(NilStrings))
    } else {
        str_list(items)
    }
}

/// `strconv.Quote`-like backquoted form Go uses in MustCompile panics.
fn go_quote(s: &str) -> String {
    if !s.contains('`') {
        format!("`{s}`")
    } else {
        gotemplate::fmt::quote(s)
    }
}

/// Rewrite Go RE2 syntax into the regex crate's: Perl classes and `\b` become ASCII-only, `\Q…\E`
/// is expanded, `\z` kept; escapes Go rejects are reported with Go's text.
fn translate(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false;
    let mut last_repeat: Option<usize> = None;
    let mut prev_len = 0usize;
    let mut seen_names: Vec<String> = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                return Err("error parsing regexp: trailing backslash at end of expression: ``".to_string());
            };
            match n {
                'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                    let body = match n.to_ascii_lowercase() {
                        'd' => "0-9",
                        'w' => "0-9A-Za-z_",
                        _ => "\\t\\n\\x0C\\r ",
                    };
                    let negated = n.is_ascii_uppercase();
                    if in_class {
                        if negated {
                            out.push_str(&format!("[^{body}]"));
                        } else {
                            out.push_str(body);
                        }
                    } else if negated {
                        out.push_str(&format!("[^{body}]"));
                    } else {
                        out.push_str(&format!("[{body}]"));
                    }
                    i += 2;
                    // In Go a `-` right after a class escape inside a class is a literal, never a range.
                    if in_class && chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']') {
                        out.push_str("\\-");
                        i += 1;
                    }
                }
                'b' | 'B' if !in_class => {
                    out.push_str(&format!("(?-u:\\{n})"));
                    i += 2;
                }
                'Q' if !in_class => {
                    i += 2;
                    while i < chars.len() {
                        if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                            i += 2;
                            break;
                        }
                        out.push_str(&regex::escape(&chars[i].to_string()));
                        i += 1;
                    }
                }
                _ => {
                    // Go accepts escapes of punctuation only, plus its letter escapes.
                    let ok = n.is_ascii_punctuation()
                        || matches!(n, 'a' | 'f' | 't' | 'n' | 'r' | 'v' | 'x' | 'p' | 'P' | 'A' | 'z' | '0'..='7' | 'b' | 'B');
                    if !ok {
                        return Err(format!("error parsing regexp: invalid escape sequence: `\\{n}`"));
                    }
                    out.push(c);
                    out.push(n);
                    i += 2;
                }
            }
            class_start = false;
            continue;
        }
        if in_class {
            if c == ']' && !class_start {
                in_class = false;
            } else if c == '[' && chars.get(i + 1) == Some(&':') {
                // POSIX class [:alpha:] stays as is.
                if let Some(end) = (i + 2..chars.len().saturating_sub(1)).find(|&k| chars[k] == ':' && chars[k + 1] == ']') {
                    out.extend(&chars[i..end + 2]);
                    i = end + 2;
                    class_start = false;
                    continue;
                }
                out.push_str("\\[");
                i += 1;
                class_start = false;
                continue;
            } else if c == '[' || (c == '&' && chars.get(i + 1) == Some(&'&')) || (c == '-' && chars.get(i + 1) == Some(&'-')) || (c == '~' && chars.get(i + 1) == Some(&'~')) {
                // Literal in Go; set operators or nesting in the regex crate.
                out.push('\\');
                out.push(c);
                i += 1;
                class_start = false;
                continue;
            }
            class_start = false;
            if c == '^' && i > 0 && chars[i - 1] == '[' {
                class_start = true;
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            class_start = true;
        }
        if let Some(len) = repeat_op_len(&chars[i..]) {
            if let Some(start) = last_repeat {
                if start + prev_len == i {
                    let mut end = i + len;
                    if chars.get(end) == Some(&'?') {
                        end += 1;
                    }
                    let text: String = chars[start..end].iter().collect();
                    return Err(format!("error parsing regexp: invalid nested repetition operator: `{text}`"));
                }
            }
            if c == '{' {
                let body: String = chars[i + 1..i + len - 1].iter().collect();
                if body.split(',').any(|n| n.parse::<u32>().is_ok_and(|n| n > 1000)) {
                    let text: String = chars[i..i + len].iter().collect();
                    return Err(format!("error parsing regexp: invalid repeat count: `{text}`"));
                }
            }
            let mut total = len;
            if chars.get(i + len) == Some(&'?') {
                total += 1;
            }
            out.extend(&chars[i..i + total]);
            last_repeat = Some(i);
            prev_len = total;
            i += total;
            continue;
        }
        if c == '(' && chars.get(i + 1) == Some(&'?') {
            // Named group: Go allows a name twice, the regex crate does not.
            let named_at = if chars.get(i + 2) == Some(&'P') && chars.get(i + 3) == Some(&'<') {
                Some(i + 4)
            } else if chars.get(i + 2) == Some(&'<') && chars.get(i + 3).is_some_and(|c| *c != '=' && *c != '!') {
                Some(i + 3)
            } else {
                None
            };
            if let Some(ns) = named_at {
                if let Some(len) = chars[ns..].iter().position(|&c| c == '>') {
                    let name: String = chars[ns..ns + len].iter().collect();
                    let unique = if seen_names.contains(&name) {
                        format!("{name}__dup{}", seen_names.len())
                    } else {
                        name.clone()
                    };
                    seen_names.push(name);
                    out.push_str(&format!("(?P<{unique}>"));
                    i = ns + len + 1;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// Length of a repetition operator at the start of `t`: `*`, `+`, `?` or a well-formed `{n}`, `{n,}`, `{n,m}`.
fn repeat_op_len(t: &[char]) -> Option<usize> {
    match t.first()? {
        '*' | '+' | '?' => Some(1),
        '{' => {
            let end = t.iter().position(|&c| c == '}')?;
            let body: String = t[1..end].iter().collect();
            let mut parts = body.splitn(2, ',');
            let lo = parts.next()?;
            if lo.is_empty() || !lo.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if let Some(hi) = parts.next() {
                if !hi.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
            Some(end + 1)
        }
        _ => None,
    }
}

/// Go's error text for a pattern the regex crate rejects.
fn go_error(pattern: &str, e: &regex::Error) -> String {
    let msg = e.to_string();
    let code = if msg.contains("unclosed group") {
        format!("missing closing ): `{pattern}`")
    } else if msg.contains("unopened group") {
        format!("unexpected ): `{pattern}`")
    } else if msg.contains("unclosed character class") {
        let start = pattern.rfind('[').unwrap_or(0);
        format!("missing closing ]: `{}`", &pattern[start..])
    } else if msg.contains("repetition operator missing expression") {
        let op = pattern.chars().find(|c| matches!(c, '*' | '+' | '?' | '{')).unwrap_or('*');
        format!("missing argument to repetition operator: `{op}`")
    } else if msg.contains("invalid repetition count") || msg.contains("exceeds") {
        format!("invalid repeat count: `{pattern}`")
    } else if msg.contains("invalid character class range") {
        let cs: Vec<char> = pattern.chars().collect();
        let range = (0..cs.len().saturating_sub(2))
            .find(|&k| cs[k + 1] == '-' && cs[k] > cs[k + 2] && cs[k] != '[' && cs[k + 2] != ']')
            .map(|k| cs[k..k + 3].iter().collect::<String>())
            .unwrap_or_else(|| pattern.to_string());
        format!("invalid character class range: `{range}`")
    } else if msg.contains("empty character class") {
        format!("missing closing ]: `{pattern}`")
    } else {
        format!("invalid or unsupported Perl syntax: `{pattern}`")
    };
    format!("error parsing regexp: {code}")
}

/// Go's `FindAllStringIndex(s, n)`: no empty match right after a previous match.
fn find_all(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut pos = 0usize;
    let mut prev_end: Option<usize> = None;
    while pos <= s.len() && (n < 0 || (out.len() as i64) < n) {
        let Some(m) = re.find_at(s, pos) else { break };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += s[pos..].chars().next().map(char::len_utf8).unwrap_or(1);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `ReplaceAllString` / `ReplaceAllLiteralString`.
fn replace_all(re: &Regex, src: &str, repl: &str, literal: bool) -> String {
    let mut out = String::new();
    let mut last_end = 0usize;
    let mut search = 0usize;
    while search <= src.len() {
        let Some(caps) = re.captures_at(src, search) else { break };
        let m = caps.get(0).map(|m| (m.start(), m.end())).unwrap_or((search, search));
        out.push_str(&src[last_end..m.0]);
        if m.1 > last_end || m.0 == 0 {
            if literal {
                out.push_str(repl);
            } else {
                expand(&mut out, repl, re, &caps);
            }
        }
        last_end = m.1;
        let width = src[search..].chars().next().map(char::len_utf8).unwrap_or(0);
        if search + width > m.1 {
            search += width;
        } else if search + 1 > m.1 {
            search += 1;
        } else {
            search = m.1;
        }
    }
    out.push_str(&src[last_end.min(src.len())..]);
    out
}

/// Go's `Regexp.Expand`: `$1`, `$name`, `${name}`, `$$`; the longest name wins; unknown names are empty.
fn expand(out: &mut String, template: &str, re: &Regex, caps: &Captures) {
    let mut t = template;
    while let Some(i) = t.find('$') {
        out.push_str(&t[..i]);
        t = &t[i..];
        if t.len() > 1 && t.as_bytes()[1] == b'$' {
            out.push('$');
            t = &t[2..];
            continue;
        }
        let (name, rest) = match extract(t) {
            Some(x) => x,
            None => {
                out.push('$');
                t = &t[1..];
                continue;
            }
        };
        t = rest;
        let value = match name.parse::<usize>() {
            Ok(num) if name.bytes().all(|b| b.is_ascii_digit()) => caps.get(num).map(|m| m.as_str()),
            _ => {
                if re.capture_names().flatten().any(|n| n == name) {
                    caps.name(name).map(|m| m.as_str())
                } else {
                    None
                }
            }
        };
        out.push_str(value.unwrap_or(""));
    }
    out.push_str(t);
}

/// Go's `extract`: the name after `$` (braced or bare) and the rest of the template.
fn extract(t: &str) -> Option<(&str, &str)> {
    let b = t.as_bytes();
    if b.len() < 2 || b[0] != b'$' {
        return None;
    }
    let mut brace = false;
    let mut i = 1;
    if b[1] == b'{' {
        brace = true;
        i = 2;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    if i == start {
        return None;
    }
    let name = &t[start..i];
    if brace {
        if i >= b.len() || b[i] != b'}' {
            return None;
        }
        i += 1;
    }
    Some((name, &t[i..]))
}

/// Go's `Regexp.Split(s, n)`.
fn split(re: &Regex, pattern: &str, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !pattern.is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = find_all(re, s, n);
    let mut out = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (ms, me) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = me;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod class_dash_tests {
    #[test]
    fn dash_after_class_escape_is_literal() {
        // redis-ha's `^[\w-\.]+$`: Go reads `-` literally after `\w`.
        let re = super::compile(r"^[\w-\.]+$").unwrap();
        assert!(re.is_match("my-master.1"));
        assert!(!re.is_match("a b"));
        let re = super::compile(r"[\d-z]+").unwrap();
        assert_eq!(re.find("x-9z").map(|m| m.as_str()), Some("-9z"));
    }
}

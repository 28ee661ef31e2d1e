//! Sprig's string functions (strings.go and the goutils/xstrings helpers it wraps), plus base64/base32.

use crate::unicode::{self as uc, is_space};
use crate::util::*;
use gotemplate::fmt as gofmt;
use gotemplate::ArgType::{Any, ByteString as ByteStr, Int, String as Str};
use gotemplate::{FuncMap, Value};

pub fn register(m: &mut FuncMap) {
    reg(m, "hello", &[], |_| Ok(Value::str("Hello!")));
    reg(m, "abbrev", &[Int, Str], |a| Ok(Value::string(abbrev(int(a, 0), &s(a, 1)))));
    reg(m, "abbrevboth", &[Int, Int, Str], |a| Ok(Value::string(abbrevboth(int(a, 0), int(a, 1), &s(a, 2)))));
    reg(m, "trunc", &[Int, Str], |a| Ok(Value::string(trunc(int(a, 0), &s(a, 1)))));
    reg(m, "trim", &[Str], |a| Ok(Value::str(s(a, 0).trim_matches(is_space))));
    reg(m, "upper", &[Str], |a| Ok(Value::string(uc::upper(&s(a, 0)))));
    reg(m, "lower", &[Str], |a| Ok(Value::string(uc::lower(&s(a, 0)))));
    reg(m, "title", &[Str], |a| Ok(Value::string(title(&s(a, 0)))));
    reg(m, "untitle", &[Str], |a| Ok(Value::string(untitle(&s(a, 0)))));
    reg(m, "substr", &[Int, Int, Str], |a| substring(int(a, 0), int(a, 1), &s(a, 2)).map(Value::string));
    reg(m, "repeat", &[Int, Str], |a| repeat(int(a, 0), &s(a, 1)).map(Value::string));
    for name in ["trimall", "trimAll"] {
        reg(m, name, &[Str, Str], |a| {
            let cut = s(a, 0);
            Ok(Value::str(s(a, 1).trim_matches(|c| cut.contains(c))))
        });
    }
    reg(m, "trimSuffix", &[Str, Str], |a| {
        let (suf, v) = (s(a, 0), s(a, 1));
        Ok(Value::str(v.strip_suffix(suf.as_str()).unwrap_or(&v)))
    });
    reg(m, "trimPrefix", &[Str, Str], |a| {
        let (pre, v) = (s(a, 0), s(a, 1));
        Ok(Value::str(v.strip_prefix(pre.as_str()).unwrap_or(&v)))
    });
    reg(m, "nospace", &[Str], |a| Ok(Value::string(delete_white_space(&s(a, 0)))));
    reg(m, "initials", &[Str], |a| Ok(Value::string(initials(&s(a, 0)))));
    reg(m, "swapcase", &[Str], |a| Ok(Value::string(swap_case(&s(a, 0)))));
    reg(m, "snakecase", &[Str], |a| Ok(Value::string(camel_to_lower(&s(a, 0), '_'))));
    reg(m, "kebabcase", &[Str], |a| Ok(Value::string(camel_to_lower(&s(a, 0), '-'))));
    reg(m, "camelcase", &[Str], |a| Ok(Value::string(pascal_case(&s(a, 0)))));
    reg(m, "wrap", &[Int, Str], |a| Ok(Value::string(wrap_custom(&s(a, 1), int(a, 0), "", false))));
    reg(m, "wrapWith", &[Int, Str, Str], |a| Ok(Value::string(wrap_custom(&s(a, 2), int(a, 0), &s(a, 1), true))));
    reg(m, "contains", &[Str, Str], |a| Ok(Value::Bool(s(a, 1).contains(s(a, 0).as_str()))));
    reg(m, "hasPrefix", &[Str, Str], |a| Ok(Value::Bool(s(a, 1).starts_with(s(a, 0).as_str()))));
    reg(m, "hasSuffix", &[Str, Str], |a| Ok(Value::Bool(s(a, 1).ends_with(s(a, 0).as_str()))));
    reg_var(m, "quote", &[], Any, |a| {
        let out: Vec<String> =
            a.iter().filter(|v| !is_nil(v)).map(|v| gofmt::sprintf("%q", &[Value::string(strval(v))])).collect();
        Ok(Value::string(out.join(" ")))
    });
    reg_var(m, "squote", &[], Any, |a| {
        let out: Vec<String> = a.iter().filter(|v| !is_nil(v)).map(|v| gofmt::sprintf("'%v'", std::slice::from_ref(v))).collect();
        Ok(Value::string(out.join(" ")))
    });
    reg_var(m, "cat", &[], Any, |a| {
        let v: Vec<Value> = a.iter().filter(|v| !is_nil(v)).cloned().collect();
        let f = "%v ".repeat(v.len());
        Ok(Value::string(gofmt::sprintf(f.trim_matches(is_space), &v)))
    });
    reg(m, "indent", &[Int, Str], |a| indent(int(a, 0), &s(a, 1)).map(Value::string));
    reg(m, "nindent", &[Int, Str], |a| indent(int(a, 0), &s(a, 1)).map(|x| Value::string(format!("\n{x}"))));
    reg(m, "replace", &[Str, Str, Str], |a| Ok(Value::string(s(a, 2).replace(s(a, 0).as_str(), &s(a, 1)))));
    reg(m, "plural", &[Str, Str, Int], |a| Ok(Value::string(if int(a, 2) == 1 { s(a, 0) } else { s(a, 1) })));
    reg(m, "toString", &[Any], |a| match arg(a, 0) {
        // Go's string([]byte): binary data stays bytes
        Value::Bytes(b) => Ok(gotemplate::value::ByteString::value(b.to_vec())),
        v => Ok(Value::string(strval(v))),
    });
    reg(m, "split", &[Str, Str], |a| Ok(parts_map(go_split(&s(a, 1), &s(a, 0), -1))));
    reg(m, "splitList", &[Str, Str], |a| Ok(str_list(go_split(&s(a, 1), &s(a, 0), -1))));
    reg(m, "splitn", &[Str, Int, Str], |a| Ok(parts_map(go_split(&s(a, 2), &s(a, 0), int(a, 1)))));
    reg(m, "toStrings", &[Any], |a| Ok(str_list(strslice(arg(a, 0)))));
    reg(m, "join", &[Str, Any], |a| Ok(Value::string(strslice(arg(a, 1)).join(&s(a, 0)))));
    reg(m, "b64enc", &[ByteStr], |a| Ok(Value::string(gotemplate::value::base64_std(&bytes_of(a, 0)))));
    reg(m, "b64dec", &[Str], |a| Ok(b64dec(&s(a, 0))));
    reg(m, "b32enc", &[ByteStr], |a| Ok(Value::string(b32enc(&bytes_of(a, 0)))));
    reg(m, "b32dec", &[Str], |a| Ok(b32dec(&s(a, 0))));
    reg(m, "fail", &[Str], |a| Err(s(a, 0)));
}

fn is_nil(v: &Value) -> bool {
    matches!(v, Value::Nil | Value::Invalid)
}

/// Bytes as Go strings hold them, shown as Rust text (invalid UTF-8 replaced).
fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn abbrev(width: i64, s: &str) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbreviate_full(s, 0, width).unwrap_or_default()
}

fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || left > 0 && right < 7 {
        return s.to_string();
    }
    abbreviate_full(s, left, right).unwrap_or_default()
}

/// goutils `AbbreviateFull` (byte offsets, as in Go).
fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> Option<String> {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if s.is_empty() {
        return Some(String::new());
    }
    if max_width < 4 {
        return None;
    }
    if len <= max_width {
        return Some(s.to_string());
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return Some(format!("{}...", lossy(&b[..(max_width - 3) as usize])));
    }
    if max_width < 7 {
        return None;
    }
    if offset + max_width - 3 < len {
        let rest = lossy(&b[offset as usize..]);
        return Some(format!("...{}", abbreviate_full(&rest, 0, max_width - 3).unwrap_or_default()));
    }
    Some(format!("...{}", lossy(&b[(len - (max_width - 3)) as usize..])))
}

fn trunc(c: i64, s: &str) -> String {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if c < 0 && len + c > 0 {
        return lossy(&b[(len + c) as usize..]);
    }
    if c >= 0 && len > c {
        return lossy(&b[..c as usize]);
    }
    s.to_string()
}

/// `strings.Title`: the first letter of each word in title case.
pub fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|r| {
            let sep = if (prev as u32) < 0x80 {
                !(prev.is_ascii_alphanumeric() || prev == '_')
            } else {
                !(uc::is_letter(prev) || uc::is_digit(prev)) && is_space(prev)
            };
            prev = r;
            if sep {
                uc::to_title(r)
            } else {
                r
            }
        })
        .collect()
}

fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                uc::to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

fn substring(start: i64, end: i64, s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if start < 0 {
        if end < 0 || end > len {
            return Err(slice_bounds_err(None, Some(end), b.len()));
        }
        return Ok(lossy(&b[..end as usize]));
    }
    if end < 0 || end > len {
        if start > len {
            return Err(slice_bounds_err(Some(start), None, b.len()));
        }
        return Ok(lossy(&b[start as usize..]));
    }
    if start > end {
        return Err(slice_bounds_err(Some(start), Some(end), b.len()));
    }
    Ok(lossy(&b[start as usize..end as usize]))
}

fn repeat(count: i64, s: &str) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    if (s.len() as u128) * (count as u128) > (1u128 << 31) {
        return Err("strings: Repeat output length overflow".into());
    }
    Ok(s.repeat(count as usize))
}

/// Each byte read as a Latin-1 rune, as goutils' byte loops do.
fn byte_rune(b: u8) -> char {
    char::from_u32(b as u32).unwrap_or('\u{FFFD}')
}

fn delete_white_space(s: &str) -> String {
    let b = s.as_bytes();
    let kept: Vec<char> = b.iter().map(|&c| byte_rune(c)).filter(|&c| !is_space(c)).collect();
    if kept.len() == b.len() {
        return s.to_string();
    }
    kept.into_iter().collect()
}

fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for &b in s.as_bytes() {
        let c = byte_rune(b);
        if is_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

fn swap_case(s: &str) -> String {
    let mut ws = true;
    s.chars()
        .map(|c| {
            if uc::is_upper(c) || uc::is_title(c) {
                ws = false;
                uc::to_lower(c)
            } else if uc::is_lower(c) {
                if ws {
                    ws = false;
                    uc::to_title(c)
                } else {
                    uc::to_upper(c)
                }
            } else {
                ws = is_space(c);
                c
            }
        })
        .collect()
}

fn is_connector(r: char) -> bool {
    r == '-' || r == '_' || is_space(r)
}

fn is_alphabet(r: char) -> bool {
    if !uc::is_letter(r) {
        return false;
    }
    let u = r as u32;
    !(0x4E00..=0x9FCC).contains(&u) && !(0x3400..=0x4D85).contains(&u) && !(0x20000..=0x2B81D).contains(&u)
}

/// xstrings `ToPascalCase` (Sprig's `camelcase`).
fn pascal_case(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    let mut first_upper = false;
    let mut r0 = '\0';
    for c in chars.by_ref() {
        r0 = c;
        if !is_connector(c) {
            first_upper = uc::is_upper(c);
            r0 = uc::to_upper(c);
            break;
        }
        out.push(c);
    }
    let rest: Vec<char> = chars.collect();
    if rest.is_empty() {
        if !s.is_empty() {
            out.push(r0);
        }
        return out;
    }
    for c in rest {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = uc::is_upper(r0);
            r0 = uc::to_upper(r0);
        } else {
            if first_upper {
                if uc::is_upper(r0) {
                    r0 = uc::to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings `nextWord`: the type and text of the next word, and the rest.
fn next_word(s: &str) -> (Word, &str, &str) {
    if s.is_empty() {
        return (Word::Invalid, "", "");
    }
    let mut it = s.char_indices().peekable();
    let (_, r) = it.next().unwrap_or((0, '\u{FFFD}'));
    let first_len = r.len_utf8();
    if r == '\u{FFFD}' {
        return (Word::Invalid, &s[..first_len], &s[first_len..]);
    }
    // Extend while `keep` holds, from byte `from`.
    let run = |from: usize, keep: &dyn Fn(char) -> bool| -> usize {
        let mut end = from;
        for c in s[from..].chars() {
            if !keep(c) {
                break;
            }
            end += c.len_utf8();
        }
        end
    };
    let (wt, end) = if is_connector(r) {
        (Word::Connector, run(first_len, &is_connector))
    } else if uc::is_punct(r) {
        (Word::Punct, run(first_len, &uc::is_punct))
    } else if uc::is_upper(r) {
        let rest = &s[first_len..];
        match rest.chars().next() {
            None => (Word::Upper, first_len),
            Some(c2) if uc::is_upper(c2) => {
                // A run of capitals; the last one starts the next word when a lowercase letter follows.
                let mut end = first_len;
                let mut prev = first_len;
                let mut next = None;
                for c in s[first_len..].chars() {
                    if !uc::is_upper(c) {
                        next = Some(c);
                        break;
                    }
                    prev = end;
                    end += c.len_utf8();
                }
                if let Some(n) = next {
                    if is_alphabet(n) {
                        end = prev;
                    }
                }
                (Word::Upper, end)
            }
            Some(c2) if is_alphabet(c2) => {
                (Word::Upper, run(first_len, &|c| is_alphabet(c) && !uc::is_upper(c)))
            }
            Some(_) => (Word::Upper, first_len),
        }
    } else if is_alphabet(r) {
        (Word::Alphabet, run(first_len, &|c| is_alphabet(c) && !uc::is_upper(c)))
    } else if uc::is_number(r) {
        (Word::Number, run(first_len, &uc::is_number))
    } else {
        (
            Word::Other,
            run(first_len, &|c| !(is_connector(c) || is_alphabet(c) || uc::is_number(c) || uc::is_punct(c))),
        )
    };
    (wt, &s[..end], &s[end..])
}

fn push_lower(out: &mut String, wt: Word, word: &str, connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if uc::is_upper(c) {
            out.push(uc::to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase` (Sprig's `snakecase` and `kebabcase`).
fn camel_to_lower(s: &str, connector: char) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Word::Connector {
            push_lower(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    out.push(connector);
                }
            }
            Word::Connector => push_lower(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                if wt != Word::Alphabet {
                    push_lower(&mut out, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                push_lower(&mut out, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    push_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    out.push(connector);
                }
            }
        }
    }
    push_lower(&mut out, wt, word, connector);
    out
}

/// goutils `WrapCustom` (byte offsets, as in Go).
fn wrap_custom(s: &str, wrap_length: i64, newline: &str, wrap_long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let wl = wrap_length.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > wl {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = wl + offset + 1;
        let space = b[offset..end].iter().rposition(|&c| c == b' ');
        if let Some(i) = space {
            let at = i + offset;
            out.extend_from_slice(&b[offset..at]);
            out.extend_from_slice(newline.as_bytes());
            offset = at + 1;
        } else if wrap_long_words {
            let end = wl + offset;
            out.extend_from_slice(&b[offset..end]);
            out.extend_from_slice(newline.as_bytes());
            offset += wl;
        } else {
            let end = wl + offset;
            match b[end..].iter().position(|&c| c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[offset..at]);
                    out.extend_from_slice(newline.as_bytes());
                    offset = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    lossy(&out)
}

fn indent(spaces: i64, v: &str) -> Result<String, String> {
    let pad = repeat(spaces, " ")?;
    Ok(format!("{pad}{}", v.replace('\n', &format!("\n{pad}"))))
}

/// Go's `strings.SplitN` (n < 0: all; n == 0: none; empty separator: one piece per character).
pub fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<String> = s.chars().map(|c| c.to_string()).collect();
        if n < 0 || chars.len() as i64 <= n {
            return chars;
        }
        let mut out: Vec<String> = chars[..(n - 1) as usize].to_vec();
        let used: usize = out.iter().map(|x| x.len()).sum();
        out.push(s[used..].to_string());
        return out;
    }
    if n < 0 {
        return s.split(sep).map(str::to_string).collect();
    }
    s.splitn(n as usize, sep).map(str::to_string).collect()
}

fn parts_map(parts: Vec<String>) -> Value {
    Value::map(parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), Value::string(p))).collect())
}

/// Go's `string(decoded)`: binary data stays bytes (`len` counts them), see `ByteString`.
fn b64dec(s: &str) -> Value {
    match decode_b64(s.as_bytes()) {
        Ok(b) => gotemplate::value::ByteString::value(b),
        Err(off) => Value::string(format!("illegal base64 data at input byte {off}")),
    }
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32enc(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |acc, &b| acc << 8 | b as u64);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32dec(s: &str) -> Value {
    match decode_b32(s.as_bytes()) {
        Ok(b) => gotemplate::value::ByteString::value(b),
        Err(off) => Value::string(format!("illegal base32 data at input byte {off}")),
    }
}

fn alpha_index(alphabet: &[u8], c: u8) -> Option<u64> {
    alphabet.iter().position(|&a| a == c).map(|p| p as u64)
}

/// Go's `base64.StdEncoding.DecodeString`; `Err` is the offset in "illegal base64 data at input byte N".
fn decode_b64(src: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::new();
    let mut si = 0usize;
    loop {
        let mut dbuf = [0u64; 4];
        let mut dlen = 4;
        let mut j = 0;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(si - j);
            }
            let c = src[si];
            si += 1;
            if let Some(v) = alpha_index(B64, c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(si - 1);
            }
            match j {
                0 | 1 => return Err(si - 1),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(src.len());
                    }
                    if src[si] != b'=' {
                        return Err(si - 1);
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                return Err(si);
            }
            dlen = j;
            break;
        }
        let val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if dlen < 4 {
            return Ok(out);
        }
    }
}

/// Go's `base32.StdEncoding.DecodeString` (newlines removed first, offsets count without them).
fn decode_b32(raw: &[u8]) -> Result<Vec<u8>, usize> {
    let src: Vec<u8> = raw.iter().copied().filter(|&c| c != b'\n' && c != b'\r').collect();
    let olen = src.len();
    let mut out = Vec::new();
    let mut rest: &[u8] = &src;
    let mut end = false;
    while !rest.is_empty() && !end {
        let mut dbuf = [0u64; 8];
        let mut dlen = 8;
        let mut j = 0;
        while j < 8 {
            if rest.is_empty() {
                return Err(olen - rest.len() - j);
            }
            let c = rest[0];
            rest = &rest[1..];
            if c == b'=' && j >= 2 && rest.len() < 8 {
                if rest.len() + j < 7 {
                    return Err(olen);
                }
                for k in 0..(7 - j) {
                    if rest.len() > k && rest[k] != b'=' {
                        return Err(olen - rest.len() + k - 1);
                    }
                }
                dlen = j;
                end = true;
                if dlen == 1 || dlen == 3 || dlen == 6 {
                    return Err(olen - rest.len() - 1);
                }
                break;
            }
            match alpha_index(B32, c) {
                Some(v) => dbuf[j] = v,
                None => return Err(olen - rest.len() - 1),
            }
            j += 1;
        }
        let val = dbuf.iter().fold(0u64, |acc, &d| acc << 5 | d);
        let bytes = [(val >> 32) as u8, (val >> 24) as u8, (val >> 16) as u8, (val >> 8) as u8, val as u8];
        let n = match dlen {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => 0,
        };
        out.extend_from_slice(&bytes[..n]);
    }
    Ok(out)
}

//! Go's `strconv` quoting as the template packages use it: `Quote` (`%q` in error texts), `%#U` for
//! characters, and `Unquote`/`UnquoteChar` for string and character literals.

/// Go's `unicode.IsPrint`, approximated without Unicode tables: graphic characters and ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    !matches!(u, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFE | 0xFFFF)
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// `strconv.Quote(s)`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// `fmt.Sprintf("%.Nq", s)`: the first `n` characters, quoted.
pub(crate) fn go_quote_truncated(s: &str, n: usize) -> String {
    let end = s.char_indices().nth(n).map(|(i, _)| i).unwrap_or(s.len());
    go_quote(&s[..end])
}

/// `fmt.Sprintf("%#U", r)`: `U+0023 '#'`.
pub(crate) fn go_unicode(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// The error every failed `strconv.Unquote` reports.
pub(crate) const ERR_SYNTAX: &str = "invalid syntax";

/// The value of one character or escape from `strconv.UnquoteChar`: a rune or (for `\x`/octal in a string)
/// a raw byte.
enum Unit {
    Char(char),
    Byte(u8),
}

/// `strconv.UnquoteChar(s, quote)`: the first character or escape of `s` and the rest.
fn unquote_char(s: &str, quote: char) -> Result<(Unit, &str), &'static str> {
    let mut chars = s.chars();
    let c = chars.next().ok_or(ERR_SYNTAX)?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(ERR_SYNTAX);
    }
    if c != '\\' {
        return Ok((Unit::Char(c), chars.as_str()));
    }
    let e = chars.next().ok_or(ERR_SYNTAX)?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' => {
            if e != quote {
                return Err(ERR_SYNTAX);
            }
            Some(e)
        }
        _ => None,
    };
    if let Some(c) = simple {
        return Ok((Unit::Char(c), rest));
    }
    match e {
        'x' | 'u' | 'U' => {
            let n = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            if rest.len() < n || !rest.is_char_boundary(n) {
                return Err(ERR_SYNTAX);
            }
            let v = u32::from_str_radix(&rest[..n], 16).map_err(|_| ERR_SYNTAX)?;
            if !rest[..n].bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ERR_SYNTAX);
            }
            let tail = &rest[n..];
            if e == 'x' {
                if quote == '\'' {
                    return Ok((Unit::Char(char::from_u32(v).ok_or(ERR_SYNTAX)?), tail));
                }
                return Ok((Unit::Byte(v as u8), tail));
            }
            let c = char::from_u32(v).ok_or(ERR_SYNTAX)?;
            Ok((Unit::Char(c), tail))
        }
        '0'..='7' => {
            if rest.len() < 2 || !rest.is_char_boundary(2) {
                return Err(ERR_SYNTAX);
            }
            let digits = format!("{e}{}", &rest[..2]);
            if !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                return Err(ERR_SYNTAX);
            }
            let v = u32::from_str_radix(&digits, 8).map_err(|_| ERR_SYNTAX)?;
            if v > 255 {
                return Err(ERR_SYNTAX);
            }
            if quote == '\'' {
                return Ok((Unit::Char(char::from_u32(v).ok_or(ERR_SYNTAX)?), &rest[2..]));
            }
            Ok((Unit::Byte(v as u8), &rest[2..]))
        }
        _ => Err(ERR_SYNTAX),
    }
}

/// `strconv.Unquote` of a string literal (double-quoted or raw).
pub(crate) fn unquote(s: &str) -> Result<String, &'static str> {
    if s.len() < 2 {
        return Err(ERR_SYNTAX);
    }
    let q = s.as_bytes()[0];
    if q != s.as_bytes()[s.len() - 1] {
        return Err(ERR_SYNTAX);
    }
    let inner = &s[1..s.len() - 1];
    match q {
        b'`' => {
            if inner.contains('`') {
                return Err(ERR_SYNTAX);
            }
            if inner.contains('\r') {
                return Ok(inner.replace('\r', ""));
            }
            Ok(inner.to_string())
        }
        b'"' => {
            if !inner.contains('\\') && !inner.contains('"') && !inner.contains('\n') {
                return Ok(inner.to_string());
            }
            if inner.contains('\n') {
                return Err(ERR_SYNTAX);
            }
            let mut bytes: Vec<u8> = Vec::with_capacity(inner.len());
            let mut rest = inner;
            while !rest.is_empty() {
                let (u, tail) = unquote_char(rest, '"')?;
                match u {
                    Unit::Char(c) => {
                        let mut buf = [0u8; 4];
                        bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    Unit::Byte(b) => bytes.push(b),
                }
                rest = tail;
            }
            Ok(match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            })
        }
        _ => Err(ERR_SYNTAX),
    }
}

/// A character constant `'x'`: its rune value, or Go's error text.
pub(crate) fn unquote_char_constant(text: &str) -> Result<char, String> {
    let inner = text.get(1..).unwrap_or("");
    let (u, tail) = unquote_char(inner, '\'').map_err(|e| e.to_string())?;
    if tail != "'" {
        return Err(format!("malformed character constant: {text}"));
    }
    match u {
        Unit::Char(c) => Ok(c),
        Unit::Byte(b) => Ok(b as char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_rows() {
        assert_eq!(go_quote("a\"b\\c\n\t\u{1}é"), "\"a\\\"b\\\\c\\n\\t\\x01é\"");
        assert_eq!(go_quote_truncated("abcdefghijklmn", 10), "\"abcdefghij\"");
        assert_eq!(go_unicode('#'), "U+0023 '#'");
        assert_eq!(go_unicode('\u{1}'), "U+0001");
    }

    #[test]
    fn unquote_rows() {
        assert_eq!(unquote("\"a\\tb\"").unwrap(), "a\tb");
        assert_eq!(unquote("`a\\tb`").unwrap(), "a\\tb");
        assert_eq!(unquote("`a\r\nb`").unwrap(), "a\nb");
        assert_eq!(unquote("\"\\u00e9\\101\\x41\"").unwrap(), "éAA");
        assert_eq!(unquote("\"\\'\""), Err(ERR_SYNTAX));
        assert_eq!(unquote("\"\\q\""), Err(ERR_SYNTAX));
        assert_eq!(unquote_char_constant("'a'"), Ok('a'));
        assert_eq!(unquote_char_constant("'\\n'"), Ok('\n'));
        assert_eq!(unquote_char_constant("'\\''"), Ok('\''));
        assert_eq!(unquote_char_constant("'ab'"), Err("malformed character constant: 'ab'".to_string()));
        assert_eq!(unquote_char_constant("''"), Err(ERR_SYNTAX.to_string()));
    }
}

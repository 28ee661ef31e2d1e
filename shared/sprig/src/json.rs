//! Go's encoding/json as Sprig uses it: `Marshal`/`MarshalIndent`/`Encoder` output byte for byte
//! (sorted keys, HTML escaping, Go's float text) and `Unmarshal` into `interface{}` with Go's errors.

use gotemplate::fmt as gofmt;
use gotemplate::Value;
use serde_json::Value as J;

/// Options of one encoding run.
#[derive(Clone, Copy)]
pub struct Style {
    pub escape_html: bool,
    /// `Some(indent)` for `MarshalIndent(v, "", indent)`.
    pub indent: Option<&'static str>,
}

/// `json.Marshal(v)` (or the Encoder/Indent variants per `style`).
pub fn marshal(v: &Value, style: Style) -> Result<String, String> {
    let mut out = String::new();
    encode_value(&mut out, v, style, 0)?;
    Ok(out)
}

fn newline(out: &mut String, style: Style, depth: usize) {
    if let Some(ind) = style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn encode_value(out: &mut String, v: &Value, style: Style, depth: usize) -> Result<(), String> {
    match v {
        Value::Invalid | Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&float(*f)?),
        Value::String(s) => encode_string(out, s.as_bytes(), style.escape_html),
        Value::Bytes(b) => {
            out.push('"');
            out.push_str(&gotemplate::value::base64_std(b));
            out.push('"');
        }
        Value::List(l) => {
            let items = l.borrow();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, depth + 1);
                encode_value(out, item, style, depth + 1)?;
            }
            newline(out, style, depth);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.borrow();
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, depth + 1);
                encode_string(out, k.as_bytes(), style.escape_html);
                out.push(':');
                if style.indent.is_some() {
                    out.push(' ');
                }
                encode_value(out, item, style, depth + 1)?;
            }
            newline(out, style, depth);
            out.push('}');
        }
        Value::Object(o) if o.complex_parts().is_some() => return Err("json: unsupported type: complex128".into()),
        Value::Object(o) => {
            let j = o.to_json().or_else(|| o.as_value().map(|v| v.to_json())).unwrap_or(J::Null);
            encode_json(out, &j, style, depth)?;
        }
    }
    Ok(())
}

fn encode_json(out: &mut String, j: &J, style: Style, depth: usize) -> Result<(), String> {
    match j {
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&float(n.as_f64().unwrap_or(0.0))?);
            }
            Ok(())
        }
        J::Object(o) => {
            // serde_json keeps insertion order or sorts depending on features; Go sorts map keys but
            // keeps struct field order, which to_json already encodes as object order.
            if o.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, item)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, depth + 1);
                encode_string(out, k.as_bytes(), style.escape_html);
                out.push(':');
                if style.indent.is_some() {
                    out.push(' ');
                }
                encode_json(out, item, style, depth + 1)?;
            }
            newline(out, style, depth);
            out.push('}');
            Ok(())
        }
        J::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, style, depth + 1);
                encode_json(out, item, style, depth + 1)?;
            }
            newline(out, style, depth);
            out.push(']');
            Ok(())
        }
        other => encode_value(out, &Value::from_json(other), style, depth),
    }
}

/// Go's JSON float text: `%f`-like shortest, exponent form below 1e-6 and from 1e21.
pub fn float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!("json: unsupported value: {}", gofmt::format_float_v(f)));
    }
    let abs = f.abs();
    let fmt = if abs != 0.0 && !(1e-6..1e21).contains(&abs) { b'e' } else { b'f' };
    let mut s = gofmt::format_float(f, fmt, -1);
    if fmt == b'e' {
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            let last = b[n - 1] as char;
            s.truncate(n - 2);
            s.push(last);
        }
    }
    Ok(s)
}

fn encode_string(out: &mut String, s: &[u8], escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let text = String::from_utf8_lossy(s);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.Unmarshal(data, &v)` with `v interface{}`: numbers become float64.
pub fn unmarshal(text: &str) -> Result<Value, String> {
    let mut p = Parser { b: text.as_bytes(), i: 0, depth: 0 };
    p.ws();
    if p.i >= p.b.len() {
        return Err("unexpected end of JSON input".into());
    }
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(format!("invalid character {} after top-level value", quote_char(p.b[p.i])));
    }
    Ok(v)
}

/// Go's `quoteChar` for syntax errors.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let ch = char::from_u32(c as u32).unwrap_or('\u{FFFD}');
            let q = gofmt::quote(&ch.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// encoding/json's `maxNestingDepth`: arrays and objects nest at most this deep.
const MAX_NESTING_DEPTH: usize = 10_000;

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    /// Arrays and objects open around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eof() -> String {
        "unexpected end of JSON input".into()
    }

    fn value(&mut self) -> Result<Value, String> {
        let Some(c) = self.peek() else { return Err(Self::eof()) };
        match c {
            b'{' | b'[' => {
                self.depth += 1;
                if self.depth > MAX_NESTING_DEPTH {
                    return Err(format!("invalid character {} exceeded max depth", quote_char(c)));
                }
                let v = if c == b'{' { self.object() } else { self.array() };
                self.depth -= 1;
                v
            }
            b'"' => Ok(Value::string(self.string()?)),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Nil),
            b'-' | b'0'..=b'9' => self.number(),
            c => Err(format!("invalid character {} looking for beginning of value", quote_char(c))),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, want) in word.bytes().enumerate() {
            match self.b.get(self.i + k).copied().or(Some(b' ')) {
                None => return Err(Self::eof()),
                Some(c) if c == want => {}
                Some(c) => {
                    return Err(format!(
                        "invalid character {} in literal {word} (expecting {})",
                        quote_char(c),
                        quote_char(want)
                    ))
                }
            }
        }
        self.i += word.len();
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        let bad = |p: &Parser, what: &str| format!("invalid character {} {what}", quote_char(p.peek().unwrap_or(b' ')));
        if self.peek() == Some(b'-') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(bad(self, "in numeric literal"));
            }
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else {
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(bad(self, "after decimal point in numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(bad(self, "in exponent of numeric literal"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err(format!("json: cannot unmarshal number {text} into Go value of type float64")),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else { return Err(Self::eof()) };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek().unwrap_or(b' ');
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut r = self.hex4()?;
                            if (0xD800..0xDC00).contains(&r)
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    self.i = save;
                                }
                            }
                            let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        c => return Err(format!("invalid character {} in string escape code", quote_char(c))),
                    }
                }
                c if c < 0x20 => return Err(format!("invalid character {} in string literal", quote_char(c))),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut r = 0u32;
        for _ in 0..4 {
            let c = self.peek().unwrap_or(b' ');
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| format!("invalid character {} in \\u hexadecimal character escape", quote_char(c)))?;
            r = r * 16 + d;
            self.i += 1;
        }
        Ok(r)
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::list(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                Some(c) => return Err(format!("invalid character {} after array element", quote_char(c))),
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut m = gotemplate::Map::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::map(m));
        }
        loop {
            self.ws();
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b'"') => {}
                Some(c) => {
                    return Err(format!("invalid character {} looking for beginning of object key string", quote_char(c)))
                }
            }
            let k = self.string()?;
            self.ws();
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b':') => self.i += 1,
                Some(c) => return Err(format!("invalid character {} after object key", quote_char(c))),
            }
            self.ws();
            let v = self.value()?;
            m.insert(k, v);
            self.ws();
            match self.peek() {
                None => return Err(Self::eof()),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::map(m));
                }
                Some(c) => return Err(format!("invalid character {} after object key:value pair", quote_char(c))),
            }
        }
    }
}

#[cfg(test)]
mod depth_tests {
    #[test]
    fn nesting_stops_at_encoding_json_max_depth() {
        // Templates run on kubectl-chart's large-stack worker; so does this.
        std::thread::Builder::new().stack_size(256 << 20).spawn(check).unwrap().join().unwrap();
    }

    fn check() {
        let ok = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(super::unmarshal(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(10_001), "]".repeat(10_001));
        assert_eq!(super::unmarshal(&deep).unwrap_err(), "invalid character '[' exceeded max depth");
        let bomb = "{\"a\":".repeat(200_000);
        assert_eq!(super::unmarshal(&bomb).unwrap_err(), "invalid character '{' exceeded max depth");
    }
}

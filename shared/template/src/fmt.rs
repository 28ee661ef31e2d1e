//! Go's fmt package as templates use it: `%v` printing of values, `Sprint`, `Sprintln`, `Sprintf`
//! with Go's verbs, flags, widths and its `%!v(MISSING)`-style error markers, plus the strconv
//! float and quoting routines they rest on.
//!
//! The printer follows Go's `fmt/print.go` and `fmt/format.go` step by step (one `Printer` holding the
//! flags of the verb being printed), so that odd corners (`%!d(string=hi)`, `%!(EXTRA int=1)`, zero
//! padding after the sign, `%x` of strings) come out byte for byte as in Go.

use crate::value::Value;

/// `fmt.Sprint(v)` of one value: what `{{ . }}` prints (before Helm's `<no value>` removal).
/// A missing value (`Invalid`) prints `<no value>`, as text/template prints it.
pub fn display(v: &Value) -> String {
    match v {
        Value::Invalid => "<no value>".to_string(),
        Value::String(s) => s.to_string(),
        Value::Float(f) => format_float_v(*f),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        _ => {
            let mut p = Printer::new();
            p.print_arg(v, 'v');
            p.finish()
        }
    }
}

/// `fmt.Sprint(args...)`: spaces only between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::new();
    let mut prev_string = false;
    for (n, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if n > 0 && !is_string && !prev_string {
            p.buf.push(b' ');
        }
        p.print_arg(arg, 'v');
        prev_string = is_string;
    }
    p.finish()
}

/// `fmt.Sprintln(args...)`: always spaces between operands, newline at the end.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::new();
    for (n, arg) in args.iter().enumerate() {
        if n > 0 {
            p.buf.push(b' ');
        }
        p.print_arg(arg, 'v');
    }
    p.buf.push(b'\n');
    p.finish()
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.finish()
}

/// `strconv.FormatFloat(f, 'g', -1, 64)` as `%v` prints a float64 (`1e+06`, `0.5`, `1.23456789e+08`).
pub fn format_float_v(f: f64) -> String {
    format_float(f, b'g', -1)
}

/// `strconv.FormatFloat(f, fmt, prec, 64)` for the formats `b e E f g G x X`.
pub fn format_float(x: f64, fmt: u8, prec: i32) -> String {
    let mut out = String::new();
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-Inf".into() } else { "+Inf".into() };
    }
    let neg = x.is_sign_negative();
    let bits = x.to_bits();
    let raw_exp = ((bits >> 52) & 0x7ff) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    let mut exp = raw_exp;
    if raw_exp == 0 {
        exp += 1;
    } else {
        mant |= 1u64 << 52;
    }
    exp -= 1023;
    match fmt {
        b'b' => {
            if neg {
                out.push('-');
            }
            out.push_str(&mant.to_string());
            out.push('p');
            let e = exp - 52;
            if e >= 0 {
                out.push('+');
            }
            out.push_str(&e.to_string());
            return out;
        }
        b'x' | b'X' => return fmt_hex_float(prec, fmt, neg, mant, exp),
        _ => {}
    }
    let a = x.abs();
    let shortest = prec < 0;
    let mut prec = prec as i64;
    let digs;
    if shortest {
        digs = decimal_digits(a, None);
        prec = match fmt {
            b'e' | b'E' => (digs.nd() - 1).max(0),
            b'f' => (digs.nd() - digs.dp).max(0),
            b'g' | b'G' => digs.nd(),
            _ => prec,
        };
    } else if fmt == b'f' {
        digs = fixed_digits(a, prec as usize);
    } else {
        let n = match fmt {
            b'e' | b'E' => prec + 1,
            b'g' | b'G' => {
                if prec == 0 {
                    prec = 1;
                }
                prec
            }
            _ => 1,
        };
        digs = decimal_digits(a, Some(n as usize));
    }
    format_digits(shortest, neg, &digs, prec, fmt)
}

/// Decimal digits of a non-negative float with trailing zeros removed: value = 0.d1d2d3… × 10^dp.
/// Zero has no digits and dp 0, as in Go's strconv.
struct Digits {
    d: Vec<u8>,
    dp: i64,
}

impl Digits {
    fn nd(&self) -> i64 {
        self.d.len() as i64
    }
    fn trimmed(mut d: Vec<u8>, mut dp: i64) -> Digits {
        let lead = d.iter().take_while(|&&c| c == b'0').count();
        d.drain(..lead);
        dp -= lead as i64;
        while d.last() == Some(&b'0') {
            d.pop();
        }
        if d.is_empty() {
            dp = 0;
        }
        Digits { d, dp }
    }
}

/// Shortest round-trip digits (`sig == None`) or `sig` correctly rounded significant digits.
fn decimal_digits(a: f64, sig: Option<usize>) -> Digits {
    if a == 0.0 {
        return Digits { d: Vec::new(), dp: 0 };
    }
    let s = match sig {
        None => format!("{a:e}"),
        Some(n) => format!("{:.*e}", n.saturating_sub(1), a),
    };
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let d: Vec<u8> = mantissa.bytes().filter(|c| c.is_ascii_digit()).collect();
    Digits::trimmed(d, exp + 1)
}

/// Digits of `a` rounded to `prec` places after the decimal point.
fn fixed_digits(a: f64, prec: usize) -> Digits {
    let s = format!("{:.*}", prec, a);
    let (int_part, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut d: Vec<u8> = int_part.bytes().collect();
    d.extend(frac.bytes());
    Digits::trimmed(d, int_part.len() as i64)
}

fn format_digits(shortest: bool, neg: bool, digs: &Digits, prec: i64, fmt: u8) -> String {
    match fmt {
        b'e' | b'E' => fmt_e(neg, digs, prec, fmt),
        b'f' => fmt_f(neg, digs, prec),
        b'g' | b'G' => {
            let mut prec = prec;
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= digs.dp {
                eprec = digs.nd();
            }
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > digs.nd() {
                    prec = digs.nd();
                }
                return fmt_e(neg, digs, prec - 1, fmt + b'e' - b'g');
            }
            if prec > digs.dp {
                prec = digs.nd();
            }
            fmt_f(neg, digs, (prec - digs.dp).max(0))
        }
        _ => format!("%{}", fmt as char),
    }
}

fn fmt_e(neg: bool, digs: &Digits, prec: i64, fmt: u8) -> String {
    let mut out = Vec::new();
    if neg {
        out.push(b'-');
    }
    out.push(*digs.d.first().unwrap_or(&b'0'));
    if prec > 0 {
        out.push(b'.');
        let mut i = 1i64;
        let m = digs.nd().min(prec + 1);
        if i < m {
            out.extend_from_slice(&digs.d[1..m as usize]);
            i = m;
        }
        while i <= prec {
            out.push(b'0');
            i += 1;
        }
    }
    out.push(fmt);
    let mut exp = if digs.d.is_empty() { 0 } else { digs.dp - 1 };
    if exp < 0 {
        out.push(b'-');
        exp = -exp;
    } else {
        out.push(b'+');
    }
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
    String::from_utf8(out).unwrap_or_default()
}

fn fmt_f(neg: bool, digs: &Digits, prec: i64) -> String {
    let mut out = Vec::new();
    if neg {
        out.push(b'-');
    }
    if digs.dp > 0 {
        let m = digs.nd().min(digs.dp);
        out.extend_from_slice(&digs.d[..m as usize]);
        out.extend(std::iter::repeat_n(b'0', (digs.dp - m) as usize));
    } else {
        out.push(b'0');
    }
    if prec > 0 {
        out.push(b'.');
        for i in 1..=prec {
            let j = digs.dp + i - 1;
            out.push(if 0 <= j && j < digs.nd() { digs.d[j as usize] } else { b'0' });
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

fn fmt_hex_float(prec: i32, fmt: u8, neg: bool, mant: u64, exp: i64) -> String {
    let mut mant = mant;
    let mut exp = if mant == 0 { 0 } else { exp };
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let mut out = Vec::new();
    if neg {
        out.push(b'-');
    }
    out.extend_from_slice(&[b'0', fmt, b'0' + ((mant >> 60) & 1) as u8]);
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push(b'.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push(b'.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize]);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { b'P' } else { b'p' });
    if exp < 0 {
        out.push(b'-');
        exp = -exp;
    } else {
        out.push(b'+');
    }
    if exp < 10 {
        out.push(b'0');
    }
    out.extend_from_slice(exp.to_string().as_bytes());
    String::from_utf8(out).unwrap_or_default()
}

/// Go's `strconv.IsPrint`, approximated without Unicode category tables: control characters, the
/// separators other than the ASCII space, format characters, surrogates and private use are not printable.
pub fn is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF
        | 0x110BD | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..=0x10FFFF)
}

fn append_escaped_rune(out: &mut Vec<u8>, r: char, quote: u8, ascii_only: bool) {
    if r as u32 == quote as u32 || r == '\\' {
        out.push(b'\\');
        out.push(r as u8);
        return;
    }
    if ascii_only {
        if (r as u32) < 0x80 && is_print(r) {
            out.push(r as u8);
            return;
        }
    } else if is_print(r) {
        let mut b = [0u8; 4];
        out.extend_from_slice(r.encode_utf8(&mut b).as_bytes());
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match r {
        '\x07' => out.extend_from_slice(b"\\a"),
        '\x08' => out.extend_from_slice(b"\\b"),
        '\x0c' => out.extend_from_slice(b"\\f"),
        '\n' => out.extend_from_slice(b"\\n"),
        '\r' => out.extend_from_slice(b"\\r"),
        '\t' => out.extend_from_slice(b"\\t"),
        '\x0b' => out.extend_from_slice(b"\\v"),
        _ => {
            let u = r as u32;
            if u < 0x20 || u == 0x7f {
                out.extend_from_slice(&[b'\\', b'x', HEX[(u >> 4) as usize], HEX[(u & 15) as usize]]);
            } else if u < 0x10000 {
                out.extend_from_slice(b"\\u");
                for s in [12, 8, 4, 0] {
                    out.push(HEX[((u >> s) & 15) as usize]);
                }
            } else {
                out.extend_from_slice(b"\\U");
                for s in [28, 24, 20, 16, 12, 8, 4, 0] {
                    out.push(HEX[((u >> s) & 15) as usize]);
                }
            }
        }
    }
}

/// Go's `strconv.Quote` (or `QuoteToASCII`) over bytes: invalid UTF-8 bytes become `\xNN`.
fn quote_bytes(s: &[u8], quote: u8, ascii_only: bool) -> Vec<u8> {
    let mut out = vec![quote];
    let mut rest = s;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                for c in valid.chars() {
                    append_escaped_rune(&mut out, c, quote, ascii_only);
                }
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                for c in std::str::from_utf8(good).unwrap_or("").chars() {
                    append_escaped_rune(&mut out, c, quote, ascii_only);
                }
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let b = bad[0];
                out.extend_from_slice(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
                rest = &bad[1..];
            }
        }
    }
    out.push(quote);
    out
}

/// Go's `strconv.Quote`: a double-quoted Go string literal.
pub fn quote(s: &str) -> String {
    String::from_utf8(quote_bytes(s.as_bytes(), b'"', false)).unwrap_or_default()
}

/// Go's `strconv.QuoteToASCII`.
pub fn quote_to_ascii(s: &str) -> String {
    String::from_utf8(quote_bytes(s.as_bytes(), b'"', true)).unwrap_or_default()
}

/// Go's `strconv.QuoteRune` (ASCII-only with `ascii_only`); invalid code points print as U+FFFD.
fn quote_rune(r: char, ascii_only: bool) -> Vec<u8> {
    let mut out = vec![b'\''];
    append_escaped_rune(&mut out, r, b'\'', ascii_only);
    out.push(b'\'');
    out
}

fn can_backquote(s: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(s) else { return false };
    s.chars().all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !((c as u32) < 0x20 || c == '\x7f')))
}

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: i64,
    wid_present: bool,
    prec: i64,
    prec_present: bool,
}

const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";

/// Go's `pp` and `fmt` structs in one: the output buffer and the flags of the current verb.
struct Printer {
    buf: Vec<u8>,
    f: Flags,
    erroring: bool,
}

/// What `badVerb` prints inside the parentheses: a value's type and its `%v`.
enum Culprit<'a> {
    Value(&'a Value),
    Byte(u8),
}

impl Printer {
    fn new() -> Self {
        Printer { buf: Vec::new(), f: Flags::default(), erroring: false }
    }

    fn finish(self) -> String {
        match String::from_utf8(self.buf) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    fn write_padding(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        let pad = if self.f.zero && !self.f.minus { b'0' } else { b' ' };
        self.buf.extend(std::iter::repeat_n(pad, n as usize));
    }

    fn pad(&mut self, b: &[u8]) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.extend_from_slice(b);
            return;
        }
        let width = self.f.wid - rune_count(b) as i64;
        if !self.f.minus {
            self.write_padding(width);
            self.buf.extend_from_slice(b);
        } else {
            self.buf.extend_from_slice(b);
            self.write_padding(width);
        }
    }

    fn pad_string(&mut self, s: &str) {
        self.pad(s.as_bytes());
    }

    fn fmt_boolean(&mut self, v: bool) {
        self.pad_string(if v { "true" } else { "false" });
    }

    fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4i64;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec;
        }
        let mut digits = Vec::new();
        let mut v = u;
        while v >= 16 {
            digits.push(UDIGITS[(v & 15) as usize]);
            prec -= 1;
            v >>= 4;
        }
        digits.push(UDIGITS[v as usize]);
        prec -= 1;
        if prec > 0 {
            digits.extend(std::iter::repeat_n(b'0', prec as usize));
        }
        digits.extend_from_slice(b"+U");
        digits.reverse();
        if self.f.sharp && u <= 0x10FFFF {
            if let Some(c) = char::from_u32(u as u32).filter(|&c| is_print(c)) {
                digits.extend_from_slice(b" '");
                let mut b = [0u8; 4];
                digits.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                digits.push(b'\'');
            }
        }
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&digits);
        self.f.zero = old;
    }

    fn fmt_integer(&mut self, u: u64, base: u64, signed: bool, verb: char, digits: &[u8; 17]) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative { u.wrapping_neg() } else { u };
        let mut prec = 0i64;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && u == 0 {
                let old = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1;
            }
        }
        // Built right to left, reversed at the end.
        let mut out: Vec<u8> = Vec::new();
        while u >= base {
            out.push(digits[(u % base) as usize]);
            u /= base;
        }
        out.push(digits[u as usize]);
        while (out.len() as i64) < prec {
            out.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => out.extend_from_slice(b"b0"),
                8 if out.last() != Some(&b'0') => out.push(b'0'),
                16 => {
                    out.push(digits[16]);
                    out.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            out.extend_from_slice(b"o0");
        }
        if negative {
            out.push(b'-');
        } else if self.f.plus {
            out.push(b'+');
        } else if self.f.space {
            out.push(b' ');
        }
        out.reverse();
        let old = self.f.zero;
        self.f.zero = false;
        self.pad(&out);
        self.f.zero = old;
    }

    fn truncate<'b>(&self, b: &'b [u8]) -> &'b [u8] {
        if self.f.prec_present {
            let mut n = self.f.prec;
            let mut i = 0;
            while i < b.len() {
                n -= 1;
                if n < 0 {
                    return &b[..i];
                }
                i += utf8_width(&b[i..]);
            }
        }
        b
    }

    fn fmt_s(&mut self, s: &[u8]) {
        let s = self.truncate(s).to_vec();
        self.pad(&s);
    }

    fn fmt_sbx(&mut self, b: &[u8], digits: &[u8; 17]) {
        let mut length = b.len() as i64;
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        if self.f.sharp {
            self.buf.push(b'0');
            self.buf.push(digits[16]);
        }
        for (i, &c) in b.iter().take(length as usize).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(b' ');
                if self.f.sharp {
                    self.buf.push(b'0');
                    self.buf.push(digits[16]);
                }
            }
            self.buf.push(digits[(c >> 4) as usize]);
            self.buf.push(digits[(c & 15) as usize]);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    fn fmt_q(&mut self, s: &[u8]) {
        let s = self.truncate(s).to_vec();
        if self.f.sharp && can_backquote(&s) {
            let mut q = vec![b'`'];
            q.extend_from_slice(&s);
            q.push(b'`');
            self.pad(&q);
            return;
        }
        let q = quote_bytes(&s, b'"', self.f.plus);
        self.pad(&q);
    }

    fn fmt_c(&mut self, c: u64) {
        let r = if c > 0x10FFFF { '\u{FFFD}' } else { char::from_u32(c as u32).unwrap_or('\u{FFFD}') };
        let mut b = [0u8; 4];
        let s = r.encode_utf8(&mut b).as_bytes().to_vec();
        self.pad(&s);
    }

    fn fmt_qc(&mut self, c: u64) {
        let r = if c > 0x10FFFF { '\u{FFFD}' } else { char::from_u32(c as u32).unwrap_or('\u{FFFD}') };
        let q = quote_rune(r, self.f.plus);
        self.pad(&q);
    }

    fn fmt_float_raw(&mut self, v: f64, verb: u8, prec: i64) {
        let prec = if self.f.prec_present { self.f.prec } else { prec };
        let s = format_float(v, verb, prec.clamp(i32::MIN as i64, i32::MAX as i64) as i32);
        let mut num: Vec<u8> = Vec::with_capacity(s.len() + 1);
        if s.starts_with('-') || s.starts_with('+') {
            num.extend_from_slice(s.as_bytes());
        } else {
            num.push(b'+');
            num.extend_from_slice(s.as_bytes());
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        if num[1] == b'I' || num[1] == b'N' {
            let old = self.f.zero;
            self.f.zero = false;
            if num[1] == b'N' && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = old;
            return;
        }
        if self.f.sharp && verb != b'b' {
            let mut digits: i64 = 0;
            if matches!(verb, b'v' | b'g' | b'G' | b'x') {
                digits = prec;
                if digits == -1 {
                    digits = 6;
                }
            }
            let mut tail: Vec<u8> = Vec::new();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut i = 1;
            while i < num.len() {
                let c = num[i];
                match c {
                    b'.' => has_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    b'e' | b'E' if verb != b'x' && verb != b'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    _ => {
                        if c != b'0' {
                            saw_nonzero = true;
                        }
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num[0] != b'+' {
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > num.len() as i64 {
                self.buf.push(num[0]);
                self.write_padding(self.f.wid - num.len() as i64);
                self.buf.extend_from_slice(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    // ---- pp level ----

    fn bad_verb(&mut self, verb: char, culprit: Culprit) {
        self.erroring = true;
        self.buf.extend_from_slice(b"%!");
        push_char(&mut self.buf, verb);
        self.buf.push(b'(');
        match culprit {
            Culprit::Value(Value::Invalid | Value::Nil) => self.buf.extend_from_slice(b"<nil>"),
            Culprit::Value(v) => {
                self.buf.extend_from_slice(v.type_name().as_bytes());
                self.buf.push(b'=');
                self.print_arg(v, 'v');
            }
            Culprit::Byte(b) => {
                self.buf.extend_from_slice(b"uint8=");
                self.fmt_int(b as u64, false, 'v', Culprit::Byte(b));
            }
        }
        self.buf.push(b')');
        self.erroring = false;
    }

    fn fmt_bool(&mut self, v: bool, verb: char, arg: &Value) {
        match verb {
            't' | 'v' => self.fmt_boolean(v),
            _ => self.bad_verb(verb, Culprit::Value(arg)),
        }
    }

    fn fmt_0x64(&mut self, v: u64, leading0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading0x;
        self.fmt_integer(v, 16, false, 'v', LDIGITS);
        self.f.sharp = sharp;
    }

    fn fmt_int(&mut self, v: u64, signed: bool, verb: char, culprit: Culprit) {
        match verb {
            'v' => {
                if self.f.sharp_v && !signed {
                    self.fmt_0x64(v, true)
                } else {
                    self.fmt_integer(v, 10, signed, verb, LDIGITS)
                }
            }
            'd' => self.fmt_integer(v, 10, signed, verb, LDIGITS),
            'b' => self.fmt_integer(v, 2, signed, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer(v, 8, signed, verb, LDIGITS),
            'x' => self.fmt_integer(v, 16, signed, verb, LDIGITS),
            'X' => self.fmt_integer(v, 16, signed, verb, UDIGITS),
            'c' => self.fmt_c(v),
            'q' => self.fmt_qc(v),
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb, culprit),
        }
    }

    fn fmt_float(&mut self, v: f64, verb: char, arg: &Value) {
        match verb {
            'v' => self.fmt_float_raw(v, b'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float_raw(v, verb as u8, -1),
            'f' | 'e' | 'E' => self.fmt_float_raw(v, verb as u8, 6),
            'F' => self.fmt_float_raw(v, b'f', 6),
            _ => self.bad_verb(verb, Culprit::Value(arg)),
        }
    }

    fn fmt_string(&mut self, s: &[u8], verb: char, arg: &Value) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(s)
                } else {
                    self.fmt_s(s)
                }
            }
            's' => self.fmt_s(s),
            'x' => self.fmt_sbx(s, LDIGITS),
            'X' => self.fmt_sbx(s, UDIGITS),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, Culprit::Value(arg)),
        }
    }

    /// `[]byte` printed by `fmtBytes` (`type_string` is `[]byte` at top level, `[]uint8` nested).
    fn fmt_bytes(&mut self, v: &[u8], verb: char, type_string: &str) {
        match verb {
            'v' | 'd' => {
                if self.f.sharp_v {
                    self.buf.extend_from_slice(type_string.as_bytes());
                    self.buf.push(b'{');
                    for (i, &c) in v.iter().enumerate() {
                        if i > 0 {
                            self.buf.extend_from_slice(b", ");
                        }
                        self.fmt_0x64(c as u64, true);
                    }
                    self.buf.push(b'}');
                } else {
                    self.buf.push(b'[');
                    for (i, &c) in v.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(b' ');
                        }
                        self.fmt_integer(c as u64, 10, false, verb, LDIGITS);
                    }
                    self.buf.push(b']');
                }
            }
            's' => self.fmt_s(v),
            'x' => self.fmt_sbx(v, LDIGITS),
            'X' => self.fmt_sbx(v, UDIGITS),
            'q' => self.fmt_q(v),
            _ => self.print_byte_slice(v, verb),
        }
    }

    /// A `[]uint8` through `printValue`'s slice case: each byte printed with the verb.
    fn print_byte_slice(&mut self, v: &[u8], verb: char) {
        if matches!(verb, 's' | 'q' | 'x' | 'X') {
            return self.fmt_bytes(v, verb, "[]uint8");
        }
        if self.f.sharp_v {
            self.buf.extend_from_slice(b"[]uint8{");
            for (i, &c) in v.iter().enumerate() {
                if i > 0 {
                    self.buf.extend_from_slice(b", ");
                }
                self.fmt_int(c as u64, false, verb, Culprit::Byte(c));
            }
            self.buf.push(b'}');
        } else {
            self.buf.push(b'[');
            for (i, &c) in v.iter().enumerate() {
                if i > 0 {
                    self.buf.push(b' ');
                }
                self.fmt_int(c as u64, false, verb, Culprit::Byte(c));
            }
            self.buf.push(b']');
        }
    }

    fn print_arg(&mut self, arg: &Value, verb: char) {
        if matches!(arg, Value::Invalid | Value::Nil) {
            match verb {
                'T' | 'v' => self.pad_string("<nil>"),
                _ => self.bad_verb(verb, Culprit::Value(arg)),
            }
            return;
        }
        match verb {
            'T' => {
                let t = arg.type_name();
                self.fmt_s(t.as_bytes());
                return;
            }
            'p' => {
                match arg {
                    Value::List(_) | Value::Map(_) | Value::Bytes(_) | Value::Object(_) => {
                        // Addresses are not observable; print a plausible Go heap pointer.
                        self.fmt_0x64(0xc000010000, !self.f.sharp)
                    }
                    _ => self.bad_verb('p', Culprit::Value(arg)),
                }
                return;
            }
            _ => {}
        }
        match arg {
            Value::Bytes(b) => self.fmt_bytes(b, verb, "[]byte"),
            _ => self.print_value(arg, verb, 0),
        }
    }

    /// Go's `handleMethods` for objects: a Stringer prints its `String()` for `v s x X q`.
    fn handle_methods(&mut self, arg: &Value, verb: char) -> bool {
        if self.erroring {
            return false;
        }
        let Value::Object(o) = arg else { return false };
        if self.f.sharp_v {
            let s = o.display();
            self.fmt_s(s.as_bytes());
            return true;
        }
        if matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') {
            let s = o.display();
            self.fmt_string(s.as_bytes(), verb, arg);
            return true;
        }
        false
    }

    /// Go's `fmtComplex`: `(re±imi)`, each part printed with the verb, the imaginary one always signed.
    fn fmt_complex(&mut self, re: f64, im: f64, verb: char, v: &Value) {
        if !matches!(verb, 'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E') {
            return self.bad_verb(verb, Culprit::Value(v));
        }
        let old_plus = self.f.plus;
        self.buf.push(b'(');
        self.fmt_float(re, verb, v);
        self.f.plus = true;
        self.fmt_float(im, verb, v);
        self.buf.extend_from_slice(b"i)");
        self.f.plus = old_plus;
    }

    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        if let Value::Object(o) = v {
            if let Some((re, im)) = o.complex_parts() {
                return self.fmt_complex(re, im, verb, v);
            }
        }
        if self.handle_methods(v, verb) {
            return;
        }
        match v {
            Value::Invalid | Value::Nil => {
                if depth == 0 {
                    self.buf.extend_from_slice(b"<invalid reflect.Value>");
                } else if self.f.sharp_v {
                    self.buf.extend_from_slice(b"interface {}(nil)");
                } else {
                    self.buf.extend_from_slice(b"<nil>");
                }
            }
            Value::Bool(b) => self.fmt_bool(*b, verb, v),
            Value::Int(i) | Value::Int64(i) => self.fmt_int(*i as u64, true, verb, Culprit::Value(v)),
            Value::Float(x) => self.fmt_float(*x, verb, v),
            Value::String(s) => self.fmt_string(s.as_bytes(), verb, v),
            Value::Bytes(b) => self.print_byte_slice(b, verb),
            Value::List(l) => {
                let items = l.borrow().clone();
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"[]interface {}{");
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.extend_from_slice(b", ");
                        }
                        self.print_value(item, verb, depth + 1);
                    }
                    self.buf.push(b'}');
                } else {
                    self.buf.push(b'[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(b' ');
                        }
                        self.print_value(item, verb, depth + 1);
                    }
                    self.buf.push(b']');
                }
            }
            Value::Map(m) => {
                let entries: Vec<(String, Value)> =
                    m.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"map[string]interface {}{");
                } else {
                    self.buf.extend_from_slice(b"map[");
                }
                for (i, (k, val)) in entries.iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.buf.extend_from_slice(b", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    let key = Value::str(k);
                    self.print_value(&key, verb, depth + 1);
                    self.buf.push(b':');
                    self.print_value(val, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            Value::Object(o) => match o.as_value() {
                Some(inner) => self.print_value(&inner, verb, depth + 1),
                None => self.bad_verb(verb, Culprit::Value(v)),
            },
        }
    }

    /// One operand of `Sprintf`: `%v` (and `%w`) move `#` and `+` to their `%v` meanings.
    fn print_verb(&mut self, arg: &Value, verb: char) {
        if verb == 'v' || verb == 'w' {
            self.f.sharp_v = self.f.sharp;
            self.f.sharp = false;
            self.f.plus_v = self.f.plus;
            self.f.plus = false;
        }
        if verb == 'w' {
            // Sprintf does not wrap errors: `%w` is a bad verb for every operand.
            self.bad_verb('w', Culprit::Value(arg));
        } else {
            self.print_arg(arg, verb);
        }
    }

    fn do_printf(&mut self, format: &str, a: &[Value]) {
        let fb = format.as_bytes();
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        let mut reordered = false;
        let mut i = 0usize;
        'format: while i < end {
            let mut good_arg_num = true;
            let lasti = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.extend_from_slice(&fb[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1;
            self.f = Flags::default();
            while i < end {
                let c = fb[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        if c.is_ascii_lowercase() && arg_num < a.len() {
                            self.print_verb(&a[arg_num], c as char);
                            arg_num += 1;
                            i += 1;
                            continue 'format;
                        }
                        break;
                    }
                }
                i += 1;
            }

            let mut idx = arg_number(arg_num, fb, i, a.len());
            if idx.seen {
                reordered = true;
            }
            good_arg_num &= idx.good;
            arg_num = idx.arg_num;
            i = idx.i;
            after_index = idx.found;

            if i < end && fb[i] == b'*' {
                i += 1;
                let (n, ok, next) = int_from_arg(a, arg_num);
                self.f.wid = n;
                self.f.wid_present = ok;
                arg_num = next;
                if !ok {
                    self.buf.extend_from_slice(b"%!(BADWIDTH)");
                }
                if self.f.wid < 0 {
                    self.f.wid = -self.f.wid;
                    self.f.minus = true;
                    self.f.zero = false;
                }
                after_index = false;
            } else {
                let (n, ok, next) = parse_num(fb, i, end);
                self.f.wid = n;
                self.f.wid_present = ok;
                i = next;
                if after_index && ok {
                    good_arg_num = false;
                }
            }

            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    good_arg_num = false;
                }
                idx = arg_number(arg_num, fb, i, a.len());
                if idx.seen {
                    reordered = true;
                }
                good_arg_num &= idx.good;
                arg_num = idx.arg_num;
                i = idx.i;
                after_index = idx.found;
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (n, ok, next) = int_from_arg(a, arg_num);
                    self.f.prec = n;
                    self.f.prec_present = ok;
                    arg_num = next;
                    if self.f.prec < 0 {
                        self.f.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.extend_from_slice(b"%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (n, ok, next) = parse_num(fb, i, end);
                    self.f.prec = n;
                    self.f.prec_present = ok;
                    i = next;
                    if !ok {
                        self.f.prec = 0;
                        self.f.prec_present = true;
                    }
                }
            }

            if !after_index {
                idx = arg_number(arg_num, fb, i, a.len());
                if idx.seen {
                    reordered = true;
                }
                good_arg_num &= idx.good;
                arg_num = idx.arg_num;
                i = idx.i;
            }

            if i >= end {
                self.buf.extend_from_slice(b"%!(NOVERB)");
                break;
            }

            let (verb, size) = decode_rune(&fb[i..]);
            i += size;

            if verb == '%' {
                self.buf.push(b'%');
            } else if !good_arg_num {
                self.buf.extend_from_slice(b"%!");
                push_char(&mut self.buf, verb);
                self.buf.extend_from_slice(b"(BADINDEX)");
            } else if arg_num >= a.len() {
                self.buf.extend_from_slice(b"%!");
                push_char(&mut self.buf, verb);
                self.buf.extend_from_slice(b"(MISSING)");
            } else {
                self.print_verb(&a[arg_num], verb);
                arg_num += 1;
            }
        }

        if !reordered && arg_num < a.len() {
            self.f = Flags::default();
            self.buf.extend_from_slice(b"%!(EXTRA ");
            for (n, arg) in a[arg_num..].iter().enumerate() {
                if n > 0 {
                    self.buf.extend_from_slice(b", ");
                }
                if matches!(arg, Value::Invalid | Value::Nil) {
                    self.buf.extend_from_slice(b"<nil>");
                } else {
                    self.buf.extend_from_slice(arg.type_name().as_bytes());
                    self.buf.push(b'=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(b')');
        }
    }
}

struct ArgIndex {
    arg_num: usize,
    i: usize,
    found: bool,
    /// An index bracket was present (Go sets `reordered`).
    seen: bool,
    good: bool,
}

fn arg_number(arg_num: usize, f: &[u8], i: usize, num_args: usize) -> ArgIndex {
    if f.len() <= i || f[i] != b'[' {
        return ArgIndex { arg_num, i, found: false, seen: false, good: true };
    }
    let (index, wid, ok) = parse_arg_number(&f[i..]);
    if ok && 0 <= index && (index as usize) < num_args {
        return ArgIndex { arg_num: index as usize, i: i + wid, found: true, seen: true, good: true };
    }
    ArgIndex { arg_num, i: i + wid, found: ok, seen: true, good: false }
}

fn parse_arg_number(f: &[u8]) -> (i64, usize, bool) {
    if f.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..f.len() {
        if f[i] == b']' {
            let (width, ok, newi) = parse_num(f, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

fn parse_num(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num = 0i64;
    let mut isnum = false;
    let mut newi = start;
    while newi < end && s[newi].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + (s[newi] - b'0') as i64;
        isnum = true;
        newi += 1;
    }
    (num, isnum, newi)
}

fn int_from_arg(a: &[Value], arg_num: usize) -> (i64, bool, usize) {
    if arg_num >= a.len() {
        return (0, false, arg_num);
    }
    let (mut num, mut ok) = match a[arg_num] {
        Value::Int(i) | Value::Int64(i) => (i, true),
        _ => (0, false),
    };
    if too_large(num) {
        num = 0;
        ok = false;
    }
    (num, ok, arg_num + 1)
}

fn decode_rune(b: &[u8]) -> (char, usize) {
    let w = utf8_width(b);
    match std::str::from_utf8(&b[..w.min(b.len())]) {
        Ok(s) => match s.chars().next() {
            Some(c) => (c, w),
            None => ('\u{FFFD}', 1),
        },
        Err(_) => ('\u{FFFD}', 1),
    }
}

/// Width of the UTF-8 sequence starting `b` (1 for an invalid byte, as Go's decoder steps).
fn utf8_width(b: &[u8]) -> usize {
    let n = match b.first() {
        None => return 0,
        Some(&c) if c < 0x80 => return 1,
        Some(&c) if c >> 5 == 0b110 => 2,
        Some(&c) if c >> 4 == 0b1110 => 3,
        Some(&c) if c >> 3 == 0b11110 => 4,
        Some(_) => return 1,
    };
    if b.len() >= n && std::str::from_utf8(&b[..n]).is_ok() {
        n
    } else {
        1
    }
}

fn rune_count(b: &[u8]) -> usize {
    let mut i = 0;
    let mut n = 0;
    while i < b.len() {
        i += utf8_width(&b[i..]);
        n += 1;
    }
    n
}

fn push_char(buf: &mut Vec<u8>, c: char) {
    let mut b = [0u8; 4];
    buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn floats_print_like_go() {
        assert_eq!(format_float_v(1000000.0), "1e+06");
        assert_eq!(format_float_v(123456789.0), "1.23456789e+08");
        assert_eq!(format_float_v(100000.0), "100000");
        assert_eq!(format_float_v(0.0001), "0.0001");
        assert_eq!(format_float_v(0.00001), "1e-05");
        assert_eq!(format_float_v(-0.0), "-0");
        assert_eq!(format_float_v(1.5), "1.5");
    }

    #[test]
    fn values_display_like_go() {
        let m = Value::map(
            [("b".to_string(), Value::list(vec![s("x"), s("y")])), ("a".to_string(), Value::Int(1))]
                .into_iter()
                .collect(),
        );
        assert_eq!(display(&m), "map[a:1 b:[x y]]");
        assert_eq!(display(&Value::Nil), "<nil>");
        assert_eq!(display(&Value::Invalid), "<no value>");
        assert_eq!(display(&Value::Bytes(b"hi"[..].into())), "[104 105]");
    }

    #[test]
    fn sprintf_error_markers() {
        assert_eq!(sprintf("%d", &[s("hi")]), "%!d(string=hi)");
        assert_eq!(sprintf("%s", &[]), "%!s(MISSING)");
        assert_eq!(sprintf("a", &[s("x")]), "a%!(EXTRA string=x)");
        assert_eq!(sprintf("%05.1f|%-5d|%+d|%x", &[Value::Float(3.14159), Value::Int(7), Value::Int(3), s("hi")]), "003.1|7    |+3|6869");
    }

    #[test]
    fn sprint_spaces_between_non_strings() {
        assert_eq!(sprint(&[Value::Int(1), Value::Int(2), s("a"), Value::Int(3), s("b"), s("c")]), "1 2a3bc");
        assert_eq!(sprintln(&[s("a"), Value::Int(1)]), "a 1\n");
    }
}

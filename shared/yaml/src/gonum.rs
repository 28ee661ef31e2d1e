//! Go's number text: strconv.FormatFloat ('g' and 'e'/'f' shortest), encoding/json's float format, and
//! strconv.ParseInt/ParseUint (base 0) and ParseFloat as yaml.v2's resolver calls them.

/// Shortest decimal digits and decimal point position of a finite, non-zero-or-zero float:
/// value = 0.d1d2d3... × 10^dp. For zero, digits "0", dp 1.
fn shortest_digits(sci: &str) -> (Vec<u8>, i32) {
    // `sci` is Rust's `{:e}` output without sign: "1.2345e-7" / "5e3" / "0e0".
    let (mant, exp) = match sci.find('e') {
        Some(p) => (&sci[..p], sci[p + 1..].parse::<i32>().unwrap_or(0)),
        None => (sci, 0),
    };
    let digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    if digits.iter().all(|&d| d == b'0') {
        return (vec![b'0'], 1);
    }
    (digits, exp + 1)
}

fn digits_of(f: f64, bits32: bool) -> (bool, Vec<u8>, i32) {
    let neg = f.is_sign_negative();
    let a = f.abs();
    let s = if bits32 { format!("{:e}", a as f32) } else { format!("{:e}", a) };
    let (d, dp) = shortest_digits(&s);
    if d == [b'0'] {
        // Go: zero has nd = 0, dp = 0; formats as "0".
        return (neg, Vec::new(), 0);
    }
    (neg, d, dp)
}

fn fmt_e(out: &mut String, d: &[u8], dp: i32) {
    // One digit, point, rest; exponent with at least two digits.
    let first = if d.is_empty() { b'0' } else { d[0] };
    out.push(first as char);
    if d.len() > 1 {
        out.push('.');
        for &c in &d[1..] {
            out.push(c as char);
        }
    }
    out.push('e');
    let exp = if d.is_empty() { 0 } else { dp - 1 };
    if exp < 0 {
        out.push('-');
    } else {
        out.push('+');
    }
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
        out.push_str(&e.to_string());
    } else {
        out.push_str(&e.to_string());
    }
}

fn fmt_f(out: &mut String, d: &[u8], dp: i32) {
    let nd = d.len() as i32;
    if dp > 0 {
        let m = dp.min(nd);
        for &c in &d[..m as usize] {
            out.push(c as char);
        }
        for _ in m..dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    let prec = (nd - dp).max(0);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = dp + i - 1;
            if j < 0 || j >= nd {
                out.push('0');
            } else {
                out.push(d[j as usize] as char);
            }
        }
    }
}

/// strconv.FormatFloat(f, 'g', -1, 64 or 32).
pub fn format_g(f: f64, bits32: bool) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let (neg, d, dp) = digits_of(f, bits32);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let exp = dp - 1;
    if !d.is_empty() && (exp < -4 || exp >= 6) {
        fmt_e(&mut out, &d, dp);
    } else {
        fmt_f(&mut out, &d, dp);
    }
    out
}

/// encoding/json's float64 text: 'f' unless |f| < 1e-6 or |f| >= 1e21, then 'e' with `e-07` → `e-7`.
pub fn format_json(f: f64) -> String {
    let a = f.abs();
    let use_e = a != 0.0 && (a < 1e-6 || a >= 1e21);
    let (neg, d, dp) = digits_of(f, false);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if use_e {
        fmt_e(&mut out, &d, dp);
        let b = out.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            let last = b[n - 1];
            out.truncate(n - 2);
            out.push(last as char);
        }
    } else {
        fmt_f(&mut out, &d, dp);
    }
    out
}

#[derive(Debug, PartialEq)]
pub enum NumErr {
    Syntax,
    Range,
}

/// strconv.ParseUint(s, 0, 64) (underscores already removed by the caller).
pub fn parse_uint0(s: &str) -> Result<u64, NumErr> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(NumErr::Syntax);
    }
    let mut base = 10u64;
    let mut rest = b;
    if b[0] == b'0' {
        let l = |c: u8| c | 0x20;
        if b.len() >= 3 && l(b[1]) == b'b' {
            base = 2;
            rest = &b[2..];
        } else if b.len() >= 3 && l(b[1]) == b'o' {
            base = 8;
            rest = &b[2..];
        } else if b.len() >= 3 && l(b[1]) == b'x' {
            base = 16;
            rest = &b[2..];
        } else {
            base = 8;
            rest = &b[1..];
        }
    }
    let cutoff = u64::MAX / base + 1;
    let mut n: u64 = 0;
    for &c in rest {
        let d = match c {
            b'0'..=b'9' => (c - b'0') as u64,
            b'a'..=b'z' => (c - b'a' + 10) as u64,
            b'A'..=b'Z' => (c - b'A' + 10) as u64,
            _ => return Err(NumErr::Syntax),
        };
        if d >= base {
            return Err(NumErr::Syntax);
        }
        if n >= cutoff {
            return Err(NumErr::Range);
        }
        n *= base;
        let n1 = n.wrapping_add(d);
        if n1 < n {
            return Err(NumErr::Range);
        }
        n = n1;
    }
    Ok(n)
}

/// strconv.ParseInt(s, 0, 64).
pub fn parse_int0(s: &str) -> Result<i64, NumErr> {
    if s.is_empty() {
        return Err(NumErr::Syntax);
    }
    let (neg, body) = if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else {
        (false, s)
    };
    let un = parse_uint0(body)?;
    let cutoff = 1u64 << 63;
    if !neg && un >= cutoff {
        return Err(NumErr::Range);
    }
    if neg && un > cutoff {
        return Err(NumErr::Range);
    }
    Ok(if neg { (un as i64).wrapping_neg() } else { un as i64 })
}

/// Go's underscoreOK: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        b = &b[1..];
    }
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1] | 0x20 == b'x';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = b'0';
            i += 1;
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            i += 1;
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
        i += 1;
    }
    saw != b'_'
}

/// strconv.ParseFloat(s, 64) for decimal text (yaml.v2 never reaches the hex or inf/nan forms here).
/// Overflow is an error, as in Go.
pub fn parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut digits = 0;
    let mut underscores = false;
    let mut seen_dot = false;
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if !seen_dot => seen_dot = true,
            b'0'..=b'9' => digits += 1,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] | 0x20) == b'e' {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let mut ed = 0;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else {
                ed += 1;
            }
            i += 1;
        }
        if ed == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    match clean.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format() {
        assert_eq!(format_g(1e21, false), "1e+21");
        assert_eq!(format_g(1e-7, false), "1e-07");
        assert_eq!(format_g(2.5e-5, false), "2.5e-05");
        assert_eq!(format_g(1234567.5, false), "1.2345675e+06");
        assert_eq!(format_g(0.5, false), "0.5");
        assert_eq!(format_g(100000.0, false), "100000");
        assert_eq!(format_g(0.0001, false), "0.0001");
        assert_eq!(format_g(0.0, false), "0");
        assert_eq!(format_g(-0.0, false), "-0");
        assert_eq!(format_g(1.5, true), "1.5");
        assert_eq!(format_g(0.1, true), "0.1");
    }

    #[test]
    fn json_format() {
        assert_eq!(format_json(1e21), "1e+21");
        assert_eq!(format_json(1e20), "100000000000000000000");
        assert_eq!(format_json(1e-7), "1e-7");
        assert_eq!(format_json(0.000001), "0.000001");
        assert_eq!(format_json(-0.0), "-0");
        assert_eq!(format_json(3.0), "3");
        assert_eq!(format_json(1.5e-10), "1.5e-10");
    }

    #[test]
    fn ints() {
        assert_eq!(parse_int0("0755"), Ok(493));
        assert_eq!(parse_int0("0x1F"), Ok(31));
        assert_eq!(parse_int0("-0b101"), Ok(-5));
        assert_eq!(parse_int0("0"), Ok(0));
        assert_eq!(parse_int0("08"), Err(NumErr::Syntax));
        assert_eq!(parse_int0("0x"), Err(NumErr::Syntax));
        assert_eq!(parse_int0("9223372036854775808"), Err(NumErr::Range));
        assert_eq!(parse_int0("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_uint0("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float(".5_5"), Some(0.55));
        assert_eq!(parse_float("._5"), None);
        assert_eq!(parse_float("."), None);
        assert_eq!(parse_float("1e400"), None);
    }
}

//! Shared helpers: registration shorthands, Go's conversions (`strval`, spf13/cast), `reflect.DeepEqual`,
//! Sprig's `empty`, and Go's runtime panic texts.

use gotemplate::fmt as gofmt;
use gotemplate::{ArgType, FuncMap, Function, Signature, Value};

pub type R = Result<Value, String>;

/// Register a function that does not need the runtime.
pub fn reg(map: &mut FuncMap, name: &str, params: &[ArgType], f: impl Fn(&[Value]) -> R + 'static) {
    map.insert(name.to_string(), Function::pure(Signature::new(params), f));
}

/// Register a function with a variadic tail.
pub fn reg_var(
    map: &mut FuncMap,
    name: &str,
    params: &[ArgType],
    rest: ArgType,
    f: impl Fn(&[Value]) -> R + 'static,
) {
    map.insert(name.to_string(), Function::pure(Signature::variadic(params, rest), f));
}

/// Argument `i` (Invalid when absent, so bodies never index out of bounds).
pub fn arg(args: &[Value], i: usize) -> &Value {
    const NONE: &Value = &Value::Invalid;
    args.get(i).unwrap_or(NONE)
}

/// A `string` parameter.
pub fn s(args: &[Value], i: usize) -> String {
    match arg(args, i) {
        Value::String(s) => s.to_string(),
        Value::Invalid | Value::Nil => String::new(),
        v => strval(v),
    }
}

/// The bytes of an `ArgType::ByteString` parameter (a string, or the raw bytes of a non-UTF-8 one).
pub fn bytes_of(args: &[Value], i: usize) -> std::borrow::Cow<'_, [u8]> {
    match arg(args, i) {
        Value::String(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
        Value::Bytes(b) => std::borrow::Cow::Borrowed(b),
        v => std::borrow::Cow::Owned(s(std::slice::from_ref(v), 0).into_bytes()),
    }
}

/// An `int` / `int64` parameter.
pub fn int(args: &[Value], i: usize) -> i64 {
    match arg(args, i) {
        Value::Int(n) | Value::Int64(n) => *n,
        v => to_int64(v),
    }
}

/// Sprig's `strval`: strings and bytes as they are, Stringers via `String()`, the rest via `%v`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Object(o) => o.display(),
        Value::Invalid | Value::Nil => "<nil>".to_string(),
        v => gofmt::display(v),
    }
}

/// Go's `int64(f)` conversion of a float64 as amd64 does it: out of range and NaN give MinInt64.
pub fn float_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// spf13/cast's `trimZeroDecimal`: "10.00" → "10".
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    let mut i = b.len();
    while i > 0 {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
        i -= 1;
    }
    s
}

/// Go's `strconv.ParseInt(s, base, 64)` for base 0 (prefixes, underscores) or an explicit base.
pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mag = parse_uint(body, base)?;
    if neg {
        if mag > 1u64 << 63 {
            return None;
        }
        Some((mag as i64).wrapping_neg())
    } else {
        if mag >= 1u64 << 63 {
            return None;
        }
        Some(mag as i64)
    }
}

/// Go's `strconv.ParseUint` (without sign).
pub fn parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let base0 = base == 0;
    let (base, digits) = if base0 {
        let lower = s.to_ascii_lowercase();
        if s.len() >= 3 && lower.starts_with("0x") {
            (16, &s[2..])
        } else if s.len() >= 3 && lower.starts_with("0b") {
            (2, &s[2..])
        } else if s.len() >= 3 && lower.starts_with("0o") {
            (8, &s[2..])
        } else if s.len() > 1 && s.starts_with('0') {
            (8, &s[1..])
        } else {
            (10, s)
        }
    } else {
        (base, s)
    };
    if s.contains('_') && (!base0 || !underscore_ok_check(s)) {
        return None;
    }
    let mut n: u64 = 0;
    let mut saw_digit = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.checked_mul(base as u64)?.checked_add(d as u64)?;
        saw_digit = true;
    }
    if !saw_digit {
        return None;
    }
    Some(n)
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix). Returns true when
/// the placement is valid.
fn underscore_ok_check(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' {
        let c = b[1].to_ascii_lowercase();
        if c == b'x' || c == b'b' || c == b'o' {
            hex = c == b'x';
            i = 2;
            saw = b'0';
        }
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)`: `None` for syntax errors and out-of-range values.
pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s).to_ascii_lowercase();
    if t == "inf" || t == "infinity" || t == "nan" {
        return s.parse::<f64>().ok();
    }
    if t.starts_with("0x") {
        return parse_hex_float(s);
    }
    if t.starts_with('n') || t.starts_with('i') {
        return None;
    }
    let owned;
    let s = if s.contains('_') {
        let body = s.strip_prefix(['+', '-']).unwrap_or(s);
        if !underscore_ok_check(body) {
            return None;
        }
        owned = s.replace('_', "");
        owned.as_str()
    } else {
        s
    };
    let v: f64 = s.parse().ok()?;
    if v.is_infinite() {
        return None;
    }
    Some(v)
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let body = &body[2..];
    let (mant, exp) = match body.find(['p', 'P']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
        None => return None,
    };
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    if ip.is_empty() && fp.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in ip.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in fp.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp);
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// spf13/cast `ToInt64` (errors become 0).
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => float_to_i64(*f),
        Value::String(s) => parse_int(trim_zero_decimal(s), 0).unwrap_or(0),
        Value::Bool(b) => *b as i64,
        _ => 0,
    }
}

/// spf13/cast `ToFloat64` (errors become 0).
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        Value::Bool(b) => *b as i64 as f64,
        _ => 0.0,
    }
}

/// Sprig's `empty`: nil, zero numbers, false, and empty strings, lists and maps.
pub fn empty(v: &Value) -> bool {
    !v.is_true()
}

/// Go's `reflect.DeepEqual` over template values: the types must match too (`1` is not `int64 1`).
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Invalid | Value::Nil, Value::Invalid | Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            if std::rc::Rc::ptr_eq(x, y) {
                return true;
            }
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Object(x), Value::Object(y)) => {
            std::rc::Rc::ptr_eq(x, y)
                || (x.type_name() == y.type_name()
                    && match (x.as_value(), y.as_value()) {
                        (Some(p), Some(q)) => deep_equal(&p, &q),
                        _ => x.display() == y.display(),
                    })
        }
        _ => false,
    }
}

/// The items of a slice-kinded value (lists, `[]byte`, named slice types); `None` for other kinds.
pub fn list_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.borrow().clone()),
        Value::Bytes(b) => Some(b.iter().map(|&c| Value::Int(c as i64)).collect()),
        Value::Object(o) => match o.as_value() {
            Some(Value::List(l)) => Some(l.borrow().clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Go's text for `reflect.TypeOf(nil).Kind()`: calling a method on a nil Type.
pub const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// Go's `reflect.Kind` name of a value for Sprig's "Cannot … on type %s" errors; `Err` for nil, where
/// Go dereferences a nil `reflect.Type` and panics.
pub fn kind_of(v: &Value) -> Result<&'static str, String> {
    match v {
        Value::Invalid | Value::Nil => Err(NIL_DEREF.to_string()),
        v => Ok(v.kind_name()),
    }
}

/// A list of strings as Sprig returns `[]string`.
pub fn str_list(items: impl IntoIterator<Item = String>) -> Value {
    Value::list(items.into_iter().map(Value::string).collect())
}

/// Sprig's `strslice` (`toStrings`): list items via `strval`, nils dropped; a scalar becomes one item.
pub fn strslice(v: &Value) -> Vec<String> {
    if let Some(items) = list_items(v) {
        return match v {
            Value::Bytes(_) => items.iter().map(strval).collect(),
            _ => items.iter().filter(|x| !matches!(x, Value::Nil | Value::Invalid)).map(strval).collect(),
        };
    }
    match v {
        Value::Nil | Value::Invalid => Vec::new(),
        v => vec![strval(v)],
    }
}

/// The map of a `map[string]interface{}` parameter (named map types seen through `as_value`).
pub fn map_arg(v: &Value) -> Option<gotemplate::value::MapRef> {
    match v {
        Value::Map(m) => Some(m.clone()),
        Value::Object(o) => match o.as_value() {
            Some(Value::Map(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

/// Go's panic text for a bad type assertion `x.(map[string]interface {})`.
pub fn assert_map_err(v: &Value) -> String {
    let t = match v {
        Value::Invalid | Value::Nil => "nil".to_string(),
        v => v.type_name(),
    };
    format!("interface conversion: interface {{}} is {t}, not map[string]interface {{}}")
}

/// Go's panic text for slicing out of range, `s[lo:hi]` with length `len`.
pub fn slice_bounds_err(lo: Option<i64>, hi: Option<i64>, len: usize) -> String {
    match (lo, hi) {
        (None, Some(h)) => format!("runtime error: slice bounds out of range [:{h}] with length {len}"),
        (Some(l), None) => format!("runtime error: slice bounds out of range [{l}:{len}]"),
        (Some(l), Some(h)) => {
            if h < 0 || h as usize > len {
                format!("runtime error: slice bounds out of range [:{h}] with length {len}")
            } else {
                format!("runtime error: slice bounds out of range [{l}:{h}]")
            }
        }
        (None, None) => "runtime error: slice bounds out of range".to_string(),
    }
}

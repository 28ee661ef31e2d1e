//! Go's `fmt` verbs `%v`, `%t` and `%q` for values, as they appear inside Helm's warning and error
//! texts (`map[a:1]`, `%!t(int64=3)`, `"key"`).

use serde_json::Value;

/// Shortest decimal digits and exponent of `f` (f ≠ 0, finite): ("123", 2) means 1.23e2.
fn shortest_digits(f: f64) -> (String, i32) {
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    (mant.chars().filter(|c| c.is_ascii_digit()).collect(), exp.parse().unwrap_or(0))
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` with `%e` when the exponent is < -4 or >= `limit`
/// (`limit` 21 for `%v`, 6 for `%g`... Go uses 21 for `%v`).
pub(crate) fn go_float(f: f64, limit: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let (digits, exp) = shortest_digits(f);
    if exp < -4 || exp >= limit {
        let (first, rest) = digits.split_at(1);
        let mut s = format!("{}{}", sign, first);
        if !rest.is_empty() {
            s.push('.');
            s.push_str(rest);
        }
        s.push_str(&format!("e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs()));
        s
    } else if exp < 0 {
        format!("{}0.{}{}", sign, "0".repeat((-exp - 1) as usize), digits)
    } else {
        let point = (exp + 1) as usize;
        if digits.len() <= point {
            format!("{}{}{}", sign, digits, "0".repeat(point - digits.len()))
        } else {
            format!("{}{}.{}", sign, &digits[..point], &digits[point..])
        }
    }
}

fn number_v(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64().filter(|_| !n.is_f64()) {
        return i.to_string();
    }
    if let Some(u) = n.as_u64().filter(|_| !n.is_f64()) {
        return u.to_string();
    }
    go_float(n.as_f64().unwrap_or(0.0), 21)
}

/// Go's `%v` of a decoded JSON/YAML value.
pub(crate) fn go_fmt_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_v(n),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_fmt_v).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            format!("map[{}]", m.iter().map(|(k, v)| format!("{}:{}", k, go_fmt_v(v))).collect::<Vec<_>>().join(" "))
        }
    }
}

/// The Go type name of a decoded value (`%T`).
pub(crate) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if !n.is_f64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Go's `%t` of a decoded value: booleans print, everything else is a `%!t(type=value)` complaint.
pub(crate) fn go_fmt_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Null => "%!t(<nil>)".into(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_fmt_t).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("%!t(string={}):{}", k, go_fmt_t(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => format!("%!t({}={})", go_type(other), go_fmt_v(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verbs() {
        assert_eq!(go_fmt_v(&json!({"x": 1.0, "l": [1.5, "a", null, true]})), "map[l:[1.5 a <nil> true] x:1]");
        assert_eq!(go_fmt_v(&json!(1e21)), "1e+21");
        assert_eq!(go_fmt_v(&json!(1e20)), "100000000000000000000");
        assert_eq!(go_fmt_v(&json!(0.00001)), "1e-05");
        assert_eq!(go_fmt_v(&json!(3)), "3");
        assert_eq!(go_fmt_t(&json!(3)), "%!t(int64=3)");
        assert_eq!(go_fmt_t(&json!(3.0)), "%!t(float64=3)");
        assert_eq!(go_fmt_t(&json!("a")), "%!t(string=a)");
        assert_eq!(go_fmt_t(&json!(null)), "%!t(<nil>)");
    }
}

//! Sprig's numeric functions (numeric.go): spf13/cast conversions, integer and decimal arithmetic,
//! ranges (`until`, `untilStep`, `seq`).

use crate::decimal::Dec;
use crate::util::*;
use gotemplate::ArgType::{Any, Float64, Int, String as Str};
use gotemplate::{FuncMap, Value};

pub fn register(m: &mut FuncMap) {
    reg(m, "atoi", &[Str], |a| Ok(Value::Int(atoi(&s(a, 0)))));
    reg(m, "int64", &[Any], |a| Ok(Value::Int64(to_int64(arg(a, 0)))));
    reg(m, "int", &[Any], |a| Ok(Value::Int(to_int64(arg(a, 0)))));
    reg(m, "float64", &[Any], |a| Ok(Value::Float(to_float64(arg(a, 0)))));
    reg(m, "toDecimal", &[Any], |a| {
        let text = gotemplate::fmt::sprint(&[arg(a, 0).clone()]);
        Ok(Value::Int64(parse_int(&text, 8).unwrap_or(0)))
    });
    reg_var(m, "seq", &[], Int, |a| Ok(Value::string(seq(&a.iter().map(|v| int(std::slice::from_ref(v), 0)).collect::<Vec<_>>()))));
    reg(m, "until", &[Int], |a| {
        let n = int(a, 0);
        Ok(int_list(until_step(0, n, if n < 0 { -1 } else { 1 })))
    });
    reg(m, "untilStep", &[Int, Int, Int], |a| Ok(int_list(until_step(int(a, 0), int(a, 1), int(a, 2)))));
    reg(m, "add1", &[Any], |a| Ok(Value::Int64(to_int64(arg(a, 0)).wrapping_add(1))));
    reg_var(m, "add", &[], Any, |a| Ok(Value::Int64(a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))))));
    reg(m, "sub", &[Any, Any], |a| Ok(Value::Int64(to_int64(arg(a, 0)).wrapping_sub(to_int64(arg(a, 1))))));
    reg(m, "div", &[Any, Any], |a| {
        let (x, y) = (to_int64(arg(a, 0)), to_int64(arg(a, 1)));
        if y == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        Ok(Value::Int64(x.wrapping_div(y)))
    });
    reg(m, "mod", &[Any, Any], |a| {
        let (x, y) = (to_int64(arg(a, 0)), to_int64(arg(a, 1)));
        if y == 0 {
            return Err("runtime error: integer divide by zero".into());
        }
        Ok(Value::Int64(x.wrapping_rem(y)))
    });
    reg_var(m, "mul", &[Any], Any, |a| {
        Ok(Value::Int64(a[1..].iter().fold(to_int64(arg(a, 0)), |acc, v| acc.wrapping_mul(to_int64(v)))))
    });
    reg(m, "add1f", &[Any], |a| decimal_op(arg(a, 0), &[Value::Int(1)], Dec::add));
    reg_var(m, "addf", &[], Any, |a| decimal_op(&Value::Float(0.0), a, Dec::add));
    reg_var(m, "subf", &[Any], Any, |a| decimal_op(arg(a, 0), &a[1..], Dec::sub));
    reg_var(m, "mulf", &[Any], Any, |a| decimal_op(arg(a, 0), &a[1..], Dec::mul));
    reg_var(m, "divf", &[Any], Any, |a| {
        let mut acc = Dec::from_f64(to_float64(arg(a, 0)))?;
        for v in &a[1..] {
            acc = acc.div(&Dec::from_f64(to_float64(v))?)?;
        }
        Ok(Value::Float(acc.to_f64()))
    });
    for name in ["biggest", "max"] {
        reg_var(m, name, &[Any], Any, |a| Ok(Value::Int64(a.iter().map(to_int64).max().unwrap_or(0))));
    }
    reg_var(m, "min", &[Any], Any, |a| Ok(Value::Int64(a.iter().map(to_int64).min().unwrap_or(0))));
    reg_var(m, "maxf", &[Any], Any, |a| {
        Ok(Value::Float(a[1..].iter().fold(to_float64(arg(a, 0)), |acc, v| go_max(acc, to_float64(v)))))
    });
    reg_var(m, "minf", &[Any], Any, |a| {
        Ok(Value::Float(a[1..].iter().fold(to_float64(arg(a, 0)), |acc, v| go_min(acc, to_float64(v)))))
    });
    reg(m, "floor", &[Any], |a| Ok(Value::Float(to_float64(arg(a, 0)).floor())));
    reg(m, "ceil", &[Any], |a| Ok(Value::Float(to_float64(arg(a, 0)).ceil())));
    reg_var(m, "round", &[Any, Int], Float64, |a| {
        let round_on = match a.get(2) {
            Some(Value::Float(f)) => *f,
            Some(v) => to_float64(v),
            None => 0.5,
        };
        Ok(Value::Float(round(to_float64(arg(a, 0)), int(a, 1), round_on)))
    });
}

/// `strconv.Atoi` with the error dropped: 0 for bad syntax, the clamped value on overflow.
fn atoi(s: &str) -> i64 {
    if let Some(n) = parse_int(s, 10) {
        return n;
    }
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return if s.starts_with('-') { i64::MIN } else { i64::MAX };
    }
    0
}

fn int_list(v: Vec<i64>) -> Value {
    Value::list(v.into_iter().map(Value::Int).collect())
}

/// Sprig's `untilStep` (a million-item cap stands in for Go running out of memory).
pub fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    const CAP: usize = 10_000_000;
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop && v.len() < CAP {
            v.push(i);
            i = i.wrapping_add(step);
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop && v.len() < CAP {
        v.push(i);
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    v
}

fn seq(params: &[i64]) -> String {
    let join = |v: Vec<i64>| v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" ");
    match params.len() {
        1 => {
            let (start, end) = (1, params[0]);
            let inc = if end < start { -1 } else { 1 };
            join(until_step(start, end + inc, inc))
        }
        2 => {
            let (start, end) = (params[0], params[1]);
            let step = if end < start { -1 } else { 1 };
            join(until_step(start, end + step, step))
        }
        3 => {
            let (start, step, end) = (params[0], params[1], params[2]);
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return String::new();
                }
            }
            join(until_step(start, end + inc, step))
        }
        _ => String::new(),
    }
}

/// Go's `math.Max`: NaN wins, +0 beats -0.
fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y {
        x
    } else {
        y
    }
}

fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y {
        x
    } else {
        y
    }
}

fn round(val: f64, places: i64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places as f64);
    let digit = pow * val;
    let div = digit - digit.trunc();
    let r = if div >= round_on { digit.ceil() } else { digit.floor() };
    r / pow
}

fn decimal_op(first: &Value, rest: &[Value], f: fn(&Dec, &Dec) -> Dec) -> R {
    let mut acc = Dec::from_f64(to_float64(first))?;
    for v in rest {
        acc = f(&acc, &Dec::from_f64(to_float64(v))?);
    }
    Ok(Value::Float(acc.to_f64()))
}

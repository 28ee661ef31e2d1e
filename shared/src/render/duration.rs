//! Helm v4.3's duration functions (`mustToDuration`, `durationSeconds` … `durationTruncateTo`) and the
//! Go `time.Duration` value they return.

use crate::template::{ArgType, FuncMap, Function, Object, Signature, Value};
use gosprig::date::{duration_string, parse_duration};
use std::rc::Rc;

const SECOND: i64 = 1_000_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// A Go `time.Duration` (nanoseconds): prints as `1h2m3s`, marshals as its integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub i64);

impl Duration {
    fn seconds(self) -> f64 {
        (self.0 / SECOND) as f64 + (self.0 % SECOND) as f64 / 1e9
    }
    fn minutes(self) -> f64 {
        (self.0 / MINUTE) as f64 + (self.0 % MINUTE) as f64 / (60e9)
    }
    fn hours(self) -> f64 {
        (self.0 / HOUR) as f64 + (self.0 % HOUR) as f64 / (60.0 * 60e9)
    }
    /// Go's `Duration.Round`.
    pub fn round(self, m: i64) -> i64 {
        let d = self.0;
        if m <= 0 {
            return d;
        }
        let less_than_half = |x: i64, y: i64| (x as u64).wrapping_add(x as u64) < y as u64;
        let mut r = d % m;
        if d < 0 {
            r = -r;
            if less_than_half(r, m) {
                return d + r;
            }
            return match (d - m).checked_add(r) {
                Some(d1) if d1 < d => d1,
                _ => i64::MIN,
            };
        }
        if less_than_half(r, m) {
            return d - r;
        }
        match d.checked_add(m - r) {
            Some(d1) if d1 > d => d1,
            _ => i64::MAX,
        }
    }
    /// Go's `Duration.Truncate`.
    pub fn truncate(self, m: i64) -> i64 {
        if m <= 0 {
            self.0
        } else {
            self.0 - self.0 % m
        }
    }
}

impl Object for Duration {
    fn type_name(&self) -> String {
        "time.Duration".into()
    }
    fn kind(&self) -> &'static str {
        "int64"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "String" => Value::string(duration_string(self.0)),
            "Seconds" => Value::Float(self.seconds()),
            "Minutes" => Value::Float(self.minutes()),
            "Hours" => Value::Float(self.hours()),
            "Milliseconds" => Value::Int64(self.0 / 1_000_000),
            "Microseconds" => Value::Int64(self.0 / 1_000),
            "Nanoseconds" => Value::Int64(self.0),
            "Abs" => Value::Object(Rc::new(Duration(if self.0 >= 0 {
                self.0
            } else if self.0 == i64::MIN {
                i64::MAX
            } else {
                -self.0
            }))),
            _ => return None,
        })
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "String"
                | "Seconds"
                | "Minutes"
                | "Hours"
                | "Milliseconds"
                | "Microseconds"
                | "Nanoseconds"
                | "Abs"
                | "Round"
                | "Truncate"
        )
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let m = match args {
            [Value::Object(o)] if o.type_name() == "time.Duration" => o.to_json().and_then(|j| j.as_i64()),
            [Value::Int(n) | Value::Int64(n)] => Some(*n),
            _ => None,
        };
        let round = |f: fn(Duration, i64) -> i64| match m {
            Some(m) => Ok(Value::Object(Rc::new(Duration(f(*self, m))))),
            None => Err(format!("wrong number of args for {name}: want 1 got {}", args.len())),
        };
        match name {
            "Round" => Some(round(Duration::round)),
            "Truncate" => Some(round(Duration::truncate)),
            _ => None,
        }
    }
    fn display(&self) -> String {
        duration_string(self.0)
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::Int64(self.0))
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::from(self.0))
    }
}

const MAX_SECONDS: i64 = i64::MAX / SECOND;
const MIN_SECONDS: i64 = i64::MIN / SECOND;

/// Go's `%v` of a float64 (`1e+20`, `NaN`, `+Inf`).
fn go_float(f: f64) -> String {
    gotemplate::fmt::format_float_v(f)
}

fn from_seconds_float(seconds: f64) -> Result<i64, String> {
    if seconds.is_nan() || seconds.is_infinite() {
        return Err(format!("invalid duration seconds: {}", go_float(seconds)));
    }
    let (max, min) = (i64::MAX as f64 / SECOND as f64, i64::MIN as f64 / SECOND as f64);
    if seconds > max || seconds < min {
        return Err(format!("duration seconds overflow: {}", go_float(seconds)));
    }
    let nanos = seconds * SECOND as f64;
    if nanos > i64::MAX as f64 || nanos < i64::MIN as f64 {
        return Err(format!("duration nanoseconds overflow: {}", go_float(nanos)));
    }
    // Go's float-to-int conversion truncates toward zero (`as` saturates at the edges, which the
    // checks above keep away from).
    Ok(nanos as i64)
}

fn from_seconds_int(seconds: i64) -> Result<i64, String> {
    if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
        return Err(format!("duration seconds overflow: {seconds}"));
    }
    Ok(seconds * SECOND)
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms a duration text takes (decimal, exponent, inf/nan).
fn parse_go_float(s: &str) -> Option<f64> {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = t.to_ascii_lowercase();
    let named = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if !named && !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    if lower == "nan" && s.len() != t.len() {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Helm's `asDuration`: a Duration, a Go duration text (`1h2m`), a number text (seconds), or a number
/// (seconds).
pub fn as_duration(v: &Value) -> Result<i64, String> {
    match v {
        Value::Object(o) if o.type_name() == "time.Duration" => Ok(o.to_json().and_then(|j| j.as_i64()).unwrap_or(0)),
        Value::String(s) => {
            let t = s.trim_matches(|c: char| c.is_whitespace());
            if t.is_empty() {
                return Err("empty duration".into());
            }
            if let Ok(d) = parse_duration(t) {
                return Ok(d);
            }
            if let Some(f) = parse_go_float(t) {
                return from_seconds_float(f);
            }
            Err(format!("could not parse duration {}", super::funcs::go_quote(s)))
        }
        Value::Nil | Value::Invalid => Err("invalid duration".into()),
        Value::Int(n) | Value::Int64(n) => from_seconds_int(*n),
        Value::Float(f) => from_seconds_float(*f),
        other => Err(format!("unsupported duration type {}", other.type_name())),
    }
}

fn duration_value(d: i64) -> Value {
    Value::Object(Rc::new(Duration(d)))
}

/// Add Helm v4.3's duration functions to `map`.
pub fn register(map: &mut FuncMap) {
    let any1 = Signature::new(&[ArgType::Any]);
    let any2 = Signature::new(&[ArgType::Any, ArgType::Any]);
    map.insert("mustToDuration".into(), Function::pure(any1.clone(), |a| as_duration(&a[0]).map(duration_value)));
    let float = |f: fn(Duration) -> f64| {
        move |a: &[Value]| Ok(Value::Float(as_duration(&a[0]).map_or(0.0, |d| f(Duration(d)))))
    };
    let int = |div: i64| move |a: &[Value]| Ok(Value::Int64(as_duration(&a[0]).map_or(0, |d| d / div)));
    map.insert("durationSeconds".into(), Function::pure(any1.clone(), float(Duration::seconds)));
    map.insert("durationMinutes".into(), Function::pure(any1.clone(), float(Duration::minutes)));
    map.insert("durationHours".into(), Function::pure(any1.clone(), float(Duration::hours)));
    map.insert("durationDays".into(), Function::pure(any1.clone(), float(|d| d.hours() / 24.0)));
    map.insert("durationWeeks".into(), Function::pure(any1.clone(), float(|d| d.hours() / 24.0 / 7.0)));
    map.insert("durationMilliseconds".into(), Function::pure(any1.clone(), int(1_000_000)));
    map.insert("durationMicroseconds".into(), Function::pure(any1.clone(), int(1_000)));
    map.insert("durationNanoseconds".into(), Function::pure(any1, int(1)));
    let to = |f: fn(Duration, i64) -> i64| {
        move |a: &[Value]| {
            Ok(duration_value(match as_duration(&a[0]) {
                Err(_) => 0,
                Ok(d) => match as_duration(&a[1]) {
                    Err(_) => d,
                    Ok(m) => f(Duration(d), m),
                },
            }))
        }
    };
    map.insert("durationRoundTo".into(), Function::pure(any2.clone(), to(Duration::round)));
    map.insert("durationTruncateTo".into(), Function::pure(any2, to(Duration::truncate)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: Value) -> Result<i64, String> {
        as_duration(&v)
    }

    /// Expectations from Helm v4.3's funcs_test.go and Go's time package.
    #[test]
    fn as_duration_like_helm() {
        assert_eq!(d(Value::str("1h2m3s")), Ok(3723 * SECOND));
        assert_eq!(d(Value::str(" 2.5 ")), Ok(2_500_000_000));
        assert_eq!(d(Value::str("0")), Ok(0));
        assert_eq!(d(Value::Int(90)), Ok(90 * SECOND));
        assert_eq!(d(Value::Float(0.5)), Ok(SECOND / 2));
        assert_eq!(d(Value::str("")), Err("empty duration".into()));
        assert_eq!(d(Value::str("abc")), Err("could not parse duration \"abc\"".into()));
        assert_eq!(d(Value::Nil), Err("invalid duration".into()));
        assert_eq!(d(Value::Bool(true)), Err("unsupported duration type bool".into()));
        assert_eq!(d(Value::Int64(i64::MAX)), Err(format!("duration seconds overflow: {}", i64::MAX)));
        assert_eq!(d(Value::str("NaN")), Err("invalid duration seconds: NaN".into()));
        assert_eq!(d(Value::Float(1e20)), Err("duration seconds overflow: 1e+20".into()));
    }

    #[test]
    fn conversions_and_rounding() {
        let x = Duration(90 * MINUTE + 30 * SECOND);
        assert_eq!(x.hours(), 1.5083333333333333);
        assert_eq!(x.minutes(), 90.5);
        assert_eq!(x.seconds(), 5430.0);
        assert_eq!(Duration(2 * HOUR + 13 * MINUTE).round(HOUR), 2 * HOUR);
        assert_eq!(Duration(2 * HOUR + 31 * MINUTE).round(HOUR), 3 * HOUR);
        assert_eq!(Duration(-(90 * SECOND)).round(MINUTE), -2 * MINUTE);
        assert_eq!(Duration(2 * HOUR + 59 * MINUTE).truncate(HOUR), 2 * HOUR);
        assert_eq!(Duration(5).round(0), 5);
        assert_eq!(Duration(i64::MAX).round(HOUR), i64::MAX);
        assert_eq!(x.display(), "1h30m30s");
        assert_eq!(x.to_json(), Some(serde_json::json!(5430_000_000_000i64)));
    }
}

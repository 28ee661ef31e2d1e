//! Go's fmt package as templates use it: `%v` printing of values, `Sprint`, `Sprintln`, `Sprintf`
//! with Go's verbs, flags, widths and its `%!v(MISSING)`-style error markers.
//!
//! STUB: signatures only; the real implementation replaces these bodies.

use crate::value::Value;

/// `fmt.Sprint("%v", v)` of one value: what `{{ . }}` prints (before Helm's `<no value>` removal).
pub fn display(v: &Value) -> String {
    let _ = v;
    String::new()
}

/// `fmt.Sprint(args...)`: spaces only between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    args.iter().map(display).collect::<Vec<_>>().join("")
}

/// `fmt.Sprintln(args...)`: always spaces between operands, newline at the end.
pub fn sprintln(args: &[Value]) -> String {
    let mut s = args.iter().map(display).collect::<Vec<_>>().join(" ");
    s.push('\n');
    s
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let _ = args;
    format.to_string()
}

/// `strconv.FormatFloat(f, 'g', -1, 64)` as `%v` prints a float64 (`1e+06`, `0.5`, `1.23456789e+08`).
pub fn format_float_v(f: f64) -> String {
    format!("{f}")
}

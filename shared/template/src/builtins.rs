//! Go's builtin template functions (`funcs.go`): `and or not len index slice eq ne lt le gt ge print
//! printf println html js urlquery call`, with Go's argument kinds and error texts.

use std::rc::Rc;

use crate::fmt;
use crate::func::ArgType;
use crate::value::Value;

/// How the executor prepares one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// A typed Go parameter.
    Typed(ArgType),
    /// A `reflect.Value` parameter (the comparison and collection builtins): a missing value stays missing.
    Reflect,
    /// No type at all (the receiver of a field chain).
    Untyped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Print,
    Printf,
    Println,
    Html,
    Js,
    Urlquery,
    Call,
}

pub(crate) fn lookup(name: &str) -> Option<Builtin> {
    Some(match name {
        "and" => Builtin::And,
        "or" => Builtin::Or,
        "not" => Builtin::Not,
        "len" => Builtin::Len,
        "index" => Builtin::Index,
        "slice" => Builtin::Slice,
        "eq" => Builtin::Eq,
        "ne" => Builtin::Ne,
        "lt" => Builtin::Lt,
        "le" => Builtin::Le,
        "gt" => Builtin::Gt,
        "ge" => Builtin::Ge,
        "print" => Builtin::Print,
        "printf" => Builtin::Printf,
        "println" => Builtin::Println,
        "html" => Builtin::Html,
        "js" => Builtin::Js,
        "urlquery" => Builtin::Urlquery,
        "call" => Builtin::Call,
        _ => return None,
    })
}

const R: Param = Param::Reflect;
const ANY: Param = Param::Typed(ArgType::Any);

/// Fixed parameters and variadic tail of each builtin, as their Go signatures declare them.
pub(crate) fn signature(b: Builtin) -> (&'static [Param], Option<Param>) {
    match b {
        Builtin::And | Builtin::Or | Builtin::Index | Builtin::Slice | Builtin::Call | Builtin::Eq => (&[R], Some(R)),
        Builtin::Not | Builtin::Len => (&[R], None),
        Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (&[R, R], None),
        Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::Urlquery => (&[], Some(ANY)),
        Builtin::Printf => (&[Param::Typed(ArgType::String)], Some(ANY)),
    }
}

pub(crate) fn call_builtin(b: Builtin, args: &[Value]) -> Result<Value, String> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Invalid);
    match b {
        Builtin::Not => Ok(Value::Bool(!arg(0).is_true())),
        Builtin::Len => length(&arg(0)).map(Value::Int),
        Builtin::Index => index(&arg(0), args.get(1..).unwrap_or(&[])),
        Builtin::Slice => slice(&arg(0), args.get(1..).unwrap_or(&[])),
        Builtin::Eq => eq(&arg(0), args.get(1..).unwrap_or(&[])).map(Value::Bool),
        Builtin::Ne => eq(&arg(0), &args[1.min(args.len())..]).map(|t| Value::Bool(!t)),
        Builtin::Lt => lt(&arg(0), &arg(1)).map(Value::Bool),
        Builtin::Le => le(&arg(0), &arg(1)).map(Value::Bool),
        Builtin::Gt => le(&arg(0), &arg(1)).map(|t| Value::Bool(!t)),
        Builtin::Ge => lt(&arg(0), &arg(1)).map(|t| Value::Bool(!t)),
        Builtin::Print => Ok(Value::string(fmt::sprint(args))),
        Builtin::Println => Ok(Value::string(fmt::sprintln(args))),
        Builtin::Printf => {
            let format = match args.first() {
                Some(Value::String(s)) => s.clone(),
                _ => Rc::from(""),
            };
            Ok(Value::string(fmt::sprintf(&format, args.get(1..).unwrap_or(&[]))))
        }
        Builtin::Html => Ok(Value::string(html_escape(&eval_args(args)))),
        Builtin::Js => Ok(Value::string(js_escape(&eval_args(args)))),
        Builtin::Urlquery => Ok(Value::string(query_escape(&eval_args(args)))),
        // Short-circuit evaluation and `call` are handled by the executor.
        Builtin::And | Builtin::Or => Ok(arg(0)),
        Builtin::Call => call("", args),
    }
}

/// `call FN ARGS...`: the value model has no function values, so this only reports Go's errors.
pub(crate) fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    match args.first().unwrap_or(&Value::Invalid) {
        Value::Invalid | Value::Nil => Err("call of nil".into()),
        v => Err(format!("non-function {name} of type {}", v.type_name())),
    }
}

/// Go's `reflect.Kind` class used by the comparison functions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    Complex,
    String,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Object(o) if o.complex_parts().is_some() => Kind::Complex,
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

/// `indirectInterface`: a nil interface is no value.
fn unbox(v: &Value) -> &Value {
    match v {
        Value::Nil => &Value::Invalid,
        v => v,
    }
}

/// The type name after Go's `indirect` (a pointer to a struct names the struct).
pub(crate) fn indirect_type_name(v: &Value) -> String {
    match v {
        Value::Object(o) if o.kind() == "ptr" => {
            let t = o.type_name();
            t.strip_prefix('*').map(str::to_string).unwrap_or(t)
        }
        other => other.type_name(),
    }
}

/// `%v` of a value after Go's `indirect` (a pointer to a struct prints without the `&`).
pub(crate) fn indirect_display(v: &Value) -> String {
    let s = fmt::display(v);
    match v {
        Value::Object(o) if o.kind() == "ptr" => s.strip_prefix('&').map(str::to_string).unwrap_or(s),
        _ => s,
    }
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

/// Go's reflect kind name of a non-basic value, for `canCompare`.
fn reflect_kind(v: &Value) -> &'static str {
    match v {
        Value::Invalid | Value::Nil => "invalid",
        Value::List(_) | Value::Bytes(_) => "slice",
        Value::Map(_) => "map",
        Value::Object(o) => o.kind(),
        other => other.kind_name(),
    }
}

fn eq(arg1: &Value, rest: &[Value]) -> Result<bool, String> {
    let a = unbox(arg1);
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a);
    for arg in rest {
        let b = unbox(arg);
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            if !matches!(a, Value::Invalid) && !matches!(b, Value::Invalid) {
                return Err(format!("incompatible types for comparison: {} and {}", a.type_name(), b.type_name()));
            }
            false
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                (Value::Object(x), Value::Object(y)) if k1 == Kind::Complex => x.complex_parts() == y.complex_parts(),
                _ if k1 == Kind::Int => int_of(a) == int_of(b),
                _ => {
                    let (ka, kb) = (reflect_kind(a), reflect_kind(b));
                    if ka != kb && ka != "invalid" && kb != "invalid" {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            fmt::sprintf("%s", std::slice::from_ref(a)),
                            a.type_name(),
                            b.type_name(),
                            fmt::display(b)
                        ));
                    }
                    let (na, nb) = (matches!(a, Value::Invalid), matches!(b, Value::Invalid));
                    if na || nb {
                        na == nb
                    } else {
                        match (a, b) {
                            (Value::Object(x), Value::Object(y)) if x.as_value().is_none() => Rc::ptr_eq(x, y),
                            _ => {
                                return Err(format!(
                                    "non-comparable type {}: {}",
                                    fmt::sprintf("%s", std::slice::from_ref(b)),
                                    b.type_name()
                                ))
                            }
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    let a = unbox(arg1);
    let k1 = basic_kind(a);
    if k1 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    let b = unbox(arg2);
    let k2 = basic_kind(b);
    if k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(format!("incompatible types for comparison: {} and {}", a.type_name(), b.type_name()));
    }
    if k1 == Kind::Complex {
        return Err("invalid type for comparison".into());
    }
    Ok(match (a, b) {
        (Value::Bool(_), _) => return Err("invalid type for comparison".into()),
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::String(x), Value::String(y)) => x.as_bytes() < y.as_bytes(),
        _ => int_of(a) < int_of(b),
    })
}

fn le(a: &Value, b: &Value) -> Result<bool, String> {
    let less = lt(a, b)?;
    if less {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

fn length(item: &Value) -> Result<i64, String> {
    match item {
        Value::Nil => Err("len of nil pointer".into()),
        Value::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        Value::String(s) => Ok(s.len() as i64),
        Value::Bytes(b) => Ok(b.len() as i64),
        Value::List(l) => Ok(l.borrow().len() as i64),
        Value::Map(m) => Ok(m.borrow().len() as i64),
        Value::Object(o) => match o.as_value() {
            Some(v) => length(&v),
            None => Err(format!("len of type {}", indirect_type_name(item))),
        },
        other => Err(format!("len of type {}", other.type_name())),
    }
}

/// Go's `indexArg`: an integer index within `0..=cap`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match unbox(index) {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Invalid => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    let mut item = unbox(item).clone();
    if let Value::Invalid = item {
        return Err("index of untyped nil".into());
    }
    for idx in indexes {
        let idx = unbox(idx);
        if let Value::Nil = item {
            return Err("index of nil pointer".into());
        }
        let cur = item.underlying();
        item = match &cur {
            Value::List(l) => {
                let l = l.borrow();
                let x = index_arg(idx, l.len())?;
                l.get(x).cloned().ok_or("reflect: slice index out of range")?
            }
            Value::Bytes(b) => {
                let x = index_arg(idx, b.len())?;
                Value::Int(*b.get(x).ok_or("reflect: slice index out of range")? as i64)
            }
            Value::String(s) => {
                let x = index_arg(idx, s.len())?;
                Value::Int(*s.as_bytes().get(x).ok_or("reflect: string index out of range")? as i64)
            }
            Value::Map(m) => {
                let key = match idx {
                    Value::String(k) => k,
                    Value::Invalid => return Err("value is nil; should be of type string".into()),
                    other => return Err(format!("value has type {}; should be string", other.type_name())),
                };
                m.borrow().get(key.as_ref()).cloned().unwrap_or(Value::Nil)
            }
            other => return Err(format!("can't index item of type {}", indirect_type_name(other))),
        };
    }
    Ok(item)
}

/// `slice ITEM INDEXES...` where `boxed[i]` tells whether argument `i` sits in an interface slot.
pub(crate) fn slice_builtin(args: &[Value], boxed: &[bool]) -> Result<Value, String> {
    let item = args.first().cloned().unwrap_or(Value::Invalid);
    let rest = args.get(1..).unwrap_or(&[]);
    let rest_boxed = boxed.get(1..).unwrap_or(&[]);
    slice_impl(&item, rest, rest_boxed)
}

fn slice(item: &Value, indexes: &[Value]) -> Result<Value, String> {
    slice_impl(item, indexes, &[])
}

fn slice_impl(item: &Value, indexes: &[Value], boxed: &[bool]) -> Result<Value, String> {
    let item = unbox(item).underlying();
    if let Value::Invalid = item {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match &item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.borrow().len(),
        Value::Bytes(b) => b.len(),
        other => return Err(format!("can't slice item of type {}", indirect_type_name(other))),
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        if boxed.get(i).copied().unwrap_or(false) {
            return Err("cannot index slice/array with type interface {}".into());
        }
        idx[i] = match index {
            // Unlike `index`, `slice` does not unwrap a nil interface.
            Value::Nil => return Err("cannot index slice/array with type interface {}".into()),
            v => index_arg(v, len)?,
        };
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (lo, hi) = (idx[0], idx[1]);
    Ok(match &item {
        Value::String(s) => Value::string(String::from_utf8_lossy(&s.as_bytes()[lo..hi]).into_owned()),
        Value::List(l) => Value::list(l.borrow()[lo..hi].to_vec()),
        Value::Bytes(b) => Value::Bytes(Rc::from(&b[lo..hi])),
        _ => Value::Invalid,
    })
}

/// Go's `evalArgs`: one string argument as is, else `fmt.Sprint` with missing values as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|a| match a {
            Value::Invalid | Value::Nil => Value::str("<no value>"),
            v => v.clone(),
        })
        .collect();
    fmt::sprint(&printable)
}

/// `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    if !s.contains(['\'', '"', '&', '<', '>', '\0']) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let special = |c: char| matches!(c, '\\' | '\'' | '"' | '<' | '>' | '&' | '=') || c < ' ' || c as u32 >= 0x80;
    if !s.chars().any(special) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if !special(c) {
            out.push(c);
            continue;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if crate::quote::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapers() {
        assert_eq!(html_escape("<a href=\"x\">'&'</a>\0"), "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;\u{FFFD}");
        assert_eq!(js_escape("a'b<=\u{1}é\\\""), "a\\'b\\u003C\\u003D\\u0001é\\\\\\\"");
        assert_eq!(query_escape("a b&c/é~"), "a+b%26c%2F%C3%A9~");
    }

    #[test]
    fn comparisons() {
        assert_eq!(eq(&Value::Int(1), &[Value::Int64(1)]), Ok(true));
        assert_eq!(
            eq(&Value::Int(1), &[Value::Float(1.0)]),
            Err("incompatible types for comparison: int and float64".into())
        );
        assert_eq!(eq(&Value::Invalid, &[Value::Nil]), Ok(true));
        assert_eq!(eq(&Value::str("a"), &[Value::Invalid]), Ok(false));
        assert_eq!(eq(&Value::str("a"), &[Value::str("b"), Value::str("a")]), Ok(true));
        assert_eq!(eq(&Value::str("a"), &[]), Err("missing argument for comparison".into()));
        assert_eq!(lt(&Value::Bool(true), &Value::Bool(false)), Err("invalid type for comparison".into()));
        assert_eq!(lt(&Value::Invalid, &Value::Int(1)), Err("invalid type for comparison".into()));
        assert_eq!(le(&Value::Int(2), &Value::Int(2)), Ok(true));
        assert_eq!(lt(&Value::str("a"), &Value::str("b")), Ok(true));
    }

    #[test]
    fn index_and_slice() {
        let l = Value::list(vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(format!("{:?}", index(&l, &[Value::Int(1)])), "Ok(Int(2))");
        assert_eq!(index(&l, &[Value::Int(3)]).unwrap_err(), "index out of range: 3");
        assert_eq!(index(&l, &[Value::Int(2)]).unwrap_err(), "reflect: slice index out of range");
        assert_eq!(index(&Value::Nil, &[]).unwrap_err(), "index of untyped nil");
        assert_eq!(index(&Value::Int(3), &[Value::Int(0)]).unwrap_err(), "can't index item of type int");
        assert_eq!(format!("{:?}", slice(&Value::str("hello"), &[Value::Int(1), Value::Int(3)])), "Ok(String(\"el\"))");
        assert_eq!(slice(&l, &[Value::Int(2), Value::Int(1)]).unwrap_err(), "invalid slice index: 2 > 1");
        assert_eq!(length(&Value::Float(1.0)).unwrap_err(), "len of type float64");
    }
}

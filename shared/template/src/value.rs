//! The data model templates run on: Go's `interface{}` values as Helm charts see them.
//!
//! Maps and lists are shared and mutable (`Rc<RefCell<…>>`) because Go maps and slices are references:
//! Sprig's `set`, `unset`, `merge` and friends change them in place and charts rely on that.
//! Numbers keep Go's kinds apart: values read from YAML/JSON are `float64`, template literals and `len`
//! are `int`, Sprig arithmetic gives `int64`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

pub type Map = BTreeMap<String, Value>;
pub type MapRef = Rc<RefCell<Map>>;
pub type ListRef = Rc<RefCell<Vec<Value>>>;

/// A Go value as text/template sees it.
#[derive(Clone, Default)]
pub enum Value {
    /// No value at all (Go's invalid `reflect.Value`): a missing map key. Prints `<no value>`.
    #[default]
    Invalid,
    /// A nil `interface{}` (YAML/JSON `null`). Prints `<nil>`.
    Nil,
    Bool(bool),
    /// Go `int` (template literals, `len`, Sprig `int`, `atoi`).
    Int(i64),
    /// Go `int64` (Sprig arithmetic, `int64`).
    Int64(i64),
    /// Go `float64` (every number read from YAML or JSON).
    Float(f64),
    String(Rc<str>),
    /// Go `[]byte` (`.Files.GetBytes`, the values of `.Files.Glob`).
    Bytes(Rc<[u8]>),
    /// Go `[]interface{}` (also stands for `[]string`).
    List(ListRef),
    /// Go `map[string]interface{}`.
    Map(MapRef),
    /// A Go struct or named type with fields and methods (`.Chart`, `.Release`, `.Files`, `.Capabilities`).
    Object(Rc<dyn Object>),
}

/// A struct-like value: fields, methods with arguments, and an optional `String()` method.
pub trait Object {
    /// Go's type name as `printf "%T"` and `typeOf` print it, e.g. `*chart.Metadata`.
    fn type_name(&self) -> String;
    /// Go's kind as `kindOf` prints it: `struct`, `map`, `slice`, `ptr`.
    fn kind(&self) -> &'static str {
        "struct"
    }
    /// A field or a method without arguments (`.Chart.Name`, `.Capabilities.KubeVersion.Version`).
    /// `None` means the type has no such field or method.
    fn field(&self, name: &str) -> Option<Value>;
    /// A method called with arguments (`.Files.Get "x"`, `.Capabilities.APIVersions.Has "v1"`).
    /// `None` means no such method; `Some(Err(msg))` is the method's own error.
    fn call_method(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    /// Whether `name` is a method (so `.X arg` is legal).
    fn has_method(&self, _name: &str) -> bool {
        false
    }
    /// The Go signature of method `name`, when the object declares it: the executor then checks the
    /// number and types of arguments exactly as Go does (`wrong number of args for Get: want 1 got 0`,
    /// `wrong type for value; expected string; got int`) before `call_method`. Without it, arguments are
    /// passed as `interface{}` and the method checks them itself.
    fn method_signature(&self, _name: &str) -> Option<crate::func::Signature> {
        None
    }
    /// The text `{{ . }}` prints: `String()` for Stringers, else Go's `%v` of the struct.
    fn display(&self) -> String;
    /// Map or slice view, for named map/slice types (Helm's `Files`, `chartutil.Values`, `VersionSet`):
    /// `index`, `range`, `len`, `toYaml` see the object through this.
    fn as_value(&self) -> Option<Value> {
        None
    }
    /// The value `toJson`/`toYaml` marshal (Go's JSON encoding of the struct), if different from `as_value`.
    fn to_json(&self) -> Option<serde_json::Value> {
        None
    }
    /// The real and imaginary parts, for a Go `complex128`.
    fn complex_parts(&self) -> Option<(f64, f64)> {
        None
    }
}

/// A Go `string` holding bytes that are not UTF-8 (`b64dec` of binary data): `len` counts its bytes,
/// it prints (and is passed to string parameters) as text with the invalid bytes replaced.
pub struct ByteString(pub Rc<[u8]>);

impl ByteString {
    /// The bytes as a string value: a plain `String` when they are UTF-8.
    pub fn value(bytes: Vec<u8>) -> Value {
        match String::from_utf8(bytes) {
            Ok(s) => Value::string(s),
            Err(e) => Value::Object(Rc::new(ByteString(Rc::from(e.into_bytes())))),
        }
    }
}

impl Object for ByteString {
    fn type_name(&self) -> String {
        "string".into()
    }
    fn kind(&self) -> &'static str {
        "string"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn display(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
    fn as_value(&self) -> Option<Value> {
        Some(Value::Bytes(self.0.clone()))
    }
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.display()))
    }
}

/// A Go `complex128` (template constants such as `1+2i`): prints `(1+2i)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Complex {
    pub fn value(re: f64, im: f64) -> Value {
        Value::Object(Rc::new(Complex { re, im }))
    }
}

impl Object for Complex {
    fn type_name(&self) -> String {
        "complex128".into()
    }
    fn kind(&self) -> &'static str {
        "complex128"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn display(&self) -> String {
        crate::fmt::sprintf("%v", &[Value::Object(Rc::new(*self))])
    }
    fn complex_parts(&self) -> Option<(f64, f64)> {
        Some((self.re, self.im))
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(Rc::from(s))
    }
    pub fn string(s: String) -> Value {
        Value::String(Rc::from(s))
    }
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }
    pub fn map(m: Map) -> Value {
        Value::Map(Rc::new(RefCell::new(m)))
    }
    pub fn empty_map() -> Value {
        Value::map(Map::new())
    }

    /// Go's truthiness (`if`, `and`, `or`, `not`, `default`): the zero value of its type is false.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Invalid | Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            Value::Object(o) => match (o.as_value(), o.complex_parts()) {
                (Some(v), _) => v.is_true(),
                // Go: a complex value is true unless it equals 0 (`-0i` too).
                (None, Some((re, im))) => re != 0.0 || im != 0.0,
                (None, None) => true,
            },
        }
    }

    /// Go's `reflect.Kind` name, as Sprig's `kindOf` prints it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Invalid | Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind(),
        }
    }

    /// Go's type name, as `printf "%T"` and Sprig's `typeOf` print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Invalid | Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name(),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A named map/slice type seen as its underlying map or slice; other values unchanged.
    pub fn underlying(&self) -> Value {
        match self {
            Value::Object(o) => o.as_value().unwrap_or_else(|| self.clone()),
            v => v.clone(),
        }
    }

    /// A deep copy (Go's `copystructure`, used by `deepCopy`, `merge` sources, `tpl` values).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::List(l) => Value::list(l.borrow().iter().map(|v| v.deep_copy()).collect()),
            Value::Map(m) => Value::map(m.borrow().iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()),
            v => v.clone(),
        }
    }

    /// Convert JSON data (values, `fromYaml`, `fromJson`) into template values. A number serde_json holds
    /// as a float becomes `float64` (everything sigs.k8s.io/yaml reads); one it holds as an integer becomes
    /// `int64` (what Helm's `--set` parser produces).
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64().filter(|_| !n.is_f64()) {
                    Value::Int64(i)
                } else {
                    Value::Float(n.as_f64().unwrap_or(0.0))
                }
            }
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => Value::list(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => {
                Value::map(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }

    /// Go's `json.Marshal` view of the value (what `toJson` and `toYaml` encode).
    /// `[]byte` marshals as base64, as in Go. Invalid and nil become `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Invalid | Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) | Value::Int64(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Value::String(s) => J::String(s.to_string()),
            Value::Bytes(b) => J::String(base64_std(b)),
            Value::List(l) => J::Array(l.borrow().iter().map(|v| v.to_json()).collect()),
            Value::Map(m) => J::Object(m.borrow().iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Value::Object(o) => o
                .to_json()
                .or_else(|| o.as_value().map(|v| v.to_json()))
                .unwrap_or(J::Null),
        }
    }
}

/// Standard base64 with padding (Go's `base64.StdEncoding`), used for `[]byte` in JSON.
pub fn base64_std(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Invalid => write!(f, "Invalid"),
            Value::Nil => write!(f, "Nil"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Int64(i) => write!(f, "Int64({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Value::List(l) => f.debug_list().entries(l.borrow().iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.borrow().iter()).finish(),
            Value::Object(o) => write!(f, "Object({})", o.type_name()),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::string(s)
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

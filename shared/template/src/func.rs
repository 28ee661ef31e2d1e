//! Functions callable from templates: Go's typed signatures, so argument checks and conversions
//! happen exactly where Go's executor makes them (`wrong type for value; expected int; got string`).

use crate::value::Value;
use std::rc::Rc;

/// The Go type of one parameter. The executor converts or rejects each argument against it before the
/// call, as Go's `reflect.Call` path in text/template does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// `interface{}`: anything, untyped constants become `int`, `float64`, `string`, `bool`.
    Any,
    String,
    /// Go `int`.
    Int,
    Int64,
    Float64,
    Bool,
    /// `[]interface{}`.
    List,
    /// `map[string]interface{}`.
    Map,
    /// `[]string`.
    StringList,
    /// `[]byte`.
    Bytes,
    /// A Go `string` whose bytes matter (`b64enc`, the checksums): like `String`, but a string holding
    /// bytes that are not UTF-8 (`ByteString`: `b64dec` of binary data, `.Files.Get` of a binary file)
    /// reaches the function as `Value::Bytes` instead of text with U+FFFD in place of the bad bytes.
    ByteString,
    /// Go's `io.Writer` (an interface: `nil` is its zero value; no template value implements it).
    Writer,
}

impl ArgType {
    /// The Go spelling used in error messages.
    pub fn go_name(self) -> &'static str {
        match self {
            ArgType::Any => "interface {}",
            ArgType::String => "string",
            ArgType::Int => "int",
            ArgType::Int64 => "int64",
            ArgType::Float64 => "float64",
            ArgType::Bool => "bool",
            ArgType::List => "[]interface {}",
            ArgType::Map => "map[string]interface {}",
            ArgType::StringList => "[]string",
            ArgType::Bytes => "[]uint8",
            ArgType::ByteString => "string",
            ArgType::Writer => "io.Writer",
        }
    }
}

/// Parameter list of a function: fixed parameters, then an optional variadic tail.
#[derive(Clone, Debug)]
pub struct Signature {
    pub params: Vec<ArgType>,
    pub variadic: Option<ArgType>,
}

impl Signature {
    pub fn new(params: &[ArgType]) -> Self {
        Signature { params: params.to_vec(), variadic: None }
    }
    pub fn variadic(params: &[ArgType], rest: ArgType) -> Self {
        Signature { params: params.to_vec(), variadic: Some(rest) }
    }
}

/// What a function body can ask of the running template: `include` and `tpl` need the template set.
pub trait Runtime {
    /// Execute the named template of the current set with `data` and return its text.
    fn execute_named(&mut self, name: &str, data: Value) -> Result<String, String>;
    /// Parse `text` as a new template named `name` in a copy of the current set (with the same functions
    /// and options) and execute it with `data`.
    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, String>;
    /// The name of the template being executed (Helm's `tpl` uses it for error messages).
    fn current_template(&self) -> String;
}

/// A function body. `Err(msg)` becomes Go's `error calling NAME: msg`.
pub type FuncBody = Rc<dyn Fn(&mut dyn Runtime, &[Value]) -> Result<Value, String>>;

#[derive(Clone)]
pub struct Function {
    pub sig: Signature,
    pub body: FuncBody,
}

impl Function {
    /// A function that does not need the runtime.
    pub fn pure(sig: Signature, f: impl Fn(&[Value]) -> Result<Value, String> + 'static) -> Self {
        Function { sig, body: Rc::new(move |_rt: &mut dyn Runtime, args: &[Value]| f(args)) }
    }
    /// A function that calls back into the template set (`include`, `tpl`).
    pub fn with_runtime(
        sig: Signature,
        f: impl Fn(&mut dyn Runtime, &[Value]) -> Result<Value, String> + 'static,
    ) -> Self {
        Function { sig, body: Rc::new(f) }
    }
}

/// Name → function, as Go's `template.FuncMap`.
pub type FuncMap = std::collections::HashMap<String, Function>;

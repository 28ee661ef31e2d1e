//! Go's text/template re-created in Rust: the same syntax, the same execution semantics over Go-like
//! values, the same builtin functions and the same error texts.

pub mod fmt;
pub mod func;
pub mod value;

pub use func::{ArgType, FuncMap, Function, Runtime, Signature};
pub use value::{Map, Object, Value};

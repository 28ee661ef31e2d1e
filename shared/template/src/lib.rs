//! Go's text/template re-created in Rust: the same syntax, the same execution semantics over Go-like
//! values, the same builtin functions and the same error texts.
//!
//! ```
//! use gotemplate::{FuncMap, MissingKey, Templates, Value};
//! let mut set = Templates::new(FuncMap::new());
//! set.set_missing_key(MissingKey::Zero);
//! set.add("t", "{{ range $i, $v := . }}{{ $i }}={{ $v }} {{ end }}").unwrap();
//! let data = Value::list(vec![Value::str("a"), Value::str("b")]);
//! assert_eq!(set.execute("t", &data).unwrap(), "0=a 1=b ");
//! ```

mod builtins;
pub mod error;
mod exec;
pub mod fmt;
pub mod func;
mod lex;
pub mod node;
mod parse;
mod quote;
pub mod value;

pub use builtins::{html_escape, js_escape, query_escape};
pub use error::{Error, ErrorKind};
pub use exec::{MissingKey, Templates, MAX_EXEC_DEPTH};
pub use func::{ArgType, FuncMap, Function, Runtime, Signature};
pub use quote::go_quote;
pub use value::{Map, Object, Value};

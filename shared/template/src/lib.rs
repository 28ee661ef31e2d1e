//! Go's text/template re-created in Rust: the same syntax, the same execution semantics over Go-like
//! values, the same builtin functions and the same error texts.
//!
//! The map, in the order text flows through it:
//! - `lex`: text to items (trim markers, comments, Go's lexer errors);
//! - `parse`: items to trees of [`node`]s (functions must exist, variables must be declared);
//! - [`Templates`]: the set of parsed templates with shared functions and the `missingkey` option,
//!   following Go's redefinition rules (`add` is `t.New(name).Parse(text)`);
//! - `exec`: walks a tree over [`Value`]s; function arguments are checked against each [`Signature`]
//!   as Go's reflection does; function bodies reach back into the set through [`Runtime`]
//!   (`execute_named` for `include`, `execute_text` for `tpl`, a copy-on-write layer over the set);
//! - `builtins`: `and or not len index slice eq ne lt le gt ge print printf println html js urlquery call`;
//! - [`fmt`]: Go's `fmt` printing of values.
//!
//! Errors ([`Error`]) print exactly as Go's do, and keep their parts (template, line, column, node) and
//! Go's `errors.Unwrap` chain ([`Error::chain`]) for Helm's error reformatting.
//!
//! ```
//! use gotemplate::{FuncMap, MissingKey, Templates, Value};
//! let mut set = Templates::new(FuncMap::new());
//! set.set_missing_key(MissingKey::Zero);
//! set.add("t", "{{ range $i, $v := . }}{{ $i }}={{ $v }} {{ end }}").unwrap();
//! let data = Value::list(vec![Value::str("a"), Value::str("b")]);
//! assert_eq!(set.execute("t", &data).unwrap(), "0=a 1=b ");
//! ```

// `Error` carries Go's full context (template, line, column, node, message, cause) by value: it is the
// public contract, and errors are rare.
#![allow(clippy::result_large_err)]

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

//! Template errors with Go's exact texts: `template: NAME:LINE: msg` for parse errors and
//! `template: NAME:LINE:COL: executing "NAME" at <NODE>: msg` for execution errors.

use std::fmt;

use crate::quote::go_quote;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text did not parse.
    Parse,
    /// Execution failed at a node.
    Exec,
    /// Anything else Go reports without a position (`no template "x" associated with template "y"`).
    Other,
}

/// A parse or execution error. `Display` gives Go's text; the parts are there for callers that need them.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    /// The name of the text the failing node was parsed from (Go's `ParseName`: the file, for a `define`).
    pub template: String,
    /// 1-based line.
    pub line: usize,
    /// 0-based byte column (exec errors only).
    pub col: Option<usize>,
    /// The template being executed (`executing "NAME"`), for exec errors.
    pub executing: Option<String>,
    /// The failing node printed back as template text (`at <NODE>`), for exec errors.
    pub context: Option<String>,
    /// The bare message after the location.
    pub message: String,
    /// For `error calling NAME: MSG`: the function's own error text `MSG`.
    pub call_error: Option<String>,
    /// The template error the function returned as `MSG`, when it was one (`include` of a failing template).
    pub cause: Option<Box<Error>>,
}

impl Error {
    pub(crate) fn parse(name: &str, line: usize, message: String) -> Error {
        Error {
            kind: ErrorKind::Parse,
            template: name.to_string(),
            line,
            col: None,
            executing: None,
            context: None,
            message,
            call_error: None,
            cause: None,
        }
    }

    pub(crate) fn other(message: String) -> Error {
        Error {
            kind: ErrorKind::Other,
            template: String::new(),
            line: 0,
            col: None,
            executing: None,
            context: None,
            message,
            call_error: None,
            cause: None,
        }
    }

    /// The texts of Go's `errors.Unwrap` chain, outermost first, as Helm's `reformatExecErrorMsg` walks it:
    /// an exec error (`ExecError`) and its formatted error, then, for `error calling NAME: %w`, the chain
    /// of the function's error.
    pub fn chain(&self) -> Vec<String> {
        let text = self.to_string();
        match self.kind {
            ErrorKind::Exec => {
                let mut v = vec![text.clone(), text];
                if let Some(msg) = &self.call_error {
                    match &self.cause {
                        Some(c) => v.extend(c.chain()),
                        None => v.push(msg.clone()),
                    }
                }
                v
            }
            _ => vec![text],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Parse => write!(f, "template: {}:{}: {}", self.template, self.line, self.message),
            ErrorKind::Exec => match (&self.executing, self.col, &self.context) {
                (Some(exec), Some(col), Some(ctx)) => write!(
                    f,
                    "template: {}:{}:{}: executing {} at <{}>: {}",
                    self.template,
                    self.line,
                    col,
                    go_quote(exec),
                    ctx,
                    self.message
                ),
                (Some(exec), _, _) => write!(f, "template: {}: {}", exec, self.message),
                _ => write!(f, "template: {}", self.message),
            },
            ErrorKind::Other => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}

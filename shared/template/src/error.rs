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
    /// For `error calling NAME: MSG`: the function's own error text `MSG`, when it was not a template
    /// error (then `message` holds the whole `error calling NAME: MSG`).
    pub call_error: Option<String>,
    /// The template error the function returned as `MSG`, when it was one (`include` of a failing
    /// template). Then `message` is only `error calling NAME: ` and the text goes on with the cause's:
    /// each level holds its own part, so a chain thousands of `include`s deep takes linear memory.
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
                match (&self.cause, &self.call_error) {
                    (Some(c), _) => v.extend(c.chain()),
                    (None, Some(msg)) => v.push(msg.clone()),
                    (None, None) => {}
                }
                v
            }
            _ => vec![text],
        }
    }

    /// [`Error::chain`] with each text cut after the start of the next level's own part: enough for
    /// reading each level's location, node and message (all before the first nested `template:`),
    /// in memory linear in the depth of the chain where the whole texts would take quadratic memory.
    pub fn chain_heads(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = Some(self);
        while let Some(e) = cur {
            let mut text = e.head();
            match &e.cause {
                // a level whose own part says nothing of `executing` is read from its end: keep it whole
                Some(_) if !text.contains(": executing ") => text = e.to_string(),
                Some(c) => text.push_str(&c.head()),
                None => {}
            }
            match e.kind {
                ErrorKind::Exec => {
                    out.push(text.clone());
                    out.push(text);
                    if let (None, Some(msg)) = (&e.cause, &e.call_error) {
                        out.push(msg.clone());
                    }
                }
                _ => out.push(text),
            }
            cur = e.cause.as_deref();
        }
        out
    }

    /// Whether `text` is this error's text, compared level by level without building the whole text
    /// (chains run thousands of levels deep, each compared once per level above it).
    pub fn text_is(&self, text: &str) -> bool {
        let mut rest = text;
        let mut cur = Some(self);
        while let Some(e) = cur {
            let head = e.head();
            match rest.strip_prefix(head.as_str()) {
                Some(r) => rest = r,
                None => return false,
            }
            cur = e.cause.as_deref();
        }
        rest.is_empty()
    }

    /// This level's own text, without its cause's.
    fn head(&self) -> String {
        struct Head<'a>(&'a Error);
        impl fmt::Display for Head<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt_head(f)
            }
        }
        Head(self).to_string()
    }
}

impl fmt::Display for Error {
    /// Go's text: each level's own part, then its cause's (a loop, not recursion: chains run thousands
    /// of `include`s deep).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cur = Some(self);
        while let Some(e) = cur {
            e.fmt_head(f)?;
            cur = e.cause.as_deref();
        }
        Ok(())
    }
}

impl Error {
    fn fmt_head(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

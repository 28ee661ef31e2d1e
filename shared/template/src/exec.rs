//! The executor: walks parse trees over `Value`s exactly as Go's `text/template/exec.go` does (dot and
//! variable scoping, missing keys, argument checks against function signatures, error positions), and
//! the template set (`Templates`) that owns parsed trees, functions and options.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::builtins::{self, Builtin, Param};
use crate::error::{Error, ErrorKind};
use crate::func::{ArgType, FuncMap, Function, Runtime, Signature};
use crate::node::*;
use crate::parse;
use crate::quote::go_quote;
use crate::value::{Object, Value};

/// Go's `maxExecDepth`: nesting of `{{template}}` calls.
pub const MAX_EXEC_DEPTH: usize = 100_000;

/// Stack kept free before a recursive step, and the size of each extra stack segment.
const RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// What a missing map key evaluates to: Go's `Option("missingkey=…")`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: no value (prints `<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the map's zero element, a nil `interface{}` (Helm's setting).
    Zero,
    /// `missingkey=error`: execution stops with `map has no entry for key "x"`.
    Error,
}

/// A set of templates sharing functions and options: Go's `*template.Template` collection.
#[derive(Clone)]
pub struct Templates {
    funcs: Rc<FuncMap>,
    missing_key: MissingKey,
    tmpl: HashMap<String, Rc<Tree>>,
    root_name: String,
}

impl Templates {
    /// A new, empty set. Go's builtins are always present; `funcs` extend or override them.
    pub fn new(funcs: FuncMap) -> Self {
        Templates { funcs: Rc::new(funcs), missing_key: MissingKey::Default, tmpl: HashMap::new(), root_name: "gotpl".into() }
    }

    /// The name of the set's root template (Go's `template.New(name)`), quoted by
    /// `no template "x" associated with template "ROOT"`. Defaults to Helm's `gotpl`.
    pub fn set_root_name(&mut self, name: &str) {
        self.root_name = name.to_string();
    }

    pub fn root_name(&self) -> &str {
        &self.root_name
    }

    pub fn set_missing_key(&mut self, mode: MissingKey) {
        self.missing_key = mode;
    }

    pub fn missing_key(&self) -> MissingKey {
        self.missing_key
    }

    /// Whether `name` is a function known to templates of this set (user function or Go builtin).
    pub fn has_function(&self, name: &str) -> bool {
        self.funcs.contains_key(name) || builtins::lookup(name).is_some()
    }

    /// Go's `t.New(name).Parse(text)`: parse `text` as template `name`; templates it defines join the set.
    /// A later non-empty definition replaces an earlier one; an empty one does not replace a non-empty one.
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), Error> {
        self.add_shared(name, Arc::from(text))
    }

    /// `add` for a text the caller already holds shared: the parsed trees keep `text` itself, not a copy.
    pub fn add_shared(&mut self, name: &str, text: Arc<str>) -> Result<(), Error> {
        let funcs = self.funcs.clone();
        let has = |f: &str| funcs.contains_key(f) || builtins::lookup(f).is_some();
        let trees = parse::parse(name, text, &has)?;
        for (n, tree) in trees {
            if self.tmpl.contains_key(&n) && tree.is_empty() {
                continue;
            }
            self.tmpl.insert(n, Rc::new(tree));
        }
        Ok(())
    }

    pub fn has(&self, name: &str) -> bool {
        self.tmpl.contains_key(name)
    }

    /// The named template printed back as template text (Go's `Tree.Root.String()`).
    pub fn tree_text(&self, name: &str) -> Option<String> {
        self.tmpl.get(name).map(|t| tree_string(t))
    }

    /// Names of all templates in the set (unordered).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tmpl.keys().map(|s| s.as_str())
    }

    /// Go's `ExecuteTemplate(w, name, data)`.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, Error> {
        let env = Env { set: self, overlay: None };
        let Some(tree) = env.lookup(name) else {
            return Err(no_template(name, &self.root_name));
        };
        // A file's output is about as long as its text: size the buffer once instead of doubling it.
        run(env, tree, data.clone(), tree.text.len())
    }
}

fn no_template(name: &str, root: &str) -> Error {
    Error::other(format!("template: no template {} associated with template {}", go_quote(name), go_quote(root)))
}

/// Where templates are looked up: the set, under zero or more `tpl` layers.
#[derive(Clone, Copy)]
struct Env<'a> {
    set: &'a Templates,
    overlay: Option<&'a Overlay<'a>>,
}

/// Templates parsed by `tpl` (`execute_text`): visible to that execution only, over the set it runs in.
struct Overlay<'a> {
    parent: Env<'a>,
    local: HashMap<String, Tree>,
}

impl<'a> Env<'a> {
    fn lookup(&self, name: &str) -> Option<&'a Tree> {
        let mut cur = self.overlay;
        while let Some(o) = cur {
            if let Some(t) = o.local.get(name) {
                return Some(t);
            }
            cur = o.parent.overlay;
        }
        self.set.tmpl.get(name).map(|t| t.as_ref())
    }

    fn funcs(&self) -> &'a FuncMap {
        &self.set.funcs
    }
}

fn run(env: Env<'_>, tree: &Tree, data: Value, capacity: usize) -> Result<String, Error> {
    // Go's Execute takes `reflect.ValueOf(data)`: a nil interface{} (`include "x" .Values.null`) is no
    // value at all, so `.field` on it gives the zero value instead of a nil-pointer error.
    let data = if let Value::Nil = data { Value::Invalid } else { data };
    let mut st = State {
        env,
        tmpl: tree,
        node: NodeRef::None,
        vars: Vec::with_capacity(16),
        frame: 0,
        depth: 0,
        out: String::with_capacity(capacity),
        failure: None,
    };
    st.vars.push(Var { name: "$", val: Slot { v: data.clone(), boxed: false } });
    match st.walk_list(&Slot { v: data, boxed: false }, &tree.root) {
        Ok(()) => Ok(st.out),
        Err(Ctrl::Err(e)) => Err(*e),
        Err(_) => Ok(st.out),
    }
}

/// A value together with whether it sits in an `interface{}` slot (a map or list element): Go names
/// the type of such a receiver `interface {}` in field errors.
#[derive(Clone, Debug)]
struct Slot {
    v: Value,
    boxed: bool,
}

impl Slot {
    fn plain(v: Value) -> Slot {
        Slot { v, boxed: false }
    }
}

struct Var<'a> {
    name: &'a str,
    val: Slot,
}

/// Non-local exits of a walk: `{{break}}`, `{{continue}}`, or an error.
enum Ctrl {
    Break,
    Continue,
    Err(Box<Error>),
}

type Flow<T> = Result<T, Ctrl>;

/// The fixed parameters of a callee, without copying them.
#[derive(Clone, Copy)]
enum Params<'a> {
    Typed(&'a [ArgType]),
    Reflect(&'static [Param]),
}

impl Params<'_> {
    fn len(&self) -> usize {
        match self {
            Params::Typed(p) => p.len(),
            Params::Reflect(p) => p.len(),
        }
    }

    fn get(&self, i: usize) -> Param {
        match self {
            Params::Typed(p) => p.get(i).map(|&t| Param::Typed(t)).unwrap_or(Param::Untyped),
            Params::Reflect(p) => p.get(i).copied().unwrap_or(Param::Untyped),
        }
    }
}

/// What a command calls.
#[derive(Clone, Copy)]
enum Callee<'c> {
    User(&'c Function),
    Builtin(Builtin),
    /// A method of an object that declares its Go signature.
    Method(&'c dyn Object, &'c Signature),
}

struct State<'a> {
    env: Env<'a>,
    tmpl: &'a Tree,
    node: NodeRef<'a>,
    vars: Vec<Var<'a>>,
    /// Index of this template invocation's `$` in `vars`.
    frame: usize,
    depth: usize,
    out: String,
    /// The last error `execute_named`/`execute_text` returned, kept whole so that a function passing it on
    /// unchanged (`include`) leaves Go's error chain intact.
    failure: Option<Error>,
}

impl<'a> State<'a> {
    /// `error calling NAME: MSG` with the function's error kept for `Error::chain`.
    fn call_error(&mut self, name: &str, msg: String) -> Ctrl {
        // a template error passed on unchanged is kept as the cause, not as text (see `Error::cause`)
        let e = match self.failure.take().filter(|f| f.text_is(&msg)) {
            Some(cause) => {
                let mut e = self.make_error(format!("error calling {name}: "));
                e.cause = Some(Box::new(cause));
                e
            }
            None => {
                let mut e = self.make_error(format!("error calling {name}: {msg}"));
                e.call_error = Some(msg);
                e
            }
        };
        Ctrl::Err(Box::new(e))
    }

    fn at(&mut self, n: NodeRef<'a>) {
        self.node = n;
    }

    fn error(&self, message: String) -> Ctrl {
        Ctrl::Err(Box::new(self.make_error(message)))
    }

    fn make_error(&self, message: String) -> Error {
        let tree = self.tmpl;
        match self.node.pos() {
            None => Error {
                kind: ErrorKind::Exec,
                template: tree.name.clone(),
                line: 0,
                col: None,
                executing: Some(tree.name.clone()),
                context: None,
                message,
                call_error: None,
                cause: None,
            },
            Some(pos) => {
                let (line, col) = tree.line_col(pos);
                Error {
                    kind: ErrorKind::Exec,
                    template: tree.parse_name.to_string(),
                    line,
                    col: Some(col),
                    executing: Some(tree.name.clone()),
                    context: Some(self.node.context(&tree.text)),
                    message,
                    call_error: None,
                    cause: None,
                }
            }
        }
    }

    // ---- variables ----

    fn push(&mut self, name: &'a str, val: Slot) {
        self.vars.push(Var { name, val });
    }

    fn set_var(&mut self, name: &str, val: Slot) -> Flow<()> {
        for v in self.vars[self.frame..].iter_mut().rev() {
            if v.name == name {
                v.val = val;
                return Ok(());
            }
        }
        Err(self.error(format!("undefined variable: {name}")))
    }

    fn set_top_var(&mut self, n: usize, val: Slot) {
        let len = self.vars.len();
        if n <= len {
            self.vars[len - n].val = val;
        }
    }

    fn var_value(&self, name: &str) -> Flow<Slot> {
        for v in self.vars[self.frame..].iter().rev() {
            if v.name == name {
                return Ok(v.val.clone());
            }
        }
        Err(self.error(format!("undefined variable: {name}")))
    }

    // ---- walking ----

    fn walk_list(&mut self, dot: &Slot, list: &'a ListNode) -> Flow<()> {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            for n in &list.nodes {
                self.walk(dot, n)?;
            }
            Ok(())
        })
    }

    fn walk(&mut self, dot: &Slot, node: &'a Node) -> Flow<()> {
        self.at(NodeRef::Node(node));
        match node {
            Node::Text { pos, end } => {
                self.out.push_str(&self.tmpl.text[*pos..*end]);
                Ok(())
            }
            Node::Action { pipe, .. } => {
                let val = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.print_value(NodeRef::Node(node), &val)?;
                }
                Ok(())
            }
            Node::Break { .. } => Err(Ctrl::Break),
            Node::Continue { .. } => Err(Ctrl::Continue),
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(b) => self.walk_range(dot, node, b),
            Node::Template(t) => self.walk_template(dot, node, t),
        }
    }

    fn walk_if_or_with(&mut self, is_with: bool, dot: &Slot, b: &'a BranchNode) -> Flow<()> {
        let mark = self.vars.len();
        let r = (|| {
            let val = self.eval_pipeline(dot, &b.pipe)?;
            if val.is_true() {
                if is_with {
                    self.walk_list(&Slot::plain(val), &b.list)
                } else {
                    self.walk_list(dot, &b.list)
                }
            } else if let Some(e) = &b.else_list {
                self.walk_list(dot, e)
            } else {
                Ok(())
            }
        })();
        self.vars.truncate(mark);
        r
    }

    fn walk_range(&mut self, dot: &Slot, node: &'a Node, r: &'a BranchNode) -> Flow<()> {
        self.at(NodeRef::Node(node));
        let mark0 = self.vars.len();
        let res = self.walk_range_inner(dot, r);
        self.vars.truncate(mark0);
        match res {
            Err(Ctrl::Break) => Ok(()),
            other => other,
        }
    }

    fn range_iteration(&mut self, r: &'a BranchNode, mark: usize, index: Value, elem: Slot) -> Flow<()> {
        let decl = &r.pipe.decl;
        if !decl.is_empty() {
            if r.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(&decl[0].ident[0], Slot::plain(index.clone()))?;
                } else {
                    self.set_var(&decl[0].ident[0], elem.clone())?;
                }
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if r.pipe.is_assign {
                self.set_var(&decl[1].ident[0], elem.clone())?;
            } else {
                self.set_top_var(2, Slot::plain(index));
            }
        }
        let res = self.walk_list(&elem, &r.list);
        self.vars.truncate(mark);
        match res {
            Err(Ctrl::Continue) => Ok(()),
            other => other,
        }
    }

    fn walk_range_inner(&mut self, dot: &Slot, r: &'a BranchNode) -> Flow<()> {
        let val = self.eval_pipeline(dot, &r.pipe)?;
        let mark = self.vars.len();
        let val = val.underlying();
        match &val {
            Value::Int(n) | Value::Int64(n) => {
                if r.pipe.decl.len() > 1 {
                    return Err(self.error(format!(
                        "can't use {} to iterate over more than one variable",
                        crate::fmt::display(&val)
                    )));
                }
                if *n > 0 {
                    let is64 = matches!(val, Value::Int64(_));
                    for i in 0..*n {
                        let v = if is64 { Value::Int64(i) } else { Value::Int(i) };
                        self.range_iteration(r, mark, Value::Invalid, Slot::plain(v))?;
                    }
                    return Ok(());
                }
            }
            Value::List(l) => {
                let len = l.borrow().len();
                if len > 0 {
                    for i in 0..len {
                        let e = l.borrow().get(i).cloned().unwrap_or(Value::Invalid);
                        self.range_iteration(r, mark, Value::Int(i as i64), Slot { v: e, boxed: true })?;
                    }
                    return Ok(());
                }
            }
            Value::Bytes(b) => {
                if !b.is_empty() {
                    for (i, &c) in b.iter().enumerate() {
                        self.range_iteration(r, mark, Value::Int(i as i64), Slot::plain(Value::Int(c as i64)))?;
                    }
                    return Ok(());
                }
            }
            Value::Map(m) => {
                let entries: Vec<(String, Value)> = m.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                if !entries.is_empty() {
                    for (k, v) in entries {
                        self.range_iteration(r, mark, Value::string(k), Slot { v, boxed: true })?;
                    }
                    return Ok(());
                }
            }
            Value::Invalid | Value::Nil => {}
            _ => {
                return Err(self.error(format!("range can't iterate over {}", builtins::indirect_display(&val))));
            }
        }
        if let Some(e) = &r.else_list {
            self.walk_list(dot, e)?;
        }
        Ok(())
    }

    fn walk_template(&mut self, dot: &Slot, node: &'a Node, t: &'a TemplateNode) -> Flow<()> {
        self.at(NodeRef::Node(node));
        let Some(tmpl) = self.env.lookup(&t.name) else {
            return Err(self.error(format!("template {} not defined", go_quote(&t.name))));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return Err(self.error(format!("exceeded maximum template depth ({MAX_EXEC_DEPTH})")));
        }
        let new_dot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Value::Invalid,
        };
        let saved_tmpl = self.tmpl;
        let saved_node = self.node;
        let saved_frame = self.frame;
        let saved_len = self.vars.len();
        self.depth += 1;
        self.tmpl = tmpl;
        self.frame = saved_len;
        self.push("$", Slot::plain(new_dot.clone()));
        let r = self.walk_list(&Slot::plain(new_dot), &tmpl.root);
        self.vars.truncate(saved_len);
        self.frame = saved_frame;
        self.tmpl = saved_tmpl;
        self.node = saved_node;
        self.depth -= 1;
        r
    }

    // ---- evaluation ----

    fn eval_pipeline(&mut self, dot: &Slot, pipe: &'a PipeNode) -> Flow<Value> {
        self.at(NodeRef::Pipe(pipe));
        let mut value: Option<Value> = None;
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || {
            for cmd in &pipe.cmds {
                let v = self.eval_command(dot, cmd, value.take())?;
                // A nil interface{} result is no value at all (Go strips the interface after each command).
                value = Some(if let Value::Nil = v { Value::Invalid } else { v });
            }
            Ok::<(), Ctrl>(())
        })?;
        let value = value.unwrap_or(Value::Invalid);
        for var in &pipe.decl {
            if pipe.is_assign {
                self.set_var(&var.ident[0], Slot::plain(value.clone()))?;
            } else {
                self.push(&var.ident[0], Slot::plain(value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &'a [Arg], final_: &Option<Value>) -> Flow<()> {
        if args.len() > 1 || final_.is_some() {
            let what = args.first().map(|a| a.to_template_string()).unwrap_or_default();
            return Err(self.error(format!("can't give argument to non-function {what}")));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Slot, cmd: &'a CommandNode, final_: Option<Value>) -> Flow<Value> {
        let Some(first) = cmd.args.first() else {
            return Err(self.error("empty command".into()));
        };
        match first {
            Arg::Field { ident, .. } => {
                return self.eval_field_node(dot, first, ident, &cmd.args, final_).map(|s| s.v);
            }
            Arg::Chain { node, field, .. } => {
                return self.eval_chain_node(dot, first, node, field, &cmd.args, final_).map(|s| s.v);
            }
            Arg::Identifier { ident, .. } => {
                return self.eval_function(dot, first, ident, NodeRef::Command(cmd), &cmd.args, final_);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &final_)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable(v) => {
                return self.eval_variable_node(dot, v, &cmd.args, final_).map(|s| s.v);
            }
            _ => {}
        }
        self.at(NodeRef::Arg(first));
        self.not_a_function(&cmd.args, &final_)?;
        match first {
            Arg::Bool { val, .. } => Ok(Value::Bool(*val)),
            Arg::Dot { .. } => Ok(dot.v.clone()),
            Arg::Nil { .. } => Err(self.error("nil is not a command".into())),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String { text, .. } => Ok(Value::String(text.clone())),
            _ => Err(self.error(format!("can't evaluate command {}", go_quote(&first.to_template_string())))),
        }
    }

    fn ideal_constant(&mut self, node: &'a Arg, c: &'a NumberNode) -> Flow<Value> {
        self.at(NodeRef::Arg(node));
        let text: &str = &c.text;
        let is_hex_int = text.len() > 2
            && text.as_bytes()[0] == b'0'
            && matches!(text.as_bytes()[1], b'x' | b'X')
            && !text.contains(['p', 'P']);
        let is_rune_int = text.starts_with('\'');
        if c.is_complex {
            return Ok(crate::value::Complex::value(c.complex128.0, c.complex128.1));
        }
        if c.is_float && !is_hex_int && !is_rune_int && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(c.float64));
        }
        if c.is_int {
            return Ok(Value::Int(c.int64));
        }
        if c.is_uint {
            return Err(self.error(format!("{text} overflows int")));
        }
        Ok(Value::Invalid)
    }

    fn eval_field_node(
        &mut self,
        dot: &Slot,
        node: &'a Arg,
        ident: &'a [Box<str>],
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> Flow<Slot> {
        self.at(NodeRef::Arg(node));
        self.eval_field_chain(dot, dot.clone(), NodeRef::Arg(node), ident, args, final_)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Slot,
        chain: &'a Arg,
        inner: &'a Arg,
        field: &'a [Box<str>],
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> Flow<Slot> {
        self.at(NodeRef::Arg(chain));
        if field.is_empty() {
            return Err(self.error("internal error: no fields in evalChainNode".into()));
        }
        if let Arg::Nil { .. } = inner {
            return Err(self.error(format!("indirection through explicit nil in {}", chain.to_template_string())));
        }
        let pipe = self.eval_arg(dot, Param::Untyped, inner)?;
        self.eval_field_chain(dot, Slot::plain(pipe), NodeRef::Arg(chain), field, args, final_)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Slot,
        v: &'a VariableNode,
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> Flow<Slot> {
        self.at(NodeRef::Variable(v));
        let value = self.var_value(&v.ident[0])?;
        if v.ident.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, NodeRef::Variable(v), &v.ident[1..], args, final_)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Slot,
        mut receiver: Slot,
        node: NodeRef<'a>,
        ident: &'a [Box<str>],
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> Flow<Slot> {
        let n = ident.len();
        for id in &ident[..n.saturating_sub(1)] {
            receiver = self.eval_field(dot, id, node, &[], None, receiver)?;
        }
        match ident.last() {
            Some(last) => self.eval_field(dot, last, node, args, final_, receiver),
            None => Ok(receiver),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Slot,
        node: &'a Arg,
        name: &'a str,
        cmd: NodeRef<'a>,
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> Flow<Value> {
        self.at(NodeRef::Arg(node));
        let callee = if let Some(f) = self.env.funcs().get(name) {
            Callee::User(f)
        } else if let Some(b) = builtins::lookup(name) {
            Callee::Builtin(b)
        } else {
            return Err(self.error(format!("{} is not a defined function", go_quote(name))));
        };
        self.eval_call(dot, callee, cmd, name, args, final_)
    }

    fn map_lookup(&self, m: &crate::value::MapRef, name: &str) -> Flow<Slot> {
        if let Some(v) = m.borrow().get(name) {
            return Ok(Slot { v: v.clone(), boxed: true });
        }
        match self.env.set.missing_key {
            MissingKey::Default => Ok(Slot::plain(Value::Invalid)),
            MissingKey::Zero => Ok(Slot { v: Value::Nil, boxed: true }),
            MissingKey::Error => Err(self.error(format!("map has no entry for key {}", go_quote(name)))),
        }
    }

    fn eval_field(
        &mut self,
        dot: &Slot,
        name: &'a str,
        node: NodeRef<'a>,
        args: &'a [Arg],
        final_: Option<Value>,
        receiver: Slot,
    ) -> Flow<Slot> {
        let has_args = args.len() > 1 || final_.is_some();
        let type_name = |r: &Slot| if r.boxed { "interface {}".to_string() } else { r.v.type_name() };
        match &receiver.v {
            Value::Invalid => {
                if self.env.set.missing_key == MissingKey::Error {
                    return Err(self.error(format!("nil data; no entry for key {}", go_quote(name))));
                }
                Ok(Slot::plain(Value::Invalid))
            }
            Value::Nil => Err(self.error(format!("nil pointer evaluating interface {{}}.{name}"))),
            Value::Map(m) => {
                if has_args {
                    return Err(self.error(format!("{name} is not a method but has arguments")));
                }
                self.map_lookup(m, name)
            }
            Value::Object(o) => {
                let o = o.clone();
                if let Some(sig) = o.method_signature(name) {
                    let v = self.eval_call(dot, Callee::Method(o.as_ref(), &sig), node, name, args, final_)?;
                    return Ok(Slot::plain(v));
                }
                if o.has_method(name) {
                    let rest = if args.is_empty() { args } else { &args[1..] };
                    let mut argv = Vec::with_capacity(rest.len() + 1);
                    for a in rest {
                        argv.push(self.eval_arg(dot, Param::Typed(ArgType::Any), a)?);
                    }
                    if let Some(f) = final_ {
                        argv.push(self.validate_type(f, Param::Typed(ArgType::Any))?);
                    }
                    match o.call_method(name, &argv) {
                        Some(Ok(v)) => return Ok(Slot::plain(v)),
                        Some(Err(msg)) => {
                            self.at(node);
                            return Err(self.call_error(name, msg));
                        }
                        None => {
                            if argv.is_empty() {
                                if let Some(v) = o.field(name) {
                                    return Ok(Slot::plain(v));
                                }
                            }
                        }
                    }
                } else if let Some(v) = o.field(name) {
                    if has_args {
                        return Err(self.error(format!("{name} has arguments but cannot be invoked as function")));
                    }
                    return Ok(Slot::plain(v));
                } else if let Some(Value::Map(m)) = o.as_value() {
                    if has_args {
                        return Err(self.error(format!("{name} is not a method but has arguments")));
                    }
                    return self.map_lookup(&m, name);
                }
                Err(self.error(format!("can't evaluate field {name} in type {}", type_name(&receiver))))
            }
            _ => Err(self.error(format!("can't evaluate field {name} in type {}", type_name(&receiver)))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &mut self,
        dot: &Slot,
        callee: Callee<'_>,
        node: NodeRef<'a>,
        name: &'a str,
        args: &'a [Arg],
        final_: Option<Value>,
    ) -> Flow<Value> {
        let rest: &'a [Arg] = if args.is_empty() { args } else { &args[1..] };
        let fixed = match callee {
            Callee::User(f) => Params::Typed(&f.sig.params),
            Callee::Method(_, sig) => Params::Typed(&sig.params),
            Callee::Builtin(b) => Params::Reflect(builtins::signature(b).0),
        };
        let variadic = match callee {
            Callee::User(f) => f.sig.variadic.map(Param::Typed),
            Callee::Method(_, sig) => sig.variadic.map(Param::Typed),
            Callee::Builtin(b) => builtins::signature(b).1,
        };
        let num_in = rest.len() + usize::from(final_.is_some());
        let mut num_fixed = rest.len();
        if variadic.is_some() {
            num_fixed = fixed.len();
            if num_in < num_fixed {
                return Err(self.error(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    fixed.len(),
                    rest.len()
                )));
            }
        } else if num_in != fixed.len() {
            return Err(self.error(format!("wrong number of args for {name}: want {} got {num_in}", fixed.len())));
        }

        if let Callee::Builtin(b @ (Builtin::And | Builtin::Or)) = callee {
            let is_or = b == Builtin::Or;
            let mut v = Value::Invalid;
            for a in rest {
                v = self.eval_arg(dot, Param::Reflect, a)?;
                if v.is_true() == is_or {
                    return Ok(v);
                }
            }
            if let Some(f) = final_ {
                v = f;
            }
            return Ok(v);
        }

        let mut argv: Vec<Value> = Vec::with_capacity(num_in);
        if let Callee::Builtin(Builtin::Slice) = callee {
            // `slice` reads its indexes without unwrapping interfaces: a map or list element is an
            // `interface {}` there, which Go reports.
            let mut boxed = Vec::with_capacity(num_in);
            for a in rest {
                let s = self.eval_arg_slot(dot, a)?;
                argv.push(s.v);
                boxed.push(s.boxed);
            }
            if let Some(f) = final_ {
                argv.push(f);
                boxed.push(false);
            }
            return match builtins::slice_builtin(&argv, &boxed) {
                Ok(v) => Ok(v),
                Err(msg) => {
                    self.at(node);
                    Err(self.call_error(name, msg))
                }
            };
        }
        let mut i = 0;
        while i < num_fixed && i < rest.len() {
            argv.push(self.eval_arg(dot, fixed.get(i), &rest[i])?);
            i += 1;
        }
        if let Some(va) = variadic {
            while i < rest.len() {
                argv.push(self.eval_arg(dot, va, &rest[i])?);
                i += 1;
            }
        }
        if let Some(f) = final_ {
            let t = match variadic {
                Some(va) => {
                    if num_in - 1 < num_fixed {
                        fixed.get(num_in - 1)
                    } else {
                        va
                    }
                }
                None => fixed.get(fixed.len().wrapping_sub(1)),
            };
            argv.push(self.validate_type(f, t)?);
        }

        let result = match callee {
            Callee::User(f) => (f.body)(self, &argv),
            Callee::Method(o, _) => {
                o.call_method(name, &argv).unwrap_or_else(|| Err(format!("method {name} is not callable")))
            }
            Callee::Builtin(Builtin::Call) => {
                // Go names the callee by its node, or, when it came through a pipe, by the piped
                // value's reflect.Value.String(): the text itself for a string, else `<TYPE Value>`.
                let callee_name = match rest.first() {
                    Some(a) => a.to_template_string(),
                    None => match argv.last() {
                        Some(Value::String(s)) => s.to_string(),
                        Some(v) => format!("<{} Value>", v.type_name()),
                        None => "<invalid Value>".to_string(),
                    },
                };
                builtins::call(&callee_name, &argv)
            }
            Callee::Builtin(b) => builtins::call_builtin(b, &argv),
        };
        match result {
            Ok(v) => Ok(v),
            Err(msg) => {
                self.at(node);
                Err(self.call_error(name, msg))
            }
        }
    }

    /// Go's `validateType`: check (and adapt) a computed value against a parameter type.
    fn validate_type(&mut self, value: Value, typ: Param) -> Flow<Value> {
        let t = match typ {
            Param::Reflect | Param::Untyped => return Ok(value),
            Param::Typed(t) => t,
        };
        match (&value, t) {
            (Value::Invalid, ArgType::Any) => Ok(Value::Nil),
            (Value::Invalid, _) => match zero_of(t) {
                Some(z) => Ok(z),
                None => Err(self.error(format!("invalid value; expected {}", t.go_name()))),
            },
            (_, ArgType::Any) => Ok(value),
            (Value::String(_), ArgType::String | ArgType::ByteString)
            | (Value::Int(_), ArgType::Int)
            | (Value::Int64(_), ArgType::Int64)
            | (Value::Float(_), ArgType::Float64)
            | (Value::Bool(_), ArgType::Bool)
            | (Value::List(_), ArgType::List)
            | (Value::Map(_), ArgType::Map)
            | (Value::Bytes(_), ArgType::Bytes) => Ok(value),
            (Value::List(l), ArgType::StringList) if l.borrow().iter().all(|e| matches!(e, Value::String(_))) => {
                Ok(value)
            }
            (Value::Object(o), _) => match (o.as_value(), t) {
                (Some(v @ Value::Map(_)), ArgType::Map) | (Some(v @ Value::List(_)), ArgType::List) => Ok(v),
                (Some(b @ Value::Bytes(_)), ArgType::ByteString) if o.kind() == "string" => Ok(b),
                (_, ArgType::String | ArgType::ByteString) if o.kind() == "string" => Ok(Value::string(o.display())),
                _ => Err(self.error(format!(
                    "wrong type for value; expected {}; got {}",
                    t.go_name(),
                    value.type_name()
                ))),
            },
            (Value::Nil, _) => {
                Err(self.error(format!("wrong type for value; expected {}; got interface {{}}", t.go_name())))
            }
            _ => Err(self.error(format!("wrong type for value; expected {}; got {}", t.go_name(), value.type_name()))),
        }
    }

    fn eval_arg(&mut self, dot: &Slot, typ: Param, n: &'a Arg) -> Flow<Value> {
        self.at(NodeRef::Arg(n));
        match n {
            Arg::Dot { .. } => return self.validate_type(dot.v.clone(), typ),
            Arg::Nil { .. } => {
                return match typ {
                    Param::Reflect | Param::Untyped => Ok(Value::Invalid),
                    Param::Typed(ArgType::Any) => Ok(Value::Nil),
                    Param::Typed(t) => match zero_of(t) {
                        Some(z) => Ok(z),
                        None => Err(self.error(format!("cannot assign nil to {}", t.go_name()))),
                    },
                };
            }
            Arg::Field { ident, .. } => {
                let v = self.eval_field_node(dot, n, ident, std::slice::from_ref(n), None)?;
                return self.validate_type(v.v, typ);
            }
            Arg::Variable(v) => {
                let v = self.eval_variable_node(dot, v, &[], None)?;
                return self.validate_type(v.v, typ);
            }
            Arg::Pipe(p) => {
                let v = self.eval_pipeline(dot, p)?;
                return self.validate_type(v, typ);
            }
            Arg::Identifier { ident, .. } => {
                let v = self.eval_function(dot, n, ident, NodeRef::Arg(n), &[], None)?;
                return self.validate_type(v, typ);
            }
            Arg::Chain { node, field, .. } => {
                let v = self.eval_chain_node(dot, n, node, field, &[], None)?;
                return self.validate_type(v.v, typ);
            }
            _ => {}
        }
        let t = match typ {
            Param::Reflect | Param::Untyped | Param::Typed(ArgType::Any) => return self.eval_empty_interface(n),
            Param::Typed(t) => t,
        };
        match (t, n) {
            (ArgType::Bool, Arg::Bool { val, .. }) => Ok(Value::Bool(*val)),
            (ArgType::Bool, _) => Err(self.error(format!("expected bool; found {}", n.to_template_string()))),
            (ArgType::Float64, Arg::Number(c)) if c.is_float => Ok(Value::Float(c.float64)),
            (ArgType::Float64, _) => Err(self.error(format!("expected float; found {}", n.to_template_string()))),
            (ArgType::Int, Arg::Number(c)) if c.is_int => Ok(Value::Int(c.int64)),
            (ArgType::Int64, Arg::Number(c)) if c.is_int => Ok(Value::Int64(c.int64)),
            (ArgType::Int | ArgType::Int64, _) => {
                Err(self.error(format!("expected integer; found {}", n.to_template_string())))
            }
            (ArgType::String | ArgType::ByteString, Arg::String { text, .. }) => Ok(Value::String(text.clone())),
            (ArgType::String | ArgType::ByteString, _) => Err(self.error(format!("expected string; found {}", n.to_template_string()))),
            _ => Err(self.error(format!("can't handle {} for arg of type {}", n.to_template_string(), t.go_name()))),
        }
    }

    /// An argument for a `reflect.Value` parameter, keeping whether it sits in an interface slot.
    fn eval_arg_slot(&mut self, dot: &Slot, n: &'a Arg) -> Flow<Slot> {
        self.at(NodeRef::Arg(n));
        match n {
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Field { ident, .. } => self.eval_field_node(dot, n, ident, std::slice::from_ref(n), None),
            Arg::Variable(v) => self.eval_variable_node(dot, v, &[], None),
            Arg::Chain { node, field, .. } => self.eval_chain_node(dot, n, node, field, &[], None),
            _ => self.eval_arg(dot, Param::Reflect, n).map(Slot::plain),
        }
    }

    fn eval_empty_interface(&mut self, n: &'a Arg) -> Flow<Value> {
        self.at(NodeRef::Arg(n));
        match n {
            Arg::Bool { val, .. } => Ok(Value::Bool(*val)),
            Arg::Number(c) => self.ideal_constant(n, c),
            Arg::String { text, .. } => Ok(Value::String(text.clone())),
            _ => Err(self.error(format!(
                "can't handle assignment of {} to empty interface argument",
                n.to_template_string()
            ))),
        }
    }

    fn print_value(&mut self, n: NodeRef<'a>, v: &Value) -> Flow<()> {
        self.at(n);
        match v {
            Value::Invalid => self.out.push_str("<no value>"),
            Value::String(s) => self.out.push_str(s),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) | Value::Int64(i) => {
                use std::fmt::Write;
                let _ = write!(self.out, "{i}");
            }
            // Go prints a pointer's target: a non-Stringer `*T` shows as `{…}`, not `&{…}`.
            Value::Object(o) if o.kind() == "ptr" => {
                let d = o.display();
                self.out.push_str(d.strip_prefix('&').unwrap_or(&d));
            }
            Value::Object(o) => self.out.push_str(&o.display()),
            other => self.out.push_str(&crate::fmt::display(other)),
        }
        Ok(())
    }
}

/// The zero value Go passes for a missing value where the parameter type can be nil.
fn zero_of(t: ArgType) -> Option<Value> {
    match t {
        ArgType::Any | ArgType::Writer => Some(Value::Nil),
        ArgType::List | ArgType::StringList => Some(Value::list(Vec::new())),
        ArgType::Map => Some(Value::empty_map()),
        ArgType::Bytes => Some(Value::Bytes(Rc::from(&[][..]))),
        _ => None,
    }
}

impl State<'_> {
    fn fail(&mut self, e: Error) -> String {
        let text = e.to_string();
        self.failure = Some(e);
        text
    }
}

impl Runtime for State<'_> {
    fn execute_named(&mut self, name: &str, data: Value) -> Result<String, String> {
        let Some(tree) = self.env.lookup(name) else {
            return Err(self.fail(no_template(name, &self.env.set.root_name)));
        };
        run(self.env, tree, data, 0).map_err(|e| self.fail(e))
    }

    fn execute_text(&mut self, name: &str, text: &str, data: Value) -> Result<String, String> {
        let set = self.env.set;
        let has = |f: &str| set.funcs.contains_key(f) || builtins::lookup(f).is_some();
        let trees = parse::parse(name, Arc::from(text), &has).map_err(|e| self.fail(e))?;
        let mut overlay = Overlay { parent: self.env, local: HashMap::with_capacity(trees.len()) };
        let mut top: Option<Tree> = None;
        for (n, tree) in trees {
            let keep_old = tree.is_empty() && self.env.lookup(&n).is_some();
            if n == name {
                // The parsed text itself always runs (Go executes the template `Parse` returned), even
                // where an empty text leaves an earlier definition of the name in the set.
                if keep_old {
                    top = Some(tree);
                    continue;
                }
            } else if keep_old {
                continue;
            }
            overlay.local.insert(n, tree);
        }
        let env = Env { set, overlay: Some(&overlay) };
        let tree = match &top {
            Some(t) => t,
            None => match overlay.local.get(name) {
                Some(t) => t,
                None => return Ok(String::new()),
            },
        };
        let r = run(env, tree, data, 0);
        r.map_err(|e| self.fail(e))
    }

    fn current_template(&self) -> String {
        self.tmpl.name.clone()
    }
}
